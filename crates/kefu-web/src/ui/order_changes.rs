//! Order changes in the workspace (R-ORD-2): the agent records what the buyer asked to
//! change from the order panel; the packing team's list shows what is still to apply,
//! with export links, and marks each done (telling the buyer).

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::conversations::failed;
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::AppError;
use kefu_app::orders::changes::{self, AcknowledgeInput, ChangeInput, ChangeQuery};
use kefu_domain::order::ChangeKind;
use kefu_store::orders::Address;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/order-changes", get(packing_page))
        .route("/order-changes/{id}/done", post(mark_done))
        .route("/orders/{id}/changes", post(record_change))
}

/// The kinds of change an agent picks from.
pub fn change_kinds() -> Vec<&'static str> {
    ChangeKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// Changes still to apply (oldest first), or those done, with the stores to filter by.
async fn packing_page(
    State(s): State<AppState>,
    ui: UiActor,
    Query(q): Query<ChangeQuery>,
) -> Response {
    let result = async {
        let list = changes::packing_list(&s.app, &ui.actor, &q, 200).await?;
        let stores = kefu_store::stores::list(&s.app.db).await?;
        let stores: Vec<_> = stores
            .into_iter()
            .map(|st| minijinja::context! { id => st.id, name => st.name })
            .collect();
        let status = q.status.clone().unwrap_or_else(|| "open".into());
        let keep = format!(
            "status={status}{}",
            q.store.map(|s| format!("&store={s}")).unwrap_or_default()
        );
        let can_export = ui.actor.role.allows(kefu_domain::Permission::ExportArchive);
        let ctx = minijinja::context! {
            changes => list, stores, status, store => q.store, keep, can_export,
        };
        Ok::<_, AppError>(render(
            &s,
            "order_changes.html",
            ui.actor.locale,
            Some(&ui),
            ctx,
        ))
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

#[derive(Deserialize)]
pub struct DoneForm {
    csrf: String,
    /// A checkbox: present when the buyer is to be told.
    notify_buyer: Option<String>,
    /// The list to go back to.
    #[serde(default)]
    keep: String,
}

async fn mark_done(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<DoneForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let input = AcknowledgeInput {
        notify_buyer: Some(f.notify_buyer.is_some()),
    };
    match changes::acknowledge_change(&s.app, &ui.actor, id, &input).await {
        Ok(_) => back(&format!("/app/order-changes?{}", keep_of(&f.keep))),
        Err(e) => failed(&s, &ui, e),
    }
}

/// Only the list's own filters go back into its address.
fn keep_of(keep: &str) -> String {
    keep.split('&')
        .filter(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            matches!(k, "status" | "store") && v.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: String,
    kind: String,
    description: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    flag: String,
    /// The conversation page to go back to.
    conversation_id: Option<i64>,
}

async fn record_change(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<ChangeForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let address = Address {
        recipient: text(&f.recipient),
        phone: text(&f.phone),
        province: text(&f.province),
        city: text(&f.city),
        district: text(&f.district),
        line: text(&f.line),
        ..Default::default()
    };
    let given = [
        &address.recipient,
        &address.phone,
        &address.province,
        &address.city,
        &address.district,
        &address.line,
    ]
    .iter()
    .any(|v| v.is_some());
    let input = ChangeInput {
        kind: f.kind,
        description: f.description,
        new_address: given.then_some(address),
        flag: text(&f.flag),
        conversation_id: f.conversation_id,
    };
    match changes::record_change(&s.app, &ui.actor, id, &input).await {
        Ok(_) => back(&match f.conversation_id {
            Some(c) => format!("/app/conversations/{c}?view=all&status=any#order-{id}"),
            None => "/app/order-changes".into(),
        }),
        Err(e) => failed(&s, &ui, e),
    }
}
