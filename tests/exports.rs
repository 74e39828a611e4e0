//! Exports read back: the survey's works exported as CSL-JSON and BibTeX
//! (the list downloads, and BibTeX generated from CSL for works without a
//! `.bib` source) read back through our own readers give the same formatted
//! entries; the CSL-JSON follows CSL's JSON schema; the RIS, parsed back,
//! holds the same fields.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mdbook_scholar::config::Config;
use mdbook_scholar::export::{self, Export, bibtex, csl};
use mdbook_scholar::library::Library;
use serde_json::Value;

/// Every work of the survey's bibliography files, exported.
fn survey() -> (Config, Vec<Export>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (ctx, _) = common::preprocessed(root);
    let config = Config::from_book(&ctx.root, &ctx.config).unwrap();
    let (mut library, _) = Library::load(&config.bibliography).unwrap();
    library.resolve_all();
    let keys: Vec<String> = library.keys().map(String::from).collect();
    let exports = keys.iter().filter_map(|k| library.work(k)).map(|w| Export::of(w, Some(&library))).collect();
    (config, exports)
}

/// Each entry of `files` formatted in `style`, by key.
fn formatted(files: &[PathBuf], style: &str, locale: &str) -> BTreeMap<String, String> {
    let mut out = Vec::new();
    let options = mdbook_scholar::commands::FormatOptions {
        style: Some(style.to_string()),
        locale: Some(locale.to_string()),
        html: true,
        ..Default::default()
    };
    mdbook_scholar::commands::format(files, &options, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|line| {
            let key = line.split("data-key=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
            // Numbers follow the file's order; the text after the label is the entry.
            let body = line.rsplit("</span> ").next().unwrap().to_string();
            (key, body)
        })
        .collect()
}

#[test]
fn survey_exports_read_back_as_the_same_entries() {
    let (config, exports) = survey();
    assert!(exports.len() > 100, "the survey has {} works", exports.len());
    let all: Vec<&Export> = exports.iter().collect();
    let files = export::files(&all);
    let dir = common::scratch("exports-round-trip");
    let generated: String = exports.iter().map(|e| bibtex::entry(&e.csl) + "\n").collect();
    for (name, text) in [("download.json", &files.json), ("download.bib", &files.bibtex), ("generated.bib", &generated)]
    {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let originals: Vec<PathBuf> = config.bibliography.iter().map(|b| b.path.clone()).collect();
    for (style, locale) in [("gb-7714-2015-numeric", "zh-CN"), ("apa", "en-US"), ("ieee", "en-US"), ("mla", "en-US")] {
        let expected = formatted(&originals, style, locale);
        assert_eq!(expected.len(), exports.len());
        for name in ["download.json", "download.bib", "generated.bib"] {
            let actual = formatted(&[dir.join(name)], style, locale);
            let differing: Vec<String> = expected
                .iter()
                .filter(|(k, v)| actual.get(*k) != Some(v))
                .map(|(k, v)| format!("{k}\n  original: {v}\n  exported: {:?}", actual.get(k)))
                .collect();
            assert!(
                differing.is_empty(),
                "{name} under {style}: {} differ:\n{}",
                differing.len(),
                differing.join("\n")
            );
        }
    }
}

/// CSL-JSON's schema (csl-data.json of CSL 1.0.2), written out here as
/// checks: the item types, the variables and the kind of value each takes,
/// names and dates as the schema shapes them, nothing else.
mod schema {
    use serde_json::Value;

    pub const TYPES: &[&str] = &[
        "article",
        "article-journal",
        "article-magazine",
        "article-newspaper",
        "bill",
        "book",
        "broadcast",
        "chapter",
        "classic",
        "collection",
        "dataset",
        "document",
        "entry",
        "entry-dictionary",
        "entry-encyclopedia",
        "event",
        "figure",
        "graphic",
        "hearing",
        "interview",
        "legal_case",
        "legislation",
        "manuscript",
        "map",
        "motion_picture",
        "musical_score",
        "pamphlet",
        "paper-conference",
        "patent",
        "performance",
        "periodical",
        "personal_communication",
        "post",
        "post-weblog",
        "regulation",
        "report",
        "review",
        "review-book",
        "software",
        "song",
        "speech",
        "standard",
        "thesis",
        "treaty",
        "webpage",
    ];
    const NAMES: &[&str] = &[
        "author",
        "chair",
        "collection-editor",
        "compiler",
        "composer",
        "container-author",
        "contributor",
        "curator",
        "director",
        "editor",
        "editorial-director",
        "executive-producer",
        "guest",
        "host",
        "interviewer",
        "illustrator",
        "narrator",
        "organizer",
        "original-author",
        "performer",
        "producer",
        "recipient",
        "reviewed-author",
        "script-writer",
        "series-creator",
        "translator",
    ];
    const DATES: &[&str] = &["accessed", "available-date", "event-date", "issued", "original-date", "submitted"];
    /// Variables whose value is a string or a number.
    const TEXTS: &[&str] = &[
        "citation-key",
        "language",
        "journalAbbreviation",
        "shortTitle",
        "abstract",
        "annote",
        "archive",
        "archive_collection",
        "archive_location",
        "archive-place",
        "authority",
        "call-number",
        "chapter-number",
        "citation-number",
        "citation-label",
        "collection-number",
        "collection-title",
        "container-title",
        "container-title-short",
        "dimensions",
        "division",
        "DOI",
        "edition",
        "event",
        "event-title",
        "event-place",
        "first-reference-note-number",
        "genre",
        "ISBN",
        "ISSN",
        "issue",
        "jurisdiction",
        "keyword",
        "locator",
        "medium",
        "note",
        "number",
        "number-of-pages",
        "number-of-volumes",
        "original-publisher",
        "original-publisher-place",
        "original-title",
        "page",
        "page-first",
        "part",
        "part-title",
        "PMCID",
        "PMID",
        "printing",
        "publisher",
        "publisher-place",
        "references",
        "reviewed-genre",
        "reviewed-title",
        "scale",
        "section",
        "source",
        "status",
        "supplement",
        "title",
        "title-short",
        "URL",
        "version",
        "volume",
        "volume-title",
        "volume-title-short",
        "year-suffix",
    ];
    const NAME_KEYS: &[&str] = &[
        "family",
        "given",
        "dropping-particle",
        "non-dropping-particle",
        "suffix",
        "comma-suffix",
        "static-ordering",
        "literal",
        "parse-names",
    ];
    const DATE_KEYS: &[&str] = &["date-parts", "season", "circa", "literal", "raw"];

    /// What is wrong with an item, if anything.
    pub fn problems(item: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(object) = item.as_object() else { return vec!["an item must be an object".into()] };
        match object.get("type").and_then(Value::as_str) {
            Some(kind) if TYPES.contains(&kind) => {}
            other => problems.push(format!("`type` {other:?} is not a CSL type")),
        }
        match object.get("id") {
            Some(Value::String(_) | Value::Number(_)) => {}
            other => problems.push(format!("`id` must be a string or number, found {other:?}")),
        }
        for (key, value) in object {
            let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_));
            if key == "id" || key == "type" {
                continue;
            } else if NAMES.contains(&key.as_str()) {
                let Some(names) = value.as_array() else {
                    problems.push(format!("`{key}` must be an array of names"));
                    continue;
                };
                for name in names {
                    match name.as_object() {
                        Some(name) => {
                            for (k, v) in name {
                                let fits = match k.as_str() {
                                    "comma-suffix" | "static-ordering" | "parse-names" => scalar(v) || v.is_boolean(),
                                    k if NAME_KEYS.contains(&k) => scalar(v),
                                    _ => false,
                                };
                                if !fits {
                                    problems.push(format!("`{key}` has a name with `{k}`: {v}"));
                                }
                            }
                        }
                        None => problems.push(format!("`{key}` has a name that is not an object")),
                    }
                }
            } else if DATES.contains(&key.as_str()) {
                let Some(date) = value.as_object() else {
                    problems.push(format!("`{key}` must be a date object"));
                    continue;
                };
                for (k, v) in date {
                    let fits = match k.as_str() {
                        "date-parts" => v.as_array().is_some_and(|parts| {
                            (1..=2).contains(&parts.len())
                                && parts.iter().all(|p| {
                                    p.as_array().is_some_and(|p| (1..=3).contains(&p.len()) && p.iter().all(scalar))
                                })
                        }),
                        "circa" => scalar(v) || v.is_boolean(),
                        k if DATE_KEYS.contains(&k) => scalar(v),
                        _ => false,
                    };
                    if !fits {
                        problems.push(format!("`{key}` has `{k}`: {v}"));
                    }
                }
            } else if TEXTS.contains(&key.as_str()) {
                if !scalar(value) {
                    problems.push(format!("`{key}` must be a string or number, found {value}"));
                }
            } else if key != "categories" && key != "custom" {
                problems.push(format!("`{key}` is not a CSL variable"));
            }
        }
        problems
    }
}

#[test]
fn exported_csl_json_follows_the_schema() {
    // The checks catch what they should.
    let bad: Value = serde_json::from_str(
        r#"{"id": "x", "type": "paper", "auhtor": [], "author": [{"family": "A", "first": "B"}],
           "issued": {"date-parts": [[2020, 1, 2, 3]]}, "title": ["not", "text"]}"#,
    )
    .unwrap();
    assert_eq!(schema::problems(&bad).len(), 5, "{:?}", schema::problems(&bad));

    let (_, exports) = survey();
    let all: Vec<&Export> = exports.iter().collect();
    let mut documents = vec![export::files(&all).json];
    documents.extend(exports.iter().map(Export::json_text));
    // The fixture's works from YAML and CSL-JSON, and the book itself.
    let fixture = common::fixtures().join("exports");
    let (ctx, _) = common::preprocessed(&fixture);
    let config = Config::from_book(&ctx.root, &ctx.config).unwrap();
    let (mut library, _) = Library::load(&config.bibliography).unwrap();
    library.resolve_all();
    let keys: Vec<String> = library.keys().map(String::from).collect();
    for key in &keys {
        documents.push(Export::of(library.work(key).unwrap(), Some(&library)).json_text());
    }
    let book = export::cite_as::work(&config.cite_as, None).unwrap();
    documents.push(Export::of(&book, None).json_text());
    for document in &documents {
        let items: Value = serde_json::from_str(document).unwrap();
        for item in items.as_array().expect("an array of items") {
            let problems = schema::problems(item);
            assert!(problems.is_empty(), "{}: {problems:?}", item["id"]);
        }
    }
}

/// A RIS reader: records of `(tag, value)` lines, `TY` to `ER`.
fn read_ris(text: &str) -> Vec<Vec<(String, String)>> {
    let mut records = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in text.lines() {
        let Some((tag, value)) = line.split_once("  - ").or_else(|| line.strip_suffix("  -").map(|t| (t, ""))) else {
            assert!(line.trim().is_empty(), "not a RIS line: {line:?}");
            continue;
        };
        assert!(tag.len() == 2 && tag.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "tag {tag:?}");
        match tag {
            "TY" => {
                assert!(current.is_none(), "TY before ER");
                current = Some(vec![(tag.into(), value.into())]);
            }
            "ER" => records.push(current.take().expect("ER without TY")),
            _ => current.as_mut().expect("a field outside a record").push((tag.into(), value.into())),
        }
    }
    assert!(current.is_none(), "a record without ER");
    records
}

#[test]
fn exported_ris_imports_as_the_same_fields() {
    let (_, exports) = survey();
    let all: Vec<&Export> = exports.iter().collect();
    let records = read_ris(&export::files(&all).ris);
    assert_eq!(records.len(), exports.len());
    for (record, export) in records.iter().zip(&exports) {
        let item = &export.csl;
        let values =
            |tag: &str| -> Vec<&str> { record.iter().filter(|(t, _)| t == tag).map(|(_, v)| v.as_str()).collect() };
        let one = |tag: &str| values(tag).first().map(|v| v.to_string());
        let text = |variable: &str| item.text(variable).map(|v| csl::plain(&v));
        assert_eq!(one("ID"), Some(item.id()));
        let kind = one("TY").unwrap();
        let expected_kind = match item.kind().as_str() {
            "article-journal" => "JOUR",
            "paper-conference" => "CPAPER",
            "book" => "BOOK",
            "chapter" => "CHAP",
            "webpage" => "ELEC",
            "report" => "RPRT",
            "thesis" => "THES",
            _ => kind.as_str(),
        };
        assert_eq!(kind, expected_kind, "{}", item.id());
        let names: Vec<String> = item
            .names("author")
            .iter()
            .map(|n| {
                let family = match &n.particle {
                    Some(p) => format!("{p} {}", n.family),
                    None => n.family.clone(),
                };
                match &n.given {
                    Some(given) => format!("{family}, {given}"),
                    None => family,
                }
            })
            .collect();
        assert_eq!(values("AU"), names, "{}", item.id());
        assert_eq!(one("TI"), text("title"), "{}", item.id());
        assert_eq!(one("T2"), text("container-title"), "{}", item.id());
        assert_eq!(one("PY"), item.date("issued").map(|(y, _, _)| format!("{y:04}")), "{}", item.id());
        assert_eq!(one("VL"), text("volume"), "{}", item.id());
        assert_eq!(one("IS"), text("issue"), "{}", item.id());
        assert_eq!(one("DO"), text("DOI"), "{}", item.id());
        assert_eq!(one("UR"), text("URL"), "{}", item.id());
        assert_eq!(one("PB"), text("publisher").or_else(|| text("authority")), "{}", item.id());
        let pages = match (one("SP"), one("EP")) {
            (Some(start), Some(end)) => Some(format!("{start}-{end}")),
            (start, _) => start,
        };
        assert_eq!(pages, text("page").map(|p| p.replace(['–', '—'], "-")), "{}", item.id());
    }
}
