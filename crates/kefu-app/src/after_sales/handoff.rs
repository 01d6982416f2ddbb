//! Handing a case to the warehouse (收货、入库), QC (质检), finance (退款) or purchasing as a
//! task with a deadline: the department's members see it in their tasks, and when the
//! deadline passes with it open it is flagged overdue and supervisors are told.

use crate::archive::{choice, optional_text};
use crate::events::commit;
use crate::tasks::{deadline, schedule_deadline, task_event};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::after_sales as store;
use kefu_store::tasks::{self, NewTask, TaskRow};
use serde::Deserialize;

/// The task kind of after-sales hand-offs.
pub const TASK_KIND: &str = "after_sales";
/// A day, when no deadline is given.
const DEFAULT_DUE_MINUTES: i64 = 24 * 60;

/// A hand-off of a case to a department.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct HandoffInput {
    /// A department from the `department` list (`warehouse`, `quality`, `finance`, `purchasing` …).
    pub department: String,
    /// What the department should do (receive and inspect the parcel, refund …).
    pub note: String,
    /// The deadline in minutes from now (default a day).
    pub due_in_minutes: Option<i64>,
}

/// Hands a case that is not finished to a department as a task with a deadline.
pub async fn hand_off(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &HandoffInput,
) -> AppResult<TaskRow> {
    actor.require(Permission::WorkConversations)?;
    let department = choice(
        app,
        "department",
        "department",
        &Some(input.department.clone()),
    )
    .await?
    .ok_or_else(|| Invalid::new("department", "required", "name the department"))?;
    let note = optional_text("note", &Some(input.note.clone()), 4_000)?.ok_or_else(|| {
        Invalid::new(
            "note",
            "required",
            "say what is needed, so the department can act on it",
        )
    })?;
    let now = now_ms();
    let due_at = deadline(
        "due_in_minutes",
        input.due_in_minutes.unwrap_or(DEFAULT_DUE_MINUTES),
        now,
    )?;
    let case = store::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("after-sales case"))?;
    if case.status == "closed" || case.status == "rejected" {
        return Err(AppError::Conflict {
            code: "case_finished",
            message: format!("the case is {}; nothing is left to hand off", case.status),
            existing_id: None,
        });
    }
    let title = format!("AS-{} · {} · {}", case.id, case.order_number, case.kind);
    let mut tx = app.db.begin().await?;
    let task = tasks::insert(
        &mut tx,
        &NewTask {
            kind: TASK_KIND,
            title: &title,
            note: Some(&note),
            conversation_id: case.conversation_id,
            contact_id: case.contact_id,
            assignee_id: None,
            department: Some(&department),
            to_role: None,
            due_at: Some(due_at),
            created_by: Some(actor.user_id),
        },
        now,
    )
    .await?;
    store::link_task(&mut tx, id, task.id).await?;
    schedule_deadline(&mut tx, &task, now).await?;
    task_event(app, &mut tx, "task.created", &task, None).await?;
    commit(app, tx).await?;
    Ok(task)
}
