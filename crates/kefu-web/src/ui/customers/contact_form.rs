//! The contact form: new and edit, with identities a masking role cannot see kept as stored.

use super::form::{Fields, custom_inputs, split_list};
use super::{answer_form, failed, is_zh, people, posted, with_status};
use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::{error_text, render};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kefu_app::contacts::{self, ContactInput, ContactView, HandleInput, LabelledInput};
use kefu_app::organisations::{self, OrganisationListQuery};
use kefu_app::{Actor, App, AppError, archive, privacy};
use kefu_domain::Invalid;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Messaging apps a handle may belong to, in the order the form offers them.
const HANDLE_KINDS: [&str; 8] = [
    "wechat", "qq", "whatsapp", "skype", "line", "telegram", "facebook", "other",
];
/// Organisations offered in the form's pick list (others are found by their exact name).
const ORGANISATION_CHOICES: u64 = 200;
/// A phone or email row of the form.
#[derive(Serialize, Default, Clone)]
struct Labelled {
    value: String,
    label: String,
}

#[derive(Serialize, Default, Clone)]
struct Handle {
    kind: String,
    value: String,
}

/// The contact form's fields as typed (or as stored, when editing).
#[derive(Serialize, Default)]
struct Draft {
    name: String,
    title: String,
    /// The organisation as the pick list writes it: `name #id`, or a name.
    organisation: String,
    phones: Vec<Labelled>,
    emails: Vec<Labelled>,
    handles: Vec<Handle>,
    language: String,
    country: String,
    time_zone: String,
    tags: String,
    owner_id: Option<i64>,
    consent_call: bool,
    consent_message: bool,
    consent_email: bool,
    #[serde(skip)]
    custom: Map<String, Value>,
}

fn pairs(values: Vec<String>, labels: Vec<String>) -> Vec<Labelled> {
    let mut labels = labels.into_iter();
    values
        .into_iter()
        .map(|value| Labelled {
            value,
            label: labels.next().unwrap_or_default(),
        })
        .filter(|l| !l.value.is_empty())
        .collect()
}

impl Draft {
    fn posted(f: &Fields, defs: &[kefu_store::fields::CustomFieldRow]) -> Self {
        let mut kinds = f.all("handle_kind").into_iter();
        Self {
            name: f.text("name"),
            title: f.text("title"),
            organisation: f.text("organisation"),
            phones: pairs(f.all("phone"), f.all("phone_label")),
            emails: pairs(f.all("email"), f.all("email_label")),
            handles: f
                .all("handle")
                .into_iter()
                .map(|value| Handle {
                    kind: kinds.next().unwrap_or_default(),
                    value,
                })
                .filter(|h| !h.value.is_empty())
                .collect(),
            language: f.text("language"),
            country: f.text("country"),
            time_zone: f.text("time_zone"),
            tags: f.text("tags"),
            owner_id: f.id("owner_id"),
            consent_call: f.checked("consent_call"),
            consent_message: f.checked("consent_message"),
            consent_email: f.checked("consent_email"),
            custom: f.custom(defs),
        }
    }

    /// The stored contact; identities only when the actor sees them in full.
    fn stored(v: &ContactView) -> Self {
        let c = &v.contact;
        let shown = |kind: &str| -> Vec<Labelled> {
            v.identities
                .iter()
                .filter(|i| i.kind == kind && !v.masked)
                .map(|i| Labelled {
                    value: i.value.clone(),
                    label: i.label.clone().unwrap_or_default(),
                })
                .collect()
        };
        Self {
            name: c.name.clone(),
            title: c.title.clone().unwrap_or_default(),
            organisation: match (&c.organisation_name, c.organisation_id) {
                (Some(name), Some(id)) => format!("{name} #{id}"),
                _ => String::new(),
            },
            phones: shown("phone"),
            emails: shown("email"),
            handles: v
                .identities
                .iter()
                .filter(|i| HANDLE_KINDS.contains(&i.kind.as_str()) && !v.masked)
                .map(|i| Handle {
                    kind: i.kind.clone(),
                    value: i.value.clone(),
                })
                .collect(),
            language: c.language.clone().unwrap_or_default(),
            country: c.country.clone().unwrap_or_default(),
            time_zone: c.time_zone.clone().unwrap_or_default(),
            tags: c.tags.0.join(", "),
            owner_id: c.owner_id,
            consent_call: c.consent_call,
            consent_message: c.consent_message,
            consent_email: c.consent_email,
            custom: c.custom.0.clone(),
        }
    }

    fn input(&self, organisation_id: Option<i64>) -> ContactInput {
        let labelled = |list: &[Labelled]| -> Vec<LabelledInput> {
            list.iter()
                .map(|l| LabelledInput {
                    value: l.value.clone(),
                    label: Some(l.label.clone()),
                })
                .collect()
        };
        let some = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
        ContactInput {
            name: self.name.clone(),
            title: some(&self.title),
            phones: labelled(&self.phones),
            emails: labelled(&self.emails),
            handles: self
                .handles
                .iter()
                .map(|h| HandleInput {
                    kind: h.kind.clone(),
                    value: h.value.clone(),
                    label: None,
                })
                .collect(),
            organisation_id,
            owner_id: self.owner_id,
            language: some(&self.language),
            country: some(&self.country),
            time_zone: some(&self.time_zone),
            tags: split_list(&self.tags),
            custom: self.custom.clone(),
            consent_call: self.consent_call,
            consent_message: self.consent_message,
            consent_email: self.consent_email,
            ..Default::default()
        }
    }
}

/// The organisation picked in the form: `name #id` from the pick list, or an exact name.
async fn organisation_id(app: &App, actor: &Actor, text: &str) -> Result<Option<i64>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Some((_, id)) = text.rsplit_once(" #")
        && let Ok(id) = id.trim().parse::<i64>()
    {
        return Ok(Some(id));
    }
    let q = OrganisationListQuery {
        q: Some(text.to_owned()),
        ..Default::default()
    };
    let found = organisations::list_organisations(app, actor, &q, None, 50).await?;
    found
        .iter()
        .find(|o| o.name == text)
        .map(|o| Some(o.id))
        .ok_or_else(|| {
            Invalid::new(
                "organisation_id",
                "unknown_organisation",
                format!("there is no organisation named '{text}'"),
            )
            .into()
        })
}

/// The form, new or for contact `id`, with what was typed and why it was refused.
async fn form_page(
    s: &AppState,
    ui: &UiActor,
    id: Option<i64>,
    draft: Option<Draft>,
    error: Option<&AppError>,
) -> Result<Response, AppError> {
    let (app, actor) = (&s.app, &ui.actor);
    let stored = match id {
        Some(id) => Some(contacts::get_contact(app, actor, id).await?),
        None => None,
    };
    let draft = match (draft, &stored) {
        (Some(d), _) => d,
        (None, Some(v)) => Draft::stored(v),
        (None, None) => Draft::default(),
    };
    // Identities a masking role cannot edit stay as they are; the form lists them masked.
    let kept = stored
        .as_ref()
        .filter(|v| v.masked)
        .map(|v| {
            v.identities
                .iter()
                .filter(|i| editable(&i.kind))
                .cloned()
                .collect()
        })
        .unwrap_or_else(Vec::<kefu_store::contacts::IdentityRow>::new);
    let defs = archive::list_custom_fields(app, actor, "contact").await?;
    let recent = organisations::list_organisations(
        app,
        actor,
        &OrganisationListQuery::default(),
        None,
        ORGANISATION_CHOICES,
    )
    .await?;
    let ctx = minijinja::context! {
        nav => "customers",
        id,
        name => stored.as_ref().map(|v| v.contact.name.clone()),
        d => &draft,
        kept,
        custom => custom_inputs(&defs, &draft.custom, is_zh(actor)),
        organisations => recent,
        staff => people(app, actor).await?,
        handle_kinds => HANDLE_KINDS,
        error => error.map(|e| error_text(s, actor.locale, e)),
        existing_id => match error { Some(AppError::Conflict { existing_id, .. }) => *existing_id, _ => None },
    };
    Ok(with_status(
        render(s, "contact_form.html", actor.locale, Some(ui), ctx),
        error,
    ))
}

fn editable(kind: &str) -> bool {
    contacts::EDITABLE_KINDS.contains(&kind)
}

/// `?organisation_id=` starts the new contact in that organisation.
#[derive(Deserialize, Default)]
pub struct NewContact {
    #[serde(default)]
    organisation_id: String,
}

pub async fn new_contact(
    State(s): State<AppState>,
    ui: UiActor,
    Query(q): Query<NewContact>,
) -> Response {
    let result = async {
        let mut draft = Draft::default();
        if let Ok(id) = q.organisation_id.parse::<i64>() {
            let o = organisations::get_organisation(&s.app, &ui.actor, id).await?;
            draft.organisation = format!("{} #{}", o.name, o.id);
        }
        form_page(&s, &ui, None, Some(draft), None).await
    };
    result.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

pub async fn edit_contact(State(s): State<AppState>, ui: UiActor, Path(id): Path<i64>) -> Response {
    form_page(&s, &ui, Some(id), None, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

/// What an edit posts, with the identities a masking role cannot see put back as stored
/// (the form never carries them, so masked text never overwrites a real phone).
async fn contact_input(
    app: &App,
    actor: &Actor,
    id: Option<i64>,
    draft: &Draft,
) -> Result<ContactInput, AppError> {
    let organisation = organisation_id(app, actor, &draft.organisation).await?;
    let mut input = draft.input(organisation);
    if let Some(id) = id
        && privacy::masks_for(actor)
    {
        let stored = kefu_store::contacts::identities(&app.db, id).await?;
        let mut handles = Vec::new();
        let (mut phones, mut emails) = (Vec::new(), Vec::new());
        for i in stored.into_iter().filter(|i| editable(&i.kind)) {
            let labelled = LabelledInput {
                value: i.value,
                label: i.label,
            };
            match i.kind.as_str() {
                "phone" => phones.push(labelled),
                "email" => emails.push(labelled),
                kind => handles.push(HandleInput {
                    kind: kind.to_owned(),
                    value: labelled.value,
                    label: labelled.label,
                }),
            }
        }
        phones.append(&mut input.phones);
        emails.append(&mut input.emails);
        handles.append(&mut input.handles);
        (input.phones, input.emails, input.handles) = (phones, emails, handles);
    }
    Ok(input)
}

async fn save_contact(s: &AppState, ui: &UiActor, id: Option<i64>, f: Fields) -> Response {
    let defs = match posted(s, ui, &f, "contact").await {
        Ok(defs) => defs,
        Err(refused) => return refused,
    };
    let (app, actor) = (&s.app, &ui.actor);
    let draft = Draft::posted(&f, &defs);
    let saved = async {
        let input = contact_input(app, actor, id, &draft).await?;
        let view = match id {
            Some(id) => contacts::update_contact(app, actor, id, &input).await?,
            None => contacts::create_contact(app, actor, &input).await?,
        };
        Ok(format!("/app/contacts/{}", view.contact.id))
    };
    let saved = saved.await;
    answer_form(s, ui, saved, |e| async move {
        form_page(s, ui, id, Some(draft), Some(&e)).await
    })
    .await
}

/// Creates (`POST /contacts`) or changes (`POST /contacts/{id}/edit`) a contact.
pub async fn save_contact_form(
    State(s): State<AppState>,
    ui: UiActor,
    id: Option<Path<i64>>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    save_contact(&s, &ui, id.map(|Path(id)| id), Fields(f)).await
}
