//! The committed floors, `tests/differential-floor.toml`: per style, the
//! percentage of entries and of citations that must agree with citeproc-js.
//! The test fails when a style falls more than [`SLACK`] below its floor.
//! Blessing raises a floor to the current figure (rounded down to a tenth)
//! and never lowers one.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    pub entries: f64,
    pub citations: f64,
}

pub type Floors = BTreeMap<String, Floor>;

/// Percentage points a style may fall below its floor before the test fails.
/// The survey's bibliography grows while the book is written, and since the
/// clusters are drawn from the items, a new entry redraws the survey's
/// clusters: figures move a little with no change to the engine. A regression
/// of the engine moves them by more; and a floor only rises, so the slack
/// never adds up.
pub const SLACK: f64 = 1.0;

pub const BLESS: &str = "SCHOLAR_DIFFERENTIAL_BLESS=1 cargo test -p scholar-citeproc --test differential";

pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential-floor.toml")
}

/// The floors; none when the file does not exist yet.
pub fn read() -> Result<Floors, String> {
    let path = path();
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Floors::new()),
        Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
    }
}

/// A percentage as a floor: rounded down to a tenth, so that the figure that
/// was blessed always passes.
pub fn down(percent: f64) -> f64 {
    // The small allowance keeps 57.3 from becoming 57.2 through 57.29999….
    ((percent + 1e-9) * 10.0).floor() / 10.0
}

/// Writes `floors` (all styles, in name order).
pub fn write(floors: &Floors) -> Result<(), String> {
    let mut text = String::new();
    text.push_str("# Floors of the differential test against citeproc-js (tests/differential/main.rs):\n");
    text.push_str("# per style, the percentage of bibliography entries and of citations that agree,\n");
    let _ = writeln!(
        text,
        "# over every dataset. The test fails when a style falls more than {SLACK:.1} point below its floor."
    );
    let _ = writeln!(text, "# Raise them with `{BLESS}`;\n# blessing never lowers a floor.");
    for (style, floor) in floors {
        let _ = write!(text, "\n[{style}]\nentries = {:.1}\ncitations = {:.1}\n", floor.entries, floor.citations);
    }
    std::fs::write(path(), text).map_err(|e| format!("cannot write `{}`: {e}", path().display()))
}

#[test]
fn floors_round_down_and_survive_a_round_trip() {
    assert_eq!(down(100.0 * 573.0 / 1000.0), 57.3);
    assert_eq!(down(100.0 * 2.0 / 3.0), 66.6);
    assert_eq!(down(0.0), 0.0);
    assert_eq!(down(100.0), 100.0);
    let text = "[ieee]\nentries = 57.3\ncitations = 0.0\n";
    let floors: Floors = toml::from_str(text).unwrap();
    assert_eq!(floors["ieee"], Floor { entries: 57.3, citations: 0.0 });
}
