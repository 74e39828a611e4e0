//! A file's bytes as text: what cannot be read as UTF-8, and the characters
//! we keep for our own marks, become `\u{FFFD}` and a problem at its place.

use super::problem::Problem;

/// Bytes as text: a BOM is dropped, invalid UTF-8 is replaced and reported
/// where it is (a Latin-1 file from decades ago should still load).
pub(super) fn decode(bytes: Vec<u8>) -> (String, Option<Problem>) {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let bytes = error.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            // The text before it is the file's own, so the place is too.
            let first_bad = std::str::from_utf8(&bytes).err().map_or(0, |e| e.valid_up_to());
            let count = count_invalid(&bytes);
            // An error: the site would show `\u{FFFD}` where letters were.
            let problem = Problem::error(
                first_bad,
                format!(
                    "the file is not valid UTF-8 ({count} bad byte sequence{}); they are read as `\u{FFFD}`",
                    if count == 1 { "" } else { "s" }
                ),
            )
            .with_hint("save the file as UTF-8");
            (text, Some(problem))
        }
    }
}

/// The private-use characters U+E000 to U+E03F mark places inside our own
/// text (see `marks`), so they cannot come from a file: each becomes U+FFFD
/// (same length, so every place stays where it was).
pub(super) fn reserve_marks(text: String) -> (String, Option<Problem>) {
    let reserved = |c: char| crate::marks::RESERVED.contains(&c);
    let Some(first) = text.find(reserved) else { return (text, None) };
    let count = text.chars().filter(|&c| reserved(c)).count();
    let problem = Problem::warning(
        first,
        format!(
            "the file has {count} private-use character{} (U+E000 to U+E03F), read as `\u{FFFD}`",
            if count == 1 { "" } else { "s" }
        ),
    )
    .with_hint("mdbook-scholar keeps these for its own marks; remove them from the file");
    (text.replace(reserved, "\u{FFFD}"), Some(problem))
}

fn count_invalid(mut bytes: &[u8]) -> usize {
    let mut count = 0;
    while let Err(error) = std::str::from_utf8(bytes) {
        count += 1;
        let skip = error.valid_up_to() + error.error_len().unwrap_or(bytes.len() - error.valid_up_to()).max(1);
        bytes = &bytes[skip.min(bytes.len())..];
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Location;

    #[test]
    fn non_utf8_is_an_error_with_its_place() {
        let (text, problem) = decode(b"@misc{a, title={Caf\xe9}}\n".to_vec());
        assert!(text.contains("Caf\u{FFFD}"));
        let problem = problem.unwrap();
        let place = Location::at("old.bib", &text, problem.offset);
        assert_eq!(
            problem.diagnostic(place).to_string(),
            "old.bib:1:20: error: the file is not valid UTF-8 (1 bad byte sequence); they are read as `\u{FFFD}` (save the file as UTF-8)"
        );
        assert_eq!(decode(b"\xEF\xBB\xBFok".to_vec()), ("ok".to_string(), None));
    }
}
