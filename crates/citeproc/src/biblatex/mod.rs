//! A BibLaTeX/BibTeX reader that writes CSL-JSON items, the way biblatex
//! users and pandoc expect.
//!
//! ```
//! let bib = r#"@book{knuth:ct:a,
//!   author = {Knuth, Donald E.}, title = {The {\TeX book}},
//!   maintitle = {Computers \& Typesetting}, volume = {A},
//!   date = 1984, publisher = {Addison-Wesley}, langid = {english}}"#;
//! let (items, problems) = scholar_citeproc::biblatex::read_biblatex(bib);
//! assert!(problems.is_empty());
//! assert_eq!(items[0]["title"], "Computers & typesetting");
//! assert_eq!(items[0]["volume-title"], "The TeXbook");
//! assert_eq!(items[0]["volume"], "A");
//! assert_eq!(items[0]["author"][0]["family"], "Knuth");
//! let item = scholar_citeproc::item::Item::from_json(&items[0]).unwrap();
//! assert_eq!(item.kind, "book");
//! ```

mod convert;
mod dates;
mod latex;
mod math;
mod names;
mod rich;
mod source;
mod terms;

use serde_json::Value;

/// Something in the file the reader could not take as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BibProblem {
    /// 1-based line of the file.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The entry concerned, when there is one.
    pub key: Option<String>,
    /// What is wrong and what was done about it.
    pub message: String,
    /// Whether the entry was left out (otherwise it is kept, with the
    /// field or link concerned read as the message says).
    pub skipped: bool,
}

impl std::fmt::Display for BibProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Reads a BibLaTeX or BibTeX file into CSL-JSON items, in file order,
/// with what could not be read. Reading goes on past every problem: a
/// broken entry costs itself only, and each one left out is reported.
///
/// Titles of English works (a `langid` of English, or none) are put in
/// sentence case, keeping `{Protected}` spans as written; `langid` becomes
/// `language`; `crossref` and `xdata` parents are inherited by biblatex's
/// rules. The items read with [`crate::item::Item::from_json`].
pub fn read_biblatex(src: &str) -> (Vec<Value>, Vec<BibProblem>) {
    let mut problems = Vec::new();
    let entries = source::read(src, &mut problems);
    let lines = source::Lines::new(src);
    let mut items = Vec::with_capacity(entries.len());
    for entry in &entries {
        let mut warnings = Vec::new();
        let place = |offset: usize| lines.position(src, offset);
        // A bug in the reader costs the entry, not the book.
        let converted =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| convert::convert(entry, &mut warnings)));
        match converted {
            Ok(item) => items.push(item),
            Err(_) => {
                let (line, column) = place(entry.offset);
                problems.push(BibProblem {
                    line,
                    column,
                    key: Some(entry.key.clone()),
                    message: format!(
                        "entry `{}` is skipped: the BibLaTeX reader failed on it (please report this)",
                        entry.key
                    ),
                    skipped: true,
                });
            }
        }
        for (field, message) in warnings {
            let offset = field.and_then(|f| entry.field(&f).map(|f| f.offset)).unwrap_or(entry.offset);
            let (line, column) = place(offset);
            problems.push(BibProblem { line, column, key: Some(entry.key.clone()), message, skipped: false });
        }
    }
    problems.sort_by_key(|p| (p.line, p.column));
    (items, problems)
}
