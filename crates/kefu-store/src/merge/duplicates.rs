//! Likely duplicates: normalised keys kept with each record, pairs sharing a key found
//! by an indexed self-join, and pairs people dismissed as different customers.

use crate::batch::{CHUNK, fetch_in_chunks};
use crate::schema::{Contacts, DuplicateDismissals, DuplicateKeys, Organisations};
use crate::{Db, StoreResult, Tx};
use sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Order, Query, SelectStatement};
use std::collections::{BTreeMap, BTreeSet};

/// A key kind (`phone`, `email`, `name` …) and its normalised value.
pub type Key = (String, String);

fn of(entity: &str, id: i64) -> sea_query::Condition {
    sea_query::Condition::all()
        .add(Expr::col(DuplicateKeys::Entity).eq(entity))
        .add(Expr::col(DuplicateKeys::EntityId).eq(id))
}

/// Replaces the keys of one record, keeping `shared` right for every key it gained or lost.
pub async fn set_keys(tx: &mut Tx, entity: &str, id: i64, keys: &BTreeSet<Key>) -> StoreResult<()> {
    set_keys_many(tx, entity, &[(id, keys.clone())]).await
}

/// Replaces the keys of many records at once (an import batch, a backfill page) in a
/// few statements per chunk, keeping `shared` right: only rows whose state changes
/// are written, so a key held by thousands of records costs one count, not a rewrite.
pub async fn set_keys_many(
    tx: &mut Tx,
    entity: &str,
    records: &[(i64, BTreeSet<Key>)],
) -> StoreResult<()> {
    let ids: Vec<i64> = records.iter().map(|(id, _)| *id).collect();
    let stored: Vec<(i64, String, String)> = fetch_in_chunks(tx, &ids, |chunk| {
        Query::select()
            .columns([
                DuplicateKeys::EntityId,
                DuplicateKeys::Kind,
                DuplicateKeys::Key,
            ])
            .from(DuplicateKeys::Table)
            .and_where(Expr::col(DuplicateKeys::Entity).eq(entity))
            .and_where(Expr::col(DuplicateKeys::EntityId).is_in(chunk.to_vec()))
            .take()
    })
    .await?;
    let mut old: BTreeMap<i64, BTreeSet<Key>> = BTreeMap::new();
    for (id, kind, key) in stored {
        old.entry(id).or_default().insert((kind, key));
    }
    let none = BTreeSet::new();
    let (mut gained, mut lost) = (Vec::new(), Vec::new());
    for (id, keys) in records {
        let before = old.get(id).unwrap_or(&none);
        gained.extend(keys.difference(before).map(|k| (*id, k)));
        lost.extend(before.difference(keys).map(|k| (*id, k)));
    }
    for (id, (kind, key)) in &lost {
        tx.execute(
            &Query::delete()
                .from_table(DuplicateKeys::Table)
                .cond_where(of(entity, *id))
                .and_where(Expr::col(DuplicateKeys::Kind).eq(kind.as_str()))
                .and_where(Expr::col(DuplicateKeys::Key).eq(key.as_str()))
                .take(),
        )
        .await?;
    }
    for chunk in gained.chunks(CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(DuplicateKeys::Table).columns([
            DuplicateKeys::Entity,
            DuplicateKeys::EntityId,
            DuplicateKeys::Kind,
            DuplicateKeys::Key,
        ]);
        for (id, (kind, key)) in chunk {
            insert.values_panic([
                entity.into(),
                (*id).into(),
                kind.as_str().into(),
                key.as_str().into(),
            ]);
        }
        tx.execute(&insert).await?;
    }
    let touched: BTreeSet<&Key> = gained.iter().chain(&lost).map(|(_, k)| *k).collect();
    refresh_shared(tx, entity, touched).await
}

/// Sets `shared` on the holders of keys that just gained or lost a holder, writing only
/// the rows whose state changes (new rows start unshared).
async fn refresh_shared(tx: &mut Tx, entity: &str, touched: BTreeSet<&Key>) -> StoreResult<()> {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (kind, key) in touched {
        by_kind.entry(kind).or_default().push(key);
    }
    for (kind, keys) in by_kind {
        let counts: Vec<(String, i64)> = fetch_in_chunks(tx, &keys, |chunk| {
            Query::select()
                .column(DuplicateKeys::Key)
                .expr(Expr::cust("COUNT(*)"))
                .from(DuplicateKeys::Table)
                .and_where(Expr::col(DuplicateKeys::Entity).eq(entity))
                .and_where(Expr::col(DuplicateKeys::Kind).eq(kind))
                .and_where(Expr::col(DuplicateKeys::Key).is_in(chunk.iter().copied()))
                .group_by_col(DuplicateKeys::Key)
                .take()
        })
        .await?;
        for shared in [true, false] {
            let keys: Vec<&str> = counts
                .iter()
                .filter(|(_, n)| (*n > 1) == shared)
                .map(|(k, _)| k.as_str())
                .collect();
            for chunk in keys.chunks(CHUNK) {
                tx.execute(
                    &Query::update()
                        .table(DuplicateKeys::Table)
                        .value(DuplicateKeys::Shared, shared)
                        .and_where(Expr::col(DuplicateKeys::Entity).eq(entity))
                        .and_where(Expr::col(DuplicateKeys::Kind).eq(kind))
                        .and_where(Expr::col(DuplicateKeys::Key).is_in(chunk.iter().copied()))
                        .and_where(Expr::col(DuplicateKeys::Shared).eq(!shared))
                        .take(),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Drops a merged-away record's keys and dismissals.
pub(crate) async fn forget(tx: &mut Tx, entity: &str, id: i64) -> StoreResult<()> {
    set_keys(tx, entity, id, &BTreeSet::new()).await?;
    tx.execute(
        &Query::delete()
            .from_table(DuplicateDismissals::Table)
            .and_where(Expr::col(DuplicateDismissals::Entity).eq(entity))
            .and_where(
                Expr::col(DuplicateDismissals::FirstId)
                    .eq(id)
                    .or(Expr::col(DuplicateDismissals::SecondId).eq(id)),
            )
            .take(),
    )
    .await?;
    Ok(())
}

crate::record! {
    /// Two live records sharing a key of `kind` (`first_id < second_id`).
    #[derive(Debug, Clone, PartialEq)]
    pub struct KeyPair {
        pub first_id: i64,
        pub second_id: i64,
        pub kind: String,
    }
}

/// Keeps pairs whose side `alias` is a live record of `entity`.
fn live(q: &mut SelectStatement, entity: &str, key_alias: &str, alias: &str) {
    let k = Alias::new(key_alias);
    let t = Alias::new(alias);
    match entity {
        "contact" => {
            q.join_as(
                JoinType::InnerJoin,
                Contacts::Table,
                t.clone(),
                Expr::col((t.clone(), Contacts::Id)).equals((k, DuplicateKeys::EntityId)),
            )
            .and_where(Expr::col((t.clone(), Contacts::MergedInto)).is_null())
            .and_where(Expr::col((t, Contacts::ErasedAt)).is_null());
        }
        _ => {
            q.join_as(
                JoinType::InnerJoin,
                Organisations::Table,
                t.clone(),
                Expr::col((t.clone(), Organisations::Id)).equals((k, DuplicateKeys::EntityId)),
            )
            .and_where(Expr::col((t, Organisations::MergedInto)).is_null());
        }
    }
}

/// Pairs of live, undismissed records sharing a key, newest first: one row per pair
/// and kind, at most `rows` rows. Reads only rows marked shared, through their index.
pub async fn pairs(db: &Db, entity: &str, rows: u64) -> StoreResult<Vec<KeyPair>> {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    let dismissed = Query::select()
        .expr(Expr::val(1))
        .from(DuplicateDismissals::Table)
        .and_where(Expr::col((DuplicateDismissals::Table, DuplicateDismissals::Entity)).eq(entity))
        .and_where(
            Expr::col((DuplicateDismissals::Table, DuplicateDismissals::FirstId))
                .equals((a.clone(), DuplicateKeys::EntityId)),
        )
        .and_where(
            Expr::col((DuplicateDismissals::Table, DuplicateDismissals::SecondId))
                .equals((b.clone(), DuplicateKeys::EntityId)),
        )
        .take();
    let mut q = Query::select();
    q.expr_as(Expr::col((a.clone(), DuplicateKeys::EntityId)), "first_id")
        .expr_as(Expr::col((b.clone(), DuplicateKeys::EntityId)), "second_id")
        .expr_as(Expr::col((a.clone(), DuplicateKeys::Kind)), "kind")
        .from_as(DuplicateKeys::Table, a.clone())
        .join_as(
            JoinType::InnerJoin,
            DuplicateKeys::Table,
            b.clone(),
            Expr::col((b.clone(), DuplicateKeys::Entity))
                .equals((a.clone(), DuplicateKeys::Entity))
                .and(Expr::col((b.clone(), DuplicateKeys::Shared)).eq(true))
                .and(
                    Expr::col((b.clone(), DuplicateKeys::Kind))
                        .equals((a.clone(), DuplicateKeys::Kind)),
                )
                .and(
                    Expr::col((b.clone(), DuplicateKeys::Key))
                        .equals((a.clone(), DuplicateKeys::Key)),
                )
                .and(
                    Expr::col((b.clone(), DuplicateKeys::EntityId))
                        .gt(Expr::col((a.clone(), DuplicateKeys::EntityId))),
                ),
        )
        .and_where(Expr::col((a.clone(), DuplicateKeys::Entity)).eq(entity))
        .and_where(Expr::col((a.clone(), DuplicateKeys::Shared)).eq(true))
        .and_where(Expr::exists(dismissed).not())
        .order_by((b, DuplicateKeys::EntityId), Order::Desc)
        .order_by((a.clone(), DuplicateKeys::EntityId), Order::Desc)
        .order_by((a, DuplicateKeys::Kind), Order::Asc)
        .limit(rows);
    live(&mut q, entity, "a", "la");
    live(&mut q, entity, "b", "lb");
    db.fetch_all(&q).await
}

/// Records that `first_id` and `second_id` (first < second) are different customers.
pub async fn dismiss(
    tx: &mut Tx,
    entity: &str,
    first_id: i64,
    second_id: i64,
    by: i64,
    now: i64,
) -> StoreResult<()> {
    tx.execute(
        &Query::insert()
            .into_table(DuplicateDismissals::Table)
            .columns([
                DuplicateDismissals::Entity,
                DuplicateDismissals::FirstId,
                DuplicateDismissals::SecondId,
                DuplicateDismissals::DismissedBy,
                DuplicateDismissals::CreatedAt,
            ])
            .values_panic([
                entity.into(),
                first_id.into(),
                second_id.into(),
                by.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    DuplicateDismissals::Entity,
                    DuplicateDismissals::FirstId,
                    DuplicateDismissals::SecondId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .take(),
    )
    .await?;
    Ok(())
}

crate::record! {
    /// What the duplicates view shows of a contact (identities unmasked: mask before showing).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ContactSide {
        pub id: i64,
        pub name: String,
        pub organisation_id: Option<i64>,
        pub organisation_name: Option<String>,
        pub phone: Option<String>,
        pub email: Option<String>,
    }
}

crate::record! {
    /// What the duplicates view shows of an organisation.
    #[derive(Debug, Clone, PartialEq)]
    pub struct OrganisationSide {
        pub id: i64,
        pub name: String,
        pub country: Option<String>,
        pub tax_no: Option<String>,
        pub registration_no: Option<String>,
    }
}

pub async fn contact_sides(db: &Db, ids: &[i64]) -> StoreResult<Vec<ContactSide>> {
    let (c, o) = (Contacts::Table, Organisations::Table);
    db.fetch_all(
        &Query::select()
            .columns([
                (c, Contacts::Id),
                (c, Contacts::Name),
                (c, Contacts::OrganisationId),
                (c, Contacts::Phone),
                (c, Contacts::Email),
            ])
            .expr_as(Expr::col((o, Organisations::Name)), "organisation_name")
            .from(c)
            .left_join(
                o,
                Expr::col((o, Organisations::Id)).equals((c, Contacts::OrganisationId)),
            )
            .and_where(Expr::col((c, Contacts::Id)).is_in(ids.iter().copied()))
            .take(),
    )
    .await
}

pub async fn organisation_sides(db: &Db, ids: &[i64]) -> StoreResult<Vec<OrganisationSide>> {
    db.fetch_all(
        &Query::select()
            .columns([
                Organisations::Id,
                Organisations::Name,
                Organisations::Country,
                Organisations::TaxNo,
                Organisations::RegistrationNo,
            ])
            .from(Organisations::Table)
            .and_where(Expr::col(Organisations::Id).is_in(ids.iter().copied()))
            .take(),
    )
    .await
}
