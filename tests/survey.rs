//! The survey at the repository root is built in a test, as the README
//! builds it: every topic chapter exists, has its list, no marker is left
//! unexpanded, and neither we nor mdBook warn.

mod common;

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-scholar");

const TOPICS: &[(&str, &str)] = &[
    ("foundations", "基础理论"),
    ("architectures", "网络架构"),
    ("efficient-computation", "高效计算"),
    ("efficient-adaptation", "高效适配"),
    ("controllable-generation", "可控生成"),
    ("safety-ethics", "安全伦理"),
    ("tool-learning", "认知学习：工具学习"),
    ("applications", "创新应用"),
    ("data-evaluation", "数据与评估"),
    ("usability", "易用性"),
];

#[test]
fn the_survey_builds_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = common::scratch("survey-site");
    let output = Command::new(BIN).arg("build").arg(root).env("MDBOOK_BUILD__BUILD_DIR", &site).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for line in stderr.lines() {
        assert!(!line.contains("WARN") && !line.contains("warning"), "the build warned: {line}");
    }

    for (page, title) in TOPICS {
        let html = std::fs::read_to_string(site.join(format!("{page}.html")))
            .unwrap_or_else(|_| panic!("{page}.html was not built"));
        let main = common::main_of(&html);
        assert!(main.contains(&format!(">{title}</a></h1>")), "{page}: title {title}");
        assert!(main.contains("<h2 id=\"参考文献\">"), "{page}: no reference list heading");
        let entries = main.matches("class=\"scholar-entry\"").count();
        assert!(entries >= 6, "{page}: only {entries} entries in its list");
        let citations = main.matches("class=\"scholar-cite\"").count();
        assert!(citations >= 6, "{page}: only {citations} citations");
        assert_no_markers(page, &main);
    }

    let index = common::main_of(&std::fs::read_to_string(site.join("index.html")).unwrap());
    assert!(index.contains("class=\"scholar-topics\""), "the introduction has no topic table");
    for (page, _) in TOPICS {
        assert!(index.contains(&format!("href=\"{page}.html\"")), "the topic table misses {page}");
    }
    assert_no_markers("index", &index);

    let references = common::main_of(&std::fs::read_to_string(site.join("references.html")).unwrap());
    let entries = references.matches("class=\"scholar-entry\"").count();
    assert!(entries >= 70, "the book-wide list has only {entries} entries");
    assert_eq!(references.matches("class=\"scholar-backrefs\"").count(), entries, "every entry has back-references");
    assert_no_markers("references", &references);
}

/// Outside code, no citation or directive may survive into the page.
fn assert_no_markers(page: &str, html: &str) {
    let mut text = html.to_string();
    while let Some(start) = text.find("<code") {
        let end = text[start..].find("</code>").map_or(text.len(), |e| start + e + 7);
        text.replace_range(start..end, "");
    }
    for marker in ["[@", "{{#", "@@"] {
        assert!(!text.contains(marker), "{page}: `{marker}` left in the page");
    }
}
