//! The book, or one of its chapters, as a work: what `{{#cite-as}}` and
//! `{{#cite-as chapter}}` format in the book's style and export.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use crate::config::CiteAs;
use crate::library::Work;

/// A chapter to cite: its title and its page (relative to the source
/// folder, as `.md`).
#[derive(Debug, Clone, Copy)]
pub struct ChapterRef<'a> {
    /// The chapter's title.
    pub name: &'a str,
    /// Its page, relative to the source folder, as `.md`.
    pub path: &'a Path,
    /// An id prefix unique in the book, for the work's key.
    pub slug: &'a str,
}

/// The work for the book (`chapter` = `None`) or one chapter of it: a
/// chapter is a part of the book, with the book's authors, publisher and
/// date, and its own page's address below the book's.
pub fn work(config: &CiteAs, chapter: Option<ChapterRef>) -> Option<Work> {
    let key = key(config, chapter);
    let mut book = Mapping::new();
    book.insert("type".into(), "book".into());
    if let Some(title) = &config.title {
        book.insert("title".into(), title.as_str().into());
    }
    if let Some(publisher) = &config.publisher {
        book.insert("publisher".into(), publisher.as_str().into());
    }
    if let Some(edition) = &config.edition {
        book.insert("edition".into(), edition.as_str().into());
    }
    // `{A Group}` is a name printed as written (a group or an institution),
    // as braces protect a name in BibTeX; anything else is a person.
    let authors: Vec<Value> = config
        .authors
        .iter()
        .map(|a| match a.strip_prefix('{').and_then(|a| a.strip_suffix('}')) {
            Some(whole) => {
                let mut name = Mapping::new();
                name.insert("name".into(), whole.into());
                Value::Mapping(name)
            }
            None => Value::from(a.as_str()),
        })
        .collect();
    let mut own = match chapter {
        None => book,
        Some(chapter) => {
            let mut own = Mapping::new();
            own.insert("type".into(), "chapter".into());
            own.insert("title".into(), chapter.name.into());
            own.insert("parent".into(), Value::Mapping(book));
            own
        }
    };
    if !authors.is_empty() {
        own.insert("author".into(), Value::Sequence(authors));
    }
    if let Some(year) = config.year {
        own.insert("date".into(), format!("{year:04}").into());
    }
    let url = match (chapter, &config.url) {
        (_, None) => None,
        (None, Some(url)) => Some(url.clone()),
        (Some(chapter), Some(url)) => {
            let page = chapter.path.with_extension("html").to_string_lossy().replace('\\', "/");
            Some(format!("{}/{page}", url.trim_end_matches('/')))
        }
    };
    if let Some(url) = url {
        own.insert("url".into(), url.into());
    }
    // The DOI names the book; a chapter has none of its own.
    if let (Some(doi), None) = (&config.doi, chapter) {
        let mut serials = Mapping::new();
        serials.insert("doi".into(), doi.as_str().into());
        own.insert("serial-number".into(), Value::Mapping(serials));
    }
    let language = config.language.as_deref().and_then(crate::library::language::normalize);
    if let Some(language) = &language {
        own.insert("language".into(), language.as_str().into());
    }
    let mut library = Mapping::new();
    library.insert(key.as_str().into(), Value::Mapping(own));
    let library: hayagriva::Library = serde_yaml::from_value(Value::Mapping(library)).ok()?;
    let entry = library.get(&key)?.clone();
    Some(Work { entry, language })
}

/// A key for the book: the first author's family name (letters and digits
/// only) and the year, as reference managers make keys; a chapter adds its
/// slug.
fn key(config: &CiteAs, chapter: Option<ChapterRef>) -> String {
    let family =
        config.authors.first().map(|a| a.trim_matches(['{', '}']).split(',').next().unwrap_or(a)).unwrap_or_default();
    let mut key: String = family.chars().filter(char::is_ascii_alphanumeric).flat_map(char::to_lowercase).collect();
    if key.is_empty() {
        key.push_str("book");
    }
    if let Some(year) = config.year {
        key.push_str(&year.to_string());
    }
    if let Some(chapter) = chapter {
        key.push('-');
        key.push_str(chapter.slug);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_braced_author_is_a_name_as_written() {
        let config = CiteAs {
            title: Some("A Book".into()),
            authors: vec!["{The Survey Group}".into(), "Doe, Jane".into()],
            year: Some(2026),
            ..CiteAs::default()
        };
        let work = work(&config, None).expect("a work");
        let authors = work.entry.authors().expect("authors");
        assert_eq!(authors[0].name, "The Survey Group");
        assert_eq!(authors[0].given_name, None);
        assert_eq!(authors[1].name, "Doe");
        assert_eq!(key(&config, None), "thesurveygroup2026");
    }
}
