//! The commands of the `mdbook-scholar` binary, as functions returning what
//! the process should exit with. `main.rs` only reads the command line.

use anyhow::{Context as _, Result};
use std::io::{Read, Write};
#[cfg(feature = "driver")]
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;

#[cfg(feature = "driver")]
use crate::Scholar;
use crate::config::BibFile;
use crate::diagnostic::{Diagnostics, Severity};
use crate::library::{Library, Work};
use crate::render::engine::Engine;
use crate::render::write::{Writer, escaped_attr};
use crate::style::{LocalesDir, Style, StyleSource, resolve_locale};
use crate::{Mode, Output};
#[cfg(feature = "driver")]
use mdbook_preprocessor::Preprocessor;

/// mdBook's protocol: `[context, book]` JSON on stdin, the book on stdout.
/// Nothing is written to stdout unless the whole book is ready, so a
/// failure always reaches mdBook as a failure. With `timing`, each stage's
/// time goes to stderr.
pub fn protocol(input: impl Read, mut output: impl Write, timing: bool) -> Result<()> {
    let start = std::time::Instant::now();
    let (ctx, book) =
        mdbook_preprocessor::parse_input(input).context("cannot read the book mdBook sent (is this mdBook 0.5?)")?;
    if timing {
        eprintln!("timing: read mdBook's JSON: {:.1} ms", start.elapsed().as_secs_f64() * 1000.0);
    }
    if let Some(warning) = version_warning(&ctx.mdbook_version) {
        eprintln!("{warning}");
    }
    let outcome = crate::process_mode(
        &crate::config::Config::from_book(&ctx.root, &ctx.config)?,
        if ctx.renderer == "html" { Output::Html } else { Output::Markdown },
        book,
        Mode::Stream,
        timing,
    )?;
    crate::report(&outcome.diagnostics)?;
    // Streamed: the book is complete by now, and writing it cannot fail
    // half-way (only the pipe can, and then mdBook sees the failure).
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, &mut output);
    let start = std::time::Instant::now();
    write_book(&outcome, &mut writer).context("cannot write the book back")?;
    writer.flush()?;
    if timing {
        eprintln!("timing: write the book: {:.1} ms", start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(())
}

/// Writes the book as JSON, copying the chapters left in the cache from
/// where they are stored (already as JSON strings) in place of their
/// stand-ins.
fn write_book(outcome: &crate::Outcome, out: &mut impl Write) -> Result<()> {
    let Some(deferred) = &outcome.deferred else {
        return Ok(serde_json::to_writer(out, &outcome.book)?);
    };
    // Every stored text must be there before anything is written.
    let length = deferred.pack.metadata()?.len();
    anyhow::ensure!(
        deferred.stored.iter().all(|s| s.offset.checked_add(s.length).is_some_and(|end| end <= length)),
        "the cache in `.scholar-cache` is cut short; delete it and build again"
    );
    let skeleton = serde_json::to_string(&outcome.book)?;
    let opening = format!("\"{}", deferred.token);
    let closing = format!("{}\"", crate::marks::STAND_IN_END);
    let mut rest = skeleton.as_str();
    let mut buffer = vec![0; 1 << 16];
    while let Some(at) = rest.find(&opening) {
        let after = &rest[at + opening.len()..];
        let end = after.find(&closing).context("a chapter's stand-in is cut short")?;
        let stored = after[..end]
            .parse()
            .ok()
            .and_then(|i: usize| deferred.stored.get(i))
            .context("a stand-in without a chapter")?;
        out.write_all(&rest.as_bytes()[..at])?;
        crate::cache::copy_stored(&deferred.pack, *stored, &mut buffer, out)?;
        rest = &after[end + closing.len()..];
    }
    out.write_all(rest.as_bytes())?;
    Ok(())
}

/// A warning when the calling mdBook is not the 0.5 series we were built
/// for. Within 0.5.x the book's JSON is the same, so it is only a warning.
pub(crate) fn version_warning(calling: &str) -> Option<String> {
    let ours = mdbook_preprocessor::MDBOOK_VERSION;
    let matches = match (semver::Version::parse(calling), semver::Version::parse(ours)) {
        (Ok(theirs), Ok(ours)) => theirs.major == ours.major && theirs.minor == ours.minor,
        _ => false,
    };
    (!matches).then(|| {
        format!("warning: mdbook-scholar was built for mdBook {ours} and is called by mdBook {calling}; if the build fails, use an mdBook 0.5 release")
    })
}

/// `mdbook-scholar build [BOOK_DIR]`: mdBook in-process, with us registered.
#[cfg(feature = "driver")]
pub fn build(dir: &Path) -> Result<()> {
    init_logging();
    let mut book =
        mdbook_driver::MDBook::load(dir).with_context(|| format!("cannot load the book at {}", dir.display()))?;
    book.with_preprocessor(Scholar);
    book.build()
}

#[cfg(feature = "driver")]
fn init_logging() {
    use tracing_subscriber::fmt;
    let _ = fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_target(false)
        .without_time()
        .try_init();
}

/// `mdbook-scholar check [BOOK_DIR] [--strict]`: every diagnostic, nothing
/// written.
#[cfg(feature = "driver")]
pub fn check(dir: &Path, strict: bool) -> Result<ExitCode> {
    use std::sync::{Arc, Mutex};
    struct Capture(Arc<Mutex<Option<(mdbook_preprocessor::PreprocessorContext, mdbook_preprocessor::book::Book)>>>);
    impl Preprocessor for Capture {
        fn name(&self) -> &str {
            crate::config::NAME
        }
        fn run(
            &self,
            ctx: &mdbook_preprocessor::PreprocessorContext,
            book: mdbook_preprocessor::book::Book,
        ) -> Result<mdbook_preprocessor::book::Book> {
            if let Ok(mut slot) = self.0.lock() {
                *slot = Some((ctx.clone(), book.clone()));
            }
            Ok(book)
        }
    }
    init_logging();
    let captured = Arc::new(Mutex::new(None));
    let mut md =
        mdbook_driver::MDBook::load(dir).with_context(|| format!("cannot load the book at {}", dir.display()))?;
    md.with_preprocessor(Capture(captured.clone()));
    let renderer = mdbook_driver::builtin_renderers::MarkdownRenderer::new();
    md.preprocess_book(&renderer)?;
    let (ctx, book) = captured.lock().ok().and_then(|mut c| c.take()).context("mdBook did not run the preprocessor")?;
    let config = crate::config::Config::from_book(&ctx.root, &ctx.config)?;
    let outcome = crate::process_mode(&config, Output::Html, book, Mode::Check, false)?;
    Ok(report(&outcome.diagnostics, strict))
}

/// Prints diagnostics and a summary; the exit code for them.
pub(crate) fn report(diagnostics: &Diagnostics, strict: bool) -> ExitCode {
    for diagnostic in diagnostics.iter() {
        eprintln!("{diagnostic}");
    }
    let (errors, warnings, notes) =
        (diagnostics.count(Severity::Error), diagnostics.count(Severity::Warning), diagnostics.count(Severity::Note));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    eprintln!("{}, {}, {}", plural(errors, "error"), plural(warnings, "warning"), plural(notes, "note"));
    if errors > 0 || (strict && warnings > 0) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// What `format` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct FormatOptions {
    /// A bundled style's name or a `.csl` path (`ieee` when `None`).
    pub style: Option<String>,
    /// A CSL locale (the style's default, else `en-US`, when `None`).
    pub locale: Option<String>,
    /// A folder of CSL locale files over the bundled ones.
    pub locales: Option<PathBuf>,
    /// HTML instead of plain text.
    pub html: bool,
}

/// `format`: every entry of the bibliography files as one list in the
/// style's order (sorted, numbered, year suffixes and substituted authors as
/// the style asks), one entry per line.
pub fn format(files: &[PathBuf], options: &FormatOptions, mut out: impl Write) -> Result<ExitCode> {
    let style_source = match options.style.as_deref() {
        None => StyleSource::Bundled("ieee".into()),
        Some(s) if s.ends_with(".csl") || s.contains('/') => StyleSource::File { path: s.into(), shown: s.into() },
        Some(s) => StyleSource::Bundled(s.into()),
    };
    let locales =
        options.locales.as_ref().map(|dir| LocalesDir { path: dir.clone(), shown: dir.display().to_string() });
    let style = Style::load(&style_source)?.with_locales(locales.as_ref())?;
    let locale = match options.locale.as_deref() {
        Some(l) => resolve_locale(l).with_context(|| format!("`--locale {l}` is not a CSL locale"))?,
        None => style
            .default_locale
            .clone()
            .or_else(|| style.csl.default_locale.clone())
            .map_or_else(|| "en-US".to_string(), |l| l.0),
    };
    let files: Vec<BibFile> =
        files.iter().map(|p| BibFile { path: p.clone(), shown: p.display().to_string() }).collect();
    let (mut library, found) = Library::load(&files)?;
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(found);
    diagnostics.extend(library.resolve_all());
    for diagnostic in diagnostics.sorted().iter() {
        eprintln!("{diagnostic}");
    }
    let works: Vec<&Work> = library.keys().filter_map(|k| library.work(k)).map(|w| w.as_ref()).collect();
    let languages: Vec<Option<String>> = works.iter().map(|w| w.language.clone()).collect();
    let engine = Engine::new(&style, &locale, &languages, style.multilingual_by_design(), None);
    // One scope that lists every work without citing it: the style's sort,
    // numbering, year suffixes and substitutions are the whole list's.
    let list = engine.scope(&works, &[]);
    for (n, (&w, rendered)) in list.order.iter().zip(list.items).enumerate() {
        let (label, content) = match rendered {
            Some(item) => (item.first_field.map(|f| hayagriva::ElemChildren(vec![f])), item.content),
            // A style without a bibliography: each work's note.
            None => {
                let reference = engine.reference(works[w]);
                (reference.label, reference.content)
            }
        };
        let writer = Writer { number: Some(n + 1).filter(|_| engine.numeric()), links: options.html, entry_href: None };
        let line = if options.html {
            let mut line = format!("<div class=\"scholar-entry\" data-key=\"{}\">", escaped_attr(works[w].entry.key()));
            if let Some(label) = &label {
                line.push_str(&format!("<span class=\"scholar-label\">{}</span> ", writer.html(label)));
            }
            line.push_str(&writer.html(&content));
            line.push_str("</div>");
            line
        } else {
            let mut line = String::new();
            if let Some(label) = &label {
                line.push_str(&writer.plain(label));
                line.push(' ');
            }
            line.push_str(&writer.plain(&content));
            line.replace('\n', " ")
        };
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}
