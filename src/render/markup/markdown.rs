//! Markdown, for every renderer but `html`.

use hayagriva::ElemChildren;

use super::Markup;
use crate::render::Prepared;
use crate::render::engine::Reference;
use crate::render::labels::Labels;
use crate::render::markdown as md;
use crate::render::write::Writer;

pub(super) struct Markdown;

impl Markup for Markdown {
    /// The label goes into the body: a Markdown list has no column for it.
    fn prepare(&self, reference: &Reference, writer: &Writer) -> Prepared {
        let mut body = String::new();
        if let Some(label) = &reference.label {
            body.push_str(&writer.markdown(label));
            body.push(' ');
        }
        body.push_str(&writer.markdown(&reference.content));
        Prepared { label: None, body, unlinked: String::new(), labelled: reference.label.is_some() }
    }

    fn citation_body(
        &self,
        tree: &ElemChildren,
        _href: &dyn Fn(usize) -> Option<String>,
        missing: &[String],
    ) -> String {
        let mut body = if tree.0.is_empty() { String::new() } else { Writer::default().markdown(tree) };
        for key in missing {
            if !body.is_empty() {
                body.push(' ');
            }
            body.push_str(key);
        }
        body
    }

    fn citation(&self, _id: &str, body: String, _preview: &str, in_table: bool) -> String {
        if in_table { body.replace('|', "\\|") } else { body }
    }

    fn note_mark(&self, label: &str, names: &str, _preview: &str) -> String {
        format!("{}[^{label}]", md::text(names))
    }

    fn preview(&self, _works: &[(Option<usize>, Option<usize>)]) -> String {
        String::new()
    }

    fn missing(&self, key: &str, _why: &str, _labels: Labels) -> String {
        format!("**{}?**", md::text(key))
    }

    fn item(&self, label: Option<&ElemChildren>, content: &ElemChildren) -> String {
        let writer = Writer { links: true, ..Writer::default() };
        let mut out = String::new();
        if let Some(label) = label {
            out.push_str(&writer.markdown(label));
            out.push(' ');
        }
        out.push_str(&writer.markdown(content));
        out
    }

    fn entry(&self, _key: &str, _id: &str, body: String, backrefs: Option<String>, _export: &str) -> String {
        // The back-references bring their own space (or none, in Chinese)
        // before their parenthesis.
        match backrefs {
            Some(b) => format!("{body}{b}"),
            None => body,
        }
    }

    fn list(&self, title: Option<(&str, u8)>, entries: &[String], _labelled: bool, _slug: &str) -> String {
        md::list_block(title, entries)
    }

    fn backrefs(&self, groups: &[(String, Vec<String>)], labels: Labels) -> String {
        let links: Vec<String> = groups
            .iter()
            .map(|(label, hrefs)| {
                let mut s = md::link(label, &hrefs[0]);
                for (k, href) in hrefs.iter().enumerate().skip(1) {
                    s.push(' ');
                    s.push_str(&md::link(&(k + 1).to_string(), href));
                }
                s
            })
            .collect();
        // (The punctuation is ours and plain: no Markdown in it.)
        format!(
            "{}{}{}{}{}",
            labels.open_paren,
            md::text(labels.cited_in),
            labels.colon,
            links.join(labels.separator),
            labels.close_paren
        )
    }

    fn stylesheet(&self, _content: &str) -> Option<String> {
        None
    }
}
