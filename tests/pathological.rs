//! Pathological sizes finish without overflowing the stack and lose
//! nothing: 100,000 nested brackets, 500,000 `@`, a chapter with 100,000
//! citations, a 100,000-entry bibliography. (That they take linear time is
//! measured by `cargo bench --bench scholar -- --pathological`, not here.)

mod common;

use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_scholar::config::Config;
use mdbook_scholar::{Output, process_with};
use std::fmt::Write as _;

fn config(bibliography: Option<&std::path::Path>) -> Config {
    let (ctx, _) = common::preprocessed(&common::fixtures().join("markers"));
    let mut config = Config::from_book(&ctx.root, &ctx.config).unwrap();
    config.cache = false;
    if let Some(path) = bibliography {
        config.bibliography =
            vec![mdbook_scholar::config::BibFile { path: path.to_path_buf(), shown: "big.bib".into() }];
    }
    config
}

/// The chapter after the preprocessor, and what it said.
fn run(config: &Config, content: String) -> (String, Vec<String>) {
    let mut book = Book::new();
    book.push_item(BookItem::Chapter(Chapter::new("Big", content, "big.md", Vec::new())));
    let mut outcome = process_with(config, Output::Html, book).unwrap();
    let mut out = String::new();
    outcome.book.for_each_chapter_mut(|chapter| out = std::mem::take(&mut chapter.content));
    (out, outcome.diagnostics.iter().map(|d| d.to_string()).collect())
}

/// Runs `f` on a thread with a small stack (the main thread's is 8 MiB, a
/// test thread's 2 MiB): depth must not come from the input.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(1 << 20).spawn(f).unwrap().join().unwrap()
}

#[test]
fn nested_brackets_and_a_sea_of_at_signs() {
    let config = config(None);
    small_stack(move || {
        let nested = format!("{}@lamport1978time{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let (out, _) = run(&config, nested.clone());
        // The innermost brackets are the citation; every other byte stays.
        assert!(out.starts_with(&"[".repeat(99_999)), "outer brackets lost");
        assert_eq!(out.matches("class=\"scholar-cite\"").count(), 1);

        // Deep block structure: quotes and lists 10,000 levels down.
        let quotes = format!("{}[@lamport1978time]\n\n", "> ".repeat(10_000));
        let lists: String = (0..10_000).map(|i| format!("{}- [@knuth1984texbook]\n", "  ".repeat(i))).collect();
        let (out, _) = run(&config, format!("{quotes}{lists}"));
        assert!(out.starts_with(&"> ".repeat(10_000)));

        let ats = format!("{}\n\n{}\n", "@".repeat(500_000), "@ ".repeat(250_000));
        let (out, _) = run(&config, ats.clone());
        assert_eq!(out, ats);
    });
}

#[test]
fn a_chapter_with_100000_citations() {
    let config = config(None);
    let keys = ["lamport1978time", "knuth1984texbook", "vaswani2017attention"];
    let mut text = String::new();
    for i in 0..100_000 {
        let _ = write!(text, "[@{}] ", keys[i % 3]);
        if i % 50 == 49 {
            text.push_str("\n\n");
        }
    }
    let (out, diagnostics) = small_stack(move || run(&config, text));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(out.matches("<span class=\"scholar-cite\"").count(), 100_000);
    assert!(out.contains("id=\"scholar-cite-big-100000\""));
    assert_eq!(out.matches("class=\"scholar-entry\"").count(), 3);
}

#[test]
fn a_bibliography_of_100000_entries() {
    let dir = common::scratch("pathological-big-bib");
    let path = dir.join("big.bib");
    let mut bib = String::from("@string{j = {Journal of Large Files}}\n");
    for i in 0..100_000 {
        let _ = writeln!(
            bib,
            "@article{{w{i}, author = {{Author{}, Ann and Other, Bob}}, title = {{Work {i}}}, journal = j, year = {}}}",
            i % 977,
            1950 + i % 75
        );
    }
    // One broken entry in the middle loses nothing else.
    bib.push_str("@article{broken, title = {Unclosed}\n@article{after, title = {After}, year = 2000}\n");
    std::fs::write(&path, bib).unwrap();
    let config = config(Some(&path));
    let (out, diagnostics) = run(&config, "Cites [@w0; @w99999] and [@after] and [@w50000].\n".into());
    assert_eq!(out.matches("class=\"scholar-entry\"").count(), 4, "{diagnostics:?}");
    assert!(out.contains("Work 99999") && out.contains("After"));
    assert!(diagnostics.iter().any(|d| d.contains("big.bib:100002:")), "{diagnostics:?}");
}
