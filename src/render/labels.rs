//! Words the preprocessor itself prints (list titles, table headers), in
//! the book's language. CSL locales have no term for a list's title.

/// The strings for one language.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    pub references: &'static str,
    pub book_references: &'static str,
    pub cited_in: &'static str,
    pub topic: &'static str,
    pub sections: &'static str,
    pub works: &'static str,
    pub top_works: &'static str,
    pub unknown_key: &'static str,
    pub unreadable_entry: &'static str,
    pub et_al: &'static str,
    pub and: &'static str,
}

const EN: Labels = Labels {
    references: "References",
    book_references: "References",
    cited_in: "Cited in",
    topic: "Topic",
    sections: "Sections",
    works: "Works cited",
    top_works: "Most cited",
    unknown_key: "unknown citation key",
    unreadable_entry: "the bibliography entry could not be read",
    et_al: " et al.",
    and: " and ",
};

const ZH_CN: Labels = Labels {
    references: "参考文献",
    book_references: "参考文献",
    cited_in: "引用位置",
    topic: "主题",
    sections: "章节",
    works: "文献数",
    top_works: "高频引用",
    unknown_key: "未知的引用键",
    unreadable_entry: "无法读取该文献条目",
    et_al: " 等",
    and: "、",
};

const ZH_TW: Labels = Labels {
    references: "參考文獻",
    book_references: "參考文獻",
    cited_in: "引用位置",
    topic: "主題",
    sections: "章節",
    works: "文獻數",
    top_works: "高頻引用",
    unknown_key: "未知的引用鍵",
    unreadable_entry: "無法讀取該文獻條目",
    et_al: " 等",
    and: "、",
};

/// The labels for a CSL locale code, English when we have none.
pub fn for_locale(locale: &str) -> Labels {
    let language = locale.split('-').next().unwrap_or_default();
    let references = match language {
        "de" => "Literatur",
        "fr" => "Références",
        "es" => "Referencias",
        "it" => "Bibliografia",
        "pt" => "Referências",
        "nl" => "Referenties",
        "ru" => "Литература",
        "ja" => "参考文献",
        "ko" => "참고문헌",
        "pl" => "Bibliografia",
        "sv" => "Referenser",
        _ => "References",
    };
    match locale {
        "zh-TW" => ZH_TW,
        _ if language == "zh" => ZH_CN,
        _ => Labels { references, book_references: references, ..EN },
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
