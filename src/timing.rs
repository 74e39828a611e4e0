//! Stage timings, for profiling: the binary turns them on (`SCHOLAR_TIMING`)
//! and passes that in; the library never reads the environment.

/// Each stage's time and the process's resident memory on stderr, when on.
pub struct Timer(Option<std::cell::Cell<std::time::Instant>>);

impl Timer {
    /// Starts the clock, or a timer that says nothing when `on` is false.
    pub fn start(on: bool) -> Timer {
        Timer(on.then(|| std::cell::Cell::new(std::time::Instant::now())))
    }

    /// The time since the last lap (or the start), named for its stage.
    pub fn lap(&self, stage: &str) {
        if let Some(last) = &self.0 {
            let now = std::time::Instant::now();
            let rss = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmRSS"))
                        .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string())
                })
                .unwrap_or_default();
            eprintln!("timing: {stage}: {:.1} ms (resident {rss} kB)", (now - last.get()).as_secs_f64() * 1000.0);
            last.set(now);
        }
    }
}
