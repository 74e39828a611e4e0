//! `cs:number`, numeric tests, plurals and page ranges.

use crate::output::{Piece, Run};
use crate::render::{Called, Ctx, Mode, Rendered};
use crate::text;
use citationberg::taxonomy::{OtherTerm, Term, Variable};
use citationberg::{NumberForm, PageRangeFormat, TermForm};

/// One number of a numeric value with what surrounds it (`D2` → `D`, 2, ``).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    prefix: String,
    number: Option<i64>,
    suffix: String,
}

/// Splits `2-4`, `2, 3 & 5`, `L2d` into numbers and separators; `None` when
/// the value is not numeric as the spec defines it.
fn tokens(value: &str) -> Option<(Vec<Token>, Vec<String>)> {
    let mut numbers = Vec::new();
    let mut separators = Vec::new();
    let mut current = String::new();
    let mut chars = value.trim().chars().peekable();
    let push = |current: &mut String, numbers: &mut Vec<Token>| -> Option<()> {
        let word = std::mem::take(current);
        let word = word.trim();
        if word.is_empty() {
            return None;
        }
        let start = word.find(|c: char| c.is_ascii_digit())?;
        let digits_end = word[start..].find(|c: char| !c.is_ascii_digit()).map_or(word.len(), |e| start + e);
        let (prefix, rest) = word.split_at(start);
        let (digits, suffix) = rest.split_at(digits_end - start);
        if !prefix.chars().all(|c| c.is_alphabetic()) || !suffix.chars().all(|c| c.is_alphabetic()) {
            return None;
        }
        numbers.push(Token { prefix: prefix.into(), number: digits.parse().ok(), suffix: suffix.into() });
        Some(())
    };
    while let Some(c) = chars.next() {
        match c {
            '-' | '–' | ',' | '&' => {
                push(&mut current, &mut numbers)?;
                let mut sep = c.to_string();
                while chars.peek() == Some(&'-') {
                    chars.next();
                }
                if c == '-' {
                    sep = "-".into();
                }
                separators.push(sep);
            }
            _ => current.push(c),
        }
    }
    push(&mut current, &mut numbers)?;
    Some((numbers, separators))
}

/// Whether a value is numeric (`12`, `2-4`, `2, 3`, `D2`, `2b`).
pub fn is_numeric(value: &str) -> bool {
    tokens(value).is_some()
}

/// Whether a value names more than one thing (`2-4`, `2, 3`, `2 & 3`).
pub fn is_plural(value: &str) -> bool {
    match tokens(value) {
        Some((numbers, _)) => numbers.len() > 1,
        None => false,
    }
}

/// `2-4` → `2–4` with the locale's page range delimiter.
pub fn ranges_with(ctx: &Ctx, value: &str) -> String {
    let delimiter =
        ctx.shared.terms.text(Term::Other(OtherTerm::PageRangeDelimiter), TermForm::Long, false).unwrap_or("–");
    en_dash_ranges(value).replace('–', delimiter)
}

/// `99-02` → `99–02`: hyphens between numbers become en dashes.
pub fn en_dash_ranges(value: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = value.chars().collect();
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if c == '-' {
            while k + 1 < chars.len() && chars[k + 1] == '-' {
                k += 1;
            }
            out.push('–');
        } else {
            out.push(c);
        }
        k += 1;
    }
    out
}

/// A sort key that orders numbers numerically.
pub fn sort_key(value: &str) -> String {
    match tokens(value).and_then(|(n, _)| n.first().and_then(|t| t.number)) {
        Some(n) => format!("{n:012}"),
        None => value.to_string(),
    }
}

fn roman(mut n: i64) -> String {
    if !(1..4000).contains(&n) {
        return n.to_string();
    }
    let table = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, letters) in table {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

/// An ordinal (`1st`) or long ordinal (`first`) in the locale's words.
pub fn ordinal(ctx: &Ctx, n: i64, long: bool, gender_of: Option<Term>) -> String {
    let gender = gender_of.and_then(|t| ctx.shared.terms.gender(t));
    let lookup = ctx.shared.terms.ordinals();
    if long
        && (1..=10).contains(&n)
        && let Some(word) = lookup.lookup_long(n as i32)
    {
        return word.to_string();
    }
    let suffix = lookup.lookup(n as i32, gender).unwrap_or("");
    format!("{n}{suffix}")
}

/// Renders a `cs:number`.
pub fn render(ctx: &Ctx, number: &citationberg::Number) -> Rendered {
    let variable = Variable::from(number.variable);
    let name = crate::render::name_of(variable);
    let Some(value) = ctx.variable(name, false) else { return (Run::new(), Called::Empty) };
    ctx.note_rendered(name);
    if ctx.mode == Mode::Sort {
        return (vec![Piece::text(sort_key(&value))], Called::Something);
    }
    let term = Some(Term::from(number.variable));
    let mut run = match tokens(&value) {
        Some((numbers, separators)) => {
            let mut out = String::new();
            for (i, token) in numbers.iter().enumerate() {
                if i > 0 {
                    let sep = &separators[i - 1];
                    match sep.as_str() {
                        "-" | "–" => out.push('–'),
                        "," => out.push_str(", "),
                        "&" => out.push_str(" & "),
                        other => out.push_str(other),
                    }
                }
                out.push_str(&token.prefix);
                if let Some(n) = token.number {
                    let formatted = match number.form {
                        NumberForm::Numeric => n.to_string(),
                        NumberForm::Ordinal => ordinal(ctx, n, false, term),
                        NumberForm::LongOrdinal => ordinal(ctx, n, true, term),
                        NumberForm::Roman => roman(n),
                    };
                    out.push_str(&formatted);
                }
                out.push_str(&token.suffix);
            }
            vec![Piece::text(out)]
        }
        None => text::rich(&value, ctx.shared.marks),
    };
    if name == "citation-number" {
        crate::output::tag(&mut run, crate::output::Tag::NumberStart, crate::output::Tag::NumberEnd);
    }
    ctx.finish(&mut run, false, number.text_case, false, &number.formatting, &number.affixes, number.display);
    (run, Called::Something)
}

/// A page range in the style's `page-range-format`, with the locale's range
/// delimiter.
pub fn page_range(ctx: &Ctx, value: &str) -> Run {
    let delimiter = ctx
        .shared
        .terms
        .text(Term::Other(OtherTerm::PageRangeDelimiter), TermForm::Long, false)
        .unwrap_or("–")
        .to_string();
    vec![Piece::text(format_pages(value, ctx.shared.page_range_format, &delimiter))]
}

/// Formats every range in a page value.
pub fn format_pages(value: &str, format: Option<PageRangeFormat>, delimiter: &str) -> String {
    let mut out = String::new();
    // Split on commas and ampersands, keeping them.
    let mut segment = String::new();
    let flush = |segment: &mut String, out: &mut String| {
        out.push_str(&one_range(segment, format, delimiter));
        segment.clear();
    };
    for c in value.chars() {
        if c == ',' || c == '&' {
            flush(&mut segment, &mut out);
            out.push(c);
        } else {
            segment.push(c);
        }
    }
    flush(&mut segment, &mut out);
    out
}

fn one_range(segment: &str, format: Option<PageRangeFormat>, delimiter: &str) -> String {
    let trimmed = segment.trim();
    let lead = &segment[..segment.len() - segment.trim_start().len()];
    let trail = &segment[segment.trim_end().len()..];
    let (first, second) = match trimmed.split_once("--").or_else(|| trimmed.split_once(['-', '–'])) {
        Some((a, b)) => (a.trim(), b.trim_start_matches(['-', '–']).trim()),
        None => return segment.to_string(),
    };
    let split = |s: &str| -> Option<(String, String)> {
        let start = s.find(|c: char| c.is_ascii_digit())?;
        let (prefix, digits) = s.split_at(start);
        digits.chars().all(|c| c.is_ascii_digit()).then(|| (prefix.to_string(), digits.to_string()))
    };
    let (Some((p1, a)), Some((p2, b))) = (split(first), split(second)) else {
        return format!("{lead}{first}{delimiter}{second}{trail}");
    };
    if p1 != p2 && !p2.is_empty() {
        return format!("{lead}{first}{delimiter}{second}{trail}");
    }
    // Without a format the range stays as written.
    let Some(format) = format else {
        return format!("{lead}{p1}{a}{delimiter}{p2}{b}{trail}");
    };
    // Expand an abbreviated end first: 321-8 → 321-328.
    let b = if b.len() < a.len() { format!("{}{}", &a[..a.len() - b.len()], b) } else { b };
    let end = abbreviate(&a, &b, format);
    // A shared prefix is written once when the end is shortened (`S1–12`).
    let p2 = if p1 == p2 && format != PageRangeFormat::Expanded { "" } else { p2.as_str() };
    format!("{lead}{p1}{a}{delimiter}{p2}{end}{trail}")
}

fn minimal(a: &str, b: &str, keep: usize) -> String {
    if a.len() != b.len() {
        return b.to_string();
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let shown = (b.len() - common).max(keep).min(b.len());
    b[b.len() - shown..].to_string()
}

fn abbreviate(a: &str, b: &str, format: PageRangeFormat) -> String {
    if a == b {
        return b.to_string();
    }
    let (Ok(x), Ok(_)) = (a.parse::<u64>(), b.parse::<u64>()) else { return b.to_string() };
    match format {
        PageRangeFormat::Expanded => b.to_string(),
        PageRangeFormat::Minimal => minimal(a, b, 1),
        PageRangeFormat::MinimalTwo => minimal(a, b, 2),
        PageRangeFormat::Chicago15 | PageRangeFormat::Chicago16 => {
            if x < 100 || x % 100 == 0 {
                b.to_string()
            } else if x % 100 < 10 {
                minimal(a, b, 1)
            } else {
                let short = minimal(a, b, 2);
                if format == PageRangeFormat::Chicago15 && a.len() == 4 && short.len() >= 3 {
                    b.to_string()
                } else {
                    short
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_values() {
        for yes in ["12", "2-4", "2, 3", "2 & 4", "D2", "2b", "L2d", "1--5"] {
            assert!(is_numeric(yes), "{yes}");
        }
        for no in ["", "second", "2nd edition", "12.3", "NPS012-81-005x5"] {
            assert!(!is_numeric(no), "{no}");
        }
        assert!(is_plural("2-4") && is_plural("2, 3") && !is_plural("12"));
    }

    #[test]
    fn page_range_formats() {
        use PageRangeFormat::*;
        let cases = [
            ("321-328", Some(Expanded), "321–328"),
            ("321-8", Some(Expanded), "321–328"),
            ("321-28", None, "321–28"),
            ("321-328", Some(Minimal), "321–8"),
            ("42-45", Some(MinimalTwo), "42–45"),
            ("2787-2816", Some(MinimalTwo), "2787–816"),
            ("3-10", Some(Chicago15), "3–10"),
            ("100-104", Some(Chicago15), "100–104"),
            ("107-108", Some(Chicago15), "107–8"),
            ("321-325", Some(Chicago15), "321–25"),
            ("1496-1504", Some(Chicago15), "1496–1504"),
            ("1496-1504", Some(Chicago16), "1496–504"),
            ("12-15, 20-22", None, "12–15, 20–22"),
            ("e101-e108", Some(Minimal), "e101–8"),
            ("S1-S12", Some(Chicago15), "S1–12"),
            ("iv-x", None, "iv–x"),
        ];
        for (input, format, expected) in cases {
            assert_eq!(format_pages(input, format, "–"), expected, "{input} {format:?}");
        }
    }
}
