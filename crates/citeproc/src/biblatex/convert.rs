//! One entry, its fields read, as a CSL-JSON item: the entry type as a CSL
//! type, titles in sentence case for English works, names, dates, numbers
//! as written, publishers and places as lists, and identifiers and links.
//!
//! The mapping is biblatex's data model read against CSL's: where pandoc's
//! reader and biblatex's documentation agree it is theirs; where they part,
//! the README ("BibLaTeX reader") says which rule we follow.

use super::dates;
use super::latex;
use super::names::{self, NameOptions};
use super::rich::{self, Inline};
use super::source::Entry;
use super::terms;
use serde_json::{Map, Value};

/// Something read otherwise than written, and the field it is in (none for
/// the entry as a whole).
pub(crate) type Warning = (Option<String>, String);

/// Converts an entry; `warnings` gets what could not be read as meant
/// (kept as written).
pub(crate) fn convert(entry: &Entry, warnings: &mut Vec<Warning>) -> Value {
    let reader = Reader::new(entry);
    let mut item = Map::new();
    item.insert("id".into(), entry.key.clone().into());
    let (kind, known) = csl_type(&entry.kind, &reader.text_of("entrysubtype"), reader.is_event());
    if !known {
        let message =
            format!("entry `{}`: `@{}` is not a biblatex entry type; it is read as `@misc`", entry.key, entry.kind);
        warnings.push((None, message));
    }
    item.insert("type".into(), kind.into());
    if let Some(language) = &reader.language {
        item.insert("language".into(), language.clone().into());
    }
    reader.titles(&mut item);
    reader.names(&mut item);
    reader.dates(&mut item, warnings);
    reader.numbers(&mut item);
    reader.publication(&mut item);
    reader.links(&mut item);
    reader.notes(&mut item);
    item.retain(|_, v| !matches!(v, Value::String(s) if s.is_empty()));
    Value::Object(item)
}

/// The CSL type of a biblatex entry type, and whether the entry type is
/// known.
fn csl_type(kind: &str, subtype: &str, event: bool) -> (&'static str, bool) {
    let periodical = || match subtype {
        "magazine" => "article-magazine",
        "newspaper" => "article-newspaper",
        _ => "article-journal",
    };
    let csl = match kind {
        "article" | "periodical" | "suppperiodical" => periodical(),
        "book" | "mvbook" | "collection" | "mvcollection" | "proceedings" | "mvproceedings" | "reference"
        | "mvreference" | "manual" | "commentary" => "book",
        "booklet" => "pamphlet",
        "inbook" | "bookinbook" | "suppbook" | "incollection" | "suppcollection" => "chapter",
        "inreference" => "entry-encyclopedia",
        "inproceedings" | "conference" => "paper-conference",
        "thesis" | "phdthesis" | "mastersthesis" => "thesis",
        "report" | "techreport" => "report",
        "online" | "electronic" | "www" => "webpage",
        "patent" => "patent",
        "dataset" | "data" => "dataset",
        "software" => "software",
        "standard" => "standard",
        "unpublished" if event => "speech",
        "unpublished" => "manuscript",
        "artwork" | "image" => "graphic",
        "audio" | "music" => "song",
        "video" | "movie" => "motion_picture",
        "jurisdiction" => "legal_case",
        "legislation" => "legislation",
        "legal" => "treaty",
        "letter" | "letters" => "personal_communication",
        "performance" => "performance",
        "review" => "review",
        "newsarticle" => "article-newspaper",
        "misc" | "set" | "customa" | "customb" | "customc" | "customd" | "custome" | "customf" => "document",
        _ => return ("document", false),
    };
    (csl, true)
}

fn is_chapterlike(kind: &str) -> bool {
    matches!(
        kind,
        "inbook" | "incollection" | "inproceedings" | "inreference" | "bookinbook" | "suppbook" | "suppcollection"
    )
}

fn is_article(kind: &str) -> bool {
    matches!(kind, "article" | "periodical" | "suppperiodical" | "review")
}

/// Whether `number` is a series number (`collection-number`) in this type.
fn number_is_series(kind: &str) -> bool {
    matches!(
        kind,
        "book"
            | "collection"
            | "proceedings"
            | "reference"
            | "mvbook"
            | "mvcollection"
            | "mvproceedings"
            | "mvreference"
            | "bookinbook"
            | "inbook"
            | "incollection"
            | "inproceedings"
            | "inreference"
            | "suppbook"
            | "suppcollection"
    )
}

struct Reader<'e> {
    entry: &'e Entry,
    /// The work's language as a BCP 47 tag.
    language: Option<String>,
    /// Whether titles are English (or of no stated language): they are
    /// then turned into sentence case.
    english: bool,
    names: NameOptions,
    /// `options = {url=false}` and the like.
    options: Vec<(String, String)>,
}

impl<'e> Reader<'e> {
    fn new(entry: &'e Entry) -> Reader<'e> {
        let raw = |name: &str| entry.get(name).map(latex::plain).unwrap_or_default();
        let langid = [raw("langid"), raw("hyphenation")].into_iter().find(|l| !l.trim().is_empty());
        let language = langid.and_then(|l| terms::language_tag(&l, &raw("langidopts")));
        let english = language.as_deref().is_none_or(|l| l == "en" || l.starts_with("en-"));
        let options: Vec<(String, String)> = raw("options")
            .split(',')
            .filter(|o| !o.trim().is_empty())
            .map(|o| match o.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()),
                None => (o.trim().to_ascii_lowercase(), "true".to_string()),
            })
            .collect();
        let option = |name: &str| options.iter().any(|(k, v)| k == name && v == "true");
        let names = NameOptions { useprefix: option("useprefix"), juniorcomma: option("juniorcomma") };
        Reader { entry, language, english, names, options }
    }

    /// A field's LaTeX source, if it has any text.
    fn source(&self, name: &str) -> Option<&'e str> {
        self.entry.get(name).filter(|v| !v.trim().is_empty())
    }

    /// The first of several fields (BibTeX's and biblatex's names).
    fn source_of(&self, names: &[&str]) -> Option<&'e str> {
        names.iter().find_map(|n| self.source(n))
    }

    fn text_of(&self, name: &str) -> String {
        self.source(name).map(latex::plain).unwrap_or_default().trim().to_string()
    }

    fn rich(&self, name: &str) -> Option<Vec<Inline>> {
        self.source(name).map(latex::parse).filter(|l| !l.is_empty())
    }

    /// A title field, in sentence case for an English work.
    fn title(&self, name: &str) -> Option<Vec<Inline>> {
        let mut list = self.rich(name)?;
        if self.english {
            rich::sentence_case(&mut list);
        }
        Some(list)
    }

    /// Markup of a title: nocase spans where sentence case had protection.
    fn title_markup(&self, list: &[Inline]) -> String {
        rich::markup(list, self.english)
    }

    /// `title`, `subtitle`, `titleaddon` of one group, joined as biblatex
    /// prints them: `Title: Subtitle. Addon`.
    fn title_group(&self, title: &str, subtitle: &str, addon: &str) -> Option<Vec<Inline>> {
        let main = self.title(title)?;
        let with_subtitle = rich::join(vec![main, self.title(subtitle).unwrap_or_default()], ':');
        Some(rich::join(vec![with_subtitle, self.title(addon).unwrap_or_default()], '.'))
    }

    fn is_event(&self) -> bool {
        ["eventdate", "eventtitle", "venue"].iter().any(|f| self.source(f).is_some())
    }

    fn titles(&self, item: &mut Map<String, Value>) {
        let kind = self.entry.kind.as_str();
        let chapterlike = is_chapterlike(kind);
        let has_maintitle = self.source("maintitle").is_some();
        let put = |item: &mut Map<String, Value>,
                   key: &str,
                   list: Option<Vec<Inline>>,
                   markup: &dyn Fn(&[Inline]) -> String| {
            if let Some(list) = list.filter(|l| !l.is_empty()) {
                item.insert(key.into(), markup(&list).into());
            }
        };
        let title_markup = |l: &[Inline]| self.title_markup(l);
        let plain_markup = |l: &[Inline]| rich::markup(l, false);

        // The work's own title, and the title of what it is part of.
        if kind == "periodical" {
            match self.title_group("issuetitle", "issuesubtitle", "issuetitleaddon") {
                Some(issue) => {
                    put(item, "title", Some(issue), &title_markup);
                    put(item, "container-title", self.periodical_group("title", "subtitle"), &plain_markup);
                    put(item, "container-title-short", self.rich("shorttitle"), &plain_markup);
                }
                None => put(item, "title", self.periodical_group("title", "subtitle"), &plain_markup),
            }
        } else if has_maintitle && !chapterlike {
            // One volume of a multi-volume work: the whole is the title,
            // the volume's own title its volume title.
            put(item, "title", self.title_group("maintitle", "mainsubtitle", "maintitleaddon"), &title_markup);
            put(item, "volume-title", self.title_group("title", "subtitle", "titleaddon"), &title_markup);
        } else {
            put(item, "title", self.title_group("title", "subtitle", "titleaddon"), &title_markup);
        }
        if chapterlike {
            if has_maintitle {
                put(
                    item,
                    "container-title",
                    self.title_group("maintitle", "mainsubtitle", "maintitleaddon"),
                    &title_markup,
                );
                put(
                    item,
                    "volume-title",
                    self.title_group("booktitle", "booksubtitle", "booktitleaddon"),
                    &title_markup,
                );
            } else {
                put(
                    item,
                    "container-title",
                    self.title_group("booktitle", "booksubtitle", "booktitleaddon"),
                    &title_markup,
                );
            }
        }
        if kind != "periodical" && !item.contains_key("container-title") {
            let journal = self.source_of(&["journaltitle", "journal"]).map(latex::parse);
            if let Some(journal) = journal {
                let subtitle = self.rich("journalsubtitle").unwrap_or_default();
                put(item, "container-title", Some(rich::join(vec![journal, subtitle], ':')), &plain_markup);
            }
        }
        if kind != "periodical" {
            put(item, "container-title-short", self.rich("shortjournal"), &plain_markup);
        }

        // The short title: `shorttitle`, or the title up to a colon.
        if kind != "periodical" {
            let has_subtitle = self.source("subtitle").is_some() || self.source("titleaddon").is_some();
            let short = if self.source("shorttitle").is_some() && (!has_maintitle || chapterlike) {
                self.title("shorttitle")
            } else if has_subtitle && !has_maintitle {
                self.title("title").map(|t| rich::before_colon(&t).unwrap_or(t))
            } else {
                self.title("title").and_then(|t| rich::before_colon(&t))
            };
            put(item, "title-short", short, &title_markup);
        }

        put(item, "collection-title", self.series(), &title_markup);
        put(item, "event-title", self.title("eventtitle"), &title_markup);
        put(item, "original-title", self.title("origtitle"), &title_markup);
    }

    fn periodical_group(&self, title: &str, subtitle: &str) -> Option<Vec<Inline>> {
        let main = self.rich(title)?;
        Some(rich::join(vec![main, self.rich(subtitle).unwrap_or_default()], ':'))
    }

    /// `series`: a localisation key (`newseries`) prints its text, a number
    /// an ordinal and "series" (`3` → "3rd series"), as biblatex does.
    fn series(&self) -> Option<Vec<Inline>> {
        let text = self.text_of("series");
        if let Ok(n) = text.parse::<u64>() {
            return Some(vec![Inline::Text(format!("{} series", terms::ordinal(n)))]);
        }
        if let Some(term) = terms::bibstring(&text) {
            return Some(vec![Inline::Text(term.to_string())]);
        }
        self.title("series")
    }

    fn names(&self, item: &mut Map<String, Value>) {
        let add = |item: &mut Map<String, Value>, variable: &str, names: Vec<Value>| {
            if names.is_empty() {
                return;
            }
            match item.get_mut(variable) {
                Some(Value::Array(list)) => list.extend(names),
                _ => {
                    item.insert(variable.into(), Value::Array(names));
                }
            }
        };
        let list = |field: &str| self.source(field).map(|raw| names::parse_list(raw, self.names)).unwrap_or_default();
        add(item, "author", list("author"));
        add(item, "container-author", list("bookauthor"));
        // `editor` and the other editors (`editora`…) in the role their
        // `…type` field gives.
        for (field, role_field) in [
            ("editor", "editortype"),
            ("editora", "editoratype"),
            ("editorb", "editorbtype"),
            ("editorc", "editorctype"),
        ] {
            let role = self.text_of(role_field).to_ascii_lowercase();
            add(item, role_variable(&role), list(field));
        }
        add(item, "translator", list("translator"));
        add(item, "director", list("director"));
    }

    fn dates(&self, item: &mut Map<String, Value>, warnings: &mut Vec<Warning>) {
        for (variable, iso, prefix) in [
            ("issued", "date", ""),
            ("event-date", "eventdate", "event"),
            ("original-date", "origdate", "orig"),
            ("accessed", "urldate", "url"),
        ] {
            // `????` (Beebe's bibliographies) says the part is unknown.
            let known = |text: String| (!text.chars().all(|c| c == '?')).then_some(text);
            let (prefix, result) = if let Some(raw) = self.source(iso) {
                (iso, dates::parse_iso(&raw.replace(['{', '}'], "")))
            } else if let Some(year) = self.source(&format!("{prefix}year")).map(latex::plain).and_then(known) {
                let text = |f: &str| self.source(&format!("{prefix}{f}")).map(latex::plain).and_then(known);
                let (month, day) = (text("month"), text("day"));
                let end = [text("endyear"), text("endmonth"), text("endday")];
                let result = dates::parse_parts(
                    &year,
                    month.as_deref(),
                    day.as_deref(),
                    [end[0].as_deref(), end[1].as_deref(), end[2].as_deref()],
                );
                (prefix, result)
            } else {
                continue;
            };
            match result {
                Ok(date) => {
                    item.insert(variable.into(), date);
                }
                Err(dates::Partial { kept, part, why }) => {
                    let field = format!("{prefix}{part}");
                    warnings.push((Some(field.clone()), format!("entry `{}`: field `{field}`: {why}", self.entry.key)));
                    if !kept.is_null() {
                        item.insert(variable.into(), kept);
                    }
                }
            }
        }
    }

    /// Volume, number, pages and the like, as written: `D` stays `D`.
    fn numbers(&self, item: &mut Map<String, Value>) {
        let kind = self.entry.kind.as_str();
        let text = |name: &str| self.rich(name).map(|l| rich::markup(&l, false));
        if let Some(pages) = text("pages") {
            item.insert("page".into(), pages.replace('–', "-").into());
        }
        // biblatex prints `volume` and `part` as `volume.part`.
        let volume = match (text("volume"), text("part")) {
            (Some(v), Some(p)) => Some(format!("{v}.{p}")),
            (v, p) => v.or(p),
        };
        for (variable, value) in [
            ("volume", volume),
            ("number-of-volumes", text("volumes")),
            ("number-of-pages", text("pagetotal")),
            ("chapter-number", text("chapter")),
            ("edition", text("edition")),
            ("version", text("version")),
        ] {
            if let Some(value) = value {
                item.insert(variable.into(), value.into());
            }
        }
        if let Some(number) = text("number") {
            if number_is_series(kind) {
                item.insert("collection-number".into(), number.into());
            } else if is_article(kind) {
                let issue = match text("issue") {
                    Some(issue) => format!("{number}, {issue}"),
                    None => number,
                };
                item.insert("issue".into(), issue.into());
            } else {
                item.insert("number".into(), number.into());
            }
        } else if let Some(issue) = text("issue").filter(|_| is_article(kind)) {
            item.insert("issue".into(), issue.into());
        }
    }

    /// A literal list (`location = {Durham and London}`) joined by `; `.
    fn literal_list(&self, field: &str, resolve_keys: bool) -> Option<Vec<Inline>> {
        let raw = self.source(field)?;
        let mut out: Vec<Inline> = Vec::new();
        for part in names::split_and(raw) {
            let mut list = latex::parse(part);
            if resolve_keys && let Some(term) = terms::bibstring(&rich::plain(&list)) {
                list = vec![Inline::Text(term.to_string())];
            }
            if list.is_empty() {
                continue;
            }
            if !out.is_empty() {
                rich::push_text(&mut out, "; ");
            }
            for inline in list {
                match inline {
                    Inline::Text(text) => rich::push_text(&mut out, &text),
                    other => out.push(other),
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    fn publication(&self, item: &mut Map<String, Value>) {
        let kind = self.entry.kind.as_str();
        let markup = |l: Vec<Inline>| rich::markup(&l, false);
        // The thesis's school, the report's institution, the organization
        // and the publisher all publish.
        let publishers: Vec<Vec<Inline>> = ["school", "institution", "organization", "howpublished", "publisher"]
            .iter()
            .filter_map(|f| if *f == "howpublished" { self.rich(f) } else { self.literal_list(f, false) })
            .collect();
        if !publishers.is_empty() {
            item.insert("publisher".into(), markup(rich::join(publishers, ';')).into());
        }
        if kind == "patent" {
            if let Some(places) = self.literal_list("location", true) {
                item.insert("jurisdiction".into(), markup(places).into());
            }
        } else if let Some(places) =
            self.literal_list("address", false).or_else(|| self.literal_list("location", false))
        {
            item.insert("publisher-place".into(), markup(places).into());
        }
        if let Some(places) = self.literal_list("origlocation", false) {
            item.insert("original-publisher-place".into(), markup(places).into());
        }
        if let Some(publisher) = self.literal_list("origpublisher", false) {
            item.insert("original-publisher".into(), markup(publisher).into());
        }
        if let Some(venue) = self.rich("venue") {
            item.insert("event-place".into(), markup(venue).into());
        }
        // `type` (a localisation key or text), or what the entry type says.
        let genre = match self.source("type") {
            Some(_) => {
                let text = self.text_of("type");
                Some(
                    terms::bibstring(&text).map_or_else(|| self.rich("type").map(markup).unwrap_or(text), String::from),
                )
            }
            None => match kind {
                "mastersthesis" => terms::bibstring("mathesis").map(String::from),
                "phdthesis" => terms::bibstring("phdthesis").map(String::from),
                "techreport" => terms::bibstring("techreport").map(String::from),
                _ => None,
            },
        };
        if let Some(genre) = genre {
            item.insert("genre".into(), genre.into());
        }
    }

    /// URL, DOI and the other identifiers, verbatim; an `eprint` of a
    /// known archive becomes the URL when there is none.
    fn links(&self, item: &mut Map<String, Value>) {
        let url_allowed = self.entry.kind == "online" || !self.options.iter().any(|(k, v)| k == "url" && v == "false");
        let doi_allowed = !self.options.iter().any(|(k, v)| k == "doi" && v == "false");
        let eprint = self.source("eprint").map(verbatim);
        let eprint_type = self.source_of(&["eprinttype", "archiveprefix"]).map(latex::plain).unwrap_or_default();
        let eprint_type = eprint_type.trim().to_ascii_lowercase();
        let url = self.source("url").filter(|_| url_allowed).map(verbatim).or_else(|| {
            let id = eprint.as_deref()?;
            let base = match eprint_type.as_str() {
                "arxiv" => "https://arxiv.org/abs/",
                "jstor" => "https://www.jstor.org/stable/",
                "pubmed" => "https://pubmed.ncbi.nlm.nih.gov/",
                "googlebooks" => "https://books.google.com/books?id=",
                "hdl" => "https://hdl.handle.net/",
                _ => return None,
            };
            Some(format!("{base}{id}"))
        });
        for (variable, value) in [
            ("URL", url),
            ("DOI", self.source("doi").filter(|_| doi_allowed).map(verbatim)),
            ("ISBN", self.source("isbn").map(verbatim)),
            ("ISSN", self.source("issn").map(verbatim)),
            ("PMCID", self.source("pmcid").map(verbatim)),
            ("PMID", self.source("pmid").map(verbatim).or_else(|| eprint.clone().filter(|_| eprint_type == "pubmed"))),
            ("call-number", self.source("library").map(verbatim)),
        ] {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                item.insert(variable.into(), value.into());
            }
        }
    }

    fn notes(&self, item: &mut Map<String, Value>) {
        let markup = |l: Vec<Inline>| rich::markup(&l, false);
        let notes: Vec<Vec<Inline>> = ["note", "addendum"].iter().filter_map(|f| self.rich(f)).collect();
        if !notes.is_empty() {
            item.insert("note".into(), markup(rich::join(notes, '.')).into());
        }
        if let Some(annote) = self.source_of(&["annotation", "annote"]).map(latex::parse) {
            item.insert("annote".into(), markup(annote).into());
        }
        if let Some(abstract_) = self.rich("abstract") {
            item.insert("abstract".into(), markup(abstract_).into());
        }
        if let Some(keywords) = self.rich("keywords") {
            item.insert("keyword".into(), markup(keywords).into());
        }
        if self.source("pubstate").is_some() {
            let text = self.text_of("pubstate");
            let status = terms::bibstring(&text).map_or(text, String::from);
            item.insert("status".into(), status.into());
        }
    }
}

/// The CSL name variable of a biblatex editorial role (`editortype`).
fn role_variable(role: &str) -> &'static str {
    match role {
        "" | "editor" => "editor",
        "compiler" => "compiler",
        "director" => "director",
        "organizer" | "organiser" => "organizer",
        "translator" => "translator",
        "chair" => "chair",
        "curator" => "curator",
        "producer" => "producer",
        // `collaborator`, `redactor`, `reviser`, `founder`, `continuator`
        // and roles of one's own: CSL has only the general one.
        _ => "contributor",
    }
}

/// A verbatim field (URL, DOI): escapes BibTeX needed are undone.
fn verbatim(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| matches!(n, '_' | '%' | '&' | '#' | '$' | '~' | '{' | '}')) => {
                out.extend(chars.next());
            }
            '{' | '}' => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}
