//! Importing and exporting contacts and organisations (.xlsx, .csv), and importing orders.
//!
//! An import maps the file's columns to fields, validates every row as the forms do,
//! records bad rows with their line and reason, and writes good rows in batched
//! transactions. A row whose phone, email or handle (contacts) or whose name or tax
//! number (organisations) is already known updates that record instead of creating
//! another, so importing the same file twice creates nothing new.

mod contacts;
mod export;
mod mapping;
mod orders;
mod organisations;
mod reviews;

pub use export::{ExportRequest, export_columns, export_contacts, export_organisations};
pub use mapping::{
    MappingInput, create_mapping, delete_mapping, fields, list_mappings, mapping_named,
    suggest_mapping,
};

use crate::contacts::ValidContact;
use crate::{Actor, App, AppError, AppResult};
use contacts::{load_organisations, plan_contacts, validate_contact, write_contacts};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_sheets::{Format, Row, Sheet};
use kefu_store::Tx;
use kefu_store::fields::CustomFieldRow;
use kefu_store::imports::{self, Counts, ImportErrorRow, ImportRow, NewImport, NewImportError};
use kefu_store::organisations::OrganisationFields;
use mapping::{Context, check_mapping};
use organisations::{plan_organisations, validate_organisation, write_organisations};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Rows written per transaction (progress moves once per batch).
const BATCH: usize = 500;
/// Rows a preview validates.
const PREVIEW_ROWS: usize = 20;
/// Bad rows a report holds at most.
const MAX_REPORTED: u64 = 1_048_000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Contact,
    Organisation,
    /// Orders, one row per item (import only).
    Order,
    /// Reviews of known orders (import only).
    Review,
}

impl Entity {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim().to_lowercase().as_str() {
            "contact" | "contacts" => Ok(Entity::Contact),
            "organisation" | "organisations" | "organization" | "organizations" => {
                Ok(Entity::Organisation)
            }
            "order" | "orders" => Ok(Entity::Order),
            "review" | "reviews" => Ok(Entity::Review),
            _ => Err(Invalid::new(
                "entity",
                "invalid_entity",
                "use contact, organisation, order or review",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Contact => "contact",
            Entity::Organisation => "organisation",
            Entity::Order => "order",
            Entity::Review => "review",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Entity::Contact => "contacts",
            Entity::Organisation => "organisations",
            Entity::Order => "orders",
            Entity::Review => "reviews",
        }
    }
}

fn bad_row(row: &Row, code: &str, reason: String) -> NewImportError {
    NewImportError {
        line: row.line as i64,
        code: code.to_owned(),
        reason,
        cells: row.cells.clone(),
    }
}

fn invalid_row(row: &Row, e: AppError) -> NewImportError {
    match e {
        AppError::Invalid(inv) => bad_row(row, inv.code, inv.message),
        other => bad_row(row, "invalid", other.to_string()),
    }
}

/// What a good row will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update(i64),
}

struct ContactPlan {
    valid: ValidContact,
    organisation: Option<String>,
    action: Action,
}

struct OrganisationPlan {
    fields: OrganisationFields,
    action: Action,
}

/// What lasts from batch to batch of one run.
#[derive(Default)]
struct RunState {
    /// Identities (contacts) or name keys (organisations) seen, with their line.
    seen: HashMap<(String, String), usize>,
    /// Organisations by name key, found or created for contacts' company column.
    organisations: HashMap<String, (i64, String)>,
    /// Organisations created for the current batch, to index for duplicates in one go.
    created_organisations: Vec<kefu_store::organisations::OrganisationRow>,
    counts: Counts,
}

/// A row checked as far as it can be without the database.
fn fill<T: Clone>(old: &mut Option<T>, new: &Option<T>) {
    if new.is_some() {
        old.clone_from(new);
    }
}

fn union(old: &mut Vec<String>, new: &[String]) {
    for v in new {
        if !old.contains(v) {
            old.push(v.clone());
        }
    }
}

/// Fills an existing contact from a row: values in the file replace those on record,
/// empty cells change nothing, tags, identities and custom values are added. Audited.
/// Returns whether anything changed.
/// Records an update an import made: what changed (old → new) and which import.
async fn audit_update(
    tx: &mut Tx,
    action: &str,
    subject: &str,
    mut diff: serde_json::Map<String, serde_json::Value>,
    (actor_id, import_id): (Option<i64>, i64),
    now: i64,
) -> AppResult<()> {
    diff.insert("import_id".into(), json!(import_id));
    kefu_store::audit::record_in(
        tx,
        actor_id,
        action,
        subject,
        &serde_json::Value::Object(diff).to_string(),
        now,
    )
    .await?;
    Ok(())
}

/// The outcome of each row of a batch, as planned (nothing written).
enum Planned {
    Contacts(Vec<Result<ContactPlan, NewImportError>>),
    Organisations(Vec<Result<OrganisationPlan, NewImportError>>),
    /// Orders and reviews are only previewed this way; a run writes them through their
    /// own upserts (see `orders`, `reviews`).
    Actions(Vec<Result<Action, NewImportError>>),
}

impl Planned {
    /// Per row: what it will do, or why it is bad.
    fn outcomes(&self) -> Vec<Result<Action, &NewImportError>> {
        match self {
            Planned::Contacts(p) => p.iter().map(|r| r.as_ref().map(|p| p.action)).collect(),
            Planned::Organisations(p) => p.iter().map(|r| r.as_ref().map(|p| p.action)).collect(),
            Planned::Actions(p) => p.iter().map(|r| r.as_ref().copied()).collect(),
        }
    }
}

/// Validates a batch (outside any transaction) and plans it in `tx`.
async fn plan(
    app: &App,
    tx: &mut Tx,
    ctx: &Context,
    state: &mut RunState,
    rows: &[Row],
) -> AppResult<Planned> {
    match ctx.entity {
        Entity::Contact => {
            let checked = rows.iter().map(|r| validate_contact(ctx, r)).collect();
            let plans = plan_contacts(tx, state, rows, checked).await?;
            load_organisations(tx, state, &plans).await?;
            Ok(Planned::Contacts(plans))
        }
        Entity::Organisation => {
            let mut checked = Vec::with_capacity(rows.len());
            for r in rows {
                checked.push(validate_organisation(app, ctx, r).await);
            }
            Ok(Planned::Organisations(
                plan_organisations(tx, state, rows, checked).await?,
            ))
        }
        Entity::Order => {
            let stores = orders::Stores::load(app).await?;
            Ok(Planned::Actions(
                orders::plan_rows(tx, ctx, &stores, rows).await?,
            ))
        }
        Entity::Review => {
            let stores = orders::Stores::load(app).await?;
            let now = now_ms();
            Ok(Planned::Actions(
                reviews::plan_rows(tx, ctx, &stores, rows, now).await?,
            ))
        }
    }
}

fn split_plans<P>(plans: Vec<Result<P, NewImportError>>) -> (Vec<P>, Vec<NewImportError>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for p in plans {
        match p {
            Ok(p) => good.push(p),
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

/// A file to import.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub entity: Entity,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Column header → field; `None`: the suggested mapping.
    pub mapping: Option<BTreeMap<String, String>>,
}

fn read_sheet(file: &ImportFile) -> AppResult<Sheet> {
    let format =
        Format::from_file_name(&file.file_name).unwrap_or_else(|| Format::sniff(&file.bytes));
    kefu_sheets::read(&file.bytes, format)
        .map_err(|e| Invalid::new("file", "unreadable_file", e.to_string()).into())
}

fn file_name(name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "file_name",
            "invalid_file_name",
            "give the file's name (at most 200 characters)",
        ));
    }
    Ok(name.to_owned())
}

/// What a preview shows about one row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    pub line: i64,
    pub cells: Vec<String>,
    /// `create`, `update` or `error`.
    pub status: &'static str,
    pub code: Option<String>,
    pub reason: Option<String>,
}

/// A file read and its first rows checked as the import would, with nothing written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub entity: Entity,
    pub file_name: String,
    /// The text encoding of a .csv file (`UTF-8`, `GB18030` …).
    pub encoding: Option<String>,
    pub headers: Vec<String>,
    pub total_rows: usize,
    /// The mapping used: the one given, else the suggested one.
    pub mapping: BTreeMap<String, String>,
    /// Every field a column can map to.
    pub fields: Vec<String>,
    pub rows: Vec<PreviewRow>,
}

/// The file read, with its mapping (the one given, else the suggested one) checked.
struct Prepared {
    file_name: String,
    sheet: Sheet,
    mapping: BTreeMap<String, String>,
    defs: Vec<CustomFieldRow>,
}

async fn prepare(app: &App, file: &ImportFile, need_name: bool) -> AppResult<Prepared> {
    let file_name = file_name(&file.file_name)?;
    let sheet = read_sheet(file)?;
    let defs = kefu_store::fields::custom_fields(&app.db, file.entity.as_str()).await?;
    let mapping = file
        .mapping
        .clone()
        .unwrap_or_else(|| suggest_mapping(file.entity, &sheet.headers, &defs));
    check_mapping(file.entity, &mapping, &defs, need_name)?;
    Ok(Prepared {
        file_name,
        sheet,
        mapping,
        defs,
    })
}

pub async fn preview(app: &App, actor: &Actor, file: &ImportFile) -> AppResult<Preview> {
    actor.require(Permission::ExportArchive)?;
    let p = prepare(app, file, false).await?;
    let ctx = Context::load(app, file.entity, &p.sheet.headers, &p.mapping).await?;
    let rows = &p.sheet.rows[..p.sheet.rows.len().min(PREVIEW_ROWS)];
    let mut tx = app.db.begin_read().await?;
    let planned = plan(app, &mut tx, &ctx, &mut RunState::default(), rows).await?;
    tx.commit().await?;
    let rows = rows
        .iter()
        .zip(planned.outcomes())
        .map(|(row, outcome)| PreviewRow {
            line: row.line as i64,
            cells: row.cells.clone(),
            status: match outcome {
                Ok(Action::Create) => "create",
                Ok(Action::Update(_)) => "update",
                Err(_) => "error",
            },
            code: outcome.as_ref().err().map(|e| e.code.clone()),
            reason: outcome.as_ref().err().map(|e| e.reason.clone()),
        })
        .collect();
    Ok(Preview {
        entity: file.entity,
        file_name: p.file_name,
        encoding: p.sheet.encoding.map(|e| e.label().to_owned()),
        total_rows: p.sheet.rows.len(),
        fields: fields(file.entity, &p.defs),
        headers: p.sheet.headers,
        mapping: p.mapping,
        rows,
    })
}

/// An import accepted and recorded, ready to run.
struct Job {
    import: ImportRow,
    sheet: Sheet,
    ctx: Context,
}

async fn accept(app: &App, created_by: Option<i64>, file: &ImportFile) -> AppResult<Job> {
    let p = prepare(app, file, true).await?;
    let ctx = Context::load(app, file.entity, &p.sheet.headers, &p.mapping).await?;
    let mut tx = app.db.begin().await?;
    let import = imports::create(
        &mut tx,
        &NewImport {
            entity: file.entity.as_str(),
            status: "running",
            file_name: &p.file_name,
            total: p.sheet.rows.len() as i64,
            headers: &p.sheet.headers,
            mapping: &p.mapping,
            created_by,
        },
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(Job {
        import,
        sheet: p.sheet,
        ctx,
    })
}

/// Keeps a file uploaded in the workspace until its mapping is chosen (`pending`).
/// Uploads a day old that were never started are forgotten.
pub async fn upload(
    app: &App,
    actor: &Actor,
    entity: Entity,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<ImportRow> {
    actor.require(Permission::ExportArchive)?;
    let file = ImportFile {
        entity,
        file_name: file_name.to_owned(),
        bytes,
        mapping: None,
    };
    let p = prepare(app, &file, false).await?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    imports::delete_stale_pending(&mut tx, now - 24 * 3_600_000).await?;
    let import = imports::create(
        &mut tx,
        &NewImport {
            entity: entity.as_str(),
            status: "pending",
            file_name: &p.file_name,
            total: p.sheet.rows.len() as i64,
            headers: &p.sheet.headers,
            mapping: &p.mapping,
            created_by: Some(actor.user_id),
        },
        now,
    )
    .await?;
    imports::save_file(&mut tx, import.id, &file.bytes).await?;
    tx.commit().await?;
    Ok(import)
}

/// A pending upload as a file to preview or import, with `mapping` (else its own).
async fn uploaded(
    app: &App,
    actor: &Actor,
    id: i64,
    mapping: Option<BTreeMap<String, String>>,
) -> AppResult<(ImportRow, ImportFile)> {
    let import = get_import(app, actor, id).await?;
    if import.status != "pending" {
        return Err(AppError::Conflict {
            code: "import_started",
            message: "this import has already been started".into(),
            existing_id: Some(id),
        });
    }
    let bytes = imports::file(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("import"))?;
    let file = ImportFile {
        entity: Entity::parse(&import.entity)?,
        file_name: import.file_name.clone(),
        bytes,
        mapping: Some(mapping.unwrap_or_else(|| import.mapping.0.clone())),
    };
    Ok((import, file))
}

/// The preview of a pending upload with `mapping` (else the suggested one).
pub async fn preview_upload(
    app: &App,
    actor: &Actor,
    id: i64,
    mapping: Option<BTreeMap<String, String>>,
) -> AppResult<Preview> {
    let (_, file) = uploaded(app, actor, id, mapping).await?;
    preview(app, actor, &file).await
}

/// Starts a pending upload with `mapping` in the background.
pub async fn start_upload(
    app: &App,
    actor: &Actor,
    id: i64,
    mapping: BTreeMap<String, String>,
) -> AppResult<ImportRow> {
    let (_, file) = uploaded(app, actor, id, Some(mapping)).await?;
    let p = prepare(app, &file, true).await?;
    let ctx = Context::load(app, file.entity, &p.sheet.headers, &p.mapping).await?;
    let mut tx = app.db.begin().await?;
    if !imports::begin_run(&mut tx, id, &p.mapping).await? {
        return Err(AppError::Conflict {
            code: "import_started",
            message: "this import has already been started".into(),
            existing_id: Some(id),
        });
    }
    tx.commit().await?;
    let import = get_import(app, actor, id).await?;
    spawn(
        app,
        Job {
            import: import.clone(),
            sheet: p.sheet,
            ctx,
        },
    );
    Ok(import)
}

fn spawn(app: &App, job: Job) {
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = execute(&app, job, |_, _| {}).await {
            tracing::error!(error = %e, "import could not be finished");
        }
    });
}

/// Runs an accepted import to its end, batch by batch; `progress` hears after each.
async fn execute(
    app: &App,
    job: Job,
    mut progress: impl FnMut(&Counts, i64),
) -> AppResult<ImportRow> {
    let Job { import, sheet, ctx } = job;
    let who = (import.created_by, import.id);
    let mut state = RunState::default();
    let result: AppResult<()> = if matches!(ctx.entity, Entity::Order | Entity::Review) {
        run_upserts(app, &import, &sheet, &ctx, &mut state.counts, &mut progress).await
    } else {
        async {
            for rows in sheet.rows.chunks(BATCH) {
                let mut tx = app.db.begin().await?;
                let planned = plan(app, &mut tx, &ctx, &mut state, rows).await?;
                let now = now_ms();
                let bad = match planned {
                    Planned::Contacts(p) => {
                        let (good, bad) = split_plans(p);
                        write_contacts(&mut tx, &mut state, good, who, now).await?;
                        bad
                    }
                    Planned::Organisations(p) => {
                        let (good, bad) = split_plans(p);
                        write_organisations(&mut tx, &mut state, good, who, now).await?;
                        bad
                    }
                    Planned::Actions(_) => Vec::new(),
                };
                imports::add_errors(&mut tx, import.id, &bad).await?;
                state.counts.failed += bad.len() as i64;
                state.counts.processed += rows.len() as i64;
                imports::advance(&mut tx, import.id, &state.counts).await?;
                tx.commit().await?;
                progress(&state.counts, import.total);
            }
            Ok(())
        }
        .await
    };
    let error = result.as_ref().err().map(|e| {
        tracing::error!(error = %e, import = import.id, "import failed");
        "the import stopped because of an error on our side; the rows counted so far were written"
            .to_owned()
    });
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    imports::finish(&mut tx, import.id, error.as_deref(), now).await?;
    imports::delete_file(&mut tx, import.id).await?;
    kefu_store::audit::record_in(
        &mut tx,
        import.created_by,
        &format!("{}.imported", ctx.entity.plural()),
        &format!("import:{}", import.id),
        &json!({
            "import_id": import.id,
            "file_name": import.file_name,
            "counts": state.counts,
            "error": error,
        })
        .to_string(),
        now,
    )
    .await?;
    tx.commit().await?;
    imports::find(&app.db, import.id)
        .await?
        .ok_or(AppError::NotFound("import"))
}

/// Imports orders (whole orders per transaction) or reviews run by run through their
/// upserts.
async fn run_upserts(
    app: &App,
    import: &ImportRow,
    sheet: &Sheet,
    ctx: &Context,
    counts: &mut Counts,
    progress: &mut impl FnMut(&Counts, i64),
) -> AppResult<()> {
    let stores = orders::Stores::load(app).await?;
    let runs = match ctx.entity {
        Entity::Order => orders::runs(ctx, &sheet.rows, BATCH),
        _ => (0..sheet.rows.len())
            .step_by(BATCH)
            .map(|i| i..(i + BATCH).min(sheet.rows.len()))
            .collect(),
    };
    for run in runs {
        let rows = &sheet.rows[run];
        let mut tx = app.db.begin().await?;
        let now = now_ms();
        let bad = if ctx.entity == Entity::Order {
            orders::write_rows(app, &mut tx, ctx, &stores, rows, counts, now).await?
        } else {
            reviews::write_rows(app, &mut tx, ctx, &stores, rows, counts, now).await?
        };
        imports::add_errors(&mut tx, import.id, &bad).await?;
        counts.failed += bad.len() as i64;
        counts.processed += rows.len() as i64;
        imports::advance(&mut tx, import.id, counts).await?;
        crate::events::commit(app, tx).await?;
        progress(counts, import.total);
    }
    Ok(())
}

/// Starts an import in the background on this instance and returns it at once; its
/// progress is in the database (`get_import`), readable from any instance.
pub async fn start_import(app: &App, actor: &Actor, file: &ImportFile) -> AppResult<ImportRow> {
    actor.require(Permission::ExportArchive)?;
    let job = accept(app, Some(actor.user_id), file).await?;
    let import = job.import.clone();
    spawn(app, job);
    Ok(import)
}

/// Imports a file to its end, for the command line; `progress` hears the counts and the
/// number of rows after each batch (whoever runs it has the database
/// itself, so there is no role to check; the audit log records no user).
pub async fn import_from_command_line(
    app: &App,
    file: &ImportFile,
    progress: impl FnMut(&Counts, i64),
) -> AppResult<ImportRow> {
    let job = accept(app, None, file).await?;
    execute(app, job, progress).await
}

pub async fn get_import(app: &App, actor: &Actor, id: i64) -> AppResult<ImportRow> {
    actor.require(Permission::ExportArchive)?;
    imports::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("import"))
}

/// An import's bad rows in file order.
pub async fn import_errors(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<ImportErrorRow>> {
    let _ = get_import(app, actor, id).await?;
    Ok(imports::errors(&app.db, id, MAX_REPORTED).await?)
}

/// A file to download.
#[derive(Debug, Clone)]
pub struct FileOut {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

fn write_file(
    stem: &str,
    headers: &[String],
    rows: Vec<Vec<String>>,
    format: Format,
) -> AppResult<FileOut> {
    let count = rows.len();
    let bytes = kefu_sheets::write(headers, rows, format)
        .map_err(|e| Invalid::new("format", "export_failed", e.to_string()))?;
    Ok(FileOut {
        file_name: format!("{stem}.{}", format.extension()),
        content_type: format.content_type(),
        bytes,
        rows: count,
    })
}

/// The bad rows of an import as a file: `line`, the original columns, `reason`. It can
/// be corrected and imported again as it is (those two columns are ignored).
pub fn error_report(
    import: &ImportRow,
    errors: &[ImportErrorRow],
    format: Format,
) -> AppResult<FileOut> {
    let mut headers = vec!["line".to_owned()];
    headers.extend(import.headers.0.iter().cloned());
    headers.push("reason".into());
    let rows = errors
        .iter()
        .map(|e| {
            let mut row = vec![e.line.to_string()];
            row.extend(e.cells.0.iter().cloned());
            row.resize(headers.len() - 1, String::new());
            row.push(e.reason.clone());
            row
        })
        .collect();
    let stem = import
        .file_name
        .rsplit_once('.')
        .map_or(import.file_name.as_str(), |(s, _)| s);
    write_file(&format!("{stem}.errors"), &headers, rows, format)
}

/// Parses `xlsx` or `csv`.
pub fn parse_format(s: Option<&str>) -> Result<Format, Invalid> {
    match s.map(|s| s.trim().to_lowercase()).as_deref() {
        None | Some("") | Some("xlsx") => Ok(Format::Xlsx),
        Some("csv") => Ok(Format::Csv),
        Some(_) => Err(Invalid::new("format", "invalid_format", "use xlsx or csv")),
    }
}
