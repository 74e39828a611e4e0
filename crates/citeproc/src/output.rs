//! Rendered output as a flat run of pieces, each with the formatting in force,
//! and the writers that turn it into HTML or plain text.
//!
//! Flat runs make the joins easy to see: punctuation that moves inside
//! closing quotes, duplicate punctuation where an affix meets a field's own
//! period, doubled spaces. The formatting of a piece is the net effect of
//! every element around it (italic inside italic flips back to roman).

use citationberg::{Display, FontStyle, FontVariant, FontWeight, Formatting, TextDecoration, VerticalAlign};

/// The formatting in force on a piece.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Style {
    /// Nested italics, outermost first, flipping at each level: 1 is
    /// italic, 2 is roman inside italic, 3 italic inside that, …
    pub italic: u8,
    /// Set upright by its own element, before any italic around it.
    pub upright: bool,
    /// Bold.
    pub bold: bool,
    /// Nested small capitals, flipping like italics.
    pub small_caps: u8,
    /// Set to normal capitals by its own element.
    pub caps_normal: bool,
    /// Underlined.
    pub underline: bool,
    /// Superscript (1) or subscript (2).
    pub align: u8,
    /// The text is a locale term (not markup: it decides whether a note or
    /// an entry opening with it is capitalized).
    pub term: bool,
    /// The text is a field's value: a space at its edge is the data's and
    /// is kept where an affix or a delimiter meets it, as citeproc-js keeps
    /// it (only spaces of the style's own strings are joined).
    pub data: bool,
    /// While a cite renders: the citeproc-js numeric blob the piece belongs
    /// to, numbered from 1 (0: ordinary text). See `blobs.rs`.
    pub numeral: u16,
    /// The last text of an element with formatting of its own (italics,
    /// bold, small caps, underline, alignment): what its parent joins to it
    /// next is marked `after_decoration`.
    pub decorated_end: bool,
    /// The end of a field citeproc-js prints as numbers (with its suffix):
    /// whatever follows merges no punctuation into it but a duplicate.
    pub number_end: bool,
    /// A suffix or delimiter right after an element with formatting of its
    /// own: citeproc-js does not merge its punctuation into that element's
    /// by the table (`<i>Why?</i>. Next`), only drops a duplicate.
    pub after_decoration: bool,
}

/// What a piece is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// An opening quotation mark; `true` for an inner (nested) one.
    Open(bool),
    /// A closing quotation mark; `true` for an inner one.
    Close(bool),
    /// The start of a `display` block.
    BlockStart(Display),
    /// The end of a `display` block.
    BlockEnd,
    /// Where the author's names start (`true`) and end: for
    /// `subsequent-author-substitute`.
    Mark(bool),
    /// Where one name of the author's names starts (`true`) and ends: for
    /// the per-name rules of `subsequent-author-substitute`.
    Name(bool),
    /// A zero-width tag for callers that build their own output tree (which
    /// cite of a cluster, the citation number, a link).
    Tag(Tag),
}

impl Kind {
    /// Whether the piece prints nothing and only marks a place.
    pub fn is_zero_width(&self) -> bool {
        matches!(self, Kind::BlockStart(_) | Kind::BlockEnd | Kind::Mark(_) | Kind::Name(_) | Kind::Tag(_))
    }
}

/// Where something a caller may want to find starts and ends in a run. The
/// HTML and text writers skip them; they nest like elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    /// The start of a cite of a cluster: its index in the cluster as given.
    CiteStart(usize),
    /// The end of a cite.
    CiteEnd,
    /// The start of the `citation-number` variable's text.
    NumberStart,
    /// Its end.
    NumberEnd,
    /// The start of a URL or DOI, with the address it points to.
    LinkStart(String),
    /// Its end.
    LinkEnd,
    /// The start of a year suffix, under `collapse="year-suffix"` (where
    /// the suffixes of a cluster join: `2000a, b`).
    YearSuffixStart,
    /// Its end.
    YearSuffixEnd,
}

/// Wraps a run in a pair of tags (nothing when it prints nothing).
pub fn tag(run: &mut Run, start: Tag, end: Tag) {
    if is_empty(run) {
        return;
    }
    let piece = |tag: Tag| Piece { text: String::new(), style: Style::default(), nocase: true, kind: Kind::Tag(tag) };
    run.insert(0, piece(start));
    run.push(piece(end));
}

/// One run of text with its formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The text (the mark, for quotes).
    pub text: String,
    /// Its formatting.
    pub style: Style,
    /// Text case transformations leave it alone (`<span class="nocase">`).
    pub nocase: bool,
    /// What it is.
    pub kind: Kind,
}

impl Piece {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Piece {
        Piece { text: text.into(), style: Style::default(), nocase: false, kind: Kind::Text }
    }
}

/// A rendered element: its pieces.
pub type Run = Vec<Piece>;

/// Whether a run prints anything.
pub fn is_empty(run: &[Piece]) -> bool {
    run.iter().all(|p| p.text.is_empty() || p.kind.is_zero_width())
}

/// The text of a run, without markup.
pub fn plain(run: &[Piece]) -> String {
    run.iter().map(|p| p.text.as_str()).collect()
}

/// Applies an element's formatting to everything it rendered.
pub fn format(run: &mut [Piece], formatting: &Formatting) {
    if formatting.is_empty() {
        return;
    }
    for piece in run.iter_mut() {
        let s = &mut piece.style;
        // Formatting is applied from the innermost element out: an outer
        // italic wraps what is inside, whose italics flip.
        match formatting.font_style {
            Some(FontStyle::Italic) => {
                if s.upright && s.italic == 0 {
                    s.italic = 2;
                } else {
                    s.italic = s.italic.saturating_add(1);
                }
                s.upright = false;
            }
            Some(FontStyle::Normal) if s.italic == 0 => s.upright = true,
            _ => {}
        }
        match formatting.font_weight {
            Some(FontWeight::Bold) => s.bold = true,
            Some(FontWeight::Normal | FontWeight::Light) => s.bold = false,
            None => {}
        }
        match formatting.font_variant {
            // Small capitals around small capitals stay small capitals (they
            // do not flip the way italics do).
            Some(FontVariant::SmallCaps) => {
                if s.caps_normal && s.small_caps == 0 {
                    s.small_caps = 2;
                } else if s.small_caps == 0 {
                    s.small_caps = 1;
                }
                s.caps_normal = false;
            }
            Some(FontVariant::Normal) if s.small_caps == 0 => s.caps_normal = true,
            _ => {}
        }
        match formatting.text_decoration {
            Some(TextDecoration::Underline) => s.underline = true,
            Some(TextDecoration::None) => s.underline = false,
            None => {}
        }
        match formatting.vertical_align {
            Some(VerticalAlign::Sup) => s.align = 1,
            Some(VerticalAlign::Sub) => s.align = 2,
            Some(VerticalAlign::Baseline) => s.align = 0,
            Some(VerticalAlign::None) | None => {}
        }
    }
}

/// Adds a prefix and a suffix outside the element's formatting.
pub fn affix(run: &mut Run, prefix: Option<&str>, suffix: Option<&str>) {
    if is_empty(run) {
        return;
    }
    if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
        run.insert(0, Piece::text(prefix));
    }
    if let Some(suffix) = suffix.filter(|s| !s.is_empty()) {
        run.push(Piece::text(suffix));
    }
}

/// Joins runs with a delimiter, skipping empty ones.
pub fn join(runs: Vec<Run>, delimiter: &str) -> Run {
    let mut out = Run::new();
    for run in runs {
        if is_empty(&run) {
            continue;
        }
        if !out.is_empty() && !delimiter.is_empty() {
            let mut piece = Piece::text(delimiter);
            piece.style.after_decoration = last_text(&out).is_some_and(|p| p.style.decorated_end);
            out.push(piece);
        }
        out.extend(run);
    }
    out
}

/// The last piece of text of a run.
fn last_text(run: &[Piece]) -> Option<&Piece> {
    run.iter().rev().find(|p| p.kind == Kind::Text && !p.text.is_empty())
}

/// Marks the end of a field printed as numbers.
pub fn mark_number_end(run: &mut Run) {
    if let Some(last) = run.iter_mut().rev().find(|p| p.kind == Kind::Text && !p.text.is_empty()) {
        last.style.number_end = true;
    }
}

/// Marks where an element ends whose own formatting is `decorated`, and
/// unmarks it where an element without any wraps it (its parent's
/// delimiter and suffix merge again, as in citeproc-js).
pub fn mark_decoration(run: &mut Run, decorated: bool) {
    if let Some(last) = run.iter_mut().rev().find(|p| p.kind == Kind::Text && !p.text.is_empty()) {
        last.style.decorated_end = decorated;
    }
}

/// Wraps a run in quotation marks, turning quotes inside into inner quotes.
pub fn quote(run: &mut Run, marks: &Marks) {
    if is_empty(run) {
        return;
    }
    // Quotes inside change level: outer ones become inner, inner ones outer.
    for piece in run.iter_mut() {
        match piece.kind {
            Kind::Open(inner) => {
                piece.kind = Kind::Open(!inner);
                piece.text = if inner { marks.open.clone() } else { marks.inner_open.clone() };
            }
            Kind::Close(inner) => {
                piece.kind = Kind::Close(!inner);
                piece.text = if inner { marks.close.clone() } else { marks.inner_close.clone() };
            }
            _ => {}
        }
    }
    // The marks sit outside the field's own markup (`“<i>De Anima</i> …”`,
    // as citeproc-js puts them): the element's formatting, applied next,
    // is all they take.
    let unformatted = |p: &Piece| Style { term: p.style.term, data: p.style.data, ..Style::default() };
    let style = run.iter().find(|p| p.kind == Kind::Text).map(unformatted).unwrap_or_default();
    run.insert(0, Piece { text: marks.open.clone(), style, nocase: true, kind: Kind::Open(false) });
    let style = run.iter().rev().find(|p| p.kind == Kind::Text).map(unformatted).unwrap_or_default();
    run.push(Piece { text: marks.close.clone(), style, nocase: true, kind: Kind::Close(false) });
}

/// A locale's quotation marks.
#[derive(Debug, Clone)]
pub struct Marks {
    /// `“`
    pub open: String,
    /// `”`
    pub close: String,
    /// `‘`
    pub inner_open: String,
    /// `’`
    pub inner_close: String,
}

/// Wraps a run in a `display` block.
pub fn block(run: &mut Run, display: Display) {
    if is_empty(run) {
        return;
    }
    run.insert(
        0,
        Piece { text: String::new(), style: Style::default(), nocase: true, kind: Kind::BlockStart(display) },
    );
    run.push(Piece { text: String::new(), style: Style::default(), nocase: true, kind: Kind::BlockEnd });
}

const PUNCT: &[char] = &['.', ',', ';', ':', '!', '?'];

/// Settles the joins of a finished run: punctuation moved inside closing
/// quotes where the locale says so, punctuation not doubled where two pieces
/// meet, spaces not doubled.
pub fn tidy(run: &mut Run, punctuation_in_quote: bool) {
    run.retain(|p| !p.text.is_empty() || p.kind.is_zero_width());
    if punctuation_in_quote {
        let mut i = 0;
        while i + 1 < run.len() {
            // The next printing piece, past author marks and tags.
            let mut k = i + 1;
            while k < run.len() && matches!(run[k].kind, Kind::Mark(_) | Kind::Name(_) | Kind::Tag(_)) {
                k += 1;
            }
            if matches!(run[i].kind, Kind::Close(_))
                && k < run.len()
                && run[k].kind == Kind::Text
                && !run[k].nocase
                && let Some(c) = run[k].text.chars().next().filter(|c| matches!(c, '.' | ','))
            {
                // Move the mark inside every closing quote it follows.
                let mut j = i;
                while j > 0 && matches!(run[j - 1].kind, Kind::Close(_)) {
                    j -= 1;
                }
                run[k].text.remove(0);
                let before = &run[..j];
                let inner_end = before.iter().rposition(|p| p.kind == Kind::Text);
                let already = inner_end.and_then(|k| run[k].text.chars().last());
                match already {
                    Some(last) if last == c || (c == '.' && matches!(last, '!' | '?' | '.')) => {}
                    _ => {
                        let style = run[j].style;
                        run.insert(j, Piece { text: c.to_string(), style, nocase: true, kind: Kind::Text });
                        i += 1;
                    }
                }
            }
            i += 1;
        }
        run.retain(|p| !p.text.is_empty() || p.kind.is_zero_width());
    }
    // Duplicate punctuation and spaces across joins: `last` is the index of
    // the text piece before, while nothing stands between.
    let mut last: Option<usize> = None;
    for i in 0..run.len() {
        if run[i].kind != Kind::Text {
            match run[i].kind {
                Kind::BlockStart(_) | Kind::BlockEnd => last = None,
                // An opening quote stands between a space before it and
                // one inside it.
                Kind::Open(_) => last = Some(i),
                _ => {}
            }
            continue;
        }
        if let Some(j) = last
            && let (Some(prev), Some(first)) = (run[j].text.chars().last(), run[i].text.chars().next())
        {
            let guarded = run[i].style.after_decoration || run[j].style.number_end;
            match meet(prev, first, run[j].style.data, run[i].style.data, guarded) {
                Join::Both => {}
                Join::Left => {
                    run[i].text.remove(0);
                }
                Join::Right => {
                    run[j].text.pop();
                }
            }
        }
        if !run[i].text.is_empty() {
            last = Some(i);
        }
    }
    run.retain(|p| !p.text.is_empty() || !matches!(p.kind, Kind::Text | Kind::Open(_) | Kind::Close(_)));
}

/// Which of two characters meeting at a join stay.
enum Join {
    Both,
    Left,
    Right,
}

/// Two punctuation marks meeting at a join merge as citeproc-js merges them
/// (its table of left and right marks): a mark is not doubled, a period
/// after `!`, `?`, `:` or `;` goes, and so do `:` after `!`, `?` or `;`; a
/// `:` or `;` before `!` or `?` gives way to it. Spaces of the style's
/// strings are not doubled; a field's own spaces stay. Two pieces of field
/// text (a quote inside a title and the text after it: `“…wir!”: Gladiatoren`)
/// never merge: citeproc-js merges only where a style's affix or delimiter
/// meets. After an element with formatting of its own or a field printed as
/// numbers (`guarded`) only a duplicate goes.
fn meet(prev: char, first: char, prev_data: bool, first_data: bool, guarded: bool) -> Join {
    if prev_data && first_data {
        return Join::Both;
    }
    match (prev, first) {
        (' ', ' ') if !prev_data && !first_data => Join::Left,
        (a, b) if a == b && PUNCT.contains(&a) => Join::Left,
        _ if guarded => Join::Both,
        ('!' | '?' | ':' | ';', '.') | ('!' | '?' | ';', ':') => Join::Left,
        (':' | ';', '!' | '?') => Join::Right,
        _ => Join::Both,
    }
}

/// Escapes text for HTML as citeproc-js does, which also writes each pair
/// of white-space characters as a no-break space and a space (so that a
/// browser shows both).
fn escape_html(text: &str, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() && chars.peek().is_some_and(|n| n.is_whitespace()) {
            chars.next();
            out.push_str("\u{a0} ");
            continue;
        }
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            _ => out.push(c),
        }
    }
}

/// The tags a style opens, outermost first.
fn tags(style: &Style) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for level in 0..style.italic {
        out.push(if level % 2 == 0 { ("<i>", "</i>") } else { ("<span style=\"font-style:normal;\">", "</span>") });
    }
    if style.bold {
        out.push(("<b>", "</b>"));
    }
    for level in 0..style.small_caps {
        out.push(if level % 2 == 0 {
            ("<span style=\"font-variant:small-caps;\">", "</span>")
        } else {
            ("<span style=\"font-variant:normal;\">", "</span>")
        });
    }
    if style.underline {
        out.push(("<span style=\"text-decoration:underline;\">", "</span>"));
    }
    match style.align {
        1 => out.push(("<sup>", "</sup>")),
        2 => out.push(("<sub>", "</sub>")),
        _ => {}
    }
    out
}

/// Writes a tidied run as HTML in citeproc-js's markup: tags nest, and a
/// change of formatting closes only the tags that end.
pub fn html(run: &[Piece]) -> String {
    let mut out = String::new();
    let mut open: Vec<(&'static str, &'static str)> = Vec::new();
    let close_all = |open: &mut Vec<(&'static str, &'static str)>, out: &mut String| {
        while let Some((_, close)) = open.pop() {
            out.push_str(close);
        }
    };
    for piece in run {
        match &piece.kind {
            Kind::BlockStart(display) => {
                close_all(&mut open, &mut out);
                let class = match display {
                    Display::Block => "csl-block",
                    Display::LeftMargin => "csl-left-margin",
                    Display::RightInline => "csl-right-inline",
                    Display::Indent => "csl-indent",
                };
                out.push_str(&format!("<div class=\"{class}\">"));
            }
            Kind::BlockEnd => {
                close_all(&mut open, &mut out);
                out.push_str("</div>");
            }
            Kind::Mark(_) | Kind::Name(_) | Kind::Tag(_) => {}
            _ => {
                if piece.text.is_empty() {
                    continue;
                }
                let wanted = tags(&piece.style);
                let common = open.iter().zip(wanted.iter()).take_while(|(a, b)| a == b).count();
                while open.len() > common {
                    if let Some((_, close)) = open.pop() {
                        out.push_str(close);
                    }
                }
                for tag in &wanted[common..] {
                    out.push_str(tag.0);
                    open.push(*tag);
                }
                escape_html(&piece.text, &mut out);
            }
        }
    }
    close_all(&mut open, &mut out);
    out
}

/// Writes a tidied run as plain text.
pub fn text(run: &[Piece]) -> String {
    plain(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(text: &str) -> Piece {
        let mut piece = Piece::text(text);
        piece.style.data = true;
        piece
    }

    /// Quotation marks stand outside a field's own markup at its edges.
    #[test]
    fn quotes_stand_outside_the_fields_markup() {
        let marks =
            Marks { open: "“".into(), close: "”".into(), inner_open: "‘".into(), inner_close: "’".into() };
        let italic = |text: &str| {
            let mut piece = data(text);
            piece.style.italic = 1;
            piece
        };
        let cases = [
            (vec![italic("De Anima"), data(" dans la tradition")], "“<i>De Anima</i> dans la tradition”"),
            (vec![data("On "), italic("Walden")], "“On <i>Walden</i>”"),
        ];
        for (mut run, expected) in cases {
            quote(&mut run, &marks);
            assert_eq!(html(&run), expected);
        }
    }

    #[test]
    fn joins_keep_the_datas_spaces_and_drop_the_styles() {
        // (pieces, after tidy) — as citeproc-js joins them.
        let cases: Vec<(Vec<Piece>, &str)> = vec![
            (vec![Piece::text("(1997). "), Piece::text(" Title")], "(1997). Title"),
            (vec![Piece::text("(1997). "), data(" and Graphics")], "(1997).  and Graphics"),
            (vec![data("A manual for "), Piece::text(" (p. 3)")], "A manual for  (p. 3)"),
            (vec![Piece::text("Title."), Piece::text(".")], "Title."),
            (vec![Piece::text("????"), Piece::text(": "), Piece::text("????")], "???? ????"),
            (vec![Piece::text("Why?"), Piece::text(". Next")], "Why? Next"),
            (vec![Piece::text("Part:"), Piece::text("? no")], "Part? no"),
            (vec![Piece::text("Title,"), Piece::text(". Next")], "Title,. Next"),
            (vec![data("“Wir!"), data("”"), data(": Gladiatoren")], "“Wir!”: Gladiatoren"),
            (vec![data("Why?"), Piece::text(". Next")], "Why? Next"),
        ];
        for (mut run, want) in cases {
            tidy(&mut run, true);
            assert_eq!(plain(&run), want);
        }
    }

    #[test]
    fn after_formatting_only_a_duplicate_mark_goes() {
        let italic = |text: &str, decorated: bool| {
            let mut run = vec![Piece::text(text)];
            run[0].style.italic = 1;
            mark_decoration(&mut run, decorated);
            run
        };
        // (title, whether its own element is italic, joined with `. Next`)
        for (title, decorated, want) in
            [("Why?", true, "Why?. Next"), ("Why?", false, "Why? Next"), ("Why.", true, "Why. Next")]
        {
            let mut run = join(vec![italic(title, decorated), vec![Piece::text("Next")]], ". ");
            tidy(&mut run, false);
            assert_eq!(plain(&run), want, "{title} {decorated}");
        }
    }

    #[test]
    fn an_opening_quote_keeps_the_space_inside_it() {
        let mut run = vec![Piece::text(", "), Piece { kind: Kind::Open(false), ..Piece::text("“") }, data(" and")];
        tidy(&mut run, true);
        assert_eq!(plain(&run), ", “ and");
    }

    #[test]
    fn html_writes_a_pair_of_spaces_as_a_no_break_space_and_a_space() {
        for (text, want) in [
            ("a  b", "a\u{a0} b"),
            ("a \u{a0}b", "a\u{a0} b"),
            ("a   b", "a\u{a0}  b"),
            ("x < y & z", "x &#60; y &#38; z"),
        ] {
            assert_eq!(html(&[Piece::text(text)]), want, "{text:?}");
        }
    }
}
