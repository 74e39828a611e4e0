//! Bibliographies as users bring them: BibLaTeX from decades of LaTeX work
//! and from JabRef/Zotero, CSL-JSON, hayagriva YAML, CSL styles from files,
//! and the `format` and `check` commands over them.

mod common;

use mdbook_scholar::config::BibFile;
use mdbook_scholar::library::Library;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-scholar");

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn load(names: &[&str]) -> (Library, Vec<String>) {
    let files: Vec<BibFile> =
        names.iter().map(|n| BibFile { path: data(n), shown: format!("tests/data/{n}") }).collect();
    let (mut library, mut diagnostics) = Library::load(&files).unwrap();
    diagnostics.extend(library.resolve_all());
    (library, diagnostics.iter().map(|d| d.to_string()).collect())
}

/// A bibliography from text, every entry read: the library and what was said.
fn read(shown: &str, text: &str) -> (Library, Vec<String>) {
    let (mut library, mut diagnostics) = Library::from_text(shown, text, mdbook_scholar::library::Format::BibLaTeX);
    diagnostics.extend(library.resolve_all());
    (library, diagnostics.iter().map(|d| d.to_string()).collect())
}

fn format(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BIN).arg("format").args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn one_bad_entry_loses_nothing_else() {
    for file in ["wild.bib", "wild-crlf.bib"] {
        let (library, diagnostics) = load(&[file]);
        let keys: Vec<&str> = library.keys().collect();
        assert_eq!(
            keys,
            [
                "goedel1931",
                "crossref-child",
                "iccv2003",
                "markup",
                "after-broken",
                "missing-comma",
                "bad-macro",
                "ünïcödé2020",
                "xdata-user",
                "zh-book",
                "thesis-school",
                "quoted-publisher"
            ],
            "{file}"
        );
        let readable: Vec<&str> = library.keys().filter(|k| library.work(k).is_some()).collect();
        assert_eq!(readable.len(), 11, "{file}: {readable:?}");
        let path = format!("tests/data/{file}");
        assert_eq!(
            diagnostics,
            [
                format!(
                    "{path}:43:1: warning: entry `broken-unclosed` is not closed: a `}}` is missing (reading resumes at line 48)"
                ),
                format!(
                    "{path}:96:10: warning: duplicate key `goedel1931`; the first definition, at {path}:11:10, is used"
                ),
                format!(
                    "{path}:56:25: warning: entry `missing-comma` is skipped: a `,` is missing between fields (or after the key)"
                ),
                format!(
                    "{path}:64:18: warning: entry `bad-macro`: `undefinedstring` is not a defined `@string`; it is read as empty (write `{{undefinedstring}}` for the word itself)"
                ),
                format!("{path}:112:1: warning: entry `quoted-publisher`: field `month` is ignored: missing number"),
            ],
            "{file}"
        );
    }
}

#[test]
fn latex_macros_crossref_and_xdata_become_text() {
    let (code, out, _) = format(&["--style", "apa", "tests/data/wild.bib"]);
    assert_eq!(code, 0);
    let expected = [
        "Gödel, K. (1931). Über formal unentscheidbare Sätze der Principia Mathematica und verwandter Systeme I. Monatshefte für Mathematik und Physik, 38, 173–198.",
        "Li, F.-F., Fergus, R., & Perona, P. (2003). One-Shot Learning of Object Categories. Proceedings of the Ninth IEEE International Conference on Computer Vision, 1134–1141.",
        "Café, R., Müller, J., & Østergaard, S. (2010). On Emphasis, Strength and the LaTeX — Way. IEEE Transactions on Pattern Analysis and Machine Intelligence.",
        "Data, D. (2015). Borrows Its Publisher. Shared Publisher.",
        "Ünal, Ö. (2020). A Unicode Key. https://example.org/%C3%BC",
        "周志华. (2016). 机器学习. 清华大学出版社.",
        // BibTeX's habits: `AND`, `OTHERS`, subtitles, school, `type`, a
        // quote inside braces, `and` inside a publisher, `\_` in a DOI.
        "Thesis, T., & Second, S. (2019). A Thesis: With a Subtitle [PhD thesis]. University of Examples.",
        // (Straight quotes in a field print as the locale's, as citeproc-js prints them.)
        "Quote, Q. (2005). A “Quoted” Word. Society for Industrial and Applied Mathematics. https://doi.org/10.1000/a_b",
        "Macro, M. (2003). Uses an Undefined String.",
    ];
    for line in expected {
        assert!(out.lines().any(|l| l == line), "missing line:\n{line}\nin:\n{out}");
    }
    // @xdata lends fields and is not a work of its own.
    assert!(!out.contains("(n.d.). Shared Publisher"), "{out}");
    assert_eq!(out.lines().count(), 11);

    let (_, html, _) = format(&["--style", "apa", "--html", "tests/data/wild.bib"]);
    assert!(html.contains("On <i>Emphasis</i>, <b>Strength</b> and the LaTeX — Way"), "{html}");
    assert!(html.lines().all(|l| l.starts_with("<div class=\"scholar-entry\" data-key=\"")), "{html}");
    assert!(html.contains("data-key=\"ünïcödé2020\""));
}

#[test]
fn non_utf8_bytes_are_an_error_and_the_other_entries_still_load() {
    let (library, diagnostics) = load(&["latin1.bib"]);
    assert_eq!(library.len(), 2);
    assert!(library.work("after-latin1").is_some() && library.work("latin1").is_some());
    assert_eq!(
        diagnostics,
        [
            "tests/data/latin1.bib:2:14: error: the file is not valid UTF-8 (4 bad byte sequences); they are read as `\u{FFFD}` (save the file as UTF-8)"
        ]
    );
}

/// Our internal marks (emphasis, citation numbers, preview slots, sort
/// keys) are private-use characters: a file holding them must not be able
/// to forge any.
#[test]
fn private_use_marks_in_a_file_are_reported_and_made_inert() {
    // (U+E031 closes the stand-in of a chapter left in the cache: the first
    // versions did not reserve it.)
    let text = "@article{a, title = {Forged \u{E000}emphasis\u{E001} and number \u{E010}\u{E031}}, author = {Doe, J.}, journal = {J}, year = 2020}\n";
    // Read whole: parsing the entry says nothing more.
    let (library, diagnostics) = read("marks.bib", text);
    assert_eq!(
        diagnostics,
        [
            "marks.bib:1:29: warning: the file has 4 private-use characters (U+E000 to U+E03F), read as `\u{FFFD}` (mdbook-scholar keeps these for its own marks; remove them from the file)"
        ]
    );
    let title = library.work("a").unwrap().entry.title().unwrap().value.to_string();
    assert_eq!(title, "Forged \u{FFFD}emphasis\u{FFFD} and number \u{FFFD}\u{FFFD}");
}

/// Found by fuzzing: biblatex reads nested commands recursively, and
/// `\emph{\emph{…}}` 50,000 deep overflowed the stack. Deep nesting is now
/// a located error for that entry alone.
#[test]
fn deeply_nested_braces_are_an_error_not_a_stack_overflow() {
    let deep = format!(
        "@misc{{deep, title = {{{}x{}}}}}\n@misc{{plain, title = {{{}y{}}}}}\n@misc{{after, title = {{After}}}}\n",
        "\\emph{".repeat(50_000),
        "}".repeat(50_000),
        "{".repeat(50_000),
        "}".repeat(50_000)
    );
    let (library, diagnostics) = read("deep.bib", &deep);
    assert_eq!(
        diagnostics,
        [
            "deep.bib:1:1: warning: entry `deep` nests braces 50002 deep (at most 100 are read); it is skipped",
            "deep.bib:2:1: warning: entry `plain` nests braces 50002 deep (at most 100 are read); it is skipped",
        ]
    );
    assert!(library.work("after").is_some());
}

/// Found by fuzzing: biblatex computes `month - 1` unchecked, so month 0
/// panicked where overflow is checked (debug builds, as `cargo test` runs)
/// and printed month 256 elsewhere.
#[test]
fn month_zero_is_reported_not_a_panic() {
    let text = "@misc{zero, title = {Zero}, year = 2020, month = {0}}\n@misc{fine, title = {Fine}, year = 2021}\n\
                @misc{odd, title = {Odd}, year = 2022, month = \"0~0\" # jan}\n";
    let (library, said) = read("m.bib", text);
    assert!(library.work("fine").is_some());
    // Month 0 itself is caught before biblatex sees it; the guard is for
    // whatever else it cannot take.
    assert_eq!(
        said,
        [
            "m.bib:1:51: warning: entry `zero`: field `month` is ignored: 0 is not a month (1-12)",
            "m.bib:3:49: warning: entry `odd`: field `month` is ignored: 0 is not a month (1-12)",
        ]
    );
    assert!(library.work("zero").is_some() && library.work("odd").is_some());
}

/// Found by fuzzing: biblatex unwraps the day it reads after a month (with no
/// `day` field) into a `u8`, and dates of non-ASCII numerals (`²`, `٣`) as
/// ASCII digits: each panicked and cost the entry. The field is now reported
/// and dropped instead.
#[test]
fn a_day_too_big_after_the_month_is_reported() {
    let text = "@misc{a, title = {A}, year = 2005, month = \"10~66666\" # jan}\n\
                @misc{b, title = {B}, year = 2006, month = {²}}\n\
                @misc{c, title = {C}, year = 2007, month = {oct 31}}\n\
                @misc{e, title = {E}, date = {2020-٣-01}}\n";
    let (library, said) = read("d.bib", text);
    assert_eq!(
        said,
        [
            "d.bib:1:45: warning: entry `a`: field `month` is ignored: `66666` is not a day (1-31)",
            "d.bib:2:45: warning: entry `b`: field `month` is ignored: `²` is not a digit (write dates with 0-9)",
            "d.bib:4:31: warning: entry `e`: field `date` is ignored: `٣` is not a digit (write dates with 0-9)",
        ]
    );
    for key in ["a", "b", "c", "e"] {
        assert!(library.work(key).is_some(), "{key}");
    }
}

/// Found by fuzzing: biblatex computes `4 - digits` for a year unchecked, so
/// a five-digit year panicked (debug builds) or vanished without a word.
#[test]
fn a_year_of_five_digits_is_reported() {
    let text = "@online{a, title = {A}, url = {https://x.org}, urldate = {20240-01-01}}\n@misc{b, title = {B}, date = {2020/20211}}\n";
    let (library, said) = read("y.bib", text);
    assert_eq!(
        said,
        [
            "y.bib:1:59: warning: entry `a`: field `urldate` is ignored: `20240-01-01` is not a date (a year has at most 4 digits)",
            "y.bib:2:31: warning: entry `b`: field `date` is ignored: `2020/20211` is not a date (a year has at most 4 digits)",
        ]
    );
    assert!(library.work("a").is_some() && library.work("b").is_some());
}

/// Found by fuzzing: a `crossref` loop biblatex follows but a look at the
/// text does not see (a duplicate key whose first entry names itself, an
/// `ids` alias, a `@string`) made biblatex recurse until the stack
/// overflowed, killing the build. Links are now read as biblatex reads them.
#[test]
fn crossref_loops_through_duplicates_aliases_and_strings_are_cut() {
    let text = "@proceedings{conf, title = {First}, year = 2003, crossref = {conf}}\n\
                @proceedings{conf, title = {Second}, publisher = {IEEE}}\n\
                @misc{aliased, ids = {other}, title = {Aliased}, crossref = {other}}\n\
                @string{me = {macro}}\n\
                @misc{macro, title = {Macro}, crossref = me}\n\
                @misc{ping, title = {Ping}, xdata = {pong}}\n\
                @xdata{pong, publisher = {Pong Press}, crossref = \"pi\" # \"ng\"}\n\
                @inproceedings{fine, title = {Fine}, crossref = {conf}}\n";
    let (library, said) = read("loop.bib", text);
    for expected in [
        "loop.bib:1:1: warning: `crossref`/`xdata` of entry `conf` leads back to itself through `conf`",
        "loop.bib:3:1: warning: `crossref`/`xdata` of entry `aliased` leads back to itself through `aliased`",
        "loop.bib:5:1: warning: `crossref`/`xdata` of entry `macro` leads back to itself through `macro`",
    ] {
        assert!(said.iter().any(|s| s.starts_with(expected)), "{expected}\n in {said:#?}");
    }
    assert!(
        said.iter().any(|s| s.contains("leads back") && (s.contains("`ping`") || s.contains("`pong`"))),
        "{said:#?}"
    );
    for key in ["conf", "aliased", "macro", "ping", "fine"] {
        assert!(library.work(key).is_some(), "{key} is lost: {said:#?}");
    }
    // The first `conf` counts, and `fine` inherits from it.
    let fine = library.work("fine").unwrap();
    let proceedings = fine.entry.parents().first().and_then(|p| p.title()).map(|t| t.to_string());
    assert_eq!(proceedings.as_deref(), Some("First"));
}

/// A chain of parents is followed as far as 16 links (biblatex recurses
/// along it and copies each parent); longer chains are cut and said so.
#[test]
fn a_crossref_chain_of_thousands_is_cut_not_a_stack_overflow() {
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!("@misc{{c{i}, title = {{C{i}}}, crossref = {{c{}}}}}\n", i + 1));
    }
    text.push_str("@misc{c3000, title = {Last}, publisher = {Deep Press}}\n");
    let (library, said) = read("chain.bib", &text);
    assert!(!said.is_empty() && said.iter().all(|s| s.contains("chain of more than 16")), "{said:#?}");
    assert_eq!(library.keys().count(), 3001);
    assert!(library.work("c0").is_some() && library.work("c2999").is_some());
}

#[test]
fn csl_json_and_yaml_load_item_by_item() {
    let (library, diagnostics) = load(&["zotero.json", "works.yaml"]);
    let keys: Vec<&str> = library.keys().collect();
    assert_eq!(keys, ["devlin2019bert", "zhou2016jiqi", "no-date", "crazy-rich", "wang2021"]);
    assert_eq!(
        diagnostics,
        [
            "tests/data/zotero.json:37:3: warning: an item is skipped: item 4 has no `id`; every item needs one to be cited",
            "tests/data/works.yaml:22:1: warning: entry `broken` is skipped: invalid type: sequence, expected a date in the format YYYY-MM-DD"
        ]
    );
    assert_eq!(library.work("zhou2016jiqi").unwrap().language.as_deref(), Some("zh"));
    assert_eq!(library.work("wang2021").unwrap().language.as_deref(), Some("zh"));
    let (code, out, _) = format(&["--style", "ieee", "tests/data/zotero.json", "tests/data/works.yaml"]);
    assert_eq!(code, 0);
    assert!(out.contains("[1] J. Devlin, M.-W. Chang, K. Lee, and K. Toutanova, “BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding,” in "), "{out}");
    assert!(out.contains("doi: 10.18653/v1/N19-1423"), "{out}");
    assert!(out.contains("A. van der Berg, “A Page With Italic Words.”"), "{out}");
}

#[test]
fn a_duplicate_key_across_files_names_both_places() {
    let (library, diagnostics) = load(&["zotero.json", "dup.bib"]);
    assert!(library.work("devlin2019bert").unwrap().entry.title().unwrap().value.to_string().starts_with("BERT"));
    assert_eq!(
        diagnostics,
        [
            "tests/data/zotero.json:37:3: warning: an item is skipped: item 4 has no `id`; every item needs one to be cited",
            "tests/data/dup.bib:1:7: warning: duplicate key `devlin2019bert`; the first definition, at tests/data/zotero.json:2:3, is used"
        ]
    );
}

#[test]
fn under_gb_7714_western_works_say_et_al_and_chinese_ones_deng() {
    let (code, out, _) = format(&["--style", "gb-7714-2015-numeric", "tests/data/bilingual.bib"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "[1] ALPHA A, BETA B, GAMMA G, et al. A Western Work With Four Authors[J]. Journal of Examples, 2020, 1: 1-10.\n\
         [2] 王一, 李二, 张三, 等. 一篇有四位作者的中文论文[J]. 中文学报, 2021, 2: 11-20.\n"
    );
}

#[test]
fn styles_from_files_and_their_failures() {
    // A dependent style takes its parent (bundled APA) and its own locale.
    let (code, out, _) = format(&["--style", "tests/data/styles/apa-dependent.csl", "tests/data/zotero.json"]);
    assert_eq!(code, 0);
    // German terms from the dependent style's locale (with its no-break spaces).
    assert!(
        out.contains("(o.\u{a0}J.). A Page With Italic Words. Abgerufen")
            || out.contains("(o. J.). A Page With Italic Words. Abgerufen"),
        "{out}"
    );

    let cases = [
        ("broken.csl", "ill-formed document: expected `</text>`, but `</layout>` was found"),
        (
            "wrong-element.csl",
            "unknown variant `frobnicate`, expected one of `text`, `date`, `number`, `names`, `label`, `group`, `choose`",
        ),
        (
            "orphan-dependent.csl",
            "it is a dependent style whose parent `http://example.org/styles/no-such-parent` is neither bundled nor found",
        ),
        ("nowhere.csl", "cannot read the style file `tests/data/styles/nowhere.csl`"),
    ];
    for (file, expected) in cases {
        let path = format!("tests/data/styles/{file}");
        let (code, out, err) = format(&["--style", &path, "tests/data/zotero.json"]);
        assert_eq!(code, 1, "{file}");
        assert!(out.is_empty(), "{file}");
        assert!(err.contains(expected), "{file}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn format_fails_only_when_a_file_cannot_be_read() {
    let (code, out, err) = format(&["tests/data/no-such-file.bib"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("cannot read the bibliography file `tests/data/no-such-file.bib`"), "{err}");
    let (code, _, err) = format(&["--style", "iee", "tests/data/wild.bib"]);
    assert_eq!(code, 1);
    assert!(err.contains("did you mean `ieee`?"), "{err}");
    // hayagriva's engine is gone: the option that chose it says so.
    let (code, _, err) = format(&["--engine", "scholar", "tests/data/wild.bib"]);
    assert_eq!(code, 1);
    assert!(err.contains("`--engine` was removed: `format` renders with mdbook-scholar's own CSL processor"), "{err}");
}

#[test]
fn format_prints_one_list_as_the_style_orders_it() {
    // (style, the list): sorted by author, year suffixes for one author's
    // two works of a year, the repeated author substituted where the style
    // says so; numbered styles number in the list's order.
    let cases = [
        (
            "apa",
            "Doe, J. (2020a). Reading the first paper. Journal of Tests, 1, 1–10.\n\
             Doe, J. (2020b). Writing the second paper. Journal of Tests, 2, 11–20.\n\
             Roe, R. (2019). An earlier talk. Proceedings of the Test Conference, 5–6.\n",
        ),
        (
            "turabian-author-date",
            "Doe, Jane. 2020a. “Reading the First Paper.” Journal of Tests 1 (2020): 1–10.\n\
             ———. 2020b. “Writing the Second Paper.” Journal of Tests 2 (2020): 11–20.\n\
             Roe, Richard. 2019. “An Earlier Talk.” Proceedings of the Test Conference, 2019, 5–6.\n",
        ),
        (
            "ieee",
            "[1] R. Roe, “An earlier talk,” in Proceedings of the Test Conference, 2019, pp. 5–6.\n\
             [2] J. Doe, “Reading the first paper,” Journal of Tests, vol. 1, pp. 1–10, 2020.\n\
             [3] J. Doe, “Writing the second paper,” Journal of Tests, vol. 2, pp. 11–20, 2020.\n",
        ),
    ];
    for (style, want) in cases {
        let (code, out, err) = format(&["--style", style, "tests/data/same-author.bib"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, want, "{style}");
    }
}

#[test]
fn format_reads_the_users_locale_files_over_the_bundled_ones() {
    // The folder's en-US has one term; the others stay the bundled ones.
    let (code, out, err) =
        format(&["--locales", "tests/data/locales-fix", "--style", "ieee", "tests/data/same-author.bib"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("“An earlier talk,” within Proceedings"), "{out}");
    assert!(out.contains("vol. 1, pp. 1–10"), "{out}");
    // A file that is not what its name says, a folder without locale
    // files, and a missing folder are errors that name the place.
    let cases = [
        (
            "tests/data/locales-bad",
            "`tests/data/locales-bad/locales-en-US.xml` says `xml:lang=\"de-DE\"` but is named for `en-US`",
        ),
        ("tests/data/locales-broken", "`tests/data/locales-broken/locales-fr-FR.xml` is not a CSL locale file"),
        ("tests/data/styles", "the locales folder `tests/data/styles` has no locale files"),
        ("tests/data/no-such-folder", "cannot read the locales folder `tests/data/no-such-folder`"),
    ];
    for (dir, want) in cases {
        let (code, out, err) = format(&["--locales", dir, "tests/data/same-author.bib"]);
        assert_eq!(code, 1, "{dir}");
        assert!(out.is_empty());
        assert!(err.contains(want), "{dir}: {err}");
    }
}

#[test]
fn check_reports_everything_and_strict_fails_on_warnings() {
    let dir = common::fixtures().join("check");
    let run = |strict: bool| {
        let mut command = Command::new(BIN);
        command.arg("check").arg(&dir);
        if strict {
            command.arg("--strict");
        }
        command.output().unwrap()
    };
    let output = run(false);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for expected in [
        "src/chapter.md:3:71: warning: unknown citation key `goedel1913` (did you mean `goedel1931`?)",
        "src/chapter.md:3:43: warning: citation key `missing-comma` names an entry that could not be read (at ../../data/wild.bib:55:10)",
        "../../data/wild.bib:43:1: warning: entry `broken-unclosed` is not closed",
        "../../data/wild.bib:64:18: warning: entry `bad-macro`: `undefinedstring` is not a defined `@string`",
        "../../data/wild.bib:36:10: note: entry `markup` is not cited",
        "../../data/zotero.json:19:3: note: entry `zhou2016jiqi` is not cited",
        "0 errors, 8 warnings, 12 notes",
    ] {
        assert!(stderr.contains(expected), "missing `{expected}` in:\n{stderr}");
    }
    assert!(output.stdout.is_empty());
    assert!(!dir.join("book").exists(), "check must not write the book");
    let strict = run(true);
    assert_eq!(strict.status.code(), Some(1));
}
