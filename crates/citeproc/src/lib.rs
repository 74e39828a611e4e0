//! A CSL 1.0.2 citation processor.
//!
//! It reads styles and locales through `citationberg`, items as CSL-JSON, and
//! renders citations and bibliographies as citeproc-js does: the same
//! markup, the same punctuation rules, the same sorting and disambiguation.
//!
//! ```
//! use scholar_citeproc::{Processor, item::Item, locale};
//! let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
//!   <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
//!   <citation><layout prefix="(" suffix=")"><names variable="author"><name form="short"/></names>
//!     <date variable="issued" prefix=" "><date-part name="year"/></date></layout></citation>
//!   <bibliography><layout><names variable="author"><name name-as-sort-order="all"/></names>
//!     <text variable="title" prefix=". " suffix="."/></layout></bibliography></style>"#;
//! let locales = std::collections::HashMap::<String, String>::new();
//! let processor = Processor::new(style, &locales, None, &|_| None).unwrap();
//! let item = Item::from_json(&serde_json::json!({
//!     "id": "doe", "type": "book", "title": "A book",
//!     "author": [{"family": "Doe", "given": "Jane"}], "issued": {"date-parts": [[2020]]}
//! })).unwrap();
//! let out = processor.render(&[item], &[vec![scholar_citeproc::CiteInput { id: "doe".into(), ..Default::default() }]], true);
//! assert_eq!(scholar_citeproc::html(&out.citations[0]), "(Doe 2020)");
//! assert_eq!(scholar_citeproc::html(&out.bibliography[0].1), "Doe, Jane. A book.");
//! ```

pub mod biblatex;
mod blobs;
mod dates;
mod disambiguate;
mod engine;
mod fast_hash;
pub mod item;
pub mod locale;
mod markdown;
mod names;
mod numbers;
mod output;
mod render;
mod request;
mod session;
mod sort;
mod text;

pub use engine::{Processor, StyleError};
pub use output::{Kind, Piece, Run, Style, Tag};
pub use request::{CiteRef, Format, RenderedEntry, Request, Response};
pub use session::{CiteInput, Entries, Layout, Rendered};

use std::borrow::Borrow;
use std::path::Path;

/// Writes a rendered run as HTML (citeproc-js's markup).
pub fn html(run: &Run) -> String {
    output::html(run)
}

/// Writes a rendered run as inline Markdown: emphasis and links as
/// Markdown has them, superscripts and small capitals as inline HTML, every
/// other character escaped where a parser would read it as markup.
pub fn markdown(run: &Run) -> String {
    markdown::markdown(run)
}

/// Writes a rendered run as plain text.
pub fn plain_text(run: &Run) -> String {
    output::text(run)
}

impl Processor {
    /// Renders the citation clusters (in document order) and, if asked, the
    /// bibliography of every item.
    pub fn render<I: Borrow<item::Item>>(
        &self,
        items: &[I],
        clusters: &[Vec<CiteInput>],
        bibliography: bool,
    ) -> Rendered {
        self.render_with(items, clusters, bibliography, &Layout::default())
    }

    /// [`Processor::render`] with the registration, note numbers or
    /// standalone clusters of [`Layout`].
    pub fn render_with<I: Borrow<item::Item>>(
        &self,
        items: &[I],
        clusters: &[Vec<CiteInput>],
        bibliography: bool,
        layout: &Layout,
    ) -> Rendered {
        // Items by reference: a caller that renders many scopes over one
        // library need not copy them.
        let items: Vec<&item::Item> = items.iter().map(Borrow::borrow).collect();
        session::render(self, &items, clusters, bibliography, layout)
    }
}

/// Finds a dependent style's parent next to it: `<folder>/<last segment of the parent id>.csl`.
fn parent_next_to(style: &Path) -> impl Fn(&str) -> Option<String> + '_ {
    move |id: &str| {
        let name = id.trim_end_matches('/').rsplit('/').next()?;
        std::fs::read_to_string(style.parent()?.join(format!("{name}.csl"))).ok()
    }
}

/// Renders a whole [`Request`]: the bibliography of every item and each
/// citation cluster in document order.
pub fn render_request(request: &Request) -> Result<Response, String> {
    let xml = std::fs::read_to_string(&request.style)
        .map_err(|e| format!("{}: the style could not be read: {e}", request.style.display()))?;
    let locales = locale::dir(&request.locales);
    let processor = Processor::new(&xml, &locales, request.lang.as_deref(), &parent_next_to(&request.style))
        .map_err(|e| format!("{}: {e}", request.style.display()))?;
    let items: Vec<item::Item> =
        request.items.iter().map(item::Item::from_json).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let clusters: Vec<Vec<CiteInput>> = request
        .citations
        .iter()
        .map(|cluster| {
            cluster
                .iter()
                .map(|c| CiteInput {
                    id: c.id.clone(),
                    locator: c.locator.clone(),
                    label: c.label.clone(),
                    prefix: c.prefix.clone(),
                    suffix: c.suffix.clone(),
                    suppress_author: c.suppress_author,
                    author_only: c.author_only,
                    narrative: c.narrative,
                })
                .collect()
        })
        .collect();
    let layout = Layout {
        registered: request.registered.clone(),
        notes: request.notes.clone(),
        standalone: request.standalone_clusters,
        entries: None,
    };
    let rendered = processor.render_with(&items, &clusters, request.bibliography, &layout);
    let write = |run: &Run| match request.format {
        Format::Html => html(run),
        Format::Text => plain_text(run),
        Format::Markdown => markdown(run),
    };
    Ok(Response {
        bibliography: rendered
            .bibliography
            .iter()
            .map(|(id, run)| RenderedEntry { id: id.clone(), text: write(run) })
            .collect(),
        citations: rendered.citations.iter().map(write).collect(),
    })
}
