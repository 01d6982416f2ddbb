//! Scripts (话术): canned replies by stage, each an agent's own or shared with the team
//! (supervisors and above write those), with one body per locale and variables filled
//! in for the conversation they are used in.

pub mod order_values;
mod picker;
mod stages;

pub use picker::{
    MAX_MATCHES, PickerQuery, ScriptMatch, Wording, count_use, scripts_for_conversation,
};
pub use stages::{StageInput, create_stage, delete_stage, list_stages, update_stage};

use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::script::{ScriptBody, Shortcut, search_keys};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, LanguageTag, Name, Permission};
use kefu_store::scripts::{self, ScriptBodyRow, ScriptFields, ScriptRow};
use kefu_store::{StoreError, Tx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// Most locale variants one script has.
const MAX_LOCALES: usize = 20;

/// A script as the API and the pages show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScriptView {
    pub id: i64,
    pub stage_id: i64,
    pub title: String,
    /// Typed after `/` in the composer, e.g. `hi`.
    pub shortcut: Option<String>,
    /// Shared with the team, or the `owner_id` agent's own.
    pub shared: bool,
    pub owner_id: Option<i64>,
    /// One body per locale (language tag → text with `{{variables}}`).
    pub bodies: BTreeMap<String, String>,
    /// How often agents inserted it.
    pub usage_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ScriptView {
    fn new(row: ScriptRow, bodies: &[ScriptBodyRow]) -> Self {
        Self {
            id: row.id,
            stage_id: row.stage_id,
            title: row.title,
            shortcut: row.shortcut,
            shared: row.owner_id.is_none(),
            owner_id: row.owner_id,
            bodies: bodies
                .iter()
                .filter(|b| b.script_id == row.id)
                .map(|b| (b.locale.clone(), b.body.clone()))
                .collect(),
            usage_count: row.usage_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A script as it is written (create or replace).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ScriptInput {
    pub title: String,
    #[serde(default)]
    pub shortcut: Option<String>,
    pub stage_id: i64,
    /// Shared with the team (supervisors and above) rather than your own.
    #[serde(default)]
    pub shared: bool,
    /// Language tag → body, e.g. `{"zh-CN": "亲，您好！…", "en": "Hello {{customer_name}} …"}`.
    /// Blank bodies are left out; at least one is needed. Variables: `{{customer_name}}`,
    /// `{{agent_name}}`, `{{order_number}}`, `{{tracking_number}}`, `{{shop_name}}`,
    /// `{{local_date}}`, and from the customer's latest order `{{carrier}}`, `{{amount}}`,
    /// `{{items}}`, `{{tracking_link}}`, `{{address}}`.
    pub bodies: BTreeMap<String, String>,
}

/// A script input, checked.
struct Checked {
    title: String,
    shortcut: Option<String>,
    stage_id: i64,
    bodies: Vec<(String, String)>,
}

async fn check(app: &App, input: &ScriptInput) -> AppResult<Checked> {
    let title = Name::parse("title", &input.title)?.into_inner();
    let shortcut = Shortcut::parse(input.shortcut.as_deref().unwrap_or_default())?;
    scripts::find_stage(&app.db, input.stage_id)
        .await?
        .ok_or_else(|| {
            Invalid::new(
                "stage_id",
                "unknown_stage",
                format!(
                    "there is no stage {}; see GET /api/v1/script-stages",
                    input.stage_id
                ),
            )
        })?;
    let mut bodies: Vec<(String, String)> = Vec::new();
    for (locale, body) in &input.bodies {
        if body.trim().is_empty() {
            continue;
        }
        let tag = LanguageTag::parse(locale).map_err(|_| {
            Invalid::new(
                "bodies",
                "invalid_script_locale",
                format!("'{locale}' is not a language tag such as zh-CN, en or ru"),
            )
        })?;
        if bodies.iter().any(|(l, _)| l == tag.as_str()) {
            return Err(Invalid::new(
                "bodies",
                "duplicate_locale",
                format!("two bodies are for {}; keep one", tag.as_str()),
            )
            .into());
        }
        bodies.push((
            tag.as_str().to_owned(),
            ScriptBody::parse(body)?.into_inner(),
        ));
    }
    if bodies.is_empty() {
        return Err(Invalid::new(
            "bodies",
            "bodies_required",
            "write the script in at least one language",
        )
        .into());
    }
    if bodies.len() > MAX_LOCALES {
        return Err(Invalid::new(
            "bodies",
            "too_many_locales",
            format!("at most {MAX_LOCALES} languages per script"),
        )
        .into());
    }
    Ok(Checked {
        title,
        shortcut: shortcut.map(|s| s.as_str().to_owned()),
        stage_id: input.stage_id,
        bodies,
    })
}

fn shortcut_taken(e: StoreError, shortcut: Option<&str>) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "shortcut_taken",
            message: format!(
                "another script already uses the shortcut /{}; choose another",
                shortcut.unwrap_or_default()
            ),
            existing_id: None,
        },
        other => other.into(),
    }
}

/// Writes the script's row, bodies and keys; audits shared scripts; appends the event.
async fn save(
    app: &App,
    actor: &Actor,
    existing: Option<&ScriptRow>,
    owner_id: Option<i64>,
    c: &Checked,
) -> AppResult<ScriptView> {
    let fields = ScriptFields {
        stage_id: c.stage_id,
        owner_id,
        title: &c.title,
        shortcut: c.shortcut.as_deref(),
    };
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let row = match existing {
        None => scripts::insert(&mut tx, &fields, actor.user_id, now).await,
        Some(e) => scripts::update(&mut tx, e.id, &fields, now).await,
    }
    .map_err(|e| shortcut_taken(e, c.shortcut.as_deref()))?;
    scripts::replace_bodies(&mut tx, row.id, &c.bodies).await?;
    let keys = search_keys(&c.title, c.shortcut.as_deref());
    scripts::replace_keys(&mut tx, row.id, owner_id, &keys).await?;
    let bodies: Vec<ScriptBodyRow> = c
        .bodies
        .iter()
        .map(|(locale, body)| ScriptBodyRow {
            script_id: row.id,
            locale: locale.clone(),
            body: body.clone(),
        })
        .collect();
    let view = ScriptView::new(row, &bodies);
    let kind = if existing.is_some() {
        "script.updated"
    } else {
        "script.created"
    };
    record(app, &mut tx, actor, kind, existing, &view).await?;
    commit(app, tx).await?;
    Ok(view)
}

/// The event (ids only: a personal script's text is its owner's) and, when a shared
/// script is involved, the audit entry.
async fn record(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    kind: &str,
    before: Option<&ScriptRow>,
    after: &ScriptView,
) -> AppResult<()> {
    if after.shared || before.is_some_and(|b| b.owner_id.is_none()) {
        let detail = json!({ "before": before, "after": after });
        kefu_store::audit::record_in(
            tx,
            Some(actor.user_id),
            kind,
            &format!("script:{}", after.id),
            &detail.to_string(),
            now_ms(),
        )
        .await?;
    }
    let payload =
        json!({ "script_id": after.id, "stage_id": after.stage_id, "owner_id": after.owner_id });
    append(app, tx, kind, None, None, true, &payload).await?;
    Ok(())
}

/// A script the actor sees, or not found (another agent's personal scripts do not exist
/// for anyone else).
async fn visible(app: &App, actor: &Actor, id: i64) -> AppResult<ScriptRow> {
    actor.require(Permission::WorkConversations)?;
    scripts::find(&app.db, id)
        .await?
        .filter(|s| s.owner_id.is_none_or(|o| o == actor.user_id))
        .ok_or(AppError::NotFound("script"))
}

/// Changing a shared script, or making one shared, is for supervisors and above.
fn require_for(actor: &Actor, shared_before: bool, shared_after: bool) -> AppResult<()> {
    if shared_before || shared_after {
        actor.require(Permission::ManageSharedScripts)?;
    }
    Ok(())
}

pub async fn create_script(app: &App, actor: &Actor, input: &ScriptInput) -> AppResult<ScriptView> {
    actor.require(Permission::WorkConversations)?;
    require_for(actor, false, input.shared)?;
    let checked = check(app, input).await?;
    let owner = (!input.shared).then_some(actor.user_id);
    save(app, actor, None, owner, &checked).await
}

/// Replaces a script. A shared script made personal becomes the actor's own.
pub async fn update_script(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ScriptInput,
) -> AppResult<ScriptView> {
    let existing = visible(app, actor, id).await?;
    require_for(actor, existing.owner_id.is_none(), input.shared)?;
    let checked = check(app, input).await?;
    let owner = match (input.shared, existing.owner_id) {
        (true, _) => None,
        (false, Some(owner)) => Some(owner),
        (false, None) => Some(actor.user_id),
    };
    save(app, actor, Some(&existing), owner, &checked).await
}

pub async fn delete_script(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let existing = visible(app, actor, id).await?;
    require_for(actor, existing.owner_id.is_none(), false)?;
    let bodies = scripts::bodies(&app.db, &[id]).await?;
    let view = ScriptView::new(existing.clone(), &bodies);
    let mut tx = app.db.begin().await?;
    scripts::delete(&mut tx, id).await?;
    record(
        app,
        &mut tx,
        actor,
        "script.deleted",
        Some(&existing),
        &view,
    )
    .await?;
    commit(app, tx).await
}

pub async fn get_script(app: &App, actor: &Actor, id: i64) -> AppResult<ScriptView> {
    let row = visible(app, actor, id).await?;
    let bodies = scripts::bodies(&app.db, &[id]).await?;
    Ok(ScriptView::new(row, &bodies))
}

/// The scripts the actor sees (shared and their own), by stage order, oldest first.
pub async fn list_scripts(
    app: &App,
    actor: &Actor,
    stage_id: Option<i64>,
) -> AppResult<Vec<ScriptView>> {
    actor.require(Permission::WorkConversations)?;
    let rows = scripts::list_visible(&app.db, actor.user_id, stage_id).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let bodies = scripts::bodies(&app.db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| ScriptView::new(r, &bodies))
        .collect())
}
