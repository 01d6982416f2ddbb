//! The SLA engine: each ticket's clocks (first response, next response, resolution) are
//! started, paused, resumed and stopped as messages and status changes happen, in the
//! same transaction; warnings and breaches fire as jobs at the times the clocks give.
//! Nothing is recomputed when a page is shown.

use crate::events::append;
use crate::{App, AppResult};
use jiff::Timestamp;
use kefu_domain::calendar::BusinessCalendar;
use kefu_domain::sla::{SlaClock, TicketFacts};
use kefu_domain::{ConversationStatus, MessageKind, Priority};
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::sla_clocks::{self, ClockRow};
use kefu_store::sla_policies::PolicyRow;
use kefu_store::{Tx, jobs};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Checks a clock at its warning or due time.
pub const SLA_CHECK: &str = "sla.check";

const FIRST: &str = "first_response";
const NEXT: &str = "next_response";
const RESOLUTION: &str = "resolution";

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn dur(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

fn clock_of(c: &ClockRow) -> SlaClock {
    SlaClock::restore(
        dur(c.target_ms),
        dur(c.consumed_ms),
        c.running_since.map(ts),
        c.breached_at.map(ts),
    )
}

/// Copies a clock's state back into its row, with its due time for lists and jobs.
fn keep(row: &mut ClockRow, clock: &SlaClock, cal: &BusinessCalendar) {
    row.consumed_ms = clock.consumed_before().as_millis() as i64;
    row.running_since = clock.running_since().map(|t| t.as_millisecond());
    row.breached_at = clock.breached_at().map(|t| t.as_millisecond());
    row.due_at = clock.due(cal).map(|t| t.as_millisecond());
}

/// A clock's calendar, read in the transaction (the message path holds one pooled
/// connection and must not wait for a second).
async fn calendar(tx: &mut Tx, id: i64) -> AppResult<BusinessCalendar> {
    let row = kefu_store::calendars::find_in_tx(tx, id)
        .await?
        .ok_or(crate::AppError::NotFound("calendar"))?;
    row.to_calendar()
        .map_err(|e| crate::AppError::Internal(format!("stored calendar {id} is invalid: {e}")))
}

/// The facts SLA policies are chosen by.
async fn facts(tx: &mut Tx, row: &ConversationRow) -> AppResult<TicketFacts> {
    let channel = kefu_store::inboxes::find_in_tx(tx, row.inbox_id)
        .await?
        .map(|i| i.channel);
    let contact = kefu_store::contacts::find_in_tx(tx, row.contact_id).await?;
    let customer_level = match contact.and_then(|c| c.organisation_id) {
        Some(o) => kefu_store::organisations::find_in_tx(tx, o)
            .await?
            .and_then(|o| o.member_level),
        None => None,
    };
    Ok(TicketFacts {
        ticket_type: row.ticket_type.clone(),
        priority: Priority::parse(&row.priority).ok(),
        channel,
        team_id: row.team_id,
        customer_level,
    })
}

fn target_of(policy: &PolicyRow, kind: &str) -> Option<i64> {
    match kind {
        FIRST => policy.first_response_minutes,
        NEXT => policy.next_response_minutes,
        _ => policy.resolution_minutes,
    }
    .map(|m| m * 60_000)
}

fn new_clock(
    row: &ConversationRow,
    policy: &PolicyRow,
    kind: &str,
    target_ms: i64,
    now: i64,
) -> ClockRow {
    ClockRow {
        conversation_id: row.id,
        kind: kind.to_owned(),
        policy_id: Some(policy.id),
        calendar_id: policy.calendar_id,
        warning_percent: policy.warning_percent,
        target_ms,
        consumed_ms: 0,
        running_since: Some(now),
        breached_at: None,
        due_at: None,
        warned: false,
        breached: false,
        done_at: None,
    }
}

/// Saves a clock and schedules its warning and due checks.
async fn save(tx: &mut Tx, mut row: ClockRow, clock: &SlaClock, now: i64) -> AppResult<ClockRow> {
    let cal = calendar(tx, row.calendar_id).await?;
    keep(&mut row, clock, &cal);
    sla_clocks::save(tx, &row).await?;
    if row.done_at.is_none() {
        let warn = clock
            .warning_at(&cal, row.warning_percent.clamp(1, 99) as u8)
            .map(|t| t.as_millisecond());
        for (what, at) in [
            ("warning", warn.filter(|_| !row.warned)),
            ("due", row.due_at.filter(|_| !row.breached)),
        ] {
            if let Some(at) = at {
                let key = format!("{}:{}:{what}:{at}", row.conversation_id, row.kind);
                let payload = json!({ "conversation_id": row.conversation_id, "kind": row.kind });
                jobs::enqueue(tx, SLA_CHECK, &key, &payload, at.max(now), now).await?;
            }
        }
    }
    Ok(row)
}

/// A message was written: the first customer message starts the clocks, a later one
/// starts the next-response clock, an agent's reply stops the response clocks.
pub(crate) async fn on_message(
    tx: &mut Tx,
    row: &ConversationRow,
    kind: MessageKind,
    from_agent: bool,
    has_clocks: Option<bool>,
    now: i64,
) -> AppResult<()> {
    // Known to have none when the message's statement said so (no read then).
    let clocks = match has_clocks {
        Some(false) => Vec::new(),
        _ => sla_clocks::of_conversation(tx, row.id).await?,
    };
    if clocks.is_empty() {
        // Nothing to pause or resume; only a customer's message may start them.
        return match kind == MessageKind::Incoming && start(tx, row, now).await? {
            true => status_changed_of(tx, row, now).await,
            false => Ok(()),
        };
    }
    match kind {
        MessageKind::Incoming => {
            let answered = clocks
                .iter()
                .any(|c| c.kind == FIRST && c.done_at.is_some());
            let waiting = clocks.iter().any(|c| c.kind == NEXT && c.done_at.is_none());
            let policy = match clocks.first().and_then(|c| c.policy_id) {
                Some(p) => kefu_store::sla_policies::find_in_tx(tx, p).await?,
                None => None,
            };
            if let (true, false, Some(p)) = (answered, waiting, policy)
                && let Some(target) = target_of(&p, NEXT)
            {
                let fresh = new_clock(row, &p, NEXT, target, now);
                let clock = clock_of(&fresh);
                save(tx, fresh, &clock, now).await?;
            }
        }
        MessageKind::Outgoing if from_agent => {
            for c in clocks
                .into_iter()
                .filter(|c| c.kind != RESOLUTION && c.done_at.is_none())
            {
                let cal = calendar(tx, c.calendar_id).await?;
                let mut clock = clock_of(&c);
                clock.pause(&cal, ts(now));
                let mut done = c;
                done.done_at = Some(now);
                save(tx, done, &clock, now).await?;
            }
        }
        _ => {}
    }
    status_changed_of(tx, row, now).await
}

/// Starts a new ticket's clocks under the first policy that matches it; `false` when
/// none matched.
async fn start(tx: &mut Tx, row: &ConversationRow, now: i64) -> AppResult<bool> {
    let policies = enabled_policies(tx).await?;
    if policies.is_empty() {
        return Ok(false);
    }
    let facts = facts(tx, row).await?;
    let Some(policy) = crate::sla::first_match(&policies, &facts).cloned() else {
        return Ok(false);
    };
    for kind in [FIRST, RESOLUTION] {
        if let Some(target) = target_of(&policy, kind) {
            let fresh = new_clock(row, &policy, kind, target, now);
            let clock = clock_of(&fresh);
            save(tx, fresh, &clock, now).await?;
        }
    }
    Ok(true)
}

/// The enabled policies as the message path reads them: once per transaction, so a
/// batch of mail asks the database once, not once per mail.
#[derive(Clone)]
struct EnabledPolicies(Arc<Vec<PolicyRow>>);

async fn enabled_policies(tx: &mut Tx) -> AppResult<Arc<Vec<PolicyRow>>> {
    if let Some(EnabledPolicies(policies)) = tx.memo() {
        return Ok(policies);
    }
    let policies = Arc::new(kefu_store::sla_policies::list_enabled_in_tx(tx).await?);
    tx.remember(EnabledPolicies(policies.clone()));
    Ok(policies)
}

/// The ticket's status changed (or may have): clocks pause while it waits on the
/// customer, is snoozed or resolved, stop for good when it is closed, run otherwise.
pub(crate) async fn status_changed(tx: &mut Tx, id: i64, now: i64) -> AppResult<()> {
    match conversations::find_in_tx(tx, id).await? {
        Some(row) => status_changed_of(tx, &row, now).await,
        None => Ok(()),
    }
}

/// [`status_changed`] for a row the caller has up to date.
async fn status_changed_of(tx: &mut Tx, row: &ConversationRow, now: i64) -> AppResult<()> {
    let status = ConversationStatus::parse(&row.status).unwrap_or(ConversationStatus::Open);
    for c in sla_clocks::of_conversation(tx, row.id).await? {
        if c.done_at.is_some() {
            continue;
        }
        let cal = calendar(tx, c.calendar_id).await?;
        let mut clock = clock_of(&c);
        let mut next = c.clone();
        if status.pauses_sla() {
            clock.pause(&cal, ts(now));
            if status == ConversationStatus::Closed {
                next.done_at = Some(now);
            }
        } else {
            clock.resume(ts(now));
        }
        if clock != clock_of(&c) || next.done_at != c.done_at {
            save(tx, next, &clock, now).await?;
        }
    }
    Ok(())
}

/// The ticket's type, priority or team changed: open clocks take the targets of the
/// policy that matches now (time already used still counts).
pub(crate) async fn on_ticket_changed(
    tx: &mut Tx,
    row: &ConversationRow,
    now: i64,
) -> AppResult<()> {
    let clocks = sla_clocks::of_conversation(tx, row.id).await?;
    if clocks.is_empty() {
        return Ok(());
    }
    let policies = kefu_store::sla_policies::list_enabled_in_tx(tx).await?;
    let facts = facts(tx, row).await?;
    let Some(policy) = crate::sla::first_match(&policies, &facts).cloned() else {
        return Ok(());
    };
    for c in clocks.into_iter().filter(|c| c.done_at.is_none()) {
        let Some(target) = target_of(&policy, &c.kind) else {
            continue;
        };
        if c.policy_id == Some(policy.id) && c.target_ms == target {
            continue;
        }
        let old_cal = calendar(tx, c.calendar_id).await?;
        let mut used = clock_of(&c);
        used.pause(&old_cal, ts(now));
        let mut next = c.clone();
        next.policy_id = Some(policy.id);
        next.calendar_id = policy.calendar_id;
        next.warning_percent = policy.warning_percent;
        next.target_ms = target;
        next.warned = false;
        next.breached = false;
        let mut clock = SlaClock::restore(dur(target), used.consumed_before(), None, None);
        if c.running_since.is_some() {
            clock.resume(ts(now));
        }
        save(tx, next, &clock, now).await?;
    }
    Ok(())
}

/// A clock's warning or due time came: record the warning or the breach once and tell
/// the assignee and the supervisors. Running twice, or after the clock stopped or was
/// re-targeted, changes nothing.
pub(crate) async fn check(app: &App, conversation_id: i64, kind: &str) -> AppResult<()> {
    let now = kefu_domain::time::now_ms();
    let mut tx = app.db.begin().await?;
    let Some(c) = sla_clocks::of_conversation(&mut tx, conversation_id)
        .await?
        .into_iter()
        .find(|c| c.kind == kind && c.done_at.is_none() && c.running_since.is_some())
    else {
        return Ok(());
    };
    let cal = calendar(&mut tx, c.calendar_id).await?;
    let clock = clock_of(&c);
    let due = clock.due(&cal).map(|t| t.as_millisecond());
    let warn = clock
        .warning_at(&cal, c.warning_percent.clamp(1, 99) as u8)
        .map(|t| t.as_millisecond());
    let Some(row) = conversations::find_in_tx(&mut tx, conversation_id).await? else {
        return Ok(());
    };
    let mut next = c.clone();
    let event = if due.is_some_and(|d| d <= now) && !c.breached {
        next.breached = true;
        next.warned = true;
        sla_clocks::record_breach(&mut tx, &next, row.assignee_id, row.team_id, now).await?;
        "sla.breached"
    } else if warn.is_some_and(|w| w <= now) && !c.warned {
        next.warned = true;
        "sla.warning"
    } else {
        return Ok(());
    };
    sla_clocks::save(&mut tx, &next).await?;
    let people: Vec<i64> = row.assignee_id.into_iter().collect();
    append(
        app,
        &mut tx,
        event,
        Some(conversation_id),
        Some(row.inbox_id),
        true,
        &json!({ "clock": next, "ticket_number": row.ticket_number, "contact_name": row.contact_name,
                 "notify": { "roles": ["supervisor", "manager"], "user_ids": people } }),
    )
    .await?;
    crate::events::commit(app, tx).await?;
    Ok(())
}

/// A ticket's clocks as stored (the ticket panel shows them with a countdown).
pub async fn clocks(app: &App, actor: &crate::Actor, id: i64) -> AppResult<Vec<ClockRow>> {
    crate::conversations::get_conversation(app, actor, id).await?;
    Ok(sla_clocks::list(&app.db, id).await?)
}
