//! Telling ambiguous cites apart, in the spec's order: add names hidden by
//! et al., expand given names, try the style's `disambiguate` branches, and
//! last add year suffixes in bibliography order.

use crate::engine::Processor;
use crate::item::Item;
use crate::output;
use crate::render::{Cite, Disambiguation, Mode};
use citationberg::TestPosition;
use std::collections::HashMap;

/// The disambiguation of every item (indexed like `items`).
pub fn run(processor: &Processor, items: &[Item], bib_order: &[usize], numbers: &[usize]) -> Vec<Disambiguation> {
    let citation = &processor.style.citation;
    let mut state = vec![Disambiguation::default(); items.len()];
    let shared = processor.shared();
    let names = processor.citation_names();
    let first = Cite { positions: vec![TestPosition::First], ..Cite::default() };
    let render = |i: usize, d: &Disambiguation| -> String {
        let ctx = processor.ctx(&shared, &items[i], Mode::Citation, Some(&first), Some(numbers[i]), d, names.clone());
        output::plain(&ctx.elements(&citation.layout.elements, "").0)
    };
    let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
    for &i in bib_order {
        by_text.entry(render(i, &state[i])).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_text.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();

    let max_names = |i: usize| items[i].names.values().map(Vec::len).max().unwrap_or(0);
    // Splits a group by rendering; returns the parts still ambiguous.
    let split = |group: &[usize], state: &[Disambiguation]| -> Vec<Vec<usize>> {
        let mut parts: Vec<(String, Vec<usize>)> = Vec::new();
        for &i in group {
            let text = render(i, &state[i]);
            match parts.iter_mut().find(|(t, _)| *t == text) {
                Some((_, members)) => members.push(i),
                None => parts.push((text, vec![i])),
            }
        }
        parts.into_iter().map(|(_, m)| m).filter(|m| m.len() > 1).collect()
    };

    let mut suffix_groups: Vec<Vec<usize>> = Vec::new();
    for group in groups {
        let mut pending = vec![group];
        // 1. More names.
        if citation.disambiguate_add_names {
            let mut next = Vec::new();
            for group in pending {
                let limit = group.iter().map(|&i| max_names(i)).max().unwrap_or(0);
                let mut remaining = group.clone();
                let mut step = 0;
                while !remaining.is_empty() && step < limit {
                    step += 1;
                    let before = state.clone();
                    for &i in &remaining {
                        state[i].add_names = step;
                    }
                    let still = split(&remaining, &state);
                    let still_flat: Vec<usize> = still.iter().flatten().copied().collect();
                    if still_flat.len() == remaining.len() && step == limit {
                        // Nothing gained: the names stay as they were.
                        for &i in &remaining {
                            state[i].add_names = before[i].add_names;
                        }
                    }
                    remaining = still_flat;
                }
                next.extend(split(&group, &state));
            }
            pending = next;
        }
        // 2. Given names: initials, then whole.
        if citation.disambiguate_add_givenname {
            let mut next = Vec::new();
            let full = citation.givenname_disambiguation_rule.allows_full_first_names();
            for group in pending {
                for &i in &group {
                    state[i].givenname = 1;
                }
                let mut still = split(&group, &state);
                if full && !still.is_empty() {
                    for &i in still.iter().flatten() {
                        state[i].givenname = 2;
                    }
                    still = split(&group, &state);
                }
                if still.iter().map(Vec::len).sum::<usize>() == group.len() {
                    for &i in &group {
                        state[i].givenname = 0;
                    }
                }
                next.extend(still);
            }
            pending = next;
        }
        // 3. The style's own disambiguating branches.
        let mut next = Vec::new();
        for group in pending {
            for &i in &group {
                state[i].condition = true;
            }
            next.extend(split(&group, &state));
        }
        pending = next;
        suffix_groups.extend(pending);
    }

    // 4. Year suffixes, in bibliography order.
    if citation.disambiguate_add_year_suffix {
        let position: HashMap<usize, usize> = bib_order.iter().enumerate().map(|(n, &i)| (i, n)).collect();
        for mut group in suffix_groups {
            group.sort_by_key(|i| position.get(i).copied().unwrap_or(usize::MAX));
            for (n, &i) in group.iter().enumerate() {
                state[i].year_suffix = Some(letters(n));
            }
        }
    }
    state
}

/// `a`…`z`, `aa`, `ab`, …
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn suffix_letters() {
        assert_eq!(super::letters(0), "a");
        assert_eq!(super::letters(25), "z");
        assert_eq!(super::letters(26), "aa");
        assert_eq!(super::letters(27), "ab");
    }
}
