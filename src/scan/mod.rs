//! Finding markers in a chapter: citations (`[@a]`, `@a`, `{{#cite a}}`,
//! `@@a`) and directives (`{{#bibliography}}`, `{{#nocite …}}`,
//! `{{#topics}}`, `{{#cite-as}}`), each with the byte span it replaces.
//!
//! Markers are looked for only where mdBook will see text: the chapter is
//! parsed with mdBook's own Markdown options, and only text outside code,
//! HTML, links and images is scanned. Everything else is never touched.

mod cite;
mod directive;
mod headings;
mod walk;

use hayagriva::citationberg::taxonomy::Locator as CslLocator;
use std::ops::Range;

use crate::config::MarkdownFlavor;
use directive::unescape_by_source;
pub(crate) use directive::{SourceDirectives, source_directives};
pub(crate) use headings::headings;
pub use walk::parser;
use walk::{scan_run, text_runs};

/// A marker found in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The bytes the marker covers (and its replacement replaces).
    pub span: Range<usize>,
    /// What the marker is.
    pub kind: MarkerKind,
    /// Inside a heading: the citation must not add text to the heading id.
    pub in_heading: bool,
    /// Inside a table cell: what replaces it must not contain a raw `|`.
    pub in_table: bool,
    /// Inside a footnote's definition: a note style's citation is written
    /// there in place, not as a note of its own.
    pub in_footnote: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// What a marker is: a citation or a directive.
pub enum MarkerKind {
    /// A citation: `[@k]`, `@k`, `@{k}`, `{{#cite k}}`.
    Cite(Citation),
    /// `{{#bibliography}}` (the current scope's list) or
    /// `{{#bibliography book}}` (every work cited anywhere).
    Bibliography {
        /// `book`: the book's list rather than the scope's.
        book: bool,
    },
    /// `{{#nocite a b}}`; `{{#nocite *}}` is `all`.
    Nocite {
        /// The keys listed.
        keys: Vec<String>,
        /// `*`: every work of the bibliography.
        all: bool,
    },
    /// `{{#topics}}`.
    Topics,
    /// `{{#cite-as}}` (how to cite the book) or `{{#cite-as chapter}}`
    /// (the chapter it stands in).
    CiteAs {
        /// `chapter`: the chapter rather than the book.
        chapter: bool,
    },
}

/// One citation: one or more cited works, rendered together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The works cited, in order.
    pub items: Vec<CiteItem>,
    /// `@a` in running text (the author is part of the sentence) rather
    /// than `[@a]`.
    pub narrative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// One cited work in a citation.
pub struct CiteItem {
    /// The citation key.
    pub key: String,
    /// Where the key is written (for diagnostics).
    pub key_offset: usize,
    /// Whether the key must exist: `[@k]`, `@{k}`, `{{#cite k}}` and `@@k`
    /// are citations whatever `k` is; a bare `@k` only when `k` is a key.
    pub explicit: bool,
    /// Text before the key (`[see @k]`).
    pub prefix: String,
    /// Text after the key and locator (`[@k, p. 3, and elsewhere]`).
    pub suffix: String,
    /// `p. 3`, `ch. 2`: where in the work.
    pub locator: Option<Locator>,
    /// `[-@k]`: the author is already named in the sentence.
    pub suppress_author: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
/// Where in a work: a CSL locator type and its value.
pub struct Locator {
    /// The CSL locator type (page, chapter, …).
    pub kind: CslLocator,
    /// Its value as written (`3`, `12–15`).
    pub value: String,
}

/// A heading (or definition-list term: mdBook gives them ids from the same
/// counter) of a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1–6; 0 for a definition-list term.
    pub level: u8,
    /// The bytes of the heading line(s).
    pub span: Range<usize>,
    /// Its text, as mdBook collects it for the id.
    pub text: String,
    /// The id mdBook gives it.
    pub id: String,
}

/// What scanning a chapter found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every marker, in order.
    pub markers: Vec<Marker>,
    /// Every heading and definition-list term, in order.
    pub headings: Vec<Heading>,
    /// The author's footnote references and definitions.
    pub footnotes: Footnotes,
}

/// The author's own footnotes: a note style's notes are numbered among them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footnotes {
    /// Each reference (`[^label]`): where it starts, and its label.
    pub references: Vec<(usize, String)>,
    /// Each definition (`[^label]: …`): the bytes it covers, and its label.
    pub definitions: Vec<(Range<usize>, String)>,
}

/// Scans one chapter. `is_key` tells whether a bare `@word` is a citation.
pub fn chapter(
    content: &str,
    flavor: MarkdownFlavor,
    is_key: &dyn Fn(&str) -> bool,
    source: Option<&SourceDirectives>,
) -> Scan {
    let mut scan = Scan::default();
    let (runs, math) = text_runs(content, flavor, &mut scan.footnotes);
    for run in &runs {
        scan_run(content, run, &math, is_key, &mut scan.markers);
    }
    if let Some(source) = source {
        unescape_by_source(content, source, &mut scan.markers);
    }
    scan.headings = headings(content, flavor);
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["a", "b", "knuth84", "doe99", "smith04", "müller2020", "key:with/odd.chars", "张三2020"];

    fn is_key(k: &str) -> bool {
        KEYS.contains(&k)
    }

    fn scan(content: &str) -> Vec<Marker> {
        chapter(content, MarkdownFlavor::default(), &is_key, None).markers
    }

    /// Each case: the chapter, and the markers' source text with their keys.
    #[test]
    fn markers_are_found_where_mdbook_sees_text() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])]);
        let cases: &[Case] = &[
            ("See [@a].", &[("[@a]", &["a"])]),
            ("See [@a; @b].", &[("[@a; @b]", &["a", "b"])]),
            (
                "[see @doe99, pp. 33-35; also @smith04, chap. 1]",
                &[("[see @doe99, pp. 33-35; also @smith04, chap. 1]", &["doe99", "smith04"])],
            ),
            ("Knuth says [-@knuth84].", &[("[-@knuth84]", &["knuth84"])]),
            ("@knuth84 says so.", &[("@knuth84", &["knuth84"])]),
            ("@knuth84 [p. 33] says so.", &[("@knuth84 [p. 33]", &["knuth84"])]),
            ("Ends with @knuth84.", &[("@knuth84", &["knuth84"])]),
            (
                "@{key:with/odd.chars} and @{unknown one}",
                &[("@{key:with/odd.chars}", &["key:with/odd.chars"]), ("@{unknown one}", &["unknown one"])],
            ),
            ("Mail me@a.org or @someone, or x @ 1..=5", &[]),
            ("{{#cite a}} and {{#cite b}}", &[("{{#cite a}}", &["a"]), ("{{#cite b}}", &["b"])]),
            ("@@a and @@müller2020.", &[("@@a", &["a"]), ("@@müller2020", &["müller2020"])]),
            ("Unknown [@nokey] is still a citation.", &[("[@nokey]", &["nokey"])]),
            ("Escaped \\[@a] and \\@a and \\{{#cite a}}.", &[]),
            ("`[@a]` and ``[@a] `x` `` in code", &[]),
            ("```\n[@a]\n```\n\n    [@a] indented\n", &[]),
            ("<div>\n[@a]\n</div>\n", &[]),
            ("<span title=\"[@a]\">[@b]</span>", &[("[@b]", &["b"])]),
            ("[@a](https://x.org) and [text](https://x.org/@a) ![@a](i.png)", &[]),
            ("<https://x.org/@a> and <me@a.org>", &[]),
            ("| h |\n|---|\n| [@a] |\n", &[("[@a]", &["a"])]),
            ("> quote [@a;\n> @b]\n", &[("[@a;\n> @b]", &["a", "b"])]),
            ("中文句子引用了文献[@张三2020]。", &[("[@张三2020]", &["张三2020"])]),
            ("中文@a不是引用", &[]),
            ("line one [@a]\r\nline two [@b]\r\n", &[("[@a]", &["a"]), ("[@b]", &["b"])]),
            ("[not a citation] and [email @ x]", &[]),
            ("[[@a]]", &[("[@a]", &["a"])]),
            ("Footnote[^1].\n\n[^1]: See [@a].\n", &[("[@a]", &["a"])]),
            (
                "{{#bibliography}}\n\n{{#bibliography book}}\n\n{{#nocite a b}} {{#nocite *}} {{#topics}}",
                &[
                    ("{{#bibliography}}", &[]),
                    ("{{#bibliography book}}", &[]),
                    ("{{#nocite a b}}", &[]),
                    ("{{#nocite *}}", &[]),
                    ("{{#topics}}", &[]),
                ],
            ),
            ("{{#include file.md}} {{#unknown x}}", &[]),
            ("# Heading [@a]\n", &[("[@a]", &["a"])]),
            ("Term\n: Definition [@a]\n", &[("[@a]", &["a"])]),
            ("$x [@a]$ math is text to mdBook", &[("[@a]", &["a"])]),
            ("<!-- [@a] -->\n", &[]),
        ];
        for &(content, expected) in cases {
            let markers = scan(content);
            let got: Vec<(&str, Vec<&str>)> = markers
                .iter()
                .map(|m| {
                    let keys = match &m.kind {
                        MarkerKind::Cite(c) => c.items.iter().map(|i| i.key.as_str()).collect(),
                        _ => vec![],
                    };
                    (&content[m.span.clone()], keys)
                })
                .collect();
            let expected: Vec<(&str, Vec<&str>)> = expected.iter().map(|(s, k)| (*s, k.to_vec())).collect();
            assert_eq!(got, expected, "in {content:?}");
        }
    }

    /// MathJax's math (`mathjax-support`) is left as written, markers and
    /// all; `$` signs and unclosed openers are text (issue 13).
    #[test]
    fn markers_leave_math_alone() {
        let cases: &[(&str, &[&str])] = &[
            ("costs $5 [@a]", &["[@a]"]),
            ("costs $5 and $6 [@a] @b", &["[@a]", "@b"]),
            ("$x [@a]$ is text to MathJax 2.7", &["[@a]"]),
            ("\\\\(x_{[@a]}\\\\) and [@b]", &["[@b]"]),
            ("\\\\(x\\_{[@a]}\\\\)", &[]),
            ("inline \\\\( @a + [@b] \\\\) then @a", &["@a"]),
            ("\\\\[\nx_{[@a]} = @b\n\\\\]\n\nafter [@b]\n", &["[@b]"]),
            ("display $$ [@a] $$ and [@b]", &["[@b]"]),
            ("$$\n{{#cite a}}\n$$\n", &[]),
            // An opener without its closer in the block is text.
            ("\\\\( [@a]\n\nnext paragraph \\\\) [@b]", &["[@a]", "[@b]"]),
            ("\\\\[ [@a] and no closer", &["[@a]"]),
            // `\(` (an escaped parenthesis) is no math: the page shows `(`.
            ("\\( [@a] \\)", &["[@a]"]),
            // Math inside emphasis or across it is one formula.
            ("\\\\(a *b* [@a]\\\\) [@b]", &["[@b]"]),
            // A marker that holds whole math keeps it; one that cuts math is math.
            ("[see \\\\(x^2\\\\), @a]", &["[see \\\\(x^2\\\\), @a]"]),
            // (`@a` alone is outside the formula: a narrative citation.)
            ("[@a \\\\(x] y\\\\) [@b]", &["@a", "[@b]"]),
            ("| \\\\(x_{[@a]}\\\\) | [@b] |\n|---|---|\n| [@a] | \\\\(1\\\\) |\n", &["[@b]", "[@a]"]),
            ("`\\\\(` [@a] `\\\\)`", &["[@a]"]),
            ("中文 \\\\(O(n^2)\\\\)[@a]，代价 \\\\(O(n)\\\\)", &["[@a]"]),
        ];
        for &(content, expected) in cases {
            let got: Vec<&str> = scan(content).iter().map(|m| &content[m.span.clone()]).collect();
            assert_eq!(got, expected, "in {content:?}");
        }
        // Many openers without closers stay linear.
        let openers = "\\\\( [@a] ".repeat(100_000);
        assert_eq!(scan(&openers).len(), 100_000);
    }

    fn items(content: &str) -> Vec<CiteItem> {
        match &scan(content)[0].kind {
            MarkerKind::Cite(c) => c.items.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prefixes_locators_and_suffixes() {
        // (citation, [(prefix, locator kind, locator value, suffix, suppress)])
        type Expected<'a> = (&'a str, Option<(CslLocator, &'a str)>, &'a str, bool);
        let cases: &[(&str, &[Expected])] = &[
            ("[@a]", &[("", None, "", false)]),
            (
                "[see @a, pp. 33-35; also @b, chap. 1]",
                &[
                    ("see", Some((CslLocator::Page, "33-35")), "", false),
                    ("also", Some((CslLocator::Chapter, "1")), "", false),
                ],
            ),
            ("[@a, p. 33, and elsewhere]", &[("", Some((CslLocator::Page, "33")), ", and elsewhere", false)]),
            (
                "[@a, pp. 33-35, 38-39 and passim]",
                &[("", Some((CslLocator::Page, "33-35, 38-39")), " and passim", false)],
            ),
            ("[@a, 33]", &[("", Some((CslLocator::Page, "33")), "", false)]),
            ("[@a, xii]", &[("", Some((CslLocator::Page, "xii")), "", false)]),
            ("[@a, § 4.2]", &[("", Some((CslLocator::Section, "4.2")), "", false)]),
            ("[@a, sec. 2]", &[("", Some((CslLocator::Section, "2")), "", false)]),
            (
                "[@a, fig. 3; @b, vol. 2]",
                &[("", Some((CslLocator::Figure, "3")), "", false), ("", Some((CslLocator::Volume, "2")), "", false)],
            ),
            ("[@a, {pp. iv, vi-xi}]", &[("", Some((CslLocator::Page, "iv, vi-xi")), "", false)]),
            ("[@a, and also]", &[("", None, ", and also", false)]),
            ("[-@a, p. 4]", &[("", Some((CslLocator::Page, "4")), "", true)]),
            ("[@a, ch. 3]", &[("", Some((CslLocator::Chapter, "3")), "", false)]),
            ("[@a, para. 7]", &[("", Some((CslLocator::Paragraph, "7")), "", false)]),
            ("[@a, no. 5]", &[("", Some((CslLocator::Issue, "5")), "", false)]),
            ("[@a, s.v. word]", &[("", Some((CslLocator::SubVerbo, "word")), "", false)]),
            ("@a [p. 33]", &[("", Some((CslLocator::Page, "33")), "", false)]),
            ("@a [chap. 2, note]", &[("", Some((CslLocator::Chapter, "2")), ", note", false)]),
        ];
        for &(content, expected) in cases {
            let found = items(content);
            let got: Vec<Expected> = found
                .iter()
                .map(|i| {
                    (
                        i.prefix.as_str(),
                        i.locator.as_ref().map(|l| (l.kind, l.value.as_str())),
                        i.suffix.as_str(),
                        i.suppress_author,
                    )
                })
                .collect();
            assert_eq!(got, expected.to_vec(), "in {content:?}");
        }
    }

    #[test]
    fn key_offsets_point_at_keys() {
        let content = "Text [see @a; @b] and @knuth84 and {{#cite doe99}} @@smith04";
        for marker in scan(content) {
            let MarkerKind::Cite(c) = marker.kind else { unreachable!() };
            for item in c.items {
                assert!(content[item.key_offset..].starts_with(&item.key), "{item:?}");
            }
        }
    }

    #[test]
    fn cite_as_directives() {
        let cases: &[(&str, Option<MarkerKind>)] = &[
            ("{{#cite-as}}", Some(MarkerKind::CiteAs { chapter: false })),
            ("{{#cite-as book}}", Some(MarkerKind::CiteAs { chapter: false })),
            ("{{#cite-as chapter}}", Some(MarkerKind::CiteAs { chapter: true })),
            ("{{#cite-as section}}", None),
        ];
        for (text, expected) in cases {
            assert_eq!(scan(text).first().map(|m| m.kind.clone()), *expected, "{text}");
        }
        // In code it stays text.
        assert!(scan("`{{#cite-as}}`").is_empty());
    }

    #[test]
    fn context_flags() {
        let markers = scan("# H [@a]\n\n| x |\n|---|\n| [@b] |\n\nplain [@a][^n]\n\n[^n]: In a note [@b].\n");
        let flags: Vec<(bool, bool, bool)> =
            markers.iter().map(|m| (m.in_heading, m.in_table, m.in_footnote)).collect();
        assert_eq!(flags, [(true, false, false), (false, true, false), (false, false, false), (false, false, true)]);
    }

    #[test]
    fn escapes_consumed_by_mdbook_links_are_recovered_from_the_source() {
        let source = "A \\{{#cite a}} and {{#cite b}}\n{{#include x.md}}\n";
        // What the `links` preprocessor makes of it (x.md holds `{{#cite a}}`).
        let content = "A {{#cite a}} and {{#cite b}}\n{{#cite a}}\n";
        let directives = source_directives(source);
        assert_eq!(directives, [("{{#cite a}}".to_string(), true), ("{{#cite b}}".to_string(), false)]);
        let markers = chapter(content, MarkdownFlavor::default(), &is_key, Some(&directives)).markers;
        let spans: Vec<&str> = markers.iter().map(|m| &content[m.span.clone()]).collect();
        assert_eq!(spans, ["{{#cite b}}", "{{#cite a}}"]);
        assert_eq!(markers[1].span.start, 30);
    }

    #[test]
    fn heading_ids_match_mdbook() {
        let content = "# Intro\n\n## 少样本学习（Few-Shot）\n\n## Intro\n\n## `code` & *em* \"q\"\n\n## Custom {#my-id}\n\nTerm\n: def\n\n## Term\n";
        let ids: Vec<(u8, String)> =
            headings(content, MarkdownFlavor::default()).into_iter().map(|h| (h.level, h.id)).collect();
        assert_eq!(
            ids,
            [
                (1, "intro".to_string()),
                (2, "少样本学习few-shot".to_string()),
                (2, "intro-1".to_string()),
                (2, "code--em-q".to_string()),
                (2, "my-id".to_string()),
                (0, "term".to_string()),
                (2, "term-1".to_string()),
            ]
        );
    }

    #[test]
    fn pathological_input_stays_linear() {
        let brackets = "[".repeat(100_000) + &"]".repeat(100_000);
        let _ = scan(&brackets);
        let ats = "@".repeat(500_000);
        assert!(scan(&ats).is_empty());
    }
}
