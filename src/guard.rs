//! Panic guarding: a parser that panics on odd input costs only the entry or
//! chapter it was reading, not the build.

/// Runs `f`, turning a panic into an error that says what failed where
/// (and keeping the panic off stderr): for calls into parsers that can panic
/// on odd input (biblatex on an entry, pulldown-cmark on a chapter), so that
/// one bad entry or chapter costs only itself.
pub fn guarded<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    use std::cell::{Cell, RefCell};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    thread_local! {
        static GUARDED: Cell<bool> = const { Cell::new(false) };
        static CAUGHT: RefCell<String> = const { RefCell::new(String::new()) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                return previous(info);
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            // Short: a panic message can quote a whole chapter.
            let mut message: String = message.lines().next().unwrap_or_default().chars().take(100).collect();
            if message.len() < info.payload().downcast_ref::<String>().map_or(0, String::len) {
                message.push('…');
            }
            // The crate and file, not the builder's home folder.
            let place = info.location().map(|l| {
                let file = l.file();
                let short = file.rfind("/src/").map_or(file, |i| &file[file[..i].rfind('/').map_or(0, |j| j + 1)..]);
                format!(" at {short}:{}", l.line())
            });
            CAUGHT.with(|c| *c.borrow_mut() = format!("{message}{}", place.unwrap_or_default()));
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    result.map_err(|_| CAUGHT.with(|c| std::mem::take(&mut *c.borrow_mut())))
}
