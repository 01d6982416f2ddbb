//! Writing to a buyer about their order (a payment reminder, a change done): into a
//! conversation through the normal outgoing path — so a buyer who wrote by email gets
//! mail — or, when there is no conversation or the text could not be filled, a task for
//! an agent to do it by hand.

use crate::conversations::{Author, write_message};
use crate::scripts::order_values::OrderValues;
use crate::{App, AppResult};
use kefu_domain::script::{Rendered, Variable, local_date, render};
use kefu_domain::{MessageBody, MessageKind};
use kefu_store::Tx;
use kefu_store::contacts::ContactRow;
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::stores::StoreRow;
use kefu_store::tasks::NewTask;

/// What to tell a buyer and what to do when kefu cannot.
pub(crate) struct BuyerNotice<'a> {
    pub contact_id: Option<i64>,
    /// The conversation to write in; `None` (or one that is gone): the buyer's most recent.
    pub conversation_id: Option<i64>,
    /// The filled text; with a variable left unfilled an agent is asked instead.
    pub text: Option<&'a Rendered>,
    /// Keeps a job that runs twice from writing twice.
    pub client_id: &'a str,
    pub task_kind: &'a str,
    pub task_title: &'a str,
    /// How long the agent has.
    pub task_due_ms: i64,
}

/// Where a notice went.
pub(crate) struct Told {
    pub conversation: Option<ConversationRow>,
    pub message_id: Option<i64>,
    pub task_id: Option<i64>,
}

/// Writes the notice to the buyer, or gives the conversation's agent (else the
/// supervisors) a task carrying the text.
pub(crate) async fn tell_buyer(
    app: &App,
    tx: &mut Tx,
    n: &BuyerNotice<'_>,
    now: i64,
) -> AppResult<Told> {
    // Only a conversation of the buyer themselves: the notice is about their order.
    let chosen = match n.conversation_id {
        Some(id) => conversations::find_in_tx(tx, id)
            .await?
            .filter(|c| n.contact_id == Some(c.contact_id)),
        None => None,
    };
    let conversation = match (chosen, n.contact_id) {
        (Some(c), _) => Some(c),
        (None, Some(contact)) => conversations::most_recent_of_contact(tx, contact).await?,
        (None, None) => None,
    };
    let complete = n.text.filter(|t| t.missing.is_empty());
    let body = complete.and_then(|t| MessageBody::parse(&t.text).ok());
    if let (Some(c), Some(body)) = (&conversation, body) {
        let m = write_message(
            app,
            tx,
            c,
            MessageKind::Outgoing,
            &body,
            Author::System,
            Some(n.client_id),
        )
        .await?
        .unwrap_or_else(|existing| existing);
        return Ok(Told {
            message_id: Some(m.id),
            task_id: None,
            conversation,
        });
    }
    let assignee = conversation.as_ref().and_then(|c| c.assignee_id);
    let task = kefu_store::tasks::insert(
        tx,
        &NewTask {
            kind: n.task_kind,
            title: n.task_title,
            note: n.text.map(|t| t.text.as_str()),
            conversation_id: conversation.as_ref().map(|c| c.id),
            contact_id: n.contact_id,
            assignee_id: assignee,
            department: None,
            to_role: assignee.is_none().then_some("supervisor"),
            due_at: Some(now + n.task_due_ms),
            created_by: None,
        },
        now,
    )
    .await?;
    crate::tasks::schedule_deadline(tx, &task, now).await?;
    crate::tasks::task_event(app, tx, "task.created", &task, None).await?;
    Ok(Told {
        conversation,
        message_id: None,
        task_id: Some(task.id),
    })
}

/// Fills a text written in `locale` for the buyer of an order: their name, the store's
/// name, their local date and the order's values (`{{agent_name}}` stays unfilled, so an
/// agent is asked instead).
pub(crate) fn fill(
    body: &str,
    locale: &str,
    store: &StoreRow,
    buyer: Option<&ContactRow>,
    buyer_name: Option<&str>,
    values: &OrderValues,
) -> Rendered {
    let customer = buyer
        .map(|c| c.name.clone())
        .or_else(|| buyer_name.map(str::to_owned));
    let today = buyer
        .and_then(|c| c.time_zone.as_deref())
        .and_then(|tz| local_date(tz, jiff::Timestamp::now()));
    let value = |v: Variable| match v {
        Variable::CustomerName => customer.clone(),
        Variable::ShopName => Some(store.name.clone()),
        Variable::LocalDate => today.map(|d| d.to_string()),
        Variable::AgentName => None,
        _ => values.get(v, locale),
    };
    render(body, value, |v| format!("【{}】", v.as_str()))
}
