//! Field values as a small tree of text, protected spans and formatting, and
//! what the reader does with it: sentence case, short titles, joining, and
//! writing the CSL-JSON markup (`<i>`, `<b>`, `<sup>`, `<sub>`, small caps,
//! `<span class="nocase">`) that citeproc-js and pandoc read.

/// One piece of a field value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inline {
    /// Text as printed (accents and commands already turned into Unicode).
    Text(String),
    /// `{…}` as written in the field (or math): its letter case is kept.
    Protected(Vec<Inline>),
    /// Formatted text.
    Styled(Mark, Vec<Inline>),
}

/// The formatting CSL-JSON markup can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    Italic,
    Bold,
    SmallCaps,
    Superscript,
    Subscript,
    /// `\mkbibquote`, `\enquote`: curly quotes, single ones when nested.
    Quoted,
}

/// Adds text to a list, merging it with text before.
pub(crate) fn push_text(list: &mut Vec<Inline>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(last)) = list.last_mut() {
        last.push_str(text);
    } else {
        list.push(Inline::Text(text.to_string()));
    }
}

/// The text alone, without formatting.
pub(crate) fn plain(list: &[Inline]) -> String {
    let mut out = String::new();
    plain_into(list, &mut out, 0);
    out
}

fn plain_into(list: &[Inline], out: &mut String, quotes: usize) {
    for inline in list {
        match inline {
            Inline::Text(text) => out.push_str(text),
            Inline::Protected(inner) => plain_into(inner, out, quotes),
            Inline::Styled(Mark::Quoted, inner) => {
                let (open, close) = quote_marks(quotes);
                out.push_str(open);
                plain_into(inner, out, quotes + 1);
                out.push_str(close);
            }
            Inline::Styled(_, inner) => plain_into(inner, out, quotes),
        }
    }
}

fn quote_marks(depth: usize) -> (&'static str, &'static str) {
    if depth.is_multiple_of(2) { ("“", "”") } else { ("‘", "’") }
}

/// Collapses runs of spaces (a space is an ASCII space here; a tie `~` is a
/// no-break space and stays) and trims both ends.
pub(crate) fn tidy(list: Vec<Inline>) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut last_space = true;
    tidy_into(list, &mut out, &mut last_space);
    trim_end(&mut out);
    out
}

fn tidy_into(list: Vec<Inline>, out: &mut Vec<Inline>, last_space: &mut bool) {
    for inline in list {
        match inline {
            Inline::Text(text) => {
                let mut clean = String::with_capacity(text.len());
                for c in text.chars() {
                    if c == ' ' {
                        if !*last_space {
                            clean.push(' ');
                        }
                        *last_space = true;
                    } else {
                        clean.push(c);
                        *last_space = false;
                    }
                }
                push_text(out, &clean);
            }
            Inline::Protected(inner) | Inline::Styled(_, inner) if inner.is_empty() => {}
            Inline::Protected(inner) => {
                let mut tidied = Vec::new();
                tidy_into(inner, &mut tidied, last_space);
                if !tidied.is_empty() {
                    out.push(Inline::Protected(tidied));
                }
            }
            Inline::Styled(mark, inner) => {
                let mut tidied = Vec::new();
                tidy_into(inner, &mut tidied, last_space);
                if !tidied.is_empty() {
                    out.push(Inline::Styled(mark, tidied));
                }
            }
        }
    }
}

fn trim_end(list: &mut Vec<Inline>) {
    while let Some(last) = list.last_mut() {
        match last {
            Inline::Text(text) => {
                let trimmed = text.trim_end_matches(' ').len();
                text.truncate(trimmed);
                if text.is_empty() {
                    list.pop();
                    continue;
                }
            }
            Inline::Protected(inner) | Inline::Styled(_, inner) => {
                trim_end(inner);
                if inner.is_empty() {
                    list.pop();
                    continue;
                }
            }
        }
        break;
    }
}

/// Writes CSL-JSON rich text. With `nocase`, a protected span that holds a
/// word starting in lowercase becomes `<span class="nocase">` (a span of
/// capitalised words needs none: no CSL text case lowers them), as pandoc
/// writes it; elsewhere protection only mattered to the reader.
pub(crate) fn markup(list: &[Inline], nocase: bool) -> String {
    let mut out = String::new();
    markup_into(list, nocase, &mut out, 0);
    out
}

fn markup_into(list: &[Inline], nocase: bool, out: &mut String, quotes: usize) {
    for inline in list {
        match inline {
            Inline::Text(text) => out.push_str(text),
            Inline::Protected(inner) => {
                let span = nocase && has_lowercase_word(inner);
                if span {
                    out.push_str("<span class=\"nocase\">");
                }
                // Spans do not nest: the outer one covers everything inside.
                markup_into(inner, nocase && !span, out, quotes);
                if span {
                    out.push_str("</span>");
                }
            }
            Inline::Styled(Mark::Quoted, inner) => {
                let (open, close) = quote_marks(quotes);
                out.push_str(open);
                markup_into(inner, nocase, out, quotes + 1);
                out.push_str(close);
            }
            Inline::Styled(mark, inner) => {
                let (open, close) = match mark {
                    Mark::Italic => ("<i>", "</i>"),
                    Mark::Bold => ("<b>", "</b>"),
                    Mark::SmallCaps => ("<span style=\"font-variant:small-caps;\">", "</span>"),
                    Mark::Superscript => ("<sup>", "</sup>"),
                    Mark::Subscript => ("<sub>", "</sub>"),
                    Mark::Quoted => unreachable!("handled above"),
                };
                out.push_str(open);
                markup_into(inner, nocase, out, quotes);
                out.push_str(close);
            }
        }
    }
}

/// Whether a word of the text (a run of letters and digits; an apostrophe
/// does not end one, so `Jake's` is one word and `'t` starts with `t`)
/// starts with a lowercase letter.
fn has_lowercase_word(list: &[Inline]) -> bool {
    let text = plain(list);
    let mut at_word_start = true;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if at_word_start && c.is_lowercase() {
                return true;
            }
            at_word_start = false;
        } else if !matches!(c, '\'' | '’') {
            at_word_start = true;
        }
    }
    false
}

/// Turns a title written in title case into sentence case, as BibTeX's
/// `change.case$` with `t` does and CSL-JSON expects: words are lowered
/// except the first word, the first word after `:`, `.`, `?` or `!`, and
/// what is protected (braces, math, small caps, super- and subscripts).
/// Unlike BibTeX it lowers only capitalised words (`Title`); words in
/// capitals or mixed case (`GPT`, `LaTeX`, `iPhone`) are names or acronyms
/// and stay, as pandoc keeps them.
pub(crate) fn sentence_case(list: &mut [Inline]) {
    let mut state = CaseState { sentence_start: true, after_stop: false };
    case_walk(list, &mut state);
}

struct CaseState {
    /// The next word starts the title or a sentence (it keeps its case).
    sentence_start: bool,
    /// The last character was sentence-ending punctuation (a space then
    /// starts a sentence).
    after_stop: bool,
}

fn case_walk(list: &mut [Inline], state: &mut CaseState) {
    let len = list.len();
    for i in 0..len {
        // A word glued to formatting or protection on either side ("H" in
        // H<sub>2</sub>O) belongs to a longer word: it is left alone.
        let glued_before = i > 0 && !ends_with_space(&list[i - 1]);
        let glued_after = i + 1 < len && !starts_with_space(&list[i + 1]);
        match &mut list[i] {
            Inline::Text(text) => *text = case_text(text, state, glued_before, glued_after),
            Inline::Styled(Mark::Italic | Mark::Bold | Mark::Quoted, inner) => case_walk(inner, state),
            Inline::Protected(inner) | Inline::Styled(_, inner) => skip_words(&plain(inner), state),
        }
    }
}

fn ends_with_space(inline: &Inline) -> bool {
    plain(std::slice::from_ref(inline)).ends_with(char::is_whitespace)
}

fn starts_with_space(inline: &Inline) -> bool {
    plain(std::slice::from_ref(inline)).starts_with(char::is_whitespace)
}

/// Moves the state over protected text without changing it.
fn skip_words(text: &str, state: &mut CaseState) {
    for c in text.chars() {
        step(c, state);
    }
}

fn step(c: char, state: &mut CaseState) {
    if c.is_alphanumeric() {
        state.sentence_start = false;
        state.after_stop = false;
    } else if matches!(c, ':' | '.' | '?' | '!') {
        state.after_stop = true;
    } else if c.is_whitespace() {
        if state.after_stop {
            state.sentence_start = true;
        }
    } else if !matches!(c, '"' | '“' | '‘' | '(' | '[') {
        state.after_stop = false;
    }
}

fn case_text(text: &str, state: &mut CaseState, glued_before: bool, glued_after: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphanumeric() {
            step(chars[i], state);
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_alphanumeric() {
            i += 1;
        }
        let word = &chars[start..i];
        let glued = (start == 0 && glued_before) || (i == chars.len() && glued_after);
        let capitalised = word[0].is_uppercase() && word[1..].iter().all(|c| !c.is_uppercase());
        if capitalised && !state.sentence_start && !glued {
            out.extend(word.iter().flat_map(|c| c.to_lowercase()));
        } else {
            out.extend(word.iter());
        }
        state.sentence_start = false;
        state.after_stop = false;
    }
    out
}

/// The text before the first colon outside braces and formatting, if there
/// is one (`TeX: The Program` → `TeX`).
pub(crate) fn before_colon(list: &[Inline]) -> Option<Vec<Inline>> {
    let mut out = Vec::new();
    for inline in list {
        if let Inline::Text(text) = inline
            && let Some(at) = text.find(':')
        {
            push_text(&mut out, &text[..at]);
            return Some(tidy(out));
        }
        out.push(inline.clone());
    }
    None
}

/// Joins parts as pandoc's `concatWith` does and biblatex prints them:
/// `sep` and a space between parts, or only a space after a part that ends
/// in punctuation already.
pub(crate) fn join(parts: Vec<Vec<Inline>>, sep: char) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            let ends_in_punctuation =
                matches!(out.last(), Some(Inline::Text(t)) if t.ends_with(['!', '?', '.', ',', ':', ';']));
            if ends_in_punctuation {
                push_text(&mut out, " ");
            } else {
                push_text(&mut out, &format!("{sep} "));
            }
        }
        for inline in part {
            match inline {
                Inline::Text(text) => push_text(&mut out, &text),
                other => out.push(other),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_string())
    }

    #[test]
    fn sentence_case_keeps_first_words_protection_and_acronyms() {
        let cases: Vec<(Vec<Inline>, &str)> = vec![
            (vec![text("Higher-Dimensional Algebra V: 2-Groups")], "Higher-dimensional algebra v: 2-groups"),
            (vec![text("The "), Inline::Protected(vec![text("LaTeX")]), text(" Companion")], "The LaTeX companion"),
            (vec![text("A Study of GPT and iPhone Apps")], "A study of GPT and iPhone apps"),
            (vec![text("gpt-oss Model Card")], "gpt-oss model card"),
            (vec![text("Part One. The Start? Yes")], "Part one. The start? Yes"),
            (vec![text("H"), Inline::Styled(Mark::Subscript, vec![text("2")]), text("O In Water")], "H2O in water"),
            (
                vec![text("The "), Inline::Styled(Mark::Italic, vec![text("In Vivo")]), text(" Case")],
                "The in vivo case",
            ),
            (vec![text("Über Die Möglichkeit")], "Über die möglichkeit"),
        ];
        for (mut input, expected) in cases {
            sentence_case(&mut input);
            assert_eq!(plain(&input), expected);
        }
    }

    #[test]
    fn nocase_only_where_a_word_starts_in_lowercase() {
        let list = vec![
            Inline::Protected(vec![text("Jake’s")]),
            text(" "),
            Inline::Protected(vec![text("’t Hooft")]),
            text(" "),
            Inline::Protected(vec![text("iPhone")]),
            text(" and "),
            Inline::Protected(vec![text("USA")]),
            text(" and "),
            Inline::Protected(vec![text("the Best")]),
        ];
        assert_eq!(
            markup(&list, true),
            "Jake’s <span class=\"nocase\">’t Hooft</span> <span class=\"nocase\">iPhone</span> and USA and <span class=\"nocase\">the Best</span>"
        );
        assert_eq!(markup(&list, false), "Jake’s ’t Hooft iPhone and USA and the Best");
    }

    #[test]
    fn markup_nests_quotes_and_formatting() {
        let list = vec![Inline::Styled(
            Mark::Quoted,
            vec![text("a "), Inline::Styled(Mark::Quoted, vec![Inline::Styled(Mark::Italic, vec![text("b")])])],
        )];
        assert_eq!(markup(&list, false), "“a ‘<i>b</i>’”");
    }

    #[test]
    fn join_and_colon() {
        let joined = join(vec![vec![text("Title")], vec![text("Sub")], vec![]], ':');
        assert_eq!(plain(&joined), "Title: Sub");
        let joined = join(vec![vec![text("Why?")], vec![text("Because")]], ':');
        assert_eq!(plain(&joined), "Why? Because");
        assert_eq!(before_colon(&[text("TeX: The Program")]).map(|l| plain(&l)), Some("TeX".to_string()));
        assert_eq!(before_colon(&[text("No colon")]), None);
    }
}
