//! A work as the styles get it: an entry from any reader, tidied, and the
//! language it is written in (declared, else shown by its title and names).

use super::language;

/// A work, parsed: hayagriva's entry and the language it is written in.
#[derive(Debug, Clone)]
pub struct Work {
    /// hayagriva's entry.
    pub entry: hayagriva::Entry,
    /// Primary language tag (`zh`, `en`) when declared or shown by the script.
    pub language: Option<String>,
}

impl Work {
    /// A work from an entry: the declared language, else the one its title
    /// and names show.
    pub(super) fn new(mut entry: hayagriva::Entry, declared: Option<&str>) -> Work {
        tidy(&mut entry);
        let declared = declared
            .and_then(language::normalize)
            .or_else(|| entry.language().map(|l| l.language.as_str().to_string()));
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
