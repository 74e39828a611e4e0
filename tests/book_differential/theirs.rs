//! citeproc-js's answers, through `crates/citeproc/tests/citeproc-js/render.js
//! --batch`: the requests not answered before go to two node processes (the
//! machine has two cores), one request a line each way. Answers are cached
//! under `target/book-differential/citeproc-js` by the request, the script
//! and the harness's lockfile, so a rerun while the preprocessor changes
//! runs only the preprocessor.

use crate::setup::Environment;
use scholar_citeproc::{Request, Response};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::process::Stdio;

/// citeproc-js's answer to each request, in order; each request is named
/// for its cache file and messages (`<style>@<chapter>`).
pub fn render(env: &Environment, requests: &[(String, &Request)]) -> Result<Vec<Response>, String> {
    let script = std::fs::read(&env.harness).map_err(|e| format!("cannot read render.js: {e}"))?;
    let lock = std::fs::read(env.harness.with_file_name("package-lock.json")).unwrap_or_default();
    let cache = env.out.join("citeproc-js");
    std::fs::create_dir_all(&cache).map_err(|e| format!("cannot create `{}`: {e}", cache.display()))?;

    let mut lines = Vec::new();
    let mut files = Vec::new();
    let mut answers: Vec<Option<String>> = Vec::new();
    for (name, request) in requests {
        let line = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let mut hasher = DefaultHasher::new();
        (&line, &script, &lock).hash(&mut hasher);
        let file = cache.join(format!("{}.{:016x}.json", name.replace('/', "_"), hasher.finish()));
        answers.push(std::fs::read_to_string(&file).ok());
        files.push(file);
        lines.push(line);
    }
    let missing: Vec<usize> = (0..requests.len()).filter(|&i| answers[i].is_none()).collect();
    let shards: Vec<Vec<usize>> = (0..2).map(|p| missing.iter().skip(p).step_by(2).copied().collect()).collect();
    let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shards
            .iter()
            .filter(|shard| !shard.is_empty())
            .map(|shard| {
                let batch: Vec<&str> = shard.iter().map(|&i| lines[i].as_str()).collect();
                scope.spawn(move || run_batch(env, batch))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a node thread panicked")).collect()
    });
    for (shard, result) in shards.iter().filter(|s| !s.is_empty()).zip(results) {
        for (&i, raw) in shard.iter().zip(result?) {
            forget_older(&files[i]);
            let _ = std::fs::write(&files[i], &raw);
            answers[i] = Some(raw);
        }
    }
    requests
        .iter()
        .zip(answers)
        .map(|((name, _), raw)| {
            let raw = raw.expect("every request answered");
            let answer: serde_json::Value =
                serde_json::from_str(&raw).map_err(|e| format!("render.js on {name}: {e}"))?;
            match (answer.get("ok"), answer.get("error")) {
                (Some(ok), _) => serde_json::from_value(ok.clone()).map_err(|e| format!("render.js on {name}: {e}")),
                (_, error) => Err(format!("citeproc-js failed on {name}: {}", error.unwrap_or(&answer))),
            }
        })
        .collect()
}

/// Removes the answers cached for the same name under other keys.
fn forget_older(file: &Path) {
    let name = file.file_name().unwrap().to_string_lossy();
    let stem = &name[..name.rfind('.').and_then(|end| name[..end].rfind('.')).unwrap_or(0) + 1];
    for entry in std::fs::read_dir(file.parent().unwrap()).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(stem) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// One `render.js --batch` over `lines`.
fn run_batch(env: &Environment, lines: Vec<&str>) -> Result<Vec<String>, String> {
    crate::harness::run_batch(&env.node, &env.harness, lines, Stdio::null())
}
