//! What every reader returns beside what it read: problems at byte offsets
//! of the file, which the library turns into `file:line:column`
//! diagnostics.

use crate::diagnostic::{Diagnostic, Location, Severity};

/// Something wrong in a file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// A byte offset of the file's text.
    pub offset: usize,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<&'static str>,
}

impl Problem {
    /// Something read as best it could be (an entry lost, a field ignored).
    pub fn warning(offset: usize, message: impl Into<String>) -> Problem {
        Problem { offset, severity: Severity::Warning, message: message.into(), hint: None }
    }

    /// Something that fails the build (a file not loaded, text garbled).
    pub fn error(offset: usize, message: impl Into<String>) -> Problem {
        Problem { offset, severity: Severity::Error, message: message.into(), hint: None }
    }

    pub fn with_hint(self, hint: &'static str) -> Problem {
        Problem { hint: Some(hint), ..self }
    }

    /// The diagnostic, at its place in the file (see [`LineIndex`]).
    pub fn diagnostic(self, location: Location) -> Diagnostic {
        Diagnostic::new(self.severity, self.message).at(location).with_hint_opt(self.hint.map(String::from))
    }
}

/// Line starts of a file: `line:column` of an offset by binary search, not
/// by counting from the start (a big file with many problems stays fast).
/// Gives the places [`Location::at`] gives.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    pub fn location(&self, path: &str, text: &str, offset: usize) -> Location {
        let offset = offset.min(text.len());
        let line = self.0.partition_point(|&start| start <= offset).max(1);
        let start = self.0[line - 1];
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Location { path: path.into(), line, column: text[start..end.max(start)].chars().count() + 1 }
    }
}
