//! The Rust side of the citeproc-js harness, shared by the differential
//! tests of this crate and of the preprocessor (`#[path]`-included by both):
//! finding node and Debian's files, and running `render.js --batch`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A program on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// The installed file of a Debian package whose path ends with `end`.
pub fn package_file(package: &str, end: &str) -> Result<PathBuf, String> {
    let missing = || format!("Debian's `{package}` is not installed (apt-get install {package})");
    let output = Command::new("dpkg").args(["-L", package]).output().map_err(|_| missing())?;
    if !output.status.success() {
        return Err(missing());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(PathBuf::from)
        .find(|p| p.to_string_lossy().ends_with(end) && p.is_file())
        .ok_or_else(|| format!("`{package}` has no file ending in `{end}`"))
}

/// One `render.js --batch` over `lines`, one answer line per request line;
/// the script's stderr goes to `stderr`.
pub fn run_batch(node: &Path, script: &Path, lines: Vec<&str>, stderr: Stdio) -> Result<Vec<String>, String> {
    let mut child = Command::new(node)
        .arg(script)
        .arg("--batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let stdout = child.stdout.take().expect("a piped stdout");
    let expected = lines.len();
    // Written on another thread, read on this one: neither pipe fills up.
    let answers = std::thread::scope(|scope| {
        scope.spawn(move || {
            for line in lines {
                if writeln!(stdin, "{line}").is_err() {
                    break;
                }
            }
        });
        BufReader::new(stdout).lines().collect::<Result<Vec<String>, _>>()
    });
    let status = child.wait().map_err(|e| e.to_string())?;
    let answers = answers.map_err(|e| format!("reading render.js: {e}"))?;
    if answers.len() != expected {
        return Err(format!("render.js answered {} of {expected} requests and exited with {status}", answers.len()));
    }
    Ok(answers)
}
