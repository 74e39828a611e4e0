//! The private-use characters mdbook-scholar writes into its own text, all
//! in one place: emphasis carried through hayagriva's plain strings, the
//! slots a list number or a preview fills in later, and the stand-in for a
//! chapter left in the cache. Text read from a file may not hold any
//! character of [`RESERVED`] (the library reads them as U+FFFD and says
//! so), so none of these can come from a user.

use std::ops::RangeInclusive;

/// Start of emphasis inside a field value.
pub const EMPH_START: char = '\u{E000}';
/// End of emphasis.
pub const EMPH_END: char = '\u{E001}';
/// Start of strong emphasis.
pub const STRONG_START: char = '\u{E002}';
/// End of strong emphasis.
pub const STRONG_END: char = '\u{E003}';

/// Where a list number goes in text written once and numbered per list.
pub const NUMBER_SLOT: char = '\u{E010}';
/// Before a preview slot: `PREVIEW_START` reference `.` number `PREVIEW_END`.
pub const PREVIEW_START: char = '\u{E011}';
/// After a preview slot.
pub const PREVIEW_END: char = '\u{E012}';

/// Opens the stand-in for a chapter whose text is still in the cache.
pub const STAND_IN_START: char = '\u{E030}';
/// Closes it.
pub const STAND_IN_END: char = '\u{E031}';

/// Every character kept for our marks (with room for more).
pub const RESERVED: RangeInclusive<char> = '\u{E000}'..='\u{E03F}';

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mark_is_reserved() {
        for mark in [
            EMPH_START,
            EMPH_END,
            STRONG_START,
            STRONG_END,
            NUMBER_SLOT,
            PREVIEW_START,
            PREVIEW_END,
            STAND_IN_START,
            STAND_IN_END,
        ] {
            assert!(RESERVED.contains(&mark), "U+{:04X}", mark as u32);
        }
    }
}
