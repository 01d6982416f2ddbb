//! What contacts and organisations share: tags, choice lists, custom fields, change records.

use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::fields::{self, ChoiceRow, CustomFieldRow, NewCustomField};
use serde::Deserialize;
use serde_json::{Map, Value};

pub const MAX_TAGS: usize = 30;
pub const MAX_TAG_CHARS: usize = 40;
const MAX_TEXT_FIELD_CHARS: usize = 2_000;

/// Trims, drops empties and repeats, and checks count and length.
pub fn tags(field: &'static str, input: &[String]) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for tag in input {
        let tag = tag.trim();
        if tag.is_empty() || out.iter().any(|t| t == tag) {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(Invalid::new(
                field,
                "tag_too_long",
                format!("'{tag}' is longer than {MAX_TAG_CHARS} characters"),
            )
            .into());
        }
        out.push(tag.to_owned());
    }
    if out.len() > MAX_TAGS {
        return Err(Invalid::new(field, "too_many", format!("at most {MAX_TAGS} entries")).into());
    }
    Ok(out)
}

/// A trimmed value, or `None` when absent or blank.
pub(crate) fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An optional free-text field: trimmed, empty means absent, bounded in length.
pub fn optional_text(
    field: &'static str,
    v: &Option<String>,
    max: usize,
) -> AppResult<Option<String>> {
    let Some(v) = present(v) else {
        return Ok(None);
    };
    if v.chars().count() > max {
        return Err(Invalid::new(field, "too_long", format!("at most {max} characters")).into());
    }
    Ok(Some(v.to_owned()))
}

/// A key from a configurable list (`member_level`, `source_channel`), or absent.
pub async fn choice(
    app: &App,
    field: &'static str,
    kind: &str,
    v: &Option<String>,
) -> AppResult<Option<String>> {
    let Some(key) = present(v) else {
        return Ok(None);
    };
    let list = fields::choices(&app.db, kind).await?;
    if list.iter().any(|c| c.key == key) {
        return Ok(Some(key.to_owned()));
    }
    let known: Vec<&str> = list.iter().map(|c| c.key.as_str()).collect();
    Err(Invalid::new(
        field,
        "unknown_choice",
        format!(
            "'{key}' is not in the list; use one of: {}",
            known.join(", ")
        ),
    )
    .into())
}

/// Checks custom values against the admin's definitions for `entity`: every key
/// defined, every value of its field's kind. Empty values are dropped.
pub async fn custom_values(
    app: &App,
    entity: &str,
    input: &Map<String, Value>,
) -> AppResult<Map<String, Value>> {
    if input.is_empty() {
        return Ok(Map::new());
    }
    let defs = fields::custom_fields(&app.db, entity).await?;
    let mut out = Map::new();
    for (key, value) in input {
        let def = defs.iter().find(|d| &d.key == key).ok_or_else(|| {
            Invalid::new(
                "custom",
                "unknown_field",
                format!("there is no custom field '{key}'"),
            )
        })?;
        if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
            continue;
        }
        out.insert(key.clone(), custom_value(def, value)?);
    }
    Ok(out)
}

pub(crate) fn custom_value(def: &CustomFieldRow, value: &Value) -> Result<Value, Invalid> {
    let bad = |what: &str| {
        Invalid::new(
            "custom",
            "invalid_custom_value",
            format!("{}: {what}", def.key),
        )
    };
    let in_options = |s: &str| def.options.0.iter().any(|o| o == s);
    match (def.kind.as_str(), value) {
        ("text", Value::String(s)) if s.chars().count() <= MAX_TEXT_FIELD_CHARS => {
            Ok(Value::String(s.trim().to_owned()))
        }
        ("text", _) => Err(bad("must be text of at most 2000 characters")),
        ("number", Value::Number(_)) => Ok(value.clone()),
        ("number", Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| bad("must be a number")),
        ("date", Value::String(s)) => s
            .trim()
            .parse::<jiff::civil::Date>()
            .map(|d| Value::String(d.to_string()))
            .map_err(|_| bad("must be a date like 2026-11-23")),
        ("choice", Value::String(s)) if in_options(s.trim()) => {
            Ok(Value::String(s.trim().to_owned()))
        }
        ("multi_choice", Value::Array(items)) => {
            let mut picked = Vec::new();
            for item in items {
                match item.as_str().map(str::trim) {
                    Some(s) if in_options(s) => picked.push(Value::String(s.to_owned())),
                    _ => {
                        return Err(bad(&format!(
                            "each value must be one of: {}",
                            def.options.0.join(", ")
                        )));
                    }
                }
            }
            Ok(Value::Array(picked))
        }
        ("choice" | "multi_choice", _) => Err(bad(&format!(
            "must be one of: {}",
            def.options.0.join(", ")
        ))),
        _ => Err(bad("has a kind kefu does not know")),
    }
}

/// What changed between two JSON records, field by field: `{"name": ["old", "new"]}`.
pub fn changes(before: &Value, after: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return out;
    };
    for (key, new) in a {
        if matches!(
            key.as_str(),
            "updated_at" | "created_at" | "organisation_name"
        ) {
            continue;
        }
        let old = b.get(key).unwrap_or(&Value::Null);
        if old != new {
            out.insert(key.clone(), Value::Array(vec![old.clone(), new.clone()]));
        }
    }
    out
}

/// A new custom field as an admin sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CustomFieldInput {
    pub entity: String,
    pub key: String,
    pub label_en: String,
    pub label_zh: String,
    pub kind: String,
    #[serde(default)]
    pub options: Vec<String>,
}

pub async fn create_custom_field(
    app: &App,
    actor: &Actor,
    input: &CustomFieldInput,
) -> AppResult<CustomFieldRow> {
    actor.require(Permission::ManageArchive)?;
    if !matches!(input.entity.as_str(), "contact" | "organisation") {
        return Err(Invalid::new("entity", "invalid_entity", "use contact or organisation").into());
    }
    let key = input.key.trim();
    let key_ok = !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        return Err(Invalid::new(
            "key",
            "invalid_key",
            "use lower-case letters, digits and _ (starting with a letter), at most 40",
        )
        .into());
    }
    if !matches!(
        input.kind.as_str(),
        "text" | "number" | "date" | "choice" | "multi_choice"
    ) {
        return Err(Invalid::new(
            "kind",
            "invalid_kind",
            "use text, number, date, choice or multi_choice",
        )
        .into());
    }
    let label_en = kefu_domain::Name::parse("label_en", &input.label_en)?.into_inner();
    let label_zh = kefu_domain::Name::parse("label_zh", &input.label_zh)?.into_inner();
    let options = tags("options", &input.options)?;
    if input.kind.ends_with("choice") && options.is_empty() {
        return Err(Invalid::new(
            "options",
            "options_required",
            "a choice field needs options",
        )
        .into());
    }
    let position = fields::custom_fields(&app.db, &input.entity).await?.len() as i64;
    let mut tx = app.db.begin().await?;
    let row = fields::insert_custom_field(
        &mut tx,
        &NewCustomField {
            entity: &input.entity,
            key,
            label_en: &label_en,
            label_zh: &label_zh,
            kind: &input.kind,
            options: &options,
            position,
        },
        now_ms(),
    )
    .await
    .map_err(|e| match e {
        kefu_store::StoreError::Conflict(_) => AppError::Conflict {
            code: "duplicate_custom_field",
            message: format!("a custom field '{key}' already exists"),
            existing_id: None,
        },
        other => other.into(),
    })?;
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "custom_field.created",
        &format!("custom_field:{}", row.id),
        &serde_json::to_string(&row).unwrap_or_default(),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn list_custom_fields(
    app: &App,
    actor: &Actor,
    entity: &str,
) -> AppResult<Vec<CustomFieldRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(fields::custom_fields(&app.db, entity).await?)
}

/// The lists admins extend: the archive's, the tickets' and the review call-backs'.
pub const CHOICE_LISTS: [&str; 8] = [
    "member_level",
    "source_channel",
    "ticket_type",
    "ticket_category",
    "reason_code",
    "department",
    "review_reason",
    "review_outcome",
];

fn choice_list(kind: &str) -> AppResult<&'static str> {
    CHOICE_LISTS
        .into_iter()
        .find(|k| *k == kind)
        .ok_or(AppError::NotFound("choice list"))
}

pub async fn list_choices(app: &App, actor: &Actor, kind: &str) -> AppResult<Vec<ChoiceRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(fields::choices(&app.db, choice_list(kind)?).await?)
}

/// A new entry for a choice list, as an admin types it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewChoice {
    /// Lower-case letters, digits and `_`; a reason code is `category.reason`.
    pub key: String,
    pub label_en: String,
    pub label_zh: String,
}

/// Adds an entry at the end of a list (admins); the key must be new, a reason code's
/// category must exist.
pub async fn add_choice(
    app: &App,
    actor: &Actor,
    kind: &str,
    c: &NewChoice,
) -> AppResult<ChoiceRow> {
    actor.require(Permission::ManageArchive)?;
    let kind = choice_list(kind)?;
    let key = c.key.trim();
    let word = |w: &str| {
        !w.is_empty()
            && w.len() <= 40
            && w.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
    };
    let valid = match (kind, key.split_once('.')) {
        ("reason_code", Some((category, reason))) => word(category) && word(reason),
        ("reason_code", None) => false,
        (_, _) => word(key),
    };
    if !valid {
        let hint = if kind == "reason_code" {
            "a reason code is category.reason in lower-case letters, digits and _ (delivery.late)"
        } else {
            "a key is lower-case letters, digits and _ (at most 40)"
        };
        return Err(Invalid::new("key", "invalid_key", hint).into());
    }
    if let ("reason_code", Some((category, _))) = (kind, key.split_once('.')) {
        choice(app, "key", "ticket_category", &Some(category.to_owned())).await?;
    }
    let label = |field: &'static str, v: &str| -> AppResult<String> {
        optional_text(field, &Some(v.to_owned()), 80)?
            .ok_or_else(|| Invalid::new(field, "required", "give the entry a label").into())
    };
    let (en, zh) = (
        label("label_en", &c.label_en)?,
        label("label_zh", &c.label_zh)?,
    );
    let mut tx = app.db.begin().await?;
    fields::add_choice(&mut tx, kind, key, &en, &zh)
        .await
        .map_err(|e| match e {
            kefu_store::StoreError::Conflict(_) => AppError::Conflict {
                code: "duplicate_choice",
                message: format!("'{key}' is in the list already"),
                existing_id: None,
            },
            other => other.into(),
        })?;
    let detail = serde_json::json!({ "key": key, "label_en": en, "label_zh": zh }).to_string();
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "choice.added",
        &format!("choices:{kind}"),
        &detail,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    fields::choices(&app.db, kind)
        .await?
        .into_iter()
        .find(|r| r.key == key)
        .ok_or(AppError::NotFound("choice"))
}
