//! Terms, date formats and options of one language, resolved in CSL's order:
//! the style's own `<locale>` for the language, for its base language, for
//! every language; then the locale file of the language, of its base
//! language's default region; then `en-US`.

use citationberg::taxonomy::Term;
use citationberg::{Date, DateForm, GrammarGender, Locale, LocaleFile, LocalizedTerm, OrdinalLookup, TermForm};
use std::collections::HashMap;
use std::path::Path;

/// A source of CSL locales: files (`locales-xx-XX.xml`), XML in memory, or
/// parsed locales (such as hayagriva's bundled ones).
pub trait LocaleSource {
    /// The locale for `lang` (`en-US`), if there is one.
    fn locale(&self, lang: &str) -> Option<Locale>;
}

fn parse(xml: &str) -> Option<Locale> {
    LocaleFile::from_xml(xml).ok().map(Locale::from)
}

/// Locale files in one folder, as the CSL locales repository lays them out.
#[derive(Debug, Clone)]
pub struct LocaleDir(pub std::path::PathBuf);

impl LocaleSource for LocaleDir {
    fn locale(&self, lang: &str) -> Option<Locale> {
        parse(&std::fs::read_to_string(self.0.join(format!("locales-{lang}.xml"))).ok()?)
    }
}

/// Locale XML by language code.
impl LocaleSource for HashMap<String, String> {
    fn locale(&self, lang: &str) -> Option<Locale> {
        parse(self.get(lang)?)
    }
}

/// Parsed locales, found by their `xml:lang`.
impl LocaleSource for Vec<Locale> {
    fn locale(&self, lang: &str) -> Option<Locale> {
        self.iter().find(|l| l.lang.as_ref().is_some_and(|c| c.0 == lang)).cloned()
    }
}

/// Several sources, the first that has a language wins (user files before
/// bundled ones).
impl LocaleSource for Vec<&dyn LocaleSource> {
    fn locale(&self, lang: &str) -> Option<Locale> {
        self.iter().find_map(|s| s.locale(lang))
    }
}

impl<T: LocaleSource + ?Sized> LocaleSource for &T {
    fn locale(&self, lang: &str) -> Option<Locale> {
        (**self).locale(lang)
    }
}

/// Loads the locale files of a folder.
pub fn dir(path: impl AsRef<Path>) -> LocaleDir {
    LocaleDir(path.as_ref().to_path_buf())
}

/// The default region of a base language, as the CSL locales repository's
/// `locales.json` names it (`de` → `de-DE`, `pt` → `pt-PT`, `zh` → `zh-CN`).
fn default_region(base: &str) -> String {
    let region = match base {
        "af" => "ZA",
        "ar" => "AR",
        "ca" => "AD",
        "cs" => "CZ",
        "cy" => "GB",
        "da" => "DK",
        "el" => "GR",
        "en" => "US",
        "et" => "EE",
        "eu" => "ES",
        "fa" => "IR",
        "he" => "IL",
        "hi" => "IN",
        "ja" => "JP",
        "km" => "KH",
        "ko" => "KR",
        "la" => "LA",
        "nb" => "NO",
        "nn" => "NO",
        "pt" => "PT",
        "sl" => "SI",
        "sr" => "RS",
        "sv" => "SE",
        "uk" => "UA",
        "vi" => "VN",
        "zh" => "CN",
        other => return format!("{other}-{}", other.to_uppercase()),
    };
    format!("{base}-{region}")
}

/// The other name a term goes by (`page` the locator and `page` the
/// variable are one term), as `citationberg` compares them.
fn twin(term: Term) -> Option<Term> {
    use citationberg::taxonomy::{Kind, Locator, NumberVariable};
    Some(match term {
        Term::Locator(Locator::Issue) => Term::NumberVariable(NumberVariable::Issue),
        Term::NumberVariable(NumberVariable::Issue) => Term::Locator(Locator::Issue),
        Term::Locator(Locator::Page) => Term::PageVariable,
        Term::PageVariable => Term::Locator(Locator::Page),
        Term::Locator(Locator::Section) => Term::NumberVariable(NumberVariable::Section),
        Term::NumberVariable(NumberVariable::Section) => Term::Locator(Locator::Section),
        Term::Locator(Locator::Volume) => Term::NumberVariable(NumberVariable::Volume),
        Term::NumberVariable(NumberVariable::Volume) => Term::Locator(Locator::Volume),
        Term::Locator(Locator::Book) => Term::Kind(Kind::Book),
        Term::Kind(Kind::Book) => Term::Locator(Locator::Book),
        Term::Locator(Locator::Chapter) => Term::Kind(Kind::Chapter),
        Term::Kind(Kind::Chapter) => Term::Locator(Locator::Chapter),
        Term::Locator(Locator::Figure) => Term::Kind(Kind::Figure),
        Term::Kind(Kind::Figure) => Term::Locator(Locator::Figure),
        _ => return None,
    })
}

/// Everything the renderer asks of a language.
#[derive(Debug, Clone)]
pub struct Terms {
    /// Most specific first.
    chain: Vec<Locale>,
    /// Every term and form of the chain, the most specific first: a lookup
    /// is one hash probe, not a scan of every locale's terms.
    index: crate::fast_hash::FastMap<(Term, TermForm), (Option<String>, Option<String>)>,
    /// The language actually used (`en-US`).
    pub lang: String,
    /// Whether `.` and `,` go inside closing quotes.
    pub punctuation_in_quote: bool,
    /// Whether ordinal day numbers are used only for the first of a month.
    pub limit_day_ordinals_to_day_1: bool,
    /// Whether a locale file of the language itself was found (not only
    /// the en-US every chain ends with).
    own_file: bool,
}

impl Terms {
    /// Resolves `lang` against the style's locales and the locale files.
    pub fn resolve(lang: &str, style_locales: &[Locale], source: &dyn LocaleSource) -> Terms {
        let base = lang.split('-').next().unwrap_or(lang).to_string();
        let mut chain = Vec::new();
        let lang_of = |l: &Locale| l.lang.as_ref().map(|c| c.0.clone());
        for wanted in [Some(lang.to_string()), Some(base.clone()), None] {
            for locale in style_locales {
                if lang_of(locale) == wanted {
                    chain.push(locale.clone());
                }
            }
        }
        let mut files = vec![lang.to_string()];
        if !lang.contains('-') || default_region(&base) != lang {
            files.push(default_region(&base));
        }
        files.push("en-US".to_string());
        files.dedup();
        let mut own_file = false;
        for file in files {
            if let Some(locale) = source.locale(&file) {
                own_file |= file != "en-US" || base == "en";
                chain.push(locale);
            }
        }
        let option = |get: fn(&Locale) -> Option<bool>| chain.iter().find_map(get).unwrap_or(false);
        let mut index = crate::fast_hash::FastMap::default();
        for term in chain.iter().filter_map(|l| l.terms.as_ref()).flat_map(|t| t.terms.iter()) {
            let value = (term.single().map(str::to_string), term.multiple().map(str::to_string));
            for name in std::iter::once(term.name).chain(twin(term.name)) {
                index.entry((name, term.form)).or_insert_with(|| value.clone());
            }
        }
        Terms {
            index,
            punctuation_in_quote: option(|l| l.style_options.and_then(|o| o.punctuation_in_quote)),
            limit_day_ordinals_to_day_1: option(|l| l.style_options.and_then(|o| o.limit_day_ordinals_to_day_1)),
            own_file,
            chain,
            lang: lang.to_string(),
        }
    }

    /// Whether only en-US stands behind a language that is not English.
    pub(crate) fn is_fallback_only(&self) -> bool {
        !self.own_file
    }

    /// A term in the asked form, falling back through CSL's form order
    /// (symbol → short → long, verb-short → verb → long).
    pub fn term(&self, term: Term, form: TermForm) -> Option<&LocalizedTerm> {
        let mut form = Some(form);
        while let Some(f) = form {
            for locale in &self.chain {
                if let Some(found) = locale.term(term, f) {
                    return Some(found);
                }
            }
            form = f.fallback();
        }
        None
    }

    /// A term's text, singular or plural; `None` when the locale lacks it.
    pub fn text(&self, term: Term, form: TermForm, plural: bool) -> Option<&str> {
        let mut form = Some(form);
        while let Some(f) = form {
            if let Some((single, multiple)) = self.index.get(&(term, f)) {
                return if plural { multiple.as_deref() } else { single.as_deref() };
            }
            form = f.fallback();
        }
        None
    }

    /// A term's gender (for ordinals that agree with it).
    pub fn gender(&self, term: Term) -> Option<GrammarGender> {
        self.chain.iter().find_map(|l| l.term(term, TermForm::Long)).and_then(|t| t.gender)
    }

    /// The ordinal terms of the most specific locale that defines any: CSL
    /// replaces ordinals as a set.
    pub fn ordinals(&self) -> OrdinalLookup<'_> {
        self.chain.iter().find_map(Locale::ordinals).unwrap_or_else(OrdinalLookup::empty)
    }

    /// The localized date format (`<date form="text">`).
    pub fn date_format(&self, form: DateForm) -> Option<&Date> {
        self.chain.iter().flat_map(|l| l.date.iter()).find(|d| d.form == Some(form))
    }
}
