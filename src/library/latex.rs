//! LaTeX markup left in BibLaTeX field values, turned into text.
//!
//! The biblatex crate resolves accents (`{\"u}`, `\'e`), dashes and escaped
//! characters, but leaves other commands raw (`\emph{x}` arrives as the text
//! `\emph{x}`). Emphasis survives as private-use marks that the writers turn
//! into `<i>`/`<b>` (and drop in plain text): hayagriva's strings cannot hold
//! formatting, and these marks pass through it untouched.

pub(crate) use crate::marks::{EMPH_END, EMPH_START, STRONG_END, STRONG_START};

/// Whether `c` is one of our formatting marks.
pub(crate) fn is_mark(c: char) -> bool {
    matches!(c, EMPH_START | EMPH_END | STRONG_START | STRONG_END)
}

/// Turns the commands biblatex left in `text` into text and marks. Commands
/// that only format (`\textsc`, `\mbox`, `\url`) keep their argument;
/// unknown commands keep their argument and lose their name, as pandoc does.
pub(crate) fn clean(text: &str) -> String {
    // TeX quotes: ``double'' and `single'.
    let text = if text.contains("``") || text.contains("''") || text.contains('`') {
        // After a TeX opening quote, `'` closes it (and is an apostrophe
        // elsewhere, which is the same character in print).
        &text.replace("``", "“").replace("''", "”").replace('`', "‘").replace('\'', "’")
    } else {
        text
    };
    if !text.contains('\\') && !text.contains('~') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['\\', '~']) {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tied) = after.strip_prefix('~') {
            // A TeX tie is a non-breaking space.
            out.push('\u{a0}');
            rest = tied;
            continue;
        }
        let after = &after[1..];
        let name_len = after.char_indices().find(|&(_, c)| !c.is_ascii_alphabetic()).map_or(after.len(), |(j, _)| j);
        if name_len == 0 {
            // `\` followed by a symbol: biblatex kept it, so it is not one it
            // knows; keep the symbol (`\,` thin space becomes a space).
            let mut chars = after.chars();
            match chars.next() {
                Some(',') | Some(';') | Some(' ') => out.push(' '),
                Some('/') | Some('-') => {}
                Some(c) => out.push(c),
                None => {}
            }
            rest = chars.as_str();
            continue;
        }
        let name = &after[..name_len];
        let tail = &after[name_len..];
        let (argument, next) = braced_argument(tail);
        rest = match command(name, argument, &mut out) {
            Took::Argument => next,
            Took::Name => tail,
            Took::Unknown => {
                // A command without argument: a word-like symbol we do not
                // know. Dropping it loses less than printing `\foo`.
                // An argument whose brace never closes keeps its text.
                let tail = tail.strip_prefix(' ').unwrap_or(tail);
                tail.strip_prefix('{').unwrap_or(tail)
            }
        };
    }
    out.push_str(rest);
    out
}

/// What a command took of the text after the backslash.
enum Took {
    /// Its name and its braced argument.
    Argument,
    /// Its name only.
    Name,
    /// Its name; it has no argument and we do not know it.
    Unknown,
}

/// Writes command `name` with its braced `argument`, if it has one.
fn command(name: &str, argument: Option<&str>, out: &mut String) -> Took {
    let with_argument = |argument: Option<&str>| if argument.is_some() { Took::Argument } else { Took::Name };
    match (name, argument) {
        ("emph" | "textit" | "textsl" | "mkbibemph" | "mkbibitalic", Some(arg)) => {
            out.push(EMPH_START);
            out.push_str(&clean(arg));
            out.push(EMPH_END);
            Took::Argument
        }
        ("textbf" | "mkbibbold", Some(arg)) => {
            out.push(STRONG_START);
            out.push_str(&clean(arg));
            out.push(STRONG_END);
            Took::Argument
        }
        ("mkbibquote" | "enquote", Some(arg)) => {
            out.push('“');
            out.push_str(&clean(arg));
            out.push('”');
            Took::Argument
        }
        ("LaTeXe", arg) => {
            out.push_str("LaTeX2ε");
            with_argument(arg)
        }
        (logo @ ("BibTeX" | "XeTeX" | "LuaTeX" | "pdfTeX" | "ConTeXt" | "AmSTeX" | "MF" | "MP"), arg) => {
            out.push_str(match logo {
                "MF" => "Metafont",
                "MP" => "MetaPost",
                other => other,
            });
            with_argument(arg)
        }
        // `\noopsort{x}` exists to steer sorting; it prints nothing.
        ("noopsort", arg) => with_argument(arg),
        ("relax" | "protect" | "nocase" | "ignorespaces", arg) => {
            if let Some(arg) = arg {
                out.push_str(&clean(arg));
            }
            with_argument(arg)
        }
        (_, Some(arg)) => {
            out.push_str(&clean(arg));
            Took::Argument
        }
        (_, None) => Took::Unknown,
    }
}

/// `{…}` at the start of `text` (after spaces), with nested braces:
/// the argument and what follows it.
fn braced_argument(text: &str) -> (Option<&str>, &str) {
    let trimmed = text.trim_start_matches(' ');
    if !trimmed.starts_with('{') {
        return (None, text);
    }
    let mut depth = 0usize;
    for (i, c) in trimmed.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (Some(&trimmed[1..i]), &trimmed[i + 1..]);
                }
            }
            _ => {}
        }
    }
    (None, text)
}

/// Removes the marks: for plain text, sorting and language detection.
pub(crate) fn strip_marks(text: &str) -> String {
    text.chars().filter(|&c| !is_mark(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_become_text() {
        let cases: &[(&str, &str)] = &[
            ("plain text", "plain text"),
            ("A \\emph{B} C", "A \u{E000}B\u{E001} C"),
            ("\\textbf{Bold} and \\textit{it}", "\u{E002}Bold\u{E003} and \u{E000}it\u{E001}"),
            ("\\textsc{Knuth}", "Knuth"),
            ("\\url{https://x.org}", "https://x.org"),
            ("\\mbox{a b}", "a b"),
            ("Don~Knuth", "Don\u{a0}Knuth"),
            ("\\emph{nested \\textbf{b}}", "\u{E000}nested \u{E002}b\u{E003}\u{E001}"),
            ("x\\,y", "x y"),
            ("hy\\-phen", "hyphen"),
            ("\\noopsort{a}Zeta", "Zeta"),
            ("\\unknowncmd rest", "rest"),
            ("\\enquote{q}", "“q”"),
            ("``Quoted'' and `single'", "“Quoted” and ‘single’"),
            ("\\LaTeXe{} and \\BibTeX", "LaTeX2ε and BibTeX"),
            ("trailing \\", "trailing "),
            ("\\emph{unclosed", "unclosed"),
        ];
        for &(input, expected) in cases {
            assert_eq!(clean(input), expected, "{input:?}");
        }
    }

    #[test]
    fn marks_strip() {
        assert_eq!(strip_marks("\u{E000}a\u{E001}b"), "ab");
    }
}
