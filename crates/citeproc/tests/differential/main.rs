//! The differential test: scholar-citeproc and citeproc-js render the same
//! requests (every style of `styles.rs` over every dataset of `datasets.rs`,
//! with the clusters of `citations.rs`), and their answers are compared entry
//! by entry and citation by citation (`compare.rs`). It prints a table of the
//! agreement per style, writes the first differences of each style to
//! `target/differential/<style>.txt`, and fails when a style falls below its
//! floor in `tests/differential-floor.toml` (by more than `floor::SLACK`).
//!
//! Needs node with `tests/citeproc-js`'s packages (`npm ci` there), pandoc,
//! and Debian's `citation-style-language-styles`,
//! `citation-style-language-locales` and `texlive-bibtex-extra`; without
//! them the test says so and passes, unless `SCHOLAR_DIFFERENTIAL=required`
//! (as in CI).
//!
//! - `SCHOLAR_DIFFERENTIAL_BLESS=1` raises the floors to the current figures
//!   (never lowers one);
//! - `SCHOLAR_DIFFERENTIAL_STYLES=ieee,apa` compares only those styles.

mod citations;
mod compare;
mod datasets;
mod floor;
#[path = "../citeproc-js/harness.rs"]
mod harness;
mod markup;
mod setup;
mod styles;
mod theirs;

use compare::Tally;
use scholar_citeproc::{Request, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn scholar_citeproc_agrees_with_citeproc_js() {
    let env = match setup::Environment::find() {
        Ok(env) => env,
        Err(why) => return setup::skip(&why),
    };
    if let Err(message) = run(&env) {
        panic!("{message}");
    }
}

/// How one style did over all datasets.
#[derive(Default)]
struct Score {
    entries: Tally,
    citations: Tally,
    report: String,
}

fn run(env: &setup::Environment) -> Result<(), String> {
    let started = Instant::now();

    // 1. Styles and datasets.
    let styles = styles::selected()?;
    let style_paths = styles::assemble(&env.styles, &styles, &env.out.join("styles"))?;
    let datasets = datasets::load(env)?;

    // 2. Requests: every style over every dataset.
    let mut names = Vec::new();
    let mut requests = Vec::new();
    for dataset in &datasets {
        let ids: Vec<String> = dataset.items.iter().map(|item| id(&item["id"])).collect();
        let clusters = citations::make(dataset.name, &ids);
        for (style, path) in styles.iter().zip(&style_paths) {
            names.push(format!("{}@{}", style.name, dataset.name));
            let request = serde_json::json!({
                "style": path,
                "locales": env.locales,
                "lang": style.lang,
                "format": "html",
                "items": dataset.items,
                "citations": clusters,
                "bibliography": true,
            });
            requests.push(serde_json::from_value::<Request>(request).map_err(|e| e.to_string())?);
        }
    }

    // 3. Both engines: citeproc-js in node processes while ours runs here.
    let ((theirs, their_time), (ours, our_time)) = std::thread::scope(|scope| {
        let theirs = scope.spawn(|| {
            let start = Instant::now();
            (theirs::render(env, &names, &requests), start.elapsed())
        });
        let ours = render_ours(&requests);
        (theirs.join().expect("the citeproc-js thread panicked"), ours)
    });
    let theirs = theirs?;

    // 4. Compare, per style over all datasets.
    let mut scores: BTreeMap<&str, Score> = BTreeMap::new();
    let mut harness_errors = Vec::new();
    for ((name, ours), theirs) in names.iter().zip(&ours).zip(&theirs) {
        let (style, dataset) = name.split_once('@').unwrap();
        let score = scores.entry(styles.iter().find(|s| s.name == style).unwrap().name).or_default();
        let theirs = match theirs {
            Ok(theirs) => theirs,
            Err(message) => {
                harness_errors.push(format!("citeproc-js failed on {name}: {message}"));
                continue;
            }
        };
        let outcome = compare::compare(ours, theirs);
        score.entries.add(outcome.entries);
        score.citations.add(outcome.citations);
        let _ = writeln!(
            score.report,
            "=== {dataset}: entries {}/{}, citations {}/{} ===\n\n{}",
            outcome.entries.agree,
            outcome.entries.total,
            outcome.citations.agree,
            outcome.citations.total,
            outcome.report
        );
    }
    for (style, score) in &scores {
        let path = env.out.join(format!("{style}.txt"));
        let header =
            format!("{style}: the first differences per dataset (ours, then citeproc-js's), after normalization\n\n");
        std::fs::write(&path, header + &score.report).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }

    // 5. The table.
    let table = table(&scores, env, their_time, our_time, started.elapsed());
    let _ = std::io::stderr().write_all(table.as_bytes());
    let _ = std::fs::write(env.out.join("summary.txt"), &table);
    if !harness_errors.is_empty() {
        return Err(harness_errors.join("\n"));
    }

    // 6. Floors.
    check_floors(&scores)
}

/// Our engine over every request; a panic is an error of that request.
fn render_ours(requests: &[Request]) -> (Vec<Result<Response, String>>, Duration) {
    let start = Instant::now();
    // Panics of this thread are recorded, not printed: a failing engine is
    // the normal state while it grows, and its messages go to the reports.
    let here = std::thread::current().id();
    let last_panic = Arc::new(Mutex::new(String::new()));
    let previous = Arc::new(std::panic::take_hook());
    {
        let last_panic = Arc::clone(&last_panic);
        let previous = Arc::clone(&previous);
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() == here {
                *last_panic.lock().unwrap() = info.to_string();
            } else {
                previous(info);
            }
        }));
    }
    let answers = requests
        .iter()
        .map(|request| {
            std::panic::catch_unwind(AssertUnwindSafe(|| scholar_citeproc::render_request(request)))
                .unwrap_or_else(|_| Err(format!("panicked: {}", last_panic.lock().unwrap())))
        })
        .collect();
    let _ = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| previous(info)));
    (answers, start.elapsed())
}

fn table(
    scores: &BTreeMap<&str, Score>,
    env: &setup::Environment,
    theirs: Duration,
    ours: Duration,
    all: Duration,
) -> String {
    let width = scores.keys().map(|s| s.len()).max().unwrap_or(5).max(5);
    let mut out = String::new();
    let _ = writeln!(out, "\nscholar-citeproc against citeproc-js (agreeing / compared):\n");
    let _ = writeln!(out, "{:width$}  {:>20}  {:>20}", "style", "entries", "citations");
    let mut entries = Tally::default();
    let mut citations = Tally::default();
    let row = |out: &mut String, name: &str, e: Tally, c: Tally| {
        let _ = writeln!(
            out,
            "{name:width$}  {:>12} {:>6.1}%  {:>12} {:>6.1}%",
            format!("{}/{}", e.agree, e.total),
            e.percent(),
            format!("{}/{}", c.agree, c.total),
            c.percent()
        );
    };
    for (style, score) in scores {
        row(&mut out, style, score.entries, score.citations);
        entries.add(score.entries);
        citations.add(score.citations);
    }
    row(&mut out, "all", entries, citations);
    let _ = writeln!(
        out,
        "\nfirst differences of each style: {}/<style>.txt\ntime: citeproc-js {:.1} s (cached answers are reused), scholar-citeproc {:.1} s, all {:.1} s\n",
        env.out.display(),
        theirs.as_secs_f64(),
        ours.as_secs_f64(),
        all.as_secs_f64()
    );
    out
}

/// Fails when a style is below its floor; raises the floors when blessing;
/// says how to raise them when a style is above.
fn check_floors(scores: &BTreeMap<&str, Score>) -> Result<(), String> {
    let mut floors = floor::read()?;
    let mut below = Vec::new();
    let mut above = Vec::new();
    for (style, score) in scores {
        let now = floor::Floor {
            entries: floor::down(score.entries.percent()),
            citations: floor::down(score.citations.percent()),
        };
        let old = floors.get(*style).copied().unwrap_or_default();
        let lowest = |f: f64| f - floor::SLACK - 1e-9;
        if now.entries < lowest(old.entries) || now.citations < lowest(old.citations) {
            below.push(format!(
                "{style}: entries {:.1}% (floor {:.1}%), citations {:.1}% (floor {:.1}%)",
                now.entries, old.entries, now.citations, old.citations
            ));
        } else if now.entries > old.entries || now.citations > old.citations {
            above.push(*style);
        }
        if std::env::var_os("SCHOLAR_DIFFERENTIAL_BLESS").is_some() {
            let raised =
                floor::Floor { entries: old.entries.max(now.entries), citations: old.citations.max(now.citations) };
            floors.insert(style.to_string(), raised);
        }
    }
    if std::env::var_os("SCHOLAR_DIFFERENTIAL_BLESS").is_some() {
        floor::write(&floors)?;
        let _ = writeln!(std::io::stderr(), "raised the floors in {}", floor::path().display());
    } else if !above.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "{} styles are above their floor ({}): raise the floors with\n  {}\n",
            above.len(),
            above.join(", "),
            floor::BLESS
        );
    }
    if below.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "styles fell more than {:.1} point below their floor in {}:\n  {}",
            floor::SLACK,
            floor::path().display(),
            below.join("\n  ")
        ))
    }
}

fn id(value: &serde_json::Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}
