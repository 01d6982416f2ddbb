//! The duplicates view and merging from the workspace.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::merge::{self, DismissInput, Entity};
use kefu_domain::Permission;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers/duplicates", get(show_duplicates))
        .route("/customers/duplicates/merge", post(merge_pair))
        .route("/customers/duplicates/dismiss", post(dismiss_pair))
}

/// The page's query: which records, and the outcome of the form just posted.
#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default = "contacts")]
    pub entity: Entity,
    /// `merged` or `dismissed`.
    pub done: Option<String>,
    /// The record that stayed after a merge.
    pub id: Option<i64>,
}

fn contacts() -> Entity {
    Entity::Contact
}

async fn page(
    s: &AppState,
    ui: &UiActor,
    entity: Entity,
    done: Option<(&str, Option<i64>)>,
    error: Option<String>,
) -> Response {
    let (pairs, error) = match merge::list_duplicates(&s.app, &ui.actor, entity, 50).await {
        Ok(pairs) => (pairs, error),
        Err(e) => (Vec::new(), Some(error_text(s, ui.actor.locale, &e))),
    };
    let can_merge = ui.actor.role.allows(Permission::MergeArchive);
    let done_kind = done.map(|(kind, _)| kind);
    let done_id = done.and_then(|(_, id)| id);
    let path = match entity {
        Entity::Contact => "contacts",
        Entity::Organisation => "organisations",
    };
    render(
        s,
        "duplicates.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! {
            entity => entity.as_str(), path, pairs, can_merge, error, done => done_kind, done_id,
        },
    )
}

pub async fn show_duplicates(
    State(s): State<AppState>,
    ui: UiActor,
    Query(q): Query<PageQuery>,
) -> Response {
    let done = q
        .done
        .as_deref()
        .filter(|d| matches!(*d, "merged" | "dismissed"))
        .map(|d| (d, q.id));
    page(&s, &ui, q.entity, done, None).await
}

#[derive(Deserialize)]
pub struct MergeForm {
    pub csrf: String,
    pub entity: Entity,
    /// The record that stays.
    pub survivor: i64,
    /// The record merged into it.
    pub loser: i64,
}

pub async fn merge_pair(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<MergeForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let result = match f.entity {
        Entity::Contact => merge::merge_contacts(&s.app, &ui.actor, f.survivor, f.loser)
            .await
            .map(drop),
        Entity::Organisation => merge::merge_organisations(&s.app, &ui.actor, f.survivor, f.loser)
            .await
            .map(drop),
    };
    match result {
        Ok(()) => back(&format!(
            "/app/customers/duplicates?entity={}&done=merged&id={}",
            f.entity.as_str(),
            f.survivor
        )),
        Err(e) => {
            let error = error_text(&s, ui.actor.locale, &e);
            page(&s, &ui, f.entity, None, Some(error)).await
        }
    }
}

#[derive(Deserialize)]
pub struct DismissForm {
    pub csrf: String,
    pub entity: Entity,
    pub a: i64,
    pub b: i64,
}

pub async fn dismiss_pair(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<DismissForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let input = DismissInput {
        entity: f.entity,
        a: f.a,
        b: f.b,
    };
    match merge::dismiss_pair(&s.app, &ui.actor, &input).await {
        Ok(()) => back(&format!(
            "/app/customers/duplicates?entity={}&done=dismissed",
            f.entity.as_str()
        )),
        Err(e) => {
            let error = error_text(&s, ui.actor.locale, &e);
            page(&s, &ui, f.entity, None, Some(error)).await
        }
    }
}
