//! Folding quoted history and signatures away from a plain-text reply, so agents read only
//! what the customer wrote this time.

/// Lines that start forwarded or quoted history, as the common mail clients write them.
const HISTORY_SEPARATORS: &[&str] = &[
    "original message",
    "原始邮件",
    "邮件原件",
    "replied message",
    "forwarded message",
    "转发邮件",
];

/// Header names that begin an Outlook/Foxmail-style quoted header block ("From: … Sent: …").
const FROM_NAMES: &[&str] = &["from:", "发件人:", "发件人：", "寄件者:", "寄件者："];
/// Header names that follow `From:` in such a block.
const BLOCK_NAMES: &[&str] = &[
    "sent:",
    "date:",
    "to:",
    "subject:",
    "发送时间:",
    "发送时间：",
    "时间:",
    "时间：",
    "日期:",
    "日期：",
    "收件人:",
    "收件人：",
    "主题:",
    "主题：",
];

/// Mobile client footers that act as a signature.
const DEVICE_FOOTERS: &[&str] = &["sent from my ", "发自我的", "从我的", "get outlook for "];

/// Returns `text` without quoted history and signature. Keeps inline replies (text after a
/// quote) and falls back to the whole text when nothing new would be left.
pub fn fold_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = history_start(&lines).unwrap_or(lines.len());
    end = without_trailing_quote(&lines[..end]);
    end = signature_start(&lines[..end]).unwrap_or(end);
    let folded = join_trimmed(&lines[..end]);
    if folded.is_empty() {
        join_trimmed(&lines)
    } else {
        folded
    }
}

fn join_trimmed(lines: &[&str]) -> String {
    let mut out = lines
        .iter()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    out.truncate(out.trim_end().len());
    let leading = out.len() - out.trim_start_matches(['\n', '\r']).len();
    out.drain(..leading);
    out
}

/// Index of the first line of quoted history, if any.
fn history_start(lines: &[&str]) -> Option<usize> {
    (0..lines.len()).find_map(|i| {
        let line = lines[i].trim();
        if is_separator(line) || is_chinese_attribution(line) {
            Some(i)
        } else if is_wrote_line(line) {
            // "On Mon, 1 Jan 2024, Ann <a@b>\nwrote:" wraps in many clients.
            Some(
                if !starts_with_on(line) && i > 0 && starts_with_on(lines[i - 1].trim()) {
                    i - 1
                } else {
                    i
                },
            )
        } else if is_header_block(lines, i) {
            Some(if i > 0 && is_rule(lines[i - 1].trim()) {
                i - 1
            } else {
                i
            })
        } else {
            None
        }
    })
}

fn starts_with_on(line: &str) -> bool {
    line.starts_with("On ") || line.starts_with("Le ") || line.starts_with("Am ")
}

fn is_wrote_line(line: &str) -> bool {
    let lower = line.to_lowercase();
    (lower.ends_with("wrote:") || lower.ends_with("a écrit :") || lower.ends_with("schrieb:"))
        && (starts_with_on(line) || line.contains('@') || lower.len() <= "wrote:".len() + 2)
}

/// `在 2024年1月1日 10:00，张三 <a@b> 写道：`, also the `于 … 写道` form.
fn is_chinese_attribution(line: &str) -> bool {
    let ends = line.ends_with("写道：") || line.ends_with("写道:");
    ends && (line.starts_with('在') || line.contains('于'))
}

/// `-----Original Message-----`, `------------------ 原始邮件 ------------------` and the like.
fn is_separator(line: &str) -> bool {
    if !line.starts_with("--") && !line.starts_with("——") {
        return false;
    }
    let lower = line.to_lowercase();
    HISTORY_SEPARATORS.iter().any(|s| lower.contains(s))
}

/// A horizontal rule of underscores or dashes, as Outlook puts above its header block.
fn is_rule(line: &str) -> bool {
    line.len() >= 8 && line.chars().all(|c| c == '_' || c == '-')
}

/// `From: …` followed within three lines by `Sent:`, `Date:`, `To:` or `Subject:` (or the
/// Chinese names Outlook and Foxmail use).
fn is_header_block(lines: &[&str], i: usize) -> bool {
    let starts = |line: &str, names: &[&str]| {
        let lower = line.trim_start_matches('*').trim().to_lowercase();
        names.iter().any(|n| lower.starts_with(n))
    };
    starts(lines[i], FROM_NAMES)
        && lines[i + 1..]
            .iter()
            .take(3)
            .any(|l| starts(l, BLOCK_NAMES))
}

fn is_quote(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// End index after dropping a trailing block of `>` lines (and blank lines around it).
fn without_trailing_quote(lines: &[&str]) -> usize {
    let mut end = lines.len();
    let mut saw_quote = false;
    while end > 0 {
        let line = lines[end - 1];
        if is_quote(line) {
            saw_quote = true;
        } else if !line.trim().is_empty() {
            break;
        }
        end -= 1;
    }
    if saw_quote { end } else { lines.len() }
}

/// Index of the signature: the last `-- ` line, or a trailing mobile-client footer.
fn signature_start(lines: &[&str]) -> Option<usize> {
    let dash_dash = lines
        .iter()
        .rposition(|l| *l == "-- " || *l == "--" || l.trim_end() == "-- ");
    if dash_dash.is_some() {
        return dash_dash;
    }
    let last = lines.iter().rposition(|l| !l.trim().is_empty())?;
    let lower = lines[last].trim().to_lowercase();
    DEVICE_FOOTERS
        .iter()
        .any(|f| lower.starts_with(f))
        .then_some(last)
}

#[cfg(test)]
mod tests {
    use super::fold_quoted;

    #[test]
    fn english_attribution_and_quote_are_folded() {
        let text = "Thanks, that worked.\n\nOn Mon, 1 Jan 2024 at 10:00, Kefu <s@k.cn> wrote:\n> Try again\n";
        assert_eq!(fold_quoted(text), "Thanks, that worked.");
    }

    #[test]
    fn wrapped_attribution_is_folded_from_its_first_line() {
        let text =
            "Yes.\nOn Mon, 1 Jan 2024 at 10:00, Support Team <support@example.com>\nwrote:\n> hi";
        assert_eq!(fold_quoted(text), "Yes.");
    }

    #[test]
    fn chinese_attribution_is_folded() {
        let text = "好的，谢谢\n\n在 2024年1月1日 10:00，客服 <s@k.cn> 写道：\n> 请重试";
        assert_eq!(fold_quoted(text), "好的，谢谢");
    }

    #[test]
    fn qq_mail_original_separator_is_folded() {
        let text = "收到\n\n------------------ 原始邮件 ------------------\n发件人: \"客服\"<s@k.cn>;\n发送时间: 2024年1月1日\n主题: 回复";
        assert_eq!(fold_quoted(text), "收到");
    }

    #[test]
    fn outlook_header_block_is_folded_with_its_rule() {
        let text = "See attached.\n\n________________________________\nFrom: Kefu <s@k.cn>\nSent: Monday\nTo: Ann\nSubject: Re: x\n\nold";
        assert_eq!(fold_quoted(text), "See attached.");
    }

    #[test]
    fn original_message_separator_is_folded() {
        let text = "New text\n-----Original Message-----\nFrom: a\nold";
        assert_eq!(fold_quoted(text), "New text");
    }

    #[test]
    fn signature_after_dash_dash_is_folded() {
        let text = "Please refund.\n-- \nAnn Lee\nACME Ltd";
        assert_eq!(fold_quoted(text), "Please refund.");
    }

    #[test]
    fn mobile_footer_is_folded() {
        assert_eq!(fold_quoted("好的\n\n发自我的iPhone"), "好的");
    }

    #[test]
    fn inline_replies_keep_the_quotes_they_answer() {
        let text = "> Which order?\n12345\n> When?\nYesterday";
        assert_eq!(fold_quoted(text), text);
    }

    #[test]
    fn a_message_that_is_all_quote_is_kept_whole() {
        let text = "> only a quote";
        assert_eq!(fold_quoted(text), "> only a quote");
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(fold_quoted("line one\nline two"), "line one\nline two");
    }
}
