//! `{{#topics}}`: the topic navigation table, derived from the book itself
//! each build: one row per numbered top-level chapter (other than the one
//! holding the table) with its sections, how many works it cites and its
//! most-cited works.

use std::collections::HashMap;
use std::ops::Range;

use crate::config::TopicColumn;
use crate::scan::Heading;

use super::write::{escaped, escaped_attr};
use super::{Edit, Output, Rendered, Renderer, markdown, relative_href};

/// A chapter after splicing: its text and the ranges we inserted.
pub struct Spliced<'a> {
    pub content: &'a str,
    pub inserted: &'a [Range<usize>],
}

struct Row {
    chapter: usize,
    sections: Vec<Heading>,
    works: usize,
    top: Vec<(String, usize)>,
}

impl Renderer<'_> {
    /// Edits placing every `{{#topics}}`. `spliced` holds each chapter as
    /// rendered so far: section ids are those of the final pages.
    pub fn topics(&self, spliced: &[Spliced], rendered: &Rendered) -> Vec<(usize, Edit)> {
        let collected = self.collected;
        let mut edits = Vec::new();
        for &(holder, marker) in &collected.topics {
            let rows = self.rows(holder, spliced);
            let table = match self.output {
                Output::Html => self.table_html(holder, &rows, rendered),
                Output::Markdown => self.table_markdown(holder, &rows, rendered),
            };
            let span = collected.chapters[holder].scan.markers[marker].span.clone();
            edits.push((holder, Edit { range: span, text: table }));
        }
        edits
    }

    fn rows(&self, holder: usize, spliced: &[Spliced]) -> Vec<Row> {
        let collected = self.collected;
        // Each chapter's top-level ancestor.
        let top_of = |mut c: usize| {
            while let Some(parent) = collected.chapters[c].parent {
                c = parent;
            }
            c
        };
        let mut counts: HashMap<usize, Vec<(String, usize)>> = HashMap::new();
        for site in &collected.citations {
            let top = top_of(site.chapter);
            let entry = counts.entry(top).or_default();
            let mut seen_here = Vec::new();
            for item in &collected.citation(site).items {
                if self.library.work(&item.key).is_none() || seen_here.contains(&item.key) {
                    continue;
                }
                seen_here.push(item.key.clone());
                match entry.iter_mut().find(|(k, _)| *k == item.key) {
                    Some((_, n)) => *n += 1,
                    None => entry.push((item.key.clone(), 1)),
                }
            }
        }
        collected
            .chapters
            .iter()
            .enumerate()
            .filter(|(c, ch)| *c != holder && ch.parent.is_none() && ch.number.as_ref().is_some_and(|n| n.len() == 1))
            .map(|(c, _)| {
                let page = &spliced[c];
                let sections = crate::scan::headings(page.content, self.config.markdown)
                    .into_iter()
                    .filter(|h| h.level == 2 && !page.inserted.iter().any(|r| r.contains(&h.span.start)))
                    .collect();
                let mut top = counts.remove(&c).unwrap_or_default();
                let works = top.len();
                // Most cited first; ties keep the order of first citation.
                top.sort_by_key(|t| std::cmp::Reverse(t.1));
                top.truncate(self.config.topics.top_works);
                Row { chapter: c, sections, works, top }
            })
            .collect()
    }

    fn headers(&self) -> Vec<&'static str> {
        self.config
            .topics
            .columns
            .iter()
            .map(|c| match c {
                TopicColumn::Topic => self.labels.topic,
                TopicColumn::Sections => self.labels.sections,
                TopicColumn::Works => self.labels.works,
                TopicColumn::TopWorks => self.labels.top_works,
            })
            .collect()
    }

    /// Where a short citation in the table links: the book-wide list, else
    /// the list of the chapter's first citation of the work.
    fn work_target(&self, key: &str, chapter: usize, rendered: &Rendered) -> Option<(usize, String)> {
        if let Some(target) = rendered.book.targets.get(key) {
            return Some(target.clone());
        }
        let collected = self.collected;
        collected.citations.iter().find_map(|site| {
            let mut c = site.chapter;
            while let Some(p) = collected.chapters[c].parent {
                c = p;
            }
            if c != chapter || !collected.citation(site).items.iter().any(|i| i.key == key) {
                return None;
            }
            let scope = &collected.scopes[site.scope];
            match scope.placement {
                crate::collect::Placement::Directive { chapter, .. }
                | crate::collect::Placement::Auto { chapter, .. } => {
                    Some((chapter, crate::ids::entry(&scope.slug, key)))
                }
                crate::collect::Placement::Nowhere => None,
            }
        })
    }

    /// `Wei et al. 2022`, `邱锡鹏 2020`: the first author and the year.
    fn short(&self, key: &str) -> String {
        let Some(work) = self.library.work(key) else { return key.to_string() };
        let mut text = self.short_names(work, super::labels::for_work_language(work.language.as_deref()));
        if let Some(date) = work.entry.date() {
            text.push_str(&format!(" {}", date.year));
        }
        text
    }

    fn table_html(&self, holder: usize, rows: &[Row], rendered: &Rendered) -> String {
        let collected = self.collected;
        let from = &collected.chapters[holder].path;
        // The wrapper is the container the stylesheet's narrow layout (one
        // card per topic) is measured against: the page's text column, with
        // or without the sidebar.
        let mut html =
            String::from("<div class=\"scholar-topics-wrapper\">\n<table class=\"scholar-topics\">\n<thead><tr>");
        let headers = self.headers();
        for (header, column) in headers.iter().zip(&self.config.topics.columns) {
            html.push_str(&format!("<th scope=\"col\" class=\"{}\">{}</th>", column_class(*column), escaped(header)));
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            let chapter = &collected.chapters[row.chapter];
            html.push_str("<tr>");
            for (column, header) in self.config.topics.columns.iter().zip(&headers) {
                // Each cell names its column, for the narrow layout to show.
                html.push_str(&format!(
                    "<td class=\"{}\" data-label=\"{}\">",
                    column_class(*column),
                    escaped_attr(header)
                ));
                match column {
                    TopicColumn::Topic => {
                        let number = chapter.number.as_ref().map(|n| format!("{}. ", n[0])).unwrap_or_default();
                        html.push_str(&format!(
                            "<a href=\"{}\">{}{}</a>",
                            escaped_attr(&relative_href(from, &chapter.path, "")),
                            escaped(&number),
                            escaped(&chapter.name)
                        ));
                    }
                    TopicColumn::Sections => {
                        let links: Vec<String> = row
                            .sections
                            .iter()
                            .map(|h| {
                                format!(
                                    "<a href=\"{}\">{}</a>",
                                    escaped_attr(&relative_href(from, &chapter.path, &h.id)),
                                    escaped(h.text.trim())
                                )
                            })
                            .collect();
                        // The dot stays with the link before it: a line
                        // never starts with one.
                        html.push_str(&links.join("\u{A0}· "));
                    }
                    TopicColumn::Works => html.push_str(&row.works.to_string()),
                    TopicColumn::TopWorks => {
                        let cites: Vec<String> = row
                            .top
                            .iter()
                            .map(|(key, _)| {
                                let text = escaped(&self.short(key));
                                let mut preview = String::new();
                                if let Some(&reference) = self.references.get(key.as_str()).filter(|_| self.config.hover) {
                                    preview.push_str("<span class=\"scholar-preview\" role=\"tooltip\"><span class=\"scholar-preview-entry\">");
                                    super::write::preview_slot(reference, None, &mut preview);
                                    preview.push_str("</span></span>");
                                }
                                match self.work_target(key, row.chapter, rendered) {
                                    Some((target, id)) => format!(
                                        "<span class=\"scholar-cite\"><a href=\"{}\">{text}</a>{preview}</span>",
                                        escaped_attr(&relative_href(from, &collected.chapters[target].path, &id))
                                    ),
                                    None => format!("<span class=\"scholar-cite\">{text}{preview}</span>"),
                                }
                            })
                            .collect();
                        // One work a line where the stylesheet can: the
                        // separators are for text without it.
                        let separator =
                            format!("<span class=\"scholar-separator\">{}</span>", escaped(self.labels.separator));
                        html.push_str(&cites.join(&separator));
                    }
                }
                html.push_str("</td>");
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody>\n</table>\n</div>\n");
        html
    }

    fn table_markdown(&self, holder: usize, rows: &[Row], rendered: &Rendered) -> String {
        let collected = self.collected;
        let from = &collected.chapters[holder].path;
        let header: Vec<String> = self.headers().iter().map(|h| markdown::text(h)).collect();
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                let chapter = &collected.chapters[row.chapter];
                self.config
                    .topics
                    .columns
                    .iter()
                    .map(|column| match column {
                        TopicColumn::Topic => {
                            let number = chapter.number.as_ref().map(|n| format!("{}. ", n[0])).unwrap_or_default();
                            markdown::link(
                                &format!("{number}{}", chapter.name),
                                &relative_href(from, &chapter.path, ""),
                            )
                        }
                        TopicColumn::Sections => row
                            .sections
                            .iter()
                            .map(|h| markdown::link(h.text.trim(), &relative_href(from, &chapter.path, &h.id)))
                            .collect::<Vec<_>>()
                            .join(" · "),
                        TopicColumn::Works => row.works.to_string(),
                        TopicColumn::TopWorks => row
                            .top
                            .iter()
                            .map(|(key, _)| match self.work_target(key, row.chapter, rendered) {
                                Some((target, id)) => markdown::link(
                                    &self.short(key),
                                    &relative_href(from, &collected.chapters[target].path, &id),
                                ),
                                None => markdown::text(&self.short(key)),
                            })
                            .collect::<Vec<_>>()
                            .join(self.labels.separator),
                    })
                    .collect()
            })
            .collect();
        markdown::table(&header, &body)
    }
}

/// The class of a column's cells, for stylesheets.
fn column_class(column: TopicColumn) -> &'static str {
    match column {
        TopicColumn::Topic => "scholar-topic",
        TopicColumn::Sections => "scholar-sections",
        TopicColumn::Works => "scholar-works",
        TopicColumn::TopWorks => "scholar-top-works",
    }
}
