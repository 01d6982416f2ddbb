//! The composer's `/` picker: the scripts matching what the agent typed, each rendered
//! for the open conversation in the customer's language.

use super::order_values::OrderValues;
use crate::archive::present;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::script::{Variable, local_date, pick_locale, render, search_prefix};
use kefu_domain::{Invalid, Permission};
use kefu_store::scripts::{self, ScriptRow};
use kefu_store::{contacts, conversations, inboxes};
use serde::{Deserialize, Serialize};

/// Most scripts one search returns.
pub const MAX_MATCHES: u64 = 20;

/// How many candidates are read before ranking (exact shortcuts first).
const CANDIDATES: u64 = 50;

/// How rendered scripts word what kefu cannot fill in, per body language. The web
/// layer supplies it from its translations.
pub trait Wording: Send + Sync {
    /// The visible placeholder for a variable with no value, e.g. `【订单号】`.
    fn placeholder(&self, variable: Variable, language: &str) -> String;
    /// A calendar date as `language` writes it.
    fn date(&self, date: jiff::civil::Date, language: &str) -> String;
}

/// What the agent typed, and values the caller knows that kefu does not store yet.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct PickerQuery {
    /// What follows `/`: a shortcut, the start of a title or of one of its words, or
    /// pinyin initials (`hyy` finds 欢迎语). Empty: the most used scripts.
    pub q: Option<String>,
    /// Scripts to return, 1 to 20 (default 10).
    pub limit: Option<u64>,
    /// Fills `{{order_number}}`; else the customer's latest order's number, else the body
    /// shows a placeholder to fill in.
    pub order_number: Option<String>,
    /// Fills `{{tracking_number}}`; else the newest parcel of the customer's latest order,
    /// else the body shows a placeholder to fill in. `{{carrier}}`, `{{amount}}`,
    /// `{{items}}`, `{{tracking_link}}` and `{{address}}` come from that latest order.
    pub tracking_number: Option<String>,
}

/// A script rendered for a conversation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScriptMatch {
    pub id: i64,
    pub stage_id: i64,
    pub title: String,
    pub shortcut: Option<String>,
    pub shared: bool,
    /// The body used: the customer's language, else the agent's, else any there is.
    pub locale: String,
    /// The body with the conversation's values filled in, for the agent to edit and send.
    pub text: String,
    /// Variables kefu had no value for (`order_number`, …); `text` shows a placeholder.
    pub missing: Vec<String>,
    /// Those placeholders as they appear in `text`, so an editor can select them.
    pub placeholders: Vec<String>,
}

/// The values a conversation gives its scripts.
struct Values {
    customer_name: String,
    agent_name: String,
    shop_name: Option<String>,
    local_date: Option<jiff::civil::Date>,
    /// The customer's latest order (number and parcel overridden by the query).
    order: OrderValues,
}

impl Values {
    fn get(&self, v: Variable, language: &str, wording: &dyn Wording) -> Option<String> {
        match v {
            Variable::CustomerName => Some(self.customer_name.clone()),
            Variable::AgentName => Some(self.agent_name.clone()),
            Variable::ShopName => self.shop_name.clone(),
            Variable::LocalDate => self.local_date.map(|d| wording.date(d, language)),
            _ => self.order.get(v, language),
        }
    }
}

/// Scripts matching `q.q` that the actor sees, rendered for conversation `id`.
pub async fn scripts_for_conversation(
    app: &App,
    actor: &Actor,
    id: i64,
    q: &PickerQuery,
    wording: &dyn Wording,
) -> AppResult<Vec<ScriptMatch>> {
    actor.require(Permission::WorkConversations)?;
    let conversation = conversations::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let prefix = search_prefix(q.q.as_deref().unwrap_or_default());
    if prefix.chars().count() > 60 {
        return Err(
            Invalid::new("q", "query_too_long", "type at most 60 characters after /").into(),
        );
    }
    let limit = q.limit.unwrap_or(10).clamp(1, MAX_MATCHES);
    let rows = if prefix.is_empty() {
        scripts::most_used(&app.db, actor.user_id, limit).await?
    } else {
        ranked(
            scripts::search(&app.db, actor.user_id, &prefix, CANDIDATES).await?,
            &prefix,
            limit,
        )
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let bodies = scripts::bodies(&app.db, &ids).await?;
    let contact = contacts::find(&app.db, conversation.contact_id)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    let shop_name = inboxes::find(&app.db, conversation.inbox_id)
        .await?
        .and_then(|i| i.shop_name);
    let latest = kefu_store::orders::recent_of_contact(&app.db, conversation.contact_id, 1)
        .await?
        .pop();
    let mut order = match &latest {
        Some(o) => OrderValues::of(&app.db, o).await?,
        None => OrderValues::default(),
    };
    if let Some(n) = present(&q.order_number) {
        order.order_number = Some(n.to_owned());
    }
    if let Some(n) = present(&q.tracking_number) {
        order.tracking_number = Some(n.to_owned());
    }
    let values = Values {
        customer_name: contact.name.clone(),
        agent_name: actor.name.clone(),
        shop_name,
        local_date: contact
            .time_zone
            .as_deref()
            .and_then(|tz| local_date(tz, jiff::Timestamp::now())),
        order,
    };
    let preferences = [
        contact.language.as_deref().unwrap_or_default(),
        actor.locale.as_str(),
    ];
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mine: Vec<_> = bodies.iter().filter(|b| b.script_id == row.id).collect();
        let locales: Vec<&str> = mine.iter().map(|b| b.locale.as_str()).collect();
        let Some(locale) = pick_locale(&locales, &preferences) else {
            continue;
        };
        let body = mine
            .iter()
            .find(|b| b.locale == locale)
            .map_or("", |b| b.body.as_str());
        let r = render(
            body,
            |v| values.get(v, locale, wording),
            |v| wording.placeholder(v, locale),
        );
        out.push(ScriptMatch {
            id: row.id,
            stage_id: row.stage_id,
            title: row.title,
            shortcut: row.shortcut,
            shared: row.owner_id.is_none(),
            locale: locale.to_owned(),
            text: r.text,
            missing: r.missing.iter().map(|v| v.as_str().to_owned()).collect(),
            placeholders: r.placeholders,
        });
    }
    Ok(out)
}

/// Exact shortcut first; otherwise the store's order (most used first).
fn ranked(mut rows: Vec<ScriptRow>, prefix: &str, limit: u64) -> Vec<ScriptRow> {
    rows.sort_by_key(|r| r.shortcut.as_deref() != Some(prefix));
    rows.truncate(limit as usize);
    rows
}

/// Counts one insertion of a script into a reply (the picker calls it).
pub async fn count_use(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::WorkConversations)?;
    if scripts::count_use(&app.db, actor.user_id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("script"))
    }
}
