//! Routing pages: the supervisor's live queues (refreshed from the event stream by
//! assets/app.js) with reassigning, and the admins' routing settings.

mod settings;

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::failed;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::AppError;
use kefu_app::routing::queues::{self, Reassign};
use kefu_domain::Permission;
use serde::Deserialize;

/// Waiting conversations listed per team on the queues page.
const PER_TEAM: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/routing/queues", get(show_queues))
        .route("/fragments/routing/queues", get(queues_fragment))
        .route(
            "/routing/conversations/{id}/reassign",
            post(reassign_conversation),
        )
        .merge(settings::routes())
}

async fn queues_page(
    s: &AppState,
    ui: &UiActor,
    template: &str,
    error: Option<String>,
) -> Response {
    let result = async {
        let last_event_id = kefu_store::events::latest_id(&s.app.db).await?;
        let view = queues::queue_view(&s.app, &ui.actor, PER_TEAM).await?;
        let can_manage = ui.actor.role.allows(Permission::ManageUsers);
        Ok::<_, AppError>(render(
            s,
            template,
            ui.actor.locale,
            Some(ui),
            minijinja::context! { view, last_event_id, can_manage, error },
        ))
    };
    result.await.unwrap_or_else(|e| failed(s, ui, e))
}

pub async fn show_queues(State(s): State<AppState>, ui: UiActor) -> Response {
    queues_page(&s, &ui, "routing_queues.html", None).await
}

/// The queues board alone, for live refreshes.
pub async fn queues_fragment(State(s): State<AppState>, ui: UiActor) -> Response {
    queues_page(&s, &ui, "routing_board.html", None).await
}

#[derive(Deserialize)]
pub struct ReassignForm {
    pub csrf: String,
    /// `agent:<id>` or `team:<id>`.
    pub to: String,
}

impl ReassignForm {
    fn target(&self) -> Reassign {
        let (kind, id) = self.to.split_once(':').unwrap_or_default();
        let id = id.parse().ok();
        Reassign {
            assignee_id: id.filter(|_| kind == "agent"),
            team_id: id.filter(|_| kind == "team"),
        }
    }
}

pub async fn reassign_conversation(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<ReassignForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match queues::reassign(&s.app, &ui.actor, id, &f.target()).await {
        Ok(_) => back("/app/routing/queues"),
        Err(e) => {
            let error = error_text(&s, ui.actor.locale, &e);
            queues_page(&s, &ui, "routing_queues.html", Some(error)).await
        }
    }
}
