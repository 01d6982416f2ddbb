//! The choice-list settings page (admins): ticket types, categories and their reason
//! codes, departments and the archive's lists, each with a form to add an entry; and
//! putting a user in a department from the people page.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::calendars::{Refusal, refusal, with_status};
use crate::ui::conversations::failed;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::archive::{self, CHOICE_LISTS, NewChoice};
use kefu_app::{AppError, users};
use kefu_domain::Permission;
use kefu_store::fields::ChoiceRow;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/choices", get(show_choices))
        .route("/settings/choices/{kind}", post(add_choice))
        .route("/settings/users/{id}/department", post(set_department))
}

/// An entry form as typed, so a refused one comes back as it was.
#[derive(Default, Deserialize, Serialize)]
pub struct ChoiceForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    key: String,
    /// For a reason code: the category it sits under (the key is then the reason alone).
    #[serde(default)]
    category: String,
    #[serde(default)]
    label_zh: String,
    #[serde(default)]
    label_en: String,
}

impl ChoiceForm {
    /// The entry as the use case takes it: a reason code's key is `category.reason`.
    fn entry(&self) -> NewChoice {
        let key = match self.category.trim() {
            "" => self.key.trim().to_owned(),
            category => format!("{category}.{}", self.key.trim()),
        };
        NewChoice {
            key,
            label_en: self.label_en.clone(),
            label_zh: self.label_zh.clone(),
        }
    }
}

/// One list on the page, with the form refused on it (if any).
#[derive(Serialize)]
struct ChoiceList {
    kind: &'static str,
    entries: Vec<ChoiceRow>,
    form: ChoiceForm,
    error: Option<Refusal>,
}

/// The page with every list; `refused` is the list whose form came back with an error.
async fn choices_page(
    s: &AppState,
    ui: &UiActor,
    refused: Option<(&str, ChoiceForm, Refusal)>,
) -> Result<Response, AppError> {
    ui.actor.require(Permission::ManageArchive)?;
    let (refused_kind, mut refused_form, refused_error) = match refused {
        Some((kind, form, error)) => (Some(kind), Some(form), Some(error)),
        None => (None, None, None),
    };
    let mut lists = Vec::with_capacity(CHOICE_LISTS.len());
    for kind in CHOICE_LISTS {
        let here = refused_kind == Some(kind);
        lists.push(ChoiceList {
            kind,
            entries: archive::list_choices(&s.app, &ui.actor, kind).await?,
            form: if here { refused_form.take() } else { None }.unwrap_or_default(),
            error: if here { refused_error.clone() } else { None },
        });
    }
    let categories = lists
        .iter()
        .find(|l| l.kind == "ticket_category")
        .map(|l| l.entries.clone())
        .unwrap_or_default();
    let zh = ui.actor.locale == kefu_domain::UiLocale::ZhCn;
    let page = render(
        s,
        "choices.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { lists, categories, zh },
    );
    Ok(with_status(page, refused_error.as_ref()))
}

async fn show_choices(State(s): State<AppState>, ui: UiActor) -> Response {
    choices_page(&s, &ui, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

/// Adds an entry to a list; a refusal shows the page again with the form as typed.
async fn add_choice(
    State(s): State<AppState>,
    ui: UiActor,
    Path(kind): Path<String>,
    Form(f): Form<ChoiceForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match archive::add_choice(&s.app, &ui.actor, &kind, &f.entry()).await {
        Ok(_) => back(&format!("/app/settings/choices#choices-{kind}")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let error = refusal(&s, &ui, &e);
            choices_page(&s, &ui, Some((&kind, f, error)))
                .await
                .unwrap_or_else(|e| failed(&s, &ui, e))
        }
        Err(e) => failed(&s, &ui, e),
    }
}

#[derive(Deserialize)]
pub struct DepartmentForm {
    csrf: String,
    /// A `department` key, or blank to take the user out of their department.
    #[serde(default)]
    department: String,
}

/// Puts a user in a department (hand-offs to it reach them), or takes them out.
async fn set_department(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<DepartmentForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let department = Some(f.department.trim().to_owned()).filter(|d| !d.is_empty());
    match users::set_department(&s.app, &ui.actor, id, &department).await {
        Ok(_) => back("/app/settings/team"),
        Err(e @ AppError::Invalid(_)) => {
            let text = error_text(&s, ui.actor.locale, &e);
            let page = crate::ui::settings::team_page(&s, &ui, Some(text)).await;
            crate::ui::customers::with_status(page, Some(&e))
        }
        Err(e) => failed(&s, &ui, e),
    }
}
