//! The markup of each output, behind one interface: HTML for mdBook's
//! `html` renderer, Markdown for the others. The renderer decides what to
//! say; these say it.

mod html;
mod markdown;

use hayagriva::ElemChildren;

use super::engine::Reference;
use super::labels::Labels;
use super::write::Writer;
use super::{Output, Prepared};

/// How one output writes references, citations, list entries, lists and
/// back-references.
pub(super) trait Markup: Sync {
    /// A work's reference, written once for the book with `writer`.
    fn prepare(&self, reference: &Reference, writer: &Writer) -> Prepared;
    /// What a citation says: the engine's `tree` (its works linked through
    /// `href`, by item), then the `missing` keys as [`Markup::missing`]
    /// wrote them.
    fn citation_body(&self, tree: &ElemChildren, href: &dyn Fn(usize) -> Option<String>, missing: &[String]) -> String;
    /// A citation in the text (not one that becomes a footnote): its
    /// `body`, and (HTML) its `preview`.
    fn citation(&self, id: &str, body: String, preview: &str, in_table: bool) -> String;
    /// A note style's footnote mark (`[^label]`) where its citation was,
    /// after the `names` of a narrative citation; (HTML) with the preview.
    fn note_mark(&self, label: &str, names: &str, preview: &str) -> String;
    /// A citation's preview of its works: per work, its prepared reference
    /// (an index, if any) and its number in the list (if any). Empty where
    /// the output has no previews.
    fn preview(&self, works: &[(Option<usize>, Option<usize>)]) -> String;
    /// A cited key no work is shown for; `why` says which problem it has.
    fn missing(&self, key: &str, why: &str, labels: Labels) -> String;
    /// A list entry's text as the style renders it: its label (if any),
    /// then its content.
    fn item(&self, label: Option<&ElemChildren>, content: &ElemChildren) -> String;
    /// One entry of a list, with its id and key; `export` is its export
    /// links (HTML only).
    fn entry(&self, key: &str, id: &str, body: String, backrefs: Option<String>, export: &str) -> String;
    /// A list of `entries`, with its title and level (if any).
    fn list(&self, title: Option<(&str, u8)>, entries: &[String], labelled: bool, slug: &str) -> String;
    /// Links back to citations: per place (its label), the hrefs of the
    /// citations there.
    fn backrefs(&self, groups: &[(String, Vec<String>)], labels: Labels) -> String;
    /// What a page with our output ends with, if anything: the stylesheet.
    fn stylesheet(&self, content: &str) -> Option<String>;
}

/// The markup of `output`.
pub(super) fn of(output: Output) -> &'static dyn Markup {
    match output {
        Output::Html => &html::Html,
        Output::Markdown => &markdown::Markdown,
    }
}
