//! Abandoned carts and silent inquirers (加购未付款、咨询未下单): received by API, matched
//! to the customer archive like orders' buyers, and turned into an outreach task for the
//! store's team carrying the current offer script — only with the buyer's consent to be
//! messaged or called, never due at night where the buyer is. A later order by the
//! buyer in the store closes the task as converted.

use crate::archive::present;
use crate::events::{append, commit};
use crate::orders::BuyerInput;
use crate::tasks::{open_task, settle_task};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::order::reminder::{QuietHours, buyer_zone as zone_of};
use kefu_domain::script::{Variable, pick_locale, render};
use kefu_domain::time::now_ms;
use kefu_domain::{CountryCode, Currency, Invalid, Money, Permission};
use kefu_store::contacts::ContactRow;
use kefu_store::outreach::{self, OutreachFields, OutreachFilter, OutreachItem, OutreachRow};
use kefu_store::scripts::ScriptBodyRow;
use kefu_store::stores::StoreRow;
use kefu_store::tasks::NewTask;
use kefu_store::{StoreError, Tx};
use serde::Deserialize;
use serde_json::json;

/// The task kind of outreach to a cart or an inquiry.
pub const OUTREACH_TASK: &str = "outreach";
/// How long the team has to reach out, counted from the first hour the buyer may be
/// contacted.
const WINDOW_MS: i64 = 2 * 3_600_000;
const MAX_ITEMS: usize = 100;

/// A cart left or an inquiry without an order, as a shop's bridge posts it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OutreachInput {
    /// `cart` (added to the cart, not paid) or `inquiry` (asked, did not order).
    pub kind: String,
    pub store_id: i64,
    /// Matched in the customer archive by handle, phone or email, else created.
    #[serde(default)]
    pub buyer: BuyerInput,
    /// The buyer's country (ISO 3166): reads phones without `+country`.
    pub country: Option<String>,
    #[serde(default)]
    pub items: Vec<OutreachItem>,
    /// What the cart is worth in minor units (default: the items' prices).
    pub value_minor: Option<i64>,
    /// Default: the store's.
    pub currency: Option<String>,
    /// When the cart was left or the inquiry made: RFC 3339 or `2026-11-23 10:05` in
    /// the store's time zone (default: now).
    pub at: Option<String>,
    /// The source's own id: posting it again returns the same outreach.
    pub source_id: Option<String>,
}

struct Valid {
    kind: &'static str,
    buyer: crate::orders::input::ValidBuyer,
    items: Vec<OutreachItem>,
    value: Option<i64>,
    currency: Currency,
    at: i64,
    source_id: Option<String>,
}

fn item(i: &OutreachItem) -> Result<OutreachItem, Invalid> {
    let name = i.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Invalid::new(
            "items",
            "invalid_item",
            "every item has a name of 1 to 200 characters",
        ));
    }
    if i.quantity.is_some_and(|q| !(1..=1_000_000).contains(&q))
        || i.unit_price_minor.is_some_and(|p| p < 0)
    {
        return Err(Invalid::new(
            "items",
            "invalid_item",
            format!("{name}: the quantity is 1 to 1,000,000 and the price zero or more"),
        ));
    }
    let sku = present(&i.sku).map(|s| s.chars().take(100).collect());
    Ok(OutreachItem {
        sku,
        name: name.to_owned(),
        quantity: i.quantity,
        unit_price_minor: i.unit_price_minor,
    })
}

fn validate(input: &OutreachInput, store: &StoreRow, now: i64) -> Result<Valid, Invalid> {
    let kind = match input.kind.trim() {
        "cart" => "cart",
        "inquiry" => "inquiry",
        _ => {
            return Err(Invalid::new(
                "kind",
                "invalid_kind",
                "use cart (left in the cart) or inquiry (asked without ordering)",
            ));
        }
    };
    if input.items.len() > MAX_ITEMS {
        return Err(Invalid::new(
            "items",
            "too_many_items",
            format!("at most {MAX_ITEMS} items"),
        ));
    }
    let currency = Currency::parse(present(&input.currency).unwrap_or(&store.currency))?;
    let items: Vec<OutreachItem> = input.items.iter().map(item).collect::<Result<_, _>>()?;
    let value = match input.value_minor {
        Some(v) if v < 0 => {
            return Err(Invalid::new(
                "value_minor",
                "negative_amount",
                "amounts are zero or more (minor units)",
            ));
        }
        Some(v) => Some(v),
        None => items
            .iter()
            .filter_map(|i| {
                Some(
                    Money::new(i.unit_price_minor?, currency)
                        .checked_times(i.quantity.unwrap_or(1)),
                )
            })
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m?))
            .map(|m| m.minor)
            .filter(|v| *v > 0),
    };
    let region = present(&input.country)
        .map(CountryCode::parse)
        .transpose()?
        .map_or_else(|| "CN".to_owned(), |c| c.as_str().to_owned());
    let buyer = crate::orders::input::buyer(&input.buyer, &region)?;
    if buyer.identities.is_empty() {
        return Err(Invalid::new(
            "buyer",
            "no_buyer",
            "name the buyer by phone, email or marketplace handle, so they can be reached",
        ));
    }
    let source_id = present(&input.source_id)
        .map(|s| {
            (s.chars().count() <= 100)
                .then(|| s.to_owned())
                .ok_or_else(|| Invalid::new("source_id", "too_long", "at most 100 characters"))
        })
        .transpose()?;
    Ok(Valid {
        kind,
        buyer,
        items,
        value,
        currency,
        at: match present(&input.at) {
            Some(t) => crate::orders::input::parse_time("at", t, &store.time_zone)?,
            None => now,
        },
        source_id,
    })
}

/// Where the buyer is: their own time zone, else their country's, else the store's.
fn buyer_zone(contact: &ContactRow, store: &StoreRow) -> jiff::tz::TimeZone {
    zone_of(
        contact.time_zone.as_deref(),
        contact.country.as_deref(),
        &store.time_zone,
    )
}

/// The store's quiet hours (22:00–08:00 unless the store set others).
fn quiet_hours(store: &StoreRow) -> QuietHours {
    QuietHours::parse(&store.quiet_hours_start, &store.quiet_hours_end).unwrap_or_default()
}

/// The deadline: two hours from the first moment the buyer may be contacted, moved past
/// the night again if it would fall into it.
fn due_at(from: i64, zone: &jiff::tz::TimeZone, quiet: &QuietHours) -> i64 {
    let due = quiet.next_allowed(from, zone) + WINDOW_MS;
    match quiet.next_allowed(due, zone) {
        same if same == due => due,
        morning => morning + WINDOW_MS,
    }
}

/// The store's current offer script, filled in for the buyer, in their language.
fn offer(bodies: &[ScriptBodyRow], contact: &ContactRow, store: &StoreRow) -> Option<String> {
    let locales: Vec<&str> = bodies.iter().map(|b| b.locale.as_str()).collect();
    let wanted = [contact.language.as_deref().unwrap_or("zh-CN"), "zh-CN"];
    let locale = pick_locale(&locales, &wanted)?;
    let body = bodies.iter().find(|b| b.locale == locale)?;
    let filled = render(
        &body.body,
        |v| match v {
            Variable::CustomerName => Some(contact.name.clone()),
            Variable::ShopName => Some(store.name.clone()),
            _ => None,
        },
        |v| format!("{{{{{}}}}}", v.as_str()),
    );
    Some(filled.text)
}

/// Records a cart or inquiry and, with the buyer's consent, opens an outreach task for
/// the store's team (else the supervisors). Returns the outreach and whether it is new;
/// the same `source_id` again returns the stored one.
pub async fn receive_outreach(
    app: &App,
    actor: &Actor,
    input: &OutreachInput,
) -> AppResult<(OutreachRow, bool)> {
    let store = crate::orders::stores::store_for_sync(app, actor, input.store_id).await?;
    let now = now_ms();
    let v = validate(input, &store, now)?;
    let settings = kefu_store::store_settings::get(&app.db, store.id).await?;
    let bodies = match settings.offer_script_id {
        Some(id) => kefu_store::scripts::bodies(&app.db, &[id]).await?,
        None => Vec::new(),
    };
    let mut tx = app.db.begin().await?;
    if let Some(src) = &v.source_id
        && let Some(found) = outreach::find_by_source(&mut tx, store.id, v.kind, src).await?
    {
        return Ok((found, false));
    }
    let contact_id = crate::orders::buyers::resolve(&mut tx, &[&v.buyer], now)
        .await?
        .pop()
        .flatten()
        .ok_or(AppError::NotFound("contact"))?;
    let contact = kefu_store::contacts::find_in_tx(&mut tx, contact_id)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    let consent = contact.consent_message || contact.consent_call;
    let offer_text = consent.then(|| offer(&bodies, &contact, &store)).flatten();
    let fields = OutreachFields {
        store_id: store.id,
        kind: v.kind.to_owned(),
        source_id: v.source_id.clone(),
        contact_id: Some(contact_id),
        items: v.items,
        value: v.value,
        currency: v.currency.as_str().to_owned(),
        occurred_at: v.at,
        status: if consent { "pending" } else { "skipped" }.to_owned(),
        skip_reason: (!consent).then(|| "no_consent".to_owned()),
        offer_script_id: settings.offer_script_id.filter(|_| consent),
        offer_text: offer_text.clone(),
    };
    let id = outreach::insert(&mut tx, &fields, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict {
                code: "duplicate_outreach",
                message: "this cart or inquiry arrived twice at once; send it again to read it"
                    .into(),
                existing_id: None,
            },
            other => other.into(),
        })?;
    if consent {
        let first = fields.items.first().map(|i| i.name.as_str());
        let title = match first {
            Some(item) => format!("{} · {item}", contact.name),
            None => contact.name.clone(),
        };
        let zone = buyer_zone(&contact, &store);
        let task = open_task(
            app,
            &mut tx,
            &NewTask {
                kind: OUTREACH_TASK,
                title: &title,
                note: offer_text.as_deref(),
                conversation_id: None,
                contact_id: Some(contact_id),
                assignee_id: None,
                department: None,
                to_role: settings.team_id.is_none().then_some("supervisor"),
                due_at: Some(due_at(now.max(v.at), &zone, &quiet_hours(&store))),
                created_by: None,
            },
            settings.team_id,
            now,
        )
        .await?;
        outreach::set_task(&mut tx, id, task.id).await?;
    }
    let row = outreach::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("outreach"))?;
    let payload = json!({
        "outreach_id": row.id, "store_id": row.store_id, "kind": row.kind,
        "contact_id": row.contact_id, "status": row.status, "task_id": row.task_id,
    });
    append(app, &mut tx, "outreach.created", None, None, true, &payload).await?;
    commit(app, tx).await?;
    Ok((row, true))
}

/// Orders just created: each buyer's pending outreach in that store from before the
/// order is converted, and its open task closes as `converted` (inside `tx`).
pub(crate) async fn convert_for_orders(
    app: &App,
    tx: &mut Tx,
    orders: &[(i64, i64, i64, i64)],
    now: i64,
) -> AppResult<()> {
    for &(store_id, contact_id, order_id, placed_at) in orders {
        for (id, task) in outreach::pending_of(tx, store_id, contact_id, placed_at).await? {
            if !outreach::convert(tx, id, order_id, now).await? {
                continue;
            }
            if let Some(task) = task {
                settle_task(app, tx, task, ("converted", None), None, now).await?;
            }
            let payload = json!({ "outreach_id": id, "order_id": order_id, "store_id": store_id });
            append(app, tx, "outreach.converted", None, None, true, &payload).await?;
        }
    }
    Ok(())
}

/// What an outreach list is narrowed to.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct OutreachListQuery {
    pub store: Option<i64>,
    /// `pending`, `skipped` or `converted`.
    pub status: Option<String>,
    pub contact_id: Option<i64>,
    pub cursor: Option<i64>,
    pub limit: Option<u64>,
}

pub async fn list_outreach(
    app: &App,
    actor: &Actor,
    q: &OutreachListQuery,
    limit: u64,
) -> AppResult<Vec<OutreachRow>> {
    actor.require(Permission::WorkConversations)?;
    let status = match present(&q.status) {
        None => None,
        Some(s @ ("pending" | "skipped" | "converted")) => Some(s.to_owned()),
        Some(_) => {
            return Err(Invalid::new(
                "status",
                "invalid_status",
                "use pending, skipped or converted",
            )
            .into());
        }
    };
    let f = OutreachFilter {
        store_id: q.store,
        status,
        contact_id: q.contact_id,
        before_id: q.cursor,
    };
    Ok(outreach::list(&app.db, &f, limit).await?)
}
