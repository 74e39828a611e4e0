//! Styles specialized to one kind of entry.
//!
//! Most of what hayagriva spends on a reference goes into `cs:choose`
//! conditions on the item's type (`<if type="article-journal">`), which it
//! re-evaluates while laying out every element, building selector objects
//! each time. Whether an entry matches a CSL type depends only on its type,
//! its parents' types and whether it has a URL or a publisher, so entries
//! with the same such "signature" take the same branches. For each signature
//! we evaluate the type conditions once and prune them from a copy of the
//! style: the branches taken stay, the others go. Rendering with the copy
//! gives the same output (conditions on anything else stay untouched) at a
//! fraction of the cost.

use hayagriva::citationberg::taxonomy::Kind;
use hayagriva::citationberg::{
    Choose, ChooseBranch, ChooseMatch, ElseBranch, IndependentStyle, LayoutRenderingElement, NamesChild,
};
use hayagriva::{BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, Entry};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Every CSL type, with its name in CSL.
const KINDS: &[(Kind, &str)] = &[
    (Kind::Article, "article"),
    (Kind::ArticleJournal, "article-journal"),
    (Kind::ArticleMagazine, "article-magazine"),
    (Kind::ArticleNewspaper, "article-newspaper"),
    (Kind::Bill, "bill"),
    (Kind::Book, "book"),
    (Kind::Broadcast, "broadcast"),
    (Kind::Chapter, "chapter"),
    (Kind::Classic, "classic"),
    (Kind::Collection, "collection"),
    (Kind::Dataset, "dataset"),
    (Kind::Document, "document"),
    (Kind::Entry, "entry"),
    (Kind::EntryDictionary, "entry-dictionary"),
    (Kind::EntryEncyclopedia, "entry-encyclopedia"),
    (Kind::Event, "event"),
    (Kind::Figure, "figure"),
    (Kind::Graphic, "graphic"),
    (Kind::Hearing, "hearing"),
    (Kind::Interview, "interview"),
    (Kind::LegalCase, "legal_case"),
    (Kind::Legislation, "legislation"),
    (Kind::Manuscript, "manuscript"),
    (Kind::Map, "map"),
    (Kind::MotionPicture, "motion_picture"),
    (Kind::MusicalScore, "musical_score"),
    (Kind::Pamphlet, "pamphlet"),
    (Kind::PaperConference, "paper-conference"),
    (Kind::Patent, "patent"),
    (Kind::Performance, "performance"),
    (Kind::Periodical, "periodical"),
    (Kind::PersonalCommunication, "personal_communication"),
    (Kind::Post, "post"),
    (Kind::PostWeblog, "post-weblog"),
    (Kind::Regulation, "regulation"),
    (Kind::Report, "report"),
    (Kind::Review, "review"),
    (Kind::ReviewBook, "review-book"),
    (Kind::Software, "software"),
    (Kind::Song, "song"),
    (Kind::Speech, "speech"),
    (Kind::Standard, "standard"),
    (Kind::Thesis, "thesis"),
    (Kind::Treaty, "treaty"),
    (Kind::Webpage, "webpage"),
];

/// Specialized copies of one style, made on demand and shared between threads.
pub struct Specializer {
    base: Arc<IndependentStyle>,
    probe: IndependentStyle,
    copies: Mutex<HashMap<String, Arc<IndependentStyle>>>,
}

impl Specializer {
    pub fn new(base: IndependentStyle) -> Specializer {
        Specializer { base: Arc::new(base), probe: probe_style(), copies: Mutex::new(HashMap::new()) }
    }

    /// The style specialized to `entry`'s signature.
    pub fn for_entry(&self, entry: &Entry) -> Arc<IndependentStyle> {
        let key = signature(entry);
        if let Some(style) = self.copies.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return style;
        }
        let kinds = self.kinds(entry);
        let style = match kinds {
            Some(kinds) => Arc::new(specialize(&self.base, &|k| kinds.contains(&k))),
            // The probe failed to render: use the style as it is.
            None => self.base.clone(),
        };
        if let Ok(mut copies) = self.copies.lock() {
            copies.insert(key, style.clone());
        }
        style
    }

    /// The CSL types `entry` matches, as hayagriva decides them.
    fn kinds(&self, entry: &Entry) -> Option<Vec<Kind>> {
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::from_items(vec![CitationItem::with_entry(entry)], &self.probe, &[]));
        let rendered = driver.finish(BibliographyRequest::new(&self.probe, None, &[]));
        let item = rendered.bibliography?.items.into_iter().next()?;
        let mut text = String::new();
        item.content.write_buf(&mut text, hayagriva::BufWriteFormat::Plain).ok()?;
        Some(
            text.split_whitespace()
                .filter_map(|i| i.parse::<usize>().ok())
                .filter_map(|i| KINDS.get(i))
                .map(|k| k.0)
                .collect(),
        )
    }
}

/// What decides the type conditions of an entry: its type, its parents'
/// (recursively), and whether it has a URL or a publisher.
fn signature(entry: &Entry) -> String {
    let mut out = format!("{:?}", entry.entry_type());
    if entry.url().is_some() {
        out.push('u');
    }
    if entry.publisher().is_some() {
        out.push('p');
    }
    if !entry.parents().is_empty() {
        out.push('(');
        for parent in entry.parents() {
            out.push_str(&signature(parent));
            out.push(',');
        }
        out.push(')');
    }
    out
}

/// A style whose reference lists the indices (into `KINDS`) of the types
/// the entry matches.
fn probe_style() -> IndependentStyle {
    let mut xml = String::from(
        r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0"><info><title>probe</title><id>probe</id><updated>2024-01-01T00:00:00+00:00</updated></info><citation><layout><text value="x"/></layout></citation><bibliography><layout>"#,
    );
    for (i, (_, name)) in KINDS.iter().enumerate() {
        xml.push_str(&format!(r#"<choose><if type="{name}"><text value=" {i} "/></if></choose>"#));
    }
    xml.push_str("</layout></bibliography></style>");
    IndependentStyle::from_xml(&xml).expect("the probe style is valid CSL")
}

/// `style` with every type condition decided by `matches`.
pub fn specialize(style: &IndependentStyle, matches: &dyn Fn(Kind) -> bool) -> IndependentStyle {
    let mut copy = style.clone();
    copy.citation.layout.elements = prune(&copy.citation.layout.elements, matches);
    if let Some(bibliography) = &mut copy.bibliography {
        bibliography.layout.elements = prune(&bibliography.layout.elements, matches);
    }
    for definition in &mut copy.macros {
        definition.children = prune(&definition.children, matches);
    }
    copy
}

fn prune(elements: &[LayoutRenderingElement], matches: &dyn Fn(Kind) -> bool) -> Vec<LayoutRenderingElement> {
    elements
        .iter()
        .map(|element| match element {
            LayoutRenderingElement::Choose(choose) => LayoutRenderingElement::Choose(prune_choose(choose, matches)),
            LayoutRenderingElement::Group(group) => {
                let mut group = group.clone();
                group.children = prune(&group.children, matches);
                LayoutRenderingElement::Group(group)
            }
            LayoutRenderingElement::Names(names) => {
                let mut names = names.clone();
                for child in &mut names.children {
                    if let NamesChild::Substitute(substitute) = child {
                        substitute.children = prune(&substitute.children, matches);
                    }
                }
                LayoutRenderingElement::Names(names)
            }
            other => other.clone(),
        })
        .collect()
}

/// A choose whose type conditions are decided. hayagriva tests every
/// condition of a branch (`type`, `variable`, … combined by `match`), so the
/// type tests are evaluated and removed; a branch left without tests is a
/// constant: false ones go, the first true one becomes the `else` (later
/// branches can never be reached).
fn prune_choose(choose: &Choose, matches: &dyn Fn(Kind) -> bool) -> Choose {
    let mut kept: Vec<ChooseBranch> = Vec::new();
    let mut otherwise = None;
    let mut decided = false;
    for branch in choose.branches() {
        match decide(branch, matches) {
            Decision::Always => {
                otherwise = Some(ElseBranch { children: prune(&branch.children, matches) });
                decided = true;
                break;
            }
            Decision::Never => {}
            Decision::Depends(mut branch) => {
                branch.children = prune(&branch.children, matches);
                kept.push(branch);
            }
        }
    }
    if !decided {
        otherwise = choose.otherwise.as_ref().map(|e| ElseBranch { children: prune(&e.children, matches) });
    }
    let if_ = if kept.is_empty() { never() } else { kept.remove(0) };
    Choose { if_, else_if: kept, otherwise }
}

enum Decision {
    Always,
    Never,
    /// The branch with its type tests removed (or as it was, without any).
    Depends(ChooseBranch),
}

fn decide(branch: &ChooseBranch, matches: &dyn Fn(Kind) -> bool) -> Decision {
    let types = branch.type_.as_deref().unwrap_or_default();
    if types.is_empty() {
        return Decision::Depends(branch.clone());
    }
    let any_true = types.iter().any(|k| matches(*k));
    let any_false = types.iter().any(|k| !matches(*k));
    let others = branch.disambiguate.is_some()
        || branch.is_numeric.as_ref().is_some_and(|v| !v.is_empty())
        || branch.is_uncertain_date.as_ref().is_some_and(|v| !v.is_empty())
        || branch.locator.as_ref().is_some_and(|v| !v.is_empty())
        || branch.position.as_ref().is_some_and(|v| !v.is_empty())
        || branch.variable.as_ref().is_some_and(|v| !v.is_empty());
    let rest = || {
        let mut rest = branch.clone();
        rest.type_ = None;
        Decision::Depends(rest)
    };
    match branch.match_ {
        ChooseMatch::All if any_false => Decision::Never,
        ChooseMatch::All if others => rest(),
        ChooseMatch::All => Decision::Always,
        ChooseMatch::Any if any_true => Decision::Always,
        ChooseMatch::Any if others => rest(),
        ChooseMatch::Any => Decision::Never,
        ChooseMatch::None if any_true => Decision::Never,
        ChooseMatch::None if others => rest(),
        ChooseMatch::None => Decision::Always,
    }
}

/// A branch that is never taken: any of no types.
fn never() -> ChooseBranch {
    ChooseBranch {
        disambiguate: None,
        is_numeric: None,
        is_uncertain_date: None,
        locator: None,
        position: None,
        type_: Some(Vec::new()),
        variable: None,
        match_: ChooseMatch::Any,
        children: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::write::Writer;
    use hayagriva::archive::ArchivedStyle;
    use hayagriva::citationberg::Style;

    fn render(style: &IndependentStyle, entry: &Entry) -> String {
        let locales = crate::style::locale_files(["en-US", "zh-CN"]);
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::from_items(vec![CitationItem::with_entry(entry)], style, &locales));
        let rendered = driver.finish(BibliographyRequest::new(style, None, &locales));
        let citation = Writer::default().plain(&rendered.citations[0].citation);
        let item = &rendered.bibliography.unwrap().items[0];
        let mut text = Writer::default().plain(&item.content);
        if let Some(first) = &item.first_field {
            text = format!("{} {text}", Writer::default().plain(&hayagriva::ElemChildren(vec![first.clone()])));
        }
        format!("{citation} | {text}")
    }

    /// Every kind of entry renders the same with the specialized style, in
    /// every bundled style.
    #[test]
    fn specialized_styles_render_the_same() {
        let bib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/shared.bib")).unwrap();
        let extra = r#"
@inbook{chapter, author={A, B}, title={A Chapter}, booktitle={The Book}, editor={E, F}, publisher={P}, year=2000, pages={1--9}}
@incollection{anthos, author={C, D}, title={In a Collection}, booktitle={Collected}, year=2001}
@phdthesis{thesis, author={T, H}, title={A Thesis}, school={U}, year=2002}
@techreport{report, author={R, E}, title={A Report}, institution={I}, number={7}, year=2003}
@patent{patent, author={P, A}, title={A Patent}, number={123}, year=2004}
@online{web, author={W, E}, title={A Page}, url={https://example.org}, urldate={2020-01-01}, year=2005}
@misc{misc-url, title={Misc With URL}, url={https://example.org/m}, year=2006}
@manual{manual, title={A Manual}, organization={Org}, year=2007}
@unpublished{draft, author={U, N}, title={Unpublished}, year=2008}
@proceedings{procs, title={The Proceedings}, editor={Ed, It}, year=2009}
@periodical{journal, title={A Journal}, year=2010}
"#;
        let library = hayagriva::io::from_biblatex_str(&format!("{bib}{extra}")).unwrap();
        for name in [
            "apa",
            "ieee",
            "chicago-author-date",
            "mla",
            "gb-7714-2015-numeric",
            "nature",
            "chicago-notes",
            "harvard-cite-them-right",
        ] {
            let Style::Independent(style) = ArchivedStyle::by_name(name).unwrap().get() else { unreachable!() };
            let specializer = Specializer::new(style.clone());
            for entry in library.iter() {
                let specialized = specializer.for_entry(entry);
                assert_eq!(render(&specialized, entry), render(&style, entry), "{name}: {}", entry.key());
            }
        }
    }

    #[test]
    fn signatures_group_entries_by_what_decides_types() {
        let library = hayagriva::io::from_biblatex_str(
            "@article{a, title={A}, journal={J}}\n@article{b, title={B}, journal={K}}\n@book{c, title={C}}\n@misc{d, title={D}, url={https://x.org}}",
        )
        .unwrap();
        let s: Vec<String> = library.iter().map(signature).collect();
        assert_eq!(s[0], s[1]);
        assert_ne!(s[0], s[2]);
        assert!(s[3].contains('u'));
    }
}
