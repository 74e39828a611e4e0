//! A chapter's headings and the ids mdBook 0.5 gives them.

use mdbook_markdown::pulldown_cmark::{Event, Tag, TagEnd};

use super::{Heading, parser};
use crate::config::MarkdownFlavor;

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
fn id_from_content(content: &str) -> String {
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
fn unique_id(id: &str, used: &mut std::collections::HashSet<String>) -> String {
    if used.insert(id.to_string()) {
        return id.to_string();
    }
    (1u32..).map(|n| format!("{id}-{n}")).find(|candidate| used.insert(candidate.clone())).unwrap_or_default()
}
