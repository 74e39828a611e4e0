//! The render stage: the engine for the works needed, every citation and
//! list of the chapters rendered now, then the topic table (it reads the
//! finished pages). The result is each chapter's edits, previews filled in.

use rayon::prelude::*;
use std::ops::Range;

use super::engine::Engine;
use super::topics::Spliced;
use super::{Edit, Output, Previews, Rendered, Renderer};
use crate::cache::Reuse;
use crate::collect::Collected;
use crate::config::{Config, Scope};
use crate::diagnostic::Diagnostics;
use crate::library::Library;
use crate::splice::splice_tracked;
use crate::style::Style;
use crate::timing::Timer;

/// What the render stage reads.
pub struct Book<'a> {
    pub config: &'a Config,
    pub style: &'a Style,
    pub output: Output,
    pub collected: &'a Collected,
    /// The keys rendered now.
    pub needed: &'a [&'a str],
    pub reuse: &'a Reuse,
    /// Where the bundled locales the book uses are kept (with the cache).
    pub locale_store: Option<&'a crate::locales::Store>,
}

/// Each chapter's edits (none for chapters found in the cache). The library
/// is let go of here: its parsed entries are not needed any more.
pub fn render(book: Book, library: Library, timer: &Timer, diagnostics: &mut Diagnostics) -> Vec<Vec<Edit>> {
    let Book { config, collected, reuse, .. } = book;
    let rendered_here = reuse.rendered_here();
    let holders = collected.book_list.is_some() || !collected.topics.is_empty();
    // Everything from the cache: no engine to set up.
    let nothing_here = !rendered_here.contains(&true) && !holders && config.scope != Scope::None;
    let (edits, previews) = if nothing_here {
        (vec![Vec::new(); collected.chapters.len()], Previews::default())
    } else {
        let languages: Vec<Option<String>> =
            book.needed.iter().filter_map(|k| library.work(k)).map(|w| w.language.clone()).collect();
        let entry_language = config.entry_language.unwrap_or_else(|| book.style.multilingual_by_design());
        let engine = Engine::new(book.style, &config.locale, &languages, entry_language, book.locale_store);
        timer.lap("engine");
        let renderer = Renderer::new(collected, &library, config, &engine, book.output, book.needed);
        timer.lap("render references");
        let mut rendered = renderer.render(&rendered_here);
        diagnostics.extend(std::mem::take(&mut rendered.diagnostics));
        timer.lap("render scopes");
        if !collected.topics.is_empty() {
            add_topics(&renderer, &mut rendered, collected, reuse);
        }
        let previews = renderer.into_previews();
        dispose(engine);
        (rendered.edits, previews)
    };
    dispose(library);
    edits
        .into_par_iter()
        .map(|edits| {
            edits.into_iter().map(|edit| Edit { text: previews.expand(edit.text), range: edit.range }).collect()
        })
        .collect()
}

/// The topic table's edits: it links to the sections of the final pages.
fn add_topics(renderer: &Renderer, rendered: &mut Rendered, collected: &Collected, reuse: &Reuse) {
    let spliced: Vec<(String, Vec<Range<usize>>)> = collected
        .chapters
        .iter()
        .zip(&rendered.edits)
        .zip(reuse.hits())
        .map(|((chapter, edits), hit)| match hit {
            Some(hit) => (hit.content.clone(), hit.inserted.iter().map(|&(a, b)| a..b).collect()),
            None => splice_tracked(&chapter.content, edits),
        })
        .collect();
    let pages: Vec<Spliced> = spliced.iter().map(|(content, inserted)| Spliced { content, inserted }).collect();
    for (chapter, edit) in renderer.topics(&pages, rendered) {
        rendered.edits[chapter].push(edit);
    }
}

/// Drops `value` on another thread: freeing thousands of parsed entries and
/// rendered trees takes milliseconds the book need not wait for (and a
/// process that exits first never spends them).
fn dispose<T: Send + 'static>(value: T) {
    if std::thread::Builder::new().spawn(move || drop(value)).is_err() {
        // No thread to spare: it is dropped here, the spawn closure with it.
    }
}
