//! The citation grammar: `[prefix @key, locator suffix; …]`, `[-@key]`,
//! narrative `@key [locator]`, `@{key}` and `@@key`, with pandoc's locator
//! terms.

use hayagriva::citationberg::taxonomy::Locator as CslLocator;

use super::{Citation, CiteItem, Locator};

impl CiteItem {
    pub(super) fn empty() -> CiteItem {
        CiteItem {
            key: String::new(),
            key_offset: 0,
            explicit: true,
            prefix: String::new(),
            suffix: String::new(),
            locator: None,
            suppress_author: false,
        }
    }
}

/// `[…]` at `open`: a citation if every `;`-separated part holds a key.
pub(super) fn bracketed(text: &str, open: usize, base: usize) -> Option<(usize, Citation)> {
    let close = matching_bracket(text, open)?;
    let inner_start = open + 1;
    let inner = &text[inner_start..close];
    if !inner.contains('@') {
        return None;
    }
    // `[text](url)` and `[text][ref]` that pulldown did not make links of
    // (no such reference) stay text; only `[…]` on its own is a citation.
    let mut items = Vec::new();
    let mut part_start = 0;
    for part_end in split_points(inner) {
        let part = &inner[part_start..part_end];
        items.push(cite_part(part, base + inner_start + part_start)?);
        part_start = part_end + 1;
    }
    Some((close + 1, Citation { items, narrative: false }))
}

/// Offsets of top-level `;` in `inner`, then its end.
fn split_points(inner: &str) -> Vec<usize> {
    let mut points = Vec::new();
    let (mut depth, mut escaped) = (0usize, false);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => points.push(i),
            _ => {}
        }
    }
    points.push(inner.len());
    points
}

/// The `]` closing the `[` at `open`, honouring escapes; `None` when another
/// `[` comes first. Citations hold no nested brackets, and looking only at
/// innermost brackets keeps scanning linear however deep brackets nest.
pub(super) fn matching_bracket(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => return None,
            b']' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// One part of a bracketed citation: `prefix -@key, locator suffix`.
fn cite_part(part: &str, base: usize) -> Option<CiteItem> {
    let bytes = part.as_bytes();
    let mut search = 0;
    let at = loop {
        let at = search + part[search..].find('@')?;
        let before = part[..at].chars().next_back();
        let dash = before == Some('-');
        let before_dash = if dash { part[..at - 1].chars().next_back() } else { before };
        let starts_item = before_dash.is_none_or(|c| c.is_whitespace() || c == '[' || c == '(');
        if starts_item && !(at > 0 && !dash && bytes[at - 1] == b'\\') {
            break at;
        }
        search = at + 1;
    };
    let suppress_author = at > 0 && bytes[at - 1] == b'-';
    let prefix_end = if suppress_author { at - 1 } else { at };
    let (key, key_len) = key_at(&part[at + 1..])?;
    let rest = &part[at + 1 + key_len..];
    let (locator, suffix) = locator_and_suffix(rest);
    Some(CiteItem {
        key,
        key_offset: base + at + 1,
        explicit: true,
        prefix: squash(&part[..prefix_end]).trim().to_string(),
        suffix,
        locator,
        suppress_author,
    })
}

/// A bare `@` at `i`: a narrative citation `@key` (when the key exists) or
/// `@{key}`, with an optional `[locator, suffix]` after one space; or
/// mdbook-bib's `@@key`.
pub(super) fn at_sign(
    text: &str,
    i: usize,
    base: usize,
    is_key: &dyn Fn(&str) -> bool,
) -> Option<(usize, usize, Citation)> {
    // `@` inside a word is an e-mail address or a handle, not a citation.
    if text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '@') {
        return None;
    }
    if text[i + 1..].starts_with('@') {
        let (key, len) = key_at(&text[i + 2..])?;
        if text[i + 2..].starts_with('{') {
            return None;
        }
        let item = CiteItem { key, key_offset: base + i + 2, explicit: true, ..CiteItem::empty() };
        return Some((i, i + 2 + len, Citation { items: vec![item], narrative: false }));
    }
    let (key, len) = key_at(&text[i + 1..])?;
    let braced = text[i + 1..].starts_with('{');
    if !braced && !is_key(&key) {
        return None;
    }
    let mut end = i + 1 + len;
    let mut item = CiteItem { key, key_offset: base + i + 1, explicit: braced, ..CiteItem::empty() };
    // `@key [p. 33]`: a bracket after one space holds locator and suffix, as
    // long as it is not a citation itself.
    if let Some(open) = text[end..].strip_prefix(' ').filter(|r| r.starts_with('[')).map(|_| end + 1)
        && let Some(close) = matching_bracket(text, open)
        && !text[open + 1..close].contains('@')
        && !text[close + 1..].starts_with(['(', '['])
    {
        let inner = &text[open + 1..close];
        let (locator, suffix) = locator_and_suffix(&format!(", {inner}"));
        item.locator = locator;
        item.suffix = suffix;
        end = close + 1;
    }
    Some((i, end, Citation { items: vec![item], narrative: true }))
}

/// A key at the start of `text` (after the `@`): `{anything but braces}`,
/// or pandoc's key syntax: a letter, digit or `_`, then letters, digits,
/// `_` and internal punctuation `:.#$%&-+?<>~/`. Returns the key and how
/// many bytes it took.
fn key_at(text: &str) -> Option<(String, usize)> {
    if let Some(rest) = text.strip_prefix('{') {
        let end = rest.find(['}', '{', '\n'])?;
        if rest.as_bytes()[end] != b'}' || rest[..end].trim().is_empty() {
            return None;
        }
        return Some((rest[..end].trim().to_string(), end + 2));
    }
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if !(first.is_alphanumeric() || first == '_') {
        return None;
    }
    let mut end = first.len_utf8();
    let mut last_word_end = end;
    for (j, c) in chars {
        if c.is_alphanumeric() || c == '_' {
            end = j + c.len_utf8();
            last_word_end = end;
        } else if ":.#$%&-+?<>~/".contains(c) {
            end = j + c.len_utf8();
        } else {
            break;
        }
    }
    // Punctuation counts only inside the key: `@knuth84.` ends at the `4`.
    let _ = end;
    Some((text[..last_word_end].to_string(), last_word_end))
}

/// Locator terms and their abbreviations (pandoc's English list, and CSL's
/// own names), longest first within each so `pp.` wins over `p.`.
const LOCATOR_TERMS: &[(&str, CslLocator)] = &[
    ("sub verbo", CslLocator::SubVerbo),
    ("s.vv.", CslLocator::SubVerbo),
    ("s.v.", CslLocator::SubVerbo),
    ("paragraphs", CslLocator::Paragraph),
    ("paragraph", CslLocator::Paragraph),
    ("paras.", CslLocator::Paragraph),
    ("para.", CslLocator::Paragraph),
    ("¶¶", CslLocator::Paragraph),
    ("¶", CslLocator::Paragraph),
    ("chapters", CslLocator::Chapter),
    ("chapter", CslLocator::Chapter),
    ("chaps.", CslLocator::Chapter),
    ("chap.", CslLocator::Chapter),
    ("ch.", CslLocator::Chapter),
    ("sections", CslLocator::Section),
    ("section", CslLocator::Section),
    ("secs.", CslLocator::Section),
    ("sec.", CslLocator::Section),
    ("§§", CslLocator::Section),
    ("§", CslLocator::Section),
    ("pages", CslLocator::Page),
    ("page", CslLocator::Page),
    ("pp.", CslLocator::Page),
    ("p.", CslLocator::Page),
    ("figures", CslLocator::Figure),
    ("figure", CslLocator::Figure),
    ("figs.", CslLocator::Figure),
    ("fig.", CslLocator::Figure),
    ("volumes", CslLocator::Volume),
    ("volume", CslLocator::Volume),
    ("vols.", CslLocator::Volume),
    ("vol.", CslLocator::Volume),
    ("numbers", CslLocator::Issue),
    ("number", CslLocator::Issue),
    ("nos.", CslLocator::Issue),
    ("no.", CslLocator::Issue),
    ("issue", CslLocator::Issue),
    ("columns", CslLocator::Column),
    ("column", CslLocator::Column),
    ("cols.", CslLocator::Column),
    ("col.", CslLocator::Column),
    ("books", CslLocator::Book),
    ("book", CslLocator::Book),
    ("bks.", CslLocator::Book),
    ("bk.", CslLocator::Book),
    ("folios", CslLocator::Folio),
    ("folio", CslLocator::Folio),
    ("fols.", CslLocator::Folio),
    ("fol.", CslLocator::Folio),
    ("lines", CslLocator::Line),
    ("line", CslLocator::Line),
    ("ll.", CslLocator::Line),
    ("l.", CslLocator::Line),
    ("notes", CslLocator::Note),
    ("note", CslLocator::Note),
    ("nn.", CslLocator::Note),
    ("n.", CslLocator::Note),
    ("opus", CslLocator::Opus),
    ("opp.", CslLocator::Opus),
    ("op.", CslLocator::Opus),
    ("parts", CslLocator::Part),
    ("part", CslLocator::Part),
    ("pts.", CslLocator::Part),
    ("pt.", CslLocator::Part),
    ("verses", CslLocator::Verse),
    ("verse", CslLocator::Verse),
    ("vv.", CslLocator::Verse),
    ("v.", CslLocator::Verse),
    ("appendix", CslLocator::Appendix),
    ("app.", CslLocator::Appendix),
    ("equation", CslLocator::Equation),
    ("eq.", CslLocator::Equation),
    ("table", CslLocator::Table),
    ("tab.", CslLocator::Table),
    ("supplement", CslLocator::Supplement),
    ("suppl.", CslLocator::Supplement),
    ("rule", CslLocator::Rule),
    ("scene", CslLocator::Scene),
    ("act", CslLocator::Act),
    ("canon", CslLocator::Canon),
    ("timestamp", CslLocator::Timestamp),
    ("article", CslLocator::ArticleLocator),
    ("art.", CslLocator::ArticleLocator),
    ("elocation", CslLocator::Elocation),
    ("title", CslLocator::TitleLocator),
];

/// After the key: `, pp. 33-35, 38 and elsewhere` gives the locator
/// (page 33-35, 38) and the suffix (` and elsewhere`). Text that does not
/// start with a comma and a locator is all suffix.
fn locator_and_suffix(rest: &str) -> (Option<Locator>, String) {
    let rest = squash(rest);
    let Some(after_comma) = rest.strip_prefix(',') else {
        return (None, rest.trim_end().to_string());
    };
    let body = after_comma.trim_start();
    // `{…}`: everything inside is the locator, label included.
    if let Some(braced) = body.strip_prefix('{')
        && let Some(close) = braced.find('}')
    {
        let inside = braced[..close].trim();
        let (kind, value) = label(inside).unwrap_or((CslLocator::Page, inside));
        let suffix = braced[close + 1..].trim_end().to_string();
        return (Some(Locator { kind, value: value.trim().to_string() }), suffix);
    }
    let (kind, value_text) = match label(body) {
        Some((kind, value)) => (kind, value),
        None if body.starts_with(|c: char| c.is_ascii_digit()) || roman_start(body) => (CslLocator::Page, body),
        None => return (None, rest.trim_end().to_string()),
    };
    let value_text = value_text.trim_start();
    // The value: a first token, then `, token` while tokens look like
    // numbers (digits or roman numerals) or ranges of them.
    let mut end = token_len(value_text);
    if end == 0 {
        return (None, rest.trim_end().to_string());
    }
    loop {
        let after = &value_text[end..];
        let Some(next) = after.strip_prefix(',') else {
            break;
        };
        let next_trimmed = next.trim_start();
        let len = token_len(next_trimmed);
        if len == 0 || !looks_numeric(&next_trimmed[..len]) {
            break;
        }
        end += 1 + (next.len() - next_trimmed.len()) + len;
    }
    let value = value_text[..end].to_string();
    let suffix = value_text[end..].trim_end().to_string();
    (Some(Locator { kind, value }), suffix)
}

/// A locator label at the start of `text`, and the text after it.
fn label(text: &str) -> Option<(CslLocator, &str)> {
    let lower = text.to_lowercase();
    for &(term, kind) in LOCATOR_TERMS {
        if lower.starts_with(term) && lower.len() >= term.len() && text.is_char_boundary(term.len()) {
            let after = &text[term.len()..];
            // A word term must end there (`page` but not `pagerank`); an
            // abbreviation with a dot or a symbol may run into the number.
            let ends_word = term.ends_with('.') || !term.chars().all(char::is_alphabetic);
            if ends_word || after.is_empty() || after.starts_with(|c: char| c.is_whitespace()) {
                let after_trim = after.trim_start();
                if !after_trim.is_empty() {
                    return Some((kind, after_trim));
                }
            }
        }
    }
    None
}

fn token_len(text: &str) -> usize {
    text.find(|c: char| c == ',' || c.is_whitespace()).unwrap_or(text.len())
}

fn looks_numeric(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_digit()) || roman_start(token)
}

fn roman_start(text: &str) -> bool {
    let token = &text[..token_len(text)];
    !token.is_empty()
        && token.chars().all(|c| "ivxlcdmIVXLCDM-–".contains(c))
        && token.chars().next().is_some_and(|c| "ivxlcdmIVXLCDM".contains(c))
}

/// A citation written over several lines (maybe in a block quote) as one:
/// each line break with its `>` markers and indentation becomes a space.
fn squash(text: &str) -> String {
    if !text.contains('\n') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if n == 0 {
            out.push_str(line);
            continue;
        }
        let mut rest = line.trim_start();
        while let Some(r) = rest.strip_prefix('>') {
            rest = r.trim_start();
        }
        if !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(rest);
    }
    out
}
