//! Duplicate keys for records written before they existed (the backfill job) and for
//! records an import writes.

use super::{contact, duplicates, organisation, pair_of};
use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn records_without_keys_get_them_from_the_backfill_job() {
    let t = TestApp::spawn().await;
    let admin = t.admin_token.clone();
    let gmail = contact(&t, json!({ "name": "Li Wei", "email": "li.wei@gmail.com" })).await;
    let google = contact(
        &t,
        json!({ "name": "李伟", "email": "liwei@googlemail.com" }),
    )
    .await;
    let a = organisation(
        &t,
        json!({ "name": "深圳华强电子", "tax_no": "91440300MA5F000001" }),
    )
    .await;
    let b = organisation(
        &t,
        json!({ "name": "华强 Electronics", "tax_no": "91440300 MA5F 000001" }),
    )
    .await;
    assert!(pair_of(&duplicates(&t, &admin, "contact").await, gmail, google).is_some());

    // As an install upgraded from before duplicate keys: the records have none.
    let db = &t.app().db;
    db.execute(
        &sea_query::Query::delete()
            .from_table(sea_query::Alias::new("duplicate_keys"))
            .take(),
    )
    .await
    .unwrap();
    assert!(duplicates(&t, &admin, "contact").await.is_empty());
    assert!(duplicates(&t, &admin, "organisation").await.is_empty());

    let mut tx = db.begin().await.unwrap();
    for entity in ["contact", "organisation"] {
        kefu_store::jobs::enqueue(
            &mut tx,
            kefu_app::jobs::BACKFILL_DUPLICATE_KEYS,
            &format!("{entity}:0"),
            &json!({ "entity": entity, "after": 0 }),
            0,
            0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // Each entity: one page with records, then one that finds none and stops.
    assert_eq!(kefu_app::jobs::run_due(t.app()).await.unwrap(), 4);
    assert_eq!(kefu_store::jobs::pending_count(db).await.unwrap(), 0);

    let contacts = duplicates(&t, &admin, "contact").await;
    assert_eq!(
        pair_of(&contacts, gmail, google).expect("found again")["reasons"],
        json!(["same_email"])
    );
    let organisations = duplicates(&t, &admin, "organisation").await;
    assert!(
        pair_of(&organisations, a, b).expect("found again")["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("same_tax_no")),
        "{organisations:?}"
    );
    assert_eq!(contacts.len(), 1, "{contacts:?}");
}
