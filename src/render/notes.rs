//! A note style's citations as footnotes: the citation's place gets a
//! footnote reference (`[^label]`), and the note's text goes to the end of
//! the chapter as the footnote's definition, which mdBook numbers per page
//! and lists at the page's end with links back.

use std::collections::HashMap;
use std::ops::Range;

use super::Edit;
use crate::Output;
use crate::scan::Footnotes;

/// Punctuation that a note's mark follows, as notes go after the sentence's
/// or clause's mark (`… shown.¹`, `……研究。¹`).
const PUNCTUATION: &[char] = &['.', ',', ';', ':', '!', '?', '。', '，', '；', '：', '！', '？', '、'];

/// One citation as a note.
pub struct Note<'a> {
    /// The footnote's label: the citation's element id, unique in the book.
    pub label: &'a str,
    /// A narrative citation's names, which stay in the text.
    pub names: Option<&'a str>,
    /// The note's text (the style's citation).
    pub body: &'a str,
    /// The hover preview (HTML), on the note's mark.
    pub preview: &'a str,
}

impl Note<'_> {
    /// The edit that puts the mark where the citation was written (`span`
    /// in `content`), and the one that adds the note at the chapter's end.
    pub fn write(&self, output: Output, content: &str, span: Range<usize>) -> (Edit, Edit) {
        let (range, punctuation) = match self.names {
            // The names are words of the sentence: the mark follows them.
            Some(_) => (span, ""),
            None => mark_place(content, span),
        };
        let names = self.names.unwrap_or_default();
        let mark = format!("{punctuation}{}", super::markup::of(output).note_mark(self.label, names, self.preview));
        let newline = if content.contains("\r\n") { "\r\n" } else { "\n" };
        let mut definition = String::new();
        if !content.is_empty() && !content.ends_with('\n') {
            definition.push_str(newline);
        }
        let body = self.body.replace(['\r', '\n'], " ");
        definition.push_str(&format!("{newline}[^{}]: {body}{newline}", self.label));
        (Edit { range, text: mark }, Edit { range: content.len()..content.len(), text: definition })
    }
}

/// A note style's citation written inside a footnote (in place, as the
/// note's text): its closing period gives way to the punctuation written
/// after it, so the note does not read `…, 5.,` or `…, 5..`.
pub fn in_note(body: &mut String, content: &str, end: usize) {
    let follows = content[end..].chars().next().is_some_and(|c| PUNCTUATION.contains(&c));
    if !follows {
        return;
    }
    // The period may sit after closing tags (`…</a>.`) or before them.
    if body.ends_with('.') {
        body.pop();
    } else if let Some(tags) = trailing_tags(body)
        && body[..tags].ends_with('.')
    {
        body.remove(tags - 1);
    }
}

/// Where the closing tags at the end of `html` start, if it ends with any.
fn trailing_tags(html: &str) -> Option<usize> {
    let mut at = html.len();
    while html[..at].ends_with('>') {
        at = html[..at].rfind('<')?;
        if !html[at..].starts_with("</") {
            return None;
        }
    }
    (at < html.len()).then_some(at)
}

/// The number mdBook will give each note-style citation of a chapter, by
/// marker: notes are numbered in the order of their first reference,
/// among the author's own footnotes; a citation written inside a footnote
/// is part of that note. `notes` are the citations that become notes and
/// `inside` those written in footnotes (markers, with where they start).
pub fn numbers(footnotes: &Footnotes, notes: &[(usize, usize)], inside: &[(usize, usize)]) -> HashMap<usize, u32> {
    // Every reference in reading order: the author's (by label) and ours.
    let mut references: Vec<(usize, Result<&str, usize>)> =
        footnotes.references.iter().map(|(at, label)| (*at, Ok(label.as_str()))).collect();
    references.extend(notes.iter().map(|&(marker, at)| (at, Err(marker))));
    references.sort_by_key(|(at, _)| *at);
    let mut by_label: HashMap<&str, u32> = HashMap::new();
    let mut numbers = HashMap::new();
    let mut next = 1;
    for (_, reference) in references {
        match reference {
            Ok(label) => {
                by_label.entry(label).or_insert_with(|| {
                    next += 1;
                    next - 1
                });
            }
            Err(marker) => {
                numbers.insert(marker, next);
                next += 1;
            }
        }
    }
    for &(marker, at) in inside {
        let label = footnotes.definitions.iter().find(|(range, _)| range.contains(&at)).map(|(_, l)| l.as_str());
        if let Some(&number) = label.and_then(|l| by_label.get(l)) {
            numbers.insert(marker, number);
        }
    }
    numbers
}

/// Where a note's mark goes: the citation's place without the spaces before
/// it (the mark follows the word), and after a punctuation mark right
/// behind it, which moves before the mark. Spaces that indent a line stay.
fn mark_place(content: &str, span: Range<usize>) -> (Range<usize>, &str) {
    let before = &content[..span.start];
    let trimmed = before.trim_end_matches([' ', '\t']);
    let start = if trimmed.is_empty() || trimmed.ends_with('\n') { span.start } else { trimmed.len() };
    let after = &content[span.end..];
    let punctuation = match after.chars().next() {
        Some(c) if PUNCTUATION.contains(&c) => &after[..c.len_utf8()],
        _ => "",
    };
    (start..span.end + punctuation.len(), punctuation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_follows_the_word_and_the_punctuation() {
        // (text with the citation between | |, the text with the mark as M)
        let cases = [
            ("As shown |[@a]|.", "As shown.M"),
            ("As shown |[@a]|, and more", "As shown,M and more"),
            ("As shown |[@a]| and more", "As shownM and more"),
            ("研究表明|[@a]|。", "研究表明。M"),
            ("研究表明 |[@a]|，此外", "研究表明，M此外"),
            ("Line one\n|[@a]| starts a line.", "Line one\nM starts a line."),
            ("  |[@a]| indented", "  M indented"),
            ("Ellipsis |[@a]|...", "Ellipsis.M.."),
            ("End |[@a]|", "EndM"),
        ];
        for (marked, want) in cases {
            let start = marked.find('|').unwrap();
            let end = marked[start + 1..].find('|').unwrap() + start;
            let content = marked.replacen('|', "", 2);
            let (range, punctuation) = mark_place(&content, start..end);
            let got = format!("{}{punctuation}M{}", &content[..range.start], &content[range.end..]);
            assert_eq!(got, want, "{marked:?}");
        }
    }

    #[test]
    fn notes_are_numbered_among_the_authors_footnotes() {
        let text =
            "A[^x] and [@a] and [^y], [@b] then[^x] [@c].\n\n[^x]: See [@d].\n\n[^y]: Plain.\n\n[^z]: Unused [@e].\n";
        let scan = crate::scan::chapter(text, Default::default(), &|_| true, None);
        let at = |needle: &str| text.find(needle).unwrap();
        let notes = [(0, at("[@a]")), (1, at("[@b]")), (2, at("[@c]"))];
        let inside = [(3, at("[@d]")), (4, at("[@e]"))];
        let numbers = numbers(&scan.footnotes, &notes, &inside);
        // x is 1, [@a] 2, y 3, [@b] 4, x again adds nothing, [@c] 5; [@d]
        // is in note x; z is never referenced, so [@e] has no number.
        let mut got: Vec<(usize, u32)> = numbers.into_iter().collect();
        got.sort();
        assert_eq!(got, [(0, 2), (1, 4), (2, 5), (3, 1)]);
    }

    #[test]
    fn a_citation_inside_a_footnote_gives_its_period_to_the_texts() {
        // (rendered citation, the text after it, the citation as written)
        let cases = [
            ("<a href=\"#r\">Doe, 5</a>.", ".", "<a href=\"#r\">Doe, 5</a>"),
            ("<a href=\"#r\">Doe, 5.</a>", ", and", "<a href=\"#r\">Doe, 5</a>"),
            ("Doe, <i>Book</i>, 5.", ";", "Doe, <i>Book</i>, 5"),
            ("Doe, 5.", " and more", "Doe, 5."),
            ("Doe, 5.", "", "Doe, 5."),
            ("<b>Doe</b>", ".", "<b>Doe</b>"),
        ];
        for (body, after, want) in cases {
            let mut body = body.to_string();
            let content = format!("[@a]{after}");
            in_note(&mut body, &content, 4);
            assert_eq!(body, want, "{after:?}");
        }
    }

    #[test]
    fn the_note_goes_to_the_chapter_end_in_its_line_endings() {
        let note = Note { label: "scholar-cite-a-1", names: None, body: "Doe, <i>Book</i>\n(2020).", preview: "" };
        for (content, want) in [
            ("Text [@a].\n", "\n[^scholar-cite-a-1]: Doe, <i>Book</i> (2020).\n"),
            ("Text [@a].", "\n\n[^scholar-cite-a-1]: Doe, <i>Book</i> (2020).\n"),
            ("Text [@a].\r\n", "\r\n[^scholar-cite-a-1]: Doe, <i>Book</i> (2020).\r\n"),
        ] {
            let (mark, definition) = note.write(Output::Html, content, 5..9);
            assert_eq!(mark.range, 4..10);
            assert_eq!(
                mark.text,
                ".<span class=\"scholar-cite scholar-note\" id=\"scholar-cite-a-1\">[^scholar-cite-a-1]</span>"
            );
            assert_eq!(definition.range, content.len()..content.len());
            assert_eq!(definition.text, want, "{content:?}");
        }
        let narrative = Note { names: Some("Doe"), ..note };
        let (mark, _) = narrative.write(Output::Markdown, "As @a says.", 3..5);
        assert_eq!((mark.range, mark.text.as_str()), (3..5, "Doe[^scholar-cite-a-1]"));
    }
}
