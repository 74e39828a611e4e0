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

    let site = common::scratch("browser-site");
    let output = Command::new(BIN)
        .arg("build")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .env("MDBOOK_BUILD__BUILD_DIR", &site)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    check_links(&site);

    let server = serve(site.clone());
    let mut browser = Browser::start(&driver_path, &chromium);
    let base = format!("http://127.0.0.1:{server}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/out");
    std::fs::create_dir_all(&out).unwrap();

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
    browser.goto(&format!("{base}/index.html"));
    let table = browser.find(".scholar-topics");
    browser.scroll_into_view(&table);
    browser.screenshot(&out.join("browser-topics.png"));

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
    // The survey loads MathJax from its CDN: on a machine without network it
    // cannot, and then the page's MathJax call fails too. Only that is
    // forgiven; every other error fails the test.
    let offline = |e: &String| {
        (e.contains("cdnjs.cloudflare.com/ajax/libs/mathjax/")
            && (e.contains("ERR_NAME_NOT_RESOLVED") || e.contains("ERR_INTERNET_DISCONNECTED")))
            || e.contains("MathJax is not defined")
    };
    let mathjax_missing = errors.iter().any(|e| e.contains("cdnjs.cloudflare.com/ajax/libs/mathjax/"));
    let errors: Vec<&String> = errors.iter().filter(|e| !(mathjax_missing && offline(e))).collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
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

/// Serves `root` over HTTP on a free local port (a thread per connection).
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let _ = respond(&root, stream);
            });
        }
    });
    port
}

fn respond(root: &Path, mut stream: TcpStream) -> std::io::Result<()> {
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
    let mut file = root.join(path.trim_start_matches('/'));
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

    fn goto(&mut self, url: &str) {
        let path = self.session_path("/url");
        self.request("POST", &path, Some(json!({"url": url})));
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
