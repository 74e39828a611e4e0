//! Name lists (`author = {van Beethoven, Ludwig and others}`) as CSL-JSON
//! names: split at `and` outside braces, each name read in BibTeX's three
//! forms ("First von Last", "von Last, First", "von Last, Jr, First") or
//! biblatex's extended form (`family=Vries, given=Hugo, prefix=de`).
//!
//! A name in braces (`{World Health Organization}`) is an institution,
//! printed as written. `and others` is kept as the name `others`, the
//! signal for "et al." that pandoc and citeproc readers share. The particle
//! (`van`, `von der`, `de la`) is a dropping particle, or a non-dropping one
//! under biblatex's `useprefix` option, as biblatex prints and sorts it.

use serde_json::{Map, Value};

/// biblatex options that change how names read (`options = {useprefix}`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NameOptions {
    /// The particle is part of the family name for sorting and citing.
    pub useprefix: bool,
    /// A comma goes before the suffix (`Smith, Jr.`).
    pub juniorcomma: bool,
}

/// Reads a name list field.
pub(crate) fn parse_list(raw: &str, options: NameOptions) -> Vec<Value> {
    split_and(raw).into_iter().filter_map(|name| parse_name(name, options)).map(Value::Object).collect()
}

/// Splits a field at ` and ` outside braces (any letter case, as BibTeX
/// reads it).
pub(crate) fn split_and(raw: &str) -> Vec<&str> {
    let bytes = raw.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b if depth == 0
                && b.is_ascii_whitespace()
                && bytes.len() >= i + 5
                && bytes[i + 1..i + 4].eq_ignore_ascii_case(b"and")
                && bytes[i + 4].is_ascii_whitespace() =>
            {
                parts.push(&raw[start..i]);
                start = i + 4;
                i += 4;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&raw[start..]);
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

fn parse_name(raw: &str, options: NameOptions) -> Option<Map<String, Value>> {
    let mut name = Map::new();
    if raw.eq_ignore_ascii_case("others") {
        name.insert("literal".into(), "others".into());
        return Some(name);
    }
    if let Some(inner) = whole_group(raw) {
        let literal = super::latex::plain(inner);
        if literal.is_empty() {
            return None;
        }
        name.insert("literal".into(), literal.into());
        return Some(name);
    }
    let parts: Vec<&str> = split_top(raw, |c| c == ',').into_iter().map(str::trim).collect();
    if parts.iter().any(|p| extended_key(p).is_some()) {
        return extended(&parts, options);
    }
    let (first, von, last, suffix) = match parts.as_slice() {
        [] => return None,
        [all] => {
            let words = words(all);
            let n = words.len();
            if n == 0 {
                return None;
            }
            match words[..n - 1].iter().position(|w| is_lowercase_word(w)) {
                None => (words[..n - 1].to_vec(), Vec::new(), vec![words[n - 1]], Vec::new()),
                Some(i) => {
                    let j = (i..n - 1).rev().find(|&j| is_lowercase_word(words[j])).unwrap_or(i);
                    (words[..i].to_vec(), words[i..=j].to_vec(), words[j + 1..].to_vec(), Vec::new())
                }
            }
        }
        [von_last, rest @ ..] => {
            let (suffix, first): (Vec<&str>, Vec<&str>) = match rest {
                [first] => (Vec::new(), words(first)),
                [suffix, first, more @ ..] => {
                    let mut first = words(first);
                    for extra in more {
                        first.extend(words(extra));
                    }
                    (words(suffix), first)
                }
                [] => (Vec::new(), Vec::new()),
            };
            let words = words(von_last);
            // biblatex (unlike BibTeX) ends the particle at the first
            // capitalised word: `Drummond de Andrade` is one family name.
            let particle_len =
                words.iter().take_while(|w| is_lowercase_word(w)).count().min(words.len().saturating_sub(1));
            let mut first = first;
            let mut particle = words[..particle_len].to_vec();
            if particle.is_empty() {
                // `Eickstedt, Klaus-Valtin von`: a particle written after
                // the given name, as citeproc-js and pandoc read it.
                let trailing = first.iter().rev().take_while(|w| is_lowercase_word(w)).count();
                if trailing > 0 && trailing < first.len() {
                    particle = first.split_off(first.len() - trailing);
                }
            }
            (first, particle, words[particle_len..].to_vec(), suffix)
        }
    };
    let text = |words: &[&str]| super::latex::plain(&words.join(" "));
    let (family, given, particle, suffix) = (text(&last), text(&first), text(&von), text(&suffix));
    if family.is_empty() && given.is_empty() {
        return None;
    }
    if family.is_empty() {
        name.insert("family".into(), given.into());
    } else {
        name.insert("family".into(), family.into());
        if !given.is_empty() {
            name.insert("given".into(), given.into());
        }
    }
    if !particle.is_empty() {
        let key = if options.useprefix { "non-dropping-particle" } else { "dropping-particle" };
        name.insert(key.into(), particle.into());
    }
    if !suffix.is_empty() {
        name.insert("suffix".into(), suffix.into());
        if options.juniorcomma {
            name.insert("comma-suffix".into(), true.into());
        }
    }
    Some(name)
}

/// The inside of a name written wholly in one pair of braces.
fn whole_group(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('{')?.strip_suffix('}')?;
    let mut depth = 0usize;
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' if depth == 0 => return None,
            '}' => depth -= 1,
            _ => {}
        }
    }
    Some(inner)
}

/// Splits at characters outside braces.
fn split_top(raw: &str, at: impl Fn(char) -> bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in raw.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if depth == 0 && at(c) => {
                parts.push(&raw[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&raw[start..]);
    parts
}

/// The words of a name part: split at spaces and ties outside braces.
fn words(part: &str) -> Vec<&str> {
    split_top(part, |c| c.is_whitespace() || c == '~').into_iter().filter(|w| !w.is_empty()).collect()
}

/// Whether a word starts in lowercase, by BibTeX's rule: the first letter
/// outside braces decides; a brace group is caseless (so not lowercase)
/// unless it starts with a command (`{\"o}`, `{\relax Ch}`), where the first
/// letter after the command decides, or the command is a letter (`{\oe}`).
fn is_lowercase_word(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() {
            return c.is_lowercase();
        }
        match c {
            '{' => {
                if chars.get(i + 1) != Some(&'\\') {
                    return false;
                }
                let start = i + 2;
                let mut end = start;
                while chars.get(end).is_some_and(|c| c.is_ascii_alphabetic()) {
                    end += 1;
                }
                let command: String = chars[start..end].iter().collect();
                match command.as_str() {
                    "i" | "j" | "oe" | "ae" | "o" | "l" | "aa" | "ss" => return true,
                    "OE" | "AE" | "O" | "L" | "AA" => return false,
                    _ => {}
                }
                let end = if end == start { end + 1 } else { end };
                return chars[end..].iter().find(|c| c.is_alphabetic()).is_some_and(|c| c.is_lowercase());
            }
            '\\' => {
                // A command outside braces: skip its name.
                i += 1;
                if chars.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
                    while chars.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
                        i += 1;
                    }
                } else {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The key of a `key=value` part of an extended name, if it is one.
fn extended_key(part: &str) -> Option<&str> {
    let (key, _) = part.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphabetic() || c == '-')).then_some(key)
}

fn extended(parts: &[&str], options: NameOptions) -> Option<Map<String, Value>> {
    let mut name = Map::new();
    let mut useprefix = options.useprefix;
    let mut prefix = String::new();
    for part in parts {
        let Some((key, value)) = part.split_once('=') else { continue };
        let value = value.trim();
        let value = whole_group(value).unwrap_or(value);
        let text = super::latex::plain(value);
        match key.trim().to_ascii_lowercase().as_str() {
            "family" | "last" => {
                name.insert("family".into(), text.into());
            }
            "given" | "first" => {
                name.insert("given".into(), text.into());
            }
            "suffix" => {
                name.insert("suffix".into(), text.into());
            }
            "prefix" => prefix = text,
            "useprefix" => useprefix = text.eq_ignore_ascii_case("true"),
            _ => {}
        }
    }
    if !prefix.is_empty() {
        let key = if useprefix { "non-dropping-particle" } else { "dropping-particle" };
        name.insert(key.into(), prefix.into());
    }
    (name.contains_key("family") || name.contains_key("given")).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bibtex_name_forms() {
        let plain = NameOptions::default();
        let cases = [
            ("Ludwig van Beethoven", json!({"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"})),
            ("van Beethoven, Ludwig", json!({"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"})),
            ("de la Fontaine, Jean", json!({"family": "Fontaine", "given": "Jean", "dropping-particle": "de la"})),
            ("Jean de la Fontaine", json!({"family": "Fontaine", "given": "Jean", "dropping-particle": "de la"})),
            ("von der Heide, K.", json!({"family": "Heide", "given": "K.", "dropping-particle": "von der"})),
            ("Drummond de Andrade, Carlos", json!({"family": "Drummond de Andrade", "given": "Carlos"})),
            ("Smith, Jr., John", json!({"family": "Smith", "given": "John", "suffix": "Jr."})),
            ("Aristotle", json!({"family": "Aristotle"})),
            ("{World Health Organization}", json!({"literal": "World Health Organization"})),
            (r#"{\"O}zkal, Erhan"#, json!({"family": "Özkal", "given": "Erhan"})),
            (r"{\relax Ch}ristopher Smith", json!({"family": "Smith", "given": "Christopher"})),
            (r"V{\'a}zques{ de }Parga, Luis", json!({"family": "Vázques de Parga", "given": "Luis"})),
            ("J.~R.~R. Tolkien", json!({"family": "Tolkien", "given": "J. R. R."})),
            ("First {von Last}", json!({"family": "von Last", "given": "First"})),
            ("Von Werra, Leandro", json!({"family": "Von Werra", "given": "Leandro"})),
            (
                "Eickstedt, Klaus-Valtin von",
                json!({"family": "Eickstedt", "given": "Klaus-Valtin", "dropping-particle": "von"}),
            ),
            (
                "Matsakis, Nicholas E. (nicholas)",
                json!({"family": "Matsakis", "given": "Nicholas E.", "dropping-particle": "(nicholas)"}),
            ),
            (
                "family=Vries, given=Hugo, prefix=de, useprefix=true",
                json!({"family": "Vries", "given": "Hugo", "non-dropping-particle": "de"}),
            ),
            ("others", json!({"literal": "others"})),
        ];
        for (input, expected) in cases {
            let got = parse_list(input, plain);
            assert_eq!(got, vec![expected], "{input}");
        }
        let useprefix = NameOptions { useprefix: true, juniorcomma: true };
        assert_eq!(
            parse_list("van Gennep, Jr, Arnold", useprefix),
            vec![
                json!({"family": "Gennep", "given": "Arnold", "non-dropping-particle": "van", "suffix": "Jr", "comma-suffix": true})
            ]
        );
    }

    #[test]
    fn lists_split_at_and_outside_braces() {
        assert_eq!(split_and("A and B AND C And {D and E} and others"), ["A", "B", "C", "{D and E}", "others"]);
        assert_eq!(split_and("Anderson, Sand and Band"), ["Anderson, Sand", "Band"]);
        assert_eq!(split_and(" and "), Vec::<&str>::new());
        let names = parse_list("Doe, Jane and others", NameOptions::default());
        assert_eq!(names.last(), Some(&json!({"literal": "others"})));
    }
}
