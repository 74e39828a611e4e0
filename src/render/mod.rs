//! Rendering: every citation, list and table of the book, as the text that
//! replaces its marker (HTML for the `html` renderer, Markdown otherwise).
//!
//! Each distinct work's reference is rendered once for the whole book, for
//! previews; each scope's citations and list are rendered together (see
//! `engine`).

pub mod engine;
mod exports;
pub mod labels;
pub mod markdown;
mod markup;
mod notes;
mod scope;
pub(crate) mod stage;
pub mod topics;
mod tree;
pub mod write;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use hayagriva::ElemChildren;
use rayon::prelude::*;

use crate::collect::{Collected, Placement, Site};
use crate::config::Config;
pub use crate::config::Output;
use crate::diagnostic::Diagnostic;
use crate::ids;
use crate::library::{Library, Work};
use crate::scan::MarkerKind;
pub use crate::splice::Edit;
use engine::{Engine, Reference};
use labels::Labels;
use markup::Markup;
use write::Writer;

/// The stylesheet every page with our output carries.
pub const CSS: &str = include_str!("scholar.css");

/// Everything rendered, as edits per chapter (indexed like the chapters).
#[derive(Debug, Default)]
pub struct Rendered {
    pub edits: Vec<Vec<Edit>>,
    pub book: BookList,
    /// Problems found while rendering.
    pub diagnostics: Vec<Diagnostic>,
}

/// The book-wide list's data, kept for the topic table.
#[derive(Debug, Default, Clone)]
pub struct BookList {
    /// key → (chapter holding the book list, entry id), when one is placed.
    pub targets: HashMap<String, (usize, String)>,
}

/// Renders a book: construct once (every work's reference is rendered
/// then), then ask for the edits and, once the chapters are spliced, the
/// topic tables.
pub struct Renderer<'a> {
    collected: &'a Collected,
    library: &'a Library,
    config: &'a Config,
    engine: &'a Engine,
    output: Output,
    labels: Labels,
    /// Each shown work's reference, by key: an index into `prepared`.
    references: HashMap<&'a str, usize>,
    prepared: Vec<Prepared>,
    /// Each shown work as BibTeX, RIS and CSL-JSON (when `export` is on).
    exports: exports::Exports,
    words: exports::Words,
    /// A note style's note numbers: (chapter, marker) → the number mdBook
    /// gives the note the citation is (or stands in).
    note_numbers: HashMap<(usize, usize), u32>,
}

impl<'a> Renderer<'a> {
    /// `needed` are the keys whose references will be shown.
    pub fn new(
        collected: &'a Collected,
        library: &'a Library,
        config: &'a Config,
        engine: &'a Engine,
        output: Output,
        needed: &[&str],
    ) -> Renderer<'a> {
        let mut needed = needed.to_vec();
        needed.sort_unstable();
        needed.dedup();
        let works: Vec<&Work> = needed.iter().filter_map(|k| library.work(k).map(|w| w.as_ref())).collect();
        // Rendered in parallel and written out at once, so the trees of
        // thousands of references never pile up.
        let prepared: Vec<Prepared> = works
            .par_iter()
            .map(|w| Prepared::new(engine.reference(w), output, engine.numeric() || engine.note_style()))
            .collect();
        let references = works.iter().enumerate().map(|(i, w)| (w.entry.key(), i)).collect();
        let labels = labels::for_locale(&config.locale);
        let words = exports::Words::for_locale(&config.locale);
        let exports = exports::Exports::new(library, config, output, &needed, &words);
        let note_numbers = if engine.note_style() { note_numbers(collected) } else { HashMap::new() };
        Renderer {
            collected,
            library,
            config,
            engine,
            output,
            labels,
            references,
            prepared,
            exports,
            words,
            note_numbers,
        }
    }

    /// Every citation and list as edits per chapter (indexed like the
    /// chapters). `{{#topics}}` is left for [`Renderer::topics`].
    /// Renders the scopes of the chapters marked in `here` (the others come
    /// from the cache).
    pub fn render(&self, here: &[bool]) -> Rendered {
        let collected = self.collected;
        let mut edits: Vec<Vec<Edit>> = vec![Vec::new(); collected.chapters.len()];
        let mut uses_css = vec![false; collected.chapters.len()];

        // The book-wide list first: citations in scope `none` may link to it.
        let mut sink = Sink::default();
        let book = self.book_list(&mut sink);
        // Scopes are independent: render them in parallel, merge in order.
        let sinks: Vec<Sink> = collected
            .scopes
            .par_iter()
            .filter(|scope| match scope.placement {
                Placement::Auto { chapter, .. } | Placement::Directive { chapter, .. } => here[chapter],
                Placement::Nowhere => true,
            })
            .map(|scope| {
                let mut sink = Sink::default();
                self.scope(scope, &book, &mut sink);
                sink
            })
            .collect();
        for sink in std::iter::once(sink).chain(sinks) {
            for (chapter, edit) in sink.edits {
                edits[chapter].push(edit);
            }
            for chapter in sink.css {
                uses_css[chapter] = true;
            }
        }
        let mut diagnostics = Vec::new();
        for (c, chapter) in collected.chapters.iter().enumerate() {
            if !here[c] {
                continue;
            }
            for marker in &chapter.scan.markers {
                if let MarkerKind::CiteAs { chapter: of_chapter } = marker.kind {
                    edits[c].push(Edit { range: marker.span.clone(), text: self.cite_as(c, of_chapter) });
                    uses_css[c] = true;
                }
            }
            diagnostics.extend(unplaced(chapter, &mut edits[c]));
            let styled = uses_css[c] || chapter.scan.markers.iter().any(|m| matches!(m.kind, MarkerKind::Topics));
            if let Some(text) = styled.then(|| self.markup().stylesheet(&chapter.content)).flatten() {
                edits[c].push(Edit { range: chapter.content.len()..chapter.content.len(), text });
            }
        }
        Rendered { edits, book, diagnostics }
    }

    /// Puts a list where its placement says.
    fn place(&self, placement: Placement, block: String, sink: &mut Sink) {
        match placement {
            Placement::Directive { chapter, marker } => {
                let span = self.collected.chapters[chapter].scan.markers[marker].span.clone();
                sink.edits.push((chapter, Edit { range: span, text: block }));
            }
            Placement::Auto { chapter, offset } => {
                let content = &self.collected.chapters[chapter].content;
                let before = &content[..offset];
                let mut text = String::new();
                let newline = if content.contains("\r\n") { "\r\n" } else { "\n" };
                if !before.is_empty() && !before.ends_with('\n') {
                    text.push_str(newline);
                }
                if !before.is_empty() && !before.ends_with("\n\n") && !before.ends_with("\r\n\r\n") {
                    text.push_str(newline);
                }
                text.push_str(&block.replace('\n', newline));
                if offset < content.len() {
                    text.push_str(newline);
                }
                sink.edits.push((chapter, Edit { range: offset..offset, text }));
            }
            Placement::Nowhere => {}
        }
    }

    /// `{{#bibliography book}}`: every work cited anywhere, in the style's
    /// order, each with links back to every place that cites it.
    fn book_list(&self, sink: &mut Sink) -> BookList {
        let collected = self.collected;
        let mut book = BookList::default();
        let Some((holder, marker)) = collected.book_list else {
            return book;
        };
        let keys: Vec<&str> = collected.keys.iter().map(String::as_str).filter(|k| self.shown(k).is_some()).collect();
        let works: Vec<&Work> = keys.iter().filter_map(|k| self.shown(k)).map(|(w, _)| w).collect();
        // One list of every work, rendered together: the style's order, and
        // year suffixes and substituted authors across the whole book.
        let rendered = self.engine.scope(&works, &[]);
        let order = &rendered.order;
        // Back-references: every citation of each key, in reading order.
        let mut cited_at: HashMap<&str, Vec<&Site>> = HashMap::new();
        for site in &collected.citations {
            for item in &collected.citation(site).items {
                let sites = cited_at.entry(item.key.as_str()).or_default();
                if !sites.iter().any(|s| std::ptr::eq(*s, site)) {
                    sites.push(site);
                }
            }
        }
        for &w in order {
            let key = keys[w];
            book.targets.insert(key.to_string(), (holder, ids::entry(ids::BOOK, key)));
        }
        let from = &collected.chapters[holder].path;
        let entries: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(n, &w)| {
                let key = keys[w];
                let id = ids::entry(ids::BOOK, key);
                let backrefs = if self.config.backrefs {
                    Some(self.backrefs(from, cited_at.get(key).map(Vec::as_slice).unwrap_or_default()))
                } else {
                    None
                };
                let body = match &rendered.items[n] {
                    Some(item) => self.item_html_or_md(item),
                    None => self.reference_text(key, Some(n + 1)),
                };
                self.entry_block(key, &id, body, backrefs)
            })
            .collect();
        let labelled = match rendered.items.first() {
            Some(Some(item)) => item.first_field.is_some(),
            _ => keys.first().and_then(|k| self.reference(k)).is_some_and(|r| r.labelled),
        };
        let mut block = self.list_block(&entries, 2, labelled, true, ids::BOOK);
        let listed: Vec<&str> = order.iter().map(|&w| keys[w]).collect();
        block.push_str(&self.exports.downloads(&listed, "references", &self.words));
        let span = collected.chapters[holder].scan.markers[marker].span.clone();
        sink.edits.push((holder, Edit { range: span, text: block }));
        sink.css.push(holder);
        book
    }

    /// Links from the book-wide list back to citations, grouped by chapter
    /// and section: `基础理论 › 涌现现象`, then `²`, `³` for more in the same place.
    fn backrefs(&self, from: &Path, sites: &[&Site]) -> String {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for site in sites {
            let chapter = &self.collected.chapters[site.chapter];
            let marker = &chapter.scan.markers[site.marker];
            let mut label = chapter.name.clone();
            if let Some(section) = chapter.section_at(marker.span.start) {
                label.push_str(" › ");
                label.push_str(section.text.trim());
            }
            let href = relative_href(from, &chapter.path, &site.id);
            match groups.last_mut() {
                Some((last, hrefs)) if *last == label => hrefs.push(href),
                _ => groups.push((label, vec![href])),
            }
        }
        self.markup().backrefs(&groups, self.labels)
    }

    /// One entry of a list, with its id and key.
    fn entry_block(&self, key: &str, id: &str, body: String, backrefs: Option<String>) -> String {
        self.markup().entry(key, id, body, backrefs, self.exports.entry(key))
    }

    /// A titled list.
    fn list_block(&self, entries: &[String], level: u8, labelled: bool, book: bool, slug: &str) -> String {
        let title = match (&self.config.title, book) {
            (Some(t), false) => t.clone(),
            (_, true) => String::new(),
            (None, false) => self.labels.references.to_string(),
        };
        let title = (!title.is_empty()).then_some((title.as_str(), level));
        self.markup().list(title, entries, labelled, slug)
    }

    /// A work's reference as list body: label and text, in either output
    /// (a Markdown reference carries its label in its body).
    fn reference_text(&self, key: &str, number: Option<usize>) -> String {
        self.reference(key).map(|r| r.text(number, true, self.engine.numeric())).unwrap_or_default()
    }

    fn reference(&self, key: &str) -> Option<&Prepared> {
        self.references.get(key).map(|&i| &self.prepared[i])
    }

    /// A work that can be shown: parsed, with its reference prepared. Every
    /// list and citation asks this one question, so what one of them shows
    /// the others can.
    fn shown(&self, key: &str) -> Option<(&'a Work, &Prepared)> {
        Some((self.library.work(key)?.as_ref(), self.reference(key)?))
    }

    /// The references, for [`Previews::expand`] once the rest is gone.
    pub fn into_previews(self) -> Previews {
        Previews { prepared: self.prepared, numeric: self.engine.numeric() }
    }

    /// An entry as its scope's list renders it.
    fn item_html_or_md(&self, item: &hayagriva::BibliographyItem) -> String {
        let label = item.first_field.clone().map(|f| ElemChildren(vec![f]));
        self.markup().item(label.as_ref(), &item.content)
    }

    /// `Hu et al.`, `Hu and Shen`, `邱锡鹏`: who wrote a work, shortly.
    fn short_names(&self, work: &Work, labels: Labels) -> String {
        let entry = &work.entry;
        let people = entry.authors().or_else(|| entry.editors()).unwrap_or_default();
        let mut text = match people {
            [] => entry.title().map(|t| t.value.to_string()).unwrap_or_else(|| entry.key().to_string()),
            [one] => one.name.clone(),
            [one, two] => format!("{}{}{}", one.name, labels.and, two.name),
            [one, ..] => format!("{}{}", one.name, labels.et_al),
        };
        if text.chars().count() > 40 {
            text = text.chars().take(38).collect::<String>() + "…";
        }
        crate::library::latex::strip_marks(&text)
    }

    /// A cited key no work is shown for, and why.
    fn missing(&self, key: &str) -> String {
        let why = if self.library.is_broken(key) { self.labels.unreadable_entry } else { self.labels.unknown_key };
        self.markup().missing(key, why, self.labels)
    }

    fn markup(&self) -> &'static dyn Markup {
        markup::of(self.output)
    }
}

/// A work's reference, written once for the book: numbered lists fill in
/// the number.
struct Prepared {
    labelled: bool,
    /// The label (HTML `<span class="scholar-label">…</span>`, or Markdown).
    label: Option<String>,
    /// The text as a list shows it (HTML with links, or the Markdown entry
    /// with its label).
    body: String,
    /// HTML: the text as previews show it, without the links (made once: a
    /// work is previewed at each of its citations).
    unlinked: String,
}

impl Prepared {
    fn new(reference: Reference, output: Output, numeric: bool) -> Prepared {
        let number = numeric.then_some(write::SLOT);
        let writer = Writer { number, links: true, entry_href: None };
        markup::of(output).prepare(&reference, &writer)
    }
}

impl Prepared {
    /// The reference: for a list (with links) or (HTML) a preview.
    fn text(&self, number: Option<usize>, links: bool, numeric: bool) -> String {
        let mut out = String::new();
        self.write_html(number, links, numeric, &mut out);
        out
    }

    fn write_html(&self, number: Option<usize>, links: bool, numeric: bool, out: &mut String) {
        // A label means something only with the number of a list.
        if let Some(label) = self.label.as_ref().filter(|_| number.is_some() || !numeric) {
            write::fill_into(label, number, out);
            if !links {
                out.push(' ');
            }
        }
        write::fill_into(if links { &self.body } else { &self.unlinked }, number, out);
    }
}

/// The references previews show. A preview repeats its reference at every
/// citation, which makes it most of a page's size: citations carry a slot
/// (see [`write::preview_slot`]) that is filled in as each page is put
/// together, after the parsed bibliography is gone.
#[derive(Default)]
pub struct Previews {
    prepared: Vec<Prepared>,
    numeric: bool,
}

impl Previews {
    /// `text` with its preview slots filled in.
    pub fn expand(&self, text: String) -> String {
        if !text.contains(write::PREVIEW_START) {
            return text;
        }
        let mut out = String::with_capacity(text.len() * 4);
        let mut rest = text.as_str();
        while let Some(start) = rest.find(write::PREVIEW_START) {
            out.push_str(&rest[..start]);
            let after = &rest[start + write::PREVIEW_START.len_utf8()..];
            // Only a whole slot is one: anything else (the character in a
            // citation's prefix, say) stays as it is.
            let slot = after.find(write::PREVIEW_END).and_then(|end| {
                let (reference, number) = after[..end].split_once('.')?;
                let prepared = self.prepared.get(reference.parse::<usize>().ok()?)?;
                let number = if number.is_empty() { None } else { Some(number.parse::<usize>().ok()?) };
                Some((end, prepared, number))
            });
            match slot {
                Some((end, prepared, number)) => {
                    prepared.write_html(number, false, self.numeric, &mut out);
                    rest = &after[end + write::PREVIEW_END.len_utf8()..];
                }
                None => {
                    out.push(write::PREVIEW_START);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// What rendering one part of the book produced: edits for chapters, and
/// the chapters that need the stylesheet.
#[derive(Default)]
struct Sink {
    edits: Vec<(usize, Edit)>,
    css: Vec<usize>,
}

/// The note number of every citation of a note style, by chapter and
/// marker (see [`notes::numbers`]).
fn note_numbers(collected: &Collected) -> HashMap<(usize, usize), u32> {
    // Per chapter: the citations that become notes, and those written in
    // footnotes (each a marker and where it starts).
    let mut notes: Vec<Vec<(usize, usize)>> = vec![Vec::new(); collected.chapters.len()];
    let mut inside: Vec<Vec<(usize, usize)>> = vec![Vec::new(); collected.chapters.len()];
    for site in &collected.citations {
        let marker = &collected.chapters[site.chapter].scan.markers[site.marker];
        match (marker.in_footnote, marker.in_heading) {
            (true, _) => inside[site.chapter].push((site.marker, marker.span.start)),
            (false, false) => notes[site.chapter].push((site.marker, marker.span.start)),
            // A citation in a heading stays in the text: no note.
            (false, true) => {}
        }
    }
    let mut numbers = HashMap::new();
    for (chapter, (notes, inside)) in notes.iter().zip(&inside).enumerate() {
        if notes.is_empty() && inside.is_empty() {
            continue;
        }
        let footnotes = &collected.chapters[chapter].scan.footnotes;
        for (marker, number) in notes::numbers(footnotes, notes, inside) {
            numbers.insert((chapter, marker), number);
        }
    }
    numbers
}

/// Where a list is: its chapter and the slug of its entries' ids.
struct ListTarget {
    chapter: usize,
    slug: String,
}

/// Directives that place nothing (a second list, the list of a scope that
/// cites nothing, `{{#nocite}}`) disappear from `chapter`; a citation that
/// nothing rendered is left as written, with a warning: what the author
/// wrote is never dropped without a word. `edits` are the chapter's so far.
fn unplaced(chapter: &crate::collect::Chapter, edits: &mut Vec<Edit>) -> Vec<Diagnostic> {
    // What the edits cover, in order (a chapter may hold 100,000
    // citations): a marker is handled when an edit covers it (a note's mark
    // also takes the spaces before and the punctuation after).
    let mut handled: Vec<Range<usize>> = edits.iter().map(|e| e.range.clone()).collect();
    handled.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let covered = |span: &Range<usize>| {
        let at = handled.partition_point(|r| r.start <= span.start);
        handled[..at].iter().rev().take_while(|r| r.start == handled[at - 1].start).any(|r| r.end >= span.end)
    };
    let mut diagnostics = Vec::new();
    for marker in &chapter.scan.markers {
        if covered(&marker.span) {
            continue;
        }
        match marker.kind {
            MarkerKind::Bibliography { .. } | MarkerKind::Nocite { .. } | MarkerKind::CiteAs { .. } => {
                edits.push(Edit { range: marker.span.clone(), text: String::new() })
            }
            // Placed later, once the chapters are spliced.
            MarkerKind::Topics => {}
            MarkerKind::Cite(_) => diagnostics.push(
                Diagnostic::warning("this citation was not rendered; it is left as written")
                    .at(chapter.location(marker.span.start))
                    .with_hint("this is a bug in mdbook-scholar: please report it with the chapter"),
            ),
        }
    }
    diagnostics
}

/// HTML without its `<a>` tags (a preview sits inside a citation's link
/// area and is not a place for more links). Our own HTML escapes `"` in
/// attributes, so a tag ends at the first `>`.
fn without_links(html: &str) -> std::borrow::Cow<'_, str> {
    if !html.contains("<a ") {
        return html.into();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("<a ").into_iter().chain(rest.find("</a>")).min() {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.into()
}

/// A link from page `from` to `id` on page `to` (both relative to the
/// book's source folder): `#id` on the same page, a relative path otherwise
/// (mdBook serves `a/b.md` as `a/b.html`).
pub fn relative_href(from: &Path, to: &Path, id: &str) -> String {
    if from == to {
        return format!("#{id}");
    }
    let target = to.with_extension("html");
    let from_dir: Vec<_> = from.parent().map(|p| p.components().collect()).unwrap_or_default();
    let to_parts: Vec<_> = target.components().collect();
    let common = from_dir.iter().zip(&to_parts).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from_dir.len() {
        path.push("..");
    }
    for part in &to_parts[common..] {
        path.push(part);
    }
    let path = path.to_string_lossy().replace('\\', "/");
    if id.is_empty() { path } else { format!("{path}#{id}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 13): markers that no edit replaced were all erased,
    /// citations too, without a word. Directives still go; a citation stays
    /// as written, with a warning at its place.
    #[test]
    fn unrendered_citations_are_kept_and_reported() {
        let content = "# C\n\nSee [@a].\n\n{{#nocite b}}\n\n{{#bibliography}}\n\n{{#topics}}\n";
        let flavor = crate::config::MarkdownFlavor::default();
        let chapter = crate::collect::Chapter {
            name: "C".into(),
            path: "c.md".into(),
            shown: "src/c.md".into(),
            source: "c.md".into(),
            slug: "c".into(),
            number: None,
            parent: None,
            content: content.into(),
            scan: crate::scan::chapter(content, flavor, &|_| true, None),
        };
        let mut edits = Vec::new();
        let diagnostics = unplaced(&chapter, &mut edits);
        let removed: Vec<&str> = edits.iter().map(|e| &content[e.range.clone()]).collect();
        assert_eq!(removed, ["{{#nocite b}}", "{{#bibliography}}"]);
        assert!(edits.iter().all(|e| e.text.is_empty()));
        let messages: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0].starts_with("src/c.md:3:5: warning: this citation was not rendered; it is left as written"),
            "{messages:?}"
        );
    }

    #[test]
    fn hrefs_are_relative() {
        let cases: &[(&str, &str, &str)] = &[
            ("a.md", "a.md", "#x"),
            ("a.md", "b.md", "b.html#x"),
            ("refs/r.md", "a.md", "../a.html#x"),
            ("a.md", "part/b.md", "part/b.html#x"),
            ("p/q/r.md", "p/s/t.md", "../s/t.html#x"),
        ];
        for &(from, to, expected) in cases {
            assert_eq!(relative_href(Path::new(from), Path::new(to), "x"), expected, "{from} → {to}");
        }
    }
}
