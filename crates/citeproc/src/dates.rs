//! `cs:date`: localized and style-defined date formats, ranges, seasons,
//! and sortable keys.

use crate::item::DateValue;
use crate::numbers;
use crate::output::{self, Piece, Run};
use crate::render::{Called, Ctx, Mode, Rendered};
use citationberg::taxonomy::{OtherTerm, Term};
use citationberg::{
    Affixes, DateDayForm, DateMonthForm, DatePart, DatePartName, DateStrongAnyForm, Formatting, LongShortForm,
    TermForm, TextCase,
};

/// A date part with the style's overrides applied.
#[derive(Clone)]
struct Part {
    name: DatePartName,
    form: DateStrongAnyForm,
    range_delimiter: String,
    formatting: Formatting,
    affixes: Affixes,
    strip_periods: bool,
    text_case: Option<TextCase>,
}

impl Part {
    fn of(part: &DatePart) -> Part {
        Part {
            name: part.name,
            form: part.form(),
            range_delimiter: part.range_delimiter.clone().unwrap_or_else(|| DatePart::DEFAULT_DELIMITER.into()),
            formatting: part.formatting,
            affixes: part.affixes.clone(),
            strip_periods: part.strip_periods,
            text_case: part.text_case,
        }
    }
}

/// A sortable key: `YYYYMMDD`, and the range's end after it behind a `|`
/// (the collation compares runs of digits as numbers, so the end must not
/// run on from the start).
pub fn sort_key(date: &DateValue) -> String {
    let one = |p: [i32; 3]| format!("{:05}{:02}{:02}", p[0] + 10000, p[1].clamp(0, 99), p[2].clamp(0, 99));
    match (&date.literal, date.has_year()) {
        (Some(literal), false) => literal.clone(),
        _ => match date.end {
            Some(end) => format!("{}|{}", one(date.start), one(end)),
            None => one(date.start),
        },
    }
}

/// Renders a `cs:date`.
pub fn render(ctx: &Ctx, date: &citationberg::Date) -> Rendered {
    let Some(variable) = date.variable else { return (Run::new(), Called::Nothing) };
    let key = crate::render::name_of(variable);
    if ctx.suppressed.borrow().contains(key) {
        return (Run::new(), Called::Empty);
    }
    let Some(value) = ctx.item.dates.get(key) else { return (Run::new(), Called::Empty) };
    ctx.note_rendered(key);
    if ctx.mode == Mode::Sort {
        // A macro's date sorts by the parts it prints (a year-only date by
        // its year), as citeproc-js sorts.
        let (month, day) = match date.form {
            Some(_) => {
                let parts = date.parts.unwrap_or_default();
                (parts.has_month(), parts.has_day())
            }
            None => (
                date.date_part.iter().any(|p| p.name == DatePartName::Month),
                date.date_part.iter().any(|p| p.name == DatePartName::Day),
            ),
        };
        let keep = |mut p: [i32; 3]| {
            if !month {
                p[1] = 0;
            }
            if !day {
                p[2] = 0;
            }
            p
        };
        let shown = DateValue { start: keep(value.start), end: value.end.map(keep), ..value.clone() };
        return (vec![Piece::text(sort_key(&shown))], Called::Something);
    }
    if let Some(literal) = value.literal.as_ref().filter(|_| !value.has_year()) {
        let mut run = crate::text::rich(literal, ctx.shared.marks);
        ctx.finish(&mut run, false, date.text_case, false, &date.formatting, &date.affixes, date.display);
        return (run, Called::Something);
    }

    // 1. The parts and their order: the locale's format with the style's
    //    overrides, or the style's own parts.
    let (parts, delimiter) = match date.form {
        Some(form) => {
            let wanted = date.parts.unwrap_or_default();
            let Some(format) = ctx.shared.terms.date_format(form) else { return (Run::new(), Called::Empty) };
            let parts: Vec<Part> = format
                .date_part
                .iter()
                .filter(|p| match p.name {
                    DatePartName::Year => true,
                    DatePartName::Month => wanted.has_month(),
                    DatePartName::Day => wanted.has_day(),
                })
                .map(|locale_part| {
                    let mut part = Part::of(locale_part);
                    if let Some(over) = date.date_part.iter().find(|p| p.name == locale_part.name) {
                        let over_part = Part::of(over);
                        part.form = over_part.form;
                        if over.range_delimiter.is_some() {
                            part.range_delimiter = over_part.range_delimiter;
                        }
                        part.formatting = over.formatting.apply(part.formatting);
                        part.strip_periods |= over.strip_periods;
                        part.text_case = over.text_case.or(part.text_case);
                        if over.affixes.prefix.is_some() {
                            part.affixes.prefix = over.affixes.prefix.clone();
                        }
                        if over.affixes.suffix.is_some() {
                            part.affixes.suffix = over.affixes.suffix.clone();
                        }
                    }
                    part
                })
                .collect();
            (parts, format.delimiter.clone().unwrap_or_default())
        }
        None => (date.date_part.iter().map(Part::of).collect(), date.delimiter.clone().unwrap_or_default()),
    };

    // 2. A single date, or a range with its shared parts printed once.
    let mut run = match value.end {
        None => render_parts(ctx, &parts, value.start, value, &delimiter, (false, false)),
        Some(end) => {
            let level = if end[0] != value.start[0] {
                0
            } else if end[1] != value.start[1] {
                1
            } else {
                2
            };
            let differs = |p: &Part| match p.name {
                DatePartName::Year => level == 0,
                DatePartName::Month => level <= 1,
                DatePartName::Day => true,
            };
            let shown: Vec<&Part> = parts.iter().collect();
            let first = shown.iter().position(|p| differs(p));
            let last = shown.iter().rposition(|p| differs(p));
            match (first, last) {
                (Some(first), Some(last)) if level > 0 || (first == 0 && last + 1 == shown.len()) => {
                    let before: Vec<Part> = parts[..first].to_vec();
                    let middle: Vec<Part> = parts[first..=last].to_vec();
                    let after: Vec<Part> = parts[last + 1..].to_vec();
                    let range_delimiter = middle
                        .iter()
                        .find(|p| match level {
                            0 => p.name == DatePartName::Year,
                            1 => p.name == DatePartName::Month,
                            _ => p.name == DatePartName::Day,
                        })
                        .map(|p| p.range_delimiter.clone())
                        .unwrap_or_else(|| "–".into());
                    let mut run = render_parts(ctx, &before, value.start, value, &delimiter, (false, false));
                    if !before.is_empty() && !delimiter.is_empty() {
                        run.push(Piece::text(delimiter.clone()));
                    }
                    let printed = ctx.printed_year_suffix.replace(true);
                    run.extend(render_parts(ctx, &middle, value.start, value, &delimiter, (false, true)));
                    ctx.printed_year_suffix.replace(printed);
                    run.push(Piece::text(range_delimiter));
                    // The end keeps its last suffix (`(1986–2009)` from a
                    // year's `(` and `)`).
                    let mut end_run = render_parts(ctx, &middle, end, value, &delimiter, (true, false));
                    wrap_first_range(ctx, &mut end_run);
                    run.extend(end_run);
                    if !after.is_empty() {
                        if !delimiter.is_empty() {
                            run.push(Piece::text(delimiter.clone()));
                        }
                        run.extend(render_parts(ctx, &after, value.start, value, &delimiter, (false, false)));
                    }
                    run
                }
                // The parts that differ are not printed (a year-only date of
                // a range within one year): one date.
                (None, _) | (_, None) => render_parts(ctx, &parts, value.start, value, &delimiter, (false, false)),
                _ => {
                    // The year suffix follows the range's last year.
                    let printed = ctx.printed_year_suffix.replace(true);
                    let mut run = render_parts(ctx, &parts, value.start, value, &delimiter, (false, true));
                    ctx.printed_year_suffix.replace(printed);
                    let range_delimiter = parts
                        .iter()
                        .find(|p| p.name == DatePartName::Year)
                        .map(|p| p.range_delimiter.clone())
                        .unwrap_or_else(|| "–".into());
                    run.push(Piece::text(range_delimiter));
                    run.extend(render_parts(ctx, &parts, end, value, &delimiter, (true, false)));
                    run
                }
            }
        }
    };
    ctx.finish(&mut run, false, date.text_case, false, &date.formatting, &date.affixes, date.display);
    (run, Called::Something)
}

/// citeproc-js renders the end of the first date range in a queue left over
/// from building the style, which still holds the last `cs:date` it built:
/// that end is wrapped in that date's affixes a second time (` (2019–
/// (2020).).` in Cell's bibliography), once in the processor's life. When a
/// citation renders a date, citeproc-js's first range is one of its unseen
/// disambiguation renderings; otherwise it is the bibliography's first. The
/// spec has a date's affixes once, around the whole range.
fn wrap_first_range(ctx: &Ctx, end: &mut Run) {
    use std::sync::atomic::Ordering;
    if let Some(affixes) = ctx.shared.range_wrap
        && ctx.mode == Mode::Bibliography
        && !ctx.shared.range_wrapped.swap(true, Ordering::Relaxed)
    {
        output::affix(end, affixes.prefix.as_deref(), affixes.suffix.as_deref());
    }
}

/// Renders parts of one date; `trim` drops the first part's prefix and the
/// last part's suffix where they meet a range delimiter.
fn render_parts(
    ctx: &Ctx,
    parts: &[Part],
    value: [i32; 3],
    date: &DateValue,
    delimiter: &str,
    trim: (bool, bool),
) -> Run {
    let mut runs = Vec::new();
    // Only printed parts count: the first and last that print meet the
    // range delimiter.
    let printed: Vec<(&Part, Run)> = parts
        .iter()
        .map(|part| (part, part_text(ctx, part, value, date)))
        .filter(|(_, run)| !output::is_empty(run))
        .collect();
    let count = printed.len();
    for (i, (part, mut run)) in printed.into_iter().enumerate() {
        if let Some(case) = part.text_case {
            crate::text::apply_case(&mut run, case, true);
        }
        if part.strip_periods {
            for piece in run.iter_mut() {
                crate::text::strip_periods(&mut piece.text);
            }
        }
        output::format(&mut run, &part.formatting);
        let prefix = if trim.0 && i == 0 { None } else { part.affixes.prefix.as_deref() };
        let suffix = if trim.1 && i + 1 == count { None } else { part.affixes.suffix.as_deref() };
        output::affix(&mut run, prefix, suffix);
        runs.push(run);
    }
    output::join(runs, delimiter)
}

fn part_text(ctx: &Ctx, part: &Part, value: [i32; 3], date: &DateValue) -> Run {
    let [year, month, day] = value;
    let text = match part.form {
        DateStrongAnyForm::Year(form) => {
            if year == 0 {
                return Run::new();
            }
            // Collapsed into the previous cite's year: only the suffix.
            let dropped = value == date.start && ctx.collapsing.borrow_mut().drop_year(year);
            let mut text = if dropped {
                String::new()
            } else if year < 0 {
                format!("{} {}", -year, ctx.term(Term::Other(OtherTerm::Bc), TermForm::Long, false).unwrap_or_default())
            } else if year < 1000 {
                format!("{year} {}", ctx.term(Term::Other(OtherTerm::Ad), TermForm::Long, false).unwrap_or_default())
            } else {
                match form {
                    LongShortForm::Long => year.to_string(),
                    LongShortForm::Short => format!("{:02}", year % 100),
                }
            };
            if !ctx.shared.explicit_year_suffix
                && ctx.mode != Mode::Sort
                && !*ctx.printed_year_suffix.borrow()
                && let Some(suffix) = &ctx.disamb.year_suffix
            {
                *ctx.printed_year_suffix.borrow_mut() = true;
                if ctx.collapsing.borrow().year_suffix {
                    let mut run = vec![Piece::text(text)];
                    let mut suffix = vec![Piece::text(suffix.clone())];
                    output::tag(&mut suffix, output::Tag::YearSuffixStart, output::Tag::YearSuffixEnd);
                    run.extend(suffix);
                    run.retain(|p| p.kind != output::Kind::Text || !p.text.is_empty());
                    return run;
                }
                text.push_str(suffix);
            }
            if text.is_empty() {
                return Run::new();
            }
            text
        }
        DateStrongAnyForm::Month(form) => {
            let season = if (13..=16).contains(&month) {
                Some((month - 12) as u8)
            } else if (21..=24).contains(&month) {
                // CSL-JSON's season months.
                Some((month - 20) as u8)
            } else if month == 0 {
                date.season.as_deref().and_then(|s| s.parse::<u8>().ok()).filter(|s| (1..=4).contains(s))
            } else {
                None
            };
            if let Some(season) = season {
                let term = citationberg::taxonomy::Season::try_from_csl_number(season).ok().map(OtherTerm::season);
                return match term.and_then(|t| ctx.term(Term::Other(t), TermForm::Long, false)) {
                    Some(text) => vec![Piece::text(text)],
                    None => Run::new(),
                };
            }
            if month == 0 {
                if let Some(season) = date.season.as_ref().filter(|s| s.parse::<u8>().is_err()) {
                    return vec![Piece::text(season.clone())];
                }
                return Run::new();
            }
            if !(1..=12).contains(&month) {
                return Run::new();
            }
            match form {
                DateMonthForm::Numeric => month.to_string(),
                DateMonthForm::NumericLeadingZeros => format!("{month:02}"),
                DateMonthForm::Long | DateMonthForm::Short => {
                    let term = OtherTerm::month((month - 1) as u8).map(Term::Other);
                    let term_form = if form == DateMonthForm::Short { TermForm::Short } else { TermForm::Long };
                    match term.and_then(|t| ctx.term(t, term_form, false)) {
                        Some(text) => text,
                        None => return Run::new(),
                    }
                }
            }
        }
        DateStrongAnyForm::Day(form) => {
            if day == 0 || month == 0 {
                return Run::new();
            }
            match form {
                DateDayForm::Numeric => day.to_string(),
                DateDayForm::NumericLeadingZeros => format!("{day:02}"),
                DateDayForm::Ordinal => {
                    if ctx.shared.terms.limit_day_ordinals_to_day_1 && day != 1 {
                        day.to_string()
                    } else {
                        let gender = OtherTerm::month((month.clamp(1, 12) - 1) as u8).map(Term::Other);
                        numbers::ordinal(ctx, day as i64, false, gender)
                    }
                }
            }
        }
    };
    vec![Piece::text(text)]
}

#[cfg(test)]
mod tests {
    use crate::engine::testing::bibliography;
    use serde_json::json;

    #[test]
    fn ranges_keep_the_end_suffix_and_wrap_the_first_range_once() {
        let range =
            |id: &str, from: i32, to: i32| json!({"id": id, "type": "book", "issued": {"date-parts": [[from], [to]]}});
        // (date element, citation layout, entries as citeproc-js prints them)
        let cases = [
            (
                r#"<date variable="issued"><date-part name="year" prefix="(" suffix=")"/></date>"#,
                "",
                ["(1986–2009)", "(1990–2000)"],
            ),
            // No citation renders a date: the first range in the bibliography
            // is wrapped in the last date's affixes a second time.
            (
                r#"<date variable="issued" prefix=" (" suffix=")."><date-part name="year"/></date>"#,
                "",
                [" (1986– (2009).).", " (1990–2000)."],
            ),
            (
                r#"<date variable="issued" prefix=" (" suffix=")."><date-part name="year"/></date>"#,
                r#"<date variable="issued"><date-part name="year"/></date>"#,
                [" (1986–2009).", " (1990–2000)."],
            ),
        ];
        for (layout, citation, want) in cases {
            let got = bibliography("", citation, layout, json!([range("a", 1986, 2009), range("b", 1990, 2000)]));
            assert_eq!(got, want, "{layout}");
        }
    }
}
