//! Which addresses may become links. Below `config` and `render`: the
//! configuration checks `cite-as.url` with the same rule the renderer uses
//! to decide whether a URL in an entry becomes a link.

/// Whether a link target is safe to make a link of: only http, https (DOIs
/// arrive as `https://doi.org/…`). `javascript:`, `data:` and the rest stay text.
pub fn safe_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c == ' ')
}
