//! An organisation's page (details, its contacts, the shared timeline) and its form.

use super::contact::TimelineCursor;
use super::form::{Fields, custom_inputs, split_list};
use super::{
    TIMELINE_PAGE, Timeline, answer_form, choice_labels, failed, is_zh, label_map, names, people,
    posted, with_status,
};
use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::{error_text, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kefu_app::contacts::{self, ContactListQuery};
use kefu_app::organisations::{self, OrganisationInput};
use kefu_app::{AppError, archive, timeline};
use kefu_store::organisations::OrganisationRow;
use serde::Serialize;
use serde_json::{Map, Value};

/// Contacts listed on an organisation's page.
const CONTACTS_SHOWN: u64 = 100;

async fn organisation_page(
    s: &AppState,
    ui: &UiActor,
    id: i64,
    cursor: &str,
) -> Result<Response, AppError> {
    let (app, actor) = (&s.app, &ui.actor);
    let o = organisations::get_organisation(app, actor, id).await?;
    let q = ContactListQuery {
        organisation_id: Some(id),
        ..Default::default()
    };
    let members = contacts::list_contacts(app, actor, &q, None, CONTACTS_SHOWN).await?;
    let cursor = Some(cursor.to_owned()).filter(|c| !c.is_empty());
    let page =
        timeline::organisation_timeline(app, actor, id, cursor.as_deref(), TIMELINE_PAGE).await?;
    let defs = archive::list_custom_fields(app, actor, "organisation").await?;
    let staff = people(app, actor).await?;
    let ctx = minijinja::context! {
        nav => "customers",
        custom => custom_inputs(&defs, &o.custom.0, is_zh(actor)),
        level_labels => label_map(&choice_labels(app, actor, "member_level").await?),
        source_labels => label_map(&choice_labels(app, actor, "source_channel").await?),
        o, members,
        timeline => Timeline { page, cursor },
        owners => names(&staff),
    };
    Ok(render(s, "organisation.html", actor.locale, Some(ui), ctx))
}

pub async fn show_organisation(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(p): Query<TimelineCursor>,
) -> Response {
    organisation_page(&s, &ui, id, &p.cursor)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

/// The organisation form's fields as typed (or as stored, when editing).
#[derive(Serialize, Default)]
struct Draft {
    name: String,
    registration_no: String,
    tax_no: String,
    address: String,
    country: String,
    products: String,
    member_level: String,
    source_channel: String,
    owner_id: Option<i64>,
    tags: String,
    notes: String,
    #[serde(skip)]
    custom: Map<String, Value>,
}

impl Draft {
    fn posted(f: &Fields, defs: &[kefu_store::fields::CustomFieldRow]) -> Self {
        Self {
            name: f.text("name"),
            registration_no: f.text("registration_no"),
            tax_no: f.text("tax_no"),
            address: f.text("address"),
            country: f.text("country"),
            products: f.text("products"),
            member_level: f.text("member_level"),
            source_channel: f.text("source_channel"),
            owner_id: f.id("owner_id"),
            tags: f.text("tags"),
            notes: f.text("notes"),
            custom: f.custom(defs),
        }
    }

    fn stored(o: &OrganisationRow) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            name: o.name.clone(),
            registration_no: text(&o.registration_no),
            tax_no: text(&o.tax_no),
            address: text(&o.address),
            country: text(&o.country),
            products: o.products.0.join(", "),
            member_level: text(&o.member_level),
            source_channel: text(&o.source_channel),
            owner_id: o.owner_id,
            tags: o.tags.0.join(", "),
            notes: text(&o.notes),
            custom: o.custom.0.clone(),
        }
    }

    fn input(&self) -> OrganisationInput {
        let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        OrganisationInput {
            name: self.name.clone(),
            registration_no: some(&self.registration_no),
            tax_no: some(&self.tax_no),
            address: some(&self.address),
            country: some(&self.country),
            products: split_list(&self.products),
            member_level: some(&self.member_level),
            source_channel: some(&self.source_channel),
            owner_id: self.owner_id,
            tags: split_list(&self.tags),
            notes: some(&self.notes),
            custom: self.custom.clone(),
        }
    }
}

async fn form_page(
    s: &AppState,
    ui: &UiActor,
    id: Option<i64>,
    draft: Option<Draft>,
    error: Option<&AppError>,
) -> Result<Response, AppError> {
    let (app, actor) = (&s.app, &ui.actor);
    let stored = match id {
        Some(id) => Some(organisations::get_organisation(app, actor, id).await?),
        None => None,
    };
    let draft = match (draft, &stored) {
        (Some(d), _) => d,
        (None, Some(o)) => Draft::stored(o),
        (None, None) => Draft::default(),
    };
    let defs = archive::list_custom_fields(app, actor, "organisation").await?;
    let ctx = minijinja::context! {
        nav => "customers",
        id,
        name => stored.map(|o| o.name),
        d => &draft,
        custom => custom_inputs(&defs, &draft.custom, is_zh(actor)),
        levels => choice_labels(app, actor, "member_level").await?,
        sources => choice_labels(app, actor, "source_channel").await?,
        staff => people(app, actor).await?,
        error => error.map(|e| error_text(s, actor.locale, e)),
        similar_id => match error {
            Some(AppError::Conflict { code: "duplicate_organisation", existing_id, .. }) => *existing_id,
            _ => None,
        },
    };
    Ok(with_status(
        render(s, "organisation_form.html", actor.locale, Some(ui), ctx),
        error,
    ))
}

pub async fn new_organisation(State(s): State<AppState>, ui: UiActor) -> Response {
    form_page(&s, &ui, None, None, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

pub async fn edit_organisation(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
) -> Response {
    form_page(&s, &ui, Some(id), None, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

async fn save_organisation(s: &AppState, ui: &UiActor, id: Option<i64>, f: Fields) -> Response {
    let defs = match posted(s, ui, &f, "organisation").await {
        Ok(defs) => defs,
        Err(refused) => return refused,
    };
    let (app, actor) = (&s.app, &ui.actor);
    let draft = Draft::posted(&f, &defs);
    let input = draft.input();
    let saved = match id {
        Some(id) => organisations::update_organisation(app, actor, id, &input).await,
        None => {
            let allow_similar = f.checked("allow_similar");
            organisations::create_organisation(app, actor, &input, allow_similar).await
        }
    };
    let saved = saved.map(|o| format!("/app/organisations/{}", o.id));
    answer_form(s, ui, saved, |e| async move {
        form_page(s, ui, id, Some(draft), Some(&e)).await
    })
    .await
}

/// Creates (`POST /organisations`) or changes (`POST /organisations/{id}/edit`) an organisation.
pub async fn save_organisation_form(
    State(s): State<AppState>,
    ui: UiActor,
    id: Option<Path<i64>>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    save_organisation(&s, &ui, id.map(|Path(id)| id), Fields(f)).await
}
