//! Helpers the integration tests share: loading a fixture book the way
//! mdBook does, and comparing against golden files (`BLESS=1` rewrites them).

#![allow(dead_code)]

use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::book::{Book, BookItem};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The book as our preprocessor receives it from mdBook: after `links` and
/// `index`, with mdBook's own context.
pub fn preprocessed(dir: &Path) -> (PreprocessorContext, Book) {
    type Slot = Arc<Mutex<Option<(PreprocessorContext, Book)>>>;
    struct Capture(Slot);
    impl mdbook_preprocessor::Preprocessor for Capture {
        fn name(&self) -> &str {
            "scholar"
        }
        fn run(&self, ctx: &PreprocessorContext, book: Book) -> anyhow::Result<Book> {
            *self.0.lock().unwrap() = Some((ctx.clone(), book.clone()));
            Ok(book)
        }
    }
    let slot: Slot = Arc::new(Mutex::new(None));
    let mut md = mdbook_driver::MDBook::load(dir).unwrap();
    md.with_preprocessor(Capture(slot.clone()));
    md.preprocess_book(&mdbook_driver::builtin_renderers::MarkdownRenderer::new()).unwrap();
    slot.lock().unwrap().take().unwrap()
}

/// Every chapter, in reading order, as (source path, content).
pub fn chapters(book: &Book) -> Vec<(PathBuf, String)> {
    fn walk(items: &[BookItem], out: &mut Vec<(PathBuf, String)>) {
        for item in items {
            if let BookItem::Chapter(ch) = item {
                if let Some(path) = &ch.source_path {
                    out.push((path.clone(), ch.content.clone()));
                }
                walk(&ch.sub_items, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&book.items, &mut out);
    out
}

/// Compares `actual` with the golden file at `path`; with `BLESS=1` in the
/// environment, writes it instead.
pub fn golden(path: &Path, actual: &str) {
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("no golden file {}; run `BLESS=1 cargo test` to create it", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{} differs from the output (first differing line: {:?}); run `BLESS=1 cargo test` if the change is intended\n--- expected\n{}\n--- actual\n{}",
            path.display(),
            first.map(|l| l + 1),
            expected,
            actual
        );
    }
}

/// The page's `<main>` element (what mdBook's own tests compare), with our
/// stylesheet elided.
pub fn main_of(html: &str) -> String {
    let start = html.find("<main>").expect("a <main> element");
    let end = html.find("</main>").expect("a </main> element") + "</main>".len();
    elide_css(&html[start..end])
}

pub fn elide_css(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("<style>") {
        out.push_str(&rest[..i]);
        out.push_str("<style>/* scholar.css */</style>");
        match rest[i..].find("</style>") {
            Some(j) => rest = &rest[i + j + "</style>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Copies a folder (for tests that build into it).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh scratch folder under `target/`, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
