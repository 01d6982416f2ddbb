//! Customer timelines: reading them (newest first, keyset-paged) and the entries staff
//! write directly (notes, logged calls). Other features record their own entries with
//! [`kefu_store::timeline::record_for_contact`] in the transaction that makes the change.

use crate::archive::present;
use crate::events::commit;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::timeline::{self, Before, NewEntry, Owner, TimelineRow};
use kefu_store::{contacts, organisations};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One page of a timeline; pass `next_cursor` back for older entries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelinePage {
    pub data: Vec<TimelineRow>,
    pub next_cursor: Option<String>,
}

/// Parses a cursor written by [`TimelinePage`] (`occurred_at.id`).
fn parse_cursor(cursor: Option<&str>) -> AppResult<Option<Before>> {
    let Some(c) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        Invalid::new(
            "cursor",
            "invalid_cursor",
            "this cursor is not one kefu gave out",
        )
    };
    let (at, id) = c.split_once('.').ok_or_else(bad)?;
    Ok(Some(Before {
        occurred_at: at.parse().map_err(|_| bad())?,
        id: id.parse().map_err(|_| bad())?,
    }))
}

async fn page(
    app: &App,
    owner: Owner,
    cursor: Option<&str>,
    limit: u64,
) -> AppResult<TimelinePage> {
    let before = parse_cursor(cursor)?;
    let data = timeline::list(&app.db, owner, before, limit).await?;
    let next_cursor = if data.len() as u64 >= limit {
        data.last().map(|e| format!("{}.{}", e.occurred_at, e.id))
    } else {
        None
    };
    Ok(TimelinePage { data, next_cursor })
}

pub async fn contact_timeline(
    app: &App,
    actor: &Actor,
    contact_id: i64,
    cursor: Option<&str>,
    limit: u64,
) -> AppResult<TimelinePage> {
    actor.require(Permission::WorkConversations)?;
    contacts::find(&app.db, contact_id)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    page(app, Owner::Contact(contact_id), cursor, limit).await
}

pub async fn organisation_timeline(
    app: &App,
    actor: &Actor,
    organisation_id: i64,
    cursor: Option<&str>,
    limit: u64,
) -> AppResult<TimelinePage> {
    actor.require(Permission::WorkConversations)?;
    organisations::find(&app.db, organisation_id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    page(app, Owner::Organisation(organisation_id), cursor, limit).await
}

/// Something an agent writes on a customer's timeline by hand.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineInput {
    /// A note about the customer.
    Note { body: String },
    /// A phone call made or taken.
    Call {
        /// `outbound` or `inbound`.
        direction: String,
        /// `answered`, `no_answer`, `busy`, `refused` or `wrong_number`.
        outcome: String,
        /// Length in seconds, when answered.
        duration_secs: Option<i64>,
        body: Option<String>,
        /// When the call happened (UTC ms); now when absent.
        occurred_at: Option<i64>,
    },
}

const MAX_BODY: usize = 10_000;

fn body(field: &'static str, text: &str, required: bool) -> AppResult<String> {
    let t = text.trim();
    if required && t.is_empty() {
        return Err(Invalid::new(field, "required", "write something first").into());
    }
    if t.chars().count() > MAX_BODY {
        return Err(Invalid::new(field, "too_long", "at most 10,000 characters").into());
    }
    Ok(t.to_owned())
}

fn one_of(field: &'static str, v: &str, allowed: &[&str]) -> AppResult<String> {
    let v = v.trim();
    if allowed.contains(&v) {
        Ok(v.to_owned())
    } else {
        Err(Invalid::new(
            field,
            "invalid_choice",
            format!("'{v}' is not one of {}", allowed.join(", ")),
        )
        .into())
    }
}

/// Adds a note or a logged call to a contact's timeline (and their organisation's).
pub async fn add_entry(
    app: &App,
    actor: &Actor,
    contact_id: i64,
    input: &TimelineInput,
) -> AppResult<TimelineRow> {
    actor.require(Permission::WorkConversations)?;
    let now = now_ms();
    let (kind, summary, detail, occurred_at) = match input {
        TimelineInput::Note { body: text } => ("note", body("body", text, true)?, json!({}), now),
        TimelineInput::Call {
            direction,
            outcome,
            duration_secs,
            body: text,
            occurred_at,
        } => {
            let direction = one_of("direction", direction, &["outbound", "inbound"])?;
            let outcome = one_of(
                "outcome",
                outcome,
                &["answered", "no_answer", "busy", "refused", "wrong_number"],
            )?;
            if duration_secs.is_some_and(|d| !(0..=86_400).contains(&d)) {
                return Err(Invalid::new(
                    "duration_secs",
                    "out_of_range",
                    "a call lasts between 0 seconds and a day",
                )
                .into());
            }
            let at = occurred_at.unwrap_or(now);
            if at > now + 60_000 {
                return Err(Invalid::new(
                    "occurred_at",
                    "in_future",
                    "a call cannot be logged in the future",
                )
                .into());
            }
            let text = body("body", present(text).unwrap_or(""), false)?;
            (
                "call",
                text,
                json!({ "direction": direction, "outcome": outcome, "duration_secs": duration_secs }),
                at,
            )
        }
    };
    let mut tx = app.db.begin().await?;
    contacts::find_in_tx(&mut tx, contact_id)
        .await?
        .filter(|c| c.merged_into.is_none() && c.erased_at.is_none())
        .ok_or(AppError::NotFound("contact"))?;
    let entry = NewEntry {
        kind,
        ref_id: None,
        actor_user_id: Some(actor.user_id),
        summary: &summary,
        detail,
        occurred_at,
    };
    let id = timeline::record_for_contact(&mut tx, contact_id, &entry, now).await?;
    commit(app, tx).await?;
    timeline::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("timeline entry"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(
            parse_cursor(Some("1700000000000.42")).unwrap(),
            Some(Before {
                occurred_at: 1_700_000_000_000,
                id: 42
            })
        );
        assert_eq!(parse_cursor(Some(" ")).unwrap(), None);
        assert!(parse_cursor(Some("42")).is_err());
        assert!(parse_cursor(Some("a.b")).is_err());
    }
}
