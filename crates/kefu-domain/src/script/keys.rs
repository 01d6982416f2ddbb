//! What a script is found by: its shortcut, its title and the title's words, and the
//! initials of the title (pinyin for Chinese), computed when a script is written.

use pinyin::ToPinyinMulti;

/// Most initials strings one title yields: each 多音字 multiplies them.
const MAX_VARIANTS: usize = 8;

/// The first letters of a title's syllables and words, lower case: 欢迎语 → `hyy`,
/// `Order confirmation` → `oc`, `7天无理由` → `7twly`. A character read several ways
/// (多音字, e.g. 还 hai/huan) yields one string per reading, at most eight.
pub fn initials(title: &str) -> Vec<String> {
    let mut variants = vec![String::new()];
    let mut in_word = false;
    for c in title.chars() {
        if let Some(readings) = c.to_pinyin_multi() {
            in_word = false;
            let mut letters: Vec<char> = Vec::new();
            for reading in readings {
                if let Some(first) = reading.plain().chars().next()
                    && !letters.contains(&first)
                {
                    letters.push(first);
                }
            }
            extend(&mut variants, &letters);
        } else if c.is_alphanumeric() {
            if !in_word {
                extend(&mut variants, &c.to_lowercase().collect::<Vec<_>>()[..1]);
            }
            in_word = true;
        } else {
            in_word = false;
        }
    }
    variants.retain(|v| !v.is_empty());
    variants
}

/// Appends each letter to each variant (only the first letter once there are enough).
fn extend(variants: &mut Vec<String>, letters: &[char]) {
    let Some((&first, others)) = letters.split_first() else {
        return;
    };
    let mut more = Vec::new();
    for v in variants.iter() {
        for &other in others {
            if variants.len() + more.len() < MAX_VARIANTS {
                more.push(format!("{v}{other}"));
            }
        }
    }
    for v in variants.iter_mut() {
        v.push(first);
    }
    variants.extend(more);
}

/// The lower-case keys a search prefix is matched against: the shortcut, the whole
/// title, each later word of the title, and the title's initials. No repeats.
pub fn search_keys(title: &str, shortcut: Option<&str>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut add = |k: String| {
        if !k.is_empty() && !keys.contains(&k) {
            keys.push(k);
        }
    };
    if let Some(s) = shortcut {
        add(search_prefix(s));
    }
    let title = title.trim().to_lowercase();
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    add(title.clone());
    for w in words.iter().skip(1) {
        add((*w).to_owned());
    }
    for i in initials(&title) {
        add(i);
    }
    keys
}

/// What the agent typed after `/`, made comparable with [`search_keys`].
pub fn search_prefix(typed: &str) -> String {
    typed.trim().trim_start_matches('/').trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chinese_titles_give_their_pinyin_initials_common_reading_first() {
        assert_eq!(initials("欢迎语"), vec!["hyy"]);
        assert_eq!(initials("催付"), vec!["cf"]);
        // 单 also reads chan and shan: those come after the common reading.
        assert_eq!(initials("订单确认")[0], "ddqr");
    }

    #[test]
    fn words_give_their_first_letters_and_mixed_titles_combine() {
        assert_eq!(initials("Order confirmation"), vec!["oc"]);
        assert_eq!(initials("欢迎语 · Welcome"), vec!["hyyw"]);
        assert_eq!(initials("7天无理由退货")[0], "7twlyth");
        assert!(initials("· —").is_empty());
    }

    #[test]
    fn characters_with_several_readings_give_each_reading() {
        // 还 reads hai and huan (same initial); 长 reads chang and zhang.
        let both = initials("长款");
        assert!(both.contains(&"ck".to_owned()), "{both:?}");
        assert!(both.contains(&"zk".to_owned()), "{both:?}");
        assert!(initials("重重重重重重重重重重").len() <= MAX_VARIANTS);
    }

    #[test]
    fn keys_cover_shortcut_title_words_and_initials() {
        let keys = search_keys("订单确认 Confirm order", Some("/Confirm"));
        assert_eq!(
            keys[..4],
            ["confirm", "订单确认 confirm order", "order", "ddqrco"]
        );
        assert_eq!(search_prefix(" /HYY "), "hyy");
    }

    proptest! {
        #[test]
        fn keys_are_lower_case_and_distinct(title in "\\PC{0,40}", shortcut in "[A-Za-z0-9]{0,10}") {
            let keys = search_keys(&title, Some(&shortcut));
            for (i, k) in keys.iter().enumerate() {
                prop_assert!(!k.is_empty());
                prop_assert_eq!(k, &k.to_lowercase());
                prop_assert!(!keys[..i].contains(k));
            }
            prop_assert!(initials(&title).len() <= MAX_VARIANTS);
        }
    }
}
