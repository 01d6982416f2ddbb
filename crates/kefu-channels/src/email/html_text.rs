//! Plain text from sanitised HTML (for messages without a text part): blocks become lines,
//! `<blockquote>` becomes `> ` quoting so quoted history folds like in plain text.
//!
//! Works on ammonia's serialisation only, where `<` in text is always escaped and the only
//! entities are `&amp;`, `&lt;`, `&gt;`, `&nbsp;` (and `&quot;` inside attribute values).

/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "pre",
    "blockquote",
    "dd",
    "dt",
    "dl",
    "center",
    "header",
    "footer",
    "article",
    "section",
    "aside",
    "nav",
    "figure",
    "figcaption",
    "details",
    "summary",
    "caption",
    "address",
];

/// The text of sanitised HTML, one line per block, whitespace collapsed outside `<pre>`.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut state = State::default();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        state.text(&rest[..lt]);
        let tag_end = tag_end(&rest[lt..]).map_or(rest.len(), |e| lt + e);
        state.tag(&rest[lt..tag_end]);
        rest = &rest[tag_end..];
    }
    state.text(rest);
    state.finish()
}

/// Length of the tag at the start of `s` (up to and including `>`), respecting quotes.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[derive(Default)]
struct State {
    lines: Vec<String>,
    line: String,
    quote_depth: usize,
    pre_depth: usize,
}

impl State {
    fn text(&mut self, raw: &str) {
        let text = raw
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        if self.pre_depth > 0 {
            let mut parts = text.split('\n');
            self.line.push_str(parts.next().unwrap_or_default());
            for part in parts {
                self.end_line();
                self.line.push_str(part);
            }
            return;
        }
        for word_or_space in split_keep_space(&text) {
            if word_or_space.chars().all(char::is_whitespace) {
                if !self.line.is_empty() && !self.line.ends_with(' ') {
                    self.line.push(' ');
                }
            } else {
                self.line.push_str(word_or_space);
            }
        }
    }

    fn tag(&mut self, tag: &str) {
        let closing = tag.starts_with("</");
        let name: String = tag
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if !BLOCKS.contains(&name.as_str()) {
            if matches!(name.as_str(), "td" | "th") && !closing {
                self.text(" ");
            }
            return;
        }
        if name == "br" {
            self.end_line();
            return;
        }
        self.end_block();
        let depth = match name.as_str() {
            "blockquote" => &mut self.quote_depth,
            "pre" => &mut self.pre_depth,
            _ => return,
        };
        *depth = if closing {
            depth.saturating_sub(1)
        } else {
            *depth + 1
        };
    }

    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let line = line.trim_end();
        let line = if self.pre_depth > 0 {
            line
        } else {
            line.trim_start()
        };
        let prefix = "> ".repeat(self.quote_depth);
        self.lines
            .push(format!("{prefix}{line}").trim_end().to_owned());
    }

    /// Ends the current line if it has text; blocks never leave more than one blank line.
    fn end_block(&mut self) {
        if !self.line.trim().is_empty() {
            self.end_line();
        }
        if self
            .lines
            .last()
            .is_some_and(|l| !l.is_empty() && l.trim_start_matches('>').trim() != "")
        {
            self.lines.push(String::new());
        }
    }

    fn finish(mut self) -> String {
        self.end_block();
        let mut out: Vec<String> = Vec::with_capacity(self.lines.len());
        for line in self.lines {
            if !(line.is_empty() && out.last().is_none_or(String::is_empty)) {
                out.push(line);
            }
        }
        out.join("\n").trim().to_owned()
    }
}

fn split_keep_space(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let space = first.is_whitespace();
        let len = rest
            .find(|c: char| c.is_whitespace() != space)
            .unwrap_or(rest.len());
        let (piece, tail) = rest.split_at(len);
        rest = tail;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn blocks_become_lines_and_inline_text_flows() {
        let html = "<p>Hello <b>team</b>,</p>\n<div>Invoice\n   attached.<br>Ann</div>";
        assert_eq!(html_to_text(html), "Hello team,\n\nInvoice attached.\nAnn");
    }

    #[test]
    fn blockquotes_are_quoted_with_angle_brackets() {
        let html = "<p>Yes</p><div>On Mon, Kefu wrote:</div><blockquote><p>Ok?</p><blockquote>Old</blockquote></blockquote>";
        assert_eq!(
            html_to_text(html),
            "Yes\n\nOn Mon, Kefu wrote:\n\n> Ok?\n\n> > Old"
        );
    }

    #[test]
    fn entities_are_decoded_and_pre_keeps_its_lines() {
        let html = "<p>a &lt;b&gt; &amp;&nbsp;c</p><pre>x  y\n  z</pre>";
        assert_eq!(html_to_text(html), "a <b> & c\n\nx  y\n  z");
    }

    #[test]
    fn table_cells_are_separated() {
        assert_eq!(
            html_to_text("<table><tr><td>a</td><td>b</td></tr></table>"),
            "a b"
        );
    }
}
