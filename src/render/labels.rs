//! Words and punctuation the preprocessor itself prints (list titles, table
//! headers, the back-references' label), in the book's language. CSL locales
//! have no term for these. Punctuation is part of the language too: Chinese
//! writes `引用位置：` with a full-width colon, French `Cité dans :` with a
//! narrow space before it.

/// The strings for one language.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    pub references: &'static str,
    pub cited_in: &'static str,
    pub topic: &'static str,
    pub sections: &'static str,
    pub works: &'static str,
    pub top_works: &'static str,
    pub unknown_key: &'static str,
    pub unreadable_entry: &'static str,
    pub et_al: &'static str,
    pub and: &'static str,
    /// After a label, before what it labels: `: `, `：`.
    pub colon: &'static str,
    /// Between the items of a list: `; `, `；`.
    pub separator: &'static str,
    /// Around a remark after a sentence (the back-references in Markdown):
    /// ` (` and `)`, `（` and `）`.
    pub open_paren: &'static str,
    pub close_paren: &'static str,
}

const EN: Labels = Labels {
    references: "References",
    cited_in: "Cited in",
    topic: "Topic",
    sections: "Sections",
    works: "Works cited",
    top_works: "Most cited",
    unknown_key: "unknown citation key",
    unreadable_entry: "the bibliography entry could not be read",
    et_al: " et al.",
    and: " and ",
    colon: ": ",
    separator: "; ",
    open_paren: " (",
    close_paren: ")",
};

const ZH_CN: Labels = Labels {
    references: "参考文献",
    cited_in: "引用位置",
    topic: "主题",
    sections: "章节",
    works: "文献数",
    top_works: "高频引用",
    unknown_key: "未知的引用键",
    unreadable_entry: "无法读取该文献条目",
    et_al: " 等",
    and: "、",
    colon: "：",
    separator: "；",
    open_paren: "（",
    close_paren: "）",
};

const ZH_TW: Labels = Labels {
    references: "參考文獻",
    cited_in: "引用位置",
    topic: "主題",
    sections: "章節",
    works: "文獻數",
    top_works: "高頻引用",
    unknown_key: "未知的引用鍵",
    unreadable_entry: "無法讀取該文獻條目",
    ..ZH_CN
};

const JA: Labels = Labels {
    references: "参考文献",
    cited_in: "引用箇所",
    topic: "トピック",
    sections: "節",
    works: "文献数",
    top_works: "よく引用される文献",
    unknown_key: "不明な引用キー",
    unreadable_entry: "文献項目を読み取れませんでした",
    et_al: " ほか",
    and: "・",
    separator: "、",
    ..ZH_CN
};

const KO: Labels = Labels {
    references: "참고문헌",
    cited_in: "인용 위치",
    topic: "주제",
    sections: "절",
    works: "인용 문헌 수",
    top_works: "최다 인용",
    unknown_key: "알 수 없는 인용 키",
    unreadable_entry: "문헌 항목을 읽을 수 없습니다",
    et_al: " 외",
    and: ", ",
    ..EN
};

const DE: Labels = Labels {
    references: "Literatur",
    cited_in: "Zitiert in",
    topic: "Thema",
    sections: "Abschnitte",
    works: "Zitierte Werke",
    top_works: "Am häufigsten zitiert",
    unknown_key: "unbekannter Zitierschlüssel",
    unreadable_entry: "der Literatureintrag konnte nicht gelesen werden",
    and: " und ",
    ..EN
};

const FR: Labels = Labels {
    references: "Références",
    cited_in: "Cité dans",
    topic: "Thème",
    sections: "Sections",
    works: "Travaux cités",
    top_works: "Les plus cités",
    unknown_key: "clé de citation inconnue",
    unreadable_entry: "l’entrée bibliographique n’a pas pu être lue",
    and: " et ",
    // French puts a narrow no-break space before `:` and `;`.
    colon: "\u{202F}: ",
    separator: "\u{202F}; ",
    ..EN
};

const ES: Labels = Labels {
    references: "Referencias",
    cited_in: "Citado en",
    topic: "Tema",
    sections: "Secciones",
    works: "Obras citadas",
    top_works: "Más citadas",
    unknown_key: "clave de cita desconocida",
    unreadable_entry: "no se pudo leer la entrada bibliográfica",
    and: " y ",
    ..EN
};

const IT: Labels = Labels {
    references: "Bibliografia",
    cited_in: "Citato in",
    topic: "Argomento",
    sections: "Sezioni",
    works: "Opere citate",
    top_works: "Più citate",
    unknown_key: "chiave di citazione sconosciuta",
    unreadable_entry: "impossibile leggere la voce bibliografica",
    and: " e ",
    ..EN
};

const PT: Labels = Labels {
    references: "Referências",
    cited_in: "Citado em",
    topic: "Tema",
    sections: "Seções",
    works: "Obras citadas",
    top_works: "Mais citadas",
    unknown_key: "chave de citação desconhecida",
    unreadable_entry: "não foi possível ler a entrada bibliográfica",
    and: " e ",
    ..EN
};

const NL: Labels = Labels {
    references: "Referenties",
    cited_in: "Geciteerd in",
    topic: "Onderwerp",
    sections: "Secties",
    works: "Geciteerde werken",
    top_works: "Meest geciteerd",
    unknown_key: "onbekende citatiesleutel",
    unreadable_entry: "het bibliografische item kon niet worden gelezen",
    and: " en ",
    ..EN
};

const RU: Labels = Labels {
    references: "Литература",
    cited_in: "Цитируется в",
    topic: "Тема",
    sections: "Разделы",
    works: "Цитируемые работы",
    top_works: "Наиболее цитируемые",
    unknown_key: "неизвестный ключ цитирования",
    unreadable_entry: "не удалось прочитать библиографическую запись",
    et_al: " и др.",
    and: " и ",
    ..EN
};

const PL: Labels = Labels {
    references: "Bibliografia",
    cited_in: "Cytowane w",
    topic: "Temat",
    sections: "Sekcje",
    works: "Cytowane prace",
    top_works: "Najczęściej cytowane",
    unknown_key: "nieznany klucz cytowania",
    unreadable_entry: "nie udało się odczytać pozycji bibliografii",
    et_al: " i in.",
    and: " i ",
    ..EN
};

const SV: Labels = Labels {
    references: "Referenser",
    cited_in: "Citerad i",
    topic: "Ämne",
    sections: "Avsnitt",
    works: "Citerade verk",
    top_works: "Mest citerade",
    unknown_key: "okänd citeringsnyckel",
    unreadable_entry: "bibliografiposten kunde inte läsas",
    and: " och ",
    ..EN
};

/// The labels for a CSL locale code, English when we have none.
pub fn for_locale(locale: &str) -> Labels {
    let language = locale.split('-').next().unwrap_or_default();
    match language {
        "zh" if matches!(locale, "zh-TW" | "zh-HK" | "zh-MO") || locale.starts_with("zh-Hant") => ZH_TW,
        "zh" => ZH_CN,
        "ja" => JA,
        "ko" => KO,
        "de" => DE,
        "fr" => FR,
        "es" => ES,
        "it" => IT,
        "pt" => PT,
        "nl" => NL,
        "ru" => RU,
        "pl" => PL,
        "sv" => SV,
        _ => EN,
    }
}

/// The label for the etal/and of the short citations in the topic table,
/// by the work's language.
pub fn for_work_language(language: Option<&str>) -> Labels {
    match language {
        Some("zh") => ZH_CN,
        _ => EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language's punctuation is its own (issue 13: `引用位置:` had an
    /// ASCII colon in a Chinese book).
    #[test]
    fn punctuation_follows_the_language() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("en-US", "Cited in", ": ", "; "),
            ("zh-CN", "引用位置", "：", "；"),
            ("zh-TW", "引用位置", "：", "；"),
            ("ja-JP", "引用箇所", "：", "、"),
            ("fr-FR", "Cité dans", "\u{202F}: ", "\u{202F}; "),
            ("de-DE", "Zitiert in", ": ", "; "),
            ("xx", "Cited in", ": ", "; "),
        ];
        for &(locale, cited_in, colon, separator) in cases {
            let labels = for_locale(locale);
            assert_eq!((labels.cited_in, labels.colon, labels.separator), (cited_in, colon, separator), "{locale}");
        }
        // CJK labels carry no ASCII punctuation.
        for labels in [ZH_CN, ZH_TW, JA] {
            let all = [labels.cited_in, labels.colon, labels.separator, labels.open_paren, labels.close_paren];
            assert!(all.iter().all(|s| !s.contains([':', ';', '(', ')'])), "{all:?}");
        }
    }
}
