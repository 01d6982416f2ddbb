//! Importing and exporting customer lists from the workspace: upload → choose the
//! columns' fields with a preview → progress → result; export with chosen columns.

use crate::api::transfer::{UPLOAD_LIMIT, download};
use crate::error::ApiError;
use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, RawForm, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use axum::{Router, body::Bytes};
use kefu_app::contacts::ContactListQuery;
use kefu_app::organisations::OrganisationListQuery;
use kefu_app::transfer::{self, Entity, ExportRequest, Preview};
use kefu_app::{AppError, archive};
use kefu_domain::{Permission, UiLocale};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/customers/import",
            get(upload_page)
                .post(upload_file)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/customers/import/{id}",
            get(import_page).post(answer_mapping),
        )
        .route("/customers/export", get(export_page).post(export_file))
}

/// A choice in a select: value and translated label.
#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

fn field_choices(
    s: &AppState,
    locale: UiLocale,
    fields: &[String],
    labels: &HashMap<String, String>,
) -> Vec<Choice> {
    fields
        .iter()
        .map(|f| Choice {
            value: f.clone(),
            label: labels
                .get(f)
                .cloned()
                .unwrap_or_else(|| s.i18n.text(locale, &format!("transfer-field-{f}"), &[])),
        })
        .collect()
}

/// Custom fields' labels in the user's language, by `custom.<key>`.
async fn custom_labels(s: &AppState, ui: &UiActor, entity: Entity) -> HashMap<String, String> {
    archive::list_custom_fields(&s.app, &ui.actor, entity.as_str())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            let label = match ui.actor.locale {
                UiLocale::ZhCn => d.label_zh,
                UiLocale::En => d.label_en,
            };
            (format!("custom.{}", d.key), label)
        })
        .collect()
}

/// A row's reason in the user's language when kefu has words for its code, with the details.
fn reason_text(s: &AppState, locale: UiLocale, code: &str, reason: &str) -> String {
    for key in [format!("transfer-reason-{code}"), format!("error-{code}")] {
        let text = s.i18n.text(locale, &key, &[]);
        if text != key {
            return format!("{text} ({reason})");
        }
    }
    reason.to_owned()
}

fn forbidden(ui: &UiActor) -> Option<Response> {
    ui.actor
        .require(Permission::ExportArchive)
        .err()
        .map(|e| ApiError::from(e).into_response_html())
}

async fn upload_page(State(s): State<AppState>, ui: UiActor) -> Response {
    if let Some(r) = forbidden(&ui) {
        return r;
    }
    upload_form(&s, &ui, None)
}

fn upload_form(s: &AppState, ui: &UiActor, error: Option<String>) -> Response {
    render(
        s,
        "import.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { step => "upload", error },
    )
}

#[derive(Default)]
struct Upload {
    csrf: String,
    entity: String,
    file: Option<(String, Bytes)>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut u = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        match field.name().unwrap_or("") {
            "csrf" => u.csrf = field.text().await.map_err(|e| e.body_text())?,
            "entity" => u.entity = field.text().await.map_err(|e| e.body_text())?,
            "file" => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                u.file = Some((name, bytes)).filter(|(_, b)| !b.is_empty());
            }
            _ => {}
        }
    }
    Ok(u)
}

async fn upload_file(State(s): State<AppState>, ui: UiActor, multipart: Multipart) -> Response {
    let locale = ui.actor.locale;
    let u = match read_upload(multipart).await {
        Ok(u) => u,
        Err(e) => {
            let text = s.i18n.text(locale, "transfer-upload-failed", &[]);
            return upload_form(&s, &ui, Some(format!("{text} ({e})")));
        }
    };
    if let Some(r) = csrf_rejection(&ui, &u.csrf) {
        return r;
    }
    let Some((name, bytes)) = u.file else {
        return upload_form(&s, &ui, Some(s.i18n.text(locale, "transfer-no-file", &[])));
    };
    let result = async {
        let entity = Entity::parse(&u.entity)?;
        transfer::upload(&s.app, &ui.actor, entity, &name, bytes.to_vec()).await
    };
    match result.await {
        Ok(import) => back(&format!("/app/customers/import/{}", import.id)),
        Err(e) => upload_form(&s, &ui, Some(error_text(&s, locale, &e))),
    }
}

#[derive(Deserialize)]
struct MappingChoice {
    mapping_id: Option<i64>,
}

async fn import_page(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(q): Query<MappingChoice>,
) -> Response {
    let import = match transfer::get_import(&s.app, &ui.actor, id).await {
        Ok(i) => i,
        Err(e) => return ApiError::from(e).into_response_html(),
    };
    if import.status != "pending" {
        return render(
            &s,
            "import.html",
            ui.actor.locale,
            Some(&ui),
            minijinja::context! { step => "progress", import },
        );
    }
    let saved = transfer::list_mappings(&s.app, &ui.actor, Entity::parse(&import.entity).ok())
        .await
        .unwrap_or_default();
    let mapping = q
        .mapping_id
        .and_then(|m| saved.iter().find(|x| x.id == m))
        .map(|m| m.mapping.0.clone());
    mapping_step(&s, &ui, id, mapping, None, None).await
}

/// The mapping step: a select per column and the preview of the first rows.
async fn mapping_step(
    s: &AppState,
    ui: &UiActor,
    id: i64,
    mapping: Option<BTreeMap<String, String>>,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let locale = ui.actor.locale;
    let preview: Preview = match transfer::preview_upload(&s.app, &ui.actor, id, mapping).await {
        Ok(p) => p,
        Err(AppError::Conflict { .. }) => return back(&format!("/app/customers/import/{id}")),
        Err(e) => return ApiError::from(e).into_response_html(),
    };
    let labels = custom_labels(s, ui, preview.entity).await;
    let options = field_choices(s, locale, &preview.fields, &labels);
    let columns: Vec<_> = preview
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| minijinja::context! { index => i, header => h, field => preview.mapping.get(h).cloned().unwrap_or_default() })
        .collect();
    let rows: Vec<_> = preview
        .rows
        .iter()
        .map(|r| {
            let reason = match (&r.code, &r.reason) {
                (Some(c), Some(why)) => Some(reason_text(s, locale, c, why)),
                _ => None,
            };
            minijinja::context! { line => r.line, cells => r.cells, status => r.status, reason }
        })
        .collect();
    let saved = transfer::list_mappings(&s.app, &ui.actor, Some(preview.entity))
        .await
        .unwrap_or_default();
    render(
        s,
        "import.html",
        locale,
        Some(ui),
        minijinja::context! { step => "mapping", id, preview, columns, options, rows, saved, error, notice },
    )
}

/// The mapping form: `map_<column>` = field, and what to do with it.
async fn answer_mapping(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Response {
    let form = parse_form::<HashMap<String, String>>(&body).unwrap_or_default();
    if let Some(r) = csrf_rejection(&ui, form.get("csrf").map_or("", String::as_str)) {
        return r;
    }
    let import = match transfer::get_import(&s.app, &ui.actor, id).await {
        Ok(i) => i,
        Err(e) => return ApiError::from(e).into_response_html(),
    };
    let mapping: BTreeMap<String, String> = import
        .headers
        .0
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.clone(),
                form.get(&format!("map_{i}")).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let locale = ui.actor.locale;
    match form.get("action").map(String::as_str) {
        Some("start") => {
            match transfer::start_upload(&s.app, &ui.actor, id, mapping.clone()).await {
                Ok(_) | Err(AppError::Conflict { .. }) => {
                    back(&format!("/app/customers/import/{id}"))
                }
                Err(e) => {
                    let error = Some(error_text(&s, locale, &e));
                    mapping_step(&s, &ui, id, Some(mapping), error, None).await
                }
            }
        }
        Some("save") => {
            let input = transfer::MappingInput {
                entity: import.entity.clone(),
                name: form.get("mapping_name").cloned().unwrap_or_default(),
                mapping: mapping.clone(),
            };
            let (error, notice) = match transfer::create_mapping(&s.app, &ui.actor, &input).await {
                Ok(_) => (
                    None,
                    Some(s.i18n.text(locale, "transfer-mapping-saved", &[])),
                ),
                Err(e) => (Some(error_text(&s, locale, &e)), None),
            };
            mapping_step(&s, &ui, id, Some(mapping), error, notice).await
        }
        _ => mapping_step(&s, &ui, id, Some(mapping), None, None).await,
    }
}

/// Reads a url-encoded body (or query) into `T`.
fn parse_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let text = String::from_utf8_lossy(body);
    let uri: Uri = format!("/?{text}")
        .parse()
        .map_err(|_| "bad form".to_owned())?;
    Query::<T>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| e.body_text())
}

const FILTERS: [&str; 8] = [
    "q",
    "organisation_id",
    "owner_id",
    "country",
    "tag",
    "member_level",
    "source_channel",
    "custom",
];

async fn export_page(
    State(s): State<AppState>,
    ui: UiActor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    export_form(&s, &ui, &q, None).await
}

async fn export_form(
    s: &AppState,
    ui: &UiActor,
    form: &HashMap<String, String>,
    error: Option<String>,
) -> Response {
    if let Some(r) = forbidden(ui) {
        return r;
    }
    let entity = form
        .get("entity")
        .and_then(|e| Entity::parse(e).ok())
        .unwrap_or(Entity::Contact);
    let defs = archive::list_custom_fields(&s.app, &ui.actor, entity.as_str())
        .await
        .unwrap_or_default();
    let labels = custom_labels(s, ui, entity).await;
    let columns = field_choices(
        s,
        ui.actor.locale,
        &transfer::export_columns(entity, &defs),
        &labels,
    );
    let filters: Vec<(&str, &String)> = FILTERS
        .iter()
        .filter_map(|f| Some((*f, form.get(*f).filter(|v| !v.is_empty())?)))
        .collect();
    render(
        s,
        "import.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { step => "export", entity => entity.as_str(), columns, filters, error },
    )
}

/// The export form: the list's filters, `col.<name>` per chosen column, `format`.
async fn export_file(State(s): State<AppState>, ui: UiActor, RawForm(body): RawForm) -> Response {
    let form = parse_form::<HashMap<String, String>>(&body).unwrap_or_default();
    if let Some(r) = csrf_rejection(&ui, form.get("csrf").map_or("", String::as_str)) {
        return r;
    }
    let result = async {
        let entity = Entity::parse(form.get("entity").map_or("", String::as_str))?;
        let defs = archive::list_custom_fields(&s.app, &ui.actor, entity.as_str()).await?;
        let req = ExportRequest {
            format: transfer::parse_format(form.get("format").map(String::as_str))?,
            columns: transfer::export_columns(entity, &defs)
                .into_iter()
                .filter(|c| form.contains_key(&format!("col.{c}")))
                .collect(),
        };
        let bad_filter = |e: String| {
            AppError::Invalid(kefu_domain::Invalid::new("filters", "invalid_filter", e))
        };
        match entity {
            Entity::Contact => {
                let q: ContactListQuery = parse_form(&body).map_err(bad_filter)?;
                transfer::export_contacts(&s.app, &ui.actor, &q, &req).await
            }
            Entity::Organisation => {
                let q: OrganisationListQuery = parse_form(&body).map_err(bad_filter)?;
                transfer::export_organisations(&s.app, &ui.actor, &q, &req).await
            }
            Entity::Order | Entity::Review => Err(AppError::Invalid(kefu_domain::Invalid::new(
                "entity",
                "invalid_entity",
                "orders and reviews are imported here, not exported; use contact or organisation",
            ))),
        }
    };
    match result.await {
        Ok(file) => download(file),
        Err(e) => {
            let error = Some(error_text(&s, ui.actor.locale, &e));
            export_form(&s, &ui, &form, error).await
        }
    }
}
