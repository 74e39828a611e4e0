//! Configuration: the `[preprocessor.scholar]` table, validated, with paths
//! resolved against the book root.
//!
//! Reading happens in two steps, as in mdBook's own preprocessors: the raw
//! table (a JSON value, since mdBook hands it over untyped) is checked key by
//! key, so a misspelt key or a value of the wrong kind is an error that names
//! it. Nothing falls back to a default silently.

use anyhow::{Context as _, Result, bail};
use mdbook_preprocessor::config::Config as BookConfig;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, suggest};
use crate::style::{LocalesDir, StyleSource};

/// The preprocessor's name: `[preprocessor.scholar]`, `mdbook-scholar`.
pub(crate) const NAME: &str = "scholar";
const TABLE: &str = "preprocessor.scholar";

/// Keys of our table, with what each takes (for messages).
const KEYS: &[&str] = &[
    "bibliography",
    "style",
    "locale",
    "scope",
    "section-level",
    "title",
    "on-missing",
    "hover",
    "backrefs",
    "topics",
    "cache",
    "export",
    "cite-as",
    "engine",
    "locales",
    "entry-language",
];
/// Keys mdBook itself reads from every preprocessor table.
const MDBOOK_KEYS: &[&str] = &["command", "before", "after", "optional", "renderers"];
const TOPICS_KEYS: &[&str] = &["columns", "top-works"];
const CITE_AS_KEYS: &[&str] = &["title", "authors", "year", "publisher", "url", "doi", "edition"];

/// Where per-section bibliographies go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// At the end of each chapter that cites something.
    Chapter,
    /// At the end of each section starting at a heading of `section-level`.
    Section,
    /// Only where a `{{#bibliography}}` directive stands.
    None,
}

/// What an unknown citation key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnMissing {
    /// Say so and leave the marker as it is.
    Warn,
    /// Fail the build.
    Error,
}

/// What we write: HTML for mdBook's `html` renderer, Markdown for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// HTML, for mdBook's `html` renderer.
    Html,
    /// Plain Markdown, for every other renderer.
    Markdown,
}

/// A bibliography file: where it is, and how the user wrote it (for messages).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BibFile {
    /// The file, resolved against the book's root.
    pub path: PathBuf,
    /// The path as the user wrote it, for messages.
    pub shown: String,
}

/// A column of the topic navigation table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicColumn {
    /// The chapter, linked.
    Topic,
    /// Its level-2 sections, linked.
    Sections,
    /// How many distinct works it cites.
    Works,
    /// Its most-cited works, as short linked citations.
    TopWorks,
}

impl TopicColumn {
    const ALL: &'static [(&'static str, TopicColumn)] = &[
        ("topic", TopicColumn::Topic),
        ("sections", TopicColumn::Sections),
        ("works", TopicColumn::Works),
        ("top-works", TopicColumn::TopWorks),
    ];
}

/// `[preprocessor.scholar.topics]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopicsConfig {
    /// The columns of the `{{#topics}}` table, in order.
    pub columns: Vec<TopicColumn>,
    /// How many most-cited works the `top-works` column shows.
    pub top_works: usize,
}

impl Default for TopicsConfig {
    fn default() -> Self {
        TopicsConfig { columns: TopicColumn::ALL.iter().map(|&(_, c)| c).collect(), top_works: 3 }
    }
}

/// `[preprocessor.scholar.cite-as]`: how to cite the book itself.
/// `title` and `authors` default to `[book]`'s; the rest is empty unless
/// given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CiteAs {
    /// The book's title.
    pub title: Option<String>,
    /// Each `Family, Given`, or a name written as one piece.
    pub authors: Vec<String>,
    /// The year it was published.
    pub year: Option<i32>,
    /// Who publishes it.
    pub publisher: Option<String>,
    /// Where the book is published; chapters are found below it.
    pub url: Option<String>,
    /// Its DOI.
    pub doi: Option<String>,
    /// Its edition.
    pub edition: Option<String>,
    /// `book.language`, for the work's language.
    pub language: Option<String>,
}

/// How mdBook parses Markdown for this book: markers must be found exactly
/// where mdBook will see text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MarkdownFlavor {
    /// `output.html.smart-punctuation`.
    pub smart_punctuation: bool,
    /// `output.html.definition-lists`.
    pub definition_lists: bool,
    /// `output.html.admonitions`.
    pub admonitions: bool,
}

impl Default for MarkdownFlavor {
    fn default() -> Self {
        MarkdownFlavor { smart_punctuation: true, definition_lists: true, admonitions: true }
    }
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Config {
    /// The bibliography files, in the order given.
    pub bibliography: Vec<BibFile>,
    /// The CSL style: a bundled name or a `.csl` file.
    pub style: StyleSource,
    /// The CSL locale asked for (`locale`, else `book.language`, else `en-US`).
    pub locale: String,
    /// Where per-section bibliographies go.
    pub scope: Scope,
    /// With [`Scope::Section`], the heading level that starts a section.
    pub section_level: u8,
    /// Heading of per-section lists; `None` means the localized default.
    pub title: Option<String>,
    /// What an unknown citation key does.
    pub on_missing: OnMissing,
    /// Entries preview on hover (HTML).
    pub hover: bool,
    /// Entries link back to where they are cited (HTML).
    pub backrefs: bool,
    /// `[preprocessor.scholar.topics]`.
    pub topics: TopicsConfig,
    /// Keep each chapter's page between builds, in `.scholar-cache/` beside `book.toml`.
    pub cache: bool,
    /// Entries and lists offer their data as BibTeX, RIS and CSL-JSON.
    pub export: bool,
    /// `[preprocessor.scholar.cite-as]`.
    pub cite_as: CiteAs,
    /// A folder of CSL locale files over the bundled ones.
    pub locales: Option<LocalesDir>,
    /// Each entry in its own language's terms (`entry-language`); `None`
    /// leaves it to the style (on for the GB/T 7714 family).
    pub entry_language: Option<bool>,
    /// How mdBook parses this book's Markdown.
    pub markdown: MarkdownFlavor,
    /// What the table says that is accepted but does nothing any more
    /// (`engine = "hayagriva"`): warnings for every build to report.
    pub warnings: Vec<Diagnostic>,
    /// The book's source folder (`book.src`), resolved.
    pub src_dir: PathBuf,
    /// `book.src` as written, to show chapter paths relative to the book root.
    pub src_shown: PathBuf,
    /// Where mdBook writes the book (`build.build-dir`), resolved.
    pub build_dir: PathBuf,
    /// The book root (the folder of book.toml).
    pub root: PathBuf,
}

impl Config {
    /// Reads `[preprocessor.scholar]` and the parts of `book.toml` that matter
    /// (`book.src`, `book.language`, `build.build-dir`, `output.html` Markdown
    /// switches). `root` is the book root; relative paths are resolved from it.
    pub fn from_book(root: &Path, book: &BookConfig) -> Result<Config> {
        let table: Option<Value> = book.get(TABLE)?;
        let Some(table) = table else {
            bail!("`[{TABLE}]` is missing from book.toml; add it with at least `bibliography = \"references.bib\"`");
        };
        let Value::Object(table) = table else {
            bail!("`{TABLE}` must be a table");
        };
        let mut markdown = MarkdownFlavor::default();
        for (key, slot) in [
            ("output.html.smart-punctuation", &mut markdown.smart_punctuation),
            ("output.html.definition-lists", &mut markdown.definition_lists),
            ("output.html.admonitions", &mut markdown.admonitions),
        ] {
            if let Some(value) = book.get::<bool>(key)? {
                *slot = value;
            }
        }
        Config::from_table(root, &table, book.book.language.as_deref(), markdown).map(|mut config| {
            config.src_shown = book.book.src.clone();
            config.src_dir = root.join(&book.book.src);
            config.build_dir = root.join(&book.build.build_dir);
            config.root = root.to_path_buf();
            if config.cite_as.title.is_none() {
                config.cite_as.title = book.book.title.clone();
            }
            if config.cite_as.authors.is_empty() {
                config.cite_as.authors = book.book.authors.clone();
            }
            config.cite_as.language = book.book.language.clone();
            config
        })
    }

    /// The checks proper, on the table as a JSON object.
    pub(crate) fn from_table(
        root: &Path,
        table: &Map<String, Value>,
        book_language: Option<&str>,
        markdown: MarkdownFlavor,
    ) -> Result<Config> {
        for key in table.keys() {
            if !KEYS.contains(&key.as_str()) && !MDBOOK_KEYS.contains(&key.as_str()) {
                let mut message = format!("unknown key `{TABLE}.{key}`");
                if let Some(close) = suggest(key, KEYS.iter().copied()) {
                    message.push_str(&format!("; did you mean `{close}`?"));
                } else {
                    message.push_str(&format!("; known keys: {}", KEYS.join(", ")));
                }
                bail!(message);
            }
        }

        let bibliography = match table.get("bibliography") {
            None => bail!(
                "`{TABLE}.bibliography` is required: the path of a .bib, .yaml or .json file, relative to the book root"
            ),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => bail!("`{TABLE}.bibliography` must list paths as strings, found {}", describe(other)),
                })
                .collect::<Result<_>>()?,
            Some(other) => bail!("`{TABLE}.bibliography` must be a path or a list of paths, found {}", describe(other)),
        };
        let bibliography = bibliography.into_iter().map(|shown| BibFile { path: root.join(&shown), shown }).collect();

        let style = match string(table, "style")? {
            None => StyleSource::Bundled("ieee".into()),
            Some(s) if s.ends_with(".csl") || s.contains('/') || s.contains('\\') => {
                StyleSource::File { path: root.join(&s), shown: s }
            }
            Some(s) => StyleSource::Bundled(s),
        };

        let locale = match string(table, "locale")? {
            Some(l) => crate::style::resolve_locale(&l)
                .with_context(|| format!("`{TABLE}.locale = \"{l}\"` is not a CSL locale"))?,
            None => book_language.and_then(crate::style::resolve_locale_lenient).unwrap_or_else(|| "en-US".to_string()),
        };

        let scope = match string(table, "scope")?.as_deref() {
            None | Some("chapter") => Scope::Chapter,
            Some("section") => Scope::Section,
            Some("none") => Scope::None,
            Some(other) => {
                bail!("`{TABLE}.scope = \"{other}\"` is not a scope; use \"chapter\", \"section\" or \"none\"")
            }
        };

        let section_level = match table.get("section-level") {
            None => 2,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| (1..=6).contains(&n)) => n.as_u64().unwrap_or(2) as u8,
            Some(other) => {
                bail!("`{TABLE}.section-level` must be a heading level from 1 to 6, found {}", describe(other))
            }
        };

        let on_missing = match string(table, "on-missing")?.as_deref() {
            None | Some("warn") => OnMissing::Warn,
            Some("error") => OnMissing::Error,
            Some(other) => {
                bail!("`{TABLE}.on-missing = \"{other}\"` is not allowed; use \"warn\" or \"error\"")
            }
        };

        // Our own processor is the only engine: `engine` stays accepted so
        // that books which name one still build.
        let mut warnings = Vec::new();
        match string(table, "engine")?.as_deref() {
            None | Some("scholar") => {}
            Some("hayagriva") => warnings.push(
                Diagnostic::warning(format!(
                    "`{TABLE}.engine = \"hayagriva\"` in book.toml: the hayagriva engine was removed in favour of \
                     mdbook-scholar's own CSL processor, which renders this book"
                ))
                .with_hint("remove the `engine` key"),
            ),
            Some(other) => bail!(
                "`{TABLE}.engine = \"{other}\"` is not an engine; mdbook-scholar's own CSL processor is the only \
                 one: use \"scholar\" or remove the key"
            ),
        }

        let topics = match table.get("topics") {
            None => TopicsConfig::default(),
            Some(Value::Object(t)) => topics(t)?,
            Some(other) => bail!("`{TABLE}.topics` must be a table, found {}", describe(other)),
        };

        let cite_as = match table.get("cite-as") {
            None => CiteAs::default(),
            Some(Value::Object(t)) => cite_as(t)?,
            Some(other) => bail!("`{TABLE}.cite-as` must be a table, found {}", describe(other)),
        };

        Ok(Config {
            bibliography,
            style,
            locale,
            scope,
            section_level,
            title: string(table, "title")?,
            on_missing,
            hover: boolean(table, "hover")?.unwrap_or(true),
            backrefs: boolean(table, "backrefs")?.unwrap_or(true),
            topics,
            cache: boolean(table, "cache")?.unwrap_or(true),
            export: boolean(table, "export")?.unwrap_or(true),
            cite_as,
            locales: string(table, "locales")?.map(|shown| LocalesDir { path: root.join(&shown), shown }),
            entry_language: boolean(table, "entry-language")?,
            markdown,
            warnings,
            src_dir: root.join("src"),
            src_shown: PathBuf::from("src"),
            build_dir: root.join("book"),
            root: root.to_path_buf(),
        })
    }

    /// The path to show for a chapter's source file: relative to the book root,
    /// as the user knows it (`book/intro.md`).
    pub(crate) fn shown_chapter_path(&self, source_path: &Path) -> PathBuf {
        self.src_shown.join(source_path)
    }
}

fn topics(table: &Map<String, Value>) -> Result<TopicsConfig> {
    let mut config = TopicsConfig::default();
    for key in table.keys() {
        if !TOPICS_KEYS.contains(&key.as_str()) {
            bail!("unknown key `{TABLE}.topics.{key}`; known keys: {}", TOPICS_KEYS.join(", "));
        }
    }
    if let Some(columns) = table.get("columns") {
        let Value::Array(items) = columns else {
            bail!(
                "`{TABLE}.topics.columns` must be a list such as [\"topic\", \"sections\", \"works\", \"top-works\"], found {}",
                describe(columns)
            );
        };
        config.columns = items
            .iter()
            .map(|item| {
                let name = item.as_str().unwrap_or_default();
                TopicColumn::ALL.iter().find(|(n, _)| *n == name).map(|&(_, c)| c).with_context(|| {
                    format!(
                        "`{TABLE}.topics.columns` has {}; columns are {}",
                        describe(item),
                        TopicColumn::ALL.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                    )
                })
            })
            .collect::<Result<_>>()?;
        if config.columns.is_empty() {
            bail!("`{TABLE}.topics.columns` is empty; list at least \"topic\"");
        }
    }
    match table.get("top-works") {
        None => {}
        Some(Value::Number(n)) if n.as_u64().is_some() => config.top_works = n.as_u64().unwrap_or(3) as usize,
        Some(other) => bail!("`{TABLE}.topics.top-works` must be a whole number, found {}", describe(other)),
    }
    Ok(config)
}

fn cite_as(table: &Map<String, Value>) -> Result<CiteAs> {
    for key in table.keys() {
        if !CITE_AS_KEYS.contains(&key.as_str()) {
            let mut message = format!("unknown key `{TABLE}.cite-as.{key}`");
            match suggest(key, CITE_AS_KEYS.iter().copied()) {
                Some(close) => message.push_str(&format!("; did you mean `{close}`?")),
                None => message.push_str(&format!("; known keys: {}", CITE_AS_KEYS.join(", "))),
            }
            bail!(message);
        }
    }
    let text = |key: &str| -> Result<Option<String>> {
        match table.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) if key == "edition" => Ok(Some(n.to_string())),
            Some(other) => bail!("`{TABLE}.cite-as.{key}` must be a string, found {}", describe(other)),
        }
    };
    let authors = match table.get("authors") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => bail!("`{TABLE}.cite-as.authors` must list names as strings, found {}", describe(other)),
            })
            .collect::<Result<_>>()?,
        Some(other) => bail!("`{TABLE}.cite-as.authors` must be a list of names, found {}", describe(other)),
    };
    let year = match table.get("year") {
        None => None,
        Some(Value::Number(n)) if n.as_i64().is_some_and(|y| (1..=9999).contains(&y)) => n.as_i64().map(|y| y as i32),
        Some(Value::String(s)) if s.trim().parse::<i32>().is_ok_and(|y| (1..=9999).contains(&y)) => {
            s.trim().parse().ok()
        }
        Some(other) => bail!("`{TABLE}.cite-as.year` must be a year such as 2025, found {}", describe(other)),
    };
    let url = text("url")?;
    if let Some(url) = &url
        && !crate::link::safe_url(url)
    {
        bail!("`{TABLE}.cite-as.url = \"{url}\"` must be an http or https address");
    }
    Ok(CiteAs {
        title: text("title")?,
        authors,
        year,
        publisher: text("publisher")?,
        url,
        doi: text("doi")?,
        edition: text("edition")?,
        language: None,
    })
}

fn string(table: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match table.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => bail!("`{TABLE}.{key}` must be a string, found {}", describe(other)),
    }
}

fn boolean(table: &Map<String, Value>, key: &str) -> Result<Option<bool>> {
    match table.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => bail!("`{TABLE}.{key}` must be true or false, found {}", describe(other)),
    }
}

/// A value as TOML would show it, for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `\"{s}\"`"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a table".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_table: &str) -> Result<Config> {
        let book: BookConfig = format!("[preprocessor.scholar]\n{toml_table}").parse()?;
        Config::from_book(Path::new("/b"), &book)
    }

    #[test]
    fn defaults_follow_the_contract() {
        let config = parse("bibliography = \"refs.bib\"").unwrap();
        assert_eq!(config.bibliography, vec![BibFile { path: "/b/refs.bib".into(), shown: "refs.bib".into() }]);
        assert_eq!(config.style, StyleSource::Bundled("ieee".into()));
        assert_eq!(config.locale, "en-US");
        assert_eq!(config.scope, Scope::Chapter);
        assert_eq!(config.section_level, 2);
        assert_eq!(config.title, None);
        assert_eq!(config.on_missing, OnMissing::Warn);
        assert!(config.hover && config.backrefs && config.cache);
        assert_eq!(config.topics, TopicsConfig::default());
        assert!(config.warnings.is_empty());
        assert_eq!(config.src_dir, Path::new("/b/src"));
        assert_eq!(config.build_dir, Path::new("/b/book"));
    }

    #[test]
    fn values_are_read() {
        let config = parse(
            r#"bibliography = ["a.bib", "b.json"]
style = "styles/my.csl"
locale = "zh-CN"
scope = "section"
section-level = 3
title = ""
on-missing = "error"
hover = false
backrefs = false
export = false
engine = "scholar"
locales = "csl-locales"
entry-language = true
command = "mdbook-scholar"
after = ["links", "index"]
[preprocessor.scholar.topics]
columns = ["topic", "works"]
top-works = 5
[preprocessor.scholar.cite-as]
authors = ["Doe, Jane", "李四"]
year = "2025"
url = "https://example.org/book/"
edition = 2
"#,
        )
        .unwrap();
        assert_eq!(config.bibliography.len(), 2);
        assert_eq!(config.style, StyleSource::File { path: "/b/styles/my.csl".into(), shown: "styles/my.csl".into() });
        assert_eq!(config.locale, "zh-CN");
        assert_eq!(config.scope, Scope::Section);
        assert_eq!(config.section_level, 3);
        assert_eq!(config.title.as_deref(), Some(""));
        assert_eq!(config.on_missing, OnMissing::Error);
        assert!(!config.hover && !config.backrefs);
        assert_eq!(config.topics.columns, vec![TopicColumn::Topic, TopicColumn::Works]);
        assert_eq!(config.topics.top_works, 5);
        assert!(!config.export);
        assert!(config.warnings.is_empty(), "`engine = \"scholar\"` is accepted without a word");
        assert_eq!(config.locales, Some(LocalesDir { path: "/b/csl-locales".into(), shown: "csl-locales".into() }));
        assert_eq!(config.entry_language, Some(true));
        assert_eq!(config.cite_as.authors, ["Doe, Jane", "李四"]);
        assert_eq!(config.cite_as.year, Some(2025));
        assert_eq!(config.cite_as.edition.as_deref(), Some("2"));
        assert_eq!(config.cite_as.url.as_deref(), Some("https://example.org/book/"));
    }

    #[test]
    fn cite_as_defaults_to_the_book() {
        let book: BookConfig =
            "[book]\ntitle = \"T\"\nauthors = [\"A, B\"]\nlanguage = \"zh-CN\"\n[preprocessor.scholar]\nbibliography = \"r.bib\""
                .parse()
                .unwrap();
        let config = Config::from_book(Path::new("."), &book).unwrap();
        assert!(config.export);
        assert_eq!(config.cite_as.title.as_deref(), Some("T"));
        assert_eq!(config.cite_as.authors, ["A, B"]);
        assert_eq!(config.cite_as.language.as_deref(), Some("zh-CN"));
        assert_eq!(config.cite_as.year, None);
    }

    #[test]
    fn locale_falls_back_to_book_language() {
        let book: BookConfig =
            "[book]\nlanguage = \"zh-CN\"\n[preprocessor.scholar]\nbibliography = \"r.bib\"".parse().unwrap();
        assert_eq!(Config::from_book(Path::new("."), &book).unwrap().locale, "zh-CN");
        let book: BookConfig =
            "[book]\nlanguage = \"de\"\n[preprocessor.scholar]\nbibliography = \"r.bib\"".parse().unwrap();
        assert_eq!(Config::from_book(Path::new("."), &book).unwrap().locale, "de-DE");
    }

    #[test]
    fn bad_configuration_names_the_key() {
        let cases: &[(&str, &str)] = &[
            ("", "`preprocessor.scholar.bibliography` is required"),
            (
                "bibliography = 3",
                "`preprocessor.scholar.bibliography` must be a path or a list of paths, found the number `3`",
            ),
            ("bibliography = [\"a.bib\", 1]", "must list paths as strings, found the number `1`"),
            (
                "bibliography = \"a.bib\"\nbibliografy = 1",
                "unknown key `preprocessor.scholar.bibliografy`; did you mean `bibliography`?",
            ),
            ("bibliography = \"a.bib\"\nfrobnicate = 1", "unknown key `preprocessor.scholar.frobnicate`; known keys:"),
            (
                "bibliography = \"a.bib\"\nhover = \"yes\"",
                "`preprocessor.scholar.hover` must be true or false, found the string `\"yes\"`",
            ),
            ("bibliography = \"a.bib\"\nscope = \"page\"", "`preprocessor.scholar.scope = \"page\"` is not a scope"),
            (
                "bibliography = \"a.bib\"\nsection-level = 9",
                "`preprocessor.scholar.section-level` must be a heading level from 1 to 6, found the number `9`",
            ),
            (
                "bibliography = \"a.bib\"\non-missing = \"fail\"",
                "`preprocessor.scholar.on-missing = \"fail\"` is not allowed",
            ),
            (
                "bibliography = \"a.bib\"\nlocale = \"xx-YY\"",
                "`preprocessor.scholar.locale = \"xx-YY\"` is not a CSL locale",
            ),
            ("bibliography = \"a.bib\"\nstyle = 1", "`preprocessor.scholar.style` must be a string"),
            ("bibliography = \"a.bib\"\ntopics = 1", "`preprocessor.scholar.topics` must be a table"),
            (
                "bibliography = \"a.bib\"\n[preprocessor.scholar.topics]\ncolumns = [\"x\"]",
                "`preprocessor.scholar.topics.columns` has the string `\"x\"`",
            ),
            (
                "bibliography = \"a.bib\"\n[preprocessor.scholar.topics]\nrows = 1",
                "unknown key `preprocessor.scholar.topics.rows`",
            ),
            ("bibliography = \"a.bib\"\nexport = 1", "`preprocessor.scholar.export` must be true or false"),
            (
                "bibliography = \"a.bib\"\nengine = \"citeproc\"",
                "`preprocessor.scholar.engine = \"citeproc\"` is not an engine; mdbook-scholar's own CSL processor is the only one: use \"scholar\" or remove the key",
            ),
            ("bibliography = \"a.bib\"\nengine = true", "`preprocessor.scholar.engine` must be a string"),
            (
                "bibliography = \"a.bib\"\n[preprocessor.scholar.cite-as]\nauthor = \"x\"",
                "unknown key `preprocessor.scholar.cite-as.author`; did you mean `authors`?",
            ),
            (
                "bibliography = \"a.bib\"\n[preprocessor.scholar.cite-as]\nyear = \"soon\"",
                "`preprocessor.scholar.cite-as.year` must be a year such as 2025",
            ),
            (
                "bibliography = \"a.bib\"\n[preprocessor.scholar.cite-as]\nurl = \"javascript:x\"",
                "must be an http or https address",
            ),
        ];
        for &(table, expected) in cases {
            let error = format!("{:#}", parse(table).unwrap_err());
            assert!(error.contains(expected), "for {table:?}:\n  got      {error}\n  expected {expected}");
        }
    }

    /// hayagriva was the first engine: a book that still names it builds
    /// with ours, and is told so.
    #[test]
    fn the_removed_hayagriva_engine_is_a_warning() {
        let config = parse("bibliography = \"a.bib\"\nengine = \"hayagriva\"").unwrap();
        let warnings: Vec<String> = config.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            warnings,
            ["warning: `preprocessor.scholar.engine = \"hayagriva\"` in book.toml: the hayagriva engine was removed \
              in favour of mdbook-scholar's own CSL processor, which renders this book (remove the `engine` key)"]
        );
    }

    #[test]
    fn a_book_without_our_table_is_an_error() {
        let book: BookConfig = "[book]\ntitle = \"x\"".parse().unwrap();
        let error = Config::from_book(Path::new("."), &book).unwrap_err().to_string();
        assert!(error.contains("`[preprocessor.scholar]` is missing"), "{error}");
    }
}
