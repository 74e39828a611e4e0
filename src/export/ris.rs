//! RIS (Research Information Systems), the tagged format every reference
//! manager imports (Zotero, EndNote, Mendeley), written from a CSL-JSON item
//! with the tags Zotero reads and writes.

use super::csl::{Item, Name, plain};

/// One record, `TY` to `ER`, each line ending in a newline.
pub fn record(item: &Item) -> String {
    let kind = item.kind();
    let ty = match kind.as_str() {
        "article-journal" | "review" | "review-book" => "JOUR",
        "article-magazine" => "MGZN",
        "article-newspaper" => "NEWS",
        "paper-conference" => "CPAPER",
        "book" | "classic" | "periodical" => "BOOK",
        "collection" => "EDBOOK",
        "chapter" => "CHAP",
        "entry-dictionary" => "DICT",
        "entry" | "entry-encyclopedia" => "ENCYC",
        "report" => "RPRT",
        "thesis" => "THES",
        "manuscript" => "UNPB",
        "webpage" | "post" => "ELEC",
        "post-weblog" => "BLOG",
        "software" => "COMP",
        "dataset" => "DATA",
        "patent" => "PAT",
        "legal_case" => "CASE",
        "legislation" | "bill" => "STAT",
        "motion_picture" | "broadcast" => "VIDEO",
        "song" => "SOUND",
        "graphic" | "figure" => "FIGURE",
        "map" => "MAP",
        _ => "GEN",
    };
    let mut lines: Vec<(&str, String)> = vec![("TY", ty.into()), ("ID", item.id())];
    for (tag, variable) in [("AU", "author"), ("A2", "editor"), ("A3", "collection-editor"), ("A4", "translator")] {
        for name in item.names(variable) {
            lines.push((tag, name_text(&name)));
        }
    }
    let text = |variable: &str| item.text(variable).map(|v| plain(&v).replace(['\n', '\r'], " "));
    let push = |tag: &'static str, value: Option<String>, lines: &mut Vec<(&str, String)>| {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            lines.push((tag, value));
        }
    };
    push("TI", text("title"), &mut lines);
    push("ST", text("title-short"), &mut lines);
    push("T2", text("container-title"), &mut lines);
    push("J2", text("container-title-short"), &mut lines);
    push("T3", text("collection-title"), &mut lines);
    if let Some((year, month, day)) = item.date("issued") {
        lines.push(("PY", format!("{year:04}")));
        let part = |p: Option<i64>| p.map(|p| format!("{p:02}")).unwrap_or_default();
        lines.push(("DA", format!("{year:04}/{}/{}/", part(month), part(day))));
    }
    push("VL", text("volume"), &mut lines);
    push("IS", text("issue"), &mut lines);
    if let Some(pages) = text("page") {
        match pages.split_once(['-', '–', '—']) {
            Some((start, end)) => {
                lines.push(("SP", start.trim().to_string()));
                lines.push(("EP", end.trim_start_matches(['-', '–']).trim().to_string()));
            }
            None => lines.push(("SP", pages)),
        }
    }
    push("ET", text("edition"), &mut lines);
    push("M1", text("number"), &mut lines);
    push("PB", text("publisher").or_else(|| text("authority")), &mut lines);
    push("CY", text("publisher-place").or_else(|| text("event-place")), &mut lines);
    push("M3", text("genre"), &mut lines);
    push("DO", text("DOI"), &mut lines);
    push("UR", text("URL"), &mut lines);
    if let Some((year, month, day)) = item.date("accessed") {
        let part = |p: Option<i64>| p.map(|p| format!("{p:02}")).unwrap_or_default();
        lines.push(("Y2", format!("{year:04}/{}/{}/", part(month), part(day))));
    }
    push("SN", text("ISBN").or_else(|| text("ISSN")), &mut lines);
    push("LA", text("language"), &mut lines);
    push("N1", text("note"), &mut lines);
    push("AB", text("abstract"), &mut lines);
    let mut out = String::new();
    for (tag, value) in lines {
        out.push_str(tag);
        out.push_str("  - ");
        out.push_str(value.trim());
        out.push('\n');
    }
    out.push_str("ER  - \n");
    out
}

/// `Family, Given` (RIS's form), or the name as one piece.
fn name_text(name: &Name) -> String {
    let mut family = name.family.clone();
    if let Some(particle) = &name.particle {
        family = format!("{particle} {family}");
    }
    match (&name.given, &name.suffix) {
        (Some(given), Some(suffix)) => format!("{family}, {given}, {suffix}"),
        (Some(given), None) => format!("{family}, {given}"),
        (None, _) => family,
    }
}
