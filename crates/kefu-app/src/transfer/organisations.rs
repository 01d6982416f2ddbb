//! Importing organisation rows: validated as the organisation form does, matched to
//! existing organisations by tax number or reduced name.

use super::mapping::{Context, Values};
use super::{Action, OrganisationPlan, RunState, audit_update, bad_row, fill, invalid_row, union};
use crate::organisations::{self as org_uc, OrganisationInput, name_key};
use crate::{App, AppResult};
use kefu_sheets::Row;
use kefu_store::Tx;
use kefu_store::imports::{self, NewImportError};
use kefu_store::organisations::{self, OrganisationFields, OrganisationRow};
use serde_json::{Map, json};
use std::collections::HashMap;

/// An organisation row checked (the choice lists, owner and custom fields need reads).
pub(super) async fn validate_organisation(
    app: &App,
    ctx: &Context,
    row: &Row,
) -> AppResult<OrganisationFields> {
    let v = Values::of(&ctx.columns, row);
    let input = OrganisationInput {
        name: v.first("name").unwrap_or_default(),
        registration_no: v.first("registration_no"),
        tax_no: v.first("tax_no"),
        address: v.first("address"),
        country: v.first("country"),
        products: v.list("products"),
        member_level: ctx.choice("member_level", v.first("member_level")),
        source_channel: ctx.choice("source_channel", v.first("source_channel")),
        owner_id: ctx.owner(v.first("owner_email"))?,
        tags: v.list("tags"),
        notes: v.first("notes"),
        custom: Map::new(),
    };
    let mut fields = org_uc::validate(app, &input).await?;
    fields.custom = v.custom(&ctx.defs)?;
    Ok(fields)
}

pub(super) async fn plan_organisations(
    tx: &mut Tx,
    state: &mut RunState,
    rows: &[Row],
    checked: Vec<AppResult<OrganisationFields>>,
) -> AppResult<Vec<Result<OrganisationPlan, NewImportError>>> {
    let mut plans = Vec::with_capacity(rows.len());
    for (row, result) in rows.iter().zip(checked) {
        let fields = match result {
            Ok(f) => f,
            Err(e) => {
                plans.push(Err(invalid_row(row, e)));
                continue;
            }
        };
        let key = ("organisation".to_owned(), fields.name_key.clone());
        if let Some(line) = state.seen.get(&key) {
            plans.push(Err(bad_row(
                row,
                "duplicate_in_file",
                format!("{} is already on line {line} of this file", fields.name),
            )));
            continue;
        }
        state.seen.insert(key, row.line);
        let by_tax = match &fields.tax_no {
            Some(tax) => imports::organisation_by_tax_no(tx, tax).await?,
            None => None,
        };
        plans.push(Ok(OrganisationPlan {
            action: by_tax.map_or(Action::Create, Action::Update),
            fields,
        }));
    }
    let keys: Vec<String> = plans
        .iter()
        .flatten()
        .filter(|p| p.action == Action::Create)
        .map(|p| p.fields.name_key.clone())
        .collect();
    let known: HashMap<String, i64> = imports::organisations_by_name_key(tx, &keys)
        .await?
        .into_iter()
        .rev()
        .map(|(key, id, _)| (key, id))
        .collect();
    for p in plans.iter_mut().flatten() {
        if p.action == Action::Create
            && let Some(id) = known.get(&p.fields.name_key)
        {
            p.action = Action::Update(*id);
        }
    }
    Ok(plans)
}

pub(super) fn organisation_fields(r: &OrganisationRow, name_key: String) -> OrganisationFields {
    OrganisationFields {
        name: r.name.clone(),
        name_key,
        registration_no: r.registration_no.clone(),
        tax_no: r.tax_no.clone(),
        address: r.address.clone(),
        country: r.country.clone(),
        products: r.products.0.clone(),
        member_level: r.member_level.clone(),
        source_channel: r.source_channel.clone(),
        owner_id: r.owner_id,
        tags: r.tags.0.clone(),
        notes: r.notes.clone(),
        custom: r.custom.0.clone(),
        search_tokens: String::new(),
    }
}

pub(super) async fn write_organisations(
    tx: &mut Tx,
    state: &mut RunState,
    plans: Vec<OrganisationPlan>,
    (actor_id, import_id): (Option<i64>, i64),
    now: i64,
) -> AppResult<()> {
    let mut written = Vec::new();
    for p in plans {
        let id = match p.action {
            Action::Create => {
                let row = organisations::insert(tx, &p.fields, now).await?;
                written.push(row.clone());
                state.counts.created += 1;
                state
                    .organisations
                    .insert(p.fields.name_key.clone(), (row.id, row.name));
                continue;
            }
            Action::Update(id) => id,
        };
        let Some(before) = organisations::find_in_tx(tx, id).await? else {
            continue;
        };
        let new = &p.fields;
        let mut f = organisation_fields(&before, name_key(&new.name));
        f.name.clone_from(&new.name);
        for (old, value) in [
            (&mut f.registration_no, &new.registration_no),
            (&mut f.tax_no, &new.tax_no),
            (&mut f.address, &new.address),
            (&mut f.country, &new.country),
            (&mut f.member_level, &new.member_level),
            (&mut f.source_channel, &new.source_channel),
            (&mut f.notes, &new.notes),
        ] {
            fill(old, value);
        }
        fill(&mut f.owner_id, &new.owner_id);
        union(&mut f.products, &new.products);
        union(&mut f.tags, &new.tags);
        f.custom.extend(new.custom.clone());
        f.search_tokens = org_uc::search_tokens(&f);
        let mut merged = before.clone();
        merged.name.clone_from(&f.name);
        merged.registration_no.clone_from(&f.registration_no);
        merged.tax_no.clone_from(&f.tax_no);
        merged.address.clone_from(&f.address);
        merged.country.clone_from(&f.country);
        merged.products.0.clone_from(&f.products);
        merged.member_level.clone_from(&f.member_level);
        merged.source_channel.clone_from(&f.source_channel);
        merged.owner_id = f.owner_id;
        merged.tags.0.clone_from(&f.tags);
        merged.notes.clone_from(&f.notes);
        merged.custom.0.clone_from(&f.custom);
        if merged == before {
            state.counts.unchanged += 1;
            continue;
        }
        let after = organisations::update(tx, id, &f, now).await?;
        written.push(after.clone());
        let diff = crate::archive::changes(&json!(before), &json!(after));
        let subject = format!("organisation:{id}");
        audit_update(
            tx,
            "organisation.updated",
            &subject,
            diff,
            (actor_id, import_id),
            now,
        )
        .await?;
        state.counts.updated += 1;
    }
    crate::merge::index_organisations(tx, &written).await?;
    Ok(())
}
