//! citeproc-js's answers, through `tests/citeproc-js/render.js --batch`: the
//! requests not answered before go to two node processes (the machine has two
//! cores), one request a line each way. Answers are cached under the target
//! dir by the request, the script and the lockfile, so a rerun while the
//! engine changes only runs the engine.

use crate::setup::Environment;
use scholar_citeproc::{Request, Response};
use serde::Deserialize;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::process::Stdio;

/// Node processes run at once.
const PROCESSES: usize = 2;

/// One line of `render.js --batch`.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Answer {
    Ok(Response),
    Error(String),
}

/// citeproc-js's answer to each request, in order; `names` name the cache
/// files (`<style>@<dataset>`).
pub fn render(
    env: &Environment,
    names: &[String],
    requests: &[Request],
) -> Result<Vec<Result<Response, String>>, String> {
    let script = std::fs::read(env.harness.join("render.js")).map_err(|e| format!("cannot read render.js: {e}"))?;
    let lock = std::fs::read(env.harness.join("package-lock.json")).unwrap_or_default();
    let cache = env.out.join("citeproc-js");
    std::fs::create_dir_all(&cache).map_err(|e| format!("cannot create `{}`: {e}", cache.display()))?;

    let mut lines = Vec::new();
    let mut answers: Vec<Option<Result<Response, String>>> = Vec::new();
    let mut missing = Vec::new();
    for (name, request) in names.iter().zip(requests) {
        let line = serde_json::to_string(request).map_err(|e| e.to_string())?;
        let mut hasher = DefaultHasher::new();
        (&line, &script, &lock).hash(&mut hasher);
        let file = cache.join(format!("{name}.{:016x}.json", hasher.finish()));
        let cached = std::fs::read_to_string(&file).ok().and_then(|text| serde_json::from_str::<Answer>(&text).ok());
        answers.push(cached.map(Answer::into_result));
        if answers.last().unwrap().is_none() {
            missing.push((answers.len() - 1, file));
        }
        lines.push(line);
    }

    // Largest first, dealt round-robin: the two processes finish together.
    missing.sort_by_key(|(i, _)| std::cmp::Reverse(lines[*i].len()));
    let shards: Vec<Vec<(usize, PathBuf)>> =
        (0..PROCESSES).map(|p| missing.iter().skip(p).step_by(PROCESSES).cloned().collect()).collect();
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = shards
            .iter()
            .enumerate()
            .filter(|(_, shard)| !shard.is_empty())
            .map(|(p, shard)| {
                let lines = &lines;
                scope.spawn(move || run_batch(env, p, shard.iter().map(|(i, _)| lines[*i].as_str()).collect()))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a node batch thread panicked")).collect::<Vec<_>>()
    });
    for (shard, result) in shards.iter().filter(|s| !s.is_empty()).zip(results) {
        for ((index, file), raw) in shard.iter().zip(result?) {
            forget_older(file);
            let _ = std::fs::write(file, &raw);
            let answer: Answer = serde_json::from_str(&raw)
                .map_err(|e| format!("render.js answered what is not an answer ({e}): {raw:.200}"))?;
            answers[*index] = Some(answer.into_result());
        }
    }
    Ok(answers.into_iter().map(|a| a.expect("every request answered")).collect())
}

impl Answer {
    fn into_result(self) -> Result<Response, String> {
        match self {
            Answer::Ok(response) => Ok(response),
            Answer::Error(message) => Err(message),
        }
    }
}

/// Removes the answers cached for the same style and dataset under other keys.
fn forget_older(file: &std::path::Path) {
    let name = file.file_name().unwrap().to_string_lossy();
    let stem = &name[..name.rfind('.').and_then(|end| name[..end].rfind('.')).unwrap_or(0) + 1];
    for entry in std::fs::read_dir(file.parent().unwrap()).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(stem) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Runs one `render.js --batch` over `lines`; its stderr (citeproc-js's
/// warnings) goes to `target/differential/citeproc-js-<p>.log`.
fn run_batch(env: &Environment, p: usize, lines: Vec<&str>) -> Result<Vec<String>, String> {
    let log_path = env.out.join(format!("citeproc-js-{p}.log"));
    let log = File::create(&log_path).map_err(|e| format!("cannot create `{}`: {e}", log_path.display()))?;
    crate::harness::run_batch(&env.node, &env.harness.join("render.js"), lines, Stdio::from(log))
        .map_err(|e| format!("{e}; see `{}`", log_path.display()))
}
