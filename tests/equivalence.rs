//! The shortcuts change nothing: output is the same with and without the
//! cache (cold, warm, after edits to a chapter, the bibliography or the
//! style), and with one thread or many.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-scholar");

/// A book of `chapters` chapters citing works of a generated .bib with many
/// same-author, same-year works (so author-date styles must disambiguate).
fn write_book(dir: &Path, chapters: usize, style: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let mut bib = String::new();
    let families = ["Smith", "Jones", "Chen", "Garcia"];
    for i in 0..80 {
        let family = families[i % families.len()];
        let year = 2000 + (i / 8) % 3;
        let _ = writeln!(
            bib,
            "@article{{w{i}, author = {{{family}, Ann and Other, Bob}}, title = {{Work Number {i}}}, journal = {{Journal {}}}, year = {year}, volume = {}, pages = {{{}--{}}}}}",
            i % 5,
            i + 1,
            i * 10,
            i * 10 + 9
        );
    }
    // A broken entry (a comma missing), cited below with an unknown key.
    bib.push_str("@article{broken, author = {Broken, Bea} title = {No Comma}, year = 2001}\n");
    std::fs::write(dir.join("refs.bib"), bib).unwrap();
    std::fs::write(
        dir.join("book.toml"),
        format!("[book]\ntitle = \"Equivalence\"\n[preprocessor.scholar]\nbibliography = \"refs.bib\"\nstyle = \"{style}\"\nafter = [\"links\", \"index\"]\n"),
    )
    .unwrap();
    let mut summary = String::from("# Summary\n\n");
    for c in 0..chapters {
        let _ = writeln!(summary, "- [Chapter {c}](c{c}.md)");
        let mut text = format!("# Chapter {c}\n\n");
        for n in 0..12 {
            let a = (c * 7 + n * 5) % 80;
            let b = (c * 3 + n * 11) % 80;
            let _ = match n % 4 {
                0 => writeln!(text, "Single [@w{a}].\n"),
                1 => writeln!(text, "Several [@w{a}; @w{b}, p. {n}].\n"),
                2 => writeln!(text, "Narrative @w{a} and suppressed [-@w{b}].\n"),
                _ => writeln!(text, "With prefix [see @w{a}, chap. 2; also @w{b}].\n"),
            };
        }
        if c % 5 == 3 {
            let _ = writeln!(text, "An unknown key [@w{a}x] and a broken entry [@broken].\n", a = c);
        }
        std::fs::write(dir.join(format!("src/c{c}.md")), text).unwrap();
    }
    std::fs::write(dir.join("src/SUMMARY.md"), summary).unwrap();
}

fn run(input: &[u8], env: &[(&str, &str)]) -> Vec<u8> {
    run_both(input, env).0
}

/// Standard output and standard error.
fn run_both(input: &[u8], env: &[(&str, &str)]) -> (Vec<u8>, String) {
    use std::io::Write;
    let mut command = Command::new(BIN);
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (output.stdout, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn input(dir: &Path, cache: bool) -> Vec<u8> {
    let (ctx, book) = common::preprocessed(dir);
    let mut value = serde_json::json!([ctx, book]);
    value[0]["renderer"] = "html".into();
    value[0]["config"]["preprocessor"]["scholar"]["cache"] = cache.into();
    serde_json::to_vec(&value).unwrap()
}

#[test]
fn cache_and_threads_change_nothing() {
    for style in ["ieee", "apa", "chicago-author-date"] {
        let dir = common::scratch(&format!("equivalence-{style}"));
        write_book(&dir, 24, style);
        let (reference, said) = run_both(&input(&dir, false), &[]);
        assert!(said.contains("unknown citation key `w3x`") && said.contains("entry `broken` is skipped"), "{said}");
        let cached = input(&dir, true);
        assert_eq!(run_both(&cached, &[]), (reference.clone(), said.clone()), "{style}: cold run with the cache");
        assert!(dir.join(".scholar-cache/html").read_dir().unwrap().count() > 0, "{style}: nothing cached");
        // Warm: every chapter from the cache, and the same diagnostics.
        assert_eq!(run_both(&cached, &[]), (reference.clone(), said), "{style}: warm run");
        assert_eq!(run(&cached, &[("RAYON_NUM_THREADS", "1")]), reference, "{style}: one thread");
        assert_eq!(run(&input(&dir, false), &[("RAYON_NUM_THREADS", "3")]), reference, "{style}: three threads");

        // Edit a chapter: the warm build equals a build without cache.
        let chapter = dir.join("src/c5.md");
        let text = std::fs::read_to_string(&chapter).unwrap();
        std::fs::write(&chapter, text.replace("Single [@w", "Edited, single [@w")).unwrap();
        assert_eq!(run(&input(&dir, true), &[]), run(&input(&dir, false), &[]), "{style}: after editing a chapter");

        // Edit an entry: every chapter citing it changes, none is stale.
        let bib = dir.join("refs.bib");
        let text = std::fs::read_to_string(&bib).unwrap();
        std::fs::write(&bib, text.replace("Work Number 7}", "Work Number Seven}")).unwrap();
        let warm = run(&input(&dir, true), &[]);
        assert!(String::from_utf8_lossy(&warm).contains("Work Number Seven"), "{style}: the edited title is missing");
        assert_eq!(warm, run(&input(&dir, false), &[]), "{style}: after editing the bibliography");
    }
}

/// A chapter showing the whole book (topic table, book-wide list) reads
/// every page: cached pages come back as text, not left in the cache.
#[test]
fn whole_book_chapters_see_cached_pages() {
    let dir = common::scratch("equivalence-whole-book");
    write_book(&dir, 10, "ieee");
    let summary = std::fs::read_to_string(dir.join("src/SUMMARY.md")).unwrap();
    std::fs::write(
        dir.join("src/SUMMARY.md"),
        summary.replace("# Summary\n\n", "# Summary\n\n[Introduction](intro.md)\n\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/intro.md"),
        "# Introduction\n\n{{#topics}}\n\n## All works\n\n{{#bibliography book}}\n",
    )
    .unwrap();
    let reference = run(&input(&dir, false), &[]);
    assert!(String::from_utf8_lossy(&reference).contains("scholar-topics"));
    let cached = input(&dir, true);
    assert_eq!(run(&cached, &[]), reference, "cold run with the cache");
    assert_eq!(run(&cached, &[]), reference, "warm run");
    let chapter = dir.join("src/c2.md");
    let text = std::fs::read_to_string(&chapter).unwrap();
    std::fs::write(&chapter, text.replace("## ", "## Edited ").replace("Single [@w", "Edited [@w")).unwrap();
    assert_eq!(run(&input(&dir, true), &[]), run(&input(&dir, false), &[]), "after editing a chapter");
}

/// Regression (issue 13): a chapter with `{{#nocite *}}` depends on every
/// entry of the library: an entry added or edited shows in the warm build.
#[test]
fn nocite_all_chapters_follow_the_library_through_the_cache() {
    let dir = common::scratch("equivalence-nocite-all");
    write_book(&dir, 4, "ieee");
    let chapter = dir.join("src/c1.md");
    let text = std::fs::read_to_string(&chapter).unwrap();
    std::fs::write(&chapter, format!("{text}\n{{{{#nocite *}}}}\n")).unwrap();
    let cold = run(&input(&dir, true), &[]);
    assert_eq!(cold, run(&input(&dir, false), &[]), "cold run with the cache");
    let cold = String::from_utf8_lossy(&cold).into_owned();
    assert!(cold.contains("Work Number 79"), "an uncited work is missing from `{{{{#nocite *}}}}`'s list");
    let bib = dir.join("refs.bib");
    let mut text = std::fs::read_to_string(&bib).unwrap();
    text.push_str("@book{added, author = {Added, Ada}, title = {A Work Added Later}, year = 2024}\n");
    std::fs::write(&bib, text.replace("Work Number 78}", "Work Number Seventy-Eight}")).unwrap();
    let warm = run(&input(&dir, true), &[]);
    let shown = String::from_utf8_lossy(&warm);
    assert!(shown.contains("A Work Added Later"), "the added entry is missing after a warm build");
    assert!(shown.contains("Work Number Seventy-Eight"), "the edited entry is stale after a warm build");
    assert_eq!(warm, run(&input(&dir, false), &[]), "after editing the bibliography");
}

#[test]
fn changing_the_style_invalidates_the_cache() {
    let dir = common::scratch("equivalence-style-change");
    write_book(&dir, 6, "ieee");
    let ieee = run(&input(&dir, true), &[]);
    let toml = std::fs::read_to_string(dir.join("book.toml")).unwrap();
    std::fs::write(dir.join("book.toml"), toml.replace("ieee", "apa")).unwrap();
    let apa = run(&input(&dir, true), &[]);
    assert_ne!(ieee, apa);
    assert_eq!(apa, run(&input(&dir, false), &[]));
}

#[test]
fn editing_a_users_locale_file_invalidates_the_cache() {
    let dir = common::scratch("equivalence-locale-change");
    write_book(&dir, 6, "ieee");
    std::fs::create_dir_all(dir.join("locales")).unwrap();
    let locale = |page: &str| {
        format!(
            r#"<locale xmlns="http://purl.org/net/xbiblio/csl" version="1.0" xml:lang="en-US"><terms><term name="page" form="short"><single>{page}</single><multiple>{page}</multiple></term></terms></locale>"#
        )
    };
    std::fs::write(dir.join("locales/locales-en-US.xml"), locale("pg.")).unwrap();
    let toml = std::fs::read_to_string(dir.join("book.toml")).unwrap();
    std::fs::write(dir.join("book.toml"), format!("{toml}locales = \"locales\"\n")).unwrap();
    let before = run(&input(&dir, true), &[]);
    assert!(String::from_utf8_lossy(&before).contains("pg. 1"));
    std::fs::write(dir.join("locales/locales-en-US.xml"), locale("page")).unwrap();
    let after = run(&input(&dir, true), &[]);
    assert!(String::from_utf8_lossy(&after).contains("page 1"));
    assert_eq!(after, run(&input(&dir, false), &[]));
}
