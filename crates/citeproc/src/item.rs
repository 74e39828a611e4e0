//! CSL-JSON items, read into the shapes the renderer asks for: ordinary and
//! number variables as strings, names as name records, dates as parts.
//!
//! Reading is lenient where CSL-JSON in the wild is: numbers may be JSON
//! numbers or strings, a date may be `date-parts`, `raw` or `literal`, and an
//! empty `{"date-parts": []}` is simply no date.

pub use crate::fast_hash::FastMap;
use serde_json::Value;

/// One work, as CSL-JSON describes it.
#[derive(Debug, Clone, Default)]
pub struct Item {
    /// The item's `id`.
    pub id: String,
    /// The CSL type (`article-journal`, `book`, …).
    pub kind: String,
    /// Ordinary and number variables, by CSL name.
    pub strings: FastMap<String, String>,
    /// Name variables, by CSL name.
    pub names: FastMap<String, Vec<Name>>,
    /// Date variables, by CSL name.
    pub dates: FastMap<String, DateValue>,
}

/// A person or an institution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Name {
    /// Family name.
    pub family: String,
    /// Given names.
    pub given: String,
    /// `van` in `Ludwig van Beethoven`: dropped when sorting by family name.
    pub dropping_particle: String,
    /// `de` in `Gerard de Vries`: kept with the family name.
    pub non_dropping_particle: String,
    /// `Jr.`, `III`.
    pub suffix: String,
    /// Whether a comma precedes the suffix (`Jr.`) in display order.
    pub comma_suffix: bool,
    /// An institution or any name printed as written.
    pub literal: String,
    /// Family name before the given name even in a Western name.
    pub static_ordering: bool,
}

impl Name {
    /// Whether the name is written in a script that puts the family name first
    /// without a space (Chinese, Japanese, Korean).
    pub fn is_cjk(&self) -> bool {
        let cjk = |s: &str| s.chars().any(is_cjk_char);
        !self.family.is_empty() && (cjk(&self.family) || cjk(&self.given))
    }

    /// Whether nothing but a literal is known.
    pub fn is_literal(&self) -> bool {
        self.family.is_empty() && self.given.is_empty()
    }
}

/// Han, kana and hangul characters.
pub fn is_cjk_char(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// A date: one day, month or year, or a range of two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DateValue {
    /// Year, month, day; 0 where missing. Month 13–16 are the seasons.
    pub start: [i32; 3],
    /// The end of a range.
    pub end: Option<[i32; 3]>,
    /// A season given apart from the parts (1–4, or a word).
    pub season: Option<String>,
    /// `circa`: the date is uncertain.
    pub circa: bool,
    /// A date that could not be read as parts, printed as written.
    pub literal: Option<String>,
}

impl DateValue {
    /// Whether there is a year to print or sort by.
    pub fn has_year(&self) -> bool {
        self.start[0] != 0
    }
}

impl Item {
    /// Reads one CSL-JSON item.
    pub fn from_json(value: &Value) -> Result<Item, String> {
        let Value::Object(map) = value else {
            return Err("a CSL-JSON item must be an object".into());
        };
        let id = match map.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err("a CSL-JSON item needs an `id`".into()),
        };
        let mut item = Item {
            id,
            kind: map.get("type").and_then(Value::as_str).unwrap_or("document").to_string(),
            ..Item::default()
        };
        for (key, value) in map {
            match key.as_str() {
                "id" | "type" => {}
                _ if is_name_variable(key) => {
                    if let Value::Array(list) = value {
                        let names: Vec<Name> = list.iter().filter_map(read_name).collect();
                        if !names.is_empty() {
                            item.names.insert(key.clone(), names);
                        }
                    }
                }
                _ if is_date_variable(key) => {
                    if let Some(date) = read_date(value) {
                        item.dates.insert(key.clone(), date);
                    }
                }
                _ => {
                    // Kept as written (a space a reader left for a dropped
                    // formula prints as citeproc-js prints it).
                    let text = match value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => continue,
                    };
                    if !text.trim().is_empty() {
                        item.strings.insert(key.clone(), text);
                    }
                }
            }
        }
        // Derived variables citeproc-js also offers.
        if !item.strings.contains_key("page-first")
            && let Some(page) = item.strings.get("page")
        {
            let first: String = page.split(['-', '–', ',', '&']).next().unwrap_or("").trim().to_string();
            if !first.is_empty() {
                item.strings.insert("page-first".into(), first);
            }
        }
        Ok(item)
    }

    /// An ordinary or number variable.
    pub fn string(&self, name: &str) -> Option<&str> {
        self.strings.get(name).map(String::as_str)
    }
}

fn is_name_variable(key: &str) -> bool {
    matches!(
        key,
        "author"
            | "chair"
            | "collection-editor"
            | "compiler"
            | "composer"
            | "container-author"
            | "contributor"
            | "curator"
            | "director"
            | "editor"
            | "editorial-director"
            | "editor-translator"
            | "executive-producer"
            | "guest"
            | "host"
            | "illustrator"
            | "interviewer"
            | "narrator"
            | "organizer"
            | "original-author"
            | "performer"
            | "producer"
            | "recipient"
            | "reviewed-author"
            | "script-writer"
            | "series-creator"
            | "translator"
    )
}

fn is_date_variable(key: &str) -> bool {
    matches!(key, "accessed" | "available-date" | "event-date" | "issued" | "original-date" | "submitted")
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn read_name(value: &Value) -> Option<Name> {
    let map = value.as_object()?;
    let truthy = |key: &str| match map.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
        Some(Value::String(s)) => !s.is_empty() && s != "false" && s != "0",
        _ => false,
    };
    let mut name = Name {
        family: text_of(map.get("family")),
        given: text_of(map.get("given")),
        dropping_particle: text_of(map.get("dropping-particle")),
        non_dropping_particle: text_of(map.get("non-dropping-particle")),
        suffix: text_of(map.get("suffix")),
        comma_suffix: truthy("comma-suffix"),
        literal: text_of(map.get("literal")),
        static_ordering: truthy("static-ordering"),
    };
    if name.family.is_empty() && name.given.is_empty() && name.literal.is_empty() {
        return None;
    }
    if name.literal.is_empty() && name.family.is_empty() {
        // A lone given name prints as the name itself.
        name.literal = std::mem::take(&mut name.given);
    }
    if !name.literal.is_empty() {
        name.family.clear();
        name.given.clear();
    }
    Some(name)
}

fn number_of(value: &Value) -> Option<i32> {
    match value {
        Value::Number(n) => n.as_i64().map(|n| n as i32),
        // An empty part is a missing one (`["2000", "", ""]`).
        Value::String(s) if s.trim().is_empty() => Some(0),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn read_parts(value: &Value) -> Option<[i32; 3]> {
    let list = value.as_array()?;
    let mut parts = [0; 3];
    for (slot, part) in parts.iter_mut().zip(list) {
        *slot = number_of(part)?;
    }
    if parts[0] == 0 && parts[1] == 0 && parts[2] == 0 {
        return None;
    }
    Some(parts)
}

fn read_date(value: &Value) -> Option<DateValue> {
    let mut date = DateValue::default();
    match value {
        Value::String(raw) => return read_raw(raw),
        Value::Object(map) => {
            if let Some(Value::Array(ranges)) = map.get("date-parts") {
                let mut iter = ranges.iter().filter_map(read_parts);
                if let Some(start) = iter.next() {
                    date.start = start;
                    date.end = iter.next().filter(|end| end != &start);
                }
            }
            if !date.has_year() {
                if let Some(Value::String(raw)) = map.get("raw")
                    && let Some(read) = read_raw(raw)
                {
                    date = read;
                } else if let Some(Value::String(literal)) = map.get("literal")
                    && !literal.trim().is_empty()
                {
                    date.literal = Some(literal.trim().to_string());
                }
            }
            match map.get("season") {
                Some(Value::String(s)) if !s.is_empty() => date.season = Some(s.clone()),
                Some(Value::Number(n)) => date.season = Some(n.to_string()),
                _ => {}
            }
            date.circa = match map.get("circa") {
                Some(Value::Bool(b)) => *b,
                Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
                Some(Value::String(s)) => !s.is_empty() && s != "false" && s != "0",
                _ => false,
            };
        }
        _ => return None,
    }
    (date.has_year() || date.literal.is_some()).then_some(date)
}

/// `2020`, `2020-05`, `2020-05-17`, `2019/2020`: what Zotero writes in `raw`.
fn read_raw(raw: &str) -> Option<DateValue> {
    let raw = raw.trim();
    let one = |text: &str| -> Option<[i32; 3]> {
        let mut parts = [0; 3];
        for (slot, part) in parts.iter_mut().zip(text.split('-')) {
            *slot = part.trim().parse().ok()?;
        }
        (parts[0] != 0).then_some(parts)
    };
    let mut halves = raw.split('/');
    let start = halves.next().and_then(one);
    match start {
        Some(start) => Some(DateValue { start, end: halves.next().and_then(one), ..DateValue::default() }),
        None if !raw.is_empty() => Some(DateValue { literal: Some(raw.to_string()), ..DateValue::default() }),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_in_every_shape() {
        let cases = [
            (json!({"date-parts": [[2020, 5, 17]]}), Some(([2020, 5, 17], None, None))),
            (json!({"date-parts": [["2020", "5"]]}), Some(([2020, 5, 0], None, None))),
            (json!({"date-parts": [[2019], [2020]]}), Some(([2019, 0, 0], Some([2020, 0, 0]), None))),
            (json!({"date-parts": []}), None),
            (json!({"raw": "2019/2020"}), Some(([2019, 0, 0], Some([2020, 0, 0]), None))),
            (json!({"literal": "Spring term"}), Some(([0, 0, 0], None, Some("Spring term")))),
            (json!("2001-02"), Some(([2001, 2, 0], None, None))),
        ];
        for (input, expected) in cases {
            let got = read_date(&input).map(|d| (d.start, d.end, d.literal));
            let expected = expected.map(|(s, e, l)| (s, e, l.map(String::from)));
            assert_eq!(got, expected, "{input}");
        }
    }

    #[test]
    fn names_literal_and_particles() {
        let item = Item::from_json(&json!({
            "id": 7, "type": "book",
            "author": [{"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
                       {"literal": "World Health Organization"}, {"given": "Plato"}],
            "volume": 3, "page": "10-12"
        }))
        .unwrap();
        assert_eq!(item.id, "7");
        let names = &item.names["author"];
        assert_eq!(names[0].dropping_particle, "van");
        assert!(names[1].is_literal() && names[2].literal == "Plato");
        assert_eq!(item.string("volume"), Some("3"));
        assert_eq!(item.string("page-first"), Some("10"));
    }
}
