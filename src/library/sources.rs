//! The bibliography files as text, before indexing: read, decoded, and
//! hashed (the hash is known before the slower indexing, so the render
//! cache can be asked meanwhile).

use anyhow::{Context as _, Result};
use std::hash::{Hash, Hasher};
use std::path::Path;

use super::decode::{decode, reserve_marks};
use super::problem::Problem;
use crate::config::BibFile;
use crate::diagnostic::{Diagnostic, Location};

/// The formats we read, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.bib`: BibLaTeX or BibTeX.
    BibLaTeX,
    /// `.yml`, `.yaml`: hayagriva's YAML.
    Yaml,
    /// `.json`: CSL-JSON.
    CslJson,
}

impl Format {
    fn of(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "bib" | "bibtex" | "biblatex" => Some(Format::BibLaTeX),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::CslJson),
            _ => None,
        }
    }
}

/// One file: its name as shown in messages, its text and its format.
pub(super) struct SourceText {
    pub shown: String,
    pub text: String,
    pub format: Format,
}

/// The bibliography files as text, before indexing.
pub(crate) struct Sources {
    pub(super) files: Vec<SourceText>,
    /// A hash of every file's name and text: while it stays the same, so
    /// does every work and every key.
    pub(crate) print: u64,
    /// What decoding the files found.
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Sources {
    /// Reads `files`. Fails only when a file cannot be read or its format is
    /// unknown; everything else is a diagnostic.
    pub(crate) fn read(files: &[BibFile]) -> Result<Sources> {
        let mut sources = Sources { files: Vec::new(), print: 0, diagnostics: Vec::new() };
        for file in files {
            let format = Format::of(&file.path).with_context(|| {
                format!(
                    "cannot tell the format of the bibliography file `{}`: name it .bib (BibLaTeX/BibTeX), .yaml/.yml (hayagriva) or .json (CSL-JSON)",
                    file.shown
                )
            })?;
            let bytes = std::fs::read(&file.path).with_context(|| {
                format!("cannot read the bibliography file `{}` ({})", file.shown, file.path.display())
            })?;
            let (text, problem) = decode(bytes);
            sources.add(&file.shown, text, format, problem);
        }
        Ok(sources)
    }

    /// One file's text, as if read (for tests).
    pub(super) fn from_text(shown: &str, text: &str, format: Format) -> Sources {
        let mut sources = Sources { files: Vec::new(), print: 0, diagnostics: Vec::new() };
        sources.add(shown, text.to_string(), format, None);
        sources
    }

    /// Adds a file's text, with what decoding it found.
    fn add(&mut self, shown: &str, text: String, format: Format, decoding: Option<Problem>) {
        let (text, reserved) = reserve_marks(text);
        for problem in decoding.into_iter().chain(reserved) {
            let location = Location::at(shown, &text, problem.offset);
            self.diagnostics.push(problem.diagnostic(location));
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.print.hash(&mut hasher);
        shown.hash(&mut hasher);
        text.hash(&mut hasher);
        self.print = hasher.finish();
        self.files.push(SourceText { shown: shown.to_string(), text, format });
    }
}
