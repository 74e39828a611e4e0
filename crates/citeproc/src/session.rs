//! A whole document's worth of rendering: items registered in citation
//! order, the bibliography sorted and numbered, ambiguous cites told apart,
//! then every citation cluster and every entry rendered.

use crate::blobs;
use crate::engine::Processor;
use crate::fast_hash::FastMap;
use crate::item::Item;
use crate::output::{self, Kind, Piece, Run, Tag};
use crate::render::{Cite, Collapsing, Disambiguation, Mode};
use crate::sort;
use citationberg::taxonomy::Locator;
use citationberg::{Collapse, SubsequentAuthorSubstituteRule, TestPosition};

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
    /// Bibliography entries kept across renders (see [`Entries`]).
    pub entries: Option<std::sync::Arc<Entries>>,
}

/// Bibliography entries drawn once and kept across renders, for a caller
/// that renders many lists over one library (a book's chapters): an entry
/// is drawn again only when its item's disambiguation or (where the list
/// prints it) citation number differs. The caller promises that an id
/// always names the same item while it keeps these.
#[derive(Default)]
pub struct Entries(std::sync::Mutex<FastMap<EntryKey, Run>>);

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.0.lock().map_or(0, |entries| entries.len());
        write!(f, "Entries({held} held)")
    }
}

#[derive(PartialEq, Eq, Hash)]
struct EntryKey {
    id: String,
    number: Option<usize>,
    disambiguation: Disambiguation,
}

pub fn render(
    processor: &Processor,
    items: &[&Item],
    clusters: &[Vec<CiteInput>],
    bibliography: bool,
    layout: &Layout,
) -> Rendered {
    let index: FastMap<&str, usize> = items.iter().enumerate().map(|(i, item)| (item.id.as_str(), i)).collect();

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
    let list_names = crate::disambiguate::list_names(processor, &disamb, &global);

    // 4. Citations in document order.
    let timed = (processor.reruns && !layout.standalone).then(|| {
        disambiguation_in_time(processor, items, &index, clusters, &bib_order, &numbers, &global, &disamb, layout)
    });
    let citations = render_citations(processor, items, &index, clusters, &numbers, &disamb, timed.as_deref(), layout);

    // 5. Bibliography entries.
    let mut entries_out = Vec::new();
    if bibliography && let Some(bib) = &processor.style.bibliography {
        let shared = processor.shared();
        let names = processor.bibliography_names();
        let mut previous_author: Option<String> = None;
        let mut previous_names: Vec<String> = Vec::new();
        let kept = layout.entries.as_deref().filter(|_| processor.entries_repeat());
        for &i in &bib_order {
            // The list shows the year suffix, and at least as many names as
            // the cites needed to be told apart (citeproc-js does both); its
            // given names are the global rule's, or under `by-cite` the
            // cites' (`disambiguate::list_names`).
            let year_only = Disambiguation {
                year_suffix: disamb[i].year_suffix.clone(),
                givenname_of: list_names[i].clone(),
                // (Note styles tell their short notes apart; the list keeps
                // its own names.)
                min_names: match disamb[i].add_names {
                    _ if processor.is_note_style() => 0,
                    0 => 0,
                    added => added + processor.citation_names().et_al_use_first.map_or(0, |n| n as usize),
                },
                ..Disambiguation::default()
            };
            // An entry drawn in an earlier list.
            let key = kept.map(|_| EntryKey {
                id: items[i].id.clone(),
                number: processor.entries_numbered.then_some(numbers[i]),
                disambiguation: year_only.clone(),
            });
            if let (Some(entries), Some(key)) = (kept, &key)
                && let Some(run) = entries.0.lock().ok().and_then(|held| held.get(key).cloned())
            {
                entries_out.push((items[i].id.clone(), run));
                continue;
            }
            let ctx = processor.ctx(&shared, items[i], Mode::Bibliography, None, Some(numbers[i]), &year_only, names);
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
                let rule = bib.subsequent_author_substitute_rule;
                let names = author_names(&run);
                if author.is_some() && author == previous_author {
                    substitute_author(&mut run, substitute, rule);
                } else if !names.is_empty() {
                    substitute_partially(&mut run, substitute, rule, &previous_names, &names);
                }
                previous_author = author;
                // (citeproc-js keeps the names of the last entry that had any.)
                if !names.is_empty() {
                    previous_names = names;
                }
            }
            processor.tidy_entry(items[i], &mut run);
            capitalize_first(&mut run);
            if let (Some(entries), Some(key)) = (kept, key)
                && let Ok(mut held) = entries.0.lock()
            {
                held.insert(key, run.clone());
            }
            entries_out.push((items[i].id.clone(), run));
        }
    }
    Rendered { bibliography: entries_out, citations }
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

/// Replaces the author's names, all the same as the entry before's, with
/// the substitute string: the whole of them (`complete-all`, citeproc-js
/// keeping a label after it), or each name (`complete-each`, and the partial
/// rules, all of whose names match; a title in their place goes whole).
fn substitute_author(run: &mut Run, substitute: &str, rule: SubsequentAuthorSubstituteRule) {
    let count = author_names(run).len();
    // A title standing in for the names is replaced whole by every rule.
    if rule != SubsequentAuthorSubstituteRule::CompleteAll && count > 0 {
        let first_only = rule == SubsequentAuthorSubstituteRule::PartialFirst;
        substitute_names(run, substitute, if first_only { count.min(1) } else { count });
        return;
    }
    let Some(start) = run.iter().position(|p| p.kind == Kind::Mark(true)) else { return };
    let Some(end) = run.iter().position(|p| p.kind == Kind::Mark(false)) else { return };
    let style = run.get(start + 1).map(|p| p.style).unwrap_or_default();
    run.splice(start..=end, [Piece { text: substitute.into(), style, nocase: true, kind: Kind::Text }]);
}

/// The partial rules where not all names match: the names that match the
/// entry before's, name by name from the first (`partial-each`), or the
/// first only (`partial-first`).
fn substitute_partially(
    run: &mut Run,
    substitute: &str,
    rule: SubsequentAuthorSubstituteRule,
    previous: &[String],
    names: &[String],
) {
    let matching = names.iter().zip(previous).take_while(|(a, b)| a == b).count();
    let count = match rule {
        SubsequentAuthorSubstituteRule::PartialEach => matching,
        SubsequentAuthorSubstituteRule::PartialFirst => matching.min(1),
        _ => 0,
    };
    substitute_names(run, substitute, count);
}

/// Each name of the author, as printed (marked by `Kind::Name`).
fn author_names(run: &Run) -> Vec<String> {
    let mut names = Vec::new();
    let mut current: Option<String> = None;
    for piece in run {
        match piece.kind {
            Kind::Name(true) => current = Some(String::new()),
            Kind::Name(false) => names.extend(current.take()),
            _ => {
                if let Some(name) = current.as_mut() {
                    name.push_str(&piece.text);
                }
            }
        }
    }
    names
}

/// Replaces the first `count` marked names with the substitute string.
fn substitute_names(run: &mut Run, substitute: &str, count: usize) {
    for _ in 0..count {
        let Some(start) = run.iter().position(|p| p.kind == Kind::Name(true)) else { return };
        let Some(end) = run[start..].iter().position(|p| p.kind == Kind::Name(false)).map(|e| start + e) else {
            return;
        };
        let style = run.get(start + 1).map(|p| p.style).unwrap_or_default();
        run.splice(start..=end, [Piece { text: substitute.into(), style, nocase: true, kind: Kind::Text }]);
    }
}

/// A cite's item, locator and label, as positions compare them.
type Located = (usize, Option<String>, Option<String>);

/// The ibid positions of a cite that repeats the one before (locator and
/// label of each, compared as citeproc-js compares them, label and all): the
/// same locator or none is `ibid`, another locator `ibid-with-locator`, and
/// none after one is no ibid at all.
fn ibid(before: &(Option<String>, Option<String>), this: &(Option<String>, Option<String>)) -> Vec<TestPosition> {
    let key = |(locator, label): &(Option<String>, Option<String>)| {
        locator.as_ref().map(|l| format!("{l}{}", label.as_deref().unwrap_or_default()))
    };
    match (key(before), key(this)) {
        (Some(_), None) => vec![],
        (None, None) => vec![TestPosition::Ibid],
        (Some(a), Some(b)) if a == b => vec![TestPosition::Ibid],
        _ => vec![TestPosition::IbidWithLocator, TestPosition::Ibid],
    }
}

/// The note a cluster is in.
fn note_of(layout: &Layout, n: usize) -> usize {
    layout.notes.as_ref().and_then(|notes| notes.get(n)).map_or(n + 1, |&note| note as usize)
}

/// Per cluster, the disambiguation of its items when citeproc-js last
/// renders it, for note styles whose disambiguation it reruns
/// ([`Processor::reruns`]). `processCitationCluster` reruns the
/// disambiguation of the cites that printed alike with an item whenever that
/// item is cited for the first or the second time, comparing the cites with
/// the note of their first reference (known once an item is cited again in
/// another note); at an item's second citation it renders its first cluster
/// again. So `Doe (n 3)` and `Doe (n 7)` need no title to tell them apart,
/// while two works first cited in one note, or not cited again yet, do.
#[allow(clippy::too_many_arguments)]
fn disambiguation_in_time(
    processor: &Processor,
    items: &[&Item],
    index: &FastMap<&str, usize>,
    clusters: &[Vec<CiteInput>],
    bib_order: &[usize],
    numbers: &[usize],
    global: &[Disambiguation],
    disamb: &[Disambiguation],
    layout: &Layout,
) -> Vec<Vec<(usize, Disambiguation)>> {
    let mut group_of: Vec<Option<usize>> = vec![None; items.len()];
    let groups = crate::disambiguate::alike(processor, items, bib_order, numbers, global);
    for (g, group) in groups.iter().enumerate() {
        for &i in group {
            group_of[i] = Some(g);
        }
    }
    let mut state = disamb.to_vec();
    let mut first_note: Vec<Option<usize>> = vec![None; items.len()];
    let mut known_note: Vec<Option<usize>> = vec![None; items.len()];
    let mut citing: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut out: Vec<Vec<(usize, Disambiguation)>> = vec![Vec::new(); clusters.len()];
    for (n, cluster) in clusters.iter().enumerate() {
        let note = note_of(layout, n);
        let mut cited: Vec<usize> = Vec::new();
        for input in cluster {
            let Some(&i) = index.get(input.id.as_str()) else { continue };
            match first_note[i] {
                None => first_note[i] = Some(note),
                Some(first) if first != note => known_note[i] = Some(first),
                Some(_) => {}
            }
            if !cited.contains(&i) {
                cited.push(i);
            }
        }
        let mut reruns: Vec<usize> = Vec::new();
        let mut again: Vec<usize> = vec![n];
        for &i in &cited {
            let before = citing[i].len();
            if before < 2
                && let Some(g) = group_of[i]
                && !reruns.contains(&g)
            {
                reruns.push(g);
            }
            if before == 1 {
                for &c in &citing[i] {
                    if !again.contains(&c) {
                        again.push(c);
                    }
                }
            }
            citing[i].push(n);
        }
        for g in reruns {
            crate::disambiguate::rerun(processor, items, &groups[g], numbers, &known_note, &mut state);
        }
        for c in again {
            out[c] = cited_in(&clusters[c], index).into_iter().map(|i| (i, state[i].clone())).collect();
        }
    }
    out
}

/// The items a cluster cites.
fn cited_in(cluster: &[CiteInput], index: &FastMap<&str, usize>) -> Vec<usize> {
    cluster.iter().filter_map(|input| index.get(input.id.as_str()).copied()).collect()
}

#[allow(clippy::too_many_arguments)]
fn render_citations(
    processor: &Processor,
    items: &[&Item],
    index: &FastMap<&str, usize>,
    clusters: &[Vec<CiteInput>],
    numbers: &[usize],
    disamb: &[Disambiguation],
    timed: Option<&[Vec<(usize, Disambiguation)>]>,
    layout: &Layout,
) -> Vec<Run> {
    let citation = &processor.style.citation;
    let names = processor.citation_names();
    let near_note = citation.near_note_distance as usize;
    // Per item (vectors, not maps: probed for every cite): the notes of its
    // first and last cites, and the items cited so far.
    let mut last_note: Vec<Option<usize>> = vec![None; items.len()];
    let mut first_note: Vec<Option<usize>> = vec![None; items.len()];
    let mut cited: Vec<usize> = Vec::new();
    // The cluster before: its first cite (item, locator, label), its last
    // item and its note; and how many cites each note holds.
    let mut previous: Option<(Located, usize, usize)> = None;
    let mut cites_in_note: FastMap<usize, usize> = FastMap::default();
    let mut out = Vec::with_capacity(clusters.len());
    // Cites drawn once (see `Draft`), by item, then author suppressed and
    // author only ([`draft_slot`]).
    let mut drafts: Vec<Option<Box<Draft>>> = Vec::new();
    drafts.resize_with(items.len() * 4, || None);
    let mut sort_keys: FastMap<usize, sort::Keys> = FastMap::default();
    // The items of a cluster (`None`: an id no item has).
    let mut resolved: Vec<Option<usize>> = Vec::new();
    for (n, cluster) in clusters.iter().enumerate() {
        let note = note_of(layout, n);
        // The disambiguation as it stands when citeproc-js renders this
        // cluster for the last time.
        let overrides: &[(usize, Disambiguation)] = timed.map_or(&[], |t| &t[n]);
        let disamb_of = |i: usize| overrides.iter().find(|(j, _)| *j == i).map_or(&disamb[i], |(_, d)| d);
        if layout.standalone {
            for i in cited.drain(..) {
                last_note[i] = None;
                first_note[i] = None;
            }
            previous = None;
            cites_in_note.clear();
        }
        resolved.clear();
        resolved.extend(cluster.iter().map(|input| index.get(input.id.as_str()).copied()));
        *cites_in_note.entry(note).or_default() += resolved.iter().flatten().count();
        // Positions in written order, as citeproc-js's
        // `processCitationCluster` sets them.
        let mut cites: Vec<(usize, &CiteInput, Cite)> = Vec::with_capacity(cluster.len());
        let mut before: Option<Located> = None;
        for (k, (input, i)) in cluster.iter().zip(&resolved).enumerate() {
            let Some(i) = *i else { continue };
            let label = input.label.as_deref().and_then(|l| l.parse::<Locator>().ok());
            let mut positions = Vec::new();
            match last_note[i] {
                None => positions.push(TestPosition::First),
                Some(last) => {
                    positions.push(TestPosition::Subsequent);
                    // The cite an ibid would repeat: the one before in this
                    // cluster; or, for the first cite, the cluster before,
                    // when it is the only cite of the note before (or of
                    // this note, ending with this item).
                    let repeated = if k > 0 {
                        before.clone().filter(|b| b.0 == i)
                    } else {
                        match &previous {
                            Some((first, _, prev_note)) if *prev_note != note => (first.0 == i
                                && *prev_note + 1 >= note
                                && (*prev_note == 0 || cites_in_note.get(prev_note) == Some(&1)))
                            .then(|| first.clone()),
                            Some((first, last, _)) => (*last == i).then(|| first.clone()),
                            None => None,
                        }
                    };
                    if let Some((_, locator, label)) = repeated {
                        positions.extend(ibid(&(locator, label), &(input.locator.clone(), input.label.clone())));
                    }
                    if note.saturating_sub(last) <= near_note {
                        positions.push(TestPosition::NearNote);
                    }
                }
            }
            let cite = Cite {
                locator: input.locator.clone(),
                label: if input.locator.is_some() { Some(label.unwrap_or(Locator::Page)) } else { None },
                positions,
                // citeproc-js gives no note of the first reference in the
                // note of the first reference.
                first_note: first_note[i].filter(|&first| first != note),
            };
            if last_note[i].is_none() {
                cited.push(i);
            }
            last_note[i] = Some(note);
            first_note[i].get_or_insert(note);
            before = Some((i, input.locator.clone(), input.label.clone()));
            cites.push((i, input, cite));
        }
        previous = match (cites.first(), cites.last()) {
            (Some((i, input, _)), Some((last, ..))) => {
                Some(((*i, input.locator.clone(), input.label.clone()), *last, note))
            }
            _ => None,
        };

        // Sorted as the style says.
        if let Some(sort_spec) = citation.sort.as_ref().filter(|_| cites.len() > 1) {
            // An item's keys do not change from cluster to cluster (unless its
            // disambiguation does): made once.
            let make = |i: usize| sort::keys(processor, sort_spec, items[i], Some(numbers[i]), disamb_of(i), names);
            let fresh: Vec<sort::Keys>;
            let keys: Vec<&sort::Keys> = match timed {
                None => {
                    for (i, ..) in &cites {
                        sort_keys.entry(*i).or_insert_with(|| make(*i));
                    }
                    cites.iter().map(|(i, ..)| &sort_keys[i]).collect()
                }
                Some(_) => {
                    fresh = cites.iter().map(|(i, ..)| make(*i)).collect();
                    fresh.iter().collect()
                }
            };
            let mut order: Vec<usize> = (0..cites.len()).collect();
            // Ties keep the order as written: citeproc-js's comparator falls
            // back on a `seq` that cites do not have, and its sort is stable
            // (`(Doe 2020c; 2020a; 2020b)` as written, checked against it).
            order.sort_by(|&a, &b| sort::compare(processor, sort_spec, keys[a], keys[b]).then_with(|| a.cmp(&b)));
            let mut sorted = Vec::with_capacity(cites.len());
            let mut taken: Vec<Option<(usize, &CiteInput, Cite)>> = cites.into_iter().map(Some).collect();
            for k in order {
                if let Some(c) = taken[k].take() {
                    sorted.push(c);
                }
            }
            cites = sorted;
        }

        // Each cite, with its author remembered for grouping.
        let year_suffix = year_suffix_collapse(processor);
        let narrative = cites.len() == 1 && cites[0].1.narrative;
        let mut narrator = Run::new();
        let mut rendered: Vec<RenderedCite> = Vec::with_capacity(cites.len());
        // What citeproc-js's cluster sees of each cite (`blobs.rs`).
        let mut shapes: Vec<Vec<blobs::Elem>> = Vec::with_capacity(cites.len());
        for (i, input, cite) in &cites {
            let state = Collapsing { year_suffix, ..Collapsing::default() };
            let last =
                shapes.len() + 1 == cites.len() && citation.layout.suffix.as_deref().is_some_and(|s| !s.is_empty());
            let drawn =
                Drawn { cluster, numbers, disamb: disamb_of(*i), collapsing: state, suppress_author: narrative };
            // A cite that reads nothing of where it stands is drawn once.
            let repeats = processor.cites_repeat
                && timed.is_none()
                && input.locator.is_none()
                && input.prefix.as_deref().is_none_or(str::is_empty)
                && input.suffix.as_deref().is_none_or(str::is_empty);
            let draft = match repeats {
                true => {
                    let slot = &mut drafts[draft_slot(*i, input.suppress_author || narrative, input.author_only)];
                    Some(
                        &**slot.get_or_insert_with(|| Box::new(draw_cite(processor, items, (*i, input, cite), &drawn))),
                    )
                }
                false => None,
            };
            let (one, author, shape) = render_cite(processor, items, (*i, input, cite), drawn, last, draft);
            shapes.push(shape);
            if narrative {
                narrator = author;
            }
            rendered.push(one);
        }
        if grouped_sort(processor) && cites.len() > 1 {
            let order = group_by_author(processor, items, &cites, &rendered, numbers, disamb);
            cites = order.iter().map(|&k| cites[k].clone()).collect();
            rendered = order.iter().map(|&k| rendered[k].clone()).collect();
            shapes = order.iter().map(|&k| shapes[k].clone()).collect();
        }

        let delimiter = citation.layout.delimiter.clone().unwrap_or_default();
        let mut run = match citation.collapse {
            Some(Collapse::CitationNumber) => collapse_numbers(rendered, numbers, &delimiter, citation),
            Some(_) => collapse_authors(processor, items, cluster, &cites, rendered, numbers, disamb),
            None if citation.cite_group_delimiter.is_some() => {
                collapse_authors(processor, items, cluster, &cites, rendered, numbers, disamb)
            }
            None => {
                let dropped = blobs::dropped_delimiters(&shapes, !delimiter.is_empty());
                let gaps: Vec<String> = (0..cites.len())
                    .map(|k| match k {
                        0 => String::new(),
                        _ if dropped[k] => String::new(),
                        _ => splice(&delimiter, cites[k - 1].1, cites[k].1),
                    })
                    .collect();
                join_cites(rendered.into_iter().map(|r| r.run).collect(), &gaps)
            }
        };
        // The layout's affixes sit inside its formatting (citeproc-js:
        // `<sup>[1]</sup>`).
        // Only the author's name: without the layout's affixes.
        let mut author_only = !cites.is_empty() && cites.iter().all(|(_, input, _)| input.author_only);
        // A narrative cite with nothing after its author (MLA's `@key`
        // without a page) is the author alone, as pandoc prints it, where
        // citeproc-js's composite mode adds its `[NO_PRINTED_FORM]`.
        let author_alone = narrative && output::is_empty(&run) && !output::is_empty(&narrator);
        if author_alone {
            author_only = true;
        } else if output::is_empty(&run) && !cites.is_empty() {
            // What citeproc-js prints for a citation the style renders empty:
            // an error in the layout's affixes, unless the first cite left
            // out its author (`getCitationCluster` reports no error then, and
            // the empty cluster is "[NO_PRINTED_FORM]", bare).
            let (_, first, _) = &cites[0];
            if first.author_only || first.suppress_author {
                author_only = true;
                run = vec![Piece::text("[NO_PRINTED_FORM]")];
            } else {
                run = vec![Piece::text("[CSL STYLE ERROR: reference with no printed form.]")];
            }
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

/// Where the draft of item `i`'s cite is kept, by whether the cite leaves
/// its author out or prints only the author.
fn draft_slot(i: usize, suppress_author: bool, author_only: bool) -> usize {
    i * 4 + usize::from(suppress_author) * 2 + usize::from(author_only)
}

/// Joins the cites of a cluster, each after its gap (see [`splice`] and
/// `blobs.rs`).
fn join_cites(mut runs: Vec<Run>, gaps: &[String]) -> Run {
    if runs.len() == 1 {
        return runs.pop().filter(|run| !output::is_empty(run)).unwrap_or_default();
    }
    let mut out = Run::with_capacity(runs.iter().map(Vec::len).sum::<usize>() + runs.len());
    for (k, run) in runs.into_iter().enumerate() {
        if output::is_empty(&run) {
            continue;
        }
        if let Some(gap) = gaps.get(k).filter(|g| !out.is_empty() && !g.is_empty()) {
            out.push(Piece::text(gap.clone()));
        }
        out.extend(run);
    }
    out
}

/// The delimiter between two cites as citeproc-js's `getCitationCluster`
/// splices it: after a suffix that ends in `;`, `.` or `,` only its part from
/// the first space on; before a prefix that starts with one (and no suffix
/// before) nothing.
fn splice(delimiter: &str, before: &CiteInput, this: &CiteInput) -> String {
    let punctuation = |c: Option<char>| matches!(c, Some(';' | '.' | ','));
    let suffix = before.suffix.as_deref().filter(|s| !s.is_empty());
    if suffix.is_some_and(|s| punctuation(s.chars().last())) {
        return delimiter.find(' ').map_or(String::new(), |space| delimiter[space..].to_string());
    }
    if suffix.is_none() && punctuation(this.prefix.as_deref().and_then(|p| p.chars().next())) {
        return String::new();
    }
    delimiter.to_string()
}

/// Where a cite is in its cluster as given (cites are sorted).
fn position(cluster: &[CiteInput], input: &CiteInput) -> usize {
    cluster.iter().position(|c| std::ptr::eq(c, input)).unwrap_or(0)
}

/// `[1]–[4]`: three or more consecutive numbers become a range.
fn collapse_numbers(
    mut rendered: Vec<RenderedCite>,
    numbers: &[usize],
    delimiter: &str,
    citation: &citationberg::Citation,
) -> Run {
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
            out.append(&mut rendered[k].run);
            // The cites within the range print nothing, but keep their tags
            // for callers.
            for inner in &rendered[k + 1..end] {
                out.extend(
                    inner.run.iter().filter(|p| matches!(p.kind, Kind::Tag(Tag::CiteStart(_) | Tag::CiteEnd))).cloned(),
                );
            }
            out.push(Piece::text("–"));
            out.append(&mut rendered[end].run);
            previous_collapsed = true;
            k = end + 1;
        } else {
            out.append(&mut rendered[k].run);
            previous_collapsed = false;
            k += 1;
        }
    }
    out
}

/// One cite of a cluster, rendered, with what collapsing needs to know.
#[derive(Debug, Clone)]
struct RenderedCite {
    /// The item.
    item: usize,
    /// The cite with its tags and the author's own prefix and suffix.
    run: Run,
    /// Its author as printed (plain), empty when it prints none.
    author: String,
    /// It has a prefix, a suffix or a locator.
    affixed: bool,
    /// The years it printed (`collapse="year-suffix"`).
    years: Vec<i32>,
    /// It evaluated a text variable (citeproc-js: not collapsed then).
    text_variable: bool,
}

/// What drawing one cite of a cluster reads besides the cite itself.
struct Drawn<'a> {
    /// The cluster as given (for the cite's place in it).
    cluster: &'a [CiteInput],
    numbers: &'a [usize],
    /// The item's disambiguation, as it stands for this cluster.
    disamb: &'a Disambiguation,
    collapsing: Collapsing,
    /// The author is printed elsewhere (a narrative cite).
    suppress_author: bool,
}

/// A cite as the layout draws it, before its place in the cluster and the
/// author's own words: the same for every cite of an item without a
/// locator, prefix or suffix when the layout reads nothing of the cite's
/// position (see [`Processor::cites_repeat`]), so such cites are drawn once.
#[derive(Clone)]
struct Draft {
    run: Run,
    author: Run,
    names_printed: bool,
    years: Vec<i32>,
    text_variable: bool,
    elems: Vec<blobs::Elem>,
}

/// Draws one cite with the citation layout.
fn draw_cite(
    processor: &Processor,
    items: &[&Item],
    (i, input, cite): (usize, &CiteInput, &Cite),
    drawn: &Drawn,
) -> Draft {
    let shared = processor.shared();
    let names = processor.citation_names();
    let citation = &processor.style.citation;
    let ctx = processor.ctx(&shared, items[i], Mode::Citation, Some(cite), Some(drawn.numbers[i]), drawn.disamb, names);
    ctx.suppress_author.set(input.suppress_author || drawn.suppress_author);
    ctx.author_only.set(input.author_only);
    *ctx.numerals.borrow_mut() = Some(Vec::new());
    *ctx.collapsing.borrow_mut() = drawn.collapsing.clone();
    let (mut run, _) = ctx.elements(&citation.layout.elements, "");
    let values = ctx.numerals.borrow_mut().take().unwrap_or_default();
    let mut elems = blobs::shape(&mut run, &values);
    let author = ctx.author.borrow().clone().unwrap_or_default();
    if input.author_only {
        elems = vec![blobs::Elem::Str];
        output::undecorate(&mut run);
    }
    // Cites group by the names printed; a title standing in for them does
    // not group (citeproc-js compares only names).
    let names_printed = ctx.author_key.borrow().is_some();
    let collapsing = ctx.collapsing.borrow();
    Draft {
        run,
        author,
        names_printed,
        years: collapsing.years.clone(),
        text_variable: collapsing.text_variable,
        elems,
    }
}

/// Renders one cite with its own prefix and suffix, tagged with its place in
/// the cluster as given; also returns the author's names as printed, and
/// what citeproc-js's cluster join sees of the cite (`blobs.rs`; `last`:
/// the cluster's last cite, before the layout's suffix). `draft` is the
/// cite as drawn already, if it was.
fn render_cite(
    processor: &Processor,
    items: &[&Item],
    (i, input, cite): (usize, &CiteInput, &Cite),
    drawn: Drawn,
    last: bool,
    draft: Option<&Draft>,
) -> (RenderedCite, Run, Vec<blobs::Elem>) {
    // A draft made before is copied, but for the author's names, which only
    // a narrative cite hands on.
    let Draft { mut run, author, names_printed, years, text_variable, elems } = match draft {
        Some(draft) => Draft {
            run: draft.run.clone(),
            author: if drawn.suppress_author { draft.author.clone() } else { Run::new() },
            names_printed: draft.names_printed,
            years: draft.years.clone(),
            text_variable: draft.text_variable,
            elems: draft.elems.clone(),
        },
        None => draw_cite(processor, items, (i, input, cite), &drawn),
    };
    let author_text = if names_printed {
        output::plain(match draft {
            Some(draft) => &draft.author,
            None => &author,
        })
    } else {
        String::new()
    };
    let has = |affix: &Option<String>| affix.as_deref().is_some_and(|a| !a.is_empty());
    let shape = blobs::in_cluster(elems, has(&input.prefix), has(&input.suffix), last);
    // The cite itself, without the author's words around it.
    output::tag(&mut run, Tag::CiteStart(position(drawn.cluster, input)), Tag::CiteEnd);
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
        // The author's own words: never recased, and their comma stays
        // outside a closing quote.
        let mut words = crate::text::rich(suffix, &processor.marks);
        for piece in words.iter_mut() {
            piece.nocase = true;
        }
        run.extend(words);
    }
    let one = RenderedCite {
        item: i,
        run,
        author: author_text,
        affixed: input.prefix.is_some() || input.suffix.is_some() || cite.locator.is_some(),
        years,
        text_variable,
    };
    (one, author, shape)
}

/// Whether year suffixes collapse (`2000a, b`): `collapse="year-suffix"` or
/// `"year-suffix-ranged"`, and only with `disambiguate-add-year-suffix`
/// (citeproc-js's precondition).
fn year_suffix_collapse(processor: &Processor) -> bool {
    let citation = &processor.style.citation;
    matches!(citation.collapse, Some(Collapse::YearSuffix | Collapse::YearSuffixRanged))
        && citation.disambiguate_add_year_suffix
}

/// Whether a sorted cluster keeps the cites of one author together (the
/// spec's cite grouping): citeproc-js does so in in-text styles that
/// collapse by author, and wherever `cite-group-delimiter` is set, and only
/// when the citation is sorted.
fn grouped_sort(processor: &Processor) -> bool {
    let citation = &processor.style.citation;
    citation.sort.is_some()
        && match citation.collapse {
            Some(Collapse::CitationNumber) => false,
            Some(_) => !processor.is_note_style() || citation.cite_group_delimiter.is_some(),
            None => citation.cite_group_delimiter.is_some(),
        }
}

/// The order of a sorted cluster with each author's cites together: the
/// authors' groups ordered by their first cite's first sort key, the cites
/// of a group in sort order. (citeproc-js sorts by author, then by the
/// first key of each author's first cite; ties keep the order by author.)
fn group_by_author(
    processor: &Processor,
    items: &[&Item],
    cites: &[(usize, &CiteInput, Cite)],
    rendered: &[RenderedCite],
    numbers: &[usize],
    disamb: &[Disambiguation],
) -> Vec<usize> {
    let Some(sort_spec) = &processor.style.citation.sort else { return (0..cites.len()).collect() };
    let names = processor.citation_names();
    let collate = |a: &str, b: &str| match &processor.collator {
        Some(collator) => collator.compare(a, b),
        None => a.cmp(b),
    };
    // Stable: the cluster is in sort order already. Cites without names
    // come last, as one group (citeproc-js's author key is undefined).
    let mut by_author: Vec<usize> = (0..cites.len()).collect();
    by_author.sort_by(|&a, &b| {
        let (a, b) = (&rendered[a].author, &rendered[b].author);
        a.is_empty().cmp(&b.is_empty()).then_with(|| collate(a, b))
    });
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for k in by_author {
        match groups.last_mut() {
            Some(group) if rendered[group[0]].author == rendered[k].author => group.push(k),
            _ => groups.push(vec![k]),
        }
    }
    let first_key = |k: usize| {
        let (i, ..) = cites[k];
        let keys = sort::keys(processor, sort_spec, items[i], Some(numbers[i]), &disamb[i], names);
        keys.into_iter().take(1).collect::<sort::Keys>()
    };
    let leaders: Vec<sort::Keys> = groups.iter().map(|g| first_key(g[0])).collect();
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by(|&a, &b| sort::compare(processor, sort_spec, &leaders[a], &leaders[b]));
    order.into_iter().flat_map(|g| groups[g].clone()).collect()
}

/// How one cite of a cluster stands to the cite before it, as citeproc-js
/// tracks it while rendering.
#[derive(Debug, Clone, Copy, Default)]
struct CiteState {
    /// Same author as the last cite that printed one: names left out.
    cut: bool,
    /// Counted as collapsed: the names were left out or there were none,
    /// and no text variable was evaluated (citeproc-js's `have_collapsed`).
    collapsed: bool,
    /// The cite-group delimiter goes before it (same author; kept over a
    /// cite that prints no author).
    group: bool,
}

/// Each cite's state: authors compare with the last one printed, which a
/// cite without an author leaves as it is.
fn cite_states(collapse: bool, group_delimiter: bool, rendered: &[RenderedCite]) -> Vec<CiteState> {
    let mut last_author: Option<&str> = None;
    let mut group = false;
    rendered
        .iter()
        .map(|r| {
            let cut = if r.author.is_empty() {
                false
            } else if last_author == Some(r.author.as_str()) {
                group = group_delimiter;
                true
            } else {
                last_author = Some(&r.author);
                group = false;
                false
            };
            let collapsed = collapse && !r.text_variable && (cut || r.author.is_empty());
            CiteState { cut: cut && collapse, collapsed, group }
        })
        .collect()
}

/// The delimiter before cite `k` (citeproc-js's `getSpliceDelimiter`):
/// `after-collapse-delimiter` after a locator, after a collapsed group and
/// between cites not collapsed (except under `collapse="year-suffix"`); the
/// cite-group delimiter within a group; `, ` within a collapsed group of an
/// in-text style without either; else the layout's.
fn splice_delimiter(
    processor: &Processor,
    states: &[CiteState],
    cites: &[(usize, &CiteInput, Cite)],
    k: usize,
) -> String {
    let citation = &processor.style.citation;
    let layout = citation.layout.delimiter.clone().unwrap_or_default();
    let (previous, this) = (states[k - 1], states[k]);
    if let Some(after) = &citation.after_collapse_delimiter {
        let not_year_suffix = citation.collapse != Some(Collapse::YearSuffix);
        if cites[k - 1].2.locator.is_some() || (!this.collapsed && (previous.collapsed || not_year_suffix)) {
            return after.clone();
        }
        return layout;
    }
    if this.group
        && let Some(group) = &citation.cite_group_delimiter
    {
        return group.clone();
    }
    if this.collapsed && !processor.is_note_style() {
        return ", ".to_string();
    }
    layout
}

/// A cluster whose cites by one author collapse (`collapse="year"`,
/// `"year-suffix"`, `"year-suffix-ranged"`) or only join with
/// `cite-group-delimiter`: the author is printed once, a year equal to the
/// one before is left out under `year-suffix` (`2000a, b`), and consecutive
/// suffixes make ranges under `year-suffix-ranged` (`2000a–c`). Every cite
/// keeps its tags, even one a range leaves out.
fn collapse_authors(
    processor: &Processor,
    items: &[&Item],
    cluster: &[CiteInput],
    cites: &[(usize, &CiteInput, Cite)],
    mut rendered: Vec<RenderedCite>,
    numbers: &[usize],
    disamb: &[Disambiguation],
) -> Run {
    let citation = &processor.style.citation;
    let year_suffix = year_suffix_collapse(processor);
    let states = cite_states(citation.collapse.is_some(), citation.cite_group_delimiter.is_some(), &rendered);
    for k in 1..rendered.len() {
        let drop_years = year_suffix && states[k].collapsed;
        if !states[k].cut && !drop_years {
            continue;
        }
        let state = Collapsing {
            year_suffix,
            previous_years: drop_years.then(|| rendered[k - 1].years.clone()),
            ..Collapsing::default()
        };
        let (i, input, cite) = &cites[k];
        let (again, ..) = render_cite(
            processor,
            items,
            (*i, input, cite),
            Drawn { cluster, numbers, disamb: &disamb[*i], collapsing: state, suppress_author: states[k].cut },
            false,
            None,
        );
        rendered[k].run = again.run;
    }
    let suffixes = suffix_chains(processor, &rendered);
    let mut out = Run::new();
    for (k, r) in rendered.into_iter().enumerate() {
        // A cite left with nothing to print (its author cut, no date) takes
        // no delimiter either.
        if output::is_empty(&r.run) {
            continue;
        }
        match suffixes[k] {
            Joint::Splice if k > 0 && !output::is_empty(&out) => {
                out.push(Piece::text(splice_delimiter(processor, &states, cites, k)))
            }
            Joint::Splice => {}
            Joint::Text(ref text) => out.push(Piece::text(text.clone())),
            Joint::Hidden => {
                // In a range: printed as nothing, but still there for callers.
                out.extend(r.run.into_iter().filter(|p| matches!(p.kind, Kind::Tag(Tag::CiteStart(_) | Tag::CiteEnd))));
                continue;
            }
        }
        out.extend(r.run);
    }
    out
}

/// What goes before a cite of a collapsed cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Joint {
    /// The delimiter between cites.
    Splice,
    /// A year suffix after the one before it: this text.
    Text(String),
    /// Within a range of suffixes: nothing, and the cite is not printed.
    Hidden,
}

/// Where a cite prints only its year suffix and the cite before ends with
/// one, the suffixes join as
/// citeproc-js joins numbers: a suffix that follows the one before goes
/// after the year-suffix delimiter (`cite-group-delimiter`, else
/// `year-suffix-delimiter`, else the layout's), three or more in a row make
/// a range under `year-suffix-ranged`, and one that does not follow takes
/// the cite delimiter, except the last such one of a run, which takes the
/// year-suffix delimiter too (citeproc-js's `checkLast`: `2000a, c,e`).
fn suffix_chains(processor: &Processor, rendered: &[RenderedCite]) -> Vec<Joint> {
    let citation = &processor.style.citation;
    let mut joints = vec![Joint::Splice; rendered.len()];
    if !year_suffix_collapse(processor) {
        return joints;
    }
    let successor = citation
        .cite_group_delimiter
        .clone()
        .or_else(|| citation.year_suffix_delimiter.clone())
        .or_else(|| citation.layout.delimiter.clone())
        .unwrap_or_default();
    let ranged = citation.collapse == Some(Collapse::YearSuffixRanged);
    let mut k = 0;
    while k < rendered.len() {
        // A chain: a cite ending with a suffix, then cites that print only
        // their suffix (citeproc-js keeps the suffix a number to join only
        // then; a cite that prints more is text).
        let mut chain = vec![k];
        if ends_with_suffix(&rendered[k].run).is_some() {
            while let Some(&last) = chain.last()
                && last + 1 < rendered.len()
                && only_suffix(&rendered[last + 1].run)
            {
                chain.push(last + 1);
            }
        }
        if chain.len() > 1 {
            let numbers: Vec<usize> = chain
                .iter()
                .enumerate()
                .map(|(n, &c)| {
                    let run = &rendered[c].run;
                    let letters = if n == 0 { ends_with_suffix(run) } else { starts_with_suffix(run) };
                    suffix_number(&letters.unwrap_or_default())
                })
                .collect();
            for (n, status) in number_statuses(&numbers, ranged).into_iter().enumerate().skip(1) {
                joints[chain[n]] = match status {
                    Status::Successor => Joint::Text(successor.clone()),
                    Status::End => Joint::Text("–".to_string()),
                    Status::Suppressed => Joint::Hidden,
                    Status::Start | Status::Seen | Status::SuccessorOfSuccessor => Joint::Splice,
                };
            }
        }
        k = chain.last().map_or(k, |&last| last) + 1;
    }
    joints
}

/// citeproc-js's statuses of joined numbers (`NumericBlob.checkNext` and
/// `checkLast`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Start,
    Successor,
    SuccessorOfSuccessor,
    Suppressed,
    End,
    Seen,
}

/// The status of each number of a run: the first starts; one that follows
/// the number before succeeds it (under ranges, the third of three in a row
/// ends a range whose middle is suppressed); one that does not is seen,
/// except the last seen one, which succeeds.
fn number_statuses(numbers: &[usize], ranged: bool) -> Vec<Status> {
    let mut status = vec![Status::Start; numbers.len()];
    for n in 0..numbers.len().saturating_sub(1) {
        if numbers[n + 1] == numbers[n] + 1 {
            status[n + 1] = match status[n] {
                Status::Successor | Status::SuccessorOfSuccessor if ranged => {
                    status[n] = Status::Suppressed;
                    Status::SuccessorOfSuccessor
                }
                _ => Status::Successor,
            };
        } else {
            if status[n] == Status::SuccessorOfSuccessor {
                status[n] = Status::End;
            }
            status[n + 1] = Status::Seen;
        }
    }
    if let Some(last) = status.last_mut()
        && *last == Status::SuccessorOfSuccessor
    {
        *last = Status::End;
    }
    if let Some(seen) = status.iter_mut().skip(1).rev().find(|s| **s == Status::Seen) {
        *seen = Status::Successor;
    }
    status
}

/// `a` → 1, `z` → 26, `aa` → 27: the suffix as the number citeproc-js
/// compares.
fn suffix_number(letters: &str) -> usize {
    letters.chars().filter(|c| c.is_ascii_lowercase()).fold(0, |n, c| n * 26 + (c as usize - 'a' as usize + 1))
}

/// The year suffix a run starts with (nothing printed before it).
fn starts_with_suffix(run: &Run) -> Option<String> {
    suffix_at(run.iter())
}

/// Whether a run prints its year suffix and nothing else.
fn only_suffix(run: &Run) -> bool {
    let printed: String = run.iter().filter(|p| !p.kind.is_zero_width()).map(|p| p.text.as_str()).collect();
    starts_with_suffix(run).is_some_and(|suffix| suffix == printed)
}

/// The year suffix a run ends with (nothing printed after it).
fn ends_with_suffix(run: &Run) -> Option<String> {
    let mut reversed: Vec<Piece> = run.iter().rev().cloned().collect();
    for piece in reversed.iter_mut() {
        piece.kind = match piece.kind {
            Kind::Tag(Tag::YearSuffixStart) => Kind::Tag(Tag::YearSuffixEnd),
            Kind::Tag(Tag::YearSuffixEnd) => Kind::Tag(Tag::YearSuffixStart),
            ref other => other.clone(),
        };
    }
    suffix_at(reversed.iter())
}

/// The text between a year-suffix start and end tag met before anything
/// prints.
fn suffix_at<'a>(mut pieces: impl Iterator<Item = &'a Piece>) -> Option<String> {
    let start = Kind::Tag(Tag::YearSuffixStart);
    let first = pieces.find(|p| p.kind == start || (!p.kind.is_zero_width() && !p.text.is_empty()))?;
    if first.kind != start {
        return None;
    }
    Some(pieces.take_while(|p| p.kind != Kind::Tag(Tag::YearSuffixEnd)).map(|p| p.text.as_str()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Tag;
    use std::collections::HashMap;

    #[test]
    fn a_cite_drawn_once_keeps_its_place_and_words_in_each_cluster() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout prefix="[" suffix="]" delimiter=", "><text variable="citation-number"/></layout></citation></style>"#;
        let item = |id: &str| Item::from_json(&serde_json::json!({"id": id, "type": "book", "title": id})).unwrap();
        let items = [item("a"), item("b")];
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        assert!(processor.cites_repeat);
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        let with_prefix = CiteInput { prefix: Some("see ".into()), ..cite("a") };
        let clusters = [vec![cite("a")], vec![cite("b"), cite("a")], vec![with_prefix]];
        let out = processor.render(&items, &clusters, false);
        let texts: Vec<String> = out.citations.iter().map(crate::html).collect();
        assert_eq!(texts, ["[1]", "[2, 1]", "[see 1]"]);
        // In the second cluster `a` is the cite at index 1.
        let starts: Vec<usize> = out.citations[1]
            .iter()
            .filter_map(|p| match p.kind {
                Kind::Tag(Tag::CiteStart(k)) => Some(k),
                _ => None,
            })
            .collect();
        assert_eq!(starts, [0, 1]);
    }

    #[test]
    fn cites_that_tie_in_the_sort_keep_their_written_order() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><sort><key variable="author"/></sort><layout delimiter="; "><text variable="title"/></layout></citation></style>"#;
        let item = |id: &str, title: &str| {
            Item::from_json(&serde_json::json!({"id": id, "type": "book", "title": title,
                "author": [{"family": "Doe", "given": "J."}]}))
            .unwrap()
        };
        let items = [item("a", "Alpha"), item("b", "Beta"), item("c", "Gamma")];
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        // (The first cluster numbers the items a, b, c: a later cluster
        // does not fall back on that order.)
        let clusters = [vec![cite("a"), cite("b"), cite("c")], vec![cite("c"), cite("a"), cite("b")]];
        let out = processor.render(&items, &clusters, false);
        assert_eq!(crate::html(&out.citations[1]), "Gamma; Alpha; Beta");
    }

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

    /// Entries kept across renders come back as drawn; a numbered list draws
    /// an entry again under another number, and a list that disambiguates
    /// it differently draws it again.
    #[test]
    fn kept_entries_are_what_a_fresh_render_draws() {
        let numbered = Processor::new(STYLE, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let dated_style = author_date(
            r#"<citation disambiguate-add-year-suffix="true"><layout><names variable="author"><name form="short"/></names>
                 <date variable="issued" prefix=" "><date-part name="year"/></date><text variable="year-suffix"/></layout></citation>
               <bibliography><layout><names variable="author"/><date variable="issued" prefix=" "><date-part name="year"/></date>
                 <text variable="year-suffix"/></layout></bibliography>"#,
        );
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        type List<'p> = (&'p Processor, Vec<Item>, Vec<Vec<CiteInput>>);
        let lists: [List; 4] = [
            (&numbered, vec![item("a", "Alpha"), item("b", "Beta")], vec![vec![cite("a")], vec![cite("b")]]),
            (&numbered, vec![item("a", "Alpha"), item("b", "Beta")], vec![vec![cite("b")], vec![cite("a")]]),
            (&dated_style, vec![dated("d1", "Doe", 2020), dated("d2", "Doe", 2020)], vec![vec![cite("d1")]]),
            (&dated_style, vec![dated("d1", "Doe", 2020)], vec![vec![cite("d1")]]),
        ];
        // One keeper for all four lists, as a book has one for its chapters.
        let keeper = std::sync::Arc::new(Entries::default());
        let layout = Layout { entries: Some(keeper.clone()), ..Layout::default() };
        for (processor, items, clusters) in &lists {
            let fresh = processor.render(items, clusters, true).bibliography;
            assert_eq!(processor.render_with(items, clusters, true, &layout).bibliography, fresh);
            // Drawn again from what was kept.
            assert_eq!(processor.render_with(items, clusters, true, &layout).bibliography, fresh);
        }
        // Each form drawn once: `a` and `b` under two numbers each, `d1` as
        // `2020a` and as `2020`, `d2` once.
        assert_eq!(format!("{keeper:?}"), "Entries(7 held)");
    }

    /// A cluster of back references in a note style that prints only the
    /// note number (GB/T 7714's `同5`) loses the delimiter before numbers that
    /// citeproc-js's range machinery makes successors (`blobs.rs`).
    #[test]
    fn note_numbers_join_as_citeproc_js_joins_them() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout suffix="." delimiter="; "><choose><if position="subsequent">
            <group delimiter=": "><text variable="first-reference-note-number" prefix="同"/>
              <text variable="locator"/></group></if>
            <else><names variable="author"/></else></choose></layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let items = [item("a", "Alpha"), item("b", "Beta"), item("c", "Gamma")];
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        let located = |id: &str| CiteInput { locator: Some("12".into()), ..cite(id) };
        let prefixed = |id: &str| CiteInput { prefix: Some("see ".into()), ..cite(id) };
        let cases: &[(Vec<CiteInput>, &str)] = &[
            (vec![cite("a"), cite("b"), cite("c")], "同1同2同3."),
            (vec![cite("c"), cite("b"), cite("a")], "同3; 同2同1."),
            (vec![cite("c"), located("a"), cite("b")], "同3; 同1: 12; 同2."),
            (vec![prefixed("a"), cite("c")], "see 同1同3."),
        ];
        for (cluster, expected) in cases {
            let clusters = vec![vec![cite("a")], vec![cite("b")], vec![cite("c")], cluster.clone()];
            let out = processor.render(&items, &clusters, false);
            assert_eq!(crate::html(&out.citations[3]), *expected);
        }
    }

    /// An author-only cite prints what citeproc-js leaves of the layout: the
    /// first names, with the labels and group affixes around them, without
    /// formatting; a cluster left empty by suppress-author is
    /// `[NO_PRINTED_FORM]`.
    #[test]
    fn author_only_and_empty_clusters_as_citeproc_js_prints_them() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <locale><terms><term name="page" form="short"><single>p.</single><multiple>pp.</multiple></term>
            <term name="ibid">ibid.</term></terms></locale>
          <citation><layout suffix="." delimiter="; "><choose><if position="ibid"><text term="ibid"/></if>
            <else><group delimiter=", " suffix="!"><names variable="author"/><text variable="title"/>
              <group delimiter=" "><label variable="page" form="short"/><text variable="page"/></group>
            </group></else></choose></layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let items = [Item::from_json(&serde_json::json!({
            "id": "a", "type": "book", "title": "T", "page": "1-2", "author": [{"family": "Doe", "given": "J."}]
        }))
        .unwrap()];
        let only = CiteInput { id: "a".into(), author_only: true, ..Default::default() };
        let without = CiteInput { id: "a".into(), suppress_author: true, ..Default::default() };
        let cases: &[(Vec<Vec<CiteInput>>, &str)] = &[
            (vec![vec![only.clone()]], "J. Doe, pp.!"),
            // An ibid prints only its term: nothing is left.
            (vec![vec![without.clone()], vec![only]], "[NO_PRINTED_FORM]"),
            (vec![vec![without.clone()]], "T, pp. 1–2!"),
        ];
        for (clusters, expected) in cases {
            let out = processor.render(&items, clusters, false);
            assert_eq!(crate::html(out.citations.last().unwrap()), *expected);
        }
        let names_only = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout suffix="."><names variable="author"/></layout></citation></style>"#;
        let processor = Processor::new(names_only, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let out = processor.render(&items, &[vec![without]], false);
        assert_eq!(crate::html(&out.citations[0]), "[NO_PRINTED_FORM]");
        // Without formatting: citeproc-js suppresses decorations.
        let substituted = names_only.replace(
            r#"<names variable="author"/>"#,
            r#"<names variable="editor"><substitute><text variable="title" font-style="italic"/></substitute></names>"#,
        );
        let processor = Processor::new(&substituted, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let only = CiteInput { id: "a".into(), author_only: true, ..Default::default() };
        let out =
            processor.render(&items, &[vec![only.clone()], vec![CiteInput { author_only: false, ..only }]], false);
        assert_eq!(crate::html(&out.citations[0]), "T");
        assert_eq!(crate::html(&out.citations[1]), "<i>T</i>.");
    }

    /// In a note style that adds the title only to tell cites apart and
    /// prints the note of the first reference (OSCOLA), citeproc-js reruns
    /// the disambiguation as works are cited again: two works by one author
    /// first cited in different notes need no title, three always have it.
    #[test]
    fn note_numbers_tell_cites_apart_as_citeproc_js_reruns_them() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout suffix="." delimiter="; "><choose><if position="subsequent">
            <group delimiter=" "><group delimiter=", "><names variable="author"><name form="short"/></names>
              <choose><if disambiguate="true"><text variable="title"/></if></choose></group>
              <text variable="first-reference-note-number" prefix="(n " suffix=")"/></group></if>
            <else><names variable="author"/><text variable="title" prefix=", "/></else></choose>
          </layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let work = |id: &str| {
            Item::from_json(&serde_json::json!({
                "id": id, "type": "book", "title": id.to_uppercase(), "author": [{"family": "Doe", "given": "J."}]
            }))
            .unwrap()
        };
        let cite = |id: &str| vec![CiteInput { id: id.into(), ..Default::default() }];
        let two = [work("a"), work("b")];
        let out = processor.render(&two, &[cite("a"), cite("b"), cite("a"), cite("b")], false);
        let texts: Vec<String> = out.citations.iter().map(crate::html).collect();
        assert_eq!(texts[2..], ["Doe (n 1).", "Doe (n 2)."]);
        let three = [work("a"), work("b"), work("c")];
        let out = processor.render(&three, &[cite("a"), cite("b"), cite("a")], false);
        assert_eq!(crate::html(&out.citations[2]), "Doe, A (n 1).");
    }

    /// Names added to tell cites apart go again when no number of names
    /// does it (two editions by the same four authors): `Hopgood et al.`.
    #[test]
    fn names_that_tell_nothing_apart_are_not_added() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <locale><terms><term name="et-al">et al.</term></terms></locale>
          <citation et-al-min="4" et-al-use-first="1" disambiguate-add-names="true"><layout suffix=".">
            <group delimiter=", "><names variable="author"><name form="short" and="text"/></names>
              <text variable="title"/><choose><if disambiguate="true"><date variable="issued">
              <date-part name="year"/></date></if></choose></group></layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let edition = |id: &str, year: i32| {
            Item::from_json(&serde_json::json!({
                "id": id, "type": "book", "title": "GKS", "issued": {"date-parts": [[year]]},
                "author": [{"family": "Hopgood"}, {"family": "Gallop"}, {"family": "Duce"}, {"family": "Sutcliffe"}]
            }))
            .unwrap()
        };
        let items = [edition("a", 1983), edition("b", 1986)];
        let out = processor.render(&items, &[vec![CiteInput { id: "b".into(), ..Default::default() }]], false);
        assert_eq!(crate::html(&out.citations[0]), "Hopgood et al., GKS, 1986.");
    }

    /// Positions as citeproc-js sets them: a second cite of an item in one
    /// cluster is an ibid; a cite after a note that holds other cites too is
    /// not; a delimiter before a prefix that opens with a full stop goes.
    #[test]
    fn positions_and_splices_as_citeproc_js_sets_them() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout delimiter="; "><choose><if position="ibid-with-locator"><text value="ibid. "/>
            <text variable="locator"/></if><else-if position="ibid"><text value="ibid."/></else-if>
            <else-if position="subsequent"><text value="sub "/><text variable="title"/></else-if>
            <else><text variable="title"/></else></choose></layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let book = |id: &str| {
            Item::from_json(&serde_json::json!({"id": id, "type": "book", "title": id.to_uppercase()})).unwrap()
        };
        let items = [book("a"), book("b")];
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        let at = |id: &str, locator: &str| CiteInput { locator: Some(locator.into()), ..cite(id) };
        let said = CiteInput { prefix: Some(". He said ".into()), ..cite("a") };
        // The clusters, their notes, and the last cluster as printed.
        type Case<'a> = (Vec<Vec<CiteInput>>, Option<Vec<u32>>, &'a str);
        let cases: &[Case] = &[
            (vec![vec![cite("a"), at("a", "3"), at("a", "3")]], None, "A; ibid. 3; ibid."),
            (vec![vec![cite("a"), said]], None, "A. He said ibid."),
            // Notes 1, 1, 2: the note before holds two cites.
            (vec![vec![cite("a")], vec![cite("b")], vec![cite("b")]], Some(vec![1, 1, 2]), "sub B"),
            (vec![vec![cite("b")], vec![cite("b")]], Some(vec![1, 3]), "sub B"),
            (vec![vec![at("b", "3")], vec![cite("b")]], None, "sub B"),
        ];
        for (clusters, notes, expected) in cases {
            let layout = Layout { notes: notes.clone(), ..Layout::default() };
            let out = processor.render_with(&items, clusters, false, &layout);
            assert_eq!(crate::html(out.citations.last().unwrap()), *expected);
        }
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

    /// A narrative cite with nothing after its author (MLA's `@key` without
    /// a page) is the author alone: no error, no empty parentheses.
    #[test]
    fn a_narrative_cite_with_nothing_after_the_author_is_the_author() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout prefix="(" suffix=")" delimiter="; "><group delimiter=" ">
            <names variable="author"><name form="short"/></names><text variable="locator"/></group></layout></citation></style>"#;
        let processor = Processor::new(style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let items =
            [Item::from_json(&serde_json::json!({"id": "d", "type": "book", "author": [{"family": "Doe"}]})).unwrap()];
        let narrative = |locator: Option<&str>| CiteInput {
            id: "d".into(),
            locator: locator.map(str::to_string),
            narrative: true,
            ..Default::default()
        };
        let out = processor.render(&items, &[vec![narrative(None)], vec![narrative(Some("3"))]], false);
        assert_eq!(crate::html(&out.citations[0]), "Doe");
        assert_eq!(crate::html(&out.citations[1]), "Doe (3)");
        assert_eq!(out.citations[0].first().map(|p| &p.kind), Some(&Kind::Tag(Tag::CiteStart(0))));
    }

    fn author_date(citation: &str) -> Processor {
        let style = format!(
            r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
              <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
              {citation}</style>"#
        );
        Processor::new(&style, &HashMap::<String, String>::new(), None, &|_| None).unwrap()
    }

    fn dated(id: &str, family: &str, year: i32) -> Item {
        Item::from_json(&serde_json::json!({
            "id": id, "type": "book", "title": id, "author": [{"family": family, "given": "A."}],
            "issued": {"date-parts": [[year]]}
        }))
        .unwrap()
    }

    /// Year suffixes collapse as citeproc-js joins them: after the
    /// year-suffix delimiter, in ranges of three under `year-suffix-ranged`,
    /// the cite delimiter before one that does not follow (but the last);
    /// a cite that prints more than its suffix is text.
    #[test]
    fn year_suffixes_collapse() {
        let citation = |collapse: &str, extra: &str| {
            format!(
                r#"<citation collapse="{collapse}" disambiguate-add-year-suffix="true" {extra}>
                <sort><key variable="issued"/><key variable="author"/></sort>
                <layout prefix="(" suffix=")" delimiter="; "><group delimiter=" ">
                <names variable="author"><name form="short"/></names>
                <date variable="issued"><date-part name="year"/></date><text variable="locator"/></group>
                </layout></citation>"#
            )
        };
        let items: Vec<Item> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| dated(id, "Smith", 2000))
            .chain([dated("f", "Smith", 2001), dated("g", "Jones", 2000)])
            .collect();
        let ranged = citation("year-suffix-ranged", r#"year-suffix-delimiter=",""#);
        let plain = citation("year-suffix", "");
        let grouped = citation("year-suffix", r#"cite-group-delimiter=", ""#);
        let cases: [(&str, &[&str], &str); 7] = [
            (&ranged, &["a", "b", "c", "d", "e", "f"], "(Smith 2000a–e, 2001)"),
            (&ranged, &["a", "c", "e", "f"], "(Smith 2000a, c,e, 2001)"),
            (&ranged, &["a", "c", "d", "g"], "(Jones 2000; Smith 2000a,c,d)"),
            (&ranged, &["a", "b:5", "c", "d"], "(Smith 2000a, b 5, c,d)"),
            (&plain, &["a", "b", "c"], "(Smith 2000a; b; c)"),
            (&plain, &["f", "a", "g", "b"], "(Jones 2000; Smith 2000a; b, 2001)"),
            (&grouped, &["a", "b", "f"], "(Smith 2000a, b, 2001)"),
        ];
        for (citation, ids, expected) in cases {
            let processor = author_date(citation);
            let cluster: Vec<CiteInput> = ids
                .iter()
                .map(|id| {
                    let (id, locator) = id.split_once(':').map_or((*id, None), |(i, l)| (i, Some(l.to_string())));
                    CiteInput { id: id.into(), locator, ..Default::default() }
                })
                .collect();
            // All cited first: the suffixes follow the items' order.
            let all = items.iter().map(|i| CiteInput { id: i.id.clone(), ..Default::default() }).collect();
            let out = processor.render(&items, &[all, cluster], false);
            assert_eq!(crate::html(&out.citations[1]), expected, "{ids:?}");
        }
    }

    /// citeproc-js's statuses of the suffixes of a run, as numbers.
    #[test]
    fn numbers_join_as_citeproc_js_joins_them() {
        use Status::*;
        let cases: [(&[usize], bool, &[Status]); 5] = [
            (&[1, 2, 3, 4, 5], true, &[Start, Suppressed, Suppressed, Suppressed, End]),
            (&[1, 2, 3, 4, 5], false, &[Start, Successor, Successor, Successor, Successor]),
            (&[1, 3, 5], true, &[Start, Seen, Successor]),
            (&[1, 3, 4, 5], true, &[Start, Successor, Suppressed, End]),
            (&[1, 2, 4], true, &[Start, Successor, Successor]),
        ];
        for (numbers, ranged, expected) in cases {
            assert_eq!(number_statuses(numbers, ranged), expected, "{numbers:?}");
        }
        for (letters, number) in [("a", 1), ("z", 26), ("aa", 27), ("ab", 28)] {
            assert_eq!(suffix_number(letters), number);
        }
    }

    /// Each cite of a collapsed citation keeps its tags: a caller links each
    /// year suffix, and each number of a range, to its entry; the cites a
    /// range leaves out are there, empty.
    #[test]
    fn collapsed_cites_keep_their_tags() {
        let processor = author_date(
            r#"<citation collapse="year-suffix-ranged" disambiguate-add-year-suffix="true">
            <layout prefix="(" suffix=")" delimiter="; "><group delimiter=" ">
            <names variable="author"><name form="short"/></names>
            <date variable="issued"><date-part name="year"/></date></group></layout></citation>"#,
        );
        let items = [dated("a", "Doe", 1982), dated("b", "Doe", 1982), dated("c", "Doe", 1982)];
        let cite = |id: &str| CiteInput { id: id.into(), ..Default::default() };
        let out = processor.render(&items, &[vec![cite("a"), cite("b"), cite("c")]], false);
        assert_eq!(crate::html(&out.citations[0]), "(Doe 1982a–c)");
        let cites: Vec<(Tag, String)> = tags(&out.citations[0])
            .into_iter()
            .filter(|(tag, _)| matches!(tag, Tag::CiteStart(_) | Tag::YearSuffixStart))
            .collect();
        assert_eq!(
            cites,
            [
                (Tag::CiteStart(0), "Doe 1982".into()),
                (Tag::YearSuffixStart, "a".into()),
                (Tag::CiteStart(1), String::new()),
                (Tag::CiteStart(2), String::new()),
                (Tag::YearSuffixStart, "c".into()),
            ]
        );
        // The numeric collapse likewise keeps the cites inside a range.
        let out = Processor::new(
            &STYLE.replace("<citation>", r#"<citation collapse="citation-number">"#),
            &HashMap::<String, String>::new(),
            None,
            &|_| None,
        )
        .unwrap()
        .render(
            &[item("a", "A"), item("b", "B"), item("c", "C")],
            &[vec![cite("a"), cite("b"), cite("c")]],
            false,
        );
        assert_eq!(crate::html(&out.citations[0]), "[1–3]");
        let starts: Vec<Tag> = tags(&out.citations[0])
            .into_iter()
            .map(|(tag, _)| tag)
            .filter(|tag| matches!(tag, Tag::CiteStart(_)))
            .collect();
        assert_eq!(starts, [Tag::CiteStart(0), Tag::CiteStart(1), Tag::CiteStart(2)]);
    }

    /// The four rules of `subsequent-author-substitute`, as citeproc-js
    /// applies them.
    #[test]
    fn subsequent_author_substitute_rules() {
        let items: Vec<Item> =
            [("a", "Smith+Jones+Brown"), ("b", "Smith+Jones+Brown"), ("c", "Smith+Jones"), ("d", "Doe")]
                .iter()
                .enumerate()
                .map(|(n, (id, names))| {
                    let author: Vec<_> =
                        names.split('+').map(|f| serde_json::json!({"family": f, "given": "A."})).collect();
                    Item::from_json(&serde_json::json!({
                        "id": id, "type": "book", "title": id, "author": author, "issued": {"date-parts": [[2000 + n]]}
                    }))
                    .unwrap()
                })
                .collect();
        let cases = [
            ("complete-all", ["---. b", "Smith &#38; Jones. c"]),
            ("complete-each", ["---, ---, &#38; ---. b", "Smith &#38; Jones. c"]),
            ("partial-each", ["---, ---, &#38; ---. b", "--- &#38; ---. c"]),
            ("partial-first", ["---, Jones, &#38; Brown. b", "--- &#38; Jones. c"]),
        ];
        for (rule, expected) in cases {
            let style = format!(
                r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
                <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
                <citation><layout><text variable="title"/></layout></citation>
                <bibliography subsequent-author-substitute="---" subsequent-author-substitute-rule="{rule}">
                <layout><group delimiter=". "><names variable="author"><name and="symbol" form="short"/></names>
                <text variable="title"/></group></layout></bibliography></style>"#
            );
            let processor = Processor::new(&style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
            let out = processor.render(&items, &[], true);
            let entries: Vec<String> = out.bibliography.iter().map(|(_, run)| crate::html(run)).collect();
            assert_eq!(entries[1..3], expected, "{rule}");
            assert_eq!(entries[3], "Doe. d", "{rule}");
        }
    }
}
