//! The cache's store: entries by key, in a pack file with an index.
//!
//! A chapter's entry is found by a key that hashes everything its output
//! depends on: this tool's version, the whole configuration, the style (its
//! name, or its file's text), the output format, the chapter (name, path,
//! number, text) and, for every key it cites, the fingerprint of that work's
//! source. Any change to any of these is a different key, so a stale entry
//! is never served.
//!
//! Entries are appended to one pack file with a small index beside it (one
//! file per chapter cost more in file-system calls than rendering did). When
//! most of the pack is dead, it is rewritten with only what the last build
//! used. The cache lives in `.scholar-cache/` beside `book.toml`, because
//! mdBook empties the build directory at every build; deleting it is always
//! safe.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::collect::Chapter;
use crate::config::{Config, Output};
use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::style::StyleSource;

/// Bumped whenever what is cached changes shape.
const FORMAT: u32 = 4;

/// A chapter's text in the pack, as a JSON string (quotes included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub offset: u64,
    pub length: u64,
}

/// What a chapter's keys take from it (with the build's base): its name,
/// place and text, hashed once.
#[derive(Debug, Clone, Copy)]
pub struct Digest((u64, u64));

/// A 128-bit content hash, as hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key(String);

/// What is kept for a chapter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub content: String,
    /// Where the content is in the pack, when it was left there (`content`
    /// is then empty): the protocol copies it to mdBook as it is.
    pub stored: Option<Stored>,
    /// What the build said about the chapter (unknown keys and the like),
    /// said again when the chapter is taken from the cache unscanned.
    pub diagnostics: Vec<Diagnostic>,
    /// Keys the chapter cites whose entries could not be read: they are
    /// parsed again at every build so their problems are reported again.
    pub broken: Vec<String>,
    /// Where our own text is in `content` (the topic table skips headings
    /// that are ours).
    pub inserted: Vec<(usize, usize)>,
}

/// Where an entry is in the pack.
#[derive(Debug, Clone, Copy)]
struct Place {
    offset: u64,
    length: u64,
}

pub struct Cache {
    dir: PathBuf,
    base: (u64, u64),
    /// Entries come back with their content left in the pack.
    leave_content: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The index as read: every live entry of the pack.
    index: HashMap<String, Place>,
    /// Quick keys (chapter text and the whole bibliography) to entry keys.
    aliases: HashMap<String, String>,
    /// Aliases this build used or added.
    used_aliases: HashMap<String, String>,
    /// The pack, open for reading entries where they are.
    reader: Option<Arc<std::fs::File>>,
    /// Entries this build used or added, with their places.
    used: HashMap<String, Place>,
    /// The pack, open for appending new entries as they come.
    writer: Option<std::io::BufWriter<std::fs::File>>,
    /// Where the pack ends (new entries go there).
    pack_length: u64,
    /// Writing failed: nothing more is written, and the index is left as
    /// it was (pointing only at entries written before).
    failed: bool,
}

/// The book's cache folder, beside `book.toml`.
pub fn folder(root: &Path) -> PathBuf {
    root.join(".scholar-cache")
}

impl Cache {
    /// The cache for this book and output, or `None` when `cache = false`.
    /// With `leave_content`, entries found keep their text in the pack
    /// (see [`Entry::stored`]).
    pub fn open(config: &Config, root: &Path, output: Output, leave_content: bool) -> Option<Cache> {
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
            env!("SCHOLAR_BUILD_ID").hash(h);
            config.hash(h);
            style.hash(h);
            // The user's locale files, as they are now.
            if let Some(dir) = &config.locales {
                crate::style::locale_texts(&dir.path).ok().hash(h);
            }
            output.hash(h);
        });
        let partition = match output {
            Output::Html => "html",
            Output::Markdown => "markdown",
        };
        let dir = folder(root).join(partition);
        let mut state = State::default();
        if let Ok(index) = std::fs::read_to_string(dir.join("index")) {
            for line in index.lines() {
                if let Some(alias) = line.strip_prefix("alias ") {
                    if let Some((quick, key)) = alias.split_once(' ') {
                        state.aliases.insert(quick.to_string(), key.to_string());
                    }
                    continue;
                }
                let mut parts = line.split(' ');
                if let (Some(key), Some(Ok(offset)), Some(Ok(length))) =
                    (parts.next(), parts.next().map(str::parse), parts.next().map(str::parse))
                {
                    state.index.insert(key.to_string(), Place { offset, length });
                }
            }
        }
        state.pack_length = std::fs::metadata(dir.join("pack")).map_or(0, |m| m.len());
        Some(Cache { dir, base, leave_content, state: Mutex::new(state) })
    }

    /// The key of a chapter (by its [`Cache::digest`]) citing works with
    /// these fingerprints.
    pub fn key(&self, digest: &Digest, dependencies: &[(&str, Option<u64>)]) -> Key {
        let (a, b) = hash2(|h| {
            "full".hash(h);
            digest.0.hash(h);
            dependencies.hash(h);
        });
        Key(format!("{a:016x}{b:016x}"))
    }

    /// What a chapter's keys take from it (computed while the bibliography
    /// loads, for the quick key).
    pub fn digest(&self, chapter: &Chapter) -> Digest {
        Digest(hash2(|h| {
            "quick".hash(h);
            self.base.hash(h);
            chapter.name.hash(h);
            chapter.path.hash(h);
            chapter.slug.hash(h);
            chapter.number.hash(h);
            chapter.content.hash(h);
        }))
    }

    /// The quick key of a chapter: its text and the whole bibliography, so
    /// a chapter whose text did not change is found without being scanned
    /// as long as no bibliography file changed.
    pub fn quick_key(&self, digest: &Digest, library: u64) -> Key {
        let (a, b) = hash2(|h| {
            digest.0.hash(h);
            library.hash(h);
        });
        Key(format!("{a:016x}{b:016x}"))
    }

    /// The entry a quick key leads to.
    pub fn get_quick(&self, quick: &Key) -> Option<Entry> {
        let key = self.state.lock().ok()?.aliases.get(&quick.0).cloned()?;
        let entry = self.get(&Key(key.clone()))?;
        if let Ok(mut state) = self.state.lock() {
            state.used_aliases.insert(quick.0.clone(), key);
        }
        Some(entry)
    }

    /// Records that `quick` leads to `key` (stored by [`Cache::finish`]).
    pub fn alias(&self, quick: &Key, key: &Key) {
        if let Ok(mut state) = self.state.lock() {
            state.used_aliases.insert(quick.0.clone(), key.0.clone());
        }
    }

    pub fn get(&self, key: &Key) -> Option<Entry> {
        let place = *self.state.lock().ok()?.index.get(&key.0)?;
        let file = self.pack()?;
        // The rest, then the content: the rest's length ends the entry.
        let mut trailer = [0; 8];
        read_at(&file, &mut trailer, (place.offset + place.length).checked_sub(8)?).ok()?;
        let rest_length = u64::from_le_bytes(trailer);
        let content_length = place.length.checked_sub(8)?.checked_sub(rest_length)?;
        let mut rest = vec![0; usize::try_from(rest_length).ok()?];
        read_at(&file, &mut rest, place.offset + content_length).ok()?;
        let mut entry = decode_rest(&rest)?;
        let stored = Stored { offset: place.offset, length: content_length };
        if self.leave_content {
            entry.stored = Some(stored);
        } else {
            entry.content = read_content(&file, stored)?;
        }
        self.state.lock().ok()?.used.insert(key.0.clone(), place);
        Some(entry)
    }

    /// The pack, open for reading. It stays readable through this handle
    /// when [`Cache::finish`] replaces it.
    pub fn pack(&self) -> Option<Arc<std::fs::File>> {
        let mut state = self.state.lock().ok()?;
        if state.reader.is_none() {
            state.reader = Some(Arc::new(std::fs::File::open(self.dir.join("pack")).ok()?));
        }
        state.reader.clone()
    }

    /// Appends an entry to the pack (indexed by [`Cache::finish`]).
    pub fn put(&self, key: &Key, entry: &Entry) {
        // Encoded before taking the lock: chapters are stored in parallel.
        let mut bytes = Vec::new();
        encode(entry, &mut bytes);
        let Ok(mut state) = self.state.lock() else { return };
        if state.failed {
            return;
        }
        if state.writer.is_none() {
            let file = std::fs::create_dir_all(&self.dir)
                .and_then(|_| std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("pack")));
            match file {
                Ok(file) => state.writer = Some(std::io::BufWriter::with_capacity(1 << 16, file)),
                Err(_) => {
                    state.failed = true;
                    return;
                }
            }
        }
        let offset = state.pack_length;
        let written = state.writer.as_mut().is_some_and(|w| w.write_all(&bytes).is_ok());
        if !written {
            state.failed = true;
            return;
        }
        state.pack_length += bytes.len() as u64;
        state.used.insert(key.0.clone(), Place { offset, length: bytes.len() as u64 });
    }

    /// Writes the index of what this build used; rewrites the pack when most
    /// of it is dead. A cache that cannot be written only costs speed.
    pub fn finish(self) {
        let Ok(mut state) = self.state.into_inner() else { return };
        if let Some(writer) = state.writer.take()
            && writer.into_inner().is_err()
        {
            state.failed = true;
        }
        if state.failed {
            return;
        }
        let unchanged = state.used.len() == state.index.len()
            && state.used.keys().all(|k| state.index.contains_key(k))
            && state.used_aliases == state.aliases;
        if unchanged {
            return;
        }
        let live: u64 = state.used.values().map(|p| p.length).sum();
        if state.pack_length > 2 * live.max(1 << 20) {
            // Compact: the live entries only, copied one by one into a new
            // pack (the old one can be far bigger than memory should hold).
            if let Some(index) = compact(&self.dir, &state.used) {
                write_atomically(&self.dir.join("index"), render_index(&index, &state.used_aliases).as_bytes());
            }
            return;
        }
        write_atomically(&self.dir.join("index"), render_index(&state.used, &state.used_aliases).as_bytes());
    }
}

/// Writes a new pack of the `live` entries; their new places.
fn compact(dir: &Path, live: &HashMap<String, Place>) -> Option<HashMap<String, Place>> {
    let path = dir.join("pack");
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let copy = || -> std::io::Result<HashMap<String, Place>> {
        let old = std::fs::File::open(&path)?;
        let mut new = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&temporary)?);
        let mut index = HashMap::new();
        let mut buffer = Vec::new();
        let mut offset = 0;
        for (key, place) in live {
            buffer.resize(usize::try_from(place.length).unwrap_or(usize::MAX), 0);
            read_at(&old, &mut buffer, place.offset)?;
            new.write_all(&buffer)?;
            index.insert(key.clone(), Place { offset, length: place.length });
            offset += place.length;
        }
        new.into_inner().map_err(|e| e.into_error())?.sync_data()?;
        std::fs::rename(&temporary, &path)?;
        Ok(index)
    };
    let index = copy();
    if index.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    index.ok()
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(not(unix))]
fn read_at(mut file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buffer)
}

fn render_index(index: &HashMap<String, Place>, aliases: &HashMap<String, String>) -> String {
    let mut lines: Vec<String> = index.iter().map(|(k, p)| format!("{k} {} {}\n", p.offset, p.length)).collect();
    lines.extend(aliases.iter().filter(|(_, key)| index.contains_key(*key)).map(|(q, k)| format!("alias {q} {k}\n")));
    lines.sort_unstable();
    lines.concat()
}

/// Written aside, then renamed: a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> bool {
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, path).is_ok() {
        return true;
    }
    let _ = std::fs::remove_file(&temporary);
    false
}

/// An entry as bytes: its content as a JSON string, then the rest (counts
/// and lengths as little-endian u64, then texts), then the length of the
/// rest. The protocol copies the content to mdBook straight from the pack.
fn encode(entry: &Entry, out: &mut Vec<u8>) {
    // As JSON, the form the protocol sends it in.
    let _ = serde_json::to_writer(&mut *out, &entry.content);
    let start = out.len();
    let number = |n: usize, out: &mut Vec<u8>| out.extend_from_slice(&(n as u64).to_le_bytes());
    number(entry.broken.len(), out);
    for key in &entry.broken {
        number(key.len(), out);
        out.extend_from_slice(key.as_bytes());
    }
    number(entry.inserted.len(), out);
    for &(start, end) in &entry.inserted {
        number(start, out);
        number(end, out);
    }
    number(entry.diagnostics.len(), out);
    for diagnostic in &entry.diagnostics {
        let text = |t: &str, out: &mut Vec<u8>| {
            number(t.len(), out);
            out.extend_from_slice(t.as_bytes());
        };
        out.push(match diagnostic.severity {
            Severity::Note => 0,
            Severity::Warning => 1,
            Severity::Error => 2,
        });
        match &diagnostic.location {
            Some(location) => {
                out.push(1);
                text(&location.path.to_string_lossy(), out);
                number(location.line, out);
                number(location.column, out);
            }
            None => out.push(0),
        }
        text(&diagnostic.message, out);
        match &diagnostic.hint {
            Some(hint) => {
                out.push(1);
                text(hint, out);
            }
            None => out.push(0),
        }
    }
    number(out.len() - start, out);
}

/// Copies a stored text to `out` as it is in the pack (a JSON string), a
/// buffer at a time.
pub fn copy_stored(
    file: &std::fs::File,
    stored: Stored,
    buffer: &mut [u8],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let (mut offset, end) = (stored.offset, stored.offset + stored.length);
    while offset < end {
        let n = usize::try_from(end - offset).map_or(buffer.len(), |n| n.min(buffer.len()));
        read_at(file, &mut buffer[..n], offset)?;
        out.write_all(&buffer[..n])?;
        offset += n as u64;
    }
    Ok(())
}

/// A chapter's text from the pack.
pub fn read_content(file: &std::fs::File, stored: Stored) -> Option<String> {
    let mut literal = vec![0; usize::try_from(stored.length).ok()?];
    read_at(file, &mut literal, stored.offset).ok()?;
    serde_json::from_slice(&literal).ok()
}

#[cfg(test)]
fn decode(whole: Vec<u8>) -> Option<Entry> {
    let (rest, trailer) = whole.split_last_chunk::<8>()?;
    let rest_length = usize::try_from(u64::from_le_bytes(*trailer)).ok()?;
    let content_length = rest.len().checked_sub(rest_length)?;
    let mut entry = decode_rest(&rest[content_length..])?;
    entry.content = serde_json::from_slice(&whole[..content_length]).ok()?;
    Some(entry)
}

fn decode_rest(mut bytes: &[u8]) -> Option<Entry> {
    fn number(bytes: &mut &[u8]) -> Option<usize> {
        let (head, rest) = bytes.split_first_chunk::<8>()?;
        *bytes = rest;
        usize::try_from(u64::from_le_bytes(*head)).ok()
    }
    fn text(bytes: &mut &[u8]) -> Option<String> {
        let length = number(bytes)?;
        let (head, rest) = bytes.split_at_checked(length)?;
        *bytes = rest;
        String::from_utf8(head.to_vec()).ok()
    }
    let mut entry = Entry::default();
    for _ in 0..number(&mut bytes)? {
        entry.broken.push(text(&mut bytes)?);
    }
    for _ in 0..number(&mut bytes)? {
        entry.inserted.push((number(&mut bytes)?, number(&mut bytes)?));
    }
    fn byte(bytes: &mut &[u8]) -> Option<u8> {
        let (first, rest) = bytes.split_first()?;
        *bytes = rest;
        Some(*first)
    }
    for _ in 0..number(&mut bytes)? {
        let severity = match byte(&mut bytes)? {
            0 => Severity::Note,
            1 => Severity::Warning,
            _ => Severity::Error,
        };
        let location = match byte(&mut bytes)? {
            0 => None,
            _ => Some(Location {
                path: text(&mut bytes)?.into(),
                line: number(&mut bytes)?,
                column: number(&mut bytes)?,
            }),
        };
        let message = text(&mut bytes)?;
        let hint = match byte(&mut bytes)? {
            0 => None,
            _ => Some(text(&mut bytes)?),
        };
        entry.diagnostics.push(Diagnostic { severity, location, message, hint });
    }
    bytes.is_empty().then_some(entry)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let entry = Entry {
            diagnostics: vec![
                Diagnostic::warning("unknown citation key `x`")
                    .at(Location { path: "src/a.md".into(), line: 3, column: 9 })
                    .with_hint("did you mean `y`?"),
                Diagnostic::new(Severity::Error, "plain"),
            ],
            content: "中文 [1]\r\n<div>".into(),
            broken: vec!["a".into(), "ü".into()],
            inserted: vec![(1, 5), (7, 9)],
            stored: None,
        };
        let mut bytes = Vec::new();
        encode(&entry, &mut bytes);
        assert_eq!(decode(bytes.clone()), Some(entry));
        assert_eq!(decode(bytes[..bytes.len() - 1].to_vec()), None);
        assert_eq!(decode(bytes[1..].to_vec()), None);
    }

    #[test]
    fn compaction_keeps_live_entries_only() {
        let dir = std::env::temp_dir().join(format!("scholar-compact-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let entry = |text: &str| Entry { content: text.into(), ..Entry::default() };
        let mut pack = b"dead entry bytes".to_vec();
        let mut live = HashMap::new();
        for (key, text) in [("a", "first page"), ("b", "第二页")] {
            let mut bytes = Vec::new();
            encode(&entry(text), &mut bytes);
            live.insert(key.to_string(), Place { offset: pack.len() as u64, length: bytes.len() as u64 });
            pack.extend_from_slice(&bytes);
            pack.extend_from_slice(b"more dead bytes");
        }
        std::fs::write(dir.join("pack"), &pack).unwrap();
        let index = compact(&dir, &live).unwrap();
        let new = std::fs::read(dir.join("pack")).unwrap();
        assert_eq!(new.len() as u64, live.values().map(|p| p.length).sum::<u64>());
        for (key, text) in [("a", "first page"), ("b", "第二页")] {
            let place = index[key];
            let bytes = new[place.offset as usize..(place.offset + place.length) as usize].to_vec();
            assert_eq!(decode(bytes), Some(entry(text)));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
