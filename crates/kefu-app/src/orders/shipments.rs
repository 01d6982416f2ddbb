//! Parcels and their tracking events, by API or webhook: idempotent by order and
//! tracking number, and by (time, description) for events.

use super::input::parse_time;
use crate::archive::present;
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::order::{ShipmentStatus, parse_number};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Name, Permission};
use kefu_store::Tx;
use kefu_store::shipments::{self, EventFields, LatestTracking, ShipmentFields, ShipmentRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Most events one request carries.
pub const MAX_EVENTS: usize = 500;

/// One step of a parcel's journey as the carrier reports it.
#[derive(Debug, Default, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackingEventInput {
    /// RFC 3339, or a wall-clock time in the store's time zone.
    pub occurred_at: String,
    /// The carrier's status; one of kefu's parcel statuses (`in_transit`, `delivered` …)
    /// also moves the parcel to it.
    pub status: Option<String>,
    pub location: Option<String>,
    pub description: String,
}

/// A parcel of an order. Posting it again with the same tracking number updates it.
#[derive(Debug, Default, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShipmentInput {
    pub carrier: String,
    pub tracking_number: String,
    /// `pending`, `in_transit`, `out_for_delivery`, `delivered`, `exception`, `returned`.
    pub status: Option<String>,
    pub shipped_at: Option<String>,
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub events: Vec<TrackingEventInput>,
}

/// What became of a posted parcel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShipmentOutcome {
    /// `created`, `updated` or `unchanged`.
    pub outcome: &'static str,
    pub events_added: u64,
    pub shipment: ShipmentRow,
}

fn events(list: &[TrackingEventInput], tz: &str) -> Result<Vec<EventFields>, Invalid> {
    if list.len() > MAX_EVENTS {
        return Err(Invalid::new(
            "events",
            "too_many_events",
            format!("at most {MAX_EVENTS} events a request"),
        ));
    }
    list.iter()
        .map(|e| {
            let description = e.description.trim();
            if description.is_empty() || description.chars().count() > 500 {
                return Err(Invalid::new(
                    "events",
                    "invalid_description",
                    "every event has a description of 1 to 500 characters",
                ));
            }
            let short = |v: &Option<String>, max: usize| {
                present(v).map(|s| s.chars().take(max).collect::<String>())
            };
            Ok(EventFields {
                occurred_at: parse_time("occurred_at", &e.occurred_at, tz)?,
                status: short(&e.status, 40),
                location: short(&e.location, 200),
                description: description.to_owned(),
            })
        })
        .collect()
}

fn fields(input: &ShipmentInput, tz: &str) -> Result<ShipmentFields, Invalid> {
    let time = |field, v: &Option<String>| present(v).map(|t| parse_time(field, t, tz)).transpose();
    Ok(ShipmentFields {
        carrier: Name::parse("carrier", &input.carrier)?.into_inner(),
        tracking_number: parse_number("tracking_number", &input.tracking_number)?,
        status: present(&input.status)
            .map(ShipmentStatus::parse)
            .transpose()?
            .map(|s| s.as_str().to_owned()),
        shipped_at: time("shipped_at", &input.shipped_at)?,
        delivered_at: time("delivered_at", &input.delivered_at)?,
    })
}

/// Adds `events` to a parcel (`created`: just stored) and brings its status, times and
/// its order's newest parcel news up to date. Returns how many events were new and
/// whether the parcel changed.
async fn record_events(
    app: &App,
    tx: &mut Tx,
    (mut s, created): (ShipmentRow, bool),
    given: Option<&ShipmentFields>,
    list: &[EventFields],
    now: i64,
) -> AppResult<(u64, bool, ShipmentRow)> {
    let added = shipments::add_events(tx, s.id, list, now).await?;
    let before = s.clone();
    let latest = shipments::latest_event(tx, s.id).await?;
    if let Some(g) = given {
        s.carrier.clone_from(&g.carrier);
        s.shipped_at = g.shipped_at.or(s.shipped_at);
        s.delivered_at = g.delivered_at.or(s.delivered_at);
    }
    let from_event = latest
        .as_ref()
        .and_then(|e| e.status.as_deref())
        .and_then(|st| ShipmentStatus::parse(st).ok());
    if let Some(st) = given.and_then(|g| g.status.clone()) {
        s.status = st;
    } else if let Some(st) = from_event {
        s.status = st.as_str().to_owned();
    }
    s.last_event_at = latest.as_ref().map(|e| e.occurred_at);
    if s.status == "delivered" && s.delivered_at.is_none() {
        s.delivered_at = s.last_event_at;
    }
    let changed = s != before;
    if changed {
        shipments::update(tx, &s, now).await?;
    }
    if changed || created {
        let was = (!created).then_some(before.status.as_str());
        crate::logistics::auto::parcel_changed(app, tx, was, &s, now).await?;
    }
    if changed || created {
        let order = kefu_store::orders::find_in_tx(tx, s.order_id)
            .await?
            .ok_or(AppError::NotFound("order"))?;
        let newer = match (latest.as_ref(), order.last_event_at) {
            (Some(e), Some(at)) => e.occurred_at >= at,
            (Some(_), None) => true,
            (None, _) => order.last_tracking_number.is_none(),
        };
        if newer || order.last_tracking_number.as_deref() == Some(&s.tracking_number) {
            let l = LatestTracking {
                carrier: Some(s.carrier.clone()),
                tracking_number: Some(s.tracking_number.clone()),
                at: latest.as_ref().map(|e| e.occurred_at),
                status: Some(s.status.clone()),
                text: latest.map(|e| match e.location {
                    Some(loc) => format!("{loc} {}", e.description),
                    None => e.description,
                }),
            };
            shipments::set_order_latest(tx, s.order_id, &l, now).await?;
        }
    }
    Ok((added, changed, s))
}

/// Stores a parcel of an order in `tx` (the caller commits).
pub(crate) async fn apply(
    app: &App,
    tx: &mut Tx,
    order_id: i64,
    tz: &str,
    input: &ShipmentInput,
) -> AppResult<ShipmentOutcome> {
    let f = fields(input, tz)?;
    let list = events(&input.events, tz)?;
    let now = now_ms();
    let (created, s) = match shipments::of_order_in_tx(tx, order_id, &f.tracking_number).await? {
        Some(s) => (false, s),
        None => {
            let id = shipments::insert(tx, order_id, &f, now).await?;
            let s = shipments::find_in_tx(tx, id)
                .await?
                .ok_or(AppError::NotFound("shipment"))?;
            (true, s)
        }
    };
    let (added, changed, shipment) =
        record_events(app, tx, (s, created), Some(&f), &list, now).await?;
    let outcome = match (created, changed || added > 0) {
        (true, _) => "created",
        (false, true) => "updated",
        (false, false) => "unchanged",
    };
    if outcome != "unchanged" {
        event(app, tx, &shipment, outcome, added).await?;
    }
    Ok(ShipmentOutcome {
        outcome,
        events_added: added,
        shipment,
    })
}

async fn event(
    app: &App,
    tx: &mut Tx,
    s: &ShipmentRow,
    outcome: &str,
    added: u64,
) -> AppResult<()> {
    let kind = if outcome == "created" {
        "shipment.created"
    } else {
        "shipment.updated"
    };
    let payload = json!({
        "shipment_id": s.id, "order_id": s.order_id, "tracking_number": s.tracking_number,
        "carrier": s.carrier, "status": s.status, "events_added": added,
    });
    append(app, tx, kind, None, None, true, &payload).await?;
    Ok(())
}

/// Posts a parcel for an order of a store (by its number).
pub async fn upsert_shipment(
    app: &App,
    actor: &Actor,
    store_id: i64,
    order_number: &str,
    input: &ShipmentInput,
) -> AppResult<ShipmentOutcome> {
    let store = super::stores::store_for_sync(app, actor, store_id).await?;
    let order_id = kefu_store::orders::find_by_number(&app.db, store.id, order_number.trim())
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let mut tx = app.db.begin().await?;
    let outcome = apply(app, &mut tx, order_id, &store.time_zone, input).await?;
    commit(app, tx).await?;
    Ok(outcome)
}

/// Events to add to parcels found by tracking number (`carrier` tells two apart).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TrackingUpdate {
    pub tracking_number: String,
    pub carrier: Option<String>,
    pub events: Vec<TrackingEventInput>,
}

/// Adds events to a parcel; times without offset are read in its store's time zone.
pub async fn add_tracking_events(
    app: &App,
    actor: &Actor,
    shipment_id: i64,
    list: &[TrackingEventInput],
) -> AppResult<ShipmentOutcome> {
    actor.require(Permission::ExportArchive)?;
    let mut tx = app.db.begin().await?;
    let s = shipments::find_in_tx(&mut tx, shipment_id)
        .await?
        .ok_or(AppError::NotFound("shipment"))?;
    let order = kefu_store::orders::find_in_tx(&mut tx, s.order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let tz = kefu_store::stores::find_in_tx(&mut tx, order.store_id)
        .await?
        .map_or_else(|| "Asia/Shanghai".to_owned(), |st| st.time_zone);
    let list = events(list, &tz)?;
    let (added, changed, shipment) =
        record_events(app, &mut tx, (s, false), None, &list, now_ms()).await?;
    let outcome = if changed || added > 0 {
        event(app, &mut tx, &shipment, "updated", added).await?;
        "updated"
    } else {
        "unchanged"
    };
    commit(app, tx).await?;
    Ok(ShipmentOutcome {
        outcome,
        events_added: added,
        shipment,
    })
}

/// Adds events to the parcel with this tracking number.
pub async fn track_by_number(
    app: &App,
    actor: &Actor,
    update: &TrackingUpdate,
) -> AppResult<Vec<ShipmentOutcome>> {
    actor.require(Permission::ExportArchive)?;
    let number = parse_number("tracking_number", &update.tracking_number)?;
    let carrier = present(&update.carrier).map(str::to_lowercase);
    let found: Vec<ShipmentRow> = shipments::by_tracking_number(&app.db, &number)
        .await?
        .into_iter()
        .filter(|s| {
            carrier
                .as_ref()
                .is_none_or(|c| s.carrier.to_lowercase() == *c)
        })
        .collect();
    if found.is_empty() {
        return Err(AppError::NotFound("shipment"));
    }
    let carriers: std::collections::HashSet<String> =
        found.iter().map(|s| s.carrier.to_lowercase()).collect();
    if carriers.len() > 1 {
        return Err(AppError::Conflict {
            code: "ambiguous_tracking_number",
            message: format!(
                "{number} is a tracking number of several carriers; say which carrier"
            ),
            existing_id: None,
        });
    }
    let mut out = Vec::new();
    for s in found {
        out.push(add_tracking_events(app, actor, s.id, &update.events).await?);
    }
    Ok(out)
}
