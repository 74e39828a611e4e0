//! Markdown output for renderers other than HTML, written with
//! pulldown-cmark-to-cmark so that every special character is escaped the
//! way a Markdown parser expects.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};

/// A piece of inline Markdown to be written by pulldown-cmark-to-cmark.
#[derive(Debug, Clone)]
pub enum MdEvent {
    Text(String),
    EmphasisStart,
    EmphasisEnd,
    StrongStart,
    StrongEnd,
    LinkStart(String),
    LinkEnd,
}

fn to_events(md: Vec<MdEvent>) -> Vec<Event<'static>> {
    let mut events = Vec::with_capacity(md.len());
    let mut links: Vec<String> = Vec::new();
    for event in md {
        events.push(match event {
            MdEvent::Text(t) => Event::Text(CowStr::from(t)),
            MdEvent::EmphasisStart => Event::Start(Tag::Emphasis),
            MdEvent::EmphasisEnd => Event::End(TagEnd::Emphasis),
            MdEvent::StrongStart => Event::Start(Tag::Strong),
            MdEvent::StrongEnd => Event::End(TagEnd::Strong),
            MdEvent::LinkStart(url) => {
                links.push(url.clone());
                Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url: CowStr::from(url),
                    title: CowStr::from(""),
                    id: CowStr::from(""),
                })
            }
            MdEvent::LinkEnd => {
                links.pop();
                Event::End(TagEnd::Link)
            }
        });
    }
    // Drop empty emphasis pairs: `**` alone would not parse back as nothing.
    let mut cleaned: Vec<Event<'static>> = Vec::with_capacity(events.len());
    for event in events {
        match (&event, cleaned.last()) {
            (Event::End(TagEnd::Emphasis), Some(Event::Start(Tag::Emphasis)))
            | (Event::End(TagEnd::Strong), Some(Event::Start(Tag::Strong))) => {
                cleaned.pop();
            }
            _ => cleaned.push(event),
        }
    }
    cleaned
}

/// Inline Markdown from our events (one line, escaped).
pub fn inline(md: Vec<MdEvent>) -> String {
    let mut events = vec![Event::Start(Tag::Paragraph)];
    events.extend(balance(to_events(md)));
    events.push(Event::End(TagEnd::Paragraph));
    let mut out = String::new();
    if pulldown_cmark_to_cmark::cmark(events.iter(), &mut out, pulldown_cmark::Options::empty()).is_err() {
        return String::new();
    }
    out.trim().replace('\n', " ")
}

/// Closes emphasis left open and drops closes that match nothing (marks in
/// bibliography data are not guaranteed to be balanced).
fn balance(events: Vec<Event<'static>>) -> Vec<Event<'static>> {
    let mut out = Vec::with_capacity(events.len());
    let mut open: Vec<TagEnd> = Vec::new();
    for event in events {
        match &event {
            Event::Start(Tag::Emphasis) => open.push(TagEnd::Emphasis),
            Event::Start(Tag::Strong) => open.push(TagEnd::Strong),
            Event::Start(Tag::Link { .. }) => open.push(TagEnd::Link),
            Event::End(end) => {
                if open.last() != Some(end) {
                    continue;
                }
                open.pop();
            }
            _ => {}
        }
        out.push(event);
    }
    while let Some(end) = open.pop() {
        out.push(Event::End(end));
    }
    out
}

/// A block of Markdown: a heading (unless the title is empty) and a list
/// whose items are already-written inline Markdown.
pub fn list_block(title: Option<(&str, u8)>, items: &[String]) -> String {
    let mut out = String::new();
    if let Some((title, level)) = title {
        let events = [
            Event::Start(Tag::Heading { level: heading_level(level), id: None, classes: vec![], attrs: vec![] }),
            Event::Text(CowStr::from(title.to_string())),
            Event::End(TagEnd::Heading(heading_level(level))),
        ];
        let _ = pulldown_cmark_to_cmark::cmark(events.iter(), &mut out, pulldown_cmark::Options::empty());
        out.push_str("\n\n");
    }
    for item in items {
        out.push_str("- ");
        out.push_str(item);
        out.push('\n');
    }
    out
}

/// A Markdown table; cells are already-written inline Markdown.
pub fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let cell = |c: &str| c.replace('|', "\\|");
    let mut out = String::new();
    out.push_str(&format!("| {} |\n", header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")));
    }
    out
}

/// Plain text as inline Markdown, escaped.
pub fn text(plain: &str) -> String {
    inline(vec![MdEvent::Text(plain.to_string())])
}

/// A link in inline Markdown.
pub fn link(text: &str, href: &str) -> String {
    inline(vec![MdEvent::LinkStart(href.to_string()), MdEvent::Text(text.to_string()), MdEvent::LinkEnd])
}

fn heading_level(level: u8) -> HeadingLevel {
    match level {
        1 => HeadingLevel::H1,
        2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_is_escaped() {
        assert_eq!(text("[1] *a* _b_ `c` <d>"), "\\[1\\] \\*a\\* \\_b\\_ \\`c\\` \\<d>");
        assert_eq!(link("x", "https://a.org/(b)"), "[x](https://a.org/(b))");
        assert_eq!(
            inline(vec![MdEvent::EmphasisStart, MdEvent::Text("t".into()), MdEvent::EmphasisEnd, MdEvent::EmphasisEnd]),
            "*t*"
        );
        assert_eq!(inline(vec![MdEvent::EmphasisStart, MdEvent::EmphasisEnd, MdEvent::Text("x".into())]), "x");
    }

    #[test]
    fn blocks() {
        assert_eq!(list_block(Some(("References", 2)), &["a".into(), "b".into()]), "## References\n\n- a\n- b\n");
        assert_eq!(
            table(&["A".into(), "B".into()], &[vec!["1|2".into(), "x".into()]]),
            "| A | B |\n|---|---|\n| 1\\|2 | x |\n"
        );
    }
}
