//! Runs the CSL test suite's fixtures through [`scholar_citeproc::render_request`]
//! and counts how many give their `RESULT`. A development tool, not part of
//! CI: the fixtures are not in this repository.
//!
//! ```sh
//! cargo run -p scholar-citeproc --example test_suite -- /tmp/csl-test-suite/processor-tests/humans
//! cargo run -p scholar-citeproc --example test_suite -- DIR --locales DIR name_ disambiguate_
//! cargo run -p scholar-citeproc --example test_suite -- DIR --citeproc-js
//! ```
//!
//! Arguments after the folder keep only the fixtures whose file name contains
//! one of them. Locales come from Debian's `citation-style-language-locales`
//! unless `--locales` names a folder. `--citeproc-js` renders the same
//! requests with `tests/citeproc-js/render.js` instead: a check of how this
//! runner reads the fixtures, and the baseline to measure against. It prints `N passed, N failed, N
//! skipped` and writes, under `target/test-suite/`, `failed.txt` (names),
//! `failures.txt` (expected and actual) and `skipped.txt` (with the reason).
//!
//! How a fixture becomes a request (as citeproc-js's test runner does it):
//! - every item is registered in input order (`registered`), unless
//!   `CITATIONS` or `BIBENTRIES` say otherwise;
//! - `CITATION-ITEMS`: each cluster on its own (`standalone-clusters`);
//! - `CITATIONS`: the clusters in the order the last call leaves them, with
//!   their note numbers (`notes`), the cited items registered in order of
//!   first citation (`registered`); the result's `>>[i]` and `..[i]` markers
//!   (which clusters the last call changed) are not compared, only `[i]`;
//! - neither, in citation mode: one cluster of every item, in the order of
//!   the bibliography that a first rendering gives (citeproc-js cites its
//!   registry in order);
//! - `BIBENTRIES`: its last list is registered;
//! - bibliography mode: the `csl-bib-body` and `csl-entry` divs are put
//!   around the entries; whitespace next to a div and the spelling of
//!   character references are not compared (`tests/differential/markup.rs`).
//!
//! Fixtures that need what the protocol cannot say are skipped: `BIBSECTION`,
//! `OPTIONS`, `ABBREVIATIONS`, `LANGPARAMS`, `MULTIAFFIX`, `INPUT2`, modes
//! other than plain `citation` and `bibliography`, and cites with an explicit
//! `position` or `near-note`.

#[path = "../tests/differential/markup.rs"]
mod markup;

use scholar_citeproc::{CiteRef, Request, Response, render_request};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What the command line asks for.
struct Args {
    fixtures: PathBuf,
    locales: Option<PathBuf>,
    /// Renders with citeproc-js (`tests/citeproc-js/render.js`) instead: a
    /// check of this runner's reading of the fixtures, and a baseline.
    citeproc_js: bool,
    filters: Vec<String>,
}

fn run() -> Result<(), String> {
    // 1. Arguments, folders.
    let args = parse_args()?;
    let locales = match args.locales {
        Some(locales) => locales,
        None => debian_locales()?,
    };
    let out = target_dir()?.join("test-suite");
    let styles = out.join("styles");
    std::fs::create_dir_all(&styles).map_err(|e| format!("cannot create `{}`: {e}", styles.display()))?;

    // 2. The fixtures, in name order, each as a job or as why it is skipped.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.fixtures)
        .map_err(|e| format!("cannot list `{}`: {e}", args.fixtures.display()))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            args.filters.is_empty() || args.filters.iter().any(|f| name.contains(f.as_str()))
        })
        .collect();
    files.sort();
    let mut jobs = Vec::new();
    let mut skipped = String::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let job = Fixture::parse(&text).and_then(|fixture| {
            let style = styles.join(format!("{name}.csl"));
            std::fs::write(&style, &fixture.csl).map_err(|e| format!("cannot write `{}`: {e}", style.display()))?;
            fixture.job(style, &locales)
        });
        match job {
            Ok(job) => jobs.push((name, job)),
            Err(reason) => {
                let _ = writeln!(skipped, "{name}: {reason}");
            }
        }
    }

    // 3. Render; a fixture that cites every item cites them in the order of
    //    the bibliography, which a first rendering gives.
    let render = |requests: Vec<Request>| if args.citeproc_js { citeproc_js(&requests) } else { Ok(ours(&requests)) };
    let probes: Vec<usize> = (0..jobs.len()).filter(|&i| jobs[i].1.cites_in_bibliography_order).collect();
    let probe_requests =
        probes.iter().map(|&i| Request { bibliography: true, citations: Vec::new(), ..jobs[i].1.request.clone() });
    for (i, probe) in probes.iter().zip(render(probe_requests.collect())?) {
        if let Ok(probe) = probe {
            let cluster = &mut jobs[*i].1.request.citations[0];
            cluster.sort_by_key(|cite| probe.bibliography.iter().position(|e| e.id == cite.id).unwrap_or(usize::MAX));
        }
    }
    let responses = render(jobs.iter().map(|(_, job)| job.request.clone()).collect())?;

    // 4. Compare.
    let mut passed = 0;
    let mut failed = String::new();
    let mut failures = String::new();
    for ((name, job), response) in jobs.iter().zip(responses) {
        let actual = match response {
            Ok(response) => job.kind.output(&response),
            Err(message) => format!("(error: {message})"),
        };
        let (expected, actual) = (job.kind.comparable(&job.expected), job.kind.comparable(&actual));
        if expected == actual {
            passed += 1;
        } else {
            let _ = writeln!(failed, "{name}");
            let _ = writeln!(failures, "=== {name}\n--- expected\n{expected}\n--- actual\n{actual}\n");
        }
    }

    // 5. Summary and files.
    for (file, text) in [("failed.txt", &failed), ("failures.txt", &failures), ("skipped.txt", &skipped)] {
        let path = out.join(file);
        std::fs::write(&path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    let engine = if args.citeproc_js { "citeproc-js" } else { "scholar-citeproc" };
    println!(
        "{engine}: {passed} passed, {} failed, {} skipped (of {} fixtures)",
        jobs.len() - passed,
        skipped.lines().count(),
        files.len()
    );
    println!("failing names: {}", out.join("failed.txt").display());
    println!("expected and actual: {}", out.join("failures.txt").display());
    println!("skipped, with the reason: {}", out.join("skipped.txt").display());
    Ok(())
}

/// Every request through our engine; a panic is an error of its request.
fn ours(requests: &[Request]) -> Vec<Result<Response, String>> {
    std::panic::set_hook(Box::new(|_| {}));
    let responses = requests
        .iter()
        .map(|request| {
            std::panic::catch_unwind(AssertUnwindSafe(|| render_request(request)))
                .unwrap_or_else(|payload| Err(format!("panicked: {}", panic_message(&payload))))
        })
        .collect();
    let _ = std::panic::take_hook();
    responses
}

/// Every request through one `node render.js --batch`.
fn citeproc_js(requests: &[Request]) -> Result<Vec<Result<Response, String>>, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/citeproc-js/render.js");
    let mut child = std::process::Command::new("node")
        .arg(&script)
        .arg("--batch")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let mut input = String::new();
    for request in requests {
        input += &serde_json::to_string(request).map_err(|e| e.to_string())?;
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    let answers: Vec<Result<Response, String>> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let answer: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
            match answer.get("ok") {
                Some(ok) => serde_json::from_value(ok.clone()).map_err(|e| e.to_string()),
                None => Err(answer["error"].as_str().unwrap_or("no answer").to_string()),
            }
        })
        .collect();
    if answers.len() != requests.len() {
        return Err(format!("render.js answered {} of {} requests", answers.len(), requests.len()));
    }
    Ok(answers)
}

fn parse_args() -> Result<Args, String> {
    const USAGE: &str = "usage: test_suite FIXTURES_DIR [--locales DIR] [--citeproc-js] [NAME_FILTER...]";
    let mut args = std::env::args().skip(1);
    let mut fixtures = None;
    let mut locales = None;
    let mut citeproc_js = false;
    let mut filters = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--locales" => locales = Some(PathBuf::from(args.next().ok_or(USAGE)?)),
            "--citeproc-js" => citeproc_js = true,
            "-h" | "--help" => return Err(USAGE.into()),
            _ if fixtures.is_none() => fixtures = Some(PathBuf::from(arg)),
            _ => filters.push(arg),
        }
    }
    Ok(Args { fixtures: fixtures.ok_or(USAGE)?, locales, citeproc_js, filters })
}

/// Debian's locales folder, found through `dpkg -L`.
fn debian_locales() -> Result<PathBuf, String> {
    let hint = "no locales: install Debian's `citation-style-language-locales` or pass `--locales DIR`";
    let output = std::process::Command::new("dpkg")
        .args(["-L", "citation-style-language-locales"])
        .output()
        .map_err(|_| hint)?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find(|line| line.ends_with("/locales-en-US.xml"))
        .and_then(|line| Path::new(line).parent().map(Path::to_path_buf))
        .ok_or_else(|| hint.to_string())
}

/// The target dir this example was built in (`target/debug/examples/test_suite`).
fn target_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    exe.ancestors().nth(3).map(Path::to_path_buf).ok_or_else(|| format!("`{}` is not in a target dir", exe.display()))
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A fixture's sections.
struct Fixture {
    mode: String,
    result: String,
    csl: String,
    sections: BTreeMap<String, String>,
}

/// Sections that change nothing in the output.
const IGNORED: &[&str] = &["VERSION", "DESCRIPTION"];
/// Sections the protocol has a way to say.
const UNDERSTOOD: &[&str] = &["MODE", "RESULT", "CSL", "INPUT", "CITATION-ITEMS", "CITATIONS", "BIBENTRIES"];

/// What the output of a fixture is made of.
enum Kind {
    /// Clusters on their own, one a line.
    Standalone,
    /// Clusters of a document, one a line as `[i] text`.
    Document,
    /// The bibliography in its `csl-bib-body`.
    Bibliography,
}

/// A request, how to read its answer, and what it should be.
struct Job {
    request: Request,
    kind: Kind,
    expected: String,
    /// Cites every item, in the order of the bibliography (citeproc-js's
    /// test runner cites its registry in order).
    cites_in_bibliography_order: bool,
}

impl Fixture {
    /// The sections between `>>===== NAME =====>>` and `<<===== NAME =====<<`.
    fn parse(text: &str) -> Result<Fixture, String> {
        let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
        let mut sections = BTreeMap::new();
        let mut open: Option<(String, Vec<&str>)> = None;
        for line in text.lines() {
            let marker = |start: &str, end: &str| {
                let inner = line.trim().strip_prefix(start)?.strip_suffix(end)?;
                Some(inner.trim_matches('=').trim().to_string())
            };
            if let Some(name) = marker(">>", ">>").filter(|_| open.is_none()) {
                open = Some((name, Vec::new()));
            } else if let Some(name) = marker("<<", "<<") {
                match open.take() {
                    Some((opened, lines)) if opened == name => {
                        sections.insert(name, lines.join("\n"));
                    }
                    _ => return Err(format!("section `{name}` closes what it did not open")),
                }
            } else if let Some((_, lines)) = open.as_mut() {
                lines.push(line);
            }
        }
        let mut take = |name: &str| sections.remove(name).ok_or(format!("no {name} section"));
        Ok(Fixture { mode: take("MODE")?.trim().to_string(), result: take("RESULT")?, csl: take("CSL")?, sections })
    }

    fn json(&self, name: &str) -> Result<Option<Value>, String> {
        self.sections.get(name).map(|text| serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))).transpose()
    }

    /// The request this fixture makes, or why the protocol cannot make it.
    fn job(&self, style: PathBuf, locales: &Path) -> Result<Job, String> {
        if let Some(name) =
            self.sections.keys().find(|s| !IGNORED.contains(&s.as_str()) && !UNDERSTOOD.contains(&s.as_str()))
        {
            return Err(format!("needs {name}"));
        }
        let bibliography = match self.mode.as_str() {
            "citation" => false,
            "bibliography" => true,
            other => return Err(format!("mode `{other}`")),
        };
        let mut items = self.json("INPUT")?.unwrap_or(json!([]));
        // A few fixtures leave out the id of their only item.
        for (i, item) in items.as_array_mut().into_iter().flatten().enumerate() {
            if item.get("id").is_none_or(Value::is_null) {
                item["id"] = json!(format!("item-{}", i + 1));
            }
        }
        let all_ids: Vec<String> = items.as_array().into_iter().flatten().map(|item| id(&item["id"])).collect();
        let mut request = json!({
            "style": style,
            "locales": locales,
            "format": "html",
            "items": items,
            "bibliography": bibliography,
        });
        let mut unique_ids: Vec<&String> = Vec::new();
        for id in &all_ids {
            if !unique_ids.contains(&id) {
                unique_ids.push(id);
            }
        }
        // citeproc-js's runner registers every item in input order, unless
        // CITATIONS or BIBENTRIES say otherwise below.
        request["registered"] = json!(unique_ids);
        let mut kind = if bibliography { Kind::Bibliography } else { Kind::Standalone };
        let mut cites_in_bibliography_order = false;
        if let Some(citations) = self.json("CITATIONS")? {
            let (clusters, notes) = document(&citations)?;
            let mut registered: Vec<String> = Vec::new();
            for cite in clusters.iter().flatten() {
                if !registered.contains(&cite.id) {
                    registered.push(cite.id.clone());
                }
            }
            request["citations"] = json!(clusters);
            request["notes"] = json!(notes);
            request["registered"] = json!(registered);
            if !bibliography {
                kind = Kind::Document;
            }
        } else if let Some(items) = self.json("CITATION-ITEMS")? {
            let clusters: Vec<Vec<CiteRef>> = items
                .as_array()
                .ok_or("CITATION-ITEMS is not a list")?
                .iter()
                .map(cluster)
                .collect::<Result<_, _>>()?;
            request["citations"] = json!(clusters);
            request["standalone-clusters"] = json!(true);
        } else if !bibliography {
            request["citations"] = json!([unique_ids.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>()]);
            request["standalone-clusters"] = json!(true);
            cites_in_bibliography_order = true;
        }
        if let Some(lists) = self.json("BIBENTRIES")? {
            request["registered"] = lists.as_array().and_then(|l| l.last()).cloned().ok_or("BIBENTRIES is empty")?;
        }
        let request = serde_json::from_value(request).map_err(|e| format!("request: {e}"))?;
        Ok(Job { request, kind, expected: self.result.clone(), cites_in_bibliography_order })
    }
}

/// The clusters of `CITATIONS` in the order the last call leaves them, and
/// their note numbers.
fn document(calls: &Value) -> Result<(Vec<Vec<CiteRef>>, Vec<u32>), String> {
    let mut clusters: HashMap<String, Vec<CiteRef>> = HashMap::new();
    let mut notes: HashMap<String, u32> = HashMap::new();
    let mut order = Vec::new();
    for call in calls.as_array().ok_or("CITATIONS is not a list")? {
        let [citation, before, after] = call.as_array().map(Vec::as_slice).unwrap_or_default() else {
            return Err("a CITATIONS call is not [citation, before, after]".into());
        };
        let citation_id = id(&citation["citationID"]);
        clusters.insert(citation_id.clone(), cluster(&citation["citationItems"])?);
        notes.insert(citation_id.clone(), citation["properties"]["noteIndex"].as_u64().unwrap_or(0) as u32);
        order.clear();
        for (i, neighbour) in
            before.as_array().into_iter().flatten().chain(after.as_array().into_iter().flatten()).enumerate()
        {
            let neighbour_id = id(&neighbour[0]);
            notes.insert(neighbour_id.clone(), neighbour[1].as_u64().unwrap_or(0) as u32);
            if i == before.as_array().map_or(0, Vec::len) {
                order.push(citation_id.clone());
            }
            order.push(neighbour_id);
        }
        if !order.contains(&citation_id) {
            order.push(citation_id);
        }
    }
    let mut out = (Vec::new(), Vec::new());
    for citation_id in order {
        out.0.push(clusters.get(&citation_id).cloned().ok_or(format!("CITATIONS names unknown `{citation_id}`"))?);
        out.1.push(notes[&citation_id]);
    }
    Ok(out)
}

/// One cluster of cites, in the fixture's JSON.
fn cluster(cites: &Value) -> Result<Vec<CiteRef>, String> {
    let cites = cites.as_array().ok_or("a cluster is not a list")?;
    cites
        .iter()
        .map(|cite| {
            for key in cite.as_object().into_iter().flat_map(|o| o.keys()) {
                if !["id", "locator", "label", "prefix", "suffix", "suppress-author", "author-only"]
                    .contains(&key.as_str())
                {
                    return Err(format!("a cite has `{key}`"));
                }
            }
            let text = |key: &str| cite.get(key).filter(|v| !v.is_null()).map(id);
            Ok(CiteRef {
                id: id(&cite["id"]),
                locator: text("locator"),
                label: text("label"),
                prefix: text("prefix"),
                suffix: text("suffix"),
                suppress_author: cite["suppress-author"].as_bool().unwrap_or(false),
                author_only: cite["author-only"].as_bool().unwrap_or(false),
                narrative: false,
            })
        })
        .collect()
}

impl Kind {
    /// The answer as citeproc-js's test runner prints it.
    fn output(&self, response: &Response) -> String {
        match self {
            Kind::Standalone => response.citations.join("\n"),
            Kind::Document => {
                response.citations.iter().enumerate().map(|(i, c)| format!("[{i}] {c}")).collect::<Vec<_>>().join("\n")
            }
            Kind::Bibliography => {
                let mut out = String::from("<div class=\"csl-bib-body\">\n");
                for entry in &response.bibliography {
                    let _ = writeln!(out, "  <div class=\"csl-entry\">{}</div>", entry.text);
                }
                out + "</div>"
            }
        }
    }

    /// What is compared: canonical markup; a document's lines without their
    /// `>>`/`..` markers.
    fn comparable(&self, text: &str) -> String {
        let line = |line: &str| match self {
            Kind::Document => markup::canonical(line.trim_start_matches(">>").trim_start_matches("..")),
            _ => markup::canonical(line),
        };
        match self {
            Kind::Bibliography => markup::canonical(text),
            _ => text.trim().lines().map(line).collect::<Vec<_>>().join("\n"),
        }
    }
}

fn id(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}
