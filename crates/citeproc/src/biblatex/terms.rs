//! What biblatex's English localisation module prints for the keys a
//! database may hold (`type = {mathesis}`, `series = {newseries}`,
//! `location = {countryde}`, `\bibstring{…}`), and BibLaTeX/babel language
//! names as BCP 47 tags.

/// The English text of a biblatex localisation key.
pub(crate) fn bibstring(key: &str) -> Option<&'static str> {
    Some(match key.trim() {
        "newseries" => "new series",
        "oldseries" => "old series",
        "jourser" => "series",
        "mathesis" => "Master’s thesis",
        "phdthesis" => "PhD thesis",
        "candthesis" => "Candidate thesis",
        "techreport" => "technical report",
        "resreport" => "research report",
        "software" => "computer software",
        "datacd" => "CD-ROM",
        "audiocd" => "audio CD",
        "patent" => "patent",
        "patentde" => "German patent",
        "patenteu" => "European patent",
        "patentfr" => "French patent",
        "patentuk" => "British patent",
        "patentus" => "U.S. patent",
        "patreq" => "patent request",
        "patreqde" => "German patent request",
        "patreqeu" => "European patent request",
        "patreqfr" => "French patent request",
        "patrequk" => "British patent request",
        "patrequs" => "U.S. patent request",
        "countryde" => "Germany",
        "countryeu" | "countryep" => "European Union",
        "countryfr" => "France",
        "countryuk" => "United Kingdom",
        "countryus" => "United States of America",
        "inpreparation" => "in preparation",
        "submitted" => "submitted",
        "forthcoming" => "forthcoming",
        "inpress" => "in press",
        "prepublished" => "pre-published",
        "langamerican" => "American",
        "langbrazilian" => "Brazilian",
        "langcatalan" => "Catalan",
        "langcroatian" => "Croatian",
        "langczech" => "Czech",
        "langdanish" => "Danish",
        "langdutch" => "Dutch",
        "langenglish" => "English",
        "langestonian" => "Estonian",
        "langfinnish" => "Finnish",
        "langfrench" => "French",
        "langgerman" => "German",
        "langgreek" => "Greek",
        "langhungarian" => "Hungarian",
        "langitalian" => "Italian",
        "langjapanese" => "Japanese",
        "langlatin" => "Latin",
        "langnorwegian" => "Norwegian",
        "langpolish" => "Polish",
        "langportuguese" => "Portuguese",
        "langrussian" => "Russian",
        "langslovene" => "Slovene",
        "langspanish" => "Spanish",
        "langswedish" => "Swedish",
        "langchinese" => "Chinese",
        "langkorean" => "Korean",
        "andothers" => "et al.",
        "and" => "and",
        "editor" => "editor",
        "translator" => "translator",
        "volume" => "volume",
        "edition" => "edition",
        "excerpt" => "excerpt",
        "reprint" => "reprint",
        "number" => "number",
        "page" => "page",
        "pages" => "pages",
        "chapter" => "chapter",
        "section" => "section",
        "paragraph" => "paragraph",
        "url" => "address",
        "urlseen" => "visited on",
        "online" => "online",
        "version" => "version",
        "in" => "in",
        _ => return None,
    })
}

/// An English ordinal (`1st`, `2nd`, `3rd`, `11th`, `22nd`).
pub(crate) fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A language as a BCP 47 tag, from a babel/polyglossia name as biblatex's
/// `langid` takes it (`ngerman`, `british`), with `langidopts`' English
/// variants (`variant=british`); a tag already (`de-AT`) stays as written.
pub(crate) fn language_tag(langid: &str, options: &str) -> Option<String> {
    let name = langid.trim().to_ascii_lowercase();
    if name.is_empty() {
        return None;
    }
    let variant = options
        .split(',')
        .filter_map(|o| o.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("variant"))
        .map(|(_, v)| v.trim().to_ascii_lowercase());
    let name = match (name.as_str(), variant.as_deref()) {
        ("english", Some("british" | "uk")) => "british".to_string(),
        ("english", Some("american" | "us" | "usmax")) => "american".to_string(),
        ("english", Some("australian")) => "australian".to_string(),
        ("english", Some("newzealand")) => "newzealand".to_string(),
        ("english", Some("canadian")) => "canadian".to_string(),
        _ => name,
    };
    let tag = match name.as_str() {
        "english" | "american" | "usenglish" | "americanenglish" => "en-US",
        "british" | "ukenglish" | "britishenglish" => "en-GB",
        "canadian" => "en-CA",
        "australian" => "en-AU",
        "newzealand" => "en-NZ",
        "german" | "ngerman" | "germanb" | "ngermanb" => "de-DE",
        "austrian" | "naustrian" => "de-AT",
        "swissgerman" | "nswissgerman" => "de-CH",
        "french" | "francais" | "frenchb" => "fr-FR",
        "canadien" | "acadian" => "fr-CA",
        "spanish" => "es-ES",
        "mexican" => "es-MX",
        "italian" => "it-IT",
        "portuguese" | "portuges" => "pt-PT",
        "brazil" | "brazilian" => "pt-BR",
        "dutch" => "nl-NL",
        "afrikaans" => "af-ZA",
        "danish" => "da-DK",
        "swedish" => "sv-SE",
        "norsk" | "norwegian" | "bokmal" => "nb-NO",
        "nynorsk" => "nn-NO",
        "finnish" => "fi-FI",
        "icelandic" => "is-IS",
        "estonian" => "et-EE",
        "latvian" => "lv-LV",
        "lithuanian" => "lt-LT",
        "polish" => "pl-PL",
        "czech" => "cs-CZ",
        "slovak" => "sk-SK",
        "slovene" | "slovenian" => "sl-SI",
        "croatian" => "hr-HR",
        "serbian" | "serbianc" => "sr-RS",
        "bulgarian" => "bg-BG",
        "russian" => "ru-RU",
        "ukrainian" => "uk-UA",
        "greek" | "polutonikogreek" => "el-GR",
        "hungarian" | "magyar" => "hu-HU",
        "romanian" => "ro-RO",
        "turkish" => "tr-TR",
        "catalan" => "ca-ES",
        "basque" => "eu-ES",
        "galician" => "gl-ES",
        "hebrew" => "he-IL",
        "arabic" => "ar",
        "farsi" | "persian" => "fa-IR",
        "hindi" => "hi-IN",
        "thai" => "th-TH",
        "vietnamese" => "vi-VN",
        "indonesian" | "bahasa" | "bahasai" => "id-ID",
        "malay" | "bahasam" => "ms-MY",
        "chinese" | "schinese" | "chinese-simplified" => "zh-CN",
        "tchinese" | "chinese-traditional" => "zh-TW",
        "japanese" => "ja-JP",
        "korean" => "ko-KR",
        "mongolian" => "mn-MN",
        "latin" => "la",
        "welsh" => "cy-GB",
        "irish" => "ga-IE",
        "scottish" => "gd-GB",
        "esperanto" => "eo",
        _ => return Some(langid.trim().to_string()),
    };
    Some(tag.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_ordinals() {
        let cases = [
            ("english", "", "en-US"),
            ("english", "variant=british", "en-GB"),
            ("English", "variant = uk", "en-GB"),
            ("ngerman", "", "de-DE"),
            ("chinese", "", "zh-CN"),
            ("de-AT", "", "de-AT"),
        ];
        for (langid, options, expected) in cases {
            assert_eq!(language_tag(langid, options).as_deref(), Some(expected), "{langid} {options}");
        }
        assert_eq!(language_tag(" ", ""), None);
        let ordinals: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].into_iter().map(ordinal).collect();
        assert_eq!(ordinals, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]);
    }
}
