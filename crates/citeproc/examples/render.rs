//! Answers a request: `cargo run -p scholar-citeproc --example render -- request.json`
//! prints the response as JSON (the same protocol the differential test
//! sends to citeproc-js).

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: render REQUEST.json");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    let request: scholar_citeproc::Request = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("{path}: not a request: {e}");
        std::process::exit(1);
    });
    match scholar_citeproc::render_request(&request) {
        Ok(response) => println!("{}", serde_json::to_string(&response).unwrap_or_default()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
