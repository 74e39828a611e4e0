//! BibLaTeX/BibTeX files as found in the wild, loaded entry by entry.
//!
//! Our own scanner splits the file into `@string` definitions and entries
//! (brace matching only, about as fast as reading the file), so that one
//! broken entry loses nothing else and only the entries a book needs are
//! parsed in full. The biblatex crate then parses a small source made of the
//! `@string`s and the wanted entries (plus their `crossref`/`xdata` parents);
//! when it fails, the entry at fault is reported and left out, and the rest
//! is parsed again.

use biblatex::{Bibliography, Chunk, ChunksExt};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use super::latex;
use super::problem::Problem;

/// One top-level item of the file.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: ItemKind,
    /// From the `@` to the closing delimiter, inclusive.
    pub range: Range<usize>,
    /// Delimited by `(`…`)` rather than `{`…`}`.
    pub parens: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    /// `@string{…}`: abbreviations every entry may use.
    Strings,
    /// An entry, with its key and where the key is. `data` entries
    /// (`@xdata`) only lend fields to others and are not works themselves.
    Entry { key: String, key_offset: usize, data: bool },
}

/// Splits a file into its items. Comments (`@comment`, `%` lines, text
/// between entries) and `@preamble` are dropped; they print nothing.
pub fn split(text: &str) -> (Vec<Item>, Vec<Problem>) {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut problems = Vec::new();
    let mut pos = 0;
    while let Some(at) = memchr_at(bytes, pos) {
        if in_line_comment(bytes, at) {
            pos = next_line(bytes, at);
            continue;
        }
        // `@type` then `{` or `(`, whitespace allowed in between.
        let type_start = at + 1;
        let type_end = type_start
            + text[type_start..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-').count();
        let open = type_end + text[type_end..].bytes().take_while(u8::is_ascii_whitespace).count();
        if type_end == type_start || !matches!(bytes.get(open), Some(b'{') | Some(b'(')) {
            pos = at + 1;
            continue;
        }
        let parens = bytes[open] == b'(';
        let kind = text[type_start..type_end].to_ascii_lowercase();
        let close = match find_close(bytes, open) {
            Some(close) => close,
            None => {
                // Unclosed: the entry runs to the end of the file as far as
                // braces go. Resume at the next line that starts an entry,
                // and lose only this one.
                let resume = next_item_line(text, open).unwrap_or(text.len());
                let key = entry_key(text, open + 1, resume).map(|(k, _)| k);
                if kind != "comment" {
                    problems.push(Problem::warning(
                        at,
                        format!(
                            "{} is not closed: a `{}` is missing{}",
                            key.as_ref().map_or_else(|| format!("`@{kind}`"), |k| format!("entry `{k}`")),
                            if parens { ")" } else { "}" },
                            if resume < text.len() {
                                let (line, _) = crate::diagnostic::line_column(text, resume);
                                format!(" (reading resumes at line {line})")
                            } else {
                                String::new()
                            }
                        ),
                    ));
                }
                pos = resume;
                continue;
            }
        };
        match kind.as_str() {
            "comment" | "preamble" => {}
            "string" => items.push(Item { kind: ItemKind::Strings, range: at..close + 1, parens }),
            _ => match entry_key(text, open + 1, close) {
                Some((key, key_offset)) => {
                    let data = kind == "xdata";
                    items.push(Item { kind: ItemKind::Entry { key, key_offset, data }, range: at..close + 1, parens })
                }
                None => problems
                    .push(Problem::warning(at, format!("`@{kind}` entry has no key: write `@{kind}{{key, …}}`"))),
            },
        }
        pos = close + 1;
    }
    (items, problems)
}

fn memchr_at(bytes: &[u8], from: usize) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == b'@').map(|i| i + from)
}

/// Whether a `%` comes before `at` on its line (outside entries, `%` starts a
/// comment, and an `@` in it starts nothing).
fn in_line_comment(bytes: &[u8], at: usize) -> bool {
    let line_start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    bytes[line_start..at].contains(&b'%')
}

fn next_line(bytes: &[u8], at: usize) -> usize {
    bytes[at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| at + i + 1)
}

/// The offset of the matching close of the delimiter at `open`. Braces nest;
/// a backslash escapes the next character (as biblatex reads it); in a
/// `(`…`)` item, a `)` inside braces or quotes does not close it.
fn find_close(bytes: &[u8], open: usize) -> Option<usize> {
    let parens = bytes[open] == b'(';
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => {
                if depth == 0 {
                    if !parens {
                        return Some(i);
                    }
                } else {
                    depth -= 1;
                }
            }
            b'"' if depth == 0 => in_quotes = !in_quotes,
            b')' if parens && depth == 0 && !in_quotes => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The first line after `from` that starts (after spaces) with `@type{` or
/// `@type(`.
fn next_item_line(text: &str, from: usize) -> Option<usize> {
    static ITEM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^[ \t]*@[A-Za-z][\w-]*[ \t]*[{(]").expect("valid regex"));
    let line_start = from + text[from..].find('\n')? + 1;
    ITEM.find(&text[line_start..]).map(|m| line_start + m.start() + (m.as_str().len() - m.as_str().trim_start().len()))
}

/// The key right after the opening delimiter, and where it starts.
fn entry_key(text: &str, from: usize, to: usize) -> Option<(String, usize)> {
    let body = &text[from..to.min(text.len())];
    let skipped = body.len() - body.trim_start().len();
    let start = from + skipped;
    let key: String = text[start..to.min(text.len())].chars().take_while(|&c| biblatex_is_key(c)).collect();
    (!key.is_empty()).then_some((key, start))
}

/// biblatex's rule for key characters (`raw::is_key`).
fn biblatex_is_key(c: char) -> bool {
    !matches!(c, ',' | '}' | ')') && !c.is_control() && !c.is_whitespace()
}

/// Whether an entry's text mentions `crossref` or `xdata` (cheap; then
/// [`parent_keys`] finds them).
pub fn inherits(entry_text: &str) -> bool {
    static FIELD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)crossref|xdata").expect("valid regex"));
    FIELD.is_match(entry_text)
}

/// The key of the `crossref` and `xdata` parents named in an entry's text.
pub fn parent_keys(entry_text: &str) -> Vec<String> {
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

/// The abbreviations an `@string{…}` item defines (`name = value`, several
/// separated by commas in BibTeX's extended form).
pub fn string_names(item_text: &str) -> Vec<String> {
    static NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r##"(?:^@\w+\s*[{(]|,)\s*([^\s=,{}()"#%']+)\s*="##).expect("valid regex"));
    NAME.captures_iter(item_text).map(|c| c[1].to_string()).collect()
}

/// A parsed entry, ready for conversion, with its item index.
pub struct Parsed {
    pub item: usize,
    pub entry: hayagriva::Entry,
    /// `langid`, `language` or `hyphenation`, as written.
    pub language: Option<String>,
}

/// Parses the entries at `wanted` (indices into `items`), with every
/// `@string` and the parents they name. Entries that fail are reported and
/// left out; the others are returned in `wanted` order.
#[cfg(test)]
pub fn parse(text: &str, items: &[Item], wanted: &[usize]) -> (Vec<Parsed>, Vec<Problem>) {
    parse_with(text, items, &Index::new(items), wanted)
}

/// Entry keys to item indices, and the `@string` items: made once per file
/// and shared by every chunk parsed.
pub struct Index<'a> {
    by_key: HashMap<&'a str, usize>,
    strings: Vec<usize>,
}

impl<'a> Index<'a> {
    pub fn new(items: &'a [Item]) -> Index<'a> {
        let mut by_key = HashMap::with_capacity(items.len());
        let mut strings = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match &item.kind {
                ItemKind::Entry { key, .. } => {
                    // The first of a key counts, as in the library (biblatex
                    // rejects the second as a duplicate).
                    by_key.entry(key.as_str()).or_insert(i);
                }
                ItemKind::Strings => strings.push(i),
            }
        }
        Index { by_key, strings }
    }
}

/// [`parse`] with an [`Index`] made beforehand.
/// How deep braces may nest in an entry (real ones rarely pass 5).
const MAX_BRACE_DEPTH: usize = 100;

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

pub fn parse_with(text: &str, items: &[Item], index: &Index, wanted: &[usize]) -> (Vec<Parsed>, Vec<Problem>) {
    let mut problems = Vec::new();
    let by_key = &index.by_key;

    // The wanted entries and, transitively, their parents; a parent chain
    // that loops back is cut (biblatex would recurse forever).
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
            match by_key.get(parent.as_str()) {
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

    // Parse; on failure drop the item at fault and try again. Every round
    // drops one item, so this ends.
    let mut dropped: HashSet<usize> = HashSet::new();
    // biblatex reads nested braces and commands recursively: deep nesting
    // would overflow the stack. No real entry comes near the limit.
    for &i in &included {
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
    // Abbreviations used but never defined: BibTeX reads them as empty (and
    // warns), so do we, rather than losing the entry.
    let mut undefined: Vec<String> = Vec::new();
    let (bibliography, source) = loop {
        let source = MiniSource::build(text, items, &included, &dropped, &cut_parents, &undefined);
        // The links as biblatex will follow them (through `@string`s and
        // `ids` aliases, which the scan above cannot see): a loop among
        // them would recurse until the stack overflows.
        if inherits(&source.text) {
            let cuts = links_to_cut(&source);
            if !cuts.is_empty() {
                for (item, message) in cuts {
                    if cut_parents.insert(item) {
                        problems.push(Problem::warning(items[item].range.start, message));
                    } else {
                        // Its link fields could not be blanked: the entry
                        // goes rather than the stack.
                        dropped.insert(item);
                        problems.push(Problem::warning(
                            items[item].range.start,
                            format!(
                                "entry `{}` is skipped: its `crossref`/`xdata` links could not be cut",
                                item_key(&items[item]).unwrap_or("?")
                            ),
                        ));
                    }
                }
                continue;
            }
        }
        // biblatex can panic on odd input (an overflow on a zero day, in a
        // build with overflow checks): that must cost one entry, not all.
        let result = match crate::guarded(|| Bibliography::parse(&source.text)) {
            Ok(result) => result,
            Err(why) => return parse_one_by_one(text, items, index, wanted, problems, why),
        };
        match result {
            Ok(bibliography) => break (bibliography, source),
            Err(error) if matches!(&error.kind, biblatex::ParseErrorKind::UnknownAbbreviation(name) if !undefined.contains(name) && undefined.len() < 1000) =>
            {
                let biblatex::ParseErrorKind::UnknownAbbreviation(name) = error.kind else { unreachable!() };
                let (item, offset) = source.locate(error.span.start);
                let key = item.and_then(|i| item_key(&items[i]));
                problems.push(Problem::warning(
                    offset,
                    format!(
                        "{}`{name}` is not a defined `@string`; it is read as empty (write `{{{name}}}` for the word itself)",
                        key.map(|k| format!("entry `{k}`: ")).unwrap_or_default()
                    ),
                ));
                undefined.push(name);
            }
            Err(error) => {
                // "A comma is missing" is found at the next field; the comma
                // belongs after the previous value, at the end of its line.
                let at = match error.kind {
                    biblatex::ParseErrorKind::Expected(biblatex::Token::Comma) => {
                        source.text[..error.span.start].trim_end().len()
                    }
                    _ => error.span.start,
                };
                let (item, offset) = source.locate(at);
                let Some(item) = item else {
                    // Not inside any item: nothing left to drop.
                    problems.push(Problem::warning(offset, error.kind.to_string()));
                    break (Bibliography::new(), source);
                };
                dropped.insert(item);
                problems.push(Problem::warning(
                    offset,
                    match item_key(&items[item]) {
                        Some(key) => format!("entry `{key}` is skipped: {}", describe_parse_error(&error.kind)),
                        None => format!("`@string` is skipped: {}", describe_parse_error(&error.kind)),
                    },
                ));
            }
        }
    };

    // Moved out of the parsed bibliography, not cloned.
    let mut entries: HashMap<String, biblatex::Entry> =
        bibliography.into_iter().map(|entry| (entry.key.clone(), entry)).collect();
    let mut parsed = Vec::with_capacity(wanted.len());
    for &i in wanted {
        if dropped.contains(&i) {
            continue;
        }
        let Some(key) = item_key(&items[i]) else { continue };
        let Some(mut entry) = entries.remove(key) else { continue };
        let language = ["langid", "language", "hyphenation"]
            .iter()
            .find_map(|f| entry.fields.get(*f).map(|chunks| chunks.format_verbatim()));
        clean_fields(&mut entry);
        let mut found = Vec::new();
        match crate::guarded(|| convert(&mut entry, &source, &mut found, i, key)) {
            Ok(converted) => {
                problems.extend(found);
                if let Some(converted) = converted {
                    parsed.push(Parsed { item: i, entry: converted, language });
                }
            }
            Err(why) => problems.push(Problem::warning(
                items[i].range.start,
                format!("entry `{key}` is skipped: the BibLaTeX reader failed on it ({why})"),
            )),
        }
    }
    (parsed, problems)
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

/// Converts to hayagriva's entry; a field of the wrong kind is dropped (and
/// reported) rather than losing the whole entry.
fn convert(
    entry: &mut biblatex::Entry,
    source: &MiniSource,
    problems: &mut Vec<Problem>,
    item: usize,
    key: &str,
) -> Option<hayagriva::Entry> {
    // biblatex unwraps and subtracts while it reads dates, unchecked: a
    // field it would panic on or misread is dropped, and said so. `day`
    // goes before `month`, which reads a day itself when there is none.
    for field in ["year", "day", "month", "date", "urldate", "eventdate", "origdate"] {
        let Some(chunks) = entry.fields.get(field) else { continue };
        let has_day = entry.fields.contains_key("day");
        let Some(why) = date_field_trap(field, &chunks.format_verbatim(), has_day) else { continue };
        let at = chunks.first().map_or(0, |c| c.span.start);
        let offset = match source.locate(at) {
            (Some(i), offset) if i == item => offset,
            _ => source.item_start(item),
        };
        problems.push(Problem::warning(offset, format!("entry `{key}`: field `{field}` is ignored: {why}")));
        entry.fields.remove(field);
    }
    for _ in 0..=entry.fields.len() {
        match hayagriva::Entry::try_from(&*entry) {
            Ok(converted) => return Some(converted),
            Err(error) => {
                let field = entry
                    .fields
                    .iter()
                    .find(|(_, chunks)| {
                        chunks.iter().any(|c| c.span.start <= error.span.start && error.span.start <= c.span.end)
                    })
                    .map(|(name, _)| name.clone());
                let (_, offset) = source.locate(error.span.start);
                let offset =
                    if source.locate(error.span.start).0 == Some(item) { offset } else { source.item_start(item) };
                // The span did not lead to a field: find the field whose
                // removal lets the entry convert.
                let field = field.or_else(|| {
                    entry
                        .fields
                        .keys()
                        .find(|name| {
                            let mut trial = entry.clone();
                            trial.fields.remove(*name);
                            hayagriva::Entry::try_from(&trial).is_ok()
                        })
                        .cloned()
                });
                match field {
                    Some(field) => {
                        problems.push(Problem::warning(
                            offset,
                            format!("entry `{key}`: field `{field}` is ignored: {}", error.kind),
                        ));
                        entry.fields.remove(&field);
                    }
                    None => {
                        problems.push(Problem::warning(offset, format!("entry `{key}` is skipped: {}", error.kind)));
                        return None;
                    }
                }
            }
        }
    }
    None
}

/// Fields whose value is a list of names (BibTeX separates them by `and`).
const NAME_FIELDS: &[&str] = &[
    "author",
    "editor",
    "editora",
    "editorb",
    "editorc",
    "translator",
    "annotator",
    "commentator",
    "introduction",
    "foreword",
    "afterword",
    "bookauthor",
    "holder",
];

/// Fields that name one organisation or place: `and` in them is a word
/// ("Society for Industrial and Applied Mathematics"), not a separator.
const ORGANISATION_FIELDS: &[&str] = &["publisher", "organization", "institution", "school", "location", "address"];

/// What BibTeX files say and hayagriva would misread, repaired:
/// LaTeX commands left by biblatex become text and marks; empty fields are
/// absent fields; `AND`/`OTHERS` separate names as `and`/`others` do;
/// `and` inside a publisher is a word; subtitles join their titles (hayagriva
/// ignores them); escapes in DOIs and URLs are undone.
fn clean_fields(entry: &mut biblatex::Entry) {
    static AND: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(\s)and(\s)").expect("valid regex"));
    static OTHERS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bothers\s*$").expect("valid regex"));
    entry.fields.retain(|_, chunks| chunks.iter().any(|c| !chunk_text(&c.v).trim().is_empty()));
    for (title, subtitle) in [
        ("title", "subtitle"),
        ("booktitle", "booksubtitle"),
        ("maintitle", "mainsubtitle"),
        ("journaltitle", "journalsubtitle"),
    ] {
        if let Some(sub) = entry.fields.remove(subtitle)
            && let Some(main) = entry.fields.get_mut(title)
        {
            let ends = main.iter().rev().map(|c| chunk_text(&c.v)).find(|t| !t.trim().is_empty()).unwrap_or_default();
            let joint = if ends.trim_end().ends_with(['?', '!', ':', '.']) { " " } else { ": " };
            let span = main.last().map_or(0..0, |c| c.span.clone());
            main.push(biblatex::Spanned::new(Chunk::Normal(joint.to_string()), span));
            main.extend(sub);
        }
    }
    for (name, chunks) in entry.fields.iter_mut() {
        let name = name.as_str();
        if matches!(name, "url" | "doi" | "eprint") {
            for chunk in chunks.iter_mut() {
                if let Chunk::Normal(s) | Chunk::Verbatim(s) = &mut chunk.v {
                    for (escaped, plain) in [("\\_", "_"), ("\\%", "%"), ("\\&", "&"), ("\\#", "#"), ("\\~", "~")] {
                        *s = s.replace(escaped, plain);
                    }
                }
            }
            continue;
        }
        if matches!(name, "file" | "crossref" | "xdata" | "ids") {
            continue;
        }
        let names = NAME_FIELDS.contains(&name);
        let organisation = ORGANISATION_FIELDS.contains(&name);
        for chunk in chunks.iter_mut() {
            if let Chunk::Normal(s) = &chunk.v
                && organisation
            {
                chunk.v = Chunk::Verbatim(s.clone());
            }
            match &mut chunk.v {
                Chunk::Normal(s) | Chunk::Verbatim(s) => {
                    if s.contains('\\') || s.contains('~') || s.contains('`') || s.contains("''") {
                        *s = latex::clean(s);
                    }
                    if names && (s.contains("AND") || s.contains("And") || s.contains("OTHERS") || s.contains("Others"))
                    {
                        *s = AND.replace_all(s, "${1}and${2}").into_owned();
                        *s = OTHERS.replace(s, "others").into_owned();
                    }
                }
                Chunk::Math(_) => {}
            }
        }
    }
}

fn chunk_text(chunk: &Chunk) -> &str {
    match chunk {
        Chunk::Normal(s) | Chunk::Verbatim(s) | Chunk::Math(s) => s,
    }
}

fn describe_parse_error(kind: &biblatex::ParseErrorKind) -> String {
    use biblatex::ParseErrorKind as K;
    match kind {
        K::UnknownAbbreviation(name) => format!(
            "`{name}` is neither a field value in braces or quotes nor a defined `@string` (write `{{{name}}}` or define it)"
        ),
        K::Expected(biblatex::Token::Comma) => "a `,` is missing between fields (or after the key)".to_string(),
        K::Expected(biblatex::Token::Equals) => "a field name must be followed by `=`".to_string(),
        other => other.to_string(),
    }
}

fn item_key(item: &Item) -> Option<&str> {
    match &item.kind {
        ItemKind::Entry { key, .. } => Some(key),
        ItemKind::Strings => None,
    }
}

/// The text biblatex parses: the chosen items copied at new offsets, with
/// the map back to the file.
struct MiniSource {
    text: String,
    /// (offset in `text`, item index, offset in the file), by `text` offset.
    segments: Vec<(usize, usize, usize)>,
}

impl MiniSource {
    fn build(
        file: &str,
        items: &[Item],
        included: &[usize],
        dropped: &HashSet<usize>,
        cut_parents: &HashSet<usize>,
        undefined: &[String],
    ) -> MiniSource {
        let mut text = String::new();
        let mut segments = Vec::new();
        for &i in included {
            if dropped.contains(&i) {
                continue;
            }
            let item = &items[i];
            segments.push((text.len(), i, item.range.start));
            let start = text.len();
            text.push_str(&file[item.range.clone()]);
            if item.parens {
                // biblatex reads only braces; the two delimiters are one byte
                // each, so offsets stay put.
                let open = start + text[start..].find('(').unwrap_or(0);
                text.replace_range(open..open + 1, "{");
                let last = text.len() - 1;
                text.replace_range(last..last + 1, "}");
            }
            if cut_parents.contains(&i) {
                blank_parent_fields(&mut text, start);
            }
            quotes_to_braces(&mut text, start);
            text.push('\n');
        }
        // Definitions for undefined abbreviations go last: biblatex reads
        // every `@string` before resolving fields, and nothing is offset.
        for name in undefined {
            text.push_str(&format!("@string{{{name} = {{}}}}\n"));
        }
        MiniSource { text, segments }
    }

    /// The item at `offset` of the mini text, and the matching file offset.
    fn locate(&self, offset: usize) -> (Option<usize>, usize) {
        let index = self.segments.partition_point(|&(start, _, _)| start <= offset);
        match index.checked_sub(1).map(|i| self.segments[i]) {
            Some((start, item, file_start)) => (Some(item), file_start + (offset - start)),
            None => (None, 0),
        }
    }

    fn item_start(&self, item: usize) -> usize {
        self.segments.iter().find(|s| s.1 == item).map_or(0, |s| s.2)
    }
}

/// Turns `"…"` field values of the item starting at `start` into `{…}`.
/// BibTeX allows a `"` inside braces in a quoted value (`"a {"}b"`), which
/// biblatex does not; braces read the same. Same length: offsets stay put.
fn quotes_to_braces(text: &mut String, start: usize) {
    let bytes = text.as_bytes();
    if !bytes[start..].contains(&b'"') {
        return;
    }
    let mut swaps = Vec::new();
    let mut depth = 0usize;
    let mut i = start;
    let mut last_significant = b'{';
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'"' if depth == 1 && matches!(last_significant, b'=' | b'#') => {
                // The value runs to the next `"` outside braces.
                let mut inner = 0usize;
                let mut j = i + 1;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' => j += 1,
                        b'{' => inner += 1,
                        b'}' if inner > 0 => inner -= 1,
                        b'}' => break,
                        b'"' if inner == 0 => {
                            swaps.push((i, j));
                            break;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if let Some(&(_, end)) = swaps.last().filter(|&&(s, _)| s == i) {
                    i = end;
                    last_significant = b'"';
                }
            }
            _ => {}
        }
        if !bytes[i].is_ascii_whitespace() && bytes[i] != b'"' {
            last_significant = bytes[i];
        }
        i += 1;
    }
    for (open, close) in swaps {
        text.replace_range(open..open + 1, "{");
        text.replace_range(close..close + 1, "}");
    }
}

/// Why biblatex would panic on a date field as written, or misread it, if
/// it would:
/// - it reads any Unicode numerals but parses them as ASCII digits, with
///   `unwrap` (`²`, `٣`);
/// - it subtracts one from a month or day unchecked (`0` wraps to 256);
/// - with no `day` field it reads a day after the month and unwraps it
///   into a `u8` (`"10~66666" # jan`);
/// - it computes `4 - digits` for a year unchecked (`20240-01-01`).
fn date_field_trap(field: &str, value: &str, has_day: bool) -> Option<String> {
    if let Some(numeral) = value.chars().find(|c| c.is_numeric() && !c.is_ascii_digit()) {
        return Some(format!("`{numeral}` is not a digit (write dates with 0-9)"));
    }
    let valid = match field {
        "month" => 1..=12u32,
        "day" => 1..=31,
        "year" => return None,
        _ => {
            let too_long = value.split('/').any(|part| {
                let part = part.trim_start().trim_start_matches(['-', '+']);
                part.chars().take_while(char::is_ascii_digit).count() > 4
            });
            return too_long.then(|| format!("`{}` is not a date (a year has at most 4 digits)", value.trim()));
        }
    };
    // As biblatex reads it: one or two digits after any spaces.
    let digits: String = value.trim_start().chars().take_while(char::is_ascii_digit).take(2).collect();
    if let Ok(number) = digits.parse::<u32>()
        && !valid.contains(&number)
    {
        return Some(format!("{number} is not a {field} ({}-{})", valid.start(), valid.end()));
    }
    if field == "month" && !has_day {
        return day_in_month_trap(value);
    }
    None
}

/// What biblatex reads as a day from a `month` field when there is no
/// `day` field, if it would panic on it: after spaces, the month (one or
/// two digits, else a name), then spaces, `-` or no-break spaces, then
/// digits parsed into a `u8` with `unwrap`.
fn day_in_month_trap(value: &str) -> Option<String> {
    let value = value.trim_start();
    let digits = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let rest = if (1..=2).contains(&digits) {
        &value[digits..]
    } else {
        value[digits..].trim_start_matches(|c: char| c.is_ascii_alphabetic())
    };
    let after = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '-' || c == '\u{a0}');
    if after.len() == rest.len() {
        return None;
    }
    let day = &after[..after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len())];
    (!day.is_empty() && day.parse::<u8>().is_err()).then(|| format!("`{day}` is not a day (1-31)"))
}

/// How long a chain of `crossref`/`xdata` parents may be. biblatex follows
/// it recursively, copying each parent; real chains are one or two long.
const MAX_PARENT_DEPTH: usize = 16;

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
fn links_to_cut(source: &MiniSource) -> Vec<(usize, String)> {
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
    let Ok(Ok(bibliography)) = crate::guarded(|| Bibliography::parse(&probe)) else { return Vec::new() };
    let entries: Vec<&biblatex::Entry> = bibliography.iter().collect();
    let node: HashMap<&str, usize> = entries.iter().enumerate().map(|(n, e)| (e.key.as_str(), n)).collect();
    let links: Vec<Vec<usize>> = entries
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

    // Depth-first, without recursion: a link to an entry still on the path
    // closes a loop; a chain too long is cut where it gets too long.
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; entries.len()];
    let mut height = vec![0usize; entries.len()];
    let mut cut: Vec<Option<String>> = vec![None; entries.len()];
    for root in 0..entries.len() {
        if state[root] != NEW {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = ON_PATH;
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if cut[n].is_none()
                && let Some(&parent) = links[n].get(*next)
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
                            entries[n].key, entries[parent].key
                        ));
                    }
                    _ => {}
                }
                continue;
            }
            stack.pop();
            state[n] = DONE;
            if cut[n].is_none() {
                height[n] = links[n].iter().map(|&p| height[p] + 1).max().unwrap_or(0);
                if height[n] > MAX_PARENT_DEPTH {
                    cut[n] = Some(format!(
                        "entry `{}` starts a chain of more than {MAX_PARENT_DEPTH} `crossref`/`xdata` parents; its links are ignored",
                        entries[n].key
                    ));
                }
            }
            if cut[n].is_some() {
                height[n] = 0;
            }
        }
    }
    cut.into_iter()
        .enumerate()
        .filter_map(|(n, why)| Some((*entry_items.get(entries[n].key.as_str())?, why?)))
        .collect()
}

/// Blanks the `crossref` and `xdata` fields of the item starting at
/// `start` (with a comma after them), found as biblatex's own parser finds
/// fields; spaces keep every offset where it was.
fn blank_parent_fields(text: &mut String, start: usize) {
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

    fn keys(items: &[Item]) -> Vec<&str> {
        items.iter().filter_map(item_key).collect()
    }

    #[test]
    fn split_finds_entries_strings_and_skips_comments() {
        let text = "% a comment with @article{fake,\n@string{acm = {ACM}}\n@comment{ignored {nested} }\n@preamble{\"x\"}\n\
                    junk text\n@Article{a, title = {A {B} c}}\n@book(b, title = \"P (Q)\")\n@misc{ü2020, note={x}}\n";
        let (items, problems) = split(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(keys(&items), ["a", "b", "ü2020"]);
        assert_eq!(items[0].kind, ItemKind::Strings);
        assert!(items[2].parens);
    }

    #[test]
    fn an_unclosed_entry_loses_only_itself() {
        let text = "@article{good1, title={One}}\n@article{bad, title={Two}\n@article{good2, title={Three}}\n";
        let (items, problems) = split(text);
        assert_eq!(keys(&items), ["good1", "good2"]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].offset, 29);
        assert!(
            problems[0].message.contains("entry `bad` is not closed: a `}` is missing (reading resumes at line 3)")
        );
    }

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

    /// Date fields biblatex would panic on or misread (several found by
    /// fuzzing: month 0, `"10~66666" # jan`, five-digit years).
    #[test]
    fn date_fields_biblatex_would_panic_on() {
        let cases: [(&str, &str, bool, Option<&str>); 16] = [
            ("month", "jan", false, None),
            ("month", "10", false, None),
            ("month", "10 12", false, None),
            ("month", "oct-31", false, None),
            ("month", "123", false, None),
            ("month", "", false, None),
            ("month", "10 99", false, None),
            ("month", "10\u{a0}66666jan", false, Some("`66666` is not a day (1-31)")),
            ("month", "jan 256", false, Some("`256` is not a day (1-31)")),
            ("month", "jan 256", true, None),
            ("month", "0", false, Some("0 is not a month (1-12)")),
            ("month", "²", false, Some("`²` is not a digit (write dates with 0-9)")),
            ("day", "32", false, Some("32 is not a day (1-31)")),
            ("year", "٣", false, Some("`٣` is not a digit (write dates with 0-9)")),
            ("date", "2020/20211", false, Some("`2020/20211` is not a date (a year has at most 4 digits)")),
            ("urldate", "2024-01-01", false, None),
        ];
        for (field, value, has_day, expected) in cases {
            assert_eq!(date_field_trap(field, value, has_day).as_deref(), expected, "{field} = {value:?}");
        }
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
        assert_eq!(parent_keys("crossref = {a}, xdata = {b, c}"), ["a", "b", "c"]);
    }

    #[test]
    fn language_is_read() {
        let text = "@book{zh, title = {深度学习}, langid = {chinese}}";
        let (items, _) = split(text);
        let (parsed, _) = parse(text, &items, &[0]);
        assert_eq!(parsed[0].language.as_deref(), Some("chinese"));
    }
}
