//! The items both engines render: bibliographies converted to CSL-JSON by
//! Debian's pandoc at test time (the survey's, biblatex's examples, two more
//! from TeX Live), cached under the target dir by content, plus our own
//! `awkward.json` of hard cases.

use crate::setup::Environment;
use serde_json::Value;
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Items kept of a dataset, the first in file order: a bibliography of 200
/// shows what one of 2,000 would, and citeproc-js takes about a second per
/// style for 200 items and 300 citations.
const MAX_ITEMS: usize = 200;

/// One set of CSL-JSON items.
pub struct Dataset {
    pub name: &'static str,
    pub items: Vec<Value>,
}

/// Every dataset, in a fixed order.
pub fn load(env: &Environment) -> Result<Vec<Dataset>, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let book = manifest.join("../../book");
    let pandoc = Pandoc::new(env)?;

    // The survey's bibliography, and the files of new entries `book/bib/*.bib`
    // that chapters being rewritten keep until they are merged into it.
    let mut survey = vec![book.join("references.bib")];
    let mut chapter_files: Vec<PathBuf> = std::fs::read_dir(book.join("bib"))
        .into_iter()
        .flatten()
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "bib"))
        .collect();
    chapter_files.sort();
    survey.extend(chapter_files);

    let mut datasets = vec![
        Dataset { name: "awkward", items: awkward()? },
        Dataset { name: "survey", items: pandoc.convert_all(&survey)? },
        Dataset { name: "biblatex-examples", items: pandoc.convert_all(std::slice::from_ref(&env.biblatex_examples))? },
    ];
    for (name, path) in &env.texlive_extras {
        datasets.push(Dataset { name, items: pandoc.convert_all(std::slice::from_ref(path))? });
    }
    for dataset in &mut datasets {
        dataset.items.truncate(MAX_ITEMS);
    }
    Ok(datasets)
}

/// Our own hard cases (see the file for what each item is for).
fn awkward() -> Result<Vec<Value>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/awkward.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

struct Pandoc<'a> {
    env: &'a Environment,
    /// `pandoc --version`, part of every cache key.
    version: String,
}

impl<'a> Pandoc<'a> {
    fn new(env: &'a Environment) -> Result<Self, String> {
        let output =
            Command::new(&env.pandoc).arg("--version").output().map_err(|e| format!("cannot run pandoc: {e}"))?;
        Ok(Pandoc { env, version: String::from_utf8_lossy(&output.stdout).into_owned() })
    }

    /// The items of several files, the first of two with one id kept (the
    /// survey's chapter files add entries that are merged later).
    fn convert_all(&self, files: &[PathBuf]) -> Result<Vec<Value>, String> {
        let mut seen = HashSet::new();
        let mut items = Vec::new();
        for file in files {
            for item in self.convert(file)? {
                let id = item.get("id").map(|id| id.to_string()).unwrap_or_default();
                if seen.insert(id) {
                    items.push(item);
                }
            }
        }
        Ok(items)
    }

    /// `pandoc -f biblatex -t csljson FILE`, cached under the target dir by
    /// the file's content and pandoc's version.
    fn convert(&self, file: &Path) -> Result<Vec<Value>, String> {
        let bytes = std::fs::read(file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let mut hasher = DefaultHasher::new();
        (&bytes, &self.version).hash(&mut hasher);
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        let cached = self.env.out.join("datasets").join(format!("{stem}-{:016x}.json", hasher.finish()));
        let json = match std::fs::read_to_string(&cached) {
            Ok(json) => json,
            Err(_) => {
                let output = Command::new(&self.env.pandoc)
                    .args(["-f", "biblatex", "-t", "csljson"])
                    .arg(file)
                    .output()
                    .map_err(|e| format!("cannot run pandoc: {e}"))?;
                if !output.status.success() {
                    return Err(format!(
                        "pandoc could not convert `{}`: {}",
                        file.display(),
                        String::from_utf8_lossy(&output.stderr)
                    ));
                }
                let json = String::from_utf8(output.stdout).map_err(|e| format!("pandoc wrote no UTF-8: {e}"))?;
                std::fs::create_dir_all(cached.parent().unwrap()).map_err(|e| e.to_string())?;
                std::fs::write(&cached, &json).map_err(|e| format!("cannot write `{}`: {e}", cached.display()))?;
                json
            }
        };
        serde_json::from_str(&json).map_err(|e| format!("pandoc's CSL-JSON for `{}`: {e}", file.display()))
    }
}
