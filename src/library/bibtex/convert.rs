//! biblatex's entries as hayagriva's: fields cleaned of what BibTeX files
//! say and hayagriva would misread, and a field that cannot be converted
//! dropped (and said so) rather than the whole entry.

use biblatex::{Chunk, ChunksExt};
use regex::Regex;
use std::sync::LazyLock;

use super::source::MiniSource;
use super::{Item, Parsed};
use crate::library::latex;
use crate::library::problem::Problem;

/// The entry at item `item`, parsed by biblatex from `source`, as
/// hayagriva's entry with the language it declares; `None` when it cannot
/// be converted (said in `problems`).
pub(super) fn convert(
    mut entry: biblatex::Entry,
    source: &MiniSource,
    items: &[Item],
    item: usize,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<Parsed> {
    let language = ["langid", "language", "hyphenation"]
        .iter()
        .find_map(|f| entry.fields.get(*f).map(|chunks| chunks.format_verbatim()));
    clean_fields(&mut entry);
    let mut found = Vec::new();
    // A panic while converting costs this entry, not the others.
    match crate::guard::guarded(|| to_hayagriva(&mut entry, source, item, key, &mut found)) {
        Ok(converted) => {
            problems.extend(found);
            converted.map(|entry| Parsed { item, entry, language })
        }
        Err(why) => {
            problems.push(Problem::warning(
                items[item].range.start,
                format!("entry `{key}` is skipped: the BibLaTeX reader failed on it ({why})"),
            ));
            None
        }
    }
}

/// Converts to hayagriva's entry; a field of the wrong kind is dropped (and
/// reported) rather than losing the whole entry.
fn to_hayagriva(
    entry: &mut biblatex::Entry,
    source: &MiniSource,
    item: usize,
    key: &str,
    problems: &mut Vec<Problem>,
) -> Option<hayagriva::Entry> {
    drop_date_traps(entry, source, item, key, problems);
    for _ in 0..=entry.fields.len() {
        let error = match hayagriva::Entry::try_from(&*entry) {
            Ok(converted) => return Some(converted),
            Err(error) => error,
        };
        let offset = source.offset_in(item, error.span.start);
        let field = entry
            .fields
            .iter()
            .find(|(_, chunks)| {
                chunks.iter().any(|c| c.span.start <= error.span.start && error.span.start <= c.span.end)
            })
            .map(|(name, _)| name.clone())
            // The span did not lead to a field: find the field whose removal
            // lets the entry convert.
            .or_else(|| {
                entry
                    .fields
                    .keys()
                    .find(|name| {
                        let mut trial = entry.clone();
                        trial.fields.remove(*name);
                        hayagriva::Entry::try_from(&trial).is_ok()
                    })
                    .cloned()
            });
        let Some(field) = field else {
            problems.push(Problem::warning(offset, format!("entry `{key}` is skipped: {}", error.kind)));
            return None;
        };
        problems.push(Problem::warning(offset, format!("entry `{key}`: field `{field}` is ignored: {}", error.kind)));
        entry.fields.remove(&field);
    }
    None
}

/// biblatex unwraps and subtracts while it reads dates, unchecked: a field
/// it would panic on or misread is dropped, and said so. `day` goes before
/// `month`, which reads a day itself when there is none.
fn drop_date_traps(
    entry: &mut biblatex::Entry,
    source: &MiniSource,
    item: usize,
    key: &str,
    problems: &mut Vec<Problem>,
) {
    for field in ["year", "day", "month", "date", "urldate", "eventdate", "origdate"] {
        let Some(chunks) = entry.fields.get(field) else { continue };
        let has_day = entry.fields.contains_key("day");
        let Some(why) = date_field_trap(field, &chunks.format_verbatim(), has_day) else { continue };
        let offset = source.offset_in(item, chunks.first().map_or(0, |c| c.span.start));
        problems.push(Problem::warning(offset, format!("entry `{key}`: field `{field}` is ignored: {why}")));
        entry.fields.remove(field);
    }
}

/// Why biblatex would panic on a date field as written, or misread it, if
/// it would:
/// - it reads any Unicode numerals but parses them as ASCII digits, with
///   `unwrap` (`²`, `٣`);
/// - it subtracts one from a month or day unchecked (`0` wraps to 256);
/// - with no `day` field it reads a day after the month and unwraps it
///   into a `u8` (`"10~66666" # jan`);
/// - it computes `4 - digits` for a year unchecked (`20240-01-01`).
fn date_field_trap(field: &str, value: &str, has_day: bool) -> Option<String> {
    if let Some(numeral) = value.chars().find(|c| c.is_numeric() && !c.is_ascii_digit()) {
        return Some(format!("`{numeral}` is not a digit (write dates with 0-9)"));
    }
    let valid = match field {
        "month" => 1..=12u32,
        "day" => 1..=31,
        "year" => return None,
        _ => {
            let too_long = value.split('/').any(|part| {
                let part = part.trim_start().trim_start_matches(['-', '+']);
                part.chars().take_while(char::is_ascii_digit).count() > 4
            });
            return too_long.then(|| format!("`{}` is not a date (a year has at most 4 digits)", value.trim()));
        }
    };
    // As biblatex reads it: one or two digits after any spaces.
    let digits: String = value.trim_start().chars().take_while(char::is_ascii_digit).take(2).collect();
    if let Ok(number) = digits.parse::<u32>()
        && !valid.contains(&number)
    {
        return Some(format!("{number} is not a {field} ({}-{})", valid.start(), valid.end()));
    }
    if field == "month" && !has_day {
        return day_in_month_trap(value);
    }
    None
}

/// What biblatex reads as a day from a `month` field when there is no
/// `day` field, if it would panic on it: after spaces, the month (one or
/// two digits, else a name), then spaces, `-` or no-break spaces, then
/// digits parsed into a `u8` with `unwrap`.
fn day_in_month_trap(value: &str) -> Option<String> {
    let value = value.trim_start();
    let digits = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let rest = if (1..=2).contains(&digits) {
        &value[digits..]
    } else {
        value[digits..].trim_start_matches(|c: char| c.is_ascii_alphabetic())
    };
    let after = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '-' || c == '\u{a0}');
    if after.len() == rest.len() {
        return None;
    }
    let day = &after[..after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len())];
    (!day.is_empty() && day.parse::<u8>().is_err()).then(|| format!("`{day}` is not a day (1-31)"))
}

/// Fields whose value is a list of names (BibTeX separates them by `and`).
const NAME_FIELDS: &[&str] = &[
    "author",
    "editor",
    "editora",
    "editorb",
    "editorc",
    "translator",
    "annotator",
    "commentator",
    "introduction",
    "foreword",
    "afterword",
    "bookauthor",
    "holder",
];

/// Fields that name one organisation or place: `and` in them is a word
/// ("Society for Industrial and Applied Mathematics"), not a separator.
const ORGANISATION_FIELDS: &[&str] = &["publisher", "organization", "institution", "school", "location", "address"];

/// What BibTeX files say and hayagriva would misread, repaired:
/// LaTeX commands left by biblatex become text and marks; empty fields are
/// absent fields; `AND`/`OTHERS` separate names as `and`/`others` do;
/// `and` inside a publisher is a word; subtitles join their titles (hayagriva
/// ignores them); escapes in DOIs and URLs are undone.
fn clean_fields(entry: &mut biblatex::Entry) {
    static AND: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(\s)and(\s)").expect("valid regex"));
    static OTHERS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bothers\s*$").expect("valid regex"));
    entry.fields.retain(|_, chunks| chunks.iter().any(|c| !chunk_text(&c.v).trim().is_empty()));
    for (title, subtitle) in [
        ("title", "subtitle"),
        ("booktitle", "booksubtitle"),
        ("maintitle", "mainsubtitle"),
        ("journaltitle", "journalsubtitle"),
    ] {
        if let Some(sub) = entry.fields.remove(subtitle)
            && let Some(main) = entry.fields.get_mut(title)
        {
            let ends = main.iter().rev().map(|c| chunk_text(&c.v)).find(|t| !t.trim().is_empty()).unwrap_or_default();
            let joint = if ends.trim_end().ends_with(['?', '!', ':', '.']) { " " } else { ": " };
            let span = main.last().map_or(0..0, |c| c.span.clone());
            main.push(biblatex::Spanned::new(Chunk::Normal(joint.to_string()), span));
            main.extend(sub);
        }
    }
    for (name, chunks) in entry.fields.iter_mut() {
        let name = name.as_str();
        if matches!(name, "url" | "doi" | "eprint") {
            for chunk in chunks.iter_mut() {
                if let Chunk::Normal(s) | Chunk::Verbatim(s) = &mut chunk.v {
                    for (escaped, plain) in [("\\_", "_"), ("\\%", "%"), ("\\&", "&"), ("\\#", "#"), ("\\~", "~")] {
                        *s = s.replace(escaped, plain);
                    }
                }
            }
            continue;
        }
        if matches!(name, "file" | "crossref" | "xdata" | "ids") {
            continue;
        }
        let names = NAME_FIELDS.contains(&name);
        let organisation = ORGANISATION_FIELDS.contains(&name);
        for chunk in chunks.iter_mut() {
            if let Chunk::Normal(s) = &chunk.v
                && organisation
            {
                chunk.v = Chunk::Verbatim(s.clone());
            }
            match &mut chunk.v {
                Chunk::Normal(s) | Chunk::Verbatim(s) => {
                    if s.contains('\\') || s.contains('~') || s.contains('`') || s.contains("''") {
                        *s = latex::clean(s);
                    }
                    if names && (s.contains("AND") || s.contains("And") || s.contains("OTHERS") || s.contains("Others"))
                    {
                        *s = AND.replace_all(s, "${1}and${2}").into_owned();
                        *s = OTHERS.replace(s, "others").into_owned();
                    }
                }
                Chunk::Math(_) => {}
            }
        }
    }
}

fn chunk_text(chunk: &Chunk) -> &str {
    match chunk {
        Chunk::Normal(s) | Chunk::Verbatim(s) | Chunk::Math(s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Date fields biblatex would panic on or misread (several found by
    /// fuzzing: month 0, `"10~66666" # jan`, five-digit years).
    #[test]
    fn date_fields_biblatex_would_panic_on() {
        let cases: [(&str, &str, bool, Option<&str>); 16] = [
            ("month", "jan", false, None),
            ("month", "10", false, None),
            ("month", "10 12", false, None),
            ("month", "oct-31", false, None),
            ("month", "123", false, None),
            ("month", "", false, None),
            ("month", "10 99", false, None),
            ("month", "10\u{a0}66666jan", false, Some("`66666` is not a day (1-31)")),
            ("month", "jan 256", false, Some("`256` is not a day (1-31)")),
            ("month", "jan 256", true, None),
            ("month", "0", false, Some("0 is not a month (1-12)")),
            ("month", "²", false, Some("`²` is not a digit (write dates with 0-9)")),
            ("day", "32", false, Some("32 is not a day (1-31)")),
            ("year", "٣", false, Some("`٣` is not a digit (write dates with 0-9)")),
            ("date", "2020/20211", false, Some("`2020/20211` is not a date (a year has at most 4 digits)")),
            ("urldate", "2024-01-01", false, None),
        ];
        for (field, value, has_day, expected) in cases {
            assert_eq!(date_field_trap(field, value, has_day).as_deref(), expected, "{field} = {value:?}");
        }
    }
}
