//! Finding markers in a chapter: citations (`[@a]`, `@a`, `{{#cite a}}`,
//! `@@a`) and directives (`{{#bibliography}}`, `{{#nocite …}}`,
//! `{{#topics}}`, `{{#cite-as}}`), each with the byte span it replaces.
//!
//! Markers are looked for only where mdBook will see text: the chapter is
//! parsed with mdBook's own Markdown options, and only text outside code,
//! HTML, links and images is scanned. Everything else is never touched.

use hayagriva::citationberg::taxonomy::Locator as CslLocator;
use mdbook_markdown::pulldown_cmark::{Event, Tag, TagEnd};
use std::ops::Range;

use crate::config::MarkdownFlavor;

/// A marker found in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The bytes the marker covers (and its replacement replaces).
    pub span: Range<usize>,
    /// What the marker is.
    pub kind: MarkerKind,
    /// Inside a heading: the citation must not add text to the heading id.
    pub in_heading: bool,
    /// Inside a table cell: what replaces it must not contain a raw `|`.
    pub in_table: bool,
    /// Inside a footnote's definition: a note style's citation is written
    /// there in place, not as a note of its own.
    pub in_footnote: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// What a marker is: a citation or a directive.
pub enum MarkerKind {
    /// A citation: `[@k]`, `@k`, `@{k}`, `{{#cite k}}`.
    Cite(Citation),
    /// `{{#bibliography}}` (the current scope's list) or
    /// `{{#bibliography book}}` (every work cited anywhere).
    Bibliography {
        /// `book`: the book's list rather than the scope's.
        book: bool,
    },
    /// `{{#nocite a b}}`; `{{#nocite *}}` is `all`.
    Nocite {
        /// The keys listed.
        keys: Vec<String>,
        /// `*`: every work of the bibliography.
        all: bool,
    },
    /// `{{#topics}}`.
    Topics,
    /// `{{#cite-as}}` (how to cite the book) or `{{#cite-as chapter}}`
    /// (the chapter it stands in).
    CiteAs {
        /// `chapter`: the chapter rather than the book.
        chapter: bool,
    },
}

/// One citation: one or more cited works, rendered together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The works cited, in order.
    pub items: Vec<CiteItem>,
    /// `@a` in running text (the author is part of the sentence) rather
    /// than `[@a]`.
    pub narrative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// One cited work in a citation.
pub struct CiteItem {
    /// The citation key.
    pub key: String,
    /// Where the key is written (for diagnostics).
    pub key_offset: usize,
    /// Whether the key must exist: `[@k]`, `@{k}`, `{{#cite k}}` and `@@k`
    /// are citations whatever `k` is; a bare `@k` only when `k` is a key.
    pub explicit: bool,
    /// Text before the key (`[see @k]`).
    pub prefix: String,
    /// Text after the key and locator (`[@k, p. 3, and elsewhere]`).
    pub suffix: String,
    /// `p. 3`, `ch. 2`: where in the work.
    pub locator: Option<Locator>,
    /// `[-@k]`: the author is already named in the sentence.
    pub suppress_author: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
/// Where in a work: a CSL locator type and its value.
pub struct Locator {
    /// The CSL locator type (page, chapter, …).
    pub kind: CslLocator,
    /// Its value as written (`3`, `12–15`).
    pub value: String,
}

/// A heading (or definition-list term: mdBook gives them ids from the same
/// counter) of a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1–6; 0 for a definition-list term.
    pub level: u8,
    /// The bytes of the heading line(s).
    pub span: Range<usize>,
    /// Its text, as mdBook collects it for the id.
    pub text: String,
    /// The id mdBook gives it.
    pub id: String,
}

/// What scanning a chapter found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every marker, in order.
    pub markers: Vec<Marker>,
    /// Every heading and definition-list term, in order.
    pub headings: Vec<Heading>,
    /// The author's footnote references and definitions.
    pub footnotes: Footnotes,
}

/// The author's own footnotes: a note style's notes are numbered among them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footnotes {
    /// Each reference (`[^label]`): where it starts, and its label.
    pub references: Vec<(usize, String)>,
    /// Each definition (`[^label]: …`): the bytes it covers, and its label.
    pub definitions: Vec<(Range<usize>, String)>,
}

/// How escapes written in the chapter's own file look after mdBook's `links`
/// preprocessor, which runs first and turns `\{{#cite k}}` into `{{#cite k}}`:
/// the directives of the file in order, with whether each was escaped.
pub(crate) type SourceDirectives = Vec<(String, bool)>;

/// The directives (ours only) written in `source`, in order, with whether
/// each is escaped (`\{{#…}}`).
pub(crate) fn source_directives(source: &str) -> SourceDirectives {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = source[from..].find("{{#") {
        let start = from + i;
        from = start + 3;
        if let Some(len) = directive_len(&source[start..]) {
            let text = &source[start..start + len];
            if parse_directive(text).is_some() {
                let escaped = start > 0 && source.as_bytes()[start - 1] == b'\\';
                out.push((text.to_string(), escaped));
            }
            from = start + len;
        }
    }
    out
}

/// Scans one chapter. `is_key` tells whether a bare `@word` is a citation.
pub fn chapter(
    content: &str,
    flavor: MarkdownFlavor,
    is_key: &dyn Fn(&str) -> bool,
    source: Option<&SourceDirectives>,
) -> Scan {
    let mut scan = Scan::default();
    let (runs, math) = text_runs(content, flavor, &mut scan.footnotes);
    for run in &runs {
        scan_run(content, run, &math, is_key, &mut scan.markers);
    }
    if let Some(source) = source {
        unescape_by_source(content, source, &mut scan.markers);
    }
    scan.headings = headings(content, flavor);
    scan
}

/// Drops directives that mdBook's `links` preprocessor un-escaped: those the
/// chapter's file wrote as `\{{#…}}`. Directives are matched to the file's in
/// order; ones that match nothing came from an `{{#include}}`.
fn unescape_by_source(content: &str, source: &SourceDirectives, markers: &mut Vec<Marker>) {
    if !source.iter().any(|(_, escaped)| *escaped) {
        return;
    }
    let mut next = 0;
    markers.retain(|marker| {
        let text = &content[marker.span.clone()];
        if !text.starts_with("{{#") {
            return true;
        }
        match source[next..].iter().position(|(t, _)| t == text) {
            Some(i) => {
                let escaped = source[next + i].1;
                next += i + 1;
                !escaped
            }
            None => true,
        }
    });
}

/// A stretch of text mdBook will render as text: where markers may be.
#[derive(Debug)]
struct Run {
    range: Range<usize>,
    in_heading: bool,
    in_table: bool,
    in_footnote: bool,
}

/// The pulldown-cmark parser mdBook uses for `content` with this flavour.
pub fn parser(content: &str, flavor: MarkdownFlavor) -> mdbook_markdown::pulldown_cmark::Parser<'_> {
    let mut options = mdbook_markdown::MarkdownOptions::default();
    options.smart_punctuation = flavor.smart_punctuation;
    options.definition_lists = flavor.definition_lists;
    options.admonitions = flavor.admonitions;
    mdbook_markdown::new_cmark_parser(content, &options)
}

/// The runs of text of a chapter, and where its math is (see [`math_spans`]).
fn text_runs(content: &str, flavor: MarkdownFlavor, footnotes: &mut Footnotes) -> (Vec<Run>, Vec<Range<usize>>) {
    let mut runs = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let (mut skip, mut heading, mut table, mut footnote) = (0usize, 0usize, 0usize, 0usize);
    let flush = |current: &mut Option<Range<usize>>, runs: &mut Vec<Run>, heading: usize, table: usize, footnote| {
        if let Some(range) = current.take() {
            runs.push(Run { range, in_heading: heading > 0, in_table: table > 0, in_footnote: footnote > 0 });
        }
    };
    // The current block's text as the page will show it, each character
    // with the bytes it comes from; math is found in it when the block ends.
    let mut shown: Vec<(char, Range<usize>)> = Vec::new();
    let mut math = Vec::new();
    let look_for_math = content.contains("\\\\") || content.contains("$$");
    for (event, range) in parser(content, flavor).into_offset_iter() {
        if look_for_math {
            match &event {
                Event::Text(text) if text.len() == range.len() => {
                    shown.extend(text.char_indices().map(|(i, c)| (c, range.start + i..range.start + i + c.len_utf8())))
                }
                // An escape or an entity: its characters stand for all of it.
                Event::Text(text) => shown.extend(text.chars().map(|c| (c, range.clone()))),
                // Inline markup leaves the block as it is.
                Event::Start(
                    Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Link { .. }
                    | Tag::Image { .. }
                    | Tag::Superscript
                    | Tag::Subscript,
                )
                | Event::End(
                    TagEnd::Emphasis
                    | TagEnd::Strong
                    | TagEnd::Strikethrough
                    | TagEnd::Link
                    | TagEnd::Image
                    | TagEnd::Superscript
                    | TagEnd::Subscript,
                )
                | Event::Code(_)
                | Event::InlineHtml(_)
                | Event::InlineMath(_)
                | Event::FootnoteReference(_)
                | Event::TaskListMarker(_) => {}
                Event::SoftBreak | Event::HardBreak => shown.push(('\n', range.clone())),
                // Anything else starts or ends a block.
                _ => math.extend(math_spans(&std::mem::take(&mut shown))),
            }
        }
        match &event {
            Event::Text(_) | Event::SoftBreak if skip == 0 => {
                current = Some(match current.take() {
                    Some(c) => c.start..range.end.max(c.end),
                    None => range,
                });
                continue;
            }
            _ => {}
        }
        flush(&mut current, &mut runs, heading, table, footnote);
        match event {
            Event::Start(
                Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. } | Tag::HtmlBlock | Tag::MetadataBlock(_),
            ) => skip += 1,
            Event::End(
                TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_),
            ) => skip = skip.saturating_sub(1),
            Event::Start(Tag::Heading { .. } | Tag::DefinitionListTitle) => heading += 1,
            Event::End(TagEnd::Heading(_) | TagEnd::DefinitionListTitle) => heading = heading.saturating_sub(1),
            Event::Start(Tag::TableCell) => table += 1,
            Event::End(TagEnd::TableCell) => table = table.saturating_sub(1),
            Event::Start(Tag::FootnoteDefinition(label)) => {
                footnote += 1;
                footnotes.definitions.push((range, label.to_string()));
            }
            Event::FootnoteReference(label) => footnotes.references.push((range.start, label.to_string())),
            Event::End(TagEnd::FootnoteDefinition) => footnote = footnote.saturating_sub(1),
            _ => {}
        }
    }
    flush(&mut current, &mut runs, heading, table, footnote);
    math.extend(math_spans(&shown));
    (runs, math)
}

/// Where MathJax will find math in one block (mdBook's `mathjax-support`),
/// given the block's text as the page shows it: `\\( … \\)`, `\\[ … \\]`
/// and `$$ … $$` (written `\\\\( … \\\\)`, … in Markdown), each closed in
/// the same block; an opener without its closer is text, as MathJax leaves
/// it. Markers inside are left as written (`\\\\(x_{[@a]}\\\\)` stays
/// math). A single `$` is text: MathJax 2.7 as mdBook loads it does not take
/// `$ … $` for math.
///
/// The byte ranges, in order, from the opener's first byte to the closer's last.
fn math_spans(shown: &[(char, Range<usize>)]) -> Vec<Range<usize>> {
    // Where each closer stands, so that finding one is a binary search
    // (many openers without closers stay linear).
    let pairs = |a: char, b: char| -> Vec<usize> {
        (0..shown.len().saturating_sub(1)).filter(|&j| shown[j].0 == a && shown[j + 1].0 == b).collect()
    };
    let (parens, brackets, dollars) = (pairs('\\', ')'), pairs('\\', ']'), pairs('$', '$'));
    let mut spans = Vec::new();
    let mut i = 0;
    while i + 1 < shown.len() {
        let closers = match (shown[i].0, shown[i + 1].0) {
            ('\\', '(') => Some(&parens),
            ('\\', '[') => Some(&brackets),
            ('$', '$') => Some(&dollars),
            _ => None,
        };
        match closers.and_then(|at| at.get(at.partition_point(|&j| j < i + 2)).copied()) {
            Some(j) => {
                spans.push(shown[i].1.start..shown[j + 1].1.end);
                i = j + 2;
            }
            None => i += 1,
        }
    }
    spans
}

fn scan_run(content: &str, run: &Run, math: &[Range<usize>], is_key: &dyn Fn(&str) -> bool, markers: &mut Vec<Marker>) {
    let text = &content[run.range.clone()];
    let base = run.range.start;
    let bytes = text.as_bytes();
    let mut i = 0;
    // The math spans that reach into this run, in order.
    let first = math.partition_point(|m| m.end <= base);
    let math = &math[first..math[first..].partition_point(|m| m.start < run.range.end) + first];
    // A marker is one only when it holds whole math spans or none: one that
    // starts or ends inside math is part of the formula.
    let cuts_math = |span: &Range<usize>| {
        math.iter().any(|m| m.start < span.end && span.start < m.end && !(span.start <= m.start && m.end <= span.end))
    };
    let push = |markers: &mut Vec<Marker>, span: Range<usize>, kind: MarkerKind| {
        if cuts_math(&span) {
            return false;
        }
        markers.push(Marker {
            span,
            kind,
            in_heading: run.in_heading,
            in_table: run.in_table,
            in_footnote: run.in_footnote,
        });
        true
    };
    let mut next_math = 0;
    while i < bytes.len() {
        // Math is left as written.
        while next_math < math.len() && math[next_math].end <= base + i {
            next_math += 1;
        }
        if let Some(m) = math.get(next_math).filter(|m| m.start <= base + i) {
            i = m.end - base;
            continue;
        }
        match bytes[i] {
            b'\\' => {
                // An escaped character is literal: `\[@k]`, `\@k`, `\{{#cite k}}`;
                // an escaped `[` makes its whole bracket literal.
                i += 1 + text[i + 1..].chars().next().map_or(0, char::len_utf8);
                if bytes.get(i - 1) == Some(&b'[')
                    && let Some(close) = matching_bracket(text, i - 1)
                {
                    i = close + 1;
                }
            }
            b'{' if text[i..].starts_with("{{#") => {
                if let Some(len) = directive_len(&text[i..])
                    && let Some(kind) = parse_directive(&text[i..i + len])
                {
                    let kind = match kind {
                        MarkerKind::Cite(mut citation) => {
                            // Point each key at where it is written.
                            let mut from = i;
                            for item in &mut citation.items {
                                let at = text[from..].find(item.key.as_str()).map_or(i, |k| from + k);
                                item.key_offset = base + at;
                                from = at + item.key.len();
                            }
                            MarkerKind::Cite(citation)
                        }
                        other => other,
                    };
                    i += if push(markers, base + i..base + i + len, kind) { len } else { 3 };
                } else {
                    i += 3;
                }
            }
            b'[' => match bracketed(text, i, base) {
                Some((end, citation)) => {
                    i = if push(markers, base + i..base + end, MarkerKind::Cite(citation)) { end } else { i + 1 };
                }
                None => i += 1,
            },
            b'@' => match at_sign(text, i, base, is_key) {
                Some((start, end, citation)) => {
                    i = if push(markers, base + start..base + end, MarkerKind::Cite(citation)) { end } else { i + 1 };
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
}

/// The length of `{{#…}}` at the start of `text` (one line at most).
fn directive_len(text: &str) -> Option<usize> {
    let line_end = text.find('\n').unwrap_or(text.len());
    text[..line_end].find("}}").map(|i| i + 2)
}

fn parse_directive(text: &str) -> Option<MarkerKind> {
    let inner = text.strip_prefix("{{#")?.strip_suffix("}}")?.trim();
    let (name, args) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
    let args: Vec<&str> = args.split([' ', '\t', ',']).filter(|a| !a.is_empty()).collect();
    match name {
        "cite" if !args.is_empty() => Some(MarkerKind::Cite(Citation {
            items: args
                .iter()
                .map(|k| {
                    let key = k.strip_prefix('@').unwrap_or(k).to_string();
                    CiteItem { key, key_offset: 0, explicit: true, ..CiteItem::empty() }
                })
                .collect(),
            narrative: false,
        })),
        "bibliography" => match args.as_slice() {
            [] => Some(MarkerKind::Bibliography { book: false }),
            ["book"] => Some(MarkerKind::Bibliography { book: true }),
            _ => None,
        },
        "nocite" if !args.is_empty() => Some(MarkerKind::Nocite {
            all: args.contains(&"*"),
            keys: args.iter().filter(|a| **a != "*").map(|k| k.strip_prefix('@').unwrap_or(k).to_string()).collect(),
        }),
        "topics" if args.is_empty() => Some(MarkerKind::Topics),
        "cite-as" => match args.as_slice() {
            [] | ["book"] => Some(MarkerKind::CiteAs { chapter: false }),
            ["chapter"] => Some(MarkerKind::CiteAs { chapter: true }),
            _ => None,
        },
        _ => None,
    }
}

impl CiteItem {
    fn empty() -> CiteItem {
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
fn bracketed(text: &str, open: usize, base: usize) -> Option<(usize, Citation)> {
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
fn matching_bracket(text: &str, open: usize) -> Option<usize> {
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
fn at_sign(text: &str, i: usize, base: usize, is_key: &dyn Fn(&str) -> bool) -> Option<(usize, usize, Citation)> {
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

/// The headings (and definition-list terms) of a chapter, with the ids
/// mdBook 0.5 gives them: the text of the heading, lowercased, letters,
/// digits, `_` and `-` kept and whitespace made `-`; then made unique in the
/// page with `-1`, `-2`… An explicit `{#id}` is kept and does not count.
pub(crate) fn headings(content: &str, flavor: MarkdownFlavor) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut used = std::collections::HashSet::new();
    let mut current: Option<(u8, usize, Option<String>, String)> = None;
    for (event, range) in parser(content, flavor).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                current = Some((level as u8, range.start, id.map(|i| i.to_string()), String::new()))
            }
            Event::Start(Tag::DefinitionListTitle) => current = Some((0, range.start, None, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, _, text)) = &mut current {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_) | TagEnd::DefinitionListTitle) => {
                if let Some((level, start, explicit, text)) = current.take() {
                    let id = match explicit {
                        Some(id) => id,
                        None => unique_id(&id_from_content(&text), &mut used),
                    };
                    headings.push(Heading { level, span: start..range.end, text, id });
                }
            }
            _ => {}
        }
    }
    headings
}

/// mdBook's `id_from_content` (mdbook-html 0.5).
pub(crate) fn id_from_content(content: &str) -> String {
    content
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// mdBook's `unique_id`.
pub(crate) fn unique_id(id: &str, used: &mut std::collections::HashSet<String>) -> String {
    if used.insert(id.to_string()) {
        return id.to_string();
    }
    (1u32..).map(|n| format!("{id}-{n}")).find(|candidate| used.insert(candidate.clone())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["a", "b", "knuth84", "doe99", "smith04", "müller2020", "key:with/odd.chars", "张三2020"];

    fn is_key(k: &str) -> bool {
        KEYS.contains(&k)
    }

    fn scan(content: &str) -> Vec<Marker> {
        chapter(content, MarkdownFlavor::default(), &is_key, None).markers
    }

    /// Each case: the chapter, and the markers' source text with their keys.
    #[test]
    fn markers_are_found_where_mdbook_sees_text() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])]);
        let cases: &[Case] = &[
            ("See [@a].", &[("[@a]", &["a"])]),
            ("See [@a; @b].", &[("[@a; @b]", &["a", "b"])]),
            (
                "[see @doe99, pp. 33-35; also @smith04, chap. 1]",
                &[("[see @doe99, pp. 33-35; also @smith04, chap. 1]", &["doe99", "smith04"])],
            ),
            ("Knuth says [-@knuth84].", &[("[-@knuth84]", &["knuth84"])]),
            ("@knuth84 says so.", &[("@knuth84", &["knuth84"])]),
            ("@knuth84 [p. 33] says so.", &[("@knuth84 [p. 33]", &["knuth84"])]),
            ("Ends with @knuth84.", &[("@knuth84", &["knuth84"])]),
            (
                "@{key:with/odd.chars} and @{unknown one}",
                &[("@{key:with/odd.chars}", &["key:with/odd.chars"]), ("@{unknown one}", &["unknown one"])],
            ),
            ("Mail me@a.org or @someone, or x @ 1..=5", &[]),
            ("{{#cite a}} and {{#cite b}}", &[("{{#cite a}}", &["a"]), ("{{#cite b}}", &["b"])]),
            ("@@a and @@müller2020.", &[("@@a", &["a"]), ("@@müller2020", &["müller2020"])]),
            ("Unknown [@nokey] is still a citation.", &[("[@nokey]", &["nokey"])]),
            ("Escaped \\[@a] and \\@a and \\{{#cite a}}.", &[]),
            ("`[@a]` and ``[@a] `x` `` in code", &[]),
            ("```\n[@a]\n```\n\n    [@a] indented\n", &[]),
            ("<div>\n[@a]\n</div>\n", &[]),
            ("<span title=\"[@a]\">[@b]</span>", &[("[@b]", &["b"])]),
            ("[@a](https://x.org) and [text](https://x.org/@a) ![@a](i.png)", &[]),
            ("<https://x.org/@a> and <me@a.org>", &[]),
            ("| h |\n|---|\n| [@a] |\n", &[("[@a]", &["a"])]),
            ("> quote [@a;\n> @b]\n", &[("[@a;\n> @b]", &["a", "b"])]),
            ("中文句子引用了文献[@张三2020]。", &[("[@张三2020]", &["张三2020"])]),
            ("中文@a不是引用", &[]),
            ("line one [@a]\r\nline two [@b]\r\n", &[("[@a]", &["a"]), ("[@b]", &["b"])]),
            ("[not a citation] and [email @ x]", &[]),
            ("[[@a]]", &[("[@a]", &["a"])]),
            ("Footnote[^1].\n\n[^1]: See [@a].\n", &[("[@a]", &["a"])]),
            (
                "{{#bibliography}}\n\n{{#bibliography book}}\n\n{{#nocite a b}} {{#nocite *}} {{#topics}}",
                &[
                    ("{{#bibliography}}", &[]),
                    ("{{#bibliography book}}", &[]),
                    ("{{#nocite a b}}", &[]),
                    ("{{#nocite *}}", &[]),
                    ("{{#topics}}", &[]),
                ],
            ),
            ("{{#include file.md}} {{#unknown x}}", &[]),
            ("# Heading [@a]\n", &[("[@a]", &["a"])]),
            ("Term\n: Definition [@a]\n", &[("[@a]", &["a"])]),
            ("$x [@a]$ math is text to mdBook", &[("[@a]", &["a"])]),
            ("<!-- [@a] -->\n", &[]),
        ];
        for &(content, expected) in cases {
            let markers = scan(content);
            let got: Vec<(&str, Vec<&str>)> = markers
                .iter()
                .map(|m| {
                    let keys = match &m.kind {
                        MarkerKind::Cite(c) => c.items.iter().map(|i| i.key.as_str()).collect(),
                        _ => vec![],
                    };
                    (&content[m.span.clone()], keys)
                })
                .collect();
            let expected: Vec<(&str, Vec<&str>)> = expected.iter().map(|(s, k)| (*s, k.to_vec())).collect();
            assert_eq!(got, expected, "in {content:?}");
        }
    }

    /// MathJax's math (`mathjax-support`) is left as written, markers and
    /// all; `$` signs and unclosed openers are text (issue 13).
    #[test]
    fn markers_leave_math_alone() {
        let cases: &[(&str, &[&str])] = &[
            ("costs $5 [@a]", &["[@a]"]),
            ("costs $5 and $6 [@a] @b", &["[@a]", "@b"]),
            ("$x [@a]$ is text to MathJax 2.7", &["[@a]"]),
            ("\\\\(x_{[@a]}\\\\) and [@b]", &["[@b]"]),
            ("\\\\(x\\_{[@a]}\\\\)", &[]),
            ("inline \\\\( @a + [@b] \\\\) then @a", &["@a"]),
            ("\\\\[\nx_{[@a]} = @b\n\\\\]\n\nafter [@b]\n", &["[@b]"]),
            ("display $$ [@a] $$ and [@b]", &["[@b]"]),
            ("$$\n{{#cite a}}\n$$\n", &[]),
            // An opener without its closer in the block is text.
            ("\\\\( [@a]\n\nnext paragraph \\\\) [@b]", &["[@a]", "[@b]"]),
            ("\\\\[ [@a] and no closer", &["[@a]"]),
            // `\(` (an escaped parenthesis) is no math: the page shows `(`.
            ("\\( [@a] \\)", &["[@a]"]),
            // Math inside emphasis or across it is one formula.
            ("\\\\(a *b* [@a]\\\\) [@b]", &["[@b]"]),
            // A marker that holds whole math keeps it; one that cuts math is math.
            ("[see \\\\(x^2\\\\), @a]", &["[see \\\\(x^2\\\\), @a]"]),
            // (`@a` alone is outside the formula: a narrative citation.)
            ("[@a \\\\(x] y\\\\) [@b]", &["@a", "[@b]"]),
            ("| \\\\(x_{[@a]}\\\\) | [@b] |\n|---|---|\n| [@a] | \\\\(1\\\\) |\n", &["[@b]", "[@a]"]),
            ("`\\\\(` [@a] `\\\\)`", &["[@a]"]),
            ("中文 \\\\(O(n^2)\\\\)[@a]，代价 \\\\(O(n)\\\\)", &["[@a]"]),
        ];
        for &(content, expected) in cases {
            let got: Vec<&str> = scan(content).iter().map(|m| &content[m.span.clone()]).collect();
            assert_eq!(got, expected, "in {content:?}");
        }
        // Many openers without closers stay linear.
        let openers = "\\\\( [@a] ".repeat(100_000);
        assert_eq!(scan(&openers).len(), 100_000);
    }

    fn items(content: &str) -> Vec<CiteItem> {
        match &scan(content)[0].kind {
            MarkerKind::Cite(c) => c.items.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prefixes_locators_and_suffixes() {
        // (citation, [(prefix, locator kind, locator value, suffix, suppress)])
        type Expected<'a> = (&'a str, Option<(CslLocator, &'a str)>, &'a str, bool);
        let cases: &[(&str, &[Expected])] = &[
            ("[@a]", &[("", None, "", false)]),
            (
                "[see @a, pp. 33-35; also @b, chap. 1]",
                &[
                    ("see", Some((CslLocator::Page, "33-35")), "", false),
                    ("also", Some((CslLocator::Chapter, "1")), "", false),
                ],
            ),
            ("[@a, p. 33, and elsewhere]", &[("", Some((CslLocator::Page, "33")), ", and elsewhere", false)]),
            (
                "[@a, pp. 33-35, 38-39 and passim]",
                &[("", Some((CslLocator::Page, "33-35, 38-39")), " and passim", false)],
            ),
            ("[@a, 33]", &[("", Some((CslLocator::Page, "33")), "", false)]),
            ("[@a, xii]", &[("", Some((CslLocator::Page, "xii")), "", false)]),
            ("[@a, § 4.2]", &[("", Some((CslLocator::Section, "4.2")), "", false)]),
            ("[@a, sec. 2]", &[("", Some((CslLocator::Section, "2")), "", false)]),
            (
                "[@a, fig. 3; @b, vol. 2]",
                &[("", Some((CslLocator::Figure, "3")), "", false), ("", Some((CslLocator::Volume, "2")), "", false)],
            ),
            ("[@a, {pp. iv, vi-xi}]", &[("", Some((CslLocator::Page, "iv, vi-xi")), "", false)]),
            ("[@a, and also]", &[("", None, ", and also", false)]),
            ("[-@a, p. 4]", &[("", Some((CslLocator::Page, "4")), "", true)]),
            ("[@a, ch. 3]", &[("", Some((CslLocator::Chapter, "3")), "", false)]),
            ("[@a, para. 7]", &[("", Some((CslLocator::Paragraph, "7")), "", false)]),
            ("[@a, no. 5]", &[("", Some((CslLocator::Issue, "5")), "", false)]),
            ("[@a, s.v. word]", &[("", Some((CslLocator::SubVerbo, "word")), "", false)]),
            ("@a [p. 33]", &[("", Some((CslLocator::Page, "33")), "", false)]),
            ("@a [chap. 2, note]", &[("", Some((CslLocator::Chapter, "2")), ", note", false)]),
        ];
        for &(content, expected) in cases {
            let found = items(content);
            let got: Vec<Expected> = found
                .iter()
                .map(|i| {
                    (
                        i.prefix.as_str(),
                        i.locator.as_ref().map(|l| (l.kind, l.value.as_str())),
                        i.suffix.as_str(),
                        i.suppress_author,
                    )
                })
                .collect();
            assert_eq!(got, expected.to_vec(), "in {content:?}");
        }
    }

    #[test]
    fn key_offsets_point_at_keys() {
        let content = "Text [see @a; @b] and @knuth84 and {{#cite doe99}} @@smith04";
        for marker in scan(content) {
            let MarkerKind::Cite(c) = marker.kind else { unreachable!() };
            for item in c.items {
                assert!(content[item.key_offset..].starts_with(&item.key), "{item:?}");
            }
        }
    }

    #[test]
    fn cite_as_directives() {
        let cases: &[(&str, Option<MarkerKind>)] = &[
            ("{{#cite-as}}", Some(MarkerKind::CiteAs { chapter: false })),
            ("{{#cite-as book}}", Some(MarkerKind::CiteAs { chapter: false })),
            ("{{#cite-as chapter}}", Some(MarkerKind::CiteAs { chapter: true })),
            ("{{#cite-as section}}", None),
        ];
        for (text, expected) in cases {
            assert_eq!(scan(text).first().map(|m| m.kind.clone()), *expected, "{text}");
        }
        // In code it stays text.
        assert!(scan("`{{#cite-as}}`").is_empty());
    }

    #[test]
    fn context_flags() {
        let markers = scan("# H [@a]\n\n| x |\n|---|\n| [@b] |\n\nplain [@a][^n]\n\n[^n]: In a note [@b].\n");
        let flags: Vec<(bool, bool, bool)> =
            markers.iter().map(|m| (m.in_heading, m.in_table, m.in_footnote)).collect();
        assert_eq!(flags, [(true, false, false), (false, true, false), (false, false, false), (false, false, true)]);
    }

    #[test]
    fn escapes_consumed_by_mdbook_links_are_recovered_from_the_source() {
        let source = "A \\{{#cite a}} and {{#cite b}}\n{{#include x.md}}\n";
        // What the `links` preprocessor makes of it (x.md holds `{{#cite a}}`).
        let content = "A {{#cite a}} and {{#cite b}}\n{{#cite a}}\n";
        let directives = source_directives(source);
        assert_eq!(directives, [("{{#cite a}}".to_string(), true), ("{{#cite b}}".to_string(), false)]);
        let markers = chapter(content, MarkdownFlavor::default(), &is_key, Some(&directives)).markers;
        let spans: Vec<&str> = markers.iter().map(|m| &content[m.span.clone()]).collect();
        assert_eq!(spans, ["{{#cite b}}", "{{#cite a}}"]);
        assert_eq!(markers[1].span.start, 30);
    }

    #[test]
    fn heading_ids_match_mdbook() {
        let content = "# Intro\n\n## 少样本学习（Few-Shot）\n\n## Intro\n\n## `code` & *em* \"q\"\n\n## Custom {#my-id}\n\nTerm\n: def\n\n## Term\n";
        let ids: Vec<(u8, String)> =
            headings(content, MarkdownFlavor::default()).into_iter().map(|h| (h.level, h.id)).collect();
        assert_eq!(
            ids,
            [
                (1, "intro".to_string()),
                (2, "少样本学习few-shot".to_string()),
                (2, "intro-1".to_string()),
                (2, "code--em-q".to_string()),
                (2, "my-id".to_string()),
                (0, "term".to_string()),
                (2, "term-1".to_string()),
            ]
        );
    }

    #[test]
    fn pathological_input_stays_linear() {
        let brackets = "[".repeat(100_000) + &"]".repeat(100_000);
        let _ = scan(&brackets);
        let ats = "@".repeat(500_000);
        assert!(scan(&ats).is_empty());
    }
}
