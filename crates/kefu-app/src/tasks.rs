//! Tasks with deadlines: hand-offs of a ticket to a supervisor, a manager, a colleague
//! or another department (escalation), and follow-up contacts with a customer. A
//! deadline is a job; when it passes with the task open, the task is flagged overdue and
//! the supervisors are told.

use crate::archive::{choice, optional_text};
use crate::conversations::get_conversation;
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, MessageBody, MessageKind, Permission, Role};
use kefu_store::tasks::{self, NewTask, TaskFilter, TaskRow};
use kefu_store::tickets::{self, Holder};
use kefu_store::{Tx, audit, conversations, jobs, users};
use serde::Deserialize;
use serde_json::json;

/// Fires at a task's deadline.
pub const TASK_DUE: &str = "task.due";

const MAX_NOTE_CHARS: usize = 4_000;
const MAX_TITLE_CHARS: usize = 200;
/// Longest deadline a task may be given: a year.
const MAX_DUE_MS: i64 = 366 * 24 * 3_600_000;

/// Who a ticket is handed to.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandTo {
    Supervisor,
    Manager,
    /// A department from the `department` list; `department` names it.
    Department,
    /// A colleague; `user_id` names them.
    User,
}

/// An escalation: to whom, what is needed, and by when.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Escalation {
    pub to: HandTo,
    pub department: Option<String>,
    pub user_id: Option<i64>,
    /// What the holder should do or answer.
    pub note: String,
    /// The deadline, in minutes from now (default 120).
    pub due_in_minutes: Option<i64>,
}

/// A deadline `minutes` from `now`, within bounds.
pub(crate) fn deadline(field: &'static str, minutes: i64, now: i64) -> AppResult<i64> {
    let ms = minutes.saturating_mul(60_000);
    if !(1..=MAX_DUE_MS).contains(&ms) {
        return Err(Invalid::new(
            field,
            "invalid_deadline",
            "the deadline must be between one minute and a year away",
        )
        .into());
    }
    Ok(now + ms)
}

fn required_note(field: &'static str, v: &str) -> AppResult<String> {
    optional_text(field, &Some(v.to_owned()), MAX_NOTE_CHARS)?.ok_or_else(|| {
        Invalid::new(
            field,
            "required",
            "say what is needed, so the holder can act on it",
        )
        .into()
    })
}

/// Hands a ticket to a supervisor, a manager, a department or a colleague, as a task with
/// a deadline. The ticket shows the new holder from now on; one hand-off at a time.
pub async fn escalate(app: &App, actor: &Actor, id: i64, e: &Escalation) -> AppResult<TaskRow> {
    actor.require(Permission::WorkConversations)?;
    let row = get_conversation(app, actor, id).await?;
    if row.merged_into.is_some() || row.status == "closed" {
        return Err(Invalid::new("id", "ticket_closed", "this ticket is closed").into());
    }
    let note = required_note("note", &e.note)?;
    let now = now_ms();
    let due_at = deadline("due_in_minutes", e.due_in_minutes.unwrap_or(120), now)?;
    let (role, department, user) = match e.to {
        HandTo::Supervisor => (Some("supervisor"), None, None),
        HandTo::Manager => (Some("manager"), None, None),
        HandTo::Department => {
            let d = choice(app, "department", "department", &e.department).await?;
            let d =
                d.ok_or_else(|| Invalid::new("department", "required", "name the department"))?;
            (None, Some(d), None)
        }
        HandTo::User => {
            let u = e
                .user_id
                .ok_or_else(|| Invalid::new("user_id", "required", "name the colleague"))?;
            let found = users::find(&app.db, u).await?.filter(|u| !u.disabled);
            (None, None, Some(found.ok_or(AppError::NotFound("user"))?))
        }
    };
    let title = format!(
        "#{} {}",
        row.ticket_number,
        row.subject.as_deref().unwrap_or(&row.contact_name)
    );
    let mut tx = app.db.begin().await?;
    if tasks::open_handoff_of(&mut tx, id).await?.is_some() {
        return Err(AppError::Conflict {
            code: "already_handed_off",
            message:
                "this ticket is already handed off; wait for the answer or close that hand-off"
                    .into(),
            existing_id: None,
        });
    }
    let task = tasks::insert(
        &mut tx,
        &NewTask {
            kind: "handoff",
            title: &title,
            note: Some(&note),
            conversation_id: Some(id),
            contact_id: Some(row.contact_id),
            assignee_id: user.as_ref().map(|u| u.id),
            department: department.as_deref(),
            to_role: role,
            due_at: Some(due_at),
            created_by: Some(actor.user_id),
        },
        now,
    )
    .await?;
    let holder = Holder {
        user_id: task.assignee_id,
        department: department.as_deref(),
        role,
        handoff_task_id: Some(task.id),
    };
    tickets::hold(&mut tx, id, holder, now).await?;
    if department.is_some() {
        conversations::set_status(&mut tx, id, "waiting_department", None, now).await?;
    }
    schedule_deadline(&mut tx, &task, now).await?;
    let detail =
        json!({ "task": task.id, "to": role.or(department.as_deref()), "user": task.assignee_id });
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "ticket.escalated",
        &format!("conversation:{id}"),
        &detail.to_string(),
        now,
    )
    .await?;
    task_event(app, &mut tx, "task.created", &task, None).await?;
    crate::conversations::conversation_changed(app, tx, id, actor.user_id).await?;
    Ok(task)
}

/// Schedules the job that flags the task overdue at its deadline.
pub(crate) async fn schedule_deadline(tx: &mut Tx, task: &TaskRow, now: i64) -> AppResult<()> {
    if let Some(due) = task.due_at {
        jobs::enqueue(
            tx,
            TASK_DUE,
            &format!("{}:{due}", task.id),
            &json!({ "task_id": task.id }),
            due,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Appends a task event; `notify` names who should be alerted (roles and people).
pub(crate) async fn task_event(
    app: &App,
    tx: &mut Tx,
    kind: &str,
    task: &TaskRow,
    notify: Option<serde_json::Value>,
) -> AppResult<()> {
    let inbox = match task.conversation_id {
        Some(c) => conversations::find_in_tx(tx, c).await?.map(|r| r.inbox_id),
        None => None,
    };
    let mut payload = json!({ "task": task });
    if let Some(n) = notify {
        payload["notify"] = n;
    }
    append(app, tx, kind, task.conversation_id, inbox, true, &payload).await?;
    Ok(())
}

/// A follow-up contact with a customer (回访), or any task with a deadline.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewFollowUp {
    pub title: String,
    pub note: Option<String>,
    pub contact_id: Option<i64>,
    pub conversation_id: Option<i64>,
    /// Who does it (default: whoever creates it).
    pub assignee_id: Option<i64>,
    /// When it is due (UTC milliseconds).
    pub due_at: i64,
}

/// Schedules a follow-up inside `tx` (complaints close with one).
pub(crate) async fn insert_follow_up(
    tx: &mut Tx,
    actor: &Actor,
    f: &NewFollowUp,
    contact_id: i64,
    now: i64,
) -> AppResult<TaskRow> {
    let title = optional_text("title", &Some(f.title.clone()), MAX_TITLE_CHARS)?
        .ok_or_else(|| Invalid::new("title", "required", "give the task a title"))?;
    let note = optional_text("note", &f.note, MAX_NOTE_CHARS)?;
    if f.due_at <= now || f.due_at - now > MAX_DUE_MS {
        return Err(Invalid::new(
            "due_at",
            "invalid_deadline",
            "the follow-up must be due in the future, within a year",
        )
        .into());
    }
    let task = tasks::insert(
        tx,
        &NewTask {
            kind: "follow_up",
            title: &title,
            note: note.as_deref(),
            conversation_id: f.conversation_id,
            contact_id: Some(contact_id),
            assignee_id: Some(f.assignee_id.unwrap_or(actor.user_id)),
            department: None,
            to_role: None,
            due_at: Some(f.due_at),
            created_by: Some(actor.user_id),
        },
        now,
    )
    .await?;
    schedule_deadline(tx, &task, now).await?;
    let entry = kefu_store::timeline::NewEntry {
        kind: "task",
        ref_id: Some(task.id),
        actor_user_id: Some(actor.user_id),
        summary: &task.title,
        detail: json!({ "due_at": task.due_at, "kind": task.kind }),
        occurred_at: now,
    };
    kefu_store::timeline::record_for_contact(tx, contact_id, &entry, now).await?;
    Ok(task)
}

/// Creates a follow-up for a customer (directly or through one of their tickets).
pub async fn create_follow_up(app: &App, actor: &Actor, f: &NewFollowUp) -> AppResult<TaskRow> {
    actor.require(Permission::WorkConversations)?;
    let contact_id = match (f.conversation_id, f.contact_id) {
        (Some(c), _) => get_conversation(app, actor, c).await?.contact_id,
        (None, Some(c)) => {
            kefu_store::contacts::find(&app.db, c)
                .await?
                .filter(|c| c.merged_into.is_none() && c.erased_at.is_none())
                .ok_or(AppError::NotFound("contact"))?
                .id
        }
        (None, None) => {
            return Err(Invalid::new(
                "contact_id",
                "required",
                "name the customer (contact_id) or the ticket (conversation_id)",
            )
            .into());
        }
    };
    if let Some(u) = f.assignee_id.filter(|u| *u != actor.user_id) {
        actor.require(Permission::AssignOthers)?;
        users::find(&app.db, u)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AppError::NotFound("user"))?;
    }
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let task = insert_follow_up(&mut tx, actor, f, contact_id, now).await?;
    task_event(app, &mut tx, "task.created", &task, None).await?;
    commit(app, tx).await?;
    Ok(task)
}

/// Opens a task inside `tx` for work the system found (a call-back after a bad review,
/// outreach to an abandoned cart): held by `team_id`'s members when given, with its
/// deadline scheduled and `task.created` appended.
pub(crate) async fn open_task(
    app: &App,
    tx: &mut Tx,
    new: &NewTask<'_>,
    team_id: Option<i64>,
    now: i64,
) -> AppResult<TaskRow> {
    let mut task = tasks::insert(tx, new, now).await?;
    if let Some(team) = team_id {
        tasks::set_team(tx, task.id, team).await?;
        task = tasks::find_in_tx(tx, task.id)
            .await?
            .ok_or(AppError::NotFound("task"))?;
    }
    schedule_deadline(tx, &task, now).await?;
    task_event(app, tx, "task.created", &task, None).await?;
    Ok(task)
}

/// Closes an open task inside `tx` for a feature that settles it itself (a call-back
/// recorded on its review, an outreach converted by an order); false when it was no
/// longer open.
pub(crate) async fn settle_task(
    app: &App,
    tx: &mut Tx,
    id: i64,
    (status, result): (&str, Option<&str>),
    by: Option<i64>,
    now: i64,
) -> AppResult<bool> {
    if tasks::close(tx, id, status, result, by, now).await? == 0 {
        return Ok(false);
    }
    if let Some(task) = tasks::find_in_tx(tx, id).await? {
        task_event(app, tx, "task.closed", &task, None).await?;
    }
    Ok(true)
}

/// Whether `actor` holds the task: named, in its department or team, or of its role or above.
pub(crate) async fn holds(app: &App, actor: &Actor, task: &TaskRow) -> AppResult<bool> {
    if task.assignee_id == Some(actor.user_id) || actor.role >= Role::Manager {
        return Ok(true);
    }
    if let Some(team) = task.team_id {
        let mine = kefu_store::teams::team_ids_of_user(&app.db, actor.user_id).await?;
        if mine.contains(&team) || actor.role >= Role::Supervisor {
            return Ok(true);
        }
    }
    if let Some(role) = task.to_role.as_deref() {
        return Ok(Role::parse(role).is_ok_and(|r| actor.role >= r));
    }
    if let Some(d) = &task.department {
        let me = users::find(&app.db, actor.user_id).await?;
        return Ok(me.is_some_and(|u| u.department.as_deref() == Some(d.as_str())));
    }
    Ok(false)
}

/// What a task list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskScope {
    /// Open tasks the actor holds: their own, their department's, their role's.
    Mine,
    /// Open tasks past their deadline, for supervisors and up.
    Overdue,
}

pub async fn list_tasks(app: &App, actor: &Actor, scope: TaskScope) -> AppResult<Vec<TaskRow>> {
    actor.require(Permission::WorkConversations)?;
    let mut f = TaskFilter {
        open_only: true,
        limit: 200,
        ..TaskFilter::default()
    };
    match scope {
        TaskScope::Mine => {
            f.assignee_id = Some(actor.user_id);
            f.department = users::find(&app.db, actor.user_id)
                .await?
                .and_then(|u| u.department);
            f.to_role = [Role::Supervisor, Role::Manager]
                .into_iter()
                .filter(|r| actor.role >= *r)
                .map(|r| r.as_str().to_owned())
                .collect();
            f.team_ids = kefu_store::teams::team_ids_of_user(&app.db, actor.user_id).await?;
        }
        TaskScope::Overdue => {
            actor.require(Permission::AssignOthers)?;
            f.overdue_only = true;
        }
    }
    Ok(tasks::list(&app.db, &f).await?)
}

/// The tasks of one ticket, open and closed.
pub async fn ticket_tasks(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<TaskRow>> {
    get_conversation(app, actor, id).await?;
    let f = TaskFilter {
        conversation_id: Some(id),
        limit: 100,
        ..TaskFilter::default()
    };
    Ok(tasks::list(&app.db, &f).await?)
}

/// Finishing a task: the answer or result.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TaskDone {
    /// For a hand-off, the answer (it becomes a private note on the ticket).
    pub result: Option<String>,
    /// Cancel instead of completing (the person who handed off, or a supervisor).
    #[serde(default)]
    pub cancel: bool,
}

/// Completes (or cancels) a task. A hand-off's answer becomes a note on the ticket, which
/// goes back to its assignee.
pub async fn complete_task(
    app: &App,
    actor: &Actor,
    id: i64,
    done: &TaskDone,
) -> AppResult<TaskRow> {
    actor.require(Permission::WorkConversations)?;
    let task = tasks::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    let allowed = if done.cancel {
        task.created_by == Some(actor.user_id) || actor.role >= Role::Supervisor
    } else {
        holds(app, actor, &task).await?
    };
    if !allowed {
        return Err(AppError::Forbidden(
            "this task is held by someone else; ask them or a supervisor".into(),
        ));
    }
    if task.kind == crate::reviews::CALLBACK_TASK && !done.cancel {
        return Err(Invalid::new(
            "result",
            "callback_needs_reason",
            "record the call-back on its review: the reason, the outcome and the reply posted",
        )
        .into());
    }
    let result = optional_text("result", &done.result, MAX_NOTE_CHARS)?;
    if task.kind == "handoff" && !done.cancel && result.is_none() {
        return Err(Invalid::new(
            "result",
            "required",
            "write the answer for the colleague who asked",
        )
        .into());
    }
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    let status = if done.cancel { "cancelled" } else { "done" };
    if tasks::close(
        &mut tx,
        id,
        status,
        result.as_deref(),
        Some(actor.user_id),
        now,
    )
    .await?
        == 0
    {
        return Err(AppError::Conflict {
            code: "task_closed",
            message: "this task is already closed".into(),
            existing_id: None,
        });
    }
    if let (Some(c), "handoff") = (task.conversation_id, task.kind.as_str()) {
        return_ticket(app, &mut tx, actor, c, id, result.as_deref(), now).await?;
    }
    let closed = tasks::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    task_event(app, &mut tx, "task.closed", &closed, None).await?;
    commit(app, tx).await?;
    Ok(closed)
}

/// A hand-off is answered: the answer is noted on the ticket and it goes back to the
/// assignee (and out of "waiting on another department").
async fn return_ticket(
    app: &App,
    tx: &mut Tx,
    actor: &Actor,
    conversation_id: i64,
    task_id: i64,
    answer: Option<&str>,
    now: i64,
) -> AppResult<()> {
    let Some(row) = conversations::find_in_tx(tx, conversation_id).await? else {
        return Ok(());
    };
    if row.handoff_task_id == Some(task_id) {
        let back = Holder {
            user_id: row.assignee_id,
            ..Holder::default()
        };
        tickets::hold(tx, conversation_id, back, now).await?;
        if row.status == "waiting_department" {
            conversations::set_status(tx, conversation_id, "open", None, now).await?;
        }
    }
    if let Some(text) = answer.map(MessageBody::parse).transpose()? {
        crate::conversations::write_message(
            app,
            tx,
            &row,
            MessageKind::Note,
            &text,
            crate::conversations::Author::Agent(actor.user_id, &actor.name),
            None,
        )
        .await?
        .ok();
    }
    let row = conversations::find_in_tx(tx, conversation_id)
        .await?
        .ok_or(AppError::NotFound("conversation"))?;
    append(
        app,
        tx,
        "conversation.updated",
        Some(conversation_id),
        Some(row.inbox_id),
        true,
        &json!({ "conversation": row, "by": actor.user_id }),
    )
    .await?;
    Ok(())
}

/// A task's deadline passed: flag it and alert supervisors and the people involved.
/// Running twice (or after the task closed) changes nothing.
pub(crate) async fn on_due(app: &App, task_id: i64) -> AppResult<()> {
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    if !tasks::flag_overdue(&mut tx, task_id, now).await? {
        return Ok(());
    }
    let task = tasks::find_in_tx(&mut tx, task_id)
        .await?
        .ok_or(AppError::NotFound("task"))?;
    let people: Vec<i64> = [task.assignee_id, task.created_by]
        .into_iter()
        .flatten()
        .collect();
    let notify = json!({ "roles": ["supervisor", "manager"], "user_ids": people });
    task_event(app, &mut tx, "task.overdue", &task, Some(notify)).await?;
    commit(app, tx).await?;
    Ok(())
}
