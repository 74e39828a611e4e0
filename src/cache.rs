//! The render cache: each chapter's finished text, kept between builds so
//! that `mdbook serve` re-renders only what an edit changed.
//!
//! A chapter's entry is found by a key that hashes everything its output
//! depends on: this tool's version, the whole configuration, the style (its
//! name, or its file's text), the output format, the chapter (name, path,
//! number, text) and, for every key it cites, the fingerprint of that work's
//! source. Any change to any of these is a different key, so a stale entry
//! is never served; entries no build uses any more are deleted. Chapters
//! whose output depends on other chapters (the book-wide list, the topic
//! table, scope `none`) are never cached.
//!
//! The cache lives in `.scholar-cache/` beside `book.toml`: mdBook empties
//! the build directory at every build. Deleting it is always safe.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::collect::Chapter;
use crate::config::{Config, StyleSource};
use crate::render::Output;

/// Bumped whenever what is cached changes shape.
const FORMAT: u32 = 1;

/// A 128-bit content hash, as hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(String);

/// What is kept for a chapter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub content: String,
    /// Keys the chapter cites whose entries could not be read: they are
    /// parsed again at every build so their problems are reported again.
    pub broken: Vec<String>,
    /// Where our own text is in `content` (the topic table skips headings
    /// that are ours).
    pub inserted: Vec<(usize, usize)>,
}

pub struct Cache {
    dir: PathBuf,
    base: (u64, u64),
    used: Mutex<HashSet<String>>,
}

impl Cache {
    /// The cache for this book and output, or `None` when `cache = false`.
    pub fn open(config: &Config, root: &Path, output: Output) -> Option<Cache> {
        if !config.cache {
            return None;
        }
        let style = match &config.style {
            StyleSource::Bundled(name) => name.clone(),
            StyleSource::File { path, .. } => std::fs::read_to_string(path).unwrap_or_default(),
        };
        let base = hash2(|h| {
            FORMAT.hash(h);
            env!("CARGO_PKG_VERSION").hash(h);
            config.hash(h);
            style.hash(h);
            output.hash(h);
            // Testing aid that changes rendering (see render::engine).
            std::env::var_os("SCHOLAR_WHOLE_SCOPES").is_some().hash(h);
        });
        let partition = match output {
            Output::Html => "html",
            Output::Markdown => "markdown",
        };
        Some(Cache { dir: root.join(".scholar-cache").join(partition), base, used: Mutex::new(HashSet::new()) })
    }

    /// The key of a chapter citing works with these fingerprints.
    pub fn key(&self, chapter: &Chapter, dependencies: &[(&str, Option<u64>)]) -> Key {
        let (a, b) = hash2(|h| {
            self.base.hash(h);
            chapter.name.hash(h);
            chapter.path.hash(h);
            chapter.slug.hash(h);
            chapter.number.hash(h);
            chapter.content.hash(h);
            dependencies.hash(h);
        });
        Key(format!("{a:016x}{b:016x}"))
    }

    pub fn get(&self, key: &Key) -> Option<Entry> {
        let bytes = std::fs::read(self.dir.join(&key.0)).ok()?;
        let entry = serde_json::from_slice(&bytes).ok()?;
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.0.clone());
        }
        Some(entry)
    }

    /// Stores an entry; a cache that cannot be written only costs speed.
    pub fn put(&self, key: &Key, entry: &Entry) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.0.clone());
        }
        let Ok(bytes) = serde_json::to_vec(entry) else { return };
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        // Written aside, then renamed: a reader never sees half a file.
        let temporary = self.dir.join(format!("{}.tmp{}", key.0, std::process::id()));
        if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, self.dir.join(&key.0)).is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }

    /// Deletes the entries this build did not use.
    pub fn prune(&self) {
        let Ok(used) = self.used.lock() else { return };
        let Ok(files) = std::fs::read_dir(&self.dir) else { return };
        for file in files.flatten() {
            let name = file.file_name();
            if !used.contains(name.to_string_lossy().as_ref()) {
                let _ = std::fs::remove_file(file.path());
            }
        }
    }
}

/// Two independent 64-bit hashes of the same data: 128 bits, so that a
/// collision (a stale chapter) is not a practical concern.
fn hash2(write: impl Fn(&mut std::collections::hash_map::DefaultHasher)) -> (u64, u64) {
    let mut first = std::collections::hash_map::DefaultHasher::new();
    write(&mut first);
    let mut second = std::collections::hash_map::DefaultHasher::new();
    0x5ca1ab1e_u64.hash(&mut second);
    write(&mut second);
    (first.finish(), second.finish())
}
