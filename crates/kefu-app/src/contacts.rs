//! Contacts: validated and normalised at the edge, duplicates refused with the existing
//! record, every change audited (who, when, old → new) and searchable at once.

use crate::archive::{changes, custom_values, optional_text, present, tags};
use crate::events::{append, commit};
use crate::search::{Document, Query};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{
    CountryCode, EmailAddress, Invalid, LanguageTag, Name, Permission, PhoneE164, TimeZoneName,
};
use kefu_store::Tx;
use kefu_store::contacts::{
    self, ContactFields, ContactFilter, ContactRow, IdentityRow, NewIdentity,
};
use kefu_store::search::TextQuery;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Identity kinds people edit on a contact (channel ids such as `widget_visitor` are kefu's own).
pub const EDITABLE_KINDS: [&str; 10] = [
    "phone", "email", "wechat", "qq", "whatsapp", "skype", "line", "telegram", "facebook", "other",
];
const HANDLE_KINDS: [&str; 8] = [
    "wechat", "qq", "whatsapp", "skype", "line", "telegram", "facebook", "other",
];
const MAX_IDENTITIES: usize = 20;

/// A phone or email with an optional label ("mobile", "office", "财务").
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct LabelledInput {
    pub value: String,
    pub label: Option<String>,
}

/// A messaging handle: kind (`wechat`, `qq`, `whatsapp`, `skype`, `line`, `telegram`,
/// `facebook`, `other`) and the id on that app.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct HandleInput {
    pub kind: String,
    pub value: String,
    pub label: Option<String>,
}

/// A contact's fields as they arrive from a form or the API. `email` and `phone` are
/// shorthands for a one-entry `emails` / `phones` list.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub emails: Vec<LabelledInput>,
    #[serde(default)]
    pub phones: Vec<LabelledInput>,
    #[serde(default)]
    pub handles: Vec<HandleInput>,
    pub organisation_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub time_zone: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom: Map<String, Value>,
    #[serde(default)]
    pub consent_call: bool,
    #[serde(default)]
    pub consent_message: bool,
    #[serde(default)]
    pub consent_email: bool,
}

/// A contact with its identities and what is derived for display.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    #[serde(flatten)]
    pub contact: ContactRow,
    pub identities: Vec<IdentityRow>,
    /// The contact's local time now, when their time zone is known.
    pub local_time: Option<String>,
    /// Whether it is daytime for them now (08:00–20:59).
    pub daytime: Option<bool>,
    /// Whether phones, emails and handles are shown masked to the caller (reveal one
    /// with `POST /contacts/{id}/identities/{identity_id}/reveal`).
    pub masked: bool,
}

impl ContactView {
    fn new(contact: ContactRow, identities: Vec<IdentityRow>) -> Self {
        let tz = contact
            .time_zone
            .as_deref()
            .and_then(|tz| TimeZoneName::parse(tz).ok());
        Self {
            local_time: tz.as_ref().and_then(TimeZoneName::local_time_now),
            daytime: tz.as_ref().and_then(TimeZoneName::is_daytime_now),
            contact,
            identities,
            masked: false,
        }
    }
}

fn label(v: &Option<String>) -> Result<Option<String>, Invalid> {
    match present(v) {
        Some(l) if l.chars().count() > 40 => Err(Invalid::new(
            "label",
            "too_long",
            "a label has at most 40 characters",
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// A contact ready to store: its row fields and its identities.
pub struct ValidContact {
    pub fields: ContactFields,
    pub identities: Vec<NewIdentity>,
}

/// Validates and normalises every field that needs no database (phones to E.164,
/// read in the contact's country, else China).
pub fn validate(input: &ContactInput) -> AppResult<ValidContact> {
    let country = present(&input.country)
        .map(CountryCode::parse)
        .transpose()?;
    let region = country.as_ref().map_or("CN", |c| c.as_str());
    let mut identities: Vec<NewIdentity> = Vec::new();
    let phones = input.phone.iter().map(|p| LabelledInput {
        value: p.clone(),
        label: None,
    });
    for p in phones.chain(input.phones.iter().cloned()) {
        if p.value.trim().is_empty() {
            continue;
        }
        let phone = PhoneE164::parse(&p.value, region)?;
        identities.push(NewIdentity {
            kind: "phone".into(),
            value: phone.as_str().to_owned(),
            label: label(&p.label)?,
        });
    }
    let emails = input.email.iter().map(|e| LabelledInput {
        value: e.clone(),
        label: None,
    });
    for e in emails.chain(input.emails.iter().cloned()) {
        if e.value.trim().is_empty() {
            continue;
        }
        identities.push(NewIdentity {
            kind: "email".into(),
            value: EmailAddress::parse(&e.value)?.as_str().to_owned(),
            label: label(&e.label)?,
        });
    }
    for h in &input.handles {
        let kind = h.kind.trim().to_lowercase();
        if !HANDLE_KINDS.contains(&kind.as_str()) {
            return Err(Invalid::new(
                "handles",
                "unknown_handle_kind",
                format!(
                    "'{}' is not a messaging app kefu knows; use one of: {}",
                    h.kind,
                    HANDLE_KINDS.join(", ")
                ),
            )
            .into());
        }
        let value = h.value.trim();
        if value.is_empty() || value.chars().count() > 100 {
            return Err(Invalid::new(
                "handles",
                "invalid_handle",
                "a handle has 1 to 100 characters",
            )
            .into());
        }
        identities.push(NewIdentity {
            kind,
            value: value.to_owned(),
            label: label(&h.label)?,
        });
    }
    let mut seen = Vec::new();
    identities.retain(|i| {
        let key = (i.kind.clone(), i.value.clone());
        let first = !seen.contains(&key);
        seen.push(key);
        first
    });
    if identities.len() > MAX_IDENTITIES {
        return Err(Invalid::new(
            "identities",
            "too_many",
            format!("at most {MAX_IDENTITIES} phones, emails and handles"),
        )
        .into());
    }
    let first = |kind: &str| {
        identities
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| i.value.clone())
    };
    let fields = ContactFields {
        name: Name::parse("name", &input.name)?.into_inner(),
        title: optional_text("title", &input.title, 100)?,
        email: first("email"),
        phone: first("phone"),
        organisation_id: input.organisation_id,
        owner_id: input.owner_id,
        language: present(&input.language)
            .map(LanguageTag::parse)
            .transpose()?
            .map(|l| l.as_str().to_owned()),
        country: country.map(|c| c.as_str().to_owned()),
        time_zone: present(&input.time_zone)
            .map(TimeZoneName::parse)
            .transpose()?
            .map(|t| t.as_str().to_owned()),
        tags: tags("tags", &input.tags)?,
        custom: Map::new(),
        consent_call: input.consent_call,
        consent_message: input.consent_message,
        consent_email: input.consent_email,
        search_tokens: String::new(),
    };
    Ok(ValidContact { fields, identities })
}

/// The contact's search tokens: names, company, identities and tags.
pub fn search_tokens(
    f: &ContactFields,
    identities: &[NewIdentity],
    organisation: Option<&str>,
) -> String {
    let mut doc = Document::default();
    doc.text(&f.name);
    for text in [f.title.as_deref(), organisation].into_iter().flatten() {
        doc.text(text);
    }
    for tag in &f.tags {
        doc.text(tag);
    }
    for i in identities {
        match i.kind.as_str() {
            "phone" => {
                let national = PhoneE164::parse(&i.value, "CN")
                    .map(|p| p.national_digits())
                    .ok();
                doc.phone(&i.value, national.as_deref());
            }
            "widget_visitor" | "api" => {}
            _ => {
                doc.text(&i.value);
            }
        }
    }
    doc.finish()
}

/// Checks what needs the database (organisation, owner, custom fields) and fills in
/// the search tokens.
async fn complete(
    app: &App,
    tx: &mut Tx,
    c: &mut ValidContact,
    input: &ContactInput,
) -> AppResult<()> {
    c.fields.custom = custom_values(app, "contact", &input.custom).await?;
    let organisation = match c.fields.organisation_id {
        Some(id) => Some(
            kefu_store::organisations::find_in_tx(tx, id)
                .await?
                .filter(|o| o.merged_into.is_none())
                .ok_or_else(|| {
                    Invalid::new(
                        "organisation_id",
                        "unknown_organisation",
                        format!("there is no organisation #{id}"),
                    )
                })?
                .name,
        ),
        None => None,
    };
    if let Some(owner) = c.fields.owner_id
        && kefu_store::users::find(&app.db, owner).await?.is_none()
    {
        return Err(Invalid::new(
            "owner_id",
            "unknown_user",
            format!("there is no user #{owner}"),
        )
        .into());
    }
    c.fields.search_tokens = search_tokens(&c.fields, &c.identities, organisation.as_deref());
    Ok(())
}

/// Refuses identities that already belong to another contact, naming that contact.
async fn refuse_duplicates(
    tx: &mut Tx,
    identities: &[NewIdentity],
    except: Option<i64>,
) -> AppResult<()> {
    for i in identities {
        if let Some(owner) = contacts::find_by_identity(tx, &i.kind, &i.value).await?
            && Some(owner) != except
        {
            let existing = contacts::find_in_tx(tx, owner).await?;
            let name = existing.map(|c| c.name).unwrap_or_default();
            return Err(AppError::Conflict {
                code: "duplicate_contact",
                message: format!(
                    "{} {} already belongs to contact #{owner} ({name})",
                    i.kind, i.value
                ),
                existing_id: Some(owner),
            });
        }
    }
    Ok(())
}

fn audit_subject(id: i64) -> String {
    format!("contact:{id}")
}

pub async fn create_contact(
    app: &App,
    actor: &Actor,
    input: &ContactInput,
) -> AppResult<ContactView> {
    actor.require(Permission::WorkConversations)?;
    let mut valid = validate(input)?;
    let mut tx = app.db.begin().await?;
    complete(app, &mut tx, &mut valid, input).await?;
    refuse_duplicates(&mut tx, &valid.identities, None).await?;
    let now = now_ms();
    let contact = contacts::insert(&mut tx, &valid.fields, now).await?;
    for identity in &valid.identities {
        contacts::add_identity(&mut tx, contact.id, identity, now).await?;
    }
    crate::merge::index_contact(&mut tx, contact.id).await?;
    let identities = contacts::identities_in_tx(&mut tx, contact.id).await?;
    let mut view = ContactView::new(contact, identities);
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "contact.created",
        &audit_subject(view.contact.id),
        &json!({ "contact": view.contact, "identities": view.identities }).to_string(),
        now,
    )
    .await?;
    append(
        app,
        &mut tx,
        "contact.created",
        None,
        None,
        true,
        &json!({ "contact_id": view.contact.id, "by": actor.user_id }),
    )
    .await?;
    commit(app, tx).await?;
    crate::privacy::mask_view(actor, &mut view);
    Ok(view)
}

pub async fn update_contact(
    app: &App,
    actor: &Actor,
    id: i64,
    input: &ContactInput,
) -> AppResult<ContactView> {
    actor.require(Permission::WorkConversations)?;
    let mut valid = validate(input)?;
    let mut tx = app.db.begin().await?;
    let before = contacts::find_in_tx(&mut tx, id)
        .await?
        .filter(|c| c.merged_into.is_none() && c.erased_at.is_none())
        .ok_or(AppError::NotFound("contact"))?;
    let before_identities = contacts::identities_in_tx(&mut tx, id).await?;
    complete(app, &mut tx, &mut valid, input).await?;
    refuse_duplicates(&mut tx, &valid.identities, Some(id)).await?;
    let now = now_ms();
    let contact = contacts::update(&mut tx, id, &valid.fields, now).await?;
    // Channel ids (widget visitor, API handle) are not editable kinds: they stay.
    contacts::replace_identities(&mut tx, id, &EDITABLE_KINDS, &valid.identities, now).await?;
    crate::merge::index_contact(&mut tx, id).await?;
    let identities = contacts::identities_in_tx(&mut tx, id).await?;
    let mut diff = changes(&json!(before), &json!(contact));
    let listed = |rows: &[IdentityRow]| -> Vec<String> {
        rows.iter()
            .map(|i| format!("{}:{}", i.kind, i.value))
            .collect()
    };
    if listed(&before_identities) != listed(&identities) {
        diff.insert(
            "identities".into(),
            json!([listed(&before_identities), listed(&identities)]),
        );
    }
    if !diff.is_empty() {
        kefu_store::audit::record_in(
            &mut tx,
            Some(actor.user_id),
            "contact.updated",
            &audit_subject(id),
            &Value::Object(diff).to_string(),
            now,
        )
        .await?;
    }
    let mut view = ContactView::new(contact, identities);
    append(
        app,
        &mut tx,
        "contact.updated",
        None,
        None,
        true,
        &json!({ "contact_id": view.contact.id, "by": actor.user_id }),
    )
    .await?;
    commit(app, tx).await?;
    crate::privacy::mask_view(actor, &mut view);
    Ok(view)
}

pub async fn get_contact(app: &App, actor: &Actor, id: i64) -> AppResult<ContactView> {
    actor.require(Permission::WorkConversations)?;
    let contact = contacts::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("contact"))?;
    let identities = contacts::identities(&app.db, id).await?;
    let mut view = ContactView::new(contact, identities);
    crate::privacy::mask_view(actor, &mut view);
    Ok(view)
}

/// Filters for a contact list, as the API and the UI take them.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct ContactListQuery {
    /// Search text: name, company, phone in any format, email, handle or tag.
    pub q: Option<String>,
    pub organisation_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// ISO 3166 country code.
    pub country: Option<String>,
    pub tag: Option<String>,
    pub member_level: Option<String>,
    pub source_channel: Option<String>,
    /// A custom field filter `key:value` (the value must equal or be among the field's values).
    pub custom: Option<String>,
}

/// Parses a typed search into both databases' query forms; nothing searchable → `None`.
pub fn text_query(q: &Option<String>) -> Option<TextQuery> {
    let parsed = Query::parse(q.as_deref()?);
    (!parsed.is_empty()).then(|| parsed.to_text_query())
}

/// A `key:value` custom filter, with the key checked as an identifier.
pub(crate) fn custom_filter(v: &Option<String>) -> AppResult<Vec<(String, String)>> {
    let Some(v) = present(v) else {
        return Ok(Vec::new());
    };
    let (key, value) = v.split_once(':').ok_or_else(|| {
        Invalid::new(
            "custom",
            "invalid_filter",
            "write a custom filter as key:value",
        )
    })?;
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Invalid::new(
            "custom",
            "invalid_filter",
            format!("'{key}' is not a custom field key"),
        )
        .into());
    }
    Ok(vec![(key.to_owned(), value.trim().to_owned())])
}

pub async fn list_contacts(
    app: &App,
    actor: &Actor,
    query: &ContactListQuery,
    before_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<ContactRow>> {
    actor.require(Permission::WorkConversations)?;
    let filter = ContactFilter {
        text: text_query(&query.q),
        organisation_id: query.organisation_id,
        owner_id: query.owner_id,
        country: present(&query.country).map(|c| c.to_uppercase()),
        tag: present(&query.tag).map(str::to_owned),
        member_level: present(&query.member_level).map(str::to_owned),
        source_channel: present(&query.source_channel).map(str::to_owned),
        custom: custom_filter(&query.custom)?,
        before_id,
    };
    if query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) && filter.text.is_none() {
        return Ok(Vec::new());
    }
    let mut rows = contacts::list(&app.db, &filter, limit).await?;
    for row in &mut rows {
        crate::privacy::mask_row(actor, row);
    }
    Ok(rows)
}
