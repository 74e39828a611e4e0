//! Whole-book behaviour: each folder of `tests/fixtures` is a small book;
//! its chapters after our preprocessor, with the diagnostics, must match
//! `expected.md` in the folder. `BLESS=1 cargo test --test golden` rewrites
//! the expected files after an intended change.

mod common;

use mdbook_scholar::config::Config;
use mdbook_scholar::{Output, process_with};

fn run(case: &str) -> String {
    let dir = common::fixtures().join(case);
    let (ctx, book) = common::preprocessed(&dir);
    let mut config = Config::from_book(&ctx.root, &ctx.config).unwrap();
    // What is rendered, not what a cache kept (tests/equivalence.rs covers it).
    config.cache = false;
    // Exports are large: only the cases about them show them.
    config.export = case.starts_with("exports");
    let output = if case.contains("markdown") { Output::Markdown } else { Output::Html };
    let before = common::chapters(&book);
    let outcome = process_with(&config, output, book).unwrap();
    let after = common::chapters(&outcome.book);

    let mut dump = String::from("# diagnostics\n\n");
    for diagnostic in outcome.diagnostics.iter() {
        dump.push_str(&format!("{diagnostic}\n"));
    }
    for ((path, original), (_, content)) in before.iter().zip(&after) {
        if original == content {
            dump.push_str(&format!("\n# {} (unchanged)\n", path.display()));
        } else {
            dump.push_str(&format!("\n# {}\n\n{}\n", path.display(), common::elide_css(content)));
        }
    }
    dump
}

macro_rules! golden {
    ($($name:ident => $case:literal,)*) => {$(
        #[test]
        fn $name() {
            let dump = run($case);
            common::golden(&common::fixtures().join($case).join("expected.md"), &dump);
        }
    )*};
}

golden! {
    every_marker_form => "markers",
    never_touched_contexts => "untouched",
    tables_quotes_lists => "tables-quotes",
    chinese_text_under_gb_7714 => "chinese-gbt",
    crlf_line_endings => "crlf",
    unknown_keys_are_diagnosed => "unknown-keys",
    section_scope => "section-scope",
    bibliography_placement => "placement",
    style_from_a_csl_file => "csl-file",
    dependent_style_finds_its_parent => "csl-dependent",
    markdown_renderer => "markdown-renderer",
    topic_table_and_book_list => "topics",
    topic_table_markdown => "topics-markdown",
    author_date_with_affixes => "apa",
    exports_and_cite_as => "exports",
    exports_and_cite_as_markdown => "exports-markdown",
    // Regression (issue 13): `{{#nocite *}}` blanked its chapter.
    nocite_all_lists_the_whole_library => "nocite-all",
    // Regression (issue 13): a second book-wide list vanished without a word.
    a_second_book_list_is_reported => "second-book-list",
    // Issue 13: markers inside MathJax's math are left as written.
    markers_inside_math_stay_math => "math",
    // `engine = "scholar"`: our own CSL processor renders the same pipeline.
    scholar_engine_numeric => "engine-scholar/ieee",
    scholar_engine_author_date => "engine-scholar/apa",
    scholar_engine_markdown => "engine-scholar/ieee-markdown",
    // `locales = "DIR"`: the user's terms over the bundled locale.
    users_locale_files => "locales",
    // A note style: each citation a footnote, ibid and short forms, a
    // citation inside the author's footnote in place.
    note_style_as_footnotes => "notes",
    note_style_as_footnotes_markdown => "notes-markdown",
    // Collapsed and grouped citations: each number or year still links to
    // its entry, and the preview holds every work of the citation.
    collapse_numbers_gbt => "collapse/gbt",
    collapse_years_apa => "collapse/apa",
    collapse_year_suffixes_springer => "collapse/springer",
    // One locale per book (an English IEEE book prints English terms for a
    // German work); GB/T 7714 gives each work its own (et al. and 等).
    mixed_languages_under_ieee => "mixed-language/ieee",
    mixed_languages_under_gbt => "mixed-language/gbt",
    // The book-wide list is one list: one author's two works of a year are
    // 2020a and 2020b there, though each chapter cites one.
    book_list_disambiguates_across_the_book => "book-list-apa",
}

/// A chapter without markers is byte-for-byte what it was.
#[test]
fn chapters_without_markers_are_identical() {
    let dir = common::fixtures().join("untouched");
    let (ctx, book) = common::preprocessed(&dir);
    let mut config = Config::from_book(&ctx.root, &ctx.config).unwrap();
    // What is rendered, not what a cache kept (tests/equivalence.rs covers it).
    config.cache = false;
    let before = common::chapters(&book);
    let outcome = process_with(&config, Output::Html, book).unwrap();
    let after = common::chapters(&outcome.book);
    let plain = before.iter().position(|(p, _)| p.ends_with("plain.md")).unwrap();
    assert_eq!(before[plain].1.as_bytes(), after[plain].1.as_bytes());
    let raw = std::fs::read(dir.join("src/plain.md")).unwrap();
    assert_eq!(after[plain].1.as_bytes(), raw.as_slice());
}

/// A book that still names the removed hayagriva engine renders as ours
/// does, and is told to drop the key.
#[test]
fn the_removed_hayagriva_engine_renders_with_ours() {
    let dir = common::fixtures().join("engine-scholar/ieee");
    let render = |engine: &str| {
        let (mut ctx, book) = common::preprocessed(&dir);
        ctx.config.set("preprocessor.scholar.engine", engine).unwrap();
        let mut config = Config::from_book(&ctx.root, &ctx.config).unwrap();
        config.cache = false;
        let outcome = process_with(&config, Output::Html, book).unwrap();
        let said: Vec<String> = outcome.diagnostics.iter().map(|d| d.to_string()).collect();
        (common::chapters(&outcome.book), said)
    };
    let (ours, ours_said) = render("scholar");
    let (named, named_said) = render("hayagriva");
    assert!(ours == named, "a book naming hayagriva renders differently");
    let extra: Vec<&String> = named_said.iter().filter(|d| !ours_said.contains(d)).collect();
    assert_eq!(extra.len(), 1, "{named_said:?}");
    assert!(extra[0].starts_with("warning: `preprocessor.scholar.engine = \"hayagriva\"` in book.toml"), "{extra:?}");
}
