//! Rewriting attributes of `<img>` tags in HTML that ammonia has serialised. That output is
//! regular: every `<` in text is escaped, attribute values are double-quoted with `"` escaped,
//! so a tag scanner is exact here (it is not meant for arbitrary HTML).

/// Calls `rewrite(name, escaped_value)` for each attribute of each `<img>` tag; `Some((name,
/// escaped_value))` replaces the attribute, `None` keeps it.
pub(crate) fn rewrite_img_attrs(
    html: &str,
    mut rewrite: impl FnMut(&str, &str) -> Option<(String, String)>,
) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = find_img_tag(rest) {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let consumed = rewrite_tag(rest, &mut out, &mut rewrite);
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out
}

fn find_img_tag(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    html.match_indices("<img").map(|(i, _)| i).find(|&i| {
        bytes
            .get(i + 4)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
    })
}

/// Copies one `<img …>` tag into `out` with rewritten attributes; returns the bytes consumed.
fn rewrite_tag(
    tag: &str,
    out: &mut String,
    rewrite: &mut impl FnMut(&str, &str) -> Option<(String, String)>,
) -> usize {
    out.push_str("<img");
    let mut pos = 4;
    loop {
        let skipped = tag[pos..].len() - tag[pos..].trim_start().len();
        pos += skipped;
        let rest = &tag[pos..];
        if rest.is_empty() {
            return pos;
        }
        if rest.starts_with('>') || rest.starts_with("/>") {
            let end = if rest.starts_with('>') { 1 } else { 2 };
            out.push_str(&rest[..end]);
            return pos + end;
        }
        let name_len = rest
            .find(|c: char| c == '=' || c == '>' || c == '/' || c.is_ascii_whitespace())
            .unwrap_or(rest.len())
            .max(1);
        let name = &rest[..name_len];
        pos += name_len;
        let value = if tag[pos..].starts_with("=\"") {
            let value_start = pos + 2;
            let value_len = tag[value_start..]
                .find('"')
                .unwrap_or(tag.len() - value_start);
            pos = (value_start + value_len + 1).min(tag.len());
            Some(&tag[value_start..value_start + value_len])
        } else {
            None
        };
        match (value, value.and_then(|v| rewrite(name, v))) {
            (_, Some((new_name, new_value))) => {
                out.push_str(&format!(" {new_name}=\"{new_value}\""));
            }
            (Some(v), None) => out.push_str(&format!(" {name}=\"{v}\"")),
            (None, None) => {
                out.push(' ');
                out.push_str(name);
            }
        }
    }
}

/// Escapes text for a double-quoted attribute value, as html5ever's serialiser does.
pub(crate) fn escape_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('\u{a0}', "&nbsp;")
}

/// Undoes [`escape_attr`] (and the other entities html5ever writes in attribute values).
pub(crate) fn unescape_attr(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_img_tags_are_rewritten() {
        let html = r#"<p>src="x"</p><img alt="a" src="x"><imgx src="x"><img src="y">"#;
        let out = rewrite_img_attrs(html, |name, value| {
            (name == "src").then(|| ("data-s".to_owned(), format!("{value}!")))
        });
        assert_eq!(
            out,
            r#"<p>src="x"</p><img alt="a" data-s="x!"><imgx src="x"><img data-s="y!">"#
        );
    }

    #[test]
    fn truncated_tags_do_not_panic() {
        for html in ["<img", "<img src=\"", "<img src", "<img a=\"b\" c"] {
            let _ = rewrite_img_attrs(html, |_, _| None);
        }
    }

    #[test]
    fn attribute_escaping_round_trips() {
        let raw = "a&b\"c";
        assert_eq!(unescape_attr(&escape_attr(raw)), raw);
    }
}
