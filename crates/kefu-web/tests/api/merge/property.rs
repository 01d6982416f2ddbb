//! Property: after any merge, no row in any table references the removed record, and
//! nothing was lost. Referencing columns are read from the schema itself (foreign keys),
//! plus the polymorphic ones, so tables added later are covered without changing this.

use crate::helpers::TestApp;
use kefu_app::contacts::{ContactInput, HandleInput};
use kefu_app::merge::Entity;
use kefu_app::organisations::OrganisationInput;
use kefu_app::timeline::TimelineInput;
use kefu_app::{Actor, AppError};
use kefu_store::Db;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use sea_query::{Alias, Expr, ExprTrait, Query};

#[derive(Debug, Clone)]
enum Customer {
    /// Created in the archive, with some of phone, email, handle, organisation and tags.
    Archive {
        organisation: Option<usize>,
        phone: bool,
        email: bool,
        handle: bool,
        tags: Vec<&'static str>,
        notes: usize,
    },
    /// Wrote in through an API inbox: a conversation with some messages.
    Channel { messages: usize },
}

#[derive(Debug, Clone)]
struct Case {
    organisations: usize,
    customers: Vec<Customer>,
    /// (organisations?, survivor index, removed index)
    merges: Vec<(bool, usize, usize)>,
}

fn customer() -> impl Strategy<Value = Customer> {
    prop_oneof![
        (
            proptest::option::of(0usize..3),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            proptest::sample::subsequence(vec!["VIP", "展会", "样品"], 0..=3),
            0usize..3,
        )
            .prop_map(|(organisation, phone, email, handle, tags, notes)| {
                Customer::Archive {
                    organisation,
                    phone,
                    email,
                    handle,
                    tags,
                    notes,
                }
            }),
        (1usize..4).prop_map(|messages| Customer::Channel { messages }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..4,
        proptest::collection::vec(customer(), 2..7),
        proptest::collection::vec((any::<bool>(), 0usize..7, 0usize..7), 1..6),
    )
        .prop_map(|(organisations, customers, merges)| Case {
            organisations,
            customers,
            merges,
        })
}

/// Columns that hold an id of `table`: its foreign keys, read from the database.
async fn referencing_columns(db: &Db, table: &str) -> Vec<(String, String)> {
    match db {
        Db::Sqlite { read, .. } => sqlx::query_as(
            "SELECT m.name, p.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) p \
             WHERE m.type = 'table' AND p.\"table\" = ?",
        )
        .bind(table)
        .fetch_all(read)
        .await
        .expect("sqlite foreign keys"),
        Db::Postgres { pool, .. } => sqlx::query_as(
            "SELECT k.table_name::text, k.column_name::text \
             FROM information_schema.referential_constraints r \
             JOIN information_schema.key_column_usage k \
               ON k.constraint_name = r.constraint_name AND k.constraint_schema = r.constraint_schema \
             JOIN information_schema.constraint_column_usage u \
               ON u.constraint_name = r.unique_constraint_name AND u.constraint_schema = r.unique_constraint_schema \
             WHERE r.constraint_schema = current_schema() AND u.table_name = $1",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .expect("postgres foreign keys"),
    }
}

async fn count(db: &Db, table: &str, conditions: &[(&str, sea_query::Value)]) -> i64 {
    let mut q = Query::select();
    q.expr(Expr::cust("COUNT(*)")).from(Alias::new(table));
    for (column, value) in conditions {
        q.and_where(Expr::col(Alias::new(*column)).eq(value.clone()));
    }
    let (n,): (i64,) = db.fetch_one(&q).await.expect("count");
    n
}

/// Every row that still points at `removed` of `entity` (table, column, rows).
async fn references_to(db: &Db, entity: Entity, removed: i64) -> Vec<(String, String, i64)> {
    let (table, name) = match entity {
        Entity::Contact => ("contacts", "contact"),
        Entity::Organisation => ("organisations", "organisation"),
    };
    let mut found = Vec::new();
    for (t, column) in referencing_columns(db, table).await {
        let n = count(db, &t, &[(&column, removed.into())]).await;
        found.push((t, column, n));
    }
    let polymorphic = [
        ("entity_tags", "entity_id"),
        ("duplicate_keys", "entity_id"),
        ("duplicate_dismissals", "first_id"),
        ("duplicate_dismissals", "second_id"),
    ];
    for (t, column) in polymorphic {
        let n = count(db, t, &[("entity", name.into()), (column, removed.into())]).await;
        found.push((t.into(), column.into(), n));
    }
    // Records merged into the removed one earlier now point at the survivor.
    let n = count(db, table, &[("merged_into", removed.into())]).await;
    found.push((table.into(), "merged_into".into(), n));
    found
}

async fn totals(db: &Db) -> [i64; 4] {
    let mut out = [0; 4];
    for (i, t) in [
        "conversations",
        "messages",
        "contact_identities",
        "timeline_entries",
    ]
    .into_iter()
    .enumerate()
    {
        out[i] = count(db, t, &[]).await;
    }
    out
}

/// Builds a case's archive; returns its organisation and contact ids.
async fn build(t: &TestApp, actor: &Actor, inbox: i64, n: usize, c: &Case) -> (Vec<i64>, Vec<i64>) {
    let app = t.app();
    let mut orgs = Vec::new();
    for k in 0..c.organisations {
        let input = OrganisationInput {
            name: format!("Case {n} Org {k}"),
            tags: vec!["渠道".into()],
            ..Default::default()
        };
        let o = kefu_app::organisations::create_organisation(app, actor, &input, true).await;
        orgs.push(o.expect("organisation").id);
    }
    let mut contacts = Vec::new();
    for (i, customer) in c.customers.iter().enumerate() {
        let id = match customer {
            Customer::Archive {
                organisation,
                phone,
                email,
                handle,
                tags,
                notes,
            } => {
                let input = ContactInput {
                    name: format!("客户 {n}-{i}"),
                    organisation_id: organisation.and_then(|k| orgs.get(k).copied()),
                    phone: phone.then(|| format!("+86138{n:04}{i:04}")),
                    email: email.then(|| format!("c{n}.{i}@example.com")),
                    handles: handle
                        .then(|| HandleInput {
                            kind: "wechat".into(),
                            value: format!("wx{n}_{i}"),
                            label: None,
                        })
                        .into_iter()
                        .collect(),
                    tags: tags.iter().map(|t| t.to_string()).collect(),
                    ..Default::default()
                };
                let id = kefu_app::contacts::create_contact(app, actor, &input)
                    .await
                    .expect("contact")
                    .contact
                    .id;
                for k in 0..*notes {
                    let note = TimelineInput::Note {
                        body: format!("note {k}"),
                    };
                    kefu_app::timeline::add_entry(app, actor, id, &note)
                        .await
                        .expect("note");
                }
                id
            }
            Customer::Channel { messages } => {
                let mut id = 0;
                for m in 0..*messages {
                    let handle = format!("h{n}_{i}");
                    let body = format!("message {m}");
                    let posted = kefu_app::widget::api_inbound(
                        app, actor, inbox, &handle, "买家", &body, None,
                    )
                    .await
                    .expect("inbound");
                    let conversation = kefu_app::conversations::get_conversation(
                        app,
                        actor,
                        posted.message.conversation_id,
                    )
                    .await
                    .expect("conversation");
                    id = conversation.contact_id;
                }
                id
            }
        };
        contacts.push(id);
    }
    (orgs, contacts)
}

#[tokio::test]
async fn after_any_merge_nothing_references_the_removed_record_and_nothing_is_lost() {
    let t = TestApp::spawn().await;
    let actor = kefu_app::auth::token_actor(t.app(), &t.admin_token)
        .await
        .expect("actor");
    let db = t.app().db.clone();
    let checked = referencing_columns(&db, "contacts").await;
    for expected in [
        "conversations",
        "messages",
        "contact_identities",
        "timeline_entries",
    ] {
        assert!(
            checked.iter().any(|(t, _)| t == expected),
            "schema read: {expected} in {checked:?}"
        );
    }
    let inbox = kefu_app::inboxes::create_inbox(
        t.app(),
        &actor,
        "api",
        &kefu_app::inboxes::InboxInput {
            name: "WhatsApp bridge",
            greeting: None,
            auto_reply: None,
            team_id: None,
            shop_name: None,
        },
    )
    .await
    .expect("inbox")
    .id;

    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 20,
            ..Config::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let strategy = case();
    let mut merged = [0; 2];
    for n in 0..20 {
        let c = strategy.new_tree(&mut runner).expect("case").current();
        let (orgs, contacts) = build(&t, &actor, inbox, n, &c).await;
        for &(organisations, s, l) in &c.merges {
            let (list, entity) = if organisations {
                (&orgs, Entity::Organisation)
            } else {
                (&contacts, Entity::Contact)
            };
            let (survivor, removed) = (list[s % list.len()], list[l % list.len()]);
            let before = totals(&db).await;
            let result = match entity {
                Entity::Contact => {
                    kefu_app::merge::merge_contacts(t.app(), &actor, survivor, removed)
                        .await
                        .map(drop)
                }
                Entity::Organisation => {
                    kefu_app::merge::merge_organisations(t.app(), &actor, survivor, removed)
                        .await
                        .map(drop)
                }
            };
            match result {
                Ok(()) => merged[usize::from(organisations)] += 1,
                Err(AppError::Invalid(_)) => {
                    assert_eq!(survivor, removed, "case {n}: {c:?}");
                    continue;
                }
                Err(AppError::Conflict {
                    code: "already_merged",
                    ..
                }) => continue,
                Err(e) => panic!("case {n}: merging {removed} into {survivor} failed: {e}\n{c:?}"),
            }
            let after = totals(&db).await;
            assert_eq!(
                after[..3],
                before[..3],
                "case {n}: conversations, messages, identities kept\n{c:?}"
            );
            assert_eq!(
                after[3],
                before[3] + 1,
                "case {n}: timeline kept, plus the merge entry\n{c:?}"
            );
            for (table, column, rows) in references_to(&db, entity, removed).await {
                assert_eq!(
                    rows, 0,
                    "case {n}: {table}.{column} still references {removed}\n{c:?}"
                );
            }
        }
    }
    assert!(
        merged[0] >= 10 && merged[1] >= 5,
        "enough merges were tried: {merged:?}"
    );
}
