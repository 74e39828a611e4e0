//! citeproc-js's numeric blobs, as far as they change how the cites of a
//! cluster are joined.
//!
//! citeproc-js renders a number variable printed by `cs:text` (`locator`,
//! `first-reference-note-number`, `volume`, …) as a "numeric blob", an object
//! kept apart from the strings around it so that `citation-number` can
//! collapse into ranges. Blobs that survive up to the cluster (a cite that is
//! only `同5`, or that ends in one) go through the same range machinery
//! (`CSL.NumericBlob.prototype.checkNext` and `checkLast`, run by
//! `CSL.Output.Queue.prototype.renderBlobs`): a blob that follows the number
//! before it by one, or the last blob of a run of them that does not, is a
//! "successor" and is joined with its (empty) successor prefix instead of the
//! layout's delimiter. GB/T 7714's notes print `同2; 同4同5` where the
//! specification would join `同2; 同4; 同5`.
//!
//! Pieces of a blob carry its number in [`Style::numeral`](crate::Style)
//! while a cite renders: [`mark`] for the number variable, [`settle`] for the
//! groups around it (which fold blobs into strings as citeproc-js's
//! `CSL.Output.Queue.prototype.string` does), [`shape`] for the cite, and
//! [`dropped_delimiters`] for the cluster.

use crate::output::{Piece, Run};

/// An element of a cite as citeproc-js hands it to the cluster: a string, or
/// a numeric blob with its integer value (`None`: not a plain integer, as
/// `iv` or `12-15`, which never follows another number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// Text.
    Str,
    /// A numeric blob.
    Num(Option<u64>),
}

/// The number variables that citeproc-js prints through its numeric field
/// machinery (`CSL.Util.outputNumericField`) when `cs:text` prints them.
pub fn is_blob_variable(name: &str) -> bool {
    matches!(
        name,
        "locator"
            | "locator-extra"
            | "first-reference-note-number"
            | "first-container-reference-note-number"
            | "page"
            | "page-first"
    ) || crate::numbers::joins_ranges(name)
}

/// Whether citeproc-js ends a value with a blob: its last number is plain
/// digits (`12`, `12, 15-18`; not `iv`, `4.2`, which it prints as strings).
pub fn is_blob_value(text: &str) -> bool {
    let last = text.rsplit(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | ',' | '&')).find(|w| !w.is_empty());
    last.is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
}

/// The integer a blob compares with its neighbours (`^[1-9][0-9]*$`, as
/// citeproc-js parses it).
pub fn value(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn printing(piece: &Piece) -> bool {
    !piece.text.is_empty() && !piece.kind.is_zero_width()
}

/// Marks every piece of a run as part of blob `id`.
pub fn mark(run: &mut Run, id: u16) {
    for piece in run.iter_mut() {
        piece.style.numeral = id;
    }
}

/// The blob a run is made of, when it is exactly one.
pub fn single(run: &Run) -> Option<u16> {
    let mut ids = run.iter().filter(|p| printing(p)).map(|p| p.style.numeral);
    let first = ids.next().filter(|&id| id != 0)?;
    ids.all(|id| id == first).then_some(first)
}

/// After a group (or a macro call) has put on its formatting and affixes:
/// with a suffix or any formatting, citeproc-js renders what it holds into
/// one string, unless that is a single blob (which takes the affixes); a
/// prefix alone goes into a blob that comes first. `single` is what
/// [`single`] said before the affixes.
pub fn settle(run: &mut Run, single: Option<u16>, prefix: bool, folds: bool) {
    if folds {
        mark(run, single.unwrap_or(0));
    } else if prefix
        && let Some(id) = run.iter().skip(1).find(|p| printing(p)).map(|p| p.style.numeral)
        && let Some(first) = run.first_mut()
    {
        first.style.numeral = id;
    }
}

/// Joins the runs of a group: a delimiter between two blobs goes into the
/// first one's suffix (citeproc-js: "Provide delimiters on adjacent numeric
/// blobs"), elsewhere it is part of the strings.
pub fn join(mut runs: Vec<Run>, delimiter: &str) -> Run {
    if runs.len() == 1 {
        return runs.pop().filter(|run| !crate::output::is_empty(run)).unwrap_or_default();
    }
    let mut out = Run::with_capacity(runs.iter().map(Vec::len).sum::<usize>() + runs.len());
    for run in runs {
        if crate::output::is_empty(&run) {
            continue;
        }
        if !out.is_empty() && !delimiter.is_empty() {
            let before = out.iter().rev().find(|p| printing(p)).map_or(0, |p| p.style.numeral);
            let after = run.iter().find(|p| printing(p)).map_or(0, |p| p.style.numeral);
            let mut piece = Piece::text(delimiter);
            if before != 0 && after != 0 {
                piece.style.numeral = before;
            }
            out.push(piece);
        }
        out.extend(run);
    }
    out
}

/// A rendered cite as elements: everything up to its last string is one
/// string (citeproc-js renders it so), the blobs after it stay. `values`
/// holds each blob's integer, by id. The marks are cleared.
pub fn shape(run: &mut Run, values: &[Option<u64>]) -> Vec<Elem> {
    let mut elems: Vec<(Elem, u16)> = Vec::new();
    for piece in run.iter().filter(|p| printing(p)) {
        let id = piece.style.numeral;
        if elems.last().is_some_and(|&(_, last)| last == id) {
            continue;
        }
        let elem = match id {
            0 => Elem::Str,
            id => Elem::Num(values.get(usize::from(id) - 1).copied().flatten()),
        };
        elems.push((elem, id));
    }
    mark(run, 0);
    let elems: Vec<Elem> = elems.into_iter().map(|(elem, _)| elem).collect();
    match elems.iter().rposition(|e| *e == Elem::Str) {
        Some(last) => std::iter::once(Elem::Str).chain(elems[last + 1..].iter().copied()).collect(),
        None => elems,
    }
}

/// A cite's elements as the cluster sees them (citeproc-js's
/// `getCitationCluster`): the cite's prefix is a string before it, its
/// suffix a string that folds it; several elements that start with a blob
/// are rendered into one string; the last cite takes the layout's suffix,
/// which folds all but a single blob.
pub fn in_cluster(mut elems: Vec<Elem>, prefix: bool, suffix: bool, last_with_suffix: bool) -> Vec<Elem> {
    if suffix {
        return vec![Elem::Str];
    }
    if prefix {
        elems.insert(0, Elem::Str);
        elems.dedup_by(|a, b| *a == Elem::Str && *b == Elem::Str);
    }
    let folds = (elems.len() > 1 && elems[0] != Elem::Str) || (last_with_suffix && elems.len() > 1);
    if folds { vec![Elem::Str] } else { elems }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Start,
    Seen,
    Successor,
}

/// For each cite after the first, whether citeproc-js drops the delimiter
/// before it: the cite is a lone blob that ends up a "successor".
/// `delimiter` is whether the layout has one (a blob that starts a cite
/// carries it as its splice prefix).
pub fn dropped_delimiters(cites: &[Vec<Elem>], delimiter: bool) -> Vec<bool> {
    // The cluster's elements, with the cite each starts (if any).
    let mut elems: Vec<(Elem, Option<usize>)> = Vec::new();
    for (k, cite) in cites.iter().enumerate() {
        for (n, elem) in cite.iter().enumerate() {
            elems.push((*elem, (n == 0).then_some(k)));
        }
    }
    let value = |k: usize| match elems.get(k) {
        Some((Elem::Num(v), _)) => Some(*v),
        _ => None,
    };
    let follows = |a: Option<u64>, b: Option<u64>| matches!((a, b), (Some(a), Some(b)) if b == a + 1);
    let spliced = |k: usize| delimiter && matches!(elems.get(k), Some((Elem::Num(_), Some(cite))) if *cite > 0);
    let mut status = vec![Status::Start; elems.len()];
    // checkNext, front to back.
    let mut start = true;
    for k in 0..elems.len() {
        let Some(this) = value(k) else {
            start = !spliced(k + 1);
            continue;
        };
        if let Some(next) = value(k + 1) {
            if start {
                status[k] = Status::Start;
            }
            status[k + 1] = if follows(this, next) { Status::Successor } else { Status::Seen };
        }
        start = false;
    }
    // checkLast, back to front: the last blob of a run that does not follow
    // the one before it becomes a successor.
    let mut open = true;
    for k in (1..elems.len()).rev() {
        let Some(this) = value(k) else {
            open = true;
            continue;
        };
        if !open {
            continue;
        }
        let after_previous = value(k - 1).is_some_and(|previous| follows(previous, this));
        if status[k] == Status::Seen || (status[k] == Status::Successor && !after_previous) {
            status[k] = Status::Successor;
            open = false;
        }
    }
    let mut dropped = vec![false; cites.len()];
    for (k, (_, cite)) in elems.iter().enumerate() {
        if let Some(cite) = cite
            && *cite > 0
            && spliced(k)
        {
            dropped[*cite] = status[k] == Status::Successor;
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;
    use Elem::{Num, Str};

    fn n(v: u64) -> Vec<Elem> {
        vec![Num(Some(v))]
    }

    /// Clusters of GB/T 7714 notes as citeproc-js joins them (`-` marks a
    /// dropped delimiter).
    #[test]
    fn successors_lose_the_delimiter() {
        let cases: &[(&[Vec<Elem>], &str)] = &[
            // 同5; 同5; 同4; 同2同1
            (&[n(5), n(5), n(4), n(2), n(1)], "....-"),
            // 同17同18; 同21同24
            (&[n(17), n(18), n(21), n(24)], ".-.-"),
            // 同5; 同5; 同5同5同6
            (&[n(5), n(5), n(5), n(5), n(6)], "...--"),
            // 同1同2; 同4同5同5
            (&[n(1), n(2), n(4), n(5), n(5)], ".-.--"),
            // 同85; a full note; 同62同24
            (&[n(85), vec![Str], n(62), n(24)], "...-"),
            // e.g., 同4: 12同5 (a prefix, a blob and a locator blob)
            (&[vec![Str, Num(Some(4)), Num(Some(12))], n(5)], ".-"),
            // e.g., 同4: 章 3同5
            (&[vec![Str, Num(Some(3))], n(5)], ".-"),
            // 同1; 同2: 3; 同3 (a cite of two blobs is one string)
            (&[n(1), vec![Str], n(3)], "..."),
            // see 同1同2
            (&[vec![Str, Num(Some(1))], n(2)], ".-"),
            // 同1; see 同2
            (&[n(1), vec![Str, Num(Some(2))]], ".."),
            // a locator that is not a plain number: 同26: 12, 15-18同2
            (&[vec![Str, Num(None)], n(2)], ".-"),
        ];
        for (cites, expected) in cases {
            let got: String = dropped_delimiters(cites, true)
                .iter()
                .enumerate()
                .map(|(k, &d)| if k > 0 && d { '-' } else { '.' })
                .collect();
            assert_eq!(&got, expected, "{cites:?}");
        }
        assert_eq!(dropped_delimiters(&[n(1), n(2)], false), vec![false, false]);
    }

    /// What the cluster sees of a cite.
    #[test]
    fn cites_in_the_cluster() {
        // The cite's elements; its prefix, suffix, and the layout's suffix.
        type Case = (Vec<Elem>, bool, bool, bool, Vec<Elem>);
        let cases: &[Case] = &[
            (n(5), false, false, false, n(5)),
            (n(5), false, false, true, n(5)),
            (vec![Num(Some(4)), Num(Some(12))], false, false, false, vec![Str]),
            (vec![Num(Some(4)), Num(Some(12))], true, false, false, vec![Str, Num(Some(4)), Num(Some(12))]),
            (vec![Str, Num(Some(3))], true, false, false, vec![Str, Num(Some(3))]),
            (vec![Str, Num(Some(3))], false, false, true, vec![Str]),
            (n(5), false, true, false, vec![Str]),
        ];
        for (elems, prefix, suffix, last, expected) in cases {
            assert_eq!(&in_cluster(elems.clone(), *prefix, *suffix, *last), expected, "{elems:?}");
        }
    }

    #[test]
    fn values_are_plain_integers() {
        let cases = [("12", Some(12)), ("012", None), ("iv", None), ("12-15", None), ("4.2", None)];
        for (text, expected) in cases {
            assert_eq!(value(text), expected, "{text}");
        }
        let blobs =
            [("12", true), ("12, 15-18", true), ("1496-1504", true), ("iv", false), ("4.2", false), ("A", false)];
        for (text, expected) in blobs {
            assert_eq!(is_blob_value(text), expected, "{text}");
        }
    }
}
