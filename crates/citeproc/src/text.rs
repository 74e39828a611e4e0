//! Field values as rich text (the HTML-like markup CSL-JSON allows:
//! `<i>`, `<b>`, `<sup>`, `<sub>`, small caps, `<span class="nocase">`,
//! `<span class="nodecor">`),
//! typographic quotes and apostrophes, and the spec's text cases.

use crate::output::{Decoration, Frame, Kind, Marks, Piece, Run, Style, next_id};
use citationberg::TextCase;

/// Reads a field value into pieces.
pub fn rich(value: &str, marks: &Marks) -> Run {
    let mut run = Run::new();
    // Each open tag and what it set, to undo at its close.
    let mut stack: Vec<(&'static str, Style, bool)> = Vec::new();
    let mut style = Style::default();
    let mut nocase = false;
    let mut text = String::new();
    let mut double_open = false;
    let mut single_open = false;
    let mut rest = value;
    let flush = |text: &mut String, run: &mut Run, style: Style, nocase: bool| {
        if !text.is_empty() {
            run.push(Piece { text: std::mem::take(text), style, nocase, kind: Kind::Text });
        }
    };
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let tag_end = rest.find('>');
            let tag = tag_end.map(|e| &rest[..=e]).unwrap_or("");
            // A field's tag nests inside those already open; `<i>`, `<b>`
            // and small caps flip against what is around them when written.
            let inner = |decoration: Decoration| {
                let mut inner = style;
                inner.wrap_inner(Frame::new(decoration, next_id()));
                inner
            };
            let opened: Option<(&'static str, Style, bool)> = match tag {
                "<i>" | "<em>" => Some(("i", inner(Decoration::FlipItalic), nocase)),
                "<b>" | "<strong>" => Some(("b", inner(Decoration::FlipBold), nocase)),
                "<sup>" => Some(("sup", inner(Decoration::Sup), nocase)),
                "<sub>" => Some(("sub", inner(Decoration::Sub), nocase)),
                "<sc>" => Some(("sc", inner(Decoration::FlipSmallCaps), nocase)),
                "<span class=\"nocase\">" => Some(("span", style, true)),
                // Text cases leave it alone too (citeproc-js's `_tagParams`).
                "<span class=\"nodecor\">" => Some(("span", inner(Decoration::Nodecor), true)),
                "<span style=\"font-variant:small-caps;\">" | "<span style=\"font-variant: small-caps;\">" => {
                    Some(("span", inner(Decoration::FlipSmallCaps), nocase))
                }
                _ => None,
            };
            if let Some((name, new_style, new_nocase)) = opened {
                flush(&mut text, &mut run, style, nocase);
                stack.push((name, style, nocase));
                style = new_style;
                nocase = new_nocase;
                rest = &rest[tag.len()..];
                continue;
            }
            let closes = match tag {
                "</i>" | "</em>" => Some("i"),
                "</b>" | "</strong>" => Some("b"),
                "</sup>" => Some("sup"),
                "</sub>" => Some("sub"),
                "</sc>" => Some("sc"),
                "</span>" => Some("span"),
                _ => None,
            };
            if let Some(name) = closes
                && stack.last().is_some_and(|(open, ..)| *open == name)
            {
                flush(&mut text, &mut run, style, nocase);
                let (_, old_style, old_nocase) = stack.pop().unwrap_or(("", Style::default(), false));
                style = old_style;
                nocase = old_nocase;
                rest = &rest[tag.len()..];
                continue;
            }
        }
        match c {
            '"' => {
                flush(&mut text, &mut run, style, nocase);
                let kind = if double_open { Kind::Close(false) } else { Kind::Open(false) };
                let mark = if double_open { &marks.close } else { &marks.open };
                run.push(Piece { text: mark.clone(), style, nocase: true, kind });
                double_open = !double_open;
            }
            '“' | '”' | '‘' => {
                // Typographic quotes in the data are quotes, printed with the
                // locale's marks so that nesting can flip them.
                flush(&mut text, &mut run, style, nocase);
                // Their glyph stays as written until a quoted element puts
                // them one level down (then they take the locale's inner
                // marks, whatever the data wrote).
                let kind = match c {
                    '”' => Kind::Close(false),
                    _ => Kind::Open(false),
                };
                let mark = c.to_string();
                if c == '‘' {
                    single_open = true;
                }
                run.push(Piece { text: mark, style, nocase: true, kind });
            }
            '’' if single_open && !rest[c.len_utf8()..].chars().next().is_some_and(char::is_alphanumeric) => {
                flush(&mut text, &mut run, style, nocase);
                single_open = false;
                run.push(Piece { text: "’".into(), style, nocase: true, kind: Kind::Close(false) });
            }
            '\'' => {
                // A straight apostrophe prints as a typographic one; a leading
                // one opens a single quote.
                let after_space = text.is_empty() || text.ends_with(' ');
                let next_is_word = rest[1..].chars().next().is_some_and(char::is_alphanumeric);
                if after_space && next_is_word && rest[1..].contains('\'') {
                    text.push('‘');
                } else {
                    text.push('’');
                }
            }
            _ => text.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut text, &mut run, style, nocase);
    if double_open {
        // An unbalanced straight quote stays as written.
        for piece in run.iter_mut().filter(|p| p.kind == Kind::Open(false) && p.text == marks.open) {
            piece.text = "\"".into();
            piece.kind = Kind::Text;
        }
    }
    run
}

/// Whether text has a character of a script that citeproc-js italicizes
/// (Latin, Greek, Cyrillic, Hebrew, Arabic, Thai, digits): CJK text keeps
/// its upright form when a style asks for italics.
pub fn romanesque(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_ascii_alphanumeric()
            || c == '-'
            || matches!(c as u32, 0x0e01..=0x0e5b | 0x00c0..=0x017f | 0x0370..=0x03ff | 0x0400..=0x052f
                | 0x0590..=0x05d4 | 0x05d6..=0x05ff | 0x1f00..=0x1fff | 0x0600..=0x06ff | 0x200c..=0x200e
                | 0x0218..=0x021b | 0x202a..=0x202e)
    })
}

/// Words title case leaves in lowercase: the spec's stop words and the
/// other short English prepositions and conjunctions that citeproc-js also
/// leaves alone (`out`, `through`, `upon`, …), so both engines agree.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "across",
    "afore",
    "after",
    "against",
    "al",
    "along",
    "alongside",
    "amid",
    "amidst",
    "among",
    "amongst",
    "an",
    "and",
    "anenst",
    "apropos",
    "apud",
    "around",
    "as",
    "aside",
    "astride",
    "at",
    "athwart",
    "atop",
    "barring",
    "before",
    "behind",
    "below",
    "beneath",
    "beside",
    "besides",
    "between",
    "beyond",
    "but",
    "by",
    "c",
    "ca",
    "circa",
    "d'",
    "de",
    "despite",
    "down",
    "during",
    "et",
    "except",
    "for",
    "forenenst",
    "from",
    "given",
    "in",
    "inside",
    "into",
    "lest",
    "like",
    "modulo",
    "near",
    "next",
    "nor",
    "notwithstanding",
    "of",
    "off",
    "on",
    "onto",
    "or",
    "out",
    "over",
    "per",
    "plus",
    "pro",
    "qua",
    "sans",
    "since",
    "so",
    "than",
    "the",
    "through",
    "thru",
    "throughout",
    "thruout",
    "till",
    "to",
    "toward",
    "towards",
    "under",
    "underneath",
    "until",
    "unto",
    "up",
    "upon",
    "v",
    "van",
    "versus",
    "via",
    "von",
    "vs",
    "with",
    "within",
    "without",
    "yet",
];

/// A character and where it lives.
struct Slot {
    c: char,
    piece: usize,
    locked: bool,
}

/// Applies a `text-case` to a run; `english` says whether title case may
/// apply (the spec limits it to English items).
pub fn apply_case(run: &mut Run, case: TextCase, english: bool) {
    let mut slots: Vec<Slot> = Vec::new();
    for (index, piece) in run.iter().enumerate() {
        let locked = piece.nocase || piece.kind != Kind::Text;
        slots.extend(piece.text.chars().map(|c| Slot { c, piece: index, locked }));
    }
    match case {
        TextCase::Lowercase => each_char(&mut slots, |c| c.to_lowercase().collect()),
        TextCase::Uppercase => each_char(&mut slots, |c| c.to_uppercase().collect()),
        TextCase::CapitalizeFirst => {
            if let Some(word) = words(&slots).first() {
                capitalize_if_lower(&mut slots, word.clone());
            }
        }
        TextCase::CapitalizeAll => {
            for word in words(&slots) {
                capitalize_if_lower(&mut slots, word);
            }
        }
        TextCase::SentenceCase => sentence(&mut slots),
        TextCase::TitleCase => {
            if english {
                title(&mut slots);
            }
        }
    }
    // Write the characters back into their pieces.
    for piece in run.iter_mut() {
        piece.text.clear();
    }
    for slot in slots {
        run[slot.piece].text.push(slot.c);
    }
}

fn each_char(slots: &mut [Slot], f: impl Fn(char) -> String) {
    for slot in slots.iter_mut().filter(|s| !s.locked) {
        let mapped = f(slot.c);
        // Case maps that change length (ß → SS) keep the original.
        let mut chars = mapped.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            slot.c = c;
        }
    }
}

/// Word spans: runs of characters between spaces.
fn words(slots: &[Slot]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, slot) in slots.iter().enumerate() {
        let space = slot.c.is_whitespace();
        match (start, space) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..slots.len());
    }
    out
}

fn letters(slots: &[Slot], word: std::ops::Range<usize>) -> impl Iterator<Item = char> + '_ {
    slots[word].iter().map(|s| s.c).filter(|c| c.is_alphabetic())
}

fn is_lower(slots: &[Slot], word: std::ops::Range<usize>) -> bool {
    let mut any = false;
    for c in letters(slots, word) {
        if c.is_uppercase() {
            return false;
        }
        any |= c.is_lowercase();
    }
    any
}

fn first_letter(slots: &[Slot], word: std::ops::Range<usize>) -> Option<usize> {
    word.clone().find(|&i| slots[i].c.is_alphanumeric())
}

fn upper_at(slots: &mut [Slot], i: usize) {
    if !slots[i].locked {
        let mut up = slots[i].c.to_uppercase();
        if let (Some(c), None) = (up.next(), up.next()) {
            slots[i].c = c;
        }
    }
}

fn capitalize_if_lower(slots: &mut [Slot], word: std::ops::Range<usize>) {
    if is_lower(slots, word.clone())
        && let Some(i) = first_letter(slots, word)
    {
        upper_at(slots, i);
    }
}

fn all_upper(slots: &[Slot]) -> bool {
    let mut any = false;
    for slot in slots.iter().filter(|s| !s.locked && s.c.is_alphabetic()) {
        if slot.c.is_lowercase() {
            return false;
        }
        any = true;
    }
    any
}

fn sentence(slots: &mut [Slot]) {
    if all_upper(slots) {
        each_char(slots, |c| c.to_lowercase().collect());
        if let Some(i) = (0..slots.len()).find(|&i| slots[i].c.is_alphanumeric()) {
            upper_at(slots, i);
        }
    } else if let Some(word) = words(slots).first() {
        capitalize_if_lower(slots, word.clone());
    }
}

fn title(slots: &mut [Slot]) {
    let list = words(slots);
    let last = list.len().saturating_sub(1);
    let mut after_colon = false;
    // citeproc-js capitalizes a stop word before a hyphen only when that
    // hyphen is the first punctuation of the title (`Learn In-Context`, but
    // `What Makes in-Context` after a colon); agreeing with it costs nothing.
    let first_mark = slots.iter().position(|s| {
        matches!(
            s.c,
            '‘' | '’'
                | '“'
                | '”'
                | '"'
                | '\''
                | '-'
                | '–'
                | '—'
                | '/'
                | '.'
                | ','
                | ';'
                | '?'
                | '!'
                | ':'
                | '['
                | ']'
                | '('
                | ')'
        )
    });
    let hyphen_edge = first_mark.filter(|&i| slots[i].c == '-');
    // Nor does it capitalize a last stop word after a quote or apostrophe
    // (`A User’s Guide to`).
    let last_start = list.last().map_or(0, |w| w.start);
    let quoted_before_last = slots[..last_start].iter().any(|s| matches!(s.c, '’' | '\''));
    for (n, word) in list.into_iter().enumerate() {
        let text: String = slots[word.clone()].iter().map(|s| s.c).collect();
        let locked = slots[word.clone()].iter().all(|s| s.locked);
        if !locked {
            // The spec lowercases all but the first letter of every word of
            // an all-uppercase title; citeproc-js leaves such titles alone
            // (they are mostly acronyms: `GQA`, `LEGAL-BERT`), and so do we.
            // Hyphens and periods inside a word part it into sub-words
            // (`Plug-and-Play`, `LLM.Int8`), each cased on its own.
            let mut start = word.start;
            let mut part_index = 0;
            for i in word.clone() {
                let boundary = matches!(slots[i].c, '-' | '–' | '—' | '.' | '/');
                let end = if boundary { i } else { i + 1 };
                if boundary || i + 1 == word.end {
                    if start < end {
                        let edge = (n == 0 && part_index == 0)
                            || (n == last && i + 1 == word.end && !quoted_before_last)
                            || (part_index == 0 && after_colon)
                            || (boundary && Some(i) == hyphen_edge);
                        case_title_part(slots, start..end, edge);
                        part_index += 1;
                    }
                    start = i + 1;
                }
            }
        }
        after_colon = text.ends_with(':') || text.ends_with('?') || text.ends_with('!');
    }
}

/// One word of a title: stop words in lowercase unless at an edge, other
/// lowercase words capitalized, words with capitals left as they are.
fn case_title_part(slots: &mut [Slot], part: std::ops::Range<usize>, edge: bool) {
    let bare: String = slots[part.clone()]
        .iter()
        .map(|s| s.c)
        .collect::<String>()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    let lower = bare.to_lowercase();
    // Stop words stay as written: the spec lowercases them, citeproc-js
    // leaves a capitalized one alone (`I. The Electrostatic…`), and agreeing
    // with the reference processor is what users compare us by.
    if !edge && STOP_WORDS.contains(&lower.as_str()) {
        return;
    }
    // A single letter is left alone (`vitamin c`), as citeproc-js does.
    if edge || bare.chars().count() > 1 {
        capitalize_if_lower(slots, part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::plain;

    fn marks() -> Marks {
        Marks { open: "“".into(), close: "”".into(), inner_open: "‘".into(), inner_close: "’".into() }
    }

    #[test]
    fn text_cases() {
        let cases = [
            ("the art of war", TextCase::TitleCase, "The Art of War"),
            ("GQA", TextCase::TitleCase, "GQA"),
            ("a TeX primer on SIGGRAPH and more", TextCase::TitleCase, "A TeX Primer on SIGGRAPH and More"),
            ("large-scale models: a survey of it", TextCase::TitleCase, "Large-Scale Models: A Survey of It"),
            ("Protected <span class=\"nocase\">iPhone</span> apps", TextCase::Uppercase, "PROTECTED iPhone APPS"),
            ("ALL CAPS TITLE", TextCase::SentenceCase, "All caps title"),
            ("mixed Case title", TextCase::SentenceCase, "Mixed Case title"),
            ("edited by", TextCase::CapitalizeFirst, "Edited by"),
            ("edited by", TextCase::CapitalizeAll, "Edited By"),
        ];
        for (input, case, expected) in cases {
            let mut run = rich(input, &marks());
            apply_case(&mut run, case, true);
            assert_eq!(plain(&run), expected, "{input} {case:?}");
        }
    }

    #[test]
    fn rich_text_markup_and_quotes() {
        let run = rich("On <i>Homo sapiens</i> and \"quoted\" words, it's", &marks());
        assert_eq!(plain(&run), "On Homo sapiens and “quoted” words, it’s");
        assert_eq!(run[1].style.frames.iter().map(|f| f.decoration).collect::<Vec<_>>(), [Decoration::FlipItalic]);
        let broken = rich("a < b and <x>", &marks());
        assert_eq!(plain(&broken), "a < b and <x>");
    }
}
