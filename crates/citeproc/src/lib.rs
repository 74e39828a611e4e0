//! A CSL 1.0.2 citation processor.
//!
//! It reads styles and locales through `citationberg` and items as CSL-JSON,
//! and renders citations and bibliographies as citeproc-js does.

mod request;

pub use request::{CiteRef, Format, RenderedEntry, Request, Response};

/// Renders a whole [`Request`]: the bibliography of every item and each
/// citation cluster in document order.
pub fn render_request(request: &Request) -> Result<Response, String> {
    let _ = request;
    Err("not implemented yet".into())
}
