//! Settings pages for business calendars: weekly hours per weekday, holidays and make-up
//! work days as dated lines (`YYYY-MM-DD name`), and a due-time preview.

use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::customers::form::{Fields, split_list};
use crate::ui::customers::status_of;
use crate::ui::{back, csrf_rejection, error_text, render};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kefu_app::AppError;
use kefu_app::calendars::{self, CalendarInput};
use kefu_domain::calendar::lines::{
    format_holidays, format_workdays, parse_holidays, parse_workdays,
};
use kefu_domain::calendar::{WEEKDAYS, weekday_key};
use kefu_domain::{Invalid, Permission};
use kefu_store::calendars::{CalendarRow, HolidayDoc, WeeklyHoursDoc, WorkdayDoc};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/calendars",
            get(list_calendars).post(create_calendar),
        )
        .route(
            "/settings/calendars/{id}",
            get(show_calendar).post(save_calendar),
        )
        .route("/settings/calendars/{id}/delete", post(delete_calendar))
}

/// One weekday's hours as typed: `09:00-12:00, 13:30-18:00`.
#[derive(Serialize)]
struct DayField {
    key: &'static str,
    value: String,
}

/// A calendar form as typed, so a refused form comes back as it was.
#[derive(Serialize)]
struct CalendarForm {
    name: String,
    time_zone: String,
    days: Vec<DayField>,
    holidays: String,
    workdays: String,
    is_default: bool,
}

impl CalendarForm {
    /// A new calendar: Asia/Shanghai, Monday to Friday 09:00–18:00.
    fn blank() -> Self {
        Self {
            name: String::new(),
            time_zone: "Asia/Shanghai".into(),
            days: WEEKDAYS
                .iter()
                .enumerate()
                .map(|(i, d)| DayField {
                    key: weekday_key(*d),
                    value: if i < 5 {
                        "09:00-18:00".into()
                    } else {
                        String::new()
                    },
                })
                .collect(),
            holidays: String::new(),
            workdays: String::new(),
            is_default: false,
        }
    }

    fn from_row(row: &CalendarRow) -> Self {
        let weekly = &row.weekly_hours.0;
        let (holidays, workdays) = match row.to_calendar() {
            Ok(c) => (format_holidays(c.holidays()), format_workdays(c.workdays())),
            Err(_) => (String::new(), String::new()),
        };
        Self {
            name: row.name.clone(),
            time_zone: row.time_zone.clone(),
            days: WEEKDAYS
                .iter()
                .zip([
                    &weekly.mon,
                    &weekly.tue,
                    &weekly.wed,
                    &weekly.thu,
                    &weekly.fri,
                    &weekly.sat,
                    &weekly.sun,
                ])
                .map(|(d, spans)| DayField {
                    key: weekday_key(*d),
                    value: spans.join(", "),
                })
                .collect(),
            holidays,
            workdays,
            is_default: row.is_default,
        }
    }

    fn from_fields(f: &Fields) -> Self {
        Self {
            name: f.text("name"),
            time_zone: f.text("time_zone"),
            days: WEEKDAYS
                .iter()
                .map(|d| DayField {
                    key: weekday_key(*d),
                    value: f.text(&format!("hours_{}", weekday_key(*d))),
                })
                .collect(),
            holidays: f.text("holidays"),
            workdays: f.text("workdays"),
            is_default: f.checked("is_default"),
        }
    }

    /// What the use case takes; the dated lines are read here, the rest checked there.
    fn input(&self) -> Result<CalendarInput, Invalid> {
        let day = |i: usize| split_list(&self.days[i].value);
        Ok(CalendarInput {
            name: self.name.clone(),
            time_zone: self.time_zone.clone(),
            weekly_hours: WeeklyHoursDoc {
                mon: day(0),
                tue: day(1),
                wed: day(2),
                thu: day(3),
                fri: day(4),
                sat: day(5),
                sun: day(6),
            },
            holidays: parse_holidays(&self.holidays)?
                .iter()
                .map(HolidayDoc::from)
                .collect(),
            workdays: parse_workdays(&self.workdays)?
                .iter()
                .map(WorkdayDoc::from)
                .collect(),
            is_default: self.is_default,
        })
    }
}

/// A refusal as the page shows it: the translated sentence, and the exact detail (which
/// line, which date) underneath.
#[derive(Clone, Serialize)]
pub(crate) struct Refusal {
    text: String,
    detail: String,
    #[serde(skip)]
    status: StatusCode,
}

pub(crate) fn refusal(s: &AppState, ui: &UiActor, e: &AppError) -> Refusal {
    Refusal {
        text: error_text(s, ui.actor.locale, e),
        detail: e.to_string(),
        status: status_of(e),
    }
}

/// A posted form whose CSRF token is right, or the response refusing it.
#[expect(
    clippy::result_large_err,
    reason = "the error is the handler's response, returned at once"
)]
pub(crate) fn checked_form(ui: &UiActor, pairs: Vec<(String, String)>) -> Result<Fields, Response> {
    let f = Fields(pairs);
    match csrf_rejection(ui, &f.text("csrf")) {
        Some(refused) => Err(refused),
        None => Ok(f),
    }
}

/// A page drawn with a refusal answers with the refusal's status (422, 409 …).
pub(crate) fn with_status(mut page: Response, error: Option<&Refusal>) -> Response {
    if let Some(e) = error
        && page.status().is_success()
    {
        *page.status_mut() = e.status;
    }
    page
}

/// A calendar in the list: its row and how many of its dates are provisional.
#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    row: CalendarRow,
    provisional: usize,
}

fn provisional(row: &CalendarRow) -> usize {
    row.holidays.0.iter().filter(|h| h.provisional).count()
        + row.workdays.0.iter().filter(|w| w.provisional).count()
}

async fn list_page(
    s: &AppState,
    ui: &UiActor,
    form: CalendarForm,
    error: Option<Refusal>,
) -> Response {
    let calendars: Vec<Listed> = calendars::list_calendars(&s.app, &ui.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|row| Listed {
            provisional: provisional(&row),
            row,
        })
        .collect();
    let can_manage = ui.actor.role.allows(Permission::ManageSla);
    let page = render(
        s,
        "calendars.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! { calendars, form, error => &error, can_manage },
    );
    with_status(page, error.as_ref())
}

pub async fn list_calendars(State(s): State<AppState>, ui: UiActor) -> Response {
    list_page(&s, &ui, CalendarForm::blank(), None).await
}

/// Creates (`id` absent) or changes a calendar from its form.
async fn save(
    s: &AppState,
    ui: &UiActor,
    id: Option<i64>,
    form: &CalendarForm,
) -> Result<CalendarRow, AppError> {
    let input = form.input()?;
    match id {
        Some(id) => calendars::update_calendar(&s.app, &ui.actor, id, &input).await,
        None => calendars::create_calendar(&s.app, &ui.actor, &input).await,
    }
}

pub async fn create_calendar(
    State(s): State<AppState>,
    ui: UiActor,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = CalendarForm::from_fields(&f);
    Ok(match save(&s, &ui, None, &form).await {
        Ok(row) => back(&format!("/app/settings/calendars/{}", row.id)),
        Err(e) => {
            let error = refusal(&s, &ui, &e);
            list_page(&s, &ui, form, Some(error)).await
        }
    })
}

/// A due-time preview asked for on the calendar's page.
#[derive(Deserialize, Serialize, Default)]
pub struct DueQuery {
    pub from: Option<String>,
    pub minutes: Option<String>,
    pub saved: Option<String>,
}

/// What the calendar page shows besides its form.
struct PageState {
    form: Option<CalendarForm>,
    error: Option<Refusal>,
    query: DueQuery,
}

async fn calendar_page(s: &AppState, ui: &UiActor, id: i64, page: PageState) -> Response {
    let row = match calendars::get_calendar(&s.app, &ui.actor, id).await {
        Ok(row) => row,
        Err(e) => return crate::error::ApiError::from(e).into_response_html(),
    };
    let q = &page.query;
    let (due, due_error) = match (q.from.as_deref(), q.minutes.as_deref()) {
        (Some(from), Some(minutes)) if !from.is_empty() => {
            let minutes = minutes.trim().parse().unwrap_or(-1);
            match calendars::preview_due(&s.app, &ui.actor, id, from, minutes).await {
                Ok(d) => (Some(d), None),
                Err(e) => (None, Some(refusal(s, ui, &e))),
            }
        }
        _ => (None, None),
    };
    let form = page.form.unwrap_or_else(|| CalendarForm::from_row(&row));
    let can_manage = ui.actor.role.allows(Permission::ManageSla);
    let provisional = provisional(&row);
    let drawn = render(
        s,
        "calendar.html",
        ui.actor.locale,
        Some(ui),
        minijinja::context! {
            calendar => row, form, provisional, can_manage, error => &page.error,
            due, due_error => &due_error, query => q, saved => q.saved.is_some(),
        },
    );
    with_status(drawn, page.error.as_ref().or(due_error.as_ref()))
}

pub async fn show_calendar(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Query(query): Query<DueQuery>,
) -> Response {
    let page = PageState {
        form: None,
        error: None,
        query,
    };
    calendar_page(&s, &ui, id, page).await
}

pub async fn save_calendar(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, Response> {
    let f = checked_form(&ui, f)?;
    let form = CalendarForm::from_fields(&f);
    Ok(match save(&s, &ui, Some(id), &form).await {
        Ok(_) => back(&format!("/app/settings/calendars/{id}?saved=1")),
        Err(e) => {
            let page = PageState {
                error: Some(refusal(&s, &ui, &e)),
                form: Some(form),
                query: DueQuery::default(),
            };
            calendar_page(&s, &ui, id, page).await
        }
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn delete_calendar(
    State(s): State<AppState>,
    ui: UiActor,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = csrf_rejection(&ui, &f.csrf) {
        return r;
    }
    match calendars::delete_calendar(&s.app, &ui.actor, id).await {
        Ok(()) => back("/app/settings/calendars"),
        Err(e) => {
            let page = PageState {
                error: Some(refusal(&s, &ui, &e)),
                form: None,
                query: DueQuery::default(),
            };
            calendar_page(&s, &ui, id, page).await
        }
    }
}
