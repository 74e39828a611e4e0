//! The file split into its items (`@string`s and entries) by a scanner of
//! our own: brace matching only, so one broken entry loses only itself.

use regex::Regex;
use std::sync::LazyLock;

use super::{Item, ItemKind};
use crate::library::problem::Problem;

/// Splits a file into its items. Comments (`@comment`, `%` lines, text
/// between entries) and `@preamble` are dropped; they print nothing.
pub(crate) fn split(text: &str) -> (Vec<Item>, Vec<Problem>) {
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

/// The abbreviations an `@string{…}` item defines (`name = value`, several
/// separated by commas in BibTeX's extended form).
pub(crate) fn string_names(item_text: &str) -> Vec<String> {
    static NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r##"(?:^@\w+\s*[{(]|,)\s*([^\s=,{}()"#%']+)\s*="##).expect("valid regex"));
    NAME.captures_iter(item_text).map(|c| c[1].to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::bibtex::item_key;

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
}
