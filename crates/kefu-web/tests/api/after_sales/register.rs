//! The returns register (退货登记表): filters, paging, and exports that hold its rows.

use super::{opened, paid_order, walk};
use crate::helpers::{TestApp, status_and_json as body};
use crate::orders::store;
use reqwest::StatusCode;
use serde_json::json;

async fn ids(t: &TestApp, query: &str) -> Vec<i64> {
    t.listed_ids(&format!("/api/v1/after-sales?{query}")).await
}

fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date()
        .to_string()
}

#[tokio::test]
async fn the_register_filters_by_store_status_reason_kind_sku_and_day_and_exports_its_rows() {
    let t = TestApp::spawn().await;
    let (a, _) = store(&t, "丝施天猫店", "CNY").await;
    let (b, _) = store(&t, "丝施京东店", "CNY").await;
    let (o1, [bt1, _]) = paid_order(&t, a, "E8001", Some(2)).await;
    let (o2, [_, sleeve2]) = paid_order(&t, a, "E8002", Some(2)).await;
    let (o3, [bt3, sleeve3]) = paid_order(&t, b, "E8003", Some(2)).await;
    let size = opened(&t, o1, json!({ "kind": "return", "reason": "size", "items": [{ "order_item_id": bt1, "quantity": 2 }], "return_waybill": "YT8000001", "return_carrier": "圆通" })).await;
    let quality = opened(&t, o2, json!({ "kind": "refund_only", "reason": "quality", "items": [{ "order_item_id": sleeve2, "quantity": 1 }] })).await;
    walk(&t, quality, &[json!({ "to": "approved" })]).await;
    let damaged = opened(&t, o3, json!({ "kind": "reship", "reason": "damaged", "items": [{ "order_item_id": bt3, "quantity": 1 }, { "order_item_id": sleeve3, "quantity": 1 }] })).await;

    assert_eq!(ids(&t, "").await, [damaged, quality, size], "newest first");
    assert_eq!(ids(&t, &format!("store_id={b}")).await, [damaged]);
    assert_eq!(ids(&t, &format!("order_id={o2}")).await, [quality]);
    assert_eq!(ids(&t, "status=approved").await, [quality]);
    assert_eq!(ids(&t, "reason=size").await, [size]);
    assert_eq!(ids(&t, "kind=reship").await, [damaged]);
    assert_eq!(ids(&t, "sku=BT-01").await, [damaged, size]);
    let day = today();
    assert_eq!(ids(&t, &format!("from={day}&to={day}")).await.len(), 3);
    let tomorrow: jiff::civil::Date = day.parse().unwrap();
    let tomorrow = tomorrow.tomorrow().unwrap();
    assert!(ids(&t, &format!("from={tomorrow}")).await.is_empty());
    assert_eq!(ids(&t, "limit=2").await, [damaged, quality]);
    assert_eq!(
        ids(&t, &format!("cursor={quality}")).await,
        [size],
        "the next page"
    );
    for bad in [
        "status=lost",
        "kind=swap",
        "from=yesterday",
        "tz=Mars/Olympus",
    ] {
        let (status, e) = body(
            t.get(&format!("/api/v1/after-sales?{bad}"), &t.admin_token)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }
    let (_, page) = body(
        t.get("/api/v1/after-sales?reason=size", &t.admin_token)
            .await,
    )
    .await;
    let row = &page["data"][0];
    assert_eq!(
        (
            row["items"][0]["sku"].as_str(),
            row["items"][0]["quantity"].as_i64()
        ),
        (Some("BT-01"), Some(2))
    );
    assert_eq!(
        (row["return_waybill"].as_str(), row["store_name"].as_str()),
        (Some("YT8000001"), Some("丝施天猫店"))
    );

    // Exports: one line per item, the filters apply; supervisors and up.
    let agent = t.user_token("agent@shop.test", "小王", "agent").await;
    let (status, _) = body(t.get("/api/v1/after-sales/export?format=csv", &agent).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let csv = export(&t, &format!("format=csv&store_id={a}")).await;
    assert_eq!(
        csv.headers[..4],
        ["case_id", "opened_at", "store", "order_number"]
    );
    assert_eq!(csv.rows.len(), 2, "two cases of store A, one item each");
    let col = |name: &str| csv.headers.iter().position(|h| h == name).unwrap();
    let size_row = csv
        .rows
        .iter()
        .find(|r| r.cells[col("case_id")] == size.to_string())
        .unwrap();
    assert_eq!(size_row.cells[col("return_waybill")], "YT8000001");
    assert_eq!(size_row.cells[col("quantity")], "2");
    assert_eq!(
        size_row.cells[col("reason_label")],
        "Wrong size",
        "labels in the asker's language"
    );
    assert_eq!(size_row.cells[col("refund")], "199.00");
    assert_eq!(size_row.cells[col("inside_window")], "yes");
    let xlsx = export(&t, "format=xlsx&kind=reship").await;
    assert_eq!(xlsx.rows.len(), 2, "the reship case has two items");
    let xcol = |name: &str| xlsx.headers.iter().position(|h| h == name).unwrap();
    assert_eq!(xlsx.rows[0].cells[xcol("order_number")], "E8003");
    let skus: Vec<&str> = xlsx
        .rows
        .iter()
        .map(|r| r.cells[xcol("sku")].as_str())
        .collect();
    assert_eq!(skus, ["BT-01", ""]);
    let exports: i64 = {
        use sea_query::{Alias, Expr, ExprTrait, Query};
        let q = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(Alias::new("audit_log"))
            .and_where(Expr::col(Alias::new("action")).eq("after_sales.exported"))
            .take();
        t.app().db.fetch_one::<(i64,)>(&q).await.unwrap().0
    };
    assert_eq!(exports, 2, "each export is audited");
}

async fn export(t: &TestApp, query: &str) -> kefu_sheets::Sheet {
    let r = t
        .get(
            &format!("/api/v1/after-sales/export?{query}"),
            &t.admin_token,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("returns-register-"), "{disposition}");
    let bytes = r.bytes().await.unwrap();
    kefu_sheets::read(&bytes, kefu_sheets::Format::sniff(&bytes)).unwrap()
}
