//! Diagnostics: values every stage returns, printed in one place.
//!
//! A diagnostic knows where it happened (`path:line:col`), what is wrong, and
//! how to fix it when a hint helps. Stages never print; `lib.rs` and the
//! command line decide where diagnostics go.

use std::fmt;
use std::path::PathBuf;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing, never fails anything (unused entries, for instance).
    Note,
    /// The output is still complete but probably not what the author wants.
    Warning,
    /// The build fails.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A place in a file: 1-based line and column (columns count characters, so a
/// column in Chinese text is what an editor shows).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, as shown to the user.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text`, which was read from `path`.
    pub(crate) fn at(path: impl Into<PathBuf>, text: &str, offset: usize) -> Location {
        let (line, column) = line_column(text, offset);
        Location { path: path.into(), line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// 1-based line and character column of byte `offset` in `text`. An offset
/// inside a multi-byte character or past the end is clamped.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// One thing to tell the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Where it is, when it is in a file.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
    /// Said after the message, e.g. "did you mean `hu2022lora`?".
    pub hint: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity, location: None, message: message.into(), hint: None }
    }

    pub(crate) fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }

    pub(crate) fn note(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Note, message)
    }

    pub(crate) fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(location);
        self
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn with_hint_opt(mut self, hint: Option<String>) -> Diagnostic {
        self.hint = hint;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}: {}", self.severity, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Diagnostics in the order they were found, with the counts a command needs
/// to decide its exit code.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub(crate) fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(more);
    }

    /// How many have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|d| d.severity == severity).count()
    }

    /// Each diagnostic, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorted by file and place, keeping diagnostics without a place first
    /// and the order of equal places stable.
    pub(crate) fn sorted(mut self) -> Diagnostics {
        self.0.sort_by(|a, b| a.location.cmp(&b.location));
        self
    }
}

/// The closest of `candidates` to `wanted`, when it is close enough to be the
/// likely intent: used for "did you mean" hints on keys and configuration.
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&wanted_lower, &candidate.to_lowercase(), limit + 1);
        if distance <= limit && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over characters, giving up (returning `cap`) once the
/// distance must exceed `cap`: the candidates are many (a whole library), so
/// far-off ones must be cheap to reject.
fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) >= cap {
        return cap;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min >= cap {
            return cap;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()].min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let cases: &[(&str, usize, (usize, usize))] = &[
            ("abc", 0, (1, 1)),
            ("abc", 2, (1, 3)),
            ("a\nbc", 2, (2, 1)),
            ("a\r\nbc", 4, (2, 2)),
            ("中文@k", 6, (1, 3)),
            ("中文", 1, (1, 1)), // inside a character: clamped to its start
            ("ab", 99, (1, 3)),
        ];
        for &(text, offset, expected) in cases {
            assert_eq!(line_column(text, offset), expected, "{text:?} at {offset}");
        }
    }

    #[test]
    fn diagnostic_display_has_place_message_and_hint() {
        let d = Diagnostic::warning("unknown citation key `hu2021lora`")
            .at(Location { path: "book/a.md".into(), line: 3, column: 7 })
            .with_hint("did you mean `hu2022lora`?");
        assert_eq!(
            d.to_string(),
            "book/a.md:3:7: warning: unknown citation key `hu2021lora` (did you mean `hu2022lora`?)"
        );
        assert_eq!(Diagnostic::new(Severity::Error, "boom").to_string(), "error: boom");
    }

    #[test]
    fn suggestions_pick_the_closest_plausible_key() {
        let keys = ["hu2022lora", "houlsby2019parameter", "brown2020language"];
        let cases: &[(&str, Option<&str>)] = &[
            ("hu2021lora", Some("hu2022lora")),
            ("brown2020languag", Some("brown2020language")),
            ("Hu2022LoRA", Some("hu2022lora")),
            ("vaswani2017attention", None),
            ("x", None),
        ];
        for &(wanted, expected) in cases {
            assert_eq!(suggest(wanted, keys.iter().copied()), expected, "{wanted}");
        }
    }
}
