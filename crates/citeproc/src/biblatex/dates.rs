//! Dates: biblatex's ISO 8601-2 `date` fields (`2004-10-27`, `1984/1986`,
//! `1988/`, `1950~`, seasons `2020-21`, years before the common era) and
//! BibTeX's `year`/`month`/`day`, as CSL-JSON `date-parts`. What cannot be
//! read as a date is kept as a `literal`, never dropped.

use serde_json::{Value, json};

/// One end of a range: year, month (21–24 are the seasons), day; 0 where
/// missing.
type Parts = [i64; 3];

/// Reads a biblatex date field. `Err` carries the literal date and why it
/// is not a date.
pub(crate) fn parse_iso(raw: &str) -> Result<Value, (Value, String)> {
    let text = raw.trim();
    let literal = || json!({ "literal": text });
    let (start, end) = match text.split_once('/') {
        Some((start, end)) => (start.trim(), Some(end.trim())),
        None => (text, None),
    };
    let mut circa = false;
    let start = match one_end(start, &mut circa) {
        Ok(Some(parts)) => parts,
        Ok(None) => return Err((literal(), format!("`{text}` has no start (an open start cannot be written in CSL)"))),
        Err(why) => return Err((literal(), why)),
    };
    let mut ranges = vec![trimmed(start)];
    match end.map(|end| one_end(end, &mut circa)) {
        None => {}
        // `1988/` or `1988/..`: an open range, as CSL-JSON writes one.
        Some(Ok(None)) => ranges.push(json!([0])),
        Some(Ok(Some(end))) => ranges.push(trimmed(end)),
        Some(Err(why)) => return Err((literal(), why)),
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
/// `endyear`…). A year that is not a number is kept as a literal; a month
/// may be a number or an English name, whole or cut to three letters.
pub(crate) fn parse_parts(
    year: &str,
    month: Option<&str>,
    day: Option<&str>,
    end: [Option<&str>; 3],
) -> Result<Value, (Value, String)> {
    let year_text = year.trim();
    let literal = || json!({ "literal": year_text });
    let Some(year) = year_number(year_text) else {
        return if year_text.is_empty() {
            Err((Value::Null, "the year is empty".to_string()))
        } else {
            // `c. 1900`, `2020a`, `forthcoming`: printed as written, which
            // is what the author meant; not a problem worth a warning.
            Ok(literal())
        };
    };
    let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => 0,
        Some(m) => match month_number(m) {
            Some(n) => n,
            None => return Err((literal(), format!("`{m}` is not a month (write 1-12 or jan-dec)"))),
        },
    };
    let day = match day.map(str::trim).filter(|d| !d.is_empty()) {
        None => 0,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if month > 0 && (1..=days_in(month)).contains(&n) => n,
            _ => return Err((trimmed_json([year, month, 0]), format!("`{d}` is not a day"))),
        },
    };
    let mut ranges = vec![trimmed([year, month, day])];
    if let Some(end_year) = end[0].and_then(|y| year_number(y.trim())) {
        let end_month = end[1].and_then(month_number).unwrap_or(0);
        let end_day = end[2].and_then(|d| d.trim().parse().ok()).filter(|_| end_month > 0).unwrap_or(0);
        ranges.push(trimmed([end_year, end_month, end_day]));
    }
    Ok(json!({ "date-parts": ranges }))
}

fn trimmed_json(parts: Parts) -> Value {
    json!({ "date-parts": [trimmed(parts)] })
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
            let (literal, why) = parse_iso(bad).expect_err(bad);
            assert_eq!(literal, json!({"literal": bad}));
            assert!(!why.is_empty());
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
        assert!(parse_parts("2020", Some("13"), None, none).is_err());
        assert!(parse_parts("2020", Some("jan"), Some("32"), none).is_err());
    }
}
