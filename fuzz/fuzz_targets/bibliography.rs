//! The bibliography loader on any bytes, as BibLaTeX, CSL-JSON and YAML:
//! no panic, every entry parsed, every problem located.
#![no_main]

mod keep_last;

use libfuzzer_sys::fuzz_target;
use mdbook_scholar::library::{Format, Library};

fuzz_target!(|data: &[u8]| {
    keep_last::keep(data);
    let Some((&selector, rest)) = data.split_first() else { return };
    let format = match selector % 3 {
        0 => Format::BibLaTeX,
        1 => Format::CslJson,
        _ => Format::Yaml,
    };
    let text = String::from_utf8_lossy(rest);
    let (mut library, diagnostics) = Library::from_text("fuzz.bib", &text, format);
    let problems = library.resolve_all();
    for diagnostic in diagnostics.iter().chain(&problems) {
        // Every problem is located in the file.
        let shown = diagnostic.to_string();
        assert!(shown.starts_with("fuzz.bib:"), "{shown}");
        // A reader that panicked is guarded against in the product; here it
        // is a finding to fix at its root.
        assert!(!shown.contains("the BibLaTeX reader failed"), "{shown}");
    }
    let keys: Vec<String> = library.keys().map(String::from).collect();
    for key in &keys {
        let _ = library.work(key);
    }
});
