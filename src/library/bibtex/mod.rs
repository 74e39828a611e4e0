//! BibLaTeX/BibTeX files as found in the wild, loaded entry by entry.
//!
//! Our own scanner (`split`) splits the file into `@string` definitions and
//! entries (brace matching only, about as fast as reading the file), so that
//! one broken entry loses nothing else and only the entries a book needs are
//! parsed in full. The biblatex crate then parses (`parse`) a small source
//! (`source`) made of the `@string`s and the wanted entries plus the
//! `crossref`/`xdata` parents they inherit from (`links`); when it fails,
//! the entry at fault is reported and left out, and the rest is parsed
//! again. Each entry parsed becomes hayagriva's entry (`convert`).

mod convert;
mod links;
mod parse;
mod source;
mod split;

use std::collections::HashMap;
use std::ops::Range;

pub(super) use links::{MAX_PARENT_DEPTH, inherits, parent_keys};
pub(super) use parse::parse_with;
pub(super) use split::{split, string_names};

/// One top-level item of the file.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) kind: ItemKind,
    /// From the `@` to the closing delimiter, inclusive.
    pub(super) range: Range<usize>,
    /// Delimited by `(`…`)` rather than `{`…`}`.
    parens: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ItemKind {
    /// `@string{…}`: abbreviations every entry may use.
    Strings,
    /// An entry, with its key and where the key is. `data` entries
    /// (`@xdata`) only lend fields to others and are not works themselves.
    Entry { key: String, key_offset: usize, data: bool },
}

fn item_key(item: &Item) -> Option<&str> {
    match &item.kind {
        ItemKind::Entry { key, .. } => Some(key),
        ItemKind::Strings => None,
    }
}

/// Entry keys to item indices, and the `@string` items: made once per file
/// and shared by every chunk parsed.
pub(super) struct Index<'a> {
    by_key: HashMap<&'a str, usize>,
    strings: Vec<usize>,
}

impl<'a> Index<'a> {
    pub(super) fn new(items: &'a [Item]) -> Index<'a> {
        let mut by_key = HashMap::with_capacity(items.len());
        let mut strings = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match &item.kind {
                ItemKind::Entry { key, .. } => {
                    // The first of a key counts, as in the library (biblatex
                    // rejects the second as a duplicate).
                    by_key.entry(key.as_str()).or_insert(i);
                }
                ItemKind::Strings => strings.push(i),
            }
        }
        Index { by_key, strings }
    }
}

/// An entry parsed and converted to hayagriva's, with its item index.
pub(super) struct Parsed {
    pub(super) item: usize,
    pub(super) entry: hayagriva::Entry,
    /// `langid`, `language` or `hyphenation`, as written.
    pub(super) language: Option<String>,
}
