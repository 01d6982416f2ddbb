//! Migration 9: routing — agents' capacity and skills, teams' strategy, routing rules,
//! and the team queues (conversations waiting for an agent).
//!
//! Agents' loads (open conversations assigned to them) are kept by the database itself
//! on every insert, update and delete of a conversation, whichever code path makes it,
//! so routing reads one row per agent instead of counting conversations per decision.

use crate::db::Backend;
use kefu_domain::routing::DEFAULT_CAPACITY;

pub(super) fn routing(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut out = vec![
        format!(
            "CREATE TABLE routing_agents (
                user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                capacity BIGINT NOT NULL DEFAULT {DEFAULT_CAPACITY},
                skills TEXT NOT NULL DEFAULT '[]',
                open_load BIGINT NOT NULL DEFAULT 0,
                last_assigned_at BIGINT NOT NULL DEFAULT 0,
                updated_at BIGINT NOT NULL DEFAULT 0
            )"
        ),
        // One row per team; routing locks it while it decides for the team.
        "CREATE TABLE routing_teams (
             team_id BIGINT PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
             strategy TEXT NOT NULL DEFAULT 'round_robin',
             rr_cursor BIGINT NOT NULL DEFAULT 0,
             updated_at BIGINT NOT NULL DEFAULT 0
         )"
        .into(),
        format!(
            "CREATE TABLE routing_rules (
                id {pk},
                position BIGINT NOT NULL,
                name TEXT NOT NULL,
                conditions TEXT NOT NULL DEFAULT '{{}}',
                team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
                required_skills TEXT NOT NULL DEFAULT '[]',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_routing_rules_position ON routing_rules (position, id)".into(),
        // A conversation waits in its team's queue while queued_at is set.
        "ALTER TABLE conversations ADD COLUMN queued_at BIGINT NULL".into(),
        "ALTER TABLE conversations ADD COLUMN required_skills TEXT NULL".into(),
        "ALTER TABLE conversations ADD COLUMN detected_language TEXT NULL".into(),
        "CREATE INDEX ix_conversations_queue ON conversations (team_id, queued_at, id) \
         WHERE queued_at IS NOT NULL"
            .into(),
        "INSERT INTO routing_agents (user_id, open_load) \
         SELECT u.id, (SELECT COUNT(*) FROM conversations c \
                       WHERE c.assignee_id = u.id AND c.status = 'open') \
         FROM users u"
            .into(),
        "INSERT INTO routing_teams (team_id) SELECT id FROM teams".into(),
    ];
    out.extend(match b {
        Backend::Sqlite => sqlite_triggers(),
        Backend::Postgres => postgres_triggers(),
    });
    out
}

const LESS: &str =
    "UPDATE routing_agents SET open_load = open_load - 1 WHERE user_id = OLD.assignee_id";
const MORE: &str =
    "UPDATE routing_agents SET open_load = open_load + 1 WHERE user_id = NEW.assignee_id";

fn sqlite_triggers() -> Vec<String> {
    vec![
        "CREATE TRIGGER routing_new_user AFTER INSERT ON users \
         BEGIN INSERT INTO routing_agents (user_id) VALUES (NEW.id); END"
            .into(),
        "CREATE TRIGGER routing_new_team AFTER INSERT ON teams \
         BEGIN INSERT INTO routing_teams (team_id) VALUES (NEW.id); END"
            .into(),
        format!(
            "CREATE TRIGGER routing_load_insert AFTER INSERT ON conversations \
             WHEN NEW.assignee_id IS NOT NULL AND NEW.status = 'open' BEGIN {MORE}; END"
        ),
        format!(
            "CREATE TRIGGER routing_load_delete AFTER DELETE ON conversations \
             WHEN OLD.assignee_id IS NOT NULL AND OLD.status = 'open' BEGIN {LESS}; END"
        ),
        format!(
            "CREATE TRIGGER routing_load_update AFTER UPDATE OF assignee_id, status ON conversations \
             WHEN OLD.assignee_id IS NOT NEW.assignee_id OR OLD.status IS NOT NEW.status BEGIN \
               {LESS} AND OLD.status = 'open'; \
               {MORE} AND NEW.status = 'open'; \
             END"
        ),
        // A conversation leaves the queue when someone takes it or it stops being open.
        "CREATE TRIGGER routing_queue_leave AFTER UPDATE OF assignee_id, status ON conversations \
         WHEN NEW.queued_at IS NOT NULL AND (NEW.assignee_id IS NOT NULL OR NEW.status <> 'open') \
         BEGIN UPDATE conversations SET queued_at = NULL WHERE id = NEW.id; END"
            .into(),
    ]
}

fn postgres_triggers() -> Vec<String> {
    vec![
        "CREATE FUNCTION kefu_routing_new_user() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO routing_agents (user_id) VALUES (NEW.id); RETURN NULL; END $$"
            .into(),
        "CREATE TRIGGER routing_new_user AFTER INSERT ON users \
         FOR EACH ROW EXECUTE FUNCTION kefu_routing_new_user()"
            .into(),
        "CREATE FUNCTION kefu_routing_new_team() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO routing_teams (team_id) VALUES (NEW.id); RETURN NULL; END $$"
            .into(),
        "CREATE TRIGGER routing_new_team AFTER INSERT ON teams \
         FOR EACH ROW EXECUTE FUNCTION kefu_routing_new_team()"
            .into(),
        format!(
            "CREATE FUNCTION kefu_routing_load() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF TG_OP <> 'INSERT' THEN \
                     IF OLD.assignee_id IS NOT NULL AND OLD.status = 'open' THEN {LESS}; END IF; \
                 END IF; \
                 IF TG_OP <> 'DELETE' THEN \
                     IF NEW.assignee_id IS NOT NULL AND NEW.status = 'open' THEN {MORE}; END IF; \
                 END IF; \
                 RETURN NULL; END $$"
        ),
        "CREATE TRIGGER routing_load_insert_delete AFTER INSERT OR DELETE ON conversations \
         FOR EACH ROW EXECUTE FUNCTION kefu_routing_load()"
            .into(),
        "CREATE TRIGGER routing_load_update AFTER UPDATE OF assignee_id, status ON conversations \
         FOR EACH ROW WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id \
                            OR OLD.status IS DISTINCT FROM NEW.status) \
         EXECUTE FUNCTION kefu_routing_load()"
            .into(),
        "CREATE FUNCTION kefu_routing_queue_leave() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.assignee_id IS NOT NULL OR NEW.status <> 'open' THEN NEW.queued_at := NULL; END IF; \
             RETURN NEW; END $$"
            .into(),
        "CREATE TRIGGER routing_queue_leave BEFORE UPDATE OF assignee_id, status ON conversations \
         FOR EACH ROW WHEN (NEW.queued_at IS NOT NULL) EXECUTE FUNCTION kefu_routing_queue_leave()"
            .into(),
    ]
}
