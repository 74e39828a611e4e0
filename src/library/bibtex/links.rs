//! `crossref` and `xdata`: the parents an entry inherits fields from. A
//! parse pulls them in; biblatex follows them recursively, so links that
//! loop or chain too deep are cut first, and said so.

use biblatex::Bibliography;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use super::source::MiniSource;
use super::{Index, Item, item_key};
use crate::library::problem::Problem;

/// Whether an entry's text mentions `crossref` or `xdata` (cheap; then
/// [`parent_keys`] finds them).
pub(crate) fn inherits(entry_text: &str) -> bool {
    static FIELD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)crossref|xdata").expect("valid regex"));
    FIELD.is_match(entry_text)
}

/// The key of the `crossref` and `xdata` parents named in an entry's text.
pub(crate) fn parent_keys(entry_text: &str) -> Vec<String> {
    static PARENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)(?:^|[,\s{(])(crossref|xdata)\s*=\s*(?:\{([^{}]*)\}|"([^"]*)"|([\w:./-]+))"#)
            .expect("valid regex")
    });
    let mut keys = Vec::new();
    for caps in PARENT.captures_iter(entry_text) {
        let value = caps.get(2).or(caps.get(3)).or(caps.get(4)).map_or("", |m| m.as_str());
        keys.extend(value.split(',').map(str::trim).filter(|k| !k.is_empty()).map(String::from));
    }
    keys
}

/// The items a parse of `wanted` needs, in file order: every `@string`, the
/// wanted entries and, transitively, their parents; and the items whose
/// links are cut because they lead back to the entry (biblatex would
/// recurse forever).
pub(super) fn include(
    text: &str,
    items: &[Item],
    index: &Index,
    wanted: &[usize],
    problems: &mut Vec<Problem>,
) -> (Vec<usize>, HashSet<usize>) {
    let mut included: Vec<usize> = index.strings.clone();
    let mut seen: HashSet<usize> = included.iter().copied().collect();
    let mut cut_parents: HashSet<usize> = HashSet::new();
    let mut stack: Vec<(usize, Vec<usize>)> = wanted.iter().rev().map(|&w| (w, Vec::new())).collect();
    while let Some((i, chain)) = stack.pop() {
        if !seen.insert(i) {
            continue;
        }
        included.push(i);
        let item_text = &text[items[i].range.clone()];
        if !inherits(item_text) {
            continue;
        }
        for parent in parent_keys(item_text) {
            match index.by_key.get(parent.as_str()) {
                Some(&p) if p == i || chain.contains(&p) => {
                    cut_parents.insert(i);
                    problems.push(Problem::warning(
                        items[i].range.start,
                        format!(
                            "`crossref`/`xdata` of entry `{}` leads back to itself through `{parent}`; the link is ignored",
                            item_key(&items[i]).unwrap_or("?")
                        ),
                    ));
                }
                Some(&p) => {
                    let mut chain = chain.clone();
                    chain.push(i);
                    stack.push((p, chain));
                }
                None => {}
            }
        }
    }
    included.sort_unstable();
    (included, cut_parents)
}

/// How long a chain of `crossref`/`xdata` parents may be. biblatex follows
/// it recursively, copying each parent; real chains are one or two long.
pub(crate) const MAX_PARENT_DEPTH: usize = 16;

/// Field names the link fields take while [`links_to_cut`] reads them: the
/// same lengths, so offsets stay put.
const PROBE_CROSSREF: &str = "scxcrref";
const PROBE_XDATA: &str = "scxxd";

/// The items whose `crossref`/`xdata` links must be cut before biblatex
/// resolves them, with why: links that lead back to an entry on the way
/// (biblatex would recurse until the stack overflows) and chains longer
/// than [`MAX_PARENT_DEPTH`]. The links are read by biblatex itself, as it
/// will follow them: the text is parsed with the link fields renamed (so
/// nothing is resolved), then each value is looked up as biblatex looks it
/// up (`@string`s, `#`, `ids` aliases included). Text that does not parse
/// needs nothing cut: biblatex fails on it before it resolves anything.
pub(super) fn links_to_cut(source: &MiniSource) -> Vec<(usize, String)> {
    let Ok(raw) = biblatex::RawBibliography::parse(&source.text) else { return Vec::new() };
    let mut probe = source.text.clone();
    let mut entry_items: HashMap<&str, usize> = HashMap::new();
    for entry in &raw.entries {
        if let (Some(item), _) = source.locate(entry.span.start) {
            entry_items.insert(entry.v.key.v, item);
        }
        for field in &entry.v.fields {
            let name = match field.key.v.to_ascii_lowercase().as_str() {
                "crossref" => PROBE_CROSSREF,
                "xdata" => PROBE_XDATA,
                _ => continue,
            };
            probe.replace_range(field.key.span.clone(), name);
        }
    }
    let Ok(Ok(bibliography)) = crate::guard::guarded(|| Bibliography::parse(&probe)) else { return Vec::new() };
    let keys: Vec<&str> = bibliography.iter().map(|e| e.key.as_str()).collect();
    let node: HashMap<&str, usize> = keys.iter().enumerate().map(|(n, &key)| (key, n)).collect();
    let parents: Vec<Vec<usize>> = bibliography
        .iter()
        .map(|entry| {
            let mut targets: Vec<String> = entry.get_as::<String>(PROBE_CROSSREF).into_iter().collect();
            targets.extend(entry.get_as::<Vec<String>>(PROBE_XDATA).unwrap_or_default());
            targets
                .iter()
                .filter_map(|t| bibliography.get(t))
                .filter_map(|parent| node.get(parent.key.as_str()).copied())
                .collect()
        })
        .collect();
    cuts(&keys, &parents)
        .into_iter()
        .enumerate()
        .filter_map(|(n, why)| Some((*entry_items.get(keys[n])?, why?)))
        .collect()
}

/// Why each entry's links are cut, if they are, given the entries' keys
/// and each one's parents (indices of `keys`). Depth-first, without
/// recursion: a link to an entry still on the path closes a loop; a chain
/// too long is cut where it gets too long.
fn cuts(keys: &[&str], parents: &[Vec<usize>]) -> Vec<Option<String>> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; keys.len()];
    let mut height = vec![0usize; keys.len()];
    let mut cut: Vec<Option<String>> = vec![None; keys.len()];
    for root in 0..keys.len() {
        if state[root] != NEW {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = ON_PATH;
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if cut[n].is_none()
                && let Some(&parent) = parents[n].get(*next)
            {
                *next += 1;
                match state[parent] {
                    NEW => {
                        state[parent] = ON_PATH;
                        stack.push((parent, 0));
                    }
                    ON_PATH => {
                        cut[n] = Some(format!(
                            "`crossref`/`xdata` of entry `{}` leads back to itself through `{}`; its links are ignored",
                            keys[n], keys[parent]
                        ));
                    }
                    _ => {}
                }
                continue;
            }
            stack.pop();
            state[n] = DONE;
            if cut[n].is_none() {
                height[n] = parents[n].iter().map(|&p| height[p] + 1).max().unwrap_or(0);
                if height[n] > MAX_PARENT_DEPTH {
                    cut[n] = Some(format!(
                        "entry `{}` starts a chain of more than {MAX_PARENT_DEPTH} `crossref`/`xdata` parents; its links are ignored",
                        keys[n]
                    ));
                }
            }
            if cut[n].is_some() {
                height[n] = 0;
            }
        }
    }
    cut
}

/// Blanks the `crossref` and `xdata` fields of the item starting at
/// `start` (with a comma after them), found as biblatex's own parser finds
/// fields; spaces keep every offset where it was.
pub(super) fn blank_parent_fields(text: &mut String, start: usize) {
    let item = &text[start..];
    let Ok(raw) = biblatex::RawBibliography::parse(item) else { return blank_parent_fields_by_pattern(text, start) };
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for entry in &raw.entries {
        for field in &entry.v.fields {
            if matches!(field.key.v.to_ascii_lowercase().as_str(), "crossref" | "xdata") {
                let mut end = field.value.span.end;
                let rest = &item[end..];
                let after = rest.len() - rest.trim_start().len();
                if rest[after..].starts_with(',') {
                    end += after + 1;
                }
                ranges.push(start + field.key.span.start..start + end);
            }
        }
    }
    for range in ranges.into_iter().rev() {
        let spaces = " ".repeat(text[range.clone()].len());
        text.replace_range(range, &spaces);
    }
}

/// [`blank_parent_fields`] for an item biblatex's parser rejects (it is
/// dropped anyway; this keeps what is left readable).
fn blank_parent_fields_by_pattern(text: &mut String, start: usize) {
    static FIELD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)(crossref|xdata)\s*=\s*(\{[^{}]*\}|"[^"]*"|[\w:./-]+)\s*,?"#).expect("valid regex")
    });
    let ranges: Vec<Range<usize>> =
        FIELD.find_iter(&text[start..]).map(|m| start + m.start()..start + m.end()).collect();
    for range in ranges.into_iter().rev() {
        let spaces = " ".repeat(range.len());
        text.replace_range(range, &spaces);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_keys_are_read_from_both_fields() {
        assert_eq!(parent_keys("crossref = {a}, xdata = {b, c}"), ["a", "b", "c"]);
    }
}
