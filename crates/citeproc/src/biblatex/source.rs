//! The file's syntax: entries and `@string`s found one by one (so one broken
//! entry costs only itself), each parsed by the `biblatex` crate's raw
//! parser, `@string`s substituted, and `crossref`/`xdata` parents inherited
//! by biblatex's rules, loops and missing parents reported.

use super::BibProblem;
use biblatex::{RawBibliography, RawChunk};
use std::collections::{HashMap, HashSet};

/// An entry with its fields as LaTeX source (`@string`s substituted).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Entry type, lowercase (`article`).
    pub kind: String,
    pub key: String,
    /// Byte offset of the `@`.
    pub offset: usize,
    /// In file order, each name once.
    pub fields: Vec<Field>,
}

/// A field, its value as LaTeX source.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// Lowercase.
    pub name: String,
    pub value: String,
    /// Byte offset of the value in the file (of the `crossref` or `xdata`
    /// link for an inherited field).
    pub offset: usize,
}

impl Entry {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.value.as_str())
    }

    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn has(&self, name: &str) -> bool {
        self.field(name).is_some()
    }
}

/// Where offsets are in the file, for problems.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        (line, column)
    }
}

/// What the file holds, read: entries in file order with parents resolved.
pub(crate) fn read(text: &str, problems: &mut Vec<BibProblem>) -> Vec<Entry> {
    let lines = Lines::new(text);
    let mut report = |offset: usize, key: Option<&str>, message: String, skipped: bool| {
        let (line, column) = lines.position(text, offset);
        problems.push(BibProblem { line, column, key: key.map(String::from), message, skipped });
    };

    // 1. Find the items and parse each alone.
    let mut strings: HashMap<String, String> = predefined_strings();
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen_keys: HashSet<String> = HashSet::new();
    for item in split(text, &mut report) {
        let source = normalized(&text[item.start..item.end], item.parens);
        let parsed = std::panic::catch_unwind(|| RawBibliography::parse(&source));
        let parsed = match parsed {
            Ok(Ok(parsed)) => parsed,
            Err(_) => {
                let what = item.key.as_deref().map_or_else(|| format!("`@{}`", item.kind), |k| format!("entry `{k}`"));
                report(
                    item.start,
                    item.key.as_deref(),
                    format!("{what} is skipped: the BibLaTeX parser failed on it"),
                    true,
                );
                continue;
            }
            Ok(Err(error)) => {
                let at = match error.kind {
                    // A missing comma is noticed at the next field; it
                    // belongs after the value before.
                    biblatex::ParseErrorKind::Expected(biblatex::Token::Comma) => {
                        source[..error.span.start.min(source.len())].trim_end().len()
                    }
                    _ => error.span.start,
                };
                let what = item.key.as_deref().map_or_else(|| format!("`@{}`", item.kind), |k| format!("entry `{k}`"));
                report(
                    item.start + at,
                    item.key.as_deref(),
                    format!("{what} is skipped: {}", describe(&error.kind)),
                    true,
                );
                continue;
            }
        };
        for pair in &parsed.abbreviations {
            let mut undefined = Vec::new();
            let value = substitute(&pair.value.v, &strings, &mut undefined);
            for name in undefined {
                report(
                    item.start + pair.value.span.start,
                    None,
                    format!("`@string` `{}` uses `{name}`, which is not defined; it is read as its name", pair.key.v),
                    false,
                );
            }
            strings.insert(pair.key.v.to_lowercase(), value);
        }
        for raw in parsed.entries {
            let raw = raw.v;
            let key = raw.key.v.to_string();
            let offset = item.start;
            if key.is_empty() {
                report(
                    offset,
                    None,
                    format!("`@{}` entry has no key: write `@{}{{key, …}}`", raw.kind.v, raw.kind.v),
                    true,
                );
                continue;
            }
            if !seen_keys.insert(key.clone()) {
                report(
                    offset,
                    Some(&key),
                    format!("entry `{key}` is skipped: its key is used by an earlier entry"),
                    true,
                );
                continue;
            }
            let mut fields: Vec<Field> = Vec::new();
            for pair in &raw.fields {
                let name = pair.key.v.to_ascii_lowercase();
                let mut undefined = Vec::new();
                let value = substitute(&pair.value.v, &strings, &mut undefined);
                for macro_name in undefined {
                    report(
                        item.start + pair.value.span.start,
                        Some(&key),
                        format!(
                            "entry `{key}`: `{macro_name}` is not a defined `@string`; it is read as its name (define it, or write `{{{macro_name}}}` for the word itself)"
                        ),
                        false,
                    );
                }
                if fields.iter().any(|f| f.name == name) {
                    report(
                        item.start + pair.key.span.start,
                        Some(&key),
                        format!("entry `{key}`: field `{name}` is given twice; the first is kept"),
                        false,
                    );
                    continue;
                }
                fields.push(Field { name, value, offset: item.start + pair.value.span.start });
            }
            entries.push(Entry { kind: raw.kind.v.to_ascii_lowercase(), key, offset, fields });
        }
    }

    // 2. Inherit from `crossref` and `xdata` parents.
    let resolved = inherit_all(&entries, &mut report);
    resolved.into_iter().filter(|e| e.kind != "xdata").collect()
}

/// BibTeX's month abbreviations, defined in every file.
fn predefined_strings() -> HashMap<String, String> {
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    .iter()
    .map(|m| (m[..3].to_ascii_lowercase(), m.to_string()))
    .collect()
}

/// A field's value with `@string`s substituted. An undefined one reads as
/// its own name, as pandoc reads it (BibTeX prints nothing), so that
/// strings defined in another file still say something.
fn substitute(
    chunks: &[biblatex::Spanned<RawChunk>],
    strings: &HashMap<String, String>,
    undefined: &mut Vec<String>,
) -> String {
    let mut out = String::new();
    for chunk in chunks {
        match chunk.v {
            RawChunk::Normal(text) => out.push_str(text),
            RawChunk::Abbreviation(name) => match strings.get(&name.to_lowercase()) {
                Some(value) => out.push_str(value),
                None => {
                    out.push_str(name);
                    undefined.push(name.to_string());
                }
            },
        }
    }
    out
}

fn describe(kind: &biblatex::ParseErrorKind) -> String {
    use biblatex::ParseErrorKind as K;
    match kind {
        K::Expected(biblatex::Token::Comma) => "a `,` is missing between fields (or after the key)".to_string(),
        K::Expected(biblatex::Token::Equals) => "a field name must be followed by `=`".to_string(),
        K::Expected(biblatex::Token::Identifier) => {
            "a field name is missing or starts with a character it may not".to_string()
        }
        K::UnexpectedEof => "the entry ends in the middle of a field".to_string(),
        other => other.to_string(),
    }
}

/// A top-level item, found by brace matching.
struct Item {
    kind: String,
    key: Option<String>,
    /// From the `@` to the closing delimiter, inclusive.
    start: usize,
    end: usize,
    parens: bool,
}

/// Finds entries and `@string`s; comments, `@comment`, `@preamble` and text
/// between entries print nothing and are passed over. An entry that is
/// never closed is reported and reading resumes at the next line that
/// starts an entry. Linear in the file's length, however it is broken.
fn split(text: &str, report: &mut impl FnMut(usize, Option<&str>, String, bool)) -> Vec<Item> {
    let bytes = text.as_bytes();
    let closes = matching_braces(bytes);
    let mut items = Vec::new();
    // Whether a `%` comes before the current position on its line: then an
    // `@` starts nothing.
    let mut cursor = 0;
    let mut in_comment = false;
    let mut pos = 0;
    while let Some(found) = bytes[pos..].iter().position(|&b| b == b'@') {
        let at = pos + found;
        if cursor < pos {
            cursor = pos;
        }
        for &b in &bytes[cursor..at] {
            match b {
                b'\n' => in_comment = false,
                b'%' => in_comment = true,
                _ => {}
            }
        }
        cursor = at;
        if in_comment {
            pos = bytes[at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| at + i);
            continue;
        }
        let kind_end = at + 1 + bytes[at + 1..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
        let open = kind_end + bytes[kind_end..].iter().take_while(|b| b.is_ascii_whitespace()).count();
        if kind_end == at + 1 || !matches!(bytes.get(open), Some(b'{' | b'(')) {
            pos = at + 1;
            continue;
        }
        let kind = text[at + 1..kind_end].to_ascii_lowercase();
        let parens = bytes[open] == b'(';
        let key = entry_key(text, open + 1);
        let next_entry = || next_entry_line(text, open).unwrap_or(text.len());
        let close = if parens {
            // Parentheses are rare and cannot be matched beforehand (a `)`
            // in braces or quotes does not count): an entry in them ends
            // before the next line that starts an entry.
            find_close_paren(&bytes[..next_entry()], open)
        } else {
            closes.binary_search_by_key(&open, |&(o, _)| o).ok().map(|i| closes[i].1)
        };
        match close {
            Some(close) => {
                if !matches!(kind.as_str(), "comment" | "preamble") {
                    items.push(Item { kind, key, start: at, end: close + 1, parens });
                }
                pos = close + 1;
                cursor = pos;
                in_comment = false;
            }
            None => {
                if kind != "comment" {
                    let what = key.as_deref().map_or_else(|| format!("`@{kind}`"), |k| format!("entry `{k}`"));
                    report(
                        at,
                        key.as_deref(),
                        format!(
                            "{what} is skipped: it is not closed (a `{}` is missing)",
                            if parens { ")" } else { "}" }
                        ),
                        true,
                    );
                }
                pos = next_entry();
                cursor = pos;
                in_comment = false;
            }
        }
    }
    items
}

/// Every `{` with its matching `}`, by offset (a backslash escapes the
/// next character, as BibTeX and biblatex read it); unmatched ones are left
/// out.
fn matching_braces(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut open = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => open.push(i),
            b'}' => {
                if let Some(start) = open.pop() {
                    pairs.push((start, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    pairs.sort_unstable();
    pairs
}

fn entry_key(text: &str, from: usize) -> Option<String> {
    let key: String = text[from..]
        .trim_start()
        .chars()
        .take_while(|&c| !matches!(c, ',' | '}' | ')' | '=') && !c.is_whitespace() && !c.is_control())
        .collect();
    (!key.is_empty()).then_some(key)
}

/// The `)` that closes the `(` at `open`: one outside braces and quotes.
fn find_close_paren(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'"' if depth == 0 => in_quotes = !in_quotes,
            b')' if depth == 0 && !in_quotes => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The next line after `from` that starts, after spaces, with `@name{` or
/// `@name(`.
fn next_entry_line(text: &str, from: usize) -> Option<usize> {
    let mut line = from + text[from..].find('\n')? + 1;
    loop {
        let rest = &text[line..];
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if let Some(after) = trimmed.strip_prefix('@') {
            let name_len = after.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            if name_len > 0 && after[name_len..].trim_start().starts_with(['{', '(']) {
                return Some(line + (rest.len() - trimmed.len()));
            }
        }
        line += rest.find('\n')? + 1;
    }
}

/// The item as the raw parser reads it, at the same offsets: `(`…`)`
/// delimiters become braces, and `"`…`"` values become `{`…`}` (BibTeX lets
/// a quoted value hold `"` inside braces, which the raw parser does not).
fn normalized(item: &str, parens: bool) -> String {
    let mut bytes = item.as_bytes().to_vec();
    if parens {
        if let Some(open) = bytes.iter().position(|&b| b == b'(') {
            bytes[open] = b'{';
        }
        if let Some(last) = bytes.last_mut() {
            *last = b'}';
        }
    }
    let mut depth = 0usize;
    let mut last_significant = b'{';
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'"' if depth == 1 && matches!(last_significant, b'=' | b'#') => {
                // The value runs to the next `"` outside braces.
                let mut inner = 0usize;
                let mut j = i + 1;
                let mut close = None;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' => j += 1,
                        b'{' => inner += 1,
                        b'}' if inner == 0 => break,
                        b'}' => inner -= 1,
                        b'"' if inner == 0 => {
                            close = Some(j);
                            break;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if let Some(close) = close {
                    bytes[i] = b'{';
                    bytes[close] = b'}';
                    i = close + 1;
                    last_significant = b'"';
                    continue;
                }
            }
            _ => {}
        }
        if let Some(&b) = bytes.get(i)
            && !b.is_ascii_whitespace()
        {
            last_significant = b;
        }
        i += 1;
    }
    // Only ASCII bytes were swapped for ASCII bytes.
    String::from_utf8(bytes).unwrap_or_else(|_| item.to_string())
}

/// Fields a child never inherits (biblatex manual, appendix B).
const NOT_INHERITED: &[&str] = &[
    "ids",
    "crossref",
    "xref",
    "xdata",
    "entryset",
    "entrysubtype",
    "execute",
    "label",
    "options",
    "presort",
    "related",
    "relatedoptions",
    "relatedstring",
    "relatedtype",
    "shorthand",
    "shorthandintro",
    "sortkey",
];

/// How long a chain of parents may be (real ones are one or two long).
const MAX_CHAIN: usize = 16;

fn inherit_all(entries: &[Entry], report: &mut impl FnMut(usize, Option<&str>, String, bool)) -> Vec<Entry> {
    let by_key: HashMap<&str, usize> = entries.iter().enumerate().map(|(i, e)| (e.key.as_str(), i)).collect();
    let by_lower_key: HashMap<String, usize> =
        entries.iter().enumerate().map(|(i, e)| (e.key.to_lowercase(), i)).collect();
    let find = |key: &str| by_key.get(key).or_else(|| by_lower_key.get(&key.to_lowercase())).copied();
    let mut done: Vec<Option<Entry>> = vec![None; entries.len()];
    for i in 0..entries.len() {
        resolve(i, entries, &find, &mut done, &mut Vec::new(), report);
    }
    done.into_iter().zip(entries).map(|(d, e)| d.unwrap_or_else(|| e.clone())).collect()
}

/// The entry with what it inherits, computed once; `path` holds the
/// entries being resolved, to find loops.
fn resolve(
    i: usize,
    entries: &[Entry],
    find: &impl Fn(&str) -> Option<usize>,
    done: &mut Vec<Option<Entry>>,
    path: &mut Vec<usize>,
    report: &mut impl FnMut(usize, Option<&str>, String, bool),
) {
    if done[i].is_some() {
        return;
    }
    let entry = &entries[i];
    let mut result = entry.clone();
    let links: Vec<(bool, String, usize)> = ["crossref", "xdata"]
        .iter()
        .filter_map(|f| entry.field(f).map(|field| (*f == "crossref", field)))
        .flat_map(|(crossref, field)| {
            super::latex::plain(&field.value)
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| (crossref, k.to_string(), field.offset))
                .collect::<Vec<_>>()
        })
        .collect();
    path.push(i);
    for (crossref, parent_key, link_offset) in links {
        let field = if crossref { "crossref" } else { "xdata" };
        let Some(p) = find(&parent_key) else {
            report(
                link_offset,
                Some(&entry.key),
                format!("entry `{}`: `{field}` names `{parent_key}`, which is not in the file", entry.key),
                false,
            );
            continue;
        };
        if path.contains(&p) {
            report(
                link_offset,
                Some(&entry.key),
                format!(
                    "entry `{}`: `{field}` leads back to itself through `{parent_key}`; the link is ignored",
                    entry.key
                ),
                false,
            );
            continue;
        }
        if path.len() > MAX_CHAIN {
            report(
                link_offset,
                Some(&entry.key),
                format!(
                    "entry `{}`: more than {MAX_CHAIN} `crossref`/`xdata` parents in a chain; the link to `{parent_key}` is ignored",
                    entry.key
                ),
                false,
            );
            continue;
        }
        resolve(p, entries, find, done, path, report);
        let parent = done[p].clone().unwrap_or_else(|| entries[p].clone());
        for field in &parent.fields {
            if NOT_INHERITED.contains(&field.name.as_str()) {
                continue;
            }
            let targets =
                if crossref { inherited_as(&parent.kind, &entry.kind, &field.name) } else { vec![field.name.clone()] };
            for name in targets {
                if !result.has(&name) {
                    result.fields.push(Field { name, value: field.value.clone(), offset: link_offset });
                }
            }
        }
    }
    path.pop();
    done[i] = Some(result);
}

/// The fields a parent's field becomes in a child, by the types of both
/// (biblatex manual, appendix B): a book's `title` is an in-book's
/// `booktitle`, a multi-volume book's `title` a volume's `maintitle`, a
/// periodical's `title` an article's `journaltitle`; other fields keep
/// their names.
fn inherited_as(parent: &str, child: &str, field: &str) -> Vec<String> {
    let group = |prefix: &str| -> Option<String> {
        match field {
            "title" | "subtitle" | "titleaddon" => Some(format!("{prefix}{field}")),
            "shorttitle" | "sorttitle" | "indextitle" | "indexsorttitle" => Some(String::new()),
            _ => None,
        }
    };
    let in_book = matches!(child, "inbook" | "bookinbook" | "suppbook");
    let renamed = match parent {
        "mvbook" if matches!(child, "book" | "inbook" | "bookinbook" | "suppbook") => group("main"),
        "mvcollection" | "mvreference"
            if matches!(child, "collection" | "reference" | "incollection" | "inreference" | "suppcollection") =>
        {
            group("main")
        }
        "mvproceedings" if matches!(child, "proceedings" | "inproceedings") => group("main"),
        "book" if in_book => group("book"),
        "collection" | "reference" if matches!(child, "incollection" | "inreference" | "suppcollection") => {
            group("book")
        }
        "proceedings" if child == "inproceedings" => group("book"),
        "periodical" if matches!(child, "article" | "suppperiodical") => match field {
            "title" | "subtitle" => Some(format!("journal{field}")),
            "shorttitle" | "sorttitle" | "indextitle" | "indexsorttitle" => Some(String::new()),
            _ => None,
        },
        _ => None,
    };
    match renamed {
        Some(name) if name.is_empty() => Vec::new(),
        Some(name) => vec![name],
        None if field == "author" && matches!(parent, "mvbook" | "book") && in_book => {
            vec!["bookauthor".to_string(), "author".to_string()]
        }
        None => vec![field.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str) -> (Vec<Entry>, Vec<BibProblem>) {
        let mut problems = Vec::new();
        let entries = read(text, &mut problems);
        (entries, problems)
    }

    #[test]
    fn items_strings_and_comments() {
        let text = "% a comment with @article{fake,\n@string{acm = {ACM}}\n@comment{ignored {nested} }\n\
                    @preamble{\"x\"}\njunk text\n@Article{a, Title = {A {B} c} # acm, month = jan}\n\
                    @book(b, title = \"P (Q) {\"}\")\n@misc{ü2020, note={x}}\n";
        let (entries, problems) = read_all(text);
        assert!(problems.is_empty(), "{problems:?}");
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "ü2020"]);
        assert_eq!(entries[0].kind, "article");
        assert_eq!(entries[0].get("title"), Some("A {B} cACM"));
        assert_eq!(entries[0].get("month"), Some("January"));
        assert_eq!(entries[1].get("title"), Some("P (Q) {\"}"));
    }

    #[test]
    fn broken_entries_cost_only_themselves() {
        let text = "@article{good1, title={One}}\n@article{bad, title={Two}\n@article{good2, title={Three}}\n\
                    @article{nocomma, author = {X} title = {Y}}\n@article{good1, title={Again}}\n\
                    @article{undef, journal = nowhere}\n";
        let (entries, problems) = read_all(text);
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["good1", "good2", "undef"]);
        let got: Vec<(usize, usize, Option<&str>, bool)> =
            problems.iter().map(|p| (p.line, p.column, p.key.as_deref(), p.skipped)).collect();
        assert_eq!(
            got,
            [
                (2, 1, Some("bad"), true),
                (4, 31, Some("nocomma"), true),
                (5, 1, Some("good1"), true),
                (6, 27, Some("undef"), false)
            ]
        );
        assert!(problems[0].message.contains("is not closed"), "{}", problems[0].message);
        assert!(problems[1].message.contains("a `,` is missing"), "{}", problems[1].message);
        assert_eq!(entries[2].get("journal"), Some("nowhere"));
    }

    #[test]
    fn crossref_inheritance_and_loops() {
        let text = "@incollection{child, title = {Chapter}, crossref = {coll}}\n\
                    @collection{coll, title = {The Book}, editor = {Ed, A.}, shorttitle = {B}, crossref = {mv}}\n\
                    @mvcollection{mv, title = {All Volumes}, publisher = {P}}\n\
                    @misc{loop1, title = {L1}, crossref = {loop2}}\n@misc{loop2, crossref = {loop1}}\n\
                    @misc{orphan, crossref = {nowhere}, xdata = {data}}\n@xdata{data, publisher = {XP}}\n";
        let (entries, problems) = read_all(text);
        let child = &entries[0];
        assert_eq!(child.get("title"), Some("Chapter"));
        assert_eq!(child.get("booktitle"), Some("The Book"));
        assert_eq!(child.get("editor"), Some("Ed, A."));
        assert_eq!(child.get("shorttitle"), None);
        assert_eq!(child.get("maintitle"), Some("All Volumes"));
        assert_eq!(child.get("publisher"), Some("P"));
        let orphan = entries.iter().find(|e| e.key == "orphan").unwrap();
        assert_eq!(orphan.get("publisher"), Some("XP"));
        assert!(entries.iter().all(|e| e.kind != "xdata"));
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.contains("leads back to itself")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("`nowhere`, which is not in the file")), "{messages:?}");
    }

    #[test]
    fn positions_count_characters() {
        let text = "ab\nçd\r\nef";
        let lines = Lines::new(text);
        assert_eq!(lines.position(text, 0), (1, 1));
        assert_eq!(lines.position(text, 5), (2, 2));
        assert_eq!(lines.position(text, 8), (3, 1));
    }
}
