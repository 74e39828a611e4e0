//! Our processor's output as hayagriva's output tree: the writers of
//! `super::write`, the links from citations to entries, the previews and
//! the list numbers all work on that tree.

use hayagriva::citationberg::{Display, FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign};
use hayagriva::{Elem, ElemChild, ElemChildren, ElemMeta, Formatted, Formatting};
use scholar_citeproc::{Kind, Piece, Tag};

/// An entry's label (the first field of `second-field-align` styles) and
/// its text.
pub(super) fn entry(run: &[Piece]) -> (Option<ElemChild>, ElemChildren) {
    let mut children = tree(run).0;
    let label = match children.first() {
        Some(ElemChild::Elem(Elem { display: Some(Display::LeftMargin), .. })) => match children.remove(0) {
            ElemChild::Elem(elem) => Some(ElemChild::Elem(Elem { display: None, ..elem })),
            _ => None,
        },
        _ => None,
    };
    // The text beside the label is the entry's text itself.
    if label.is_some()
        && let [ElemChild::Elem(Elem { display: Some(Display::RightInline), .. })] = children.as_slice()
        && let Some(ElemChild::Elem(elem)) = children.pop()
    {
        children = elem.children.0;
    }
    (label, ElemChildren(children))
}

/// What an open element of the tree is.
enum Frame {
    Elem { display: Option<Display>, meta: Option<ElemMeta> },
    Link(String),
}

/// A run as hayagriva's output tree: each cite of a cluster an `Entry`
/// element, the citation number a `CitationNumber` element, display blocks
/// elements with their display, URLs and DOIs links.
pub(super) fn tree(run: &[Piece]) -> ElemChildren {
    let mut stack: Vec<(Frame, Vec<ElemChild>)> = vec![(Frame::Elem { display: None, meta: None }, Vec::new())];
    for piece in run {
        let frame = match &piece.kind {
            Kind::Tag(Tag::CiteStart(k)) => Some(Frame::Elem { display: None, meta: Some(ElemMeta::Entry(*k)) }),
            Kind::Tag(Tag::NumberStart) => Some(Frame::Elem { display: None, meta: Some(ElemMeta::CitationNumber) }),
            Kind::Tag(Tag::LinkStart(url)) => Some(Frame::Link(url.to_string())),
            Kind::BlockStart(display) => Some(Frame::Elem { display: Some(*display), meta: None }),
            Kind::Tag(Tag::CiteEnd | Tag::NumberEnd | Tag::LinkEnd) | Kind::BlockEnd => {
                if stack.len() > 1 {
                    close(&mut stack);
                }
                continue;
            }
            // Author marks, and year suffixes (their cite's element links
            // them already).
            Kind::Mark(_) | Kind::Name(_) | Kind::Tag(Tag::YearSuffixStart | Tag::YearSuffixEnd) => continue,
            Kind::Text | Kind::Open(_) | Kind::Close(_) => None,
        };
        if let Some(frame) = frame {
            stack.push((frame, Vec::new()));
            continue;
        }
        if piece.text.is_empty() {
            continue;
        }
        let formatting = formatting(&piece.style);
        let children = &mut stack.last_mut().expect("the root stays").1;
        match children.last_mut() {
            Some(ElemChild::Text(last)) if last.formatting == formatting => last.text.push_str(&piece.text),
            _ => children.push(ElemChild::Text(Formatted { text: piece.text.to_string(), formatting })),
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    ElemChildren(stack.pop().map(|(_, children)| children).unwrap_or_default())
}

/// Closes the innermost open element into its parent.
fn close(stack: &mut Vec<(Frame, Vec<ElemChild>)>) {
    let Some((frame, children)) = stack.pop() else { return };
    let Some((_, parent)) = stack.last_mut() else { return };
    match frame {
        Frame::Elem { display, meta } => {
            if !children.is_empty() {
                parent.push(ElemChild::Elem(Elem { children: ElemChildren(children), display, meta }));
            }
        }
        Frame::Link(url) => {
            let mut text = String::new();
            flatten(&children, &mut text);
            let formatting = children
                .iter()
                .find_map(|c| match c {
                    ElemChild::Text(t) => Some(t.formatting),
                    _ => None,
                })
                .unwrap_or_default();
            // `https://doi.org/` as the style's prefix belongs to the link.
            if let Some(ElemChild::Text(before)) = parent.last_mut() {
                for prefix in ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"] {
                    if before.text.ends_with(prefix) && url.ends_with(&text) {
                        before.text.truncate(before.text.len() - prefix.len());
                        text.insert_str(0, prefix);
                        break;
                    }
                }
                if before.text.is_empty() {
                    parent.pop();
                }
            }
            if !text.is_empty() {
                parent.push(ElemChild::Link { text: Formatted { text, formatting }, url });
            }
        }
    }
}

/// The text of a tree, without its structure.
fn flatten(children: &[ElemChild], out: &mut String) {
    for child in children {
        match child {
            ElemChild::Text(t) => out.push_str(&t.text),
            ElemChild::Link { text, .. } => out.push_str(&text.text),
            ElemChild::Markup(m) => out.push_str(m),
            ElemChild::Elem(e) => flatten(&e.children.0, out),
            ElemChild::Transparent { .. } => {}
        }
    }
}

/// A piece's formatting in hayagriva's terms.
fn formatting(style: &scholar_citeproc::Style) -> Formatting {
    Formatting {
        font_style: if style.italic % 2 == 1 { FontStyle::Italic } else { FontStyle::Normal },
        font_variant: if style.small_caps % 2 == 1 { FontVariant::SmallCaps } else { FontVariant::Normal },
        font_weight: if style.bold { FontWeight::Bold } else { FontWeight::Normal },
        text_decoration: if style.underline { TextDecoration::Underline } else { TextDecoration::None },
        vertical_align: match style.align {
            1 => VerticalAlign::Sup,
            2 => VerticalAlign::Sub,
            _ => VerticalAlign::None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str) -> Piece {
        Piece::text(text)
    }

    fn tag(tag: Tag) -> Piece {
        Piece { text: Default::default(), style: Default::default(), nocase: true, kind: Kind::Tag(tag) }
    }

    /// Each cite of a cluster is an `Entry` element the writer links, and a
    /// DOI with the style's `https://doi.org/` prefix is one link.
    #[test]
    fn runs_become_trees_the_writer_links() {
        let run = vec![
            piece("["),
            tag(Tag::CiteStart(0)),
            piece("1"),
            tag(Tag::CiteEnd),
            piece(", "),
            tag(Tag::CiteStart(1)),
            piece("2"),
            tag(Tag::CiteEnd),
            piece("], https://doi.org/"),
            tag(Tag::LinkStart("https://doi.org/10.1/x".into())),
            piece("10.1/x"),
            tag(Tag::LinkEnd),
        ];
        let href = |i: usize| Some(format!("#ref-{i}"));
        let writer = super::super::write::Writer { entry_href: Some(&href), links: true, number: None };
        assert_eq!(
            writer.html(&tree(&run)),
            "&#91;<a href=\"#ref-0\">1</a>, <a href=\"#ref-1\">2</a>&#93;, <a href=\"https://doi.org/10.1/x\">https://doi.org/10.1/x</a>"
        );
    }

    /// The label of a `second-field-align` entry carries the citation
    /// number, which lists renumber.
    #[test]
    fn labels_carry_the_citation_number() {
        let run = vec![
            Piece {
                text: Default::default(),
                style: Default::default(),
                nocase: true,
                kind: Kind::BlockStart(Display::LeftMargin),
            },
            piece("["),
            tag(Tag::NumberStart),
            piece("1"),
            tag(Tag::NumberEnd),
            piece("]"),
            Piece { text: Default::default(), style: Default::default(), nocase: true, kind: Kind::BlockEnd },
            Piece {
                text: Default::default(),
                style: Default::default(),
                nocase: true,
                kind: Kind::BlockStart(Display::RightInline),
            },
            piece("A. Author, "),
            Piece {
                text: "Title".into(),
                style: scholar_citeproc::Style { italic: 1, ..Default::default() },
                nocase: false,
                kind: Kind::Text,
            },
            piece("."),
            Piece { text: Default::default(), style: Default::default(), nocase: true, kind: Kind::BlockEnd },
        ];
        let (label, content) = entry(&run);
        let writer = super::super::write::Writer { number: Some(7), ..Default::default() };
        assert_eq!(writer.html(&ElemChildren(vec![label.unwrap()])), "&#91;7&#93;");
        assert_eq!(writer.html(&content), "A. Author, <i>Title</i>.");
    }
}
