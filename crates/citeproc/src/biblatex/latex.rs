//! LaTeX in field values, read into rich text: accents and symbol commands
//! become Unicode, `\emph`/`\textbf`/`\textsc`/`\textsuperscript`/
//! `\mkbibquote` and their declaration forms (`{\em …}`) become formatting,
//! braces become protected spans, math becomes text with super- and
//! subscripts, and TeX's ligatures (`--`, ``` `` ```, `~`) their characters.
//!
//! Braces follow BibTeX's rule: `{…}` protects its letter case, but a group
//! that starts with a command (`{\"O}`, `{\em x}`) is a "special
//! character" and does not. Unknown commands lose their name and keep their
//! arguments, so no text is lost.

use super::rich::{Inline, Mark, push_text, tidy};
use unicode_normalization::UnicodeNormalization;

/// How deep groups may nest before the rest is read as plain text (real
/// fields nest two or three deep; this keeps the stack safe).
const MAX_DEPTH: usize = 64;

/// Reads a field value (as written between its delimiters, `@string`s
/// already substituted).
pub(crate) fn parse(source: &str) -> Vec<Inline> {
    let mut parser = Parser { chars: source.chars().collect(), at: 0, special: 0 };
    let list = parser.sequence(0, false);
    tidy(list)
}

/// Reads a field value as plain text (for names, numbers and keys).
pub(crate) fn plain(source: &str) -> String {
    super::rich::plain(&parse(source))
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    /// How many "special character" groups (`{\"O}`, `{\em …}`) enclose
    /// the reader: inside one, braces protect nothing.
    special: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// The rest of a group whose `{` was eaten, and its `}`.
    fn group_rest(&mut self, depth: usize) -> Vec<Inline> {
        let inner = self.sequence(depth, true);
        if self.peek() == Some('}') {
            self.at += 1;
        }
        inner
    }

    /// Reads until the end or (in a group) the closing brace, which it
    /// leaves.
    fn sequence(&mut self, depth: usize, in_group: bool) -> Vec<Inline> {
        let mut out: Vec<Inline> = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                '}' => {
                    if in_group {
                        return out;
                    }
                    // A stray closing brace (the syntax reader lets none
                    // through): dropped, as TeX would complain and go on.
                    self.at += 1;
                }
                '{' => {
                    self.at += 1;
                    if depth >= MAX_DEPTH {
                        continue;
                    }
                    if self.peek() == Some('\\') {
                        self.special += 1;
                        let inner = self.group_rest(depth + 1);
                        self.special -= 1;
                        append(&mut out, inner);
                    } else {
                        let inner = self.group_rest(depth + 1);
                        append(&mut out, self.protected(inner));
                    }
                }
                '\\' => {
                    self.at += 1;
                    self.command(&mut out, depth, in_group);
                }
                '$' => {
                    self.at += 1;
                    let display = self.peek() == Some('$');
                    if display {
                        self.at += 1;
                    }
                    let end = self.find_math_end(display);
                    let body: String = self.chars[self.at..end].iter().collect();
                    self.at = (end + if display { 2 } else { 1 }).min(self.chars.len());
                    let math = super::math::parse(&body);
                    if !math.is_empty() {
                        out.push(Inline::Protected(math));
                    }
                }
                '~' => {
                    self.at += 1;
                    push_text(&mut out, "\u{a0}");
                }
                '-' => {
                    let run = self.count_run('-', 3);
                    push_text(&mut out, ["-", "–", "—"][run - 1]);
                }
                '`' => {
                    let run = self.count_run('`', 2);
                    push_text(&mut out, if run == 2 { "“" } else { "‘" });
                }
                '\'' => {
                    let run = self.count_run('\'', 2);
                    push_text(&mut out, if run == 2 { "”" } else { "’" });
                }
                '%' => {
                    // A comment runs to the end of the line, and so does
                    // the line's end (TeX reads `%\n` as nothing).
                    while let Some(c) = self.peek() {
                        self.at += 1;
                        if c == '\n' {
                            break;
                        }
                    }
                    while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
                        self.at += 1;
                    }
                }
                c if c.is_whitespace() => {
                    self.at += 1;
                    push_text(&mut out, " ");
                }
                c => {
                    self.at += 1;
                    let mut buf = [0u8; 4];
                    push_text(&mut out, c.encode_utf8(&mut buf));
                }
            }
        }
        out
    }

    /// Eats up to `max` copies of `c` and says how many.
    fn count_run(&mut self, c: char, max: usize) -> usize {
        let mut run = 0;
        while run < max && self.peek() == Some(c) {
            run += 1;
            self.at += 1;
        }
        run
    }

    fn find_math_end(&self, display: bool) -> usize {
        let mut i = self.at;
        while i < self.chars.len() {
            match self.chars[i] {
                '\\' => i += 1,
                '$' if !display || self.chars.get(i + 1) == Some(&'$') => return i,
                _ => {}
            }
            i += 1;
        }
        self.chars.len()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Braces protect their text, outside a special character.
    fn protected(&self, inner: Vec<Inline>) -> Vec<Inline> {
        if self.special == 0 && !inner.is_empty() { vec![Inline::Protected(inner)] } else { inner }
    }

    /// One argument: a group (read as rich text, protected as braces are)
    /// or a single character.
    fn argument(&mut self, depth: usize) -> Vec<Inline> {
        self.skip_spaces();
        match self.peek() {
            Some('{') => {
                self.at += 1;
                if depth >= MAX_DEPTH {
                    return Vec::new();
                }
                let inner = self.group_rest(depth + 1);
                self.protected(inner)
            }
            Some('\\') => {
                self.at += 1;
                let mut out = Vec::new();
                // `\'\'\'…`: each command's argument is one level deeper.
                if depth < MAX_DEPTH {
                    self.command(&mut out, depth + 1, false);
                }
                out
            }
            Some('}') | None => Vec::new(),
            Some(c) => {
                self.at += 1;
                vec![Inline::Text(c.to_string())]
            }
        }
    }

    /// An argument read as plain text, verbatim (URLs, keys).
    fn raw_argument(&mut self) -> String {
        self.skip_spaces();
        if self.peek() != Some('{') {
            return self
                .peek()
                .map(|c| {
                    self.at += 1;
                    c.to_string()
                })
                .unwrap_or_default();
        }
        self.at += 1;
        let mut depth = 0usize;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.at += 1;
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                '\\' => {
                    if let Some(next) = self.peek() {
                        self.at += 1;
                        out.push(next);
                    }
                    continue;
                }
                _ => {}
            }
            out.push(c);
        }
        out
    }

    fn skip_optional_argument(&mut self) {
        let save = self.at;
        self.skip_spaces();
        if self.peek() != Some('[') {
            self.at = save;
            return;
        }
        while let Some(c) = self.peek() {
            self.at += 1;
            if c == ']' {
                break;
            }
        }
    }

    /// After the backslash.
    fn command(&mut self, out: &mut Vec<Inline>, depth: usize, in_group: bool) {
        let Some(first) = self.peek() else {
            push_text(out, "\\");
            return;
        };
        if !first.is_ascii_alphabetic() {
            self.at += 1;
            self.control_symbol(first, out, depth);
            return;
        }
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        // A starred form reads as the plain one here.
        if self.peek() == Some('*') {
            self.at += 1;
        }
        // TeX eats the spaces after a control word.
        self.skip_spaces();
        if let Some(combining) = accent_of(&name) {
            let base = self.argument(depth);
            push_text(out, &accented(&super::rich::plain(&base), combining));
            return;
        }
        if let Some(symbol) = symbol_of(&name) {
            push_text(out, symbol);
            return;
        }
        if let Some(mark) = style_command(&name) {
            let inner = self.argument(depth);
            out.push(Inline::Styled(mark, inner));
            return;
        }
        if let Some(mark) = style_declaration(&name) {
            // `{\em text}`: the rest of the group.
            let rest = if depth >= MAX_DEPTH { Vec::new() } else { self.sequence(depth + 1, in_group) };
            match mark {
                Some(mark) => out.push(Inline::Styled(mark, rest)),
                None => append(out, rest),
            }
            return;
        }
        match name.as_str() {
            // Arguments printed as they are.
            "textrm" | "textsf" | "texttt" | "textup" | "textmd" | "textnormal" | "mbox" | "hbox" | "text"
            | "ensuremath" | "mkbibacro" | "textlatin" | "foreignlanguage" | "hyphenation" => {
                if name == "foreignlanguage" {
                    self.raw_argument();
                }
                let inner = self.argument(depth);
                append(out, inner);
            }
            "NoCaseChange" | "nocasechange" => {
                let inner = self.argument(depth);
                out.push(Inline::Protected(inner));
            }
            "url" | "nolinkurl" | "path" | "doi" | "verb" => {
                let url = self.raw_argument();
                if !url.is_empty() {
                    append(out, self.protected(vec![Inline::Text(url)]));
                }
            }
            "href" => {
                self.raw_argument();
                let inner = self.argument(depth);
                append(out, inner);
            }
            "MakeUppercase" | "uppercase" | "MakeTextUppercase" => {
                let inner = self.argument(depth);
                push_text(out, &super::rich::plain(&inner).to_uppercase());
            }
            "MakeLowercase" | "lowercase" | "MakeTextLowercase" => {
                let inner = self.argument(depth);
                push_text(out, &super::rich::plain(&inner).to_lowercase());
            }
            "autocap" | "textcase" => {
                let inner = self.argument(depth);
                append(out, inner);
            }
            "bibstring" | "biblstring" | "bibsstring" => {
                let key = self.raw_argument();
                push_text(out, super::terms::bibstring(&key).unwrap_or(&key));
            }
            "par" | "newline" | "linebreak" | "break" => push_text(out, " "),
            "arabic" | "roman" | "Roman" | "alph" | "Alph" | "value" | "fnsymbol" => {
                // A counter's value, known only when the document is
                // typeset (`\arabic{author}`): nothing to print here.
                self.raw_argument();
            }
            "relax" | "nobreak" | "noindent" | "protect" | "unskip" | "ignorespaces" | "allowbreak" | "hskip"
            | "nopagebreak" | "xspace" | "smallskip" | "medskip" | "bigskip" | "normalsize" | "small"
            | "footnotesize" | "scriptsize" | "tiny" | "large" | "Large" | "LARGE" | "huge" | "Huge" => {}
            "cite" | "citet" | "citep" | "autocite" | "textcite" | "parencite" | "citeauthor" | "citeyear"
            | "nocite" | "ref" => {
                // What they print is made elsewhere: the keys, in brackets,
                // say what was cited rather than nothing.
                self.skip_optional_argument();
                self.skip_optional_argument();
                let keys = self.raw_argument();
                if name != "nocite" && !keys.trim().is_empty() {
                    push_text(out, &format!("[{}]", keys.trim()));
                }
            }
            "footnote" => {
                let inner = self.argument(depth);
                append(out, inner);
            }
            "label" | "index" | "noopsort" | "SortNoop" | "sortnoop" | "noop" => {
                // Prints nothing: `\noopsort{1973b}` only sorts (BibTeX's
                // trick, defined in the file's `@preamble`).
                self.raw_argument();
            }
            _ => {
                // Unknown: its name goes, its arguments stay, as text.
                self.skip_optional_argument();
                while self.peek() == Some('{') {
                    let inner = self.argument(depth);
                    append(out, inner);
                }
            }
        }
    }

    fn control_symbol(&mut self, c: char, out: &mut Vec<Inline>, depth: usize) {
        if let Some(combining) = accent_of(&c.to_string()) {
            let base = self.argument(depth);
            push_text(out, &accented(&super::rich::plain(&base), combining));
            return;
        }
        match c {
            '\\' => push_text(out, " "),
            ',' | ':' | ';' | ' ' | '\n' | '\t' => push_text(out, " "),
            '!' | '-' | '/' | '@' => {}
            _ => {
                let mut buf = [0u8; 4];
                push_text(out, c.encode_utf8(&mut buf));
            }
        }
    }
}

fn append(out: &mut Vec<Inline>, list: Vec<Inline>) {
    for inline in list {
        match inline {
            Inline::Text(text) => push_text(out, &text),
            other => out.push(other),
        }
    }
}

/// A base letter with a combining accent, composed where Unicode has the
/// precomposed letter (`\'{e}` → `é`); an empty base gives the accent alone.
fn accented(base: &str, combining: char) -> String {
    let mut chars = base.chars();
    let Some(first) = chars.next() else {
        return spacing_accent(combining).to_string();
    };
    // Accents on a dotless i or j sit on the letter itself.
    let first = match first {
        'ı' => 'i',
        'ȷ' => 'j',
        c => c,
    };
    let mut out: String = [first, combining].iter().collect::<String>().nfc().collect();
    out.extend(chars);
    out
}

fn spacing_accent(combining: char) -> char {
    match combining {
        '\u{301}' => '´',
        '\u{300}' => '`',
        '\u{302}' => '^',
        '\u{308}' => '¨',
        '\u{303}' => '~',
        '\u{304}' => '¯',
        '\u{327}' => '¸',
        '\u{306}' => '˘',
        '\u{30C}' => 'ˇ',
        '\u{307}' => '˙',
        '\u{30B}' => '˝',
        '\u{30A}' => '˚',
        '\u{328}' => '˛',
        c => c,
    }
}

/// The combining character of an accent command.
fn accent_of(name: &str) -> Option<char> {
    Some(match name {
        "'" => '\u{301}',
        "`" => '\u{300}',
        "^" => '\u{302}',
        "\"" => '\u{308}',
        "~" => '\u{303}',
        "=" => '\u{304}',
        "." => '\u{307}',
        "u" => '\u{306}',
        "v" => '\u{30C}',
        "H" => '\u{30B}',
        "c" => '\u{327}',
        "d" => '\u{323}',
        "b" => '\u{331}',
        "r" => '\u{30A}',
        "k" => '\u{328}',
        "t" => '\u{361}',
        "G" => '\u{30F}',
        _ => return None,
    })
}

/// Commands that stand for a character or a word.
fn symbol_of(name: &str) -> Option<&'static str> {
    Some(match name {
        "i" => "ı",
        "j" => "ȷ",
        "o" => "ø",
        "O" => "Ø",
        "l" => "ł",
        "L" => "Ł",
        "ss" => "ß",
        "SS" => "SS",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "aa" => "å",
        "AA" => "Å",
        "dh" => "ð",
        "DH" => "Ð",
        "dj" => "đ",
        "DJ" => "Đ",
        "th" => "þ",
        "TH" => "Þ",
        "ng" => "ŋ",
        "NG" => "Ŋ",
        "S" => "§",
        "P" => "¶",
        "dag" | "textdagger" => "†",
        "ddag" | "textdaggerdbl" => "‡",
        "copyright" | "textcopyright" => "©",
        "textregistered" => "®",
        "texttrademark" => "™",
        "pounds" | "textsterling" => "£",
        "euro" | "texteuro" => "€",
        "textdollar" => "$",
        "textyen" => "¥",
        "textdegree" => "°",
        "textperthousand" => "‰",
        "textmu" => "µ",
        "ldots" | "dots" | "textellipsis" => "…",
        "textendash" | "endash" => "–",
        "textemdash" | "emdash" => "—",
        "textquoteleft" => "‘",
        "textquoteright" => "’",
        "textquotedblleft" => "“",
        "textquotedblright" => "”",
        "textquotesingle" => "'",
        "textquotedbl" => "\"",
        "guillemotleft" | "guillemetleft" | "flqq" => "«",
        "guillemotright" | "guillemetright" | "frqq" => "»",
        "guilsinglleft" | "flq" => "‹",
        "guilsinglright" | "frq" => "›",
        "quotedblbase" | "glqq" => "„",
        "quotesinglbase" | "glq" => "‚",
        "grqq" => "“",
        "grq" => "‘",
        "textexclamdown" => "¡",
        "textquestiondown" => "¿",
        "textbackslash" => "\\",
        "textbar" => "|",
        "textless" => "<",
        "textgreater" => ">",
        "textasciitilde" => "~",
        "textasciicircum" => "^",
        "textunderscore" => "_",
        "textbraceleft" => "{",
        "textbraceright" => "}",
        "textbullet" => "•",
        "textperiodcentered" => "·",
        "textvisiblespace" => "␣",
        "textnumero" => "№",
        "slash" => "/",
        "hyphen" | "nbhyphen" => "-",
        "TeX" => "TeX",
        "LaTeX" => "LaTeX",
        "LaTeXe" => "LaTeX2ε",
        "BibTeX" => "BibTeX",
        "XeTeX" => "XeTeX",
        "XeLaTeX" => "XeLaTeX",
        "LuaTeX" => "LuaTeX",
        "LuaLaTeX" => "LuaLaTeX",
        "ConTeXt" => "ConTeXt",
        "AmS" => "AMS",
        "quad" | "qquad" | "enspace" | "thinspace" | "space" | "enskip" => " ",
        "nobreakspace" => "\u{a0}",
        "textsection" => "§",
        "textparagraph" => "¶",
        "ordfeminine" | "textordfeminine" => "ª",
        "ordmasculine" | "textordmasculine" => "º",
        _ => return None,
    })
}

/// Commands with one argument that formats it.
fn style_command(name: &str) -> Option<Mark> {
    Some(match name {
        "emph" | "textit" | "textsl" | "mkbibemph" | "mkbibitalic" | "textem" => Mark::Italic,
        "textbf" | "mkbibbold" | "textstrong" => Mark::Bold,
        "textsc" | "mkbibsc" => Mark::SmallCaps,
        "textsuperscript" | "mkbibsuperscript" | "textsu" => Mark::Superscript,
        "textsubscript" | "mkbibsubscript" => Mark::Subscript,
        "mkbibquote" | "enquote" | "mkbibenquote" | "mkfrenchquote" | "mkgermanquote" => Mark::Quoted,
        _ => return None,
    })
}

/// Declarations that format the rest of their group; `None` for those that
/// change nothing CSL can show (`\rmfamily`).
fn style_declaration(name: &str) -> Option<Option<Mark>> {
    Some(match name {
        "em" | "it" | "itshape" | "sl" | "slshape" => Some(Mark::Italic),
        "bf" | "bfseries" => Some(Mark::Bold),
        "sc" | "scshape" => Some(Mark::SmallCaps),
        "rm" | "rmfamily" | "sf" | "sffamily" | "tt" | "ttfamily" | "upshape" | "mdseries" | "normalfont" => None,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::rich::markup;
    use super::*;

    #[test]
    fn accents_and_symbols_become_unicode() {
        let cases = [
            (r#"Aks{\i}n, {\"O}zge and {\c{C}}etinkaya"#, "Aksın, Özge and Çetinkaya"),
            (r"\'e \`a \^o \~n \=a \.z \u{g} \v{s} \H{o} \c c \d{a} \r{a} \k{a}", "é à ô ñ ā ż ğ š ő ç ạ å ą"),
            (r#"\'{\i} {\"\i} Kydl{\'i}{\v{c}}ek"#, "í ï Kydlíček"),
            (r"\o\ \O\ \l\ \L\ \ss\ \ae\ \AE\ \oe\ \aa\ \AA", "ø Ø ł Ł ß æ Æ œ å Å"),
            (r"\S 3 \copyright \ldots", "§3 ©…"),
            (r"\TeX\ and {\LaTeX} and \TeX book", "TeX and LaTeX and TeXbook"),
            (r"\& \% \$ \# \_ \{ \}", "& % $ # _ { }"),
            ("a~b -- c --- d `x' ``y''", "a\u{a0}b – c — d ‘x’ “y”"),
            (r"Hemingway's \slash\ x\hyphen y", "Hemingway’s / x-y"),
            ("line one\n   line  two % comment\n three", "line one line two three"),
            (r"\'{}", "´"),
        ];
        for (input, expected) in cases {
            assert_eq!(plain(input), expected, "{input}");
        }
    }

    #[test]
    fn commands_become_markup() {
        // With nocase spans written: an argument in braces is protected, as
        // braces are (BibTeX's rule), and shows as a span when it holds a
        // word in lowercase.
        let cases = [
            (r"\emph{In Vivo} and \textbf{bold}", "<i>In Vivo</i> and <b><span class=\"nocase\">bold</span></b>"),
            (
                r"{\em Emph} {\bf B} \textsc{MCM}",
                "<i>Emph</i> <b>B</b> <span style=\"font-variant:small-caps;\">MCM</span>",
            ),
            (r"H\textsubscript{2}O 10\textsuperscript{TH}", "H<sub>2</sub>O 10<sup>TH</sup>"),
            (r"\mkbibquote{Intention} und \enquote{A \enquote{B}}", "“Intention” und “A ‘B’”"),
            (
                r"\texttt{Code} \url{http://x.y/a_b} \href{http://z}{Link}",
                "Code <span class=\"nocase\">http://x.y/a_b</span> Link",
            ),
            (r"\unknowncommand{Kept} \foo[opt]{Arg}", "Kept Arg"),
            (r"{iPhone} and {\relax Ch}ristopher", "<span class=\"nocase\">iPhone</span> and Christopher"),
            (
                r"$E=mc^2$ and $\alpha_{i}$",
                "<span class=\"nocase\">E=mc<sup>2</sup></span> and <span class=\"nocase\">α<sub>i</sub></span>",
            ),
            (r"\bibstring{newseries}", "new series"),
            (r"\arabic{author} authors", "authors"),
        ];
        for (input, expected) in cases {
            assert_eq!(markup(&parse(input), true), expected, "{input}");
        }
        // Braces only matter to letter case: without spans, text is text.
        assert_eq!(markup(&parse(r"\textbf{bold} {iPhone}"), false), "<b>bold</b> iPhone");
    }

    #[test]
    fn deep_nesting_and_stray_braces_do_not_fail() {
        let deep = format!("{}x{}", "{".repeat(10_000), "}".repeat(10_000));
        assert_eq!(plain(&deep), "x");
        assert_eq!(plain("a } b \\"), "a b \\");
        assert_eq!(plain("\\emph{unclosed"), "unclosed");
        assert_eq!(plain("$unclosed math"), "unclosed math");
    }
}
