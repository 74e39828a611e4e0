//! The text biblatex parses: the `@string`s and the entries a parse
//! needs, copied from the file with the repairs made so far, and the map
//! back to places in the file.

use super::Item;
use super::links;
use super::parse::Repairs;

/// The text biblatex parses: the chosen items copied at new offsets, with
/// the map back to the file.
pub(super) struct MiniSource {
    pub(super) text: String,
    /// (offset in `text`, item index, offset in the file), by `text` offset.
    segments: Vec<(usize, usize, usize)>,
}

impl MiniSource {
    /// The `included` items of `file` (item indices, in file order), with
    /// the `repairs` made so far.
    pub(super) fn build(file: &str, items: &[Item], included: &[usize], repairs: &Repairs) -> MiniSource {
        let mut text = String::new();
        let mut segments = Vec::new();
        for &i in included {
            if repairs.dropped.contains(&i) {
                continue;
            }
            let item = &items[i];
            segments.push((text.len(), i, item.range.start));
            let start = text.len();
            text.push_str(&file[item.range.clone()]);
            if item.parens {
                // biblatex reads only braces; the two delimiters are one byte
                // each, so offsets stay put.
                let open = start + text[start..].find('(').unwrap_or(0);
                text.replace_range(open..open + 1, "{");
                let last = text.len() - 1;
                text.replace_range(last..last + 1, "}");
            }
            if repairs.cut_parents.contains(&i) {
                links::blank_parent_fields(&mut text, start);
            }
            quotes_to_braces(&mut text, start);
            text.push('\n');
        }
        // Definitions for undefined abbreviations go last: biblatex reads
        // every `@string` before resolving fields, and nothing is offset.
        for name in &repairs.undefined {
            text.push_str(&format!("@string{{{name} = {{}}}}\n"));
        }
        MiniSource { text, segments }
    }

    /// The item at `offset` of the mini text, and the matching file offset.
    pub(super) fn locate(&self, offset: usize) -> (Option<usize>, usize) {
        let index = self.segments.partition_point(|&(start, _, _)| start <= offset);
        match index.checked_sub(1).map(|i| self.segments[i]) {
            Some((start, item, file_start)) => (Some(item), file_start + (offset - start)),
            None => (None, 0),
        }
    }

    /// The file offset of `offset` of the mini text if it falls in `item`,
    /// else of the item's start (a place in another item would mislead).
    pub(super) fn offset_in(&self, item: usize, offset: usize) -> usize {
        match self.locate(offset) {
            (Some(i), offset) if i == item => offset,
            _ => self.segments.iter().find(|s| s.1 == item).map_or(0, |s| s.2),
        }
    }
}

/// Turns `"…"` field values of the item starting at `start` into `{…}`.
/// BibTeX allows a `"` inside braces in a quoted value (`"a {"}b"`), which
/// biblatex does not; braces read the same. Same length: offsets stay put.
fn quotes_to_braces(text: &mut String, start: usize) {
    let bytes = text.as_bytes();
    if !bytes[start..].contains(&b'"') {
        return;
    }
    let mut swaps = Vec::new();
    let mut depth = 0usize;
    let mut i = start;
    let mut last_significant = b'{';
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'"' if depth == 1 && matches!(last_significant, b'=' | b'#') => {
                // The value runs to the next `"` outside braces.
                let mut inner = 0usize;
                let mut j = i + 1;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' => j += 1,
                        b'{' => inner += 1,
                        b'}' if inner > 0 => inner -= 1,
                        b'}' => break,
                        b'"' if inner == 0 => {
                            swaps.push((i, j));
                            break;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if let Some(&(_, end)) = swaps.last().filter(|&&(s, _)| s == i) {
                    i = end;
                    last_significant = b'"';
                }
            }
            _ => {}
        }
        if !bytes[i].is_ascii_whitespace() && bytes[i] != b'"' {
            last_significant = bytes[i];
        }
        i += 1;
    }
    for (open, close) in swaps {
        text.replace_range(open..open + 1, "{");
        text.replace_range(close..close + 1, "}");
    }
}
