//! The style's bibliography order, computed once per work.
//!
//! hayagriva sorts by rendering the sort macros of both entries and building
//! a collator for every single comparison; a scope of twenty works cost
//! milliseconds. Here each work's sort keys are rendered once (from a style
//! reduced to its sort keys, and specialized like references are), then
//! compared with one collator.

use hayagriva::citationberg::taxonomy::{DateVariable, NameVariable, NumberVariable, Variable};
use hayagriva::citationberg::{IndependentStyle, LocaleCode, SortDirection, SortKey, Text, TextTarget};
use hayagriva::{BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, Entry};
use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};
use regex::Regex;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use super::specialize::{Probes, Specializer};
use super::write::Writer;

/// Starts a key in the rendered key string: `MARK` index `END` value.
use crate::marks::{SORT_END as END, SORT_MARK as MARK};

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A macro or a text variable: compared as lowercase text by collation.
    Text,
    /// A number variable: numerically when both are numbers.
    Number,
    Date(DateVariable),
    Names(NameVariable),
    /// The citation number: the order of first citation.
    CitationNumber,
}

/// A work's value for one key.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Date(Option<(i32, u8, u8)>),
    Names(Vec<(String, String)>),
    Number(Option<f64>, String),
    CitationNumber,
}

/// A work's sort keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keys(Vec<Value>);

/// Computes and compares sort keys for one style.
pub struct Sorter {
    keys: Vec<(Kind, bool)>,
    rendered: Specializer,
    collator: Option<CollatorBorrowed<'static>>,
}

impl Sorter {
    /// `None` when the style's bibliography does not sort.
    /// `xml` is the style written as XML.
    pub fn new(style: &IndependentStyle, xml: &str, locale: &LocaleCode, probes: Arc<Probes>) -> Option<Sorter> {
        let sort = style.bibliography.as_ref()?.sort.as_ref()?;
        let macros = macro_bodies(xml);
        let mut keys = Vec::new();
        let mut layout = String::new();
        let mut names_options = String::new();
        for (i, key) in sort.keys.iter().enumerate() {
            let descending = key.sort_direction() == SortDirection::Descending;
            let marker = format!(r#"<text value="{MARK}{i}{END}"/>"#);
            let kind = match key {
                SortKey::MacroName { name, names_min, names_use_first, names_use_last, .. } => {
                    if names_options.is_empty() {
                        // The first key's names options (biblatex-style
                        // styles put them on the author key).
                        if let Some(min) = names_min {
                            names_options.push_str(&format!(r#" et-al-min="{min}" et-al-subsequent-min="{min}""#));
                        }
                        if let Some(first) = names_use_first {
                            names_options.push_str(&format!(
                                r#" et-al-use-first="{first}" et-al-subsequent-use-first="{first}""#
                            ));
                        }
                        if let Some(last) = names_use_last {
                            names_options.push_str(&format!(r#" et-al-use-last="{last}""#));
                        }
                    }
                    // hayagriva renders a sort macro's children in place.
                    layout.push_str(&marker);
                    layout.push_str(macros.get(name.as_str()).map_or("", String::as_str));
                    Kind::Text
                }
                SortKey::Variable { variable: Variable::Date(d), .. } => Kind::Date(*d),
                SortKey::Variable { variable: Variable::Name(n), .. } => Kind::Names(*n),
                SortKey::Variable { variable: Variable::Number(NumberVariable::CitationNumber), .. } => {
                    Kind::CitationNumber
                }
                SortKey::Variable { variable, .. } => {
                    layout.push_str(&marker);
                    let text = Text::with_target(*variable);
                    let name = match text.target {
                        TextTarget::Variable { var, .. } => var.to_string(),
                        _ => String::new(),
                    };
                    layout.push_str(&format!(r#"<text variable="{name}"/>"#));
                    if matches!(variable, Variable::Number(_) | Variable::Page(_)) { Kind::Number } else { Kind::Text }
                }
            };
            keys.push((kind, descending));
        }
        let xml = as_when_sorting(xml);
        let start = xml.find("<bibliography")?;
        let end = xml.find("</bibliography>")? + "</bibliography>".len();
        let reduced = format!(
            "{}<bibliography{names_options}><layout>{layout}</layout></bibliography>{}",
            &xml[..start],
            &xml[end..]
        );
        // The citation is rendered too, for nothing: make it cost nothing.
        let cite_start = reduced.find("<citation>").or_else(|| reduced.find("<citation "))?;
        let cite_end = reduced[cite_start..].find("</citation>")? + cite_start;
        let reduced = format!(
            r#"{}<citation><layout><text value="x"/></layout>{}"#,
            &reduced[..cite_start],
            &reduced[cite_end..]
        );
        let reduced = IndependentStyle::from_xml(&reduced).ok()?;
        let collator = locale
            .0
            .parse::<icu_locale::Locale>()
            .ok()
            .and_then(|l| Collator::try_new(l.into(), CollatorOptions::default()).ok());
        Some(Sorter { keys, rendered: Specializer::new(reduced, probes), collator })
    }

    /// The keys of one work.
    pub fn keys(&self, entry: &Entry, locale: &LocaleCode, locale_files: &[hayagriva::citationberg::Locale]) -> Keys {
        let style = self.rendered.for_entry(entry);
        let mut item = CitationItem::with_entry(entry);
        item.locale = Some(locale.clone());
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::new(vec![item], &style, Some(locale.clone()), locale_files, None));
        let rendered = driver.finish(BibliographyRequest::new(&style, Some(locale.clone()), locale_files));
        let text = rendered
            .bibliography
            .and_then(|b| b.items.into_iter().next())
            .map(|item| Writer::default().plain(&item.content))
            .unwrap_or_default();
        if std::env::var_os("SCHOLAR_DEBUG_SORT").is_some() {
            eprintln!("{text:?}");
        }
        // The rendered text is MARK index END value, for each key.
        let mut rendered_keys: Vec<Option<String>> = vec![None; self.keys.len()];
        for part in text.split(MARK).skip(1) {
            if let Some((index, value)) = part.split_once(END)
                && let Ok(i) = index.parse::<usize>()
                && let Some(slot) = rendered_keys.get_mut(i)
            {
                *slot = Some(value.trim().to_lowercase());
            }
        }
        Keys(
            self.keys
                .iter()
                .zip(rendered_keys)
                .map(|((kind, _), text)| match kind {
                    Kind::Text => Value::Text(text.unwrap_or_default()),
                    Kind::Number => {
                        let text = text.unwrap_or_default();
                        Value::Number(text.parse().ok(), text)
                    }
                    Kind::Date(variable) => Value::Date(date(entry, *variable)),
                    Kind::Names(variable) => Value::Names(names(entry, *variable)),
                    Kind::CitationNumber => Value::CitationNumber,
                })
                .collect(),
        )
    }

    /// Compares two works (`a_index` and `b_index` are their order of first
    /// citation). Empty values go last whatever the direction, as CSL says.
    pub fn compare(&self, a: &Keys, a_index: usize, b: &Keys, b_index: usize) -> Ordering {
        for (i, (_, descending)) in self.keys.iter().enumerate() {
            let (Some(x), Some(y)) = (a.0.get(i), b.0.get(i)) else { continue };
            let (ordering, empty) = match (x, y) {
                (Value::Text(x), Value::Text(y)) => match (x.is_empty(), y.is_empty()) {
                    (false, false) => (self.collate(x, y), false),
                    (true, true) => (Ordering::Equal, true),
                    (true, false) => (Ordering::Greater, true),
                    (false, true) => (Ordering::Less, true),
                },
                (Value::Number(xn, xs), Value::Number(yn, ys)) => match (xn, yn, xs.is_empty(), ys.is_empty()) {
                    (Some(x), Some(y), _, _) => (x.total_cmp(y), false),
                    (_, _, false, false) => (self.collate(xs, ys), false),
                    (_, _, true, true) => (Ordering::Equal, true),
                    (_, _, true, false) => (Ordering::Greater, true),
                    (_, _, false, true) => (Ordering::Less, true),
                },
                (Value::Date(x), Value::Date(y)) => match (x, y) {
                    (Some(x), Some(y)) => (x.cmp(y), false),
                    (None, None) => (Ordering::Equal, true),
                    (None, Some(_)) => (Ordering::Greater, true),
                    (Some(_), None) => (Ordering::Less, true),
                },
                (Value::Names(x), Value::Names(y)) => {
                    let mut ordering = Ordering::Equal;
                    for (p, q) in x.iter().zip(y) {
                        ordering = self.collate(&p.0, &q.0).then_with(|| self.collate(&p.1, &q.1));
                        if ordering != Ordering::Equal {
                            break;
                        }
                    }
                    (ordering.then(x.len().cmp(&y.len())), false)
                }
                (Value::CitationNumber, Value::CitationNumber) => (a_index.cmp(&b_index), false),
                _ => (Ordering::Equal, false),
            };
            let ordering = if *descending && !empty { ordering.reverse() } else { ordering };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }

    fn collate(&self, a: &str, b: &str) -> Ordering {
        match &self.collator {
            Some(collator) => collator.compare(a, b),
            None => a.cmp(b),
        }
    }
}

/// The inner XML of every `<macro name="…">`.
pub(super) fn macro_bodies(xml: &str) -> HashMap<String, String> {
    static MACRO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?s)<macro name="([^"]*)">(.*?)</macro>"#).expect("valid regex"));
    MACRO.captures_iter(xml).map(|c| (c[1].to_string(), c[2].to_string())).collect()
}

/// The style rendering as hayagriva's sorting does: dates as sortable
/// numbers (year, then two-digit month and day, for the parts the date
/// shows) and names family first.
fn as_when_sorting(xml: &str) -> String {
    static DATE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?s)<date\b([^>]*?)(?:/>|>(.*?)</date>)"#).expect("valid regex"));
    static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"([\w-]+)="([^"]*)""#).expect("valid regex"));
    static PART: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"<date-part\b[^>]*name="(\w+)""#).expect("valid regex"));
    static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"<name\b([^>]*?)(/?)>"#).expect("valid regex"));
    let xml = DATE.replace_all(xml, |c: &regex::Captures| {
        let attributes: HashMap<&str, &str> = ATTRIBUTE
            .captures_iter(c.get(1).map_or("", |m| m.as_str()))
            .map(|a| (a.get(1).map_or("", |m| m.as_str()), a.get(2).map_or("", |m| m.as_str())))
            .collect();
        let Some(variable) = attributes.get("variable") else { return c[0].to_string() };
        let (month, day) = if attributes.contains_key("form") {
            match attributes.get("date-parts").copied() {
                Some("year") => (false, false),
                Some("year-month") => (true, false),
                _ => (true, true),
            }
        } else {
            let parts: Vec<String> =
                PART.captures_iter(c.get(2).map_or("", |m| m.as_str())).map(|p| p[1].to_string()).collect();
            (parts.iter().any(|p| p == "month"), parts.iter().any(|p| p == "day"))
        };
        let mut out = format!(r#"<date variable="{variable}" delimiter=""><date-part name="year"/>"#);
        if month {
            out.push_str(r#"<date-part name="month" form="numeric-leading-zeros"/>"#);
        }
        if day {
            out.push_str(r#"<date-part name="day" form="numeric-leading-zeros"/>"#);
        }
        out.push_str("</date>");
        out
    });
    NAME.replace_all(&xml, |c: &regex::Captures| {
        let attributes = c.get(1).map_or("", |m| m.as_str());
        let kept: String = ATTRIBUTE
            .captures_iter(attributes)
            .filter(|a| &a[1] != "name-as-sort-order")
            .map(|a| format!(r#" {}="{}""#, &a[1], &a[2]))
            .collect();
        format!(r#"<name{kept} name-as-sort-order="all"{}>"#, &c[2])
    })
    .into_owned()
}

fn date(entry: &Entry, variable: DateVariable) -> Option<(i32, u8, u8)> {
    let date = match variable {
        DateVariable::Issued => entry.date_any(),
        DateVariable::Accessed => entry.url_any().and_then(|u| u.visit_date.as_ref()),
        _ => None,
    }?;
    Some((date.year, date.month.map_or(0, |m| m + 1), date.day.map_or(0, |d| d + 1)))
}

fn names(entry: &Entry, variable: NameVariable) -> Vec<(String, String)> {
    let people = match variable {
        NameVariable::Author => entry.authors(),
        NameVariable::Editor => entry.editors(),
        _ => None,
    };
    people
        .unwrap_or_default()
        .iter()
        .map(|p| (p.name.to_lowercase(), p.given_name.as_deref().unwrap_or_default().to_lowercase()))
        .collect()
}
