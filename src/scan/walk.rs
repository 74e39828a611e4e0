//! The pulldown-cmark walk: where in a chapter mdBook will see text (outside
//! code, HTML, links, images and math), and the markers found there.

use mdbook_markdown::pulldown_cmark::{Event, Tag, TagEnd};
use std::ops::Range;

use super::cite::{at_sign, bracketed, matching_bracket};
use super::directive::{directive_len, parse_directive};
use super::{Footnotes, Marker, MarkerKind};
use crate::config::MarkdownFlavor;

/// A stretch of text mdBook will render as text: where markers may be.
#[derive(Debug)]
pub(super) struct Run {
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
pub(super) fn text_runs(
    content: &str,
    flavor: MarkdownFlavor,
    footnotes: &mut Footnotes,
) -> (Vec<Run>, Vec<Range<usize>>) {
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

pub(super) fn scan_run(
    content: &str,
    run: &Run,
    math: &[Range<usize>],
    is_key: &dyn Fn(&str) -> bool,
    markers: &mut Vec<Marker>,
) {
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
