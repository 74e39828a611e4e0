//! Our directives, `{{#bibliography}}`, `{{#nocite …}}`, `{{#topics}}`,
//! `{{#cite-as}}` and `{{#cite …}}`: their grammar, and the escapes mdBook's
//! `links` preprocessor consumed before we see the chapter.

use super::{Citation, CiteItem, Marker, MarkerKind};

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

/// Drops directives that mdBook's `links` preprocessor un-escaped: those the
/// chapter's file wrote as `\{{#…}}`. Directives are matched to the file's in
/// order; ones that match nothing came from an `{{#include}}`.
pub(super) fn unescape_by_source(content: &str, source: &SourceDirectives, markers: &mut Vec<Marker>) {
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

/// The length of `{{#…}}` at the start of `text` (one line at most).
pub(super) fn directive_len(text: &str) -> Option<usize> {
    let line_end = text.find('\n').unwrap_or(text.len());
    text[..line_end].find("}}").map(|i| i + 2)
}

pub(super) fn parse_directive(text: &str) -> Option<MarkerKind> {
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
