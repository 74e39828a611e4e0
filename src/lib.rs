//! mdbook-scholar: citations for mdBook.
//!
//! The pipeline, one stage per module, data flowing one way:
//!
//! ```text
//! book.toml ──► config ──► library (bibliography files → works, diagnostics)
//! book      ──► scan     (each chapter: markers with byte spans)
//!           ──► collect  (the whole book in reading order: scopes, citations)
//!           ──► render   (CSL: citations, lists, the topic table)
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

mod check;
pub mod collect;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod library;
pub mod render;
pub mod scan;
pub mod splice;
pub mod style;

use anyhow::{Result, bail};
use mdbook_preprocessor::book::{Book, BookItem, Chapter as BookChapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

use config::Config;
use diagnostic::{Diagnostic, Diagnostics};
use library::Library;
pub use render::Output;
use render::engine::Engine;
use render::topics::Spliced;

/// The mdBook preprocessor `scholar`.
pub struct Scholar;

impl Preprocessor for Scholar {
    fn name(&self) -> &str {
        config::NAME
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> Result<Book> {
        let outcome = process(ctx, book)?;
        for diagnostic in outcome.diagnostics.iter() {
            eprintln!("{diagnostic}");
        }
        let errors = outcome.diagnostics.count(diagnostic::Severity::Error);
        if errors > 0 {
            bail!("mdbook-scholar found {errors} error{}", if errors == 1 { "" } else { "s" });
        }
        Ok(outcome.book)
    }

    /// Every renderer: HTML gets HTML, the others plain Markdown.
    fn supports_renderer(&self, _renderer: &str) -> Result<bool> {
        Ok(true)
    }
}

/// A processed book and what was found on the way.
pub struct Outcome {
    pub book: Book,
    pub diagnostics: Diagnostics,
}

/// Runs the pipeline on a book handed over by mdBook.
pub fn process(ctx: &PreprocessorContext, book: Book) -> Result<Outcome> {
    let config = Config::from_book(&ctx.root, &ctx.config)?;
    let output = if ctx.renderer == "html" { Output::Html } else { Output::Markdown };
    process_with(&config, output, book)
}

/// Runs the pipeline with a configuration already read.
pub fn process_with(config: &Config, output: Output, book: Book) -> Result<Outcome> {
    process_mode(config, output, book, Mode::Build)
}

/// How thorough to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Parse only the works the book uses.
    Build,
    /// Also check every entry of the bibliography: unreadable ones, unused
    /// ones (notes), cited ones missing what the style prints.
    Check,
}

/// Runs the pipeline.
pub fn process_mode(config: &Config, output: Output, mut book: Book, mode: Mode) -> Result<Outcome> {
    let style = style::Style::load(&config.style)?;
    let (mut library, found) = Library::load(&config.bibliography)?;
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(found);

    let chapters = scan_book(&book, config, &library);
    let all_keys = || library.keys().map(String::from).collect();
    let (collected, found) = collect::collect(chapters, config, &|k| library.contains(k), &all_keys, &all_keys);
    diagnostics.extend(found);

    diagnostics.extend(library.resolve(collected.keys.iter().map(String::as_str)));
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

    let languages: Vec<Option<String>> =
        collected.keys.iter().filter_map(|k| library.work(k)).map(|w| w.language.clone()).collect();
    let engine = Engine::new(&style, &config.locale, &languages);
    let renderer = render::Renderer::new(&collected, &library, config, &engine, output);
    let mut rendered = renderer.render();

    if !collected.topics.is_empty() {
        let spliced: Vec<(String, Vec<std::ops::Range<usize>>)> = collected
            .chapters
            .iter()
            .zip(&rendered.edits)
            .map(|(chapter, edits)| splice::splice_tracked(&chapter.content, edits))
            .collect();
        let pages: Vec<Spliced> = spliced.iter().map(|(content, inserted)| Spliced { content, inserted }).collect();
        for (chapter, edit) in renderer.topics(&pages, &rendered) {
            rendered.edits[chapter].push(edit);
        }
    }

    let mut contents =
        collected.chapters.iter().zip(&rendered.edits).map(|(chapter, edits)| splice::splice(&chapter.content, edits));
    visit_chapters(&mut book.items, &mut |chapter| {
        if let Some(content) = contents.next() {
            chapter.content = content;
        }
    });
    Ok(Outcome { book, diagnostics: diagnostics.sorted() })
}

/// Scans every chapter, in reading order.
fn scan_book(book: &Book, config: &Config, library: &Library) -> Vec<collect::Chapter> {
    let mut chapters = Vec::new();
    let mut stack: Vec<(usize, usize)> = Vec::new(); // (depth, chapter index)
    visit_chapters_ref(&book.items, 0, &mut |chapter, depth| {
        let path = chapter.path.clone().unwrap_or_default();
        let source = chapter.source_path.as_ref().unwrap_or(&path);
        let shown = config.shown_chapter_path(source);
        // mdBook's `links` preprocessor has turned `\{{#cite k}}` into
        // `{{#cite k}}`; the chapter's file still shows the escape.
        let directives = chapter
            .content
            .contains("{{#")
            .then(|| std::fs::read_to_string(config.src_dir.join(source)).ok())
            .flatten()
            .map(|text| scan::source_directives(&text));
        let scan = scan::chapter(&chapter.content, config.markdown, &|k| library.contains(k), directives.as_ref());
        while stack.last().is_some_and(|&(d, _)| d >= depth) {
            stack.pop();
        }
        let parent = stack.last().map(|&(_, c)| c);
        stack.push((depth, chapters.len()));
        chapters.push(collect::Chapter {
            name: chapter.name.clone(),
            slug: collect::slug(&path),
            path,
            shown,
            number: chapter.number.as_ref().map(|n| n.to_vec()),
            parent,
            content: chapter.content.clone(),
            scan,
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

fn visit_chapters_ref(items: &[BookItem], depth: usize, f: &mut dyn FnMut(&BookChapter, usize)) {
    for item in items {
        if let BookItem::Chapter(chapter) = item {
            if chapter.path.is_some() {
                f(chapter, depth);
            }
            visit_chapters_ref(&chapter.sub_items, depth + 1, f);
        }
    }
}
