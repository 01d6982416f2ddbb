//! A linear pre-check for HTML nested so deeply that parsing it would take quadratic time
//! (html5ever scans the open-element stack for every block start), and a safe text-only
//! stand-in for such HTML. 20,000 nested `<div>`s take seconds to sanitise; no real mail
//! nests blocks more than a few dozen deep.

/// Deepest block nesting sanitised as HTML; deeper documents are shown as text.
const MAX_BLOCK_DEPTH: usize = 400;

/// Block elements whose start makes the parser search the stack ("close a p element").
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
];

/// True when block elements nest deeper than [`MAX_BLOCK_DEPTH`] (counting opens minus closes).
pub(crate) fn too_deep(html: &str) -> bool {
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let closing = rest.starts_with('/');
        let name = tag_name(rest.trim_start_matches('/'));
        if !BLOCKS.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            if depth > MAX_BLOCK_DEPTH {
                return true;
            }
        }
    }
    false
}

fn tag_name(s: &str) -> String {
    s.chars()
        .take(12)
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The text of the HTML with every tag removed, escaped into one paragraph: safe by
/// construction, since nothing of the input is kept as markup.
pub(crate) fn as_escaped_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        rest = rest[lt..].find('>').map_or("", |gt| &rest[lt + gt + 1..]);
    }
    text.push_str(rest);
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<p style=\"white-space:pre-wrap;\">{}</p>", escaped.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_nesting_is_fine() {
        let html = "<div><div><blockquote><p>x</p></blockquote></div></div>".repeat(1000);
        assert!(!too_deep(&html));
    }

    #[test]
    fn thousands_of_nested_blocks_are_too_deep() {
        assert!(too_deep(&"<div>".repeat(401)));
        assert!(too_deep(&"<ul><li>".repeat(500)));
    }

    #[test]
    fn the_text_stand_in_keeps_no_markup() {
        assert_eq!(
            as_escaped_text("<div><script>x</script>a &amp; <b>b</b> 1 < 2"),
            "<p style=\"white-space:pre-wrap;\">xa &amp;amp; b 1</p>"
        );
    }
}
