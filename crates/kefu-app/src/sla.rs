//! SLA policies: admins set their conditions, calendar and targets and put them in order;
//! [`match_policy`] picks the one that applies to a ticket (the first enabled match).

use crate::calendars::record_change;
use crate::events::commit;
use crate::{Actor, App, AppError, AppResult, inboxes};
use kefu_domain::sla::{SlaConditions, SlaTargets, TicketFacts, parse_key};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Name, Permission, Priority};
use kefu_store::sla_policies::{self, PolicyFields, PolicyRow};
use kefu_store::{StoreError, calendars, fields, teams};
use serde::Deserialize;
use serde_json::json;

/// Most values one condition lists.
const MAX_LIST: usize = 50;

/// A policy as an admin writes it. Empty condition lists accept any ticket.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    pub name: String,
    /// Off policies are kept but never chosen (default on).
    #[serde(default = "on")]
    pub enabled: bool,
    /// Ticket type keys, e.g. `complaint`, `after_sales`.
    #[serde(default)]
    pub ticket_types: Vec<String>,
    /// `low`, `normal`, `high`, `urgent`.
    #[serde(default)]
    pub priorities: Vec<String>,
    /// Inbox channels: `widget`, `api`.
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub team_ids: Vec<i64>,
    /// Member level keys (see GET /api/v1/choices/member_level).
    #[serde(default)]
    pub customer_levels: Vec<String>,
    /// The calendar the targets run on; the default calendar when absent.
    pub calendar_id: Option<i64>,
    /// Targets in business minutes (1 to 525,600); at least one.
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// Warn at this share of a target, 1 to 99 (default 75).
    pub warning_percent: Option<i64>,
}

fn on() -> bool {
    true
}

/// Each value once, in the order given, at most [`MAX_LIST`].
fn distinct<T: PartialEq>(field: &'static str, items: Vec<T>) -> Result<Vec<T>, Invalid> {
    if items.len() > MAX_LIST {
        return Err(Invalid::new(
            field,
            "too_many",
            format!("at most {MAX_LIST} values"),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// The checked policy: name, conditions (every team, level and channel known), calendar
/// and targets.
struct ValidPolicy {
    name: Name,
    conditions: SlaConditions,
    calendar_id: i64,
    targets: SlaTargets,
}

async fn validate(app: &App, input: &PolicyInput) -> AppResult<ValidPolicy> {
    let name = Name::parse("name", &input.name)?;
    let ticket_types = input
        .ticket_types
        .iter()
        .map(|t| parse_key("ticket_types", t))
        .collect::<Result<_, _>>()?;
    let priorities = input
        .priorities
        .iter()
        .map(|p| Priority::parse(p).map_err(|e| Invalid::new("priorities", e.code, e.message)))
        .collect::<Result<_, _>>()?;
    let channels: Vec<String> = input.channels.iter().map(|c| c.trim().to_owned()).collect();
    if let Some(bad) = channels
        .iter()
        .find(|c| !inboxes::CHANNELS.contains(&c.as_str()))
    {
        return Err(Invalid::new(
            "channels",
            "invalid_channel",
            format!(
                "'{bad}' is not a channel; use {}",
                inboxes::CHANNELS.join(" or ")
            ),
        )
        .into());
    }
    for &team_id in &input.team_ids {
        if teams::find(&app.db, team_id).await?.is_none() {
            return Err(Invalid::new(
                "team_ids",
                "unknown_team",
                format!("there is no team {team_id}"),
            )
            .into());
        }
    }
    let levels = fields::choices(&app.db, "member_level").await?;
    let customer_levels: Vec<String> = input
        .customer_levels
        .iter()
        .map(|l| l.trim().to_owned())
        .collect();
    if let Some(bad) = customer_levels
        .iter()
        .find(|l| !levels.iter().any(|c| &c.key == *l))
    {
        let known: Vec<&str> = levels.iter().map(|c| c.key.as_str()).collect();
        return Err(Invalid::new(
            "customer_levels",
            "unknown_choice",
            format!(
                "'{bad}' is not a member level; use one of: {}",
                known.join(", ")
            ),
        )
        .into());
    }
    let calendar = match input.calendar_id {
        Some(id) => calendars::find(&app.db, id).await?,
        None => calendars::find_default(&app.db).await?,
    };
    let calendar_id = calendar
        .ok_or_else(|| {
            Invalid::new(
                "calendar_id",
                "unknown_calendar",
                "there is no such calendar",
            )
        })?
        .id;
    Ok(ValidPolicy {
        name,
        conditions: SlaConditions {
            ticket_types: distinct("ticket_types", ticket_types)?,
            priorities: distinct("priorities", priorities)?,
            channels: distinct("channels", channels)?,
            team_ids: distinct("team_ids", input.team_ids.clone())?,
            customer_levels: distinct("customer_levels", customer_levels)?,
        },
        calendar_id,
        targets: SlaTargets::new(
            input.first_response_minutes,
            input.next_response_minutes,
            input.resolution_minutes,
            input.warning_percent,
        )?,
    })
}

impl ValidPolicy {
    fn fields(&self, enabled: bool) -> PolicyFields<'_> {
        PolicyFields {
            name: self.name.as_str(),
            enabled,
            conditions: &self.conditions,
            calendar_id: self.calendar_id,
            targets: &self.targets,
        }
    }

    fn name_taken(&self) -> impl Fn(StoreError) -> AppError + '_ {
        move |e| match e {
            StoreError::Conflict(_) => AppError::Conflict {
                code: "sla_policy_name_taken",
                message: format!("an SLA policy named {} already exists", self.name.as_str()),
                existing_id: None,
            },
            other => other.into(),
        }
    }
}

/// Adds a policy at the end of the order.
pub async fn create_policy(app: &App, actor: &Actor, input: &PolicyInput) -> AppResult<PolicyRow> {
    actor.require(Permission::ManageSla)?;
    let valid = validate(app, input).await?;
    let mut tx = app.db.begin().await?;
    let row = sla_policies::insert(&mut tx, &valid.fields(input.enabled), now_ms())
        .await
        .map_err(valid.name_taken())?;
    let subject = format!("sla_policy:{}", row.id);
    record_change(
        app,
        &mut tx,
        actor,
        "sla_policy.created",
        &subject,
        json!({ "policy": row }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}

pub async fn update_policy(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &PolicyInput,
) -> AppResult<PolicyRow> {
    actor.require(Permission::ManageSla)?;
    sla_policies::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("sla_policy"))?;
    let valid = validate(app, input).await?;
    let mut tx = app.db.begin().await?;
    let row = sla_policies::update(&mut tx, id, &valid.fields(input.enabled), now_ms())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound("sla_policy"),
            other => valid.name_taken()(other),
        })?;
    let subject = format!("sla_policy:{id}");
    record_change(
        app,
        &mut tx,
        actor,
        "sla_policy.updated",
        &subject,
        json!({ "policy": row }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}

pub async fn delete_policy(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ManageSla)?;
    let mut tx = app.db.begin().await?;
    if sla_policies::delete(&mut tx, id).await? == 0 {
        return Err(AppError::NotFound("sla_policy"));
    }
    let subject = format!("sla_policy:{id}");
    record_change(
        app,
        &mut tx,
        actor,
        "sla_policy.deleted",
        &subject,
        json!({ "id": id }),
    )
    .await?;
    commit(app, tx).await
}

/// Puts the policies in the order given; `ids` must name every policy exactly once.
pub async fn reorder_policies(app: &App, actor: &Actor, ids: &[i64]) -> AppResult<Vec<PolicyRow>> {
    actor.require(Permission::ManageSla)?;
    let mut tx = app.db.begin().await?;
    let mut existing: Vec<i64> = sla_policies::list_in_tx(&mut tx)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    let mut asked = ids.to_vec();
    existing.sort_unstable();
    asked.sort_unstable();
    if existing != asked {
        return Err(Invalid::new(
            "ids",
            "invalid_order",
            format!("list every policy id exactly once; the policies are {existing:?}"),
        )
        .into());
    }
    sla_policies::reorder(&mut tx, ids, now_ms()).await?;
    record_change(
        app,
        &mut tx,
        actor,
        "sla_policy.reordered",
        "sla_policies",
        json!({ "ids": ids }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(sla_policies::list(&app.db).await?)
}

pub async fn list_policies(app: &App, actor: &Actor) -> AppResult<Vec<PolicyRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(sla_policies::list(&app.db).await?)
}

pub async fn get_policy(app: &App, actor: &Actor, id: i64) -> AppResult<PolicyRow> {
    actor.require(Permission::WorkConversations)?;
    sla_policies::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("sla_policy"))
}

/// The policy that applies to a ticket: the first enabled one, in order, whose conditions
/// all hold. For the SLA engine (which may cache the policies and use [`first_match`]).
pub async fn match_policy(app: &App, facts: &TicketFacts) -> AppResult<Option<PolicyRow>> {
    let policies = sla_policies::list_enabled(&app.db).await?;
    Ok(first_match(&policies, facts).cloned())
}

/// The first enabled policy of `policies` (in evaluation order) that matches `facts`.
pub fn first_match<'a>(policies: &'a [PolicyRow], facts: &TicketFacts) -> Option<&'a PolicyRow> {
    policies.iter().filter(|p| p.enabled).find(|p| match p.conditions() {
        Ok(c) => c.matches(facts),
        Err(e) => {
            tracing::warn!(policy = p.id, error = %e, "SLA policy with unreadable conditions skipped");
            false
        }
    })
}

/// Ticket facts as a query (`?priority=high&channel=widget`), for previews.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct FactsQuery {
    pub ticket_type: Option<String>,
    pub priority: Option<String>,
    pub channel: Option<String>,
    pub team_id: Option<i64>,
    pub customer_level: Option<String>,
}

/// Which policy a ticket with these facts would get (anyone signed in).
pub async fn preview_match(
    app: &App,
    actor: &Actor,
    q: &FactsQuery,
) -> AppResult<Option<PolicyRow>> {
    actor.require(Permission::WorkConversations)?;
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let facts = TicketFacts {
        ticket_type: given(&q.ticket_type),
        priority: given(&q.priority)
            .map(|p| Priority::parse(&p))
            .transpose()?,
        channel: given(&q.channel),
        team_id: q.team_id,
        customer_level: given(&q.customer_level),
    };
    match_policy(app, &facts).await
}
