//! Collecting: every chapter, in reading order, before anything is rendered:
//! who cites what, in which scope, and where each scope's list goes.
//!
//! Numbering and disambiguation depend on document order, so this pass sees
//! the whole book first, in reading order (mdBook's `for_each_chapter_mut`
//! would visit sub-chapters before their parent).

use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{Config, OnMissing, Scope as ScopeKind};
use crate::diagnostic::{Diagnostic, Location, Severity, suggest};
use crate::ids::id_safe;
use crate::scan::{MarkerKind, Scan};

/// A chapter as the later stages need it.
#[derive(Debug, Clone)]
pub struct Chapter {
    pub name: String,
    /// The page, relative to the book's source folder (`index.md` for a
    /// README); links go to it with `.html`.
    pub path: PathBuf,
    /// Its source file as the user knows it (`book/intro.md`), for messages.
    pub shown: PathBuf,
    /// Its source file, relative to the book's source folder.
    pub source: PathBuf,
    /// A prefix making ids unique across the print page.
    pub slug: String,
    /// `Some([3])` for chapter 3, `Some([3, 1])` for 3.1, `None` for prefix
    /// and suffix chapters.
    pub number: Option<Vec<u32>>,
    /// The chapter this one is nested in.
    pub parent: Option<usize>,
    pub content: String,
    pub scan: Scan,
}

impl Chapter {
    pub fn location(&self, offset: usize) -> Location {
        Location::at(&self.shown, &self.content, offset)
    }

    /// The keys the chapter's markers cite or list, in order, repeats included.
    pub fn cited_keys(&self) -> impl Iterator<Item = &str> {
        self.scan.markers.iter().flat_map(|marker| {
            let keys: Vec<&str> = match &marker.kind {
                MarkerKind::Cite(citation) => citation.items.iter().map(|i| i.key.as_str()).collect(),
                MarkerKind::Nocite { keys, .. } => keys.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            keys
        })
    }

    /// The level-2 heading before `offset` (the section a citation is in).
    pub fn section_at(&self, offset: usize) -> Option<&crate::scan::Heading> {
        self.scan.headings.iter().take_while(|h| h.span.start < offset).filter(|h| h.level >= 2).last()
    }
}

/// Where a scope's list goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// At a `{{#bibliography}}` directive: the chapter and its marker index.
    Directive { chapter: usize, marker: usize },
    /// Inserted at this byte offset of the chapter (end of chapter or section).
    Auto { chapter: usize, offset: usize },
    /// Nowhere (scope `none` without a directive).
    Nowhere,
}

/// A group of citations that share one list and one numbering.
#[derive(Debug, Clone)]
pub struct Scope {
    pub placement: Placement,
    /// Heading level of the list's title.
    pub title_level: u8,
    /// An id prefix unique in the book.
    pub slug: String,
    /// Indices into [`Collected::citations`], in reading order.
    pub citations: Vec<usize>,
    /// Keys added without being cited (`{{#nocite}}`), in order.
    pub nocite: Vec<String>,
}

/// One citation marker.
#[derive(Debug, Clone)]
pub struct Site {
    pub chapter: usize,
    /// Index into the chapter's `scan.markers`.
    pub marker: usize,
    pub scope: usize,
    /// The element id of the citation (back-references land on it).
    pub id: String,
}

/// Everything collected.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub chapters: Vec<Chapter>,
    pub scopes: Vec<Scope>,
    pub citations: Vec<Site>,
    /// Every key cited or nocited anywhere, in order of first appearance.
    pub keys: Vec<String>,
    /// Where the book-wide list goes: the first `{{#bibliography book}}`
    /// (chapter, marker). There is one, for its entries' ids to be unique
    /// on the print page; later ones are reported and removed.
    pub book_list: Option<(usize, usize)>,
    /// Where `{{#topics}}` stands (chapter, marker).
    pub topics: Vec<(usize, usize)>,
}

impl Collected {
    pub fn citation(&self, site: &Site) -> &crate::scan::Citation {
        match &self.chapters[site.chapter].scan.markers[site.marker].kind {
            MarkerKind::Cite(citation) => citation,
            _ => unreachable!("a site always points at a citation marker"),
        }
    }
}

/// Scans the chapters not skipped, in parallel (`is_key`: whether a key is in
/// the library); a chapter the Markdown parser fails on is left as it is,
/// with a warning.
pub fn scan(
    chapters: &mut [Chapter],
    config: &Config,
    is_key: &(dyn Fn(&str) -> bool + Sync),
    skip: &[bool],
) -> Vec<Diagnostic> {
    chapters
        .par_iter_mut()
        .zip(skip)
        .filter(|(_, skip)| !**skip)
        .filter_map(|(chapter, _)| {
            // mdBook's `links` preprocessor has turned `\{{#cite k}}` into
            // `{{#cite k}}`; the chapter's file still shows the escape.
            let directives = chapter
                .content
                .contains("{{#")
                .then(|| std::fs::read_to_string(config.src_dir.join(&chapter.source)).ok())
                .flatten()
                .map(|text| crate::scan::source_directives(&text));
            let scanned = crate::guard::guarded(|| {
                crate::scan::chapter(&chapter.content, config.markdown, is_key, directives.as_ref())
            });
            match scanned {
                Ok(scan) => {
                    chapter.scan = scan;
                    None
                }
                Err(why) => Some(
                    Diagnostic::warning(format!(
                        "the Markdown parser failed on this chapter ({why}); it is left as it is, citations and all"
                    ))
                    .at(chapter.location(0))
                    .with_hint(
                        "mdBook reads Markdown with the same parser and may fail too; look for an unusual construct",
                    ),
                ),
            }
        })
        .collect()
}

/// Groups the chapters' markers into scopes. `all_keys` lists the library
/// (for `{{#nocite *}}`); `is_key` tells whether a key exists.
pub fn collect(
    chapters: Vec<Chapter>,
    config: &Config,
    is_key: &dyn Fn(&str) -> bool,
    all_keys: &dyn Fn() -> Vec<String>,
    known_keys: &dyn Fn() -> Vec<String>,
) -> (Collected, Vec<Diagnostic>) {
    let mut collected = Collected { chapters, ..Collected::default() };
    let mut diagnostics = Vec::new();
    let mut seen_keys: HashMap<String, ()> = HashMap::new();
    let mut note_key = |key: &str, keys: &mut Vec<String>| {
        if seen_keys.insert(key.to_string(), ()).is_none() {
            keys.push(key.to_string());
        }
    };
    let severity = match config.on_missing {
        OnMissing::Warn => Severity::Warning,
        OnMissing::Error => Severity::Error,
    };
    let mut known: Option<Vec<String>> = None;

    // `{{#nocite *}}` is the whole library: written into the marker itself,
    // so that every later stage (which works to parse and prepare, what a
    // cached chapter depends on) sees the keys it lists. Seen only here, it
    // once listed works that nothing had prepared, and the scope was lost.
    let mut library: Option<Vec<String>> = None;
    for chapter in &mut collected.chapters {
        for marker in &mut chapter.scan.markers {
            if let MarkerKind::Nocite { keys, all: true } = &mut marker.kind {
                let every = library.get_or_insert_with(all_keys);
                let mut listed: std::collections::HashSet<String> = keys.iter().cloned().collect();
                for key in every.iter() {
                    if listed.insert(key.clone()) {
                        keys.push(key.clone());
                    }
                }
            }
        }
    }

    // Scope `none`: one scope for the whole book.
    if config.scope == ScopeKind::None {
        collected.scopes.push(Scope {
            placement: Placement::Nowhere,
            title_level: 2,
            slug: "book".into(),
            citations: Vec::new(),
            nocite: Vec::new(),
        });
    }

    for c in 0..collected.chapters.len() {
        let chapter = &collected.chapters[c];
        // Section boundaries: offsets where a new scope starts.
        let starts: Vec<usize> = match config.scope {
            ScopeKind::Section => chapter
                .scan
                .headings
                .iter()
                .filter(|h| h.level >= 1 && h.level <= config.section_level)
                .map(|h| h.span.start)
                .collect(),
            _ => Vec::new(),
        };
        // One scope per stretch between boundaries (chapter scope: one).
        let first_scope = collected.scopes.len();
        let mut scope_of_offset: Vec<(usize, usize)> = Vec::new(); // (start offset, scope)
        if config.scope != ScopeKind::None {
            let mut bounds = vec![0];
            bounds.extend(starts.iter().copied().filter(|&s| s > 0));
            for (n, &start) in bounds.iter().enumerate() {
                let end = bounds.get(n + 1).copied().unwrap_or(chapter.content.len());
                let title_level = match config.scope {
                    ScopeKind::Section => (config.section_level + 1).min(6),
                    _ => 2,
                };
                let slug = if bounds.len() == 1 { chapter.slug.clone() } else { format!("{}-{}", chapter.slug, n + 1) };
                scope_of_offset.push((start, collected.scopes.len()));
                collected.scopes.push(Scope {
                    placement: Placement::Auto { chapter: c, offset: end },
                    title_level,
                    slug,
                    citations: Vec::new(),
                    nocite: Vec::new(),
                });
            }
        }
        let scope_at = |offset: usize| -> usize {
            if scope_of_offset.is_empty() {
                0
            } else {
                scope_of_offset.iter().rev().find(|(start, _)| *start <= offset).map_or(first_scope, |s| s.1)
            }
        };

        let mut cite_number = 0;
        for (m, marker) in chapter.scan.markers.iter().enumerate() {
            let scope = scope_at(marker.span.start);
            match &marker.kind {
                MarkerKind::Cite(citation) => {
                    cite_number += 1;
                    for item in &citation.items {
                        if is_key(&item.key) {
                            note_key(&item.key, &mut collected.keys);
                        } else {
                            let candidates = known.get_or_insert_with(known_keys);
                            let hint = suggest(&item.key, candidates.iter().map(String::as_str))
                                .map(|k| format!("did you mean `{k}`?"));
                            diagnostics.push(
                                Diagnostic::new(severity, format!("unknown citation key `{}`", item.key))
                                    .at(chapter.location(item.key_offset))
                                    .with_hint_opt(hint),
                            );
                        }
                    }
                    let id = crate::ids::citation(&chapter.slug, cite_number);
                    collected.scopes[scope].citations.push(collected.citations.len());
                    collected.citations.push(Site { chapter: c, marker: m, scope, id });
                }
                MarkerKind::Bibliography { book: false } => match collected.scopes[scope].placement {
                    Placement::Directive { chapter: first_chapter, marker: first_marker } => {
                        let first_chapter = &collected.chapters[first_chapter];
                        let first = first_chapter.location(first_chapter.scan.markers[first_marker].span.start);
                        diagnostics.push(
                            Diagnostic::warning(format!(
                                "a second `{{{{#bibliography}}}}` for the same scope is ignored; the list is at {first}"
                            ))
                            .at(chapter.location(marker.span.start)),
                        );
                    }
                    _ => collected.scopes[scope].placement = Placement::Directive { chapter: c, marker: m },
                },
                MarkerKind::Bibliography { book: true } => match collected.book_list {
                    Some((first_chapter, first_marker)) => {
                        let first_chapter = &collected.chapters[first_chapter];
                        let first = first_chapter.location(first_chapter.scan.markers[first_marker].span.start);
                        diagnostics.push(
                            Diagnostic::warning(format!(
                                "a second `{{{{#bibliography book}}}}` is ignored; the book-wide list is at {first}"
                            ))
                            .at(chapter.location(marker.span.start))
                            .with_hint("a book has one book-wide list; link to it instead"),
                        );
                    }
                    None => collected.book_list = Some((c, m)),
                },
                MarkerKind::Nocite { keys, .. } => {
                    for key in keys {
                        if is_key(key) {
                            note_key(key, &mut collected.keys);
                            collected.scopes[scope].nocite.push(key.clone());
                        } else {
                            diagnostics.push(
                                Diagnostic::new(severity, format!("unknown key `{key}` in `{{{{#nocite}}}}`"))
                                    .at(chapter.location(marker.span.start)),
                            );
                        }
                    }
                }
                MarkerKind::Topics => collected.topics.push((c, m)),
                // Rendered where it stands, from the configuration alone.
                MarkerKind::CiteAs { .. } => {}
            }
        }
    }

    // Lists of scopes that cite nothing are not placed; scope `none` without
    // a directive has nowhere to go.
    if config.scope == ScopeKind::None
        && collected.scopes[0].placement == Placement::Nowhere
        && !collected.scopes[0].citations.is_empty()
        && collected.book_list.is_none()
    {
        diagnostics.push(Diagnostic::warning(
            "`scope = \"none\"` but no chapter has `{{#bibliography}}` or `{{#bibliography book}}`: the citations have no list to link to",
        ).with_hint("add `{{#bibliography}}` to a references chapter"));
    }
    (collected, diagnostics)
}

/// A chapter's id prefix from its path: `part/intro.md` gives `part-intro`.
/// Characters that are not ASCII letters, digits or `-` are written as
/// `_hex_`, so distinct paths stay distinct.
pub fn slug(path: &Path) -> String {
    let stem = path.with_extension("");
    let text = stem.to_string_lossy().replace(['/', '\\'], "-");
    id_safe(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MarkdownFlavor;

    fn chapter(path: &str, content: &str, number: Option<Vec<u32>>) -> Chapter {
        let scan = crate::scan::chapter(content, MarkdownFlavor::default(), &|k| k != "missing", None);
        Chapter {
            name: path.into(),
            path: path.into(),
            shown: Path::new("src").join(path),
            source: path.into(),
            slug: slug(Path::new(path)),
            number,
            parent: None,
            content: content.into(),
            scan,
        }
    }

    fn config(scope: &str) -> Config {
        let table = serde_json::json!({"bibliography": "r.bib", "scope": scope});
        Config::from_table(Path::new("."), table.as_object().unwrap(), None, MarkdownFlavor::default()).unwrap()
    }

    fn run(chapters: Vec<Chapter>, scope: &str) -> (Collected, Vec<Diagnostic>) {
        let is_key = |k: &str| k != "missing" && k != "hu2021lora";
        let all = || vec!["a".to_string(), "b".to_string(), "z".to_string()];
        let known = || vec!["hu2022lora".to_string(), "a".to_string()];
        collect(chapters, &config(scope), &is_key, &all, &known)
    }

    #[test]
    fn chapter_scope_numbers_per_chapter_and_places_lists() {
        let chapters = vec![
            chapter("one.md", "# One\n\n[@a] [@b]\n\n{{#bibliography}}\n\nafter\n", Some(vec![1])),
            chapter("two.md", "# Two\n\n[@b; @a]\n", Some(vec![2])),
        ];
        let (c, d) = run(chapters, "chapter");
        assert!(d.is_empty());
        assert_eq!(c.scopes.len(), 2);
        assert_eq!(c.scopes[0].placement, Placement::Directive { chapter: 0, marker: 2 });
        assert_eq!(c.scopes[1].placement, Placement::Auto { chapter: 1, offset: 16 });
        assert_eq!(c.scopes[0].citations, [0, 1]);
        assert_eq!(c.keys, ["a", "b"]);
        assert_eq!(c.citations[2].id, "scholar-cite-two-1");
    }

    #[test]
    fn section_scope_splits_at_headings() {
        let content = "# T\n\nintro [@a]\n\n## S1\n\n[@a]\n\n### deeper [@b]\n\n## S2\n\n[@b]\n";
        let (c, _) = run(vec![chapter("c.md", content, Some(vec![1]))], "section");
        let cites: Vec<Vec<usize>> = c.scopes.iter().map(|s| s.citations.clone()).collect();
        assert_eq!(cites, [vec![0], vec![1, 2], vec![3]]);
        let offsets: Vec<Placement> = c.scopes.iter().map(|s| s.placement).collect();
        let s1 = content.find("## S1").unwrap();
        let s2 = content.find("## S2").unwrap();
        assert_eq!(
            offsets,
            [
                Placement::Auto { chapter: 0, offset: s1 },
                Placement::Auto { chapter: 0, offset: s2 },
                Placement::Auto { chapter: 0, offset: content.len() }
            ]
        );
        assert_eq!(c.scopes[1].title_level, 3);
    }

    #[test]
    fn unknown_keys_are_diagnosed_with_a_hint() {
        let (_, d) = run(vec![chapter("x.md", "Text\n\nsee [@hu2021lora] and [@missing]\n", None)], "chapter");
        let messages: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages,
            [
                "src/x.md:3:7: warning: unknown citation key `hu2021lora` (did you mean `hu2022lora`?)",
                "src/x.md:3:25: warning: unknown citation key `missing`"
            ]
        );
    }

    #[test]
    fn nocite_all_and_scope_none() {
        let (c, d) = run(vec![chapter("x.md", "[@b] {{#nocite *}}\n", None)], "none");
        assert_eq!(c.scopes.len(), 1);
        assert_eq!(c.scopes[0].nocite, ["a", "b", "z"]);
        assert_eq!(c.keys, ["b", "a", "z"]);
        assert!(d[0].to_string().contains("no list to link to"));
    }

    /// Regression (issue 13): `*` was expanded here only, so later stages
    /// (what to parse and prepare, what a cached chapter depends on) saw no
    /// keys in `{{#nocite *}}`. The marker itself now lists them: the keys
    /// written beside the star first, then the library's, once each.
    #[test]
    fn nocite_all_is_written_into_the_marker() {
        let (c, _) = run(vec![chapter("x.md", "[@b] {{#nocite z *}}\n", None)], "chapter");
        let MarkerKind::Nocite { keys, all: true } = &c.chapters[0].scan.markers[1].kind else {
            panic!("{:?}", c.chapters[0].scan.markers[1]);
        };
        assert_eq!(keys, &["z", "a", "b"]);
        assert_eq!(c.scopes[0].nocite, ["z", "a", "b"]);
    }

    /// Regression (issue 13): a second `{{#bibliography book}}` vanished
    /// without a word.
    #[test]
    fn a_second_book_list_is_reported_with_both_places() {
        let chapters = vec![
            chapter("refs.md", "# R\n\n{{#bibliography book}}\n", None),
            chapter("more.md", "# M\n\n[@a]\n\n{{#bibliography book}}\n", None),
        ];
        let (c, d) = run(chapters, "chapter");
        assert_eq!(c.book_list, Some((0, 0)));
        let messages: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages,
            [
                "src/more.md:5:1: warning: a second `{{#bibliography book}}` is ignored; the book-wide list is at src/refs.md:3:1 (a book has one book-wide list; link to it instead)"
            ]
        );
    }

    #[test]
    fn slugs_are_id_safe() {
        assert_eq!(slug(Path::new("part/intro.md")), "part-intro");
        assert_eq!(slug(Path::new("基础.md")), "_57fa__7840_");
        assert_eq!(id_safe("key:with odd"), "key_3a_with_20_odd");
    }
}
