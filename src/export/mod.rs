//! Exports: each work the book lists, and the book itself, as BibTeX, RIS
//! and CSL-JSON, so that readers can take references into their own
//! reference managers.
//!
//! The CSL-JSON item is the hub: RIS, and BibTeX for works that did not
//! come from a `.bib` file, are written from it. A `.bib` entry is offered
//! as its author wrote it, with the `@string`s and parents it needs.
//! Nothing here writes markup (that is `render::exports`).

pub mod bibtex;
pub mod cite_as;
pub mod csl;
pub(crate) mod ris;

use crate::library::{Library, PartRole, Work};

/// One work in the three formats.
#[derive(Debug, Clone)]
pub struct Export {
    /// Its CSL-JSON item.
    pub csl: csl::Item,
    /// Its BibTeX, in parts: a list's file writes a part shared by several
    /// works (an `@string`, a `crossref` parent) once.
    pub bibtex: Vec<Part>,
    /// Its RIS record.
    pub ris: String,
    /// Its CSL-JSON as a list's file holds it (see `csl::body`).
    pub json: String,
}

/// A piece of BibTeX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Where it is in the bibliography (file, item); `None` when generated.
    pub id: Option<(usize, usize)>,
    /// What the part is: the work's entry, `@string` definitions, or a parent.
    pub role: PartRole,
    /// The BibTeX text.
    pub text: String,
}

impl Export {
    /// A work's export; `library` gives the `.bib` source when there is one.
    pub fn of(work: &Work, library: Option<&Library>) -> Export {
        let csl = csl::item(&work.entry, work.language.as_deref());
        let source = library.and_then(|l| l.bibtex_source(work.entry.key()));
        let bibtex = match source {
            Some(parts) => parts
                .into_iter()
                .map(|p| Part { id: Some(p.id), role: p.role, text: p.text.trim().to_string() })
                .collect(),
            None => vec![Part { id: None, role: PartRole::Entry, text: bibtex::entry(&csl).trim().to_string() }],
        };
        let ris = ris::record(&csl);
        let json = csl::body(&csl);
        Export { csl, bibtex, ris, json }
    }

    /// The export with each of its texts passed through `encode`, for a
    /// writer that writes them encoded into many lists ([`files_with`]);
    /// `encode` must map text character by character, so that joining
    /// encoded texts encodes the joined text.
    pub(crate) fn encoded(self, encode: &dyn Fn(&str) -> String) -> Export {
        Export {
            bibtex: self.bibtex.into_iter().map(|p| Part { text: encode(&p.text), ..p }).collect(),
            ris: encode(&self.ris),
            json: encode(&self.json),
            csl: self.csl,
        }
    }

    /// The work's BibTeX, as one text.
    pub(crate) fn bibtex_text(&self) -> String {
        let parts: Vec<&str> = self.bibtex.iter().map(|p| p.text.as_str()).collect();
        format!("{}\n", parts.join("\n\n"))
    }

    /// The work's CSL-JSON: an array of one item, as reference managers
    /// import it.
    pub fn json_text(&self) -> String {
        format!("{}\n", csl::array(&[&self.json]))
    }
}

/// A list's works as three files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// Every work's BibTeX, shared parts once.
    pub bibtex: String,
    /// Every work's RIS record.
    pub ris: String,
    /// Every work's CSL-JSON, as one list.
    pub json: String,
}

/// The files of a list, its works in list order. In the BibTeX file every
/// part is written once: `@string`s first, then the entries, then the
/// parents they inherit from.
pub fn files(exports: &[&Export]) -> Files {
    files_with(exports, &|s| s.to_string())
}

/// [`files`] of exports whose texts went through `encode` ([`Export::encoded`]),
/// which the files' own separators then go through too.
pub(crate) fn files_with(exports: &[&Export], encode: &dyn Fn(&str) -> String) -> Files {
    let mut parts: Vec<&Part> = exports.iter().flat_map(|e| &e.bibtex).collect();
    let mut seen = std::collections::HashSet::new();
    parts.retain(|p| p.id.is_none_or(|id| seen.insert(id)));
    // A stable sort keeps list order within each role.
    parts.sort_by_key(|p| p.role);
    let bibtex: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
    let ris: Vec<&str> = exports.iter().map(|e| e.ris.as_str()).collect();
    let bodies: Vec<&str> = exports.iter().map(|e| e.json.as_str()).collect();
    let newline = encode("\n");
    Files {
        bibtex: format!("{}{newline}", bibtex.join(&encode("\n\n"))),
        ris: ris.join(&newline),
        json: format!("{}{newline}", csl::array_with(&bodies, encode)),
    }
}
