//! Field values as rich text (the HTML-like markup CSL-JSON allows:
//! `<i>`, `<b>`, `<sup>`, `<sub>`, small caps, `<span class="nocase">`),
//! typographic quotes and apostrophes, and the spec's text cases.

use crate::output::{Kind, Marks, Piece, Run, Style};
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
            let opened: Option<(&'static str, Style, bool)> = match tag {
                "<i>" | "<em>" => Some(("i", Style { italic: !style.italic, ..style }, nocase)),
                "<b>" | "<strong>" => Some(("b", Style { bold: true, ..style }, nocase)),
                "<sup>" => Some(("sup", Style { align: 1, ..style }, nocase)),
                "<sub>" => Some(("sub", Style { align: 2, ..style }, nocase)),
                "<sc>" => Some(("sc", Style { small_caps: true, ..style }, nocase)),
                "<span class=\"nocase\">" => Some(("span", style, true)),
                "<span style=\"font-variant:small-caps;\">" | "<span style=\"font-variant: small-caps;\">" => {
                    Some(("span", Style { small_caps: true, ..style }, nocase))
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
                let kind = if double_open { Kind::Close } else { Kind::Open };
                let mark = if double_open { &marks.close } else { &marks.open };
                run.push(Piece { text: mark.clone(), style, nocase: true, kind });
                double_open = !double_open;
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
        for piece in run.iter_mut().filter(|p| p.kind == Kind::Open) {
            piece.text = "\"".into();
            piece.kind = Kind::Text;
        }
    }
    run
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "down", "for", "from", "in", "into", "nor", "of", "on", "onto", "or",
    "over", "so", "the", "till", "to", "up", "via", "with", "yet",
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
    let upper = all_upper(slots);
    let list = words(slots);
    let last = list.len().saturating_sub(1);
    let mut after_colon = false;
    for (n, word) in list.into_iter().enumerate() {
        let text: String = slots[word.clone()].iter().map(|s| s.c).collect();
        let bare: String = text.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let stop = STOP_WORDS.contains(&bare.as_str()) && n != 0 && n != last && !after_colon;
        let locked = slots[word.clone()].iter().all(|s| s.locked);
        if !locked {
            if upper {
                // Every word keeps its first letter, loses the rest.
                let first = first_letter(slots, word.clone());
                for i in word.clone() {
                    if Some(i) != first && !slots[i].locked {
                        slots[i].c = slots[i].c.to_lowercase().next().unwrap_or(slots[i].c);
                    }
                }
                if stop && let Some(i) = first {
                    slots[i].c = slots[i].c.to_lowercase().next().unwrap_or(slots[i].c);
                }
            } else if stop {
                if is_lower(slots, word.clone()) || text.chars().skip(1).all(|c| !c.is_uppercase()) {
                    for i in word.clone() {
                        if !slots[i].locked {
                            slots[i].c = slots[i].c.to_lowercase().next().unwrap_or(slots[i].c);
                        }
                    }
                }
            } else {
                // Each lowercase part of a hyphenated word gets its capital.
                let mut start = word.start;
                for i in word.clone() {
                    if slots[i].c == '-' || slots[i].c == '/' || i + 1 == word.end {
                        let end = if i + 1 == word.end && slots[i].c != '-' && slots[i].c != '/' { i + 1 } else { i };
                        if start < end {
                            capitalize_if_lower(slots, start..end);
                        }
                        start = i + 1;
                    }
                }
            }
        }
        after_colon = text.ends_with(':') || text.ends_with('?') || text.ends_with('!');
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
            ("THE ART OF WAR", TextCase::TitleCase, "The Art of War"),
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
        assert!(run[1].style.italic);
        let broken = rich("a < b and <x>", &marks());
        assert_eq!(plain(&broken), "a < b and <x>");
    }
}
