//! The benchmark: `cargo bench --bench scholar` (options after `--`).
//!
//! Generates a synthetic book (by default 1,000 chapters of 20 citations:
//! single keys, several keys, locators, narrative citations, mixed Chinese
//! and English prose, code blocks and tables) and a 10,000-entry .bib, then
//! times whole processes on mdBook's JSON input: mdbook-scholar, a
//! do-nothing preprocessor (parse the JSON, write the book back) and, when
//! it is on PATH, mdbook-bib 0.5. Each figure is the median of several runs
//! measured in this same run; peak memory is the child's maximum RSS.
//!
//! Options: `--chapters N` `--entries N` `--runs N` `--quick` (smaller book,
//! one run) `--out DIR` (where the book and JSON go; default bench/out)
//! `--pathological` (only the pathological inputs, each at two sizes: time
//! must double, not quadruple, when the size doubles).

use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-scholar");

struct Options {
    chapters: usize,
    entries: usize,
    runs: usize,
    out: PathBuf,
    pathological: bool,
}

fn main() {
    // `cargo bench` passes `--bench`; the do-nothing preprocessor is this
    // same executable called with `nop`.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.first().map(String::as_str) == Some("nop") {
        return nop();
    }
    let mut options = Options {
        chapters: 1000,
        entries: 10_000,
        runs: 3,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/out"),
        pathological: false,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || rest.next().expect("a value").clone();
        match arg.as_str() {
            "--chapters" => options.chapters = value().parse().expect("a number"),
            "--entries" => options.entries = value().parse().expect("a number"),
            "--runs" => options.runs = value().parse().expect("a number"),
            "--out" => options.out = PathBuf::from(value()),
            "--quick" => {
                options.chapters = 200;
                options.runs = 1;
            }
            "--pathological" => options.pathological = true,
            other => panic!("unknown option {other}"),
        }
    }
    if options.pathological {
        pathological(&options);
    } else {
        run(&options);
    }
}

/// The inputs of tests/pathological.rs at two sizes each, one chapter per
/// book: the time ratio shows whether growth is linear (2×) or worse.
fn pathological(options: &Options) {
    let root = options.out.join("pathological");
    std::fs::create_dir_all(root.join("src")).unwrap();
    let keys = write_bib(&root.join("small.bib"), 100, 3);
    let one = |name: &str, content: String, bib: &str| {
        let mut book = Book::new();
        book.push_item(BookItem::Chapter(Chapter::new("Big", content, "big.md", Vec::new())));
        let toml = format!(
            "[book]\ntitle = \"Pathological\"\n[preprocessor.scholar]\nbibliography = \"{bib}\"\ncache = false\n"
        );
        let config: mdbook_preprocessor::config::Config = toml.parse().unwrap();
        let ctx = PreprocessorContext::new(root.clone(), config, "html".into());
        let path = options.out.join(format!("pathological-{name}.json"));
        std::fs::write(&path, serde_json::to_vec(&(ctx, book)).unwrap()).unwrap();
        path
    };
    let citations = |n: usize| {
        let mut text = String::new();
        for i in 0..n {
            let _ = write!(text, "[@{}] ", keys[i % keys.len()]);
            if i % 50 == 49 {
                text.push_str("\n\n");
            }
        }
        text
    };
    type Case<'a> = (&'a str, usize, Box<dyn Fn(usize) -> (String, String) + 'a>);
    let cases: Vec<Case> = vec![
        (
            "nested brackets",
            50_000,
            Box::new(|n| (format!("{}@{}{}", "[".repeat(n), keys[0], "]".repeat(n)), "small.bib".into())),
        ),
        ("@ signs", 250_000, Box::new(|n| ("@".repeat(n), "small.bib".into()))),
        ("citations in one chapter", 50_000, Box::new(|n| (citations(n), "small.bib".into()))),
        (
            ".bib entries (4 cited)",
            50_000,
            Box::new(|n| {
                let bib = format!("big-{n}.bib");
                let big = write_bib(&root.join(&bib), n, 5);
                (format!("[@{}; @{}] [@{}] @{}\n", big[0], big[n / 2], big[n - 1], big[n / 3]), bib)
            }),
        ),
    ];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("mdbook-scholar pathological inputs, median of {} run(s), {cores} cores\n", options.runs);
    println!("| input | size | wall (s) | size ×2 | wall (s) | time ratio (linear: 2) |\n|---|---|---|---|---|---|");
    for (name, size, make) in &cases {
        let mut walls = Vec::new();
        for n in [*size, size * 2] {
            let (content, bib) = make(n);
            let input = one(&format!("{}-{n}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")), content, &bib);
            walls.push(measure(options.runs, || run_process(Path::new(BIN), &[], &input, &[])).wall);
        }
        println!("| {name} | {size} | {:.3} | {} | {:.3} | {:.2} |", walls[0], size * 2, walls[1], walls[1] / walls[0]);
    }
}

/// The do-nothing preprocessor: parse mdBook's JSON, write the book back.
fn nop() {
    let (_ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin().lock()).expect("mdBook's JSON");
    serde_json::to_writer(std::io::stdout().lock(), &book).expect("written");
}

fn run(options: &Options) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "mdbook-scholar benchmark: {} chapters × 20 citations, {}-entry .bib, median of {} run(s), {cores} cores\n",
        options.chapters, options.entries, options.runs,
    );
    std::fs::create_dir_all(&options.out).unwrap();
    let root = options.out.join("book");
    std::fs::create_dir_all(root.join("src")).unwrap();
    let keys = write_bib(&root.join("refs.bib"), options.entries, 1);
    let big = options.entries * 10;
    write_bib(&root.join("refs-big.bib"), big, 1);
    let bib_keys = &keys;

    let mdbook_bib = which("mdbook-bib");
    let mut table = Table::default();

    // Inputs: our table and mdbook-bib's, ieee and apa.
    let inputs = |chapters: usize, bib: &str, style: &str, scope: &str, cache: bool| {
        let name = format!("input-{chapters}-{bib}-{style}-{scope}-{cache}.json");
        let path = options.out.join(&name);
        let book = synthetic_book(chapters, bib_keys, 7);
        let toml = format!(
            "[book]\ntitle = \"Benchmark\"\n[preprocessor.scholar]\nbibliography = \"{bib}\"\nstyle = \"{style}\"\nscope = \"{scope}\"\ncache = {cache}\n\
             [preprocessor.bib]\nbibliography = \"../{bib}\"\nbackend = \"csl\"\ncsl-style = \"{style}\"\ncitation-syntax = \"pandoc\"\nrender-bib = \"cited\"\nadd-bib-in-chapters = {}\n",
            scope == "chapter"
        );
        let config: mdbook_preprocessor::config::Config = toml.parse().unwrap();
        let ctx = PreprocessorContext::new(root.clone(), config, "html".into());
        std::fs::write(&path, serde_json::to_vec(&(ctx, book)).unwrap()).unwrap();
        path
    };

    let ours: &[(&str, &str)] = &[];
    let cache_dir = root.join(".scholar-cache");
    let n = options.chapters;
    let input_ieee = inputs(n, "refs.bib", "ieee", "chapter", true);
    let input_apa = inputs(n, "refs.bib", "apa", "chapter", true);
    let input_apa_global = inputs(n, "refs.bib", "apa", "none", true);
    let input_big = inputs(n, "refs-big.bib", "ieee", "chapter", true);

    let nop_exe = std::env::current_exe().unwrap();
    let nop = measure(options.runs, || run_process(&nop_exe, &["nop"], &input_ieee, &[]));
    table.row("do-nothing preprocessor", &nop, None);

    let clear = || {
        let _ = std::fs::remove_dir_all(&cache_dir);
    };
    let cold_ieee = measure(options.runs, || {
        clear();
        run_process(Path::new(BIN), &[], &input_ieee, ours)
    });
    table.row("mdbook-scholar cold, ieee, per-chapter lists", &cold_ieee, Some(&nop));
    let cold_apa = measure(options.runs, || {
        clear();
        run_process(Path::new(BIN), &[], &input_apa, ours)
    });
    table.row("mdbook-scholar cold, apa, per-chapter lists", &cold_apa, Some(&nop));
    let cold_apa_global = measure(options.runs, || {
        clear();
        run_process(Path::new(BIN), &[], &input_apa_global, ours)
    });
    table.row("mdbook-scholar cold, apa, one list (scope none)", &cold_apa_global, Some(&nop));
    let single = measure(options.runs, || {
        clear();
        {
            let mut env = ours.to_vec();
            env.push(("RAYON_NUM_THREADS", "1"));
            run_process(Path::new(BIN), &[], &input_ieee, &env)
        }
    });
    table.row("mdbook-scholar cold, ieee, one thread", &single, Some(&nop));

    // Warm: a build, then one chapter edited and built again.
    let edited = edit_one_chapter(&input_ieee, &options.out.join("input-edited-ieee.json"));
    let warm = measure(options.runs, || {
        clear();
        run_process(Path::new(BIN), &[], &input_ieee, ours);
        run_process(Path::new(BIN), &[], &edited, ours)
    });
    table.row("mdbook-scholar warm (one chapter edited), ieee", &warm, Some(&nop));
    let edited_apa = edit_one_chapter(&input_apa, &options.out.join("input-edited-apa.json"));
    let warm_apa = measure(options.runs, || {
        clear();
        run_process(Path::new(BIN), &[], &input_apa, ours);
        run_process(Path::new(BIN), &[], &edited_apa, ours)
    });
    table.row("mdbook-scholar warm (one chapter edited), apa", &warm_apa, Some(&nop));

    // Library size: the same citations against ten times the entries.
    let big_run = measure(options.runs, || {
        clear();
        run_process(Path::new(BIN), &[], &input_big, ours)
    });
    table.row(&format!("mdbook-scholar cold, ieee, {big}-entry .bib"), &big_run, Some(&nop));

    // Book size: a quarter and a half of the book.
    let mut growth = Vec::new();
    for fraction in [4, 2, 1] {
        let chapters = n / fraction;
        let input =
            if fraction == 1 { input_ieee.clone() } else { inputs(chapters, "refs.bib", "ieee", "chapter", true) };
        let m = measure(options.runs, || {
            clear();
            run_process(Path::new(BIN), &[], &input, ours)
        });
        growth.push((chapters, m.wall));
        if fraction != 1 {
            table.row(&format!("mdbook-scholar cold, ieee, {chapters} chapters"), &m, Some(&nop));
        }
    }

    let mut peers = Vec::new();
    if let Some(bib) = &mdbook_bib {
        // mdbook-bib reads the same JSON (its own table in the same config);
        // check once that it really expanded the citations.
        check_expands(bib, &input_ieee);
        let ieee_chapters = measure(options.runs, || run_process(bib, &[], &input_ieee, &[]));
        table.row("mdbook-bib 0.5, CSL ieee, per-chapter lists", &ieee_chapters, Some(&nop));
        let apa_global = measure(options.runs, || run_process(bib, &[], &input_apa_global, &[]));
        table.row("mdbook-bib 0.5, CSL apa, one global list", &apa_global, Some(&nop));
        peers.push((
            "cold ieee per-chapter vs mdbook-bib ieee per-chapter, wall (target ≥ 10×)",
            ieee_chapters.wall,
            cold_ieee.wall,
        ));
        peers.push(("  the same, CPU (target ≥ 5×)", ieee_chapters.cpu, cold_ieee.cpu));
        peers.push((
            "cold apa per-chapter vs mdbook-bib apa global list, wall (target ≥ 10×)",
            apa_global.wall,
            cold_apa.wall,
        ));
        peers.push(("  the same, CPU (target ≥ 5×)", apa_global.cpu, cold_apa.cpu));
        peers.push((
            "cold apa one list (scope none) vs mdbook-bib apa global list, wall (target ≥ 3×)",
            apa_global.wall,
            cold_apa_global.wall,
        ));
        peers.push(("  the same, CPU (target ≥ 5×)", apa_global.cpu, cold_apa_global.cpu));
        peers.push((
            "peak memory: mdbook-bib / ours, ieee per-chapter (target ≥ 1.33×, ours ≤ 3/4)",
            ieee_chapters.rss_mb,
            cold_ieee.rss_mb,
        ));
    }

    println!("{}", table.render());
    println!("Ratios measured in this run:");
    for (what, theirs, ours) in &peers {
        println!("  {what}: {:.1}×", theirs / ours);
    }
    if mdbook_bib.is_none() {
        println!("  (mdbook-bib is not on PATH: `cargo install mdbook-bib --locked` to compare)");
    }
    println!("  warm ieee / do-nothing (target ≤ 3×): {:.1}×", warm.wall / nop.wall);
    println!("  warm apa / do-nothing (target ≤ 3×): {:.1}×", warm_apa.wall / nop.wall);
    println!(
        "  {big}-entry / {}-entry .bib, same citations (target ≤ 1.2×): {:.2}×",
        options.entries,
        big_run.wall / cold_ieee.wall
    );
    let per_chapter: Vec<String> = growth
        .iter()
        .map(|(c, w)| format!("{c} chapters {:.3} s ({:.2} ms/chapter)", w, w * 1000.0 / *c as f64))
        .collect();
    println!("  growth with book size (linear if ms/chapter stays flat): {}", per_chapter.join(", "));
}

/// Medians over runs (the spread is the fastest and slowest wall time).
#[derive(Clone, Copy)]
struct Measured {
    wall: f64,
    rss_mb: f64,
    cpu: f64,
    spread: (f64, f64),
}

fn measure(runs: usize, mut f: impl FnMut() -> Run) -> Measured {
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    let mut rss: f64 = 0.0;
    for _ in 0..runs.max(1) {
        let run = f();
        walls.push(run.wall.as_secs_f64());
        cpus.push(run.cpu);
        rss = rss.max(run.rss_mb);
    }
    walls.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    Measured {
        wall: walls[walls.len() / 2],
        rss_mb: rss,
        cpu: cpus[cpus.len() / 2],
        spread: (walls[0], walls[walls.len() - 1]),
    }
}

/// Runs `exe` with `input` on stdin, stdout discarded; wall time and the
/// child's peak RSS in MiB.
fn run_process(exe: &Path, args: &[&str], input: &Path, env: &[(&str, &str)]) -> Run {
    let stdin = std::fs::File::open(input).unwrap();
    let mut command = Command::new(exe);
    command.args(args).stdin(stdin).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let start = Instant::now();
    #[allow(clippy::zombie_processes)] // reaped by wait4 below
    let child = command.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child; `status` and `usage` are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !ok {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        panic!("{} failed on {}: {stderr}", exe.display(), input.display());
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Run { wall, rss_mb: usage.ru_maxrss as f64 / 1024.0, cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime) }
}

/// One process run: wall time, peak RSS in MiB, CPU time (user + system).
struct Run {
    wall: Duration,
    rss_mb: f64,
    cpu: f64,
}

/// Fails unless `exe` replaced most `[@…]` markers of `input`.
fn check_expands(exe: &Path, input: &Path) {
    let output = Command::new(exe).stdin(std::fs::File::open(input).unwrap()).stderr(Stdio::null()).output().unwrap();
    let before = std::fs::read_to_string(input).unwrap().matches("[@ref").count();
    let after = String::from_utf8_lossy(&output.stdout).matches("[@ref").count();
    assert!(
        output.status.success() && after * 2 < before,
        "{} did not expand the citations ({before} → {after})",
        exe.display()
    );
}

#[derive(Default)]
struct Table(Vec<(String, Measured, Option<f64>)>);

impl Table {
    fn row(&mut self, what: &str, m: &Measured, nop: Option<&Measured>) {
        eprintln!("  measured: {what}: {:.3} s", m.wall);
        self.0.push((what.to_string(), *m, nop.map(|n| m.wall / n.wall)));
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "| run | wall (s) | spread (s) | CPU (s) | × do-nothing | peak RSS (MiB) |\n|---|---|---|---|---|---|\n",
        );
        for (what, m, ratio) in &self.0 {
            let ratio = ratio.map_or("1.0".to_string(), |r| format!("{r:.1}"));
            let _ = writeln!(
                out,
                "| {what} | {:.3} | {:.3}–{:.3} | {:.3} | {ratio} | {:.0} |",
                m.wall, m.spread.0, m.spread.1, m.cpu, m.rss_mb
            );
        }
        out
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// A deterministic generator (xorshift), so every run sees the same book.
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
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FAMILIES: &[&str] = &[
    "Smith",
    "Wang",
    "Li",
    "Zhang",
    "Müller",
    "García",
    "Kim",
    "Nguyen",
    "Brown",
    "Chen",
    "Ivanov",
    "Rossi",
    "Dubois",
    "Tanaka",
    "Kowalski",
    "Silva",
    "Johnson",
    "Liu",
    "Yang",
    "Huang",
    "O'Brien",
    "van der Berg",
    "Schmidt",
    "Singh",
];
const GIVEN: &[&str] =
    &["Anna", "Wei", "Jun", "Maria", "John", "Hiroshi", "Olga", "Luca", "Chloé", "Raj", "Mei", "Tom"];
const ZH_NAMES: &[&str] = &["王小明", "李华", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏"];
const WORDS: &[&str] = &[
    "learning",
    "language",
    "models",
    "scaling",
    "attention",
    "efficient",
    "retrieval",
    "reasoning",
    "alignment",
    "neural",
    "transformer",
    "evaluation",
    "data",
    "adaptation",
    "sparse",
    "inference",
    "robust",
    "generation",
    "graph",
    "memory",
];
const ZH_WORDS: &[&str] = &["大语言模型", "预训练", "高效", "推理", "对齐", "评测", "数据", "知识", "检索", "生成"];
const VENUES: &[&str] = &[
    "Journal of Machine Learning Research",
    "Transactions of the Association for Computational Linguistics",
    "Nature Machine Intelligence",
    "Artificial Intelligence",
    "计算机学报",
    "中文信息学报",
];

/// Writes an `entries`-entry .bib; returns its keys.
fn write_bib(path: &Path, entries: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
    let mut out = String::with_capacity(entries * 400);
    out.push_str("@string{jmlr = {Journal of Machine Learning Research}}\n\n");
    let mut keys = Vec::with_capacity(entries);
    for i in 0..entries {
        let key = format!("ref{i:06}");
        let chinese = rng.below(10) == 0;
        let authors: Vec<String> = (0..1 + rng.below(6))
            .map(|_| {
                if chinese {
                    rng.pick(ZH_NAMES).to_string()
                } else {
                    format!("{}, {}", rng.pick(FAMILIES), rng.pick(GIVEN))
                }
            })
            .collect();
        let title: Vec<&str> = if chinese {
            (0..3).map(|_| *rng.pick(ZH_WORDS)).collect()
        } else {
            (0..4 + rng.below(6)).map(|_| *rng.pick(WORDS)).collect()
        };
        let title = if chinese { title.join("") } else { title.join(" ") };
        let year = 1990 + rng.below(35);
        let kind = rng.below(3);
        let _ = write!(
            out,
            "@{}{{{key},\n  author = {{{}}},\n  title = {{{}}},\n  year = {year},\n",
            ["article", "inproceedings", "book"][kind],
            authors.join(" and "),
            title
        );
        match kind {
            0 => {
                let venue = rng.pick(VENUES);
                let _ = write!(
                    out,
                    "  journal = {{{venue}}},\n  volume = {},\n  number = {},\n  pages = {{{}--{}}},\n  doi = {{10.{}/x{i}}},\n",
                    1 + rng.below(40),
                    1 + rng.below(12),
                    10 + i % 500,
                    20 + i % 500,
                    1000 + rng.below(8000)
                );
            }
            1 => {
                let _ = write!(
                    out,
                    "  booktitle = {{Proceedings of the {} Conference on {}}},\n  pages = {{{}--{}}},\n",
                    1 + rng.below(60),
                    rng.pick(WORDS),
                    i % 900,
                    i % 900 + 9
                );
            }
            _ => {
                let _ = write!(out, "  publisher = {{Example Press}},\n  address = {{Berlin}},\n");
            }
        }
        if chinese {
            out.push_str("  langid = {chinese},\n");
        }
        out.push_str("}\n\n");
        keys.push(key);
    }
    std::fs::write(path, out).unwrap();
    keys
}

/// A book of `chapters` chapters, each with 20 citations of keys drawn from
/// the first `keys.len()` entries.
fn synthetic_book(chapters: usize, keys: &[String], seed: u64) -> Book {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ seed);
    let mut book = Book::new();
    for c in 0..chapters {
        let mut content = format!("# Chapter {c}\n\n");
        for n in 0..20 {
            if n % 5 == 0 {
                let _ = write!(content, "## Section {}\n\n", n / 5 + 1);
            }
            let k = |rng: &mut Rng| keys[rng.below(keys.len())].clone();
            let citation = match rng.below(5) {
                0 => format!("[@{}]", k(&mut rng)),
                1 => format!("[@{}; @{}]", k(&mut rng), k(&mut rng)),
                2 => format!("[see @{}, pp. {}-{}]", k(&mut rng), 1 + rng.below(50), 60 + rng.below(50)),
                3 => format!("@{} [chap. {}]", k(&mut rng), 1 + rng.below(9)),
                _ => format!("[@{}, p. {}; @{}]", k(&mut rng), 1 + rng.below(300), k(&mut rng)),
            };
            if n % 7 == 3 {
                let _ = write!(content, "| method | source |\n|---|---|\n| row {n} | {citation} |\n\n");
            } else if n % 2 == 0 {
                let _ = write!(
                    content,
                    "大语言模型的{}与{}是近年来的研究热点{citation}。Recent work on {} {} shows steady progress.\n\n",
                    rng.pick(ZH_WORDS),
                    rng.pick(ZH_WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS)
                );
            } else {
                let _ = write!(
                    content,
                    "The {} of {} models is studied in depth {citation}, with e-mail user@example.org left alone.\n\n",
                    rng.pick(WORDS),
                    rng.pick(WORDS)
                );
            }
            if n == 10 {
                content.push_str("```rust\nlet x = [@not_a_citation];\nmatch n { v @ 1..=5 => {}, _ => {} }\n```\n\n");
            }
        }
        let path = format!("chapter-{c:04}.md");
        let mut chapter = Chapter::new(&format!("Chapter {c}"), content, &path, Vec::new());
        chapter.number = Some(mdbook_preprocessor::book::SectionNumber::new(vec![c as u32 + 1]));
        book.push_item(BookItem::Chapter(chapter));
    }
    book
}

/// The same input with one chapter's text changed (a sentence added).
fn edit_one_chapter(input: &Path, output: &Path) -> PathBuf {
    let (ctx, mut book) = mdbook_preprocessor::parse_input(std::fs::File::open(input).unwrap()).unwrap();
    let middle = book.items.len() / 2;
    if let BookItem::Chapter(chapter) = &mut book.items[middle] {
        chapter.content.push_str("\nAn edited sentence.\n");
    }
    std::fs::write(output, serde_json::to_vec(&(ctx, book)).unwrap()).unwrap();
    output.to_path_buf()
}
