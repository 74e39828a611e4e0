//! The marker scanner on any text: no panic, and markers that make sense
//! (inside the text, on character boundaries, in order, not overlapping),
//! so splicing them can never cut a character or lose a byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mdbook_scholar::config::MarkdownFlavor;
use mdbook_scholar::scan;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let is_key = |k: &str| matches!(k, "a" | "b" | "key" | "lamport1978time" | "odd:key/with.chars" | "中文");
    for flavor in [MarkdownFlavor::default(), MarkdownFlavor { smart_punctuation: false, definition_lists: false, admonitions: false }] {
        let found = scan::chapter(text, flavor, &is_key, None);
        let mut end = 0;
        for marker in &found.markers {
            let span = &marker.span;
            assert!(span.start >= end && span.start <= span.end && span.end <= text.len(), "{span:?}");
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{span:?}");
            end = span.end;
        }
    }
});
