//! Every HTML id we give the book's pages, made here: a citation's, a list
//! entry's (what citations and topic tables link to) and a list's. Links and
//! back-references find their targets only while everyone builds an id the
//! same way.

/// The slug of the book-wide list (`{{#bibliography book}}`).
pub const BOOK: &str = "book";

/// The `n`th citation (from 1) of the chapter with slug `chapter`:
/// `scholar-cite-intro-3`.
pub fn citation(chapter: &str, n: usize) -> String {
    format!("scholar-cite-{chapter}-{n}")
}

/// The entry for `key` in the list of scope `slug` ([`BOOK`] for the
/// book-wide list): `scholar-ref-intro-doe2020`.
pub fn entry(slug: &str, key: &str) -> String {
    format!("scholar-ref-{slug}-{}", id_safe(key))
}

/// The list of scope `slug`: `scholar-bibliography-intro`.
pub fn list(slug: &str) -> String {
    format!("scholar-bibliography-{slug}")
}

/// `text` made safe and unique as part of an HTML id.
pub fn id_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", c as u32));
        }
    }
    out
}
