//! `cs:names`: name lists with et-al rules, initials, sort order, particles,
//! labels, `substitute`, and the disambiguation expansions.

use crate::item::Name;
use crate::output::{self, Piece, Run};
use crate::render::{Called, Ctx, Mode, Rendered};
use crate::text;
use citationberg::taxonomy::{NameVariable, OtherTerm, Term};
use citationberg::{
    DelimiterBehavior, DemoteNonDroppingParticle, EtAlTerm, LayoutRenderingElement, NameAnd, NameAsSortOrder, NameForm,
    NameLabelPosition, NameOptions, Names, NamesChild, TestPosition, ToAffixes, ToFormatting, VariablelessLabel,
};

/// Renders a `cs:names` element. The first one that prints is the
/// entry's author: remembered for grouping and substitution, left out for
/// `suppress-author`, and marked in the output.
pub fn render(ctx: &Ctx, names: &Names) -> Rendered {
    if ctx.in_names.get() || ctx.mode == Mode::Sort || ctx.author.borrow().is_some() {
        let (mut run, called) = render_names(ctx, names);
        if !ctx.in_names.get() {
            run.retain(|p| !matches!(p.kind, output::Kind::Mark(_)));
        }
        return (run, called);
    }
    ctx.in_names.set(true);
    let (mut run, called) = render_names(ctx, names);
    ctx.in_names.set(false);
    if output::is_empty(&run) {
        return (run, called);
    }
    *ctx.author.borrow_mut() = Some(run.clone());
    if ctx.suppress_author.get() {
        return (Run::new(), Called::Nothing);
    }
    if !run.iter().any(|p| p.kind == output::Kind::Mark(true)) {
        // A substitute that is not names (a title): all of it is the author.
        run.insert(0, mark(true));
        run.push(mark(false));
    }
    (run, called)
}

/// Where the author's names start (`true`) or end.
fn mark(start: bool) -> Piece {
    Piece { text: Default::default(), style: Default::default(), nocase: true, kind: output::Kind::Mark(start) }
}

fn render_names(ctx: &Ctx, names: &Names) -> Rendered {
    let mut lists: Vec<(String, &[Name])> = Vec::new();
    for variable in &names.variable {
        let key = crate::render::name_of(*variable).to_string();
        if ctx.suppressed.borrow().contains(&key) {
            continue;
        }
        if let Some(list) = ctx.item.names.get(&key) {
            lists.push((key, list.as_slice()));
        }
    }
    if lists.is_empty() {
        return substitute(ctx, names);
    }
    // An editor who is also the translator is named once, as both.
    if let (Some(e), Some(t)) =
        (lists.iter().position(|(k, _)| k == "editor"), lists.iter().position(|(k, _)| k == "translator"))
        && lists[e].1 == lists[t].1
        && names.label().is_some()
        && names.variable.len() == 2
    {
        lists[e].0 = "editortranslator".into();
        lists.remove(t);
    }

    let inherited = ctx.name_options.apply(&names.options());
    let default_name = citationberg::Name::default();
    let name_element = names.name().unwrap_or(&default_name);
    let options = name_element.options(&inherited);

    if options.form == NameForm::Count {
        let total: usize = lists.iter().map(|(_, list)| shown(ctx, &options, list).0.len()).sum();
        if total == 0 {
            return (Run::new(), Called::Empty);
        }
        let mut run = vec![Piece::text(total.to_string())];
        ctx.finish(&mut run, false, None, false, &names.to_formatting(), &names.to_affixes(), names.display);
        return (run, Called::Something);
    }

    for (variable, _) in &lists {
        ctx.note_rendered(variable);
    }
    let mut runs = Vec::new();
    let count = lists.len();
    for (n, (variable, list)) in lists.iter().enumerate() {
        let mut run = name_list(ctx, &options, name_element, names, list);
        // The marks hold the names alone: citeproc-js's
        // `subsequent-author-substitute` keeps the label (`———, ed.`) and the
        // affixes of `cs:names`.
        if n == 0 {
            run.insert(0, mark(true));
        }
        if n + 1 == count {
            run.push(mark(false));
        }
        if let Some((label, position)) = names.label() {
            let plural = list.len() > 1;
            let label_run = names_label(ctx, label, variable, plural);
            if !output::is_empty(&label_run) {
                match position {
                    NameLabelPosition::BeforeName => {
                        let mut with = label_run;
                        with.extend(run);
                        run = with;
                    }
                    NameLabelPosition::AfterName => run.extend(label_run),
                }
            }
        }
        runs.push(run);
    }
    let delimiter = inherited.names_delimiter.clone().unwrap_or_default();
    let mut run = output::join(runs, &delimiter);
    ctx.finish(&mut run, false, None, false, &names.to_formatting(), &names.to_affixes(), names.display);
    (run, Called::Something)
}

fn substitute(ctx: &Ctx, names: &Names) -> Rendered {
    let Some(substitute) = names.substitute() else { return (Run::new(), Called::Empty) };
    for child in &substitute.children {
        let outer = ctx.rendered.replace(Some(Vec::new()));
        let (run, called) = substitute_element(ctx, names, child);
        let used = ctx.rendered.replace(outer).unwrap_or_default();
        if !output::is_empty(&run) {
            // What the substitute printed is printed nowhere else.
            let mut suppressed = ctx.suppressed.borrow_mut();
            for variable in used {
                suppressed.insert(variable);
            }
            if let Some(outer) = ctx.rendered.borrow_mut().as_mut() {
                outer.extend(suppressed.iter().cloned());
            }
            return (run, called);
        }
    }
    (Run::new(), Called::Empty)
}

/// One element of a `substitute`: a `cs:names` inherits the name and et al.
/// of the names it stands in for, also inside a `cs:choose`.
fn substitute_element(ctx: &Ctx, names: &Names, element: &LayoutRenderingElement) -> Rendered {
    match element {
        LayoutRenderingElement::Names(inner) if inner.children.is_empty() => {
            // An empty `cs:names` only names other variables: citeproc-js
            // renders them with the whole of the element it stands in for
            // (its formatting, affixes and delimiter; the empty element's
            // own are dropped, `NameOutput.reinit`).
            let merged = names.from_names_substitute(&Names::with_variables(inner.variable.clone()));
            render_names(ctx, &merged)
        }
        LayoutRenderingElement::Names(inner) => {
            let merged = names.from_names_substitute(inner);
            render_names(ctx, &merged)
        }
        LayoutRenderingElement::Choose(choose) => {
            let Some(children) = ctx.branch(choose) else { return (Run::new(), Called::Nothing) };
            let mut runs = Vec::new();
            let mut called = Called::Nothing;
            for child in children {
                let (run, c) = substitute_element(ctx, names, child);
                if c == Called::Something {
                    called = Called::Something;
                } else if called == Called::Nothing {
                    called = c;
                }
                runs.push(run);
            }
            (output::join(runs, ""), called)
        }
        other => ctx.element(other),
    }
}

fn names_label(ctx: &Ctx, label: &VariablelessLabel, variable: &str, plural: bool) -> Run {
    let term = match variable {
        "editortranslator" => Term::NameVariable(NameVariable::EditorTranslator),
        other => match serde_json::from_value::<NameVariable>(serde_json::Value::String(other.to_string())) {
            Ok(v) => Term::NameVariable(v),
            Err(_) => return Run::new(),
        },
    };
    let plural = match label.plural {
        citationberg::LabelPluralize::Always => true,
        citationberg::LabelPluralize::Never => false,
        citationberg::LabelPluralize::Contextual => plural,
    };
    if ctx.mode == Mode::Sort {
        return Run::new();
    }
    let Some(text) = ctx.term(term, label.form, plural) else { return Run::new() };
    let mut run = vec![Piece::text(text)];
    let english = ctx.english.replace(ctx.locale_english());
    ctx.finish(&mut run, label.strip_periods, label.text_case, false, &label.formatting, &label.affixes, None);
    ctx.english.set(english);
    run
}

/// The names shown and whether et al. follows.
fn shown<'n>(ctx: &Ctx, options: &NameOptions, list: &'n [Name]) -> (Vec<&'n Name>, bool, bool) {
    let mut names: Vec<&Name> = list.iter().collect();
    // A literal `others` is a name like any other here, as in citeproc-js:
    // readers turn BibTeX's `and others` into more names or into et al.
    let subsequent =
        ctx.mode == Mode::Citation && ctx.cite.is_some_and(|c| c.positions.iter().any(|p| *p != TestPosition::First));
    let (mut min, mut first) = if subsequent {
        (
            options.et_al_subsequent_min.or(options.et_al_min),
            options.et_al_subsequent_use_first.or(options.et_al_use_first),
        )
    } else {
        (options.et_al_min, options.et_al_use_first)
    };
    let mut use_last = options.et_al_use_last;
    if let Some((names_min, names_first, names_last)) = ctx.names_override {
        min = names_min.or(min);
        first = names_first.or(first);
        use_last = names_last.unwrap_or(use_last);
    }
    let total = names.len();
    let mut truncated = false;
    let mut last = false;
    if let (Some(min), Some(first)) = (min, first)
        && total >= min as usize
        && (first as usize) < total
    {
        let keep = (first as usize + ctx.disamb.add_names).max(ctx.disamb.min_names).min(total);
        if keep < total {
            truncated = true;
            if use_last && keep + 1 < total {
                last = true;
                let final_name = names[total - 1];
                names.truncate(keep);
                names.push(final_name);
            } else {
                names.truncate(keep);
            }
        }
    }
    (names, truncated, last)
}

fn name_list(ctx: &Ctx, options: &NameOptions, element: &citationberg::Name, names: &Names, list: &[Name]) -> Run {
    let (shown, et_al, use_last) = shown(ctx, options, list);
    let count = shown.len();
    if ctx.author_key.borrow().is_none() && ctx.in_names.get() {
        let key: Vec<String> = shown.iter().map(|n| format!("{}|{}|{}", n.family, n.given, n.literal)).collect();
        *ctx.author_key.borrow_mut() = Some(key.join(";"));
    }
    let sort_mode = ctx.mode == Mode::Sort;
    let mut parts: Vec<Run> = Vec::with_capacity(count);
    for (index, name) in shown.iter().enumerate() {
        let inverted = sort_mode
            || match options.name_as_sort_order {
                Some(NameAsSortOrder::All) => true,
                Some(NameAsSortOrder::First) => index == 0,
                None => false,
            };
        let mut expand = ctx.disamb.givenname_of.get(index).copied().unwrap_or(0);
        // Two people of one list who would print alike (`Kim, S.` twice) get
        // their given names in full, as citeproc-js prints them.
        if ctx.mode == Mode::Bibliography
            && ctx.shared.add_givenname
            && ctx.shared.full_givennames
            && let Some(with) = options.initialize_with
        {
            let mine = initials(&name.given, with, true, ctx.shared.initialize_with_hyphen);
            let twin = shown.iter().any(|other| {
                other.family == name.family
                    && other.given != name.given
                    && initials(&other.given, with, true, ctx.shared.initialize_with_hyphen) == mine
            });
            if twin {
                expand = 2;
            }
        }
        // The name element's formatting and affixes go on each name, not on
        // the delimiters between them (citeproc-js).
        let mut one = one_name(ctx, options, element, name, inverted, expand);
        name_finish(&mut one, element);
        if ctx.shared.mark_each_name && ctx.mode == Mode::Bibliography && ctx.in_names.get() {
            let mark = |start| Piece {
                text: Default::default(),
                style: Default::default(),
                nocase: true,
                kind: output::Kind::Name(start),
            };
            one.insert(0, mark(true));
            one.push(mark(false));
        }
        parts.push(one);
    }
    let inverted_at = |i: usize| {
        sort_mode
            || match options.name_as_sort_order {
                Some(NameAsSortOrder::All) => true,
                Some(NameAsSortOrder::First) => i == 0,
                None => false,
            }
    };
    let and_term = if sort_mode {
        None
    } else {
        match options.and {
            Some(NameAnd::Text) => ctx.term(Term::Other(OtherTerm::And), citationberg::TermForm::Long, false),
            Some(NameAnd::Symbol) => Some("&".to_string()),
            None => None,
        }
    };
    let delimiter = options.delimiter;
    let mut run = Run::new();
    let real = if use_last { count - 1 } else { count };
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            if use_last && i == count - 1 {
                run.push(Piece::text(format!("{delimiter}… ")));
                run.extend(part);
                continue;
            }
            let is_last = i == real - 1 && !et_al;
            if is_last && let Some(and) = &and_term {
                // Before a literal name (an institution, or `others`)
                // citeproc-js joins by its `cs:institution`'s rule, which is
                // `contextual` unless the style sets it there (`Doe, John and
                // others` though the name says `always`), with the delimiter
                // also after an inverted person under `after-inverted-name`
                // (a literal name is never inverted).
                let after_inverted = inverted_at(i - 1) && shown[i - 1].literal.is_empty();
                let with_delimiter = match options.delimiter_precedes_last {
                    DelimiterBehavior::AfterInvertedName if !shown[i].literal.is_empty() => real >= 3 || after_inverted,
                    _ if !shown[i].literal.is_empty() => real >= 3,
                    DelimiterBehavior::Contextual => real >= 3,
                    DelimiterBehavior::AfterInvertedName => after_inverted,
                    DelimiterBehavior::Always => true,
                    DelimiterBehavior::Never => false,
                };
                if with_delimiter {
                    run.push(Piece::text(format!("{delimiter}{and} ")));
                } else {
                    run.push(Piece::text(format!(" {and} ")));
                }
            } else {
                run.push(Piece::text(delimiter));
            }
        }
        run.extend(part);
    }
    if et_al && !use_last && !sort_mode {
        et_al_term(ctx, names, options, real, inverted_at(real - 1), &mut run);
        // citeproc-js wraps the names and the et-al term in the name
        // element's formatting and affixes once more (`_joinEtAl`): the
        // term takes the names' small caps, or an explicit
        // `font-variant:normal` of its own.
        name_finish(&mut run, element);
    }
    run
}

/// The name element's formatting and affixes.
fn name_finish(run: &mut Run, element: &citationberg::Name) {
    output::format(run, &element.to_formatting());
    let affixes = element.to_affixes();
    output::affix(run, affixes.prefix.as_deref(), affixes.suffix.as_deref());
}

/// Adds the et-al term after `real` names, the last of them `inverted` or
/// not.
fn et_al_term(ctx: &Ctx, names: &Names, options: &NameOptions, real: usize, inverted: bool, run: &mut Run) {
    let et_al_element = names.children.iter().find_map(|c| match c {
        NamesChild::EtAl(e) => Some(*e),
        _ => None,
    });
    let term = match et_al_element.map(|e| e.term).unwrap_or_default() {
        EtAlTerm::EtAl => OtherTerm::EtAl,
        EtAlTerm::AndOthers => OtherTerm::AndOthers,
    };
    let Some(text) = ctx.term(Term::Other(term), citationberg::TermForm::Long, false).filter(|t| !t.is_empty()) else {
        return;
    };
    let with_delimiter = match options.delimiter_precedes_et_al {
        DelimiterBehavior::Contextual => real >= 2,
        DelimiterBehavior::AfterInvertedName => inverted,
        DelimiterBehavior::Always => true,
        DelimiterBehavior::Never => false,
    };
    run.push(Piece::text(if with_delimiter { options.delimiter.to_string() } else { " ".to_string() }));
    let mut term_run = vec![Piece::text(text)];
    if let Some(e) = et_al_element {
        output::format(&mut term_run, &e.formatting);
    }
    run.extend(term_run);
}

/// One name in the form asked; `expand` is the disambiguation's given-name
/// level (1: initials, 2: full).
fn one_name(
    ctx: &Ctx,
    options: &NameOptions,
    element: &citationberg::Name,
    name: &Name,
    inverted: bool,
    expand: u8,
) -> Run {
    let marks = ctx.shared.marks;
    if name.is_literal() {
        let mut run = text::rich(&name.literal, marks);
        if let Some(part) = element.name_part_family() {
            part_finish(ctx, &mut run, part);
        }
        return run;
    }
    let mut form = if ctx.sort_plain_names { NameForm::Long } else { options.form };
    if form == NameForm::Short && expand > 0 {
        form = NameForm::Long;
    }
    let initialize_with = if expand == 2 { None } else { options.initialize_with };
    let initialize = options.initialize || expand == 1;
    let given = match initialize_with {
        // Chinese, Japanese and Korean given names are never initialized.
        Some(_) if name.is_cjk() => name.given.clone(),
        Some(with) if !ctx.sort_plain_names => {
            initials(&name.given, with, initialize, ctx.shared.initialize_with_hyphen)
        }
        _ => name.given.clone(),
    };
    // citeproc-js normalizes a suffix like initials: its closing period
    // becomes the `initialize-with` (`Jr.` → `Jr` with `""`).
    let suffix = match options.initialize_with {
        Some(with) if name.suffix.chars().count() > 1 && name.suffix.ends_with('.') => {
            format!("{}{with}", &name.suffix[..name.suffix.len() - 1]).trim_end().to_string()
        }
        _ => name.suffix.clone(),
    };
    let family_part = element.name_part_family();
    let given_part = element.name_part_given();
    let piece = |text: &str| text::rich(text, marks);
    let with_part = |mut run: Run, part: Option<&citationberg::NamePart>| {
        if let Some(part) = part {
            part_finish(ctx, &mut run, part);
        }
        run
    };

    if name.is_cjk() || name.static_ordering {
        // Family name first, no space for CJK scripts.
        let sep = if name.is_cjk() { "" } else { " " };
        let mut run = with_part(piece(&join_words(&[&name.non_dropping_particle, &name.family])), family_part);
        if form == NameForm::Long && !given.is_empty() {
            run.push(Piece::text(sep));
            run.extend(with_part(piece(&given), given_part));
        }
        return run;
    }

    // Each part is a blob of its own, as citeproc-js builds a name: the
    // particles take the decorations and case of the part they go with
    // (the dropping particle the given name's, the non-dropping one the
    // family name's), and a name-part's affixes go around the parts it
    // heads (`(de La Fontaine III)`).
    let part = |text: &str, with: Option<&citationberg::NamePart>| -> Run {
        if text.is_empty() {
            return Run::new();
        }
        let mut run = piece(text);
        if let Some(with) = with {
            ctx.finish(&mut run, false, with.text_case, false, &with.formatting, &Default::default(), None);
        }
        run
    };
    let headed = |mut run: Run, by: Option<&citationberg::NamePart>| -> Run {
        if let Some(by) = by {
            output::affix(&mut run, by.affixes.prefix.as_deref(), by.affixes.suffix.as_deref());
        }
        run
    };
    let ndp = part(&name.non_dropping_particle, family_part);
    let family = part(&name.family, family_part);
    // A non-dropping particle ending in an apostrophe, a hyphen or a space
    // joins the family name; so does a dropping one ending in an
    // apostrophe or a hyphen, but `de'` (citeproc-js).
    let ndp_joins = name.non_dropping_particle.ends_with(['\'', '’', '-', ' ']);
    let dp = &name.dropping_particle;
    let dp_joins = dp.ends_with(['\'', 'ʼ', '’', '-']) && dp.get(..dp.len() - 1) != Some("de");
    let particle_family = |ndp: Run, family: Run| join_parts([ndp, family], if ndp_joins { "" } else { " " });

    if form == NameForm::Short {
        return headed(particle_family(ndp, family), family_part);
    }
    let given = part(&given, given_part);
    let suffix = piece(&suffix);
    let dp_run = part(&name.dropping_particle, given_part);
    let demote = ctx.shared.demote;
    if inverted {
        let separator = options.sort_separator;
        let (first, second) = if demote == DemoteNonDroppingParticle::DisplayAndSort
            || (ctx.mode == Mode::Sort && demote == DemoteNonDroppingParticle::SortOnly)
        {
            (family, join_parts([join_parts([given, dp_run], " "), ndp], " "))
        } else {
            (particle_family(ndp, family), join_parts([given, dp_run], " "))
        };
        let names = join_parts([headed(first, family_part), headed(second, given_part)], separator);
        return join_parts([names, suffix], separator);
    }
    let second = if dp_joins && name.non_dropping_particle.is_empty() {
        join_parts([dp_run, family], "")
    } else {
        join_parts([dp_run, particle_family(ndp, family)], " ")
    };
    let second = join_parts([second, suffix], if name.comma_suffix { ", " } else { " " });
    join_parts([headed(given, given_part), headed(second, family_part)], " ")
}

/// The parts that print, joined (a name's parts: no list to allocate).
fn join_parts<const N: usize>(parts: [Run; N], with: &str) -> Run {
    let mut out = Run::new();
    for part in parts {
        if output::is_empty(&part) {
            continue;
        }
        if out.is_empty() {
            out = part;
            continue;
        }
        if !with.is_empty() {
            out.push(Piece::text(with));
        }
        out.extend(part);
    }
    out
}

fn part_finish(ctx: &Ctx, run: &mut Run, part: &citationberg::NamePart) {
    ctx.finish(run, false, part.text_case, false, &part.formatting, &part.affixes, None);
}

fn join_words(words: &[&str]) -> String {
    let mut out = String::new();
    for word in words.iter().filter(|w| !w.is_empty()) {
        if !out.is_empty() && !out.ends_with(['\'', '’']) {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `John Ronald` → `J. R.`; `Jean-Paul` → `J.-P.`. With `initialize="false"`
/// only names already given as initials are normalized. As citeproc-js
/// reads given names: a letter is an initial, a longer part written with a
/// period (`Ph.`, `Me.`) is an abbreviation kept as written, a lowercase
/// word (`de`) is a particle kept as written.
pub fn initials(given: &str, with: &str, initialize: bool, hyphen: bool) -> String {
    let mut out = String::new();
    for word in given.split(' ').filter(|w| !w.is_empty()) {
        // A lowercase word is a particle, and a word that does not start with
        // a letter (`"Quote"`, `<script>`) is no name to make initials of:
        // both stay as written.
        if word.chars().next().is_some_and(|c| c.is_lowercase() || !c.is_alphabetic()) {
            push_word(&mut out, word);
            continue;
        }
        // The word's parts between periods, and whether a period follows.
        let mut parts: Vec<(&str, bool)> = Vec::new();
        let mut rest = word;
        while !rest.is_empty() {
            match rest.find('.') {
                Some(dot) => {
                    if dot > 0 {
                        parts.push((&rest[..dot], true));
                    }
                    rest = &rest[dot + 1..];
                }
                None => {
                    parts.push((rest, false));
                    rest = "";
                }
            }
        }
        for (part, period) in parts {
            let pieces: Vec<&str> = part.split('-').filter(|w| !w.is_empty()).collect();
            let mut rendered = String::new();
            for (k, piece) in pieces.iter().enumerate() {
                // `Wen-tau`: a lowercase part after a hyphen is dropped where
                // initials keep their hyphen, and kept as a word where they
                // do not (`M jun`), as citeproc-js prints them.
                if k > 0 && piece.chars().next().is_some_and(char::is_lowercase) && initialize {
                    if !hyphen {
                        if !rendered.is_empty() && !rendered.ends_with(' ') {
                            rendered.push(' ');
                        }
                        rendered.push_str(piece);
                        rendered.push(' ');
                    }
                    continue;
                }
                if k > 0 && hyphen {
                    let trimmed = rendered.trim_end().len();
                    rendered.truncate(trimmed);
                    rendered.push('-');
                }
                let single = piece.chars().count() == 1;
                if single || (initialize && !period) {
                    let first: String = piece.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
                    rendered.push_str(&first);
                    rendered.push_str(with);
                } else if period {
                    // An abbreviation (`Ph.`) keeps its letters.
                    rendered.push_str(piece);
                    rendered.push_str(with);
                } else {
                    // A whole name after initials stands apart from them
                    // even without a space in `initialize-with` (`W Jackson`).
                    if !out.is_empty() && !out.ends_with(' ') && rendered.is_empty() {
                        out.push(' ');
                    }
                    rendered.push_str(piece);
                    rendered.push(' ');
                }
            }
            out.push_str(&rendered);
        }
    }
    out.trim_end().to_string()
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
    out.push_str(word);
    out.push(' ');
}

#[cfg(test)]
mod tests {
    use super::initials;
    use crate::engine::testing::bibliography;
    use serde_json::json;

    #[test]
    fn a_literal_last_name_joins_by_the_institution_rule() {
        let item = |names: serde_json::Value| json!([{"id": "a", "type": "book", "author": names}]);
        let person = json!({"family": "Doe", "given": "John"});
        let others = json!({"literal": "others"});
        let roe = json!({"family": "Roe", "given": "Jane"});
        // (delimiter-precedes-last, names, as citeproc-js joins them)
        let cases = [
            ("always", json!([person, others]), "Doe, John and others"),
            ("always", json!([person, roe]), "Doe, John, and Jane Roe"),
            ("never", json!([person, roe, others]), "Doe, John, Jane Roe, and others"),
            ("after-inverted-name", json!([person, others]), "Doe, John, and others"),
        ];
        for (rule, names, want) in cases {
            let layout = format!(
                r#"<names variable="author"><name and="text" delimiter=", " name-as-sort-order="first" delimiter-precedes-last="{rule}"/></names>"#
            );
            assert_eq!(bibliography("", "", &layout, item(names.clone())), [want], "{rule} {names}");
        }
    }

    #[test]
    fn a_suffix_ends_like_initials() {
        let item = json!([{"id": "a", "type": "book", "author": [{"family": "King", "given": "Martin Luther", "suffix": "Jr."}]}]);
        for (with, want) in [("", "ML King Jr"), (". ", "M. L. King Jr.")] {
            let layout = format!(r#"<names variable="author"><name initialize-with="{with}"/></names>"#);
            assert_eq!(bibliography("", "", &layout, item.clone()), [want], "{with:?}");
        }
    }

    #[test]
    fn the_subsequent_author_dash_keeps_the_label() {
        let layout = r#"<group delimiter=". "><names variable="author"><name/><label form="short" prefix=", "/>
            <substitute><names variable="editor"/></substitute></names><text variable="title"/></group>"#;
        let editor = json!([{"family": "Doe", "given": "John"}]);
        let items = json!([
            {"id": "a", "type": "book", "editor": editor, "title": "A"},
            {"id": "b", "type": "book", "editor": editor, "title": "B"},
        ]);
        assert_eq!(
            bibliography(r#"subsequent-author-substitute="———""#, "", layout, items),
            ["John Doe, ed. A", "———, ed. B"]
        );
    }

    use crate::item::Item;
    use crate::{CiteInput, Processor};
    use std::collections::HashMap;

    /// The citation of one item under a layout.
    fn cite(layout: &str, item: serde_json::Value) -> String {
        let style = format!(
            r#"<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
            <info><id>x</id><title>x</title><updated>2020-01-01T00:00:00+00:00</updated></info>
            <locale><terms><term name="et-al">et al.</term></terms></locale>
            <citation et-al-min="3" et-al-use-first="1"><layout>{layout}</layout></citation></style>"#
        );
        let processor = Processor::new(&style, &HashMap::<String, String>::new(), None, &|_| None).unwrap();
        let items = [Item::from_json(&item).unwrap()];
        let out = processor.render(&items, &[vec![CiteInput { id: "a".into(), ..Default::default() }]], false);
        crate::html(&out.citations[0])
    }

    /// Each part of a name is formatted on its own, the particles as the
    /// part they go with, and a name-part's affixes go around the parts it
    /// heads (checked against citeproc-js).
    #[test]
    fn name_parts_as_citeproc_js_builds_a_name() {
        let caps = "<span style=\"font-variant:small-caps;\">";
        let person = |dp: &str, ndp: &str, family: &str, given: &str, suffix: &str| {
            serde_json::json!({"id": "a", "type": "book", "author": [{
                "dropping-particle": dp, "non-dropping-particle": ndp, "family": family, "given": given, "suffix": suffix
            }]})
        };
        let cases = [
            (
                r#"<name-part name="family" prefix="(" suffix=")"/><name-part name="given" prefix="[" suffix="]"/>"#,
                person("de", "La", "Fontaine", "Jean", "III"),
                "[Jean] (de La Fontaine III)".to_string(),
            ),
            (
                r#"<name-part name="family" text-case="uppercase"/>"#,
                person("van", "der", "Meer", "Gerard", ""),
                "Gerard van DER MEER".to_string(),
            ),
            (
                r#"<name-part name="family" font-variant="small-caps"/>"#,
                person("", "van", "Roe", "Jane", ""),
                format!("Jane {caps}van</span> {caps}Roe</span>"),
            ),
        ];
        for (parts, item, want) in cases {
            let layout = format!(r#"<names variable="author"><name>{parts}</name></names>"#);
            assert_eq!(cite(&layout, item), want, "{parts}");
        }
    }

    /// The name element's formatting and affixes go on each name, and once
    /// more around the names and the et-al term (citeproc-js's `_joinEtAl`);
    /// an empty `cs:names` in a substitute takes the whole element it stands
    /// in for.
    #[test]
    fn name_formatting_as_citeproc_js_nests_it() {
        let people = |n: usize| -> serde_json::Value {
            ["Abe", "Baker", "Cole"][..n].iter().map(|f| serde_json::json!({"family": f, "given": "A."})).collect()
        };
        let caps = "<span style=\"font-variant:small-caps;\">";
        let normal = "<span style=\"font-variant:normal;\">";
        let short = r#"<name form="short" and="symbol" prefix="[" suffix="]" font-variant="small-caps"/>"#;
        let cases = [
            (
                format!(r#"<names variable="author">{short}</names>"#),
                serde_json::json!({"id": "a", "type": "book", "author": people(2)}),
                format!("[{caps}Abe</span>] &#38; [{caps}Baker</span>]"),
            ),
            (
                format!(r#"<names variable="author">{short}<et-al font-variant="normal"/></names>"#),
                serde_json::json!({"id": "a", "type": "book", "author": people(3)}),
                format!("[{caps}[{caps}Abe</span>] {normal}et al.</span></span>]"),
            ),
            (
                format!(
                    r#"<names variable="author" prefix="(" suffix=")">{short}<substitute>
                    <names variable="editor" font-style="italic" prefix="&lt;"/></substitute></names>"#
                ),
                serde_json::json!({"id": "a", "type": "book", "editor": people(1)}),
                format!("([{caps}Abe</span>])"),
            ),
        ];
        for (layout, item, want) in cases {
            assert_eq!(cite(&layout, item), want, "{layout}");
        }
    }

    #[test]
    fn initials_of_given_names() {
        let cases = [
            ("John Ronald", ". ", true, true, "J. R."),
            ("John Ronald", ".", true, true, "J.R."),
            ("Jean-Paul", ". ", true, true, "J.-P."),
            ("Jean-Paul", ".", true, false, "J.P."),
            ("Jean-Baptiste", " ", true, false, "J B"),
            ("J. R.", "", true, true, "JR"),
            ("Ph.M.E.", " ", true, true, "Ph M E"),
            ("ME.", ".", true, true, "ME."),
            ("ME", ".", false, true, "ME"),
            ("M E", ".", false, true, "M.E."),
            ("John M.E.", ".", false, true, "John M.E."),
            ("John M.E.", "", true, true, "JME"),
            ("\"Quote\" <script>", ". ", true, true, "\"Quote\" <script>"),
            ("John R.", ". ", false, true, "John R."),
            ("Henrique Ponde de Oliveira", ". ", true, true, "H. P. de O."),
            ("Wen-tau", ". ", true, true, "W."),
            ("W. Jackson", "", false, true, "W Jackson"),
            ("Min-jun", "", true, false, "M jun"),
            ("M.E. John", "", false, true, "ME John"),
        ];
        for (given, with, initialize, hyphen, expected) in cases {
            assert_eq!(initials(given, with, initialize, hyphen), expected, "{given:?} {with:?}");
        }
    }
}
