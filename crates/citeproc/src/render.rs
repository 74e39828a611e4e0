//! Evaluates a style's rendering elements for one item: text, number, label,
//! group and choose here; names and dates in their own modules.

use crate::item::Item;
use crate::locale::Terms;
use crate::output::{self, Marks, Piece, Run};
use crate::{blobs, dates, names, numbers, text};
use citationberg::taxonomy::{
    Kind, Locator, NumberOrPageVariable, NumberVariable, OtherTerm, StandardVariable, Term, Variable,
};
use citationberg::{
    Choose, ChooseBranch, CslMacro, Group, InheritableNameOptions, Label, LabelPluralize, LayoutRenderingElement,
    LongShortForm, PageRangeFormat, TermForm, TestPosition, Text, TextTarget, ToAffixes, ToFormatting,
};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// A variable's CSL name (`container-title`), made once per variable.
pub fn name_of(variable: impl Into<Variable>) -> &'static str {
    thread_local! {
        static NAMES: RefCell<crate::fast_hash::FastMap<Variable, &'static str>> = RefCell::default();
    }
    let variable = variable.into();
    NAMES.with(|names| {
        *names.borrow_mut().entry(variable).or_insert_with(|| Box::leak(variable.to_string().into_boxed_str()))
    })
}

/// Takes the terminal punctuation and spaces a text opens with (`: The
/// program`) out of it, as citeproc-js does with every string it is given:
/// they become part of the prefix, outside the element's formatting and
/// quotes (`: <i>The program</i>`). With a text case, citeproc-js cases the
/// string as it was given, so the marks print twice (`: <i>: The
/// Program</i>`): `keep` leaves them in the text too. A text that opens with
/// markup or a space, or that is nothing but punctuation, keeps them.
fn leading_punctuation(run: &mut Run, keep: bool) -> Option<String> {
    let more = run.iter().skip(1).any(|p| !p.text.is_empty() && !p.kind.is_zero_width());
    let first = run.first_mut().filter(|p| {
        let plain = output::Style {
            data: p.style.data,
            term: p.style.term,
            decorated_end: p.style.decorated_end,
            after_decoration: p.style.after_decoration,
            number_end: p.style.number_end,
            ..Default::default()
        };
        p.kind == output::Kind::Text && !p.nocase && p.style == plain
    })?;
    if first.text.starts_with(' ') {
        return None;
    }
    let end = first.text.find(|c: char| !matches!(c, ':' | '.' | ';' | '!' | '?' | ' ')).unwrap_or(first.text.len());
    if end == 0 || (end == first.text.len() && !more) {
        return None;
    }
    let lead = first.text[..end].to_string();
    if !keep {
        first.text.drain(..end);
    }
    Some(lead)
}

/// A space before `:`, `;`, `?`, `!` or `»` and after `«` becomes a narrow
/// no-break space, as citeproc-js writes every text it prints (a French
/// typographic habit it applies in every language).
fn narrow_spaces(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(' ') || !text.contains([':', ';', '?', '!', '»', '«']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 4);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' && chars.peek().is_some_and(|n| matches!(n, ':' | ';' | '?' | '!' | '»')) {
            out.push('\u{202f}');
        } else if c == '«' && chars.peek() == Some(&' ') {
            chars.next();
            out.push_str("«\u{202f}");
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The address of a DOI (as written, when it is one already).
fn doi_url(doi: &str) -> String {
    let doi = doi.trim();
    if doi.starts_with("http://") || doi.starts_with("https://") {
        doi.to_string()
    } else {
        format!("https://doi.org/{}", doi.trim_start_matches("doi:"))
    }
}

/// The variables that end an author-only cite, with names and dates
/// (citeproc-js's `MULTI_FIELDS`, which set `probably_rendered_something`).
const MULTI_FIELDS: &[&str] = &[
    "event",
    "publisher",
    "publisher-place",
    "event-place",
    "title",
    "container-title",
    "collection-title",
    "authority",
    "genre",
    "title-short",
    "medium",
    "country",
    "jurisdiction",
    "archive",
    "archive-place",
];

/// What a rendering is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A citation.
    Citation,
    /// A bibliography entry.
    Bibliography,
    /// A sort key: plain text, dates as sortable numbers.
    Sort,
}

/// A cite's own data: its position and locator.
#[derive(Debug, Clone, Default)]
pub struct Cite {
    /// Locator value.
    pub locator: Option<String>,
    /// Locator label (`page` when none was given).
    pub label: Option<Locator>,
    /// Positions that hold (`first`, `subsequent`, `ibid`, …).
    pub positions: Vec<TestPosition>,
    /// Note of the first cite of this item (note styles).
    pub first_note: Option<usize>,
}

/// What disambiguation has decided for an item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Disambiguation {
    /// Extra names to show beyond et-al-use-first.
    pub add_names: usize,
    /// At least this many names before et al. (the bibliography shows what
    /// the cites needed).
    pub min_names: usize,
    /// Given-name expansion per name position, when only some names need it.
    pub givenname_of: Vec<u8>,
    /// The `disambiguate="true"` condition holds.
    pub condition: bool,
    /// The year suffix letter(s).
    pub year_suffix: Option<String>,
}

/// The style's and locale's fixed parts a rendering reads.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    /// The locale.
    pub terms: &'a Terms,
    /// Quotation marks.
    pub marks: &'a Marks,
    /// Macros by name.
    pub macros: &'a HashMap<String, CslMacro>,
    /// Whether the style prints `year-suffix` itself; otherwise it follows
    /// the first year printed.
    pub explicit_year_suffix: bool,
    /// Each of the author's names is marked in the bibliography (a
    /// per-name `subsequent-author-substitute-rule`).
    pub mark_each_name: bool,
    /// Page range format.
    pub page_range_format: Option<PageRangeFormat>,
    /// `initialize-with-hyphen`.
    pub initialize_with_hyphen: bool,
    /// The citation's `disambiguate-add-givenname`.
    pub add_givenname: bool,
    /// The givenname rule allows whole given names (not only initials) for
    /// any name of a list: `all-names` and `by-cite`; under `primary-name`
    /// citeproc-js leaves the others as initials (`Wang, B., & Wang, B.`).
    pub full_givennames: bool,
    /// `demote-non-dropping-particle`.
    pub demote: citationberg::DemoteNonDroppingParticle,
    /// The affixes the first date range is wrapped in a second time.
    pub range_wrap: Option<&'a citationberg::Affixes>,
    /// Whether that range has been rendered.
    pub range_wrapped: &'a std::sync::atomic::AtomicBool,
}

/// Everything one rendering of one item needs.
pub struct Ctx<'a> {
    /// Style and locale (the item's own language's, where it is rendered
    /// in it).
    pub shared: Shared<'a>,
    /// The item.
    pub item: &'a Item,
    /// The item's type, read once.
    pub kind: Option<Kind>,
    /// What the rendering is for.
    pub mode: Mode,
    /// The cite, in citations.
    pub cite: Option<&'a Cite>,
    /// Name options inherited from style and layout.
    pub name_options: &'a InheritableNameOptions,
    /// The item's number in the bibliography.
    pub citation_number: Option<usize>,
    /// Disambiguation state.
    pub disamb: &'a Disambiguation,
    /// Variables already printed by a `substitute`: printed nowhere else.
    pub suppressed: RefCell<crate::fast_hash::FastSet<String>>,
    /// Sort keys: names-min, names-use-first, names-use-last overrides.
    pub names_override: Option<(Option<u32>, Option<u32>, Option<bool>)>,
    /// A sort key on a name variable: full names, no initials.
    pub sort_plain_names: bool,
    /// Whether English title case applies (the item's language; terms are
    /// always English-cased when the locale is).
    pub english: Cell<bool>,
    /// Set when a rendering in citation mode printed the year suffix.
    pub printed_year_suffix: RefCell<bool>,
    /// Leave out the first names element that prints (`suppress-author`).
    pub suppress_author: Cell<bool>,
    /// The first names element that printed, as printed.
    pub author: RefCell<Option<Run>>,
    /// While a substitute renders: the variables that printed.
    pub rendered: RefCell<Option<Vec<String>>>,
    /// The names the author shows (without et al.), for comparing authors.
    pub author_key: RefCell<Option<String>>,
    /// Inside a names element (its substitutes are part of it).
    pub in_names: Cell<bool>,
    /// Only the author (`author-only`): see [`Ctx::element`].
    pub author_only: Cell<bool>,
    /// In an author-only cite, a name, date or title printed: what follows
    /// prints nothing.
    pub author_done: Cell<bool>,
    /// When a cite tracks citeproc-js's numeric blobs (`blobs.rs`): each
    /// blob's integer, by id.
    pub numerals: RefCell<Option<Vec<Option<u64>>>>,
    /// What cite collapsing reads from and writes to a cite's rendering.
    pub collapsing: RefCell<Collapsing>,
}

/// A cite's part in collapsing its cluster (citations only): the years it
/// prints, whether it evaluated a text variable, and, under
/// `collapse="year-suffix"`, the years it leaves out and its tagged suffix.
#[derive(Debug, Clone, Default)]
pub struct Collapsing {
    /// `collapse="year-suffix"` or `"year-suffix-ranged"` with
    /// `disambiguate-add-year-suffix`: years are recorded, year suffixes
    /// tagged, and `previous_years` left out.
    pub year_suffix: bool,
    /// The years the previous cite by the same author printed: a year equal
    /// to the one printed at its place is left out, so that only its suffix
    /// prints (citeproc-js compares the years in the order printed).
    pub previous_years: Option<Vec<i32>>,
    /// The years this cite printed, in order.
    pub years: Vec<i32>,
    /// A `cs:text` of a variable (other than the locator, the citation
    /// number, the year suffix and the citation label) was evaluated, set
    /// or empty: citeproc-js then no longer counts the cite as collapsed.
    pub text_variable: bool,
}

impl Collapsing {
    /// Records a year about to print; whether to leave it out.
    pub fn drop_year(&mut self, year: i32) -> bool {
        if !self.year_suffix {
            return false;
        }
        self.years.push(year);
        self.previous_years.as_ref().and_then(|years| years.get(self.years.len() - 1)) == Some(&year)
    }
}

/// Whether the variables an element called were empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Called {
    /// No variable was called.
    Nothing,
    /// Variables were called and all were empty.
    Empty,
    /// At least one called variable had a value.
    Something,
}

impl Called {
    fn merge(self, other: Called) -> Called {
        match (self, other) {
            (Called::Something, _) | (_, Called::Something) => Called::Something,
            (Called::Empty, _) | (_, Called::Empty) => Called::Empty,
            _ => Called::Nothing,
        }
    }
}

/// A rendered element and whether its variables were there.
pub type Rendered = (Run, Called);

impl<'a> Ctx<'a> {
    /// Renders a list of elements, concatenated.
    pub fn elements(&self, elements: &[LayoutRenderingElement], delimiter: &str) -> Rendered {
        let mut runs = Vec::with_capacity(elements.len());
        let mut called = Called::Nothing;
        self.collect(elements, &mut runs, &mut called);
        (blobs::join(runs, delimiter), called)
    }

    /// Renders elements one run each; a `cs:choose` contributes the runs of
    /// its branch's children, so the enclosing delimiter goes between them
    /// (as citeproc-js does).
    fn collect(&self, elements: &[LayoutRenderingElement], runs: &mut Vec<Run>, called: &mut Called) {
        for element in elements {
            if let LayoutRenderingElement::Choose(choose) = element {
                if let Some(children) = self.branch(choose) {
                    self.collect(children, runs, called);
                }
                continue;
            }
            let (run, c) = self.element(element);
            *called = called.merge(c);
            runs.push(run);
        }
    }

    /// The children of the branch a `cs:choose` takes.
    pub(crate) fn branch<'c>(&self, choose: &'c Choose) -> Option<&'c [LayoutRenderingElement]> {
        for branch in choose.branches() {
            if self.test(branch) {
                return Some(&branch.children);
            }
        }
        choose.otherwise.as_ref().map(|o| o.children.as_slice())
    }

    /// Renders one element; for an author-only cite, as citeproc-js's
    /// `element_trace` does: `text` and `number` elements print nothing
    /// (outside a names element's substitute), and a date or names element
    /// prints only when no name, date or title (printed or not) came before.
    /// What does not print still counts as printed, so labels, delimiters and
    /// the affixes of the groups around it stay.
    pub fn element(&self, element: &LayoutRenderingElement) -> Rendered {
        let (run, called) = self.element_itself(element);
        if !self.author_only.get() || self.in_names.get() {
            return (run, called);
        }
        match element {
            LayoutRenderingElement::Text(text) => match &text.target {
                TextTarget::Macro { .. } => (run, called),
                TextTarget::Variable { var, .. } => {
                    // A title sets citeproc-js's `probably_rendered_something`.
                    if MULTI_FIELDS.contains(&name_of(*var)) && !output::is_empty(&run) {
                        self.author_done.set(true);
                    }
                    (Run::new(), called)
                }
                _ => (Run::new(), called),
            },
            LayoutRenderingElement::Number(_) => (Run::new(), called),
            LayoutRenderingElement::Date(_) | LayoutRenderingElement::Names(_) => {
                if self.author_done.get() {
                    return (Run::new(), called);
                }
                if !output::is_empty(&run) {
                    self.author_done.set(true);
                }
                (run, called)
            }
            _ => (run, called),
        }
    }

    fn element_itself(&self, element: &LayoutRenderingElement) -> Rendered {
        match element {
            LayoutRenderingElement::Text(text) => self.text(text),
            LayoutRenderingElement::Date(date) => dates::render(self, date),
            LayoutRenderingElement::Number(number) => numbers::render(self, number),
            LayoutRenderingElement::Names(names) => names::render(self, names),
            LayoutRenderingElement::Label(label) => (self.label(label), Called::Nothing),
            LayoutRenderingElement::Group(group) => self.group(group),
            LayoutRenderingElement::Choose(choose) => self.choose(choose),
        }
    }

    /// Applies an element's finishing: case, quotes, formatting, affixes, display.
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        &self,
        run: &mut Run,
        strip_periods: bool,
        case: Option<citationberg::TextCase>,
        quotes: bool,
        formatting: &citationberg::Formatting,
        affixes: &citationberg::Affixes,
        display: Option<citationberg::Display>,
    ) {
        self.finish_as(run, strip_periods, case, quotes, formatting, affixes, display, true);
    }

    /// [`Ctx::finish`] for any element; `leaf` elements print a string of
    /// their own, and citeproc-js drops their italics when that string has
    /// no Latin (or similar) letter.
    #[allow(clippy::too_many_arguments)]
    pub fn finish_as(
        &self,
        run: &mut Run,
        strip_periods: bool,
        case: Option<citationberg::TextCase>,
        quotes: bool,
        formatting: &citationberg::Formatting,
        affixes: &citationberg::Affixes,
        display: Option<citationberg::Display>,
        leaf: bool,
    ) {
        if output::is_empty(run) {
            run.clear();
            return;
        }
        if self.mode == Mode::Sort {
            if strip_periods {
                for piece in run.iter_mut().filter(|p| p.kind == output::Kind::Text) {
                    text::strip_periods(&mut piece.text);
                }
            }
            return;
        }
        let lead = if leaf { leading_punctuation(run, case.is_some()) } else { None };
        // citeproc-js cases the text, then strips its periods.
        if let Some(case) = case {
            text::apply_case(run, case, self.english.get());
        }
        if strip_periods {
            for piece in run.iter_mut().filter(|p| p.kind == output::Kind::Text) {
                text::strip_periods(&mut piece.text);
            }
        }
        let blob = run.iter().any(|p| p.style.numeral != 0).then(|| blobs::single(run));
        if leaf && formatting.font_style.is_some() && !text::romanesque(&output::plain(run)) {
            let upright = citationberg::Formatting { font_style: None, ..*formatting };
            output::format(run, &upright);
        } else {
            output::format(run, formatting);
        }
        let decorated = !formatting.is_empty();
        output::mark_decoration(run, decorated);
        if quotes {
            output::quote(run, self.shared.marks);
        }
        if let Some(lead) = lead {
            run.insert(0, Piece::text(lead));
        }
        output::affix(run, affixes.prefix.as_deref(), affixes.suffix.as_deref());
        if let Some(single) = blob {
            let prefix = affixes.prefix.as_deref().is_some_and(|p| !p.is_empty());
            let folds = quotes || !formatting.is_empty() || affixes.suffix.as_deref().is_some_and(|s| !s.is_empty());
            blobs::settle(run, single, prefix, folds);
        }
        if decorated
            && affixes.suffix.as_deref().is_some_and(|s| !s.is_empty())
            && let Some(suffix) = run.last_mut()
        {
            suffix.style.after_decoration = true;
        }
        if let Some(display) = display {
            output::block(run, display);
        }
    }

    /// The text of a variable, as a string (`None` when empty or suppressed).
    pub fn variable(&self, name: &str, short: bool) -> Option<String> {
        if self.suppressed.borrow().contains(name) {
            return None;
        }
        self.value(name, short)
    }

    /// The text of a variable, whether or not a `substitute` printed it.
    fn value(&self, name: &str, short: bool) -> Option<String> {
        match name {
            "citation-number" => return self.citation_number.map(|n| n.to_string()),
            "year-suffix" => {
                let suffix = self.disamb.year_suffix.clone();
                if suffix.is_some() {
                    *self.printed_year_suffix.borrow_mut() = true;
                }
                return suffix;
            }
            "locator" => return self.cite.and_then(|c| c.locator.clone()),
            "first-reference-note-number" => return self.cite.and_then(|c| c.first_note).map(|n| n.to_string()),
            _ => {}
        }
        if short {
            let short_name = format!("{name}-short");
            if let Some(value) = self.item.string(&short_name) {
                return Some(value.to_string());
            }
            if name == "title"
                && let Some(value) = self.item.string("shortTitle")
            {
                return Some(value.to_string());
            }
            if name == "container-title"
                && let Some(value) = self.item.string("journalAbbreviation")
            {
                return Some(value.to_string());
            }
        }
        self.item.string(name).map(str::to_string)
    }

    /// Notes that a variable printed (for `substitute`).
    pub fn note_rendered(&self, name: &str) {
        if let Some(list) = self.rendered.borrow_mut().as_mut() {
            list.push(name.to_string());
        }
    }

    /// Whether a variable has a value, as `variable="…"` tests it: a
    /// variable a `substitute` printed (and so prints nowhere else) still
    /// has one, as citeproc-js tests the item itself (Chicago's ibid of an
    /// edited book leaves out the title because there is an editor).
    pub fn has(&self, variable: Variable) -> bool {
        let name = name_of(variable);
        if self.suppressed.borrow().contains(name) {
            return true;
        }
        match variable {
            Variable::Name(_) => self.item.names.contains_key(name),
            Variable::Date(_) => self.item.dates.contains_key(name),
            _ => self.value(name, false).is_some(),
        }
    }

    fn text(&self, text: &Text) -> Rendered {
        // A number citeproc-js prints as a numeric blob: its integer.
        let mut blob: Option<Option<u64>> = None;
        let (mut run, called) = match &text.target {
            TextTarget::Variable { var, form } => {
                // (citeproc-js renders these four apart, without the check.)
                let apart = [
                    Variable::Number(NumberVariable::Locator),
                    Variable::Number(NumberVariable::CitationNumber),
                    Variable::Standard(StandardVariable::YearSuffix),
                    Variable::Standard(StandardVariable::CitationLabel),
                ];
                if self.mode == Mode::Citation && !apart.contains(var) {
                    self.collapsing.borrow_mut().text_variable = true;
                }
                let name = name_of(*var);
                let short = *form == LongShortForm::Short;
                let Some(value) = self.variable(name, short) else {
                    // citeproc-js counts `year-suffix` as printed even when
                    // there is none, so that a group (or macro) around it and
                    // a `no date` term stays.
                    let called = if name == "year-suffix" { Called::Something } else { Called::Empty };
                    return (Run::new(), called);
                };
                self.note_rendered(name);
                if blobs::is_blob_variable(name) && blobs::is_blob_value(&value) {
                    blob = Some(blobs::value(&value));
                }
                let ranged = match var {
                    Variable::Page(_) => true,
                    Variable::Number(_) => numbers::joins_ranges(name) && value.contains(['-', '–']),
                    _ => false,
                };
                let run = match var {
                    // The fields citeproc-js reads as numbers: ranges joined
                    // as it joins them.
                    _ if ranged && self.mode != Mode::Sort => match numbers::field_ranges(self, name, &value) {
                        Some(text) => vec![Piece::text(text)],
                        None => return (Run::new(), Called::Empty),
                    },
                    Variable::Page(_) => numbers::page_range(self, &value),
                    Variable::Number(NumberVariable::Locator) => {
                        let is_page = self.cite.and_then(|c| c.label).is_none_or(|l| l == Locator::Page);
                        if is_page {
                            numbers::page_range(self, &value)
                        } else {
                            // Other locators join a numeric range with an
                            // en dash (`Ch. 2–4`), as citeproc-js does.
                            if numbers::is_numeric(&value) {
                                vec![Piece::text(numbers::ranges_with(self, &value))]
                            } else {
                                vec![Piece::text(value.clone())]
                            }
                        }
                    }
                    Variable::Standard(StandardVariable::URL | StandardVariable::DOI) => {
                        vec![Piece::text(value.clone())]
                    }
                    // A numeric value prints its ranges with an en dash.
                    Variable::Number(_) if numbers::is_numeric(&value) && value.contains('-') => {
                        vec![Piece::text(numbers::ranges_with(self, &value))]
                    }
                    _ => {
                        let mut run = text::rich(&narrow_spaces(&value), self.shared.marks);
                        for piece in &mut run {
                            piece.style.data = true;
                        }
                        run
                    }
                };
                if self.mode == Mode::Sort && matches!(var, Variable::Number(_)) {
                    return (vec![Piece::text(numbers::sort_key(&value))], Called::Something);
                }
                let mut run = run;
                if self.mode != Mode::Sort {
                    match var {
                        Variable::Number(NumberVariable::CitationNumber) => {
                            output::tag(&mut run, output::Tag::NumberStart, output::Tag::NumberEnd)
                        }
                        Variable::Standard(StandardVariable::URL) => {
                            output::tag(&mut run, output::Tag::LinkStart(value.trim().into()), output::Tag::LinkEnd)
                        }
                        Variable::Standard(StandardVariable::DOI) => {
                            output::tag(&mut run, output::Tag::LinkStart(doi_url(&value).into()), output::Tag::LinkEnd)
                        }
                        Variable::Standard(StandardVariable::YearSuffix) if self.collapsing.borrow().year_suffix => {
                            output::tag(&mut run, output::Tag::YearSuffixStart, output::Tag::YearSuffixEnd)
                        }
                        _ => {}
                    }
                }
                (run, Called::Something)
            }
            // A macro counts as a variable that is there when it prints
            // something (citeproc-js): a group around a macro that prints
            // only a term (`n.d.`) is kept.
            TextTarget::Macro { name } => match self.shared.macros.get(name) {
                Some(m) => {
                    let (run, called) = self.elements(&m.children, "");
                    // citeproc-js expands a macro call into a group: its
                    // labels and terms go when all its variables are empty.
                    if called == Called::Empty {
                        return (Run::new(), Called::Empty);
                    }
                    let called = if !output::is_empty(&run) {
                        Called::Something
                    } else if called == Called::Nothing {
                        Called::Nothing
                    } else {
                        Called::Empty
                    };
                    (run, called)
                }
                None => (Run::new(), Called::Nothing),
            },
            TextTarget::Term { term, form, plural } => {
                let value = self.term(*term, *form, *plural).unwrap_or_default();
                let mut piece = Piece::text(narrow_spaces(&value));
                // A term whose case the style sets (`ibid` in lowercase) is
                // not capitalized at the start of a note.
                piece.style.term = text.text_case.is_none();
                (vec![piece], Called::Nothing)
            }
            TextTarget::Value { val } => (text::rich(&narrow_spaces(val), self.shared.marks), Called::Nothing),
        };
        let leaf = !matches!(text.target, TextTarget::Macro { .. });
        let is_term = matches!(text.target, TextTarget::Term { .. });
        let english = self.english.get();
        if is_term {
            self.english.set(self.locale_english());
        }
        let affixes = &text.affixes;
        self.finish_as(
            &mut run,
            text.strip_periods,
            text.text_case,
            text.quotes,
            &text.formatting,
            affixes,
            text.display,
            leaf,
        );
        self.english.set(english);
        if let Some(value) = blob
            && let Some(values) = self.numerals.borrow_mut().as_mut()
            && !output::is_empty(&run)
        {
            values.push(value);
            blobs::mark(&mut run, u16::try_from(values.len()).unwrap_or(u16::MAX));
        }
        if let TextTarget::Variable { var, .. } = &text.target
            && matches!(var, Variable::Page(_) | Variable::Number(_))
            && self.variable(name_of(*var), false).is_some_and(|v| numbers::is_number_blob(name_of(*var), &v))
        {
            output::mark_number_end(&mut run);
        }
        (run, called)
    }

    /// A term's text.
    pub fn term(&self, term: Term, form: TermForm, plural: bool) -> Option<String> {
        self.shared.terms.text(term, form, plural).map(str::to_string)
    }

    fn label(&self, label: &Label) -> Run {
        let variable = Variable::from(label.variable);
        let (value, term): (Option<String>, Term) = match label.variable {
            // citeproc-js prints a locator's label, `page` by default, even
            // when the cite has no locator (`CSL.evaluateLabel`; the
            // specification prints labels only with their variable): the
            // group around it decides.
            NumberOrPageVariable::Number(NumberVariable::Locator) => {
                let Some(cite) = self.cite else { return Run::new() };
                let locator = cite.label.unwrap_or(Locator::Page);
                (Some(cite.locator.clone().unwrap_or_default()), Term::Locator(locator))
            }
            // A label for the volume of a work in several volumes (`3 vol`)
            // prints the volume term, as citeproc-js does.
            NumberOrPageVariable::Number(NumberVariable::Volume)
                if self.variable("volume", false).is_none() && self.variable("number-of-volumes", false).is_some() =>
            {
                (Some("1".to_string()), Term::from(label.variable))
            }
            _ => (self.variable(name_of(variable), false), Term::from(label.variable)),
        };
        let Some(value) = value else { return Run::new() };
        let plural = match label.label.plural {
            LabelPluralize::Always => true,
            LabelPluralize::Never => false,
            LabelPluralize::Contextual => {
                if variable.is_number_of_variable() {
                    value.trim().parse::<i64>().is_ok_and(|n| n != 1)
                } else {
                    // `213 and 235`, `213 et 235`: the locale's `and` joins
                    // numbers too.
                    let and = self.term(Term::Other(OtherTerm::And), TermForm::Long, false).unwrap_or_default();
                    let mut joined = value.replace(" and ", " & ");
                    if !and.is_empty() {
                        joined = joined.replace(&format!(" {and} "), " & ");
                    }
                    numbers::is_plural(&joined)
                }
            }
        };
        let Some(text) = self.term(term, label.label.form, plural) else { return Run::new() };
        let mut run = vec![Piece::text(text)];
        let english = self.english.replace(self.locale_english());
        self.finish(
            &mut run,
            label.label.strip_periods,
            label.label.text_case,
            false,
            &label.label.formatting,
            &label.label.affixes,
            None,
        );
        self.english.set(english);
        run
    }

    /// Whether the locale is English (terms are cased by the locale's
    /// language, not the item's).
    pub fn locale_english(&self) -> bool {
        self.shared.terms.lang.to_ascii_lowercase().starts_with("en")
    }

    fn group(&self, group: &Group) -> Rendered {
        let (mut run, called) = self.elements(&group.children, group.delimiter.as_deref().unwrap_or(""));
        if called == Called::Empty {
            return (Run::new(), Called::Empty);
        }
        self.finish_as(&mut run, false, None, false, &group.to_formatting(), &group.to_affixes(), group.display, false);
        let called = if output::is_empty(&run) { called } else { Called::Something.merge(called) };
        (run, if called == Called::Something { Called::Something } else { called })
    }

    fn choose(&self, choose: &Choose) -> Rendered {
        match self.branch(choose) {
            Some(children) => self.elements(children, ""),
            None => (Run::new(), Called::Nothing),
        }
    }

    fn test(&self, branch: &ChooseBranch) -> bool {
        let mut results: Vec<bool> = Vec::new();
        if let Some(d) = branch.disambiguate {
            results.push(d == self.disamb.condition);
        }
        if let Some(vars) = &branch.is_numeric {
            results.extend(vars.iter().map(|v| {
                let value = match v {
                    Variable::Number(NumberVariable::Locator) => self.cite.and_then(|c| c.locator.clone()),
                    _ => self.variable(name_of(*v), false),
                };
                value.is_some_and(|s| numbers::is_numeric(&s))
            }));
        }
        if let Some(vars) = &branch.is_uncertain_date {
            results.extend(vars.iter().map(|v| self.item.dates.get(name_of(*v)).is_some_and(|d| d.circa)));
        }
        if let Some(locators) = &branch.locator {
            let label = self.cite.filter(|c| c.locator.is_some()).map(|c| c.label.unwrap_or(Locator::Page));
            results.extend(
                locators
                    .iter()
                    .map(|l| label == Some(*l) || (matches!(l, Locator::Section) && label == Some(Locator::Section))),
            );
        }
        if let Some(positions) = &branch.position {
            results.extend(positions.iter().map(|p| match self.cite {
                Some(cite) if self.mode == Mode::Citation => cite.positions.contains(p),
                _ => false,
            }));
        }
        if let Some(kinds) = &branch.type_ {
            // citeproc-js tests a list of types as one test that any of them
            // passes, whatever `match` says (`type="thesis manuscript"` under
            // the default `all` is true of a thesis); the spec would test
            // each type, and no item is of two.
            results.push(kinds.iter().any(|k| self.kind == Some(*k)));
        }
        if let Some(vars) = &branch.variable {
            results.extend(vars.iter().map(|v| self.has(*v)));
        }
        if results.is_empty() {
            return false;
        }
        branch.match_.test(results.into_iter())
    }
}

#[cfg(test)]
mod tests {
    use super::narrow_spaces;
    use crate::item::Item;
    use crate::{CiteInput, Processor};

    /// Groups as citeproc-js keeps or drops them: a macro call is a group, a
    /// locator's label prints without a locator, `year-suffix` counts as
    /// printed; and a substituted variable still tests as present.
    #[test]
    fn labels_macros_and_year_suffix_as_citeproc_js_groups_them() {
        let style = |layout: &str| {
            format!(
                r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">
                <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
                <locale><terms><term name="page" form="short"><single>p.</single><multiple>pp.</multiple></term>
                  <term name="no date" form="short">n.d.</term></terms></locale>
                <macro name="locator"><label variable="locator" form="short" prefix=", " suffix=" "/>
                  <text variable="locator"/></macro>
                <macro name="date"><choose><if variable="issued"><date variable="issued">
                  <date-part name="year"/></date></if><else><text term="no date" form="short"/></else></choose>
                  <text variable="year-suffix"/></macro>
                <citation><layout><text variable="title"/>{layout}</layout></citation></style>"#
            )
        };
        let cases = [
            // The macro's variables are all empty: its label goes too.
            (r#"<text macro="locator"/>"#, None, "T"),
            (r#"<text macro="locator"/>"#, Some("3"), "T, p. 3"),
            // In a group that prints a variable, the label stays.
            (
                r#"<group delimiter=" "><text variable="volume"/><label variable="locator" form="short"/></group>"#,
                None,
                "T2 p.",
            ),
            // `no date` and an empty year suffix.
            (r#"<text macro="date" prefix=", "/>"#, None, "T, n.d."),
            // A variable a substitute printed still tests as there.
            (
                r#"<text value=" "/><names variable="author"><substitute><text variable="volume"/></substitute></names>
                  <choose><if variable="volume"><text value=" (has a volume)"/></if></choose>"#,
                None,
                "T 2 (has a volume)",
            ),
        ];
        let item =
            Item::from_json(&serde_json::json!({"id": "a", "type": "book", "title": "T", "volume": "2"})).unwrap();
        for (layout, locator, expected) in cases {
            let processor =
                Processor::new(&style(layout), &std::collections::HashMap::<String, String>::new(), None, &|_| None)
                    .unwrap();
            let cite = CiteInput { id: "a".into(), locator: locator.map(str::to_string), ..Default::default() };
            let out = processor.render(std::slice::from_ref(&item), &[vec![cite]], false);
            assert_eq!(crate::html(&out.citations[0]), expected, "{layout}");
        }
    }

    use crate::engine::testing::bibliography;
    use serde_json::json;

    #[test]
    fn leading_punctuation_moves_out_of_the_formatting() {
        let item = json!([{"id": "a", "type": "book", "title": ": the program"}]);
        // (title element, as citeproc-js prints it)
        let cases = [
            (r#"<text variable="title" font-style="italic"/>"#, ": <i>the program</i>"),
            (r#"<text variable="title" quotes="true"/>"#, ": “the program”"),
            // With a text case the whole title is cased again: twice.
            (r#"<text variable="title" font-style="italic" text-case="uppercase"/>"#, ": <i>: THE PROGRAM</i>"),
        ];
        for (layout, want) in cases {
            assert_eq!(bibliography("", "", layout, item.clone()), [want], "{layout}");
        }
    }

    #[test]
    fn a_list_of_types_is_one_test() {
        let layout = r#"<choose><if type="thesis manuscript"><text value="any"/></if><else><text value="none"/></else></choose>"#;
        let item = json!([{"id": "a", "type": "thesis", "title": "A"}]);
        assert_eq!(bibliography("", "", layout, item), ["any"]);
    }

    #[test]
    fn an_empty_year_suffix_leaves_a_group_alone() {
        let layout =
            r#"<group prefix="(" suffix=")"><text value="n.d."/><text variable="year-suffix" prefix="-"/></group>"#;
        let item = json!([{"id": "a", "type": "book", "title": "A"}]);
        assert_eq!(bibliography("", "", layout, item), ["(n.d.)"]);
    }

    #[test]
    fn a_substituted_variable_is_still_there_for_tests() {
        let layout = r#"<group delimiter="|"><names variable="author"><substitute><names variable="editor"/></substitute></names>
            <choose><if variable="editor"><text value="editor"/></if><else><text value="none"/></else></choose>
            <names variable="editor"/></group>"#;
        let item = json!([{"id": "a", "type": "book", "editor": [{"family": "Doe", "given": "J."}]}]);
        assert_eq!(bibliography("", "", layout, item), ["J. Doe|editor"]);
    }

    #[test]
    fn spaces_before_high_punctuation_narrow_as_in_citeproc_js() {
        for (text, want) in [
            ("TeX and : New directions", "TeX and\u{202f}: New directions"),
            ("Why ? Because ; so !", "Why\u{202f}? Because\u{202f}; so\u{202f}!"),
            ("« Le dessin »", "«\u{202f}Le dessin\u{202f}»"),
            ("Title: subtitle", "Title: subtitle"),
            ("no punctuation here", "no punctuation here"),
        ] {
            assert_eq!(narrow_spaces(text), want, "{text:?}");
        }
    }
}
