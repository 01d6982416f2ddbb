//! The duplicates view: likely pairs with the reasons they look alike (masked for
//! agents), and dismissing a pair as two different customers.

use crate::events::commit;
use crate::{Actor, App, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::merge::duplicates::{self, KeyPair};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// Which records: contacts or organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Contact,
    Organisation,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Contact => "contact",
            Entity::Organisation => "organisation",
        }
    }
}

/// One record of a pair, with enough to tell them apart.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DuplicateSide {
    pub id: i64,
    pub name: String,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    /// The contact's first phone, masked for roles that may not see it in full.
    pub phone: Option<String>,
    /// The contact's first email, masked likewise.
    pub email: Option<String>,
    pub country: Option<String>,
    pub tax_no: Option<String>,
    pub registration_no: Option<String>,
}

/// Two records that are likely the same customer; `a` is the older one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicatePair {
    pub entity: Entity,
    pub a: DuplicateSide,
    pub b: DuplicateSide,
    /// `same_phone`, `same_email`, `same_name_in_organisation`, `same_name`,
    /// `similar_name`, `same_tax_no`, `same_registration_no`.
    pub reasons: Vec<String>,
}

fn reason(entity: Entity, kind: &str) -> String {
    match (entity, kind) {
        (Entity::Contact, "name") => "same_name_in_organisation".into(),
        (_, "similar_name") => "similar_name".into(),
        (_, kind) => format!("same_{kind}"),
    }
}

/// Rows (one per pair and key) grouped into pairs in order; a full page's last pair
/// may have been cut short, so it waits for the next look.
fn group(entity: Entity, rows: Vec<KeyPair>, full: bool) -> Vec<(i64, i64, Vec<String>)> {
    let mut out: Vec<(i64, i64, Vec<String>)> = Vec::new();
    for r in rows {
        let why = reason(entity, &r.kind);
        match out.last_mut() {
            Some((a, b, reasons)) if (*a, *b) == (r.first_id, r.second_id) => {
                if !reasons.contains(&why) {
                    reasons.push(why);
                }
            }
            _ => out.push((r.first_id, r.second_id, vec![why])),
        }
    }
    if full && out.len() > 1 {
        out.pop();
    }
    for (_, _, reasons) in &mut out {
        if reasons.iter().any(|r| r == "same_name") {
            reasons.retain(|r| r != "similar_name");
        }
    }
    out
}

async fn sides(
    app: &App,
    actor: &Actor,
    entity: Entity,
    ids: &[i64],
) -> AppResult<HashMap<i64, DuplicateSide>> {
    let masked = crate::privacy::masks_for(actor);
    let mask = |kind: &str, v: Option<String>| match v {
        Some(v) if masked => Some(crate::privacy::mask(kind, &v)),
        v => v,
    };
    Ok(match entity {
        Entity::Contact => duplicates::contact_sides(&app.db, ids)
            .await?
            .into_iter()
            .map(|c| {
                let side = DuplicateSide {
                    id: c.id,
                    name: c.name,
                    organisation_id: c.organisation_id,
                    organisation_name: c.organisation_name,
                    phone: mask("phone", c.phone),
                    email: mask("email", c.email),
                    ..Default::default()
                };
                (c.id, side)
            })
            .collect(),
        Entity::Organisation => duplicates::organisation_sides(&app.db, ids)
            .await?
            .into_iter()
            .map(|o| {
                let side = DuplicateSide {
                    id: o.id,
                    name: o.name,
                    country: o.country,
                    tax_no: o.tax_no,
                    registration_no: o.registration_no,
                    ..Default::default()
                };
                (o.id, side)
            })
            .collect(),
    })
}

/// Likely duplicate pairs, newest first (at most `limit`, 1 to 100). Dismissed pairs,
/// merged-away and erased records are left out.
pub async fn list_duplicates(
    app: &App,
    actor: &Actor,
    entity: Entity,
    limit: u64,
) -> AppResult<Vec<DuplicatePair>> {
    actor.require(Permission::WorkConversations)?;
    let limit = limit.clamp(1, 100);
    // A pair has a row per shared key: a few each.
    let rows_limit = limit * 8;
    let rows = duplicates::pairs(&app.db, entity.as_str(), rows_limit).await?;
    let full = rows.len() as u64 >= rows_limit;
    let mut pairs = group(entity, rows, full);
    pairs.truncate(limit as usize);
    let ids: Vec<i64> = pairs.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
    let sides = sides(app, actor, entity, &ids).await?;
    Ok(pairs
        .into_iter()
        .filter_map(|(a, b, reasons)| {
            Some(DuplicatePair {
                entity,
                a: sides.get(&a)?.clone(),
                b: sides.get(&b)?.clone(),
                reasons,
            })
        })
        .collect())
}

/// A pair someone says are different customers.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DismissInput {
    pub entity: Entity,
    pub a: i64,
    pub b: i64,
}

/// Stops showing a pair as likely duplicates (supervisors and up; audited).
pub async fn dismiss_pair(app: &App, actor: &Actor, input: &DismissInput) -> AppResult<()> {
    actor.require(Permission::MergeArchive)?;
    if input.a == input.b {
        return Err(Invalid::new("b", "same_record", "a pair needs two different records").into());
    }
    let (first, second) = (input.a.min(input.b), input.a.max(input.b));
    let mut tx = app.db.begin().await?;
    for id in [first, second] {
        match input.entity {
            Entity::Contact => drop(super::live_contact(&mut tx, id).await?),
            Entity::Organisation => drop(super::live_organisation(&mut tx, id).await?),
        }
    }
    let now = now_ms();
    let entity = input.entity.as_str();
    duplicates::dismiss(&mut tx, entity, first, second, actor.user_id, now).await?;
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "duplicates.dismissed",
        &format!("{entity}:{first}"),
        &json!({ "first_id": first, "second_id": second }).to_string(),
        now,
    )
    .await?;
    commit(app, tx).await?;
    Ok(())
}
