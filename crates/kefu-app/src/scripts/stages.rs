//! Script stages (欢迎语, 议价, 售后 …): everyone reads them, supervisors and above add,
//! rename, reorder and remove them.

use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Name, Permission};
use kefu_store::StoreError;
use kefu_store::scripts::{self, ScriptStageRow, StageFields};
use serde::Deserialize;
use serde_json::json;

/// A stage as it is written.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StageInput {
    /// A stable name for the API (`after_sales`): lower-case letters, digits and `_`.
    /// Made from the English label when absent; kept when absent on update.
    #[serde(default)]
    pub key: Option<String>,
    pub label_en: String,
    pub label_zh: String,
    /// Where it sorts (0 first); at the end when absent, unchanged on update.
    #[serde(default)]
    pub position: Option<i64>,
}

fn key_from(label: &str) -> String {
    let mut key = String::new();
    for c in label.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.is_empty() && !key.ends_with('_') {
            key.push('_');
        }
    }
    let key = key.trim_end_matches('_');
    match key.chars().next() {
        Some(c) if c.is_ascii_lowercase() => key.chars().take(40).collect(),
        _ => format!("stage_{}", now_ms()),
    }
}

fn check_key(key: &str) -> Result<(), Invalid> {
    let ok = !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "key",
            "invalid_key",
            "use lower-case letters, digits and _ (starting with a letter), at most 40",
        ))
    }
}

/// A stage's key and labels (English, Chinese), checked; `default_key` makes the key
/// from the English label when the input names none.
fn checked(
    input: &StageInput,
    default_key: impl FnOnce(&str) -> String,
) -> AppResult<(String, String, String)> {
    let label_en = Name::parse("label_en", &input.label_en)?.into_inner();
    let label_zh = Name::parse("label_zh", &input.label_zh)?.into_inner();
    let given = input
        .key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let key = given.map_or_else(|| default_key(&label_en), str::to_owned);
    check_key(&key)?;
    Ok((key, label_en, label_zh))
}

fn duplicate(e: StoreError, key: &str) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "duplicate_stage",
            message: format!("a stage '{key}' already exists"),
            existing_id: None,
        },
        other => other.into(),
    }
}

pub async fn list_stages(app: &App, actor: &Actor) -> AppResult<Vec<ScriptStageRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(scripts::stages(&app.db).await?)
}

async fn audit_and_event(
    app: &App,
    tx: &mut kefu_store::Tx,
    actor: &Actor,
    kind: &str,
    stage: &ScriptStageRow,
) -> AppResult<()> {
    kefu_store::audit::record_in(
        tx,
        Some(actor.user_id),
        kind,
        &format!("script_stage:{}", stage.id),
        &serde_json::to_string(stage).unwrap_or_default(),
        now_ms(),
    )
    .await?;
    append(app, tx, kind, None, None, true, &json!({ "stage": stage })).await?;
    Ok(())
}

pub async fn create_stage(
    app: &App,
    actor: &Actor,
    input: &StageInput,
) -> AppResult<ScriptStageRow> {
    actor.require(Permission::ManageSharedScripts)?;
    let (key, label_en, label_zh) = checked(input, key_from)?;
    let fields = StageFields {
        key: &key,
        label_en: &label_en,
        label_zh: &label_zh,
    };
    let mut tx = app.db.begin().await?;
    let mut stage = scripts::insert_stage(&mut tx, &fields, now_ms())
        .await
        .map_err(|e| duplicate(e, &key))?;
    if let Some(position) = input.position {
        stage = scripts::update_stage(&mut tx, stage.id, &fields, position).await?;
    }
    audit_and_event(app, &mut tx, actor, "script_stage.created", &stage).await?;
    commit(app, tx).await?;
    Ok(stage)
}

pub async fn update_stage(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &StageInput,
) -> AppResult<ScriptStageRow> {
    actor.require(Permission::ManageSharedScripts)?;
    let existing = scripts::find_stage(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("stage"))?;
    let (key, label_en, label_zh) = checked(input, |_| existing.key.clone())?;
    let fields = StageFields {
        key: &key,
        label_en: &label_en,
        label_zh: &label_zh,
    };
    let position = input.position.unwrap_or(existing.position);
    let mut tx = app.db.begin().await?;
    let stage = scripts::update_stage(&mut tx, id, &fields, position)
        .await
        .map_err(|e| duplicate(e, &key))?;
    audit_and_event(app, &mut tx, actor, "script_stage.updated", &stage).await?;
    commit(app, tx).await?;
    Ok(stage)
}

/// Removes an empty stage; one that still holds scripts is a conflict.
pub async fn delete_stage(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ManageSharedScripts)?;
    let stage = scripts::find_stage(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("stage"))?;
    let mut tx = app.db.begin().await?;
    let held = scripts::count_in_stage(&mut tx, id).await?;
    if held > 0 {
        return Err(AppError::Conflict {
            code: "stage_in_use",
            message: format!("{held} script(s) are in this stage; move or delete them first"),
            existing_id: None,
        });
    }
    scripts::delete_stage(&mut tx, id).await?;
    audit_and_event(app, &mut tx, actor, "script_stage.deleted", &stage).await?;
    commit(app, tx).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_from_english_labels() {
        assert_eq!(key_from("After-sales follow up"), "after_sales_follow_up");
        assert_eq!(key_from(" Q&A "), "q_a");
        assert!(key_from("售后").starts_with("stage_"));
        assert!(check_key(&key_from("售后")).is_ok());
        assert!(check_key("Bad Key").is_err());
    }
}
