//! Telling ambiguous cites apart, in the spec's order: add names hidden by
//! et al., expand given names, try the style's `disambiguate` branches, and
//! last add year suffixes in bibliography order.

use crate::engine::Processor;
use crate::item::Item;
use crate::names::initials;
use crate::output;
use crate::render::{Cite, Disambiguation, Mode};
use citationberg::{DisambiguationRule, TestPosition};
use std::collections::HashMap;

/// Given-name levels from the global rules (`all-names`, `primary-name`
/// and their `-with-initials` forms), which hold for the bibliography too.
pub fn global(processor: &Processor, items: &[&Item]) -> Vec<Disambiguation> {
    let citation = &processor.style.citation;
    let mut state = vec![Disambiguation::default(); items.len()];
    if citation.disambiguate_add_givenname && citation.givenname_disambiguation_rule != DisambiguationRule::ByCite {
        names_globally(processor, items, &mut state);
    }
    state
}

/// The disambiguation of every item (indexed like `items`).
pub fn run(
    processor: &Processor,
    items: &[&Item],
    bib_order: &[usize],
    numbers: &[usize],
    global: &[Disambiguation],
) -> Vec<Disambiguation> {
    let citation = &processor.style.citation;
    let mut state = global.to_vec();
    if !processor.disambiguates {
        return state;
    }
    let notes = vec![None; items.len()];
    let groups = ambiguous(processor, items, bib_order, numbers, &state, &notes);
    let suffix_groups = resolve(processor, items, numbers, global, &notes, groups, &mut state);

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

/// The cites that print alike before any disambiguation (citeproc-js's
/// ambiguity keys), in groups of two or more.
pub fn alike(
    processor: &Processor,
    items: &[&Item],
    bib_order: &[usize],
    numbers: &[usize],
    global: &[Disambiguation],
) -> Vec<Vec<usize>> {
    ambiguous(processor, items, bib_order, numbers, global, &vec![None; items.len()])
}

/// The groups of `members` whose cites print alike (`notes`: the note of
/// each item's first reference, where the cites carry it).
fn ambiguous(
    processor: &Processor,
    items: &[&Item],
    members: &[usize],
    numbers: &[usize],
    state: &[Disambiguation],
    notes: &[Option<usize>],
) -> Vec<Vec<usize>> {
    let render = renderer(processor, items, numbers, notes);
    let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
    for &i in members {
        by_text.entry(render(i, &state[i])).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_text.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    groups
}

/// How a cite prints, for comparing cites.
fn renderer<'a>(
    processor: &'a Processor,
    items: &'a [&'a Item],
    numbers: &'a [usize],
    notes: &'a [Option<usize>],
) -> impl Fn(usize, &Disambiguation) -> String + 'a {
    let shared = processor.shared();
    let names = processor.citation_names();
    // Cites are told apart as they are printed most: the first cite in the
    // text, the short subsequent form in notes (with the note of the first
    // reference, when citeproc-js knows it).
    let position = if processor.is_note_style() { TestPosition::Subsequent } else { TestPosition::First };
    move |i: usize, d: &Disambiguation| -> String {
        let cite = Cite { positions: vec![position], first_note: notes[i], ..Cite::default() };
        let ctx = processor.ctx(&shared, items[i], Mode::Citation, Some(&cite), Some(numbers[i]), d, names);
        output::plain(&ctx.elements(&processor.style.citation.layout.elements, "").0)
    }
}

/// Redoes the `disambiguate` condition of `members` (cites that printed
/// alike at first) as citeproc-js reruns it when their citation counts
/// change, for a style whose only means is that condition
/// ([`Processor::reruns`]): the cites compared carry the note of their first
/// reference (`notes`). citeproc-js compares the first member with the others
/// and settles the whole group at once (`disExtraText` registers every member
/// with the same setting): the condition is dropped only when that first
/// member matches none of the others and at most one other is left, which
/// for a pair means the two cites now differ, and never happens for three or
/// more.
pub fn rerun(
    processor: &Processor,
    items: &[&Item],
    members: &[usize],
    numbers: &[usize],
    notes: &[Option<usize>],
    state: &mut [Disambiguation],
) {
    let condition = match members {
        [a, b] => {
            let render = renderer(processor, items, numbers, notes);
            let plain = |i: usize| Disambiguation { condition: false, ..state[i].clone() };
            render(*a, &plain(*a)) == render(*b, &plain(*b))
        }
        [_] | [] => false,
        _ => true,
    };
    for &i in members {
        state[i].condition = condition;
    }
}

/// Tells the cites of each group apart (given names, names, the style's
/// `disambiguate` branches); returns the groups left for year suffixes.
fn resolve(
    processor: &Processor,
    items: &[&Item],
    numbers: &[usize],
    global: &[Disambiguation],
    notes: &[Option<usize>],
    groups: Vec<Vec<usize>>,
    state: &mut [Disambiguation],
) -> Vec<Vec<usize>> {
    let citation = &processor.style.citation;
    let render = renderer(processor, items, numbers, notes);
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
        let original = group.clone();
        let mut pending = vec![group];
        // 1. Given names for the names that share a family name with another
        //    member's name in the same place: initials where they differ,
        //    whole given names (where the rule allows) where they do not.
        if citation.disambiguate_add_givenname {
            let mut next = Vec::new();
            for group in pending {
                let before: Vec<Vec<u8>> = group.iter().map(|&i| state[i].givenname_of.clone()).collect();
                expand_names(processor, items, &group, state, true);
                let mut parts = split(&group, state);
                if !parts.is_empty() {
                    // Whole given names that leave cites ambiguous are taken
                    // back to initials (citeproc-js: `J. Smith, “Title”` when
                    // John Smith has two works, but `Luyu Gao` where the whole
                    // name settles it).
                    for (&i, old) in group.iter().zip(before) {
                        state[i].givenname_of = old;
                    }
                    expand_names(processor, items, &group, state, false);
                    parts = split(&group, state);
                }
                next.extend(parts);
            }
            pending = next;
        }
        // 2. More names.
        if citation.disambiguate_add_names {
            let mut next = Vec::new();
            for group in pending {
                let limit = group.iter().map(|&i| max_names(i)).max().unwrap_or(0);
                let mut remaining = group.clone();
                let mut step = 0;
                while !remaining.is_empty() && step < limit {
                    step += 1;
                    let before = state.to_vec();
                    for &i in &remaining {
                        state[i].add_names = step;
                    }
                    let still = split(&remaining, state);
                    let still_flat: Vec<usize> = still.iter().flatten().copied().collect();
                    if still_flat.len() == remaining.len() && step == limit {
                        // Nothing gained: the names stay as they were.
                        for &i in &remaining {
                            state[i].add_names = before[i].add_names;
                        }
                    }
                    remaining = still_flat;
                }
                if remaining.len() == group.len() {
                    // No name told any of them apart: citeproc-js goes back
                    // to the names it started with (two editions by the
                    // same four authors stay `Hopgood et al.`).
                    for &i in &group {
                        state[i].add_names = 0;
                    }
                }
                if citation.disambiguate_add_givenname {
                    expand_names(processor, items, &group, state, false);
                }
                next.extend(split(&group, state));
            }
            pending = next;
        }
        // 3. The style's own disambiguating branches.
        let mut next = Vec::new();
        for group in pending {
            for &i in &group {
                state[i].condition = true;
            }
            next.extend(split(&group, state));
        }
        pending = next;
        // When nothing told any of the cites apart, what was added is undone
        // (citeproc-js shows more names or given names only where they
        // help); where some were told apart, the rest keep what they needed
        // to differ from those.
        if pending.len() == 1 && pending[0].len() == original.len() {
            for &i in &original {
                state[i].add_names = 0;
                state[i].givenname_of = global[i].givenname_of.clone();
            }
        }
        let pending: Vec<Vec<usize>> = pending.iter().flat_map(|g| split(g, state)).collect();
        suffix_groups.extend(pending);
    }

    suffix_groups
}

/// The names a citation shows of an item: its first name list, up to the
/// et-al cut.
fn cited_names(item: &Item, min: Option<u32>, first: Option<u32>) -> &[crate::item::Name] {
    let list =
        ["author", "editor", "translator"].iter().find_map(|v| item.names.get(*v)).map_or(&[][..], Vec::as_slice);
    match (min, first) {
        (Some(min), Some(first)) if list.len() >= min as usize => &list[..(first as usize).min(list.len())],
        _ => list,
    }
}

/// Raises the given-name level of the names of a group of ambiguous cites
/// that share a family name, place by place, with another member's name.
fn expand_names(processor: &Processor, items: &[&Item], group: &[usize], state: &mut [Disambiguation], full: bool) {
    let options = processor.citation_names();
    let rule = processor.style.citation.givenname_disambiguation_rule;
    let with = options.initialize_with.clone().unwrap_or_else(|| ". ".into());
    let hyphen = processor.style.settings.initialize_with_hyphen;
    let shown = |i: usize, state: &[Disambiguation]| -> Vec<crate::item::Name> {
        let list =
            ["author", "editor", "translator"].iter().find_map(|v| items[i].names.get(*v)).cloned().unwrap_or_default();
        let count = match (options.et_al_min, options.et_al_use_first) {
            (Some(min), Some(first)) if list.len() >= min as usize => first as usize + state[i].add_names,
            _ => list.len(),
        };
        list.into_iter().take(count).collect()
    };
    let lists: Vec<Vec<crate::item::Name>> = group.iter().map(|&i| shown(i, state)).collect();
    for (m, &i) in group.iter().enumerate() {
        for (k, name) in lists[m].iter().enumerate() {
            if name.is_literal() || (k > 0 && !rule.allows_multiple_names()) {
                continue;
            }
            let rivals: Vec<&crate::item::Name> = lists
                .iter()
                .enumerate()
                .filter(|(o, _)| *o != m)
                .filter_map(|(_, other)| other.get(k))
                .filter(|n| n.family == name.family && n.given != name.given)
                .collect();
            if !rivals.is_empty() {
                let mine = initials(&name.given, &with, true, hyphen);
                let same_initials = rivals.iter().any(|r| initials(&r.given, &with, true, hyphen) == mine);
                let full = full && rule.allows_full_first_names();
                let level = if !same_initials {
                    1
                } else if full {
                    2
                } else {
                    1
                };
                if state[i].givenname_of.len() <= k {
                    state[i].givenname_of.resize(k + 1, 0);
                }
                state[i].givenname_of[k] = state[i].givenname_of[k].max(level);
            }
        }
    }
}

/// Expands names that would be ambiguous as names: a family name borne by
/// two people gets initials, or the whole given name when the initials are
/// the same too (where the rule allows it).
fn names_globally(processor: &Processor, items: &[&Item], state: &mut [Disambiguation]) {
    let citation = &processor.style.citation;
    let rule = citation.givenname_disambiguation_rule;
    let options = processor.citation_names();
    let with = options.initialize_with.clone().unwrap_or_else(|| ". ".into());
    let hyphen = processor.style.settings.initialize_with_hyphen;
    let family = |n: &crate::item::Name| format!("{} {}", n.non_dropping_particle, n.family).trim().to_string();
    // Every person cited, by family name.
    let mut people: HashMap<String, Vec<&crate::item::Name>> = HashMap::new();
    for item in items {
        let shown = cited_names(item, options.et_al_min, options.et_al_use_first);
        let shown = if rule.allows_multiple_names() { shown } else { &shown[..shown.len().min(1)] };
        for name in shown.iter().filter(|n| !n.is_literal()) {
            let same = people.entry(family(name)).or_default();
            if !same.iter().any(|n| n.given == name.given) {
                same.push(name);
            }
        }
    }
    for (i, item) in items.iter().enumerate() {
        let shown = cited_names(item, options.et_al_min, options.et_al_use_first);
        let count = if rule.allows_multiple_names() { shown.len() } else { shown.len().min(1) };
        let mut levels = vec![0u8; count];
        for (k, name) in shown.iter().take(count).enumerate() {
            let Some(same) = people.get(&family(name)).filter(|s| s.len() > 1) else { continue };
            let mine = initials(&name.given, &with, true, hyphen);
            let others = same.iter().filter(|other| other.given != name.given);
            let (mut same_initials, mut other_initials) = (false, false);
            for other in others {
                if initials(&other.given, &with, true, hyphen) == mine {
                    same_initials = true;
                } else {
                    other_initials = true;
                }
            }
            levels[k] = if same_initials && rule.allows_full_first_names() {
                2
            } else if other_initials {
                1
            } else {
                // Initials that tell nobody apart are not added.
                0
            };
        }
        if levels.iter().any(|&l| l > 0) {
            state[i].givenname_of = levels;
        }
    }
}

/// The given-name levels of the bibliography's names: the global rule's
/// (`all-names`, `primary-name`, …), and under `by-cite` the whole given
/// names the cites needed, which citeproc-js keeps in the list (`Smith, John`
/// and `Smith, Jane` where the style prints initials); initials a cite
/// needed are what the list prints anyway.
pub fn list_names(processor: &Processor, disamb: &[Disambiguation], global: &[Disambiguation]) -> Vec<Vec<u8>> {
    let citation = &processor.style.citation;
    let by_cite =
        citation.disambiguate_add_givenname && citation.givenname_disambiguation_rule == DisambiguationRule::ByCite;
    global
        .iter()
        .zip(disamb)
        .map(|(global, asked)| {
            if !by_cite {
                return global.givenname_of.clone();
            }
            asked.givenname_of.iter().map(|&level| if level == 2 { 2 } else { 0 }).collect()
        })
        .collect()
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
    use crate::engine::Processor;
    use crate::item::Item;
    use std::collections::HashMap;

    /// Under `by-cite` the list keeps the whole given names the cites
    /// needed; under `primary-name-with-initials` initials are all it gets.
    #[test]
    fn the_list_keeps_the_given_names_by_cite_needed() {
        let items: Vec<Item> = [("a", "John"), ("b", "Jane")]
            .iter()
            .map(|(id, given)| {
                Item::from_json(&serde_json::json!({"id": id, "type": "book", "title": id,
                    "author": [{"family": "Smith", "given": given}], "issued": {"date-parts": [[2019]]}}))
                .unwrap()
            })
            .collect();
        for (rule, want) in
            [("by-cite", ["Smith, John", "Smith, Jane"]), ("primary-name-with-initials", ["Smith, J.", "Smith, J."])]
        {
            let style = format!(
                r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
                <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
                <citation disambiguate-add-givenname="true" givenname-disambiguation-rule="{rule}"><layout>
                  <group delimiter=" "><names variable="author"><name form="short"/></names>
                  <date variable="issued"><date-part name="year"/></date></group></layout></citation>
                <bibliography><layout><names variable="author"><name name-as-sort-order="all" initialize-with=". "/></names>
                </layout></bibliography></style>"#
            );
            let processor = Processor::new(&style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
            let out = processor.render(&items, &[], true);
            let got: Vec<String> = out.bibliography.iter().map(|(_, run)| crate::html(run)).collect();
            assert_eq!(got, want, "{rule}");
        }
    }

    #[test]
    fn suffix_letters() {
        assert_eq!(super::letters(0), "a");
        assert_eq!(super::letters(25), "z");
        assert_eq!(super::letters(26), "aa");
        assert_eq!(super::letters(27), "ab");
    }
}
