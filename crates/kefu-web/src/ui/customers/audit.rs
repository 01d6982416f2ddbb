//! The audit log page for managers: who did what to which customer, when.

use super::{PAGE_SIZE, failed, names, people, query_string};
use crate::extract::UiActor;
use crate::state::AppState;
use crate::ui::render;
use axum::extract::{Query, State};
use axum::response::Response;
use kefu_app::AppError;
use kefu_app::privacy::{self, AuditEntry, AuditQuery};
use kefu_domain::Invalid;
use serde::{Deserialize, Serialize};

/// Actions offered in the action filter (any other may be typed).
const KNOWN_ACTIONS: [&str; 9] = [
    "contact.",
    "contact.revealed",
    "contact.updated",
    "contact.erased",
    "contacts.exported",
    "contacts.imported",
    "organisation.",
    "custom_field.created",
    "login.succeeded",
];

/// The filters as the address bar carries them; dates are the viewer's calendar days.
#[derive(Deserialize, Serialize, Default)]
pub struct AuditFilters {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    subject: String,
    /// First day shown (YYYY-MM-DD), inclusive.
    #[serde(default)]
    from: String,
    /// Last day shown (YYYY-MM-DD), inclusive.
    #[serde(default)]
    to: String,
    /// The viewer's time zone (the page's script fills it in); UTC without it.
    #[serde(default)]
    tz: String,
    #[serde(default)]
    cursor: String,
}

/// The start of `day` (plus `days_after`) in `tz`, as UTC milliseconds.
fn day_start(
    field: &'static str,
    day: &str,
    tz: &str,
    days_after: i64,
) -> Result<Option<i64>, AppError> {
    let day = day.trim();
    if day.is_empty() {
        return Ok(None);
    }
    let zone = jiff::tz::TimeZone::get(tz.trim()).unwrap_or(jiff::tz::TimeZone::UTC);
    let date: jiff::civil::Date = day.parse().map_err(|_| {
        Invalid::new(
            field,
            "invalid_date",
            format!("'{day}' is not a date like 2026-11-23"),
        )
    })?;
    let start = date
        .checked_add(jiff::Span::new().days(days_after))
        .and_then(|d| d.to_zoned(zone))
        .map_err(|_| Invalid::new(field, "invalid_date", "that date is out of range"))?;
    Ok(Some(start.timestamp().as_millisecond()))
}

impl AuditFilters {
    fn query(&self) -> Result<(AuditQuery, Option<i64>), AppError> {
        let number = |v: &str| v.trim().parse::<i64>().ok();
        let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let q = AuditQuery {
            actor_user_id: number(&self.actor),
            action: text(&self.action),
            subject: text(&self.subject),
            since: day_start("from", &self.from, &self.tz, 0)?,
            until: day_start("to", &self.to, &self.tz, 1)?,
        };
        Ok((q, number(&self.cursor)))
    }

    /// The filters (without the cursor) as a query string.
    fn keep(&self) -> String {
        query_string(&[
            ("actor", &self.actor),
            ("action", &self.action),
            ("subject", &self.subject),
            ("from", &self.from),
            ("to", &self.to),
            ("tz", &self.tz),
        ])
    }
}

/// One line of the log, with a link to the customer it is about.
#[derive(Serialize)]
struct Line {
    #[serde(flatten)]
    entry: AuditEntry,
    /// The customer page's path below /app (`contacts/12`), when the subject is one.
    link: Option<(&'static str, i64)>,
    /// The translation key of the action (`cust-act-contact-revealed`).
    label_key: String,
}

fn subject_link(subject: &str) -> Option<(&'static str, i64)> {
    let (kind, id) = subject.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    match kind {
        "contact" => Some(("contacts", id)),
        "organisation" => Some(("organisations", id)),
        _ => None,
    }
}

async fn audit_page(s: &AppState, ui: &UiActor, f: &AuditFilters) -> Result<Response, AppError> {
    let (app, actor) = (&s.app, &ui.actor);
    let (q, before) = f.query()?;
    let rows = privacy::list_audit(app, actor, &q, before, PAGE_SIZE).await?;
    let next = if rows.len() as u64 >= PAGE_SIZE {
        rows.last().map(|e| e.row.id)
    } else {
        None
    };
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|entry| Line {
            link: subject_link(&entry.row.subject),
            label_key: format!("cust-act-{}", entry.row.action.replace(['.', '_'], "-")),
            entry,
        })
        .collect();
    let staff = people(app, actor).await?;
    let ctx = minijinja::context! {
        nav => "audit",
        lines, next, f,
        keep => f.keep(),
        owners => names(&staff),
        staff,
        actions => KNOWN_ACTIONS,
    };
    Ok(render(s, "audit.html", actor.locale, Some(ui), ctx))
}

pub async fn show_audit(
    State(s): State<AppState>,
    ui: UiActor,
    Query(f): Query<AuditFilters>,
) -> Response {
    audit_page(&s, &ui, &f)
        .await
        .unwrap_or_else(|e| failed(&s, &ui, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_starts_at_midnight_in_the_viewers_zone() {
        let shanghai = day_start("from", "2026-11-23", "Asia/Shanghai", 0).unwrap();
        let utc = day_start("from", "2026-11-23", "", 0).unwrap();
        assert_eq!(utc.unwrap() - shanghai.unwrap(), 8 * 3_600_000);
        let next = day_start("to", "2026-11-23", "UTC", 1).unwrap().unwrap();
        assert_eq!(next - utc.unwrap(), 24 * 3_600_000);
        assert!(day_start("from", "23.11.2026", "UTC", 0).is_err());
    }

    #[test]
    fn customers_are_linked_and_other_subjects_are_not() {
        assert_eq!(subject_link("contact:12"), Some(("contacts", 12)));
        assert_eq!(subject_link("organisation:3"), Some(("organisations", 3)));
        assert_eq!(subject_link("user:1"), None);
        assert_eq!(subject_link("contact:x"), None);
    }
}
