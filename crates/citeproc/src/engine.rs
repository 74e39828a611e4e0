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
        let quote = |term: OtherTerm, fallback: &str| {
            terms.text(Term::Other(term), TermForm::Long, false).unwrap_or(fallback).to_string()
        };
        let marks = Marks {
            open: quote(OtherTerm::OpenQuote, "“"),
            close: quote(OtherTerm::CloseQuote, "”"),
            inner_open: quote(OtherTerm::OpenInnerQuote, "‘"),
            inner_close: quote(OtherTerm::CloseInnerQuote, "’"),
        };
        let macros: HashMap<String, CslMacro> = style.macros.iter().map(|m| (m.name.clone(), m.clone())).collect();
        let explicit_year_suffix = uses_year_suffix(&style, &macros);
        let collator = lang.parse::<icu_locale::Locale>().ok().and_then(|locale| {
            icu_collator::Collator::try_new(locale.into(), icu_collator::options::CollatorOptions::default()).ok()
        });
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
        Processor { style, terms, marks, macros, explicit_year_suffix, collator, cite_names, bib_names, disambiguates }
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
            page_range_format: self.style.settings.page_range_format,
            initialize_with_hyphen: self.style.settings.initialize_with_hyphen,
            demote: self.style.settings.demote_non_dropping_particle,
            add_givenname: self.style.citation.disambiguate_add_givenname,
            full_givennames: self.style.citation.givenname_disambiguation_rule.allows_full_first_names(),
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
        Ctx {
            shared,
            item,
            kind: item.kind.parse::<Kind>().ok(),
            mode,
            cite,
            name_options,
            citation_number,
            disamb,
            suppressed: RefCell::new(HashSet::new()),
            names_override: None,
            sort_plain_names: false,
            english: Cell::new(language.is_empty() || language.to_ascii_lowercase().starts_with("en")),
            printed_year_suffix: RefCell::new(false),
            suppress_author: Cell::new(false),
            author: RefCell::new(None),
            author_key: RefCell::new(None),
            rendered: RefCell::new(None),
            in_names: Cell::new(false),
            ran_text_variable: Cell::new(false),
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

/// Whether a citation layout tests `disambiguate="true"` anywhere.
fn tests_disambiguate(elements: &[LayoutRenderingElement], macros: &HashMap<String, CslMacro>) -> bool {
    let test = |e: &LayoutRenderingElement| match e {
        LayoutRenderingElement::Choose(c) => c.branches().any(|b| b.disambiguate.is_some()),
        _ => false,
    };
    any_element(elements, macros, &test, 0)
}

/// Whether the style prints the `year-suffix` variable anywhere.
fn uses_year_suffix(style: &IndependentStyle, macros: &HashMap<String, CslMacro>) -> bool {
    let test = |e: &LayoutRenderingElement| match e {
        LayoutRenderingElement::Text(t) => {
            matches!(&t.target, TextTarget::Variable { var, .. } if crate::render::name_of(*var) == "year-suffix")
        }
        _ => false,
    };
    any_element(&style.citation.layout.elements, macros, &test, 0)
        || style.bibliography.as_ref().is_some_and(|b| any_element(&b.layout.elements, macros, &test, 0))
}
