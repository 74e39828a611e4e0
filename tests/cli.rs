//! The real binary, as mdBook and users run it: the JSON protocol, `build`,
//! and failures that must leave stdout empty.

mod common;

use mdbook_preprocessor::book::Book;
use mdbook_scholar::config::Config;
use mdbook_scholar::{Output, process_with};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output as ProcessOutput, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-scholar");

fn run_protocol(json: &[u8]) -> ProcessOutput {
    let mut child =
        Command::new(BIN).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(json).unwrap();
    child.wait_with_output().unwrap()
}

fn protocol_input(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let (ctx, book) = common::preprocessed(dir);
    let mut value = serde_json::json!([ctx, book]);
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

#[test]
fn supports_every_renderer() {
    for renderer in ["html", "markdown", "epub", "anything"] {
        let status = Command::new(BIN).args(["supports", renderer]).status().unwrap();
        assert!(status.success(), "{renderer}");
    }
}

#[test]
fn protocol_round_trip_matches_the_library() {
    let dir = common::fixtures().join("markers");
    let input = protocol_input(&dir, |_| {});
    let output = run_protocol(&input);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let from_binary: Book = serde_json::from_slice(&output.stdout).unwrap();

    let (ctx, book) = common::preprocessed(&dir);
    let config = Config::from_book(&ctx.root, &ctx.config).unwrap();
    // mdBook's context says "markdown" here (the capture ran for that
    // renderer), so the binary wrote Markdown too.
    let in_process = process_with(&config, Output::Markdown, book).unwrap().book;
    assert_eq!(common::chapters(&from_binary), common::chapters(&in_process));
}

#[test]
fn protocol_writes_html_for_the_html_renderer() {
    let dir = common::fixtures().join("markers");
    let input = protocol_input(&dir, |v| v[0]["renderer"] = "html".into());
    let output = run_protocol(&input);
    assert!(output.status.success());
    let book: Book = serde_json::from_slice(&output.stdout).unwrap();
    let content = &common::chapters(&book)[0].1;
    assert!(content.contains("<span class=\"scholar-cite\""), "{content}");
}

#[test]
fn another_mdbook_version_is_a_warning() {
    let dir = common::fixtures().join("markers");
    let input = protocol_input(&dir, |v| v[0]["mdbook_version"] = "0.4.52".into());
    let output = run_protocol(&input);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: mdbook-scholar was built for mdBook 0.5"), "{stderr}");
    assert!(stderr.contains("called by mdBook 0.4.52"), "{stderr}");
}

/// Bad input fails with a clear message, exit 1 and nothing on stdout (so
/// mdBook reports the failure instead of using half a book).
#[test]
fn failures_leave_stdout_empty() {
    let dir = common::fixtures().join("markers");
    let cases: &[(&str, serde_json::Value, &str)] = &[
        (
            "bad key",
            serde_json::json!({"bibliography": "../shared.bib", "hoverr": true}),
            "unknown key `preprocessor.scholar.hoverr`; did you mean `hover`?",
        ),
        (
            "bad value",
            serde_json::json!({"bibliography": "../shared.bib", "hover": "yes"}),
            "`preprocessor.scholar.hover` must be true or false",
        ),
        (
            "missing file",
            serde_json::json!({"bibliography": "nowhere.bib"}),
            "cannot read the bibliography file `nowhere.bib`",
        ),
        (
            "unknown style",
            serde_json::json!({"bibliography": "../shared.bib", "style": "ieeee"}),
            "`ieeee` is not a bundled CSL style; did you mean `ieee`?",
        ),
        (
            "missing style file",
            serde_json::json!({"bibliography": "../shared.bib", "style": "nowhere.csl"}),
            "cannot read the style file `nowhere.csl`",
        ),
        (
            "unknown format",
            serde_json::json!({"bibliography": "refs.txt"}),
            "cannot tell the format of the bibliography file `refs.txt`",
        ),
        (
            "missing key as error",
            serde_json::json!({"bibliography": "../shared.bib", "on-missing": "error"}),
            "mdbook-scholar found",
        ),
    ];
    for (name, table, expected) in cases {
        let input = protocol_input(&dir, |v| {
            v[0]["config"]["preprocessor"]["scholar"] = table.clone();
        });
        let input = if *name == "missing key as error" {
            // A chapter citing an unknown key.
            let mut value: serde_json::Value = serde_json::from_slice(&input).unwrap();
            value[1]["items"][0]["Chapter"]["content"] = "[@nosuchkey]".into();
            serde_json::to_vec(&value).unwrap()
        } else {
            input
        };
        let output = run_protocol(&input);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}: stdout must stay empty");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn garbage_input_is_an_error_not_a_panic() {
    for input in [&b""[..], b"not json", b"[{}, {}]", b"\xff\xfe"] {
        let output = run_protocol(input);
        assert_eq!(output.status.code(), Some(1));
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cannot read the book mdBook sent"), "{stderr}");
    }
}

/// `build` gives the same HTML as the stock mdBook with the external
/// preprocessor; we compare what is inside `<main>` against golden pages.
#[test]
fn build_writes_the_book() {
    let dir = common::scratch("build-topics");
    common::copy_dir(&common::fixtures().join("topics"), &dir);
    std::fs::copy(common::fixtures().join("shared.bib"), dir.parent().unwrap().join("shared.bib")).unwrap();
    let output = Command::new(BIN).arg("build").arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("WARN"), "mdBook warned: {stderr}");
    for page in ["index.html", "one.html", "refs.html"] {
        let html = std::fs::read_to_string(dir.join("book").join(page)).unwrap();
        let golden = common::fixtures().join("topics/expected-html").join(page);
        common::golden(&golden, &common::main_of(&html));
    }
}

#[test]
fn help_and_unknown_commands() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("mdbook-scholar format"));
    let output = Command::new(BIN).arg("frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown command `frobnicate`"));
}
