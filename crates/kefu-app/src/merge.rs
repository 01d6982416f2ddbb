//! Merging duplicate contacts and organisations (supervisors and up): everything moves
//! to the survivor in one transaction, both records' audit trails say so, and the
//! removed record stays as a tombstone pointing at the survivor.

mod duplicates;
mod keys;

pub use duplicates::{
    DismissInput, DuplicatePair, DuplicateSide, Entity, dismiss_pair, list_duplicates,
};
pub use keys::{
    backfill, email_key, index_contact, index_contacts, index_organisation, index_organisations,
    phone_key, similar_name_key,
};

use crate::contacts::ContactView;
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::Tx;
use kefu_store::contacts::{self, ContactRow};
use kefu_store::merge::Moved;
use kefu_store::organisations::{self, OrganisationFields, OrganisationRow};
use kefu_store::timeline::{self, NewEntry};
use serde_json::{Value, json};

fn not_itself(survivor: i64, loser: i64, what: &str) -> AppResult<()> {
    if survivor == loser {
        return Err(Invalid::new(
            "from",
            "merge_into_itself",
            format!("a {what} cannot be merged into itself; choose two different records"),
        )
        .into());
    }
    Ok(())
}

fn already_merged(what: &str, id: i64, into: i64) -> AppError {
    AppError::Conflict {
        code: "already_merged",
        message: format!(
            "{what} #{id} was already merged into #{into}; merge with #{into} instead"
        ),
        existing_id: Some(into),
    }
}

async fn live_contact(tx: &mut Tx, id: i64) -> AppResult<ContactRow> {
    let c = contacts::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    if let Some(into) = c.merged_into {
        return Err(already_merged("contact", id, into));
    }
    if c.erased_at.is_some() {
        return Err(AppError::Conflict {
            code: "erased_contact",
            message: format!("contact #{id} was erased on request; it cannot be merged"),
            existing_id: None,
        });
    }
    Ok(c)
}

async fn live_organisation(tx: &mut Tx, id: i64) -> AppResult<OrganisationRow> {
    let o = organisations::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    match o.merged_into {
        Some(into) => Err(already_merged("organisation", id, into)),
        None => Ok(o),
    }
}

/// A merge done, as the audit log, the timeline and the event log tell it.
struct Done<'a> {
    entity: Entity,
    survivor: i64,
    loser: i64,
    /// The removed record's name (the timeline entry's summary).
    name: &'a str,
    moved: Moved,
    /// The removed record as it was, kept in the survivor's audit entry.
    snapshot: Value,
    now: i64,
}

/// Audits a merge on both records' subjects (the removed record's earlier entries stay
/// as they are), writes the survivor's timeline entry and appends the event.
async fn record(app: &App, tx: &mut Tx, actor: &Actor, d: Done<'_>) -> AppResult<()> {
    let entity = d.entity.as_str();
    let action = format!("{entity}.merged");
    let detail = json!({
        "survivor_id": d.survivor, "merged_id": d.loser, "moved": d.moved, "merged": d.snapshot,
    });
    let loser_detail = json!({ "survivor_id": d.survivor, "merged_id": d.loser });
    for (id, detail) in [(d.survivor, detail), (d.loser, loser_detail)] {
        let subject = format!("{entity}:{id}");
        let detail = detail.to_string();
        kefu_store::audit::record_in(tx, Some(actor.user_id), &action, &subject, &detail, d.now)
            .await?;
    }
    let entry = NewEntry {
        kind: "merge",
        ref_id: Some(d.loser),
        actor_user_id: Some(actor.user_id),
        summary: d.name,
        detail: json!({ "merged_id": d.loser, "moved": d.moved }),
        occurred_at: d.now,
    };
    match d.entity {
        Entity::Contact => timeline::record_for_contact(tx, d.survivor, &entry, d.now).await?,
        Entity::Organisation => {
            timeline::record_for_organisation(tx, d.survivor, &entry, d.now).await?
        }
    };
    let event =
        json!({ format!("{entity}_id"): d.survivor, "merged_id": d.loser, "by": actor.user_id });
    append(app, tx, &action, None, None, true, &event).await?;
    Ok(())
}

/// Merges contact `loser` into `survivor`; returns the survivor as the actor may see it.
pub async fn merge_contacts(
    app: &App,
    actor: &Actor,
    survivor: i64,
    loser: i64,
) -> AppResult<ContactView> {
    actor.require(Permission::MergeArchive)?;
    not_itself(survivor, loser, "contact")?;
    let mut tx = app.db.begin().await?;
    live_contact(&mut tx, survivor).await?;
    let removed = live_contact(&mut tx, loser).await?;
    let removed_identities = contacts::identities_in_tx(&mut tx, loser).await?;
    let now = now_ms();
    let moved = kefu_store::merge::merge_contacts(&mut tx, loser, survivor, now).await?;
    let row = contacts::find_in_tx(&mut tx, survivor)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    crate::organisations::reindex_contact(&mut tx, &row).await?;
    index_contact(&mut tx, survivor).await?;
    let done = Done {
        entity: Entity::Contact,
        survivor,
        loser,
        name: &removed.name,
        moved,
        snapshot: json!({ "contact": removed, "identities": removed_identities }),
        now,
    };
    record(app, &mut tx, actor, done).await?;
    commit(app, tx).await?;
    crate::contacts::get_contact(app, actor, survivor).await
}

/// Merges organisation `loser` into `survivor` (its contacts move and are found under
/// the survivor's name at once); returns the survivor.
pub async fn merge_organisations(
    app: &App,
    actor: &Actor,
    survivor: i64,
    loser: i64,
) -> AppResult<OrganisationRow> {
    actor.require(Permission::MergeArchive)?;
    not_itself(survivor, loser, "organisation")?;
    let mut tx = app.db.begin().await?;
    live_organisation(&mut tx, survivor).await?;
    let removed = live_organisation(&mut tx, loser).await?;
    let now = now_ms();
    let merged = kefu_store::merge::merge_organisations(&mut tx, loser, survivor, now).await?;
    let row = organisations::find_in_tx(&mut tx, survivor)
        .await?
        .ok_or(AppError::NotFound("organisation"))?;
    reindex_organisation(&mut tx, &row).await?;
    index_organisation(&mut tx, &row).await?;
    for id in &merged.contact_ids {
        if let Some(contact) = contacts::find_in_tx(&mut tx, *id).await? {
            crate::organisations::reindex_contact(&mut tx, &contact).await?;
        }
    }
    index_contacts(&mut tx, &merged.contact_ids).await?;
    let done = Done {
        entity: Entity::Organisation,
        survivor,
        loser,
        name: &removed.name,
        moved: merged.moved,
        snapshot: json!(removed),
        now,
    };
    record(app, &mut tx, actor, done).await?;
    commit(app, tx).await?;
    Ok(row)
}

/// Recomputes an organisation's search tokens from what is stored (after a merge).
async fn reindex_organisation(tx: &mut Tx, row: &OrganisationRow) -> AppResult<()> {
    let fields = OrganisationFields {
        name: row.name.clone(),
        products: row.products.0.clone(),
        tags: row.tags.0.clone(),
        registration_no: row.registration_no.clone(),
        tax_no: row.tax_no.clone(),
        address: row.address.clone(),
        ..Default::default()
    };
    let tokens = crate::organisations::search_tokens(&fields);
    kefu_store::merge::set_organisation_tokens(tx, row.id, &tokens).await?;
    Ok(())
}
