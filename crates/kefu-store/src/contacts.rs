//! Contacts (the people who write in), their identities (phones, emails, handles,
//! channel ids), tags and search tokens.

use crate::schema::{ContactIdentities, Contacts, EntityTags, Organisations};
use crate::search::{TextQuery, custom_equals, restrict, tagged};
use crate::{Db, JsonText, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct ContactRow {
        pub id: i64,
        pub name: String,
        pub title: Option<String>,
        /// The first email, for lists; every email is in `identities`.
        pub email: Option<String>,
        /// The first phone (E.164), for lists; every phone is in `identities`.
        pub phone: Option<String>,
        pub organisation_id: Option<i64>,
        pub organisation_name: Option<String>,
        pub owner_id: Option<i64>,
        pub language: Option<String>,
        pub country: Option<String>,
        pub time_zone: Option<String>,
        #[schema(value_type = Vec<String>)]
        pub tags: JsonText<Vec<String>>,
        #[schema(value_type = Object)]
        pub custom: JsonText<serde_json::Map<String, serde_json::Value>>,
        pub consent_call: bool,
        pub consent_message: bool,
        pub consent_email: bool,
        pub merged_into: Option<i64>,
        pub erased_at: Option<i64>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

crate::record! {
    /// A phone, email, messaging handle or channel id that belongs to one contact.
    #[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
    pub struct IdentityRow {
        pub id: i64,
        pub contact_id: i64,
        pub kind: String,
        pub value: String,
        pub label: Option<String>,
    }
}

/// The fields of a contact as validated by the use case.
#[derive(Debug, Default, Clone)]
pub struct ContactFields {
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organisation_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub time_zone: Option<String>,
    pub tags: Vec<String>,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub consent_call: bool,
    pub consent_message: bool,
    pub consent_email: bool,
    pub search_tokens: String,
}

/// An identity to store: kind (`phone`, `email`, `wechat` …), normalised value, label.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIdentity {
    pub kind: String,
    pub value: String,
    pub label: Option<String>,
}

const COLUMNS: [Contacts; 19] = [
    Contacts::Id,
    Contacts::Name,
    Contacts::Title,
    Contacts::Email,
    Contacts::Phone,
    Contacts::OrganisationId,
    Contacts::OwnerId,
    Contacts::Language,
    Contacts::Country,
    Contacts::TimeZone,
    Contacts::Tags,
    Contacts::Custom,
    Contacts::ConsentCall,
    Contacts::ConsentMessage,
    Contacts::ConsentEmail,
    Contacts::MergedInto,
    Contacts::ErasedAt,
    Contacts::CreatedAt,
    Contacts::UpdatedAt,
];

/// Contacts with their organisation's name.
fn select() -> SelectStatement {
    let mut q = Query::select();
    for c in COLUMNS {
        q.column((Contacts::Table, c));
    }
    q.expr_as(
        Expr::col((Organisations::Table, Organisations::Name)),
        "organisation_name",
    )
    .from(Contacts::Table)
    .left_join(
        Organisations::Table,
        Expr::col((Organisations::Table, Organisations::Id))
            .equals((Contacts::Table, Contacts::OrganisationId)),
    );
    q
}

fn values(f: &ContactFields) -> Vec<(Contacts, sea_query::Value)> {
    vec![
        (Contacts::Name, f.name.clone().into()),
        (Contacts::Title, f.title.clone().into()),
        (Contacts::Email, f.email.clone().into()),
        (Contacts::Phone, f.phone.clone().into()),
        (Contacts::OrganisationId, f.organisation_id.into()),
        (Contacts::OwnerId, f.owner_id.into()),
        (Contacts::Language, f.language.clone().into()),
        (Contacts::Country, f.country.clone().into()),
        (Contacts::TimeZone, f.time_zone.clone().into()),
        (Contacts::Tags, JsonText(f.tags.clone()).to_text().into()),
        (
            Contacts::Custom,
            JsonText(f.custom.clone()).to_text().into(),
        ),
        (Contacts::ConsentCall, f.consent_call.into()),
        (Contacts::ConsentMessage, f.consent_message.into()),
        (Contacts::ConsentEmail, f.consent_email.into()),
        (Contacts::SearchTokens, f.search_tokens.clone().into()),
    ]
}

pub async fn insert(tx: &mut Tx, f: &ContactFields, now: i64) -> StoreResult<ContactRow> {
    let id = insert_row(tx, f, now).await?;
    set_tags(tx, "contact", id, &f.tags).await?;
    find_in_tx(tx, id).await?.ok_or(crate::StoreError::NotFound)
}

/// Inserts the contact's row alone (no tag rows, not read back), for batched imports.
pub async fn insert_row(tx: &mut Tx, f: &ContactFields, now: i64) -> StoreResult<i64> {
    let (mut columns, mut vals): (Vec<_>, Vec<_>) = values(f).into_iter().unzip();
    columns.extend([Contacts::CreatedAt, Contacts::UpdatedAt]);
    vals.extend([now.into(), now.into()]);
    let (id,): (i64,) = tx
        .fetch_one(
            &Query::insert()
                .into_table(Contacts::Table)
                .columns(columns)
                .values_panic(vals.into_iter().map(Into::into))
                .returning_col(Contacts::Id)
                .take(),
        )
        .await?;
    Ok(id)
}

pub async fn update(tx: &mut Tx, id: i64, f: &ContactFields, now: i64) -> StoreResult<ContactRow> {
    let mut q = Query::update();
    q.table(Contacts::Table)
        .values(values(f).into_iter().map(|(c, v)| (c, Expr::val(v))))
        .value(Contacts::UpdatedAt, now)
        .and_where(Expr::col(Contacts::Id).eq(id));
    if tx.execute(&q).await? == 0 {
        return Err(crate::StoreError::NotFound);
    }
    set_tags(tx, "contact", id, &f.tags).await?;
    find_in_tx(tx, id).await?.ok_or(crate::StoreError::NotFound)
}

pub async fn find(db: &Db, id: i64) -> StoreResult<Option<ContactRow>> {
    db.fetch_optional(
        &select()
            .and_where(Expr::col((Contacts::Table, Contacts::Id)).eq(id))
            .take(),
    )
    .await
}

pub async fn find_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Option<ContactRow>> {
    tx.fetch_optional(
        &select()
            .and_where(Expr::col((Contacts::Table, Contacts::Id)).eq(id))
            .take(),
    )
    .await
}

/// Several contacts by id, in no particular order (batched work: imports, backfills).
pub async fn find_many_in_tx(tx: &mut Tx, ids: &[i64]) -> StoreResult<Vec<ContactRow>> {
    crate::batch::fetch_in_chunks(tx, ids, |chunk| {
        select()
            .and_where(Expr::col((Contacts::Table, Contacts::Id)).is_in(chunk.to_vec()))
            .take()
    })
    .await
}

/// Up to `limit` contact ids above `after`, ascending: a walk over every contact.
pub async fn ids_after(tx: &mut Tx, after: i64, limit: u64) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            &Query::select()
                .column(Contacts::Id)
                .from(Contacts::Table)
                .and_where(Expr::col(Contacts::Id).gt(after))
                .order_by(Contacts::Id, Order::Asc)
                .limit(limit)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// What a contact list may be narrowed by. Every filter given must hold.
#[derive(Debug, Default, Clone)]
pub struct ContactFilter {
    pub text: Option<TextQuery>,
    pub organisation_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub country: Option<String>,
    pub tag: Option<String>,
    pub member_level: Option<String>,
    pub source_channel: Option<String>,
    /// Custom field key (checked identifier) and value.
    pub custom: Vec<(String, String)>,
    /// Keyset cursor: only contacts with a smaller id.
    pub before_id: Option<i64>,
}

/// Newest first, keyset-paged by id; merged-away contacts are left out.
pub async fn list(db: &Db, filter: &ContactFilter, limit: u64) -> StoreResult<Vec<ContactRow>> {
    let c = Contacts::Table;
    let mut q = select();
    q.and_where(Expr::col((c, Contacts::MergedInto)).is_null())
        .order_by((c, Contacts::Id), Order::Desc)
        .limit(limit);
    if let Some(text) = &filter.text {
        restrict(db, &mut q, "contacts", text, filter.before_id).await?;
    }
    if let Some(id) = filter.before_id {
        q.and_where(Expr::col((c, Contacts::Id)).lt(id));
    }
    if let Some(id) = filter.organisation_id {
        q.and_where(Expr::col((c, Contacts::OrganisationId)).eq(id));
    }
    if let Some(id) = filter.owner_id {
        q.and_where(Expr::col((c, Contacts::OwnerId)).eq(id));
    }
    if let Some(country) = &filter.country {
        q.and_where(Expr::col((c, Contacts::Country)).eq(country.as_str()));
    }
    if let Some(level) = &filter.member_level {
        q.and_where(Expr::col((c, Contacts::MemberLevel)).eq(level.as_str()));
    }
    if let Some(source) = &filter.source_channel {
        q.and_where(Expr::col((c, Contacts::SourceChannel)).eq(source.as_str()));
    }
    if let Some(tag) = &filter.tag {
        q.and_where(Expr::col((c, Contacts::Id)).in_subquery(tagged("contact", tag)));
    }
    for (key, value) in &filter.custom {
        custom_equals(&mut q, db.backend(), "contacts", key, value);
    }
    db.fetch_all(&q).await
}

/// Replaces a contact's tag rows (the filter index) with `tags`.
pub(crate) async fn set_tags(
    tx: &mut Tx,
    entity: &str,
    id: i64,
    tags: &[String],
) -> StoreResult<()> {
    tx.execute(
        &Query::delete()
            .from_table(EntityTags::Table)
            .and_where(Expr::col(EntityTags::Entity).eq(entity))
            .and_where(Expr::col(EntityTags::EntityId).eq(id))
            .take(),
    )
    .await?;
    if tags.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table(EntityTags::Table).columns([
        EntityTags::Entity,
        EntityTags::EntityId,
        EntityTags::Tag,
    ]);
    for tag in tags {
        q.values_panic([entity.into(), id.into(), tag.as_str().into()]);
    }
    tx.execute(&q).await?;
    Ok(())
}

/// The contact behind a channel identity (`widget_visitor`, `api`, `phone`, `email` …).
pub async fn find_by_identity(tx: &mut Tx, kind: &str, value: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx.fetch_optional(&identity_owner(kind, value)).await?;
    Ok(row.map(|(id,)| id))
}

/// An identity's value with ASCII letters folded, as SQL for the database: the same fold
/// on both (SQLite's `LOWER` folds only ASCII; PostgreSQL's does so under the `C`
/// collation). Migration 22 indexes it.
pub fn folded_value(backend: crate::db::Backend) -> &'static str {
    match backend {
        crate::db::Backend::Sqlite => "LOWER(value)",
        crate::db::Backend::Postgres => "LOWER(value COLLATE \"C\")",
    }
}

/// The contacts owning these email addresses, whatever case their ASCII letters are
/// written in (`Li.Wei@…` is `li.wei@…`): `(address with ASCII folded, contact_id)`, the
/// earliest identity last (so it wins when collected into a map).
pub async fn owners_of_emails(tx: &mut Tx, addresses: &[&str]) -> StoreResult<Vec<(String, i64)>> {
    let folded: Vec<String> = addresses.iter().map(|a| a.to_ascii_lowercase()).collect();
    let value = folded_value(tx.backend());
    let mut out = Vec::new();
    for chunk in folded.chunks(500) {
        let rows: Vec<(String, i64)> = tx
            .fetch_all(
                &Query::select()
                    .expr(Expr::cust(value))
                    .column(ContactIdentities::ContactId)
                    .from(ContactIdentities::Table)
                    .and_where(Expr::col(ContactIdentities::Kind).eq("email"))
                    .and_where(Expr::cust(value).is_in(chunk.iter().map(String::as_str)))
                    .order_by(ContactIdentities::Id, Order::Desc)
                    .take(),
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// The same lookup outside a transaction (a reader, on SQLite).
pub async fn contact_for_identity(db: &Db, kind: &str, value: &str) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = db.fetch_optional(&identity_owner(kind, value)).await?;
    Ok(row.map(|(id,)| id))
}

fn identity_owner(kind: &str, value: &str) -> SelectStatement {
    Query::select()
        .column(ContactIdentities::ContactId)
        .from(ContactIdentities::Table)
        .and_where(Expr::col(ContactIdentities::Kind).eq(kind))
        .and_where(Expr::col(ContactIdentities::Value).eq(value))
        .take()
}

/// A contact's identities, phones first, then emails, then handles, in the order added.
pub async fn identities(db: &Db, contact_id: i64) -> StoreResult<Vec<IdentityRow>> {
    db.fetch_all(&identities_of(contact_id)).await
}

pub async fn identities_in_tx(tx: &mut Tx, contact_id: i64) -> StoreResult<Vec<IdentityRow>> {
    tx.fetch_all(&identities_of(contact_id)).await
}

fn identities_of(contact_id: i64) -> SelectStatement {
    Query::select()
        .columns([
            ContactIdentities::Id,
            ContactIdentities::ContactId,
            ContactIdentities::Kind,
            ContactIdentities::Value,
            ContactIdentities::Label,
        ])
        .from(ContactIdentities::Table)
        .and_where(Expr::col(ContactIdentities::ContactId).eq(contact_id))
        .order_by(ContactIdentities::Id, Order::Asc)
        .take()
}

pub async fn add_identity(
    tx: &mut Tx,
    contact_id: i64,
    identity: &NewIdentity,
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(ContactIdentities::Table)
            .columns([
                ContactIdentities::ContactId,
                ContactIdentities::Kind,
                ContactIdentities::Value,
                ContactIdentities::Label,
                ContactIdentities::CreatedAt,
            ])
            .values_panic([
                contact_id.into(),
                identity.kind.as_str().into(),
                identity.value.as_str().into(),
                identity.label.clone().into(),
                now.into(),
            ])
            .take(),
    )
    .await?;
    Ok(())
}

/// Replaces the contact's identities of `kinds` (the ones people edit) with `list`.
/// A value that belongs to another contact fails with `Conflict`.
pub async fn replace_identities(
    tx: &mut Tx,
    contact_id: i64,
    kinds: &[&str],
    list: &[NewIdentity],
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::delete()
            .from_table(ContactIdentities::Table)
            .and_where(Expr::col(ContactIdentities::ContactId).eq(contact_id))
            .and_where(Expr::col(ContactIdentities::Kind).is_in(kinds.iter().copied()))
            .take(),
    )
    .await?;
    for identity in list {
        add_identity(tx, contact_id, identity, now).await?;
    }
    Ok(())
}

/// The live contacts of an organisation.
pub async fn of_organisation(tx: &mut Tx, organisation_id: i64) -> StoreResult<Vec<ContactRow>> {
    tx.fetch_all(
        &select()
            .and_where(Expr::col((Contacts::Table, Contacts::OrganisationId)).eq(organisation_id))
            .and_where(Expr::col((Contacts::Table, Contacts::MergedInto)).is_null())
            .take(),
    )
    .await
}

pub async fn set_search_tokens(tx: &mut Tx, id: i64, tokens: &str) -> StoreResult<()> {
    tx.execute(
        &Query::update()
            .table(Contacts::Table)
            .value(Contacts::SearchTokens, tokens)
            .and_where(Expr::col(Contacts::Id).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}
