//! A work as a CSL-JSON item: the variables the CSL engine reads from it,
//! named as CSL names them, so that Zotero, pandoc and citeproc-js see what
//! our lists show.
//!
//! hayagriva keeps a work as an entry with parents (an article inside
//! proceedings inside a series); CSL flattens that into `container-title`,
//! `collection-title` and the like. The mapping here follows hayagriva's own
//! (how its engine resolves each CSL variable), and our CSL-JSON reader
//! (`library::csljson`) is its inverse: a work exported and read back is
//! formatted the same (tested on the survey).

use hayagriva::Entry;
use hayagriva::types::{ChunkKind, ChunkedString, Date, EntryType, FormatString, Person, PersonRole};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::library::latex::{EMPH_END, EMPH_START, STRONG_END, STRONG_START};

/// A CSL-JSON item: variables in a fixed, readable order (`id` and `type`
/// first), as Zotero writes them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item(pub Vec<(&'static str, Value)>);

impl Item {
    /// The value of a variable.
    pub(crate) fn get(&self, variable: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == variable).map(|(_, v)| v)
    }

    /// A string (or number) variable as text.
    pub fn text(&self, variable: &str) -> Option<String> {
        match self.get(variable)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The `id`.
    pub fn id(&self) -> String {
        self.text("id").unwrap_or_default()
    }

    /// The CSL `type`.
    pub fn kind(&self) -> String {
        self.text("type").unwrap_or_else(|| "document".into())
    }

    /// A name variable's names.
    pub fn names(&self, variable: &str) -> Vec<Name> {
        let Some(Value::Array(names)) = self.get(variable) else { return Vec::new() };
        names
            .iter()
            .map(|n| {
                let get = |k: &str| n.get(k).and_then(Value::as_str).map(String::from);
                Name {
                    family: get("family").or_else(|| get("literal")).unwrap_or_default(),
                    given: get("given"),
                    particle: get("non-dropping-particle"),
                    suffix: get("suffix"),
                    literal: n.get("literal").is_some(),
                }
            })
            .collect()
    }

    /// A date variable's year, month and day (1-based), as far as given.
    pub fn date(&self, variable: &str) -> Option<(i64, Option<i64>, Option<i64>)> {
        let parts = self.get(variable)?.get("date-parts")?.get(0)?.as_array()?;
        let number = |i: usize| parts.get(i).and_then(Value::as_i64);
        Some((number(0)?, number(1), number(2)))
    }

    fn push(&mut self, variable: &'static str, value: Value) {
        self.0.push((variable, value));
    }

    fn push_text(&mut self, variable: &'static str, value: Option<String>) {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            self.push(variable, Value::String(value));
        }
    }
}

/// A name as the other formats need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The family name.
    pub family: String,
    /// The given names.
    pub given: Option<String>,
    /// A particle such as `van` or `de`.
    pub particle: Option<String>,
    /// A suffix such as `Jr.`.
    pub suffix: Option<String>,
    /// An organisation or a name written as one piece.
    pub literal: bool,
}

impl Serialize for Item {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// An item as a CSL-JSON file holds it inside its array, one variable a
/// line (names and dates kept on their line, as short as they are), from
/// its opening line break to its closing brace: made once per work, joined
/// into each file by [`array`].
pub(crate) fn body(item: &Item) -> String {
    let mut out = String::from("\n  {");
    for (v, (variable, value)) in item.0.iter().enumerate() {
        out.push_str(if v == 0 { "\n    " } else { ",\n    " });
        out.push_str(&Value::String(variable.to_string()).to_string());
        out.push_str(": ");
        out.push_str(&value.to_string());
    }
    out.push_str("\n  }");
    out
}

/// A CSL-JSON file: an array of items written by [`body`].
pub(crate) fn array(bodies: &[impl AsRef<str>]) -> String {
    array_with(bodies, &|s| s.to_string())
}

/// [`array`] of bodies already passed through `encode`, which the array's
/// own brackets and commas then pass through too.
pub(crate) fn array_with(bodies: &[impl AsRef<str>], encode: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(bodies.iter().map(|b| b.as_ref().len() + 1).sum::<usize>() + 8);
    out.push_str(&encode("["));
    let comma = encode(",");
    for (n, body) in bodies.iter().enumerate() {
        if n > 0 {
            out.push_str(&comma);
        }
        out.push_str(body.as_ref());
    }
    out.push_str(&encode(if bodies.is_empty() { "]" } else { "\n]" }));
    out
}

/// The CSL-JSON item of a work. `language` is the work's language tag
/// (declared or detected), as the engine uses it.
pub(crate) fn item(entry: &Entry, language: Option<&str>) -> Item {
    let mut item = Item::default();
    item.push("id", Value::String(entry.key().to_string()));
    item.push("type", Value::String(kind(entry).into()));
    let container = container(entry);
    let collection = collection(entry);

    item.push_text("title", entry.title().map(|t| rich(&t.value, true)));
    item.push_text("title-short", entry.title().and_then(|t| t.short.as_deref()).map(|s| rich(s, true)));
    push_names(&mut item, "author", entry.authors());
    let editors = entry.editors().or_else(|| container.and_then(Entry::editors));
    push_names(&mut item, "editor", editors);
    push_names(&mut item, "container-author", container.and_then(Entry::authors));
    push_names(&mut item, "collection-editor", collection.and_then(Entry::editors));
    for (variable, role) in [
        ("translator", PersonRole::Translator),
        ("director", PersonRole::Director),
        ("illustrator", PersonRole::Illustrator),
        ("composer", PersonRole::Composer),
    ] {
        let names: Vec<Person> = entry
            .affiliated()
            .unwrap_or_default()
            .iter()
            .filter(|a| a.role == role)
            .flat_map(|a| a.names.iter().cloned())
            .collect();
        push_names(&mut item, variable, Some(&names));
    }
    if let Some(date) = entry.map(|e| e.date()) {
        item.push("issued", date_value(date));
    }
    item.push_text("container-title", container.and_then(Entry::title).map(|t| rich(&t.value, true)));
    item.push_text(
        "container-title-short",
        container.and_then(Entry::title).and_then(|t| t.short.as_deref()).map(|s| rich(s, true)),
    );
    item.push_text("collection-title", collection.and_then(Entry::title).map(|t| rich(&t.value, true)));
    item.push_text("collection-number", collection.and_then(Entry::volume).map(|v| v.to_string()));
    let volume = container.and_then(Entry::volume).or_else(|| entry.volume());
    item.push_text("volume", volume.map(|v| v.to_string()));
    item.push_text("issue", entry.map(|e| e.issue()).map(|v| v.to_string()));
    item.push_text("page", entry.page_range().map(|p| p.to_string()));
    item.push_text("number-of-pages", entry.page_total().map(|p| p.to_string()));
    item.push_text("edition", entry.map(|e| e.edition()).map(|v| v.to_string()));
    item.push_text("number", entry.keyed_serial_number("serial").map(String::from));
    let publisher = entry.map(|e| e.publisher());
    item.push_text("publisher", publisher.and_then(|p| p.name()).map(plain_format));
    item.push_text("publisher-place", publisher.and_then(|p| p.location()).map(plain_format));
    item.push_text("genre", entry.map(|e| e.genre()).map(plain_format));
    item.push_text("authority", entry.organization().map(plain_format));
    item.push_text("event-place", entry.location().map(plain_format));
    item.push_text("archive", entry.map(|e| e.archive()).map(plain_format));
    item.push_text("archive_location", entry.archive_location().map(plain_format));
    item.push_text("call-number", entry.call_number().map(plain_format));
    item.push_text("note", entry.note().map(plain_format));
    item.push_text("abstract", entry.map(|e| e.abstract_()).map(plain_format));
    item.push_text("DOI", entry.doi().map(String::from));
    item.push_text("ISBN", entry.isbn().map(String::from));
    item.push_text("ISSN", entry.issn().map(String::from));
    item.push_text("PMID", entry.pmid().map(String::from));
    item.push_text("PMCID", entry.pmcid().map(String::from));
    let url = entry.map(|e| e.url());
    item.push_text("URL", url.map(|u| u.value.to_string()));
    if let Some(visited) = entry.url_any().and_then(|u| u.visit_date.as_ref()) {
        item.push("accessed", date_value(visited));
    }
    let language = language.map(String::from).or_else(|| entry.language().map(|l| l.to_string()));
    item.push_text("language", language);
    item
}

/// The CSL type, as hayagriva's engine decides it for the entry.
fn kind(entry: &Entry) -> &'static str {
    let parent_is = |types: &[EntryType]| entry.parents().iter().any(|p| types.contains(p.entry_type()));
    match entry.entry_type() {
        EntryType::Article => {
            if parent_is(&[EntryType::Periodical]) {
                "article-journal"
            } else if parent_is(&[EntryType::Newspaper]) {
                "article-newspaper"
            } else if parent_is(&[EntryType::Proceedings]) {
                "paper-conference"
            } else if parent_is(&[EntryType::Report]) {
                "report"
            } else if parent_is(&[EntryType::Thesis]) {
                "thesis"
            } else if parent_is(&[EntryType::Blog]) {
                "post-weblog"
            } else {
                "article"
            }
        }
        EntryType::Book | EntryType::Proceedings => {
            if parent_is(&[EntryType::Periodical]) {
                "periodical"
            } else {
                "book"
            }
        }
        EntryType::Anthology => "collection",
        EntryType::Periodical => "periodical",
        EntryType::Chapter | EntryType::Anthos => "chapter",
        EntryType::Entry => {
            if parent_is(&[EntryType::Reference]) {
                "entry-encyclopedia"
            } else {
                "entry"
            }
        }
        EntryType::Report => "report",
        EntryType::Thesis => "thesis",
        EntryType::Manuscript => "manuscript",
        EntryType::Post | EntryType::Thread => "post",
        EntryType::Web | EntryType::Blog => {
            if parent_is(&[EntryType::Blog]) {
                "post-weblog"
            } else {
                "webpage"
            }
        }
        EntryType::Misc if entry.url().is_some() => "webpage",
        EntryType::Repository => "software",
        EntryType::Patent => "patent",
        EntryType::Case => "legal_case",
        EntryType::Legislation => "legislation",
        EntryType::Video if entry.parents().is_empty() => "motion_picture",
        EntryType::Audio if entry.parents().is_empty() => "song",
        EntryType::Video | EntryType::Audio => "broadcast",
        EntryType::Artwork => "graphic",
        EntryType::Exhibition => "event",
        EntryType::Conference => "event",
        _ => "document",
    }
}

/// The parent CSL calls the container (hayagriva's rule: the first parent
/// of the kinds that can hold this kind of entry, in this order).
pub(crate) fn container(entry: &Entry) -> Option<&Entry> {
    use EntryType::*;
    let order: &[EntryType] = match entry.entry_type() {
        Article => &[Book, Proceedings, Conference, Periodical, Newspaper, Blog, Reference, Web],
        Anthos | Chapter | Case => &[Book, Anthology, Reference, Report],
        Report => &[Book, Anthology],
        Web => &[Web],
        Scene => &[Audio, Video, Performance, Artwork],
        Post => &[Thread, Blog, Web],
        Thread => &[Thread, Web, Blog],
        _ => &[],
    };
    order.iter().find_map(|kind| entry.parents().iter().find(|p| p.entry_type() == kind))
}

/// The parent CSL calls the collection (a series).
fn collection(entry: &Entry) -> Option<&Entry> {
    use EntryType::*;
    match entry.entry_type() {
        Anthology | Newspaper | Performance | Periodical | Proceedings | Book | Reference | Exhibition => {
            entry.parents().iter().find(|p| p.entry_type() == entry.entry_type() || *p.entry_type() == Anthology)
        }
        _ => entry.parents().iter().find_map(collection),
    }
}

fn push_names(item: &mut Item, variable: &'static str, names: Option<&[Person]>) {
    let Some(names) = names.filter(|n| !n.is_empty()) else { return };
    let list: Vec<Value> = names.iter().map(name_value).collect();
    item.push(variable, Value::Array(list));
}

fn name_value(person: &Person) -> Value {
    let mut name = serde_json::Map::new();
    let family = strip(&person.name);
    match &person.given_name {
        None if family.contains(' ') && person.prefix.is_none() => {
            // One piece: an organisation, or a name written as it is printed.
            name.insert("literal".into(), family.into());
            return Value::Object(name);
        }
        _ => {}
    }
    name.insert("family".into(), family.into());
    if let Some(given) = &person.given_name {
        name.insert("given".into(), strip(given).into());
    }
    if let Some(prefix) = &person.prefix {
        name.insert("non-dropping-particle".into(), strip(prefix).into());
    }
    if let Some(suffix) = &person.suffix {
        name.insert("suffix".into(), strip(suffix).into());
    }
    Value::Object(name)
}

/// A date as CSL-JSON's `date-parts` (hayagriva counts months and days from 0).
fn date_value(date: &Date) -> Value {
    let mut parts = vec![json!(date.year)];
    if let Some(month) = date.month {
        parts.push(json!(month as u32 + 1));
        if let Some(day) = date.day {
            parts.push(json!(day as u32 + 1));
        }
    }
    let mut value = json!({ "date-parts": [parts] });
    if date.approximate {
        value["circa"] = json!(true);
    }
    value
}

/// A title as CSL-JSON rich text: protected parts in a `nocase` span (they
/// keep their case in title-casing styles), our emphasis marks as `<i>`/`<b>`.
fn rich(text: &ChunkedString, protect: bool) -> String {
    let mut out = String::new();
    for chunk in &text.0 {
        let value = marks_to_html(&chunk.value);
        if protect && chunk.kind == ChunkKind::Verbatim && chunk.value.chars().any(char::is_alphabetic) {
            out.push_str("<span class=\"nocase\">");
            out.push_str(&value);
            out.push_str("</span>");
        } else {
            out.push_str(&value);
        }
    }
    out
}

fn plain_format(text: &FormatString) -> String {
    strip(&text.value.to_string())
}

fn marks_to_html(text: &str) -> String {
    if !text.chars().any(crate::library::latex::is_mark) {
        return text.to_string();
    }
    text.replace(EMPH_START, "<i>").replace(EMPH_END, "</i>").replace(STRONG_START, "<b>").replace(STRONG_END, "</b>")
}

/// Text without our marks.
fn strip(text: &str) -> String {
    text.chars().filter(|c| !crate::library::latex::is_mark(*c)).collect()
}

/// CSL-JSON rich text as plain text (for RIS and messages).
pub fn plain(text: &str) -> String {
    if !text.contains('<') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tag = &rest[i..];
        let known =
            ["<i>", "</i>", "<b>", "</b>", "<span class=\"nocase\">", "</span>", "<sup>", "</sup>", "<sub>", "</sub>"]
                .iter()
                .find(|t| tag.starts_with(**t));
        match known {
            Some(t) => rest = &tag[t.len()..],
            None => {
                out.push('<');
                rest = &tag[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
