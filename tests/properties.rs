//! Properties over generated chapters that mix citation markers with every
//! context that must not be touched (code spans and blocks, inline and
//! block HTML, comments, link destinations, autolinks, escapes), tables,
//! block quotes, CJK text, e-mail addresses, Rust patterns and CRLF:
//!
//! - the preprocessor never panics and never fails on them;
//! - every byte outside a recognized marker comes back as it was, each
//!   marker becomes one citation element, and only our list and stylesheet
//!   are added at the end;
//! - the untouchable fragments come back verbatim and no marker is found in
//!   them;
//! - running it again on its own output changes nothing.

mod common;

use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_scholar::config::Config;
use mdbook_scholar::{Output, process_with};
use proptest::prelude::*;
use std::sync::OnceLock;

/// A piece of a generated chapter.
#[derive(Debug, Clone)]
enum Piece {
    /// Text that may hold markers.
    Prose(String),
    /// Text that must come back byte for byte, markers or not.
    Untouchable(String),
}

const KEYS: &[&str] = &["lamport1978time", "knuth1984texbook", "vaswani2017attention", "qiu2020shenjing"];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(String::from),
        1 => "[a-z]{1,8}[0-9]{0,4}",
    ]
}

fn marker() -> impl Strategy<Value = String> {
    (key(), key(), 1u32..500).prop_flat_map(|(a, b, page)| {
        prop::sample::select(vec![
            format!("[@{a}]"),
            format!("[@{a}; @{b}]"),
            format!("[see @{a}, pp. {page}-{}; also @{b}, chap. 2]", page + 3),
            format!("[-@{a}]"),
            format!("@{a}"),
            format!("@{a} [p. {page}]"),
            format!("@{{{a}}}"),
            format!("{{{{#cite {a}}}}}"),
            format!("@@{a}"),
            format!("[参见 @{a}，第 {page} 页]"),
        ])
    })
}

fn words() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "plain words",
        "大语言模型的研究",
        "user@example.org",
        "@not-a-key here",
        "match x { n @ 1..=5 => n }",
        "a * b _c_ ~~d~~",
        "smart “quotes” and ‘single’",
        "trailing spaces  ",
        "$E = mc^2$",
        "[a link](https://example.org/@lamport1978time)",
        "<https://example.org/@knuth1984texbook>",
        "a footnote[^n]",
        "\\[@lamport1978time]",
        "\\@lamport1978time",
        "emoji 🙂 and ß",
        "x @ y",
    ])
    .prop_map(String::from)
}

/// Fragments where nothing may change, each holding marker-like text.
fn untouchable() -> impl Strategy<Value = String> {
    key().prop_flat_map(|k| {
        prop::sample::select(vec![
            format!("`[@{k}]`"),
            format!("``@{k} and `x` ``"),
            // A tag (the text between tags is Markdown, and cites).
            format!("<span title=\"[@{k}]\" data-x='{{{{#cite {k}}}}}'>"),
            format!("<!-- [@{k}] -->"),
        ])
    })
}

/// Block-level pieces: paragraphs, code blocks, HTML blocks, tables, quotes.
fn block() -> impl Strategy<Value = Vec<Piece>> {
    let inline = prop_oneof![
        3 => words().prop_map(Piece::Prose),
        3 => marker().prop_map(Piece::Prose),
        2 => untouchable().prop_map(Piece::Untouchable),
        1 => "[\\PC&&[^\\[\\]@{}`<>\\\\]]{0,12}".prop_map(Piece::Prose),
    ];
    prop_oneof![
        4 => prop::collection::vec(inline, 1..6).prop_map(|pieces| {
            let mut out = Vec::new();
            for piece in pieces {
                out.push(piece);
                out.push(Piece::Prose(" ".into()));
            }
            out
        }),
        1 => key().prop_map(|k| vec![Piece::Untouchable(format!("```text\n[@{k}] {{{{#cite {k}}}}}\n```"))]),
        // An unindented paragraph first: after a list, indented lines would
        // continue the list item instead of being code.
        1 => key().prop_map(|k| vec![Piece::Prose("Paragraph.\n\n".into()), Piece::Untouchable(format!("    indented [@{k}]"))]),
        1 => key().prop_map(|k| vec![Piece::Untouchable(format!("<div class=\"x\">\n[@{k}]\n</div>"))]),
        1 => marker().prop_map(|m| vec![Piece::Prose(format!("| a | b |\n|---|---|\n| {m} | x \\| y |"))]),
        1 => marker().prop_map(|m| vec![Piece::Prose(format!("> quoted {m}\n> > nested"))]),
        1 => marker().prop_map(|m| vec![Piece::Prose(format!("- item {m}\n  - nested"))]),
        1 => marker().prop_map(|m| vec![Piece::Prose(format!("## Heading {m}"))]),
        1 => marker().prop_map(|m| vec![Piece::Prose(format!("[^n]: note {m}"))]),
    ]
}

/// A chapter and where its untouchable fragments are.
fn chapter() -> impl Strategy<Value = (String, Vec<std::ops::Range<usize>>)> {
    (prop::collection::vec(block(), 1..8), any::<bool>()).prop_map(|(blocks, crlf)| {
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        let mut fixed = Vec::new();
        for block in blocks {
            for piece in block {
                match piece {
                    Piece::Prose(p) => text.push_str(&p.replace('\n', newline)),
                    Piece::Untouchable(u) => {
                        let u = u.replace('\n', newline);
                        fixed.push(text.len()..text.len() + u.len());
                        text.push_str(&u);
                    }
                }
            }
            text.push_str(newline);
            text.push_str(newline);
        }
        (text, fixed)
    })
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let (ctx, _) = common::preprocessed(&common::fixtures().join("markers"));
        let mut config = Config::from_book(&ctx.root, &ctx.config).unwrap();
        config.cache = false;
        config
    })
}

fn run(content: &str) -> String {
    let mut book = Book::new();
    book.push_item(BookItem::Chapter(Chapter::new("Generated", content.to_string(), "generated.md", Vec::new())));
    let mut outcome = process_with(config(), Output::Html, book).expect("the preprocessor fails on valid Markdown");
    let mut out = None;
    outcome.book.for_each_chapter_mut(|chapter| out = Some(chapter.content.clone()));
    out.unwrap()
}

/// The length of the balanced `<span …>…</span>` at the start of `html`.
fn span_length(html: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = 0;
    loop {
        let open = html[at..].find("<span").map(|i| at + i);
        let close = html[at..].find("</span>").map(|i| at + i);
        match (open, close) {
            (Some(o), Some(c)) if o < c => {
                depth += 1;
                at = o + 5;
            }
            (_, Some(c)) => {
                depth = depth.checked_sub(1)?;
                at = c + 7;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => return None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn bytes_outside_markers_are_kept((text, fixed) in chapter()) {
        let output = run(&text);
        let scan = mdbook_scholar::scan::chapter(&text, config().markdown, &|k| KEYS.contains(&k), None);
        let mut spans: Vec<_> = scan
            .markers
            .iter()
            .filter(|m| matches!(m.kind, mdbook_scholar::scan::MarkerKind::Cite(_)))
            .map(|m| m.span.clone())
            .collect();
        spans.sort_by_key(|s| s.start);
        // No marker inside an untouchable fragment.
        for span in &spans {
            for f in &fixed {
                prop_assert!(span.end <= f.start || span.start >= f.end, "marker {:?} inside {:?}", &text[span.clone()], &text[f.clone()]);
            }
        }
        // Gap, citation element, gap, …, then only what we add at the end.
        let mut at = 0;
        let mut copied = 0;
        for span in &spans {
            let gap = &text[copied..span.start];
            prop_assert!(output[at..].starts_with(gap), "text before {:?} changed", &text[span.clone()]);
            at += gap.len();
            prop_assert!(output[at..].starts_with("<span class=\"scholar-cite\""), "no citation for {:?}", &text[span.clone()]);
            at += span_length(&output[at..]).expect("a balanced citation element");
            copied = span.end;
        }
        let rest = &text[copied..];
        prop_assert!(output[at..].starts_with(rest), "the text after the last marker changed");
        let added = &output[at + rest.len()..];
        let added_is_ours = added.is_empty()
            || ((added.trim_start().starts_with("## ") || added.trim_start().starts_with("<style>"))
                && added.trim_end().ends_with("</style>"));
        prop_assert!(added_is_ours, "unexpected addition: {:?}", added);
        for f in &fixed {
            prop_assert!(output.contains(&text[f.clone()]));
        }
        if spans.is_empty() {
            prop_assert_eq!(&output, &text);
        }
    }

    #[test]
    fn a_second_run_changes_nothing((text, _) in chapter()) {
        let once = run(&text);
        let twice = run(&once);
        prop_assert_eq!(once, twice);
    }
}
