//! What `mdbook-scholar check` adds to a build's diagnostics: entries the
//! book never cites, and cited entries missing what a reference needs.

use hayagriva::types::EntryType;
use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::library::Library;

/// A note for every entry the book does not cite.
pub fn unused(library: &Library, cited: &[String]) -> Vec<Diagnostic> {
    let cited: HashSet<&str> = cited.iter().map(String::as_str).collect();
    library
        .keys()
        .filter(|k| !cited.contains(k))
        .map(|key| {
            let diagnostic = Diagnostic::note(format!("entry `{key}` is not cited"))
                .with_hint("cite it, list it in `{{#nocite …}}`, or remove it");
            match library.location(key) {
                Some(location) => diagnostic.at(location),
                None => diagnostic,
            }
        })
        .collect()
}

/// A warning for every cited work without a field that references of its
/// kind print in every common style: who, what, when, and where it appeared.
pub fn incomplete(library: &Library, cited: &[String]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for key in cited {
        let Some(work) = library.work(key) else {
            continue;
        };
        let entry = &work.entry;
        let mut missing = Vec::new();
        if entry.title().is_none() {
            missing.push("title");
        }
        if entry.authors().is_none() && entry.editors().is_none() && entry.organization().is_none() {
            missing.push("author");
        }
        let dated = entry.date().is_some() || entry.parents().iter().any(|p| p.date().is_some());
        if !dated && !matches!(entry.entry_type(), EntryType::Web | EntryType::Repository) {
            missing.push("year or date");
        }
        let parent_titled = entry.parents().iter().any(|p| p.title().is_some());
        match entry.entry_type() {
            EntryType::Article if !parent_titled && entry.url().is_none() && entry.serial_number().is_none() => {
                missing.push("journal or booktitle")
            }
            EntryType::Web if entry.url().is_none() => missing.push("url"),
            _ => {}
        }
        if missing.is_empty() {
            continue;
        }
        let diagnostic = Diagnostic::warning(format!(
            "cited entry `{key}` has no {}; its reference will be incomplete",
            missing.join(", no ")
        ));
        out.push(match library.location(key) {
            Some(location) => diagnostic.at(location),
            None => diagnostic,
        });
    }
    out
}
