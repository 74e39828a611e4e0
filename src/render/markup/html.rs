//! HTML, for mdBook's `html` renderer.

use hayagriva::ElemChildren;

use super::Markup;
use crate::ids;
use crate::render::engine::Reference;
use crate::render::labels::Labels;
use crate::render::markdown;
use crate::render::write::{self, Writer, escaped, escaped_attr};
use crate::render::{CSS, Prepared, without_links};

pub(super) struct Html;

impl Markup for Html {
    fn prepare(&self, reference: &Reference, writer: &Writer) -> Prepared {
        let body = format!("<span class=\"scholar-text\">{}</span>", writer.html(&reference.content));
        Prepared {
            label: reference.label.as_ref().map(|l| format!("<span class=\"scholar-label\">{}</span>", writer.html(l))),
            unlinked: without_links(&body).into_owned(),
            body,
            labelled: reference.label.is_some(),
        }
    }

    fn citation_body(&self, tree: &ElemChildren, href: &dyn Fn(usize) -> Option<String>, missing: &[String]) -> String {
        let writer = Writer { entry_href: Some(href), links: false, number: None };
        let mut body = if tree.0.is_empty() { String::new() } else { writer.html(tree) };
        for key in missing {
            if !tree.0.is_empty() {
                body.push(' ');
            }
            body.push_str(key);
        }
        body
    }

    fn citation(&self, id: &str, body: String, preview: &str, _in_table: bool) -> String {
        format!("<span class=\"scholar-cite\" id=\"{id}\">{body}{preview}</span>")
    }

    fn note_mark(&self, label: &str, names: &str, preview: &str) -> String {
        // The wrapper carries the citation's id and the preview.
        let names = escaped(names);
        format!("{names}<span class=\"scholar-cite scholar-note\" id=\"{label}\">[^{label}]{preview}</span>")
    }

    fn preview(&self, works: &[(Option<usize>, Option<usize>)]) -> String {
        let mut preview = String::from("<span class=\"scholar-preview\" role=\"tooltip\">");
        for &(reference, number) in works {
            preview.push_str("<span class=\"scholar-preview-entry\">");
            if let Some(reference) = reference {
                write::preview_slot(reference, number, &mut preview);
            }
            preview.push_str("</span>");
        }
        preview.push_str("</span>");
        preview
    }

    fn missing(&self, key: &str, why: &str, labels: Labels) -> String {
        format!(
            "<span class=\"scholar-missing\" title=\"{}{}{}\">{}?</span>",
            escaped_attr(why),
            escaped_attr(labels.colon),
            escaped_attr(key),
            escaped(key)
        )
    }

    fn item(&self, label: Option<&ElemChildren>, content: &ElemChildren) -> String {
        let writer = Writer { links: true, ..Writer::default() };
        let mut out = String::new();
        if let Some(label) = label {
            out.push_str(&format!("<span class=\"scholar-label\">{}</span>", writer.html(label)));
        }
        out.push_str(&format!("<span class=\"scholar-text\">{}</span>", writer.html(content)));
        out
    }

    fn entry(&self, key: &str, id: &str, body: String, backrefs: Option<String>, export: &str) -> String {
        format!(
            "<div class=\"scholar-entry\" id=\"{id}\" data-key=\"{}\">{body}{}{export}</div>",
            escaped_attr(key),
            backrefs.unwrap_or_default(),
        )
    }

    fn list(&self, title: Option<(&str, u8)>, entries: &[String], labelled: bool, slug: &str) -> String {
        let mut out = String::new();
        if let Some((title, level)) = title {
            out.push_str(&markdown::list_block(Some((title, level)), &[]));
        }
        let class = if labelled { "scholar-bibliography scholar-labelled" } else { "scholar-bibliography" };
        out.push_str(&format!("<div class=\"{class}\" id=\"{}\">\n", ids::list(slug)));
        for entry in entries {
            out.push_str(entry);
            out.push('\n');
        }
        out.push_str("</div>\n");
        out
    }

    fn backrefs(&self, groups: &[(String, Vec<String>)], labels: Labels) -> String {
        let mut html =
            format!("<span class=\"scholar-backrefs\">{}{}", escaped(labels.cited_in), escaped(labels.colon));
        for (g, (label, hrefs)) in groups.iter().enumerate() {
            if g > 0 {
                html.push_str(&escaped(labels.separator));
            }
            html.push_str(&format!("<a href=\"{}\">{}</a>", escaped_attr(&hrefs[0]), escaped(label)));
            for (k, href) in hrefs.iter().enumerate().skip(1) {
                html.push_str(&format!(" <a href=\"{}\"><sup>{}</sup></a>", escaped_attr(href), k + 1));
            }
        }
        html.push_str("</span>");
        html
    }

    fn stylesheet(&self, content: &str) -> Option<String> {
        let newline = if content.contains("\r\n") { "\r\n" } else { "\n" };
        let mut text = String::new();
        if !content.is_empty() && !content.ends_with('\n') {
            text.push_str(newline);
        }
        text.push_str(newline);
        text.push_str("<style>\n");
        text.push_str(CSS);
        text.push_str("</style>");
        text.push_str(newline);
        Some(text.replace('\n', newline).replace("\r\r\n", "\r\n"))
    }
}
