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
            // `Doe`), as citeproc-js prepares its keys. A space the text
            // opens with stays: citeproc-js makes it a `|`, which sorts
            // first (` le dessin` before `A user’s manual`).
            let text: String = text
                .trim_end()
                .chars()
                .filter(|c| !matches!(c, '\'' | '’' | '‘' | '“' | '”' | '"' | '[' | ']' | '(' | ')'))
                .collect();
            (!text.trim().is_empty()).then_some(text)
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

fn compare_text(processor: &Processor, a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if numeric(a) && numeric(b) {
        // Number and date keys are fixed-width digits (a date range's key
        // is its start's, a `|` and its end's, so it sorts after its first
        // year).
        return a.cmp(b);
    }
    let (a, b) = (with_separators(a), with_separators(b));
    match &processor.collator {
        Some(collator) => collator.compare(&a, &b),
        None => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// A key as citeproc-js compares it: each space becomes its field separator
/// `|`, and one more ends the key. The collation ignores spaces and
/// punctuation but not `|`, which sorts before every letter and digit, so a
/// word ends before a longer one goes on (`Ben Zaken` before `Bender`, `Du,
/// Zhengxiao` before `Dubois`).
fn with_separators(key: &str) -> String {
    let mut out = key.replace(' ', "|");
    out.push('|');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_as_citeproc_js_compares_them() {
        let collator = crate::engine::collator("en-US".parse().unwrap()).unwrap();
        // (first, second): first sorts before second.
        let cases = [
            ("Ben Zaken, Elad", "Bender, Emily M."),
            ("Du, Zhengxiao", "Dubois, Yann"),
            ("Bentley, Jon, Kernighan, Brian W.", "Bentley, Jon Louis"),
            ("Chapter 2", "Chapter 10"),
            ("119840000|119860000", "119910000"),
        ];
        for (a, b) in cases {
            let order = collator.compare(&with_separators(a), &with_separators(b));
            assert_eq!(order, Ordering::Less, "{a} < {b}");
        }
    }
}
