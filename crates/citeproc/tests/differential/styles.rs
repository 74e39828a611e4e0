//! The styles compared, by their file names in Debian's
//! `citation-style-language-styles`, and the folder both engines read them
//! from: Debian keeps dependent styles in `dependent/`, while the protocol
//! looks for a parent beside its dependent, so each chosen style is copied,
//! with its parent, into one folder under the target dir.

use std::path::{Path, PathBuf};

/// One style of the comparison.
pub struct Style {
    /// The file name without `.csl`, as in Debian's folder.
    pub name: &'static str,
    /// A forced locale.
    pub lang: Option<&'static str>,
}

const fn style(name: &'static str) -> Style {
    Style { name, lang: None }
}

const fn chinese(name: &'static str) -> Style {
    Style { name, lang: Some("zh-CN") }
}

/// Widely used styles of every class (numeric, author-date, note, label),
/// the three GB/T 7714-2015 styles the survey is published in, and five
/// dependent styles (their parents: nature twice, plos, ieee,
/// american-chemical-society). Debian's names of 2023: `chicago-note-bibliography`
/// is Chicago's notes-and-bibliography style, `china-national-standard-gb-t-7714-2015-*`
/// are the `gb-7714-2015-*` styles.
pub const STYLES: &[Style] = &[
    style("ieee"),
    style("apa"),
    style("apa-6th-edition"),
    style("chicago-author-date"),
    style("chicago-note-bibliography"),
    style("chicago-fullnote-bibliography"),
    style("turabian-fullnote-bibliography"),
    style("modern-language-association"),
    style("modern-humanities-research-association"),
    style("nature"),
    chinese("china-national-standard-gb-t-7714-2015-numeric"),
    chinese("china-national-standard-gb-t-7714-2015-author-date"),
    chinese("china-national-standard-gb-t-7714-2015-note"),
    style("harvard-cite-them-right"),
    style("elsevier-harvard"),
    style("elsevier-with-titles"),
    style("vancouver"),
    style("american-medical-association"),
    style("american-chemical-society"),
    style("acm-sig-proceedings"),
    style("association-for-computing-machinery"),
    style("springer-basic-author-date"),
    style("springer-lecture-notes-in-computer-science"),
    style("taylor-and-francis-chicago-author-date"),
    style("american-sociological-association"),
    style("american-political-science-association"),
    style("council-of-science-editors"),
    style("oscola"),
    style("din-1505-2"),
    style("cell"),
    style("the-lancet"),
    style("science"),
    // Dependent styles.
    style("nature-communications"),
    style("scientific-reports"),
    style("plos-one"),
    style("ieee-transactions-on-pattern-analysis-and-machine-intelligence"),
    style("journal-of-the-american-chemical-society"),
];

/// The styles named in `SCHOLAR_DIFFERENTIAL_STYLES` (comma-separated), or all.
pub fn selected() -> Result<Vec<&'static Style>, String> {
    let Ok(wanted) = std::env::var("SCHOLAR_DIFFERENTIAL_STYLES") else {
        return Ok(STYLES.iter().collect());
    };
    wanted
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            STYLES.iter().find(|s| s.name == name).ok_or_else(|| {
                format!("SCHOLAR_DIFFERENTIAL_STYLES names `{name}`, which is not in tests/differential/styles.rs")
            })
        })
        .collect()
}

/// Copies each style, and the parent of a dependent one, from Debian's folder
/// into `into`; returns the path of each style's copy.
pub fn assemble(debian: &Path, styles: &[&Style], into: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(into).map_err(|e| format!("cannot create `{}`: {e}", into.display()))?;
    let mut paths = Vec::new();
    for style in styles {
        let file = format!("{}.csl", style.name);
        let source =
            [debian.join(&file), debian.join("dependent").join(&file)].into_iter().find(|p| p.is_file()).ok_or_else(
                || format!("Debian's styles have no `{file}` (in `{}` or its `dependent/`)", debian.display()),
            )?;
        let xml = copy(&source, &into.join(&file))?;
        if let Some(parent) = independent_parent(&xml) {
            copy(&debian.join(format!("{parent}.csl")), &into.join(format!("{parent}.csl")))?;
        }
        paths.push(into.join(&file));
    }
    Ok(paths)
}

fn copy(from: &Path, to: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(from).map_err(|e| format!("cannot read `{}`: {e}", from.display()))?;
    if std::fs::read_to_string(to).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(to, &text).map_err(|e| format!("cannot write `{}`: {e}", to.display()))?;
    }
    Ok(text)
}

/// The last segment of a dependent style's `independent-parent` link.
fn independent_parent(xml: &str) -> Option<&str> {
    xml.split("<link").skip(1).map(|tag| &tag[..tag.find('>').unwrap_or(tag.len())]).find_map(|tag| {
        if !tag.contains("\"independent-parent\"") {
            return None;
        }
        let href = tag.split("href=\"").nth(1)?.split('"').next()?;
        href.trim_end_matches('/').rsplit('/').next()
    })
}

#[test]
fn finds_the_parent_of_a_dependent_style() {
    let xml = r#"<info><link href="http://www.zotero.org/styles/nature-communications" rel="self"/>
        <link href="http://www.zotero.org/styles/nature" rel="independent-parent"/></info>"#;
    assert_eq!(independent_parent(xml), Some("nature"));
    let xml = r#"<link rel="independent-parent" href="http://www.zotero.org/styles/plos/"/>"#;
    assert_eq!(independent_parent(xml), Some("plos"));
    assert_eq!(independent_parent(r#"<link href="x" rel="self"/>"#), None);
}
