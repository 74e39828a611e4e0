//! The BibLaTeX reader, rule by rule, on small entries written for each
//! rule (the issue's list, in its order), plus what it does with broken
//! files. The comparison with pandoc on whole files is in
//! `biblatex_pandoc.rs`.

use proptest::prelude::*;
use scholar_citeproc::biblatex::{BibProblem, read_biblatex};
use scholar_citeproc::item::Item;
use serde_json::{Value, json};

/// The one item of `src`, which must read without problems.
fn one(src: &str) -> Value {
    let (items, problems) = read_biblatex(src);
    assert!(problems.is_empty(), "{src}\n{problems:?}");
    assert_eq!(items.len(), 1, "{src}");
    items.into_iter().next().unwrap_or_default()
}

/// Checks fields of the one item of each entry: `(entry, field, value)`,
/// with `Value::Null` for "no such field".
fn check(cases: &[(&str, &str, Value)]) {
    for (src, field, expected) in cases {
        let item = one(src);
        assert_eq!(item.get(*field).unwrap_or(&Value::Null), expected, "{src}\n{item:#}");
    }
}

#[test]
fn english_titles_go_to_sentence_case_keeping_protected_spans() {
    check(&[
        ("@book{a, title = {The Art of Computer Programming}}", "title", json!("The art of computer programming")),
        ("@book{a, title = {A Study of {GPT} and {LaTeX}}}", "title", json!("A study of GPT and LaTeX")),
        // Words in capitals or mixed case are names or acronyms: kept.
        ("@book{a, title = {Attention Is All You Need for NLP}}", "title", json!("Attention is all you need for NLP")),
        // A protected span holding a lowercase word keeps it from a
        // style's title case.
        ("@book{a, title = {Using {iPhone} Apps}}", "title", json!("Using <span class=\"nocase\">iPhone</span> apps")),
        (
            "@book{a, title = {Size of 5~{nm} Dots}}",
            "title",
            json!("Size of 5\u{a0}<span class=\"nocase\">nm</span> dots"),
        ),
        // The subtitle's first word, and a sentence's, keep their case.
        (
            "@book{a, title = {Tame the {BeaST}}, subtitle = {The {B} to {X} of {BibTeX}}}",
            "title",
            json!("Tame the BeaST: The B to X of BibTeX"),
        ),
        ("@book{a, title = {Part One. The Beginning}}", "title", json!("Part one. The beginning")),
        ("@book{a, title = {Why? Because}}", "title", json!("Why? Because")),
        // A brace group that starts with a command is a BibTeX "special
        // character": it protects nothing.
        (r"@book{a, title = {Word {\em Emphasised Word}}}", "title", json!("Word <i>emphasised word</i>")),
        (r"@book{a, title = {Word \emph{Emphasised Word}}}", "title", json!("Word <i>Emphasised Word</i>")),
        // `langid`: a British title too; a German one is left as written.
        ("@book{a, title = {The Big Book}, langid = {british}}", "title", json!("The big book")),
        ("@book{a, title = {Die Geburt der Tragödie}, langid = {ngerman}}", "title", json!("Die Geburt der Tragödie")),
        ("@book{a, title = {Les Rites de Passage}, hyphenation = {french}}", "title", json!("Les Rites de Passage")),
        // Series, booktitle and the rest of the titles too; journals not.
        ("@incollection{a, title = {T}, booktitle = {The Big Book}}", "container-title", json!("The big book")),
        (
            "@book{a, title = {T}, series = {Lecture Notes in Computer Science}}",
            "collection-title",
            json!("Lecture notes in computer science"),
        ),
        ("@article{a, title = {T}, journal = {Journal of the ACM}}", "container-title", json!("Journal of the ACM")),
        // Chinese text has no case.
        ("@book{a, title = {深度学习：原理与实践}, langid = {chinese}}", "title", json!("深度学习：原理与实践")),
    ]);
}

#[test]
fn langid_becomes_language() {
    check(&[
        ("@book{a, langid = {english}}", "language", json!("en-US")),
        ("@book{a, langid = {english}, langidopts = {variant=british}}", "language", json!("en-GB")),
        ("@book{a, langid = {british}}", "language", json!("en-GB")),
        ("@book{a, langid = {ngerman}}", "language", json!("de-DE")),
        ("@book{a, langid = {french}}", "language", json!("fr-FR")),
        ("@book{a, langid = {latin}}", "language", json!("la")),
        ("@book{a, langid = {chinese}}", "language", json!("zh-CN")),
        ("@book{a, hyphenation = {spanish}}", "language", json!("es-ES")),
        ("@book{a, langid = {pt-BR}}", "language", json!("pt-BR")),
        ("@book{a, title = {No language}}", "language", Value::Null),
    ]);
}

#[test]
fn name_particles_are_particles() {
    let cases = [
        ("van Beethoven, Ludwig", json!({"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"})),
        ("Ludwig van Beethoven", json!({"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"})),
        ("von der Heide, Klaus", json!({"family": "Heide", "given": "Klaus", "dropping-particle": "von der"})),
        ("de la Fontaine, Jean", json!({"family": "Fontaine", "given": "Jean", "dropping-particle": "de la"})),
        ("Jean de la Fontaine", json!({"family": "Fontaine", "given": "Jean", "dropping-particle": "de la"})),
        ("Drummond de Andrade, Carlos", json!({"family": "Drummond de Andrade", "given": "Carlos"})),
        ("Von Werra, Leandro", json!({"family": "Von Werra", "given": "Leandro"})),
        (
            "Eickstedt, Klaus-Valtin von",
            json!({"family": "Eickstedt", "given": "Klaus-Valtin", "dropping-particle": "von"}),
        ),
        ("Smith, Jr., John", json!({"family": "Smith", "given": "John", "suffix": "Jr."})),
        (r"Lebr{\'o}n, Federico", json!({"family": "Lebrón", "given": "Federico"})),
        ("{Gemma Team}", json!({"literal": "Gemma Team"})),
        ("Aristotle", json!({"family": "Aristotle"})),
    ];
    for (name, expected) in cases {
        let item = one(&format!("@book{{a, author = {{{name}}}}}"));
        assert_eq!(item["author"], json!([expected]), "{name}");
    }
    // biblatex's `useprefix`: the particle sorts and cites with the name.
    let item = one("@book{a, author = {van Gennep, Arnold}, options = {useprefix=true}}");
    assert_eq!(item["author"], json!([{"family": "Gennep", "given": "Arnold", "non-dropping-particle": "van"}]));
    let item = one("@book{a, author = {family=Vries, given=Hugo, prefix=de, useprefix=true}}");
    assert_eq!(item["author"], json!([{"family": "Vries", "given": "Hugo", "non-dropping-particle": "de"}]));
}

#[test]
fn and_others_is_kept_as_the_et_al_signal() {
    let cases = [
        ("Doe, Jane and others", 2),
        ("Doe, Jane and Roe, Richard and others", 3),
        ("Doe, Jane AND Roe, Richard", 2),
        ("{Barnes and Noble} and others", 2),
    ];
    for (names, count) in cases {
        let item = one(&format!("@book{{a, author = {{{names}}}}}"));
        let list = item["author"].as_array().unwrap();
        assert_eq!(list.len(), count, "{names}");
        if names.ends_with("others") {
            assert_eq!(list.last(), Some(&json!({"literal": "others"})), "{names}");
        }
    }
    // It reaches the processor as a name, which renders it as et al.
    let item = Item::from_json(&one("@book{a, author = {Doe, Jane and others}}")).unwrap();
    assert_eq!(item.names["author"][1].literal, "others");
}

#[test]
fn dates_ranges_and_original_dates() {
    check(&[
        ("@book{a, date = {2004-10-27}}", "issued", json!({"date-parts": [[2004, 10, 27]]})),
        ("@book{a, date = {1984/1986}}", "issued", json!({"date-parts": [[1984], [1986]]})),
        ("@book{a, date = {1968-05-19/1968-05-25}}", "issued", json!({"date-parts": [[1968, 5, 19], [1968, 5, 25]]})),
        ("@book{a, date = {1988/}}", "issued", json!({"date-parts": [[1988], [0]]})),
        ("@book{a, date = {1950~}}", "issued", json!({"date-parts": [[1950]], "circa": true})),
        ("@book{a, date = {-0044-03-15}}", "issued", json!({"date-parts": [[-45, 3, 15]]})),
        ("@book{a, date = {2020-21}}", "issued", json!({"date-parts": [[2020, 21]]})),
        ("@book{a, year = 2020, month = jan}", "issued", json!({"date-parts": [[2020, 1]]})),
        ("@book{a, year = 2020, month = {May}, day = 3}", "issued", json!({"date-parts": [[2020, 5, 3]]})),
        ("@book{a, year = {2020}, month = 9}", "issued", json!({"date-parts": [[2020, 9]]})),
        ("@book{a, year = {forthcoming}}", "issued", json!({"literal": "forthcoming"})),
        ("@book{a, year = {1984--1986}}", "issued", json!({"date-parts": [[1984], [1986]]})),
        ("@periodical{a, year = {1987--}}", "issued", json!({"date-parts": [[1987], [0]]})),
        ("@book{a, year = 1986, month = {April-May}}", "issued", json!({"date-parts": [[1986, 4], [1986, 5]]})),
        ("@book{a, year = 1985, month = {Fall}}", "issued", json!({"date-parts": [[1985, 23]]})),
        (r"@book{a, year = {{\noopsort{1973b}}1973}}", "issued", json!({"date-parts": [[1973]]})),
        ("@book{a, date = 1997, origdate = 1959}", "original-date", json!({"date-parts": [[1959]]})),
        ("@book{a, origyear = 1850}", "original-date", json!({"date-parts": [[1850]]})),
        ("@inproceedings{a, eventdate = {1975}}", "event-date", json!({"date-parts": [[1975]]})),
        ("@online{a, urldate = {2006-10-01}}", "accessed", json!({"date-parts": [[2006, 10, 1]]})),
    ]);
    // What is not a date is kept as written, and said.
    let (items, problems) = read_biblatex("@book{a, date = {Spring 2020}}");
    assert_eq!(items[0]["issued"], json!({"literal": "Spring 2020"}));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("`Spring 2020` is not a date"), "{}", problems[0].message);
}

#[test]
fn numbers_are_kept_as_written() {
    check(&[
        ("@book{a, volume = {D}}", "volume", json!("D")),
        ("@book{a, volume = {IV}}", "volume", json!("IV")),
        ("@book{a, volume = 7, part = 2}", "volume", json!("7.2")),
        ("@book{a, volumes = {XII}}", "number-of-volumes", json!("XII")),
        ("@report{a, number = {D}}", "number", json!("D")),
        ("@report{a, number = {RC-6947}}", "number", json!("RC-6947")),
        ("@article{a, number = {IV}}", "issue", json!("IV")),
        ("@article{a, number = 3, issue = {Spring}}", "issue", json!("3, Spring")),
        ("@book{a, series = {Bollingen Series}, number = 75}", "collection-number", json!("75")),
        ("@book{a, edition = 2}", "edition", json!("2")),
        ("@book{a, pagetotal = 528}", "number-of-pages", json!("528")),
        ("@article{a, pages = {431--456, 791--823}}", "page", json!("431-456, 791-823")),
        ("@article{a, series = 3}", "collection-title", json!("3rd series")),
        ("@article{a, series = {newseries}}", "collection-title", json!("new series")),
    ]);
}

#[test]
fn institution_and_school_publish_theses_and_reports() {
    check(&[
        (
            "@thesis{a, institution = {Uppsala Universitet}, type = {phdthesis}}",
            "publisher",
            json!("Uppsala Universitet"),
        ),
        ("@thesis{a, institution = {MIT}, type = {phdthesis}}", "genre", json!("PhD thesis")),
        ("@phdthesis{a, school = {MIT}}", "publisher", json!("MIT")),
        ("@phdthesis{a, school = {MIT}}", "genre", json!("PhD thesis")),
        ("@mastersthesis{a, school = {MIT}}", "genre", json!("Master’s thesis")),
        ("@report{a, institution = {IBM}, type = {resreport}}", "genre", json!("research report")),
        (
            "@techreport{a, institution = {University of Massachusetts}}",
            "publisher",
            json!("University of Massachusetts"),
        ),
        (
            "@book{a, publisher = {International Union of Crystallography and Oxford University Press}}",
            "publisher",
            json!("International Union of Crystallography; Oxford University Press"),
        ),
        ("@book{a, publisher = {Routledge {and} Kegan Paul}}", "publisher", json!("Routledge and Kegan Paul")),
    ]);
}

#[test]
fn location_lists_are_joined_as_lists() {
    check(&[
        ("@book{a, location = {Durham and London}}", "publisher-place", json!("Durham; London")),
        (
            r#"@book{a, location = {M{\"u}nchen and Berlin and New York}}"#,
            "publisher-place",
            json!("München; Berlin; New York"),
        ),
        ("@book{a, address = {Westport, Conn. and London}}", "publisher-place", json!("Westport, Conn.; London")),
        ("@patent{a, location = {countryfr and countryuk}}", "jurisdiction", json!("France; United Kingdom")),
        ("@inproceedings{a, venue = {Aspenäsgarden, Lerum}}", "event-place", json!("Aspenäsgarden, Lerum")),
    ]);
}

#[test]
fn entry_types_map_to_csl_types() {
    let cases = [
        ("article", "article-journal"),
        ("book", "book"),
        ("mvbook", "book"),
        ("inbook", "chapter"),
        ("bookinbook", "chapter"),
        ("collection", "book"),
        ("mvcollection", "book"),
        ("incollection", "chapter"),
        ("proceedings", "book"),
        ("inproceedings", "paper-conference"),
        ("conference", "paper-conference"),
        ("reference", "book"),
        ("inreference", "entry-encyclopedia"),
        ("thesis", "thesis"),
        ("phdthesis", "thesis"),
        ("mastersthesis", "thesis"),
        ("online", "webpage"),
        ("electronic", "webpage"),
        ("report", "report"),
        ("techreport", "report"),
        ("manual", "book"),
        ("booklet", "pamphlet"),
        ("patent", "patent"),
        ("dataset", "dataset"),
        ("software", "software"),
        ("standard", "standard"),
        ("unpublished", "manuscript"),
        ("misc", "document"),
        ("periodical", "article-journal"),
    ];
    for (kind, csl) in cases {
        assert_eq!(one(&format!("@{kind}{{a, title = {{T}}}}"))["type"], csl, "@{kind}");
    }
    check(&[
        ("@article{a, entrysubtype = {newspaper}}", "type", json!("article-newspaper")),
        ("@article{a, entrysubtype = {magazine}}", "type", json!("article-magazine")),
        ("@unpublished{a, eventtitle = {Annual Meeting}}", "type", json!("speech")),
    ]);
    // An unknown type is read as `@misc`, and said.
    let (items, problems) = read_biblatex("@whitepaper{a, title = {T}}");
    assert_eq!(items[0]["type"], "document");
    assert!(problems[0].message.contains("`@whitepaper` is not a biblatex entry type"), "{:?}", problems);
}

#[test]
fn eprints_become_links() {
    check(&[
        ("@online{a, eprint = {2404.14219}, eprinttype = {arxiv}}", "URL", json!("https://arxiv.org/abs/2404.14219")),
        (
            "@article{a, eprint = {math/0307200v3}, archiveprefix = {arXiv}}",
            "URL",
            json!("https://arxiv.org/abs/math/0307200v3"),
        ),
        ("@article{a, eprint = {1234567}, eprinttype = {jstor}}", "URL", json!("https://www.jstor.org/stable/1234567")),
        (
            "@article{a, eprint = {987654}, eprinttype = {pubmed}}",
            "URL",
            json!("https://pubmed.ncbi.nlm.nih.gov/987654"),
        ),
        ("@article{a, eprint = {987654}, eprinttype = {pubmed}}", "PMID", json!("987654")),
        ("@misc{a, eprint = {1721.1/12345}, eprinttype = {hdl}}", "URL", json!("https://hdl.handle.net/1721.1/12345")),
        (
            "@book{a, eprint = {4HIWAAAAYAAJ}, eprinttype = {googlebooks}}",
            "URL",
            json!("https://books.google.com/books?id=4HIWAAAAYAAJ"),
        ),
        // A URL given is the URL.
        (
            "@online{a, url = {https://x.org/a\\_b}, eprint = {1}, eprinttype = {arxiv}}",
            "URL",
            json!("https://x.org/a_b"),
        ),
        (
            "@article{a, doi = {10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P}}",
            "DOI",
            json!("10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P"),
        ),
        ("@book{a, isbn = {0-816-52066-6}}", "ISBN", json!("0-816-52066-6")),
        ("@misc{a, eprint = {x}, eprinttype = {unknownarchive}}", "URL", Value::Null),
    ]);
}

#[test]
fn notes_addenda_and_publication_notices() {
    check(&[
        ("@book{a, note = {A note}, addendum = {An addendum}}", "note", json!("A note. An addendum")),
        ("@book{a, note = {Ends in a period.}, addendum = {Reprint}}", "note", json!("Ends in a period. Reprint")),
        ("@misc{a, howpublished = {Privately printed}}", "publisher", json!("Privately printed")),
        (r"@book{a, annotation = {A \texttt{book} entry}}", "annote", json!("A book entry")),
        ("@book{a, pubstate = {forthcoming}}", "status", json!("forthcoming")),
        // A citation in a note is made elsewhere: its keys say what it was.
        (
            r"@book{a, note = {Reviewed in \cite[p.~3]{smith2020,doe2021}}}",
            "note",
            json!("Reviewed in [smith2020,doe2021]"),
        ),
    ]);
}

#[test]
fn events() {
    check(&[
        (
            "@inproceedings{a, eventtitle = {Seventh Symposium Aristotelicum}}",
            "event-title",
            json!("Seventh symposium aristotelicum"),
        ),
        ("@inproceedings{a, venue = {Paris}}", "event-place", json!("Paris")),
        (
            "@inproceedings{a, eventdate = {2020-06-01/2020-06-03}}",
            "event-date",
            json!({"date-parts": [[2020, 6, 1], [2020, 6, 3]]}),
        ),
    ]);
}

#[test]
fn editor_roles() {
    let name = |family: &str| json!([{"family": family, "given": "A."}]);
    check(&[
        ("@book{a, editor = {Ed, A.}}", "editor", name("Ed")),
        ("@book{a, editor = {Ed, A.}, editortype = {director}}", "director", name("Ed")),
        ("@book{a, editora = {Comp, A.}, editoratype = {compiler}}", "compiler", name("Comp")),
        ("@book{a, editorb = {Org, A.}, editorbtype = {organizer}}", "organizer", name("Org")),
        ("@book{a, editora = {Red, A.}, editoratype = {redactor}}", "contributor", name("Red")),
        ("@book{a, editorc = {Col, A.}, editorctype = {collaborator}}", "contributor", name("Col")),
        // `editora` without a type edits, as biblatex prints it.
        (
            "@book{a, editor = {One, A.}, editora = {Two, A.}}",
            "editor",
            json!([{"family": "One", "given": "A."}, {"family": "Two", "given": "A."}]),
        ),
        ("@inbook{a, bookauthor = {Kant, A.}}", "container-author", name("Kant")),
        ("@book{a, translator = {Tr, A.}}", "translator", name("Tr")),
    ]);
}

#[test]
fn multivolume_works() {
    // One volume: the whole work is the title, the volume's own title the
    // volume title.
    let volume = one(
        r"@book{a, title = {The {\TeX book}}, maintitle = {Computers \& Typesetting}, volume = {A}, langid = {english}}",
    );
    assert_eq!(volume["title"], "Computers & typesetting");
    assert_eq!(volume["volume-title"], "The TeXbook");
    assert_eq!(volume["volume"], "A");
    // A part of one volume.
    let chapter = one("@inbook{a, title = {Kritik der Urtheilskraft}, booktitle = {Kritik der praktischen Vernunft}, \
         maintitle = {Kants Werke}, volume = 5, langid = {german}}");
    assert_eq!(chapter["title"], "Kritik der Urtheilskraft");
    assert_eq!(chapter["container-title"], "Kants Werke");
    assert_eq!(chapter["volume-title"], "Kritik der praktischen Vernunft");
    // The whole: its number of volumes.
    assert_eq!(one("@mvbook{a, title = {Whole}, volumes = 5}")["number-of-volumes"], "5");
    // Inherited through `crossref`, by biblatex's rules.
    let (items, problems) = read_biblatex(
        "@book{vol, title = {Volume}, crossref = {whole}, volume = 2}\n\
         @mvbook{whole, title = {Whole Work}, author = {Doe, Jane}, publisher = {P}}\n",
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(items[0]["title"], "Whole work");
    assert_eq!(items[0]["volume-title"], "Volume");
    assert_eq!(items[0]["publisher"], "P");
    assert_eq!(items[0]["author"], json!([{"family": "Doe", "given": "Jane"}]));
}

#[test]
fn latex_becomes_unicode_and_markup() {
    check(&[
        (
            r#"@book{a, author = {Aks{\i}n, {\"O}zge and {\c{C}}etinkaya, Bekir}}"#,
            "author",
            json!([{"family": "Aksın", "given": "Özge"}, {"family": "Çetinkaya", "given": "Bekir"}]),
        ),
        (
            r"@book{a, title = {H\textsubscript{2}O and $E=mc^2$}}",
            "title",
            json!("H<sub>2</sub>O and <span class=\"nocase\">E=mc<sup>2</sup></span>"),
        ),
        (
            r#"@book{a, title = {\mkbibquote{Intention} und \mkbibquote{Intentionalit{\"a}t}}, langid = {german}}"#,
            "title",
            json!("“Intention” und “Intentionalität”"),
        ),
        (
            r"@book{a, title = {Regesta ad annum \textsc{mcxcviii}}, langid = {latin}}",
            "title",
            json!("Regesta ad annum <span style=\"font-variant:small-caps;\">mcxcviii</span>"),
        ),
        (
            r"@book{a, title = {Effects of $\alpha$-Helices}}",
            "title",
            json!("Effects of <span class=\"nocase\">α</span>-helices"),
        ),
        (r"@book{a, publisher = {Artemis \& Winkler}}", "publisher", json!("Artemis & Winkler")),
        (r#"@book{a, title = {{T\"ULU} 3: Pushing Frontiers}}"#, "title", json!("TÜLU 3: Pushing frontiers")),
        ("@article{a, journal = {Angew.~Chem. Int.~Ed.}}", "container-title", json!("Angew.\u{a0}Chem. Int.\u{a0}Ed.")),
        (
            "@book{a, title = {Earl, Saint, Bishop, Skald~-- and Music}}",
            "title",
            json!("Earl, saint, bishop, skald\u{a0}– and music"),
        ),
    ]);
}

#[test]
fn strings_crossrefs_and_csl_json_out() {
    let src = "@string{cup = {Cambridge University Press}}\n\
               @book{a, title = {T}, publisher = cup # { and } # {Other}, month = dec, year = 1999}\n";
    let item = one(src);
    assert_eq!(item["publisher"], "Cambridge University Press; Other");
    assert_eq!(item["issued"], json!({"date-parts": [[1999, 12]]}));
    // An undefined `@string` (defined in another file, often) reads as its
    // name, and is reported.
    let (items, problems) = read_biblatex("@book{a, location = Berlin # { and } # NewYork}");
    assert_eq!(items[0]["publisher-place"], "Berlin; NewYork");
    assert_eq!(problems.len(), 2);
    assert!(
        problems[0].message.contains("`Berlin` is not a defined `@string`; it is read as its name"),
        "{problems:?}"
    );
    // Every item reads as CSL-JSON.
    let read = Item::from_json(&item).unwrap();
    assert_eq!(read.string("publisher"), Some("Cambridge University Press; Other"));
}

/// Where a problem is, as `line:column: key: message`.
fn places(problems: &[BibProblem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            format!(
                "{}:{}: {}: {}",
                p.line,
                p.column,
                p.key.as_deref().unwrap_or("-"),
                if p.skipped { "skipped" } else { "kept" }
            )
        })
        .collect()
}

#[test]
fn problems_have_places_and_nothing_is_lost_silently() {
    let src = "@article{good1, title = {One}}\r\n\
               @article{bad1, title = {Two}, author = {X} year = 2000}\r\n\
               @article{good2, title = {深度学习}, journal = undefinedmacro}\r\n\
               @article{good1, title = {Duplicate}}\r\n\
               @article{bad2, title = {Unclosed\r\n\
               @article{good3, date = {2020-13}, crossref = {nowhere}}\r\n";
    let (items, problems) = read_biblatex(src);
    let keys: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(keys, ["good1", "good2", "good3"]);
    assert_eq!(
        places(&problems),
        [
            "2:43: bad1: skipped",
            "3:43: good2: kept",
            "4:1: good1: skipped",
            "5:1: bad2: skipped",
            "6:24: good3: kept",
            "6:46: good3: kept",
        ]
    );
    assert_eq!(
        problems[0].to_string(),
        "2:43: entry `bad1` is skipped: a `,` is missing between fields (or after the key)"
    );
    assert!(problems[1].message.contains("`undefinedmacro` is not a defined `@string`"), "{}", problems[1].message);
    assert!(problems[3].message.contains("entry `bad2` is skipped: it is not closed"), "{}", problems[3].message);
    // The Chinese title came through the CRLF file untouched.
    assert_eq!(items[1]["title"], "深度学习");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// No input makes the reader panic, however broken.
    #[test]
    fn never_panics(src in "(@[a-z]{0,8}[{(]|[{}()\"#=,%~$^_\\\\ \n]|and |others|[a-zA-Z0-9]{1,6}|\\\\[a-z\"'`^]{1,5}|[äß深]){0,80}") {
        let _ = read_biblatex(&src);
    }

    /// Every entry is read or reported as skipped: good ones among broken
    /// ones come through.
    #[test]
    fn no_entry_is_lost_silently(entries in proptest::collection::vec((0usize..6, "[a-z]{1,8}"), 1..12)) {
        let mut src = String::new();
        let mut expected = Vec::new();
        for (i, (shape, word)) in entries.iter().enumerate() {
            let key = format!("k{i}");
            let entry = match shape {
                0 => format!("@book{{{key}, title = {{{word}}}}}\n"),
                1 => format!("@article{{{key}, author = {{{word}, A. and others}}, year = 2000}}\n"),
                2 => format!("@book{{{key}, title = {{{word}}} year = 1}}\n"),
                3 => format!("@misc{{{key}, note = {{{word} {{unbalanced}}\n"),
                4 => format!("@book({key}, title = \"{word} {{\"}}\")\n"),
                _ => format!("@online{{{key}, date = {{{word}}}, crossref = {{{word}}}}}\n"),
            };
            src.push_str(&entry);
            expected.push(key);
        }
        let (items, problems) = read_biblatex(&src);
        for key in expected {
            let read = items.iter().any(|i| i["id"] == key.as_str());
            let skipped = problems.iter().any(|p| p.skipped && p.key.as_deref() == Some(key.as_str()));
            prop_assert!(read != skipped, "{key}: read {read}, reported skipped {skipped}\n{src}\n{problems:?}");
        }
    }
}
