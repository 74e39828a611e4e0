//! Entry by entry and citation by citation, after a normalization that only
//! removes differences that are not differences:
//!
//! - the `csl-entry` wrapper, if an engine left it on an entry;
//! - the `csl-left-margin` and `csl-right-inline` wrappers of
//!   `second-field-align`: `<div class="csl-left-margin">[1]</div><div
//!   class="csl-right-inline">Text</div>` reads `[1] Text`, as a plain
//!   `[1] Text` does (the other `display` blocks, `csl-block` and
//!   `csl-indent`, are kept);
//! - whitespace next to a `<div>` tag and at the ends, and the spelling of
//!   character references (`markup.rs`).
//!
//! Everything else counts: a space, a period, a tag, the order of entries.

use crate::markup;
use scholar_citeproc::{RenderedEntry, Response};
use std::fmt::Write;

/// Agreement over some comparisons.
#[derive(Default, Clone, Copy)]
pub struct Tally {
    pub agree: usize,
    pub total: usize,
}

impl Tally {
    pub fn percent(self) -> f64 {
        if self.total == 0 { 100.0 } else { 100.0 * self.agree as f64 / self.total as f64 }
    }

    pub fn add(&mut self, other: Tally) {
        self.agree += other.agree;
        self.total += other.total;
    }
}

/// How one style did over one dataset, and its first differences.
pub struct Outcome {
    pub entries: Tally,
    pub citations: Tally,
    /// The first differences, readable, for the report file.
    pub report: String,
}

/// Differences written to the report per style and dataset, of each kind:
/// 15, or `SCHOLAR_DIFFERENTIAL_REPORTED` (all of them when working through
/// a style's differences).
fn reported() -> usize {
    std::env::var("SCHOLAR_DIFFERENTIAL_REPORTED").ok().and_then(|n| n.parse().ok()).unwrap_or(15)
}

/// Compares our answer with citeproc-js's. Theirs sets the totals: an entry
/// agrees when ours at the same position has the same id and the same
/// normalized text; a citation when ours has the same normalized text.
pub fn compare(ours: &Result<Response, String>, theirs: &Response) -> Outcome {
    let mut report = String::new();
    let entries = Tally { agree: 0, total: theirs.bibliography.len() };
    let citations = Tally { agree: 0, total: theirs.citations.len() };
    let ours = match ours {
        Ok(ours) => ours,
        Err(message) => {
            let _ = writeln!(report, "scholar-citeproc failed: {message}\n");
            return Outcome { entries, citations, report };
        }
    };
    let mut outcome = Outcome { entries, citations, report };

    let mut shown = 0;
    if ours.bibliography.len() != theirs.bibliography.len() {
        let _ = writeln!(
            outcome.report,
            "bibliography: {} entries from us, {} from citeproc-js\n",
            ours.bibliography.len(),
            theirs.bibliography.len()
        );
    }
    for (position, their) in theirs.bibliography.iter().enumerate() {
        let our = ours.bibliography.get(position);
        let their_text = normalize(&their.text);
        if our.is_some_and(|our| our.id == their.id && normalize(&our.text) == their_text) {
            outcome.entries.agree += 1;
            continue;
        }
        if shown == reported() {
            continue;
        }
        shown += 1;
        // The entry of the same id, wherever ours put it, shows the text difference.
        let same_id = ours.bibliography.iter().position(|e| e.id == their.id);
        let _ = writeln!(outcome.report, "entry {} `{}`", position + 1, their.id);
        match same_id {
            Some(at) if at != position => {
                let _ = writeln!(
                    outcome.report,
                    "  (ours is entry {}; at {} ours is {})",
                    at + 1,
                    position + 1,
                    id_of(our)
                );
            }
            None => {
                let _ = writeln!(outcome.report, "  (missing from ours)");
            }
            _ => {}
        }
        let ours_text = same_id.map(|at| normalize(&ours.bibliography[at].text)).unwrap_or_default();
        let _ = writeln!(outcome.report, "  ours:   {ours_text}\n  theirs: {their_text}\n");
    }

    let mut shown = 0;
    if ours.citations.len() != theirs.citations.len() {
        let _ = writeln!(
            outcome.report,
            "citations: {} from us, {} from citeproc-js\n",
            ours.citations.len(),
            theirs.citations.len()
        );
    }
    for (index, their) in theirs.citations.iter().enumerate() {
        let their = normalize(their);
        let our = ours.citations.get(index).map(|c| normalize(c));
        if our.as_deref() == Some(their.as_str()) {
            outcome.citations.agree += 1;
            continue;
        }
        if shown == reported() {
            continue;
        }
        shown += 1;
        let _ = writeln!(
            outcome.report,
            "citation {}\n  ours:   {}\n  theirs: {their}\n",
            index + 1,
            our.as_deref().unwrap_or("(missing)")
        );
    }
    outcome
}

fn id_of(entry: Option<&RenderedEntry>) -> String {
    entry.map_or("nothing".into(), |e| format!("`{}`", e.id))
}

/// The normalization described at the top of this file.
pub fn normalize(markup: &str) -> String {
    const ENTRY: &str = r#"<div class="csl-entry">"#;
    const LEFT: &str = r#"<div class="csl-left-margin">"#;
    const RIGHT: &str = r#"<div class="csl-right-inline">"#;
    let mut text = markup::canonical(markup);
    if let Some(inner) = text.strip_prefix(ENTRY).and_then(|t| t.strip_suffix("</div>")) {
        text = inner.to_string();
    }
    if let Some((margin, after)) = text.strip_prefix(LEFT).and_then(|rest| rest.split_once("</div>")) {
        let body = after.strip_prefix(RIGHT).and_then(|b| b.strip_suffix("</div>")).unwrap_or(after);
        text = format!("{} {body}", margin.trim_end());
    }
    text.trim().to_string()
}

#[test]
fn normalization_removes_only_what_is_no_difference() {
    let cases = [
        // The csl-entry wrapper and citeproc-js's indentation.
        ("  <div class=\"csl-entry\">Doe, J. (2020).</div>\n", "Doe, J. (2020)."),
        // second-field-align, as citeproc-js writes it and as a plain line.
        (
            "\n    <div class=\"csl-left-margin\">[1]</div><div class=\"csl-right-inline\">J. Doe, <i>Title</i>.</div>\n  ",
            "[1] J. Doe, <i>Title</i>.",
        ),
        ("[1] J. Doe, <i>Title</i>.", "[1] J. Doe, <i>Title</i>."),
        ("<div class=\"csl-left-margin\">1. </div><div class=\"csl-right-inline\">Doe</div>", "1. Doe"),
        // Character references.
        ("Smith &#38; Jones", "Smith &amp; Jones"),
        ("Smith &amp; Jones", "Smith &amp; Jones"),
        ("a &#60;b&#62;", "a &lt;b&gt;"),
        ("&quot;x&quot;&#160;&#x2013;", "\"x\"\u{a0}\u{2013}"),
        ("AT&T; a & b", "AT&amp;T; a &amp; b"),
        // Blocks stay; whitespace next to them goes.
        (
            "<div class=\"csl-block\">Doe</div>\n  <div class=\"csl-indent\">x</div>",
            "<div class=\"csl-block\">Doe</div><div class=\"csl-indent\">x</div>",
        ),
        // Inner whitespace is a difference.
        ("Doe,  J.", "Doe,  J."),
        ("<i>A</i> <b>B</b>", "<i>A</i> <b>B</b>"),
        ("中文 标题", "中文 标题"),
    ];
    for (input, expected) in cases {
        assert_eq!(normalize(input), expected, "normalizing {input:?}");
    }
}

#[test]
fn entries_agree_by_position_id_and_text_and_the_report_shows_the_rest() {
    let entry = |id: &str, text: &str| RenderedEntry { id: id.into(), text: text.into() };
    let theirs = Response {
        bibliography: vec![
            entry("a", "Alpha &#38; co."),
            entry("b", "Beta."),
            entry("c", "Gamma."),
            entry("d", "Delta."),
        ],
        citations: vec!["(Alpha)".into(), "(Beta)".into(), "(Gamma)".into()],
    };
    let ours = Response {
        // `a` agrees (another spelling of &), `b` and `c` are swapped, `d` reads otherwise.
        bibliography: vec![
            entry("a", "Alpha &amp; co. "),
            entry("c", "Gamma."),
            entry("b", "Beta."),
            entry("d", "Delta"),
        ],
        citations: vec!["(Alpha)".into(), "(Beta )".into()],
    };
    let outcome = compare(&Ok(ours), &theirs);
    assert_eq!((outcome.entries.agree, outcome.entries.total), (1, 4));
    assert_eq!((outcome.citations.agree, outcome.citations.total), (1, 3));
    assert!(
        outcome
            .report
            .contains("entry 2 `b`\n  (ours is entry 3; at 2 ours is `c`)\n  ours:   Beta.\n  theirs: Beta.\n")
    );
    assert!(outcome.report.contains("entry 4 `d`\n  ours:   Delta\n  theirs: Delta.\n"));
    assert!(outcome.report.contains("citation 3\n  ours:   (missing)\n  theirs: (Gamma)\n"));
    assert!(outcome.report.contains("citations: 2 from us, 3 from citeproc-js"));

    let failed = compare(&Err("not implemented yet".into()), &theirs);
    assert_eq!((failed.entries.agree, failed.entries.total, failed.citations.total), (0, 4, 3));
    assert!(failed.report.contains("scholar-citeproc failed: not implemented yet"));
}
