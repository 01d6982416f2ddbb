//! Organisations (企业): validated, audited, searchable, with likely duplicates named.

use crate::archive::{changes, choice, custom_values, optional_text, present, tags};
use crate::contacts::{custom_filter, text_query};
use crate::events::{append, commit};
use crate::search::Document;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{CountryCode, Invalid, Name, Permission};
use kefu_store::organisations::{self, OrganisationFields, OrganisationFilter, OrganisationRow};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// An organisation's fields as they arrive from a form or the API.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct OrganisationInput {
    pub name: String,
    pub registration_no: Option<String>,
    pub tax_no: Option<String>,
    pub address: Option<String>,
    pub country: Option<String>,
    /// Main products (主营品种).
    #[serde(default)]
    pub products: Vec<String>,
    /// A key of the `member_level` list.
    pub member_level: Option<String>,
    /// A key of the `source_channel` list.
    pub source_channel: Option<String>,
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom: Map<String, Value>,
}

const HAN_SUFFIXES: &[&str] = &["股份有限公司", "有限责任公司", "有限公司", "集团", "公司"];
const LATIN_SUFFIXES: &[&str] = &[
    "corporation",
    "company",
    "limited",
    "corp",
    "gmbh",
    "inc",
    "llc",
    "ltd",
    "co",
];

/// A company name reduced for duplicate detection: lower-case letters and digits only,
/// without legal-form endings ("深圳华强电子有限公司" ~ "深圳华强电子", "ACME Co., Ltd." ~ "acme").
pub fn name_key(name: &str) -> String {
    let spaced: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = spaced.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| LATIN_SUFFIXES.contains(w)) {
        words.pop();
    }
    let mut key = words.concat();
    while let Some(suffix) = HAN_SUFFIXES
        .iter()
        .find(|s| key.ends_with(*s) && key.len() > s.len())
    {
        key.truncate(key.len() - suffix.len());
    }
    key
}

pub(crate) async fn validate(
    app: &App,
    input: &OrganisationInput,
) -> AppResult<OrganisationFields> {
    let name = Name::parse("name", &input.name)?.into_inner();
    let country = present(&input.country)
        .map(CountryCode::parse)
        .transpose()?
        .map(|c| c.as_str().to_owned());
    if let Some(owner) = input.owner_id
        && kefu_store::users::find(&app.db, owner).await?.is_none()
    {
        return Err(Invalid::new(
            "owner_id",
            "unknown_user",
            format!("there is no user #{owner}"),
        )
        .into());
    }
    let mut f = OrganisationFields {
        name_key: name_key(&name),
        name,
        registration_no: optional_text("registration_no", &input.registration_no, 60)?,
        tax_no: optional_text("tax_no", &input.tax_no, 60)?,
        address: optional_text("address", &input.address, 300)?,
        country,
        products: tags("products", &input.products)?,
        member_level: choice(app, "member_level", "member_level", &input.member_level).await?,
        source_channel: choice(
            app,
            "source_channel",
            "source_channel",
            &input.source_channel,
        )
        .await?,
        owner_id: input.owner_id,
        tags: tags("tags", &input.tags)?,
        notes: optional_text("notes", &input.notes, 5_000)?,
        custom: custom_values(app, "organisation", &input.custom).await?,
        search_tokens: String::new(),
    };
    f.search_tokens = search_tokens(&f);
    Ok(f)
}

/// The organisation's search tokens: name, products, tags, numbers and address.
pub(crate) fn search_tokens(f: &OrganisationFields) -> String {
    let mut doc = Document::default();
    doc.text(&f.name);
    for text in f.products.iter().chain(&f.tags) {
        doc.text(text);
    }
    for text in [&f.registration_no, &f.tax_no, &f.address]
        .into_iter()
        .flatten()
    {
        doc.text(text);
    }
    doc.finish()
}

fn subject(id: i64) -> String {
    format!("organisation:{id}")
}

/// Creates an organisation. One whose name reduces to an existing one's is refused
/// with that record, unless `allow_similar` says the user has seen it and means a new one.
pub async fn create_organisation(
    app: &App,
    actor: &Actor,
    input: &OrganisationInput,
    allow_similar: bool,
) -> AppResult<OrganisationRow> {
    actor.require(Permission::WorkConversations)?;
    let f = validate(app, input).await?;
    let mut tx = app.db.begin().await?;
    if !allow_similar
        && let Some(existing) = organisations::find_by_name_key(&mut tx, &f.name_key, None)
            .await?
            .into_iter()
            .next()
    {
        return Err(AppError::Conflict {
            code: "duplicate_organisation",
            message: format!(
                "organisation #{} ({}) looks like the same company; open it, or confirm that this is a different one",
                existing.id, existing.name
            ),
            existing_id: Some(existing.id),
        });
    }
    let now = now_ms();
    let row = organisations::insert(&mut tx, &f, now).await?;
    crate::merge::index_organisation(&mut tx, &row).await?;
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "organisation.created",
        &subject(row.id),
        &json!(row).to_string(),
        now,
    )
    .await?;
    append(
        app,
        &mut tx,
        "organisation.created",
        None,
        None,
        true,
        &json!({ "organisation": row, "by": actor.user_id }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}

pub async fn update_organisation(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &OrganisationInput,
) -> AppResult<OrganisationRow> {
    actor.require(Permission::WorkConversations)?;
    let f = validate(app, input).await?;
    let mut tx = app.db.begin().await?;
    let before = organisations::find_in_tx(&mut tx, id)
        .await?
        .filter(|o| o.merged_into.is_none())
        .ok_or(AppError::NotFound("organisation"))?;
    let now = now_ms();
    let row = organisations::update(&mut tx, id, &f, now).await?;
    crate::merge::index_organisation(&mut tx, &row).await?;
    if before.name != row.name {
        reindex_contacts(&mut tx, id).await?;
    }
    let diff = changes(&json!(before), &json!(row));
    if !diff.is_empty() {
        kefu_store::audit::record_in(
            &mut tx,
            Some(actor.user_id),
            "organisation.updated",
            &subject(id),
            &Value::Object(diff).to_string(),
            now,
        )
        .await?;
    }
    append(
        app,
        &mut tx,
        "organisation.updated",
        None,
        None,
        true,
        &json!({ "organisation": row, "by": actor.user_id }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(row)
}

/// A renamed organisation's contacts are found by the new name at once.
async fn reindex_contacts(tx: &mut kefu_store::Tx, organisation_id: i64) -> AppResult<()> {
    for contact in kefu_store::contacts::of_organisation(tx, organisation_id).await? {
        reindex_contact(tx, &contact).await?;
    }
    Ok(())
}

/// Recomputes one contact's search tokens from what is stored (after a rename or a merge).
pub(crate) async fn reindex_contact(
    tx: &mut kefu_store::Tx,
    contact: &kefu_store::contacts::ContactRow,
) -> AppResult<()> {
    let identities: Vec<_> = kefu_store::contacts::identities_in_tx(tx, contact.id)
        .await?
        .into_iter()
        .map(|i| kefu_store::contacts::NewIdentity {
            kind: i.kind,
            value: i.value,
            label: i.label,
        })
        .collect();
    let fields = kefu_store::contacts::ContactFields {
        name: contact.name.clone(),
        title: contact.title.clone(),
        tags: contact.tags.0.clone(),
        ..Default::default()
    };
    let tokens =
        crate::contacts::search_tokens(&fields, &identities, contact.organisation_name.as_deref());
    kefu_store::contacts::set_search_tokens(tx, contact.id, &tokens).await?;
    Ok(())
}

pub async fn get_organisation(app: &App, actor: &Actor, id: i64) -> AppResult<OrganisationRow> {
    actor.require(Permission::WorkConversations)?;
    organisations::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("organisation"))
}

/// Filters for an organisation list.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct OrganisationListQuery {
    /// Search text: name (any two characters of a Chinese name), products, tags, numbers, address.
    pub q: Option<String>,
    pub owner_id: Option<i64>,
    pub country: Option<String>,
    pub tag: Option<String>,
    pub member_level: Option<String>,
    pub source_channel: Option<String>,
    /// A custom field filter `key:value`.
    pub custom: Option<String>,
}

pub async fn list_organisations(
    app: &App,
    actor: &Actor,
    query: &OrganisationListQuery,
    before_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<OrganisationRow>> {
    actor.require(Permission::WorkConversations)?;
    let text = text_query(&query.q);
    if query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) && text.is_none() {
        return Ok(Vec::new());
    }
    let some = |v: &Option<String>| present(v).map(str::to_owned);
    let filter = OrganisationFilter {
        text,
        owner_id: query.owner_id,
        country: some(&query.country).map(|c| c.to_uppercase()),
        tag: some(&query.tag),
        member_level: some(&query.member_level),
        source_channel: some(&query.source_channel),
        custom: custom_filter(&query.custom)?,
        before_id,
    };
    Ok(organisations::list(&app.db, &filter, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn legal_forms_and_punctuation_do_not_make_a_different_company() {
        assert_eq!(name_key("深圳华强电子有限公司"), name_key("深圳华强电子"));
        assert_eq!(name_key("ACME Co., Ltd."), "acme");
        assert_eq!(name_key("Acme Limited"), "acme");
        assert_ne!(name_key("深圳华强电子"), name_key("深圳华强电器"));
        assert_eq!(
            name_key("公司"),
            "公司",
            "a name is never reduced to nothing"
        );
        assert_eq!(
            name_key("Tesco"),
            "tesco",
            "only whole words are legal forms"
        );
    }
}
