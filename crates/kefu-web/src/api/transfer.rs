//! Importing and exporting contacts and organisations (.xlsx, .csv), and importing orders.

use crate::error::ApiResult;
use crate::extract::{ApiActor, ApiJson, ApiPath, ApiQuery, raw_body};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use kefu_app::contacts::ContactListQuery;
use kefu_app::organisations::OrganisationListQuery;
use kefu_app::transfer::{
    self, Entity, ExportRequest, FileOut, ImportFile, MappingInput, Preview, parse_format,
};
use kefu_domain::Invalid;
use kefu_store::imports::{ImportRow, MappingRow};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::{IntoParams, OpenApi};

/// Largest file an import accepts.
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route("/imports/preview", post(preview_import))
        .route("/imports", post(start_import))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT));
    Router::new()
        .merge(uploads)
        .route("/imports/{id}", get(get_import))
        .route("/imports/{id}/errors", get(download_import_errors))
        .route("/import-mappings", get(list_mappings).post(create_mapping))
        .route("/import-mappings/{id}", delete(delete_mapping))
        .route("/contacts/export", get(export_contacts))
        .route("/organisations/export", get(export_organisations))
}

#[derive(OpenApi)]
#[openapi(paths(
    preview_import,
    start_import,
    get_import,
    download_import_errors,
    list_mappings,
    create_mapping,
    delete_mapping,
    export_contacts,
    export_organisations
))]
pub struct TransferApi;

/// What an uploaded file is and how to read it. The body is the file itself.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadParams {
    /// `contact`, `organisation`, `order` (one row per order item) or `review` (one row
    /// per review of a known order); orders and reviews are import only.
    pub entity: String,
    /// The file's name; `.xlsx` or `.csv` decides how it is read (else its content does).
    pub file_name: String,
    /// Column header → field as a JSON object (`{"姓名":"name","手机":"phones"}`); without
    /// it (and without `mapping_id`) kefu suggests one from the headers.
    pub mapping: Option<String>,
    /// A saved mapping's id.
    pub mapping_id: Option<i64>,
}

async fn import_file(
    s: &AppState,
    actor: &kefu_app::Actor,
    p: UploadParams,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<ImportFile> {
    let too_large = "the file is larger than 64 MiB; split it into smaller files";
    let bytes = raw_body(body, ("file_too_large", too_large))?;
    let entity = Entity::parse(&p.entity)?;
    let mapping = match (p.mapping, p.mapping_id) {
        (Some(json), _) => Some(
            serde_json::from_str::<BTreeMap<String, String>>(&json).map_err(|e| {
                Invalid::new(
                    "mapping",
                    "invalid_mapping",
                    format!("mapping must be a JSON object of header → field: {e}"),
                )
            })?,
        ),
        (None, Some(id)) => Some(
            transfer::list_mappings(&s.app, actor, Some(entity))
                .await?
                .into_iter()
                .find(|m| m.id == id)
                .ok_or(kefu_app::AppError::NotFound("mapping"))?
                .mapping
                .0,
        ),
        (None, None) => None,
    };
    Ok(ImportFile {
        entity,
        file_name: p.file_name,
        bytes: bytes.to_vec(),
        mapping,
    })
}

/// Reads a file and checks its first 20 rows exactly as the import would; writes nothing.
/// Returns the headers, the mapping (the given or the suggested one), the fields a
/// column can map to, and per row `create`, `update` or `error` with the reason.
#[utoipa::path(post, path = "/api/v1/imports/preview", tag = "imports", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the .xlsx or .csv file (at most 64 MiB)"),
    responses((status = 200, body = Preview), (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn preview_import(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Preview>> {
    let file = import_file(&s, &actor, p, body).await?;
    Ok(Json(transfer::preview(&s.app, &actor, &file).await?))
}

/// Starts importing a file (managers). It runs in the background: follow it with
/// GET /api/v1/imports/{id}. Bad rows are recorded with their line and reason; a row
/// whose phone, email or handle (contacts) or name or tax number (organisations) is
/// known updates that record, so importing a file again creates nothing new. Orders:
/// rows are grouped by store name and order number into orders (an order with a bad
/// row is not stored, its rows are reported, the reason names the column) and stored
/// like the orders API, so the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the .xlsx or .csv file (at most 64 MiB)"),
    responses((status = 202, body = ImportRow), (status = 403, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn start_import(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<ImportRow>)> {
    let file = import_file(&s, &actor, p, body).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(transfer::start_import(&s.app, &actor, &file).await?),
    ))
}

/// An import's status (`pending`, `running`, `done`, `failed`) and counts.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = i64, Path)),
    responses((status = 200, body = ImportRow), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_import(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ImportRow>> {
    Ok(Json(transfer::get_import(&s.app, &actor, id).await?))
}

/// A file format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FormatParams {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// The file as a download, named in `Content-Disposition` (RFC 6266, UTF-8 names too).
pub fn download(file: FileOut) -> Response {
    let ascii: String = file
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::extract::urlencode(&file.file_name)
    );
    (
        [
            (header::CONTENT_TYPE, file.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response()
}

/// An import's bad rows as a file: `line`, the original columns, `reason`. Fix the rows
/// and import the file again as it is (those two columns are ignored).
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors", tag = "imports", params(("id" = i64, Path), FormatParams),
    responses((status = 200, description = "the .xlsx or .csv file"), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download_import_errors(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<FormatParams>,
) -> ApiResult<Response> {
    let format = parse_format(p.format.as_deref())?;
    let import = transfer::get_import(&s.app, &actor, id).await?;
    let errors = transfer::import_errors(&s.app, &actor, id).await?;
    Ok(download(transfer::error_report(&import, &errors, format)?))
}

/// Which saved mappings.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MappingParams {
    /// `contact` or `organisation`; both without it.
    pub entity: Option<String>,
}

/// Saved column mappings.
#[utoipa::path(get, path = "/api/v1/import-mappings", tag = "imports", params(MappingParams),
    responses((status = 200, body = Vec<MappingRow>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_mappings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(p): ApiQuery<MappingParams>,
) -> ApiResult<Json<Vec<MappingRow>>> {
    let entity = p.entity.as_deref().map(Entity::parse).transpose()?;
    Ok(Json(transfer::list_mappings(&s.app, &actor, entity).await?))
}

/// Saves a column mapping under a name (unique per entity).
#[utoipa::path(post, path = "/api/v1/import-mappings", tag = "imports", request_body = MappingInput,
    responses((status = 201, body = MappingRow), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_mapping(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(req): ApiJson<MappingInput>,
) -> ApiResult<(StatusCode, Json<MappingRow>)> {
    Ok((
        StatusCode::CREATED,
        Json(transfer::create_mapping(&s.app, &actor, &req).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/import-mappings/{id}", tag = "imports", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_mapping(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    transfer::delete_mapping(&s.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to export besides the list's filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
    /// Comma-separated columns (e.g. `name,phones,organisation,custom.vip`); all without it.
    pub columns: Option<String>,
}

impl ExportParams {
    fn request(&self) -> ApiResult<ExportRequest> {
        Ok(ExportRequest {
            format: parse_format(self.format.as_deref())?,
            columns: self
                .columns
                .as_deref()
                .unwrap_or("")
                .split(',')
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// Every contact the list's filters select, as .xlsx or .csv with the chosen columns
/// (managers). Recorded in the audit log (`contacts.exported`).
#[utoipa::path(get, path = "/api/v1/contacts/export", tag = "contacts", params(ContactListQuery, ExportParams),
    responses((status = 200, description = "the .xlsx or .csv file"), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export_contacts(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ContactListQuery>,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let file = transfer::export_contacts(&s.app, &actor, &q, &p.request()?).await?;
    Ok(download(file))
}

/// Every organisation the list's filters select, as .xlsx or .csv with the chosen
/// columns (managers). Recorded in the audit log (`organisations.exported`).
#[utoipa::path(get, path = "/api/v1/organisations/export", tag = "organisations", params(OrganisationListQuery, ExportParams),
    responses((status = 200, description = "the .xlsx or .csv file"), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export_organisations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<OrganisationListQuery>,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let file = transfer::export_organisations(&s.app, &actor, &q, &p.request()?).await?;
    Ok(download(file))
}
