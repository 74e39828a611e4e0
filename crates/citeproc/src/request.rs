//! A whole rendering job as one JSON document: the style, the locales, the
//! items and the citations in document order. The differential test sends the
//! same request to citeproc-js, so both engines answer the same question.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What to render: one style over one set of CSL-JSON items.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Request {
    /// Path of the `.csl` file. A dependent style's parent is looked up in the
    /// same folder as `<parent id's last segment>.csl`.
    pub style: PathBuf,
    /// Folder of CSL locale files (`locales-xx-XX.xml`).
    pub locales: PathBuf,
    /// Forces the locale (`en-US`, `zh-CN`); otherwise the style's
    /// `default-locale`, otherwise `en-US`.
    #[serde(default)]
    pub lang: Option<String>,
    /// Output markup.
    #[serde(default)]
    pub format: Format,
    /// CSL-JSON items.
    pub items: Vec<serde_json::Value>,
    /// Citation clusters in document order; a note style puts cluster `i` in
    /// note `i + 1`.
    #[serde(default)]
    pub citations: Vec<Vec<CiteRef>>,
    /// Whether to render the bibliography (of every item, as citeproc-js's
    /// `updateItems` with all ids followed by `makeBibliography`).
    #[serde(default = "yes")]
    pub bibliography: bool,
    /// The ids registered before any citation, in this order: what numbering,
    /// disambiguation and the bibliography cover. By default every item, the
    /// cited ones in order of first citation, then the others in item order.
    /// The CSL test suite registers all its items in input order, only the
    /// cited ones (`CITATIONS`), or its `BIBENTRIES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<Vec<String>>,
    /// The note number of each cluster, 0 for one in the main text. By default
    /// cluster `i` is in note `i + 1` for a note style and in the text
    /// otherwise. The CSL test suite's `CITATIONS` give their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<u32>>,
    /// Renders each cluster on its own, as citeproc-js's `makeCitationCluster`:
    /// every cite is a first cite (no ibid, subsequent or near-note), nothing
    /// carries from one cluster to the next. The CSL test suite's
    /// `CITATION-ITEMS` are rendered so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub standalone_clusters: bool,
}

fn yes() -> bool {
    true
}

/// Output markup of a rendering.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// HTML as citeproc-js writes it (`<i>`, `<b>`, `<sup>`, small caps spans).
    #[default]
    Html,
    /// Plain text.
    Text,
    /// Inline Markdown (see [`crate::markdown`]).
    Markdown,
}

/// One cite inside a citation cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CiteRef {
    /// The item's `id`.
    pub id: String,
    /// Locator value, e.g. `12-15`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// Locator label (`page`, `chapter`, …); `page` when a locator has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Text before the cite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Text after the cite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// Leaves the author out (`[-@key]`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppress_author: bool,
    /// Only the author.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub author_only: bool,
    /// In the text, as pandoc's `@key`: the author, then the rest of the cite
    /// (`Doe (2020, p. 3)`); citeproc-js's `composite` mode. Only for a
    /// cluster of one cite.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrative: bool,
}

/// What an engine rendered for a [`Request`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Response {
    /// Bibliography entries in the style's order.
    pub bibliography: Vec<RenderedEntry>,
    /// One string per citation cluster, in request order, as they read after
    /// every cluster has been processed.
    pub citations: Vec<String>,
}

/// One bibliography entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderedEntry {
    /// The item's `id`.
    pub id: String,
    /// The entry's markup, without citeproc-js's `<div class="csl-entry">` wrapper.
    pub text: String,
}
