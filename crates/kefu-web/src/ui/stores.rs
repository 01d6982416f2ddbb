//! Store settings (admins): each store's currency and time zone, and its payment
//! reminders (delay, quiet hours, script), "no movement" threshold for parcels, and where
//! order changes go for the warehouse and how buyers are told they are done.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::conversations::failed;
use crate::ui::{back, csrf_rejection, render};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::AppError;
use kefu_app::orders::stores::{self, StoreInput};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/stores", get(stores_page).post(create_store))
        .route("/settings/stores/{id}", post(update_store))
}

async fn stores_page(State(s): State<AppState>, ui: UiActor) -> Response {
    let result = async {
        let list = stores::list_stores(&s.app, &ui.actor).await?;
        let stages = kefu_app::scripts::list_stages(&s.app, &ui.actor).await?;
        let stage = stages
            .iter()
            .find(|st| st.key == kefu_store::reminders::REMINDER_STAGE)
            .map(|st| st.id);
        let scripts = match stage {
            Some(id) => kefu_app::scripts::list_scripts(&s.app, &ui.actor, Some(id))
                .await?
                .into_iter()
                .filter(|sc| sc.shared)
                .collect(),
            None => Vec::new(),
        };
        let ctx = minijinja::context! { stores => list, scripts };
        Ok::<_, AppError>(render(&s, "stores.html", ui.actor.locale, Some(&ui), ctx))
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

/// A store form as posted: blanks mean "none" or "the default".
#[derive(Deserialize)]
pub struct StoreForm {
    csrf: String,
    name: String,
    kind: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    reminder_delay_minutes: String,
    #[serde(default)]
    quiet_hours_start: String,
    #[serde(default)]
    quiet_hours_end: String,
    #[serde(default)]
    reminder_script_id: String,
    #[serde(default)]
    reminder_text: String,
    #[serde(default)]
    stale_after_days: String,
    #[serde(default)]
    warehouse_webhook_url: String,
    #[serde(default)]
    change_done_text: String,
}

fn number(field: &'static str, typed: &str) -> Result<Option<i64>, AppError> {
    match typed.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| {
            kefu_domain::Invalid::new(
                field,
                "invalid_number",
                format!("'{t}' is not a whole number"),
            )
            .into()
        }),
    }
}

fn input_of(f: &StoreForm) -> Result<StoreInput, AppError> {
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    Ok(StoreInput {
        name: f.name.clone(),
        kind: f.kind.clone(),
        currency: text(&f.currency),
        time_zone: text(&f.time_zone),
        reminder_delay_minutes: number("reminder_delay_minutes", &f.reminder_delay_minutes)?,
        quiet_hours_start: text(&f.quiet_hours_start),
        quiet_hours_end: text(&f.quiet_hours_end),
        reminder_script_id: number("reminder_script_id", &f.reminder_script_id)?,
        reminder_text: text(&f.reminder_text),
        stale_after_days: number("stale_after_days", &f.stale_after_days)?,
        warehouse_webhook_url: text(&f.warehouse_webhook_url),
        change_done_text: text(&f.change_done_text),
    })
}

async fn create_store(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<StoreForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let run = async { stores::create_store(&s.app, &ui.actor, &input_of(&f)?).await };
    match run.await {
        Ok(_) => back("/app/settings/stores"),
        Err(e) => failed(&s, &ui, e),
    }
}

async fn update_store(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<StoreForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let run = async { stores::update_store(&s.app, &ui.actor, id, &input_of(&f)?).await };
    match run.await {
        Ok(_) => back("/app/settings/stores"),
        Err(e) => failed(&s, &ui, e),
    }
}
