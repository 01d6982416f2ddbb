//! The macro settings page (new and edited macros, with the rule forms' action rows) and
//! applying a macro from the ticket panel.

use super::{all_inboxes, options, parts};
use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::calendars::{CsrfForm, Refusal, checked_form, refusal, with_status};
use crate::ui::customers::form::Fields;
use crate::ui::{back, csrf_rejection, render};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use kefu_app::macros::{self, MacroInput};
use kefu_domain::{Invalid, Permission};
use kefu_store::automation::MacroRow;
use parts::ActionRow;
use serde::{Deserialize, Serialize};

/// A macro form as typed.
#[derive(Serialize)]
struct MacroForm {
    name: String,
    shared: bool,
    actions: Vec<ActionRow>,
}

impl MacroForm {
    fn blank() -> Self {
        Self {
            name: String::new(),
            shared: false,
            actions: parts::action_rows(&[]),
        }
    }

    /// A saved macro, ready to edit: its actions plus blank rows to add more.
    fn from_row(m: &MacroRow) -> Self {
        let mut actions = parts::action_rows(&m.actions.0);
        actions.extend(parts::action_rows(&[]));
        Self {
            name: m.name.clone(),
            shared: m.owner_id.is_none(),
            actions,
        }
    }

    fn from_fields(f: &Fields) -> Self {
        Self {
            name: f.text("name"),
            shared: f.checked("shared"),
            actions: parts::actions_from(f),
        }
    }

    fn input(&self) -> Result<MacroInput, Invalid> {
        Ok(MacroInput {
            name: self.name.clone(),
            actions: parts::parse_actions(&self.actions)?,
            shared: self.shared,
        })
    }
}

/// The macro list with the form: a new macro's, or `editing`'s.
async fn macros_page(
    s: &AppState,
    ui: &UiActor,
    editing: Option<i64>,
    form: MacroForm,
    error: Option<Refusal>,
) -> Response {
    let list = macros::list_macros(&s.app, &ui.actor)
        .await
        .unwrap_or_default();
    let inboxes = all_inboxes(s, ui).await;
    let options = options(s, ui, &inboxes).await;
    let can_share = ui.actor.role.allows(Permission::ManageSharedScripts);
    let page = render(
        s,
        "macros.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { macros => list, editing, form, options, can_share, error => &error },
    );
    with_status(page, error.as_ref())
}

pub async fn list_macros(State(s): State<AppState>, ui: UiActor) -> Response {
    macros_page(&s, &ui, None, MacroForm::blank(), None).await
}

/// A macro's form filled in, to change it.
pub async fn show_macro(State(s): State<AppState>, ui: UiActor, Path(id): Path<i64>) -> Response {
    match macros::get_macro(&s.app, &ui.actor, id).await {
        Ok(m) => macros_page(&s, &ui, Some(id), MacroForm::from_row(&m), None).await,
        Err(e) => crate::ui::customers::failed(&s, &ui, e),
    }
}

/// Saves a macro as typed (`id`: an existing one); a refusal shows the form again.
async fn save(
    s: &AppState,
    ui: &UiActor,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response, Response> {
    let f = checked_form(ui, pairs)?;
    let mut form = MacroForm::from_fields(&f);
    let result = match (form.input(), id) {
        (Ok(input), None) => macros::create_macro(&s.app, &ui.actor, &input).await,
        (Ok(input), Some(id)) => macros::update_macro(&s.app, &ui.actor, id, &input).await,
        (Err(e), _) => Err(e.into()),
    };
    Ok(match result {
        Ok(_) => back("/app/settings/macros"),
        Err(e @ kefu_app::AppError::NotFound(_)) => crate::ui::customers::failed(s, ui, e),
        Err(e) => {
            let error = refusal(s, ui, &e);
            form.actions.extend(parts::action_rows(&[]));
            macros_page(s, ui, id, form, Some(error)).await
        }
    })
}

pub async fn create_macro(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save(&s, &ui, None, f).await
}

pub async fn save_macro(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    save(&s, &ui, Some(id), f).await
}

pub async fn delete_macro(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match macros::delete_macro(&s.app, &ui.actor, id).await {
        Ok(()) => back("/app/settings/macros"),
        Err(e) => crate::ui::customers::failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
pub struct ApplyForm {
    csrf: String,
    macro_id: i64,
}

/// Applies a macro from the ticket panel, then shows the conversation again.
pub async fn apply_macro(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<ApplyForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match macros::apply_macro(&s.app, &ui.actor, id, f.macro_id).await {
        Ok(_) => back(&format!("/app/conversations/{id}?view=all&status=any")),
        Err(e) => crate::ui::conversations::failed(&s, &ui, e),
    }
}
