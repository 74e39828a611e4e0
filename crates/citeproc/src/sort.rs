//! Sort keys as the spec defines them: names in sort order, dates as
//! sortable numbers, numbers numerically, macros as their plain output; empty
//! keys last in either direction; text compared by the locale's collation.

use crate::dates;
use crate::engine::Processor;
use crate::item::Item;
use crate::numbers;
use crate::output;
use crate::render::{Disambiguation, Mode};
use citationberg::taxonomy::Variable;
use citationberg::{InheritableNameOptions, Names, Sort, SortDirection, SortKey};
use std::cmp::Ordering;

/// One item's keys, in the order of the style's keys.
pub type Keys = Vec<Option<String>>;

/// Computes an item's sort keys.
pub fn keys(
    processor: &Processor,
    sort: &Sort,
    item: &Item,
    citation_number: Option<usize>,
    disamb: &Disambiguation,
    name_options: &InheritableNameOptions,
) -> Keys {
    let shared = processor.shared();
    sort.keys
        .iter()
        .map(|key| {
            let mut ctx = processor.ctx(&shared, item, Mode::Sort, None, citation_number, disamb, name_options);
            let text = match key {
                SortKey::Variable { variable, .. } => match variable {
                    Variable::Name(name) => {
                        ctx.sort_plain_names = true;
                        let names = Names::with_variables(vec![*name]);
                        output::plain(&crate::names::render(&ctx, &names).0)
                    }
                    Variable::Date(date) => {
                        item.dates.get(crate::render::name_of(*date)).map(dates::sort_key).unwrap_or_default()
                    }
                    Variable::Number(_) | Variable::Page(_) => ctx
                        .variable(crate::render::name_of(*variable), false)
                        .map(|v| numbers::sort_key(&v))
                        .unwrap_or_default(),
                    Variable::Standard(_) => ctx
                        .variable(crate::render::name_of(*variable), false)
                        .map(|v| output::plain(&crate::text::rich(&v, &processor.marks)))
                        .unwrap_or_default(),
                },
                SortKey::MacroName { name, names_min, names_use_first, names_use_last, .. } => {
                    ctx.names_override = Some((*names_min, *names_use_first, *names_use_last));
                    match processor.macros.get(name) {
                        Some(m) => output::plain(&ctx.elements(&m.children, "").0),
                        None => String::new(),
                    }
                }
            };
            // Quotes, apostrophes and brackets do not sort (`D’Souza` after
            // `Doe`), as citeproc-js prepares its keys.
            let text: String = text
                .trim()
                .chars()
                .filter(|c| !matches!(c, '\'' | '’' | '‘' | '“' | '”' | '"' | '[' | ']' | '(' | ')'))
                .collect();
            (!text.is_empty()).then_some(text)
        })
        .collect()
}

/// Compares two items' keys.
pub fn compare(processor: &Processor, sort: &Sort, a: &Keys, b: &Keys) -> Ordering {
    for (key, (x, y)) in sort.keys.iter().zip(a.iter().zip(b.iter())) {
        let order = match (x, y) {
            (None, None) => Ordering::Equal,
            // Empty keys go last whatever the direction.
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) => compare_text(processor, x, y),
        };
        let order = if key.sort_direction() == SortDirection::Descending { order.reverse() } else { order };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// The order of a cluster's cites under citeproc-js's grouped sort (for
/// collapsing in-text styles): each cite's first names (`None` where it
/// prints none: a title standing in for them is none) go before the
/// style's keys, then every cite of one run of the same names is keyed by
/// the first style key of the run's first cite, `undefined` when that is
/// empty, and its place in that order (citeproc-js concatenates the two,
/// so an empty key sorts as the word). `tie` breaks ties (the
/// bibliography's order).
pub fn grouped(
    processor: &Processor,
    sort: &Sort,
    keys: &[Keys],
    authors: &[Option<String>],
    tie: &dyn Fn(usize, usize) -> Ordering,
) -> Vec<usize> {
    let by_keys = |a: usize, b: usize| compare(processor, sort, &keys[a], &keys[b]);
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| {
        let first = match (&authors[a], &authors[b]) {
            (Some(x), Some(y)) => compare_text(processor, x, y),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
        };
        first.then_with(|| by_keys(a, b)).then_with(|| tie(a, b))
    });
    // The run's key and the place, per cite.
    let mut run_key: Vec<(String, usize)> = vec![(String::new(), 0); keys.len()];
    let mut last: Option<&Option<String>> = None;
    let mut key = String::new();
    for (place, &k) in order.iter().enumerate() {
        if last != Some(&authors[k]) {
            key = keys[k].first().cloned().flatten().unwrap_or_else(|| "undefined".to_string());
            last = Some(&authors[k]);
        }
        run_key[k] = (key.clone(), place);
    }
    let descending = sort.keys.first().is_some_and(|k| k.sort_direction() == SortDirection::Descending);
    order.sort_by(|&a, &b| {
        let (x, i) = &run_key[a];
        let (y, j) = &run_key[b];
        let first = compare_text(processor, x, y).then(i.cmp(j));
        let first = if descending { first.reverse() } else { first };
        first.then_with(|| by_keys(a, b)).then_with(|| tie(a, b))
    });
    order
}

fn compare_text(processor: &Processor, a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if numeric(a) && numeric(b) {
        // Number and date keys are fixed-width digits: a range's key is its
        // start's followed by its end's, so it sorts after its first year.
        return a.cmp(b);
    }
    match &processor.collator {
        Some(collator) => collator.compare(a, b),
        None => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}
