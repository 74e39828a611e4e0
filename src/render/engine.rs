//! The CSL processor behind the renderer: [`Engine`] is hayagriva (the
//! default) or our own `scholar-citeproc` (`engine = "scholar"`, see
//! `super::scholar`), both giving hayagriva's output tree.
//!
//! Driving hayagriva: each distinct work's reference rendered once, in its
//! own language; citations rendered per scope so numbering restarts and
//! disambiguation stays within a list.
//!
//! Rendering a reference is hayagriva's whole cost, so a work cited in forty
//! chapters is laid out once, not forty times, with a copy of the style
//! specialized to its kind of entry (`specialize`), and sorted by keys
//! computed once (`sort`). Where the shortcut could change the result, it is
//! not taken: works of a scope that need disambiguating (`2020a`, `2020b`)
//! get their references from hayagriva rendering them together, and styles
//! that substitute repeated authors or number a sorted list have each scope
//! rendered by hayagriva as a whole.

use hayagriva::citationberg::{IndependentStyle, Locale, LocaleCode, StyleClass};
use hayagriva::{
    BibliographyDriver, BibliographyItem, BibliographyRequest, CitationItem, CitationRequest, CitePurpose, ElemChild,
    ElemChildren, ElemMeta, Formatted, Formatting, LocatorPayload, SpecificLocator,
};
use rayon::prelude::*;
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use crate::config::CslEngine;
use crate::library::Work;
use crate::scan::Locator;
use crate::style::{Style, locale_files, resolve_locale_lenient};

use super::write::Writer;

/// A work's reference, rendered alone (numbered 1 when the style numbers).
#[derive(Debug, Clone)]
pub struct Reference {
    /// The `[1]` label of styles that align it in its own column.
    pub label: Option<ElemChildren>,
    pub content: ElemChildren,
    pub facts: Facts,
}

/// What scopes need to know of a work's reference besides its text.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The work cited alone, as plain text: two works of one scope with the
    /// same text would need disambiguating.
    pub alone: String,
    /// Its keys for the style's bibliography sort.
    pub sort: super::sort::Keys,
}

/// One cited work inside a citation.
#[derive(Debug, Clone, Copy)]
pub struct ItemInput<'a> {
    /// Index into the scope's works.
    pub work: usize,
    pub locator: Option<&'a Locator>,
    pub suppress_author: bool,
    /// The author's words before and after the cite.
    pub prefix: &'a str,
    pub suffix: &'a str,
}

#[derive(Debug, Clone)]
pub struct CiteInput<'a> {
    pub items: Vec<ItemInput<'a>>,
    pub narrative: bool,
    /// A note style's note number for the citation (see `render::notes`).
    pub note: Option<u32>,
}

/// A scope rendered.
#[derive(Debug, Clone)]
pub struct ScopeOutput {
    /// One per citation; `Entry(i)` elements point at the citation's items.
    pub citations: Vec<ElemChildren>,
    /// The scope's works in list order (indices into its works).
    pub order: Vec<usize>,
    /// Aligned with `order`: references hayagriva rendered for this scope
    /// (the whole scope, or works that needed disambiguating), which replace
    /// the works' own.
    pub items: Vec<Option<BibliographyItem>>,
}

/// From how many works on specialized copies of the style pay off.
const SPECIALIZE_FROM: usize = 64;

const QUIET_STYLE: &str = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0"><info><title>quiet</title><id>quiet</id><updated>2024-01-01T00:00:00+00:00</updated></info><citation><layout><text value="x"/></layout></citation></style>"#;

/// The CSL processor the book renders with.
pub enum Engine {
    Hayagriva(Box<Hayagriva>),
    Scholar(Box<super::scholar::Scholar>),
}

impl Engine {
    /// The engine `choice` for `style`; `locale` is the book's, `languages`
    /// those of the works to render; with `entry_language` each work is
    /// rendered in its own language's terms.
    pub fn new(
        choice: CslEngine,
        style: &Style,
        locale: &str,
        languages: &[Option<String>],
        entry_language: bool,
    ) -> Engine {
        match choice {
            CslEngine::Hayagriva => {
                Engine::Hayagriva(Box::new(Hayagriva::new(style, locale, languages, entry_language)))
            }
            CslEngine::Scholar => {
                Engine::Scholar(Box::new(super::scholar::Scholar::new(style, locale, languages, entry_language)))
            }
        }
    }

    /// Whether the style's citations show citation numbers (`[1]`), so a
    /// list's order is its numbering.
    pub fn numeric(&self) -> bool {
        match self {
            Engine::Hayagriva(e) => e.numeric,
            Engine::Scholar(e) => e.numeric,
        }
    }

    /// Every work's reference, rendered alone.
    pub fn references(&self, works: &[&Work]) -> Vec<Reference> {
        works.par_iter().map(|work| self.reference(work)).collect()
    }

    /// A work's reference, rendered alone (numbered 1 when the style numbers).
    pub fn reference(&self, work: &Work) -> Reference {
        match self {
            Engine::Hayagriva(e) => e.reference(work),
            Engine::Scholar(e) => e.reference(work),
        }
    }

    /// Renders one scope: its citations (in reading order) and its list.
    /// `works` are the scope's distinct works, in order of first citation,
    /// then the nocited ones; `references` their alone renderings.
    pub fn scope(
        &self,
        works: &[&Work],
        references: &[&Facts],
        citations: &[CiteInput],
        nocite: &[usize],
    ) -> ScopeOutput {
        match self {
            Engine::Hayagriva(e) => e.scope(works, references, citations, nocite),
            Engine::Scholar(e) => e.scope(works, citations),
        }
    }

    pub fn note_style(&self) -> bool {
        match self {
            Engine::Hayagriva(e) => e.note_style(),
            Engine::Scholar(e) => e.note_style(),
        }
    }
}

/// hayagriva's engine.
pub struct Hayagriva {
    style: IndependentStyle,
    /// Copies of the style pruned to one kind of entry, for references.
    specialized: super::specialize::Specializer,
    /// The style without its bibliography: rendering citations then costs
    /// nothing for the references.
    cite_style: IndependentStyle,
    /// A style whose citations are one letter, for requests whose
    /// citation nobody reads.
    quiet_style: IndependentStyle,
    /// The style's bibliography order, when it sorts.
    sorter: Option<super::sort::Sorter>,
    locale: LocaleCode,
    locale_files: Vec<Locale>,
    /// Citations show citation numbers (`[1]`), so a list's order is its
    /// numbering.
    pub numeric: bool,
    /// The bibliography has `<sort>`.
    pub sorted: bool,
    /// The shortcut is off for this style: every scope goes to hayagriva.
    whole_scopes: bool,
    /// For tests: scopes that need disambiguating go to hayagriva whole, to
    /// compare with the shortcut.
    pub force_whole: bool,
    note_style: bool,
    /// Each work in its own language's locale (see [`Hayagriva::work_locale`]).
    entry_language: bool,
    /// The style's citations read nothing of an entry (see
    /// [`citations_read_nothing`]).
    slim_citations: bool,
}

impl Hayagriva {
    /// `locale` is the book's; `languages` those of the works to render;
    /// with `entry_language` each work is rendered in its own language.
    pub fn new(style: &Style, locale: &str, languages: &[Option<String>], entry_language: bool) -> Hayagriva {
        let locale = LocaleCode(locale.to_string());
        let mut codes: Vec<String> = vec![locale.0.clone(), "en-US".into()];
        for language in languages.iter().flatten() {
            if let Some(code) = resolve_locale_lenient(language) {
                codes.push(code);
            }
        }
        if let Some(default) = &style.default_locale {
            codes.push(default.0.clone());
        }
        codes.sort();
        codes.dedup();
        let csl = style.csl.clone();
        // The style as XML, for what is easier to find there.
        let xml = hayagriva::citationberg::Style::Independent(csl.clone()).to_xml().unwrap_or_default();
        let force_whole = std::env::var_os("SCHOLAR_WHOLE_SCOPES").is_some();
        // The reference path renders with the style as it is, too.
        let probes = super::specialize::Probes::new(&csl, languages.len() >= SPECIALIZE_FROM && !force_whole);
        let (locale_files, sorter) = rayon::join(
            || {
                let mut files = locale_files(codes.iter().map(String::as_str));
                style.locales.apply(&mut files);
                hot_terms_first(&mut files, &xml);
                files
            },
            || super::sort::Sorter::new(&csl, &xml, &locale, probes.clone()),
        );
        let mut cite_style = csl.clone();
        cite_style.bibliography = None;
        let sorted = csl.bibliography.as_ref().is_some_and(|b| b.sort.is_some());
        let substitutes = csl.bibliography.as_ref().is_some_and(|b| b.subsequent_author_substitute.is_some());
        let note_style = csl.settings.class == StyleClass::Note;
        let mut engine = Hayagriva {
            specialized: super::specialize::Specializer::new(csl.clone(), probes),
            style: csl,
            cite_style,
            quiet_style: IndependentStyle::from_xml(QUIET_STYLE).expect("the quiet style is valid CSL"),
            sorter,
            locale,
            locale_files,
            numeric: false,
            sorted,
            whole_scopes: substitutes,
            // The reference path the shortcuts are tested against.
            force_whole,
            note_style,
            entry_language,
            slim_citations: !force_whole && citations_read_nothing(&xml),
        };
        engine.numeric = engine.probe_numeric();
        // A numbered list in sorted order numbers by that sort, which only
        // hayagriva's whole-scope rendering knows.
        if engine.numeric && engine.sorted {
            engine.whole_scopes = true;
        }
        engine
    }

    /// Whether the style's citations show citation numbers.
    fn probe_numeric(&self) -> bool {
        let Ok(library) =
            hayagriva::io::from_yaml_str("probe:\n  type: book\n  title: Probe\n  author: Probe, P.\n  date: 2000\n")
        else {
            return false;
        };
        let Some(entry) = library.get("probe") else {
            return false;
        };
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::new(
            vec![CitationItem::with_entry(entry)],
            &self.cite_style,
            Some(self.locale.clone()),
            &self.locale_files,
            self.note_style.then_some(1),
        ));
        let rendered =
            driver.finish(BibliographyRequest::new(&self.cite_style, Some(self.locale.clone()), &self.locale_files));
        rendered.citations.first().is_some_and(|c| has_meta(&c.citation, &|m| matches!(m, ElemMeta::CitationNumber)))
    }

    /// The locale a work's reference uses: its own language's (Chinese works
    /// get 等, others "et al." under GB/T 7714) with `entry-language`, the
    /// book's otherwise.
    pub fn work_locale(&self, work: &Work) -> LocaleCode {
        if !self.entry_language {
            return self.locale.clone();
        }
        let book_language = self.locale.0.split('-').next().unwrap_or("en");
        match work.language.as_deref() {
            Some(language) if language == book_language => self.locale.clone(),
            Some(language) => LocaleCode(resolve_locale_lenient(language).unwrap_or_else(|| "en-US".into())),
            // Latin script in a Chinese, Japanese or Korean book is a Western
            // work; elsewhere a work without a language is in the book's.
            None if matches!(book_language, "zh" | "ja" | "ko") => LocaleCode::en_us(),
            None => self.locale.clone(),
        }
    }

    pub fn reference(&self, work: &Work) -> Reference {
        let style = self.specialized.for_entry(&work.entry);
        let style = style.as_ref();
        let locale = self.work_locale(work);
        let mut driver = BibliographyDriver::new();
        let mut item = CitationItem::with_entry(&work.entry);
        item.locale = Some(locale.clone());
        // Numeric styles need no `alone` text (nothing to disambiguate): the
        // citation that puts the work in the list can be a cheap one.
        let quiet = self.numeric && self.style.bibliography.is_some();
        driver.citation(CitationRequest::new(
            vec![item],
            if quiet { &self.quiet_style } else { style },
            Some(locale.clone()),
            &self.locale_files,
            self.note_style.then_some(1),
        ));
        let rendered = driver.finish(BibliographyRequest::new(style, Some(locale), &self.locale_files));
        let citation = rendered.citations.into_iter().next().map(|c| c.citation).unwrap_or_default();
        let alone = Writer::default().plain(&citation);
        let sort = match &self.sorter {
            Some(sorter) => sorter.keys(&work.entry, &self.work_locale(work), &self.locale_files),
            None => Default::default(),
        };
        match rendered.bibliography.and_then(|b| b.items.into_iter().next()) {
            Some(item) => Reference {
                label: item.first_field.map(|f| ElemChildren(vec![f])),
                content: item.content,
                facts: Facts { alone, sort },
            },
            // A style without a bibliography: the full note is the reference.
            None => Reference { label: None, content: citation, facts: Facts { alone, sort } },
        }
    }

    /// Renders one scope: its citations (in reading order) and its list's
    /// order. `works` are the scope's distinct works, in order of first
    /// citation, then the nocited ones; `references` their alone renderings.
    pub fn scope(
        &self,
        works: &[&Work],
        references: &[&Facts],
        citations: &[CiteInput],
        nocite: &[usize],
    ) -> ScopeOutput {
        // Works whose citations alone read the same need disambiguating.
        let mut ambiguous: Vec<usize> = Vec::new();
        if !self.numeric {
            let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
            for (w, reference) in references.iter().enumerate() {
                if !reference.alone.is_empty() {
                    by_text.entry(reference.alone.as_str()).or_default().push(w);
                }
            }
            ambiguous = by_text.into_values().filter(|group| group.len() > 1).flatten().collect();
            ambiguous.sort_unstable();
        }
        // When most works need disambiguating, rendering them together costs
        // more than the whole scope (a library of namesakes: 18,000
        // citations, 17.7 s against 13.9 s); the output is the same.
        let whole =
            self.whole_scopes || (!ambiguous.is_empty() && (self.force_whole || ambiguous.len() * 2 > works.len()));
        let style = if whole { &self.style } else { &self.cite_style };
        // Where citations read nothing of an entry, hayagriva gets entries
        // stripped to key and type: it hashes and compares whole entries
        // several times per citation.
        let slim: Vec<hayagriva::Entry> = if self.slim_citations && self.numeric && !whole {
            works.iter().map(|w| hayagriva::Entry::new(w.entry.key(), *w.entry.entry_type())).collect()
        } else {
            Vec::new()
        };
        let entry = |w: usize| if slim.is_empty() { &works[w].entry } else { &slim[w] };
        // A citation of one work can use the work's specialized copy (the
        // bibliography is left to `finish`, whose style has none).
        let specialized: Vec<Option<Arc<IndependentStyle>>> = citations
            .iter()
            .map(|citation| match citation.items.as_slice() {
                [item] if !whole && slim.is_empty() => Some(self.specialized.for_entry(&works[item.work].entry)),
                _ => None,
            })
            .collect();
        let mut driver = BibliographyDriver::new();
        let mut note = 0;
        for (citation, specialized) in citations.iter().zip(&specialized) {
            if citation.items.is_empty() {
                continue;
            }
            let items = citation
                .items
                .iter()
                .map(|item| {
                    let work = works[item.work];
                    let locator = item.locator.map(|l| SpecificLocator(l.kind, LocatorPayload::Str(&l.value)));
                    // Numeric styles have no author in their citations; the
                    // caller writes the names before the number instead.
                    let purpose = (citation.narrative && !self.numeric).then_some(CitePurpose::Prose);
                    CitationItem::new(entry(item.work), locator, Some(self.work_locale(work)), false, purpose)
                })
                .collect();
            note += 1;
            driver.citation(CitationRequest::new(
                items,
                specialized.as_deref().unwrap_or(style),
                Some(self.citation_locale(works, citation)),
                &self.locale_files,
                Some(note),
            ));
        }
        if !nocite.is_empty() {
            let items = nocite
                .iter()
                .map(|&w| CitationItem::new(entry(w), None, Some(self.work_locale(works[w])), true, None))
                .collect();
            driver.citation(CitationRequest::new(items, style, Some(self.locale.clone()), &self.locale_files, None));
        }
        let rendered = driver.finish(BibliographyRequest::new(style, Some(self.locale.clone()), &self.locale_files));
        let mut rendered_citations = rendered.citations.into_iter().map(|c| c.citation);
        let mut out = Vec::with_capacity(citations.len());
        for citation in citations {
            if citation.items.is_empty() {
                out.push(ElemChildren::default());
                continue;
            }
            let mut tree = rendered_citations.next().unwrap_or_default();
            if !self.numeric {
                for (i, item) in citation.items.iter().enumerate() {
                    if item.suppress_author {
                        suppress_author(&mut tree, i);
                    }
                }
            }
            for (i, item) in citation.items.iter().enumerate() {
                add_affixes(&mut tree, i, item.prefix, item.suffix);
            }
            out.push(tree);
        }

        let key_index = |key: &str| works.iter().position(|w| w.entry.key() == key);
        if whole && let Some(bibliography) = rendered.bibliography {
            let order = bibliography.items.iter().filter_map(|i| key_index(&i.key)).collect();
            let items = bibliography.items.into_iter().map(Some).collect();
            return ScopeOutput { citations: out, order, items };
        }
        let order = self.order(references);
        let mut items: Vec<Option<BibliographyItem>> = vec![None; order.len()];
        if !ambiguous.is_empty() {
            // The works that need it are rendered together, cited as the
            // scope cites them, so hayagriva disambiguates them as it would
            // in the whole scope.
            let locale = self.work_locale(works[ambiguous[0]]);
            let mut driver = BibliographyDriver::new();
            for citation in citations {
                let items: Vec<CitationItem<hayagriva::Entry>> = citation
                    .items
                    .iter()
                    .filter(|item| ambiguous.binary_search(&item.work).is_ok())
                    .map(|item| {
                        let work = works[item.work];
                        let locator = item.locator.map(|l| SpecificLocator(l.kind, LocatorPayload::Str(&l.value)));
                        let purpose = citation.narrative.then_some(CitePurpose::Prose);
                        CitationItem::new(&work.entry, locator, Some(self.work_locale(work)), false, purpose)
                    })
                    .collect();
                if !items.is_empty() {
                    driver.citation(CitationRequest::new(
                        items,
                        &self.style,
                        Some(self.citation_locale(works, citation)),
                        &self.locale_files,
                        None,
                    ));
                }
            }
            let together = driver.finish(BibliographyRequest::new(&self.style, Some(locale), &self.locale_files));
            for item in together.bibliography.map(|b| b.items).unwrap_or_default() {
                if let Some(w) = key_index(&item.key)
                    && let Some(n) = order.iter().position(|&o| o == w)
                {
                    items[n] = Some(item);
                }
            }
        }
        ScopeOutput { citations: out, order, items }
    }

    /// A citation's locale: its works' own when they agree (so an author-date
    /// citation of a Chinese work says 等), the book's otherwise.
    fn citation_locale(&self, works: &[&Work], citation: &CiteInput) -> LocaleCode {
        let mut locales = citation.items.iter().map(|i| self.work_locale(works[i.work]));
        let first = locales.next().unwrap_or_else(|| self.locale.clone());
        if locales.all(|l| l == first) { first } else { self.locale.clone() }
    }

    /// The list order of works (given by their references, in order of
    /// first citation): that order for unsorted styles, the style's sort
    /// otherwise (ties keep the order of first citation).
    pub fn order(&self, references: &[&Facts]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..references.len()).collect();
        if let Some(sorter) = &self.sorter {
            order.sort_by(|&a, &b| sorter.compare(&references[a].sort, a, &references[b].sort, b));
        }
        order
    }

    pub fn note_style(&self) -> bool {
        self.note_style
    }
}

/// Whether the style's citations (with the macros they call) read nothing
/// of an entry but its key: only the citation number, the locator and note
/// numbers, and no test of the entry's type (which may look at parents).
/// Numeric styles' citations mostly are so.
fn citations_read_nothing(xml: &str) -> bool {
    static CITATION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)<citation\b.*?</citation>").expect("valid regex"));
    static READS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\b(variable|is-numeric|is-uncertain-date|type|macro)="([^"]*)""#).expect("valid regex")
    });
    let Some(citation) = CITATION.find(xml) else { return false };
    let macros = super::sort::macro_bodies(xml);
    let mut seen = std::collections::HashSet::new();
    let mut pending = vec![citation.as_str()];
    while let Some(text) = pending.pop() {
        for reads in READS.captures_iter(text) {
            let (attribute, value) = (reads.get(1).map_or("", |m| m.as_str()), reads.get(2).map_or("", |m| m.as_str()));
            match attribute {
                "macro" => {
                    if seen.insert(value) {
                        match macros.get(value) {
                            Some(body) => pending.push(body),
                            None => return false,
                        }
                    }
                }
                "type" => return false,
                _ => {
                    let numbers = ["citation-number", "locator", "first-reference-note-number"];
                    if !value.split_whitespace().all(|v| numbers.contains(&v)) {
                        return false;
                    }
                }
            }
        }
    }
    true
}

/// Moves the terms `style` can ask for to the front of each locale's list.
/// hayagriva looks a term up by scanning the list (several hundred terms,
/// most of them names of types and roles), once per label, date and name
/// list it lays out. Only the order changes: duplicates keep theirs, so
/// every lookup finds what it found before.
fn hot_terms_first(locales: &mut [Locale], xml: &str) {
    // Every attribute value of the style: term names, variables, locators.
    let quoted: std::collections::HashSet<&str> = xml.split('"').skip(1).step_by(2).collect();
    const ALWAYS: &[&str] = &[
        "and",
        "et-al",
        "and others",
        "open-quote",
        "close-quote",
        "open-inner-quote",
        "close-inner-quote",
        "page-range-delimiter",
        "no date",
        "ad",
        "bc",
        "circa",
        "page",
        "issue",
        "volume",
        "section",
        "chapter",
    ];
    let hot = |term: &hayagriva::citationberg::LocalizedTerm| {
        let Ok(serde_json::Value::String(name)) = serde_json::to_value(term.name) else { return true };
        ALWAYS.contains(&name.as_str())
            || ["month-", "season-", "ordinal", "long-ordinal"].iter().any(|p| name.starts_with(p))
            || quoted.contains(name.as_str())
    };
    for locale in locales {
        if let Some(terms) = &mut locale.terms {
            // A stable partition: the hot ones first, each group in order.
            let (mut first, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut terms.terms).into_iter().partition(hot);
            first.extend(rest);
            terms.terms = first;
        }
    }
}

fn has_meta(children: &ElemChildren, test: &dyn Fn(&ElemMeta) -> bool) -> bool {
    children.0.iter().any(|child| match child {
        ElemChild::Elem(elem) => elem.meta.as_ref().is_some_and(test) || has_meta(&elem.children, test),
        _ => false,
    })
}

/// `[-@k]`: drops the names from item `index`'s part of the citation, with
/// the delimiter that followed them (`(Knuth, 1984)` becomes `(1984)`).
fn suppress_author(tree: &mut ElemChildren, index: usize) {
    fn find_item(children: &mut ElemChildren, index: usize) -> Option<&mut ElemChildren> {
        for child in children.0.iter_mut() {
            if let ElemChild::Elem(elem) = child {
                if elem.meta == Some(ElemMeta::Entry(index)) {
                    return Some(&mut elem.children);
                }
                if let Some(found) = find_item(&mut elem.children, index) {
                    return Some(found);
                }
            }
        }
        None
    }
    fn drop_names(children: &mut ElemChildren) -> bool {
        for i in 0..children.0.len() {
            let is_names = matches!(&children.0[i], ElemChild::Elem(e) if matches!(e.meta, Some(ElemMeta::Names(_))));
            if is_names {
                children.0.remove(i);
                // The delimiter after the names, if the next child is text.
                if let Some(ElemChild::Text(Formatted { text, .. })) = children.0.get_mut(i) {
                    let trimmed = text.trim_start_matches([',', ' ', ';', ':']).to_string();
                    *text = trimmed;
                }
                return true;
            }
            if let ElemChild::Elem(elem) = &mut children.0[i]
                && drop_names(&mut elem.children)
            {
                // A group whose names went may start with a delimiter now.
                if let Some(ElemChild::Text(Formatted { text, .. })) = elem.children.0.first_mut() {
                    *text = text.trim_start_matches([',', ' ']).to_string();
                }
                return true;
            }
        }
        false
    }
    if let Some(item) = find_item(tree, index) {
        drop_names(item);
    }
}

/// Inserts user prefixes and suffixes around item `index` of a citation.
fn add_affixes(tree: &mut ElemChildren, index: usize, prefix: &str, suffix: &str) {
    fn walk(children: &mut ElemChildren, index: usize, prefix: &str, suffix: &str) -> bool {
        for i in 0..children.0.len() {
            let here = matches!(&children.0[i], ElemChild::Elem(e) if e.meta == Some(ElemMeta::Entry(index)));
            if here {
                let text = |t: String| ElemChild::Text(Formatted { text: t, formatting: Formatting::default() });
                if !suffix.is_empty() {
                    children.0.insert(i + 1, text(suffix.to_string()));
                }
                if !prefix.is_empty() {
                    children.0.insert(i, text(format!("{prefix} ")));
                }
                return true;
            }
            if let ElemChild::Elem(elem) = &mut children.0[i]
                && walk(&mut elem.children, index, prefix, suffix)
            {
                return true;
            }
        }
        false
    }
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    if !walk(tree, index, prefix, suffix) {
        // The item vanished into a collapsed range: keep the words anyway.
        let text = |t: String| ElemChild::Text(Formatted { text: t, formatting: Formatting::default() });
        if !prefix.is_empty() {
            tree.0.insert(0, text(format!("{prefix} ")));
        }
        if !suffix.is_empty() {
            tree.0.push(text(suffix.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hayagriva::archive::ArchivedStyle;
    use hayagriva::citationberg::Style as Csl;

    fn render(style: &IndependentStyle, locales: &[Locale], entry: &hayagriva::Entry) -> String {
        let mut driver = BibliographyDriver::new();
        driver.citation(CitationRequest::from_items(vec![CitationItem::with_entry(entry)], style, locales));
        let rendered = driver.finish(BibliographyRequest::new(style, None, locales));
        let mut text = Writer::default().plain(&rendered.citations[0].citation);
        for item in rendered.bibliography.map(|b| b.items).unwrap_or_default() {
            text.push_str(" | ");
            text.push_str(&Writer::default().plain(&item.content));
        }
        text
    }

    /// Which citations may be rendered with entries stripped to their key:
    /// those that show a number and a locator and look at nothing else.
    #[test]
    fn citations_that_read_nothing_of_the_entry() {
        let reads_nothing = |name: &str| {
            let Csl::Independent(style) = ArchivedStyle::by_name(name).unwrap().get() else { unreachable!() };
            citations_read_nothing(&Csl::Independent(style).to_xml().unwrap())
        };
        for (name, expected) in [
            ("ieee", true),
            ("gb-7714-2015-numeric", true),
            ("vancouver", true),
            ("apa", false),
            ("chicago-author-date", false),
            ("chicago-notes", false),
            ("alphanumeric", false),
            ("mla", false),
        ] {
            assert_eq!(reads_nothing(name), expected, "{name}");
        }
        let xml = |citation: &str| {
            format!(
                r#"<style><macro name="num"><text variable="citation-number"/></macro><macro name="who"><names variable="author"/></macro>{citation}</style>"#
            )
        };
        let cases = [
            (r#"<citation><layout><text macro="num"/><text variable="locator"/></layout></citation>"#, true),
            (r#"<citation><layout><text macro="who"/></layout></citation>"#, false),
            (
                r#"<citation><layout><choose><if type="book"><text macro="num"/></if></choose></layout></citation>"#,
                false,
            ),
            (
                r#"<citation><layout><choose><if is-numeric="volume"><text macro="num"/></if></choose></layout></citation>"#,
                false,
            ),
            (r#"<citation><layout><text macro="missing"/></layout></citation>"#, false),
            (r#"<citation><sort><key macro="who"/></sort><layout><text macro="num"/></layout></citation>"#, false),
        ];
        for (citation, expected) in cases {
            assert_eq!(citations_read_nothing(&xml(citation)), expected, "{citation}");
        }
    }

    /// Reordering the locales' terms changes what is found first only in
    /// speed: every term renders as before.
    #[test]
    fn hot_terms_first_renders_the_same() {
        let bib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/shared.bib")).unwrap();
        let library = hayagriva::io::from_biblatex_str(&bib).unwrap();
        let plain = locale_files(["en-US", "zh-CN", "de-DE"]);
        for name in ["apa", "ieee", "chicago-notes", "gb-7714-2015-numeric", "mla", "nature", "harvard-cite-them-right"]
        {
            let Csl::Independent(style) = ArchivedStyle::by_name(name).unwrap().get() else { unreachable!() };
            let mut reordered = plain.clone();
            hot_terms_first(&mut reordered, &Csl::Independent(style.clone()).to_xml().unwrap());
            for entry in library.iter() {
                assert_eq!(render(&style, &reordered, entry), render(&style, &plain, entry), "{name}: {}", entry.key());
            }
        }
    }
}
