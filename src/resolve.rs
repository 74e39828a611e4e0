//! Resolving the library: once the book is collected and the cache has said
//! which chapters it holds, the entries this build needs are parsed (only
//! those: parsing is the slow part of reading a bibliography), and every
//! citation of an entry that could not be read is reported where it is.

use std::collections::HashSet;

use crate::cache::Reuse;
use crate::check;
use crate::collect::Collected;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::library::Library;

/// What was parsed.
pub struct Resolved<'a> {
    /// The keys rendered now: everything when a chapter shows the whole book
    /// (or for `check`), else what the chapters rendered now cite, and what
    /// was broken, to report it again.
    pub needed: Vec<&'a str>,
    /// Those whose entries could not be read.
    pub broken: HashSet<String>,
}

/// Parses what is needed; with `check`, every entry, and reports the unused
/// and the incomplete ones.
pub fn resolve<'a>(
    library: &mut Library,
    collected: &'a Collected,
    reuse: &'a Reuse,
    check: bool,
    diagnostics: &mut Diagnostics,
) -> Resolved<'a> {
    let holders = collected.book_list.is_some() || !collected.topics.is_empty();
    let needed: Vec<&str> = if holders || check {
        collected.keys.iter().map(String::as_str).collect()
    } else {
        let mut needed: Vec<&str> = collected
            .chapters
            .iter()
            .zip(reuse.rendered_here())
            .filter(|(_, here)| *here)
            .flat_map(|(chapter, _)| chapter.cited_keys())
            .collect();
        needed.extend(reuse.broken_keys());
        needed
    };
    diagnostics.extend(library.resolve(needed.iter().copied()));
    let broken: HashSet<String> = needed.iter().filter(|k| library.is_broken(k)).map(|k| k.to_string()).collect();
    if check {
        diagnostics.extend(library.resolve_all());
        diagnostics.extend(check::unused(library, &collected.keys));
        diagnostics.extend(check::incomplete(library, &collected.keys));
    }
    report_broken_citations(library, collected, diagnostics);
    Resolved { needed, broken }
}

/// A warning at each citation of an entry that could not be read.
fn report_broken_citations(library: &Library, collected: &Collected, diagnostics: &mut Diagnostics) {
    for site in &collected.citations {
        let chapter = &collected.chapters[site.chapter];
        for item in &collected.citation(site).items {
            if library.is_broken(&item.key) {
                let place = library.location(&item.key).map(|l| l.to_string()).unwrap_or_default();
                diagnostics.push(
                    Diagnostic::warning(format!(
                        "citation key `{}` names an entry that could not be read (at {place})",
                        item.key
                    ))
                    .at(chapter.location(item.key_offset)),
                );
            }
        }
    }
}
