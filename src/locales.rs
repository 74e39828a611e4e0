//! hayagriva's bundled locales, as a build needs them.
//!
//! hayagriva decodes all of its sixty-odd locales at once (it offers no way
//! to decode one): tens of milliseconds, most of a warm rebuild. So a build
//! keeps the few it uses (the book's language, English, and with per-entry
//! languages those of its works) in its cache folder, one CBOR file each as
//! hayagriva stores them, under the build of mdbook-scholar that wrote them.
//! When they are not there, all are decoded, on another thread while the
//! book is read ([`prefetch`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hayagriva::citationberg::Locale;

use crate::style::LOCALE_CODES;

/// Where a book keeps the locales it uses: `<cache>/locales-<build>`.
pub struct Store(PathBuf);

impl Store {
    /// The store in the cache folder `cache` (`.scholar-cache`).
    pub fn in_cache(cache: &Path) -> Store {
        Store(cache.join(format!("locales-{}", env!("SCHOLAR_BUILD_ID"))))
    }

    fn file(&self, code: &str) -> PathBuf {
        self.0.join(format!("{code}.cbor"))
    }

    /// Whether the store holds every bundled locale of `languages`.
    pub fn holds(&self, languages: &BTreeSet<String>) -> bool {
        codes_of(languages).all(|code| self.file(code).is_file())
    }

    fn read(&self, languages: &BTreeSet<String>) -> Option<Vec<Locale>> {
        codes_of(languages)
            .map(|code| {
                let bytes = std::fs::read(self.file(code)).ok()?;
                ciborium::from_reader(bytes.as_slice()).ok()
            })
            .collect()
    }

    /// Writes `locales` (a cache that cannot be written costs only speed),
    /// and removes the stores of other builds.
    fn write(&self, locales: &[Locale]) {
        if std::fs::create_dir_all(&self.0).is_err() {
            return;
        }
        for locale in locales {
            let Some(code) = locale.lang.as_ref().map(|l| l.0.as_str()) else { continue };
            let mut bytes = Vec::new();
            if ciborium::into_writer(locale, &mut bytes).is_ok() {
                let temporary = self.0.join(format!("{code}.cbor.{}", std::process::id()));
                if std::fs::write(&temporary, &bytes).is_ok() {
                    let _ = std::fs::rename(&temporary, self.file(code));
                }
            }
        }
        let (Some(parent), Some(own)) = (self.0.parent(), self.0.file_name()) else { return };
        for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let name = entry.file_name();
            if name != own && name.to_string_lossy().starts_with("locales-") {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The bundled locales of `languages` (primary subtags: `en`, `zh`), which
/// are all a processor needs of them: a locale falls back on its language's
/// others and on English. Read from `store` when it has them; otherwise
/// decoded, and written there.
pub fn of(languages: &BTreeSet<String>, store: Option<&Store>) -> Vec<Locale> {
    if let Some(locales) = store.and_then(|s| s.read(languages)) {
        return locales;
    }
    let locales: Vec<Locale> = all().iter().filter(|l| speaks(l, languages)).cloned().collect();
    if let Some(store) = store {
        store.write(&locales);
    }
    locales
}

/// Every bundled locale, decoded once.
pub fn all() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(hayagriva::archive::locales)
}

/// Starts decoding every bundled locale in the background.
pub fn prefetch() {
    rayon::spawn(|| {
        all();
    });
}

/// The primary language of a locale code (`zh` of `zh-CN`).
pub fn language(code: &str) -> String {
    code.split('-').next().unwrap_or(code).to_ascii_lowercase()
}

fn codes_of(languages: &BTreeSet<String>) -> impl Iterator<Item = &'static str> + '_ {
    LOCALE_CODES.iter().copied().filter(|code| languages.contains(&language(code)))
}

fn speaks(locale: &Locale, languages: &BTreeSet<String>) -> bool {
    locale.lang.as_ref().is_some_and(|l| languages.contains(&language(&l.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_gives_back_what_was_decoded() {
        let dir = std::env::temp_dir().join(format!("scholar-locales-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let stale = dir.join("locales-0000");
        std::fs::create_dir_all(&stale).unwrap();
        let store = Store::in_cache(&dir);
        let languages: BTreeSet<String> = ["en", "zh"].map(String::from).into();
        assert!(!store.holds(&languages));
        let decoded = of(&languages, Some(&store));
        let codes: Vec<&str> = decoded.iter().filter_map(|l| l.lang.as_ref().map(|l| l.0.as_str())).collect();
        assert_eq!(codes, ["en-GB", "en-US", "zh-CN", "zh-TW"]);
        assert!(store.holds(&languages));
        assert!(!stale.exists(), "another build's store is removed");
        assert_eq!(of(&languages, Some(&store)), decoded);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
