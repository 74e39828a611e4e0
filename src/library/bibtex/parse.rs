//! Parsing with the biblatex crate, as far as it goes: a small source of
//! the wanted entries, their parents and the `@string`s is parsed; what
//! biblatex rejects is repaired (an undefined abbreviation read as empty, a
//! looping link cut) or left out (the entry at fault), and the rest is
//! parsed again.

use biblatex::{Bibliography, ParseError, ParseErrorKind, Token};
use std::collections::{HashMap, HashSet};

use super::source::MiniSource;
use super::{Index, Item, Parsed, convert, item_key, links};
use crate::library::problem::Problem;

/// How deep braces may nest in an entry (real ones rarely pass 5).
const MAX_BRACE_DEPTH: usize = 100;

/// How many undefined abbreviations are read as empty in one parse; past
/// that, each fails its entry.
const MAX_UNDEFINED: usize = 1000;

/// [`parse_with`] and an [`Index`] made for the one call.
#[cfg(test)]
fn parse(text: &str, items: &[Item], wanted: &[usize]) -> (Vec<Parsed>, Vec<Problem>) {
    parse_with(text, items, &Index::new(items), wanted)
}

/// Parses the entries at `wanted` (indices into `items`, indexed in
/// `index`), with every `@string` and the parents they name. Entries that
/// fail are reported and left out; the others are returned in `wanted`
/// order.
pub(crate) fn parse_with(text: &str, items: &[Item], index: &Index, wanted: &[usize]) -> (Vec<Parsed>, Vec<Problem>) {
    let mut problems = Vec::new();
    // 1. What to parse: the wanted entries, their parents, the `@string`s.
    let (included, cut_parents) = links::include(text, items, index, wanted, &mut problems);
    let dropped = too_deep(text, items, &included, &mut problems);
    let mut repairs = Repairs { dropped, cut_parents, undefined: Vec::new() };
    // 2. Parse, repairing until biblatex takes the source.
    let (bibliography, source) = match parse_repairing(text, items, &included, &mut repairs, &mut problems) {
        Ok(parsed) => parsed,
        Err(why) => return parse_one_by_one(text, items, index, wanted, problems, why),
    };
    // 3. The wanted entries, converted; moved out of the bibliography, not
    // cloned.
    let mut entries: HashMap<String, biblatex::Entry> =
        bibliography.into_iter().map(|entry| (entry.key.clone(), entry)).collect();
    let mut parsed = Vec::with_capacity(wanted.len());
    for &i in wanted {
        if repairs.dropped.contains(&i) {
            continue;
        }
        let Some(key) = item_key(&items[i]) else { continue };
        let Some(entry) = entries.remove(key) else { continue };
        parsed.extend(convert::convert(entry, &source, items, i, key, &mut problems));
    }
    (parsed, problems)
}

/// The items nested too deep to parse, reported: biblatex reads nested
/// braces and commands recursively, and deep nesting would overflow the
/// stack. No real entry comes near the limit.
fn too_deep(text: &str, items: &[Item], included: &[usize], problems: &mut Vec<Problem>) -> HashSet<usize> {
    let mut dropped = HashSet::new();
    for &i in included {
        let depth = brace_depth(&text[items[i].range.clone()]);
        if depth > MAX_BRACE_DEPTH {
            dropped.insert(i);
            problems.push(Problem::warning(
                items[i].range.start,
                format!(
                    "{} nests braces {depth} deep (at most {MAX_BRACE_DEPTH} are read); it is skipped",
                    item_key(&items[i]).map_or("an item".to_string(), |k| format!("entry `{k}`"))
                ),
            ));
        }
    }
    dropped
}

/// The deepest nesting of braces in `text` (escaped braces do not count).
fn brace_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut escaped) = (0usize, 0usize, false);
    for byte in text.bytes() {
        match byte {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// What the rounds of parsing changed in the source (see
/// [`MiniSource::build`]).
pub(super) struct Repairs {
    /// Items left out.
    pub dropped: HashSet<usize>,
    /// Items whose `crossref` and `xdata` fields are blanked.
    pub cut_parents: HashSet<usize>,
    /// Abbreviations used but never defined: BibTeX reads them as empty (and
    /// warns), so do we, rather than losing the entry.
    pub undefined: Vec<String>,
}

/// Parses the `included` items, repairing the source until biblatex takes
/// it; `Err` when biblatex panicked. Every round drops an item, cuts an
/// item's links or defines an abbreviation (at most [`MAX_UNDEFINED`]), so
/// this ends.
fn parse_repairing(
    text: &str,
    items: &[Item],
    included: &[usize],
    repairs: &mut Repairs,
    problems: &mut Vec<Problem>,
) -> Result<(Bibliography, MiniSource), String> {
    loop {
        let source = MiniSource::build(text, items, included, repairs);
        // The links as biblatex will follow them (through `@string`s and
        // `ids` aliases, which `links::include` cannot see): a loop among
        // them would recurse until the stack overflows.
        if links::inherits(&source.text) {
            let cuts = links::links_to_cut(&source);
            if !cuts.is_empty() {
                repairs.cut(items, cuts, problems);
                continue;
            }
        }
        // biblatex can panic on odd input (an overflow on a zero day, in a
        // build with overflow checks): that must cost one entry, not all.
        match crate::guard::guarded(|| Bibliography::parse(&source.text))? {
            Ok(bibliography) => return Ok((bibliography, source)),
            Err(error) => {
                if !repairs.repair(error, &source, items, problems) {
                    return Ok((Bibliography::new(), source));
                }
            }
        }
    }
}

impl Repairs {
    /// Cuts the links of `cuts`' items (item, why). An item whose links
    /// were cut already (its link fields could not be blanked) goes rather
    /// than the stack.
    fn cut(&mut self, items: &[Item], cuts: Vec<(usize, String)>, problems: &mut Vec<Problem>) {
        for (item, message) in cuts {
            if self.cut_parents.insert(item) {
                problems.push(Problem::warning(items[item].range.start, message));
            } else {
                self.dropped.insert(item);
                problems.push(Problem::warning(
                    items[item].range.start,
                    format!(
                        "entry `{}` is skipped: its `crossref`/`xdata` links could not be cut",
                        item_key(&items[item]).unwrap_or("?")
                    ),
                ));
            }
        }
    }

    /// Repairs what biblatex rejected: an undefined abbreviation is read as
    /// empty, else the item at fault is left out. `false` when the fault is
    /// in no item: nothing is left to drop.
    fn repair(&mut self, error: ParseError, source: &MiniSource, items: &[Item], problems: &mut Vec<Problem>) -> bool {
        if let ParseErrorKind::UnknownAbbreviation(name) = &error.kind
            && !self.undefined.contains(name)
            && self.undefined.len() < MAX_UNDEFINED
        {
            let (item, offset) = source.locate(error.span.start);
            let key = item.and_then(|i| item_key(&items[i]));
            problems.push(Problem::warning(
                offset,
                format!(
                    "{}`{name}` is not a defined `@string`; it is read as empty (write `{{{name}}}` for the word itself)",
                    key.map(|k| format!("entry `{k}`: ")).unwrap_or_default()
                ),
            ));
            self.undefined.push(name.clone());
            return true;
        }
        // "A comma is missing" is found at the next field; the comma belongs
        // after the previous value, at the end of its line.
        let at = match error.kind {
            ParseErrorKind::Expected(Token::Comma) => source.text[..error.span.start].trim_end().len(),
            _ => error.span.start,
        };
        let (item, offset) = source.locate(at);
        let Some(item) = item else {
            problems.push(Problem::warning(offset, error.kind.to_string()));
            return false;
        };
        self.dropped.insert(item);
        problems.push(Problem::warning(
            offset,
            match item_key(&items[item]) {
                Some(key) => format!("entry `{key}` is skipped: {}", describe_parse_error(&error.kind)),
                None => format!("`@string` is skipped: {}", describe_parse_error(&error.kind)),
            },
        ));
        true
    }
}

/// After biblatex panicked on a batch: each wanted entry alone, so only the
/// one at fault is lost.
fn parse_one_by_one(
    text: &str,
    items: &[Item],
    index: &Index,
    wanted: &[usize],
    mut problems: Vec<Problem>,
    why: String,
) -> (Vec<Parsed>, Vec<Problem>) {
    if let [only] = wanted {
        problems.push(Problem::warning(
            items[*only].range.start,
            format!(
                "{} is skipped: the BibLaTeX reader failed on it ({why})",
                item_key(&items[*only]).map_or("an item".to_string(), |k| format!("entry `{k}`"))
            ),
        ));
        return (Vec::new(), problems);
    }
    let mut parsed = Vec::new();
    let mut all: Vec<Problem> = Vec::new();
    for &w in wanted {
        let (p, found) = parse_with(text, items, index, &[w]);
        parsed.extend(p);
        for problem in found {
            // Problems of shared parents and strings come once.
            if !all.iter().any(|q| q.offset == problem.offset && q.message == problem.message) {
                all.push(problem);
            }
        }
    }
    (parsed, all)
}

fn describe_parse_error(kind: &biblatex::ParseErrorKind) -> String {
    use ParseErrorKind as K;
    match kind {
        K::UnknownAbbreviation(name) => format!(
            "`{name}` is neither a field value in braces or quotes nor a defined `@string` (write `{{{name}}}` or define it)"
        ),
        K::Expected(Token::Comma) => "a `,` is missing between fields (or after the key)".to_string(),
        K::Expected(Token::Equals) => "a field name must be followed by `=`".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::bibtex::split;

    #[test]
    fn parse_drops_broken_entries_and_keeps_the_rest() {
        let text = "@string{j = {Journal of Things}}\n\
                    @article{a, author = {Knuth, Donald}, title = {Alpha}, journal = j, year = 2001}\n\
                    @article{b, author = {X, Y} title = {Missing comma}, year = 2002}\n\
                    @article{c, title = {Gamma}, journal = undefinedmacro, year = 2003}\n\
                    @article{d, title = {Delta \\emph{it}}, year = 2004}\n";
        let (items, problems) = split(text);
        assert!(problems.is_empty());
        let wanted: Vec<usize> = (1..items.len()).collect();
        let (parsed, problems) = parse(text, &items, &wanted);
        let got: Vec<&str> = parsed.iter().map(|p| p.entry.key()).collect();
        assert_eq!(got, ["a", "c", "d"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.starts_with("entry `b` is skipped: a `,` is missing"), "{}", problems[0].message);
        // The place is right after the value that lacks its comma.
        let (line, column) = crate::diagnostic::line_column(text, problems[0].offset);
        assert_eq!((line, column), (3, 28));
        // An undefined `@string` is read as empty, as BibTeX does.
        assert!(
            problems[1].message.contains("entry `c`: `undefinedmacro` is not a defined `@string`; it is read as empty"),
            "{}",
            problems[1].message
        );
        let title = parsed[2].entry.title().unwrap().value.to_string();
        assert_eq!(title, "Delta \u{E000}it\u{E001}");
    }

    #[test]
    fn crossref_parents_are_pulled_in_and_loops_cut() {
        let text = "@inproceedings{child, title = {Child}, crossref = {proc}}\n\
                    @proceedings{proc, title = {The Proceedings}, year = 2020}\n\
                    @misc{loop1, title = {L1}, crossref = {loop2}}\n\
                    @misc{loop2, title = {L2}, crossref = {loop1}}\n";
        let (items, _) = split(text);
        let (parsed, problems) = parse(text, &items, &[0, 2]);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].entry.key(), "child");
        assert!(problems.iter().any(|p| p.message.contains("leads back to itself")), "{problems:?}");
    }

    #[test]
    fn language_is_read() {
        let text = "@book{zh, title = {深度学习}, langid = {chinese}}";
        let (items, _) = split(text);
        let (parsed, _) = parse(text, &items, &[0]);
        assert_eq!(parsed[0].language.as_deref(), Some("chinese"));
    }
}
