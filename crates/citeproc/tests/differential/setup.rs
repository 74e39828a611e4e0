//! Finds what the test needs outside the repository: node with the harness's
//! `citeproc` package, pandoc, and Debian's CSL styles, CSL locales and TeX
//! Live bibliographies (located through `dpkg -L`, never by a guessed path).

use crate::harness::{on_path, package_file};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The tools and folders of one run.
pub struct Environment {
    pub node: PathBuf,
    /// `tests/citeproc-js`, with `render.js` and its `node_modules`.
    pub harness: PathBuf,
    pub pandoc: PathBuf,
    /// Debian's folder of independent styles (dependent ones in `dependent/`).
    pub styles: PathBuf,
    pub locales: PathBuf,
    /// biblatex's `biblatex-examples.bib`.
    pub biblatex_examples: PathBuf,
    /// Further bibliographies of the same TeX Live package, by dataset name.
    pub texlive_extras: Vec<(&'static str, PathBuf)>,
    /// `target/differential`: caches, the assembled styles, the reports.
    pub out: PathBuf,
}

/// Other bibliographies that `texlive-bibtex-extra` ships: Beebe's
/// bibliography of TeX graphics (journals, books, reports of four decades)
/// and the archaeologie package's German examples.
const TEXLIVE_EXTRAS: [(&str, &str); 2] =
    [("texgraph", "/beebe/texgraph.bib"), ("archaeologie", "/archaeologie/archaeologie-examples.bib")];

impl Environment {
    /// Everything found, or what is missing and how to get it.
    pub fn find() -> Result<Environment, String> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let harness = manifest.join("tests/citeproc-js");
        let node = on_path("node").ok_or("node is not installed (apt-get install nodejs npm)")?;
        if !harness.join("node_modules/citeproc/package.json").is_file() {
            return Err(format!("citeproc-js is not installed: run `npm ci --prefix {}`", harness.display()));
        }
        let pandoc = on_path("pandoc").ok_or("pandoc is not installed (apt-get install pandoc)")?;
        let styles = package_file("citation-style-language-styles", "/apa.csl")?;
        let locales = package_file("citation-style-language-locales", "/locales-en-US.xml")?;
        let biblatex_examples = package_file("texlive-bibtex-extra", "/biblatex/biblatex-examples.bib")?;
        let texlive_extras = TEXLIVE_EXTRAS
            .iter()
            .filter_map(|(name, end)| Some((*name, package_file("texlive-bibtex-extra", end).ok()?)))
            .collect();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target dir").join("differential");
        std::fs::create_dir_all(&out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
        Ok(Environment {
            node,
            harness,
            pandoc,
            styles: styles.parent().unwrap().to_path_buf(),
            locales: locales.parent().unwrap().to_path_buf(),
            biblatex_examples,
            texlive_extras,
            out,
        })
    }
}

/// Says why the test cannot run; fails under `SCHOLAR_DIFFERENTIAL=required`.
pub fn skip(why: &str) {
    if std::env::var("SCHOLAR_DIFFERENTIAL").as_deref() == Ok("required") {
        panic!("the differential test cannot run: {why}");
    }
    // Straight to stderr, past the test harness's capture: a skip must be seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED the differential test against citeproc-js: {why}");
}
