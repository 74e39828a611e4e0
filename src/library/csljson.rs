//! CSL-JSON, as Zotero and pandoc export it, converted item by item into
//! hayagriva entries (through hayagriva's own YAML data model), so that all
//! works share one entry type and one engine.
//!
//! One item that cannot be read loses only itself.

use serde_json::Value;
use serde_yaml::{Mapping, Value as Yaml};

use super::Found;
use super::latex::{EMPH_END, EMPH_START, STRONG_END, STRONG_START};
use super::problem::Problem;

/// Reads a CSL-JSON file: an array of items (a single item object is taken
/// too). A syntax error fails the file and says where.
pub(super) fn read(text: &str) -> (Vec<Found>, Vec<Problem>) {
    let fail = |offset, message: String| {
        (Vec::new(), vec![Problem::error(offset, format!("{message}; no entry of this file is loaded"))])
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return fail(offset_of(text, e.line(), e.column()), format!("not valid JSON: {e}")),
    };
    let items = match value {
        Value::Array(items) => items,
        Value::Object(_) => vec![value],
        _ => return fail(0, "a CSL-JSON file must hold an array of items `[{\"id\": …}, …]`".into()),
    };
    let offsets = item_offsets(text);
    let mut found = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (n, item) in items.into_iter().enumerate() {
        let offset = offsets.get(n).copied().unwrap_or(0);
        let key = match item.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                let why = format!("item {} has no `id`; every item needs one to be cited", n + 1);
                problems.push(Problem::warning(offset, format!("an item is skipped: {why}")));
                continue;
            }
        };
        match convert(&key, &item) {
            Ok((entry, language)) => found.push(Found { key, offset, entry, language }),
            Err(why) => problems.push(Problem::warning(offset, format!("item `{key}` is skipped: {why}"))),
        }
    }
    (found, problems)
}

/// The offsets of the top-level array's items (the `{` of each), found by
/// a small scan that respects strings, for locating messages.
fn item_offsets(text: &str) -> Vec<usize> {
    let mut offsets = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                if b == b'{' && depth == 1 {
                    offsets.push(i);
                }
                depth += 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if offsets.is_empty() && text.trim_start().starts_with('{') {
        offsets.push(text.len() - text.trim_start().len());
    }
    offsets
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// CSL types and the hayagriva type and parent type they become.
fn kinds(csl_type: &str) -> (&'static str, Option<&'static str>) {
    match csl_type {
        "article-journal" | "review" | "review-book" => ("article", Some("periodical")),
        "article-magazine" => ("article", Some("periodical")),
        "article-newspaper" => ("article", Some("newspaper")),
        "paper-conference" => ("article", Some("proceedings")),
        "chapter" => ("chapter", Some("book")),
        "entry" | "entry-dictionary" | "entry-encyclopedia" => ("entry", Some("reference")),
        "post-weblog" => ("article", Some("blog")),
        "book" | "classic" => ("book", None),
        "report" => ("report", None),
        "thesis" => ("thesis", None),
        "webpage" => ("web", Some("web")),
        "post" => ("post", None),
        "dataset" | "software" => ("repository", None),
        "manuscript" => ("manuscript", None),
        "article" => ("article", Some("periodical")),
        "patent" => ("patent", None),
        "legal_case" => ("case", None),
        "legislation" | "bill" | "regulation" | "treaty" => ("legislation", None),
        "motion_picture" | "broadcast" => ("video", None),
        "song" => ("audio", None),
        "graphic" => ("artwork", None),
        "speech" | "performance" => ("performance", None),
        "event" => ("conference", None),
        "periodical" => ("periodical", None),
        "collection" => ("anthology", None),
        _ => ("misc", None),
    }
}

/// An item as hayagriva's entry (built as hayagriva's YAML reads it), with
/// the language it declares.
fn convert(key: &str, item: &Value) -> Result<(hayagriva::Entry, Option<String>), String> {
    let csl_type = item.get("type").and_then(Value::as_str).unwrap_or("document");
    let (kind, parent_kind) = kinds(csl_type);
    let mut own = Mapping::new();
    let mut parent = Mapping::new();
    own.insert("type".into(), kind.into());
    if let Some(title) = text(item, "title") {
        own.insert("title".into(), formattable(&title, text(item, "title-short")));
    }
    people(item, &mut own)?;
    if let Some(date) = date(item, "issued")? {
        own.insert("date".into(), date.into());
    }
    publication(item, parent_kind, &mut own, &mut parent);
    identifiers(item, &mut own)?;
    let language = text(item, "language");
    if let Some(tag) = language.as_deref().and_then(super::language::normalize) {
        own.insert("language".into(), tag.into());
    }
    container(item, kind, parent_kind, &mut own, parent)?;

    let mut library = Mapping::new();
    library.insert(key.into(), Yaml::Mapping(own));
    let library: hayagriva::Library = serde_yaml::from_value(Yaml::Mapping(library)).map_err(|e| e.to_string())?;
    let entry = library.get(key).cloned().ok_or("the item converted to nothing")?;
    Ok((entry, language))
}

/// Authors and editors, and the other roles as hayagriva's `affiliated`.
fn people(item: &Value, own: &mut Mapping) -> Result<(), String> {
    for (csl, ours) in [("author", "author"), ("editor", "editor")] {
        if let Some(names) = names(item, csl)? {
            own.insert(ours.into(), names);
        }
    }
    let mut affiliated = Vec::new();
    for (csl, role) in [
        ("translator", "translator"),
        ("director", "director"),
        ("illustrator", "illustrator"),
        ("composer", "composer"),
        ("collection-editor", "collection-editor"),
    ] {
        if let Some(names) = names(item, csl)? {
            let mut entry = Mapping::new();
            entry.insert("role".into(), role.into());
            entry.insert("names".into(), names);
            affiliated.push(Yaml::Mapping(entry));
        }
    }
    if !affiliated.is_empty() {
        own.insert("affiliated".into(), Yaml::Sequence(affiliated));
    }
    Ok(())
}

/// Volume, issue, number, publisher, pages and the fields that map one to
/// one. Where a parent exists, volume, issue and publisher belong to it (as
/// in hayagriva's BibLaTeX import).
fn publication(item: &Value, parent_kind: Option<&str>, own: &mut Mapping, parent: &mut Mapping) {
    let has_parent = parent_kind.is_some();
    for (csl, ours) in [("volume", "volume"), ("issue", "issue")] {
        if let Some(v) = text(item, csl) {
            if has_parent {
                parent.insert(ours.into(), v.into())
            } else {
                own.insert(ours.into(), v.into())
            };
        }
    }
    if let Some(number) = text(item, "number") {
        own.insert("serial-number".into(), number.into());
    }
    let publisher_name = text(item, "publisher");
    let publisher_place = text(item, "publisher-place");
    if publisher_name.is_some() || publisher_place.is_some() {
        let mut publisher = Mapping::new();
        if let Some(name) = publisher_name {
            publisher.insert("name".into(), name.into());
        }
        if let Some(place) = publisher_place {
            publisher.insert("location".into(), place.into());
        }
        if has_parent && parent_kind != Some("periodical") {
            parent.insert("publisher".into(), Yaml::Mapping(publisher));
        } else {
            own.insert("publisher".into(), Yaml::Mapping(publisher));
        }
    }
    if let Some(pages) = text(item, "page") {
        own.insert("page-range".into(), pages.into());
    }
    if let Some(pages) = text(item, "number-of-pages") {
        own.insert("page-total".into(), pages.into());
    }
    for (csl, ours) in [
        ("edition", "edition"),
        ("genre", "genre"),
        ("note", "note"),
        ("archive", "archive"),
        ("archive_location", "archive-location"),
        ("call-number", "call-number"),
        ("event-place", "location"),
        ("authority", "organization"),
    ] {
        if let Some(v) = text(item, csl) {
            own.insert(ours.into(), v.into());
        }
    }
}

/// DOI, ISBN and the like (with the item's `number`, which [`publication`]
/// put aside) as hayagriva's `serial-number`, and the URL with its access
/// date.
fn identifiers(item: &Value, own: &mut Mapping) -> Result<(), String> {
    let mut serials = Mapping::new();
    for (csl, ours) in [("DOI", "doi"), ("ISBN", "isbn"), ("ISSN", "issn"), ("PMID", "pmid"), ("PMCID", "pmcid")] {
        if let Some(v) = text(item, csl).or_else(|| text(item, &csl.to_ascii_lowercase())) {
            serials.insert(ours.into(), v.into());
        }
    }
    if let Some(number) = own.remove("serial-number") {
        serials.insert("serial".into(), number);
    }
    if !serials.is_empty() {
        own.insert("serial-number".into(), Yaml::Mapping(serials));
    }
    if let Some(url) = text(item, "URL").or_else(|| text(item, "url")) {
        let mut value = Mapping::new();
        value.insert("value".into(), url.into());
        if let Some(accessed) = date(item, "accessed")? {
            value.insert("date".into(), accessed.into());
        }
        own.insert("url".into(), Yaml::Mapping(value));
    }
    Ok(())
}

/// The container (journal, book, proceedings) as the entry's parent, with
/// what [`publication`] gave it, and the series it is in.
fn container(
    item: &Value,
    kind: &str,
    parent_kind: Option<&str>,
    own: &mut Mapping,
    mut parent: Mapping,
) -> Result<(), String> {
    let container = text(item, "container-title");
    if let Some(kind) = parent_kind
        && (container.is_some() || !parent.is_empty())
    {
        parent.insert("type".into(), kind.into());
        if let Some(title) = container {
            parent.insert("title".into(), formattable(&title, text(item, "container-title-short")));
        }
        if let Some(event) = text(item, "event-title").or_else(|| text(item, "event"))
            && kind == "proceedings"
            && !parent.contains_key("title")
        {
            parent.insert("title".into(), event.into());
        }
        if let Some(editors) = names(item, "container-author")? {
            parent.insert("author".into(), editors);
        }
        if let Some(series) = collection(item, kind) {
            parent.insert("parent".into(), series);
        }
        own.insert("parent".into(), Yaml::Mapping(parent));
    } else if let Some(series) = collection(item, kind) {
        own.insert("parent".into(), series);
    }
    Ok(())
}

/// `collection-title` (a series) as the parent hayagriva reads it from: of
/// the kind of the entry it holds where that kind can be in a series (an
/// article in proceedings in a series of proceedings), an anthology
/// otherwise; `collection-number` is its volume.
fn collection(item: &Value, holder: &str) -> Option<Yaml> {
    let title = text(item, "collection-title")?;
    let kind = match holder {
        "newspaper" | "periodical" | "proceedings" | "book" | "reference" | "exhibition" => holder,
        _ => "anthology",
    };
    let mut series = Mapping::new();
    series.insert("type".into(), kind.into());
    series.insert("title".into(), title.into());
    if let Some(number) = text(item, "collection-number") {
        series.insert("volume".into(), number.into());
    }
    Some(Yaml::Mapping(series))
}

/// A text field: strings as they are, numbers written out.
fn text(item: &Value, field: &str) -> Option<String> {
    match item.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(rich_text(s.trim())),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// CSL-JSON's rich text (`<i>`, `<b>`, `<span class="nocase">`) as our marks
/// and hayagriva's protective braces.
fn rich_text(s: &str) -> String {
    if !s.contains('<') {
        return s.to_string();
    }
    s.replace("<i>", &EMPH_START.to_string())
        .replace("</i>", &EMPH_END.to_string())
        .replace("<b>", &STRONG_START.to_string())
        .replace("</b>", &STRONG_END.to_string())
        .replace("<span class=\"nocase\">", "{")
        .replace("<span class=\"nodecor\">", "{")
        .replace("</span>", "}")
        .replace("<sup>", "")
        .replace("</sup>", "")
        .replace("<sub>", "")
        .replace("</sub>", "")
}

fn formattable(value: &str, short: Option<String>) -> Yaml {
    match short {
        None => value.into(),
        Some(short) => {
            let mut map = Mapping::new();
            map.insert("value".into(), value.into());
            map.insert("short".into(), short.into());
            Yaml::Mapping(map)
        }
    }
}

/// A CSL name list as hayagriva persons.
fn names(item: &Value, field: &str) -> Result<Option<Yaml>, String> {
    let Some(value) = item.get(field) else {
        return Ok(None);
    };
    let Value::Array(list) = value else {
        return Err(format!("`{field}` must be a list of names"));
    };
    let mut persons = Vec::new();
    for name in list {
        let get = |k: &str| name.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let mut person = Mapping::new();
        if let Some(literal) = get("literal") {
            person.insert("name".into(), literal.into());
        } else if let Some(family) = get("family") {
            // Some exports repeat the particle in `family` ("van der Berg"
            // with `non-dropping-particle: "van der"`): keep it once.
            let particle = get("non-dropping-particle").unwrap_or_default();
            let family = match family.strip_prefix(particle) {
                Some(rest) if !particle.is_empty() && rest.starts_with(' ') => rest.trim_start(),
                _ => family,
            };
            person.insert("name".into(), family.into());
            if let Some(given) = get("given") {
                person.insert("given-name".into(), given.into());
            }
            let particle = [get("dropping-particle"), get("non-dropping-particle")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if !particle.is_empty() {
                person.insert("prefix".into(), particle.into());
            }
            if let Some(suffix) = get("suffix") {
                person.insert("suffix".into(), suffix.into());
            }
        } else if let Some(given) = get("given") {
            person.insert("name".into(), given.into());
        } else {
            return Err(format!("a name in `{field}` has neither `family` nor `literal`"));
        }
        persons.push(Yaml::Mapping(person));
    }
    Ok((!persons.is_empty()).then_some(Yaml::Sequence(persons)))
}

/// A CSL date (`date-parts`, else `raw`/`literal`) as `YYYY-MM-DD`.
fn date(item: &Value, field: &str) -> Result<Option<String>, String> {
    let Some(value) = item.get(field) else {
        return Ok(None);
    };
    if let Some(parts) = value.get("date-parts").and_then(|p| p.get(0)).and_then(Value::as_array) {
        let numbers: Vec<i64> =
            parts.iter().map_while(|p| p.as_i64().or_else(|| p.as_str().and_then(|s| s.trim().parse().ok()))).collect();
        return Ok(match numbers.as_slice() {
            [] => None,
            [y] => Some(format!("{y:04}")),
            [y, m] => Some(format!("{y:04}-{m:02}")),
            [y, m, d, ..] => Some(format!("{y:04}-{m:02}-{d:02}")),
        });
    }
    let raw = value.get("raw").or_else(|| value.get("literal")).and_then(Value::as_str).or_else(|| value.as_str());
    match raw {
        // Keep what hayagriva can read: a leading year, maybe month and day.
        Some(raw) => {
            let digits: String = raw.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
            let digits = digits.trim_end_matches('-');
            if digits.len() >= 4 {
                Ok(Some(digits.to_string()))
            } else {
                Err(format!("`{field}` has no year hayagriva can read: `{raw}`"))
            }
        }
        None => Err(format!("`{field}` must have `date-parts` or `raw`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zotero_export_converts() {
        let json = r#"[
  {"id": "vaswani2017", "type": "paper-conference", "title": "Attention is all you need",
   "author": [{"family": "Vaswani", "given": "Ashish"}, {"family": "Shazeer", "given": "Noam"}],
   "container-title": "Advances in Neural Information Processing Systems", "volume": "30",
   "page": "5998-6008", "issued": {"date-parts": [[2017]]}, "DOI": "10.5555/3295222.3295349"},
  {"id": "zh1", "type": "book", "title": "深度学习", "author": [{"literal": "邱锡鹏"}],
   "publisher": "机械工业出版社", "publisher-place": "北京", "issued": {"raw": "2020"}, "language": "zh-CN"},
  {"type": "book", "title": "no id"},
  {"id": 42, "type": "article-journal", "title": "Numbers <i>as</i> ids", "issued": {"date-parts": [["2001", "3"]]}}
]"#;
        let (items, problems) = read(json);
        assert_eq!(items.len(), 3);
        let entry = &items[0].entry;
        assert_eq!(entry.key(), "vaswani2017");
        assert_eq!(entry.authors().unwrap().len(), 2);
        assert_eq!(entry.doi(), Some("10.5555/3295222.3295349"));
        assert_eq!(entry.date().unwrap().year, 2017);
        assert_eq!(items[1].language.as_deref(), Some("zh-CN"));
        assert_eq!(items[1].entry.title().unwrap().value.to_string(), "深度学习");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.starts_with("an item is skipped: item 3 has no `id`"), "{}", problems[0].message);
        assert_eq!(items[2].key, "42");
        assert_eq!(items[2].entry.date().unwrap().month, Some(2));
        assert_eq!(json[items[1].offset..].find("\"zh1\""), Some(7));
    }

    #[test]
    fn syntax_errors_say_where() {
        let (items, problems) = read("[\n  {\"id\": \"a\",}\n]");
        assert!(items.is_empty());
        let message = &problems[0].message;
        assert!(
            message.contains("not valid JSON") && message.ends_with("; no entry of this file is loaded"),
            "{message}"
        );
        assert_eq!(crate::diagnostic::line_column("[\n  {\"id\": \"a\",}\n]", problems[0].offset).0, 2);
    }
}
