//! The returns register (退货登记表) — every case with its reason, items, quantities and
//! return waybill, filtered, paged and exported as .xlsx or .csv — and the loss view.

use crate::archive::present;
use crate::transfer::FileOut;
use crate::{Actor, App, AppResult};
use kefu_domain::after_sale::{CaseKind, CaseStatus};
use kefu_domain::time::now_ms;
use kefu_domain::{Currency, Invalid, Money, Permission, TimeZoneName, UiLocale};
use kefu_sheets::Format;
use kefu_store::after_sales::losses::{self, LossBy, LossRow};
use kefu_store::after_sales::register::{self, CaseFilter};
use kefu_store::after_sales::{self as store, CaseItemRow, CaseRow, config};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Rows an export reads per page.
const EXPORT_PAGE: u64 = 1_000;
/// Most rows one export writes.
const EXPORT_MAX: usize = 100_000;

/// What the register is narrowed to. Days are whole days in `tz`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct RegisterQuery {
    pub store_id: Option<i64>,
    pub order_id: Option<i64>,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub kind: Option<String>,
    /// Cases with an item of this SKU.
    pub sku: Option<String>,
    /// Opened on or after this day (`2026-11-01`).
    pub from: Option<String>,
    /// Opened on or before this day.
    pub to: Option<String>,
    /// The time zone of the days (default: the store's when `store_id` is given, else Asia/Shanghai).
    pub tz: Option<String>,
    /// Only cases not yet closed or rejected.
    pub open: Option<bool>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    pub limit: Option<u64>,
}

/// A register line: the case and its items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterRow {
    #[serde(flatten)]
    pub case: CaseRow,
    pub items: Vec<CaseItemRow>,
}

/// The time zone days are read in.
async fn zone(
    app: &App,
    tz: &Option<String>,
    store_id: Option<i64>,
) -> AppResult<jiff::tz::TimeZone> {
    let name = match (present(tz), store_id) {
        (Some(t), _) => TimeZoneName::parse(t)?.as_str().to_owned(),
        (None, Some(s)) => kefu_store::stores::find(&app.db, s)
            .await?
            .map_or_else(|| "Asia/Shanghai".to_owned(), |s| s.time_zone),
        (None, None) => "Asia/Shanghai".to_owned(),
    };
    Ok(jiff::tz::TimeZone::get(&name).unwrap_or(jiff::tz::TimeZone::UTC))
}

/// The start of a day in `tz` (UTC ms); `next` gives the start of the following day.
fn day_start(
    field: &'static str,
    day: &str,
    tz: &jiff::tz::TimeZone,
    next: bool,
) -> AppResult<i64> {
    let bad = || {
        Invalid::new(
            field,
            "invalid_date",
            format!("'{day}' is not a day such as 2026-11-01"),
        )
    };
    let mut date: jiff::civil::Date = day.trim().parse().map_err(|_| bad())?;
    if next {
        date = date.tomorrow().map_err(|_| bad())?;
    }
    let start = date.to_zoned(tz.clone()).map_err(|_| bad())?;
    Ok(start.timestamp().as_millisecond())
}

async fn filter_of(app: &App, q: &RegisterQuery) -> AppResult<CaseFilter> {
    let tz = zone(app, &q.tz, q.store_id).await?;
    let word = |v: &Option<String>, parse: fn(&str) -> Result<&'static str, Invalid>| {
        present(v).map(parse).transpose()
    };
    Ok(CaseFilter {
        store_id: q.store_id,
        order_id: q.order_id,
        status: word(&q.status, |s| CaseStatus::parse(s).map(CaseStatus::as_str))?
            .map(str::to_owned),
        kind: word(&q.kind, |s| CaseKind::parse(s).map(CaseKind::as_str))?.map(str::to_owned),
        reason: present(&q.reason).map(str::to_owned),
        sku: present(&q.sku).map(str::to_owned),
        created_from: present(&q.from)
            .map(|d| day_start("from", d, &tz, false))
            .transpose()?,
        created_to: present(&q.to)
            .map(|d| day_start("to", d, &tz, true))
            .transpose()?,
        open_only: q.open.unwrap_or(false),
        before_id: q.cursor,
    })
}

async fn with_items(app: &App, cases: Vec<CaseRow>) -> AppResult<Vec<RegisterRow>> {
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let mut items = store::items_of(&app.db, &ids).await?;
    Ok(cases
        .into_iter()
        .map(|case| {
            let (mine, rest) = items.drain(..).partition(|i| i.case_id == case.id);
            items = rest;
            RegisterRow { case, items: mine }
        })
        .collect())
}

/// A page of the register, newest first.
pub async fn list_cases(
    app: &App,
    actor: &Actor,
    q: &RegisterQuery,
    limit: u64,
) -> AppResult<Vec<RegisterRow>> {
    actor.require(Permission::WorkConversations)?;
    let filter = filter_of(app, q).await?;
    let cases = register::list(&app.db, &filter, limit).await?;
    with_items(app, cases).await
}

/// The register's columns, in file order.
pub const COLUMNS: [&str; 22] = [
    "case_id",
    "opened_at",
    "store",
    "order_number",
    "buyer",
    "kind",
    "reason",
    "reason_label",
    "status",
    "sku",
    "item",
    "spec",
    "quantity",
    "currency",
    "refund",
    "reship_cost",
    "return_carrier",
    "return_waybill",
    "policy_days",
    "policy_last_day",
    "inside_window",
    "rejection_reason",
];

fn money(minor: i64, currency: &str) -> String {
    Currency::parse(currency)
        .map_or_else(|_| minor.to_string(), |c| Money::new(minor, c).to_decimal())
}

/// One line per item; the case's amounts on its first line only, so columns add up.
fn lines(row: &RegisterRow, label: &str) -> Vec<Vec<String>> {
    let c = &row.case;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let opened = jiff::Timestamp::from_millisecond(c.created_at)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default();
    row.items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let amount = |v: i64| {
                if n == 0 {
                    money(v, &c.currency)
                } else {
                    String::new()
                }
            };
            vec![
                c.id.to_string(),
                opened.clone(),
                c.store_name.clone(),
                c.order_number.clone(),
                text(&c.buyer_name),
                c.kind.clone(),
                c.reason.clone(),
                label.to_owned(),
                c.status.clone(),
                text(&i.sku),
                i.name.clone(),
                text(&i.spec),
                i.quantity.to_string(),
                c.currency.clone(),
                amount(c.refund_minor),
                amount(c.reship_cost_minor),
                text(&c.return_carrier),
                text(&c.return_waybill),
                c.policy_days.to_string(),
                text(&c.policy_last_day),
                if c.policy_inside { "yes" } else { "no" }.to_owned(),
                text(&c.rejection_reason),
            ]
        })
        .collect()
}

/// Every case the filters select as .xlsx or .csv, one line per item (supervisors and
/// up; audited).
pub async fn export_register(
    app: &App,
    actor: &Actor,
    q: &RegisterQuery,
    format: Format,
) -> AppResult<FileOut> {
    actor.require(Permission::DecideAfterSales)?;
    let mut filter = filter_of(app, q).await?;
    let labels = config::reasons(&app.db).await?;
    let label = |key: &str| {
        labels
            .iter()
            .find(|r| r.key == key)
            .map_or(key.to_owned(), |r| match actor.locale {
                UiLocale::ZhCn => r.label_zh.clone(),
                UiLocale::En => r.label_en.clone(),
            })
    };
    let mut rows = Vec::new();
    loop {
        let cases = register::list(&app.db, &filter, EXPORT_PAGE).await?;
        let full = cases.len() as u64 == EXPORT_PAGE;
        filter.before_id = cases.last().map(|c| c.id);
        for r in with_items(app, cases).await? {
            rows.extend(lines(&r, &label(&r.case.reason)));
        }
        if !full || rows.len() >= EXPORT_MAX {
            break;
        }
    }
    rows.truncate(EXPORT_MAX);
    let count = rows.len();
    let bytes = kefu_sheets::write(&COLUMNS, rows, format)
        .map_err(|e| Invalid::new("format", "export_failed", e.to_string()))?;
    let date = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S");
    let file = FileOut {
        file_name: format!("returns-register-{date}.{}", format.extension()),
        content_type: format.content_type(),
        bytes,
        rows: count,
    };
    let filters = json!({
        "store_id": q.store_id, "order_id": q.order_id, "status": q.status, "reason": q.reason,
        "kind": q.kind, "sku": q.sku, "from": q.from, "to": q.to, "tz": q.tz, "open": q.open,
    });
    let detail = json!({ "filters": filters, "rows": count, "file_name": file.file_name });
    kefu_store::audit::record(
        &app.db,
        Some(actor.user_id),
        "after_sales.exported",
        "after_sales_cases",
        &detail.to_string(),
        now_ms(),
    )
    .await?;
    Ok(file)
}

/// The period and scope of the loss view. Days are whole days in `tz`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct LossQuery {
    /// The first day (`2026-11-01`).
    pub from: String,
    /// The last day, included.
    pub to: String,
    pub store_id: Option<i64>,
    /// The time zone of the days (default: the store's when `store_id` is given, else Asia/Shanghai).
    pub tz: Option<String>,
}

/// Refunds and re-shipment costs of the cases settled in the period, by reason, SKU and store.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LossView {
    pub from: String,
    pub to: String,
    pub by_reason: Vec<LossRow>,
    pub by_sku: Vec<LossRow>,
    pub by_store: Vec<LossRow>,
}

/// The loss view (supervisors and up).
pub async fn loss_view(app: &App, actor: &Actor, q: &LossQuery) -> AppResult<LossView> {
    actor.require(Permission::DecideAfterSales)?;
    let tz = zone(app, &q.tz, q.store_id).await?;
    let from = day_start("from", &q.from, &tz, false)?;
    let to = day_start("to", &q.to, &tz, true)?;
    if to <= from {
        return Err(Invalid::new(
            "to",
            "invalid_period",
            "the last day is on or after the first",
        )
        .into());
    }
    let db = &app.db;
    Ok(LossView {
        from: q.from.trim().to_owned(),
        to: q.to.trim().to_owned(),
        by_reason: losses::losses(db, LossBy::Reason, from, to, q.store_id).await?,
        by_sku: losses::losses(db, LossBy::Sku, from, to, q.store_id).await?,
        by_store: losses::losses(db, LossBy::Store, from, to, q.store_id).await?,
    })
}
