//! Our own CSL processor, `scholar-citeproc`, behind the renderer's engine
//! surface (`engine = "scholar"`): works become CSL-JSON items through the
//! exports' converter, and the processor's runs become hayagriva's output
//! tree, so that the writers, the links from citations to entries, the
//! previews and the list numbers work as they do with hayagriva.
//!
//! A scope is rendered whole (its citations in reading order and its list):
//! numbering, disambiguation and year suffixes are the processor's, as
//! citeproc-js would make them.

use std::collections::HashMap;
use std::sync::Arc;

use hayagriva::citationberg::{Display, FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign};
use hayagriva::{BibliographyItem, Elem, ElemChild, ElemChildren, ElemMeta, Formatted, Formatting};
use scholar_citeproc::item::Item;
use scholar_citeproc::{Kind, Piece, Processor, Tag};

use super::engine::{CiteInput, Facts, Reference, ScopeOutput};
use crate::library::Work;
use crate::style::Style;

/// `scholar-citeproc` with the book's style and locale.
pub struct Scholar {
    processor: Processor,
    /// Citations show citation numbers (`[1]`).
    pub numeric: bool,
    /// Each entry in its own language's terms; a work whose language no
    /// field or script shows is then Western in a Chinese, Japanese or
    /// Korean book (`en`).
    undeclared: Option<&'static str>,
    /// Each work's item, made once (a work is in many scopes, and making
    /// one goes through the CSL-JSON export).
    items: std::sync::RwLock<HashMap<String, Arc<Item>>>,
}

impl Scholar {
    /// The style's processor in the book's `locale`, with hayagriva's
    /// bundled locale files; with `entry_language`, each work in the
    /// language of `languages` it is written in.
    pub fn new(style: &Style, locale: &str, languages: &[Option<String>], entry_language: bool) -> Scholar {
        let mut locales = hayagriva::archive::locales();
        style.locales.apply(&mut locales);
        let mut processor = Processor::with_style(style.csl.clone(), &locales, Some(locale));
        let book_language = locale.split('-').next().unwrap_or("en");
        let undeclared = (entry_language && matches!(book_language, "zh" | "ja" | "ko")).then_some("en");
        if entry_language {
            let named = languages.iter().flatten().map(String::as_str);
            processor = processor.with_item_languages(&locales, named.chain(undeclared));
        }
        let mut engine = Scholar { processor, numeric: false, undeclared, items: Default::default() };
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

    pub fn note_style(&self) -> bool {
        self.processor.is_note_style()
    }

    /// A work's reference, rendered alone (numbered 1 when the style numbers).
    /// Scopes are rendered whole, so no facts are needed for them; only a
    /// style without a bibliography renders the citation (the full note is
    /// then the reference).
    pub fn reference(&self, work: &Work) -> Reference {
        let item = self.item(work);
        let facts = Facts::default();
        if !self.processor.has_bibliography() {
            let cite = scholar_citeproc::CiteInput { id: item.id.clone(), ..Default::default() };
            let rendered = self.processor.render(&[item], &[vec![cite]], false);
            let citation = rendered.citations.into_iter().next().unwrap_or_default();
            return Reference { label: None, content: tree(&citation), facts };
        }
        let rendered = self.processor.render(&[item], &[], true);
        let run = rendered.bibliography.into_iter().next().map(|(_, run)| run).unwrap_or_default();
        let (label, content) = entry(&run);
        Reference { label: label.map(|l| ElemChildren(vec![l])), content, facts }
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
                ..Default::default()
            }
        } else {
            scholar_citeproc::Layout::default()
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
}

impl Scholar {
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

/// An entry's label (the first field of `second-field-align` styles) and
/// its text.
fn entry(run: &[Piece]) -> (Option<ElemChild>, ElemChildren) {
    let mut children = tree(run).0;
    let label = match children.first() {
        Some(ElemChild::Elem(Elem { display: Some(Display::LeftMargin), .. })) => match children.remove(0) {
            ElemChild::Elem(elem) => Some(ElemChild::Elem(Elem { display: None, ..elem })),
            _ => None,
        },
        _ => None,
    };
    // The text beside the label is the entry's text itself.
    if label.is_some()
        && let [ElemChild::Elem(Elem { display: Some(Display::RightInline), .. })] = children.as_slice()
        && let Some(ElemChild::Elem(elem)) = children.pop()
    {
        children = elem.children.0;
    }
    (label, ElemChildren(children))
}

/// What an open element of the tree is.
enum Frame {
    Elem { display: Option<Display>, meta: Option<ElemMeta> },
    Link(String),
}

/// A run as hayagriva's output tree: each cite of a cluster an `Entry`
/// element, the citation number a `CitationNumber` element, display blocks
/// elements with their display, URLs and DOIs links.
fn tree(run: &[Piece]) -> ElemChildren {
    let mut stack: Vec<(Frame, Vec<ElemChild>)> = vec![(Frame::Elem { display: None, meta: None }, Vec::new())];
    for piece in run {
        let frame = match &piece.kind {
            Kind::Tag(Tag::CiteStart(k)) => Some(Frame::Elem { display: None, meta: Some(ElemMeta::Entry(*k)) }),
            Kind::Tag(Tag::NumberStart) => Some(Frame::Elem { display: None, meta: Some(ElemMeta::CitationNumber) }),
            Kind::Tag(Tag::LinkStart(url)) => Some(Frame::Link(url.clone())),
            Kind::BlockStart(display) => Some(Frame::Elem { display: Some(*display), meta: None }),
            Kind::Tag(Tag::CiteEnd | Tag::NumberEnd | Tag::LinkEnd) | Kind::BlockEnd => {
                if stack.len() > 1 {
                    close(&mut stack);
                }
                continue;
            }
            // Author marks, and year suffixes (their cite's element links
            // them already).
            Kind::Mark(_) | Kind::Name(_) | Kind::Tag(Tag::YearSuffixStart | Tag::YearSuffixEnd) => continue,
            Kind::Text | Kind::Open(_) | Kind::Close(_) => None,
        };
        if let Some(frame) = frame {
            stack.push((frame, Vec::new()));
            continue;
        }
        if piece.text.is_empty() {
            continue;
        }
        let formatting = formatting(&piece.style);
        let children = &mut stack.last_mut().expect("the root stays").1;
        match children.last_mut() {
            Some(ElemChild::Text(last)) if last.formatting == formatting => last.text.push_str(&piece.text),
            _ => children.push(ElemChild::Text(Formatted { text: piece.text.clone(), formatting })),
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    ElemChildren(stack.pop().map(|(_, children)| children).unwrap_or_default())
}

/// Closes the innermost open element into its parent.
fn close(stack: &mut Vec<(Frame, Vec<ElemChild>)>) {
    let Some((frame, children)) = stack.pop() else { return };
    let Some((_, parent)) = stack.last_mut() else { return };
    match frame {
        Frame::Elem { display, meta } => {
            if !children.is_empty() {
                parent.push(ElemChild::Elem(Elem { children: ElemChildren(children), display, meta }));
            }
        }
        Frame::Link(url) => {
            let mut text = String::new();
            flatten(&children, &mut text);
            let formatting = children
                .iter()
                .find_map(|c| match c {
                    ElemChild::Text(t) => Some(t.formatting),
                    _ => None,
                })
                .unwrap_or_default();
            // `https://doi.org/` as the style's prefix belongs to the link.
            if let Some(ElemChild::Text(before)) = parent.last_mut() {
                for prefix in ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/"] {
                    if before.text.ends_with(prefix) && url.ends_with(&text) {
                        before.text.truncate(before.text.len() - prefix.len());
                        text.insert_str(0, prefix);
                        break;
                    }
                }
                if before.text.is_empty() {
                    parent.pop();
                }
            }
            if !text.is_empty() {
                parent.push(ElemChild::Link { text: Formatted { text, formatting }, url });
            }
        }
    }
}

/// The text of a tree, without its structure.
fn flatten(children: &[ElemChild], out: &mut String) {
    for child in children {
        match child {
            ElemChild::Text(t) => out.push_str(&t.text),
            ElemChild::Link { text, .. } => out.push_str(&text.text),
            ElemChild::Markup(m) => out.push_str(m),
            ElemChild::Elem(e) => flatten(&e.children.0, out),
            ElemChild::Transparent { .. } => {}
        }
    }
}

/// A piece's formatting in hayagriva's terms.
fn formatting(style: &scholar_citeproc::Style) -> Formatting {
    Formatting {
        font_style: if style.italic % 2 == 1 { FontStyle::Italic } else { FontStyle::Normal },
        font_variant: if style.small_caps % 2 == 1 { FontVariant::SmallCaps } else { FontVariant::Normal },
        font_weight: if style.bold { FontWeight::Bold } else { FontWeight::Normal },
        text_decoration: if style.underline { TextDecoration::Underline } else { TextDecoration::None },
        vertical_align: match style.align {
            1 => VerticalAlign::Sup,
            2 => VerticalAlign::Sub,
            _ => VerticalAlign::None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str) -> Piece {
        Piece::text(text)
    }

    fn tag(tag: Tag) -> Piece {
        Piece { text: String::new(), style: Default::default(), nocase: true, kind: Kind::Tag(tag) }
    }

    /// Each cite of a cluster is an `Entry` element the writer links, and a
    /// DOI with the style's `https://doi.org/` prefix is one link.
    #[test]
    fn runs_become_trees_the_writer_links() {
        let run = vec![
            piece("["),
            tag(Tag::CiteStart(0)),
            piece("1"),
            tag(Tag::CiteEnd),
            piece(", "),
            tag(Tag::CiteStart(1)),
            piece("2"),
            tag(Tag::CiteEnd),
            piece("], https://doi.org/"),
            tag(Tag::LinkStart("https://doi.org/10.1/x".into())),
            piece("10.1/x"),
            tag(Tag::LinkEnd),
        ];
        let href = |i: usize| Some(format!("#ref-{i}"));
        let writer = super::super::write::Writer { entry_href: Some(&href), links: true, number: None };
        assert_eq!(
            writer.html(&tree(&run)),
            "&#91;<a href=\"#ref-0\">1</a>, <a href=\"#ref-1\">2</a>&#93;, <a href=\"https://doi.org/10.1/x\">https://doi.org/10.1/x</a>"
        );
    }

    /// The label of a `second-field-align` entry carries the citation
    /// number, which lists renumber.
    #[test]
    fn labels_carry_the_citation_number() {
        let run = vec![
            Piece {
                text: String::new(),
                style: Default::default(),
                nocase: true,
                kind: Kind::BlockStart(Display::LeftMargin),
            },
            piece("["),
            tag(Tag::NumberStart),
            piece("1"),
            tag(Tag::NumberEnd),
            piece("]"),
            Piece { text: String::new(), style: Default::default(), nocase: true, kind: Kind::BlockEnd },
            Piece {
                text: String::new(),
                style: Default::default(),
                nocase: true,
                kind: Kind::BlockStart(Display::RightInline),
            },
            piece("A. Author, "),
            Piece {
                text: "Title".into(),
                style: scholar_citeproc::Style { italic: 1, ..Default::default() },
                nocase: false,
                kind: Kind::Text,
            },
            piece("."),
            Piece { text: String::new(), style: Default::default(), nocase: true, kind: Kind::BlockEnd },
        ];
        let (label, content) = entry(&run);
        let writer = super::super::write::Writer { number: Some(7), ..Default::default() };
        assert_eq!(writer.html(&ElemChildren(vec![label.unwrap()])), "&#91;7&#93;");
        assert_eq!(writer.html(&content), "A. Author, <i>Title</i>.");
    }
}
