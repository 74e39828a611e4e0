//! The command line: reads arguments, calls the library, exits.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
mdbook-scholar: citations and bibliographies for mdBook

Usage:
  mdbook-scholar                      run as mdBook preprocessor (JSON on stdin/stdout)
  mdbook-scholar supports <renderer>  exit 0: every renderer is supported
  mdbook-scholar build [BOOK_DIR]     build the book with mdBook in-process
  mdbook-scholar check [BOOK_DIR] [--strict]
                                      print every diagnostic, write nothing
  mdbook-scholar format [--style S] [--locale L] [--locales DIR]
                       [--html] FILE...
                                      print the files' entries as one list in
                                      the style's order, one entry per line
";

fn main() -> ExitCode {
    limit_malloc_arenas();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    use mdbook_scholar::commands;
    match args.first().map(String::as_str) {
        None => {
            // A development switch, read here so the library never reads one.
            let timing = std::env::var_os("SCHOLAR_TIMING").is_some();
            commands::protocol(std::io::stdin().lock(), std::io::stdout().lock(), timing)?;
            Ok(ExitCode::SUCCESS)
        }
        Some("supports") => Ok(ExitCode::SUCCESS),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some("-V" | "--version") => {
            println!("mdbook-scholar {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "driver")]
        Some("build") => {
            commands::build(&book_dir(&args[1..])?)?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "driver")]
        Some("check") => {
            let strict = args[1..].iter().any(|a| a == "--strict");
            let rest: Vec<String> = args[1..].iter().filter(|a| *a != "--strict").cloned().collect();
            commands::check(&book_dir(&rest)?, strict)
        }
        Some("format") => {
            let mut options = commands::FormatOptions::default();
            let mut files = Vec::new();
            let mut args = args[1..].iter();
            while let Some(arg) = args.next() {
                let mut value =
                    |what: &str| args.next().cloned().ok_or_else(|| anyhow::anyhow!("`{arg}` needs {what}\n\n{USAGE}"));
                match arg.as_str() {
                    "--style" => options.style = Some(value("a style name or .csl path")?),
                    "--locale" => options.locale = Some(value("a locale such as en-US")?),
                    "--locales" => options.locales = Some(PathBuf::from(value("a folder of CSL locale files")?)),
                    // Our own processor is the only engine now.
                    "--engine" => anyhow::bail!(
                        "`--engine` was removed: `format` renders with mdbook-scholar's own CSL processor, the only \
                         engine; leave the option out\n\n{USAGE}"
                    ),
                    "--html" => options.html = true,
                    flag if flag.starts_with("--") => {
                        anyhow::bail!("unknown option `{flag}`\n\n{USAGE}")
                    }
                    file => files.push(PathBuf::from(file)),
                }
            }
            if files.is_empty() {
                anyhow::bail!("`format` needs at least one bibliography file\n\n{USAGE}");
            }
            commands::format(&files, &options, std::io::stdout().lock())
        }
        Some(other) => anyhow::bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// glibc gives every thread its own heap arena; rendering in parallel then
/// leaves memory fragmented across many. Two arenas keep the peak memory of
/// big books down by a tenth at no cost in speed (see the benchmark).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(feature = "driver")]
fn book_dir(args: &[String]) -> anyhow::Result<PathBuf> {
    match args {
        [] => Ok(PathBuf::from(".")),
        [dir] if !dir.starts_with("--") => Ok(PathBuf::from(dir)),
        _ => anyhow::bail!("expected at most one BOOK_DIR, got {}\n\n{USAGE}", args.join(" ")),
    }
}
