//! The book mdBook hands over: its chapters' texts taken out in reading order
//! (no copy), and their pages put back in the same order.

use mdbook_preprocessor::book::{Book, BookItem, Chapter as BookChapter};

use crate::collect;
use crate::config::Config;

/// Every chapter, in reading order, its text moved out of the book.
pub fn take_chapters(book: &mut Book, config: &Config) -> Vec<collect::Chapter> {
    let mut chapters = Vec::new();
    let mut stack: Vec<(usize, usize)> = Vec::new(); // (depth, chapter index)
    visit_chapters_depth(&mut book.items, 0, &mut |chapter, depth| {
        let path = chapter.path.clone().unwrap_or_default();
        let source = chapter.source_path.clone().unwrap_or_else(|| path.clone());
        while stack.last().is_some_and(|&(d, _)| d >= depth) {
            stack.pop();
        }
        let parent = stack.last().map(|&(_, c)| c);
        stack.push((depth, chapters.len()));
        chapters.push(collect::Chapter {
            name: chapter.name.clone(),
            slug: collect::slug(&path),
            path,
            shown: config.shown_chapter_path(&source),
            source,
            number: chapter.number.as_ref().map(|n| n.to_vec()),
            parent,
            content: std::mem::take(&mut chapter.content),
            scan: Default::default(),
        });
    });
    // Slugs must be unique for ids to be.
    let mut seen = std::collections::HashMap::new();
    for chapter in &mut chapters {
        let count = seen.entry(chapter.slug.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            chapter.slug = format!("{}-{count}", chapter.slug);
        }
    }
    chapters
}

/// Puts each chapter's page back, in reading order.
pub fn put_pages(book: &mut Book, pages: Vec<String>) {
    let mut pages = pages.into_iter();
    visit_chapters(&mut book.items, &mut |chapter| {
        if let Some(page) = pages.next() {
            chapter.content = page;
        }
    });
}

/// Visits chapters (not drafts) in reading order.
fn visit_chapters(items: &mut [BookItem], f: &mut dyn FnMut(&mut BookChapter)) {
    for item in items {
        if let BookItem::Chapter(chapter) = item {
            if chapter.path.is_some() {
                f(chapter);
            }
            visit_chapters(&mut chapter.sub_items, f);
        }
    }
}

/// Visits chapters (not drafts) in reading order, with their depth.
fn visit_chapters_depth(items: &mut [BookItem], depth: usize, f: &mut dyn FnMut(&mut BookChapter, usize)) {
    for item in items {
        if let BookItem::Chapter(chapter) = item {
            if chapter.path.is_some() {
                f(chapter, depth);
            }
            visit_chapters_depth(&mut chapter.sub_items, depth + 1, f);
        }
    }
}
