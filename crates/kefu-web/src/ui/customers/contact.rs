//! A contact's page: details, masked identities to reveal, the timeline, erasure.

use super::form::custom_inputs;
use super::{TIMELINE_PAGE, Timeline, failed, is_zh, names, people, with_status};
use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kefu_app::contacts;
use kefu_app::timeline::{self, TimelineInput};
use kefu_app::{AppError, archive, privacy};
use kefu_domain::{Invalid, Permission};
use serde::Deserialize;

/// Which page of a timeline to show.
#[derive(Deserialize, Default)]
pub struct TimelineCursor {
    #[serde(default)]
    pub cursor: String,
}

/// Everything the contact page shows.
async fn contact_page(
    s: &AppState,
    ui: &UiActor,
    id: i64,
    cursor: &str,
    error: Option<&AppError>,
) -> Result<Response, AppError> {
    let (app, actor) = (&s.app, &ui.actor);
    let contact = contacts::get_contact(app, actor, id).await?;
    let cursor = Some(cursor.to_owned()).filter(|c| !c.is_empty());
    let page = timeline::contact_timeline(app, actor, id, cursor.as_deref(), TIMELINE_PAGE).await?;
    let staff = people(app, actor).await?;
    let defs = archive::list_custom_fields(app, actor, "contact").await?;
    let custom = custom_inputs(&defs, &contact.contact.custom.0, is_zh(actor));
    let ctx = minijinja::context! {
        nav => "customers",
        c => contact,
        personal_kinds => contacts::EDITABLE_KINDS,
        custom,
        timeline => Timeline { page, cursor },
        owners => names(&staff),
        can_erase => actor.role.allows(Permission::EraseArchive),
        error => error.map(|e| error_text(s, actor.locale, e)),
    };
    Ok(with_status(
        render(s, "contact.html", actor.locale, Some(ui), ctx),
        error,
    ))
}

pub async fn show_contact(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(p): Query<TimelineCursor>,
) -> Response {
    contact_page(&s, &ui, id, &p.cursor, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

/// A note or a logged call, from the forms on the contact's page.
#[derive(Deserialize)]
pub struct EntryForm {
    csrf: String,
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    outcome: String,
    /// Minutes, possibly with a fraction ("2.5").
    #[serde(default)]
    duration_min: String,
}

impl EntryForm {
    fn input(&self) -> Result<TimelineInput, AppError> {
        if self.kind != "call" {
            return Ok(TimelineInput::Note {
                body: self.body.clone(),
            });
        }
        let duration_secs = match self.duration_min.trim() {
            "" => None,
            m => Some(
                m.replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|m| m.is_finite() && *m >= 0.0 && *m <= 1440.0)
                    .map(|m| (m * 60.0).round() as i64)
                    .ok_or_else(|| {
                        Invalid::new(
                            "duration_secs",
                            "out_of_range",
                            "a call lasts between 0 minutes and a day",
                        )
                    })?,
            ),
        };
        Ok(TimelineInput::Call {
            direction: self.direction.clone(),
            outcome: self.outcome.clone(),
            duration_secs,
            body: Some(self.body.clone()),
            occurred_at: None,
        })
    }
}

pub async fn add_timeline_entry(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<EntryForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let added = async {
        let input = f.input()?;
        timeline::add_entry(&s.app, &ui.actor, id, &input).await
    };
    match added.await {
        Ok(_) => back(&format!("/app/contacts/{id}#timeline")),
        Err(e) => refused(&s, &ui, id, e).await,
    }
}

/// The contact's page again, with why the form was refused.
async fn refused(s: &AppState, ui: &UiActor, id: i64, e: AppError) -> Response {
    if !matches!(e, AppError::Invalid(_)) {
        return failed(s, ui, e);
    }
    contact_page(s, ui, id, "", Some(&e))
        .await
        .unwrap_or_else(|e| failed(s, ui, e))
}

#[derive(Deserialize)]
pub struct EraseForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    /// The "this cannot be undone" box.
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn erase_contact(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<EraseForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    if f.confirm.is_none() {
        let e = Invalid::new(
            "confirm",
            "erase_unconfirmed",
            "tick the box to confirm that the data is erased for good",
        );
        return refused(&s, &ui, id, e.into()).await;
    }
    match privacy::erase_contact(&s.app, &ui.actor, id, &f.reason).await {
        Ok(_) => back(&format!("/app/contacts/{id}")),
        Err(e) => refused(&s, &ui, id, e).await,
    }
}
