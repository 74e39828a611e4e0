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
//! The public surface is small: [`Scholar`] and the `process` functions,
//! [`config`] (to read and adjust a configuration), [`library`] and
//! [`export`] (to read bibliographies and export their works), [`scan`]
//! (the marker scanner, for fuzzing and property tests) and [`commands`]
//! (the command line's subcommands). Everything else is internal.
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

#![warn(missing_docs)]

mod book;
mod cache;
mod check;
mod collect;
pub mod commands;
pub mod config;
mod diagnostic;
pub mod export;
mod guard;
mod ids;
pub mod library;
mod link;
mod locales;
mod marks;
mod render;
mod resolve;
pub mod scan;
mod splice;
mod style;
mod timing;

use anyhow::{Result, bail};
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use cache::Deferred;
use cache::Reuse;
use config::Config;
pub use diagnostic::{Diagnostic, Diagnostics, Location, Severity};
use library::Library;
pub use render::Output;
use style::Style;
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
fn report(diagnostics: &Diagnostics) -> Result<()> {
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
    /// The book with every marker replaced.
    pub book: Book,
    /// What was found on the way, sorted by file and place.
    pub diagnostics: Diagnostics,
    /// [`Mode::Stream`]: chapters whose text is still in the cache.
    pub(crate) deferred: Option<Deferred>,
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
pub(crate) enum Mode {
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
pub(crate) fn process_mode(
    config: &Config,
    output: Output,
    mut book: Book,
    mode: Mode,
    timing: bool,
) -> Result<Outcome> {
    let timer = Timer::start(timing);
    // The bundled locales, unless the cache keeps the book's language's.
    let locale_store = config.cache.then(|| locales::Store::in_cache(&cache::folder(&config.root)));
    let book_languages = [config.locale.as_str(), "en"].map(locales::language).into();
    if !locale_store.as_ref().is_some_and(|s| s.holds(&book_languages)) {
        locales::prefetch();
    }
    // 1. Prepare: the style, the chapters (out of the book) and what the
    //    cache has for them, while the bibliography files are read.
    let (prepared, sources) = rayon::join(
        || -> Result<_> {
            let style = Style::load(&config.style)?.with_locales(config.locales.as_ref())?;
            let chapters = book::take_chapters(&mut book, config);
            let reuse = Reuse::open(config, output, &chapters, cache_use(mode));
            Ok((style, chapters, reuse))
        },
        || library::Sources::read(&config.bibliography),
    );
    let ((style, mut chapters, mut reuse), sources) = (prepared?, sources?);
    timer.lap("style, bibliography files, chapters");
    // 2. Index the library; meanwhile, chapters found by their text need no
    //    scanning.
    let print = sources.print;
    let ((mut library, found), ()) = rayon::join(|| Library::index(sources), || reuse.look_up_quick(print));
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(config.warnings.iter().cloned());
    diagnostics.extend(found);
    diagnostics.extend(reuse.diagnostics().cloned());
    timer.lap("library index, quick cache lookup");
    // 3. Scan and collect.
    diagnostics.extend(collect::scan(&mut chapters, config, &|k| library.contains(k), &reuse.unscanned()));
    timer.lap("load and scan");
    let all_keys = || library.keys().map(String::from).collect();
    let (collected, found) = collect::collect(chapters, config, &|k| library.contains(k), &all_keys, &all_keys);
    diagnostics.extend(found);
    timer.lap("collect");
    reuse.look_up(config, &collected.chapters, &library);
    timer.lap("cache lookup");
    // 4. Resolve the library: parse the entries rendered now.
    let resolved = resolve::resolve(&mut library, &collected, &reuse, mode == Mode::Check, &mut diagnostics);
    timer.lap("parse cited entries");
    // 5. Render.
    let stage = render::stage::Book {
        config,
        style: &style,
        output,
        collected: &collected,
        needed: &resolved.needed,
        reuse: &reuse,
        locale_store: locale_store.as_ref(),
    };
    let edits = render::stage::render(stage, library, &timer, &mut diagnostics);
    // 6. Assemble: each page spliced (and stored) or taken from the cache.
    let broken = resolved.broken;
    let pages = reuse.pages(collected.chapters, edits, &broken, &diagnostics);
    let (texts, deferred) = reuse.texts(pages);
    book::put_pages(&mut book, texts);
    timer.lap("splice");
    reuse.finish();
    timer.lap("cache write");
    Ok(Outcome { book, diagnostics: diagnostics.sorted(), deferred })
}

/// How a mode uses the cache.
fn cache_use(mode: Mode) -> cache::Use {
    match mode {
        Mode::Build => cache::Use::Text,
        Mode::Stream => cache::Use::Stream,
        Mode::Check => cache::Use::Off,
    }
}
