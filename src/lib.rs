//! mdbook-scholar: citations for mdBook.
//!
//! The pipeline, one stage per module, data flowing one way:
//!
//! ```text
//! book.toml ──► config ──► library (bibliography files → works, diagnostics)
//! book      ──► scan     (each chapter: markers with byte spans)
//!           ──► collect  (the whole book in reading order: scopes, citations)
//!           ──► render   (CSL: citations, lists, the topic table, exports)
//!           ──► splice   (each span replaced, every other byte copied)
//! ```
//!
//! [`process`] runs it on a book; [`Scholar`] is the mdBook preprocessor.
//!
//! ```no_run
//! use mdbook_scholar::{Output, process_with, config::Config};
//! # fn f(config: &Config, book: mdbook_preprocessor::book::Book) -> anyhow::Result<()> {
//! let outcome = process_with(config, Output::Html, book)?;
//! for diagnostic in outcome.diagnostics.iter() {
//!     eprintln!("{diagnostic}");
//! }
//! # Ok(()) }
//! ```

mod cache;
mod check;
pub mod collect;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod export;
mod guard;
pub mod library;
mod marks;
pub mod render;
pub mod scan;
pub mod splice;
pub mod style;
mod timing;

use anyhow::{Result, bail};
use mdbook_preprocessor::book::{Book, BookItem, Chapter as BookChapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use rayon::prelude::*;
use std::collections::HashSet;
use std::ops::Range;

use cache::Cache;
use config::Config;
use diagnostic::{Diagnostic, Diagnostics};
use guard::guarded;
use library::Library;
pub use render::Output;
use render::engine::Engine;
use render::topics::Spliced;
use timing::Timer;

/// The mdBook preprocessor `scholar`.
pub struct Scholar;

impl Preprocessor for Scholar {
    fn name(&self) -> &str {
        config::NAME
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> Result<Book> {
        let outcome = process(ctx, book)?;
        report(&outcome.diagnostics)?;
        Ok(outcome.book)
    }

    /// Every renderer: HTML gets HTML, the others plain Markdown.
    fn supports_renderer(&self, _renderer: &str) -> Result<bool> {
        Ok(true)
    }
}

/// Prints the diagnostics; an error fails the build.
pub fn report(diagnostics: &Diagnostics) -> Result<()> {
    for diagnostic in diagnostics.iter() {
        eprintln!("{diagnostic}");
    }
    let errors = diagnostics.count(diagnostic::Severity::Error);
    if errors > 0 {
        bail!("mdbook-scholar found {errors} error{}", if errors == 1 { "" } else { "s" });
    }
    Ok(())
}

/// A processed book and what was found on the way.
pub struct Outcome {
    pub book: Book,
    pub diagnostics: Diagnostics,
    /// [`Mode::Stream`]: chapters whose text is still in the cache.
    pub deferred: Option<Deferred>,
}

/// Chapters left in the cache: the book holds a stand-in for each,
/// `token`, its index, [`marks::STAND_IN_END`]; the text is `stored[index]` in `pack`,
/// already a JSON string.
pub struct Deferred {
    pub token: String,
    pub pack: std::sync::Arc<std::fs::File>,
    pub stored: Vec<cache::Stored>,
}

/// Runs the pipeline on a book handed over by mdBook.
pub fn process(ctx: &PreprocessorContext, book: Book) -> Result<Outcome> {
    let config = Config::from_book(&ctx.root, &ctx.config)?;
    let output = if ctx.renderer == "html" { Output::Html } else { Output::Markdown };
    process_with(&config, output, book)
}

/// Runs the pipeline with a configuration already read.
pub fn process_with(config: &Config, output: Output, book: Book) -> Result<Outcome> {
    process_mode(config, output, book, Mode::Build, false)
}

/// How thorough to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Parse only the works the book uses.
    Build,
    /// Also check every entry of the bibliography: unreadable ones, unused
    /// ones (notes), cited ones missing what the style prints.
    Check,
    /// As `Build`, but chapters found in the cache stay there (see
    /// [`Outcome::deferred`]): the protocol copies them to mdBook as they
    /// are stored, already as JSON.
    Stream,
}

/// Runs the pipeline; with `timing`, each stage's time goes to stderr.
pub fn process_mode(config: &Config, output: Output, mut book: Book, mode: Mode, timing: bool) -> Result<Outcome> {
    let timer = Timer::start(timing);
    style::prefetch_locales();
    // Reading the bibliography takes long, indexing it longer: meanwhile,
    // the style, the chapters, and what the cache has for them.
    let (prepared, sources) = rayon::join(
        || {
            let style = style::Style::load(&config.style)?.with_locales(config.locales.as_ref())?;
            // The chapters' texts leave the book (no copy) and come back spliced.
            let chapters = take_chapters(&mut book, config);
            // Chapters whose output is in the cache need no parsing or
            // rendering; while no bibliography file changed, they need not
            // even be scanned.
            let whole_book = config.scope == config::Scope::None
                || chapters
                    .iter()
                    .any(|c| c.content.contains("{{#bibliography book") || c.content.contains("{{#topics"));
            // The topic table reads every page: then cached ones come back
            // as text.
            let cache = match mode {
                Mode::Build => Cache::open(config, &config.root, output, false),
                Mode::Stream => Cache::open(config, &config.root, output, !whole_book),
                Mode::Check => None,
            };
            let digests: Vec<Option<cache::Digest>> = chapters
                .par_iter()
                .map(|chapter| Some(cache.as_ref().filter(|_| !whole_book)?.digest(chapter)))
                .collect();
            anyhow::Ok((style, chapters, cache, digests))
        },
        || library::Sources::read(&config.bibliography),
    );
    let (style, mut chapters, cache, digests) = prepared?;
    let sources = sources?;
    timer.lap("style, bibliography files, chapters");

    let quick_keys: Vec<Option<cache::Key>> =
        digests.iter().map(|digest| Some(cache.as_ref()?.quick_key(digest.as_ref()?, sources.print))).collect();
    let ((mut library, found), quick_hits) = rayon::join(
        || Library::index(sources),
        || -> Vec<Option<cache::Entry>> {
            quick_keys.par_iter().map(|key| key.as_ref().and_then(|key| cache.as_ref()?.get_quick(key))).collect()
        },
    );
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(config.warnings.iter().cloned());
    diagnostics.extend(found);
    for hit in quick_hits.iter().flatten() {
        diagnostics.extend(hit.diagnostics.iter().cloned());
    }
    let unscanned: Vec<bool> = quick_hits.iter().map(Option::is_some).collect();
    timer.lap("library index, quick cache lookup");
    diagnostics.extend(scan_chapters(&mut chapters, config, &library, &unscanned));
    timer.lap("load and scan");
    let all_keys = || library.keys().map(String::from).collect();
    let (collected, found) = collect::collect(chapters, config, &|k| library.contains(k), &all_keys, &all_keys);
    diagnostics.extend(found);
    timer.lap("collect");
    let holders = collected.book_list.is_some() || !collected.topics.is_empty();
    let keys: Vec<Option<cache::Key>> = collected
        .chapters
        .par_iter()
        .zip(&unscanned)
        .zip(&digests)
        .map(|((chapter, unscanned), digest)| {
            let cache = cache.as_ref().filter(|_| !unscanned)?;
            let independent = config.scope != config::Scope::None
                && !chapter.scan.markers.iter().any(|m| {
                    matches!(m.kind, scan::MarkerKind::Topics | scan::MarkerKind::Bibliography { book: true })
                });
            independent.then(|| {
                let mut cited: Vec<&str> = chapter.scan.markers.iter().flat_map(marker_keys).collect();
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
    let hits: Vec<Option<cache::Entry>> = keys
        .iter()
        .zip(quick_hits)
        .map(|(key, quick)| quick.or_else(|| key.as_ref().and_then(|key| cache.as_ref()?.get(key))))
        .collect();
    let rendered_here: Vec<bool> = hits.iter().map(Option::is_none).collect();
    timer.lap("cache lookup");

    // Parse what is rendered now (everything when a chapter shows the
    // whole book), and what was broken, to report it again.
    let needed: Vec<&str> = if holders || mode == Mode::Check {
        collected.keys.iter().map(String::as_str).collect()
    } else {
        let mut needed: Vec<&str> = collected
            .chapters
            .iter()
            .zip(&rendered_here)
            .filter(|(_, here)| **here)
            .flat_map(|(chapter, _)| chapter.scan.markers.iter().flat_map(marker_keys))
            .collect();
        needed.extend(hits.iter().flatten().flat_map(|hit| hit.broken.iter().map(String::as_str)));
        needed
    };
    diagnostics.extend(library.resolve(needed.iter().copied()));
    let broken: HashSet<String> = needed.iter().filter(|k| library.is_broken(k)).map(|k| k.to_string()).collect();
    timer.lap("parse cited entries");
    if mode == Mode::Check {
        diagnostics.extend(library.resolve_all());
        diagnostics.extend(check::unused(&library, &collected.keys));
        diagnostics.extend(check::incomplete(&library, &collected.keys));
    }
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

    // Everything from the cache: no engine to set up.
    let nothing_here = !rendered_here.contains(&true) && !holders && config.scope != config::Scope::None;
    let (mut rendered, previews) = if nothing_here {
        let edits = vec![Vec::new(); collected.chapters.len()];
        (render::Rendered { edits, ..Default::default() }, render::Previews::default())
    } else {
        let languages: Vec<Option<String>> =
            needed.iter().filter_map(|k| library.work(k)).map(|w| w.language.clone()).collect();
        let entry_language = config.entry_language.unwrap_or_else(|| style.multilingual_by_design());
        let engine = Engine::new(&style, &config.locale, &languages, entry_language);
        timer.lap("engine");
        let renderer = render::Renderer::new(&collected, &library, config, &engine, output, &needed);
        timer.lap("render references");
        let mut rendered = renderer.render(&rendered_here);
        diagnostics.extend(std::mem::take(&mut rendered.diagnostics));
        timer.lap("render scopes");
        if !collected.topics.is_empty() {
            // The table links to the sections of the final pages.
            let spliced: Vec<(String, Vec<Range<usize>>)> = collected
                .chapters
                .iter()
                .zip(&rendered.edits)
                .zip(&hits)
                .map(|((chapter, edits), hit)| match hit {
                    Some(hit) => (hit.content.clone(), hit.inserted.iter().map(|&(a, b)| a..b).collect()),
                    None => splice::splice_tracked(&chapter.content, edits),
                })
                .collect();
            let pages: Vec<Spliced> = spliced.iter().map(|(content, inserted)| Spliced { content, inserted }).collect();
            for (chapter, edit) in renderer.topics(&pages, &rendered) {
                rendered.edits[chapter].push(edit);
            }
        }
        let previews = renderer.into_previews();
        dispose(engine);
        (rendered, previews)
    };
    // The library's parsed entries are not needed any more.
    dispose(library);

    /// A page: its text, or where the cache has it.
    enum Page {
        Text(String),
        Stored(cache::Stored),
    }
    let edits = std::mem::take(&mut rendered.edits);
    let pages: Vec<Page> = collected
        .chapters
        .into_par_iter()
        .zip(edits)
        .zip(hits)
        .zip(&keys)
        .zip(&quick_keys)
        .map(|((((chapter, edits), hit), key), quick)| match hit {
            Some(hit) => {
                // Reached by its dependencies: a quick key for next time.
                if let (Some(cache), Some(key), Some(quick)) = (&cache, key, quick) {
                    cache.alias(quick, key);
                }
                match hit.stored {
                    Some(stored) => Page::Stored(stored),
                    None => Page::Text(hit.content),
                }
            }
            None => {
                let edits: Vec<render::Edit> = edits
                    .into_iter()
                    .map(|edit| render::Edit { text: previews.expand(edit.text), range: edit.range })
                    .collect();
                let (content, inserted) = splice::splice_tracked(&chapter.content, &edits);
                let (Some(cache), Some(key)) = (&cache, key) else { return Page::Text(content) };
                let broken = chapter
                    .scan
                    .markers
                    .iter()
                    .flat_map(marker_keys)
                    .filter(|k| broken.contains(*k))
                    .map(String::from)
                    .collect();
                let inserted = inserted.iter().map(|r| (r.start, r.end)).collect();
                let own = |d: &&Diagnostic| d.location.as_ref().is_some_and(|l| l.path == chapter.shown);
                let diagnostics = diagnostics.iter().filter(own).cloned().collect();
                let entry = cache::Entry { content, diagnostics, broken, inserted, stored: None };
                cache.put(key, &entry);
                if let Some(quick) = quick {
                    cache.alias(quick, key);
                }
                Page::Text(entry.content)
            }
        })
        .collect();
    let pack = cache.as_ref().and_then(|c| c.pack()).filter(|_| pages.iter().any(|p| matches!(p, Page::Stored(_))));
    let mut deferred = pack.map(|pack| Deferred { token: stand_in_token(), pack, stored: Vec::new() });
    let mut pages = pages.into_iter();
    visit_chapters(&mut book.items, &mut |chapter| match pages.next() {
        Some(Page::Text(content)) => chapter.content = content,
        Some(Page::Stored(stored)) => {
            if let Some(deferred) = &mut deferred {
                chapter.content = format!("{}{}{}", deferred.token, deferred.stored.len(), marks::STAND_IN_END);
                deferred.stored.push(stored);
            }
        }
        None => {}
    });
    timer.lap("splice");
    if let Some(cache) = cache {
        cache.finish();
    }
    timer.lap("cache write");
    Ok(Outcome { book, diagnostics: diagnostics.sorted(), deferred })
}

/// A stand-in no chapter can contain by chance: a private-use mark, the
/// process and the time.
fn stand_in_token() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}scholar-{:x}-{nanos:x}-", marks::STAND_IN_START, std::process::id())
}

/// Drops `value` on another thread: freeing thousands of parsed entries and
/// rendered trees takes milliseconds the book need not wait for (and a
/// process that exits first never spends them).
fn dispose<T: Send + 'static>(value: T) {
    if std::thread::Builder::new().spawn(move || drop(value)).is_err() {
        // No thread to spare: it is dropped here, the spawn closure with it.
    }
}

/// The keys a marker cites or lists.
fn marker_keys(marker: &scan::Marker) -> Vec<&str> {
    match &marker.kind {
        scan::MarkerKind::Cite(citation) => citation.items.iter().map(|i| i.key.as_str()).collect(),
        scan::MarkerKind::Nocite { keys, .. } => keys.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Every chapter, in reading order, its text moved out of the book.
fn take_chapters(book: &mut Book, config: &Config) -> Vec<collect::Chapter> {
    let mut chapters = Vec::new();
    let mut stack: Vec<(usize, usize)> = Vec::new(); // (depth, chapter index)
    visit_chapters_depth(&mut book.items, 0, &mut |chapter, depth| {
        let path = chapter.path.clone().unwrap_or_default();
        let source = chapter.source_path.clone().unwrap_or_else(|| path.clone());
        while stack.last().is_some_and(|&(d, _)| d >= depth) {
            stack.pop();
        }
        let parent = stack.last().map(|&(_, c)| c);
        stack.push((depth, chapters.len()));
        chapters.push(collect::Chapter {
            name: chapter.name.clone(),
            slug: collect::slug(&path),
            path,
            shown: config.shown_chapter_path(&source),
            source,
            number: chapter.number.as_ref().map(|n| n.to_vec()),
            parent,
            content: std::mem::take(&mut chapter.content),
            scan: Default::default(),
        });
    });
    // Slugs must be unique for ids to be.
    let mut seen = std::collections::HashMap::new();
    for chapter in &mut chapters {
        let count = seen.entry(chapter.slug.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            chapter.slug = format!("{}-{count}", chapter.slug);
        }
    }
    chapters
}

/// Scans the chapters not marked in `skip`, in parallel.
/// Scans the chapters not skipped; a chapter the Markdown parser fails on is
/// left as it is, with a warning.
fn scan_chapters(
    chapters: &mut [collect::Chapter],
    config: &Config,
    library: &Library,
    skip: &[bool],
) -> Vec<Diagnostic> {
    let failed: Vec<Diagnostic> = chapters
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
                .map(|text| scan::source_directives(&text));
            let is_key = |k: &str| library.contains(k);
            match guarded(|| scan::chapter(&chapter.content, config.markdown, &is_key, directives.as_ref())) {
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
        .collect();
    failed
}

/// Visits chapters (not drafts) in reading order.
fn visit_chapters(items: &mut [BookItem], f: &mut dyn FnMut(&mut BookChapter)) {
    for item in items {
        if let BookItem::Chapter(chapter) = item {
            if chapter.path.is_some() {
                f(chapter);
            }
            visit_chapters(&mut chapter.sub_items, f);
        }
    }
}

fn visit_chapters_depth(items: &mut [BookItem], depth: usize, f: &mut dyn FnMut(&mut BookChapter, usize)) {
    for item in items {
        if let BookItem::Chapter(chapter) = item {
            if chapter.path.is_some() {
                f(chapter, depth);
            }
            visit_chapters_depth(&mut chapter.sub_items, depth + 1, f);
        }
    }
}
