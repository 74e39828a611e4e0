//! The render cache: each chapter's finished page, kept between builds so
//! that `mdbook serve` re-renders only what an edit changed.
//!
//! The policy is here, behind [`Reuse`]: which chapters may be taken from
//! the cache and by which keys, and what is stored back. A chapter is looked
//! up twice: first by its text and the whole bibliography (a quick key: a
//! chapter found so is not even scanned), then by its text and the
//! fingerprints of the works it cites. Chapters whose page depends on other
//! chapters (the book-wide list, the topic table, scope `none`) are never
//! cached. The store (pack file and index) is in [`store`].

mod store;

use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;

use crate::collect::Chapter;
use crate::config::{Config, Output, Scope};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::library::Library;
use crate::marks;
use crate::scan::MarkerKind;
use crate::splice::{Edit, splice_tracked};
use store::{Cache, Digest, Key};
pub use store::{Entry, Stored, copy_stored, folder};

/// How a build uses the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Not at all (`check` reports every chapter).
    Off,
    /// Pages found come back as text.
    Text,
    /// Pages found stay in the pack when they can (see [`Deferred`]).
    Stream,
}

/// What this build takes from the cache and gives back, chapter by chapter
/// (every list is indexed like the chapters).
pub struct Reuse {
    cache: Option<Cache>,
    /// The chapter's name, place and text, hashed once for both lookups;
    /// `None` when it is not looked up.
    digests: Vec<Option<Digest>>,
    /// By text and the whole bibliography.
    quick_keys: Vec<Option<Key>>,
    /// By text and the fingerprints of the works cited.
    keys: Vec<Option<Key>>,
    hits: Vec<Option<Entry>>,
}

/// A chapter's page: its text, or where the cache has it.
pub enum Page {
    Text(String),
    Stored(Stored),
}

/// Chapters left in the cache: the book holds a stand-in for each,
/// `token`, its index, [`marks::STAND_IN_END`]; the text is `stored[index]` in `pack`,
/// already a JSON string.
pub struct Deferred {
    pub token: String,
    pub pack: Arc<std::fs::File>,
    pub stored: Vec<Stored>,
}

impl Reuse {
    /// Opens the cache for these chapters (none when `cache = false`).
    pub fn open(config: &Config, output: Output, chapters: &[Chapter], mode: Use) -> Reuse {
        let whole_book = shows_whole_book(config, chapters);
        // The topic table reads every page: then cached ones come back as text.
        let cache = match mode {
            Use::Off => None,
            Use::Text => Cache::open(config, &config.root, output, false),
            Use::Stream => Cache::open(config, &config.root, output, !whole_book),
        };
        let digests =
            chapters.par_iter().map(|chapter| Some(cache.as_ref().filter(|_| !whole_book)?.digest(chapter))).collect();
        Reuse { cache, digests, quick_keys: Vec::new(), keys: Vec::new(), hits: Vec::new() }
    }

    /// Looks the chapters up by their text and the whole bibliography
    /// (`print`): while no bibliography file changed, a chapter found needs
    /// no scanning.
    pub fn look_up_quick(&mut self, print: u64) {
        let cache = self.cache.as_ref();
        self.quick_keys = self.digests.iter().map(|digest| Some(cache?.quick_key(digest.as_ref()?, print))).collect();
        self.hits = self.quick_keys.par_iter().map(|key| cache?.get_quick(key.as_ref()?)).collect();
    }

    /// Which chapters were found by the quick lookup (they are not scanned).
    pub fn unscanned(&self) -> Vec<bool> {
        self.hits.iter().map(Option::is_some).collect()
    }

    /// What the builds that stored the pages found said about them.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.hits.iter().flatten().flat_map(|hit| hit.diagnostics.iter())
    }

    /// Looks the scanned chapters up by their text and the fingerprints of
    /// the works they cite.
    pub fn look_up(&mut self, config: &Config, chapters: &[Chapter], library: &Library) {
        let cache = self.cache.as_ref();
        self.keys = chapters
            .par_iter()
            .zip(&self.hits)
            .zip(&self.digests)
            .map(|((chapter, quick_hit), digest)| {
                let cache = cache.filter(|_| quick_hit.is_none())?;
                let independent = config.scope != Scope::None
                    && !chapter
                        .scan
                        .markers
                        .iter()
                        .any(|m| matches!(m.kind, MarkerKind::Topics | MarkerKind::Bibliography { book: true }));
                independent.then(|| {
                    let mut cited: Vec<&str> = chapter.cited_keys().collect();
                    cited.sort_unstable();
                    cited.dedup();
                    let dependencies: Vec<(&str, Option<u64>)> =
                        cited.iter().map(|k| (*k, library.fingerprint(k))).collect();
                    // The chapter's text is hashed once: its digest, when the
                    // quick lookup made one.
                    let digest = (*digest).unwrap_or_else(|| cache.digest(chapter));
                    cache.key(&digest, &dependencies)
                })
            })
            .collect();
        let quick_hits = std::mem::take(&mut self.hits);
        self.hits =
            self.keys.iter().zip(quick_hits).map(|(key, quick)| quick.or_else(|| cache?.get(key.as_ref()?))).collect();
    }

    /// Which chapters are rendered now (not found in the cache).
    pub fn rendered_here(&self) -> Vec<bool> {
        self.hits.iter().map(Option::is_none).collect()
    }

    /// Each chapter's entry, when found.
    pub fn hits(&self) -> &[Option<Entry>] {
        &self.hits
    }

    /// Keys cited by found chapters whose entries could not be read: they are
    /// parsed again so that their problems are reported again.
    pub fn broken_keys(&self) -> impl Iterator<Item = &str> {
        self.hits.iter().flatten().flat_map(|hit| hit.broken.iter().map(String::as_str))
    }

    /// Each chapter's page: found, or spliced from its `edits` now and stored
    /// with what the build said about it (`broken`: keys that could not be
    /// read).
    pub fn pages(
        &mut self,
        chapters: Vec<Chapter>,
        edits: Vec<Vec<Edit>>,
        broken: &HashSet<String>,
        diagnostics: &Diagnostics,
    ) -> Vec<Page> {
        let cache = self.cache.as_ref();
        chapters
            .into_par_iter()
            .zip(edits)
            .zip(std::mem::take(&mut self.hits))
            .zip(&self.keys)
            .zip(&self.quick_keys)
            .map(|((((chapter, edits), hit), key), quick)| match hit {
                Some(hit) => {
                    // Reached by its dependencies: a quick key for next time.
                    if let (Some(cache), Some(key), Some(quick)) = (cache, key, quick) {
                        cache.alias(quick, key);
                    }
                    match hit.stored {
                        Some(stored) => Page::Stored(stored),
                        None => Page::Text(hit.content),
                    }
                }
                None => {
                    let (content, inserted) = splice_tracked(&chapter.content, &edits);
                    let (Some(cache), Some(key)) = (cache, key) else { return Page::Text(content) };
                    let broken = chapter.cited_keys().filter(|k| broken.contains(*k)).map(String::from).collect();
                    let inserted = inserted.iter().map(|r| (r.start, r.end)).collect();
                    let own = |d: &&Diagnostic| d.location.as_ref().is_some_and(|l| l.path == chapter.shown);
                    let diagnostics = diagnostics.iter().filter(own).cloned().collect();
                    let entry = Entry { content, diagnostics, broken, inserted, stored: None };
                    cache.put(key, &entry);
                    if let Some(quick) = quick {
                        cache.alias(quick, key);
                    }
                    Page::Text(entry.content)
                }
            })
            .collect()
    }

    /// The chapters' texts: a page left in the cache becomes a stand-in,
    /// listed in the [`Deferred`].
    pub fn texts(&self, pages: Vec<Page>) -> (Vec<String>, Option<Deferred>) {
        let stored_any = pages.iter().any(|p| matches!(p, Page::Stored(_)));
        let pack = self.cache.as_ref().and_then(|c| c.pack()).filter(|_| stored_any);
        let mut deferred = pack.map(|pack| Deferred { token: stand_in_token(), pack, stored: Vec::new() });
        let texts = pages
            .into_iter()
            .map(|page| match (page, &mut deferred) {
                (Page::Text(content), _) => content,
                (Page::Stored(stored), Some(deferred)) => {
                    let text = format!("{}{}{}", deferred.token, deferred.stored.len(), marks::STAND_IN_END);
                    deferred.stored.push(stored);
                    text
                }
                (Page::Stored(_), None) => String::new(),
            })
            .collect();
        (texts, deferred)
    }

    /// Writes what this build added.
    pub fn finish(self) {
        if let Some(cache) = self.cache {
            cache.finish();
        }
    }
}

/// Whether a chapter shows the whole book (the book-wide list, the topic
/// table; every list under scope `none`): then no chapter is looked up by
/// its text alone.
fn shows_whole_book(config: &Config, chapters: &[Chapter]) -> bool {
    config.scope == Scope::None
        || chapters.iter().any(|c| c.content.contains("{{#bibliography book") || c.content.contains("{{#topics"))
}

/// A stand-in no chapter can contain by chance: a private-use mark, the
/// process and the time.
fn stand_in_token() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}scholar-{:x}-{nanos:x}-", marks::STAND_IN_START, std::process::id())
}
