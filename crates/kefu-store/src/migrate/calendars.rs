//! Migration 8: business calendars and SLA policies, with the mainland-China calendar
//! (data/cn-*.txt) seeded as the default calendar.

use crate::calendars::{CalendarDoc, MAINLAND_CHINA, insert_statement, mainland_china};
use crate::db::Backend;
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

pub(super) fn calendars(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        // Hours, holidays and make-up days are JSON (see calendars/doc.rs): a calendar is
        // read and written whole, and the SLA engine caches it in memory.
        format!(
            "CREATE TABLE business_calendars (
                id {pk},
                name TEXT NOT NULL,
                time_zone TEXT NOT NULL,
                weekly_hours TEXT NOT NULL DEFAULT '{{}}',
                holidays TEXT NOT NULL DEFAULT '[]',
                workdays TEXT NOT NULL DEFAULT '[]',
                is_default BOOLEAN NOT NULL DEFAULT FALSE,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_business_calendars_name ON business_calendars (name)".into(),
        "CREATE UNIQUE INDEX uq_business_calendars_default ON business_calendars (is_default) \
         WHERE is_default"
            .into(),
        // Conditions are JSON lists, empty meaning "any"; the first enabled policy by
        // position whose conditions all hold applies to a ticket.
        format!(
            "CREATE TABLE sla_policies (
                id {pk},
                name TEXT NOT NULL,
                position BIGINT NOT NULL,
                enabled BOOLEAN NOT NULL DEFAULT TRUE,
                ticket_types TEXT NOT NULL DEFAULT '[]',
                priorities TEXT NOT NULL DEFAULT '[]',
                channels TEXT NOT NULL DEFAULT '[]',
                team_ids TEXT NOT NULL DEFAULT '[]',
                customer_levels TEXT NOT NULL DEFAULT '[]',
                calendar_id BIGINT NOT NULL REFERENCES business_calendars (id) ON DELETE RESTRICT,
                first_response_minutes BIGINT NULL,
                next_response_minutes BIGINT NULL,
                resolution_minutes BIGINT NULL,
                warning_percent BIGINT NOT NULL DEFAULT 75,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_sla_policies_name ON sla_policies (name)".into(),
        "CREATE INDEX ix_sla_policies_position ON sla_policies (position, id)".into(),
        "CREATE INDEX ix_sla_policies_calendar ON sla_policies (calendar_id)".into(),
        seed_default(b),
    ]
}

fn seed_default(b: Backend) -> String {
    // The data ships with kefu and is checked by its tests; a failure here is a build defect.
    let china = mainland_china().expect("data/cn-*.txt is a valid calendar");
    let doc = CalendarDoc::from_calendar(&china);
    let stmt = insert_statement(MAINLAND_CHINA, &doc, true, kefu_domain::time::now_ms());
    match b {
        Backend::Sqlite => stmt.to_string(SqliteQueryBuilder),
        Backend::Postgres => stmt.to_string(PostgresQueryBuilder),
    }
}
