//! Customer pages: the archive list, contact and organisation pages, forms, the audit log.

mod audit;
mod contact;
mod contact_form;
pub(crate) mod form;
mod organisation;

use crate::error::ApiError;
use crate::extract::{UiActor, urlencode};
use crate::state::AppState;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kefu_app::contacts::{self, ContactListQuery};
use kefu_app::organisations::{self, OrganisationListQuery};
use kefu_app::timeline::TimelinePage;
use kefu_app::{Actor, App, AppError, archive, users};
use kefu_domain::{Permission, UiLocale};
use kefu_store::fields::{ChoiceRow, CustomFieldRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const PAGE_SIZE: u64 = 50;
/// Timeline entries per page on a contact's or organisation's page.
const TIMELINE_PAGE: u64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers", get(list_customers))
        .route("/contacts", post(contact_form::save_contact_form))
        .route("/contacts/new", get(contact_form::new_contact))
        .route("/contacts/{id}", get(contact::show_contact))
        .route(
            "/contacts/{id}/edit",
            get(contact_form::edit_contact).post(contact_form::save_contact_form),
        )
        .route("/contacts/{id}/timeline", post(contact::add_timeline_entry))
        .route("/contacts/{id}/erase", post(contact::erase_contact))
        .route("/organisations", post(organisation::save_organisation_form))
        .route("/organisations/new", get(organisation::new_organisation))
        .route("/organisations/{id}", get(organisation::show_organisation))
        .route(
            "/organisations/{id}/edit",
            get(organisation::edit_organisation).post(organisation::save_organisation_form),
        )
        .route("/audit", get(audit::show_audit))
}

/// The HTTP status of a refused request.
pub(crate) fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A page that could not be drawn: the status and the reason in the page's language.
pub(crate) fn failed(s: &AppState, ui: &UiActor, e: AppError) -> Response {
    if status_of(&e).is_server_error() {
        return ApiError::from(e).into_response_html();
    }
    (status_of(&e), error_text(s, ui.actor.locale, &e)).into_response()
}

/// A posted customer form, once its CSRF token is checked, with the custom fields of `entity`.
async fn posted(
    s: &AppState,
    ui: &UiActor,
    f: &form::Fields,
    entity: &str,
) -> Result<Vec<CustomFieldRow>, Response> {
    if let Some(r) = csrf_rejection(ui, &f.text("csrf")) {
        return Err(r);
    }
    archive::list_custom_fields(&s.app, &ui.actor, entity)
        .await
        .map_err(|e| failed(s, ui, e))
}

/// A saved form goes to the record's page (`saved` is its path); a refused one is drawn
/// again by `redraw`, beside why.
pub(crate) async fn answer_form<Fut>(
    s: &AppState,
    ui: &UiActor,
    saved: Result<String, AppError>,
    redraw: impl FnOnce(AppError) -> Fut,
) -> Response
where
    Fut: Future<Output = Result<Response, AppError>>,
{
    match saved {
        Ok(path) => back(&path),
        Err(e) if status_of(&e).is_client_error() && !matches!(e, AppError::NotFound(_)) => {
            redraw(e).await.unwrap_or_else(|e| failed(s, ui, e))
        }
        Err(e) => failed(s, ui, e),
    }
}

/// A page drawn with the status of the error it shows beside a form.
pub(crate) fn with_status(mut page: Response, error: Option<&AppError>) -> Response {
    if let Some(e) = error {
        *page.status_mut() = status_of(e);
    }
    page
}

fn is_zh(actor: &Actor) -> bool {
    actor.locale == UiLocale::ZhCn
}

/// A choice list (member levels, sources) as key → label in the page's language.
pub(crate) async fn choice_labels(
    app: &App,
    actor: &Actor,
    kind: &str,
) -> Result<Vec<Choice>, AppError> {
    let zh = is_zh(actor);
    Ok(archive::list_choices(app, actor, kind)
        .await?
        .into_iter()
        .map(|c: ChoiceRow| Choice {
            label: if zh { c.label_zh } else { c.label_en },
            key: c.key,
        })
        .collect())
}

#[derive(Serialize)]
pub(crate) struct Choice {
    pub(crate) key: String,
    pub(crate) label: String,
}

fn label_map(choices: &[Choice]) -> BTreeMap<String, String> {
    choices
        .iter()
        .map(|c| (c.key.clone(), c.label.clone()))
        .collect()
}

/// Staff for owner selects and for naming who did what.
#[derive(Serialize)]
struct Person {
    id: i64,
    name: String,
}

async fn people(app: &App, actor: &Actor) -> Result<Vec<Person>, AppError> {
    Ok(users::list_users(app, actor)
        .await?
        .into_iter()
        .map(|u| Person {
            id: u.id,
            name: u.name,
        })
        .collect())
}

fn names(people: &[Person]) -> BTreeMap<i64, String> {
    people.iter().map(|p| (p.id, p.name.clone())).collect()
}

/// A timeline page for the shared template macro: entries, who wrote them, older-page cursor.
#[derive(Serialize)]
struct Timeline {
    #[serde(flatten)]
    page: TimelinePage,
    /// `cursor` of the page shown, when it is not the newest.
    cursor: Option<String>,
}

/// The list's filters, as they appear in the address bar.
#[derive(Deserialize, Serialize, Default)]
pub struct ListFilters {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    member_level: String,
    #[serde(default)]
    source_channel: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    custom: String,
    #[serde(default)]
    cursor: String,
}

impl ListFilters {
    fn organisations_tab(&self) -> bool {
        self.tab == "organisations"
    }

    /// The filters (not the tab or the cursor) as a query string.
    fn filters_query(&self) -> String {
        query_string(&[
            ("q", &self.q),
            ("member_level", &self.member_level),
            ("source_channel", &self.source_channel),
            ("owner_id", &self.owner_id),
            ("country", &self.country),
            ("tag", &self.tag),
            ("custom", &self.custom),
        ])
    }

    fn text(v: &str) -> Option<String> {
        Some(v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    fn owner(&self) -> Result<Option<i64>, AppError> {
        Self::number("owner_id", &self.owner_id)
    }

    fn number(field: &'static str, v: &str) -> Result<Option<i64>, AppError> {
        match v.trim() {
            "" => Ok(None),
            n => n.parse().map(Some).map_err(|_| {
                kefu_domain::Invalid::new(field, "invalid_filter", "not a number").into()
            }),
        }
    }

    fn contacts(&self) -> Result<ContactListQuery, AppError> {
        Ok(ContactListQuery {
            q: Self::text(&self.q),
            organisation_id: None,
            owner_id: self.owner()?,
            country: Self::text(&self.country),
            tag: Self::text(&self.tag),
            member_level: Self::text(&self.member_level),
            source_channel: Self::text(&self.source_channel),
            custom: Self::text(&self.custom),
        })
    }

    fn organisations(&self) -> Result<OrganisationListQuery, AppError> {
        Ok(OrganisationListQuery {
            q: Self::text(&self.q),
            owner_id: self.owner()?,
            country: Self::text(&self.country),
            tag: Self::text(&self.tag),
            member_level: Self::text(&self.member_level),
            source_channel: Self::text(&self.source_channel),
            custom: Self::text(&self.custom),
        })
    }
}

/// `k=v&…` of the values that are not blank, encoded for an address.
fn query_string(pairs: &[(&str, &String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

/// Every id's cursor: the last row's id when the page is full.
fn next_cursor(ids: impl DoubleEndedIterator<Item = i64> + ExactSizeIterator) -> Option<i64> {
    let full = ids.len() as u64 >= PAGE_SIZE;
    ids.last().filter(|_| full)
}

async fn customers_page(s: &AppState, ui: &UiActor, f: &ListFilters) -> Result<Response, AppError> {
    let (app, actor) = (&s.app, &ui.actor);
    let before = ListFilters::number("cursor", &f.cursor)?;
    let (contacts, organisations, next) = if f.organisations_tab() {
        let rows =
            organisations::list_organisations(app, actor, &f.organisations()?, before, PAGE_SIZE)
                .await?;
        let next = next_cursor(rows.iter().map(|r| r.id));
        (Vec::new(), rows, next)
    } else {
        let rows = contacts::list_contacts(app, actor, &f.contacts()?, before, PAGE_SIZE).await?;
        let next = next_cursor(rows.iter().map(|r| r.id));
        (rows, Vec::new(), next)
    };
    let levels = choice_labels(app, actor, "member_level").await?;
    let sources = choice_labels(app, actor, "source_channel").await?;
    let staff = people(app, actor).await?;
    let entity = if f.organisations_tab() {
        "organisation"
    } else {
        "contact"
    };
    let ctx = minijinja::context! {
        nav => "customers",
        tab => if f.organisations_tab() { "organisations" } else { "contacts" },
        entity,
        f,
        filters => f.filters_query(),
        contacts, organisations, next,
        level_labels => label_map(&levels),
        source_labels => label_map(&sources),
        owners => names(&staff),
        levels, sources, staff,
        can_export => actor.role.allows(Permission::ExportArchive),
    };
    Ok(render(s, "customers.html", actor.locale, Some(ui), ctx))
}

pub async fn list_customers(
    State(s): State<AppState>,
    ui: UiActor,
    Query(f): Query<ListFilters>,
) -> Response {
    customers_page(&s, &ui, &f)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}
