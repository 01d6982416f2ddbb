//! Logistics cases (物流异常, R-ORD-4): a problem parcel — no movement for days, returned,
//! a carrier exception, signed for but not received, a wrong address, damaged, lost —
//! becomes a case with a deadline (a task, flagged overdue when it passes), linked to
//! the order and the buyer's conversation, worked until the parcel is signed for, the
//! buyer is compensated or a new parcel is sent. kefu opens the first three by itself
//! (see [`auto`]); agents open any kind by hand.

pub mod auto;

use crate::archive::optional_text;
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::order::logistics::{CaseKind, CaseStatus, Resolution};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::Tx;
use kefu_store::logistics::{self, CaseFilter, CaseNote, CaseRow, CaseUpdate, NewCase};
use kefu_store::shipments::ShipmentRow;
use kefu_store::tasks::NewTask;
use serde::Deserialize;
use serde_json::json;

const MAX_NOTE_CHARS: usize = 2_000;
/// Most compensation one case records (minor units): far above any parcel.
const MAX_COMPENSATION: i64 = 1_000_000_000_000;

/// A case an agent opens.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CaseInput {
    /// The parcel; or give `order_id` for the order's newest parcel.
    pub shipment_id: Option<i64>,
    pub order_id: Option<i64>,
    /// `no_movement`, `returned`, `exception`, `signed_not_received`, `wrong_address`,
    /// `damaged` or `lost`.
    pub kind: String,
    /// What the buyer said or what was found.
    pub note: Option<String>,
    /// The deadline in hours from now (1 to 720; default by kind, 24 to 72).
    pub due_in_hours: Option<i64>,
    /// The buyer's conversation (default: their most recent one).
    pub conversation_id: Option<i64>,
}

/// A step on a case: a new status, how it ended, compensation paid, a note.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CaseChange {
    /// `open`, `waiting_carrier` or `resolved`.
    pub status: Option<String>,
    /// With `resolved`: `delivered`, `compensated` or `reshipped`.
    pub resolution: Option<String>,
    /// With `compensated`: what the buyer was paid, in minor units of the order's currency.
    pub compensation_minor: Option<i64>,
    pub note: Option<String>,
}

fn note_of(actor: Option<&Actor>, text: Option<String>, now: i64) -> Option<CaseNote> {
    text.map(|text| CaseNote {
        at: now,
        by: actor.map(|a| a.user_id),
        name: actor.map(|a| a.name.clone()),
        text,
    })
}

/// Who opens a case and how.
pub(crate) struct Opening<'a> {
    pub kind: CaseKind,
    pub actor: Option<&'a Actor>,
    pub conversation_id: Option<i64>,
    pub due_in_hours: i64,
    pub note: Option<String>,
}

/// Opens a case for `shipment` in `tx` with its deadline task, unless one of this kind
/// is already open for it (`None` then).
pub(crate) async fn open_in_tx(
    app: &App,
    tx: &mut Tx,
    shipment: &ShipmentRow,
    o: Opening<'_>,
    now: i64,
) -> AppResult<Option<CaseRow>> {
    let order = kefu_store::orders::find_in_tx(tx, shipment.order_id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let conversation = match (o.conversation_id, order.contact_id) {
        (Some(id), _) => kefu_store::conversations::find_in_tx(tx, id).await?,
        (None, Some(contact)) => {
            kefu_store::conversations::most_recent_of_contact(tx, contact).await?
        }
        (None, None) => None,
    };
    let due_at = now + o.due_in_hours * 3_600_000;
    let new = NewCase {
        shipment_id: shipment.id,
        order_id: order.id,
        conversation_id: conversation.as_ref().map(|c| c.id),
        kind: o.kind.as_str(),
        currency: &order.currency,
        due_at,
        notes: note_of(o.actor, o.note.clone(), now).into_iter().collect(),
        opened_by: o.actor.map(|a| a.user_id),
    };
    let Some(id) = logistics::open(tx, &new, now).await? else {
        return Ok(None);
    };
    let assignee = o
        .actor
        .map(|a| a.user_id)
        .or_else(|| conversation.as_ref().and_then(|c| c.assignee_id));
    let title = format!(
        "{} {} {}",
        order.order_number, shipment.carrier, shipment.tracking_number
    );
    let task = kefu_store::tasks::insert(
        tx,
        &NewTask {
            kind: "logistics_case",
            title: &title,
            note: o.note.as_deref(),
            conversation_id: conversation.as_ref().map(|c| c.id),
            contact_id: order.contact_id,
            assignee_id: assignee,
            department: None,
            to_role: assignee.is_none().then_some("supervisor"),
            due_at: Some(due_at),
            created_by: o.actor.map(|a| a.user_id),
        },
        now,
    )
    .await?;
    crate::tasks::schedule_deadline(tx, &task, now).await?;
    crate::tasks::task_event(app, tx, "task.created", &task, None).await?;
    logistics::set_task(tx, id, task.id).await?;
    let case = logistics::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("logistics case"))?;
    case_event(app, tx, "logistics_case.opened", &case).await?;
    Ok(Some(case))
}

async fn case_event(app: &App, tx: &mut Tx, kind: &str, case: &CaseRow) -> AppResult<()> {
    let inbox = match case.conversation_id {
        Some(c) => kefu_store::conversations::find_in_tx(tx, c)
            .await?
            .map(|r| r.inbox_id),
        None => None,
    };
    append(
        app,
        tx,
        kind,
        case.conversation_id,
        inbox,
        true,
        &json!({ "case": case }),
    )
    .await
}

fn due_hours(kind: CaseKind, given: Option<i64>) -> AppResult<i64> {
    let hours = given.unwrap_or_else(|| kind.default_deadline_hours());
    if !(1..=720).contains(&hours) {
        return Err(Invalid::new(
            "due_in_hours",
            "invalid_deadline",
            "the deadline is 1 to 720 hours (30 days) away",
        )
        .into());
    }
    Ok(hours)
}

/// An agent opens a case for a parcel (any kind; the hand-opened ones are
/// signed-but-not-received, wrong address, damaged and lost).
pub async fn open_case(app: &App, actor: &Actor, input: &CaseInput) -> AppResult<CaseRow> {
    actor.require(Permission::WorkConversations)?;
    let kind = CaseKind::parse(&input.kind)?;
    let note = optional_text("note", &input.note, MAX_NOTE_CHARS)?;
    let due_in_hours = due_hours(kind, input.due_in_hours)?;
    let shipment = match (input.shipment_id, input.order_id) {
        (Some(id), _) => kefu_store::shipments::find(&app.db, id).await?,
        (None, Some(order)) => kefu_store::shipments::of_order(&app.db, order).await?.pop(),
        (None, None) => {
            return Err(Invalid::new(
                "shipment_id",
                "required",
                "name the parcel (shipment_id) or its order (order_id)",
            )
            .into());
        }
    }
    .ok_or(AppError::NotFound("shipment"))?;
    if let Some(c) = input.conversation_id {
        crate::conversations::get_conversation(app, actor, c).await?;
    }
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let opening = Opening {
        kind,
        actor: Some(actor),
        conversation_id: input.conversation_id,
        due_in_hours,
        note,
    };
    let Some(case) = open_in_tx(app, &mut tx, &shipment, opening, now).await? else {
        drop(tx);
        let open = logistics_open_of(app, shipment.id, kind).await?;
        return Err(AppError::Conflict {
            code: "case_already_open",
            message: format!(
                "parcel {} already has an open {} case; add to that one",
                shipment.tracking_number,
                kind.as_str()
            ),
            existing_id: open,
        });
    };
    commit(app, tx).await?;
    Ok(case)
}

async fn logistics_open_of(app: &App, shipment_id: i64, kind: CaseKind) -> AppResult<Option<i64>> {
    let mut tx = app.db.begin_read().await?;
    let open = logistics::open_of_shipment(&mut tx, shipment_id).await?;
    Ok(open
        .into_iter()
        .find(|c| c.kind == kind.as_str())
        .map(|c| c.id))
}

/// The new state a change asks for, checked against the case as it is.
fn next_state(
    case: &CaseRow,
    change: &CaseChange,
) -> AppResult<(CaseStatus, Option<Resolution>, Option<i64>)> {
    let status = match change.status.as_deref() {
        Some(s) => CaseStatus::parse(s)?,
        None => CaseStatus::parse(&case.status)?,
    };
    let resolution = change
        .resolution
        .as_deref()
        .map(Resolution::parse)
        .transpose()?;
    match (status, resolution) {
        (CaseStatus::Resolved, None) => Err(Invalid::new(
            "resolution",
            "resolution_required",
            "say how the case ended: delivered, compensated or reshipped",
        )
        .into()),
        (CaseStatus::Open | CaseStatus::WaitingCarrier, Some(_)) => Err(Invalid::new(
            "resolution",
            "resolution_needs_resolved",
            "a resolution is given only when the case is resolved",
        )
        .into()),
        (_, r) => {
            let paid = change.compensation_minor;
            if paid.is_some_and(|m| !(0..=MAX_COMPENSATION).contains(&m)) {
                return Err(Invalid::new(
                    "compensation_minor",
                    "invalid_amount",
                    "compensation is a whole number of minor units, 0 or more",
                )
                .into());
            }
            if r == Some(Resolution::Compensated) && paid.is_none() {
                return Err(Invalid::new(
                    "compensation_minor",
                    "compensation_required",
                    "say how much the buyer was compensated (minor units)",
                )
                .into());
            }
            Ok((status, r, paid.or(case.compensation_minor)))
        }
    }
}

/// Moves a case on (waiting for the carrier, resolved …), records compensation and adds
/// a note. A resolved case is closed for good, and so is its deadline task.
pub async fn update_case(
    app: &App,
    actor: &Actor,
    id: i64,
    change: &CaseChange,
) -> AppResult<CaseRow> {
    actor.require(Permission::WorkConversations)?;
    let case = logistics::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("logistics case"))?;
    let resolved_already = || AppError::Conflict {
        code: "case_resolved",
        message: "this case is already resolved; open a new one if the parcel has a new problem"
            .into(),
        existing_id: Some(id),
    };
    if case.resolved_at.is_some() {
        return Err(resolved_already());
    }
    let note = optional_text("note", &change.note, MAX_NOTE_CHARS)?;
    let (status, resolution, paid) = next_state(&case, change)?;
    let now = now_ms();
    let mut notes = case.notes.0.clone();
    notes.extend(note_of(Some(actor), note, now));
    let resolved = status == CaseStatus::Resolved;
    let mut tx = app.db.begin().await?;
    let u = CaseUpdate {
        status: status.as_str(),
        resolution: resolution.map(Resolution::as_str),
        compensation_minor: paid,
        notes: &notes,
        resolved_by: resolved.then_some(actor.user_id),
        resolved_at: resolved.then_some(now),
    };
    if logistics::update(&mut tx, id, &u, now).await? == 0 {
        return Err(AppError::Conflict {
            code: "case_resolved",
            message:
                "this case is already resolved; open a new one if the parcel has a new problem"
                    .into(),
            existing_id: Some(id),
        });
    }
    if let (true, Some(task)) = (resolved, case.task_id) {
        kefu_store::tasks::close(
            &mut tx,
            task,
            "done",
            resolution.map(Resolution::as_str),
            Some(actor.user_id),
            now,
        )
        .await?;
    }
    let after = logistics::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("logistics case"))?;
    case_event(app, &mut tx, "logistics_case.updated", &after).await?;
    commit(app, tx).await?;
    Ok(after)
}

/// What a case list asks for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct CaseQuery {
    /// `open`, `waiting_carrier` or `resolved`; none: every case not resolved.
    pub status: Option<String>,
    pub kind: Option<String>,
    pub order_id: Option<i64>,
    /// Cases older than this id (the next page).
    pub before: Option<i64>,
    /// 1 to 200 (default 50).
    pub limit: Option<u64>,
}

pub async fn list_cases(app: &App, actor: &Actor, q: &CaseQuery) -> AppResult<Vec<CaseRow>> {
    actor.require(Permission::WorkConversations)?;
    let f = CaseFilter {
        status: q
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| CaseStatus::parse(s).map(|s| s.as_str().to_owned()))
            .transpose()?,
        kind: q
            .kind
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|k| CaseKind::parse(k).map(|k| k.as_str().to_owned()))
            .transpose()?,
        order_id: q.order_id,
        before_id: q.before,
    };
    Ok(logistics::list(&app.db, &f, q.limit.unwrap_or(50).clamp(1, 200)).await?)
}

pub async fn get_case(app: &App, actor: &Actor, id: i64) -> AppResult<CaseRow> {
    actor.require(Permission::WorkConversations)?;
    logistics::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("logistics case"))
}

/// The cases of these orders, for the panel beside a conversation.
pub async fn cases_of_orders(
    app: &App,
    actor: &Actor,
    order_ids: &[i64],
) -> AppResult<Vec<CaseRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(logistics::of_orders(&app.db, order_ids).await?)
}
