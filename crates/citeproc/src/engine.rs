//! The processor: a style and its locale, ready to render items.

use crate::item::Item;
use crate::locale::{LocaleSource, Terms};
use crate::output::{self, Marks, Run};
use crate::render::{Cite, Ctx, Disambiguation, Mode, Shared};
use citationberg::taxonomy::{Kind, OtherTerm, Term};
use citationberg::{
    CslMacro, IndependentStyle, InheritableNameOptions, LayoutRenderingElement, Style, TermForm, TextTarget,
};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

/// A style, its macros and its locale, ready to render.
pub struct Processor {
    pub(crate) style: IndependentStyle,
    pub(crate) terms: Terms,
    pub(crate) marks: Marks,
    pub(crate) macros: HashMap<String, CslMacro>,
    pub(crate) explicit_year_suffix: bool,
    pub(crate) collator: Option<icu_collator::CollatorBorrowed<'static>>,
    cite_names: InheritableNameOptions,
    bib_names: InheritableNameOptions,
    /// Whether the style asks for any disambiguation at all.
    pub(crate) disambiguates: bool,
    /// The affixes citeproc-js wraps the first date range it renders in
    /// (see `dates::render`): those of the last `cs:date` it built, when no
    /// citation renders a date (else a citation takes the wrapping, unseen).
    range_wrap: Option<citationberg::Affixes>,
    /// Whether the first range has been rendered.
    range_wrapped: std::sync::atomic::AtomicBool,
    /// Whether citeproc-js redoes the disambiguation of a note style as its
    /// cites come (`processCitationCluster`'s `rerunAkeys`) in a way that
    /// shows: the style tells cites apart only by testing `disambiguate`, by
    /// cite, and prints the note of the first reference, which the cites it
    /// compares then carry.
    pub(crate) reruns: bool,
    /// Other languages' terms, for items rendered in their own language
    /// (see [`Processor::with_item_languages`]).
    item_languages: Vec<ItemLanguage>,
    /// The citation layout reads nothing of where a cite stands (no
    /// `position` test, no `first-reference-note-number`): an item's cites
    /// without locator or affixes all draw alike.
    pub(crate) cites_repeat: bool,
    /// The bibliography prints the citation number (an entry differs with
    /// it; see `session::Entries`).
    pub(crate) entries_numbered: bool,
}

/// The terms and quotation marks of one language an item may be written in.
struct ItemLanguage {
    /// The base language (`en`), as items' `language` fields are matched.
    base: String,
    terms: Terms,
    marks: Marks,
}

/// The base language of a language tag (`en-GB` → `en`), lowercase; `None`
/// for what is not a tag (`English`).
fn base_language(tag: &str) -> Option<String> {
    let base = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (2..=3).contains(&base.len()).then_some(base).filter(|b| b.chars().all(|c| c.is_ascii_lowercase()))
}

/// A locale's quotation marks.
fn marks_of(terms: &Terms) -> Marks {
    let quote = |term: OtherTerm, fallback: &str| {
        terms.text(Term::Other(term), TermForm::Long, false).unwrap_or(fallback).to_string()
    };
    Marks {
        open: quote(OtherTerm::OpenQuote, "“"),
        close: quote(OtherTerm::CloseQuote, "”"),
        inner_open: quote(OtherTerm::OpenInnerQuote, "‘"),
        inner_close: quote(OtherTerm::CloseInnerQuote, "’"),
    }
}

/// Why a style could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleError(pub String);

impl std::fmt::Display for StyleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StyleError {}

impl Processor {
    /// Reads a style. A dependent style's parent comes from `parent`, given
    /// the parent's id (its URL).
    pub fn new(
        style_xml: &str,
        locales: &dyn LocaleSource,
        lang: Option<&str>,
        parent: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Processor, StyleError> {
        let style =
            Style::from_xml(style_xml).map_err(|e| StyleError(format!("the style could not be read: {}", e.source)))?;
        let (style, dependent_locale) = match style {
            Style::Independent(style) => (style, None),
            Style::Dependent(dependent) => {
                let id = &dependent.parent_link.href;
                let xml = parent(id).ok_or_else(|| {
                    StyleError(format!("the parent style `{id}` of this dependent style was not found"))
                })?;
                match Style::from_xml(&xml) {
                    Ok(Style::Independent(parent)) => (parent, dependent.default_locale.clone()),
                    Ok(Style::Dependent(_)) => {
                        return Err(StyleError(format!("the parent style `{id}` is itself dependent")));
                    }
                    Err(e) => return Err(StyleError(format!("the parent style `{id}` could not be read: {e}"))),
                }
            }
        };
        let lang = lang.map(str::to_string).or_else(|| dependent_locale.map(|l| l.0));
        Ok(Processor::with_style(style, locales, lang.as_deref()))
    }

    /// A processor for a parsed independent style (a bundled one, say).
    /// `lang` overrides the style's default locale.
    pub fn with_style(style: IndependentStyle, locales: &dyn LocaleSource, lang: Option<&str>) -> Processor {
        let lang = lang
            .map(str::to_string)
            .or_else(|| style.default_locale.as_ref().map(|l| l.0.clone()))
            .unwrap_or_else(|| "en-US".to_string());
        let terms = Terms::resolve(&lang, &style.locale, locales);
        let marks = marks_of(&terms);
        let macros: HashMap<String, CslMacro> = style.macros.iter().map(|m| (m.name.clone(), m.clone())).collect();
        let explicit_year_suffix = uses_year_suffix(&style, &macros);
        let collator = lang.parse::<icu_locale::Locale>().ok().and_then(collator);
        let cite_names = style.settings.options.apply(&style.citation.name_options);
        let bib_names = match &style.bibliography {
            Some(b) => style.settings.options.apply(&b.name_options),
            None => style.settings.options.clone(),
        };
        let citation = &style.citation;
        let condition = tests_disambiguate(&citation.layout.elements, &macros);
        let disambiguates = citation.disambiguate_add_names
            || citation.disambiguate_add_givenname
            || citation.disambiguate_add_year_suffix
            || condition;
        let reruns = condition
            && style.settings.class == citationberg::StyleClass::Note
            && citation.givenname_disambiguation_rule == citationberg::DisambiguationRule::ByCite
            && !citation.disambiguate_add_names
            && !citation.disambiguate_add_givenname
            && !citation.disambiguate_add_year_suffix
            && prints_variable(&citation.layout.elements, &macros, "first-reference-note-number");
        let citation_dates =
            any_element(&style.citation.layout.elements, &macros, &|e| matches!(e, LayoutRenderingElement::Date(_)), 0);
        let range_wrap = if citation_dates { None } else { last_built_date(&style, &macros) };
        let positional = |e: &LayoutRenderingElement| match e {
            LayoutRenderingElement::Choose(c) => c.branches().any(|b| b.position.is_some()),
            _ => false,
        };
        // A later cite's names may follow `et-al-subsequent-*`.
        let subsequent_names = |e: &LayoutRenderingElement| match e {
            LayoutRenderingElement::Names(names) => {
                let inherited = cite_names.apply(&names.options());
                let default_name = citationberg::Name::default();
                let options = names.name().unwrap_or(&default_name).options(&inherited);
                options.et_al_subsequent_min.is_some() || options.et_al_subsequent_use_first.is_some()
            }
            _ => false,
        };
        let cites_repeat = !any_element(&citation.layout.elements, &macros, &positional, 0)
            && !any_element(&citation.layout.elements, &macros, &subsequent_names, 0)
            && !prints_variable(&citation.layout.elements, &macros, "first-reference-note-number");
        let entries_numbered = style
            .bibliography
            .as_ref()
            .is_some_and(|b| prints_variable(&b.layout.elements, &macros, "citation-number"));
        Processor {
            style,
            terms,
            marks,
            macros,
            explicit_year_suffix,
            collator,
            cite_names,
            bib_names,
            disambiguates,
            range_wrap,
            range_wrapped: std::sync::atomic::AtomicBool::new(false),
            reruns,
            item_languages: Vec::new(),
            cites_repeat,
            entries_numbered,
        }
    }

    /// Whether an item's entry is the same in every list that gives it the
    /// same disambiguation (and number): no `subsequent-author-substitute`,
    /// which reads the entry before, and no first date range to wrap (see
    /// `range_wrap`), which only the first entry gets.
    pub(crate) fn entries_repeat(&self) -> bool {
        self.range_wrap.is_none()
            && self.style.bibliography.as_ref().is_some_and(|b| b.subsequent_author_substitute.is_none())
    }

    /// Renders each item whose `language` is one of `languages` (tags such
    /// as `en` or `de-DE`) with that language's terms, dates and quotation
    /// marks, not the style's locale: what the GB/T 7714 styles are written
    /// for (`等` for Chinese works, `et al.` for Western ones), and what some
    /// multilingual books want. citeproc-js renders every item in the
    /// style's locale; so does this processor unless asked. Items in the
    /// style's own language, or in a language the locales lack, are not
    /// affected.
    pub fn with_item_languages<'l>(
        mut self,
        locales: &dyn LocaleSource,
        languages: impl IntoIterator<Item = &'l str>,
    ) -> Processor {
        let own = base_language(&self.terms.lang);
        for tag in languages {
            let Some(base) = base_language(tag) else { continue };
            if Some(&base) == own.as_ref() || self.item_languages.iter().any(|l| l.base == base) {
                continue;
            }
            let terms = Terms::resolve(tag.trim(), &self.style.locale, locales);
            // Only a language some locale file has: the chain would be
            // en-US's otherwise.
            if terms.is_fallback_only() {
                continue;
            }
            let marks = marks_of(&terms);
            self.item_languages.push(ItemLanguage { base, terms, marks });
        }
        self
    }

    /// The terms an item is rendered with, if not the style's.
    fn item_language(&self, item: &Item) -> Option<&ItemLanguage> {
        if self.item_languages.is_empty() {
            return None;
        }
        let base = base_language(item.string("language")?)?;
        self.item_languages.iter().find(|l| l.base == base)
    }

    /// Whether the style is a note style.
    pub fn is_note_style(&self) -> bool {
        self.style.settings.class == citationberg::StyleClass::Note
    }

    /// Whether the style has a bibliography.
    pub fn has_bibliography(&self) -> bool {
        self.style.bibliography.is_some()
    }

    pub(crate) fn shared(&self) -> Shared<'_> {
        Shared {
            terms: &self.terms,
            marks: &self.marks,
            macros: &self.macros,
            explicit_year_suffix: self.explicit_year_suffix,
            mark_each_name: self.style.bibliography.as_ref().is_some_and(|b| {
                b.subsequent_author_substitute.is_some()
                    && b.subsequent_author_substitute_rule != citationberg::SubsequentAuthorSubstituteRule::CompleteAll
            }),
            page_range_format: self.style.settings.page_range_format,
            initialize_with_hyphen: self.style.settings.initialize_with_hyphen,
            demote: self.style.settings.demote_non_dropping_particle,
            add_givenname: self.style.citation.disambiguate_add_givenname,
            full_givennames: {
                let rule = self.style.citation.givenname_disambiguation_rule;
                rule.allows_full_first_names() && rule.allows_multiple_names()
            },
            range_wrap: self.range_wrap.as_ref(),
            range_wrapped: &self.range_wrapped,
        }
    }

    /// A rendering context for one item.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ctx<'a>(
        &'a self,
        shared: &'a Shared<'a>,
        item: &'a Item,
        mode: Mode,
        cite: Option<&'a Cite>,
        citation_number: Option<usize>,
        disamb: &'a Disambiguation,
        name_options: &'a InheritableNameOptions,
    ) -> Ctx<'a> {
        let language = item.string("language").unwrap_or(&self.terms.lang);
        let shared = match self.item_language(item) {
            Some(own) => Shared { terms: &own.terms, marks: &own.marks, ..*shared },
            None => *shared,
        };
        Ctx {
            shared,
            item,
            kind: item.kind.parse::<Kind>().ok(),
            mode,
            cite,
            name_options,
            citation_number,
            disamb,
            suppressed: RefCell::default(),
            names_override: None,
            sort_plain_names: false,
            english: Cell::new(language.is_empty() || language.get(..2).is_some_and(|l| l.eq_ignore_ascii_case("en"))),
            printed_year_suffix: RefCell::new(false),
            suppress_author: Cell::new(false),
            author: RefCell::new(None),
            author_key: RefCell::new(None),
            rendered: RefCell::new(None),
            in_names: Cell::new(false),
            collapsing: RefCell::new(Default::default()),
            author_only: Cell::new(false),
            author_done: Cell::new(false),
            numerals: RefCell::new(None),
        }
    }

    /// Name options for citations.
    pub(crate) fn citation_names(&self) -> &InheritableNameOptions {
        &self.cite_names
    }

    /// Name options for the bibliography.
    pub(crate) fn bibliography_names(&self) -> &InheritableNameOptions {
        &self.bib_names
    }

    /// Finishes a run for output.
    pub(crate) fn tidy(&self, run: &mut Run) {
        output::tidy(run, self.terms.punctuation_in_quote);
    }

    /// Finishes an item's entry for output, in the item's language's rule
    /// for punctuation in quotes.
    pub(crate) fn tidy_entry(&self, item: &Item, run: &mut Run) {
        let terms = self.item_language(item).map_or(&self.terms, |l| &l.terms);
        output::tidy(run, terms.punctuation_in_quote);
    }
}

/// Whether any element of a layout (through macros, groups, choose branches
/// and substitutes) passes `test`.
fn any_element(
    elements: &[LayoutRenderingElement],
    macros: &HashMap<String, CslMacro>,
    test: &dyn Fn(&LayoutRenderingElement) -> bool,
    depth: usize,
) -> bool {
    let walk = |children: &[LayoutRenderingElement]| any_element(children, macros, test, depth + 1);
    depth < 30
        && elements.iter().any(|e| {
            test(e)
                || match e {
                    LayoutRenderingElement::Text(t) => match &t.target {
                        TextTarget::Macro { name } => macros.get(name).is_some_and(|m| walk(&m.children)),
                        _ => false,
                    },
                    LayoutRenderingElement::Group(g) => walk(&g.children),
                    LayoutRenderingElement::Names(n) => n.children.iter().any(|c| match c {
                        citationberg::NamesChild::Substitute(s) => walk(&s.children),
                        _ => false,
                    }),
                    LayoutRenderingElement::Choose(c) => {
                        c.branches().any(|b| walk(&b.children))
                            || c.otherwise.as_ref().is_some_and(|o| walk(&o.children))
                    }
                    _ => false,
                }
        })
}

/// The affixes of the `cs:date` citeproc-js builds last: it walks the
/// citation (sort keys, then layout), then the bibliography, building each
/// macro where it is first called.
fn last_built_date(style: &IndependentStyle, macros: &HashMap<String, CslMacro>) -> Option<citationberg::Affixes> {
    fn walk<'a>(
        elements: &'a [LayoutRenderingElement],
        macros: &'a HashMap<String, CslMacro>,
        built: &mut HashSet<&'a str>,
        last: &mut Option<&'a citationberg::Affixes>,
    ) {
        for e in elements {
            match e {
                LayoutRenderingElement::Date(d) => *last = Some(&d.affixes),
                LayoutRenderingElement::Text(t) => {
                    if let TextTarget::Macro { name } = &t.target
                        && built.insert(name.as_str())
                        && let Some(m) = macros.get(name)
                    {
                        walk(&m.children, macros, built, last);
                    }
                }
                LayoutRenderingElement::Group(g) => walk(&g.children, macros, built, last),
                LayoutRenderingElement::Names(n) => {
                    for c in &n.children {
                        if let citationberg::NamesChild::Substitute(s) = c {
                            walk(&s.children, macros, built, last);
                        }
                    }
                }
                LayoutRenderingElement::Choose(c) => {
                    for b in c.branches() {
                        walk(&b.children, macros, built, last);
                    }
                    if let Some(o) = &c.otherwise {
                        walk(&o.children, macros, built, last);
                    }
                }
                _ => {}
            }
        }
    }
    let mut built = HashSet::new();
    let mut last = None;
    for (sort, layout) in std::iter::once((style.citation.sort.as_ref(), &style.citation.layout))
        .chain(style.bibliography.as_ref().map(|b| (b.sort.as_ref(), &b.layout)))
    {
        for key in sort.iter().flat_map(|s| s.keys.iter()) {
            if let citationberg::SortKey::MacroName { name, .. } = key
                && built.insert(name.as_str())
                && let Some(m) = macros.get(name)
            {
                walk(&m.children, macros, &mut built, &mut last);
            }
        }
        walk(&layout.elements, macros, &mut built, &mut last);
    }
    last.cloned()
}

/// Whether a citation layout tests `disambiguate="true"` anywhere.
fn tests_disambiguate(elements: &[LayoutRenderingElement], macros: &HashMap<String, CslMacro>) -> bool {
    let test = |e: &LayoutRenderingElement| match e {
        LayoutRenderingElement::Choose(c) => c.branches().any(|b| b.disambiguate.is_some()),
        _ => false,
    };
    any_element(elements, macros, &test, 0)
}

/// Whether a layout prints a variable with `cs:text`.
fn prints_variable(elements: &[LayoutRenderingElement], macros: &HashMap<String, CslMacro>, name: &str) -> bool {
    let test = |e: &LayoutRenderingElement| match e {
        LayoutRenderingElement::Text(t) => {
            matches!(&t.target, TextTarget::Variable { var, .. } if crate::render::name_of(*var) == name)
        }
        _ => false,
    };
    any_element(elements, macros, &test, 0)
}

/// Whether the style prints the `year-suffix` variable anywhere.
fn uses_year_suffix(style: &IndependentStyle, macros: &HashMap<String, CslMacro>) -> bool {
    prints_variable(&style.citation.layout.elements, macros, "year-suffix")
        || style.bibliography.as_ref().is_some_and(|b| prints_variable(&b.layout.elements, macros, "year-suffix"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(lang: &str, et_al: &str, and: &str) -> String {
        format!(
            r#"<locale xmlns="http://purl.org/net/xbiblio/csl" version="1.0" xml:lang="{lang}"><terms><term name="et-al">{et_al}</term><term name="and">{and}</term></terms></locale>"#
        )
    }

    #[test]
    fn items_in_their_own_language_when_asked() {
        let style = r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0" default-locale="zh-CN">
          <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
          <citation><layout><names variable="author"><name et-al-min="2" et-al-use-first="1"/></names></layout></citation>
          <bibliography><layout><names variable="author"><name et-al-min="2" et-al-use-first="1"/></names></layout></bibliography></style>"#;
        let locales: HashMap<String, String> = [
            ("zh-CN".to_string(), locale("zh-CN", "等", "和")),
            ("en-US".to_string(), locale("en-US", "et al.", "and")),
        ]
        .into();
        let item = |id: &str, language: Option<&str>| {
            let mut json = serde_json::json!({
                "id": id, "type": "book",
                "author": [{"family": "Doe", "given": "Jane"}, {"family": "Roe", "given": "Richard"}]
            });
            if let Some(language) = language {
                json["language"] = language.into();
            }
            Item::from_json(&json).unwrap()
        };
        let items = [item("en", Some("en")), item("en-gb", Some("en-GB")), item("zh", Some("zh")), item("none", None)];
        let list = |processor: &Processor| -> Vec<String> {
            processor.render(&items, &[], true).bibliography.iter().map(|(_, run)| crate::html(run)).collect()
        };
        let plain = Processor::new(style, &locales, None, &|_| None).unwrap();
        assert_eq!(list(&plain), ["Jane Doe 等", "Jane Doe 等", "Jane Doe 等", "Jane Doe 等"]);
        // German has no locale here: its items stay in the style's language.
        let own = Processor::new(style, &locales, None, &|_| None).unwrap().with_item_languages(&locales, ["en", "de"]);
        assert_eq!(list(&own), ["Jane Doe et al.", "Jane Doe et al.", "Jane Doe 等", "Jane Doe 等"]);
    }
}

/// The locale's collation as citeproc-js asks for it (`localeCompare` with
/// `sensitivity: "base"`, `ignorePunctuation: true`, `numeric: true`): letters
/// compare without case or accents, spaces and punctuation do not count
/// (`Bentley, Jon, Kernighan` before `Bentley, Jon Louis`), and digits compare
/// as numbers.
pub(crate) fn collator(locale: icu_locale::Locale) -> Option<icu_collator::CollatorBorrowed<'static>> {
    use icu_collator::options::{AlternateHandling, CollatorOptions, Strength};
    use icu_collator::preferences::CollationNumericOrdering;
    let mut options = CollatorOptions::default();
    options.strength = Some(Strength::Primary);
    options.alternate_handling = Some(AlternateHandling::Shifted);
    let mut prefs = icu_collator::CollatorPreferences::from(locale);
    prefs.numeric_ordering = Some(CollationNumericOrdering::True);
    icu_collator::Collator::try_new(prefs, options).ok()
}

/// Renders bibliographies with small inline styles, for the modules' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Processor;
    use crate::item::Item;
    use std::collections::HashMap;

    /// The bibliography of `items` (CSL-JSON) with a bibliography layout and
    /// its attributes, and a citation layout, as HTML.
    pub fn bibliography(attributes: &str, citation: &str, layout: &str, items: serde_json::Value) -> Vec<String> {
        let style = format!(
            r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
              <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
              <locale><terms><term name="and">and</term>
                <term name="editor" form="short"><single>ed.</single><multiple>eds.</multiple></term></terms></locale>
              <citation><layout>{citation}<text variable="title"/></layout></citation>
              <bibliography {attributes}><layout>{layout}</layout></bibliography></style>"#
        );
        let processor = Processor::new(&style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let items: Vec<Item> = items.as_array().unwrap().iter().map(|i| Item::from_json(i).unwrap()).collect();
        let out = processor.render(&items, &[], true);
        out.bibliography.iter().map(|(_, run)| crate::html(run)).collect()
    }
}
