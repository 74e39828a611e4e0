//! Books against citeproc-js: the fixture book `tests/fixtures/citeproc-js`
//! is built through the preprocessor (as `mdbook build` runs it) under each
//! style of [`STYLES`], with Debian's `.csl` file and locale files as
//! `style` and `locales`; citeproc-js renders the same works (the CSL-JSON
//! of each chapter's list, as the list's download offers it), the same
//! clusters in the same order (read from the chapter's markers by
//! `markers.rs`) with the same style and locale files; and each citation
//! (or note) and each list entry of each chapter is compared with its
//! answer, as formatted text (`canonical.rs`).
//!
//! It prints `N/M citations, N/M entries` per style and every difference,
//! writes them to `target/book-differential/<style>.txt`, and fails when a
//! style falls below its floor in `tests/book-differential-floor.toml`.
//! It runs only with `SCHOLAR_DIFFERENTIAL` set, and needs node with the
//! harness of `crates/citeproc` (`npm ci --prefix
//! crates/citeproc/tests/citeproc-js`) and Debian's
//! `citation-style-language-styles` and `citation-style-language-locales`;
//! without them it says so and passes, unless
//! `SCHOLAR_DIFFERENTIAL=required` (as in CI). `SCHOLAR_DIFFERENTIAL_BLESS=1`
//! raises the floors to the current figures.

#[path = "../common/mod.rs"]
mod common;

mod canonical;
mod chapter;
mod floor;
#[path = "../../crates/citeproc/tests/citeproc-js/harness.rs"]
mod harness;
mod markers;
mod setup;
mod theirs;

use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::config::Config as BookConfig;
use mdbook_scholar::config::Config;
use mdbook_scholar::{Output, process_with};
use scholar_citeproc::{CiteRef, Request, Response};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// A style compared: its file name in Debian's folder (without `.csl`), and
/// the locale of the book (and of citeproc-js) under it.
struct Style {
    name: &'static str,
    locale: &'static str,
}

/// Numeric, author-date and note styles, the survey's GB/T 7714 in Chinese.
/// The locale is given for both sides: ours is the book's (`en-US` unless
/// set), citeproc-js's the style's `default-locale` (OSCOLA's is `en-GB`).
const STYLES: &[Style] = &[
    Style { name: "ieee", locale: "en-US" },
    Style { name: "apa", locale: "en-US" },
    Style { name: "chicago-author-date", locale: "en-US" },
    Style { name: "harvard-cite-them-right", locale: "en-GB" },
    Style { name: "modern-language-association", locale: "en-US" },
    Style { name: "chicago-fullnote-bibliography", locale: "en-US" },
    Style { name: "oscola", locale: "en-GB" },
    Style { name: "china-national-standard-gb-t-7714-2015-numeric", locale: "zh-CN" },
    Style { name: "china-national-standard-gb-t-7714-2015-note", locale: "zh-CN" },
];

#[test]
fn book_chapters_agree_with_citeproc_js() {
    let env = match setup::Environment::find() {
        Ok(env) => env,
        Err(why) => return setup::skip(&why),
    };
    if let Err(message) = run(&env) {
        panic!("{message}");
    }
}

/// One chapter under one style: what we built, and what citeproc-js is asked.
struct Case {
    style: &'static str,
    chapter: String,
    ours: chapter::Ours,
    clusters: Vec<markers::Cluster>,
    /// A numeric style: the names of a narrative cite, before its number,
    /// are the preprocessor's own (citeproc-js has no narrative form without
    /// names in the citation), so only what follows them is compared. (A
    /// note style leaves them in the text, outside the citation.)
    names_ours: bool,
    request: Request,
}

fn run(env: &setup::Environment) -> Result<(), String> {
    // 1. Our builds, and the requests for citeproc-js (two styles at a time:
    //    most of a build is reading the style and the locales).
    let (ctx, book) = common::preprocessed(&common::fixtures().join("citeproc-js"));
    let locales = locales(env)?;
    let env = &setup::Environment { locales, ..env.clone() };
    let halves: Vec<Result<Vec<Case>, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|half| {
                let (root, config, book) = (&ctx.root, &ctx.config, &book);
                scope.spawn(move || {
                    let mut cases = Vec::new();
                    for style in STYLES.iter().skip(half).step_by(2) {
                        cases.extend(build(env, (root, config), book, style)?);
                    }
                    Ok(cases)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("a build thread panicked")).collect()
    });
    let mut cases = Vec::new();
    for half in halves {
        cases.extend(half?);
    }

    // 2. citeproc-js's answers.
    let requests: Vec<(String, &Request)> =
        cases.iter().map(|c| (format!("{}@{}", c.style, c.chapter), &c.request)).collect();
    let theirs = theirs::render(env, &requests)?;

    // 3. Compare, per style.
    let mut summary = String::from("\nmdbook-scholar's chapters against citeproc-js (agreeing / compared):\n\n");
    let mut scores = Vec::new();
    for style in STYLES {
        let mut score = floor::Score::default();
        let mut report = String::new();
        for (case, theirs) in cases.iter().zip(&theirs).filter(|(c, _)| c.style == style.name) {
            compare(case, theirs, &mut score, &mut report);
        }
        let line = format!(
            "{:48} {:>3}/{:<3} citations, {:>3}/{:<3} entries",
            style.name, score.citations.0, score.citations.1, score.entries.0, score.entries.1
        );
        let _ = writeln!(summary, "{line}");
        if !report.is_empty() {
            let _ = writeln!(std::io::stderr(), "\n=== {} ===\n{report}", style.name);
        }
        let file = env.out.join(format!("{}.txt", style.name));
        std::fs::write(&file, format!("{line}\n\n{report}"))
            .map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
        scores.push((style.name, score));
    }
    let _ = writeln!(summary, "\ndifferences: {}/<style>.txt\n", env.out.display());
    let _ = std::io::stderr().write_all(summary.as_bytes());
    floor::check(&scores)
}

/// Debian's locale files of the compared styles' locales (and en-US, which
/// both engines fall back to), copied into one folder: both engines read
/// this folder, and we parse every file of it at each build.
fn locales(env: &setup::Environment) -> Result<std::path::PathBuf, String> {
    let folder = env.out.join("locales");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create `{}`: {e}", folder.display()))?;
    let mut names: Vec<&str> = STYLES.iter().map(|s| s.locale).chain(["en-US"]).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let file = format!("locales-{name}.xml");
        std::fs::copy(env.locales.join(&file), folder.join(&file))
            .map_err(|e| format!("cannot copy `{}`: {e}", env.locales.join(&file).display()))?;
    }
    Ok(folder)
}

/// The fixture built under `style`, each chapter that cites with its request.
fn build(
    env: &setup::Environment,
    (root, config): (&Path, &BookConfig),
    book: &Book,
    style: &'static Style,
) -> Result<Vec<Case>, String> {
    let style_path = env.styles.join(format!("{}.csl", style.name));
    let xml =
        std::fs::read_to_string(&style_path).map_err(|e| format!("cannot read `{}`: {e}", style_path.display()))?;
    let (note, numeric) = (xml.contains("class=\"note\""), xml.contains("citation-format=\"numeric\""));
    let mut book_config = config.clone();
    for (key, value) in [
        ("style", toml::Value::from(style_path.display().to_string())),
        ("locales", env.locales.display().to_string().into()),
        ("locale", style.locale.into()),
        // One locale for every work, as citeproc-js renders them.
        ("entry-language", false.into()),
    ] {
        book_config.set(format!("preprocessor.scholar.{key}"), value).map_err(|e| e.to_string())?;
    }
    let mut config = Config::from_book(root, &book_config).map_err(|e| format!("{}: {e:#}", style.name))?;
    config.cache = false;
    config.export = true;
    let outcome = process_with(&config, Output::Html, book.clone()).map_err(|e| format!("{}: {e:#}", style.name))?;
    let mut cases = Vec::new();
    for ((path, source), (_, content)) in common::chapters(book).iter().zip(common::chapters(&outcome.book)) {
        let clusters = markers::clusters(source);
        if clusters.is_empty() {
            continue;
        }
        let chapter = path.display().to_string();
        let ours = chapter::read(&content).map_err(|e| format!("{chapter} under {}: {e}", style.name))?;
        let citations = clusters
            .iter()
            .map(|cluster| {
                // What the preprocessor gives its engine as narrative.
                let narrative = cluster.narrative && !numeric && !note;
                cluster.cites.iter().map(|cite| CiteRef { narrative, ..cite.clone() }).collect()
            })
            .collect();
        let request = Request {
            style: style_path.clone(),
            locales: env.locales.clone(),
            lang: Some(style.locale.into()),
            format: scholar_citeproc::Format::Html,
            items: ours.items.clone(),
            citations,
            bibliography: true,
            registered: None,
            notes: None,
            standalone_clusters: false,
        };
        cases.push(Case { style: style.name, chapter, ours, clusters, names_ours: numeric && !note, request });
    }
    Ok(cases)
}

/// Adds one chapter's comparison to `score`, and its differences to `report`.
fn compare(case: &Case, theirs: &Response, score: &mut floor::Score, report: &mut String) {
    let ours = &case.ours;
    if ours.citations.len() != theirs.citations.len() {
        let _ = writeln!(
            report,
            "{}: {} citations in our chapter, {} markers read from it\n",
            case.chapter,
            ours.citations.len(),
            theirs.citations.len()
        );
    }
    for (n, their) in theirs.citations.iter().enumerate() {
        let mut their = canonical::canonical(their);
        // citeproc-js's composite mode marks a narrative cite with nothing
        // after its author (MLA without a page); a reader sees the author
        // alone, as pandoc prints it.
        if case.clusters[n].narrative
            && let Some(author) = their.strip_suffix(" [NO_PRINTED_FORM]")
        {
            their = author.to_string();
        }
        let our = ours.citations.get(n).map(String::as_str).unwrap_or("(missing)");
        // A narrative cite's names before the number are ours alone.
        let agree = if case.names_ours && case.clusters[n].narrative { our.ends_with(&their) } else { our == their };
        score.citations.1 += 1;
        if agree {
            score.citations.0 += 1;
        } else {
            let _ = writeln!(report, "{} citation {}\n  ours:   {our}\n  theirs: {their}\n", case.chapter, n + 1);
        }
    }
    for (n, their) in theirs.bibliography.iter().enumerate() {
        let text = canonical::canonical(&their_entry(&their.text));
        score.entries.1 += 1;
        match ours.entries.get(n) {
            Some((key, our)) if *key == their.id && *our == text => score.entries.0 += 1,
            our => {
                let (key, our) = our.map_or(("nothing", "(missing)"), |(k, t)| (k.as_str(), t.as_str()));
                let _ = writeln!(
                    report,
                    "{} entry {} (ours `{key}`, theirs `{}`)\n  ours:   {our}\n  theirs: {text}\n",
                    case.chapter,
                    n + 1,
                    their.id
                );
            }
        }
    }
    if ours.entries.len() != theirs.bibliography.len() {
        let _ = writeln!(
            report,
            "{}: {} entries in our list, {} in citeproc-js's\n",
            case.chapter,
            ours.entries.len(),
            theirs.bibliography.len()
        );
    }
}

/// citeproc-js's `second-field-align` entry as label, space, text (our
/// lists write the label apart).
fn their_entry(html: &str) -> String {
    const LEFT: &str = "<div class=\"csl-left-margin\">";
    const RIGHT: &str = "<div class=\"csl-right-inline\">";
    let trimmed = html.trim();
    if let Some((label, after)) = trimmed.strip_prefix(LEFT).and_then(|rest| rest.split_once("</div>")) {
        let body = after.trim_start();
        let body = body.strip_prefix(RIGHT).and_then(|b| b.trim_end().strip_suffix("</div>")).unwrap_or(body);
        return format!("{} {body}", label.trim());
    }
    trimmed.to_string()
}
