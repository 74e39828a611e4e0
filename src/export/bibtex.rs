//! BibLaTeX written from a CSL-JSON item, for works that did not come from
//! a `.bib` file (a `.bib` entry is exported as its author wrote it).
//!
//! The mapping is the one pandoc and Zotero use (`paper-conference` →
//! `@inproceedings` with `booktitle`, `issue` → `number`, …); field values
//! are escaped so that LaTeX and our reader give back the same text.

use super::csl::{Item, Name, plain};

/// The entry, ending in a newline.
pub fn entry(item: &Item) -> String {
    let kind = item.kind();
    let (entry_type, container_field) = match kind.as_str() {
        "article-journal" | "article-magazine" | "article-newspaper" | "article" | "review" | "review-book" => {
            ("article", "journaltitle")
        }
        "paper-conference" => ("inproceedings", "booktitle"),
        "chapter" => ("inbook", "booktitle"),
        "entry" | "entry-dictionary" | "entry-encyclopedia" => ("inreference", "booktitle"),
        "book" | "classic" => ("book", "booktitle"),
        "collection" => ("collection", "booktitle"),
        "periodical" => ("periodical", "journaltitle"),
        "report" => ("report", "booktitle"),
        "thesis" => ("thesis", "booktitle"),
        "manuscript" => ("unpublished", "booktitle"),
        "webpage" | "post" | "post-weblog" => ("online", "maintitle"),
        "software" => ("software", "booktitle"),
        "dataset" => ("dataset", "booktitle"),
        "patent" => ("patent", "booktitle"),
        _ => ("misc", "booktitle"),
    };
    let mut fields: Vec<(&str, String)> = Vec::new();
    let text = |name: &'static str, variable: &str, fields: &mut Vec<(&str, String)>| {
        if let Some(value) = item.text(variable) {
            fields.push((name, braced(&value)));
        }
    };
    for (field, variable) in [("author", "author"), ("editor", "editor"), ("translator", "translator")] {
        let names = item.names(variable);
        if !names.is_empty() {
            fields.push((field, format!("{{{}}}", names.iter().map(name).collect::<Vec<_>>().join(" and "))));
        }
    }
    text("title", "title", &mut fields);
    text("shorttitle", "title-short", &mut fields);
    text(container_field, "container-title", &mut fields);
    text("series", "collection-title", &mut fields);
    text("volume", "volume", &mut fields);
    // `number` is an article's issue; a report's or patent's own number
    // otherwise.
    if item.get("issue").is_some() {
        text("number", "issue", &mut fields);
    } else {
        text("number", "number", &mut fields);
    }
    if let Some(pages) = item.text("page") {
        fields.push((
            "pages",
            format!("{{{}}}", escape(&pages.replace(['–', '—'], "--").replace('-', "--").replace("----", "--"))),
        ));
    }
    text("pagetotal", "number-of-pages", &mut fields);
    text("edition", "edition", &mut fields);
    text("publisher", "publisher", &mut fields);
    text("location", "publisher-place", &mut fields);
    if item.get("publisher-place").is_none() {
        text("location", "event-place", &mut fields);
    }
    text("type", "genre", &mut fields);
    text("organization", "authority", &mut fields);
    if let Some(date) = item.date("issued") {
        fields.push(("date", format!("{{{}}}", iso(date))));
    }
    for (field, variable) in [("doi", "DOI"), ("url", "URL"), ("isbn", "ISBN"), ("issn", "ISSN")] {
        if let Some(value) = item.text(variable) {
            // Verbatim fields: only braces would end them.
            fields.push((field, format!("{{{}}}", value.replace(['{', '}'], ""))));
        }
    }
    if let Some(date) = item.date("accessed") {
        fields.push(("urldate", format!("{{{}}}", iso(date))));
    }
    text("note", "note", &mut fields);
    text("abstract", "abstract", &mut fields);
    if let Some(language) = item.text("language") {
        fields.push(("langid", format!("{{{}}}", langid(&language))));
    }
    let key: String =
        item.id().chars().filter(|c| !matches!(c, ',' | '{' | '}' | '(' | ')') && !c.is_whitespace()).collect();
    let width = fields.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
    let mut out = format!("@{entry_type}{{{key},\n");
    for (n, (field, value)) in fields.iter().enumerate() {
        let comma = if n + 1 < fields.len() { "," } else { "" };
        out.push_str(&format!("  {field:width$} = {value}{comma}\n"));
    }
    out.push_str("}\n");
    out
}

/// `Family, Given`, with particles and suffixes where BibTeX wants them;
/// a one-piece name in braces so that it is not split.
fn name(name: &Name) -> String {
    if name.literal {
        return format!("{{{}}}", escape(&name.family));
    }
    let mut family = escape(&name.family);
    // A family name of several words must stay one ("Ben Zaken").
    if family.contains(' ') {
        family = format!("{{{family}}}");
    }
    if let Some(particle) = &name.particle {
        family = format!("{} {family}", escape(particle));
    }
    match (&name.given, &name.suffix) {
        (Some(given), Some(suffix)) => format!("{family}, {}, {}", escape(suffix), escape(given)),
        (Some(given), None) => format!("{family}, {}", escape(given)),
        (None, _) => family,
    }
}

/// A value in braces: CSL's rich text as LaTeX (`nocase` spans as braces,
/// `<i>` as `\emph`), every other character LaTeX treats specially escaped.
fn braced(value: &str) -> String {
    let mut out = String::from("{");
    let mut rest = value;
    while !rest.is_empty() {
        let tags: [(&str, &str); 6] = [
            ("<span class=\"nocase\">", "{"),
            ("</span>", "}"),
            ("<i>", "\\emph{"),
            ("</i>", "}"),
            ("<b>", "\\textbf{"),
            ("</b>", "}"),
        ];
        if let Some((tag, latex)) = tags.iter().find(|(t, _)| rest.starts_with(t)) {
            out.push_str(latex);
            rest = &rest[tag.len()..];
            continue;
        }
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..].find('<').map_or(rest.len(), |i| i + first);
        out.push_str(&escape(&plain(&rest[..next])));
        rest = &rest[next..];
    }
    out.push('}');
    out
}

/// Escapes what LaTeX would read as markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' | '%' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c => out.push(c),
        }
    }
    out
}

fn iso((year, month, day): (i64, Option<i64>, Option<i64>)) -> String {
    match (month, day) {
        (Some(m), Some(d)) => format!("{year:04}-{m:02}-{d:02}"),
        (Some(m), None) => format!("{year:04}-{m:02}"),
        _ => format!("{year:04}"),
    }
}

/// A language tag as biblatex's `langid` (babel's names).
fn langid(tag: &str) -> String {
    let primary = tag.split(['-', '_']).next().unwrap_or(tag).to_ascii_lowercase();
    let name = match primary.as_str() {
        "zh" => "chinese",
        "en" => "english",
        "de" => "ngerman",
        "fr" => "french",
        "ja" => "japanese",
        "ko" => "korean",
        "ru" => "russian",
        "es" => "spanish",
        "it" => "italian",
        "pt" => "portuguese",
        "nl" => "dutch",
        _ => return tag.to_string(),
    };
    name.to_string()
}
