//! CSL styles and locales: a bundled style by name or a `.csl` file (a
//! dependent one resolved to its parent), and the locale files it needs.

use anyhow::{Context as _, Result, anyhow, bail};
use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::{DependentStyle, IndependentStyle, Locale, LocaleCode, LocalizedTerm, Style as CslStyle};
use std::path::{Path, PathBuf};

use crate::diagnostic::suggest;

/// Where the CSL style comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StyleSource {
    /// A style bundled with hayagriva, by name (`ieee`, `apa`, …).
    Bundled(String),
    /// A `.csl` file; `shown` is the path as the user wrote it.
    File { path: PathBuf, shown: String },
}

/// The folder of the user's CSL locale files (`locales`): where it is, and
/// how the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalesDir {
    pub path: PathBuf,
    pub shown: String,
}

/// The codes of hayagriva's bundled locales (a test keeps them in step with
/// the archive), so that a locale is resolved without decoding all 63
/// (about 40 ms).
pub const LOCALE_CODES: &[&str] = &[
    "af-ZA",
    "ar",
    "bal-PK",
    "bg-BG",
    "brh-PK",
    "ca-AD",
    "cs-CZ",
    "cy-GB",
    "da-DK",
    "de-AT",
    "de-CH",
    "de-DE",
    "el-GR",
    "en-GB",
    "en-US",
    "es-CL",
    "es-ES",
    "es-MX",
    "et-EE",
    "eu",
    "fa-IR",
    "fi-FI",
    "fr-CA",
    "fr-FR",
    "gl-ES",
    "he-IL",
    "hi-IN",
    "hr-HR",
    "hu-HU",
    "hy-AM",
    "id-ID",
    "is-IS",
    "it-IT",
    "ja-JP",
    "km-KH",
    "ko-KR",
    "la",
    "lij-IT",
    "lt-LT",
    "lv-LV",
    "mn-MN",
    "ms-MY",
    "nb-NO",
    "nl-NL",
    "nn-NO",
    "pa-PK",
    "pl-PL",
    "pt-BR",
    "pt-PT",
    "ro-RO",
    "ru-RU",
    "sk-SK",
    "sl-SI",
    "sr-Cyrl-RS",
    "sr-Latn-RS",
    "sv-SE",
    "th-TH",
    "tl-PH",
    "tr-TR",
    "uk-UA",
    "vi-VN",
    "zh-CN",
    "zh-TW",
];

/// The bundled locale for a language tag: exact (any case) first, then the
/// usual region for the language (`zh` → `zh-CN`, `en` → `en-US`), then any
/// locale of that language. `None` if there is no locale for the language.
pub fn resolve_locale_lenient(tag: &str) -> Option<String> {
    let tag = tag.trim().replace('_', "-");
    if let Some(code) = LOCALE_CODES.iter().find(|c| c.eq_ignore_ascii_case(&tag)) {
        return Some(code.to_string());
    }
    let lower = tag.to_ascii_lowercase();
    let language = lower.split('-').next().unwrap_or_default();
    let preferred = match lower.as_str() {
        "zh-hant" | "zh-hk" | "zh-mo" => Some("zh-TW"),
        _ if lower.starts_with("zh-hant") => Some("zh-TW"),
        _ => match language {
            "zh" => Some("zh-CN"),
            "en" => Some("en-US"),
            "pt" => Some("pt-BR"),
            "sr" => Some("sr-Latn-RS"),
            "nb" | "no" => Some("nb-NO"),
            "ca" => Some("ca-AD"),
            _ => None,
        },
    };
    if let Some(code) = preferred {
        return Some(code.to_string());
    }
    let same_region = format!("{language}-{}", language.to_ascii_uppercase());
    LOCALE_CODES
        .iter()
        .find(|c| c.eq_ignore_ascii_case(&same_region))
        .or_else(|| LOCALE_CODES.iter().find(|c| c.split('-').next().is_some_and(|l| l.eq_ignore_ascii_case(language))))
        .map(|c| c.to_string())
}

/// Like [`resolve_locale_lenient`], but an unknown locale is an error listing
/// what exists.
pub fn resolve_locale(tag: &str) -> Result<String> {
    resolve_locale_lenient(tag).ok_or_else(|| anyhow!("bundled locales are {}", LOCALE_CODES.join(", ")))
}

/// A style ready to render with.
#[derive(Debug, Clone)]
pub struct Style {
    pub csl: IndependentStyle,
    /// How to call the style in messages: its name or path.
    pub shown: String,
    /// The locale a dependent style asks for, which wins over the parent's.
    pub default_locale: Option<LocaleCode>,
    /// The user's locale files, over the bundled ones.
    pub locales: LocaleOverrides,
}

impl Style {
    pub fn load(source: &StyleSource) -> Result<Style> {
        match source {
            StyleSource::Bundled(name) => bundled(name).map(|csl| Style {
                csl,
                shown: name.clone(),
                default_locale: None,
                locales: Default::default(),
            }),
            StyleSource::File { path, shown } => {
                let xml = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the style file `{shown}` ({})", path.display()))?;
                let (csl, default_locale) = from_csl_file(&xml, path)
                    .with_context(|| format!("the style file `{shown}` is not a usable CSL style"))?;
                Ok(Style { csl, shown: shown.clone(), default_locale, locales: Default::default() })
            }
        }
    }

    /// The style with the user's locale files (`locales`), if any.
    pub fn with_locales(mut self, dir: Option<&LocalesDir>) -> Result<Style> {
        if let Some(dir) = dir {
            self.locales = LocaleOverrides::read(&dir.path, &dir.shown)?;
        }
        Ok(self)
    }

    /// Whether the style is written for entries in several languages, each
    /// in its own terms: the GB/T 7714 family (`等` for Chinese works,
    /// `et al.` for Western ones).
    pub fn multilingual_by_design(&self) -> bool {
        let id = &self.csl.info.id;
        id.contains("gb-7714") || id.contains("gb-t-7714") || self.shown.contains("7714")
    }
}

/// The names users can give for bundled styles.
pub fn bundled_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = ArchivedStyle::all().iter().flat_map(|s| s.names().iter().copied()).collect();
    names.sort_unstable();
    names
}

fn bundled(name: &str) -> Result<IndependentStyle> {
    let archived = ArchivedStyle::by_name(name).ok_or_else(|| {
        let names = bundled_names();
        match suggest(name, names.iter().copied()) {
            Some(close) => anyhow!(
                "`{name}` is not a bundled CSL style; did you mean `{close}`? (or give the path of a .csl file)"
            ),
            None => anyhow!(
                "`{name}` is not a bundled CSL style; bundled styles are {} (or give the path of a .csl file)",
                names.join(", ")
            ),
        }
    })?;
    match archived.get() {
        CslStyle::Independent(style) => Ok(style),
        CslStyle::Dependent(_) => bail!("the bundled style `{name}` is a dependent style"),
    }
}

/// Parses a `.csl` file. A dependent style is resolved to its parent: a
/// bundled style with the parent's id, or a file named after the parent's id
/// in the style's folder or the folders above it (the official styles
/// repository keeps dependents in `dependent/` beside their parents).
fn from_csl_file(xml: &str, path: &Path) -> Result<(IndependentStyle, Option<LocaleCode>)> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    if !is_dependent(xml) {
        return Ok((parse_independent(xml)?, None));
    }
    let dependent = DependentStyle::from_xml(xml).map_err(explain_xml)?;
    let parent_id = dependent.parent_link.href.clone();
    let locale = dependent.default_locale.clone();
    if let Some(archived) = ArchivedStyle::by_id(&parent_id)
        && let CslStyle::Independent(style) = archived.get()
    {
        return Ok((style, locale));
    }
    let file_name = format!("{}.csl", parent_id.trim_end_matches('/').rsplit('/').next().unwrap_or_default());
    let mut tried = Vec::new();
    for dir in path.ancestors().skip(1).take(3) {
        let candidate = dir.join(&file_name);
        if candidate.is_file() {
            let parent_xml = std::fs::read_to_string(&candidate)
                .with_context(|| format!("cannot read the parent style {}", candidate.display()))?;
            if is_dependent(&parent_xml) {
                bail!(
                    "its parent {} is itself a dependent style; a dependent style needs an independent parent",
                    candidate.display()
                );
            }
            let style = parse_independent(&parent_xml)
                .with_context(|| format!("its parent style {} is broken", candidate.display()))?;
            return Ok((style, locale));
        }
        tried.push(candidate);
    }
    bail!(
        "it is a dependent style whose parent `{parent_id}` is neither bundled nor found (looked for {}); put the parent's .csl file beside it or one folder up",
        tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )
}

fn is_dependent(xml: &str) -> bool {
    xml.contains("independent-parent")
}

fn parse_independent(xml: &str) -> Result<IndependentStyle> {
    if !xml.contains("<style") {
        bail!(
            "there is no `<style>` element: a CSL file is XML starting with `<style xmlns=\"http://purl.org/net/xbiblio/csl\" …>`"
        );
    }
    IndependentStyle::from_xml(xml).map_err(explain_xml)
}

/// citationberg's own message says only where (`at .citation`); the cause is
/// in its source error.
fn explain_xml(error: hayagriva::citationberg::XmlDeError) -> anyhow::Error {
    let place = error
        .path
        .as_ref()
        .map(|p| p.to_string())
        .filter(|p| !p.is_empty() && p != ".")
        .map(|p| format!(" (at `{p}`)"))
        .unwrap_or_default();
    anyhow!("{}{place}", error.source)
}

/// Locale files a user gives (`locales = "DIR"`, `format --locales DIR`):
/// every `locales-xx-XX.xml` of one folder. Each overrides the bundled
/// locale of its language term by term, so a file may hold just the terms
/// to fix; a language nothing bundles is added.
#[derive(Debug, Clone, Default)]
pub struct LocaleOverrides {
    locales: Vec<Locale>,
}

impl LocaleOverrides {
    /// Reads and checks the folder's locale files; `shown` is the folder as
    /// the user wrote it.
    pub fn read(dir: &Path, shown: &str) -> Result<LocaleOverrides> {
        let files = locale_texts(dir).with_context(|| format!("cannot read the locales folder `{shown}`"))?;
        if files.is_empty() {
            bail!(
                "the locales folder `{shown}` has no locale files; name them `locales-xx-XX.xml` (`locales-en-US.xml`)"
            );
        }
        let mut locales = Vec::with_capacity(files.len());
        for (name, xml) in files {
            let place = format!("{}/{name}", shown.trim_end_matches('/'));
            let file = hayagriva::citationberg::LocaleFile::from_xml(&xml)
                .map_err(explain_xml)
                .with_context(|| format!("`{place}` is not a CSL locale file"))?;
            let named = name.trim_start_matches("locales-").trim_end_matches(".xml");
            if file.lang.0 != named {
                bail!(
                    "`{place}` says `xml:lang=\"{}\"` but is named for `{named}`; rename the file or fix its language",
                    file.lang.0
                );
            }
            locales.push(Locale::from(file));
        }
        Ok(LocaleOverrides { locales })
    }

    /// Lays the overrides over `files` (bundled locales).
    pub fn apply(&self, files: &mut Vec<Locale>) {
        for user in &self.locales {
            match files.iter_mut().find(|f| f.lang == user.lang) {
                Some(bundled) => *bundled = overlay(user, bundled),
                None => files.push(user.clone()),
            }
        }
    }
}

/// `user`'s terms, date formats and options over `bundled`'s. Ordinal terms
/// are replaced as a set, as CSL says: a file with any ordinal brings all.
fn overlay(user: &Locale, bundled: &Locale) -> Locale {
    let user_terms = user.terms.as_ref().map(|t| t.terms.as_slice()).unwrap_or_default();
    let user_ordinals = user_terms.iter().any(|t| t.name.is_ordinal());
    let mut terms = user_terms.to_vec();
    let replaced = |t: &LocalizedTerm| {
        (user_ordinals && t.name.is_ordinal()) || user_terms.iter().any(|u| u.name == t.name && u.form == t.form)
    };
    let kept = bundled.terms.iter().flat_map(|t| &t.terms).filter(|t| !replaced(t));
    terms.extend(kept.cloned());
    let mut date = user.date.clone();
    date.extend(bundled.date.iter().filter(|d| !user.date.iter().any(|u| u.form == d.form)).cloned());
    let style_options = match (user.style_options, bundled.style_options) {
        (Some(mut user), Some(bundled)) => {
            user.punctuation_in_quote = user.punctuation_in_quote.or(bundled.punctuation_in_quote);
            user.limit_day_ordinals_to_day_1 = user.limit_day_ordinals_to_day_1.or(bundled.limit_day_ordinals_to_day_1);
            Some(user)
        }
        (user, bundled) => user.or(bundled),
    };
    Locale {
        lang: bundled.lang.clone(),
        info: bundled.info.clone(),
        terms: Some(hayagriva::citationberg::Terms { terms }),
        date,
        style_options,
    }
}

/// The `locales-*.xml` files of a folder, by name, with their texts (also
/// what the cache keys on).
pub fn locale_texts(dir: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if name.starts_with("locales-") && name.ends_with(".xml") {
            files.push((name.to_string(), std::fs::read_to_string(&path)?));
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_codes_follow_the_archive() {
        let archived: Vec<String> =
            hayagriva::archive::locales().into_iter().map(|l| l.lang.map(|l| l.0).unwrap_or_default()).collect();
        assert_eq!(archived, LOCALE_CODES);
    }

    #[test]
    fn locales_resolve_leniently() {
        let cases: &[(&str, Option<&str>)] = &[
            ("zh-CN", Some("zh-CN")),
            ("zh_cn", Some("zh-CN")),
            ("zh", Some("zh-CN")),
            ("zh-Hans", Some("zh-CN")),
            ("zh-Hant-TW", Some("zh-TW")),
            ("zh-TW", Some("zh-TW")),
            ("en", Some("en-US")),
            ("en-GB", Some("en-GB")),
            ("de", Some("de-DE")),
            ("fr", Some("fr-FR")),
            ("ja", Some("ja-JP")),
            ("eu", Some("eu")),
            ("xx", None),
        ];
        for &(tag, expected) in cases {
            assert_eq!(resolve_locale_lenient(tag).as_deref(), expected, "{tag}");
        }
    }

    #[test]
    fn bundled_styles_load_and_unknown_ones_get_a_hint() {
        for name in ["ieee", "apa", "gb-7714-2015-numeric", "chicago-author-date", "mla", "nature"] {
            Style::load(&StyleSource::Bundled(name.into())).unwrap();
        }
        let error = Style::load(&StyleSource::Bundled("iee".into())).unwrap_err().to_string();
        assert!(error.contains("did you mean `ieee`?"), "{error}");
    }

    #[test]
    fn every_bundled_style_loads() {
        for name in bundled_names() {
            assert!(Style::load(&StyleSource::Bundled(name.into())).is_ok(), "{name}");
        }
    }
}
