//! Our engine against hayagriva 0.10 on the same work, in the same run:
//! the bibliography of a 10,000-entry library in `apa` and `ieee`, and
//! 20,000 citations (with their list) over 2,000 of those works.
//!
//! `cargo bench -p scholar-citeproc --bench engine [-- --runs N]`
//!
//! Both engines get the same records (CSL-JSON for ours, BibLaTeX for
//! hayagriva, generated from one description), the same bundled style and
//! the same bundled locales. Reading the data is not timed; rendering is.
//! Wall and CPU time are the least over the runs.

use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::{IndependentStyle, Style};
use hayagriva::{BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest};
use scholar_citeproc::{CiteInput, Processor, item::Item};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A small deterministic generator (xorshift), so every run sees the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FAMILIES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Watanabe",
    "Ito",
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Jung",
    "Nguyen",
    "Tran",
    "Kowalski",
    "Nowak",
    "Novak",
    "Ivanov",
    "Petrov",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Costa",
    "Pereira",
];
const GIVEN: &[&str] = &[
    "Anna",
    "John",
    "Maria",
    "David",
    "Wei",
    "Jing",
    "Hans",
    "Claire",
    "Luca",
    "Yuki",
    "Min-jun",
    "Ana",
    "Pierre",
    "Sofia",
    "Ali",
    "Fatima",
    "Olga",
    "Ivan",
    "Jean-Paul",
    "Mary Ann",
    "Chen",
    "Lei",
    "Hiro",
    "Paulo",
    "Eva",
];
const WORDS: &[&str] = &[
    "learning",
    "models",
    "language",
    "efficient",
    "scaling",
    "attention",
    "networks",
    "analysis",
    "robust",
    "training",
    "inference",
    "data",
    "evaluation",
    "alignment",
    "reasoning",
    "retrieval",
    "graph",
    "theory",
    "systems",
    "optimization",
    "sparse",
    "adaptive",
    "neural",
    "methods",
    "survey",
    "benchmark",
    "memory",
];

struct Record {
    key: String,
    kind: &'static str,
    authors: Vec<(String, String)>,
    title: String,
    container: String,
    year: i32,
    volume: u32,
    pages: (u32, u32),
    publisher: &'static str,
}

fn records(n: usize) -> Vec<Record> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| {
            let count = 1 + rng.below(8);
            let authors = (0..count)
                .map(|_| (FAMILIES[rng.below(FAMILIES.len())].to_string(), GIVEN[rng.below(GIVEN.len())].to_string()))
                .collect();
            let words = 3 + rng.below(7);
            let mut title: String = (0..words).map(|_| WORDS[rng.below(WORDS.len())]).collect::<Vec<_>>().join(" ");
            title[..1].make_ascii_uppercase();
            let kind = ["article-journal", "paper-conference", "book", "chapter", "report"][rng.below(5)];
            let first = 1 + rng.below(900) as u32;
            Record {
                key: format!("w{i}"),
                kind,
                authors,
                title,
                container: format!("Journal of {}", WORDS[rng.below(WORDS.len())]),
                year: 1990 + rng.below(36) as i32,
                volume: 1 + rng.below(60) as u32,
                pages: (first, first + 5 + rng.below(30) as u32),
                publisher: ["Springer", "MIT Press", "Elsevier", "ACM"][rng.below(4)],
            }
        })
        .collect()
}

fn csl_json(record: &Record) -> Value {
    json!({
        "id": record.key,
        "type": record.kind,
        "author": record.authors.iter().map(|(f, g)| json!({"family": f, "given": g})).collect::<Vec<_>>(),
        "title": record.title,
        "container-title": record.container,
        "issued": {"date-parts": [[record.year]]},
        "volume": record.volume.to_string(),
        "page": format!("{}-{}", record.pages.0, record.pages.1),
        "publisher": record.publisher,
    })
}

fn biblatex(record: &Record) -> String {
    let kind = match record.kind {
        "article-journal" => "article",
        "paper-conference" => "inproceedings",
        "book" => "book",
        "chapter" => "incollection",
        _ => "report",
    };
    let authors: Vec<String> = record.authors.iter().map(|(f, g)| format!("{f}, {g}")).collect();
    let container = match kind {
        "article" => format!("journaltitle = {{{}}},", record.container),
        "book" | "report" => String::new(),
        _ => format!("booktitle = {{{}}},", record.container),
    };
    format!(
        "@{kind}{{{key},\n author = {{{authors}}},\n title = {{{title}}},\n {container}\n date = {{{year}}},\n volume = {{{volume}}},\n pages = {{{p0}--{p1}}},\n publisher = {{{publisher}}},\n institution = {{{publisher}}},\n}}\n",
        key = record.key,
        authors = authors.join(" and "),
        title = record.title,
        year = record.year,
        volume = record.volume,
        p0 = record.pages.0,
        p1 = record.pages.1,
        publisher = record.publisher,
    )
}

/// Process CPU time (user + system).
fn cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete rusage for RUSAGE_SELF.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// Least wall and CPU time over `runs`.
fn measure(runs: usize, mut work: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    let mut best = (Duration::MAX, Duration::MAX, 0);
    for _ in 0..runs {
        let (wall, cpu_start) = (Instant::now(), cpu());
        let produced = work();
        let (wall, cpu_used) = (wall.elapsed(), cpu() - cpu_start);
        best = (best.0.min(wall), best.1.min(cpu_used), produced);
    }
    best
}

fn style(name: &str) -> IndependentStyle {
    match ArchivedStyle::by_name(name).map(ArchivedStyle::get) {
        Some(Style::Independent(style)) => style,
        _ => panic!("`{name}` is not a bundled independent style"),
    }
}

fn main() {
    let runs = std::env::args().skip_while(|a| a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(3usize);
    // `--ours-only`: our engine alone, for profiling (`--citations-only`:
    // only the citations; `--style ieee`: one style).
    let ours_only = std::env::args().any(|a| a == "--ours-only");
    let locales = hayagriva::archive::locales();
    let all = records(10_000);
    let ours: Vec<Item> = all.iter().map(|r| Item::from_json(&csl_json(r)).expect("generated item")).collect();
    let bib: String = all.iter().map(biblatex).collect();
    let theirs = hayagriva::io::from_biblatex_str(&bib).expect("generated BibLaTeX");
    let entries: Vec<&hayagriva::Entry> = theirs.iter().collect();
    assert_eq!(entries.len(), ours.len());

    // 20,000 citations of one to three works over the first 2,000.
    let mut rng = Rng(7);
    let clusters: Vec<Vec<usize>> =
        (0..20_000).map(|_| (0..1 + rng.below(3)).map(|_| rng.below(2_000)).collect()).collect();
    let cited_ours: Vec<Item> = ours[..2_000].to_vec();
    let cite_inputs: Vec<Vec<CiteInput>> = clusters
        .iter()
        .map(|c| c.iter().map(|&i| CiteInput { id: format!("w{i}"), ..CiteInput::default() }).collect())
        .collect();

    println!("| work | style | ours wall | ours CPU | hayagriva wall | hayagriva CPU | wall ratio | CPU ratio |");
    println!("|---|---|---|---|---|---|---|---|");
    let only: Option<String> = std::env::args().skip_while(|a| a != "--style").nth(1);
    for name in ["apa", "ieee"].into_iter().filter(|n| only.as_deref().is_none_or(|o| o == *n)) {
        let csl = style(name);
        let processor = Processor::with_style(csl.clone(), &locales, None);

        if std::env::args().any(|a| a == "--citations-only") {
            let (w, c, _) = measure(runs, || processor.render(&cited_ours, &cite_inputs, true).citations.len());
            println!("| {name} | ours only | citations {w:?} / {c:?} |");
            continue;
        }
        let (w_ours, c_ours, n_ours) = measure(runs, || processor.render(&ours, &[], true).bibliography.len());
        if ours_only {
            let (w, c, _) = measure(runs, || processor.render(&cited_ours, &cite_inputs, true).citations.len());
            println!("| {name} | ours only | bibliography {w_ours:?} / {c_ours:?} | citations {w:?} / {c:?} |");
            continue;
        }
        let (w_theirs, c_theirs, n_theirs) = measure(runs, || {
            let mut driver = BibliographyDriver::new();
            let items = entries.iter().map(|e| CitationItem::new(*e, None, None, true, None)).collect();
            driver.citation(CitationRequest::from_items(items, &csl, &locales));
            let rendered = driver.finish(BibliographyRequest::new(&csl, None, &locales));
            rendered.bibliography.map_or(0, |b| b.items.len())
        });
        assert_eq!(n_ours, n_theirs, "both render every entry");
        row("bibliography of 10,000", name, (w_ours, c_ours), (w_theirs, c_theirs));

        let (w_ours, c_ours, n_ours) =
            measure(runs, || processor.render(&cited_ours, &cite_inputs, true).citations.len());
        let (w_theirs, c_theirs, n_theirs) = measure(runs, || {
            let mut driver = BibliographyDriver::new();
            for cluster in &clusters {
                let items = cluster.iter().map(|&i| CitationItem::with_entry(entries[i])).collect();
                driver.citation(CitationRequest::from_items(items, &csl, &locales));
            }
            driver.finish(BibliographyRequest::new(&csl, None, &locales)).citations.len()
        });
        assert_eq!(n_ours, n_theirs, "both render every citation");
        row("20,000 citations", name, (w_ours, c_ours), (w_theirs, c_theirs));
    }
}

fn row(work: &str, style: &str, ours: (Duration, Duration), theirs: (Duration, Duration)) {
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    let ratio = |a: Duration, b: Duration| format!("{:.1}×", b.as_secs_f64() / a.as_secs_f64().max(1e-9));
    println!(
        "| {work} | {style} | {} | {} | {} | {} | {} | {} |",
        ms(ours.0),
        ms(ours.1),
        ms(theirs.0),
        ms(theirs.1),
        ratio(ours.0, theirs.0),
        ratio(ours.1, theirs.1)
    );
}
