//! The language of a work: declared (`langid`, `language`) or detected from
//! its title and names. It decides which locale's terms the work's reference
//! uses ("et al." or 等).

/// A language as a lowercase BCP 47 primary tag (`zh`, `en`, `de`), from
/// whatever a bibliography says: BibLaTeX names (`chinese`, `ngerman`),
/// ISO codes (`zh-CN`, `en_US`), or English names (`Chinese`).
pub(crate) fn normalize(declared: &str) -> Option<String> {
    let lower = declared.trim().to_ascii_lowercase().replace('_', "-");
    if lower.is_empty() {
        return None;
    }
    let by_name = match lower.as_str() {
        "chinese"
        | "schinese"
        | "tchinese"
        | "simplified chinese"
        | "traditional chinese"
        | "中文"
        | "汉语"
        | "漢語" => "zh",
        "english" | "american" | "british" | "usenglish" | "ukenglish" | "canadian" | "australian" | "newzealand"
        | "americanenglish" | "britishenglish" => "en",
        "german" | "ngerman" | "austrian" | "naustrian" | "swissgerman" | "nswissgerman" => "de",
        "french" | "francais" | "canadien" | "acadian" => "fr",
        "japanese" | "日本語" => "ja",
        "korean" | "한국어" => "ko",
        "russian" => "ru",
        "spanish" | "mexican" => "es",
        "italian" => "it",
        "portuguese" | "portuges" | "brazilian" | "brazil" => "pt",
        "dutch" => "nl",
        "swedish" => "sv",
        "danish" => "da",
        "norwegian" | "norsk" | "nynorsk" => "nb",
        "finnish" => "fi",
        "polish" => "pl",
        "czech" => "cs",
        "slovak" => "sk",
        "greek" => "el",
        "turkish" => "tr",
        "ukrainian" => "uk",
        "hungarian" | "magyar" => "hu",
        "latin" => "la",
        "catalan" => "ca",
        "arabic" => "ar",
        "hebrew" => "he",
        "vietnamese" => "vi",
        "thai" => "th",
        "persian" | "farsi" => "fa",
        "romanian" => "ro",
        "croatian" => "hr",
        "serbian" => "sr",
        "slovenian" | "slovene" => "sl",
        "bulgarian" => "bg",
        "estonian" => "et",
        "latvian" => "lv",
        "lithuanian" => "lt",
        "icelandic" => "is",
        "indonesian" | "bahasa" => "id",
        _ => "",
    };
    if !by_name.is_empty() {
        return Some(by_name.to_string());
    }
    let primary = lower.split('-').next().unwrap_or_default();
    (primary.len() == 2 || primary.len() == 3)
        .then(|| primary.chars().all(|c| c.is_ascii_alphabetic()))
        .filter(|&ok| ok)
        .map(|_| primary.to_string())
}

/// The language the script of `text` shows, if it shows one: kana means
/// Japanese, Hangul Korean, Han characters alone Chinese. Latin script says
/// nothing (it is English, German, French…).
pub(crate) fn detect(text: &str) -> Option<&'static str> {
    let (mut han, mut kana, mut hangul) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        match c as u32 {
            0x3040..=0x30FF | 0x31F0..=0x31FF => kana += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF => han += 1,
            _ => {}
        }
    }
    if kana > 0 {
        Some("ja")
    } else if hangul > 0 {
        Some("ko")
    } else if han > 0 {
        Some("zh")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_languages_normalize() {
        let cases: &[(&str, Option<&str>)] = &[
            ("chinese", Some("zh")),
            ("Chinese", Some("zh")),
            ("zh-CN", Some("zh")),
            ("zh_TW", Some("zh")),
            ("english", Some("en")),
            ("en-US", Some("en")),
            ("ngerman", Some("de")),
            ("brazilian", Some("pt")),
            ("japanese", Some("ja")),
            ("", None),
            ("klingon-ish", None),
        ];
        for &(input, expected) in cases {
            assert_eq!(normalize(input).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn scripts_are_detected() {
        let cases: &[(&str, Option<&str>)] = &[
            ("深度学习导论", Some("zh")),
            ("王小明", Some("zh")),
            ("機械学習のための数学", Some("ja")),
            ("딥러닝", Some("ko")),
            ("Attention Is All You Need", None),
            ("Müller", None),
        ];
        for &(input, expected) in cases {
            assert_eq!(detect(input), expected, "{input}");
        }
    }
}
