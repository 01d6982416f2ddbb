//! The language of a customer's first message, for routing rules (`zh`, `en`, `ru` …).
//!
//! Scripts settle the languages whose script is their own (Chinese, Japanese, Korean,
//! Cyrillic as Russian or Ukrainian, Arabic, Thai …); among Latin-script languages
//! whatlang's trigram model decides, offline, choosing from the languages customers
//! here write in. It misreads short texts ("ok", "Danke"), so those, and anything it is
//! not sure of, stay unknown: a rule on language then does not match.

use whatlang::{Detector, Lang, Script};

/// Fewer letters than this, in a Latin script, cannot be told.
const MIN_LETTERS: usize = 12;
/// Below this confidence whatlang's guess is too often wrong to route on.
const MIN_CONFIDENCE: f64 = 0.2;
/// The Latin-script languages customers of Chinese shops and trading centres write in.
/// Fewer candidates make short texts far less often misread.
const LATIN: [Lang; 11] = [
    Lang::Eng,
    Lang::Spa,
    Lang::Por,
    Lang::Fra,
    Lang::Deu,
    Lang::Ita,
    Lang::Vie,
    Lang::Ind,
    Lang::Tur,
    Lang::Pol,
    Lang::Nld,
];

/// The ISO 639-1 code of the language `text` is written in, when it can be told.
pub fn detect(text: &str) -> Option<&'static str> {
    let (mut han, mut kana, mut hangul, mut other) = (0usize, 0usize, 0usize, 0usize);
    let mut rest = String::with_capacity(text.len());
    for c in text.chars() {
        match c as u32 {
            0x3040..=0x30FF | 0x31F0..=0x31FF => kana += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => han += 1,
            _ => {
                other += usize::from(c.is_alphabetic());
                rest.push(c);
            }
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
    // A few CJK words in an otherwise foreign text (a brand, a city) only confuse the model.
    match whatlang::detect_script(&rest)? {
        Script::Cyrillic if rest.chars().any(|c| "іїєґІЇЄҐ".contains(c)) => Some("uk"),
        Script::Cyrillic => Some("ru"),
        Script::Arabic => Some("ar"),
        Script::Thai => Some("th"),
        Script::Devanagari => Some("hi"),
        Script::Greek => Some("el"),
        Script::Hebrew => Some("he"),
        Script::Latin if other >= MIN_LETTERS => {
            let info = Detector::with_allowlist(LATIN.to_vec()).detect(&rest)?;
            (info.is_reliable() || info.confidence() >= MIN_CONFIDENCE)
                .then(|| iso_639_1(info.lang()))
        }
        _ => None,
    }
}

fn iso_639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Eng => "en",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ita => "it",
        Lang::Vie => "vi",
        Lang::Ind => "id",
        Lang::Tur => "tr",
        Lang::Pol => "pl",
        Lang::Nld => "nl",
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
    fn longer_latin_texts_are_told_by_whatlang() {
        assert_eq!(
            detect("Hello, I ordered a phone last week and it has not arrived yet"),
            Some("en")
        );
        assert_eq!(detect("Dzień dobry, gdzie jest moja paczka?"), Some("pl"));
        assert_eq!(detect("Halo, apakah barang ini masih ada?"), Some("id"));
    }

    #[test]
    fn a_few_chinese_words_do_not_make_a_text_chinese() {
        assert_eq!(detect("What is the price of this 华为 model"), Some("en"));
        assert_ne!(
            detect("Do you sell 华为 phones in your shop, and do you ship abroad?"),
            Some("zh")
        );
    }

    #[test]
    fn an_unsure_guess_stays_unknown_rather_than_wrong() {
        // whatlang reads this French as Portuguese, unsure: better unknown.
        assert_eq!(detect("Bonjour, je voudrais annuler ma commande"), None);
    }

    #[test]
    fn other_scripts_are_told_by_their_script() {
        assert_eq!(detect("Привет, есть в наличии?"), Some("ru"));
        assert_eq!(detect("Доброго дня, чи є ця модель?"), Some("uk"));
        assert_eq!(detect("مرحبا، هل هذا متوفر؟"), Some("ar"));
        assert_eq!(detect("สวัสดีครับ มีของไหม"), Some("th"));
    }

    #[test]
    fn common_latin_languages_are_told_apart() {
        assert_eq!(detect("¿Cuándo llegará mi pedido a Madrid?"), Some("es"));
        assert_eq!(
            detect("Guten Tag, wann kommt meine Bestellung an?"),
            Some("de")
        );
        assert_eq!(detect("Olá, quero devolver o produto"), Some("pt"));
        assert_eq!(detect("Xin chào, tôi muốn đổi hàng"), Some("vi"));
    }

    #[test]
    fn short_latin_texts_stay_unknown() {
        assert_eq!(detect("ok"), None);
        assert_eq!(detect("Danke"), None);
        assert_eq!(detect("hi there"), None);
        assert_eq!(detect("123 456 !!!"), None);
    }
}
