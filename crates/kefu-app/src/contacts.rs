//! Contacts: validated and normalised at the edge, duplicates refused with the existing record.

use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{
    CountryCode, EmailAddress, LanguageTag, Name, Permission, PhoneE164, TimeZoneName,
};
use kefu_store::contacts::{self, ContactFields, ContactRow};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A contact's fields as they arrive from a form or the API.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub time_zone: Option<String>,
}

/// A contact with what is derived for display: their local time now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    #[serde(flatten)]
    pub contact: ContactRow,
    pub local_time: Option<String>,
}

impl From<ContactRow> for ContactView {
    fn from(contact: ContactRow) -> Self {
        let local_time = contact
            .time_zone
            .as_deref()
            .and_then(|tz| TimeZoneName::parse(tz).ok())
            .and_then(|tz| tz.local_time_now());
        Self {
            contact,
            local_time,
        }
    }
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Validates and normalises every field (phones to E.164, read in the contact's country, else China).
pub fn validate(input: &ContactInput) -> AppResult<ContactFields> {
    let country = present(&input.country)
        .map(CountryCode::parse)
        .transpose()?;
    let region = country.as_ref().map_or("CN", |c| c.as_str());
    Ok(ContactFields {
        name: Name::parse("name", &input.name)?.into_inner(),
        email: present(&input.email)
            .map(EmailAddress::parse)
            .transpose()?
            .map(|e| e.as_str().to_owned()),
        phone: present(&input.phone)
            .map(|p| PhoneE164::parse(p, region))
            .transpose()?
            .map(|p| p.as_str().to_owned()),
        language: present(&input.language)
            .map(LanguageTag::parse)
            .transpose()?
            .map(|l| l.as_str().to_owned()),
        country: country.map(|c| c.as_str().to_owned()),
        time_zone: present(&input.time_zone)
            .map(TimeZoneName::parse)
            .transpose()?
            .map(|t| t.as_str().to_owned()),
    })
}

fn duplicate(existing: &ContactRow) -> AppError {
    AppError::Conflict {
        code: "duplicate_contact",
        message: format!(
            "this email or phone already belongs to contact #{} ({})",
            existing.id, existing.name
        ),
        existing_id: Some(existing.id),
    }
}

pub async fn create_contact(
    app: &App,
    actor: &Actor,
    input: &ContactInput,
) -> AppResult<ContactView> {
    actor.require(Permission::WorkConversations)?;
    let fields = validate(input)?;
    let mut tx = app.db.begin().await?;
    if let Some(existing) = contacts::find_duplicate(
        &mut tx,
        fields.email.as_deref(),
        fields.phone.as_deref(),
        None,
    )
    .await?
    {
        return Err(duplicate(&existing));
    }
    let contact = contacts::insert(&mut tx, &fields, now_ms()).await?;
    append(
        app,
        &mut tx,
        "contact.created",
        None,
        None,
        true,
        &json!({ "contact": contact, "by": actor.user_id }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(contact.into())
}

pub async fn update_contact(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ContactInput,
) -> AppResult<ContactView> {
    actor.require(Permission::WorkConversations)?;
    let fields = validate(input)?;
    let mut tx = app.db.begin().await?;
    let before = contacts::find_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    if let Some(existing) = contacts::find_duplicate(
        &mut tx,
        fields.email.as_deref(),
        fields.phone.as_deref(),
        Some(id),
    )
    .await?
    {
        return Err(duplicate(&existing));
    }
    let contact = contacts::update(&mut tx, id, &fields, now_ms()).await?;
    append(
        app,
        &mut tx,
        "contact.updated",
        None,
        None,
        true,
        &json!({ "contact": contact, "before": before, "by": actor.user_id }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(contact.into())
}

pub async fn get_contact(app: &App, actor: &Actor, id: i64) -> AppResult<ContactView> {
    actor.require(Permission::WorkConversations)?;
    Ok(contacts::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("contact"))?
        .into())
}

pub async fn list_contacts(
    app: &App,
    actor: &Actor,
    before_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<ContactView>> {
    actor.require(Permission::WorkConversations)?;
    Ok(contacts::list(&app.db, before_id, limit)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
