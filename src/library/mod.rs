//! The library: every work of the book's bibliography files, by key.
//!
//! Loading reads and indexes every file (keys, places, duplicates, broken
//! entries) but parses BibLaTeX entries only when asked: a book cites a few
//! hundred works of a library of tens of thousands, and parsing is the cost.
//! Each format has its reader; every reader returns what it read plus
//! `Problem`s at byte offsets, which become `file:line:column` diagnostics
//! here. Problems are never a reason to lose the other entries; only a file
//! that cannot be read at all is an error.

mod bibtex;
mod csljson;
mod decode;
pub(crate) mod language;
pub(crate) mod latex;
mod problem;
mod sources;
mod work;
mod yaml;

use anyhow::Result;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::config::BibFile;
use crate::diagnostic::{Diagnostic, Location};
use problem::{LineIndex, Problem};
pub use sources::Format;
pub(crate) use sources::Sources;
pub use work::Work;

/// An entry a reader found whole (YAML, CSL-JSON): its key, where the key
/// is, and the language it declares.
struct Found {
    key: String,
    offset: usize,
    entry: hayagriva::Entry,
    language: Option<String>,
}

/// A file as indexed.
struct SourceFile {
    shown: String,
    text: String,
    /// Where its lines start, for `line:column` in big files.
    lines: LineIndex,
    /// A hash of its `@string` definitions (every entry may use them).
    strings_hash: u64,
    /// BibLaTeX only: the file's items, from our scanner.
    items: Vec<bibtex::Item>,
    /// BibLaTeX only: its `@string` items and the names each defines (a
    /// work's export looks for the ones it uses).
    strings: Vec<(usize, Vec<String>)>,
}

impl SourceFile {
    /// Reads a file's entries: works ready (YAML, CSL-JSON) or BibLaTeX
    /// entries to parse when asked, each with its key and where the key is.
    fn read(shown: String, text: String, format: Format) -> (SourceFile, Vec<(String, usize, State)>, Vec<Problem>) {
        let lines = LineIndex::new(&text);
        let mut file = SourceFile { shown, text, lines, strings_hash: 0, items: Vec::new(), strings: Vec::new() };
        let mut found = Vec::new();
        let problems = match format {
            Format::BibLaTeX => {
                let (items, problems) = bibtex::split(&file.text);
                for (i, item) in items.iter().enumerate() {
                    if let bibtex::ItemKind::Entry { key, key_offset, data: false } = &item.kind {
                        found.push((key.clone(), *key_offset, State::Pending(i)));
                    }
                }
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                for (i, item) in items.iter().enumerate().filter(|(_, i)| i.kind == bibtex::ItemKind::Strings) {
                    let text = &file.text[item.range.clone()];
                    text.hash(&mut hasher);
                    file.strings.push((i, bibtex::string_names(text)));
                }
                file.strings_hash = hasher.finish();
                file.items = items;
                problems
            }
            Format::Yaml | Format::CslJson => {
                let (entries, problems) =
                    if format == Format::Yaml { yaml::read(&file.text) } else { csljson::read(&file.text) };
                for Found { key, offset, entry, language } in entries {
                    let work = Work::new(entry, language.as_deref());
                    found.push((key, offset, State::Ready(Arc::new(work))));
                }
                problems
            }
        };
        (file, found, problems)
    }

    fn location(&self, offset: usize) -> Location {
        self.lines.location(&self.shown, &self.text, offset)
    }

    /// A problem found in this file, at its `line:column`.
    fn diagnostic(&self, problem: Problem) -> Diagnostic {
        let location = self.location(problem.offset);
        problem.diagnostic(location)
    }
}

enum State {
    /// A BibLaTeX entry not parsed yet: its item index in its file.
    Pending(usize),
    Ready(Arc<Work>),
    /// Parsing failed; the problem was reported.
    Failed,
}

struct Record {
    key: String,
    file: usize,
    offset: usize,
    /// A BibLaTeX entry's item in its file.
    item: Option<usize>,
    /// What decides the work: a hash of its source text (BibLaTeX: the
    /// entry, the file's `@string`s and the entries it inherits from) or of
    /// the parsed entry. Known without parsing, for the render cache;
    /// computed when first asked.
    fingerprint: std::sync::OnceLock<u64>,
    state: State,
}

/// Every work of the bibliography, first definition of a key wins.
pub struct Library {
    files: Vec<SourceFile>,
    records: Vec<Record>,
    by_key: HashMap<String, usize>,
}

impl Library {
    /// Reads and indexes `files` (see `Sources::read`).
    pub fn load(files: &[BibFile]) -> Result<(Library, Vec<Diagnostic>)> {
        Ok(Library::index(Sources::read(files)?))
    }

    /// Finds the entries of the files; what is wrong with them comes with
    /// the files' own diagnostics.
    pub(crate) fn index(sources: Sources) -> (Library, Vec<Diagnostic>) {
        let mut library = Library { files: Vec::new(), records: Vec::new(), by_key: HashMap::new() };
        let mut diagnostics = sources.diagnostics;
        for file in sources.files {
            library.add_file(file.shown, file.text, file.format, &mut diagnostics);
        }
        (library, diagnostics)
    }

    /// Builds a library from text, as if read from a file named `shown` (for tests).
    pub fn from_text(shown: &str, text: &str, format: Format) -> (Library, Vec<Diagnostic>) {
        Library::index(Sources::from_text(shown, text, format))
    }

    fn add_file(&mut self, shown: String, text: String, format: Format, diagnostics: &mut Vec<Diagnostic>) {
        let file = self.files.len();
        let (source, found, problems) = SourceFile::read(shown, text, format);
        diagnostics.extend(problems.into_iter().map(|problem| source.diagnostic(problem)));
        self.files.push(source);
        for (key, offset, state) in found {
            match self.by_key.get(&key) {
                Some(&first) => {
                    let first = &self.records[first];
                    let first_place = self.files[first.file].location(first.offset);
                    let message = format!("duplicate key `{key}`; the first definition, at {first_place}, is used");
                    diagnostics.push(self.files[file].diagnostic(Problem::warning(offset, message)));
                }
                None => self.add_record(key, file, offset, state),
            }
        }
    }

    fn add_record(&mut self, key: String, file: usize, offset: usize, state: State) {
        self.by_key.insert(key.clone(), self.records.len());
        let fingerprint = std::sync::OnceLock::new();
        if let State::Ready(work) = &state {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            work.entry.hash(&mut hasher);
            work.language.hash(&mut hasher);
            let _ = fingerprint.set(hasher.finish());
        }
        let item = match state {
            State::Pending(item) => Some(item),
            _ => None,
        };
        self.records.push(Record { key, file, offset, item, fingerprint, state });
    }

    /// How many entries the library holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Whether a work has this key (parsed or not, readable or not).
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// Every key, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.records.iter().map(|r| r.key.as_str())
    }

    /// Where a key is defined.
    pub(crate) fn location(&self, key: &str) -> Option<Location> {
        let record = &self.records[*self.by_key.get(key)?];
        Some(self.files[record.file].location(record.offset))
    }

    /// The parsed work, if `key` exists, was resolved and could be read.
    pub fn work(&self, key: &str) -> Option<&Arc<Work>> {
        match &self.records[*self.by_key.get(key)?].state {
            State::Ready(work) => Some(work),
            _ => None,
        }
    }

    /// Whether `key` exists but could not be read (its problem was reported).
    pub(crate) fn is_broken(&self, key: &str) -> bool {
        self.by_key.get(key).is_some_and(|&i| matches!(self.records[i].state, State::Failed))
    }

    /// Parses the works with these keys (unknown keys are ignored), returning
    /// the problems found in them.
    pub(crate) fn resolve<'a>(&mut self, keys: impl IntoIterator<Item = &'a str>) -> Vec<Diagnostic> {
        let mut wanted: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for key in keys {
            if let Some(&record) = self.by_key.get(key)
                && let State::Pending(item) = self.records[record].state
            {
                wanted.entry(self.records[record].file).or_default().push((item, record));
            }
        }
        let mut files: Vec<_> = wanted.into_iter().collect();
        files.sort_unstable_by_key(|(file, _)| *file);
        files.into_iter().flat_map(|(file, pending)| self.resolve_in(file, pending)).collect()
    }

    /// Parses the `pending` entries of a file: (item, record) pairs.
    fn resolve_in(&mut self, file: usize, mut pending: Vec<(usize, usize)>) -> Vec<Diagnostic> {
        pending.sort_unstable();
        pending.dedup();
        let source = &self.files[file];
        // Entries parse independently (each chunk gets the `@string`s and
        // the parents it needs), so chunks go in parallel. Small chunks keep
        // what biblatex builds in passing small.
        let index = bibtex::Index::new(&source.items);
        type Chunk = (Vec<(usize, Work)>, Vec<Problem>);
        let results: Vec<Chunk> = pending
            .par_chunks(128)
            .map(|part| {
                let items: Vec<usize> = part.iter().map(|&(item, _)| item).collect();
                let (parsed, problems) = bibtex::parse_with(&source.text, &source.items, &index, &items);
                let works = parsed.into_iter().map(|p| (p.item, Work::new(p.entry, p.language.as_deref()))).collect();
                (works, problems)
            })
            .collect();
        let mut diagnostics = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut works: HashMap<usize, Work> = HashMap::with_capacity(pending.len());
        for (parsed, problems) in results {
            works.extend(parsed);
            for problem in problems {
                // A broken `@string` is found by every chunk: report it once.
                if seen.insert((problem.offset, problem.message.clone())) {
                    diagnostics.push(source.diagnostic(problem));
                }
            }
        }
        for &(item, record) in &pending {
            self.records[record].state = match works.remove(&item) {
                Some(work) => State::Ready(Arc::new(work)),
                None => State::Failed,
            };
        }
        diagnostics
    }

    /// The `.bib` text of a BibLaTeX entry as its author wrote it: the
    /// `@string`s of its file it may use, the entry, and the `crossref` and
    /// `xdata` parents it inherits from (in that order, as BibTeX wants
    /// parents after their children). `None` for works from other formats.
    pub(crate) fn bibtex_source(&self, key: &str) -> Option<Vec<SourcePart<'_>>> {
        let record = &self.records[*self.by_key.get(key)?];
        let item = record.item?;
        let source = &self.files[record.file];
        let text_of = |i: usize| &source.text[source.items[i].range.clone()];
        // Parents, transitively (loops and long chains cut, as parsing does).
        let mut chain = vec![item];
        let mut next = 0;
        while next < chain.len() && chain.len() <= bibtex::MAX_PARENT_DEPTH {
            let text = text_of(chain[next]);
            next += 1;
            if !bibtex::inherits(text) {
                continue;
            }
            for parent in bibtex::parent_keys(text) {
                if let Some(&p) = self.by_key.get(parent.as_str())
                    && let Some(parent_item) = self.records[p].item
                    && self.records[p].file == record.file
                    && !chain.contains(&parent_item)
                {
                    chain.push(parent_item);
                }
            }
        }
        let mut parts = Vec::new();
        let used = |name: &str| {
            chain.iter().any(|&i| {
                let text = text_of(i);
                text.match_indices(name).any(|(at, _)| {
                    let word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.');
                    !text[..at].ends_with(word) && !text[at + name.len()..].starts_with(word)
                })
            })
        };
        for (i, names) in &source.strings {
            if names.iter().any(|n| used(n)) {
                parts.push(SourcePart { id: (record.file, *i), role: PartRole::Strings, text: text_of(*i) });
            }
        }
        for (n, &i) in chain.iter().enumerate() {
            let role = if n == 0 { PartRole::Entry } else { PartRole::Parent };
            parts.push(SourcePart { id: (record.file, i), role, text: text_of(i) });
        }
        Some(parts)
    }

    /// Parses every work (for `check` and `format`).
    pub fn resolve_all(&mut self) -> Vec<Diagnostic> {
        let keys: Vec<String> = self.keys().map(String::from).collect();
        self.resolve(keys.iter().map(String::as_str))
    }

    /// What decides the work with this key (see `Record::fingerprint`);
    /// `None` for an unknown key.
    pub(crate) fn fingerprint(&self, key: &str) -> Option<u64> {
        let record = &self.records[*self.by_key.get(key)?];
        Some(*record.fingerprint.get_or_init(|| {
            let source = &self.files[record.file];
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            if let Some(item) = record.item {
                source.strings_hash.hash(&mut hasher);
                let text = &source.text[source.items[item].range.clone()];
                text.hash(&mut hasher);
                if bibtex::inherits(text) {
                    for parent in bibtex::parent_keys(text) {
                        if let Some(&p) = self.by_key.get(parent.as_str())
                            && let Some(parent_item) = self.records[p].item
                            && self.records[p].file == record.file
                        {
                            source.text[source.items[parent_item].range.clone()].hash(&mut hasher);
                        }
                    }
                }
            }
            hasher.finish()
        }))
    }
}

/// A piece of a `.bib` file, as written (see [`Library::bibtex_source`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourcePart<'a> {
    /// Its file and place among the file's items: the same part needed by
    /// two works is written once in a list's file.
    pub(crate) id: (usize, usize),
    pub(crate) role: PartRole,
    pub(crate) text: &'a str,
}

/// What a `SourcePart` is to the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PartRole {
    /// `@string` definitions.
    Strings,
    /// The work's own entry.
    Entry,
    /// A `crossref` or `xdata` parent.
    Parent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bib_entries_resolve_on_demand() {
        let text = "@article{a, title={Alpha}, author={Knuth, Donald}, year=2001}\n@book{b, title={深度学习}, author={邱锡鹏}, year=2020}\n";
        let (mut library, diagnostics) = Library::from_text("refs.bib", text, Format::BibLaTeX);
        assert!(diagnostics.is_empty());
        assert_eq!(library.len(), 2);
        assert!(library.contains("a") && library.work("a").is_none());
        assert!(library.resolve(["a", "b", "zzz"]).is_empty());
        assert_eq!(library.work("a").unwrap().language, None);
        assert_eq!(library.work("b").unwrap().language.as_deref(), Some("zh"));
        assert_eq!(library.location("b").unwrap().to_string(), "refs.bib:2:7");
    }

    #[test]
    fn duplicates_name_both_places() {
        let text = "@misc{a, title={One}}\n@misc{a, title={Two}}\n";
        let (library, diagnostics) = Library::from_text("r.bib", text, Format::BibLaTeX);
        assert_eq!(library.len(), 1);
        assert_eq!(
            diagnostics[0].to_string(),
            "r.bib:2:7: warning: duplicate key `a`; the first definition, at r.bib:1:7, is used"
        );
    }

    #[test]
    fn a_panic_in_a_guarded_call_is_an_error_saying_where() {
        use crate::guard::guarded;
        assert_eq!(guarded(|| 7), Ok(7));
        let failed = guarded(|| -> u8 { panic!("a reader failed") }).unwrap_err();
        assert!(
            failed.starts_with("a reader failed at mdbook-scholar/src/library/mod.rs:")
                || failed.starts_with("a reader failed at "),
            "{failed}"
        );
        // Still guarded after a panic, and on other threads.
        assert!(std::thread::spawn(|| guarded(|| -> u8 { panic!("again") })).join().unwrap().is_err());
    }
}
