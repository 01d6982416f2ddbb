//! The reviews page (评价): reviews by store and stars with the week's reasons, one
//! review with its call-back form (中差评回访), and the way from a call-back task to it.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::{Choice, choice_labels, failed};
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use kefu_app::reviews::{self, CallbackInput, ReviewListQuery};
use kefu_app::{Actor, App, AppError};
use kefu_store::reviews::ReviewRow;
use serde::Deserialize;

/// Reviews a page shows.
const PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reviews", get(reviews_page))
        .route("/reviews/{id}", get(review_page))
        .route("/reviews/{id}/callback", post(record_callback))
        .route("/reviews/task/{task_id}", get(review_of_task))
}

/// The page's filters as the form sends them (empty means any).
#[derive(Debug, Default, Deserialize)]
struct Filters {
    #[serde(default)]
    store: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    callback: String,
    cursor: Option<i64>,
}

impl Filters {
    fn query(&self) -> Result<ReviewListQuery, AppError> {
        let number = |field: &'static str, v: &str| -> Result<Option<i64>, AppError> {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse().map(Some).map_err(|_| {
                kefu_domain::Invalid::new(field, "invalid_filter", "choose from the list").into()
            })
        };
        Ok(ReviewListQuery {
            store: number("store", &self.store)?,
            rating: number("rating", &self.rating)?,
            class: Some(self.class.clone()),
            callback: Some(self.callback.clone()),
            order_id: None,
            cursor: self.cursor,
            limit: Some(PAGE),
        })
    }
}

/// The call-back lists in the page's language.
async fn taxonomy(app: &App, actor: &Actor) -> Result<(Vec<Choice>, Vec<Choice>), AppError> {
    Ok((
        choice_labels(app, actor, "review_reason").await?,
        choice_labels(app, actor, "review_outcome").await?,
    ))
}

async fn reviews_page(
    State(s): State<AppState>,
    ui: UiActor,
    Query(f): Query<Filters>,
) -> Response {
    let result = async {
        let q = f.query()?;
        let rows = reviews::list_reviews(&s.app, &ui.actor, &q, PAGE).await?;
        let next = (rows.len() as u64 >= PAGE)
            .then(|| rows.last().map(|r| r.id))
            .flatten();
        let stores = reviews::review_stores(&s.app, &ui.actor).await?;
        let week = reviews::review_reasons(&s.app, &ui.actor, q.store, None).await?;
        let (reasons, outcomes) = taxonomy(&s.app, &ui.actor).await?;
        let ctx = minijinja::context! {
            rows, next, stores, week, reasons, outcomes,
            filters => minijinja::context! {
                store => f.store, rating => f.rating, class => f.class, callback => f.callback,
            },
        };
        Ok::<_, AppError>(render(&s, "reviews.html", ui.actor.locale, Some(&ui), ctx))
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

fn review_form(
    s: &AppState,
    ui: &UiActor,
    review: ReviewRow,
    lists: (Vec<Choice>, Vec<Choice>),
    error: Option<String>,
) -> Response {
    let (reasons, outcomes) = lists;
    render(
        s,
        "reviews.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { review, reasons, outcomes, error },
    )
}

async fn review_page(State(s): State<AppState>, ui: UiActor, Path(id): Path<i64>) -> Response {
    let result = async {
        let review = reviews::get_review(&s.app, &ui.actor, id).await?;
        let lists = taxonomy(&s.app, &ui.actor).await?;
        Ok::<_, AppError>(review_form(&s, &ui, review, lists, None))
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

async fn review_of_task(State(s): State<AppState>, ui: UiActor, Path(task): Path<i64>) -> Response {
    match reviews::review_of_task(&s.app, &ui.actor, task).await {
        Ok(r) => back(&format!("/app/reviews/{}", r.id)),
        Err(e) => failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
struct CallbackForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    note: String,
}

async fn record_callback(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CallbackForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let input = CallbackInput {
        reason: f.reason,
        outcome: f.outcome,
        reply: Some(f.reply),
        note: Some(f.note),
    };
    match reviews::record_callback(&s.app, &ui.actor, id, &input).await {
        Ok(_) => back(&format!("/app/reviews/{id}")),
        Err(e) if !matches!(e, AppError::Invalid(_) | AppError::Conflict { .. }) => {
            failed(&s, &ui, e)
        }
        Err(e) => {
            let error = Some(error_text(&s, ui.actor.locale, &e));
            let redraw = async {
                let review = reviews::get_review(&s.app, &ui.actor, id).await?;
                let lists = taxonomy(&s.app, &ui.actor).await?;
                let mut page = review_form(&s, &ui, review, lists, error);
                *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                Ok::<_, AppError>(page)
            };
            redraw.await.unwrap_or_else(|e| failed(&s, &ui, e))
        }
    }
}
