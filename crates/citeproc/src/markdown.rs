//! The Markdown writer: a rendered run as inline Markdown, with emphasis,
//! strong emphasis and links as Markdown has them, superscript, subscript
//! and small capitals as inline HTML (Markdown has none), and every other
//! character escaped where a parser would read it as markup.

use pulldown_cmark::{CowStr, Event, LinkType, Tag as MdTag, TagEnd};

use crate::output::{Kind, Piece, Tag};

/// How a stretch of text looks, as far as Markdown can say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Look {
    italic: bool,
    bold: bool,
    /// `<sup>`, `<sub>` and the small-caps span, outermost first.
    html: [Option<(&'static str, &'static str)>; 2],
}

fn look(piece: &Piece) -> Look {
    let style = &piece.style;
    let align = match style.align {
        1 => Some(("<sup>", "</sup>")),
        2 => Some(("<sub>", "</sub>")),
        _ => None,
    };
    // (A finished run's italic, small caps, … are their net effect: 0 or 1.)
    let small_caps = (style.small_caps % 2 == 1).then_some(("<span style=\"font-variant:small-caps;\">", "</span>"));
    Look { italic: style.italic % 2 == 1, bold: style.bold, html: [small_caps, align] }
}

/// Writes a tidied run as inline Markdown (one line).
pub fn markdown(run: &[Piece]) -> String {
    let mut events: Vec<Event<'static>> = vec![Event::Start(MdTag::Paragraph)];
    // The stretch being written: its look and its text, flushed when the
    // look changes or a link starts or ends.
    let mut current: Option<(Look, String)> = None;
    for piece in run {
        match &piece.kind {
            Kind::Text | Kind::Open(_) | Kind::Close(_) if !piece.text.is_empty() => {
                let next = look(piece);
                match &mut current {
                    Some((look, text)) if *look == next => text.push_str(&piece.text),
                    _ => {
                        flush(current.take(), &mut events);
                        current = Some((next, piece.text.to_string()));
                    }
                }
            }
            Kind::Tag(Tag::LinkStart(url)) => {
                flush(current.take(), &mut events);
                events.push(Event::Start(MdTag::Link {
                    link_type: LinkType::Inline,
                    dest_url: CowStr::Boxed(url.clone()),
                    title: CowStr::from(""),
                    id: CowStr::from(""),
                }));
            }
            Kind::Tag(Tag::LinkEnd) => {
                flush(current.take(), &mut events);
                events.push(Event::End(TagEnd::Link));
            }
            // A display block starts a new stretch, apart from the one before.
            Kind::BlockStart(_) => {
                flush(current.take(), &mut events);
                if events.len() > 1 {
                    events.push(Event::Text(CowStr::from(" ")));
                }
            }
            _ => {}
        }
    }
    flush(current, &mut events);
    events.push(Event::End(TagEnd::Paragraph));
    let mut out = String::new();
    if pulldown_cmark_to_cmark::cmark(events.iter(), &mut out, pulldown_cmark::Options::empty()).is_err() {
        return crate::output::plain(run);
    }
    out.trim().replace('\n', " ")
}

/// Writes one stretch. Spaces at its ends stay outside its emphasis (a
/// parser does not take `* text*` as emphasis).
fn flush(stretch: Option<(Look, String)>, events: &mut Vec<Event<'static>>) {
    let Some((look, text)) = stretch else { return };
    let inner = text.trim_matches(char::is_whitespace);
    let lead = &text[..text.len() - text.trim_start_matches(char::is_whitespace).len()];
    let trail = &text[text.trim_end_matches(char::is_whitespace).len()..];
    let plain = !look.italic && !look.bold && look.html.iter().all(Option::is_none);
    if plain || inner.is_empty() {
        events.push(Event::Text(CowStr::from(text)));
        return;
    }
    if !lead.is_empty() {
        events.push(Event::Text(CowStr::from(lead.to_string())));
    }
    for (open, _) in look.html.iter().flatten() {
        events.push(Event::InlineHtml(CowStr::from(*open)));
    }
    if look.italic {
        events.push(Event::Start(MdTag::Emphasis));
    }
    if look.bold {
        events.push(Event::Start(MdTag::Strong));
    }
    events.push(Event::Text(CowStr::from(inner.to_string())));
    if look.bold {
        events.push(Event::End(TagEnd::Strong));
    }
    if look.italic {
        events.push(Event::End(TagEnd::Emphasis));
    }
    for (_, close) in look.html.iter().rev().flatten() {
        events.push(Event::InlineHtml(CowStr::from(*close)));
    }
    if !trail.is_empty() {
        events.push(Event::Text(CowStr::from(trail.to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Style;

    fn piece(text: &str, style: Style) -> Piece {
        Piece { style, ..Piece::text(text) }
    }

    #[test]
    fn runs_as_inline_markdown() {
        let italic = Style { italic: 1, ..Style::default() };
        let bold = Style { bold: true, ..Style::default() };
        let sup = Style { align: 1, ..Style::default() };
        let link = |url: &str| Piece { kind: Kind::Tag(Tag::LinkStart(url.into())), ..Piece::text("") };
        let end = Piece { kind: Kind::Tag(Tag::LinkEnd), ..Piece::text("") };
        let cases: Vec<(Vec<Piece>, &str)> = vec![
            (vec![Piece::text("Doe, "), piece("A Book", italic), Piece::text(".")], "Doe, *A Book*."),
            (vec![Piece::text("x"), piece(" spaced ", italic), Piece::text("y")], "x *spaced* y"),
            (vec![piece("Vol", bold), Piece::text(" 3")], "**Vol** 3"),
            (vec![Piece::text("[1] *not* _emphasis_ <b>")], "\\[1\\] \\*not\\* \\_emphasis\\_ \\<b>"),
            (vec![Piece::text("x"), piece("2", sup)], "x<sup>2</sup>"),
            (
                vec![Piece::text("See "), link("https://doi.org/10.1/x"), Piece::text("10.1/x"), end.clone()],
                // (cmark escapes what could start a list: it reads as `10.1`.)
                "See [10\\.1/x](https://doi.org/10.1/x)",
            ),
            (vec![piece("Roman ", Style { italic: 2, ..Style::default() }), piece("in", italic)], "Roman *in*"),
        ];
        for (run, want) in cases {
            assert_eq!(markdown(&run), want);
        }
    }
}
