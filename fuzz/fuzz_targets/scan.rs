//! The marker scanner on any text: no panic, and markers that make sense
//! (inside the text, on character boundaries, in order, not overlapping),
//! so splicing them can never cut a character or lose a byte.
//!
//! pulldown-cmark itself panics on some inputs (a definition list before a
//! setext underline, in 0.13.6; stock mdBook panics on them too): those are
//! skipped, as the product leaves such a chapter as it is.
#![no_main]

mod keep_last;

use libfuzzer_sys::fuzz_target;
use mdbook_scholar::config::MarkdownFlavor;
use mdbook_scholar::scan;
use std::cell::Cell;
use std::panic::catch_unwind;

thread_local! {
    /// A panic here is pulldown-cmark's own: not a finding.
    static PARSER_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// Whether pulldown-cmark alone panics on `text`.
fn parser_panics(text: &str, flavor: MarkdownFlavor) -> bool {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        // libfuzzer-sys aborts on every panic; this one is expected.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !PARSER_ONLY.with(Cell::get) {
                previous(info);
            }
        }));
    });
    PARSER_ONLY.with(|p| p.set(true));
    let panicked = catch_unwind(|| scan::parser(text, flavor).into_offset_iter().count()).is_err();
    PARSER_ONLY.with(|p| p.set(false));
    panicked
}

fuzz_target!(|data: &[u8]| {
    keep_last::keep(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let is_key = |k: &str| matches!(k, "a" | "b" | "key" | "lamport1978time" | "odd:key/with.chars" | "中文");
    for flavor in [
        MarkdownFlavor::default(),
        MarkdownFlavor { smart_punctuation: false, definition_lists: false, admonitions: false },
    ] {
        if parser_panics(text, flavor) {
            continue;
        }
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
