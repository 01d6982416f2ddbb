//! Order confirmation and changes (R-ORD-2): an agent records what the buyer asked to
//! change (a new address, another colour …) with who and when; the change is flagged on
//! the order, posted to the store's warehouse webhook if it has one, and listed (with an
//! .xlsx/.csv export) for the packing team until they mark it done — and then the buyer
//! is told, in the conversation the change was agreed in.

use crate::archive::present;
use crate::events::{append, commit};
use crate::orders::notify::{BuyerNotice, fill, tell_buyer};
use crate::scripts::order_values::{OrderValues, address};
use crate::transfer::FileOut;
use crate::{Actor, App, AppError, AppResult, UiLocale};
use kefu_domain::order::{ChangeKind, FlagColour};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_sheets::Format;
use kefu_store::order_changes::{self, NewChange, OrderChangeRow, PackingChangeRow, PackingFilter};
use kefu_store::orders::{self, Address, OrderRow};
use kefu_store::stores::StoreRow;
use kefu_store::{contacts, jobs};
use serde::Deserialize;
use serde_json::json;
use std::sync::OnceLock;
use std::time::Duration;

/// Posts a recorded change to its store's warehouse webhook.
pub const WAREHOUSE_POST: &str = "order.change_to_warehouse";
/// How long the warehouse has to answer a post.
const WAREHOUSE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an agent has to tell a buyer kefu cannot write to.
const TASK_DUE_MS: i64 = 2 * 3_600_000;
/// The most changes one export holds.
const EXPORT_MAX: usize = 10_000;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ChangeInput {
    /// `address`, `item_attribute`, `delivery` or `other`.
    pub kind: String,
    /// What changed, as the packing team should read it.
    pub description: String,
    /// The new address, for an address change.
    pub new_address: Option<Address>,
    /// The flag colour (default `red`, 红旗).
    pub flag: Option<String>,
    /// The conversation the change was agreed in; the buyer is told there when it is
    /// done (default: their most recent conversation).
    pub conversation_id: Option<i64>,
}

/// Records a change on an order with who and when, flagged for the packing team, and
/// queues its post to the store's warehouse webhook.
pub async fn record_change(
    app: &App,
    actor: &Actor,
    order_id: i64,
    input: &ChangeInput,
) -> AppResult<OrderChangeRow> {
    actor.require(Permission::WorkConversations)?;
    let kind = ChangeKind::parse(&input.kind)?;
    let description = input.description.trim();
    if description.is_empty() || description.chars().count() > 1000 {
        return Err(Invalid::new(
            "description",
            "invalid_description",
            "say what changed in 1 to 1,000 characters",
        )
        .into());
    }
    let flag = present(&input.flag)
        .map(FlagColour::parse)
        .transpose()?
        .unwrap_or(FlagColour::Red);
    let mut tx = app.db.begin().await?;
    let order = orders::find_in_tx(&mut tx, order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    if let Some(c) = input.conversation_id {
        let conversation = kefu_store::conversations::find_in_tx(&mut tx, c).await?;
        // Only the order's own buyer's: the notice carries their order and address.
        let buyers = conversation.is_some_and(|c| order.contact_id == Some(c.contact_id));
        if !buyers {
            return Err(Invalid::new(
                "conversation_id",
                "not_the_buyers_conversation",
                format!(
                    "conversation {c} is not one of this order's buyer (or the order has no buyer)"
                ),
            )
            .into());
        }
    }
    let change = NewChange {
        order_id,
        kind: kind.as_str(),
        description,
        new_address: input.new_address.as_ref(),
        flag: flag.as_str(),
        conversation_id: input.conversation_id,
        created_by: Some(actor.user_id),
    };
    let now = now_ms();
    let row = order_changes::add(&mut tx, &change, now).await?;
    let store = kefu_store::stores::find_in_tx(&mut tx, order.store_id).await?;
    if store.is_some_and(|s| s.warehouse_webhook_url.is_some()) {
        let payload = json!({ "change_id": row.id });
        let key = format!("change:{}", row.id);
        jobs::enqueue(&mut tx, WAREHOUSE_POST, &key, &payload, now, now).await?;
    }
    let payload =
        json!({ "order_id": order_id, "change_id": row.id, "kind": row.kind, "by": actor.user_id });
    append(
        app,
        &mut tx,
        "order.change_recorded",
        input.conversation_id,
        None,
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}

/// What marking a change done does besides.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AcknowledgeInput {
    /// Tell the buyer the change is done (default `true`).
    pub notify_buyer: Option<bool>,
}

/// The packing team has applied a change: it no longer counts as open on the order, and
/// (unless asked not to) the buyer is told in the conversation the change was agreed in,
/// else their most recent one — or, when kefu cannot write to them, an agent gets a task
/// to. 404 when the change was already marked done.
pub async fn acknowledge_change(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &AcknowledgeInput,
) -> AppResult<OrderChangeRow> {
    actor.require(Permission::WorkConversations)?;
    let gone = || AppError::NotFound("order change");
    let change = order_changes::find(&app.db, id)
        .await?
        .filter(|c| c.acknowledged_at.is_none())
        .ok_or_else(gone)?;
    let order = orders::find(&app.db, change.order_id)
        .await?
        .ok_or_else(gone)?;
    let notice = match input.notify_buyer.unwrap_or(true) {
        true => Some(done_text(app, &change, &order).await?),
        false => None,
    };
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let mut done = order_changes::acknowledge(&mut tx, id, actor.user_id, now)
        .await?
        .ok_or_else(gone)?;
    let mut conversation = change.conversation_id;
    if let Some(text) = &notice {
        let client_id = format!("order-change-done:{id}");
        let title = format!("{} · {}", order.order_number, change.description);
        let told = tell_buyer(
            app,
            &mut tx,
            &BuyerNotice {
                contact_id: order.contact_id,
                conversation_id: change.conversation_id,
                text: text.as_ref(),
                client_id: &client_id,
                task_kind: "order_change_done",
                task_title: &title,
                task_due_ms: TASK_DUE_MS,
            },
            now,
        )
        .await?;
        order_changes::record_buyer_notice(&mut tx, id, told.message_id, told.task_id).await?;
        (done.buyer_message_id, done.buyer_task_id) = (told.message_id, told.task_id);
        conversation = told.conversation.map(|c| c.id).or(conversation);
    }
    let payload = json!({
        "order_id": change.order_id, "change_id": id, "by": actor.user_id,
        "message_id": done.buyer_message_id, "task_id": done.buyer_task_id,
    });
    append(
        app,
        &mut tx,
        "order.change_acknowledged",
        conversation,
        None,
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await?;
    Ok(done)
}

/// The words telling the buyer a change is done: the store's own, else kefu's in the
/// buyer's language; `{{address}}` is the change's new address when it has one.
async fn done_text(
    app: &App,
    change: &OrderChangeRow,
    order: &OrderRow,
) -> AppResult<Option<kefu_domain::script::Rendered>> {
    let Some(store) = kefu_store::stores::find(&app.db, order.store_id).await? else {
        return Ok(None);
    };
    let buyer = match order.contact_id {
        Some(c) => contacts::find(&app.db, c).await?,
        None => None,
    };
    let language = buyer
        .as_ref()
        .and_then(|c| c.language.clone())
        .unwrap_or_else(|| "zh-CN".to_owned());
    let english = !language.starts_with("zh");
    let body = match &store.change_done_text {
        Some(text) => text.clone(),
        None => default_done_text(change.kind.as_str(), change.new_address.is_some(), english),
    };
    let mut values = OrderValues::of(&app.db, order).await?;
    if let Some(a) = &change.new_address {
        values.address = Some(a.0.clone());
    }
    let locale = if english { "en" } else { "zh-CN" };
    Ok(Some(fill(
        &body,
        locale,
        &store,
        buyer.as_ref(),
        order.buyer_name.as_deref(),
        &values,
    )))
}

/// kefu's own words for a change done, in Chinese or English.
fn default_done_text(kind: &str, with_address: bool, english: bool) -> String {
    let text = match (kind == "address" && with_address, english) {
        (true, false) => {
            "亲，您订单 {{order_number}} 的收货信息已经改好了，我们会按新的地址发货：{{address}}。"
        }
        (true, true) => {
            "The delivery details of your order {{order_number}} are changed; it will ship to: {{address}}."
        }
        (false, false) => {
            "亲，您订单 {{order_number}} 的修改已经处理好了，我们会按您确认的信息为您发货。"
        }
        (false, true) => {
            "The change to your order {{order_number}} is done; we will ship it as you confirmed."
        }
    };
    text.to_owned()
}

/// Which changes a packing list or export holds.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ChangeQuery {
    /// `open` (default: still to apply, oldest first), `done` or `all` (newest first).
    pub status: Option<String>,
    /// One store (default: all).
    pub store: Option<i64>,
    /// The last id of the previous page.
    pub cursor: Option<i64>,
}

fn filter_of(q: &ChangeQuery) -> AppResult<PackingFilter> {
    let open = match present(&q.status).unwrap_or("open") {
        "open" => Some(true),
        "done" => Some(false),
        "all" => None,
        other => {
            return Err(Invalid::new(
                "status",
                "invalid_change_status",
                format!("'{other}' is not open, done or all"),
            )
            .into());
        }
    };
    Ok(PackingFilter {
        open,
        store_id: q.store,
        cursor: q.cursor,
    })
}

/// The packing team's list: changes with their order and store.
pub async fn packing_list(
    app: &App,
    actor: &Actor,
    q: &ChangeQuery,
    limit: u64,
) -> AppResult<Vec<PackingChangeRow>> {
    actor.require(Permission::WorkConversations)?;
    let f = filter_of(q)?;
    let mut rows = order_changes::packing_list(&app.db, &f, limit).await?;
    let addresses = rows
        .iter_mut()
        .flat_map(|r| [&mut r.change.new_address, &mut r.order.address]);
    crate::privacy::mask_addresses(actor, addresses);
    Ok(rows)
}

/// The list as .xlsx or .csv for the warehouse, one line per change, with recipients'
/// phones in full (those who may export customer data; audited).
pub async fn export_changes(
    app: &App,
    actor: &Actor,
    q: &ChangeQuery,
    format: Format,
) -> AppResult<FileOut> {
    actor.require(Permission::ExportArchive)?;
    let mut f = filter_of(q)?;
    let english = actor.locale == UiLocale::En;
    let language = if english { "en" } else { "zh-CN" };
    let mut rows: Vec<Vec<String>> = Vec::new();
    loop {
        let page = order_changes::packing_list(&app.db, &f, 500).await?;
        let full = page.len() == 500;
        f.cursor = page.last().map(|c| c.change.id);
        rows.extend(page.iter().map(|c| line(c, language, english)));
        if !full || rows.len() >= EXPORT_MAX {
            break;
        }
    }
    rows.truncate(EXPORT_MAX);
    let headers = if english { HEADERS_EN } else { HEADERS_ZH };
    let bytes = kefu_sheets::write(&headers, &rows, format)
        .map_err(|e| Invalid::new("format", "export_failed", e.to_string()))?;
    let date = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S");
    let file = FileOut {
        file_name: format!("order-changes-{date}.{}", format.extension()),
        content_type: format.content_type(),
        bytes,
        rows: rows.len(),
    };
    let detail = json!({
        "filters": { "status": q.status, "store": q.store },
        "rows": file.rows, "file_name": file.file_name,
    });
    kefu_store::audit::record(
        &app.db,
        Some(actor.user_id),
        "order_changes.exported",
        "order_changes",
        &detail.to_string(),
        now_ms(),
    )
    .await?;
    Ok(file)
}

const HEADERS_ZH: [&str; 12] = [
    "编号",
    "店铺",
    "订单号",
    "类型",
    "说明",
    "收件人",
    "电话",
    "新地址",
    "原地址",
    "旗帜",
    "登记时间",
    "处理时间",
];
const HEADERS_EN: [&str; 12] = [
    "Change",
    "Store",
    "Order",
    "Kind",
    "Description",
    "Recipient",
    "Phone",
    "New address",
    "Order address",
    "Flag",
    "Recorded",
    "Done",
];

fn kind_label(kind: &str, english: bool) -> &str {
    match (kind, english) {
        ("address", false) => "改地址",
        ("address", true) => "Address",
        ("item_attribute", false) => "改商品属性",
        ("item_attribute", true) => "Item attribute",
        ("delivery", false) => "改配送",
        ("delivery", true) => "Delivery",
        ("other", false) => "其他",
        ("other", true) => "Other",
        (k, _) => k,
    }
}

fn flag_label(flag: &str, english: bool) -> &str {
    match (flag, english) {
        ("red", false) => "红旗",
        ("yellow", false) => "黄旗",
        ("green", false) => "绿旗",
        ("blue", false) => "蓝旗",
        ("purple", false) => "紫旗",
        ("red", true) => "Red",
        ("yellow", true) => "Yellow",
        ("green", true) => "Green",
        ("blue", true) => "Blue",
        ("purple", true) => "Purple",
        (f, _) => f,
    }
}

/// A time as the packing team reads it: Beijing time for the Chinese list, UTC else.
fn when(ms: Option<i64>, english: bool) -> String {
    let Some(t) = ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()) else {
        return String::new();
    };
    let zone = if english { "UTC" } else { "Asia/Shanghai" };
    match jiff::tz::TimeZone::get(zone) {
        Ok(tz) => t.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => t.to_string(),
    }
}

fn line(row: &PackingChangeRow, language: &str, english: bool) -> Vec<String> {
    let (c, o) = (&row.change, &row.order);
    let new = c.new_address.as_ref().map(|a| &a.0);
    let old = o.address.as_ref().map(|a| &a.0);
    let shown = new.or(old);
    vec![
        c.id.to_string(),
        o.store_name.clone(),
        o.order_number.clone(),
        kind_label(&c.kind, english).to_owned(),
        c.description.clone(),
        shown.and_then(|a| a.recipient.clone()).unwrap_or_default(),
        shown.and_then(|a| a.phone.clone()).unwrap_or_default(),
        new.map(|a| address(a, language)).unwrap_or_default(),
        old.map(|a| address(a, language)).unwrap_or_default(),
        flag_label(&c.flag, english).to_owned(),
        when(Some(c.created_at), english),
        when(c.acknowledged_at, english),
    ]
}

/// The body posted to a warehouse for a change: the change, its order with items and
/// address, and the store.
async fn warehouse_body(
    app: &App,
    change: &OrderChangeRow,
    order: &OrderRow,
    store: &StoreRow,
) -> AppResult<serde_json::Value> {
    let items = orders::items(&app.db, order.id).await?;
    let items: Vec<_> = items
        .iter()
        .map(|i| json!({ "sku": i.sku, "name": i.name, "spec": i.spec, "quantity": i.quantity }))
        .collect();
    Ok(json!({
        "event": "order.change_recorded",
        "change": {
            "id": change.id, "kind": change.kind, "description": change.description,
            "new_address": change.new_address.as_ref().map(|a| &a.0), "flag": change.flag,
            "created_at": change.created_at,
        },
        "order": {
            "id": order.id, "order_number": order.order_number, "buyer_name": order.buyer_name,
            "address": order.address.as_ref().map(|a| &a.0), "items": items,
            "fulfilment_state": order.fulfilment_state,
        },
        "store": { "id": store.id, "name": store.name },
    }))
}

fn warehouse_client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| crate::http::client(WAREHOUSE_TIMEOUT))
        .as_ref()
        .map_err(Clone::clone)
}

/// How long the next post waits after `attempt` failed ones: 10 s doubling, at most an hour.
fn retry_after_ms(attempt: u32) -> i64 {
    (10_000i64 << attempt.min(12)).min(3_600_000)
}

/// The warehouse job: posts the change, signed with the store's webhook key
/// (`X-Kefu-Signature: sha256=<hex HMAC-SHA256 of the body>`), with its id in
/// `X-Kefu-Delivery` so a warehouse that gets it twice can tell. An answer other than 2xx
/// is recorded on the change (status and host only: the address may carry a token) and
/// the post is tried again — 10 s, then doubling up to an hour — for as long as the store
/// has a warehouse webhook and the warehouse has not taken it.
pub(crate) async fn post_to_warehouse(app: &App, change_id: i64, attempt: u32) -> AppResult<()> {
    let Some(change) = order_changes::find(&app.db, change_id).await? else {
        return Ok(());
    };
    if change.warehouse_sent_at.is_some() {
        return Ok(());
    }
    let Some(order) = orders::find(&app.db, change.order_id).await? else {
        return Ok(());
    };
    let store = kefu_store::stores::find(&app.db, order.store_id).await?;
    let Some((store, url)) =
        store.and_then(|s| s.warehouse_webhook_url.clone().map(|url| (s, url)))
    else {
        return Ok(());
    };
    let host = reqwest::Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let body = warehouse_body(app, &change, &order, &store)
        .await?
        .to_string();
    let signature = crate::email::read::signature(&store.webhook_secret, body.as_bytes());
    let sent = async {
        let client = warehouse_client()?;
        let response = client
            .post(&url)
            .header("content-type", "application/json")
            .header("x-kefu-event", "order.change_recorded")
            .header("x-kefu-delivery", format!("order-change-{change_id}"))
            .header("x-kefu-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "the warehouse at {host} could not be reached: {}",
                    e.without_url()
                )
            })?;
        let status = response.status();
        match status.is_success() {
            true => Ok(()),
            false => Err(format!("the warehouse at {host} answered {status}")),
        }
    };
    let now = now_ms();
    match sent.await {
        Ok(()) => order_changes::record_warehouse_sent(&app.db, change_id, now).await?,
        Err(error) => {
            tracing::warn!(change = change_id, %error, "order change not taken by the warehouse");
            let mut tx = app.db.begin().await?;
            order_changes::record_warehouse_error(&mut tx, change_id, &error).await?;
            let next = attempt.saturating_add(1);
            let payload = json!({ "change_id": change_id, "attempt": next });
            let key = format!("change:{change_id}:{next}");
            let at = now + retry_after_ms(attempt);
            jobs::enqueue(&mut tx, WAREHOUSE_POST, &key, &payload, at, now).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}
