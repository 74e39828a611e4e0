//! The survey in a real browser: headless Chromium, driven through
//! ChromeDriver's WebDriver protocol (plain HTTP, so no extra crates), over
//! pages served from a local folder. It follows a citation to its entry, a
//! back-reference to its citation and a topic-table link to its section,
//! opens an entry's exports (copy buttons there, downloads holding the list),
//! hovers and focuses citations to check their previews, does the same on
//! `print.html`, and fails on any broken link or console error. It saves
//! screenshots in `tests/out/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them).
//! Without them the test says so and passes, unless
//! `SCHOLAR_BROWSER_TESTS=required` (as in CI).

mod common;

use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-scholar");
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

#[test]
fn the_survey_works_in_a_browser() {
    let Some(driver_path) = find(&["chromedriver"]) else {
        return skip("chromedriver is not installed (apt-get install chromium chromium-driver)");
    };
    let Some(chromium) = find(&["chromium", "chromium-browser", "google-chrome"]) else {
        return skip("chromium is not installed (apt-get install chromium chromium-driver)");
    };

    // MathJax 2.7 as mdBook loads it, from the npm package instead of the
    // CDN this machine may not reach.
    let mathjax = match mathjax() {
        Ok(dir) => dir,
        Err(why) => return skip(&why),
    };

    let site = common::scratch("browser-site");
    build(Path::new(env!("CARGO_MANIFEST_DIR")), &site);
    check_links(&site);
    // A small book whose formulas hold markers (tests/fixtures/math).
    let math_site = common::scratch("browser-math");
    build(&common::fixtures().join("math"), &math_site);
    // A note style (tests/fixtures/notes) and collapsed numbers
    // (tests/fixtures/collapse/gbt).
    let notes_site = common::scratch("browser-notes");
    build(&common::fixtures().join("notes"), &notes_site);
    let collapse_site = common::scratch("browser-collapse");
    build(&common::fixtures().join("collapse/gbt"), &collapse_site);
    for dir in [&site, &math_site] {
        use_local_mathjax(dir);
    }

    let server = serve(vec![
        ("/mathjax/", mathjax),
        ("/math/", math_site),
        ("/notes/", notes_site),
        ("/collapse/", collapse_site),
        ("/", site.clone()),
    ]);
    let mut browser = Browser::start(&driver_path, &chromium);
    let base = format!("http://127.0.0.1:{server}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/out");
    std::fs::create_dir_all(&out).unwrap();

    // Formulas are typeset, and markers inside them are left to MathJax.
    browser.goto(&format!("{base}/math/math.html"));
    let math = typeset(&mut browser, "math/math.html");
    assert_eq!(math["jax"], json!(6), "math/math.html: {math}");
    assert_eq!(math["cites"], json!(6), "math/math.html: citations outside the formulas: {math}");
    assert_eq!(math["citesInMath"], json!(0), "math/math.html: a citation inside a formula: {math}");
    browser.screenshot(&out.join("browser-math.png"));
    // So are the survey's, on every page that has any.
    for page in pages_with_math(&site) {
        browser.goto(&format!("{base}/{page}"));
        let math = typeset(&mut browser, &page);
        assert!(math["jax"].as_u64().unwrap_or(0) > 0, "{page}: no formula was typeset: {math}");
        assert_eq!(math["citesInMath"], json!(0), "{page}: a citation inside a formula: {math}");
    }

    // A citation leads to its entry in the chapter's list.
    browser.goto(&format!("{base}/foundations.html"));
    let cite = browser.find(".scholar-cite a");
    let href = browser.attribute(&cite, "href");
    let target = href.rsplit_once('#').expect("a fragment").1.to_string();
    assert!(target.starts_with("scholar-ref-foundations-"), "{href}");
    browser.click(&cite);
    browser.wait_for_hash(&target);
    assert!(browser.exec_bool(&format!("return !!document.getElementById({target:?})")), "{target} is not on the page");

    // Hovering a citation shows its preview, inside the viewport.
    browser.goto(&format!("{base}/foundations.html"));
    let cite = browser.find(".scholar-cite");
    browser.scroll_into_view(&cite);
    browser.hover(&cite);
    assert_preview_visible(&mut browser, "hover on foundations.html");
    browser.screenshot(&out.join("browser-hover.png"));

    // Keyboard focus shows it too.
    browser.goto(&format!("{base}/architectures.html"));
    browser.exec("document.querySelector('.scholar-cite a').focus(); return true", json!([]));
    assert_preview_visible(&mut browser, "focus on architectures.html");

    // A citation near the right edge of a page is not clipped.
    browser.goto(&format!("{base}/efficient-computation.html"));
    let rightmost = browser.exec(
        "let best = null, x = -1;
         for (const c of document.querySelectorAll('main p .scholar-cite')) {
           const r = c.getBoundingClientRect();
           if (r.right > x) { x = r.right; best = c; }
         }
         best.scrollIntoView({block: 'center'});
         return best;",
        json!([]),
    );
    browser.hover(&rightmost);
    assert_preview_visible(&mut browser, "hover on the rightmost citation");

    // In the dark themes the preview is readable.
    for theme in ["coal", "navy", "ayu"] {
        browser.goto(&format!("{base}/foundations.html"));
        browser.exec(&format!("localStorage.setItem('mdbook-theme', '{theme}'); return true"), json!([]));
        browser.goto(&format!("{base}/foundations.html"));
        let cite = browser.find(".scholar-cite");
        browser.scroll_into_view(&cite);
        browser.hover(&cite);
        assert_preview_visible(&mut browser, theme);
        let contrast = browser.exec(
            "const p = document.querySelector('.scholar-cite:hover .scholar-preview');
             const s = getComputedStyle(p);
             const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
             const lum = c => { const v = rgb(c).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
                                return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
             const a = lum(s.color), b = lum(s.backgroundColor);
             const alpha = (s.backgroundColor.match(/[\\d.]+/g)[3] ?? '1');
             return {ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), alpha: Number(alpha)};",
            json!([]),
        );
        let ratio = contrast["ratio"].as_f64().unwrap();
        assert!(ratio >= 4.5, "{theme}: preview contrast {ratio:.2} is below 4.5");
        assert_eq!(contrast["alpha"].as_f64(), Some(1.0), "{theme}: the preview background is see-through");
        if theme == "coal" {
            browser.screenshot(&out.join("browser-hover-dark.png"));
        }
    }
    browser.exec("localStorage.setItem('mdbook-theme', 'light'); return true", json!([]));

    // A back-reference leads to the citation it names.
    browser.goto(&format!("{base}/references.html"));
    let backref = browser.find(".scholar-backrefs a");
    let href = browser.attribute(&backref, "href");
    let (page, id) = href.rsplit_once('#').expect("a fragment");
    browser.click(&backref);
    browser.wait_for_hash(id);
    let url = browser.url();
    assert!(url.contains(page.rsplit('/').next().unwrap()), "{url} is not {page}");
    assert!(browser.exec_bool(&format!("return !!document.getElementById({id:?})")), "{id} is missing on {url}");

    // Exports: an entry's BibTeX, RIS and CSL-JSON behind a `<details>`, each
    // with mdBook's copy button; each list's downloads hold its entries.
    for page in ["references.html", "foundations.html"] {
        browser.goto(&format!("{base}/{page}"));
        let summary = browser.find(".scholar-entry .scholar-export summary");
        browser.scroll_into_view(&summary);
        browser.click(&summary);
        let entry = browser.exec(
            "const d = document.querySelector('.scholar-entry .scholar-export');
             return {open: d.open, codes: d.querySelectorAll('pre code').length,
                     buttons: d.querySelectorAll('pre .clip-button').length,
                     texts: [...d.querySelectorAll('pre code')].map(c => c.innerText),
                     key: d.closest('.scholar-entry').dataset.key};",
            json!([]),
        );
        let key = entry["key"].as_str().unwrap().to_string();
        assert_eq!(entry["open"], json!(true), "{page}: the export does not open");
        assert_eq!(entry["codes"], json!(3), "{page}: {entry}");
        assert_eq!(entry["buttons"], json!(3), "{page}: mdBook's copy buttons are missing: {entry}");
        let texts: Vec<&str> = entry["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert!(texts[0].contains(&format!("{{{key},")), "{page}: the BibTeX is not {key}'s: {}", texts[0]);
        assert!(texts[1].starts_with("TY  - ") && texts[1].contains(&format!("ID  - {key}\n")), "{}", texts[1]);
        let json: Value = serde_json::from_str(texts[2]).expect("the copied CSL-JSON parses");
        assert_eq!(json[0]["id"], json!(key));
        if page == "references.html" {
            browser.screenshot(&out.join("browser-export.png"));
        }
        let lists = browser.exec(
            "const decode = href => { const i = href.indexOf(','); const head = href.slice(0, i), body = href.slice(i + 1);
               return head.endsWith(';base64') ? new TextDecoder().decode(Uint8Array.from(atob(body), c => c.charCodeAt(0)))
                                               : decodeURIComponent(body); };
             return [...document.querySelectorAll('.scholar-bibliography')].map(list => {
               const downloads = list.nextElementSibling;
               return {keys: [...list.querySelectorAll('.scholar-entry')].map(e => e.dataset.key),
                       files: downloads && downloads.classList.contains('scholar-downloads')
                         ? [...downloads.querySelectorAll('a[download]')].map(a => ({name: a.getAttribute('download'), text: decode(a.href)}))
                         : []};
             });",
            json!([]),
        );
        assert!(!lists.as_array().unwrap().is_empty(), "{page}: no list");
        for list in lists.as_array().unwrap() {
            let keys: Vec<&str> = list["keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
            let files = list["files"].as_array().unwrap();
            assert_eq!(files.len(), 3, "{page}: a list without its three downloads");
            for file in files {
                let (name, text) = (file["name"].as_str().unwrap(), file["text"].as_str().unwrap());
                if name.ends_with(".bib") {
                    for key in &keys {
                        assert!(text.contains(&format!("{{{key},")), "{page}: {name} lacks {key}");
                    }
                } else if name.ends_with(".ris") {
                    let ids: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("ID  - ")).collect();
                    assert_eq!(ids, keys, "{page}: {name}");
                } else if name.ends_with(".json") {
                    let items: Value = serde_json::from_str(text).expect("the CSL-JSON download parses");
                    let ids: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
                    assert_eq!(ids, keys, "{page}: {name}");
                } else {
                    panic!("{page}: an unexpected download {name}");
                }
            }
        }
    }
    // `{{#cite-as}}` blocks, where the survey has them, export too.
    for page in ["index.html", "foundations.html"] {
        browser.goto(&format!("{base}/{page}"));
        let block = browser.exec(
            "const b = document.querySelector('.scholar-cite-as');
             return b && {text: b.querySelector('.scholar-text').innerText, codes: b.querySelectorAll('pre code').length,
                          buttons: b.querySelectorAll('pre .clip-button').length};",
            json!([]),
        );
        if !block.is_null() {
            assert!(!block["text"].as_str().unwrap().trim().is_empty(), "{page}: an empty cite-as");
            assert_eq!((block["codes"].clone(), block["buttons"].clone()), (json!(3), json!(3)), "{page}: {block}");
        }
    }

    // A topic-table link leads to its section.
    browser.goto(&format!("{base}/index.html"));
    let section = browser.find(".scholar-topics .scholar-sections a");
    let href = browser.attribute(&section, "href");
    let (_, id) = href.rsplit_once('#').expect("a fragment");
    browser.click(&section);
    browser.wait_for_hash(id);
    assert!(
        browser
            .exec_bool(&format!("const e = document.getElementById({id:?}); return !!e && /^H[1-6]$/.test(e.tagName)")),
        "{id} is not a heading"
    );
    // The topic table reads well on a desktop and on a phone, in the light
    // and the dark theme: headers on one or two lines, topics not broken
    // after every character or two, nothing wider than the page.
    for theme in ["light", "coal"] {
        browser.exec(&format!("localStorage.setItem('mdbook-theme', '{theme}'); return true"), json!([]));
        for (width, height, phone) in [(1280, 900, false), (390, 844, true)] {
            if phone {
                browser.cdp(
                    "Emulation.setDeviceMetricsOverride",
                    json!({"width": width, "height": height, "deviceScaleFactor": 2, "mobile": true}),
                );
            }
            browser.goto(&format!("{base}/index.html"));
            let what = format!("the topic table at {width} px ({theme})");
            check_topic_table(&mut browser, &what);
            // The table's top under mdBook's menu bar.
            browser.exec(
                "document.querySelector('.scholar-topics').scrollIntoView({block: 'start'});
                 window.scrollBy(0, -document.querySelector('#mdbook-menu-bar').getBoundingClientRect().height - 8);
                 return true",
                json!([]),
            );
            browser.screenshot(&out.join(format!("browser-topics-{width}-{theme}.png")));
            // Its previews show, whole, over the table.
            let cite = browser.find(".scholar-topics .scholar-cite");
            browser.scroll_into_view(&cite);
            browser.hover(&cite);
            assert_preview_visible(&mut browser, &format!("hover in {what}"));
            if phone {
                browser.cdp("Emulation.clearDeviceMetricsOverride", json!({}));
            }
        }
    }
    browser.exec("localStorage.setItem('mdbook-theme', 'light'); return true", json!([]));

    // A numbered list's labels take the width of the widest: entries from
    // [10] on start where [1] to [9] do.
    for page in ["references.html", "foundations.html"] {
        browser.goto(&format!("{base}/{page}"));
        let lists = browser.exec(
            "return [...document.querySelectorAll('.scholar-bibliography.scholar-labelled')].map(list => {
               const lefts = [...list.querySelectorAll(':scope > .scholar-entry > .scholar-text')]
                 .map(t => Math.round(t.getBoundingClientRect().left * 10) / 10);
               return {entries: lefts.length, lefts: [...new Set(lefts)]};
             });",
            json!([]),
        );
        let lists = lists.as_array().cloned().unwrap_or_default();
        assert!(lists.iter().any(|l| l["entries"].as_u64().unwrap_or(0) >= 10), "{page}: no list of ten entries");
        for list in &lists {
            assert_eq!(
                list["lefts"].as_array().map(Vec::len),
                Some(1),
                "{page}: entries start at different places: {list}"
            );
        }
    }
    browser.goto(&format!("{base}/references.html"));
    let tenth = browser.find(".scholar-bibliography > .scholar-entry:nth-child(10)");
    browser.scroll_into_view(&tenth);
    browser.screenshot(&out.join("browser-references.png"));

    // A note style's citation is a footnote mark: it leads to its note, which
    // holds the citation's text, and hovering it shows the preview.
    browser.goto(&format!("{base}/notes/notes.html"));
    let mark = browser.find(".scholar-note .footnote-reference a");
    let href = browser.attribute(&mark, "href");
    let note = href.rsplit_once('#').expect("a fragment").1.to_string();
    assert_eq!(note, "footnote-scholar-cite-notes-1", "{href}");
    browser.scroll_into_view(&mark);
    browser.click(&mark);
    browser.wait_for_hash(&note);
    let text = browser.exec(&format!("return document.getElementById({note:?}).textContent"), json!([]));
    assert!(text.as_str().unwrap_or_default().contains("KNUTH D E. The TeXbook[M]"), "the note reads {text}");
    let numbers = browser
        .exec("return [...document.querySelectorAll('main .footnote-reference a')].map(a => a.textContent)", json!([]));
    // Our notes and the author's `[^own]` (the fourth) are one sequence.
    assert_eq!(numbers, json!(["1", "2", "3", "4", "5", "6", "7", "8"]), "note marks on notes.html");
    browser.goto(&format!("{base}/notes/notes.html"));
    let mark = browser.find(".scholar-note");
    browser.scroll_into_view(&mark);
    browser.hover(&mark);
    assert_preview_visible(&mut browser, "hover on a note mark");
    browser.screenshot(&out.join("browser-note.png"));

    // A collapsed range (`[1–4]`): each number shown links to its entry, and
    // the preview holds all four works.
    browser.goto(&format!("{base}/collapse/collapse.html"));
    let range = browser.exec(
        "const c = document.querySelectorAll('main .scholar-cite')[4];
         return {text: c.firstChild ? [...c.childNodes].filter(n => !n.classList || !n.classList.contains('scholar-preview')).map(n => n.textContent).join('') : '',
                 links: [...c.querySelectorAll(':scope > a')].map(a => a.getAttribute('href')),
                 previews: c.querySelectorAll('.scholar-preview-entry').length};",
        json!([]),
    );
    assert_eq!(range["text"], json!("[1–4]"), "{range}");
    let links: Vec<String> =
        range["links"].as_array().unwrap().iter().map(|l| l.as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(links.len(), 2, "{range}");
    assert_eq!(range["previews"], json!(4), "{range}");
    let first = browser
        .exec("return document.querySelectorAll('main .scholar-cite')[4].querySelector(':scope > a')", json!([]));
    let id = links[0].trim_start_matches('#').to_string();
    browser.click(&first);
    browser.wait_for_hash(&id);
    browser.goto(&format!("{base}/collapse/collapse.html"));
    let cite = browser.exec("return document.querySelectorAll('main .scholar-cite')[4]", json!([]));
    browser.scroll_into_view(&cite);
    browser.hover(&cite);
    assert_preview_visible(&mut browser, "hover on a collapsed range");

    // The print page: ids unique, every citation link lands, previews work
    // on screen and are hidden in print.
    browser.goto(&format!("{base}/print.html"));
    let report = browser.exec(
        "const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
         const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
         const broken = [...document.querySelectorAll('main a[href^=\"#\"]')]
           .map(a => a.getAttribute('href').slice(1)).filter(id => id && !document.getElementById(decodeURIComponent(id)));
         return {dup: [...new Set(dup)], broken: [...new Set(broken)], cites: document.querySelectorAll('.scholar-cite').length};",
        json!([]),
    );
    assert_eq!(report["dup"], json!([]), "duplicate ids on print.html");
    assert_eq!(report["broken"], json!([]), "links to missing ids on print.html");
    assert!(report["cites"].as_u64().unwrap() > 100);
    let cite = browser.find("main .scholar-cite a[href^='#']");
    let id = browser.attribute(&cite, "href").trim_start_matches('#').to_string();
    browser.scroll_into_view(&cite);
    browser.click(&cite);
    browser.wait_for_hash(&id);
    let cite = browser.find("main .scholar-cite");
    browser.scroll_into_view(&cite);
    browser.hover(&cite);
    assert_preview_visible(&mut browser, "hover on print.html");
    browser.cdp("Emulation.setEmulatedMedia", json!({"media": "print"}));
    let shown = browser.exec(
        "return [...document.querySelectorAll('.scholar-preview')].some(p => getComputedStyle(p).display !== 'none')",
        json!([]),
    );
    assert_eq!(shown, json!(false), "previews must not print");
    let shown = browser.exec(
        "return [...document.querySelectorAll('.scholar-export, .scholar-downloads')].some(p => getComputedStyle(p).display !== 'none')",
        json!([]),
    );
    assert_eq!(shown, json!(false), "exports must not print");
    browser.cdp("Emulation.setEmulatedMedia", json!({"media": ""}));

    let errors: Vec<String> = browser
        .logs()
        .into_iter()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect();
    // MathJax is served locally (see `local_mathjax`), so only its blank
    // fallback font is forgiven.
    let errors = without_mathjax_blank_font(errors);
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

/// `errors` less the two that MathJax 2.7 itself causes in Chromium, and
/// only those: its HTML-CSS output declares a fallback font, `MathJax_Blank`,
/// at `about:blank`, which Chromium refuses to load from a page (a CORS
/// refusal naming the font, then the failed load). It happens with the CDN
/// copy mdBook's pages load too, on any page with a character outside the
/// fonts MathJax finds (`\mathbb` is enough, see tests/fixtures/math); the
/// formulas are typeset all the same, which `typeset` checks. Each refusal
/// takes away one failed load of `about:blank`; nothing else is left out.
fn without_mathjax_blank_font(errors: Vec<String>) -> Vec<String> {
    let refusals = errors.iter().filter(|e| e.contains("Access to font at 'about:blank'")).count();
    let mut loads_to_drop = refusals;
    errors
        .into_iter()
        .filter(|e| !e.contains("Access to font at 'about:blank'"))
        .filter(|e| {
            let failed_load = e.starts_with("about:blank - Failed to load resource: net::ERR_FAILED");
            if failed_load && loads_to_drop > 0 {
                loads_to_drop -= 1;
                return false;
            }
            true
        })
        .collect()
}

/// The topic table on the current page: visible header cells (the column
/// names the narrow layout puts in each cell included) take at most two
/// lines, topic names at most two, counts one, and nothing is wider than
/// the page.
fn check_topic_table(browser: &mut Browser, what: &str) {
    let state = browser.exec(
        "const table = document.querySelector('.scholar-topics');
         const px = (s, v) => { const x = parseFloat(s[v]); return Number.isFinite(x) ? x : 0; };
         const lineHeight = s => s.lineHeight === 'normal' ? px(s, 'fontSize') * 1.2 : px(s, 'lineHeight');
         // The lines a box's text takes: its height without padding, in lines.
         const lines = (height, s) => (height - px(s, 'paddingTop') - px(s, 'paddingBottom')) / lineHeight(s);
         // (The narrow layout hides the header row, for screen readers only.)
         const headRow = table.querySelector('thead').getBoundingClientRect();
         const headers = [...table.querySelectorAll('th')]
           .filter(() => headRow.width > 2 && headRow.height > 2)
           .map(th => ({text: th.textContent, lines: lines(th.getBoundingClientRect().height, getComputedStyle(th))}));
         const labels = [...table.querySelectorAll('td')].map(td => getComputedStyle(td, '::before'))
           .filter(s => s.content !== 'none' && s.display !== 'none' && s.content !== 'normal')
           .map(s => ({text: s.content, lines: lines(parseFloat(s.height), s)}));
         // The lines an element's text is on.
         const textLines = e => {
           const r = document.createRange();
           r.selectNodeContents(e);
           return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size;
         };
         const topics = [...table.querySelectorAll('td.scholar-topic')].map(td => ({text: td.textContent, lines: textLines(td)}));
         const works = [...table.querySelectorAll('td.scholar-works')].map(td => ({text: td.textContent, lines: textLines(td)}));
         const main = document.querySelector('main').getBoundingClientRect();
         const box = table.getBoundingClientRect();
         return {headers, labels, topics, works, tableRight: box.right, mainRight: main.right + 1,
                 scrollWidth: document.documentElement.scrollWidth, width: innerWidth,
                 cards: getComputedStyle(table.querySelector('td')).display === 'block'};",
        json!([]),
    );
    let too_tall = |list: &Value, most: f64| -> Vec<Value> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter(|h| h["lines"].as_f64().is_none_or(|l| l > most + 0.3))
            .cloned()
            .collect()
    };
    let headers = state["headers"].as_array().map_or(0, Vec::len) + state["labels"].as_array().map_or(0, Vec::len);
    assert!(headers > 0, "{what}: no header cell is visible: {state}");
    assert_eq!(
        too_tall(&state["headers"], 2.0),
        Vec::<Value>::new(),
        "{what}: a header cell takes more than two lines"
    );
    assert_eq!(too_tall(&state["labels"], 2.0), Vec::<Value>::new(), "{what}: a column name takes more than two lines");
    assert_eq!(too_tall(&state["topics"], 2.0), Vec::<Value>::new(), "{what}: a topic takes more than two lines");
    assert_eq!(too_tall(&state["works"], 1.0), Vec::<Value>::new(), "{what}: a count wraps");
    let (right, main_right) = (state["tableRight"].as_f64().unwrap(), state["mainRight"].as_f64().unwrap());
    assert!(right <= main_right, "{what}: the table is wider than the text: {state}");
    assert!(state["scrollWidth"].as_f64() <= state["width"].as_f64(), "{what}: the page scrolls sideways: {state}");
}

/// What MathJax typeset on the current page (which [`Browser::goto`] has
/// let it finish).
fn typeset(browser: &mut Browser, page: &str) -> Value {
    browser.settle(page);
    let result = browser.exec(
        "if (!window.MathJax || !MathJax.Hub) return null;
         const math = [...document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML, .MathJax_SVG')];
         const jax = MathJax.Hub.getAllJax();
         return {jax: jax.length, shown: math.length,
           errors: document.querySelectorAll('.MathJax_Error, merror, .mjx-merror').length,
           cites: document.querySelectorAll('main .scholar-cite').length,
           citesInMath: math.filter(m => m.querySelector('.scholar-cite')).length
             + jax.filter(j => /scholar-cite/.test(j.originalText)).length};",
        json!([]),
    );
    assert!(!result.is_null(), "{page}: MathJax is not on the page");
    assert_eq!(result["errors"], json!(0), "{page}: MathJax reported errors: {result}");
    result
}

/// The pages of a built site whose text has MathJax's delimiters.
fn pages_with_math(site: &Path) -> Vec<String> {
    let mut pages: HashMap<PathBuf, String> = HashMap::new();
    collect_pages(site, site, &mut pages);
    let mut with_math: Vec<String> = pages
        .iter()
        .filter(|(path, _)| path.file_name().is_some_and(|n| n != "print.html" && n != "toc.html"))
        .filter(|(_, html)| {
            let main = html.split_once("<main>").map_or("", |(_, m)| m);
            main.contains("\\(") || main.contains("\\[") || main.contains("$$")
        })
        .map(|(path, _)| path.to_string_lossy().replace('\\', "/"))
        .collect();
    with_math.sort();
    with_math
}

/// Builds the book at `root` into `dest` with our binary, no cache beside
/// the book.
fn build(root: &Path, dest: &Path) {
    let output = Command::new(BIN)
        .arg("build")
        .arg(root)
        .env("MDBOOK_BUILD__BUILD_DIR", dest)
        .env("MDBOOK_PREPROCESSOR__SCHOLAR__CACHE", "false")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// mdBook's pages load MathJax 2.7 from a CDN: point them at `/mathjax/`.
fn use_local_mathjax(site: &Path) {
    const CDN: &str = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.1/MathJax.js";
    let mut pages: HashMap<PathBuf, String> = HashMap::new();
    collect_pages(site, site, &mut pages);
    let mut found = false;
    for (path, html) in pages {
        if html.contains(CDN) {
            found = true;
            std::fs::write(site.join(path), html.replace(CDN, "/mathjax/MathJax.js")).unwrap();
        }
    }
    assert!(found, "{}: no page loads MathJax from {CDN}; has mdBook changed its template?", site.display());
}

/// A copy of MathJax 2.7: `SCHOLAR_MATHJAX` (a folder holding `MathJax.js`),
/// else the `mathjax@2.7` npm package, installed under the target folder
/// the first time (`.ci/run` makes sure npm is there).
fn mathjax() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("SCHOLAR_MATHJAX") {
        let dir = PathBuf::from(dir);
        return if dir.join("MathJax.js").is_file() {
            Ok(dir)
        } else {
            Err(format!("SCHOLAR_MATHJAX={} holds no MathJax.js", dir.display()))
        };
    }
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mathjax-2.7");
    let dir = prefix.join("node_modules/mathjax");
    if dir.join("MathJax.js").is_file() {
        return Ok(dir);
    }
    let Some(npm) = find(&["npm"]) else {
        return Err("npm is not installed to fetch MathJax 2.7 (apt-get install npm)".into());
    };
    let output = Command::new(npm)
        .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
        .arg(&prefix)
        .arg("mathjax@2.7")
        .output()
        .map_err(|e| format!("npm did not run: {e}"))?;
    if !output.status.success() || !dir.join("MathJax.js").is_file() {
        return Err(format!("npm install mathjax@2.7 failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(dir)
}

fn assert_preview_visible(browser: &mut Browser, what: &str) {
    let state = browser.exec(
        "const p = [...document.querySelectorAll('.scholar-preview')].find(p => getComputedStyle(p).display !== 'none');
         if (!p) return {visible: false};
         const r = p.getBoundingClientRect();
         const hit = document.elementFromPoint(Math.max(0, (r.left + r.right) / 2), Math.min(innerHeight - 1, r.top + 10));
         return {visible: r.width > 0 && r.height > 0, left: r.left, right: r.right, top: r.top, width: innerWidth,
                 height: innerHeight, onTop: !!hit && p.contains(hit), text: p.textContent.slice(0, 80)};",
        json!([]),
    );
    assert_eq!(state["visible"], json!(true), "{what}: no preview is visible: {state}");
    let (left, right, width) =
        (state["left"].as_f64().unwrap(), state["right"].as_f64().unwrap(), state["width"].as_f64().unwrap());
    assert!(left >= 0.0 && right <= width, "{what}: the preview is clipped at the page edge: {state}");
    assert_eq!(state["onTop"], json!(true), "{what}: the preview is covered by something else: {state}");
    assert!(!state["text"].as_str().unwrap_or_default().trim().is_empty(), "{what}: the preview is empty");
}

/// Every link of every page lands on a page that exists and, for `#id`
/// links, on an element with that id.
fn check_links(site: &Path) {
    let mut pages: HashMap<PathBuf, String> = HashMap::new();
    collect_pages(site, site, &mut pages);
    let ids: HashMap<&PathBuf, HashSet<String>> =
        pages.iter().map(|(path, html)| (path, attribute_values(html, "id").into_iter().collect())).collect();
    let mut broken = Vec::new();
    for (path, html) in &pages {
        for href in attribute_values(html, "href") {
            if href.contains("://")
                || href.starts_with("mailto:")
                || href.starts_with("javascript:")
                || href.starts_with("data:")
                || href.is_empty()
            {
                continue;
            }
            let (file, fragment) = href.split_once('#').map_or((href.as_str(), None), |(f, id)| (f, Some(id)));
            let target = if file.is_empty() {
                path.clone()
            } else {
                normalize(&path.parent().unwrap_or(Path::new("")).join(file))
            };
            let Some(target_ids) = ids.get(&target) else {
                if !site.join(&target).exists() {
                    broken.push(format!("{}: {href} (no such file)", path.display()));
                }
                continue;
            };
            if let Some(id) = fragment.filter(|id| !id.is_empty()) {
                let id = percent_decode(id);
                if !target_ids.contains(&id) {
                    broken.push(format!("{}: {href} (no such id)", path.display()));
                }
            }
        }
    }
    broken.sort();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

fn collect_pages(root: &Path, dir: &Path, pages: &mut HashMap<PathBuf, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_pages(root, &path, pages);
        } else if path.extension().is_some_and(|e| e == "html") {
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            pages.insert(relative, std::fs::read_to_string(&path).unwrap());
        }
    }
}

fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        values.push(rest[..end].replace("&amp;", "&").replace("&quot;", "\""));
        rest = &rest[end..];
    }
    values
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn skip(why: &str) {
    if std::env::var("SCHOLAR_BROWSER_TESTS").as_deref() == Ok("required") {
        panic!("the browser test cannot run: {why}");
    }
    eprintln!("SKIPPED the browser test: {why}");
}

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// Serves folders over HTTP on a free local port (a thread per
/// connection): each path prefix from its folder, the first that matches.
fn serve(mounts: Vec<(&'static str, PathBuf)>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mounts = std::sync::Arc::new(mounts);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mounts = mounts.clone();
            std::thread::spawn(move || {
                let _ = respond(&mounts, stream);
            });
        }
    });
    port
}

fn respond(mounts: &[(&str, PathBuf)], mut stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? <= 2 {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = percent_decode(path.split(['?', '#']).next().unwrap_or("/"));
    let Some((prefix, root)) = mounts.iter().find(|(prefix, _)| path.starts_with(prefix)) else {
        return write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    };
    let mut file = root.join(&path[prefix.len()..]);
    if std::env::var_os("SCHOLAR_BROWSER_TRACE").is_some() {
        eprintln!("served: {path} from {}", file.display());
    }
    if file.is_dir() {
        file = file.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(body) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("css") => "text/css",
                Some("js") => "application/javascript",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                Some("woff2") => "font/woff2",
                Some("woff") => "font/woff",
                Some("otf") => "font/otf",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body)
        }
        Err(_) => write!(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    }
}

/// A WebDriver session with headless Chromium.
struct Browser {
    port: u16,
    session: String,
    driver: Child,
}

impl Browser {
    fn start(driver_path: &Path, chromium: &Path) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = common::scratch("browser-profile");
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut browser = Browser { port, session: String::new(), driver };
        let response = browser.request("POST", "/session", Some(capabilities));
        browser.session = response["sessionId"].as_str().expect("a WebDriver session").to_string();
        browser
    }

    fn request(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        if std::env::var_os("SCHOLAR_BROWSER_TRACE").is_some() {
            eprintln!("webdriver: {method} {path} {}", body.chars().take(120).collect::<String>());
        }
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        // ChromeDriver keeps the connection open: read exactly the body.
        let mut reader = BufReader::new(stream);
        let mut length = None;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse::<usize>().ok();
            }
            chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let payload = if chunked {
            let mut body = String::new();
            loop {
                let mut size = String::new();
                reader.read_line(&mut size).unwrap();
                let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                if size == 0 {
                    break;
                }
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk).unwrap();
                body.push_str(&String::from_utf8_lossy(&chunk[..size]));
            }
            body
        } else {
            let mut body = vec![0; length.unwrap_or(0)];
            reader.read_exact(&mut body).unwrap();
            String::from_utf8_lossy(&body).into_owned()
        };
        let value: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
        if let Some(error) = value["value"]["error"].as_str() {
            panic!("WebDriver {method} {path}: {error}: {}", value["value"]["message"]);
        }
        value["value"].clone()
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    /// Loads `url`, and lets MathJax finish typesetting it: formulas
    /// change the layout, and a pointer over a citation must stay over it.
    fn goto(&mut self, url: &str) {
        let path = self.session_path("/url");
        self.request("POST", &path, Some(json!({"url": url})));
        self.settle(url);
    }

    /// Waits until MathJax, when the page loads it, has typeset the page.
    fn settle(&mut self, page: &str) {
        if !self.exec_bool("return !!document.querySelector('script[src*=\"MathJax.js\"]')") {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.exec_bool("return !!(window.MathJax && MathJax.isReady)") {
            assert!(Instant::now() < deadline, "{page}: MathJax did not start: {:#?}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
        // Started: what is queued now runs after the page's typesetting.
        self.exec(
            "window.scholarSettled = false; MathJax.Hub.Queue(() => { window.scholarSettled = true; }); return true",
            json!([]),
        );
        while !self.exec_bool("return window.scholarSettled === true") {
            if Instant::now() > deadline {
                let state = self.exec(
                    "return {pending: MathJax.Hub.queue.pending, running: MathJax.Hub.queue.running,
                             message: (document.getElementById('MathJax_Message') || {}).textContent}",
                    json!([]),
                );
                panic!("{page}: MathJax did not finish ({state}): {:#?}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn url(&mut self) -> String {
        let path = self.session_path("/url");
        self.request("GET", &path, None).as_str().unwrap_or_default().to_string()
    }

    fn find(&mut self, selector: &str) -> Value {
        let path = self.session_path("/element");
        self.request("POST", &path, Some(json!({"using": "css selector", "value": selector})))
    }

    fn element_id(element: &Value) -> String {
        element[ELEMENT].as_str().expect("an element").to_string()
    }

    fn attribute(&mut self, element: &Value, name: &str) -> String {
        let path = self.session_path(&format!("/element/{}/attribute/{name}", Self::element_id(element)));
        self.request("GET", &path, None).as_str().unwrap_or_default().to_string()
    }

    fn click(&mut self, element: &Value) {
        let path = self.session_path(&format!("/element/{}/click", Self::element_id(element)));
        self.request("POST", &path, Some(json!({})));
    }

    fn scroll_into_view(&mut self, element: &Value) {
        self.exec("arguments[0].scrollIntoView({block: 'center'}); return true", json!([element]));
    }

    fn hover(&mut self, element: &Value) {
        let path = self.session_path("/actions");
        self.request(
            "POST",
            &path,
            Some(json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                "actions": [{"type": "pointerMove", "origin": element, "x": 0, "y": 0, "duration": 0}]}]})),
        );
    }

    fn exec(&mut self, script: &str, args: Value) -> Value {
        let path = self.session_path("/execute/sync");
        self.request("POST", &path, Some(json!({"script": script, "args": args})))
    }

    fn exec_bool(&mut self, script: &str) -> bool {
        self.exec(script, json!([])) == json!(true)
    }

    fn wait_for_hash(&mut self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let hash = self.exec("return decodeURIComponent(location.hash)", json!([]));
            if hash.as_str() == Some(&format!("#{id}")) {
                return;
            }
            assert!(Instant::now() < deadline, "the page did not go to #{id} (it is at {hash})");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn cdp(&mut self, command: &str, params: Value) {
        let path = self.session_path("/goog/cdp/execute");
        self.request("POST", &path, Some(json!({"cmd": command, "params": params})));
    }

    fn logs(&mut self) -> Vec<Value> {
        let path = self.session_path("/se/log");
        self.request("POST", &path, Some(json!({"type": "browser"}))).as_array().cloned().unwrap_or_default()
    }

    fn screenshot(&mut self, file: &Path) {
        let path = self.session_path("/screenshot");
        let data = self.request("GET", &path, None);
        std::fs::write(file, base64_decode(data.as_str().unwrap_or_default())).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.request("DELETE", &path, None)));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}
