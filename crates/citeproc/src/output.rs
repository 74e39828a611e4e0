//! Rendered output as a flat run of pieces, each with the formatting in force,
//! and the writers that turn it into HTML or plain text.
//!
//! Flat runs make the joins easy to see: punctuation that moves inside
//! closing quotes, duplicate punctuation where an affix meets a field's own
//! period, doubled spaces. The formatting of a piece keeps the nesting of
//! the elements around it, as citeproc-js's output blobs do: each element's
//! decorations are frames with the element's identity, so the HTML writer
//! nests one tag per element (small caps inside small caps is two spans)
//! and keeps a tag open only over that element's pieces.

use citationberg::{Display, FontStyle, FontVariant, FontWeight, Formatting, TextDecoration, VerticalAlign};
use compact_str::CompactString;
use std::sync::atomic::{AtomicU32, Ordering};

/// One formatting decoration, as citeproc-js writes it: each is a tag of
/// its own, nested like the elements that set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoration {
    /// `font-style="italic"`.
    Italic,
    /// `font-style="normal"`.
    Upright,
    /// `font-variant="small-caps"`.
    SmallCaps,
    /// `font-variant="normal"`.
    NormalCaps,
    /// `font-weight="bold"`.
    Bold,
    /// `font-weight="light"` (citeproc-js writes no tag for it).
    Light,
    /// `font-weight="normal"`.
    NormalWeight,
    /// `text-decoration="underline"`.
    Underline,
    /// `text-decoration="none"`.
    NoLine,
    /// `vertical-align="sup"`, or `<sup>` in a field.
    Sup,
    /// `vertical-align="sub"`, or `<sub>` in a field.
    Sub,
    /// `vertical-align="baseline"`.
    Baseline,
    /// `<i>` in a field: italic, or upright where an element around sets
    /// italics (citeproc-js's flip-flop).
    FlipItalic,
    /// `<b>` in a field, flipping like `<i>`.
    FlipBold,
    /// `<sc>` in a field, flipping like `<i>`.
    FlipSmallCaps,
    /// `<span class="nodecor">` in a field: `normal` for each of style,
    /// variant and weight that an element or tag around it sets.
    Nodecor,
}

/// The property a decoration sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Property {
    Style,
    Variant,
    Weight,
    Line,
    Align,
    /// What `nodecor` sets: several properties at once.
    Class,
}

impl Decoration {
    fn property(self) -> Property {
        use Decoration::*;
        match self {
            Italic | Upright | FlipItalic => Property::Style,
            SmallCaps | NormalCaps | FlipSmallCaps => Property::Variant,
            Bold | Light | NormalWeight | FlipBold => Property::Weight,
            Underline | NoLine => Property::Line,
            Sup | Sub | Baseline => Property::Align,
            Nodecor => Property::Class,
        }
    }

    /// The `normal` values, which citeproc-js writes only inside an element
    /// that sets the property otherwise.
    fn is_normal(self) -> bool {
        matches!(self, Decoration::Upright | Decoration::NormalCaps | Decoration::NormalWeight)
    }

    /// A field's tag inside `outer`, the value it flips against (none: the
    /// tag's own value).
    fn flip(self, outer: Option<Decoration>) -> Decoration {
        use Decoration::*;
        match (self, outer) {
            (FlipItalic, Some(Italic)) => Upright,
            (FlipItalic, _) => Italic,
            (FlipBold, Some(Bold | Light)) => NormalWeight,
            (FlipBold, _) => Bold,
            (FlipSmallCaps, Some(SmallCaps)) => NormalCaps,
            (FlipSmallCaps, _) => SmallCaps,
            (other, _) => other,
        }
    }

    /// The HTML tags citeproc-js writes for it (none for `light`).
    fn tags(self) -> Option<(&'static str, &'static str)> {
        use Decoration::*;
        Some(match self {
            Italic => ("<i>", "</i>"),
            Upright => ("<span style=\"font-style:normal;\">", "</span>"),
            SmallCaps => ("<span style=\"font-variant:small-caps;\">", "</span>"),
            NormalCaps => ("<span style=\"font-variant:normal;\">", "</span>"),
            Bold => ("<b>", "</b>"),
            NormalWeight => ("<span style=\"font-weight:normal;\">", "</span>"),
            Underline => ("<span style=\"text-decoration:underline;\">", "</span>"),
            NoLine => ("<span style=\"text-decoration:none;\">", "</span>"),
            Sup => ("<sup>", "</sup>"),
            Sub => ("<sub>", "</sub>"),
            Baseline => ("<span style=\"baseline\">", "</span>"),
            Light | FlipItalic | FlipBold | FlipSmallCaps | Nodecor => return None,
        })
    }
}

/// A decoration with the element that set it: pieces that one element
/// formatted share its tag, pieces of two elements get a tag each (as
/// citeproc-js writes each of its output blobs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frame {
    /// Which element (or field tag) set it.
    pub id: u32,
    /// What it sets.
    pub decoration: Decoration,
    /// Set by the layout: citeproc-js looks at the layout last when it
    /// flips a field's tags.
    pub layout: bool,
}

impl Frame {
    /// A frame of a new element.
    pub fn new(decoration: Decoration, id: u32) -> Frame {
        Frame { id, decoration, layout: false }
    }
}

/// A fresh element identity for [`Frame`]s.
pub fn next_id() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// How deep decorations nest on one piece; deeper ones (never seen in a
/// real style) are left out.
const DEPTH: usize = 8;

/// A piece's frames: a short list kept inline (pieces are copied often).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Frames {
    list: [Option<Frame>; DEPTH],
    len: u8,
}

impl Frames {
    /// The frames in their order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Frame> + '_ {
        self.list[..self.len as usize].iter().flatten().copied()
    }

    fn push(&mut self, frame: Frame) {
        if (self.len as usize) < DEPTH {
            self.list[self.len as usize] = Some(frame);
            self.len += 1;
        }
    }

    fn push_front(&mut self, frame: Frame) {
        if (self.len as usize) < DEPTH {
            self.list.copy_within(..self.len as usize, 1);
            self.list[0] = Some(frame);
            self.len += 1;
        }
    }
}

/// The formatting in force on a piece: the decorations of every element
/// around it, each as its own frame, and their net effect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Style {
    /// The decorations, innermost first, as citeproc-js nests them (what
    /// the HTML writer prints).
    pub frames: Frames,
    /// Net effect, for callers that build their own output (set on a
    /// finished run, by [`tidy`]): 1 when the piece prints in italics.
    pub italic: u8,
    /// Net effect: bold.
    pub bold: bool,
    /// Net effect: 1 when the piece prints in small capitals.
    pub small_caps: u8,
    /// Net effect: underlined.
    pub underline: bool,
    /// Net effect: superscript (1) or subscript (2).
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

impl Style {
    /// The style without any decoration.
    pub fn undecorated(&self) -> Style {
        Style { term: self.term, data: self.data, ..Style::default() }
    }

    /// Puts a frame around everything the piece has.
    pub fn wrap(&mut self, frame: Frame) {
        self.frames.push(frame);
    }

    /// Puts a frame inside everything the piece has (a field's own tags,
    /// read before any element formats the field).
    pub fn wrap_inner(&mut self, frame: Frame) {
        self.frames.push_front(frame);
    }

    /// The decorations as written, outermost first, each with its frame's
    /// identity: a field's tags flipped, `normal` left out where nothing
    /// around sets the property otherwise (citeproc-js's
    /// `normalDecorIsOrphan`).
    fn resolved(&self) -> Frames {
        // Outermost first: each frame as set, and its decoration as written.
        let mut seen = [None; DEPTH];
        let mut kept = Frames::default();
        for (n, frame) in self.frames.iter().rev().enumerate() {
            let around = &seen[..n];
            let property = frame.decoration.property();
            let decoration = frame.decoration.flip(flipped_against(around, property));
            if decoration == Decoration::Nodecor {
                for decoration in nodecor(around) {
                    if !orphan(around, decoration.property()) {
                        kept.push(Frame { decoration, ..frame });
                    }
                }
            } else if !(decoration.is_normal() && orphan(around, property)) {
                kept.push(Frame { decoration, ..frame });
            }
            seen[n] = Some((frame, decoration));
        }
        kept
    }

    /// Sets the net effect from the frames.
    fn settle(&mut self) {
        if self.frames.len == 0 {
            return;
        }
        let resolved = self.resolved();
        let last = |property: Property| resolved.iter().rev().find(|f| f.decoration.property() == property);
        let is =
            |property: Property, wanted: &[Decoration]| last(property).is_some_and(|f| wanted.contains(&f.decoration));
        self.italic = is(Property::Style, &[Decoration::Italic]).into();
        self.bold = is(Property::Weight, &[Decoration::Bold]);
        self.small_caps = is(Property::Variant, &[Decoration::SmallCaps]).into();
        self.underline = is(Property::Line, &[Decoration::Underline]);
        self.align = match last(Property::Align).map(|f| f.decoration) {
            Some(Decoration::Sup) => 1,
            Some(Decoration::Sub) => 2,
            _ => 0,
        };
    }
}

/// Whether a `normal` of `property` is written nowhere: nothing around sets
/// the property otherwise.
fn orphan(around: &[Option<(Frame, Decoration)>], property: Property) -> bool {
    !around.iter().flatten().any(|(f, d)| f.decoration.property() == property && !d.is_normal())
}

/// The decorations of a `nodecor` tag, outermost first: `normal` for each
/// font property set around it, in the order citeproc-js finds them (the
/// outermost element first, the layout last, each element's decorations
/// from its outermost), the first found innermost.
fn nodecor(around: &[Option<(Frame, Decoration)>]) -> Vec<Decoration> {
    let frames = || around.iter().flatten();
    let mut found: Vec<Decoration> = Vec::new();
    for (frame, _) in frames().filter(|(f, _)| !f.layout).chain(frames().filter(|(f, _)| f.layout)) {
        let normal = match frame.decoration.property() {
            Property::Style => Decoration::Upright,
            Property::Variant => Decoration::NormalCaps,
            Property::Weight => Decoration::NormalWeight,
            _ => continue,
        };
        if !found.contains(&normal) {
            found.push(normal);
        }
    }
    found.reverse();
    found
}

/// What a field's tag flips against, among the frames around it (outermost
/// first, as set and as written): the nearest of the field's own tags, else
/// the outermost element that sets the property, the layout last (the order
/// citeproc-js's flip-flopper searches in).
fn flipped_against(outer: &[Option<(Frame, Decoration)>], property: Property) -> Option<Decoration> {
    let field =
        |f: &Frame| matches!(f.decoration, Decoration::FlipItalic | Decoration::FlipBold | Decoration::FlipSmallCaps);
    let same = || outer.iter().flatten().filter(|(f, _)| f.decoration.property() == property);
    let own = || same().rev().find(|(f, _)| field(f));
    let element = || same().find(|(f, _)| !f.layout && !field(f));
    let layout = || same().find(|(f, _)| f.layout);
    own().or_else(element).or_else(layout).map(|(_, d)| *d)
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
    LinkStart(Box<str>),
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
    let piece =
        |tag: Tag| Piece { text: Default::default(), style: Style::default(), nocase: true, kind: Kind::Tag(tag) };
    // One allocation of the right size, each piece moved once.
    let mut tagged = Run::with_capacity(run.len() + 2);
    tagged.push(piece(start));
    tagged.append(run);
    tagged.push(piece(end));
    *run = tagged;
}

/// One run of text with its formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The text (the mark, for quotes). Short texts (a bracket, a number, a
    /// delimiter: most pieces) are kept inline, so that copying a cite's
    /// pieces allocates nothing.
    pub text: CompactString,
    /// Its formatting.
    pub style: Style,
    /// Text case transformations leave it alone (`<span class="nocase">`).
    pub nocase: bool,
    /// What it is.
    pub kind: Kind,
}

impl Piece {
    /// Plain text.
    pub fn text(text: impl Into<CompactString>) -> Piece {
        Piece { text: text.into(), style: Style::default(), nocase: false, kind: Kind::Text }
    }

    /// A punctuation mark moved across a quote, in the formatting of the
    /// piece it now sits beside (never recased).
    fn moved_mark(mark: char, style: Style) -> Piece {
        Piece { text: CompactString::from(&*mark.encode_utf8(&mut [0; 4])), style, nocase: true, kind: Kind::Text }
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

/// Applies an element's formatting to everything it rendered: one frame
/// for each of its decorations, around whatever the pieces have (an italic
/// element inside an italic one is a second `<i>`, as citeproc-js writes
/// it; only a field's own tags flip).
pub fn format(run: &mut [Piece], formatting: &Formatting) {
    wrap(run, formatting, false);
}

/// [`format`] for a layout's formatting.
pub fn format_layout(run: &mut [Piece], formatting: &Formatting) {
    wrap(run, formatting, true);
}

fn wrap(run: &mut [Piece], formatting: &Formatting, layout: bool) {
    if formatting.is_empty() {
        return;
    }
    let id = next_id();
    for piece in run.iter_mut() {
        for decoration in decorations(formatting) {
            piece.style.wrap(Frame { id, decoration, layout });
        }
    }
}

/// An element's decorations, innermost first, in citeproc-js's order
/// (`CSL.FORMAT_KEY_SEQUENCE`: style, variant, weight, decoration, align).
fn decorations(formatting: &Formatting) -> impl Iterator<Item = Decoration> {
    let style = formatting.font_style.map(|s| match s {
        FontStyle::Italic => Decoration::Italic,
        FontStyle::Normal => Decoration::Upright,
    });
    let variant = formatting.font_variant.map(|v| match v {
        FontVariant::SmallCaps => Decoration::SmallCaps,
        FontVariant::Normal => Decoration::NormalCaps,
    });
    let weight = formatting.font_weight.map(|w| match w {
        FontWeight::Bold => Decoration::Bold,
        FontWeight::Light => Decoration::Light,
        FontWeight::Normal => Decoration::NormalWeight,
    });
    let line = formatting.text_decoration.map(|d| match d {
        TextDecoration::Underline => Decoration::Underline,
        TextDecoration::None => Decoration::NoLine,
    });
    let align = formatting.vertical_align.and_then(|a| match a {
        VerticalAlign::Sup => Some(Decoration::Sup),
        VerticalAlign::Sub => Some(Decoration::Sub),
        VerticalAlign::Baseline => Some(Decoration::Baseline),
        VerticalAlign::None => None,
    });
    [style, variant, weight, line, align].into_iter().flatten()
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
pub fn join(mut runs: Vec<Run>, delimiter: &str) -> Run {
    // One run (the common case: a group of one printing element) is
    // itself; else the pieces are moved once into a run of the right size.
    if runs.len() == 1 {
        return runs.pop().filter(|run| !is_empty(run)).unwrap_or_default();
    }
    let mut out = Run::with_capacity(runs.iter().map(Vec::len).sum::<usize>() + runs.len());
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
                piece.text = if inner { marks.open.as_str().into() } else { marks.inner_open.as_str().into() };
            }
            Kind::Close(inner) => {
                piece.kind = Kind::Close(!inner);
                piece.text = if inner { marks.close.as_str().into() } else { marks.inner_close.as_str().into() };
            }
            _ => {}
        }
    }
    // The marks sit outside the field's own markup (`“<i>De Anima</i> …”`,
    // as citeproc-js puts them): the element's formatting, applied next,
    // is all they take.
    let unformatted = |p: &Piece| Style { term: p.style.term, data: p.style.data, ..Style::default() };
    let style = run.iter().find(|p| p.kind == Kind::Text).map(unformatted).unwrap_or_default();
    run.insert(0, Piece { text: marks.open.as_str().into(), style, nocase: true, kind: Kind::Open(false) });
    let style = run.iter().rev().find(|p| p.kind == Kind::Text).map(unformatted).unwrap_or_default();
    run.push(Piece { text: marks.close.as_str().into(), style, nocase: true, kind: Kind::Close(false) });
}

/// Takes every decoration and quotation mark off a run: citeproc-js writes
/// an author-only cite with its decorations suppressed, `@quotes` among
/// them.
pub fn undecorate(run: &mut Run) {
    run.retain(|p| !matches!(p.kind, Kind::Open(_) | Kind::Close(_)));
    for piece in run.iter_mut() {
        piece.style = piece.style.undecorated();
    }
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
        Piece { text: Default::default(), style: Style::default(), nocase: true, kind: Kind::BlockStart(display) },
    );
    run.push(Piece { text: Default::default(), style: Style::default(), nocase: true, kind: Kind::BlockEnd });
}

const PUNCT: &[char] = &['.', ',', ';', ':', '!', '?'];

/// Settles the joins of a finished run: punctuation moved inside closing
/// quotes where the locale says so, punctuation not doubled where two pieces
/// meet, spaces not doubled.
pub fn tidy(run: &mut Run, punctuation_in_quote: bool) {
    for piece in run.iter_mut() {
        piece.style.settle();
    }
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
                        run.insert(j, Piece::moved_mark(c, style));
                        i += 1;
                    }
                }
            } else if matches!(run[i].kind, Kind::Close(_))
                && run[i].style.data
                && run[i + 1..k].iter().all(|p| matches!(p.kind, Kind::Mark(_)))
                && k < run.len()
                && run[k].kind == Kind::Text
                && !run[k].nocase
                && let Some(c) = run[k].text.chars().next().filter(|c| matches!(c, ';' | ':' | '!' | '?'))
            {
                // Other punctuation after a field's own closing quote stays
                // outside it but moves into the elements around it
                // (citeproc-js's `downward` migrates a suffix's or
                // delimiter's mark into the child that ends in quotes:
                // `<i>Aristotle’s “De Motu”;</i>`).
                run[k].text.remove(0);
                let style = run[i].style;
                run.insert(k, Piece::moved_mark(c, style));
                i += 1;
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

/// The frames whose tags a style opens, outermost first.
fn tagged(style: &Style) -> Frames {
    let mut out = Frames::default();
    for frame in style.resolved().iter().filter(|f| f.decoration.tags().is_some()) {
        out.push(frame);
    }
    out
}

/// The tags of a frame that has them.
fn tags_of(frame: &Frame) -> (&'static str, &'static str) {
    frame.decoration.tags().unwrap_or_default()
}

/// Writes a tidied run as HTML in citeproc-js's markup: each element's
/// decorations are tags of their own, nested as the elements are, and a
/// tag stays open over the pieces of the element that set it.
pub fn html(run: &[Piece]) -> String {
    let mut out = String::new();
    let mut open: Vec<Frame> = Vec::new();
    let close_all = |open: &mut Vec<Frame>, out: &mut String| {
        while let Some(frame) = open.pop() {
            out.push_str(tags_of(&frame).1);
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
                let wanted = tagged(&piece.style);
                let common = open.iter().zip(wanted.iter()).take_while(|(a, b)| **a == *b).count();
                while open.len() > common {
                    if let Some(frame) = open.pop() {
                        out.push_str(tags_of(&frame).1);
                    }
                }
                for frame in wanted.iter().skip(common) {
                    out.push_str(tags_of(&frame).0);
                    open.push(frame);
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
        let cases = [
            (crate::text::rich("<i>De Anima</i> dans la tradition", &marks), "“<i>De Anima</i> dans la tradition”"),
            (crate::text::rich("On <i>Walden</i>", &marks), "“On <i>Walden</i>”"),
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

    fn formatting(attrs: &str) -> Formatting {
        let mut f = Formatting::default();
        for attr in attrs.split_whitespace() {
            match attr {
                "italic" => f.font_style = Some(FontStyle::Italic),
                "upright" => f.font_style = Some(FontStyle::Normal),
                "small-caps" => f.font_variant = Some(FontVariant::SmallCaps),
                "caps-normal" => f.font_variant = Some(FontVariant::Normal),
                "bold" => f.font_weight = Some(FontWeight::Bold),
                "light" => f.font_weight = Some(FontWeight::Light),
                "baseline" => f.vertical_align = Some(VerticalAlign::Baseline),
                other => panic!("{other}"),
            }
        }
        f
    }

    /// A field's value (with its own markup) formatted by nested elements,
    /// innermost first.
    fn field(value: &str, elements: &[&str]) -> Run {
        let mut run = crate::text::rich(value, &marks());
        for attrs in elements {
            format(&mut run, &formatting(attrs));
        }
        run
    }

    fn marks() -> Marks {
        Marks { open: "“".into(), close: "”".into(), inner_open: "‘".into(), inner_close: "’".into() }
    }

    #[test]
    fn decorations_nest_as_citeproc_js_writes_them() {
        let upright = "<span style=\"font-style:normal;\">";
        let caps = "<span style=\"font-variant:small-caps;\">";
        let caps_normal = "<span style=\"font-variant:normal;\">";
        // (field, elements innermost first, html)
        let cases: Vec<(&str, Vec<&str>, String)> = vec![
            // An element's italics inside another's are a second tag.
            ("a", vec!["italic", "italic"], "<i><i>a</i></i>".into()),
            // A field's own tags flip against the element around them.
            ("My <i>Amazing</i> Title", vec!["italic"], format!("<i>My {upright}Amazing</span> Title</i>")),
            ("My <i>Amazing</i> Title", vec![], "My <i>Amazing</i> Title".into()),
            ("<b>x</b>", vec!["bold"], "<b><span style=\"font-weight:normal;\">x</span></b>".into()),
            ("<sc>x</sc>", vec!["small-caps"], format!("{caps}{caps_normal}x</span></span>")),
            // ... against the outermost element that sets the property.
            (
                "<i>x</i>",
                vec!["italic", "upright", "italic"],
                format!("<i>{upright}<i>{upright}x</span></i></span></i>"),
            ),
            ("<i>x</i>", vec!["upright", "italic"], format!("<i>{upright}{upright}x</span></span></i>")),
            // `normal` prints only inside an element that sets otherwise.
            ("x", vec!["caps-normal"], "x".into()),
            ("x", vec!["caps-normal", "small-caps"], format!("{caps}{caps_normal}x</span></span>")),
            ("x", vec!["upright", "bold"], "<b>x</b>".into()),
            // `nodecor` sets normal what the elements around set, the
            // outermost's first found and innermost.
            (
                "a <span class=\"nodecor\">v.</span>",
                vec!["italic", "bold"],
                format!("<b><i>a {upright}<span style=\"font-weight:normal;\">v.</span></span></i></b>"),
            ),
            ("<span class=\"nodecor\">v.</span>", vec![], "v.".into()),
            // `light` has no tag; `baseline` has citeproc-js's own.
            ("x", vec!["light"], "x".into()),
            ("x", vec!["baseline"], "<span style=\"baseline\">x</span>".into()),
        ];
        for (value, elements, want) in cases {
            assert_eq!(html(&field(value, &elements)), want, "{value} in {elements:?}");
        }
    }

    #[test]
    fn a_tag_stays_open_over_one_elements_pieces_only() {
        let caps = "<span style=\"font-variant:small-caps;\">";
        // Two names, each in small caps, the list around them too.
        let mut run = field("Abe", &["small-caps"]);
        run.push(Piece::text(" ; "));
        run.extend(field("Baker", &["small-caps"]));
        format(&mut run, &formatting("small-caps"));
        assert_eq!(html(&run), format!("{caps}{caps}Abe</span> ; {caps}Baker</span></span>"));
        // Two italic elements side by side: a tag each.
        let mut run = field("a", &["italic"]);
        run.extend(field("b", &["italic"]));
        assert_eq!(html(&run), "<i>a</i><i>b</i>");
    }

    #[test]
    fn quotes_go_outside_the_elements_decorations() {
        let mut run = field("Title", &["italic"]);
        quote(&mut run, &marks());
        format(&mut run, &formatting("bold"));
        assert_eq!(html(&run), "<b>“<i>Title</i>”</b>");
        undecorate(&mut run);
        assert_eq!(html(&run), "Title");
    }

    #[test]
    fn a_mark_after_a_fields_closing_quote_joins_the_fields_elements() {
        // (the field's own quotes, html after tidying)
        let cases = [(true, "<i>Aristotle’s “De Motu”;</i> P"), (false, "<i>Aristotle’s “De Motu”</i>; P")];
        for (data, want) in cases {
            let mut run = crate::text::rich("Aristotle’s \"De Motu\"", &marks());
            for piece in run.iter_mut() {
                piece.style.data = data;
            }
            format(&mut run, &formatting("italic"));
            run.push(Piece::text("; P"));
            tidy(&mut run, true);
            assert_eq!(html(&run), want, "{data}");
        }
    }

    #[test]
    fn the_net_effect_follows_the_frames() {
        // (field, elements innermost first, italic, small caps)
        let cases: Vec<(&str, Vec<&str>, u8, u8)> = vec![
            ("<i>x</i>", vec![], 1, 0),
            ("<i>x</i>", vec!["italic"], 0, 0),
            ("x", vec!["italic", "italic"], 1, 0),
            ("x", vec!["caps-normal", "small-caps"], 0, 0),
            ("x", vec!["small-caps", "caps-normal"], 0, 1),
        ];
        for (value, elements, italic, small_caps) in cases {
            let mut run = field(value, &elements);
            tidy(&mut run, false);
            assert_eq!((run[0].style.italic, run[0].style.small_caps), (italic, small_caps), "{value} in {elements:?}");
        }
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
