//! hayagriva's YAML files, entry by entry.

use serde_yaml::Value;

use super::Found;
use super::problem::Problem;

/// A hayagriva YAML file, entry by entry: a syntax error fails the file (with
/// its place), a bad entry only itself.
pub(super) fn read(text: &str) -> (Vec<Found>, Vec<Problem>) {
    let fail = |offset, message: String| {
        (Vec::new(), vec![Problem::error(offset, format!("{message}; no entry of this file is loaded"))])
    };
    let value: Value = match serde_yaml::from_str(text) {
        Ok(value) => value,
        Err(e) => return fail(e.location().map_or(0, |l| l.index()), format!("not valid YAML: {e}")),
    };
    let mapping = match value {
        Value::Mapping(mapping) => mapping,
        Value::Null => return (Vec::new(), Vec::new()),
        _ => return fail(0, "a hayagriva YAML file must map keys to entries (`key:` then the entry's fields)".into()),
    };
    let mut found = Vec::with_capacity(mapping.len());
    let mut problems = Vec::new();
    for (key, value) in mapping {
        let key = match key {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            other => format!("{other:?}"),
        };
        let offset = key_offset(text, &key);
        let mut one = serde_yaml::Mapping::new();
        one.insert(Value::String(key.clone()), value);
        let result = serde_yaml::from_value::<hayagriva::Library>(Value::Mapping(one))
            .map_err(|e| e.to_string())
            .and_then(|lib| lib.get(&key).cloned().ok_or_else(|| "empty entry".to_string()));
        match result {
            Ok(entry) => found.push(Found { key, offset, entry, language: None }),
            Err(why) => problems.push(Problem::warning(offset, format!("entry `{key}` is skipped: {why}"))),
        }
    }
    (found, problems)
}

/// Where a top-level key is written (its line starts with `key:`).
fn key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'));
        let quoted = ["\"", "'"].iter().any(|q| {
            line.strip_prefix(q)
                .and_then(|r| r.strip_prefix(key))
                .and_then(|r| r.strip_prefix(q))
                .is_some_and(|r| r.trim_start().starts_with(':'))
        });
        if bare || quoted {
            return offset;
        }
        offset += line.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use crate::library::{Format, Library};

    #[test]
    fn yaml_loads_entry_by_entry() {
        let text = "good:\n  type: book\n  title: A Book\n  date: 2020\nbad:\n  type: book\n  date: [not, a, date]\n";
        let (library, diagnostics) = Library::from_text("r.yaml", text, Format::Yaml);
        assert_eq!(library.keys().collect::<Vec<_>>(), ["good"]);
        assert_eq!(diagnostics.len(), 1);
        assert!(
            diagnostics[0].to_string().starts_with("r.yaml:5:1: warning: entry `bad` is skipped"),
            "{}",
            diagnostics[0]
        );
        let (_, diagnostics) = Library::from_text("r.yaml", "a: [unclosed", Format::Yaml);
        assert!(diagnostics[0].to_string().contains("not valid YAML"), "{}", diagnostics[0]);
    }
}
