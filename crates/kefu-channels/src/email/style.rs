//! Inline `style` attribute filtering: only properties that stay inside their box, only plain
//! values (no `url()`, `expression()`, escapes, comments or negative offsets).

/// Properties an email may set; everything positioning, layering, transforming or loading
/// (`position`, `z-index`, `transform`, `background-image`, `content`, `behavior`, ...) is out.
const ALLOWED_PROPERTIES: &[&str] = &[
    "background",
    "background-color",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-style",
    "border-top-width",
    "border-width",
    "color",
    "direction",
    "display",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "overflow-wrap",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "vertical-align",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
];

/// CSS functions allowed in values: colours only.
const ALLOWED_FUNCTIONS: &[&str] = &["rgb", "rgba", "hsl", "hsla"];

/// Substrings that are never allowed in a value, whatever the property.
const FORBIDDEN: &[&str] = &[
    "url",
    "expression",
    "image",
    "javascript",
    "behavior",
    "binding",
    "import",
    "/*",
    "*/",
];

/// Keeps only allowed declarations with plain values; returns the normalised attribute value
/// (possibly empty).
pub(crate) fn filter_style(style: &str) -> String {
    let mut out = String::new();
    for declaration in style.split(';') {
        let Some((name, value)) = declaration.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        let value = strip_important(value);
        if ALLOWED_PROPERTIES.contains(&name.as_str()) && is_plain_value(value) {
            out.push_str(&name);
            out.push(':');
            out.push_str(value);
            out.push(';');
        }
    }
    out
}

fn strip_important(value: &str) -> &str {
    let lower = value.to_ascii_lowercase();
    match lower.rfind("!important") {
        Some(i) if lower[i..].trim_end() == "!important" => value[..i].trim_end(),
        _ => value,
    }
}

/// Letters (any script, for font names like 微软雅黑), digits, spaces and a few punctuation
/// marks; no escapes, no forbidden words, no negative numbers, only colour functions.
fn is_plain_value(value: &str) -> bool {
    if value.is_empty() || value.len() > 300 {
        return false;
    }
    let chars_ok = value
        .chars()
        .all(|c| c.is_alphanumeric() || " #%.,-+()'\"/".contains(c));
    let lower = value.to_lowercase();
    chars_ok
        && !FORBIDDEN.iter().any(|f| lower.contains(f))
        && !has_negative_number(&lower)
        && functions_allowed(&lower)
}

fn has_negative_number(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'-' && (w[1].is_ascii_digit() || w[1] == b'.'))
}

fn functions_allowed(value: &str) -> bool {
    value.match_indices('(').all(|(i, _)| {
        let before = &value[..i];
        // The name starts after the last character that cannot be in one (which may be
        // several bytes long: `rågb(`).
        let name_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-'))
            .map_or(0, |(p, c)| p + c.len_utf8());
        ALLOWED_FUNCTIONS.contains(&&before[name_start..])
    })
}

#[cfg(test)]
mod tests {
    use super::filter_style;

    #[test]
    fn harmless_properties_are_kept_and_normalised() {
        assert_eq!(
            filter_style("COLOR: red ; font-family: 微软雅黑, sans-serif; width:100% !important"),
            "color:red;font-family:微软雅黑, sans-serif;width:100%;"
        );
    }

    #[test]
    fn properties_that_escape_the_box_are_dropped() {
        assert_eq!(
            filter_style("position:fixed;top:0;left:0;z-index:9999;transform:scale(9)"),
            ""
        );
    }

    #[test]
    fn a_function_name_after_a_non_ascii_letter_is_read_whole() {
        // Found by the `parse` fuzz target: this used to cut the text inside `å`.
        assert_eq!(
            filter_style("border:1px solid rågb(1,2,3);color:red"),
            "color:red;"
        );
        assert_eq!(filter_style("color:rgb(1,2,3)"), "color:rgb(1,2,3);");
    }

    #[test]
    fn negative_offsets_are_dropped() {
        assert_eq!(
            filter_style("margin-top:-1000px;text-indent: -.5em;margin:0 -9px"),
            ""
        );
    }

    #[test]
    fn loads_and_scripts_in_values_are_dropped() {
        for style in [
            "background:url(https://t.example/p.gif)",
            "background: URL( 'x' )",
            "width:expression(alert(1))",
            "color:\\75rl(x)",
            "color:red/**/",
            "background:image-set('a.png' 1x)",
            "width:calc(100% + 9999px)",
            "color:var(--x)",
        ] {
            assert_eq!(filter_style(style), "", "{style}");
        }
    }

    #[test]
    fn colour_functions_are_allowed() {
        assert_eq!(filter_style("color: rgb(0, 0, 0)"), "color:rgb(0, 0, 0);");
    }
}
