//! The one spelling of markup that both engines' answers are compared in:
//! shared by the differential test and the CSL test suite runner
//! (`examples/test_suite.rs`).
//!
//! - whitespace next to a `<div>` tag and at the ends goes (citeproc-js
//!   indents its divs; whitespace between inline tags stays);
//! - character references have one spelling: `&#38;`, `&amp;` and a bare `&`
//!   are all `&amp;`, `&#60;` is `&lt;`, `&#62;` is `&gt;`, and any other
//!   reference (`&#160;`, `&quot;`, `&#x2013;`) is the character it stands for.

/// `markup` in the spelling described above.
pub fn canonical(markup: &str) -> String {
    around_divs(references(markup).trim())
}

/// Drops whitespace on either side of `<div …>` and `</div>`.
fn around_divs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<div").into_iter().chain(rest.find("</div>")).min() {
        out.push_str(rest[..start].trim_end());
        let end = start + rest[start..].find('>').map_or(rest.len() - start, |e| e + 1);
        out.push_str(&rest[start..end]);
        rest = rest[end..].trim_start();
    }
    out.push_str(rest);
    out
}

/// Character references in their one spelling (see the top of the file).
fn references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.bytes().take(12).position(|b| b == b';');
        let decoded = end.and_then(|end| decode(&rest[1..end]).map(|c| (c, end)));
        let Some((c, end)) = decoded else {
            out.push_str("&amp;");
            rest = &rest[1..];
            continue;
        };
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn decode(name: &str) -> Option<char> {
    let number = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok()?
    } else if let Some(decimal) = name.strip_prefix('#') {
        decimal.parse().ok()?
    } else {
        return match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => None,
        };
    };
    char::from_u32(number)
}

#[test]
fn one_spelling_of_references_and_div_whitespace() {
    let cases = [
        ("Smith &#38; Jones", "Smith &amp; Jones"),
        ("Smith &amp; Jones", "Smith &amp; Jones"),
        ("a &#60;b&#62;", "a &lt;b&gt;"),
        ("&quot;x&quot;&#160;&#x2013;", "\"x\"\u{a0}\u{2013}"),
        ("AT&T; a & b", "AT&amp;T; a &amp; b"),
        ("&#9999999999999;", "&amp;#9999999999999;"),
        ("中文&#38;标题 &", "中文&amp;标题 &amp;"),
        (
            "<div class=\"csl-bib-body\">\n  <div class=\"csl-entry\">A</div>\n</div>",
            "<div class=\"csl-bib-body\"><div class=\"csl-entry\">A</div></div>",
        ),
        ("<i>A</i> <b>B</b>", "<i>A</i> <b>B</b>"),
        ("  Doe,  J.  ", "Doe,  J."),
    ];
    for (input, expected) in cases {
        assert_eq!(canonical(input), expected, "{input:?}");
    }
}
