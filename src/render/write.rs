//! Writers over hayagriva's output tree: HTML (every text and URL escaped,
//! balanced, safe inside Markdown, table cells and attributes), plain text,
//! and Markdown.
//!
//! hayagriva's own HTML writer escapes nothing, so a title like
//! `The TeXbook & <Friends>` would break the page; we write our own.

use hayagriva::citationberg::{Display, FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign};
use hayagriva::{ElemChild, ElemChildren, ElemMeta, Formatting};

use super::markdown::MdEvent;
use crate::library::latex::{EMPH_END, EMPH_START, STRONG_END, STRONG_START, is_mark};
use crate::link::safe_url;

// Where a list number goes (`Writer::number` = [`SLOT`]; [`fill`] puts the
// number in), and around a preview slot.
pub use crate::marks::{NUMBER_SLOT, PREVIEW_END, PREVIEW_START};

/// Writes the slot of a preview of reference `reference` (an index into
/// the renderer's references) numbered `number`.
pub fn preview_slot(reference: usize, number: Option<usize>, out: &mut String) {
    out.push(PREVIEW_START);
    out.push_str(&reference.to_string());
    out.push('.');
    if let Some(number) = number {
        out.push_str(&number.to_string());
    }
    out.push(PREVIEW_END);
}

/// `Writer::number` value that writes [`NUMBER_SLOT`].
pub const SLOT: usize = usize::MAX;

/// `text` with its number slot filled (or emptied), appended to `out`.
pub fn fill_into(text: &str, number: Option<usize>, out: &mut String) {
    let mut parts = text.split(NUMBER_SLOT);
    out.push_str(parts.next().unwrap_or_default());
    for part in parts {
        if let Some(number) = number {
            out.push_str(&number.to_string());
        }
        out.push_str(part);
    }
}

/// Options for writing one piece of output.
#[derive(Default, Clone, Copy)]
pub struct Writer<'a> {
    /// Replaces the citation number (entries are rendered once with number 1
    /// and numbered per list).
    pub number: Option<usize>,
    /// For citations: the target of each cited item (`Entry(i)` in the tree).
    pub entry_href: Option<&'a dyn Fn(usize) -> Option<String>>,
    /// Make DOIs and URLs links (not inside another link).
    pub links: bool,
}

/// HTML-escapes `text` so that it is inert both as HTML and as Markdown (text
/// between inline HTML tags is still Markdown to mdBook), and never splits a
/// table cell or a line.
pub fn escape_html(text: &str, out: &mut String) {
    escape_into(text, out, |byte| match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        b'*' => Some("&#42;"),
        b'_' => Some("&#95;"),
        b'[' => Some("&#91;"),
        b']' => Some("&#93;"),
        b'`' => Some("&#96;"),
        b'\\' => Some("&#92;"),
        b'|' => Some("&#124;"),
        b'~' => Some("&#126;"),
        b'$' => Some("&#36;"),
        b'{' => Some("&#123;"),
        b'}' => Some("&#125;"),
        b'@' => Some("&#64;"),
        b'#' => Some("&#35;"),
        b'!' => Some("&#33;"),
        b'\n' | b'\r' | b'\t' => Some(" "),
        _ => None,
    })
}

/// Escapes an attribute value (always written in double quotes).
pub fn escape_attr(text: &str, out: &mut String) {
    escape_into(text, out, |byte| match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        b'`' => Some("&#96;"),
        b'|' => Some("&#124;"),
        b'\n' | b'\r' | b'\t' => Some(" "),
        _ => None,
    })
}

/// Writes `text` to `out` with each ASCII byte that `replace` maps replaced,
/// our formatting marks dropped and our slots written as character
/// references (they are written only by us). Runs of other text are copied
/// whole: every page's references and exports pass through here.
fn escape_into(text: &str, out: &mut String, replace: fn(u8) -> Option<&'static str>) {
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let byte = bytes[i];
        let (width, with) = if byte < 0x80 {
            match replace(byte) {
                Some(with) => (1, with),
                None => {
                    i += 1;
                    continue;
                }
            }
        } else if byte == 0xEE && bytes.get(i + 1) == Some(&0x80) {
            // U+E000–U+E03F, our private-use range: three bytes.
            match text[i..].chars().next() {
                Some(c) if is_mark(c) => (3, ""),
                Some(PREVIEW_START) => (3, "&#57361;"),
                Some(PREVIEW_END) => (3, "&#57362;"),
                _ => {
                    i += 3;
                    continue;
                }
            }
        } else {
            i += 1;
            continue;
        };
        out.push_str(&text[copied..i]);
        out.push_str(with);
        i += width;
        copied = i;
    }
    out.push_str(&text[copied..]);
}

pub fn escaped_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_attr(text, &mut out);
    out
}

pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_html(text, &mut out);
    out
}

impl Writer<'_> {
    pub fn html(&self, children: &ElemChildren) -> String {
        let mut out = String::new();
        let mut state = State::default();
        self.html_children(children, &mut out, &mut state, false);
        state.close_marks(&mut out);
        out
    }

    fn html_children(&self, children: &ElemChildren, out: &mut String, state: &mut State, in_link: bool) {
        for child in &children.0 {
            self.html_child(child, out, state, in_link);
        }
    }

    fn html_child(&self, child: &ElemChild, out: &mut String, state: &mut State, in_link: bool) {
        match child {
            ElemChild::Text(formatted) => {
                let text = self.numbered(&formatted.text, state);
                formatted_html(&text, &formatted.formatting, out, state);
            }
            ElemChild::Markup(markup) => escape_with_marks(markup, out, state),
            ElemChild::Link { text, url } => {
                let link = self.links && !in_link && safe_url(url);
                if link {
                    out.push_str("<a href=\"");
                    escape_attr(url.trim(), out);
                    out.push_str("\">");
                }
                formatted_html(&text.text, &text.formatting, out, state);
                if link {
                    out.push_str("</a>");
                }
            }
            ElemChild::Transparent { .. } => {}
            ElemChild::Elem(elem) => {
                let class = match elem.display {
                    Some(Display::Block) => Some("scholar-block"),
                    Some(Display::Indent) => Some("scholar-indent"),
                    Some(Display::LeftMargin) => Some("scholar-left-margin"),
                    Some(Display::RightInline) => Some("scholar-right-inline"),
                    None => None,
                };
                if let Some(class) = class {
                    out.push_str(&format!("<span class=\"{class}\">"));
                }
                let was_number = state.in_number;
                if matches!(elem.meta, Some(ElemMeta::CitationNumber)) {
                    state.in_number = true;
                }
                let href = match (elem.meta.as_ref(), self.entry_href) {
                    (Some(ElemMeta::Entry(i)), Some(f)) if !in_link => f(*i),
                    _ => None,
                };
                if let Some(href) = &href {
                    out.push_str("<a href=\"");
                    escape_attr(href, out);
                    out.push_str("\">");
                }
                self.html_children(&elem.children, out, state, in_link || href.is_some());
                if href.is_some() {
                    out.push_str("</a>");
                }
                state.in_number = was_number;
                if class.is_some() {
                    out.push_str("</span>");
                }
            }
        }
    }

    /// Plain text: what a reader sees, without formatting or marks.
    pub fn plain(&self, children: &ElemChildren) -> String {
        let mut out = String::new();
        let mut state = State::default();
        self.plain_children(children, &mut out, &mut state);
        out
    }

    fn plain_children(&self, children: &ElemChildren, out: &mut String, state: &mut State) {
        for child in &children.0 {
            match child {
                ElemChild::Text(f) => out.extend(self.numbered(&f.text, state).chars().filter(|c| !is_mark(*c))),
                ElemChild::Markup(m) => out.extend(m.chars().filter(|c| !is_mark(*c))),
                ElemChild::Link { text, .. } => out.extend(text.text.chars().filter(|c| !is_mark(*c))),
                ElemChild::Transparent { .. } => {}
                ElemChild::Elem(elem) => {
                    let was = state.in_number;
                    if matches!(elem.meta, Some(ElemMeta::CitationNumber)) {
                        state.in_number = true;
                    }
                    self.plain_children(&elem.children, out, state);
                    state.in_number = was;
                }
            }
        }
    }

    /// Markdown, escaped by pulldown-cmark-to-cmark: emphasis as `*…*`, bold
    /// as `**…**`, DOIs and URLs as links; the rest plain.
    pub fn markdown(&self, children: &ElemChildren) -> String {
        let mut events = Vec::new();
        let mut state = State::default();
        self.md_children(children, &mut events, &mut state, false);
        super::markdown::inline(events)
    }

    fn md_children(&self, children: &ElemChildren, events: &mut Vec<MdEvent>, state: &mut State, in_link: bool) {
        for child in &children.0 {
            match child {
                ElemChild::Text(f) => {
                    let text = self.numbered(&f.text, state);
                    md_formatted(&text, &f.formatting, events);
                }
                ElemChild::Markup(m) => md_formatted(m, &Formatting::default(), events),
                ElemChild::Link { text, url } => {
                    let shown = &text.text;
                    if self.links && !in_link && safe_url(url) {
                        events.push(MdEvent::LinkStart(url.trim().to_string()));
                        md_formatted(shown, &text.formatting, events);
                        events.push(MdEvent::LinkEnd);
                    } else {
                        md_formatted(shown, &text.formatting, events);
                    }
                }
                ElemChild::Transparent { .. } => {}
                ElemChild::Elem(elem) => {
                    let was = state.in_number;
                    if matches!(elem.meta, Some(ElemMeta::CitationNumber)) {
                        state.in_number = true;
                    }
                    let href = match (elem.meta.as_ref(), self.entry_href) {
                        (Some(ElemMeta::Entry(i)), Some(f)) if !in_link => f(*i),
                        _ => None,
                    };
                    if let Some(href) = &href {
                        events.push(MdEvent::LinkStart(href.clone()));
                    }
                    self.md_children(&elem.children, events, state, in_link || href.is_some());
                    if href.is_some() {
                        events.push(MdEvent::LinkEnd);
                    }
                    state.in_number = was;
                }
            }
        }
    }

    /// The text with the first number inside a citation-number element
    /// replaced by ours.
    fn numbered<'t>(&self, text: &'t str, state: &mut State) -> std::borrow::Cow<'t, str> {
        let (Some(number), true, false) = (self.number, state.in_number, state.number_done) else {
            return text.into();
        };
        let Some(start) = text.find(|c: char| c.is_ascii_digit()) else {
            return text.into();
        };
        let end = start + text[start..].find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len() - start);
        state.number_done = true;
        if number == SLOT {
            return format!("{}{NUMBER_SLOT}{}", &text[..start], &text[end..]).into();
        }
        format!("{}{number}{}", &text[..start], &text[end..]).into()
    }
}

fn md_formatted(text: &str, formatting: &Formatting, events: &mut Vec<MdEvent>) {
    if text.is_empty() {
        return;
    }
    let italic = formatting.font_style == FontStyle::Italic;
    let bold = formatting.font_weight == FontWeight::Bold;
    if bold {
        events.push(MdEvent::StrongStart);
    }
    if italic {
        events.push(MdEvent::EmphasisStart);
    }
    // Marks inside the text become emphasis too.
    let mut buffer = String::new();
    for c in text.chars() {
        let event = match c {
            EMPH_START => Some(MdEvent::EmphasisStart),
            EMPH_END => Some(MdEvent::EmphasisEnd),
            STRONG_START => Some(MdEvent::StrongStart),
            STRONG_END => Some(MdEvent::StrongEnd),
            '\n' | '\r' => {
                buffer.push(' ');
                None
            }
            c => {
                buffer.push(c);
                None
            }
        };
        if let Some(event) = event {
            if !buffer.is_empty() {
                events.push(MdEvent::Text(std::mem::take(&mut buffer)));
            }
            events.push(event);
        }
    }
    if !buffer.is_empty() {
        events.push(MdEvent::Text(buffer));
    }
    if italic {
        events.push(MdEvent::EmphasisEnd);
    }
    if bold {
        events.push(MdEvent::StrongEnd);
    }
}

#[derive(Default)]
struct State {
    /// Open `<i>`/`<b>` from marks in the text, closed at the end.
    open_marks: Vec<&'static str>,
    in_number: bool,
    number_done: bool,
}

impl State {
    fn close_marks(&mut self, out: &mut String) {
        while let Some(tag) = self.open_marks.pop() {
            out.push_str(&format!("</{tag}>"));
        }
    }
}

fn formatted_html(text: &str, formatting: &Formatting, out: &mut String, state: &mut State) {
    if text.is_empty() {
        return;
    }
    let mut close = Vec::new();
    let mut open = |tag: &'static str, attrs: &str, out: &mut String| {
        out.push('<');
        out.push_str(tag);
        out.push_str(attrs);
        out.push('>');
        close.push(tag);
    };
    if formatting.font_style == FontStyle::Italic {
        open("i", "", out);
    }
    if formatting.font_weight == FontWeight::Bold {
        open("b", "", out);
    }
    if formatting.font_variant == FontVariant::SmallCaps {
        open("span", " style=\"font-variant: small-caps\"", out);
    }
    if formatting.text_decoration == TextDecoration::Underline {
        open("u", "", out);
    }
    match formatting.vertical_align {
        VerticalAlign::Sup => open("sup", "", out),
        VerticalAlign::Sub => open("sub", "", out),
        _ => {}
    }
    // Marks opened here must close before this element's tags do.
    let depth = state.open_marks.len();
    escape_with_marks(text, out, state);
    while state.open_marks.len() > depth {
        let tag = state.open_marks.pop().unwrap_or("i");
        out.push_str(&format!("</{tag}>"));
    }
    for tag in close.into_iter().rev() {
        out.push_str("</");
        out.push_str(tag);
        out.push('>');
    }
}

fn escape_with_marks(text: &str, out: &mut String, state: &mut State) {
    if !text.chars().any(is_mark) {
        escape_html(text, out);
        return;
    }
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if !is_mark(c) {
            continue;
        }
        escape_html(&text[start..i], out);
        start = i + c.len_utf8();
        match c {
            EMPH_START => {
                out.push_str("<i>");
                state.open_marks.push("i");
            }
            STRONG_START => {
                out.push_str("<b>");
                state.open_marks.push("b");
            }
            EMPH_END | STRONG_END => {
                let tag = if c == EMPH_END { "i" } else { "b" };
                // Close only what is open; a stray end is dropped.
                if state.open_marks.last() == Some(&tag) {
                    state.open_marks.pop();
                    out.push_str(&format!("</{tag}>"));
                }
            }
            _ => {}
        }
    }
    escape_html(&text[start..], out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use hayagriva::{Elem, Formatted};

    fn text(s: &str) -> ElemChild {
        ElemChild::Text(Formatted { text: s.into(), formatting: Formatting::default() })
    }

    #[test]
    fn escaping_replaces_only_what_it_must() {
        let slot = |c: char| format!("&#{};", c as u32);
        let cases = [
            ("plain", "plain", "plain"),
            (
                "a & <b> \"c\" 'd'",
                "a &amp; &lt;b&gt; &quot;c&quot; &#39;d&#39;",
                "a &amp; &lt;b&gt; &quot;c&quot; &#39;d&#39;",
            ),
            (
                "*_[]`\\|~${}@#!",
                "&#42;&#95;&#91;&#93;&#96;&#92;&#124;&#126;&#36;&#123;&#125;&#64;&#35;&#33;",
                "*_[]&#96;\\&#124;~${}@#!",
            ),
            ("a\nb\r\tc", "a b  c", "a b  c"),
            ("深度学习 «ü»", "深度学习 «ü»", "深度学习 «ü»"),
            (&format!("{EMPH_START}x{EMPH_END}{STRONG_START}y{STRONG_END}"), "xy", "xy"),
            (
                &format!("{PREVIEW_START}3.{PREVIEW_END}"),
                &format!("{}3.{}", slot(PREVIEW_START), slot(PREVIEW_END)),
                &format!("{}3.{}", slot(PREVIEW_START), slot(PREVIEW_END)),
            ),
            // Other characters of our range, and ones beside it, are text.
            (
                "\u{E010}\u{E03F}\u{E040}\u{D7FF}",
                "\u{E010}\u{E03F}\u{E040}\u{D7FF}",
                "\u{E010}\u{E03F}\u{E040}\u{D7FF}",
            ),
        ];
        for (text, html, attr) in cases {
            assert_eq!(escaped(text), html, "{text:?} as HTML");
            assert_eq!(escaped_attr(text), attr, "{text:?} as an attribute");
        }
    }

    fn italic(s: &str) -> ElemChild {
        let formatting = Formatting { font_style: FontStyle::Italic, ..Formatting::default() };
        ElemChild::Text(Formatted { text: s.into(), formatting })
    }

    #[test]
    fn hostile_text_and_urls_are_inert() {
        let tree = ElemChildren(vec![
            text("<script>alert('x')</script> & \"q\" *a* _b_ [c](d) `e` | f"),
            ElemChild::Link {
                text: Formatted { text: "bad".into(), formatting: Formatting::default() },
                url: "javascript:alert(1)".into(),
            },
            ElemChild::Link {
                text: Formatted { text: "data".into(), formatting: Formatting::default() },
                url: "data:text/html,x".into(),
            },
            ElemChild::Link {
                text: Formatted { text: "doi".into(), formatting: Formatting::default() },
                url: "https://doi.org/10.1/x\"><script>".into(),
            },
        ]);
        let html = Writer { links: true, ..Writer::default() }.html(&tree);
        assert_eq!(
            html,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; &#42;a&#42; &#95;b&#95; &#91;c&#93;(d) &#96;e&#96; &#124; f\
             baddata<a href=\"https://doi.org/10.1/x&quot;&gt;&lt;script&gt;\">doi</a>"
        );
    }

    #[test]
    fn text_cannot_forge_a_preview_slot() {
        let forged = format!("see {PREVIEW_START}0.1{PREVIEW_END}");
        let html = Writer::default().html(&ElemChildren(vec![text(&forged)]));
        assert_eq!(html, "see &#57361;0.1&#57362;");
        assert_eq!(escaped_attr(&forged), "see &#57361;0.1&#57362;");
    }

    #[test]
    fn formatting_and_marks_balance() {
        let tree = ElemChildren(vec![
            italic("Title with \u{E000}inner\u{E001} and \u{E000}unclosed"),
            text(" after\u{E001} end"),
        ]);
        let html = Writer::default().html(&tree);
        assert_eq!(html, "<i>Title with <i>inner</i> and <i>unclosed</i></i> after end");
        assert_eq!(Writer::default().plain(&tree), "Title with inner and unclosed after end");
    }

    #[test]
    fn numbers_are_replaced_inside_citation_numbers_only() {
        let number = ElemChild::Elem(Elem {
            children: ElemChildren(vec![text("[1]")]),
            display: None,
            meta: Some(ElemMeta::CitationNumber),
        });
        let tree = ElemChildren(vec![number, text(" Vol. 1")]);
        let writer = Writer { number: Some(12), ..Writer::default() };
        assert_eq!(writer.html(&tree), "&#91;12&#93; Vol. 1");
        assert_eq!(writer.plain(&tree), "[12] Vol. 1");
    }

    #[test]
    fn entries_link_in_citations() {
        let item = |i: usize, n: &str| {
            ElemChild::Elem(Elem {
                children: ElemChildren(vec![text(n)]),
                display: None,
                meta: Some(ElemMeta::Entry(i)),
            })
        };
        let tree = ElemChildren(vec![text("["), item(0, "1"), text(", "), item(1, "2"), text("]")]);
        let href = |i: usize| Some(format!("#ref-{i}"));
        let writer = Writer { entry_href: Some(&href), ..Writer::default() };
        assert_eq!(writer.html(&tree), "&#91;<a href=\"#ref-0\">1</a>, <a href=\"#ref-1\">2</a>&#93;");
        assert_eq!(writer.markdown(&tree), "\\[[1](#ref-0), [2](#ref-1)\\]");
    }
}
