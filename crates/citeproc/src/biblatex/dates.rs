//! Dates: biblatex's ISO 8601-2 `date` fields (`2004-10-27`, `1984/1986`,
//! `1988/`, `1950~`, seasons `2020-21`, years before the common era) and
//! BibTeX's `year`/`month`/`day`, as CSL-JSON `date-parts`. What cannot be
//! read as a date is kept as a `literal`, never dropped.

use serde_json::{Value, json};

/// One end of a range: year, month (21–24 are the seasons), day; 0 where
/// missing.
type Parts = [i64; 3];

/// A date read only in part: what is kept, the field at fault (`month`,
/// `day`, or `""` for the date field itself) and why.
#[derive(Debug, PartialEq)]
pub(crate) struct Partial {
    pub kept: Value,
    pub part: &'static str,
    pub why: String,
}

fn partial(kept: Value, part: &'static str, why: String) -> Partial {
    Partial { kept, part, why }
}

/// Reads a biblatex date field; what is not a date is kept as a literal.
pub(crate) fn parse_iso(raw: &str) -> Result<Value, Partial> {
    let text = raw.trim();
    let literal = |why: String| partial(json!({ "literal": text }), "", format!("{why}; it is kept as written"));
    let (start, end) = match text.split_once('/') {
        Some((start, end)) => (start.trim(), Some(end.trim())),
        None => (text, None),
    };
    let mut circa = false;
    let start = match one_end(start, &mut circa) {
        Ok(Some(parts)) => parts,
        Ok(None) => return Err(literal(format!("`{text}` has no start (an open start cannot be written in CSL)"))),
        Err(why) => return Err(literal(why)),
    };
    let mut ranges = vec![trimmed(start)];
    match end.map(|end| one_end(end, &mut circa)) {
        None => {}
        // `1988/` or `1988/..`: an open range, as CSL-JSON writes one.
        Some(Ok(None)) => ranges.push(json!([0])),
        Some(Ok(Some(end))) => ranges.push(trimmed(end)),
        Some(Err(why)) => return Err(literal(why)),
    }
    let mut date = json!({ "date-parts": ranges });
    if circa {
        date["circa"] = true.into();
    }
    Ok(date)
}

fn trimmed(parts: Parts) -> Value {
    let len = if parts[1] == 0 {
        1
    } else if parts[2] == 0 {
        2
    } else {
        3
    };
    json!(parts[..len])
}

/// One side of a range: `None` when open (empty or `..`).
fn one_end(text: &str, circa: &mut bool) -> Result<Option<Parts>, String> {
    if text.is_empty() || text == ".." {
        return Ok(None);
    }
    // Approximate (`~`), uncertain (`?`) or both (`%`): CSL has only circa.
    let mut body = text;
    while let Some(rest) = body.strip_suffix(['~', '?', '%']) {
        if body.ends_with(['~', '%']) {
            *circa = true;
        }
        body = rest;
    }
    // A time of day is more than CSL keeps.
    let body = body.split_once('T').map_or(body, |(date, _)| date);
    let (negative, digits) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    let fields: Vec<&str> = digits.split('-').collect();
    let bad = || format!("`{text}` is not a date (write YYYY, YYYY-MM or YYYY-MM-DD, or a range A/B)");
    if fields.len() > 3 || fields.iter().any(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    if fields[0].len() > 6 {
        return Err(bad());
    }
    let year: i64 = fields[0].parse().map_err(|_| bad())?;
    // ISO years count a year 0 (1 BCE); CSL's negative years do not.
    let year = if negative {
        -year - 1
    } else if year == 0 {
        -1
    } else {
        year
    };
    let month: i64 = fields.get(1).map_or(Ok(0), |m| m.parse()).map_err(|_| bad())?;
    let day: i64 = fields.get(2).map_or(Ok(0), |d| d.parse()).map_err(|_| bad())?;
    // Seasons (21–24) stay as ISO 8601-2 numbers them, which CSL-JSON
    // readers (pandoc, citeproc-js, ours) take as seasons.
    let month = match month {
        0..=12 if fields.len() < 2 || month > 0 => month,
        21..=24 if fields.len() == 2 => month,
        _ => return Err(format!("`{text}` is not a date: {month} is not a month")),
    };
    if fields.len() == 3 && !(1..=days_in(month)).contains(&day) {
        return Err(format!("`{text}` is not a date: {day} is not a day of month {month}"));
    }
    Ok(Some([year, month, day]))
}

fn days_in(month: i64) -> i64 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => 0,
    }
}

/// Reads BibTeX's separate fields (`year`, `month`, `day`, and biblatex's
/// `endyear`…). A year may be a range (`1984--1986`, `1987--`); a year that
/// is not a number is kept as a literal. A month may be a number, an
/// English name whole or cut to three letters, a season, or a range of
/// them (`April-May`).
pub(crate) fn parse_parts(
    year: &str,
    month: Option<&str>,
    day: Option<&str>,
    end: [Option<&str>; 3],
) -> Result<Value, Partial> {
    let year_text = year.trim();
    let Some((year, year_end)) = year_range(year_text) else {
        return if year_text.is_empty() {
            Err(partial(Value::Null, "year", "the year is empty".to_string()))
        } else {
            // `c. 1900`, `2020a`, `forthcoming`: printed as written, which
            // is what the author meant; not a problem worth a warning.
            Ok(json!({ "literal": year_text }))
        };
    };
    let with_end = |start: Parts| -> Value {
        let mut ranges = vec![trimmed(start)];
        match year_end {
            Some(Some(end_year)) => ranges.push(trimmed([end_year, 0, 0])),
            Some(None) => ranges.push(json!([0])),
            None => {}
        }
        json!({ "date-parts": ranges })
    };
    let mut day = day;
    let (month, month_end) = match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => (0, None),
        Some(m) => match month_range(m) {
            Some(months) => months,
            // `oct # "~10"`: BibTeX files put the day in the month.
            None if day.is_none() && month_and_day(m).is_some() => {
                let (month, day_text) = month_and_day(m).unwrap_or_default();
                day = Some(day_text);
                (month, None)
            }
            None => {
                let why = format!("`{m}` is not a month (write 1-12, jan-dec or a season); the year is kept");
                return Err(partial(with_end([year, 0, 0]), "month", why));
            }
        },
    };
    let valid_day = |d: &str| {
        d.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=12).contains(&month) && month_end.is_none() && (1..=days_in(month)).contains(n))
    };
    let (day, day_end) = match day.map(str::trim).filter(|d| !d.is_empty()) {
        None => (0, None),
        Some(d) => match valid_day(d) {
            Some(n) => (n, None),
            // `8--9`: a range of days.
            None => match d
                .split_once(['-', '–', '—', '/'])
                .map(|(a, b)| (valid_day(a), valid_day(b.trim_start_matches(['-', '–']))))
            {
                Some((Some(a), Some(b))) => (a, Some(b)),
                _ => {
                    let why = format!("`{d}` is not a day; the year and month are kept");
                    return Err(partial(with_end([year, month, 0]), "day", why));
                }
            },
        },
    };
    if let Some(day_end) = day_end.filter(|_| year_end.is_none()) {
        return Ok(json!({ "date-parts": [trimmed([year, month, day]), trimmed([year, month, day_end])] }));
    }
    if let Some(end_year) = end[0].and_then(|y| year_number(y.trim())) {
        let end_month = end[1].and_then(month_number).unwrap_or(0);
        let end_day = end[2].and_then(|d| d.trim().parse().ok()).filter(|_| end_month > 0).unwrap_or(0);
        return Ok(json!({ "date-parts": [trimmed([year, month, day]), trimmed([end_year, end_month, end_day])] }));
    }
    if let Some(month_end) = month_end {
        let end_year = year_end.flatten().unwrap_or(year);
        return Ok(json!({ "date-parts": [trimmed([year, month, 0]), trimmed([end_year, month_end, 0])] }));
    }
    Ok(with_end([year, month, day]))
}

/// A year, or a range of years: the end is `Some(None)` when open
/// (`1987--`).
fn year_range(text: &str) -> Option<(i64, Option<Option<i64>>)> {
    if let Some(year) = year_number(text) {
        return Some((year, None));
    }
    let at = text.char_indices().skip(1).find(|(_, c)| matches!(c, '-' | '–' | '—' | '/'))?.0;
    let start = year_number(text[..at].trim())?;
    let rest = text[at..].trim_start_matches(['-', '–', '—', '/']).trim();
    if rest.is_empty() {
        return Some((start, Some(None)));
    }
    Some((start, Some(Some(year_number(rest)?))))
}

/// A month and a day in one field, either way round (`October 10`,
/// `10~oct`).
fn month_and_day(text: &str) -> Option<(i64, &str)> {
    let (a, b) = text.split_once(|c: char| c.is_whitespace() || c == '\u{a0}')?;
    let b = b.trim();
    let is_day = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    match (month_number(a), month_number(b)) {
        (Some(month), _) if is_day(b) => Some((month, b)),
        (_, Some(month)) if is_day(a) => Some((month, a)),
        _ => None,
    }
}

/// A month, or a range of months (`April-May`, `jun--aug`).
fn month_range(text: &str) -> Option<(i64, Option<i64>)> {
    if let Some(month) = month_number(text) {
        return Some((month, None));
    }
    let (start, end) = text.split_once(['-', '–', '—', '/'])?;
    let end = end.trim_start_matches(['-', '–', '—', '/']);
    Some((month_number(start)?, Some(month_number(end)?)))
}

fn year_number(text: &str) -> Option<i64> {
    // `--44`, `–44`: a year before the common era written with a dash.
    let (negative, digits) = match text.strip_prefix(['-', '–', '—']) {
        Some(rest) => (true, rest.trim_start_matches(['-', '–', '—'])),
        None => (false, text),
    };
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some(if negative { -n } else { n })
}

pub(crate) fn month_number(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('.');
    if let Ok(n) = text.parse::<i64>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = text.to_lowercase();
    // Seasons, as ISO 8601-2 numbers them.
    match lower.as_str() {
        "spring" => return Some(21),
        "summer" => return Some(22),
        "autumn" | "fall" => return Some(23),
        "winter" => return Some(24),
        _ => {}
    }
    if lower.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| m.starts_with(&lower)).map(|i| i as i64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        let cases = [
            ("2004-10-27", json!({"date-parts": [[2004, 10, 27]]})),
            ("1991-03", json!({"date-parts": [[1991, 3]]})),
            ("1984/1986", json!({"date-parts": [[1984], [1986]]})),
            ("1968-05-19/1968-05-25", json!({"date-parts": [[1968, 5, 19], [1968, 5, 25]]})),
            ("1988/", json!({"date-parts": [[1988], [0]]})),
            ("2020-01-01/..", json!({"date-parts": [[2020, 1, 1], [0]]})),
            ("1950~", json!({"date-parts": [[1950]], "circa": true})),
            ("2020?", json!({"date-parts": [[2020]]})),
            ("2020-21", json!({"date-parts": [[2020, 21]]})),
            ("-0044-03-15", json!({"date-parts": [[-45, 3, 15]]})),
            ("2020-05-17T10:00:00", json!({"date-parts": [[2020, 5, 17]]})),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_iso(input), Ok(expected), "{input}");
        }
        for bad in ["2020-13", "2020-02-30", "May 2020", "../1990", "2020-1-1-1"] {
            let Partial { kept, part, why } = parse_iso(bad).expect_err(bad);
            assert_eq!((kept, part), (json!({"literal": bad}), ""));
            assert!(why.ends_with("it is kept as written"), "{why}");
        }
    }

    #[test]
    fn bibtex_date_fields() {
        let none = [None, None, None];
        assert_eq!(parse_parts("2020", Some("jan"), None, none), Ok(json!({"date-parts": [[2020, 1]]})));
        assert_eq!(parse_parts("2020", Some("May"), Some("3"), none), Ok(json!({"date-parts": [[2020, 5, 3]]})));
        assert_eq!(parse_parts("2020", Some("September"), None, none), Ok(json!({"date-parts": [[2020, 9]]})));
        assert_eq!(parse_parts("c. 1900", None, None, none), Ok(json!({"literal": "c. 1900"})));
        assert_eq!(parse_parts("--44", None, None, none), Ok(json!({"date-parts": [[-44]]})));
        assert_eq!(
            parse_parts("1885", None, None, [Some("1888"), None, None]),
            Ok(json!({"date-parts": [[1885], [1888]]}))
        );
        assert_eq!(parse_parts("1984--1986", None, None, none), Ok(json!({"date-parts": [[1984], [1986]]})));
        assert_eq!(parse_parts("1987–", None, None, none), Ok(json!({"date-parts": [[1987], [0]]})));
        assert_eq!(
            parse_parts("1986", Some("April–May"), None, none),
            Ok(json!({"date-parts": [[1986, 4], [1986, 5]]}))
        );
        assert_eq!(parse_parts("1985", Some("Fall"), None, none), Ok(json!({"date-parts": [[1985, 23]]})));
        assert_eq!(parse_parts("1988", Some("October 10"), None, none), Ok(json!({"date-parts": [[1988, 10, 10]]})));
        assert_eq!(parse_parts("1988", Some("10\u{a0}Oct"), None, none), Ok(json!({"date-parts": [[1988, 10, 10]]})));
        assert_eq!(
            parse_parts("1987", Some("6"), Some("8--9"), none),
            Ok(json!({"date-parts": [[1987, 6, 8], [1987, 6, 9]]}))
        );
        assert_eq!(
            parse_parts("2020", Some("13"), None, none),
            Err(partial(
                json!({"date-parts": [[2020]]}),
                "month",
                "`13` is not a month (write 1-12, jan-dec or a season); the year is kept".into()
            ))
        );
        let bad_day = parse_parts("2020", Some("jan"), Some("32"), none).expect_err("day 32");
        assert_eq!((bad_day.kept, bad_day.part), (json!({"date-parts": [[2020, 1]]}), "day"));
    }
}
