//! Search tokens for the customer archive, the same on SQLite (FTS5) and PostgreSQL (tsvector).
//!
//! Text is cut in the application: Chinese with jieba (search mode) plus every pair of
//! neighbouring Han characters, so any two-character fragment of a company name is found;
//! Latin words lower-cased; phone numbers as their international and national digits and
//! their last four digits. Tokens hold only letters and digits, separated by single spaces,
//! so neither database's tokenizer changes them.

use jieba_rs::Jieba;
use std::collections::BTreeSet;
use std::sync::LazyLock;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Splits text into runs of Han characters and runs of other letters/digits.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in text.chars() {
        if !c.is_alphanumeric() {
            out.push((false, String::new()));
            continue;
        }
        let han = is_han(c);
        match out.last_mut() {
            Some((h, run)) if *h == han && !run.is_empty() => run.push(c),
            _ => out.push((han, c.to_string())),
        }
    }
    out.into_iter()
        .map(|(h, r)| {
            let r = if h {
                r
            } else {
                // Lower-casing can add combining marks (İ → i̇): keep letters and digits only.
                r.to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect()
            };
            (h, r)
        })
        .filter(|(_, r)| !r.is_empty())
        .collect()
}

fn han_bigrams(run: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = run.chars().collect();
    (0..chars.len().saturating_sub(1)).map(move |i| chars[i..i + 2].iter().collect())
}

/// The tokens of a stored document, built from its searchable texts and phone numbers.
#[derive(Debug, Default)]
pub struct Document {
    tokens: BTreeSet<String>,
}

impl Document {
    /// Words from free text (names, companies, addresses, products, tags, handles, emails).
    pub fn text(&mut self, text: &str) -> &mut Self {
        for (han, run) in runs(text) {
            if han {
                let chars = run.chars().count();
                if chars == 1 {
                    self.tokens.insert(run.clone());
                }
                for token in JIEBA.cut_for_search(&run, true) {
                    if token.word.chars().count() > 1 {
                        self.tokens.insert(token.word.to_owned());
                    }
                }
                self.tokens.extend(han_bigrams(&run));
            } else {
                self.tokens.insert(run);
            }
        }
        self
    }

    /// An E.164 phone number (`+8613800138000`): found by its international digits,
    /// its national digits (`13800138000`) and its last four digits.
    pub fn phone(&mut self, e164: &str, national: Option<&str>) -> &mut Self {
        let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 4 {
            self.tokens.insert(digits[digits.len() - 4..].to_owned());
        }
        if let Some(national) = national {
            let national: String = national.chars().filter(char::is_ascii_digit).collect();
            if !national.is_empty() {
                self.tokens.insert(national);
            }
        }
        if !digits.is_empty() {
            self.tokens.insert(digits);
        }
        self
    }

    /// The tokens, space-separated, as stored.
    pub fn finish(&self) -> String {
        let mut out = String::new();
        for t in &self.tokens {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t);
        }
        out
    }
}

/// A parsed search query: every term must match; a term marked `prefix` matches any
/// token it begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Term {
    pub token: String,
    pub prefix: bool,
}

impl Query {
    /// Parses what a person typed. A query that looks like a phone number (digits with
    /// `+`, spaces, dashes, dots or brackets) becomes one prefix term of its digits.
    pub fn parse(input: &str) -> Query {
        let input: String = input.chars().take(MAX_QUERY_CHARS).collect();
        let trimmed = input.trim();
        let phone_like = trimmed.chars().filter(char::is_ascii_digit).count() >= 3
            && trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || " +-.()".contains(c));
        if phone_like {
            let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
            let digits = digits.trim_start_matches("00").to_owned();
            return Query {
                terms: vec![Term {
                    token: digits,
                    prefix: true,
                }],
            };
        }
        let mut terms = Vec::new();
        for (han, run) in runs(trimmed) {
            if han && run.chars().count() > 1 {
                terms.extend(han_bigrams(&run).map(|token| Term {
                    token,
                    prefix: false,
                }));
            } else {
                // A single Han character or a Latin word: anything that starts with it.
                terms.push(Term {
                    token: run,
                    prefix: true,
                });
            }
        }
        let mut seen = BTreeSet::new();
        terms.retain(|t| seen.insert(t.clone()));
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The query in every form the store needs (FTS5, `tsquery`, `LIKE` patterns).
    pub fn to_text_query(&self) -> kefu_store::search::TextQuery {
        kefu_store::search::TextQuery {
            fts5: self.to_fts5(),
            tsquery: self.to_tsquery(),
            like: self.to_like(),
        }
    }

    /// The query as `LIKE` patterns over tokens wrapped in spaces: `% 华强 %`, `% li%`.
    /// Tokens hold only letters and digits, so no pattern character needs escaping.
    pub fn to_like(&self) -> Vec<String> {
        self.terms
            .iter()
            .map(|t| format!("% {}{}", t.token, if t.prefix { "%" } else { " %" }))
            .collect()
    }

    /// The query in FTS5 syntax: `"华强" AND "li"*`.
    pub fn to_fts5(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("\"{}\"{}", t.token, if t.prefix { "*" } else { "" }))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The query as a PostgreSQL `tsquery` literal: `'华强' & 'li':*`.
    pub fn to_tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| format!("'{}'{}", t.token, if t.prefix { ":*" } else { "" }))
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tokens(text: &str) -> Vec<String> {
        Document::default()
            .text(text)
            .finish()
            .split(' ')
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn chinese_company_names_are_found_by_any_two_character_fragment() {
        let t = tokens("深圳市华强北电子有限公司");
        for fragment in ["深圳", "华强", "强北", "电子", "有限", "公司", "华强北"] {
            assert!(t.contains(&fragment.to_owned()), "{fragment} in {t:?}");
        }
        let q = Query::parse("华强北");
        assert_eq!(q.to_fts5(), "\"华强\" AND \"强北\"");
    }

    #[test]
    fn latin_words_are_lower_cased_and_split_on_punctuation() {
        let t = tokens("Li.Wei@Example-Shop.com  Tokyo");
        assert_eq!(t, ["com", "example", "li", "shop", "tokyo", "wei"]);
        let q = Query::parse("Example Sh");
        assert_eq!(q.to_tsquery(), "'example':* & 'sh':*");
        assert_eq!(q.to_like(), ["% example%", "% sh%"]);
        assert_eq!(Query::parse("华强").to_like(), ["% 华强 %"]);
    }

    #[test]
    fn phones_are_found_by_international_national_and_last_digits() {
        let mut d = Document::default();
        d.phone("+8613800138000", Some("138 0013 8000"));
        let t = d.finish();
        assert_eq!(t, "13800138000 8000 8613800138000");
        assert_eq!(Query::parse("+86 138-0013").to_fts5(), "\"861380013\"*");
        assert_eq!(Query::parse("0086 138").to_fts5(), "\"86138\"*");
        assert_eq!(Query::parse("(138) 0013").to_fts5(), "\"1380013\"*");
    }

    #[test]
    fn mixed_queries_need_every_term() {
        let q = Query::parse("张 wei 北京");
        assert_eq!(q.to_fts5(), "\"张\"* AND \"wei\"* AND \"北京\"");
        assert!(Query::parse("  ,.!  ").is_empty());
    }

    proptest! {
        #[test]
        fn tokens_and_query_terms_hold_only_letters_and_digits(s in "\\PC{0,80}") {
            let doc = Document::default().text(&s).finish();
            prop_assert!(doc.split(' ').all(|t| t.chars().all(char::is_alphanumeric)));
            for term in Query::parse(&s).terms {
                prop_assert!(!term.token.is_empty());
                prop_assert!(term.token.chars().all(char::is_alphanumeric));
            }
        }
    }
}
