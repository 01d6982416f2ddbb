//! Merging two contacts or two organisations into one: everything of the removed record
//! moves to the survivor, whose empty fields are filled from it, and the removed row stays
//! as a tombstone (`merged_into`) that lists and searches skip.

pub mod duplicates;

use crate::contacts::{ContactRow, set_tags};
use crate::organisations::OrganisationRow;
use crate::schema::{
    ContactIdentities, Contacts, Conversations, Messages, Orders, Organisations, Outreach,
    PaymentReminders, Reviews, Tasks, TimelineEntries,
};
use crate::{JsonText, StoreError, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Iden, Query};
use serde::Serialize;
use serde_json::{Map, Value};

/// What a merge moved to the survivor (for the audit entry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub conversations: u64,
    pub messages: u64,
    pub identities: u64,
    pub timeline_entries: u64,
    pub contacts: u64,
    pub tasks: u64,
}

/// Points `column` of `table` at `to` wherever it pointed at `from`.
async fn repoint<T, C>(tx: &mut Tx, table: T, column: C, from: i64, to: i64) -> StoreResult<u64>
where
    T: Iden + 'static,
    C: Iden + Copy + 'static,
{
    tx.execute(
        &Query::update()
            .table(table)
            .value(column, to)
            .and_where(Expr::col(column).eq(from))
            .take(),
    )
    .await
}

/// Locks a live row (lowest id first, so two opposite merges cannot deadlock) and
/// makes the loser a tombstone; a row merged or erased meanwhile fails the merge.
async fn claim<T, C>(
    tx: &mut Tx,
    table: T,
    columns: (C, C, C, Option<C>),
    loser: i64,
    survivor: i64,
    now: i64,
) -> StoreResult<()>
where
    T: Iden + Copy + 'static,
    C: Iden + Copy + 'static,
{
    let (id, merged_into, updated_at, erased_at) = columns;
    let mut ids = [loser, survivor];
    ids.sort_unstable();
    for row in ids {
        let mut q = Query::update();
        q.table(table)
            .value(updated_at, now)
            .and_where(Expr::col(id).eq(row))
            .and_where(Expr::col(merged_into).is_null());
        if let Some(erased_at) = erased_at {
            q.and_where(Expr::col(erased_at).is_null());
        }
        if row == loser {
            q.value(merged_into, survivor);
        }
        if tx.execute(&q).await? == 0 {
            return Err(StoreError::Conflict(format!("merge_changed_{row}")));
        }
    }
    Ok(())
}

fn fill<T: Clone>(keep: &Option<T>, from: &Option<T>) -> Option<T> {
    keep.clone().or_else(|| from.clone())
}

/// `keep` followed by the entries of `add` it lacks.
fn union(keep: &[String], add: &[String]) -> Vec<String> {
    let mut out = keep.to_vec();
    for a in add {
        if !out.contains(a) {
            out.push(a.clone());
        }
    }
    out
}

/// `keep`'s custom values, plus the loser's for fields the survivor has no value for.
fn custom_union(keep: &Map<String, Value>, add: &Map<String, Value>) -> String {
    let mut out = keep.clone();
    for (k, v) in add {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    JsonText(out).to_text()
}

/// Merges contact `loser` into `survivor`. The caller has checked both are live and
/// different; it recomputes the survivor's search tokens and duplicate keys.
pub async fn merge_contacts(
    tx: &mut Tx,
    loser: i64,
    survivor: i64,
    now: i64,
) -> StoreResult<Moved> {
    use Contacts as C;
    let columns = (C::Id, C::MergedInto, C::UpdatedAt, Some(C::ErasedAt));
    claim(tx, C::Table, columns, loser, survivor, now).await?;
    let l: ContactRow = crate::contacts::find_in_tx(tx, loser)
        .await?
        .ok_or(StoreError::NotFound)?;
    let s: ContactRow = crate::contacts::find_in_tx(tx, survivor)
        .await?
        .ok_or(StoreError::NotFound)?;
    let tags = union(&s.tags.0, &l.tags.0);
    tx.execute(
        &Query::update()
            .table(C::Table)
            .values([
                (C::Title, fill(&s.title, &l.title).into()),
                (
                    C::OrganisationId,
                    fill(&s.organisation_id, &l.organisation_id).into(),
                ),
                (C::OwnerId, fill(&s.owner_id, &l.owner_id).into()),
                (C::Language, fill(&s.language, &l.language).into()),
                (C::Country, fill(&s.country, &l.country).into()),
                (C::TimeZone, fill(&s.time_zone, &l.time_zone).into()),
                (C::Email, fill(&s.email, &l.email).into()),
                (C::Phone, fill(&s.phone, &l.phone).into()),
                (C::Tags, JsonText(tags.clone()).to_text().into()),
                (C::Custom, custom_union(&s.custom.0, &l.custom.0).into()),
                (C::ConsentCall, (s.consent_call || l.consent_call).into()),
                (
                    C::ConsentMessage,
                    (s.consent_message || l.consent_message).into(),
                ),
                (C::ConsentEmail, (s.consent_email || l.consent_email).into()),
            ])
            .and_where(Expr::col(C::Id).eq(survivor))
            .take(),
    )
    .await?;
    set_tags(tx, "contact", survivor, &tags).await?;
    set_tags(tx, "contact", loser, &[]).await?;
    // After-sales cases follow their customer.
    use crate::after_sales::AfterSalesCases as Cases;
    repoint(tx, Cases::Table, Cases::ContactId, loser, survivor).await?;
    let moved = Moved {
        identities: repoint(
            tx,
            ContactIdentities::Table,
            ContactIdentities::ContactId,
            loser,
            survivor,
        )
        .await?,
        conversations: repoint(
            tx,
            Conversations::Table,
            Conversations::ContactId,
            loser,
            survivor,
        )
        .await?,
        messages: repoint(
            tx,
            Messages::Table,
            Messages::AuthorContactId,
            loser,
            survivor,
        )
        .await?,
        timeline_entries: repoint(
            tx,
            TimelineEntries::Table,
            TimelineEntries::ContactId,
            loser,
            survivor,
        )
        .await?,
        // Contacts merged into the loser earlier now point at the survivor.
        contacts: repoint(tx, C::Table, C::MergedInto, loser, survivor).await?,
        tasks: repoint(tx, Tasks::Table, Tasks::ContactId, loser, survivor).await?,
    };
    // The customer's orders, payment reminders, reviews and outreach follow them.
    repoint(tx, Orders::Table, Orders::ContactId, loser, survivor).await?;
    repoint(
        tx,
        PaymentReminders::Table,
        PaymentReminders::ContactId,
        loser,
        survivor,
    )
    .await?;
    repoint(tx, Reviews::Table, Reviews::ContactId, loser, survivor).await?;
    repoint(tx, Outreach::Table, Outreach::ContactId, loser, survivor).await?;
    tx.execute(
        &Query::update()
            .table(C::Table)
            .values([
                (C::SearchTokens, "".into()),
                (C::Tags, "[]".into()),
                (C::Email, Option::<String>::None.into()),
                (C::Phone, Option::<String>::None.into()),
            ])
            .and_where(Expr::col(C::Id).eq(loser))
            .take(),
    )
    .await?;
    duplicates::forget(tx, "contact", loser).await?;
    Ok(moved)
}

/// What an organisation merge moved, and which contacts it moved (to re-index them).
#[derive(Debug, Clone, Default)]
pub struct OrganisationMerge {
    pub moved: Moved,
    pub contact_ids: Vec<i64>,
}

/// Merges organisation `loser` into `survivor`: its contacts, timeline, tags and
/// products move; empty fields are filled. The caller has checked both are live.
pub async fn merge_organisations(
    tx: &mut Tx,
    loser: i64,
    survivor: i64,
    now: i64,
) -> StoreResult<OrganisationMerge> {
    use Organisations as O;
    let columns = (O::Id, O::MergedInto, O::UpdatedAt, None);
    claim(tx, O::Table, columns, loser, survivor, now).await?;
    let l: OrganisationRow = crate::organisations::find_in_tx(tx, loser)
        .await?
        .ok_or(StoreError::NotFound)?;
    let s: OrganisationRow = crate::organisations::find_in_tx(tx, survivor)
        .await?
        .ok_or(StoreError::NotFound)?;
    let tags = union(&s.tags.0, &l.tags.0);
    let products = union(&s.products.0, &l.products.0);
    tx.execute(
        &Query::update()
            .table(O::Table)
            .values([
                (
                    O::RegistrationNo,
                    fill(&s.registration_no, &l.registration_no).into(),
                ),
                (O::TaxNo, fill(&s.tax_no, &l.tax_no).into()),
                (O::Address, fill(&s.address, &l.address).into()),
                (O::Country, fill(&s.country, &l.country).into()),
                (
                    O::MemberLevel,
                    fill(&s.member_level, &l.member_level).into(),
                ),
                (
                    O::SourceChannel,
                    fill(&s.source_channel, &l.source_channel).into(),
                ),
                (O::OwnerId, fill(&s.owner_id, &l.owner_id).into()),
                (O::Notes, fill(&s.notes, &l.notes).into()),
                (O::Products, JsonText(products).to_text().into()),
                (O::Tags, JsonText(tags.clone()).to_text().into()),
                (O::Custom, custom_union(&s.custom.0, &l.custom.0).into()),
            ])
            .and_where(Expr::col(O::Id).eq(survivor))
            .take(),
    )
    .await?;
    set_tags(tx, "organisation", survivor, &tags).await?;
    set_tags(tx, "organisation", loser, &[]).await?;
    let contact_ids: Vec<(i64,)> = tx
        .fetch_all(
            &Query::select()
                .column(Contacts::Id)
                .from(Contacts::Table)
                .and_where(Expr::col(Contacts::OrganisationId).eq(loser))
                .and_where(Expr::col(Contacts::MergedInto).is_null())
                .take(),
        )
        .await?;
    let moved = Moved {
        contacts: repoint(
            tx,
            Contacts::Table,
            Contacts::OrganisationId,
            loser,
            survivor,
        )
        .await?,
        timeline_entries: repoint(
            tx,
            TimelineEntries::Table,
            TimelineEntries::OrganisationId,
            loser,
            survivor,
        )
        .await?,
        ..Moved::default()
    };
    repoint(tx, O::Table, O::MergedInto, loser, survivor).await?;
    tx.execute(
        &Query::update()
            .table(O::Table)
            .values([(O::SearchTokens, "".into()), (O::Tags, "[]".into())])
            .and_where(Expr::col(O::Id).eq(loser))
            .take(),
    )
    .await?;
    duplicates::forget(tx, "organisation", loser).await?;
    Ok(OrganisationMerge {
        moved,
        contact_ids: contact_ids.into_iter().map(|(id,)| id).collect(),
    })
}

/// Stores an organisation's search tokens (recomputed by the caller after a merge).
pub async fn set_organisation_tokens(tx: &mut Tx, id: i64, tokens: &str) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Organisations::Table)
            .value(Organisations::SearchTokens, tokens)
            .and_where(Expr::col(Organisations::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}
