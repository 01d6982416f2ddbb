//! Routing (R-CONV-5): a conversation a customer opens goes to a team by the rules,
//! waits in the team's queue, and is given to an available agent of the team —
//! round-robin or least-load, within each agent's capacity and skills. The queue
//! drains, oldest first, whenever someone may have room: an agent comes online, a
//! conversation leaves an agent, a capacity is raised, a member joins the team; and
//! every few seconds as a safety net (a drain lost to a crash is not lost for good).
//!
//! Correct with several instances on one PostgreSQL database: a decision locks the
//! team's routing row, then the rows of the agents it may choose in user-id order, and
//! sets the assignee in the same transaction. Agents' loads are kept by the database on
//! every conversation change (migration 9). SQLite has one writer, which serialises
//! the same way. Lock order, to never deadlock: team, agents (one sorted batch),
//! conversations, and the event log last.

mod language;
pub mod queues;
pub mod settings;

pub use language::detect as detect_language;

use crate::events::{append, commit};
use crate::{App, AppError, AppResult};
use kefu_domain::routing::{Candidate, Conditions, Facts, Strategy, choose};
use kefu_domain::time::now_ms;
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::routing::RuleRow;
use kefu_store::routing::queue::{self, CandidateRow, Waiting};
use kefu_store::{StoreError, Tx, teams};
use serde_json::json;
use std::sync::Arc;

/// The most waiting conversations one drain looks at; a longer queue drains over
/// several passes (each free-up and the periodic sweep start one).
const HEAD: u64 = 200;

/// Routes a conversation a customer writes in, when it is new (`created`) or nobody
/// holds it and it was not open (the customer came back): the first rule that matches
/// picks the team (else the conversation's own, the inbox's team), the conversation
/// joins that team's queue, and the queue drains. Call inside the transaction that
/// writes the message, before any event is appended; the caller's events then carry
/// the routed row, which this returns.
pub(crate) async fn route_arrival(
    app: &App,
    tx: &mut Tx,
    conversation: ConversationRow,
    created: bool,
    text: &str,
) -> AppResult<ConversationRow> {
    let came_back = conversation.assignee_id.is_none() && conversation.status != "open";
    if !created && !came_back {
        return Ok(conversation);
    }
    let rules = arrival_rules(tx).await?;
    let mut facts = Facts::new(conversation.inbox_id).with_text(text);
    // The language and the customer's level are looked up only when a rule asks.
    let asks = |f: fn(&Conditions) -> bool| rules.iter().any(|r| f(&r.conditions.0));
    if asks(|c| !c.languages.is_empty()) {
        facts.language = detect_language(text).map(str::to_owned);
    }
    if asks(|c| !c.member_levels.is_empty()) {
        facts.member_level = queue::member_level(tx, conversation.contact_id).await?;
    }
    // Known when the customer comes back to a classified ticket; a new conversation is
    // routed before anyone (or any rule) has set its type, and again when it is typed
    // while it waits (`route_typed`).
    facts.ticket_type = conversation.ticket_type.clone();
    let (team_id, skills) = match rules.iter().find(|r| r.conditions.0.matches(&facts)) {
        Some(rule) => (rule.team_id, rule.required_skills.0.clone()),
        None => match conversation.team_id {
            Some(team) => (team, Vec::new()),
            None => return Ok(conversation),
        },
    };
    let Some((strategy, cursor)) = queue::lock_team(tx, team_id).await? else {
        return Ok(conversation);
    };
    let language = match facts.language.as_deref() {
        Some(known) => Some(known),
        None => detect_language(text),
    };
    let waiting = Waiting {
        team_id,
        required_skills: Some(&skills),
        detected_language: language,
    };
    queue::enqueue(tx, conversation.id, &waiting, now_ms()).await?;
    drain_locked(app, tx, team_id, &strategy, cursor, Some(conversation.id)).await?;
    conversations::find_in_tx(tx, conversation.id)
        .await?
        .ok_or(AppError::NotFound("conversation"))
}

/// A conversation waiting for an agent got a ticket type (an agent, a macro or an
/// automation rule set it): the first routing rule naming that type sends it to its
/// team's queue, which then drains — so "售后 goes to the after-sales team" works although
/// a new conversation is routed before anything has typed it. What is known then is the
/// inbox, the type and the customer's level; a rule that also wants a language or
/// keywords is left to arrivals. Runs after the type's own transaction, in one of its
/// own, so routing's lock order (team first) holds; `Some` with the conversation when it
/// moved. A failure is logged, not returned: the type is already stored.
pub(crate) async fn route_typed(app: &App, id: i64) -> Option<ConversationRow> {
    match route_typed_in(app, id).await {
        Ok(moved) => moved,
        Err(e) => {
            tracing::warn!(conversation = id, error = %e, "routing by ticket type failed");
            None
        }
    }
}

async fn route_typed_in(app: &App, id: i64) -> AppResult<Option<ConversationRow>> {
    let mut tx = app.db.begin().await?;
    let rules = arrival_rules(&mut tx).await?;
    if rules.iter().all(|r| r.conditions.0.ticket_types.is_empty()) {
        return Ok(None);
    }
    let Some(row) = conversations::find_in_tx(&mut tx, id).await? else {
        return Ok(None);
    };
    let waiting = row.assignee_id.is_none() && row.status == "open" && row.merged_into.is_none();
    if !waiting || row.ticket_type.is_none() {
        return Ok(None);
    }
    let mut facts = Facts::new(row.inbox_id);
    facts.ticket_type = row.ticket_type.clone();
    if rules
        .iter()
        .any(|r| !r.conditions.0.member_levels.is_empty())
    {
        facts.member_level = queue::member_level(&mut tx, row.contact_id).await?;
    }
    // The rule arrivals would pick, given what is known; only one that names a type
    // moves the conversation (else arrivals and types would pull it back and forth).
    let Some(rule) = rules
        .iter()
        .find(|r| r.conditions.0.matches(&facts))
        .filter(|r| !r.conditions.0.ticket_types.is_empty())
    else {
        return Ok(None);
    };
    if row.team_id == Some(rule.team_id) {
        return Ok(None);
    }
    let Some((strategy, cursor)) = queue::lock_team(&mut tx, rule.team_id).await? else {
        return Ok(None);
    };
    let waiting = Waiting {
        team_id: rule.team_id,
        required_skills: Some(&rule.required_skills.0),
        detected_language: None,
    };
    // Taken by an agent, resolved or merged meanwhile: it stays as it is.
    if queue::enqueue_waiting(&mut tx, id, &waiting, now_ms()).await? == 0 {
        return Ok(None);
    }
    drain_locked(app, &mut tx, rule.team_id, &strategy, cursor, Some(id)).await?;
    let moved = conversations::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    let payload = json!({ "conversation": moved, "routed_by_type": rule.id });
    append(
        app,
        &mut tx,
        "conversation.updated",
        Some(id),
        Some(moved.inbox_id),
        true,
        &payload,
    )
    .await?;
    commit(app, tx).await?;
    Ok(Some(moved))
}

/// The routing rules as arrivals read them: once per transaction, so a batch of mail
/// asks the database once.
#[derive(Clone)]
struct ArrivalRules(Arc<Vec<RuleRow>>);

async fn arrival_rules(tx: &mut Tx) -> AppResult<Arc<Vec<RuleRow>>> {
    if let Some(ArrivalRules(rules)) = tx.memo() {
        return Ok(rules);
    }
    let rules = Arc::new(kefu_store::routing::rules(tx).await?);
    tx.remember(ArrivalRules(rules.clone()));
    Ok(rules)
}

/// Gives the team's waiting conversations, oldest first, to agents with room, while
/// anyone has room. The team's row is locked by the caller. Returns how many were
/// given; an event announces each, except `quiet` (whose caller announces it).
async fn drain_locked(
    app: &App,
    tx: &mut Tx,
    team_id: i64,
    strategy: &str,
    mut cursor: i64,
    quiet: Option<i64>,
) -> AppResult<usize> {
    let head = queue::head(tx, team_id, HEAD).await?;
    if head.is_empty() {
        return Ok(0);
    }
    let mut agents: Vec<Candidate> = queue::lock_candidates(tx, team_id)
        .await?
        .into_iter()
        .map(candidate)
        .collect();
    let strategy = Strategy::parse(strategy).unwrap_or_default();
    let now = now_ms();
    let mut given = Vec::new();
    let mut takers = Vec::new();
    for waiting in head {
        if agents.iter().all(|a| a.load >= a.capacity) {
            break;
        }
        let required = waiting.required_skills.map(|s| s.0).unwrap_or_default();
        let Some(i) = choose(strategy, &agents, &required, cursor) else {
            continue;
        };
        let user_id = agents[i].user_id;
        if queue::take(tx, waiting.id, user_id, now).await? {
            agents[i].load += 1;
            agents[i].last_assigned_at = now;
            cursor = user_id;
            given.push(waiting.id);
            takers.push(user_id);
        }
    }
    if given.is_empty() {
        return Ok(0);
    }
    takers.sort_unstable();
    takers.dedup();
    queue::note_given(tx, team_id, cursor, &takers, now).await?;
    // Events last: the event log's lock is the last one a transaction takes.
    for &id in given.iter().filter(|&&id| Some(id) != quiet) {
        announce(app, tx, id).await?;
    }
    Ok(given.len())
}

fn candidate(row: CandidateRow) -> Candidate {
    Candidate {
        user_id: row.user_id,
        load: row.open_load,
        capacity: row.capacity,
        skills: row.skills.0,
        last_assigned_at: row.last_assigned_at,
    }
}

async fn announce(app: &App, tx: &mut Tx, id: i64) -> AppResult<()> {
    let row = conversations::find_in_tx(tx, id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    append(
        app,
        tx,
        "conversation.updated",
        Some(id),
        Some(row.inbox_id),
        true,
        &json!({ "conversation": row, "by": 0, "routed": true }),
    )
    .await?;
    Ok(())
}

/// Drains a team's queue in a transaction of its own; retried when PostgreSQL picks
/// it as a deadlock victim (which the lock order should make impossible).
pub async fn drain_team(app: &App, team_id: i64) -> AppResult<usize> {
    let mut attempt = 0;
    loop {
        match drain_once(app, team_id).await {
            Err(e) if attempt < 2 && is_transient(&e) => attempt += 1,
            other => return other,
        }
    }
}

async fn drain_once(app: &App, team_id: i64) -> AppResult<usize> {
    let mut tx = app.db.begin().await?;
    let Some((strategy, cursor)) = queue::lock_team(&mut tx, team_id).await? else {
        return Ok(0);
    };
    let given = drain_locked(app, &mut tx, team_id, &strategy, cursor, None).await?;
    if given > 0 {
        commit(app, tx).await?;
    }
    Ok(given)
}

fn is_transient(e: &AppError) -> bool {
    match e {
        AppError::Store(StoreError::Other(sqlx::Error::Database(db))) => {
            matches!(db.code().as_deref(), Some("40P01" | "40001"))
        }
        _ => false,
    }
}

/// Call once a change that may give an agent room has committed (they came online,
/// a conversation left them, their capacity or skills changed): drains the queues of
/// their teams. Failures are logged; the periodic sweep drains what is left.
pub async fn agent_freed(app: &App, user_id: i64) {
    let team_ids = match teams::team_ids_of_user(&app.db, user_id).await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(user_id, error = %e, "routing could not read the agent's teams");
            return;
        }
    };
    for team_id in team_ids {
        team_changed(app, team_id).await;
    }
}

/// Drains one team's queue after a change to the team (a member joined), logging failures.
pub async fn team_changed(app: &App, team_id: i64) {
    if let Err(e) = drain_team(app, team_id).await {
        tracing::warn!(team_id, error = %e, "routing could not drain the team's queue");
    }
}

/// Drains every team that has waiting conversations (the job worker calls this every
/// few seconds); returns how many conversations were given.
pub async fn sweep(app: &App) -> AppResult<usize> {
    let mut given = 0;
    for team_id in queue::teams_waiting(&app.db).await? {
        given += drain_team(app, team_id).await?;
    }
    Ok(given)
}

/// Before a person changes who holds a conversation: locks the agents concerned in
/// routing's order, so the change and a routing decision never wait on each other.
pub(crate) async fn lock_holders(tx: &mut Tx, holders: &[Option<i64>]) -> AppResult<()> {
    let mut ids: Vec<i64> = holders.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(queue::lock_agents(tx, &ids).await?)
}

/// After a person set a conversation's assignee and team (inside that transaction):
/// open, with a team but nobody, it joins the team's queue (keeping the skills it
/// needed if the team stays); otherwise it leaves any queue (a resolved one is routed
/// again if the customer comes back). Returns the team whose queue it joined, to
/// drain with [`after_assignment`] once committed.
pub(crate) async fn place_after_assignment(
    tx: &mut Tx,
    before: &ConversationRow,
    assignee_id: Option<i64>,
    team_id: Option<i64>,
) -> AppResult<Option<i64>> {
    match (assignee_id, team_id) {
        (Some(_), _) => Ok(None),
        (None, Some(team)) if before.status == "open" => {
            let none: &[String] = &[];
            let waiting = Waiting {
                team_id: team,
                required_skills: (before.team_id != Some(team)).then_some(none),
                detected_language: None,
            };
            queue::enqueue(tx, before.id, &waiting, now_ms()).await?;
            Ok(Some(team))
        }
        (None, _) => {
            queue::leave(tx, before.id).await?;
            Ok(None)
        }
    }
}

/// Once a person's assignment has committed: drains the queue the conversation joined
/// and the queues of the agent who no longer holds it.
pub(crate) async fn after_assignment(app: &App, joined: Option<i64>, released: Option<i64>) {
    if let Some(team_id) = joined {
        team_changed(app, team_id).await;
    }
    if let Some(user_id) = released {
        agent_freed(app, user_id).await;
    }
}
