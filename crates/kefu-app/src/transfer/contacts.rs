//! Importing contact rows: validated as the contact form does, matched to existing
//! contacts by phone, email or handle, written many rows per statement.

use super::mapping::{Context, HANDLES, Values, yes};
use super::{Action, ContactPlan, RunState, audit_update, bad_row, fill, invalid_row, union};
use crate::contacts::{self as contact_uc, ContactInput, HandleInput, LabelledInput, ValidContact};
use crate::organisations::name_key;
use crate::{AppError, AppResult};
use kefu_domain::{Invalid, Name};
use kefu_sheets::Row;
use kefu_store::Tx;
use kefu_store::contacts::{self, ContactFields, ContactRow, NewIdentity};
use kefu_store::imports::{self, NewImportError};
use kefu_store::organisations::{self, OrganisationFields};
use serde_json::json;
use std::collections::{HashMap, HashSet};

pub(super) fn validate_contact(
    ctx: &Context,
    row: &Row,
) -> Result<(ValidContact, Option<String>), AppError> {
    let v = Values::of(&ctx.columns, row);
    let labelled = |field: &str| -> Vec<LabelledInput> {
        v.list(field)
            .into_iter()
            .map(|value| LabelledInput { value, label: None })
            .collect()
    };
    let input = ContactInput {
        name: v.first("name").unwrap_or_default(),
        title: v.first("title"),
        phones: labelled("phones"),
        emails: labelled("emails"),
        handles: HANDLES
            .iter()
            .flat_map(|kind| {
                v.list(kind).into_iter().map(|value| HandleInput {
                    kind: (*kind).to_owned(),
                    value,
                    label: None,
                })
            })
            .collect(),
        owner_id: ctx.owner(v.first("owner_email"))?,
        language: v.first("language"),
        country: v.first("country"),
        time_zone: v.first("time_zone"),
        tags: v.list("tags"),
        consent_call: v.first("consent_call").is_some_and(|s| yes(&s)),
        consent_message: v.first("consent_message").is_some_and(|s| yes(&s)),
        consent_email: v.first("consent_email").is_some_and(|s| yes(&s)),
        ..Default::default()
    };
    let mut valid = contact_uc::validate(&input)?;
    valid.fields.custom = v.custom(&ctx.defs)?;
    if valid.identities.is_empty() {
        return Err(Invalid::new(
            "phones",
            "no_identity",
            "the row has no phone, email or messaging id, so kefu cannot tell this customer apart from others",
        )
        .into());
    }
    let organisation = v
        .first("organisation")
        .map(|o| Name::parse("organisation", &o).map(Name::into_inner))
        .transpose()?;
    Ok((valid, organisation))
}

/// Plans a batch of contact rows: validation, duplicates within the file, and which
/// existing contact (if any) each row updates.
pub(super) async fn plan_contacts(
    tx: &mut Tx,
    state: &mut RunState,
    rows: &[Row],
    checked: Vec<Result<(ValidContact, Option<String>), AppError>>,
) -> AppResult<Vec<Result<ContactPlan, NewImportError>>> {
    let mut plans = Vec::with_capacity(rows.len());
    for (row, result) in rows.iter().zip(checked) {
        let plan = result
            .map_err(|e| invalid_row(row, e))
            .and_then(|(valid, organisation)| {
                let earlier = valid.identities.iter().find_map(|i| {
                    state
                        .seen
                        .get(&(i.kind.clone(), i.value.clone()))
                        .map(|l| (i, *l))
                });
                if let Some((i, line)) = earlier {
                    return Err(bad_row(
                        row,
                        "duplicate_in_file",
                        format!(
                            "{} {} is already on line {line} of this file",
                            i.kind, i.value
                        ),
                    ));
                }
                for i in &valid.identities {
                    state
                        .seen
                        .insert((i.kind.clone(), i.value.clone()), row.line);
                }
                Ok(ContactPlan {
                    valid,
                    organisation,
                    action: Action::Create,
                })
            });
        plans.push(plan);
    }
    let values: Vec<String> = plans
        .iter()
        .flatten()
        .flat_map(|p| p.valid.identities.iter().map(|i| i.value.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let owners: HashMap<(String, String), i64> = imports::identity_owners(tx, &values)
        .await?
        .into_iter()
        .map(|(kind, value, id)| ((kind, value), id))
        .collect();
    for (row, plan) in rows.iter().zip(plans.iter_mut()) {
        let Ok(p) = plan else { continue };
        let found: Vec<(&NewIdentity, i64)> = p
            .valid
            .identities
            .iter()
            .filter_map(|i| Some((i, *owners.get(&(i.kind.clone(), i.value.clone()))?)))
            .collect();
        let ids: HashSet<i64> = found.iter().map(|(_, id)| *id).collect();
        match ids.len() {
            0 => {}
            1 => p.action = Action::Update(found[0].1),
            _ => {
                let list: Vec<String> = found
                    .iter()
                    .map(|(i, id)| format!("{} {} → #{id}", i.kind, i.value))
                    .collect();
                *plan = Err(bad_row(
                    row,
                    "identity_conflict",
                    format!(
                        "the row's phones, emails or handles belong to different customers ({}); merge them first",
                        list.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(plans)
}

/// The organisation of a contact's company column: found by name key, else created.
pub(super) async fn organisation_for(
    tx: &mut Tx,
    state: &mut RunState,
    name: &str,
    actor_id: Option<i64>,
    import_id: i64,
    now: i64,
) -> AppResult<(i64, String)> {
    let key = name_key(name);
    if let Some(found) = state.organisations.get(&key) {
        return Ok(found.clone());
    }
    let mut fields = OrganisationFields {
        name: name.to_owned(),
        name_key: key.clone(),
        ..Default::default()
    };
    fields.search_tokens = crate::organisations::search_tokens(&fields);
    let row = organisations::insert(tx, &fields, now).await?;
    state.created_organisations.push(row.clone());
    kefu_store::audit::record_in(
        tx,
        actor_id,
        "organisation.created",
        &format!("organisation:{}", row.id),
        &json!({ "organisation": row, "import_id": import_id }).to_string(),
        now,
    )
    .await?;
    let found = (row.id, row.name);
    state.organisations.insert(key, found.clone());
    Ok(found)
}

/// Looks up, in one query, the organisations the batch names that are not known yet.
pub(super) async fn load_organisations(
    tx: &mut Tx,
    state: &mut RunState,
    plans: &[Result<ContactPlan, NewImportError>],
) -> AppResult<()> {
    let keys: Vec<String> = plans
        .iter()
        .flatten()
        .filter_map(|p| p.organisation.as_deref().map(name_key))
        .filter(|k| !state.organisations.contains_key(k))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for (key, id, name) in imports::organisations_by_name_key(tx, &keys).await? {
        state.organisations.entry(key).or_insert((id, name));
    }
    Ok(())
}

/// Writes a batch's good contact rows.
pub(super) async fn write_contacts(
    tx: &mut Tx,
    state: &mut RunState,
    plans: Vec<ContactPlan>,
    who: (Option<i64>, i64),
    now: i64,
) -> AppResult<()> {
    let (actor_id, import_id) = who;
    let mut new_identities = Vec::new();
    let mut new_tags = Vec::new();
    let mut touched = Vec::new();
    for mut p in plans {
        let organisation = match &p.organisation {
            Some(name) => Some(organisation_for(tx, state, name, actor_id, import_id, now).await?),
            None => None,
        };
        p.valid.fields.organisation_id = organisation.as_ref().map(|o| o.0);
        match p.action {
            Action::Create => {
                let f = &mut p.valid.fields;
                f.search_tokens = contact_uc::search_tokens(
                    f,
                    &p.valid.identities,
                    organisation.as_ref().map(|o| o.1.as_str()),
                );
                let id = imports::insert_contact(tx, f, now).await?;
                touched.push(id);
                new_tags.extend(f.tags.iter().map(|t| (id, t.clone())));
                new_identities.extend(p.valid.identities.into_iter().map(|i| (id, i)));
                state.counts.created += 1;
            }
            Action::Update(id) => {
                touched.push(id);
                if update_contact(tx, id, p, organisation, who, now).await? {
                    state.counts.updated += 1;
                } else {
                    state.counts.unchanged += 1;
                }
            }
        }
    }
    imports::insert_identities(tx, &new_identities, now).await?;
    imports::insert_tags(tx, "contact", &new_tags).await?;
    // The duplicates view's keys, as the forms keep them, for the whole batch.
    crate::merge::index_contacts(tx, &touched).await?;
    let created = std::mem::take(&mut state.created_organisations);
    crate::merge::index_organisations(tx, &created).await?;
    Ok(())
}

pub(super) fn contact_fields(r: &ContactRow) -> ContactFields {
    ContactFields {
        name: r.name.clone(),
        title: r.title.clone(),
        email: r.email.clone(),
        phone: r.phone.clone(),
        organisation_id: r.organisation_id,
        owner_id: r.owner_id,
        language: r.language.clone(),
        country: r.country.clone(),
        time_zone: r.time_zone.clone(),
        tags: r.tags.0.clone(),
        custom: r.custom.0.clone(),
        consent_call: r.consent_call,
        consent_message: r.consent_message,
        consent_email: r.consent_email,
        search_tokens: String::new(),
    }
}

pub(super) async fn update_contact(
    tx: &mut Tx,
    id: i64,
    p: ContactPlan,
    organisation: Option<(i64, String)>,
    (actor_id, import_id): (Option<i64>, i64),
    now: i64,
) -> AppResult<bool> {
    let Some(before) = contacts::find_in_tx(tx, id).await? else {
        return Ok(false);
    };
    let existing = contacts::identities_in_tx(tx, id).await?;
    let added: Vec<NewIdentity> = p
        .valid
        .identities
        .into_iter()
        .filter(|i| {
            !existing
                .iter()
                .any(|e| e.kind == i.kind && e.value == i.value)
        })
        .collect();
    let new = &p.valid.fields;
    let mut f = contact_fields(&before);
    f.name.clone_from(&new.name);
    fill(&mut f.title, &new.title);
    fill(&mut f.organisation_id, &new.organisation_id);
    fill(&mut f.owner_id, &new.owner_id);
    fill(&mut f.language, &new.language);
    fill(&mut f.country, &new.country);
    fill(&mut f.time_zone, &new.time_zone);
    union(&mut f.tags, &new.tags);
    f.custom.extend(new.custom.clone());
    f.consent_call |= new.consent_call;
    f.consent_message |= new.consent_message;
    f.consent_email |= new.consent_email;
    let first = |kind: &str| {
        added
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| i.value.clone())
    };
    f.email = f.email.take().or_else(|| first("email"));
    f.phone = f.phone.take().or_else(|| first("phone"));
    let unchanged = added.is_empty() && {
        let old = contact_fields(&before);
        (
            &old.name,
            &old.title,
            old.organisation_id,
            old.owner_id,
            &old.language,
        ) == (
            &f.name,
            &f.title,
            f.organisation_id,
            f.owner_id,
            &f.language,
        ) && (&old.country, &old.time_zone, &old.tags, &old.custom)
            == (&f.country, &f.time_zone, &f.tags, &f.custom)
            && (old.consent_call, old.consent_message, old.consent_email)
                == (f.consent_call, f.consent_message, f.consent_email)
    };
    if unchanged {
        return Ok(false);
    }
    let all: Vec<NewIdentity> = existing
        .iter()
        .map(|i| NewIdentity {
            kind: i.kind.clone(),
            value: i.value.clone(),
            label: i.label.clone(),
        })
        .chain(added.iter().cloned())
        .collect();
    let org_name = organisation
        .map(|o| o.1)
        .or(before.organisation_name.clone());
    f.search_tokens = contact_uc::search_tokens(&f, &all, org_name.as_deref());
    let after = contacts::update(tx, id, &f, now).await?;
    imports::insert_identities(
        tx,
        &added.iter().map(|i| (id, i.clone())).collect::<Vec<_>>(),
        now,
    )
    .await?;
    let mut diff = crate::archive::changes(&json!(before), &json!(after));
    if !added.is_empty() {
        let listed: Vec<String> = added
            .iter()
            .map(|i| format!("{}:{}", i.kind, i.value))
            .collect();
        diff.insert("identities_added".into(), json!(listed));
    }
    let subject = format!("contact:{id}");
    audit_update(
        tx,
        "contact.updated",
        &subject,
        diff,
        (actor_id, import_id),
        now,
    )
    .await?;
    Ok(true)
}
