//! Reading the customer forms: repeated fields (several phones, checkboxes) and the
//! custom fields an admin defined, kept as typed so a refused form shows them again.

use kefu_store::fields::CustomFieldRow;
use serde::Serialize;
use serde_json::{Map, Value};

/// A posted form as name/value pairs, in order (names may repeat).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed ("" when absent).
    pub fn text(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    }

    /// The first value of `name`, or `None` when absent or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|v| !v.is_empty())
    }

    /// Every value of `name`, in order (blank ones too, so parallel lists line up).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn id(&self, name: &str) -> Option<i64> {
        self.text(name).parse().ok()
    }

    /// Custom field values as the use cases take them, from `custom.<key>` inputs.
    pub fn custom(&self, defs: &[CustomFieldRow]) -> Map<String, Value> {
        let mut out = Map::new();
        for def in defs {
            let name = format!("custom.{}", def.key);
            let value = if def.kind == "multi_choice" {
                let picked = self.all(&name);
                if picked.is_empty() {
                    continue;
                }
                Value::Array(picked.into_iter().map(Value::String).collect())
            } else {
                match self.optional(&name) {
                    Some(v) => Value::String(v),
                    None => continue,
                }
            };
            out.insert(def.key.clone(), value);
        }
        out
    }
}

/// A comma-separated list as people type it (`,`, `，`, `、`, `;` or new lines).
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A custom field as a form draws it, with its label in the page's language.
#[derive(Serialize)]
pub struct CustomInput {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub options: Vec<String>,
    /// What the field holds now (several for a multi-choice field).
    pub values: Vec<String>,
}

/// The custom fields of a form, filled with `values`.
pub fn custom_inputs(
    defs: &[CustomFieldRow],
    values: &Map<String, Value>,
    zh: bool,
) -> Vec<CustomInput> {
    defs.iter()
        .map(|d| CustomInput {
            key: d.key.clone(),
            label: if zh { &d.label_zh } else { &d.label_en }.clone(),
            kind: d.kind.clone(),
            options: d.options.0.clone(),
            values: match values.get(&d.key) {
                Some(Value::Array(items)) => items.iter().map(plain).collect(),
                Some(v) => vec![plain(v)],
                None => Vec::new(),
            },
        })
        .collect()
}

/// A JSON value as text (strings without quotes).
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_western_and_chinese_separators() {
        assert_eq!(
            split_list("VIP, 重点客户，老客户、 ; 展会\n"),
            ["VIP", "重点客户", "老客户", "展会"]
        );
    }

    #[test]
    fn repeated_fields_keep_their_order_and_blanks() {
        let f = Fields(vec![
            ("phone".into(), " 138 0013 8000 ".into()),
            ("phone".into(), "".into()),
            ("name".into(), "李伟".into()),
        ]);
        assert_eq!(f.all("phone"), ["138 0013 8000", ""]);
        assert_eq!(f.text("name"), "李伟");
        assert_eq!(f.optional("title"), None);
        assert!(!f.checked("consent_call"));
    }
}
