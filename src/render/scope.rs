//! One scope rendered: its works and citations gathered for the engine,
//! then its citations and its list written as edits.

use std::collections::HashMap;

use hayagriva::{ElemChild, Formatted};

use super::engine::{CiteInput, ItemInput, ScopeOutput};
use super::{BookList, Edit, ListTarget, Renderer, Sink, notes, relative_href};
use crate::collect::{Placement, Scope, Site};
use crate::ids;
use crate::library::Work;

/// A scope's works and citations, as the engine takes them.
struct Gathered<'a> {
    /// The scope's citations, in reading order.
    sites: Vec<&'a Site>,
    /// The scope's works: first citation order, then nocited ones. Only
    /// works with a prepared reference take part, so the works given to the
    /// engine stay aligned with `keys`.
    keys: Vec<&'a str>,
    /// Each key's place in `keys`.
    index: HashMap<&'a str, usize>,
    /// Per citation: the items the engine renders (known works).
    inputs: Vec<CiteInput<'a>>,
    /// Per citation: the keys of those items, in the citation's order.
    item_keys: Vec<Vec<&'a str>>,
}

/// Where a citation of the scope links each of its works: (chapter, id).
type EntryId<'f> = &'f dyn Fn(&str) -> Option<(usize, String)>;

impl<'a> Renderer<'a> {
    pub(super) fn scope(&self, scope: &'a Scope, book: &BookList, sink: &mut Sink) {
        let Some(gathered) = self.gather(scope) else { return };
        let works: Vec<&Work> = gathered.keys.iter().filter_map(|k| self.shown(k)).map(|(w, _)| w).collect();
        let rendered = self.engine.scope(&works, &gathered.inputs);
        let list_target = match scope.placement {
            Placement::Directive { chapter, .. } | Placement::Auto { chapter, .. } => {
                Some(ListTarget { chapter, slug: scope.slug.clone() })
            }
            Placement::Nowhere => None,
        };
        let entry_id = |key: &str| -> Option<(usize, String)> {
            match &list_target {
                Some(t) => Some((t.chapter, ids::entry(&t.slug, key))),
                None => book.targets.get(key).cloned(),
            }
        };
        self.write_citations(&gathered, &rendered, &entry_id, sink);
        if let Some(target) = list_target {
            self.write_list(scope, &target, &gathered.keys, &rendered, sink);
        }
    }

    /// The scope's citations and works, or `None` when it has neither.
    fn gather(&self, scope: &'a Scope) -> Option<Gathered<'a>> {
        let collected = self.collected;
        let sites: Vec<&Site> = scope.citations.iter().map(|&i| &collected.citations[i]).collect();
        if sites.is_empty() && scope.nocite.is_empty() {
            return None;
        }
        let mut keys: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let add = |key: &'a str, keys: &mut Vec<&'a str>, index: &mut HashMap<&'a str, usize>| -> Option<usize> {
            self.shown(key)?;
            Some(*index.entry(key).or_insert_with(|| {
                keys.push(key);
                keys.len() - 1
            }))
        };
        let mut inputs: Vec<CiteInput> = Vec::with_capacity(sites.len());
        let mut item_keys: Vec<Vec<&str>> = Vec::with_capacity(sites.len());
        for site in &sites {
            let citation = collected.citation(site);
            let mut items = Vec::new();
            let mut known = Vec::new();
            for item in &citation.items {
                if let Some(work) = add(&item.key, &mut keys, &mut index) {
                    items.push(ItemInput {
                        work,
                        locator: item.locator.as_ref(),
                        suppress_author: item.suppress_author,
                        prefix: &item.prefix,
                        suffix: &item.suffix,
                    });
                    known.push(item.key.as_str());
                }
            }
            let note = self.note_numbers.get(&(site.chapter, site.marker)).copied();
            inputs.push(CiteInput { items, narrative: citation.narrative, note });
            item_keys.push(known);
        }
        for key in &scope.nocite {
            add(key, &mut keys, &mut index);
        }
        Some(Gathered { sites, keys, index, inputs, item_keys })
    }

    /// Each citation of the scope, as an edit (two for one that becomes a
    /// footnote).
    fn write_citations(&self, gathered: &Gathered<'a>, rendered: &ScopeOutput, entry_id: EntryId, sink: &mut Sink) {
        let collected = self.collected;
        let numbers: HashMap<usize, usize> = rendered.order.iter().enumerate().map(|(n, &w)| (w, n + 1)).collect();
        for (n, site) in gathered.sites.iter().enumerate() {
            let chapter = &collected.chapters[site.chapter];
            let marker = &chapter.scan.markers[site.marker];
            let citation = collected.citation(site);
            let mut tree = rendered.citations[n].clone();
            // A note style's citation becomes a footnote, unless it already
            // stands in one (or in a heading, whose id it must not change).
            let as_note = self.engine.note_style() && !marker.in_footnote && !marker.in_heading;
            let item_keys = &gathered.item_keys[n];
            let first_work = item_keys.first().and_then(|key| self.library.work(key));
            // `@key` in a numeric or note style: the names stand in the
            // text, then the number or the note.
            let names = match first_work {
                Some(work) if citation.narrative && (self.engine.numeric() || as_note) => {
                    let names = self.short_names(work, self.labels);
                    let zh = self.config.locale.starts_with("zh") || self.config.locale.starts_with("ja");
                    Some(if as_note || zh { names } else { format!("{names} ") })
                }
                _ => None,
            };
            if let Some(names) = names.as_ref().filter(|_| !as_note) {
                let text = names.clone();
                tree.0.insert(0, ElemChild::Text(Formatted { text, formatting: Default::default() }));
            }
            let href = |j: usize| -> Option<String> {
                let key = item_keys.get(j)?;
                let (target_chapter, id) = entry_id(key)?;
                Some(relative_href(&chapter.path, &collected.chapters[target_chapter].path, &id))
            };
            let missing: Vec<&str> = citation
                .items
                .iter()
                .filter(|item| self.shown(&item.key).is_none())
                .map(|item| item.key.as_str())
                .collect();
            let missing: Vec<String> = missing.iter().map(|key| self.missing(key)).collect();
            let mut body = self.markup().citation_body(&tree, &href, &missing);
            let preview = if self.config.hover && !marker.in_heading && !item_keys.is_empty() {
                let works: Vec<(Option<usize>, Option<usize>)> = item_keys
                    .iter()
                    .map(|key| (self.references.get(key).copied(), numbers.get(&gathered.index[key]).copied()))
                    .collect();
                self.markup().preview(&works)
            } else {
                String::new()
            };
            sink.css.push(site.chapter);
            if self.engine.note_style() && marker.in_footnote {
                notes::in_note(&mut body, &chapter.content, marker.span.end);
            }
            if as_note {
                let note = notes::Note { label: &site.id, names: names.as_deref(), body: &body, preview: &preview };
                let (inline, definition) = note.write(self.output, &chapter.content, marker.span.clone());
                sink.edits.push((site.chapter, inline));
                sink.edits.push((site.chapter, definition));
                continue;
            }
            let text = self.markup().citation(&site.id, body, &preview, marker.in_table);
            sink.edits.push((site.chapter, Edit { range: marker.span.clone(), text }));
        }
    }

    /// The scope's list, with its downloads, where its placement says.
    fn write_list(&self, scope: &Scope, target: &ListTarget, keys: &[&str], rendered: &ScopeOutput, sink: &mut Sink) {
        let entries: Vec<String> = rendered
            .order
            .iter()
            .enumerate()
            .map(|(n, &w)| {
                let key = keys[w];
                let id = ids::entry(&target.slug, key);
                let body = match &rendered.items[n] {
                    Some(item) => self.item_html_or_md(item),
                    None => self.reference_text(key, Some(n + 1)),
                };
                self.entry_block(key, &id, body, None)
            })
            .collect();
        let labelled = match rendered.items.first() {
            Some(Some(item)) => item.first_field.is_some(),
            _ => keys.first().and_then(|k| self.reference(k)).is_some_and(|r| r.labelled),
        };
        let mut block = self.list_block(&entries, scope.title_level, labelled, false, &target.slug);
        let listed: Vec<&str> = rendered.order.iter().map(|&w| keys[w]).collect();
        block.push_str(&self.exports.downloads(&listed, &target.slug, &self.words));
        self.place(scope.placement, block, sink);
        sink.css.push(target.chapter);
    }
}
