//! Translations: Fluent files for zh-CN and English, embedded in the binary.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use kefu_domain::UiLocale;

// One file per area of the product, joined at compile time.
const ZH_CN: &str = concat!(
    include_str!("../locales/zh-CN.ftl"),
    "\n",
    include_str!("../locales/zh-CN/customers.ftl"),
    "\n",
    include_str!("../locales/zh-CN/merge.ftl"),
    "\n",
    include_str!("../locales/zh-CN/transfer.ftl"),
    "\n",
    include_str!("../locales/zh-CN/tickets.ftl"),
    "\n",
    include_str!("../locales/zh-CN/sla.ftl"),
    "\n",
    include_str!("../locales/zh-CN/scripts.ftl"),
    "\n",
    include_str!("../locales/zh-CN/routing.ftl"),
    "\n",
    include_str!("../locales/zh-CN/automation.ftl"),
    "\n",
    include_str!("../locales/zh-CN/email.ftl"),
    "\n",
    include_str!("../locales/zh-CN/attachments.ftl"),
    "\n",
    include_str!("../locales/zh-CN/orders.ftl"),
    "\n",
    include_str!("../locales/zh-CN/logistics.ftl"),
    "\n",
    include_str!("../locales/zh-CN/reviews.ftl"),
    "\n",
    include_str!("../locales/zh-CN/outreach.ftl"),
    "\n",
    include_str!("../locales/zh-CN/order_import.ftl"),
    "\n",
    include_str!("../locales/zh-CN/after_sales.ftl"),
    "\n",
    include_str!("../locales/zh-CN/order_changes.ftl"),
    "\n",
    include_str!("../locales/zh-CN/choices.ftl"),
    "\n",
    include_str!("../locales/zh-CN/errors.ftl"),
);
const EN: &str = concat!(
    include_str!("../locales/en.ftl"),
    "\n",
    include_str!("../locales/en/customers.ftl"),
    "\n",
    include_str!("../locales/en/merge.ftl"),
    "\n",
    include_str!("../locales/en/transfer.ftl"),
    "\n",
    include_str!("../locales/en/tickets.ftl"),
    "\n",
    include_str!("../locales/en/sla.ftl"),
    "\n",
    include_str!("../locales/en/scripts.ftl"),
    "\n",
    include_str!("../locales/en/routing.ftl"),
    "\n",
    include_str!("../locales/en/automation.ftl"),
    "\n",
    include_str!("../locales/en/email.ftl"),
    "\n",
    include_str!("../locales/en/attachments.ftl"),
    "\n",
    include_str!("../locales/en/orders.ftl"),
    "\n",
    include_str!("../locales/en/logistics.ftl"),
    "\n",
    include_str!("../locales/en/reviews.ftl"),
    "\n",
    include_str!("../locales/en/outreach.ftl"),
    "\n",
    include_str!("../locales/en/order_import.ftl"),
    "\n",
    include_str!("../locales/en/after_sales.ftl"),
    "\n",
    include_str!("../locales/en/order_changes.ftl"),
    "\n",
    include_str!("../locales/en/choices.ftl"),
    "\n",
    include_str!("../locales/en/errors.ftl"),
);

/// Both bundles, parsed once at start-up.
pub struct I18n {
    zh_cn: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(locale: UiLocale, source: &str) -> FluentBundle<FluentResource> {
    let lang = match locale {
        UiLocale::ZhCn => unic_langid::langid!("zh-CN"),
        UiLocale::En => unic_langid::langid!("en"),
    };
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(res, errors)| {
        tracing::error!(
            ?errors,
            locale = locale.as_str(),
            "translation file has errors"
        );
        res
    });
    let mut b = FluentBundle::new_concurrent(vec![lang]);
    b.set_use_isolating(false);
    if let Err(errors) = b.add_resource(resource) {
        tracing::error!(
            ?errors,
            locale = locale.as_str(),
            "duplicate translation keys"
        );
    }
    b
}

impl I18n {
    pub fn load() -> Self {
        Self {
            zh_cn: bundle(UiLocale::ZhCn, ZH_CN),
            en: bundle(UiLocale::En, EN),
        }
    }

    fn bundle(&self, locale: UiLocale) -> &FluentBundle<FluentResource> {
        match locale {
            UiLocale::ZhCn => &self.zh_cn,
            UiLocale::En => &self.en,
        }
    }

    /// The text for `key` in `locale` (falling back to English, then to the key itself).
    pub fn text(&self, locale: UiLocale, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (k, v) in args {
            fluent_args.set(*k, v.clone());
        }
        for b in [self.bundle(locale), &self.en] {
            if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return b
                    .format_pattern(pattern, Some(&fluent_args), &mut errors)
                    .into_owned();
            }
        }
        key.to_owned()
    }

    /// Every message id in a bundle (tests check both files have the same keys).
    pub fn keys(source: &str) -> Vec<String> {
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
        let mut keys: Vec<String> = resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect();
        keys.sort();
        keys
    }

    pub fn sources() -> [(UiLocale, &'static str); 2] {
        [(UiLocale::ZhCn, ZH_CN), (UiLocale::En, EN)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text defined twice (two features' files, or a feature's and `errors.ftl`) shows
    /// only the one loaded last, wherever the other was meant.
    #[test]
    fn no_text_is_defined_twice() {
        for (locale, source) in I18n::sources() {
            let keys = I18n::keys(source);
            let twice: Vec<&String> = keys
                .windows(2)
                .filter(|w| w[0] == w[1])
                .map(|w| &w[0])
                .collect();
            assert!(
                twice.is_empty(),
                "{locale:?} defines these twice: {twice:?}"
            );
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let [(_, zh), (_, en)] = I18n::sources();
        let (zh, en) = (I18n::keys(zh), I18n::keys(en));
        let missing_zh: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        let missing_en: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        assert!(
            missing_zh.is_empty() && missing_en.is_empty(),
            "zh-CN lacks {missing_zh:?}; en lacks {missing_en:?}"
        );
        assert!(en.len() > 50);
    }

    /// The refusal codes the workspace's crates raise (the second argument of
    /// `Invalid::new`, and the `code` of conflicts), read from their sources.
    fn refusal_codes() -> std::collections::BTreeSet<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut sources = Vec::new();
        for name in ["kefu-domain", "kefu-app", "kefu-web", "kefu-store"] {
            walk(&crates.join(name).join("src"), &mut sources);
        }
        let code = |s: &str| -> Option<String> {
            let s = s.trim_start().strip_prefix('"')?;
            let end = s.find('"')?;
            let c = &s[..end];
            (!c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_' || ch.is_ascii_digit()))
            .then(|| c.to_owned())
        };
        let mut codes = std::collections::BTreeSet::new();
        for text in &sources {
            for (i, _) in text.match_indices("Invalid::new(") {
                // The second argument: after the field and its comma.
                let rest = &text[i + "Invalid::new(".len()..];
                if let Some((_, after)) = rest.split_once(',')
                    && let Some(c) = code(after)
                {
                    codes.insert(c);
                }
            }
            for (i, _) in text.match_indices("code: \"") {
                if let Some(c) = code(&text[i + "code: ".len()..]) {
                    codes.insert(c);
                }
            }
        }
        codes
    }

    #[test]
    fn every_refusal_code_has_its_words_in_both_languages() {
        let codes = refusal_codes();
        assert!(codes.len() > 100, "the scan found only {}", codes.len());
        for (locale, source) in I18n::sources() {
            let keys = I18n::keys(source);
            let missing: Vec<&String> = codes
                .iter()
                .filter(|c| !keys.contains(&format!("error-{c}")))
                .collect();
            assert!(
                missing.is_empty(),
                "{locale:?} has no error text for {missing:?}"
            );
        }
    }

    #[test]
    fn texts_are_translated_with_arguments() {
        let i18n = I18n::load();
        assert_eq!(i18n.text(UiLocale::ZhCn, "nav-conversations", &[]), "会话");
        assert_eq!(
            i18n.text(UiLocale::En, "nav-conversations", &[]),
            "Conversations"
        );
        assert_eq!(i18n.text(UiLocale::En, "no-such-key", &[]), "no-such-key");
        let detail = [("detail", FluentValue::from("not an .xlsx file"))];
        let zh = i18n.text(UiLocale::ZhCn, "error-unreadable_file", &detail);
        assert!(
            zh.starts_with("无法读取文件") && zh.contains("not an .xlsx file"),
            "{zh}"
        );
    }
}
