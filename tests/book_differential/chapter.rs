//! What our build put in a chapter (mdBook's Markdown with our inline HTML):
//! each citation as the reader sees it (the text of its `scholar-cite`
//! element without the preview, or its note's text for a note style), each
//! entry of the chapter's list, and the CSL-JSON of the list's works, taken
//! from the list's CSL-JSON download (the items our engine rendered).

use crate::canonical::canonical;

/// A chapter as our build wrote it.
pub struct Ours {
    /// Each citation in reading order, canonical.
    pub citations: Vec<String>,
    /// Each entry of the list: its key and its label and text, canonical.
    pub entries: Vec<(String, String)>,
    /// The CSL-JSON items of the list's works.
    pub items: Vec<serde_json::Value>,
}

const CITE: &str = "<span class=\"scholar-cite";
const PREVIEW: &str = "<span class=\"scholar-preview\"";
const ENTRY: &str = "<div class=\"scholar-entry\"";
const JSON_DOWNLOAD: &str = "href=\"data:application/vnd.citationstyles.csl+json;charset=utf-8,";

pub fn read(content: &str) -> Result<Ours, String> {
    let mut citations = Vec::new();
    let mut from = 0;
    while let Some(at) = content[from..].find(CITE).map(|i| i + from) {
        let (inner, end) = element(content, at)?;
        from = end;
        let body = without_preview(inner)?;
        citations.push(canonical(&note_text(content, &body)?.unwrap_or(body)));
    }

    let mut entries = Vec::new();
    let mut from = 0;
    while let Some(at) = content[from..].find(ENTRY).map(|i| i + from) {
        let (inner, end) = element(content, at)?;
        from = end;
        let open_tag = &content[at..content[at..].find('>').map_or(at, |e| at + e)];
        let key = attribute(open_tag, "data-key").ok_or("an entry without `data-key`")?;
        let label = child(inner, "<span class=\"scholar-label\"")?.map(canonical);
        let text = canonical(child(inner, "<span class=\"scholar-text\"")?.ok_or("an entry without its text")?);
        entries.push((unescape(key), label.map_or(text.clone(), |label| format!("{label} {text}"))));
    }

    let items = match content.find(JSON_DOWNLOAD) {
        Some(at) => {
            let url = &content[at + JSON_DOWNLOAD.len()..];
            let url = &url[..url.find('"').ok_or("an unclosed download address")?];
            serde_json::from_str(&percent_decoded(&unescape(url))?)
                .map_err(|e| format!("the list's CSL-JSON download is not a JSON array of items: {e}"))?
        }
        None if entries.is_empty() => Vec::new(),
        None => return Err("the chapter's list has no CSL-JSON download (is `export` off?)".into()),
    };
    Ok(Ours { citations, entries, items })
}

/// The inner markup of the element whose opening tag starts at `at`, and
/// where the element ends.
fn element(html: &str, at: usize) -> Result<(&str, usize), String> {
    let name: String = html[at + 1..].chars().take_while(char::is_ascii_alphabetic).collect();
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let inner_start = at + html[at..].find('>').ok_or("an unclosed tag")? + 1;
    let mut depth = 1;
    let mut i = inner_start;
    while depth > 0 {
        let next_open = html[i..].find(&open).map(|j| j + i);
        let next_close = html[i..].find(&close).map(|j| j + i).ok_or_else(|| format!("an unclosed `{open}`"))?;
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                i = o + open.len();
            }
            _ => {
                depth -= 1;
                i = next_close + close.len();
            }
        }
    }
    Ok((&html[inner_start..i - close.len()], i))
}

/// The inner markup of the first element of `inner` that starts with `open`.
fn child<'a>(inner: &'a str, open: &str) -> Result<Option<&'a str>, String> {
    match inner.find(open) {
        Some(at) => element(inner, at).map(|(text, _)| Some(text)),
        None => Ok(None),
    }
}

fn without_preview(inner: &str) -> Result<String, String> {
    match inner.find(PREVIEW) {
        Some(at) => {
            let (_, end) = element(inner, at)?;
            Ok(format!("{}{}", &inner[..at], &inner[end..]))
        }
        None => Ok(inner.to_string()),
    }
}

/// A note style's citation is a footnote mark (`[^label]`); its text is the
/// footnote's definition, on one line.
fn note_text(content: &str, body: &str) -> Result<Option<String>, String> {
    let body = body.trim();
    if !(body.starts_with("[^") && body.ends_with(']')) {
        return Ok(None);
    }
    let definition = format!("\n{body}: ");
    let at = content.find(&definition).ok_or_else(|| format!("the note {body} has no definition"))?;
    let text = &content[at + definition.len()..];
    Ok(Some(text[..text.find('\n').unwrap_or(text.len())].to_string()))
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))?;
    let value = &tag[at + name.len() + 3..];
    Some(&value[..value.find('"')?])
}

/// An attribute's value as written by our writer's `escape_attr`.
fn unescape(value: &str) -> String {
    value
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#96;", "`")
        .replace("&#124;", "|")
        .replace("&amp;", "&")
}

fn percent_decoded(text: &str) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).map_err(|e| e.to_string())?;
            bytes.push(u8::from_str_radix(hex, 16).map_err(|e| format!("`%{hex}`: {e}"))?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[test]
fn reads_citations_notes_entries_and_items() {
    let content = concat!(
        "As shown <span class=\"scholar-cite\" id=\"c1\">(<a href=\"#r\">Doe, <i>2020</i></a>)",
        "<span class=\"scholar-preview\" role=\"tooltip\"><span class=\"scholar-preview-entry\">",
        "<span class=\"scholar-text\">Doe</span></span></span></span> and",
        " noted.<span class=\"scholar-cite scholar-note\" id=\"c2\">[^c2]<span class=\"scholar-preview\"></span></span>\n\n",
        "[^c2]: <a href=\"#r\">J. Doe, <i>Title</i></a>, p.&#160;5.\n\n",
        "<div class=\"scholar-bibliography\">\n<div class=\"scholar-entry\" id=\"r\" data-key=\"doe&amp;co\">",
        "<span class=\"scholar-label\">&#91;1&#93;</span><span class=\"scholar-text\">Doe, J. <i>Title</i>.</span>",
        "<details class=\"scholar-export\"><summary>Export</summary></details></div>\n</div>\n",
        "<p class=\"scholar-downloads\"><a download=\"c.json\" href=\"data:application/vnd.citationstyles.csl+json;",
        "charset=utf-8,%5B%7B%22id%22%3A%20%22doe&amp;co%22%7D%5D\">CSL-JSON</a></p>",
    );
    let ours = read(content).unwrap();
    assert_eq!(ours.citations, ["(Doe, <i>2020</i>)", "J. Doe, <i>Title</i>, p. 5."]);
    assert_eq!(ours.entries, [("doe&co".to_string(), "[1] Doe, J. <i>Title</i>.".to_string())]);
    assert_eq!(ours.items, [serde_json::json!({"id": "doe&co"})]);
}
