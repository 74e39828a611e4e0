//! The CSL processor behind the renderer: our own `scholar-citeproc`, with
//! the book's style and locale. Works become CSL-JSON items through the
//! exports' converter, and the processor's runs become hayagriva's output
//! tree (`super::tree`), which the writers share.
//!
//! A scope is rendered whole (its citations in reading order and its list):
//! numbering, disambiguation and year suffixes are the processor's, as
//! citeproc-js would make them.

use std::collections::HashMap;
use std::sync::Arc;

use hayagriva::{BibliographyItem, ElemChildren};
use scholar_citeproc::item::Item;
use scholar_citeproc::{Kind, Processor, Tag};

use super::tree::{entry, tree};
use crate::library::Work;
use crate::locales;
use crate::scan::Locator;
use crate::style::Style;

/// A work's reference, rendered alone (numbered 1 when the style numbers).
#[derive(Debug, Clone)]
pub struct Reference {
    /// The `[1]` label of styles that align it in its own column.
    pub label: Option<ElemChildren>,
    pub content: ElemChildren,
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
    /// Aligned with `order`: each work's entry as the list renders it, or
    /// `None` for a style without a bibliography (the list then shows each
    /// work's reference).
    pub items: Vec<Option<BibliographyItem>>,
}

/// `scholar-citeproc` with the book's style and locale.
pub struct Engine {
    processor: Processor,
    /// Citations show citation numbers (`[1]`).
    numeric: bool,
    /// Each entry in its own language's terms; a work whose language no
    /// field or script shows is then Western in a Chinese, Japanese or
    /// Korean book (`en`).
    undeclared: Option<&'static str>,
    /// Each work's item, made once (a work is in many scopes, and making
    /// one goes through the CSL-JSON export).
    items: std::sync::RwLock<HashMap<String, Arc<Item>>>,
    /// Entries drawn once for every list that shows them alike (a work's
    /// item is made once, so its id names one item).
    entries: Arc<scholar_citeproc::Entries>,
}

impl Engine {
    /// The style's processor in the book's `locale`, with hayagriva's
    /// bundled locale files; with `entry_language`, each work in the
    /// language of `languages` it is written in.
    /// The locales come from `store` when it has them.
    pub fn new(
        style: &Style,
        locale: &str,
        languages: &[Option<String>],
        entry_language: bool,
        store: Option<&locales::Store>,
    ) -> Engine {
        let book_language = locale.split('-').next().unwrap_or("en");
        let undeclared = (entry_language && matches!(book_language, "zh" | "ja" | "ko")).then_some("en");
        let named = || languages.iter().flatten().map(String::as_str).filter(|_| entry_language);
        let wanted = named().chain([locale, "en"]).map(locales::language).collect();
        let mut locales = locales::of(&wanted, store);
        style.locales.apply(&mut locales);
        let mut processor = Processor::with_style(style.csl.clone(), &locales, Some(locale));
        if entry_language {
            processor = processor.with_item_languages(&locales, named().chain(undeclared));
        }
        let mut engine =
            Engine { processor, numeric: false, undeclared, items: Default::default(), entries: Default::default() };
        engine.numeric = engine.probe_numeric();
        engine
    }

    /// Whether a citation of a probe work prints its citation number.
    fn probe_numeric(&self) -> bool {
        let probe = serde_json::json!({
            "id": "probe", "type": "book", "title": "Probe",
            "author": [{"family": "Probe", "given": "P."}], "issued": {"date-parts": [[2000]]}
        });
        let Ok(item) = Item::from_json(&probe) else { return false };
        let cite = scholar_citeproc::CiteInput { id: "probe".into(), ..Default::default() };
        let rendered = self.processor.render(&[item], &[vec![cite]], false);
        rendered.citations.iter().flatten().any(|p| p.kind == Kind::Tag(Tag::NumberStart))
    }

    /// Whether the style's citations show citation numbers (`[1]`), so a
    /// list's order is its numbering.
    pub fn numeric(&self) -> bool {
        self.numeric
    }

    /// Whether the style is a note style (`class="note"`).
    pub fn note_style(&self) -> bool {
        self.processor.is_note_style()
    }

    /// A work's reference, rendered alone (numbered 1 when the style
    /// numbers), for previews and `{{#cite-as}}`. For a style without a
    /// bibliography it is the work's citation (the full note).
    pub fn reference(&self, work: &Work) -> Reference {
        let item = self.item(work);
        if !self.processor.has_bibliography() {
            let cite = scholar_citeproc::CiteInput { id: item.id.clone(), ..Default::default() };
            let rendered = self.processor.render(&[item], &[vec![cite]], false);
            let citation = rendered.citations.into_iter().next().unwrap_or_default();
            return Reference { label: None, content: tree(&citation) };
        }
        let layout = scholar_citeproc::Layout { entries: Some(self.entries.clone()), ..Default::default() };
        let rendered = self.processor.render_with(&[item], &[], true, &layout);
        let run = rendered.bibliography.into_iter().next().map(|(_, run)| run).unwrap_or_default();
        let (label, content) = entry(&run);
        Reference { label: label.map(|l| ElemChildren(vec![l])), content }
    }

    /// Renders one scope whole: its citations in reading order and its list
    /// (every work, the nocited ones too).
    pub fn scope(&self, works: &[&Work], citations: &[CiteInput]) -> ScopeOutput {
        let items: Vec<Arc<Item>> = works.iter().map(|w| self.item(w)).collect();
        let mut clusters: Vec<Vec<scholar_citeproc::CiteInput>> = Vec::new();
        let mut notes = Vec::new();
        for citation in citations.iter().filter(|c| !c.items.is_empty()) {
            notes.push(citation.note);
            let cites = citation
                .items
                .iter()
                .map(|cited| scholar_citeproc::CiteInput {
                    id: items[cited.work].id.clone(),
                    locator: cited.locator.map(|l| l.value.clone()),
                    label: cited.locator.map(|l| locator_name(l.kind)),
                    // pandoc's reading of `[see @a]`: the prefix ends with a space.
                    prefix: (!cited.prefix.is_empty()).then(|| format!("{} ", cited.prefix)),
                    suffix: (!cited.suffix.is_empty()).then(|| cited.suffix.to_string()),
                    // Numeric styles print no author to suppress; the
                    // renderer writes a narrative cite's names itself.
                    suppress_author: cited.suppress_author && !self.numeric,
                    author_only: false,
                    // A note style's note is the full citation (the
                    // names stand in the text).
                    narrative: citation.narrative && !self.numeric && !self.note_style(),
                })
                .collect();
            clusters.push(cites);
        }
        // A note style's clusters go in the order of their notes (a
        // citation in a footnote is read where the footnote's mark is).
        let mut order: Vec<usize> = (0..clusters.len()).collect();
        let layout = if notes.iter().any(Option::is_some) {
            // A citation in no note (in a heading) keeps its place.
            let mut seen = 0;
            let keys: Vec<u32> = notes
                .iter()
                .map(|n| {
                    seen = n.unwrap_or(seen);
                    seen
                })
                .collect();
            order.sort_by_key(|&i| keys[i]);
            let sorted: Vec<Vec<scholar_citeproc::CiteInput>> = order.iter().map(|&i| clusters[i].clone()).collect();
            clusters = sorted;
            scholar_citeproc::Layout {
                notes: Some(order.iter().map(|&i| notes[i].unwrap_or(0)).collect()),
                entries: Some(self.entries.clone()),
                ..Default::default()
            }
        } else {
            scholar_citeproc::Layout { entries: Some(self.entries.clone()), ..Default::default() }
        };
        let mut rendered = self.processor.render_with(&items, &clusters, true, &layout);
        // Back in the citations' order.
        let mut in_order = vec![Vec::new(); order.len()];
        for (run, &i) in rendered.citations.drain(..).zip(&order) {
            in_order[i] = run;
        }
        let mut runs = in_order.iter();
        let citations = citations
            .iter()
            .map(|c| {
                if c.items.is_empty() {
                    ElemChildren::default()
                } else {
                    runs.next().map(|r| tree(r)).unwrap_or_default()
                }
            })
            .collect();
        if rendered.bibliography.is_empty() {
            // No bibliography in the style: the list shows each work's note.
            return ScopeOutput { citations, order: (0..works.len()).collect(), items: vec![None; works.len()] };
        }
        let index: HashMap<&str, usize> = items.iter().enumerate().map(|(w, item)| (item.id.as_str(), w)).collect();
        let mut order = Vec::with_capacity(rendered.bibliography.len());
        let mut entries = Vec::with_capacity(rendered.bibliography.len());
        for (id, run) in &rendered.bibliography {
            let Some(&w) = index.get(id.as_str()) else { continue };
            let (first_field, content) = entry(run);
            order.push(w);
            entries.push(Some(BibliographyItem { key: id.clone(), first_field, content }));
        }
        ScopeOutput { citations, order, items: entries }
    }

    /// A work as the processor's item (made once per work).
    fn item(&self, work: &Work) -> Arc<Item> {
        let key = work.entry.key();
        if let Some(item) = self.items.read().ok().and_then(|items| items.get(key).cloned()) {
            return item;
        }
        let item = Arc::new(self.make_item(work));
        if let Ok(mut items) = self.items.write() {
            items.insert(key.to_string(), item.clone());
        }
        item
    }

    /// A work as the processor's item, through its CSL-JSON (as exported).
    fn make_item(&self, work: &Work) -> Item {
        let csl = crate::export::csl::item(&work.entry, work.language.as_deref());
        let json = serde_json::to_value(&csl).unwrap_or_default();
        // The converter always writes an object with an `id`.
        let mut item = Item::from_json(&json).unwrap_or_else(|_| {
            Item::from_json(&serde_json::json!({ "id": work.entry.key(), "type": "document" }))
                .expect("an id and a type make an item")
        });
        if let Some(language) = self.undeclared
            && work.language.is_none()
        {
            item.strings.insert("language".into(), language.into());
        }
        item
    }
}

/// A locator's CSL name (`page`, `chapter`, …).
fn locator_name(kind: hayagriva::citationberg::taxonomy::Locator) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "page".into(),
    }
}
