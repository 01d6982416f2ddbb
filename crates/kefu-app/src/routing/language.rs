//! The language of a customer's first message, for routing rules (`zh`, `en`, `ru` …).
//!
//! Scripts settle the languages whose script is their own (Chinese, Japanese, Korean);
//! for the rest whatlang's trigram model decides, offline. It misreads short texts
//! ("ok", "Danke"), so those, and anything it is not sure of, stay unknown.

use whatlang::Lang;

/// Fewer letters than this, outside Chinese, Japanese and Korean, cannot be told.
const MIN_LETTERS: usize = 12;

/// The ISO 639 code of the language `text` is written in, when it can be told.
pub fn detect(text: &str) -> Option<&'static str> {
    let (mut han, mut kana, mut hangul, mut other) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        match c as u32 {
            0x3040..=0x30FF | 0x31F0..=0x31FF => kana += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => han += 1,
            _ => other += 1,
        }
    }
    // One ideograph says as much as a short word: CJK wins unless other letters
    // clearly outnumber it ("Do you sell 华为 phones?" is English).
    let cjk = han + kana + hangul;
    if cjk > 0 && cjk * 3 >= other {
        return Some(if kana > 0 {
            "ja"
        } else if hangul > han {
            "ko"
        } else {
            "zh"
        });
    }
    if other < MIN_LETTERS {
        return None;
    }
    let info = whatlang::detect(text).filter(|i| i.is_reliable())?;
    Some(iso_639_1(info.lang()))
}

/// The two-letter code where ISO 639-1 has one, else whatlang's three-letter code.
fn iso_639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Pol => "pl",
        Lang::Nld => "nl",
        Lang::Tur => "tr",
        Lang::Vie => "vi",
        Lang::Tha => "th",
        Lang::Ind => "id",
        Lang::Swe => "sv",
        Lang::Dan => "da",
        Lang::Fin => "fi",
        Lang::Nob => "nb",
        Lang::Ces => "cs",
        Lang::Hun => "hu",
        Lang::Ron => "ro",
        Lang::Ell => "el",
        Lang::Heb => "he",
        Lang::Pes => "fa",
        Lang::Tgl => "tl",
        other => other.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn chinese_japanese_and_korean_are_told_by_their_script() {
        assert_eq!(detect("请问这个有货吗"), Some("zh"));
        assert_eq!(detect("请问 iPhone 15 有货吗"), Some("zh"));
        assert_eq!(detect("在吗"), Some("zh"));
        assert_eq!(detect("この商品の在庫はありますか"), Some("ja"));
        assert_eq!(detect("배송은 언제 되나요"), Some("ko"));
    }

    #[test]
    fn longer_texts_in_other_languages_are_told_by_whatlang() {
        assert_eq!(
            detect("Hello, I ordered a phone last week and it has not arrived yet"),
            Some("en")
        );
        assert_eq!(
            detect("Здравствуйте, когда будет доставлен мой заказ?"),
            Some("ru")
        );
        assert_eq!(
            detect("Do you sell 华为 phones in your shop, and do you ship abroad?"),
            Some("en")
        );
    }

    #[test]
    fn short_latin_texts_stay_unknown() {
        assert_eq!(detect("ok"), None);
        assert_eq!(detect("Danke"), None);
        assert_eq!(detect("hi there"), None);
        assert_eq!(detect("123 456 !!!"), None);
    }
}
