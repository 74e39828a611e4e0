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
//!
//! Conditions on variables (`<if variable="DOI">`) are pruned too, but only
//! where the entry lacks the variable: a test on a variable the entry has
//! can still be false at run time (a variable already printed through
//! `cs:substitute` is suppressed), a test on one it lacks never is. The
//! copies are keyed by the type signature and the set of variables present.

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

/// The CSL variables that depend only on the entry's data (not on the
/// citation, its position or disambiguation), by their CSL names.
const DATA_VARIABLES: &[&str] = &[
    "abstract",
    "annote",
    "archive",
    "archive_collection",
    "archive_location",
    "archive-place",
    "authority",
    "call-number",
    "collection-title",
    "container-title",
    "container-title-short",
    "dimensions",
    "division",
    "DOI",
    "event",
    "event-title",
    "event-place",
    "genre",
    "ISBN",
    "ISSN",
    "jurisdiction",
    "keyword",
    "language",
    "license",
    "medium",
    "note",
    "original-publisher",
    "original-publisher-place",
    "original-title",
    "part-title",
    "PMCID",
    "PMID",
    "publisher",
    "publisher-place",
    "references",
    "reviewed-genre",
    "reviewed-title",
    "scale",
    "source",
    "status",
    "title",
    "title-short",
    "URL",
    "volume-title",
    "chapter-number",
    "collection-number",
    "edition",
    "issue",
    "number",
    "number-of-pages",
    "number-of-volumes",
    "page-first",
    "part-number",
    "printing-number",
    "section",
    "supplement-number",
    "version",
    "volume",
    "page",
    "accessed",
    "available-date",
    "event-date",
    "issued",
    "original-date",
    "submitted",
    "author",
    "chair",
    "collection-editor",
    "compiler",
    "composer",
    "container-author",
    "contributor",
    "curator",
    "director",
    "editor",
    "editorial-director",
    "editor-translator",
    "executive-producer",
    "guest",
    "host",
    "illustrator",
    "interviewer",
    "narrator",
    "organizer",
    "original-author",
    "performer",
    "producer",
    "recipient",
    "reviewed-author",
    "script-writer",
    "series-creator",
    "translator",
];

// Their presence is a `u128` mask.
const _: () = assert!(DATA_VARIABLES.len() <= 128);

/// More copies than this and entries share the type-only copies: every
/// copy of a big style costs memory.
const MAX_COPIES: usize = 256;

/// What an entry's type tests and data-variable tests come to.
#[derive(Clone, Default)]
struct Facts {
    /// Names the copy these facts make: the type signature and the
    /// variables present.
    key: String,
    /// The type-only part of `key`, for when there are too many copies.
    types: String,
    kinds: Vec<Kind>,
    /// Variables of `DATA_VARIABLES` the entry lacks.
    absent: Vec<&'static str>,
}

/// What the probes found about each entry, shared by the specializers of
/// one run (the reference style, the sort keys).
pub struct Probes {
    /// Off: every entry gets the style as it is.
    on: bool,
    types: IndependentStyle,
    /// The data variables the style tests, and a style probing them.
    tested: Vec<&'static str>,
    variables: IndependentStyle,
    kinds: Mutex<HashMap<String, Vec<Kind>>>,
    /// By entry. `None`: the probe failed to render, use the style as it is.
    found: Mutex<ByEntry<Option<Arc<Facts>>>>,
    /// Entries with the same facts share them, by `Facts::key`.
    interned: Mutex<HashMap<String, Arc<Facts>>>,
}

impl Probes {
    /// Probes for the conditions of `style` (and of styles derived from
    /// it that test no other variables).
    /// They specialize only when `on`: a copy costs about as much as
    /// rendering a few references, so a handful of works is rendered faster
    /// with the style as it is.
    pub fn new(style: &IndependentStyle, on: bool) -> Arc<Probes> {
        // Probing costs per variable: only those the style tests.
        let mut tested = Vec::new();
        tested_variables(&style.citation.layout.elements, &mut tested);
        if let Some(bibliography) = &style.bibliography {
            tested_variables(&bibliography.layout.elements, &mut tested);
        }
        for definition in &style.macros {
            tested_variables(&definition.children, &mut tested);
        }
        tested.sort_unstable();
        tested.dedup();
        Arc::new(Probes {
            on,
            types: probe_style(KINDS.iter().map(|(_, name)| format!(r#"type="{name}""#))),
            variables: probe_style(tested.iter().map(|name| format!(r#"variable="{name}""#))),
            tested,
            kinds: Mutex::new(HashMap::new()),
            found: Mutex::new(ByEntry::default()),
            interned: Mutex::new(HashMap::new()),
        })
    }

    fn facts(&self, entry: &Entry) -> Option<Arc<Facts>> {
        if !self.on {
            return None;
        }
        if let Some(found) = self.found.lock().ok().and_then(|f| f.get(entry)) {
            return found;
        }
        let facts = self.probe(entry).map(|facts| match self.interned.lock() {
            Ok(mut interned) => interned.entry(facts.key.clone()).or_insert_with(|| Arc::new(facts)).clone(),
            Err(_) => Arc::new(facts),
        });
        if let Ok(mut found) = self.found.lock() {
            found.insert(entry, facts.clone());
        }
        facts
    }

    fn probe(&self, entry: &Entry) -> Option<Facts> {
        // Entries of one signature match the same types: probe once.
        let types = signature(entry);
        let known = self.kinds.lock().ok().and_then(|k| k.get(&types).cloned());
        let kinds = match known {
            Some(kinds) => kinds,
            None => {
                let kinds: Vec<Kind> =
                    probe(&self.types, entry)?.into_iter().filter_map(|i| KINDS.get(i)).map(|k| k.0).collect();
                if let Ok(mut known) = self.kinds.lock() {
                    known.insert(types.clone(), kinds.clone());
                }
                kinds
            }
        };
        let present = if self.tested.is_empty() { Vec::new() } else { probe(&self.variables, entry)? };
        let absent: Vec<&'static str> =
            self.tested.iter().enumerate().filter(|(i, _)| !present.contains(i)).map(|(_, v)| *v).collect();
        let mask = present.iter().fold(0u128, |mask, i| mask | (1 << i));
        Some(Facts { key: format!("{types}|{mask:x}"), types, kinds, absent })
    }
}

/// Specialized copies of one style, made on demand and shared between threads.
pub struct Specializer {
    base: Arc<IndependentStyle>,
    probes: Arc<Probes>,
    copies: Mutex<HashMap<String, Arc<IndependentStyle>>>,
    /// Each entry's copy.
    by_entry: Mutex<ByEntry<Arc<IndependentStyle>>>,
}

/// Values per entry, for the entries of one run (which outlive it): by
/// address, checked against the key.
struct ByEntry<V>(HashMap<usize, (String, V)>);

impl<V> Default for ByEntry<V> {
    fn default() -> Self {
        ByEntry(HashMap::new())
    }
}

impl<V: Clone> ByEntry<V> {
    fn get(&self, entry: &Entry) -> Option<V> {
        let (key, value) = self.0.get(&(entry as *const Entry as usize))?;
        (key == entry.key()).then(|| value.clone())
    }

    fn insert(&mut self, entry: &Entry, value: V) {
        self.0.insert(entry as *const Entry as usize, (entry.key().to_string(), value));
    }
}

impl Specializer {
    pub fn new(base: IndependentStyle, probes: Arc<Probes>) -> Specializer {
        Specializer {
            base: Arc::new(base),
            probes,
            copies: Mutex::new(HashMap::new()),
            by_entry: Mutex::new(ByEntry::default()),
        }
    }

    /// The style specialized to `entry`.
    pub fn for_entry(&self, entry: &Entry) -> Arc<IndependentStyle> {
        if let Some(style) = self.by_entry.lock().ok().and_then(|b| b.get(entry)) {
            return style;
        }
        let style = match self.probes.facts(entry) {
            Some(facts) => self.copy(&facts),
            None => self.base.clone(),
        };
        if let Ok(mut by_entry) = self.by_entry.lock() {
            by_entry.insert(entry, style.clone());
        }
        style
    }

    fn copy(&self, facts: &Facts) -> Arc<IndependentStyle> {
        let (exists, count) = match self.copies.lock() {
            Ok(copies) => (copies.get(&facts.key).cloned(), copies.len()),
            Err(_) => (None, usize::MAX),
        };
        if let Some(style) = exists {
            return style;
        }
        // Too many copies: entries share the type-only ones.
        let (key, facts) = if count < MAX_COPIES {
            (facts.key.clone(), facts.clone())
        } else {
            (facts.types.clone(), Facts { absent: Vec::new(), ..facts.clone() })
        };
        if let Some(style) = self.copies.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return style;
        }
        let style = Arc::new(specialize(&self.base, &facts));
        if let Ok(mut copies) = self.copies.lock() {
            copies.insert(key, style.clone());
        }
        style
    }
}

/// Adds the data variables `elements` test to `out`.
fn tested_variables(elements: &[LayoutRenderingElement], out: &mut Vec<&'static str>) {
    for element in elements {
        match element {
            LayoutRenderingElement::Choose(choose) => {
                for branch in choose.branches() {
                    for variable in branch.variable.as_deref().unwrap_or_default() {
                        let name = variable.to_string();
                        if let Some(known) = DATA_VARIABLES.iter().find(|v| **v == name) {
                            out.push(known);
                        }
                    }
                    tested_variables(&branch.children, out);
                }
                if let Some(otherwise) = &choose.otherwise {
                    tested_variables(&otherwise.children, out);
                }
            }
            LayoutRenderingElement::Group(group) => tested_variables(&group.children, out),
            LayoutRenderingElement::Names(names) => {
                for child in &names.children {
                    if let NamesChild::Substitute(substitute) = child {
                        tested_variables(&substitute.children, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Which of a probe style's tests the entry passes (their indices).
fn probe(style: &IndependentStyle, entry: &Entry) -> Option<Vec<usize>> {
    let mut driver = BibliographyDriver::new();
    driver.citation(CitationRequest::from_items(vec![CitationItem::with_entry(entry)], style, &[]));
    let rendered = driver.finish(BibliographyRequest::new(style, None, &[]));
    let item = rendered.bibliography?.items.into_iter().next()?;
    let mut text = String::new();
    item.content.write_buf(&mut text, hayagriva::BufWriteFormat::Plain).ok()?;
    Some(text.split_whitespace().filter_map(|i| i.parse::<usize>().ok()).collect())
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

/// A style whose reference lists the indices of the tests (CSL condition
/// attributes) the entry passes.
fn probe_style(tests: impl Iterator<Item = String>) -> IndependentStyle {
    let mut xml = String::from(
        r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0"><info><title>probe</title><id>probe</id><updated>2024-01-01T00:00:00+00:00</updated></info><citation><layout><text value="x"/></layout></citation><bibliography><layout><text value=" "/>"#,
    );
    for (i, test) in tests.enumerate() {
        xml.push_str(&format!(r#"<choose><if {test}><text value=" {i} "/></if></choose>"#));
    }
    xml.push_str("</layout></bibliography></style>");
    IndependentStyle::from_xml(&xml).expect("the probe style is valid CSL")
}

/// `style` with the type conditions and the tests on absent variables
/// decided.
fn specialize(style: &IndependentStyle, facts: &Facts) -> IndependentStyle {
    let mut copy = style.clone();
    copy.citation.layout.elements = prune(&copy.citation.layout.elements, facts);
    if let Some(bibliography) = &mut copy.bibliography {
        bibliography.layout.elements = prune(&bibliography.layout.elements, facts);
    }
    for definition in &mut copy.macros {
        definition.children = prune(&definition.children, facts);
    }
    copy
}

fn prune(elements: &[LayoutRenderingElement], facts: &Facts) -> Vec<LayoutRenderingElement> {
    elements
        .iter()
        .map(|element| match element {
            LayoutRenderingElement::Choose(choose) => LayoutRenderingElement::Choose(prune_choose(choose, facts)),
            LayoutRenderingElement::Group(group) => {
                let mut group = group.clone();
                group.children = prune(&group.children, facts);
                LayoutRenderingElement::Group(group)
            }
            LayoutRenderingElement::Names(names) => {
                let mut names = names.clone();
                for child in &mut names.children {
                    if let NamesChild::Substitute(substitute) = child {
                        substitute.children = prune(&substitute.children, facts);
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
fn prune_choose(choose: &Choose, facts: &Facts) -> Choose {
    let mut kept: Vec<ChooseBranch> = Vec::new();
    let mut otherwise = None;
    let mut decided = false;
    for branch in choose.branches() {
        match decide(branch, facts) {
            Decision::Always => {
                otherwise = Some(ElseBranch { children: prune(&branch.children, facts) });
                decided = true;
                break;
            }
            Decision::Never => {}
            Decision::Depends(mut branch) => {
                branch.children = prune(&branch.children, facts);
                kept.push(branch);
            }
        }
    }
    if !decided {
        otherwise = choose.otherwise.as_ref().map(|e| ElseBranch { children: prune(&e.children, facts) });
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

fn decide(branch: &ChooseBranch, facts: &Facts) -> Decision {
    // Known results: every type test, and tests on absent variables (false).
    let types = branch.type_.as_deref().unwrap_or_default();
    let variables = branch.variable.as_deref().unwrap_or_default();
    let absent: Vec<bool> = variables.iter().map(|v| facts.absent.contains(&v.to_string().as_str())).collect();
    let known_true = types.iter().any(|k| facts.kinds.contains(k));
    let known_false = types.iter().any(|k| !facts.kinds.contains(k)) || absent.iter().any(|&a| a);
    let remaining_variables: Vec<_> =
        variables.iter().zip(&absent).filter(|(_, absent)| !**absent).map(|(v, _)| *v).collect();
    let others = branch.disambiguate.is_some()
        || branch.is_numeric.as_ref().is_some_and(|v| !v.is_empty())
        || branch.is_uncertain_date.as_ref().is_some_and(|v| !v.is_empty())
        || branch.locator.as_ref().is_some_and(|v| !v.is_empty())
        || branch.position.as_ref().is_some_and(|v| !v.is_empty())
        || !remaining_variables.is_empty();
    if types.is_empty() && remaining_variables.len() == variables.len() {
        return Decision::Depends(branch.clone());
    }
    let rest = || {
        let mut rest = branch.clone();
        rest.type_ = None;
        rest.variable = (!remaining_variables.is_empty()).then(|| remaining_variables.clone());
        Decision::Depends(rest)
    };
    match branch.match_ {
        ChooseMatch::All if known_false => Decision::Never,
        ChooseMatch::All if others => rest(),
        ChooseMatch::All => Decision::Always,
        ChooseMatch::Any if known_true => Decision::Always,
        ChooseMatch::Any if others => rest(),
        ChooseMatch::Any => Decision::Never,
        ChooseMatch::None if known_true => Decision::Never,
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
        let Some(item) = rendered.bibliography.and_then(|b| b.items.into_iter().next()) else { return citation };
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
            let specializer = Specializer::new(style.clone(), Probes::new(&style, true));
            for entry in library.iter() {
                let specialized = specializer.for_entry(entry);
                assert_eq!(render(&specialized, entry), render(&style, entry), "{name}: {}", entry.key());
            }
        }
    }

    /// The same over every bundled style and the .bib files in
    /// `SCHOLAR_SPECIALIZE_CORPUS` (a folder): slow, run by hand with
    /// `--ignored` against a real-world collection.
    #[test]
    #[ignore]
    fn specialized_styles_render_the_same_on_a_corpus() {
        let Ok(folder) = std::env::var("SCHOLAR_SPECIALIZE_CORPUS") else { return };
        let mut entries = Vec::new();
        for file in std::fs::read_dir(folder).unwrap() {
            let path = file.unwrap().path();
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            if let Ok(library) = hayagriva::io::from_biblatex_str(&text) {
                entries.extend(library.iter().take(60).cloned());
            }
        }
        let mut compared = 0;
        for style in ArchivedStyle::all() {
            let Style::Independent(style) = style.get() else { continue };
            let specializer = Specializer::new(style.clone(), Probes::new(&style, true));
            for entry in &entries {
                let specialized = specializer.for_entry(entry);
                assert_eq!(
                    render(&specialized, entry),
                    render(&style, entry),
                    "{}: {}",
                    style.info.title.value,
                    entry.key()
                );
                compared += 1;
            }
        }
        eprintln!("{compared} renderings compared");
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
