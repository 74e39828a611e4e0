//! The library: every work of the book's bibliography files, by key.
//!
//! Loading reads and indexes every file (keys, places, duplicates, broken
//! entries) but parses BibLaTeX entries only when asked: a book cites a few
//! hundred works of a library of tens of thousands, and parsing is the cost.
//! Problems are diagnostics, never a reason to lose the other entries; only a
//! file that cannot be read at all is an error.

mod bibtex;
mod csljson;
pub mod language;
pub mod latex;
mod problem;

use anyhow::{Context as _, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use crate::config::BibFile;
use crate::diagnostic::{Diagnostic, Location};
use problem::{LineIndex, Problem};

/// A work, parsed: hayagriva's entry and the language it is written in.
#[derive(Debug, Clone)]
pub struct Work {
    pub entry: hayagriva::Entry,
    /// Primary language tag (`zh`, `en`) when declared or shown by the script.
    pub language: Option<String>,
}

/// An entry a reader found whole (YAML, CSL-JSON): its key, where the key
/// is, and the language it declares.
struct Found {
    key: String,
    offset: usize,
    entry: hayagriva::Entry,
    language: Option<String>,
}

/// The formats we read, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    BibLaTeX,
    Yaml,
    CslJson,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "bib" | "bibtex" | "biblatex" => Some(Format::BibLaTeX),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::CslJson),
            _ => None,
        }
    }
}

struct SourceFile {
    shown: String,
    text: String,
    /// Where its lines start, for `line:column` in big files.
    lines: LineIndex,
    /// A hash of its `@string` definitions (every entry may use them).
    strings_hash: u64,
    /// BibLaTeX only: the file's items, from our scanner.
    items: Vec<bibtex::Item>,
}

impl SourceFile {
    /// A problem found in this file, at its `line:column`.
    fn diagnostic(&self, problem: Problem) -> Diagnostic {
        let location = self.lines.location(&self.shown, &self.text, problem.offset);
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
    /// A hash of every file's name and text ([`Sources::print`]).
    print: u64,
    files: Vec<SourceFile>,
    records: Vec<Record>,
    by_key: HashMap<String, usize>,
}

/// The bibliography files as text, before indexing.
pub struct Sources {
    files: Vec<(String, String, Format)>,
    /// A hash of every file's name and text: known before the (slower)
    /// indexing, so the cache can be asked meanwhile.
    pub print: u64,
    diagnostics: Vec<Diagnostic>,
}

impl Sources {
    /// Reads `files`. Fails only when a file cannot be read or its format is
    /// unknown; everything else is a diagnostic.
    pub fn read(files: &[BibFile]) -> Result<Sources> {
        let mut sources = Sources { files: Vec::new(), print: 0, diagnostics: Vec::new() };
        for file in files {
            let format = Format::of(&file.path).with_context(|| {
                format!(
                    "cannot tell the format of the bibliography file `{}`: name it .bib (BibLaTeX/BibTeX), .yaml/.yml (hayagriva) or .json (CSL-JSON)",
                    file.shown
                )
            })?;
            let bytes = std::fs::read(&file.path).with_context(|| {
                format!("cannot read the bibliography file `{}` ({})", file.shown, file.path.display())
            })?;
            let (text, problem) = decode(bytes);
            sources.add(&file.shown, text, format, problem);
        }
        Ok(sources)
    }

    /// Adds a file's text, with what decoding it found.
    fn add(&mut self, shown: &str, text: String, format: Format, decoding: Option<Problem>) {
        let (text, reserved) = reserve_marks(text);
        for problem in decoding.into_iter().chain(reserved) {
            let location = Location::at(shown, &text, problem.offset);
            self.diagnostics.push(problem.diagnostic(location));
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.print.hash(&mut hasher);
        shown.hash(&mut hasher);
        text.hash(&mut hasher);
        self.print = hasher.finish();
        self.files.push((shown.to_string(), text, format));
    }
}

impl Library {
    /// Reads and indexes `files` (see [`Sources::read`]).
    pub fn load(files: &[BibFile]) -> Result<(Library, Vec<Diagnostic>)> {
        Ok(Library::index(Sources::read(files)?))
    }

    /// Finds the entries of the files; what is wrong with them comes with
    /// the files' own diagnostics.
    pub fn index(sources: Sources) -> (Library, Vec<Diagnostic>) {
        let mut library =
            Library { print: sources.print, files: Vec::new(), records: Vec::new(), by_key: HashMap::new() };
        let mut diagnostics = sources.diagnostics;
        for (shown, text, format) in sources.files {
            library.add_file(&shown, text, format, &mut diagnostics);
        }
        (library, diagnostics)
    }

    /// Builds a library from text (tests, `format` on stdin).
    pub fn from_text(shown: &str, text: &str, format: Format) -> (Library, Vec<Diagnostic>) {
        let mut sources = Sources { files: Vec::new(), print: 0, diagnostics: Vec::new() };
        sources.add(shown, text.to_string(), format, None);
        Library::index(sources)
    }

    fn add_file(&mut self, shown: &str, text: String, format: Format, diagnostics: &mut Vec<Diagnostic>) {
        let file = self.files.len();
        let lines = LineIndex::new(&text);
        let mut source = SourceFile { shown: shown.to_string(), text, lines, strings_hash: 0, items: Vec::new() };
        let at = |offset: usize, text: &str| Location::at(shown, text, offset);
        let mut found: Vec<(String, usize, State)> = Vec::new();
        let problems = match format {
            Format::BibLaTeX => {
                let (items, problems) = bibtex::split(&source.text);
                for (i, item) in items.iter().enumerate() {
                    if let bibtex::ItemKind::Entry { key, key_offset, data: false } = &item.kind {
                        found.push((key.clone(), *key_offset, State::Pending(i)));
                    }
                }
                source.items = items;
                problems
            }
            Format::Yaml | Format::CslJson => {
                let (entries, problems) =
                    if format == Format::Yaml { yaml_entries(&source.text) } else { csljson::read(&source.text) };
                for Found { key, offset, entry, language } in entries {
                    let work = work(entry, language.as_deref());
                    found.push((key, offset, State::Ready(Arc::new(work))));
                }
                problems
            }
        };
        diagnostics.extend(problems.into_iter().map(|problem| source.diagnostic(problem)));
        source.strings_hash = {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for item in source.items.iter().filter(|i| i.kind == bibtex::ItemKind::Strings) {
                source.text[item.range.clone()].hash(&mut hasher);
            }
            hasher.finish()
        };
        let found: Vec<(String, usize, State, Option<usize>)> = found
            .into_iter()
            .map(|(key, offset, state)| {
                let item = match state {
                    State::Pending(i) => Some(i),
                    _ => None,
                };
                (key, offset, state, item)
            })
            .collect();
        for (key, offset, state, item) in found {
            if let Some(&first) = self.by_key.get(&key) {
                let first = &self.records[first];
                let first_place = Location::at(
                    self.files.get(first.file).map_or(shown, |f| f.shown.as_str()),
                    self.files.get(first.file).map_or(&source.text, |f| &f.text),
                    first.offset,
                );
                diagnostics.push(
                    Diagnostic::warning(format!(
                        "duplicate key `{key}`; the first definition, at {first_place}, is used"
                    ))
                    .at(at(offset, &source.text)),
                );
                continue;
            }
            self.by_key.insert(key.clone(), self.records.len());
            let fingerprint = std::sync::OnceLock::new();
            if let State::Ready(work) = &state {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                work.entry.hash(&mut hasher);
                work.language.hash(&mut hasher);
                let _ = fingerprint.set(hasher.finish());
            }
            self.records.push(Record { key, file, offset, item, fingerprint, state });
        }
        self.files.push(source);
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Whether a work has this key (parsed or not, readable or not).
    pub fn contains(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// Every key, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.records.iter().map(|r| r.key.as_str())
    }

    /// Where a key is defined.
    pub fn location(&self, key: &str) -> Option<Location> {
        let record = &self.records[*self.by_key.get(key)?];
        let file = &self.files[record.file];
        Some(Location::at(&file.shown, &file.text, record.offset))
    }

    /// The parsed work, if `key` exists, was resolved and could be read.
    pub fn work(&self, key: &str) -> Option<&Arc<Work>> {
        match &self.records[*self.by_key.get(key)?].state {
            State::Ready(work) => Some(work),
            _ => None,
        }
    }

    /// Whether `key` exists but could not be read (its problem was reported).
    pub fn is_broken(&self, key: &str) -> bool {
        self.by_key.get(key).is_some_and(|&i| matches!(self.records[i].state, State::Failed))
    }

    /// Parses the works with these keys (unknown keys are ignored), returning
    /// the problems found in them.
    pub fn resolve<'a>(&mut self, keys: impl IntoIterator<Item = &'a str>) -> Vec<Diagnostic> {
        let mut wanted: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for key in keys {
            if let Some(&record) = self.by_key.get(key)
                && let State::Pending(item) = self.records[record].state
            {
                wanted.entry(self.records[record].file).or_default().push((item, record));
            }
        }
        let mut diagnostics = Vec::new();
        let mut files: Vec<_> = wanted.into_iter().collect();
        files.sort_unstable_by_key(|(file, _)| *file);
        for (file, mut pending) in files {
            pending.sort_unstable();
            pending.dedup();
            let source = &self.files[file];
            // Entries parse independently (each chunk gets the `@string`s
            // and the parents it needs), so chunks go in parallel.
            // Small chunks keep what biblatex builds in passing small.
            let index = bibtex::Index::new(&source.items);
            type Chunk = (Vec<(usize, Work)>, Vec<Problem>);
            let results: Vec<Chunk> = pending
                .par_chunks(128)
                .map(|part| {
                    let items: Vec<usize> = part.iter().map(|&(item, _)| item).collect();
                    let (parsed, problems) = bibtex::parse_with(&source.text, &source.items, &index, &items);
                    let works = parsed.into_iter().map(|p| (p.item, work(p.entry, p.language.as_deref()))).collect();
                    (works, problems)
                })
                .collect();
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
        }
        diagnostics
    }

    /// The `.bib` text of a BibLaTeX entry as its author wrote it: the
    /// `@string`s of its file it may use, the entry, and the `crossref` and
    /// `xdata` parents it inherits from (in that order, as BibTeX wants
    /// parents after their children). `None` for works from other formats.
    pub fn bibtex_source(&self, key: &str) -> Option<Vec<SourcePart<'_>>> {
        let record = &self.records[*self.by_key.get(key)?];
        let item = record.item?;
        let source = &self.files[record.file];
        let text_of = |i: usize| &source.text[source.items[i].range.clone()];
        // Parents, transitively (loops and long chains cut, as parsing does).
        let mut chain = vec![item];
        let mut next = 0;
        while next < chain.len() && chain.len() <= 16 {
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
        for (i, string) in source.items.iter().enumerate() {
            if string.kind == bibtex::ItemKind::Strings && bibtex::string_names(text_of(i)).iter().any(|n| used(n)) {
                parts.push(SourcePart { id: (record.file, i), role: PartRole::Strings, text: text_of(i) });
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

    /// A hash of every bibliography file (names and texts): while it stays
    /// the same, so does every work and every key.
    pub fn print(&self) -> u64 {
        self.print
    }

    /// What decides the work with this key (see `Record::fingerprint`);
    /// `None` for an unknown key.
    pub fn fingerprint(&self, key: &str) -> Option<u64> {
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
pub struct SourcePart<'a> {
    /// Its file and place among the file's items: the same part needed by
    /// two works is written once in a list's file.
    pub id: (usize, usize),
    pub role: PartRole,
    pub text: &'a str,
}

/// What a [`SourcePart`] is to the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PartRole {
    /// `@string` definitions.
    Strings,
    /// The work's own entry.
    Entry,
    /// A `crossref` or `xdata` parent.
    Parent,
}

/// A work from an entry: the declared language, else the one its title and
/// names show.
fn work(mut entry: hayagriva::Entry, declared: Option<&str>) -> Work {
    tidy(&mut entry);
    let declared =
        declared.and_then(language::normalize).or_else(|| entry.language().map(|l| l.language.as_str().to_string()));
    let language = declared.or_else(|| {
        let mut sample = entry.title().map(|t| t.value.to_string()).unwrap_or_default();
        for person in entry.authors().unwrap_or_default() {
            sample.push_str(&person.name);
        }
        language::detect(&sample).map(String::from)
    });
    // hayagriva title-cases only what it believes is English; tell it.
    if let Some(tag) = &language
        && entry.language().is_none()
        && let Ok(id) = tag.parse()
    {
        entry.set_language(id);
    }
    Work { entry, language }
}

/// What every format needs before rendering:
/// - BibTeX's `and others` is not a person named "others" (it printed as
///   "& others" in APA); the styles' own et-al rules shorten long lists.
/// - An arXiv preprint without DOI or URL gets its abstract page as URL, so
///   references show where to find it (as biblatex prints `arXiv:…`).
fn tidy(entry: &mut hayagriva::Entry) {
    compact(entry);
    lead_titles(entry);
    use hayagriva::types::{EntryType, FormatString, Publisher};
    // Theses and reports name their university or institution; CSL styles
    // print it as the publisher (as Zotero and citeproc-js have it).
    if matches!(entry.entry_type(), EntryType::Thesis | EntryType::Report)
        && entry.publisher().is_none()
        && let Some(organization) = entry.organization().cloned()
    {
        entry.set_publisher(Publisher::new(Some(organization), None));
    }
    // biblatex's type keys (`type = {phdthesis}`) in words.
    if let Some(genre) = entry.genre().map(|g| g.value.to_string()) {
        let words = match genre.trim() {
            "phdthesis" => Some("PhD thesis"),
            "mathesis" | "mastersthesis" => Some("Master's thesis"),
            "candthesis" => Some("Candidate thesis"),
            "bathesis" => Some("Bachelor's thesis"),
            "techreport" => Some("Technical report"),
            "resreport" => Some("Research report"),
            "software" => Some("Computer software"),
            "datacd" => Some("CD-ROM"),
            "audiocd" => Some("Audio CD"),
            _ => None,
        };
        if let Some(words) = words {
            entry.set_genre(FormatString::with_value(words));
        }
    }
    let is_others = |p: &hayagriva::types::Person| p.name == "others" && p.given_name.is_none();
    if let Some(authors) = entry.authors()
        && authors.iter().any(is_others)
    {
        let kept: Vec<_> = authors.iter().filter(|p| !is_others(p)).cloned().collect();
        entry.set_authors(kept);
    }
    if let Some(editors) = entry.editors()
        && editors.iter().any(is_others)
    {
        let kept: Vec<_> = editors.iter().filter(|p| !is_others(p)).cloned().collect();
        entry.set_editors(kept);
    }
    if entry.url().is_none()
        && entry.doi().is_none()
        && let Some(id) = entry.arxiv()
        && let Ok(url) = url::Url::parse(&format!("https://arxiv.org/abs/{}", id.trim()))
    {
        entry.set_url(hayagriva::types::QualifiedUrl { value: url, visit_date: None });
    }
}

/// hayagriva's title casing drops the space after a protected part that
/// opens a title (`{Mixtral} of Experts` became "Mixtralof Experts" in MLA)
/// unless an empty unprotected part comes first, which is what its BibLaTeX
/// reader makes and its YAML reader (hence our CSL-JSON reader) does not.
fn lead_titles(entry: &mut hayagriva::Entry) {
    use hayagriva::types::{ChunkKind, StringChunk};
    let lead = |chunks: &mut Vec<StringChunk>| {
        if chunks.first().is_some_and(|c| c.kind == ChunkKind::Verbatim) {
            chunks.insert(0, StringChunk::normal(String::new()));
        }
    };
    if let Some(mut title) = entry.title().cloned()
        && (title.value.0.first().is_some_and(|c| c.kind == ChunkKind::Verbatim)
            || title.short.as_ref().is_some_and(|s| s.0.first().is_some_and(|c| c.kind == ChunkKind::Verbatim)))
    {
        lead(&mut title.value.0);
        if let Some(short) = &mut title.short {
            lead(&mut short.0);
        }
        entry.set_title(title);
    }
    if entry.parents().is_empty() {
        return;
    }
    let mut parents = entry.parents().to_vec();
    for parent in &mut parents {
        lead_titles(parent);
    }
    entry.set_parents(parents);
}

/// hayagriva pushes each parent into a fresh `Vec`, which reserves room for
/// four ~1 KB entries: re-collected to fit, a library of thousands of works
/// takes half the memory.
fn compact(entry: &mut hayagriva::Entry) {
    if entry.parents().is_empty() {
        return;
    }
    let mut parents: Vec<hayagriva::Entry> = Vec::with_capacity(entry.parents().len());
    for parent in entry.parents() {
        let mut parent = parent.clone();
        compact(&mut parent);
        parents.push(parent);
    }
    entry.set_parents(parents);
}

/// Bytes as text: a BOM is dropped, invalid UTF-8 is replaced and reported
/// where it is (a Latin-1 file from decades ago should still load).
fn decode(bytes: Vec<u8>) -> (String, Option<Problem>) {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let bytes = error.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            // The text before it is the file's own, so the place is too.
            let first_bad = std::str::from_utf8(&bytes).err().map_or(0, |e| e.valid_up_to());
            let count = count_invalid(&bytes);
            // An error: the site would show `\u{FFFD}` where letters were.
            let problem = Problem::error(
                first_bad,
                format!(
                    "the file is not valid UTF-8 ({count} bad byte sequence{}); they are read as `\u{FFFD}`",
                    if count == 1 { "" } else { "s" }
                ),
            )
            .with_hint("save the file as UTF-8");
            (text, Some(problem))
        }
    }
}

/// The private-use characters U+E000 to U+E03F mark places inside our own
/// text (see `marks`), so they cannot come from a file: each becomes U+FFFD
/// (same length, so every place stays where it was).
fn reserve_marks(text: String) -> (String, Option<Problem>) {
    let reserved = |c: char| crate::marks::RESERVED.contains(&c);
    let Some(first) = text.find(reserved) else { return (text, None) };
    let count = text.chars().filter(|&c| reserved(c)).count();
    let problem = Problem::warning(
        first,
        format!(
            "the file has {count} private-use character{} (U+E000 to U+E03F), read as `\u{FFFD}`",
            if count == 1 { "" } else { "s" }
        ),
    )
    .with_hint("mdbook-scholar keeps these for its own marks; remove them from the file");
    (text.replace(reserved, "\u{FFFD}"), Some(problem))
}

fn count_invalid(mut bytes: &[u8]) -> usize {
    let mut count = 0;
    while let Err(error) = std::str::from_utf8(bytes) {
        count += 1;
        let skip = error.valid_up_to() + error.error_len().unwrap_or(bytes.len() - error.valid_up_to()).max(1);
        bytes = &bytes[skip.min(bytes.len())..];
    }
    count
}

/// A hayagriva YAML file, entry by entry: a syntax error fails the file (with
/// its place), a bad entry only itself.
fn yaml_entries(text: &str) -> (Vec<Found>, Vec<Problem>) {
    use serde_yaml::Value;
    let fail = |offset, message: String| {
        (Vec::new(), vec![Problem::error(offset, format!("{message}; no entry of this file is loaded"))])
    };
    let value: Value = match serde_yaml::from_str(text) {
        Ok(value) => value,
        Err(e) => return fail(e.location().map_or(0, |l| l.index()), format!("not valid YAML: {e}")),
    };
    let mapping = match value {
        Value::Mapping(mapping) => mapping,
        Value::Null => return (Vec::new(), Vec::new()),
        _ => return fail(0, "a hayagriva YAML file must map keys to entries (`key:` then the entry's fields)".into()),
    };
    let mut found = Vec::with_capacity(mapping.len());
    let mut problems = Vec::new();
    for (key, value) in mapping {
        let key = match key {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            other => format!("{other:?}"),
        };
        let offset = yaml_key_offset(text, &key);
        let mut one = serde_yaml::Mapping::new();
        one.insert(Value::String(key.clone()), value);
        let result = serde_yaml::from_value::<hayagriva::Library>(Value::Mapping(one))
            .map_err(|e| e.to_string())
            .and_then(|lib| lib.get(&key).cloned().ok_or_else(|| "empty entry".to_string()));
        match result {
            Ok(entry) => found.push(Found { key, offset, entry, language: None }),
            Err(why) => problems.push(Problem::warning(offset, format!("entry `{key}` is skipped: {why}"))),
        }
    }
    (found, problems)
}

/// Where a top-level key is written (its line starts with `key:`).
fn yaml_key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'));
        let quoted = ["\"", "'"].iter().any(|q| {
            line.strip_prefix(q)
                .and_then(|r| r.strip_prefix(key))
                .and_then(|r| r.strip_prefix(q))
                .is_some_and(|r| r.trim_start().starts_with(':'))
        });
        if bare || quoted {
            return offset;
        }
        offset += line.len();
    }
    0
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
    fn yaml_loads_entry_by_entry() {
        let text = "good:\n  type: book\n  title: A Book\n  date: 2020\nbad:\n  type: book\n  date: [not, a, date]\n";
        let (library, diagnostics) = Library::from_text("r.yaml", text, Format::Yaml);
        assert_eq!(library.keys().collect::<Vec<_>>(), ["good"]);
        assert_eq!(diagnostics.len(), 1);
        assert!(
            diagnostics[0].to_string().starts_with("r.yaml:5:1: warning: entry `bad` is skipped"),
            "{}",
            diagnostics[0]
        );
        let (_, diagnostics) = Library::from_text("r.yaml", "a: [unclosed", Format::Yaml);
        assert!(diagnostics[0].to_string().contains("not valid YAML"), "{}", diagnostics[0]);
    }

    #[test]
    fn a_panic_in_a_guarded_call_is_an_error_saying_where() {
        use crate::guarded;
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

    #[test]
    fn non_utf8_is_an_error_with_its_place() {
        let (text, problem) = decode(b"@misc{a, title={Caf\xe9}}\n".to_vec());
        assert!(text.contains("Caf\u{FFFD}"));
        assert_eq!(
            problem.unwrap().diagnostic(Location::at("old.bib", &text, 19)).to_string(),
            "old.bib:1:20: error: the file is not valid UTF-8 (1 bad byte sequence); they are read as `\u{FFFD}` (save the file as UTF-8)"
        );
        assert_eq!(decode(b"\xEF\xBB\xBFok".to_vec()), ("ok".to_string(), None));
    }
}
