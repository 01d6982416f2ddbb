//! Migrations, written once in sea-query's schema DSL and rendered for each database.
//! Never edit a migration once it has shipped: add a new one (see migrations notes in docs/ARCHITECTURE.md).

use crate::db::{Backend, Db, StoreResult, render};
use crate::schema::*;
use sea_query::{ColumnDef, Expr, ForeignKey, ForeignKeyAction, Index, Query, Table};

/// A migration: a version, a name, and its statements for a backend.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub statements: fn(Backend) -> Vec<String>,
}

mod after_sales;
mod archive;
mod attachments;
mod automation;
mod backfill;
mod calendars;
mod duplicates;
mod email;
mod email_keys;
mod imports;
mod message_search;
mod order_changes;
mod orders;
mod reminders;
mod reviews;
mod routing;
mod scripts;
mod sending;
mod sla_clocks;
mod tickets;
mod timeline;

pub static MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        statements: foundation,
    },
    Migration {
        version: 2,
        name: "customer archive",
        statements: archive::archive,
    },
    Migration {
        version: 3,
        name: "customer timeline",
        statements: timeline::timeline,
    },
    Migration {
        version: 4,
        name: "imports",
        statements: imports::imports,
    },
    Migration {
        version: 5,
        name: "duplicates",
        statements: duplicates::duplicates,
    },
    Migration {
        version: 6,
        name: "duplicate keys for earlier records",
        statements: backfill::duplicate_keys,
    },
    Migration {
        version: 7,
        name: "tickets",
        statements: tickets::tickets,
    },
    Migration {
        version: 8,
        name: "business calendars and SLA policies",
        statements: calendars::calendars,
    },
    Migration {
        version: 9,
        name: "routing",
        statements: routing::routing,
    },
    Migration {
        version: 10,
        name: "scripts",
        statements: scripts::scripts,
    },
    Migration {
        version: 11,
        name: "automation",
        statements: automation::automation,
    },
    Migration {
        version: 12,
        name: "SLA clocks",
        statements: sla_clocks::sla_clocks,
    },
    Migration {
        version: 13,
        name: "attachments",
        statements: attachments::attachments,
    },
    Migration {
        version: 14,
        name: "email channel",
        statements: email::email,
    },
    Migration {
        version: 15,
        name: "message search",
        statements: message_search::message_search,
    },
    Migration {
        version: 16,
        name: "orders",
        statements: orders::orders,
    },
    Migration {
        version: 17,
        name: "after-sales cases",
        statements: after_sales::after_sales,
    },
    Migration {
        version: 18,
        name: "payment reminders and logistics cases",
        statements: reminders::reminders,
    },
    Migration {
        version: 19,
        name: "reviews, call-backs and outreach",
        statements: reviews::reviews,
    },
    Migration {
        version: 20,
        name: "order changes for the warehouse",
        statements: |_| order_changes::order_changes(),
    },
    Migration {
        version: 21,
        name: "replies being sent",
        statements: |_| sending::sending(),
    },
    Migration {
        version: 22,
        name: "email identities in any case",
        statements: email_keys::email_keys,
    },
];

fn id(col: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

fn fk(col: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().take()
}

fn fk_null(col: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().take()
}

fn text(col: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().take()
}

fn text_null(col: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().null().take()
}

fn time(col: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().take()
}

fn foundation(b: Backend) -> Vec<String> {
    let mut out = Vec::new();
    let mut table = |t: &mut sea_query::TableCreateStatement| out.push(render(t, b));

    table(
        Table::create()
            .table(Users::Table)
            .col(id(Users::Id))
            .col(text(Users::Email))
            .col(text(Users::Name))
            .col(text(Users::Role))
            .col(text(Users::PasswordHash))
            .col(text(Users::Locale))
            .col(
                ColumnDef::new(Users::Availability)
                    .text()
                    .not_null()
                    .default("offline"),
            )
            .col(
                ColumnDef::new(Users::Disabled)
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(time(Users::CreatedAt)),
    );
    table(
        Table::create()
            .table(Teams::Table)
            .col(id(Teams::Id))
            .col(text(Teams::Name))
            .col(time(Teams::CreatedAt)),
    );
    table(
        Table::create()
            .table(TeamMembers::Table)
            .col(fk(TeamMembers::TeamId))
            .col(fk(TeamMembers::UserId))
            .primary_key(
                Index::create()
                    .col(TeamMembers::TeamId)
                    .col(TeamMembers::UserId),
            )
            .foreign_key(&mut cascade(
                TeamMembers::Table,
                TeamMembers::TeamId,
                Teams::Table,
                Teams::Id,
            ))
            .foreign_key(&mut cascade(
                TeamMembers::Table,
                TeamMembers::UserId,
                Users::Table,
                Users::Id,
            )),
    );
    table(
        Table::create()
            .table(Inboxes::Table)
            .col(id(Inboxes::Id))
            .col(text(Inboxes::Name))
            .col(text(Inboxes::Channel))
            .col(text(Inboxes::WidgetToken))
            .col(text_null(Inboxes::Greeting))
            .col(text_null(Inboxes::AutoReply))
            .col(fk_null(Inboxes::TeamId))
            .col(time(Inboxes::CreatedAt))
            .foreign_key(&mut set_null(
                Inboxes::Table,
                Inboxes::TeamId,
                Teams::Table,
                Teams::Id,
            )),
    );
    table(
        Table::create()
            .table(Contacts::Table)
            .col(id(Contacts::Id))
            .col(text(Contacts::Name))
            .col(text_null(Contacts::Email))
            .col(text_null(Contacts::Phone))
            .col(text_null(Contacts::Language))
            .col(text_null(Contacts::Country))
            .col(text_null(Contacts::TimeZone))
            .col(time(Contacts::CreatedAt))
            .col(time(Contacts::UpdatedAt)),
    );
    table(
        Table::create()
            .table(ContactIdentities::Table)
            .col(id(ContactIdentities::Id))
            .col(fk(ContactIdentities::ContactId))
            .col(text(ContactIdentities::Kind))
            .col(text(ContactIdentities::Value))
            .col(time(ContactIdentities::CreatedAt))
            .foreign_key(&mut cascade(
                ContactIdentities::Table,
                ContactIdentities::ContactId,
                Contacts::Table,
                Contacts::Id,
            )),
    );
    table(
        Table::create()
            .table(Conversations::Table)
            .col(id(Conversations::Id))
            .col(fk(Conversations::InboxId))
            .col(fk(Conversations::ContactId))
            .col(text(Conversations::Status))
            .col(text(Conversations::Priority))
            .col(fk_null(Conversations::AssigneeId))
            .col(fk_null(Conversations::TeamId))
            .col(
                ColumnDef::new(Conversations::SnoozedUntil)
                    .big_integer()
                    .null(),
            )
            .col(
                ColumnDef::new(Conversations::AutoReplied)
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(text_null(Conversations::LastMessagePreview))
            .col(
                ColumnDef::new(Conversations::LastMessageAt)
                    .big_integer()
                    .null(),
            )
            .col(time(Conversations::LastActivityAt))
            .col(
                ColumnDef::new(Conversations::MessagesCount)
                    .big_integer()
                    .not_null()
                    .default(0),
            )
            .col(
                ColumnDef::new(Conversations::UnreadCount)
                    .big_integer()
                    .not_null()
                    .default(0),
            )
            .col(time(Conversations::CreatedAt))
            .col(time(Conversations::UpdatedAt))
            .foreign_key(&mut restrict(
                Conversations::Table,
                Conversations::InboxId,
                Inboxes::Table,
                Inboxes::Id,
            ))
            .foreign_key(&mut restrict(
                Conversations::Table,
                Conversations::ContactId,
                Contacts::Table,
                Contacts::Id,
            ))
            .foreign_key(&mut set_null(
                Conversations::Table,
                Conversations::AssigneeId,
                Users::Table,
                Users::Id,
            ))
            .foreign_key(&mut set_null(
                Conversations::Table,
                Conversations::TeamId,
                Teams::Table,
                Teams::Id,
            )),
    );
    table(
        Table::create()
            .table(Messages::Table)
            .col(id(Messages::Id))
            .col(fk(Messages::ConversationId))
            .col(text(Messages::Kind))
            .col(text(Messages::Body))
            .col(fk_null(Messages::AuthorUserId))
            .col(fk_null(Messages::AuthorContactId))
            .col(text_null(Messages::ClientId))
            .col(time(Messages::CreatedAt))
            .foreign_key(&mut cascade(
                Messages::Table,
                Messages::ConversationId,
                Conversations::Table,
                Conversations::Id,
            ))
            .foreign_key(&mut set_null(
                Messages::Table,
                Messages::AuthorUserId,
                Users::Table,
                Users::Id,
            ))
            .foreign_key(&mut set_null(
                Messages::Table,
                Messages::AuthorContactId,
                Contacts::Table,
                Contacts::Id,
            )),
    );
    table(
        Table::create()
            .table(Events::Table)
            .col(id(Events::Id))
            .col(text(Events::Kind))
            .col(fk_null(Events::ConversationId))
            .col(fk_null(Events::InboxId))
            .col(
                ColumnDef::new(Events::Private)
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(text(Events::Payload))
            .col(time(Events::CreatedAt)),
    );
    table(
        Table::create()
            .table(Jobs::Table)
            .col(id(Jobs::Id))
            .col(text(Jobs::Kind))
            .col(text(Jobs::DedupeKey))
            .col(text(Jobs::Payload))
            .col(time(Jobs::RunAt))
            .col(
                ColumnDef::new(Jobs::Attempts)
                    .integer()
                    .not_null()
                    .default(0),
            )
            .col(ColumnDef::new(Jobs::LockedUntil).big_integer().null())
            .col(text_null(Jobs::LastError))
            .col(
                ColumnDef::new(Jobs::Parked)
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(time(Jobs::CreatedAt)),
    );
    table(
        Table::create()
            .table(Sessions::Table)
            .col(ColumnDef::new(Sessions::Id).text().not_null().primary_key())
            .col(fk(Sessions::UserId))
            .col(text(Sessions::CsrfToken))
            .col(time(Sessions::ExpiresAt))
            .col(time(Sessions::CreatedAt))
            .foreign_key(&mut cascade(
                Sessions::Table,
                Sessions::UserId,
                Users::Table,
                Users::Id,
            )),
    );
    table(
        Table::create()
            .table(ApiTokens::Table)
            .col(id(ApiTokens::Id))
            .col(fk(ApiTokens::UserId))
            .col(text(ApiTokens::Name))
            .col(text(ApiTokens::TokenHash))
            .col(time(ApiTokens::CreatedAt))
            .col(ColumnDef::new(ApiTokens::LastUsedAt).big_integer().null())
            .foreign_key(&mut cascade(
                ApiTokens::Table,
                ApiTokens::UserId,
                Users::Table,
                Users::Id,
            )),
    );
    table(
        Table::create()
            .table(LoginFailures::Table)
            .col(
                ColumnDef::new(LoginFailures::Key)
                    .text()
                    .not_null()
                    .primary_key(),
            )
            .col(
                ColumnDef::new(LoginFailures::Failures)
                    .big_integer()
                    .not_null(),
            )
            .col(time(LoginFailures::FirstAt))
            .col(
                ColumnDef::new(LoginFailures::LockedUntil)
                    .big_integer()
                    .null(),
            ),
    );
    table(
        Table::create()
            .table(AuditLog::Table)
            .col(id(AuditLog::Id))
            .col(fk_null(AuditLog::ActorUserId))
            .col(text(AuditLog::Action))
            .col(text(AuditLog::Subject))
            .col(text(AuditLog::Detail))
            .col(time(AuditLog::CreatedAt)),
    );

    let mut index = |name: &str, unique: bool, t: &dyn Fn(&mut sea_query::IndexCreateStatement)| {
        let mut stmt = Index::create();
        stmt.name(name);
        if unique {
            stmt.unique();
        }
        t(&mut stmt);
        out.push(render(&stmt, b));
    };
    index("uq_users_email", true, &|i| {
        i.table(Users::Table).col(Users::Email);
    });
    index("uq_teams_name", true, &|i| {
        i.table(Teams::Table).col(Teams::Name);
    });
    index("ix_team_members_user", false, &|i| {
        i.table(TeamMembers::Table).col(TeamMembers::UserId);
    });
    index("uq_inboxes_widget_token", true, &|i| {
        i.table(Inboxes::Table).col(Inboxes::WidgetToken);
    });
    index("uq_contact_identities_kind", true, &|i| {
        i.table(ContactIdentities::Table)
            .col(ContactIdentities::Kind)
            .col(ContactIdentities::Value);
    });
    index("ix_contact_identities_contact", false, &|i| {
        i.table(ContactIdentities::Table)
            .col(ContactIdentities::ContactId);
    });
    // Conversation lists are keyset-paged by (last_activity_at, id), newest first, per view.
    index("ix_conversations_status_activity", false, &|i| {
        i.table(Conversations::Table)
            .col(Conversations::Status)
            .col(Conversations::LastActivityAt)
            .col(Conversations::Id);
    });
    index("ix_conversations_assignee_activity", false, &|i| {
        i.table(Conversations::Table)
            .col(Conversations::AssigneeId)
            .col(Conversations::Status)
            .col(Conversations::LastActivityAt)
            .col(Conversations::Id);
    });
    index("ix_conversations_team_activity", false, &|i| {
        i.table(Conversations::Table)
            .col(Conversations::TeamId)
            .col(Conversations::Status)
            .col(Conversations::LastActivityAt)
            .col(Conversations::Id);
    });
    index("ix_conversations_contact", false, &|i| {
        // By id, not activity: the widget continues the newest, and this index then
        // does not change with every message.
        i.table(Conversations::Table)
            .col(Conversations::ContactId)
            .col(Conversations::InboxId)
            .col(Conversations::Id);
    });
    index("ix_messages_conversation", false, &|i| {
        i.table(Messages::Table)
            .col(Messages::ConversationId)
            .col(Messages::Id);
    });
    index("uq_messages_conversation_id", true, &|i| {
        i.table(Messages::Table)
            .col(Messages::ConversationId)
            .col(Messages::ClientId);
    });
    index("ix_events_conversation", false, &|i| {
        i.table(Events::Table)
            .col(Events::ConversationId)
            .col(Events::Id);
    });
    index("uq_jobs_kind", true, &|i| {
        i.table(Jobs::Table).col(Jobs::Kind).col(Jobs::DedupeKey);
    });
    index("ix_jobs_due", false, &|i| {
        i.table(Jobs::Table).col(Jobs::Parked).col(Jobs::RunAt);
    });
    index("uq_api_tokens_token_hash", true, &|i| {
        i.table(ApiTokens::Table).col(ApiTokens::TokenHash);
    });
    index("ix_sessions_user", false, &|i| {
        i.table(Sessions::Table).col(Sessions::UserId);
    });
    index("ix_audit_log_created", false, &|i| {
        i.table(AuditLog::Table).col(AuditLog::CreatedAt);
    });
    out
}

fn cascade(
    t: impl sea_query::IntoIden + Copy,
    c: impl sea_query::IntoIden + Copy,
    rt: impl sea_query::IntoIden + Copy,
    rc: impl sea_query::IntoIden + Copy,
) -> sea_query::ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(t, c)
        .to(rt, rc)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

fn set_null(
    t: impl sea_query::IntoIden + Copy,
    c: impl sea_query::IntoIden + Copy,
    rt: impl sea_query::IntoIden + Copy,
    rc: impl sea_query::IntoIden + Copy,
) -> sea_query::ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(t, c)
        .to(rt, rc)
        .on_delete(ForeignKeyAction::SetNull)
        .take()
}

fn restrict(
    t: impl sea_query::IntoIden + Copy,
    c: impl sea_query::IntoIden + Copy,
    rt: impl sea_query::IntoIden + Copy,
    rc: impl sea_query::IntoIden + Copy,
) -> sea_query::ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(t, c)
        .to(rt, rc)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// Applies pending migrations, each in its own transaction. On PostgreSQL an
/// advisory lock keeps two starting instances from migrating at once.
pub(crate) async fn run(db: &Db) -> StoreResult<usize> {
    let backend = db.backend();
    let mut tx = db.begin().await?;
    if backend == Backend::Postgres {
        tx.execute_raw("SELECT pg_advisory_xact_lock(7310001)")
            .await?;
    }
    let create = Table::create()
        .table(KefuMigrations::Table)
        .if_not_exists()
        .col(
            ColumnDef::new(KefuMigrations::Version)
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(text(KefuMigrations::Name))
        .col(time(KefuMigrations::AppliedAt))
        .take();
    tx.execute_raw(&render(&create, backend)).await?;
    let applied: Vec<(i64,)> = tx
        .fetch_all(
            &Query::select()
                .column(KefuMigrations::Version)
                .from(KefuMigrations::Table)
                .take(),
        )
        .await?;
    let mut count = 0;
    for m in MIGRATIONS
        .iter()
        .filter(|m| !applied.iter().any(|(v,)| *v == m.version))
    {
        for sql in (m.statements)(backend) {
            tx.execute_raw(&sql).await?;
        }
        tx.execute(
            &Query::insert()
                .into_table(KefuMigrations::Table)
                .columns([
                    KefuMigrations::Version,
                    KefuMigrations::Name,
                    KefuMigrations::AppliedAt,
                ])
                .values_panic([
                    m.version.into(),
                    m.name.into(),
                    Expr::val(kefu_domain::time::now_ms()),
                ])
                .take(),
        )
        .await?;
        count += 1;
    }
    tx.commit().await?;
    Ok(count)
}
