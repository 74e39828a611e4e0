//! The test's own reading of the fixture's markers, as pandoc reads them:
//! the clusters citeproc-js gets, in reading order. It knows only the forms
//! the fixture uses (`[prefix @key, label value, suffix; …]`, `[-@key]`,
//! `@key` and `@key [label value]`) and the locator labels below, so that a
//! bug of the preprocessor's scanner shows as a difference rather than being
//! copied.

use scholar_citeproc::CiteRef;

/// The locator labels the fixture writes, as CSL names them (longest first).
const LABELS: &[(&str, &str)] = &[
    ("chap.", "chapter"),
    ("para.", "paragraph"),
    ("sec.", "section"),
    ("fig.", "figure"),
    ("vol.", "volume"),
    ("pp.", "page"),
    ("ll.", "line"),
    ("p.", "page"),
    ("l.", "line"),
    ("n.", "note"),
];

/// One citation: its cites, and whether it is narrative (`@key`).
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub cites: Vec<CiteRef>,
    pub narrative: bool,
}

/// The clusters of a chapter's Markdown, in reading order.
pub fn clusters(markdown: &str) -> Vec<Cluster> {
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find(['[', '@']) {
        let tail = &rest[at..];
        if tail.starts_with('[') {
            let close = tail.find(']').unwrap_or(tail.len() - 1);
            let inner = &tail[1..close];
            if inner.contains('@') {
                let squashed = inner.split_whitespace().collect::<Vec<_>>().join(" ");
                out.push(Cluster { cites: squashed.split(';').map(cite).collect(), narrative: false });
            }
            rest = &tail[close + 1..];
        } else {
            let key_len = key_len(&tail[1..]);
            let mut cite = CiteRef { id: tail[1..1 + key_len].to_string(), ..CiteRef::default() };
            let after = &tail[1 + key_len..];
            rest = after;
            if let Some(bracketed) = after.strip_prefix(" [")
                && let Some(close) = bracketed.find(']')
            {
                (cite.label, cite.locator) = locator(&bracketed[..close]);
                rest = &bracketed[close + 1..];
            }
            out.push(Cluster { cites: vec![cite], narrative: true });
        }
    }
    out
}

fn key_len(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len())
}

/// One `;`-separated part of a bracketed citation.
fn cite(part: &str) -> CiteRef {
    let at = part.find('@').expect("each part of a citation holds a key");
    let suppress_author = part[..at].ends_with('-');
    let prefix = part[..at].trim_end_matches('-').trim();
    let key_len = key_len(&part[at + 1..]);
    let id = part[at + 1..at + 1 + key_len].to_string();
    let rest = part[at + 1 + key_len..].trim_end();
    let (label, locator, suffix) = match rest.strip_prefix(',').map(str::trim_start) {
        Some(body) if starts_with_locator(body) => {
            // The value runs to the next comma; what follows is the suffix.
            let end = body.find(',').unwrap_or(body.len());
            let (label, locator) = locator(&body[..end]);
            (label, locator, &body[end..])
        }
        _ => (None, None, rest),
    };
    CiteRef {
        id,
        locator,
        label,
        // pandoc's prefix ends with the space before the key.
        prefix: (!prefix.is_empty()).then(|| format!("{prefix} ")),
        suffix: (!suffix.is_empty()).then(|| suffix.to_string()),
        suppress_author,
        ..CiteRef::default()
    }
}

fn starts_with_locator(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit())
        || LABELS.iter().any(|(abbreviation, _)| text.starts_with(abbreviation))
}

/// `pp. 3-5` as (`page`, `3-5`); a bare number is a page.
fn locator(text: &str) -> (Option<String>, Option<String>) {
    let text = text.trim();
    for (abbreviation, name) in LABELS {
        if let Some(value) = text.strip_prefix(abbreviation) {
            return (Some(name.to_string()), Some(value.trim().to_string()));
        }
    }
    (Some("page".into()), Some(text.to_string()))
}

#[test]
fn reads_the_forms_the_fixture_writes() {
    let found = clusters(
        "Text [see @a, pp. 2-4; also @b, and the rest] and [-@c, p. 2].\n@d [p. 7] said, as @e did [@f,\nemphasis added] [e.g., @g].",
    );
    let cite = |id: &str| CiteRef { id: id.into(), ..CiteRef::default() };
    let page = |id: &str, p: &str| CiteRef { locator: Some(p.into()), label: Some("page".into()), ..cite(id) };
    let expected = vec![
        Cluster {
            cites: vec![
                CiteRef { prefix: Some("see ".into()), ..page("a", "2-4") },
                CiteRef { prefix: Some("also ".into()), suffix: Some(", and the rest".into()), ..cite("b") },
            ],
            narrative: false,
        },
        Cluster { cites: vec![CiteRef { suppress_author: true, ..page("c", "2") }], narrative: false },
        Cluster { cites: vec![page("d", "7")], narrative: true },
        Cluster { cites: vec![cite("e")], narrative: true },
        Cluster { cites: vec![CiteRef { suffix: Some(", emphasis added".into()), ..cite("f") }], narrative: false },
        Cluster { cites: vec![CiteRef { prefix: Some("e.g., ".into()), ..cite("g") }], narrative: false },
    ];
    assert_eq!(found, expected);
}
