//! Splicing: each edit replaces its span; every other byte of the chapter is
//! copied as it was (CRLF, trailing spaces and smart quotes included). A
//! chapter without edits comes back byte-for-byte identical.

/// A change to a chapter: replace `range` (empty for an insertion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: std::ops::Range<usize>,
    pub text: String,
}

/// Applies `edits` (non-overlapping; insertions at one offset keep their
/// order) to `content`, also telling where in the output each inserted text
/// went.
pub fn splice_tracked(content: &str, edits: &[Edit]) -> (String, Vec<std::ops::Range<usize>>) {
    let mut inserted = Vec::with_capacity(edits.len());
    if edits.is_empty() {
        return (content.to_string(), inserted);
    }
    let mut order: Vec<&Edit> = edits.iter().collect();
    order.sort_by_key(|e| (e.range.start, e.range.end));
    let extra: usize = order.iter().map(|e| e.text.len()).sum();
    let mut out = String::with_capacity(content.len() + extra);
    let mut copied = 0;
    for edit in order {
        // Overlaps cannot come from the scanner; if one ever did, the first
        // edit wins and nothing of the text is lost.
        if edit.range.start < copied {
            continue;
        }
        out.push_str(&content[copied..edit.range.start]);
        let start = out.len();
        out.push_str(&edit.text);
        inserted.push(start..out.len());
        copied = edit.range.end;
    }
    out.push_str(&content[copied..]);
    (out, inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit { range: start..end, text: text.into() }
    }

    #[test]
    fn edits_apply_and_the_rest_is_copied() {
        let cases: &[(&str, Vec<Edit>, &str)] = &[
            ("abc", vec![], "abc"),
            ("a [@k] b\r\n", vec![edit(2, 6, "[1]")], "a [1] b\r\n"),
            ("xy", vec![edit(2, 2, "L"), edit(2, 2, "C")], "xyLC"),
            ("“q” [@a] [@b]  \n", vec![edit(13, 17, "2"), edit(8, 12, "1")], "“q” 1 2  \n"),
            ("abcdef", vec![edit(1, 4, "X"), edit(2, 3, "lost?")], "aXef"),
        ];
        for (content, edits, expected) in cases {
            assert_eq!(splice_tracked(content, edits).0, *expected);
        }
    }
}
