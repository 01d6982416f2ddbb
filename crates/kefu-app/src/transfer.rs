//! Importing and exporting contacts and organisations (.xlsx, .csv).
//!
//! An import maps the file's columns to fields, validates every row as the forms do,
//! records bad rows with their line and reason, and writes good rows in batched
//! transactions. A row whose phone, email or handle (contacts) or whose name or tax
//! number (organisations) is already known updates that record instead of creating
//! another, so importing the same file twice creates nothing new.

use crate::archive::custom_value;
use crate::contacts::{
    self as contact_uc, ContactInput, ContactListQuery, EDITABLE_KINDS, HandleInput, LabelledInput,
    ValidContact,
};
use crate::organisations::{self as org_uc, OrganisationInput, OrganisationListQuery, name_key};
use crate::search::Document;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Name, Permission};
use kefu_sheets::{Format, Row, Sheet};
use kefu_store::Tx;
use kefu_store::contacts::{self, ContactFields, ContactRow, NewIdentity};
use kefu_store::fields::{ChoiceRow, CustomFieldRow};
use kefu_store::imports::{
    self, Counts, ImportErrorRow, ImportRow, MappingRow, NewImport, NewImportError,
};
use kefu_store::organisations::{self, OrganisationFields, OrganisationRow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rows written per transaction (progress moves once per batch).
const BATCH: usize = 500;
/// Rows a preview validates.
const PREVIEW_ROWS: usize = 20;
/// Rows an export reads per page.
const EXPORT_PAGE: u64 = 1_000;
/// Bad rows a report holds at most.
const MAX_REPORTED: u64 = 1_048_000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    Contact,
    Organisation,
}

impl Entity {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim().to_lowercase().as_str() {
            "contact" | "contacts" => Ok(Entity::Contact),
            "organisation" | "organisations" | "organization" | "organizations" => {
                Ok(Entity::Organisation)
            }
            _ => Err(Invalid::new(
                "entity",
                "invalid_entity",
                "use contact or organisation",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Contact => "contact",
            Entity::Organisation => "organisation",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Entity::Contact => "contacts",
            Entity::Organisation => "organisations",
        }
    }
}

const HANDLES: [&str; 8] = [
    "wechat", "qq", "whatsapp", "skype", "line", "telegram", "facebook", "other",
];

/// Fields a contact column can map to (besides `custom.<key>`), with the header names
/// (Chinese and English, compared without case, spaces or punctuation) suggested for each.
const CONTACT_FIELDS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "姓名",
            "联系人",
            "名字",
            "客户姓名",
            "联系人姓名",
            "fullname",
            "contact",
            "contactname",
        ],
    ),
    ("title", &["职位", "职务", "头衔", "jobtitle", "position"]),
    (
        "organisation",
        &[
            "公司",
            "企业",
            "公司名称",
            "企业名称",
            "单位",
            "所属公司",
            "company",
            "companyname",
            "organization",
        ],
    ),
    (
        "phones",
        &[
            "手机",
            "电话",
            "手机号",
            "手机号码",
            "电话号码",
            "联系电话",
            "座机",
            "phone",
            "mobile",
            "tel",
            "telephone",
            "cell",
        ],
    ),
    (
        "emails",
        &["邮箱", "电子邮件", "电子邮箱", "邮件", "email", "mail"],
    ),
    ("wechat", &["微信", "微信号", "weixin"]),
    ("qq", &["qq号", "qq号码"]),
    ("whatsapp", &[]),
    ("skype", &[]),
    ("line", &[]),
    ("telegram", &[]),
    ("facebook", &[]),
    ("other", &[]),
    ("language", &["语言", "lang"]),
    ("country", &["国家", "国家地区", "国家或地区"]),
    ("time_zone", &["时区", "tz"]),
    ("tags", &["标签", "tag"]),
    ("owner_email", &["负责人", "负责人邮箱", "归属人", "owner"]),
    ("consent_call", &["同意来电"]),
    ("consent_message", &["同意消息"]),
    ("consent_email", &["同意邮件"]),
];

const ORGANISATION_FIELDS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "公司",
            "企业",
            "公司名称",
            "企业名称",
            "名称",
            "客户名称",
            "company",
            "companyname",
            "organisation",
            "organization",
        ],
    ),
    (
        "registration_no",
        &[
            "注册号",
            "工商注册号",
            "统一社会信用代码",
            "registrationnumber",
        ],
    ),
    (
        "tax_no",
        &["税号", "纳税人识别号", "taxnumber", "vat", "vatnumber"],
    ),
    ("address", &["地址", "公司地址"]),
    ("country", &["国家", "国家地区", "国家或地区"]),
    (
        "products",
        &["主营", "主营品种", "主营产品", "主营业务", "product"],
    ),
    ("member_level", &["会员等级", "等级", "会员级别", "level"]),
    (
        "source_channel",
        &["来源", "来源渠道", "客户来源", "source", "channel"],
    ),
    ("owner_email", &["负责人", "负责人邮箱", "归属人", "owner"]),
    ("tags", &["标签", "tag"]),
    (
        "notes",
        &["备注", "说明", "note", "remark", "remarks", "comment"],
    ),
];

fn field_table(entity: Entity) -> &'static [(&'static str, &'static [&'static str])] {
    match entity {
        Entity::Contact => CONTACT_FIELDS,
        Entity::Organisation => ORGANISATION_FIELDS,
    }
}

/// A header reduced for comparison: lower case, letters and digits only.
fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every field a column of `entity` can map to, custom fields as `custom.<key>`.
pub fn fields(entity: Entity, defs: &[CustomFieldRow]) -> Vec<String> {
    field_table(entity)
        .iter()
        .map(|(f, _)| (*f).to_owned())
        .chain(defs.iter().map(|d| format!("custom.{}", d.key)))
        .collect()
}

/// The mapping kefu proposes for these headers: a field per recognised header, `""` (ignore)
/// for the others. A field's own name (as an export writes it) is always recognised.
pub fn suggest_mapping(
    entity: Entity,
    headers: &[String],
    defs: &[CustomFieldRow],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for header in headers {
        let h = normalise(header);
        let builtin = field_table(entity).iter().find(|(field, names)| {
            normalise(field) == h || names.iter().any(|n| normalise(n) == h)
        });
        let field = match builtin {
            Some((field, _)) => (*field).to_owned(),
            None => defs
                .iter()
                .find(|d| {
                    [
                        &d.key,
                        &d.label_en,
                        &d.label_zh,
                        &format!("custom.{}", d.key),
                    ]
                    .iter()
                    .any(|n| normalise(n) == h)
                })
                .map(|d| format!("custom.{}", d.key))
                .unwrap_or_default(),
        };
        out.insert(header.clone(), field);
    }
    out
}

/// Checks that every mapped field exists and that some column gives the name.
fn check_mapping(
    entity: Entity,
    mapping: &BTreeMap<String, String>,
    defs: &[CustomFieldRow],
    need_name: bool,
) -> Result<(), Invalid> {
    let known = fields(entity, defs);
    if let Some(bad) = mapping
        .values()
        .find(|f| !f.is_empty() && !known.contains(f))
    {
        return Err(Invalid::new(
            "mapping",
            "unknown_field",
            format!("'{bad}' is not a field; use one of: {}", known.join(", ")),
        ));
    }
    if need_name && !mapping.values().any(|f| f == "name") {
        return Err(Invalid::new(
            "mapping",
            "name_not_mapped",
            "choose the column that holds the name",
        ));
    }
    Ok(())
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split([';', ',', '/', '\n', '\r', '；', '，', '、'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn yes(s: &str) -> bool {
    matches!(
        s.trim().to_lowercase().as_str(),
        "1" | "y" | "yes" | "true" | "x" | "是" | "同意" | "√" | "✓"
    )
}

/// One row's cells by field.
struct Values<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Values<'a> {
    fn of(columns: &'a [Option<String>], row: &'a Row) -> Self {
        Values(
            columns
                .iter()
                .zip(&row.cells)
                .filter_map(|(f, cell)| Some((f.as_deref()?, cell.as_str())))
                .filter(|(_, cell)| !cell.is_empty())
                .collect(),
        )
    }

    fn first(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| (*c).to_owned())
    }

    fn list(&self, field: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| *f == field)
            .flat_map(|(_, c)| split_list(c))
            .map(str::to_owned)
            .collect()
    }

    fn custom(&self, defs: &[CustomFieldRow]) -> Result<Map<String, Value>, Invalid> {
        let mut out = Map::new();
        for (field, cell) in &self.0 {
            let Some(key) = field.strip_prefix("custom.") else {
                continue;
            };
            let Some(def) = defs.iter().find(|d| d.key == key) else {
                continue;
            };
            let raw = if def.kind == "multi_choice" {
                Value::Array(split_list(cell).map(|s| Value::String(s.into())).collect())
            } else {
                Value::String((*cell).to_owned())
            };
            out.insert(key.to_owned(), custom_value(def, &raw)?);
        }
        Ok(out)
    }
}

/// What every row of a run is read against, loaded once.
struct Context {
    entity: Entity,
    /// The field of each column (`None`: ignored).
    columns: Vec<Option<String>>,
    defs: Vec<CustomFieldRow>,
    /// Users by lower-case email, for `owner_email`.
    owners: HashMap<String, i64>,
    choices: Vec<ChoiceRow>,
}

impl Context {
    async fn load(
        app: &App,
        entity: Entity,
        headers: &[String],
        mapping: &BTreeMap<String, String>,
    ) -> AppResult<Self> {
        let defs = kefu_store::fields::custom_fields(&app.db, entity.as_str()).await?;
        let owners = kefu_store::users::list(&app.db)
            .await?
            .into_iter()
            .map(|u| (u.email.to_lowercase(), u.id))
            .collect();
        let mut choices = kefu_store::fields::choices(&app.db, "member_level").await?;
        choices.extend(kefu_store::fields::choices(&app.db, "source_channel").await?);
        let columns = headers
            .iter()
            .map(|h| mapping.get(h).filter(|f| !f.is_empty()).cloned())
            .collect();
        Ok(Self {
            entity,
            columns,
            defs,
            owners,
            choices,
        })
    }

    fn owner(&self, email: Option<String>) -> Result<Option<i64>, Invalid> {
        let Some(email) = email else {
            return Ok(None);
        };
        self.owners
            .get(&email.to_lowercase())
            .copied()
            .map(Some)
            .ok_or_else(|| {
                Invalid::new(
                    "owner_email",
                    "unknown_owner",
                    format!("no user has the email {email}"),
                )
            })
    }

    /// A choice given by key or by its English or Chinese label, as its key.
    fn choice(&self, kind: &str, given: Option<String>) -> Option<String> {
        let given = given?;
        let found = self.choices.iter().find(|c| {
            c.kind == kind
                && (c.key == given
                    || c.label_zh == given
                    || c.label_en.eq_ignore_ascii_case(&given))
        });
        Some(found.map_or(given, |c| c.key.clone()))
    }
}

fn bad_row(row: &Row, code: &str, reason: String) -> NewImportError {
    NewImportError {
        line: row.line as i64,
        code: code.to_owned(),
        reason,
        cells: row.cells.clone(),
    }
}

fn invalid_row(row: &Row, e: AppError) -> NewImportError {
    match e {
        AppError::Invalid(inv) => bad_row(row, inv.code, inv.message),
        other => bad_row(row, "invalid", other.to_string()),
    }
}

/// What a good row will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update(i64),
}

struct ContactPlan {
    valid: ValidContact,
    organisation: Option<String>,
    action: Action,
}

struct OrganisationPlan {
    fields: OrganisationFields,
    action: Action,
}

/// What lasts from batch to batch of one run.
#[derive(Default)]
struct RunState {
    /// Identities (contacts) or name keys (organisations) seen, with their line.
    seen: HashMap<(String, String), usize>,
    /// Organisations by name key, found or created for contacts' company column.
    organisations: HashMap<String, (i64, String)>,
    counts: Counts,
}

/// A row checked as far as it can be without the database.
fn validate_contact(ctx: &Context, row: &Row) -> Result<(ValidContact, Option<String>), AppError> {
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
async fn plan_contacts(
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
async fn organisation_for(
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
    let mut doc = Document::default();
    doc.text(name);
    let fields = OrganisationFields {
        name: name.to_owned(),
        name_key: key.clone(),
        search_tokens: doc.finish(),
        ..Default::default()
    };
    let row = organisations::insert(tx, &fields, now).await?;
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
async fn load_organisations(
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
async fn write_contacts(
    tx: &mut Tx,
    state: &mut RunState,
    plans: Vec<ContactPlan>,
    who: (Option<i64>, i64),
    now: i64,
) -> AppResult<()> {
    let (actor_id, import_id) = who;
    let mut new_identities = Vec::new();
    let mut new_tags = Vec::new();
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
                new_tags.extend(f.tags.iter().map(|t| (id, t.clone())));
                new_identities.extend(p.valid.identities.into_iter().map(|i| (id, i)));
                state.counts.created += 1;
            }
            Action::Update(id) => {
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
    Ok(())
}

fn contact_fields(r: &ContactRow) -> ContactFields {
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

fn fill<T: Clone>(old: &mut Option<T>, new: &Option<T>) {
    if new.is_some() {
        old.clone_from(new);
    }
}

fn union(old: &mut Vec<String>, new: &[String]) {
    for v in new {
        if !old.contains(v) {
            old.push(v.clone());
        }
    }
}

/// Fills an existing contact from a row: values in the file replace those on record,
/// empty cells change nothing, tags, identities and custom values are added. Audited.
/// Returns whether anything changed.
async fn update_contact(
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
    diff.insert("import_id".into(), json!(import_id));
    kefu_store::audit::record_in(
        tx,
        actor_id,
        "contact.updated",
        &format!("contact:{id}"),
        &Value::Object(diff).to_string(),
        now,
    )
    .await?;
    Ok(true)
}

/// An organisation row checked (the choice lists, owner and custom fields need reads).
async fn validate_organisation(
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

async fn plan_organisations(
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

fn organisation_fields(r: &OrganisationRow, name_key: String) -> OrganisationFields {
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

async fn write_organisations(
    tx: &mut Tx,
    state: &mut RunState,
    plans: Vec<OrganisationPlan>,
    (actor_id, import_id): (Option<i64>, i64),
    now: i64,
) -> AppResult<()> {
    for p in plans {
        let id = match p.action {
            Action::Create => {
                let row = organisations::insert(tx, &p.fields, now).await?;
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
        f.search_tokens.clone_from(&new.search_tokens);
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
        f.search_tokens = doc.finish();
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
        let mut diff = crate::archive::changes(&json!(before), &json!(after));
        diff.insert("import_id".into(), json!(import_id));
        kefu_store::audit::record_in(
            tx,
            actor_id,
            "organisation.updated",
            &format!("organisation:{id}"),
            &Value::Object(diff).to_string(),
            now,
        )
        .await?;
        state.counts.updated += 1;
    }
    Ok(())
}

/// The outcome of each row of a batch, as planned (nothing written).
enum Planned {
    Contacts(Vec<Result<ContactPlan, NewImportError>>),
    Organisations(Vec<Result<OrganisationPlan, NewImportError>>),
}

impl Planned {
    /// Per row: what it will do, or why it is bad.
    fn outcomes(&self) -> Vec<Result<Action, &NewImportError>> {
        match self {
            Planned::Contacts(p) => p.iter().map(|r| r.as_ref().map(|p| p.action)).collect(),
            Planned::Organisations(p) => p.iter().map(|r| r.as_ref().map(|p| p.action)).collect(),
        }
    }
}

/// Validates a batch (outside any transaction) and plans it in `tx`.
async fn plan(
    app: &App,
    tx: &mut Tx,
    ctx: &Context,
    state: &mut RunState,
    rows: &[Row],
) -> AppResult<Planned> {
    match ctx.entity {
        Entity::Contact => {
            let checked = rows.iter().map(|r| validate_contact(ctx, r)).collect();
            let plans = plan_contacts(tx, state, rows, checked).await?;
            load_organisations(tx, state, &plans).await?;
            Ok(Planned::Contacts(plans))
        }
        Entity::Organisation => {
            let mut checked = Vec::with_capacity(rows.len());
            for r in rows {
                checked.push(validate_organisation(app, ctx, r).await);
            }
            Ok(Planned::Organisations(
                plan_organisations(tx, state, rows, checked).await?,
            ))
        }
    }
}

fn split_plans<P>(plans: Vec<Result<P, NewImportError>>) -> (Vec<P>, Vec<NewImportError>) {
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for p in plans {
        match p {
            Ok(p) => good.push(p),
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

/// A file to import.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub entity: Entity,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Column header → field; `None`: the suggested mapping.
    pub mapping: Option<BTreeMap<String, String>>,
}

fn read_sheet(file: &ImportFile) -> AppResult<Sheet> {
    let format =
        Format::from_file_name(&file.file_name).unwrap_or_else(|| Format::sniff(&file.bytes));
    kefu_sheets::read(&file.bytes, format)
        .map_err(|e| Invalid::new("file", "unreadable_file", e.to_string()).into())
}

fn file_name(name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "file_name",
            "invalid_file_name",
            "give the file's name (at most 200 characters)",
        ));
    }
    Ok(name.to_owned())
}

/// What a preview shows about one row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    pub line: i64,
    pub cells: Vec<String>,
    /// `create`, `update` or `error`.
    pub status: &'static str,
    pub code: Option<String>,
    pub reason: Option<String>,
}

/// A file read and its first rows checked as the import would, with nothing written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub entity: Entity,
    pub file_name: String,
    /// The text encoding of a .csv file (`UTF-8`, `GB18030` …).
    pub encoding: Option<String>,
    pub headers: Vec<String>,
    pub total_rows: usize,
    /// The mapping used: the one given, else the suggested one.
    pub mapping: BTreeMap<String, String>,
    /// Every field a column can map to.
    pub fields: Vec<String>,
    pub rows: Vec<PreviewRow>,
}

/// The file read, with its mapping (the one given, else the suggested one) checked.
struct Prepared {
    file_name: String,
    sheet: Sheet,
    mapping: BTreeMap<String, String>,
    defs: Vec<CustomFieldRow>,
}

async fn prepare(app: &App, file: &ImportFile, need_name: bool) -> AppResult<Prepared> {
    let file_name = file_name(&file.file_name)?;
    let sheet = read_sheet(file)?;
    let defs = kefu_store::fields::custom_fields(&app.db, file.entity.as_str()).await?;
    let mapping = file
        .mapping
        .clone()
        .unwrap_or_else(|| suggest_mapping(file.entity, &sheet.headers, &defs));
    check_mapping(file.entity, &mapping, &defs, need_name)?;
    Ok(Prepared {
        file_name,
        sheet,
        mapping,
        defs,
    })
}

pub async fn preview(app: &App, actor: &Actor, file: &ImportFile) -> AppResult<Preview> {
    actor.require(Permission::ExportArchive)?;
    let p = prepare(app, file, false).await?;
    let ctx = Context::load(app, file.entity, &p.sheet.headers, &p.mapping).await?;
    let rows = &p.sheet.rows[..p.sheet.rows.len().min(PREVIEW_ROWS)];
    let mut tx = app.db.begin_read().await?;
    let planned = plan(app, &mut tx, &ctx, &mut RunState::default(), rows).await?;
    tx.commit().await?;
    let rows = rows
        .iter()
        .zip(planned.outcomes())
        .map(|(row, outcome)| PreviewRow {
            line: row.line as i64,
            cells: row.cells.clone(),
            status: match outcome {
                Ok(Action::Create) => "create",
                Ok(Action::Update(_)) => "update",
                Err(_) => "error",
            },
            code: outcome.as_ref().err().map(|e| e.code.clone()),
            reason: outcome.as_ref().err().map(|e| e.reason.clone()),
        })
        .collect();
    Ok(Preview {
        entity: file.entity,
        file_name: p.file_name,
        encoding: p.sheet.encoding.map(|e| e.label().to_owned()),
        total_rows: p.sheet.rows.len(),
        fields: fields(file.entity, &p.defs),
        headers: p.sheet.headers,
        mapping: p.mapping,
        rows,
    })
}

/// An import accepted and recorded, ready to run.
struct Job {
    import: ImportRow,
    sheet: Sheet,
    ctx: Context,
}

async fn accept(app: &App, created_by: Option<i64>, file: &ImportFile) -> AppResult<Job> {
    let p = prepare(app, file, true).await?;
    let ctx = Context::load(app, file.entity, &p.sheet.headers, &p.mapping).await?;
    let mut tx = app.db.begin().await?;
    let import = imports::create(
        &mut tx,
        &NewImport {
            entity: file.entity.as_str(),
            status: "running",
            file_name: &p.file_name,
            total: p.sheet.rows.len() as i64,
            headers: &p.sheet.headers,
            mapping: &p.mapping,
            created_by,
        },
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(Job {
        import,
        sheet: p.sheet,
        ctx,
    })
}

/// Keeps a file uploaded in the workspace until its mapping is chosen (`pending`).
/// Uploads a day old that were never started are forgotten.
pub async fn upload(
    app: &App,
    actor: &Actor,
    entity: Entity,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<ImportRow> {
    actor.require(Permission::ExportArchive)?;
    let file = ImportFile {
        entity,
        file_name: file_name.to_owned(),
        bytes,
        mapping: None,
    };
    let p = prepare(app, &file, false).await?;
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    imports::delete_stale_pending(&mut tx, now - 24 * 3_600_000).await?;
    let import = imports::create(
        &mut tx,
        &NewImport {
            entity: entity.as_str(),
            status: "pending",
            file_name: &p.file_name,
            total: p.sheet.rows.len() as i64,
            headers: &p.sheet.headers,
            mapping: &p.mapping,
            created_by: Some(actor.user_id),
        },
        now,
    )
    .await?;
    imports::save_file(&mut tx, import.id, &file.bytes).await?;
    tx.commit().await?;
    Ok(import)
}

/// A pending upload as a file to preview or import, with `mapping` (else its own).
async fn uploaded(
    app: &App,
    actor: &Actor,
    id: i64,
    mapping: Option<BTreeMap<String, String>>,
) -> AppResult<(ImportRow, ImportFile)> {
    let import = get_import(app, actor, id).await?;
    if import.status != "pending" {
        return Err(AppError::Conflict {
            code: "import_started",
            message: "this import has already been started".into(),
            existing_id: Some(id),
        });
    }
    let bytes = imports::file(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("import"))?;
    let file = ImportFile {
        entity: Entity::parse(&import.entity)?,
        file_name: import.file_name.clone(),
        bytes,
        mapping: Some(mapping.unwrap_or_else(|| import.mapping.0.clone())),
    };
    Ok((import, file))
}

/// The preview of a pending upload with `mapping` (else the suggested one).
pub async fn preview_upload(
    app: &App,
    actor: &Actor,
    id: i64,
    mapping: Option<BTreeMap<String, String>>,
) -> AppResult<Preview> {
    let (_, file) = uploaded(app, actor, id, mapping).await?;
    preview(app, actor, &file).await
}

/// Starts a pending upload with `mapping` in the background.
pub async fn start_upload(
    app: &App,
    actor: &Actor,
    id: i64,
    mapping: BTreeMap<String, String>,
) -> AppResult<ImportRow> {
    let (_, file) = uploaded(app, actor, id, Some(mapping)).await?;
    let p = prepare(app, &file, true).await?;
    let ctx = Context::load(app, file.entity, &p.sheet.headers, &p.mapping).await?;
    let mut tx = app.db.begin().await?;
    if !imports::begin_run(&mut tx, id, &p.mapping).await? {
        return Err(AppError::Conflict {
            code: "import_started",
            message: "this import has already been started".into(),
            existing_id: Some(id),
        });
    }
    tx.commit().await?;
    let import = get_import(app, actor, id).await?;
    spawn(
        app,
        Job {
            import: import.clone(),
            sheet: p.sheet,
            ctx,
        },
    );
    Ok(import)
}

fn spawn(app: &App, job: Job) {
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = execute(&app, job, |_, _| {}).await {
            tracing::error!(error = %e, "import could not be finished");
        }
    });
}

/// Runs an accepted import to its end, batch by batch; `progress` hears after each.
async fn execute(
    app: &App,
    job: Job,
    mut progress: impl FnMut(&Counts, i64),
) -> AppResult<ImportRow> {
    let Job { import, sheet, ctx } = job;
    let who = (import.created_by, import.id);
    let mut state = RunState::default();
    let result: AppResult<()> = async {
        for rows in sheet.rows.chunks(BATCH) {
            let mut tx = app.db.begin().await?;
            let planned = plan(app, &mut tx, &ctx, &mut state, rows).await?;
            let now = now_ms();
            let bad = match planned {
                Planned::Contacts(p) => {
                    let (good, bad) = split_plans(p);
                    write_contacts(&mut tx, &mut state, good, who, now).await?;
                    bad
                }
                Planned::Organisations(p) => {
                    let (good, bad) = split_plans(p);
                    write_organisations(&mut tx, &mut state, good, who, now).await?;
                    bad
                }
            };
            imports::add_errors(&mut tx, import.id, &bad).await?;
            state.counts.failed += bad.len() as i64;
            state.counts.processed += rows.len() as i64;
            imports::advance(&mut tx, import.id, &state.counts).await?;
            tx.commit().await?;
            progress(&state.counts, import.total);
        }
        Ok(())
    }
    .await;
    let error = result.as_ref().err().map(|e| {
        tracing::error!(error = %e, import = import.id, "import failed");
        "the import stopped because of an error on our side; the rows counted so far were written"
            .to_owned()
    });
    let now = now_ms();
    let mut tx = app.db.begin().await?;
    imports::finish(&mut tx, import.id, error.as_deref(), now).await?;
    imports::delete_file(&mut tx, import.id).await?;
    kefu_store::audit::record_in(
        &mut tx,
        import.created_by,
        &format!("{}.imported", ctx.entity.plural()),
        &format!("import:{}", import.id),
        &json!({
            "import_id": import.id,
            "file_name": import.file_name,
            "counts": state.counts,
            "error": error,
        })
        .to_string(),
        now,
    )
    .await?;
    tx.commit().await?;
    imports::find(&app.db, import.id)
        .await?
        .ok_or(AppError::NotFound("import"))
}

/// Starts an import in the background on this instance and returns it at once; its
/// progress is in the database (`get_import`), readable from any instance.
pub async fn start_import(app: &App, actor: &Actor, file: &ImportFile) -> AppResult<ImportRow> {
    actor.require(Permission::ExportArchive)?;
    let job = accept(app, Some(actor.user_id), file).await?;
    let import = job.import.clone();
    spawn(app, job);
    Ok(import)
}

/// Imports a file to its end, for the command line; `progress` hears the counts and the
/// number of rows after each batch (whoever runs it has the database
/// itself, so there is no role to check; the audit log records no user).
pub async fn import_from_command_line(
    app: &App,
    file: &ImportFile,
    progress: impl FnMut(&Counts, i64),
) -> AppResult<ImportRow> {
    let job = accept(app, None, file).await?;
    execute(app, job, progress).await
}

pub async fn get_import(app: &App, actor: &Actor, id: i64) -> AppResult<ImportRow> {
    actor.require(Permission::ExportArchive)?;
    imports::find(&app.db, id)
        .await?
        .ok_or(AppError::NotFound("import"))
}

/// An import's bad rows in file order.
pub async fn import_errors(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<ImportErrorRow>> {
    let _ = get_import(app, actor, id).await?;
    Ok(imports::errors(&app.db, id, MAX_REPORTED).await?)
}

/// A file to download.
#[derive(Debug, Clone)]
pub struct FileOut {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

fn write_file(
    stem: &str,
    headers: &[String],
    rows: Vec<Vec<String>>,
    format: Format,
) -> AppResult<FileOut> {
    let count = rows.len();
    let bytes = kefu_sheets::write(headers, rows, format)
        .map_err(|e| Invalid::new("format", "export_failed", e.to_string()))?;
    Ok(FileOut {
        file_name: format!("{stem}.{}", format.extension()),
        content_type: format.content_type(),
        bytes,
        rows: count,
    })
}

/// The bad rows of an import as a file: `line`, the original columns, `reason`. It can
/// be corrected and imported again as it is (those two columns are ignored).
pub fn error_report(
    import: &ImportRow,
    errors: &[ImportErrorRow],
    format: Format,
) -> AppResult<FileOut> {
    let mut headers = vec!["line".to_owned()];
    headers.extend(import.headers.0.iter().cloned());
    headers.push("reason".into());
    let rows = errors
        .iter()
        .map(|e| {
            let mut row = vec![e.line.to_string()];
            row.extend(e.cells.0.iter().cloned());
            row.resize(headers.len() - 1, String::new());
            row.push(e.reason.clone());
            row
        })
        .collect();
    let stem = import
        .file_name
        .rsplit_once('.')
        .map_or(import.file_name.as_str(), |(s, _)| s);
    write_file(&format!("{stem}.errors"), &headers, rows, format)
}

/// Parses `xlsx` or `csv`.
pub fn parse_format(s: Option<&str>) -> Result<Format, Invalid> {
    match s.map(|s| s.trim().to_lowercase()).as_deref() {
        None | Some("") | Some("xlsx") => Ok(Format::Xlsx),
        Some("csv") => Ok(Format::Csv),
        Some(_) => Err(Invalid::new("format", "invalid_format", "use xlsx or csv")),
    }
}

// ---- saved mappings ----

/// A mapping to save.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MappingInput {
    /// `contact` or `organisation`.
    pub entity: String,
    pub name: String,
    /// Column header → field (`""` ignores the column).
    pub mapping: BTreeMap<String, String>,
}

pub async fn create_mapping(
    app: &App,
    actor: &Actor,
    input: &MappingInput,
) -> AppResult<MappingRow> {
    actor.require(Permission::ExportArchive)?;
    let entity = Entity::parse(&input.entity)?;
    let name = Name::parse("name", &input.name)?.into_inner();
    let defs = kefu_store::fields::custom_fields(&app.db, entity.as_str()).await?;
    check_mapping(entity, &input.mapping, &defs, false)?;
    let mut tx = app.db.begin().await?;
    let row = imports::insert_mapping(
        &mut tx,
        entity.as_str(),
        &name,
        &input.mapping,
        Some(actor.user_id),
        now_ms(),
    )
    .await
    .map_err(|e| match e {
        kefu_store::StoreError::Conflict(_) => AppError::Conflict {
            code: "duplicate_mapping",
            message: format!("a mapping named '{name}' already exists; choose another name"),
            existing_id: None,
        },
        other => other.into(),
    })?;
    tx.commit().await?;
    Ok(row)
}

pub async fn list_mappings(
    app: &App,
    actor: &Actor,
    entity: Option<Entity>,
) -> AppResult<Vec<MappingRow>> {
    actor.require(Permission::ExportArchive)?;
    Ok(imports::list_mappings(&app.db, entity.map(Entity::as_str)).await?)
}

/// A saved mapping by name, for the command line.
pub async fn mapping_named(
    app: &App,
    entity: Entity,
    name: &str,
) -> AppResult<BTreeMap<String, String>> {
    imports::list_mappings(&app.db, Some(entity.as_str()))
        .await?
        .into_iter()
        .find(|m| m.name == name)
        .map(|m| m.mapping.0)
        .ok_or(AppError::NotFound("mapping"))
}

pub async fn delete_mapping(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ExportArchive)?;
    let mut tx = app.db.begin().await?;
    if imports::delete_mapping(&mut tx, id).await? == 0 {
        return Err(AppError::NotFound("mapping"));
    }
    tx.commit().await?;
    Ok(())
}

// ---- export ----

/// The columns an export of `entity` can have, custom fields as `custom.<key>`.
pub fn export_columns(entity: Entity, defs: &[CustomFieldRow]) -> Vec<String> {
    let mut out = vec!["id".to_owned()];
    out.extend(fields(entity, defs));
    out.extend(["created_at".to_owned(), "updated_at".to_owned()]);
    out
}

fn chosen_columns(
    entity: Entity,
    defs: &[CustomFieldRow],
    asked: &[String],
) -> Result<Vec<String>, Invalid> {
    let known = export_columns(entity, defs);
    let asked: Vec<String> = asked
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if asked.is_empty() {
        return Ok(known);
    }
    if let Some(bad) = asked.iter().find(|c| !known.contains(c)) {
        return Err(Invalid::new(
            "columns",
            "unknown_column",
            format!("'{bad}' is not a column; use any of: {}", known.join(", ")),
        ));
    }
    Ok(asked)
}

fn time_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn custom_text(custom: &Map<String, Value>, key: &str) -> String {
    match custom.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

fn flag(b: bool) -> String {
    if b { "yes" } else { "" }.to_owned()
}

fn contact_cell(
    column: &str,
    c: &ContactRow,
    identities: &[&kefu_store::contacts::IdentityRow],
    owners: &HashMap<i64, String>,
) -> String {
    let of_kind = |kind: &str| {
        identities
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| i.value.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    match column {
        "id" => c.id.to_string(),
        "name" => c.name.clone(),
        "title" => c.title.clone().unwrap_or_default(),
        "organisation" => c.organisation_name.clone().unwrap_or_default(),
        "phones" => of_kind("phone"),
        "emails" => of_kind("email"),
        "language" => c.language.clone().unwrap_or_default(),
        "country" => c.country.clone().unwrap_or_default(),
        "time_zone" => c.time_zone.clone().unwrap_or_default(),
        "tags" => c.tags.0.join("; "),
        "owner_email" => c
            .owner_id
            .and_then(|id| owners.get(&id).cloned())
            .unwrap_or_default(),
        "consent_call" => flag(c.consent_call),
        "consent_message" => flag(c.consent_message),
        "consent_email" => flag(c.consent_email),
        "created_at" => time_text(c.created_at),
        "updated_at" => time_text(c.updated_at),
        other => match other.strip_prefix("custom.") {
            Some(key) => custom_text(&c.custom.0, key),
            None if EDITABLE_KINDS.contains(&other) => of_kind(other),
            None => String::new(),
        },
    }
}

fn organisation_cell(column: &str, o: &OrganisationRow, owners: &HashMap<i64, String>) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match column {
        "id" => o.id.to_string(),
        "name" => o.name.clone(),
        "registration_no" => text(&o.registration_no),
        "tax_no" => text(&o.tax_no),
        "address" => text(&o.address),
        "country" => text(&o.country),
        "products" => o.products.0.join("; "),
        "member_level" => text(&o.member_level),
        "source_channel" => text(&o.source_channel),
        "owner_email" => o
            .owner_id
            .and_then(|id| owners.get(&id).cloned())
            .unwrap_or_default(),
        "tags" => o.tags.0.join("; "),
        "notes" => text(&o.notes),
        "created_at" => time_text(o.created_at),
        "updated_at" => time_text(o.updated_at),
        other => other
            .strip_prefix("custom.")
            .map(|key| custom_text(&o.custom.0, key))
            .unwrap_or_default(),
    }
}

/// What an export is asked for besides its filters.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub columns: Vec<String>,
    pub format: Format,
}

async fn export_setup(
    app: &App,
    actor: &Actor,
    entity: Entity,
    req: &ExportRequest,
) -> AppResult<(Vec<String>, HashMap<i64, String>)> {
    actor.require(Permission::ExportArchive)?;
    let defs = kefu_store::fields::custom_fields(&app.db, entity.as_str()).await?;
    let columns = chosen_columns(entity, &defs, &req.columns)?;
    let owners = kefu_store::users::list(&app.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    Ok((columns, owners))
}

async fn record_export(
    app: &App,
    actor: &Actor,
    entity: Entity,
    filters: Value,
    columns: &[String],
    file: &FileOut,
) -> AppResult<()> {
    kefu_store::audit::record(
        &app.db,
        Some(actor.user_id),
        &format!("{}.exported", entity.plural()),
        entity.plural(),
        &json!({
            "filters": filters,
            "columns": columns,
            "rows": file.rows,
            "file_name": file.file_name,
        })
        .to_string(),
        now_ms(),
    )
    .await?;
    Ok(())
}

fn stem(entity: Entity) -> String {
    let date = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S");
    format!("{}-{date}", entity.plural())
}

/// Every contact the list filters select (page by page), with the chosen columns. Audited.
pub async fn export_contacts(
    app: &App,
    actor: &Actor,
    query: &ContactListQuery,
    req: &ExportRequest,
) -> AppResult<FileOut> {
    let (columns, owners) = export_setup(app, actor, Entity::Contact, req).await?;
    let needs_identities = columns
        .iter()
        .any(|c| c == "phones" || c == "emails" || EDITABLE_KINDS.contains(&c.as_str()));
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let page = contact_uc::list_contacts(app, actor, query, before, EXPORT_PAGE).await?;
        let identities = if needs_identities {
            let ids: Vec<i64> = page.iter().map(|c| c.id).collect();
            let mut tx = app.db.begin_read().await?;
            let found = imports::identities_of(&mut tx, &ids).await?;
            tx.commit().await?;
            found
        } else {
            Vec::new()
        };
        for c in &page {
            let own: Vec<_> = identities.iter().filter(|i| i.contact_id == c.id).collect();
            rows.push(
                columns
                    .iter()
                    .map(|col| contact_cell(col, c, &own, &owners))
                    .collect(),
            );
        }
        match page.last() {
            Some(last) if page.len() as u64 == EXPORT_PAGE => before = Some(last.id),
            _ => break,
        }
    }
    let file = write_file(&stem(Entity::Contact), &columns, rows, req.format)?;
    let filters = json!({
        "q": query.q, "organisation_id": query.organisation_id, "owner_id": query.owner_id,
        "country": query.country, "tag": query.tag, "member_level": query.member_level,
        "source_channel": query.source_channel, "custom": query.custom,
    });
    record_export(app, actor, Entity::Contact, filters, &columns, &file).await?;
    Ok(file)
}

/// Every organisation the list filters select, with the chosen columns. Audited.
pub async fn export_organisations(
    app: &App,
    actor: &Actor,
    query: &OrganisationListQuery,
    req: &ExportRequest,
) -> AppResult<FileOut> {
    let (columns, owners) = export_setup(app, actor, Entity::Organisation, req).await?;
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let page = org_uc::list_organisations(app, actor, query, before, EXPORT_PAGE).await?;
        for o in &page {
            rows.push(
                columns
                    .iter()
                    .map(|col| organisation_cell(col, o, &owners))
                    .collect(),
            );
        }
        match page.last() {
            Some(last) if page.len() as u64 == EXPORT_PAGE => before = Some(last.id),
            _ => break,
        }
    }
    let file = write_file(&stem(Entity::Organisation), &columns, rows, req.format)?;
    let filters = json!({
        "q": query.q, "owner_id": query.owner_id, "country": query.country, "tag": query.tag,
        "member_level": query.member_level, "source_channel": query.source_channel,
        "custom": query.custom,
    });
    record_export(app, actor, Entity::Organisation, filters, &columns, &file).await?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn chinese_and_english_headers_are_recognised() {
        let m = suggest_mapping(
            Entity::Contact,
            &headers(&[
                "姓名",
                "手机",
                "E-mail",
                "公司名称",
                "微信",
                "QQ",
                "国家",
                "标签",
                "备用",
            ]),
            &[],
        );
        assert_eq!(m["姓名"], "name");
        assert_eq!(m["手机"], "phones");
        assert_eq!(m["E-mail"], "emails");
        assert_eq!(m["公司名称"], "organisation");
        assert_eq!(m["微信"], "wechat");
        assert_eq!(m["QQ"], "qq");
        assert_eq!(m["国家"], "country");
        assert_eq!(m["标签"], "tags");
        assert_eq!(m["备用"], "", "unknown headers are ignored");
        let o = suggest_mapping(
            Entity::Organisation,
            &headers(&["公司", "会员等级", "来源", "主营", "备注", "Time Zone"]),
            &[],
        );
        assert_eq!(o["公司"], "name");
        assert_eq!(o["会员等级"], "member_level");
        assert_eq!(o["来源"], "source_channel");
        assert_eq!(o["主营"], "products");
        assert_eq!(o["备注"], "notes");
        assert_eq!(o["Time Zone"], "");
    }

    #[test]
    fn export_headers_map_back_to_their_fields() {
        let cols = export_columns(Entity::Contact, &[]);
        let m = suggest_mapping(Entity::Contact, &cols, &[]);
        for f in fields(Entity::Contact, &[]) {
            assert_eq!(m[&f], f);
        }
    }

    #[test]
    fn a_cell_may_hold_several_values() {
        let v: Vec<&str> =
            split_list("138 0013 8000; 139-0013-9000/+1 415 555 0100，a、b\nc").collect();
        assert_eq!(
            v,
            [
                "138 0013 8000",
                "139-0013-9000",
                "+1 415 555 0100",
                "a",
                "b",
                "c"
            ]
        );
    }

    #[test]
    fn a_mapping_must_name_known_fields_and_the_name() {
        let mut m = BTreeMap::new();
        m.insert("x".to_owned(), "nope".to_owned());
        assert_eq!(
            check_mapping(Entity::Contact, &m, &[], false)
                .unwrap_err()
                .code,
            "unknown_field"
        );
        m.insert("x".to_owned(), "phones".to_owned());
        assert_eq!(
            check_mapping(Entity::Contact, &m, &[], true)
                .unwrap_err()
                .code,
            "name_not_mapped"
        );
    }
}
