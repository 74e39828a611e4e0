//! The markup of exports, for the `html` renderer only: behind each list
//! entry a `<details>` with its BibTeX, RIS and CSL-JSON as code blocks
//! (mdBook puts its copy button on every code block), under each list its
//! works as three `download` links (data: URLs), and the `{{#cite-as}}`
//! blocks. The browser does the rest: no JavaScript of ours.
//!
//! Everything a block holds is written on one line (newlines as `&#10;`),
//! so that no blank line can end the HTML block it sits in.

use std::collections::HashMap;

use rayon::prelude::*;

use super::write::{Writer, escape_attr, escaped, escaped_attr};
use super::{Output, Renderer};
use crate::config::Config;
use crate::export::{Export, Files, cite_as};
use crate::library::Library;

/// The exports of the works a build shows, made once each.
#[derive(Default)]
pub struct Exports {
    /// Each work's export block: a work is in many lists.
    blocks: HashMap<String, String>,
    /// Each work's texts as a download link holds them ([`url_text`]).
    encoded: HashMap<String, Export>,
}

impl Exports {
    /// The exports of `keys`, when the configuration asks for them and the
    /// output is HTML.
    pub fn new(library: &Library, config: &Config, output: Output, keys: &[&str], words: &Words) -> Exports {
        if !config.export || output != Output::Html {
            return Exports::default();
        }
        let by_key: HashMap<String, Export> = keys
            .par_iter()
            .filter_map(|k| Some((k.to_string(), Export::of(library.work(k)?, Some(library)))))
            .collect();
        let blocks = by_key.par_iter().map(|(key, export)| (key.clone(), details(export, words.export))).collect();
        let encoded = by_key.into_par_iter().map(|(key, export)| (key, export.encoded(&url_text))).collect();
        Exports { blocks, encoded }
    }

    /// The export block of an entry (empty when exports are off).
    pub fn entry(&self, key: &str) -> &str {
        self.blocks.get(key).map_or("", String::as_str)
    }

    /// The download links of a list of `keys` (empty when exports are off).
    pub fn downloads(&self, keys: &[&str], stem: &str, words: &Words) -> String {
        let exports: Vec<&Export> = keys.iter().filter_map(|k| self.encoded.get(*k)).collect();
        if exports.is_empty() {
            return String::new();
        }
        let files = crate::export::files_with(&exports, &url_text);
        downloads(&files, stem, &(words.download)(exports.len()))
    }
}

/// The words exports print, in the book's language.
pub struct Words {
    /// The summary of an entry's export block.
    pub export: &'static str,
    /// The lead of a list's downloads, for so many works.
    pub download: fn(usize) -> String,
    pub cite_book: &'static str,
    pub cite_chapter: &'static str,
}

impl Words {
    pub fn for_locale(locale: &str) -> Words {
        if locale.starts_with("zh") {
            Words {
                export: "导出",
                download: |n| format!("下载这 {n} 条文献："),
                cite_book: "引用本书：",
                cite_chapter: "引用本章：",
            }
        } else {
            Words {
                export: "Export",
                download: |n| {
                    format!(
                        "Download {} ",
                        if n == 1 { "this reference:".to_string() } else { format!("these {n} references:") }
                    )
                },
                cite_book: "Cite this book: ",
                cite_chapter: "Cite this chapter: ",
            }
        }
    }
}

/// An entry's three formats behind a `<details>`.
pub fn details(export: &Export, summary: &str) -> String {
    let mut html = format!("<details class=\"scholar-export\"><summary>{}</summary>", escaped(summary));
    for (name, class, text) in [
        ("BibTeX", "language-plaintext", export.bibtex_text()),
        ("RIS", "language-plaintext", export.ris.clone()),
        ("CSL-JSON", "language-json", export.json_text()),
    ] {
        html.push_str(&format!(
            "<div class=\"scholar-export-format\">{name}</div><pre><code class=\"{class}\">{}</code></pre>",
            code(&text)
        ));
    }
    html.push_str("</details>");
    html
}

/// A list's files as `download` links, `stem.bib`, `stem.ris`, `stem.json`,
/// on a line of their own; `files` holds the texts as [`url_text`] writes
/// them.
fn downloads(files: &Files, stem: &str, lead: &str) -> String {
    let mut html = format!("<p class=\"scholar-downloads\">{}", escaped(lead));
    for (n, (name, extension, mime, text)) in [
        ("BibTeX", "bib", "application/x-bibtex", &files.bibtex),
        ("RIS", "ris", "application/x-research-info-systems", &files.ris),
        ("CSL-JSON", "json", "application/vnd.citationstyles.csl+json", &files.json),
    ]
    .into_iter()
    .enumerate()
    {
        if n > 0 {
            html.push_str(" · ");
        }
        html.push_str("<a download=\"");
        escape_attr(stem, &mut html);
        html.push('.');
        html.push_str(extension);
        html.push_str("\" href=\"");
        escape_attr(&format!("data:{mime};charset=utf-8,"), &mut html);
        html.push_str(text);
        html.push_str("\">");
        html.push_str(name);
        html.push_str("</a>");
    }
    html.push_str("</p>\n");
    html
}

/// Text for a `<pre>` on one line: escaped, newlines as character
/// references.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.trim_end().chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("&#10;"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` as a `data:` URL holds it, written inside a double-quoted
/// attribute: percent-encoded where it must be, then escaped. Letters
/// beyond ASCII stay as they are (the browser encodes them as UTF-8).
/// Percent-encoding rather than base64: a tenth longer, but it compresses a
/// quarter better, and pages are served compressed. Both steps map
/// character by character, so a list's file is its works' texts joined.
fn url_text(text: &str) -> String {
    escaped_attr(&percent_encoded(text))
}

fn percent_encoded(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // The ASCII bytes a URL may hold as they are.
    const KEEP: [bool; 128] = {
        let mut keep = [false; 128];
        let mut b = 0;
        while b < 128 {
            keep[b] = (b as u8).is_ascii_alphanumeric();
            b += 1;
        }
        let marks = b"-_.!~*()/:;,=+@[]{}$^|";
        let mut i = 0;
        while i < marks.len() {
            keep[marks[i] as usize] = true;
            i += 1;
        }
        keep
    };
    let mut url = String::with_capacity(text.len() * 5 / 4);
    let mut copied = 0;
    for (i, c) in text.char_indices() {
        let keep = match u8::try_from(c) {
            Ok(byte) if byte < 128 => KEEP[usize::from(byte)],
            _ => !(c.is_control() || c.is_whitespace()),
        };
        if keep {
            continue;
        }
        url.push_str(&text[copied..i]);
        let mut buffer = [0; 4];
        for byte in c.encode_utf8(&mut buffer).bytes() {
            url.extend(['%', HEX[usize::from(byte >> 4)] as char, HEX[usize::from(byte & 15)] as char]);
        }
        copied = i + c.len_utf8();
    }
    url.push_str(&text[copied..]);
    url
}

impl Renderer<'_> {
    /// `{{#cite-as}}` (the book) or `{{#cite-as chapter}}` in chapter
    /// `chapter`: the work formatted in the book's style and, in HTML, its
    /// exports.
    pub(super) fn cite_as(&self, chapter: usize, of_chapter: bool) -> String {
        let page = &self.collected.chapters[chapter];
        let reference = cite_as::ChapterRef { name: &page.name, path: &page.path, slug: &page.slug };
        let Some(work) = cite_as::work(&self.config.cite_as, of_chapter.then_some(reference)) else {
            return String::new();
        };
        let rendered = self.engine.reference(&work);
        let words = Words::for_locale(&self.config.locale);
        let lead = if of_chapter { words.cite_chapter } else { words.cite_book };
        match self.output {
            Output::Html => {
                let writer = Writer { links: true, ..Writer::default() };
                let mut html = format!(
                    "<div class=\"scholar-cite-as\" data-key=\"{}\"><span class=\"scholar-cite-as-lead\">{}</span><span class=\"scholar-text\">{}</span>",
                    escaped_attr(work.entry.key()),
                    escaped(lead),
                    writer.html(&rendered.content)
                );
                if self.config.export {
                    html.push_str(&details(&Export::of(&work, None), words.export));
                }
                html.push_str("</div>");
                html
            }
            Output::Markdown => {
                let text = Writer { links: true, ..Writer::default() }.markdown(&rendered.content);
                let space = if lead.ends_with(' ') { " " } else { "" };
                format!("{}{space}{text}", super::markdown::text(lead.trim_end()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_stay_inside_their_attribute() {
        let url = url_text("a \"b\" <c> & d % e # f ' ` ? |\n");
        assert_eq!(url, "a%20%22b%22%20%3Cc%3E%20%26%20d%20%25%20e%20%23%20f%20%27%20%60%20%3F%20&#124;%0A");
        // Chinese text stays as it is.
        assert_eq!(url_text("深度学习"), "深度学习");
    }

    #[test]
    fn a_lists_file_is_its_works_texts_joined() {
        let texts = ["@book{a,\n  title = {A | B}\n}", "TY  - BOOK\nTI  - 深度\n", ""];
        let joined = texts.join("\n\n");
        let encoded: Vec<String> = texts.iter().map(|t| url_text(t)).collect();
        assert_eq!(encoded.join(&url_text("\n\n")), url_text(&joined));
    }

    #[test]
    fn code_is_one_line() {
        assert_eq!(code("@book{a,\n  title = {A & <B>}\n}\n"), "@book{a,&#10;  title = {A &amp; &lt;B&gt;}&#10;}");
    }
}
