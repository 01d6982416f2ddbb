//! Script pages: every script by stage, the form to write one with its locale variants,
//! and (supervisors and above) the stages. The composer's `/` picker is in
//! assets/scripts.js and calls the API.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::form::Fields;
use crate::ui::customers::{answer_form, failed, with_status};
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::scripts::{self, ScriptInput, ScriptView, StageInput};
use kefu_app::{Actor, AppError};
use kefu_domain::script::Variable;
use kefu_domain::{Invalid, Permission, UiLocale};
use kefu_store::scripts::ScriptStageRow;
use serde::Serialize;
use std::collections::BTreeMap;

/// The page's script asset: the composer's picker.
const SCRIPTS_JS: &str = include_str!("../../assets/scripts.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scripts", get(list_scripts).post(save_script_form))
        .route("/scripts/new", get(new_script))
        .route("/scripts/{id}", get(edit_script).post(save_script_form))
        .route("/scripts/{id}/delete", post(delete_script))
        .route("/scripts/stages", post(save_stage_form))
        .route("/scripts/stages/{id}", post(save_stage_form))
        .route("/scripts/stages/{id}/delete", post(delete_stage))
}

pub async fn scripts_js() -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPTS_JS,
    )
        .into_response()
}

/// A stage with its label in the page's language and the scripts in it.
#[derive(Serialize)]
struct StageGroup {
    stage: ScriptStageRow,
    label: String,
    scripts: Vec<Listed>,
}

/// A script as the list shows it.
#[derive(Serialize)]
struct Listed {
    script: ScriptView,
    excerpt: String,
    editable: bool,
}

fn label(stage: &ScriptStageRow, locale: UiLocale) -> String {
    match locale {
        UiLocale::ZhCn => stage.label_zh.clone(),
        UiLocale::En => stage.label_en.clone(),
    }
}

fn may_edit(actor: &Actor, script: &ScriptView) -> bool {
    !script.shared || actor.role.allows(Permission::ManageSharedScripts)
}

/// The body an agent reading in `locale` sees first.
fn excerpt(script: &ScriptView, locale: UiLocale) -> String {
    let locales: Vec<&str> = script.bodies.keys().map(String::as_str).collect();
    let picked = kefu_domain::script::pick_locale(&locales, &[locale.as_str()]);
    let body = picked
        .and_then(|l| script.bodies.get(l))
        .map_or("", String::as_str);
    let mut text: String = body.chars().take(120).collect();
    if body.chars().count() > 120 {
        text.push('…');
    }
    text
}

async fn list_page(
    s: &AppState,
    ui: &UiActor,
    error: Option<&AppError>,
) -> Result<Response, AppError> {
    let locale = ui.actor.locale;
    let stages = scripts::list_stages(&s.app, &ui.actor).await?;
    let mut all = scripts::list_scripts(&s.app, &ui.actor, None).await?;
    let groups: Vec<StageGroup> = stages
        .into_iter()
        .map(|stage| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                all.drain(..).partition(|x| x.stage_id == stage.id);
            all = rest;
            StageGroup {
                label: label(&stage, locale),
                scripts: mine
                    .into_iter()
                    .map(|script| Listed {
                        excerpt: excerpt(&script, locale),
                        editable: may_edit(&ui.actor, &script),
                        script,
                    })
                    .collect(),
                stage,
            }
        })
        .collect();
    Ok(draw(
        s,
        ui,
        "scripts.html",
        minijinja::context! { groups },
        error,
    ))
}

/// A scripts page, with the variables, whether the viewer manages shared scripts, and
/// why a form was refused (its status too).
fn draw(
    s: &AppState,
    ui: &UiActor,
    template: &str,
    ctx: minijinja::Value,
    error: Option<&AppError>,
) -> Response {
    let locale = ui.actor.locale;
    let common = minijinja::context! {
        variables => Variable::ALL.map(Variable::as_str),
        manage_shared => ui.actor.role.allows(Permission::ManageSharedScripts),
        error => error.map(|e| error_text(s, locale, e)),
    };
    let page = render(
        s,
        template,
        locale,
        Some(ui),
        minijinja::context! { ..ctx, ..common },
    );
    with_status(page, error)
}

pub async fn list_scripts(State(s): State<AppState>, ui: UiActor) -> Response {
    list_page(&s, &ui, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

/// What the form shows: a script's fields and one row per locale variant.
#[derive(Serialize, Default)]
struct Draft {
    id: Option<i64>,
    title: String,
    shortcut: String,
    stage_id: Option<i64>,
    shared: bool,
    /// (locale, body) rows: zh-CN and en always, then any others, then one blank.
    variants: Vec<(String, String)>,
}

impl Draft {
    fn of(script: &ScriptView) -> Self {
        Self {
            id: Some(script.id),
            title: script.title.clone(),
            shortcut: script.shortcut.clone().unwrap_or_default(),
            stage_id: Some(script.stage_id),
            shared: script.shared,
            variants: variants(&script.bodies),
        }
    }

    fn posted(id: Option<i64>, f: &Fields) -> (Self, Result<ScriptInput, Invalid>) {
        let mut bodies = BTreeMap::new();
        let mut repeated = None;
        for (locale, body) in f.all("locale").into_iter().zip(f.all("body")) {
            if body.is_empty() {
                continue;
            }
            let locale = if locale.is_empty() {
                "zh-CN".to_owned()
            } else {
                locale
            };
            if bodies.insert(locale.clone(), body).is_some() {
                repeated = Some(locale);
            }
        }
        let draft = Self {
            id,
            title: f.text("title"),
            shortcut: f.text("shortcut"),
            stage_id: f.id("stage_id"),
            shared: f.checked("shared"),
            variants: variants(&bodies),
        };
        let input = match repeated {
            Some(l) => Err(Invalid::new(
                "bodies",
                "duplicate_locale",
                format!("two bodies are for {l}"),
            )),
            None => Ok(ScriptInput {
                title: draft.title.clone(),
                shortcut: Some(draft.shortcut.clone()),
                stage_id: draft.stage_id.unwrap_or_default(),
                shared: draft.shared,
                bodies,
            }),
        };
        (draft, input)
    }
}

fn variants(bodies: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ["zh-CN", "en"]
        .iter()
        .map(|l| ((*l).to_owned(), bodies.get(*l).cloned().unwrap_or_default()))
        .collect();
    for (l, b) in bodies {
        if !out.iter().any(|(o, _)| o == l) {
            out.push((l.clone(), b.clone()));
        }
    }
    out.push((String::new(), String::new()));
    out
}

async fn form_page(
    s: &AppState,
    ui: &UiActor,
    draft: Draft,
    error: Option<&AppError>,
) -> Result<Response, AppError> {
    let locale = ui.actor.locale;
    let stages: Vec<(i64, String)> = scripts::list_stages(&s.app, &ui.actor)
        .await?
        .iter()
        .map(|st| (st.id, label(st, locale)))
        .collect();
    let ctx = minijinja::context! { draft, stages };
    Ok(draw(s, ui, "script_form.html", ctx, error))
}

pub async fn new_script(State(s): State<AppState>, ui: UiActor) -> Response {
    let draft = Draft {
        variants: variants(&BTreeMap::new()),
        ..Default::default()
    };
    form_page(&s, &ui, draft, None)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

pub async fn edit_script(State(s): State<AppState>, ui: UiActor, Path(id): Path<i64>) -> Response {
    let page = async {
        let script = scripts::get_script(&s.app, &ui.actor, id).await?;
        if !may_edit(&ui.actor, &script) {
            return Err(AppError::Forbidden(
                "shared scripts are edited by supervisors".into(),
            ));
        }
        form_page(&s, &ui, Draft::of(&script), None).await
    };
    page.await.unwrap_or_else(|e| failed(&s, &ui, e))
}

pub async fn save_script_form(
    State(s): State<AppState>,
    ui: UiActor,
    id: Option<Path<i64>>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if let Some(r) = csrf_rejection(&ui, &f.text("csrf")) {
        return r;
    }
    let id = id.map(|Path(id)| id);
    let (draft, input) = Draft::posted(id, &f);
    let saved = match input {
        Err(invalid) => Err(AppError::Invalid(invalid)),
        Ok(input) => match id {
            None => scripts::create_script(&s.app, &ui.actor, &input).await,
            Some(id) => scripts::update_script(&s.app, &ui.actor, id, &input).await,
        },
    };
    let saved = saved.map(|_| "/app/scripts".to_owned());
    let (s, ui) = (&s, &ui);
    answer_form(s, ui, saved, |e| async move {
        form_page(s, ui, draft, Some(&e)).await
    })
    .await
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn delete_script(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match scripts::delete_script(&s.app, &ui.actor, id).await {
        Ok(()) => back("/app/scripts"),
        Err(e) => failed(&s, &ui, e),
    }
}

/// The list page again with why a stage change was refused, or back to the list.
async fn after_stage_change(s: &AppState, ui: &UiActor, done: Result<(), AppError>) -> Response {
    let done = done.map(|()| "/app/scripts#stages".to_owned());
    answer_form(
        s,
        ui,
        done,
        |e| async move { list_page(s, ui, Some(&e)).await },
    )
    .await
}

pub async fn save_stage_form(
    State(s): State<AppState>,
    ui: UiActor,
    id: Option<Path<i64>>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(f);
    if let Some(r) = csrf_rejection(&ui, &f.text("csrf")) {
        return r;
    }
    let input = StageInput {
        key: f.optional("key"),
        label_en: f.text("label_en"),
        label_zh: f.text("label_zh"),
        position: f.id("position"),
    };
    let done = match id {
        None => scripts::create_stage(&s.app, &ui.actor, &input).await,
        Some(Path(id)) => scripts::update_stage(&s.app, &ui.actor, id, &input).await,
    };
    after_stage_change(&s, &ui, done.map(|_| ())).await
}

pub async fn delete_stage(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    let done = scripts::delete_stage(&s.app, &ui.actor, id).await;
    after_stage_change(&s, &ui, done).await
}
