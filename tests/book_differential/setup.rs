//! Finds what the test needs outside the repository: node with the
//! citeproc-js harness of `crates/citeproc` (its pinned `citeproc` package),
//! and Debian's CSL styles and locales (located through `dpkg -L`, never by a
//! guessed path).

use crate::harness::{on_path, package_file};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The tools and folders of one run.
#[derive(Clone)]
pub struct Environment {
    pub node: PathBuf,
    /// `crates/citeproc/tests/citeproc-js/render.js`.
    pub harness: PathBuf,
    /// Debian's folder of independent styles.
    pub styles: PathBuf,
    /// Debian's folder of locale files, which both engines read.
    pub locales: PathBuf,
    /// `target/book-differential`: the reports.
    pub out: PathBuf,
}

impl Environment {
    /// Everything found, or why the test does not run: it runs only with
    /// `SCHOLAR_DIFFERENTIAL` set, and needs what is missing.
    pub fn find() -> Result<Environment, String> {
        if std::env::var_os("SCHOLAR_DIFFERENTIAL").is_none() {
            return Err("SCHOLAR_DIFFERENTIAL is not set (`1` runs the test; `required`, as in CI, also makes a missing node or style a failure)".into());
        }
        let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/citeproc/tests/citeproc-js");
        let node = on_path("node").ok_or("node is not installed (apt-get install nodejs npm)")?;
        if !harness.join("node_modules/citeproc/package.json").is_file() {
            return Err(format!("citeproc-js is not installed: run `npm ci --prefix {}`", harness.display()));
        }
        let styles = package_file("citation-style-language-styles", "/apa.csl")?;
        let locales = package_file("citation-style-language-locales", "/locales-en-US.xml")?;
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target dir").join("book-differential");
        std::fs::create_dir_all(&out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
        Ok(Environment {
            node,
            harness: harness.join("render.js"),
            styles: styles.parent().unwrap().to_path_buf(),
            locales: locales.parent().unwrap().to_path_buf(),
            out,
        })
    }
}

/// Says why the test cannot run; fails under `SCHOLAR_DIFFERENTIAL=required`.
pub fn skip(why: &str) {
    if std::env::var("SCHOLAR_DIFFERENTIAL").as_deref() == Ok("required") {
        panic!("the book differential test cannot run: {why}");
    }
    // Straight to stderr, past the test harness's capture: a skip must be seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED the book differential test against citeproc-js: {why}");
}
