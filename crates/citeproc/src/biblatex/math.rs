//! TeX math in field values (`$E=mc^2$`, `$\alpha$-helix`), read as text:
//! Greek letters and common symbols become Unicode, `^`/`_` become
//! super- and subscripts, and font commands keep their argument. CSL-JSON
//! has no math markup; this is what a reader of the bibliography sees.

use super::rich::{Inline, Mark, push_text};

/// How deep `^{…}` and `{…}` may nest before the rest is read flat.
const MAX_DEPTH: usize = 32;

pub(crate) fn parse(source: &str) -> Vec<Inline> {
    let chars: Vec<char> = source.chars().collect();
    let mut at = 0;
    let out = sequence(&chars, &mut at, 0, false);
    super::rich::tidy(out)
}

fn sequence(chars: &[char], at: &mut usize, depth: usize, in_group: bool) -> Vec<Inline> {
    let mut out = Vec::new();
    while let Some(&c) = chars.get(*at) {
        match c {
            '}' => {
                *at += 1;
                if in_group {
                    return out;
                }
            }
            '{' => {
                *at += 1;
                if depth < MAX_DEPTH {
                    let inner = sequence(chars, at, depth + 1, true);
                    extend(&mut out, inner);
                }
            }
            '^' | '_' => {
                *at += 1;
                let inner = atom(chars, at, depth);
                if !inner.is_empty() {
                    let mark = if c == '^' { Mark::Superscript } else { Mark::Subscript };
                    out.push(Inline::Styled(mark, inner));
                }
            }
            '\\' => {
                *at += 1;
                command(chars, at, depth, &mut out);
            }
            '~' => {
                *at += 1;
                push_text(&mut out, " ");
            }
            '\'' => {
                *at += 1;
                push_text(&mut out, "′");
            }
            c if c.is_whitespace() => {
                *at += 1;
                push_text(&mut out, " ");
            }
            c => {
                *at += 1;
                let mut buf = [0u8; 4];
                push_text(&mut out, c.encode_utf8(&mut buf));
            }
        }
    }
    out
}

/// The argument of `^`, `_` or a command: a group, a command or a character.
fn atom(chars: &[char], at: &mut usize, depth: usize) -> Vec<Inline> {
    while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
        *at += 1;
    }
    match chars.get(*at) {
        Some('{') => {
            *at += 1;
            if depth >= MAX_DEPTH {
                return Vec::new();
            }
            // Spaces at the ends of a group print nothing (`^{i \pi }`).
            let mut inner = sequence(chars, at, depth + 1, true);
            if let Some(Inline::Text(text)) = inner.first_mut() {
                *text = text.trim_start().to_string();
            }
            if let Some(Inline::Text(text)) = inner.last_mut() {
                *text = text.trim_end().to_string();
            }
            inner.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
            inner
        }
        Some('\\') => {
            *at += 1;
            let mut out = Vec::new();
            if depth < MAX_DEPTH {
                command(chars, at, depth + 1, &mut out);
            }
            out
        }
        Some('}') | None => Vec::new(),
        Some(&c) => {
            *at += 1;
            vec![Inline::Text(c.to_string())]
        }
    }
}

fn command(chars: &[char], at: &mut usize, depth: usize, out: &mut Vec<Inline>) {
    let start = *at;
    while chars.get(*at).is_some_and(|c| c.is_ascii_alphabetic()) {
        *at += 1;
    }
    if *at == start {
        // A control symbol: `\{`, `\,`, `\%`.
        if let Some(&c) = chars.get(*at) {
            *at += 1;
            match c {
                ',' | ';' | ':' | ' ' | '!' => {}
                c => {
                    let mut buf = [0u8; 4];
                    push_text(out, c.encode_utf8(&mut buf));
                }
            }
        }
        return;
    }
    let name: String = chars[start..*at].iter().collect();
    if let Some(symbol) = symbol(&name) {
        push_text(out, symbol);
        // An operator name (`\log n`) keeps its space before what follows.
        if symbol.chars().all(|c| c.is_ascii_alphabetic())
            && chars.get(*at).is_some_and(|c| c.is_alphanumeric() || *c == '\\')
        {
            push_text(out, " ");
        }
        return;
    }
    match name.as_str() {
        "mathrm" | "mathit" | "mathbf" | "mathsf" | "mathtt" | "mathcal" | "mathbb" | "mathfrak" | "text"
        | "textrm" | "textit" | "textbf" | "mbox" | "operatorname" | "boldsymbol" | "bm" | "mathnormal" | "emph" => {
            let inner = atom(chars, at, depth);
            let inner = match name.as_str() {
                "mathit" | "textit" | "emph" => vec![Inline::Styled(Mark::Italic, inner)],
                "mathbf" | "textbf" | "boldsymbol" | "bm" => vec![Inline::Styled(Mark::Bold, inner)],
                _ => inner,
            };
            extend(out, inner);
        }
        "frac" | "dfrac" | "tfrac" => {
            let top = atom(chars, at, depth);
            let bottom = atom(chars, at, depth);
            extend(out, top);
            push_text(out, "/");
            extend(out, bottom);
        }
        "sqrt" => {
            let inner = atom(chars, at, depth);
            push_text(out, "√");
            extend(out, inner);
        }
        "left" | "right" | "big" | "Big" | "bigg" | "Bigg" | "displaystyle" | "textstyle" | "limits" | "rm" | "it"
        | "bf" | "sf" | "tt" | "cal" | "mit" | "sl" | "em" | "nolimits" => {}
        _ => push_text(out, &name),
    }
}

fn extend(out: &mut Vec<Inline>, list: Vec<Inline>) {
    for inline in list {
        match inline {
            Inline::Text(text) => push_text(out, &text),
            other => out.push(other),
        }
    }
}

fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" => "ϵ",
        "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "vartheta" => "ϑ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "varpi" => "ϖ",
        "rho" => "ρ",
        "varrho" => "ϱ",
        "sigma" => "σ",
        "varsigma" => "ς",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" => "ϕ",
        "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "times" => "×",
        "cdot" => "·",
        "cdots" | "ldots" | "dots" => "…",
        "pm" => "±",
        "mp" => "∓",
        "div" => "÷",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "sim" => "∼",
        "simeq" => "≃",
        "equiv" => "≡",
        "propto" => "∝",
        "ll" => "≪",
        "gg" => "≫",
        "infty" => "∞",
        "partial" => "∂",
        "nabla" => "∇",
        "sum" => "∑",
        "prod" => "∏",
        "int" => "∫",
        "in" => "∈",
        "notin" => "∉",
        "subset" => "⊂",
        "subseteq" => "⊆",
        "cup" => "∪",
        "cap" => "∩",
        "emptyset" | "varnothing" => "∅",
        "forall" => "∀",
        "exists" => "∃",
        "neg" | "lnot" => "¬",
        "wedge" | "land" => "∧",
        "vee" | "lor" => "∨",
        "to" | "rightarrow" => "→",
        "leftarrow" | "gets" => "←",
        "leftrightarrow" => "↔",
        "Rightarrow" | "implies" => "⇒",
        "Leftarrow" => "⇐",
        "Leftrightarrow" | "iff" => "⇔",
        "mapsto" => "↦",
        "uparrow" => "↑",
        "downarrow" => "↓",
        "prime" => "′",
        "circ" => "∘",
        "bullet" => "•",
        "star" => "⋆",
        "ast" => "∗",
        "oplus" => "⊕",
        "otimes" => "⊗",
        "perp" => "⊥",
        "parallel" => "∥",
        "angle" => "∠",
        "hbar" => "ℏ",
        "ell" => "ℓ",
        "Re" => "ℜ",
        "Im" => "ℑ",
        "aleph" => "ℵ",
        "langle" => "⟨",
        "rangle" => "⟩",
        "lbrace" => "{",
        "rbrace" => "}",
        "vert" | "mid" => "|",
        "Vert" => "‖",
        "quad" | "qquad" => " ",
        "log" => "log",
        "ln" => "ln",
        "exp" => "exp",
        "sin" => "sin",
        "cos" => "cos",
        "tan" => "tan",
        "max" => "max",
        "min" => "min",
        "lim" => "lim",
        "arg" => "arg",
        "det" => "det",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::rich::markup;
    use super::*;

    #[test]
    fn math_reads_as_text() {
        let cases = [
            ("E=mc^2", "E=mc<sup>2</sup>"),
            (r"\alpha+\beta_i^{2}", "α+β<sub>i</sub><sup>2</sup>"),
            (r"x_{10} \leq \sqrt{n}", "x<sub>10</sub> ≤ √n"),
            (r"\mathcal{O}(n \log n)", "O(n log n)"),
            (r"\frac{1}{2}", "1/2"),
            (r"\unknownsymbol x", "unknownsymbol x"),
            ("^", ""),
            (r"{\rm GL}(2) \times {\rm GL}(3)", "GL(2) × GL(3)"),
            (r"e^{i \pi } = -1", "e<sup>i π</sup> = -1"),
            (r"O(n \log n / \! \log\log n)", "O(n log n / log log n)"),
        ];
        for (input, expected) in cases {
            assert_eq!(markup(&parse(input), false), expected, "{input}");
        }
    }
}
