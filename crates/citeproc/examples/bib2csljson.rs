//! Converts a BibLaTeX/BibTeX file to CSL-JSON:
//! `cargo run -p scholar-citeproc --example bib2csljson -- refs.bib > refs.json`.
//! Problems go to standard error as `path:line:column: message`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bib2csljson FILE.bib");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let (items, problems) = scholar_citeproc::biblatex::read_biblatex(&text);
    for problem in &problems {
        let severity = if problem.skipped { "error" } else { "warning" };
        eprintln!("{path}:{}:{}: {severity}: {}", problem.line, problem.column, problem.message);
    }
    println!("{}", serde_json::to_string_pretty(&items).unwrap_or_default());
}
