//! A whole document's worth of rendering: items registered in citation
//! order, the bibliography sorted and numbered, ambiguous cites told apart,
//! then every citation cluster and every entry rendered.

use crate::engine::Processor;
use crate::item::Item;
use crate::output::{self, Kind, Piece, Run, Tag};
use crate::render::{Cite, Disambiguation, Mode};
use crate::sort;
use citationberg::taxonomy::Locator;
use citationberg::{Collapse, TestPosition};
use std::collections::HashMap;

/// One cite of a cluster, resolved.
#[derive(Debug, Clone, Default)]
pub struct CiteInput {
    /// The item's id.
    pub id: String,
    /// Locator value.
    pub locator: Option<String>,
    /// Locator label.
    pub label: Option<String>,
    /// Text before the cite.
    pub prefix: Option<String>,
    /// Text after the cite.
    pub suffix: Option<String>,
    /// Leave out the author.
    pub suppress_author: bool,
    /// Only the author.
    pub author_only: bool,
    /// In the text, as pandoc's `@key`: the author, then the rest of the
    /// cite with the layout's affixes (`Doe (2020, p. 3)`). Only for a
    /// cluster of one cite.
    pub narrative: bool,
}

/// What a session rendered.
pub struct Rendered {
    /// Bibliography entries (item id and run) in the style's order.
    pub bibliography: Vec<(String, Run)>,
    /// One run per cluster.
    pub citations: Vec<Run>,
}

/// Renders citations and the bibliography of `items`.
/// How a document is laid out, where the default does not fit.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The ids registered, in order (what numbering, disambiguation and the
    /// bibliography cover); by default the cited ones in order of first
    /// citation, then every other item.
    pub registered: Option<Vec<String>>,
    /// Each cluster's note number (0 in the main text); by default cluster
    /// `i` is in note `i + 1`.
    pub notes: Option<Vec<u32>>,
    /// Every cluster on its own: no ibid, no subsequent, nothing carried over.
    pub standalone: bool,
}

pub fn render(
    processor: &Processor,
    items: &[Item],
    clusters: &[Vec<CiteInput>],
    bibliography: bool,
    layout: &Layout,
) -> Rendered {
    let index: HashMap<&str, usize> = items.iter().enumerate().map(|(i, item)| (item.id.as_str(), i)).collect();

    // 1. Registration: as asked, or first cited first, then the rest in item
    //    order.
    let mut order: Vec<usize> = Vec::with_capacity(items.len());
    let mut seen = vec![false; items.len()];
    let mut register = |i: usize, order: &mut Vec<usize>| {
        if !seen[i] {
            seen[i] = true;
            order.push(i);
        }
    };
    if let Some(registered) = &layout.registered {
        for id in registered {
            if let Some(&i) = index.get(id.as_str()) {
                register(i, &mut order);
            }
        }
    }
    for cite in clusters.iter().flatten() {
        if let Some(&i) = index.get(cite.id.as_str()) {
            register(i, &mut order);
        }
    }
    if layout.registered.is_none() {
        for i in 0..items.len() {
            register(i, &mut order);
        }
    }

    // 2. The bibliography's order gives the citation numbers.
    // Names that would be ambiguous as names are expanded first: the
    // bibliography prints and sorts them expanded too.
    let global = crate::disambiguate::global(processor, items);
    let mut numbers = vec![0usize; items.len()];
    for (n, &i) in order.iter().enumerate() {
        numbers[i] = n + 1;
    }
    let bib_order: Vec<usize> = match processor.style.bibliography.as_ref().and_then(|b| b.sort.as_ref()) {
        Some(sort_spec) => {
            let names = processor.bibliography_names();
            let keys: Vec<sort::Keys> = items
                .iter()
                .enumerate()
                .map(|(i, item)| sort::keys(processor, sort_spec, item, Some(numbers[i]), &global[i], names))
                .collect();
            let mut sorted = order.clone();
            sorted.sort_by(|&a, &b| sort::compare(processor, sort_spec, &keys[a], &keys[b]));
            sorted
        }
        None => order.clone(),
    };
    for (n, &i) in bib_order.iter().enumerate() {
        numbers[i] = n + 1;
    }

    // 3. Ambiguous cites get more names, given names, or a year suffix.
    let disamb = crate::disambiguate::run(processor, items, &bib_order, &numbers, &global);

    // 4. Citations in document order.
    let citations = render_citations(processor, items, &index, clusters, &numbers, &disamb, layout);

    // 5. Bibliography entries.
    let mut entries = Vec::new();
    if bibliography && let Some(bib) = &processor.style.bibliography {
        let shared = processor.shared();
        let names = processor.bibliography_names();
        let mut previous_author: Option<String> = None;
        for &i in &bib_order {
            // The list shows the year suffix, and at least as many names as
            // the cites needed to be told apart (citeproc-js does both); not
            // the expanded given names.
            let year_only = Disambiguation {
                year_suffix: disamb[i].year_suffix.clone(),
                givenname_of: global[i].givenname_of.clone(),
                // (Note styles tell their short notes apart; the list keeps
                // its own names.)
                min_names: match disamb[i].add_names {
                    _ if processor.is_note_style() => 0,
                    0 => 0,
                    added => added + processor.citation_names().et_al_use_first.map_or(0, |n| n as usize),
                },
                ..Disambiguation::default()
            };
            let ctx = processor.ctx(&shared, &items[i], Mode::Bibliography, None, Some(numbers[i]), &year_only, names);
            let mut run = match (&bib.second_field_align, bib.layout.elements.split_first()) {
                // The first field in the margin, the rest beside it, as
                // citeproc-js writes them.
                (Some(_), Some((first, rest))) => {
                    let (mut margin, _) = ctx.elements(std::slice::from_ref(first), "");
                    let (mut inline, _) = ctx.elements(rest, "");
                    output::affix(&mut inline, None, bib.layout.suffix.as_deref());
                    output::affix(&mut margin, bib.layout.prefix.as_deref(), None);
                    output::block(&mut margin, citationberg::Display::LeftMargin);
                    output::block(&mut inline, citationberg::Display::RightInline);
                    margin.extend(inline);
                    margin
                }
                _ => {
                    let (mut run, _) = ctx.elements(&bib.layout.elements, "");
                    output::affix(&mut run, bib.layout.prefix.as_deref(), bib.layout.suffix.as_deref());
                    run
                }
            };
            output::format_layout(&mut run, &bib_layout_formatting(bib));
            if let Some(substitute) = &bib.subsequent_author_substitute {
                // Authors compare by the names shown, et al. aside.
                let author =
                    ctx.author_key.borrow().clone().or_else(|| ctx.author.borrow().as_ref().map(|a| output::plain(a)));
                if author.is_some() && author == previous_author {
                    substitute_author(&mut run, substitute);
                }
                previous_author = author;
            }
            processor.tidy(&mut run);
            capitalize_first(&mut run);
            entries.push((items[i].id.clone(), run));
        }
    }
    Rendered { bibliography: entries, citations }
}

/// An entry or a note that opens with a term starts with a capital, as
/// citeproc-js makes it (`N.d.`, `Ibid.`); names and values stay as written.
fn capitalize_first(run: &mut Run) {
    for piece in run.iter_mut() {
        // Names keep their particles as written (`van Gennep`).
        if piece.kind == Kind::Mark(true) {
            return;
        }
        if !matches!(piece.kind, Kind::Text | Kind::Open(_)) {
            continue;
        }
        // The subsequent-author dash opens the entry: nothing to capitalize.
        if piece.nocase && piece.kind == Kind::Text && !piece.text.trim().is_empty() {
            return;
        }
        if let Some((index, c)) = piece.text.char_indices().find(|(_, c)| c.is_alphanumeric()) {
            if c.is_lowercase() && !piece.nocase && piece.style.term {
                let upper: String = c.to_uppercase().collect();
                piece.text.replace_range(index..index + c.len_utf8(), &upper);
            }
            return;
        }
    }
}

fn bib_layout_formatting(bib: &citationberg::Bibliography) -> citationberg::Formatting {
    use citationberg::ToFormatting;
    bib.layout.to_formatting()
}

/// Replaces the marked author names with the substitute string: the
/// `complete-all` rule, the only one implemented so far (README).
fn substitute_author(run: &mut Run, substitute: &str) {
    let Some(start) = run.iter().position(|p| p.kind == Kind::Mark(true)) else { return };
    let Some(end) = run.iter().position(|p| p.kind == Kind::Mark(false)) else { return };
    let style = run.get(start + 1).map(|p| p.style).unwrap_or_default();
    run.splice(start..=end, [Piece { text: substitute.to_string(), style, nocase: true, kind: Kind::Text }]);
}

fn render_citations(
    processor: &Processor,
    items: &[Item],
    index: &HashMap<&str, usize>,
    clusters: &[Vec<CiteInput>],
    numbers: &[usize],
    disamb: &[Disambiguation],
    layout: &Layout,
) -> Vec<Run> {
    let citation = &processor.style.citation;
    let shared = processor.shared();
    let names = processor.citation_names();
    let near_note = citation.near_note_distance as usize;
    // Per item: the note of its last cite; document-wide: the last cite.
    let mut last_note: HashMap<usize, usize> = HashMap::new();
    let mut first_note: HashMap<usize, usize> = HashMap::new();
    let mut previous: Option<(usize, Option<String>, Option<String>)> = None;
    let mut previous_cluster_single = false;
    let mut out = Vec::with_capacity(clusters.len());
    for (n, cluster) in clusters.iter().enumerate() {
        let note = layout.notes.as_ref().and_then(|notes| notes.get(n)).map_or(n + 1, |&note| note as usize);
        if layout.standalone {
            last_note.clear();
            first_note.clear();
            previous = None;
        }
        // Positions in written order.
        let mut cites: Vec<(usize, &CiteInput, Cite)> = Vec::new();
        for (k, input) in cluster.iter().enumerate() {
            let Some(&i) = index.get(input.id.as_str()) else { continue };
            let label = input.label.as_deref().and_then(|l| l.parse::<Locator>().ok());
            let mut positions = Vec::new();
            match last_note.get(&i) {
                None => positions.push(TestPosition::First),
                Some(&last) => {
                    positions.push(TestPosition::Subsequent);
                    let adjacent = match &previous {
                        Some((p, ..)) if *p == i => k > 0 || previous_cluster_single,
                        _ => false,
                    };
                    if adjacent {
                        let (_, prev_locator, prev_label) = previous.clone().unwrap_or_default();
                        let same = prev_locator == input.locator
                            && (prev_label.as_deref().unwrap_or("page") == input.label.as_deref().unwrap_or("page"));
                        if same {
                            positions.push(TestPosition::Ibid);
                        } else if input.locator.is_some() {
                            positions.push(TestPosition::IbidWithLocator);
                            positions.push(TestPosition::Ibid);
                        }
                    }
                    if note - last <= near_note {
                        positions.push(TestPosition::NearNote);
                    }
                }
            }
            let cite = Cite {
                locator: input.locator.clone(),
                label: if input.locator.is_some() { Some(label.unwrap_or(Locator::Page)) } else { None },
                positions,
                first_note: first_note.get(&i).copied(),
            };
            previous = Some((i, input.locator.clone(), input.label.clone()));
            cites.push((i, input, cite));
        }
        for (i, ..) in &cites {
            last_note.insert(*i, note);
            first_note.entry(*i).or_insert(note);
        }
        previous_cluster_single = cites.len() == 1;

        // Each cite drawn in written order (nothing in it depends on where
        // the sort puts it): its run, its author, whether the author is
        // names, and whether a text variable ran.
        let narrative = cites.len() == 1 && cites[0].1.narrative;
        let mut drawn: Vec<(Run, Run, bool, bool)> = cites
            .iter()
            .map(|(i, input, cite)| {
                let ctx = processor.ctx(
                    &shared,
                    &items[*i],
                    Mode::Citation,
                    Some(cite),
                    Some(numbers[*i]),
                    &disamb[*i],
                    names,
                );
                ctx.suppress_author.set(input.suppress_author || narrative);
                let (run, _) = ctx.elements(&citation.layout.elements, "");
                let printed_names = ctx.author_key.borrow().is_some();
                (run, ctx.author.take().unwrap_or_default(), printed_names, ctx.ran_text_variable.get())
            })
            .collect();

        // Sorted as the style says.
        if let Some(sort_spec) = &citation.sort {
            let keys: Vec<sort::Keys> = cites
                .iter()
                .map(|(i, ..)| sort::keys(processor, sort_spec, &items[*i], Some(numbers[*i]), &disamb[*i], names))
                .collect();
            // Ties keep the order as written: citeproc-js's comparator falls
            // back on a `seq` that cites do not have, and its sort is stable.
            let tie = |a: usize, b: usize| a.cmp(&b);
            let order: Vec<usize> = if grouped_sort(processor) && cites.len() > 1 {
                // A title standing in for the names is none.
                let authors: Vec<Option<String>> =
                    drawn.iter().map(|(_, author, names, _)| names.then(|| output::plain(author))).collect();
                sort::grouped(processor, sort_spec, &keys, &authors, &tie)
            } else {
                let mut order: Vec<usize> = (0..cites.len()).collect();
                order.sort_by(|&a, &b| sort::compare(processor, sort_spec, &keys[a], &keys[b]).then_with(|| tie(a, b)));
                order
            };
            cites = permute(cites, &order);
            drawn = permute(drawn, &order);
        }

        // Each cite, with its author remembered for grouping.
        let mut rendered: Vec<Shown> = Vec::new();
        let mut narrator = Run::new();
        for ((i, input, cite), (mut run, author, _, ran_text_variable)) in cites.iter().zip(drawn) {
            if input.author_only {
                run = author.clone();
                output::undecorate(&mut run);
            }
            // The cite itself, without the author's words around it.
            output::tag(&mut run, Tag::CiteStart(position(cluster, input)), Tag::CiteEnd);

            let affixed = input.prefix.is_some() || input.suffix.is_some() || cite.locator.is_some();
            if let Some(prefix) = input.prefix.as_deref().filter(|p| !p.is_empty()) {
                // The author's own words: never recased.
                let mut with = crate::text::rich(prefix, &processor.marks);
                for piece in with.iter_mut() {
                    piece.nocase = true;
                }
                with.extend(run);
                run = with;
            }
            if let Some(suffix) = input.suffix.as_deref().filter(|s| !s.is_empty()) {
                // The author's own words: never recased, and their comma
                // stays outside a closing quote.
                let mut words = crate::text::rich(suffix, &processor.marks);
                for piece in words.iter_mut() {
                    piece.nocase = true;
                }
                run.extend(words);
            }
            if narrative {
                narrator = author.clone();
            }
            rendered.push(Shown { item: *i, run, author: output::plain(&author), affixed, ran_text_variable });
        }

        let delimiter = citation.layout.delimiter.clone().unwrap_or_default();
        let mut run = match citation.collapse {
            Some(Collapse::CitationNumber) => collapse_numbers(&rendered, numbers, &delimiter, citation),
            Some(_) => group_authors(processor, items, &cites, &rendered, &delimiter, citation, numbers, disamb),
            None => {
                if citation.cite_group_delimiter.is_some() {
                    group_authors(processor, items, &cites, &rendered, &delimiter, citation, numbers, disamb)
                } else {
                    output::join(rendered.into_iter().map(|r| r.run).collect(), &delimiter)
                }
            }
        };
        // The layout's affixes sit inside its formatting (citeproc-js:
        // `<sup>[1]</sup>`).
        // Only the author's name: without the layout's affixes.
        let author_only = !cites.is_empty() && cites.iter().all(|(_, input, _)| input.author_only);
        if output::is_empty(&run) && !cites.is_empty() {
            // What citeproc-js prints for a citation the style renders empty.
            let text =
                if author_only { "[NO_PRINTED_FORM]" } else { "[CSL STYLE ERROR: reference with no printed form.]" };
            run = vec![Piece::text(text)];
        }
        use citationberg::ToFormatting;
        if !author_only {
            output::affix(&mut run, citation.layout.prefix.as_deref(), citation.layout.suffix.as_deref());
            output::format_layout(&mut run, &citation.layout.to_formatting());
        }
        if narrative && !output::is_empty(&narrator) {
            // `Doe (2020)`: the whole of it is the cite.
            run.retain(|p| !matches!(p.kind, Kind::Tag(Tag::CiteStart(_) | Tag::CiteEnd)));
            let mut whole = narrator;
            if !output::is_empty(&run) {
                whole.push(Piece::text(" "));
                whole.extend(run);
            }
            output::tag(&mut whole, Tag::CiteStart(position(cluster, cites[0].1)), Tag::CiteEnd);
            run = whole;
        }
        processor.tidy(&mut run);
        if processor.is_note_style() {
            // A note starts a sentence.
            capitalize_first(&mut run);
        }
        out.push(run);
    }
    out
}

/// Whether citeproc-js sorts a cluster's cites grouped by their names
/// first: an in-text style that collapses, or one with a
/// `cite-group-delimiter` (`opt.grouped_sort`; its test of the update mode
/// binds only to the second half).
fn grouped_sort(processor: &Processor) -> bool {
    let citation = &processor.style.citation;
    (!processor.is_note_style() && citation.collapse.is_some()) || citation.cite_group_delimiter.is_some()
}

/// `list` in the order of its indices `order`.
fn permute<T>(list: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut taken: Vec<Option<T>> = list.into_iter().map(Some).collect();
    order.iter().filter_map(|&k| taken[k].take()).collect()
}

/// Where a cite is in its cluster as given (cites are sorted).
fn position(cluster: &[CiteInput], input: &CiteInput) -> usize {
    cluster.iter().position(|c| std::ptr::eq(c, input)).unwrap_or(0)
}

/// The given position of a rendered cite (its start tag's).
fn position_of(run: &Run) -> usize {
    run.iter()
        .find_map(|p| match p.kind {
            Kind::Tag(Tag::CiteStart(k)) => Some(k),
            _ => None,
        })
        .unwrap_or(0)
}

/// A cite as its cluster shows it.
struct Shown {
    /// The item's index.
    item: usize,
    /// The cite, with the author's words around it.
    run: Run,
    /// Its author as plain text (empty when none).
    author: String,
    /// It has affixes or a locator of its own: never collapsed.
    affixed: bool,
    /// See [`crate::render::Ctx::ran_text_variable`].
    ran_text_variable: bool,
}

/// `[1]–[4]`: three or more consecutive numbers become a range.
fn collapse_numbers(rendered: &[Shown], numbers: &[usize], delimiter: &str, citation: &citationberg::Citation) -> Run {
    let after = citation.get_after_collapse_delimiter().to_string();
    let mut out = Run::new();
    let mut k = 0;
    let mut previous_collapsed = false;
    while k < rendered.len() {
        let mut end = k;
        while end + 1 < rendered.len()
            && !rendered[end].affixed
            && !rendered[end + 1].affixed
            && numbers[rendered[end + 1].item] == numbers[rendered[end].item] + 1
        {
            end += 1;
        }
        if !out.is_empty() {
            out.push(Piece::text(if previous_collapsed { after.clone() } else { delimiter.to_string() }));
        }
        if end >= k + 2 {
            out.extend(rendered[k].run.clone());
            out.push(Piece::text("–"));
            out.extend(rendered[end].run.clone());
            previous_collapsed = true;
            k = end + 1;
        } else {
            out.extend(rendered[k].run.clone());
            previous_collapsed = false;
            k += 1;
        }
    }
    out
}

/// Cites by the same author go together; with `collapse="year"` the author
/// is printed once.
#[allow(clippy::too_many_arguments)]
fn group_authors(
    processor: &Processor,
    items: &[Item],
    cites: &[(usize, &CiteInput, Cite)],
    rendered: &[Shown],
    delimiter: &str,
    citation: &citationberg::Citation,
    numbers: &[usize],
    disamb: &[Disambiguation],
) -> Run {
    let group_delimiter = citation
        .cite_group_delimiter
        .clone()
        .or_else(|| citation.after_collapse_delimiter.clone())
        .unwrap_or_else(|| ", ".to_string());
    let after = citation.get_after_collapse_delimiter().to_string();
    let collapse = citation.collapse.is_some();
    let explicit = citation.cite_group_delimiter.is_some() || citation.after_collapse_delimiter.is_some();
    // Groups keep the order of their first cite.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (k, r) in rendered.iter().enumerate() {
        // A cite that prints no author joins the group before it
        // (citeproc-js: `Knuth, 1986c, n.d.-a`).
        if r.author.is_empty()
            && collapse
            && let Some(last) = groups.last_mut()
        {
            last.push(k);
            continue;
        }
        match groups.iter_mut().find(|g| !r.author.is_empty() && rendered[g[0]].author == r.author) {
            Some(group) => group.push(k),
            None => groups.push(vec![k]),
        }
    }
    let mut out = Run::new();
    let mut previous_collapsed = false;
    for group in groups {
        if !out.is_empty() {
            out.push(Piece::text(if previous_collapsed { after.clone() } else { delimiter.to_string() }));
        }
        let mut members = Run::new();
        for (n, &k) in group.iter().enumerate() {
            let run = if n == 0 || !collapse || rendered[k].affixed {
                rendered[k].run.clone()
            } else {
                without_author(processor, items, &cites[k], &rendered[k], citation, numbers, disamb)
            };
            if output::is_empty(&run) {
                continue;
            }
            if !members.is_empty() {
                // A cite in which a text variable ran is joined with the
                // layout's delimiter, though collapsed (citeproc-js resets
                // `have_collapsed`): `Gaonkar, 2001b; b` when the second
                // item is empty, its title standing in for the author ran.
                let plain = collapse && !explicit && rendered[k].ran_text_variable;
                members.push(Piece::text(if plain { delimiter } else { group_delimiter.as_str() }));
            }
            members.extend(run);
        }
        previous_collapsed = collapse && group.len() > 1;
        out.extend(members);
    }
    out
}

/// A collapsed cite: drawn again without its author.
fn without_author(
    processor: &Processor,
    items: &[Item],
    (i, input, cite): &(usize, &CiteInput, Cite),
    shown: &Shown,
    citation: &citationberg::Citation,
    numbers: &[usize],
    disamb: &[Disambiguation],
) -> Run {
    let shared = processor.shared();
    let names = processor.citation_names();
    let ctx = processor.ctx(&shared, &items[*i], Mode::Citation, Some(cite), Some(numbers[*i]), &disamb[*i], names);
    ctx.suppress_author.set(true);
    let (mut run, _) = ctx.elements(&citation.layout.elements, "");
    output::tag(&mut run, Tag::CiteStart(position_of(&shown.run)), Tag::CiteEnd);
    if let Some(suffix) = input.suffix.as_deref().filter(|s| !s.is_empty()) {
        run.extend(crate::text::rich(suffix, &processor.marks));
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Tag;

    const STYLE: &str = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
      <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
      <citation><sort><key variable="citation-number"/></sort>
        <layout prefix="[" suffix="]" delimiter=", "><text variable="citation-number"/></layout></citation>
      <bibliography><layout><text variable="citation-number" suffix=". "/><names variable="author"/>
        <text variable="DOI" prefix=", https://doi.org/"/></layout></bibliography></style>"#;

    fn item(id: &str, family: &str) -> Item {
        Item::from_json(&serde_json::json!({
            "id": id, "type": "book", "author": [{"family": family, "given": "A."}], "DOI": "10.1/x"
        }))
        .unwrap()
    }

    fn tags(run: &Run) -> Vec<(Tag, String)> {
        // Each tag with the text up to the next tag.
        let mut out: Vec<(Tag, String)> = Vec::new();
        for piece in run {
            match &piece.kind {
                Kind::Tag(tag) => out.push((tag.clone(), String::new())),
                _ => {
                    if let Some(last) = out.last_mut() {
                        last.1.push_str(&piece.text);
                    }
                }
            }
        }
        out
    }

    /// Callers that build their own output find each cite of a cluster (by
    /// its index as given, though the style sorts them), the citation number
    /// and the DOI's address; the writers print none of it.
    #[test]
    fn cites_numbers_and_links_are_tagged() {
        let processor = Processor::new(STYLE, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let items = [item("a", "Alpha"), item("b", "Beta")];
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        // `b`, cited first, is numbered 1: the cluster `a, b` is sorted [1, 2].
        let out = processor.render(&items, &[vec![cite("b")], vec![cite("a"), cite("b")]], true);
        assert_eq!(crate::html(&out.citations[1]), "[1, 2]");
        let found = tags(&out.citations[1]);
        assert_eq!(found[0], (Tag::CiteStart(1), String::new()));
        assert_eq!(found[1], (Tag::NumberStart, "1".into()));
        assert_eq!(found[4], (Tag::CiteStart(0), String::new()));
        let entry = &out.bibliography[0].1;
        assert_eq!(crate::html(entry), "1. A. Beta, https://doi.org/10.1/x");
        assert!(tags(entry).contains(&(Tag::LinkStart("https://doi.org/10.1/x".into()), "10.1/x".into())));
    }

    /// A narrative cite (pandoc's `@key`) is the author, then the rest with
    /// the layout's affixes, all of it one cite.
    #[test]
    fn a_narrative_cite_is_author_then_the_rest() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout prefix="(" suffix=")" delimiter="; "><group delimiter=", ">
            <names variable="author"><name form="short"/></names><date variable="issued"><date-part name="year"/></date>
            <text variable="locator"/></group></layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let items = [Item::from_json(&serde_json::json!({
            "id": "d", "type": "book", "author": [{"family": "Doe", "given": "J."}], "issued": {"date-parts": [[2020]]}
        }))
        .unwrap()];
        let cite = CiteInput { id: "d".into(), locator: Some("3".into()), narrative: true, ..Default::default() };
        let out = processor.render(&items, &[vec![cite]], false);
        assert_eq!(crate::html(&out.citations[0]), "Doe (2020, 3)");
        let run = &out.citations[0];
        assert_eq!(run.first().map(|p| &p.kind), Some(&Kind::Tag(Tag::CiteStart(0))));
        assert_eq!(run.last().map(|p| &p.kind), Some(&Kind::Tag(Tag::CiteEnd)));
    }

    /// Cites whose keys tie keep the order they are written in (checked
    /// against citeproc-js).
    #[test]
    fn tied_cites_keep_their_written_order() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><sort><key variable="author"/></sort>
            <layout delimiter="; "><text variable="title"/></layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let item = |id: &str, family: &str| {
            let json = serde_json::json!({"id": id, "type": "book", "title": id, "author": [{"family": family}]});
            Item::from_json(&json).unwrap()
        };
        let items = [item("x", "Doe"), item("y", "Doe"), item("z", "Abe")];
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        for (cluster, want) in [(["y", "x", "z"], "z; y; x"), (["x", "z", "y"], "z; x; y")] {
            let out = processor.render(&items, &[cluster.iter().map(|id| cite(id)).collect()], false);
            assert_eq!(crate::html(&out.citations[0]), want, "{cluster:?}");
        }
    }

    /// A collapsed cite in which a text variable ran (printing or not) is
    /// joined with the layout's delimiter, as citeproc-js joins it (checked
    /// against citeproc-js).
    #[test]
    fn a_collapsed_cite_that_ran_a_text_variable_takes_the_layouts_delimiter() {
        let style = |after: &str| {
            format!(
                r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
                <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
                <citation collapse="year"><sort><key variable="author"/></sort><layout delimiter="; ">
                  <group delimiter=", "><names variable="author"><substitute><text variable="title"/></substitute>
                  </names><date variable="issued"><date-part name="year"/></date></group>{after}
                </layout></citation></style>"#
            )
        };
        let items: Vec<Item> = [
            serde_json::json!({"id": "a", "type": "book", "author": [{"family": "Doe"}], "issued": {"date-parts": [[2000]]}}),
            serde_json::json!({"id": "b", "type": "book", "author": [{"family": "Doe"}], "issued": {"date-parts": [[2001]]}}),
            serde_json::json!({"id": "c", "type": "book", "note": "N"}),
        ]
        .iter()
        .map(|json| Item::from_json(json).unwrap())
        .collect();
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        // (after the group, cluster, citation)
        let cases = [
            ("", ["a", "b"], "Doe, 2000, 2001"),
            (r#"<text variable="note"/>"#, ["a", "b"], "Doe, 2000; 2001"),
            (r#"<text variable="note"/>"#, ["a", "c"], "Doe, 2000; N"),
            // (The title standing in for the author ran.)
            (r#"<text value="-"/>"#, ["a", "c"], "Doe, 2000-; -"),
            (r#"<text value="-"/>"#, ["a", "b"], "Doe, 2000-, 2001-"),
        ];
        for (after, cluster, want) in cases {
            let processor = Processor::new(&style(after), &HashMap::<String, String>::new(), None, &|_| None).unwrap();
            let out = processor.render(&items, &[cluster.iter().map(|id| cite(id)).collect()], false);
            assert_eq!(crate::html(&out.citations[0]), want, "{after} {cluster:?}");
        }
    }

    /// A collapsing in-text style sorts a cluster as citeproc-js's grouped
    /// sort does: a cite whose sort key is empty sorts as `undefined` (a
    /// title standing in for the author after `Kowalski`, before `Vaswani`;
    /// checked against citeproc-js).
    #[test]
    fn a_collapsing_style_sorts_empty_keys_as_undefined() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <macro name="author"><names variable="author"/></macro>
          <citation collapse="year"><sort><key macro="author"/></sort>
            <layout delimiter="; "><names variable="author"><name form="short"/><substitute>
              <names variable="editor"/><text variable="title"/></substitute></names></layout>
          </citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let item = |id: &str, role: &str, family: &str| {
            let mut json = serde_json::json!({"id": id, "type": "book", "title": id});
            if !role.is_empty() {
                json[role] = serde_json::json!([{"family": family, "given": "A."}]);
            }
            Item::from_json(&json).unwrap()
        };
        let items = [
            item("a", "author", "Vaswani"),
            item("b", "", ""),
            item("c", "author", "Kowalski"),
            item("d", "editor", "Abel"),
            item("e", "author", "Zorn"),
            item("f", "editor", "Young"),
        ];
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        // (cluster, citation)
        let cases = [
            (vec!["a", "b", "c"], "Kowalski; b; Vaswani"),
            // An editor's names key nothing either: `undefined` sorts
            // them before `Vaswani`, `Young` too.
            (vec!["e", "d", "a"], "Abel; Vaswani; Zorn"),
            (vec!["e", "f", "a"], "Young; Vaswani; Zorn"),
        ];
        for (cluster, want) in cases {
            let out = processor.render(&items, &[cluster.iter().map(|id| cite(id)).collect()], false);
            assert_eq!(crate::html(&out.citations[0]), want, "{cluster:?}");
        }
    }
}
