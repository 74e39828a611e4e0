//! The committed floors, `tests/book-differential-floor.toml`: per style,
//! the percentage of citations and of list entries of the fixture's
//! chapters that must agree with citeproc-js. The fixture and its works are
//! fixed, so there is no slack: a style below its floor fails. Blessing
//! raises a floor to the current figure (rounded down to a tenth) and never
//! lowers one.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Agreeing and compared, of citations and of entries.
#[derive(Default, Clone, Copy)]
pub struct Score {
    pub citations: (usize, usize),
    pub entries: (usize, usize),
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    pub citations: f64,
    pub entries: f64,
}

const BLESS: &str = "SCHOLAR_DIFFERENTIAL=1 SCHOLAR_DIFFERENTIAL_BLESS=1 cargo test --test book_differential";

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/book-differential-floor.toml")
}

/// A share as a floor: a percentage rounded down to a tenth, so that the
/// figure that was blessed always passes.
fn percent((agree, total): (usize, usize)) -> f64 {
    let percent = if total == 0 { 100.0 } else { 100.0 * agree as f64 / total as f64 };
    // The small allowance keeps 57.3 from becoming 57.2 through 57.29999….
    ((percent + 1e-9) * 10.0).floor() / 10.0
}

/// Fails when a style is below its floor; raises the floors when blessing;
/// says how to raise them when a style is above.
pub fn check(scores: &[(&str, Score)]) -> Result<(), String> {
    let text = std::fs::read_to_string(path()).unwrap_or_default();
    let mut floors: BTreeMap<String, Floor> =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path().display()))?;
    let bless = std::env::var_os("SCHOLAR_DIFFERENTIAL_BLESS").is_some();
    let mut below = Vec::new();
    let mut above = Vec::new();
    for (style, score) in scores {
        let now = Floor { citations: percent(score.citations), entries: percent(score.entries) };
        let old = floors.get(*style).copied().unwrap_or_default();
        if now.citations < old.citations || now.entries < old.entries {
            below.push(format!(
                "{style}: citations {:.1}% (floor {:.1}%), entries {:.1}% (floor {:.1}%)",
                now.citations, old.citations, now.entries, old.entries
            ));
        } else if now != old {
            above.push(*style);
        }
        if bless {
            let raised = Floor { citations: old.citations.max(now.citations), entries: old.entries.max(now.entries) };
            floors.insert(style.to_string(), raised);
        }
    }
    if bless {
        write(&floors)?;
    } else if !above.is_empty() {
        eprintln!(
            "{} styles are above their floor ({}): raise the floors with\n  {BLESS}\n",
            above.len(),
            above.join(", ")
        );
    }
    if below.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "styles fell below their floor in {} (the differences are printed above):\n  {}",
            path().display(),
            below.join("\n  ")
        ))
    }
}

fn write(floors: &BTreeMap<String, Floor>) -> Result<(), String> {
    let mut text = String::new();
    text.push_str("# Floors of the book differential test against citeproc-js (tests/book_differential):\n");
    text.push_str("# per style, the percentage of the fixture's citations and list entries that agree.\n");
    let _ = writeln!(text, "# Raise them with `{BLESS}`;\n# blessing never lowers a floor.");
    for (style, floor) in floors {
        let _ = write!(text, "\n[{style}]\ncitations = {:.1}\nentries = {:.1}\n", floor.citations, floor.entries);
    }
    std::fs::write(path(), text).map_err(|e| format!("cannot write `{}`: {e}", path().display()))
}

#[test]
fn floors_round_down() {
    assert_eq!(percent((573, 1000)), 57.3);
    assert_eq!(percent((2, 3)), 66.6);
    assert_eq!(percent((0, 0)), 100.0);
    assert_eq!(percent((41, 41)), 100.0);
}
