//! Which field each column of a file fills: the fields, the mapping suggested from
//! headers in Chinese and English, saved mappings, and a row's cells by field.

use super::Entity;
use crate::archive::custom_value;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Name, Permission};
use kefu_sheets::Row;
use kefu_store::fields::{ChoiceRow, CustomFieldRow};
use kefu_store::imports::{self, MappingRow};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

pub(super) const HANDLES: [&str; 8] = [
    "wechat", "qq", "whatsapp", "skype", "line", "telegram", "facebook", "other",
];

/// Fields a contact column can map to (besides `custom.<key>`), with the header names
/// (Chinese and English, compared without case, spaces or punctuation) suggested for each.
#[rustfmt::skip]
const CONTACT_FIELDS: &[(&str, &[&str])] = &[
    ("name", &["姓名", "联系人", "名字", "客户姓名", "联系人姓名", "fullname", "contact", "contactname"]),
    ("title", &["职位", "职务", "头衔", "jobtitle", "position"]),
    ("organisation", &["公司", "企业", "公司名称", "企业名称", "单位", "所属公司", "company", "companyname", "organization"]),
    ("phones", &["手机", "电话", "手机号", "手机号码", "电话号码", "联系电话", "座机", "phone", "mobile", "tel", "telephone", "cell"]),
    ("emails", &["邮箱", "电子邮件", "电子邮箱", "邮件", "email", "mail"]),
    ("wechat", &["微信", "微信号", "weixin"]),
    ("qq", &["qq号", "qq号码"]),
    ("whatsapp", &[]), ("skype", &[]), ("line", &[]), ("telegram", &[]), ("facebook", &[]), ("other", &[]),
    ("language", &["语言", "lang"]),
    ("country", &["国家", "国家地区", "国家或地区"]),
    ("time_zone", &["时区", "tz"]),
    ("tags", &["标签", "tag"]),
    ("owner_email", &["负责人", "负责人邮箱", "归属人", "owner"]),
    ("consent_call", &["同意来电"]),
    ("consent_message", &["同意消息"]),
    ("consent_email", &["同意邮件"]),
];

#[rustfmt::skip]
const ORGANISATION_FIELDS: &[(&str, &[&str])] = &[
    ("name", &["公司", "企业", "公司名称", "企业名称", "名称", "客户名称", "company", "companyname", "organisation", "organization"]),
    ("registration_no", &["注册号", "工商注册号", "统一社会信用代码", "registrationnumber"]),
    ("tax_no", &["税号", "纳税人识别号", "taxnumber", "vat", "vatnumber"]),
    ("address", &["地址", "公司地址"]),
    ("country", &["国家", "国家地区", "国家或地区"]),
    ("products", &["主营", "主营品种", "主营产品", "主营业务", "product"]),
    ("member_level", &["会员等级", "等级", "会员级别", "level"]),
    ("source_channel", &["来源", "来源渠道", "客户来源", "source", "channel"]),
    ("owner_email", &["负责人", "负责人邮箱", "归属人", "owner"]),
    ("tags", &["标签", "tag"]),
    ("notes", &["备注", "说明", "note", "remark", "remarks", "comment"]),
];

/// Fields an order row maps to: one row per item, the order's own fields repeated or
/// given once (headers of Taobao/Tmall, JD and Shopify exports are recognised).
#[rustfmt::skip]
pub(super) const ORDER_FIELDS: &[(&str, &[&str])] = &[
    ("order_number", &["订单编号", "订单号", "主订单编号", "订单id", "ordernumber", "orderid", "orderno", "name"]),
    ("store", &["店铺", "店铺名称", "店铺名", "store", "storename", "shop", "shopname"]),
    ("buyer_name", &["买家", "买家姓名", "买家会员名", "买家昵称", "客户姓名", "buyer", "buyername", "customer", "billingname"]),
    ("buyer_phone", &["买家手机", "买家电话", "手机", "联系手机", "联系电话", "buyerphone", "phone"]),
    ("buyer_email", &["买家邮箱", "邮箱", "email", "buyeremail"]),
    ("payment_state", &["付款状态", "支付状态", "paymentstatus", "financialstatus", "paymentstate"]),
    ("fulfilment_state", &["发货状态", "订单状态", "物流状态", "fulfillmentstatus", "fulfilmentstatus", "fulfilmentstate"]),
    ("currency", &["币种", "货币"]),
    ("placed_at", &["下单时间", "订单创建时间", "创建时间", "createdat", "ordertime", "placedat"]),
    ("paid_at", &["付款时间", "订单付款时间", "支付时间", "paidat"]),
    ("updated_at", &["更新时间", "修改时间", "updatedat"]),
    ("sku", &["商家编码", "商品编码", "货号", "sku", "lineitemsku"]),
    ("item_name", &["商品名称", "宝贝标题", "商品标题", "商品", "itemname", "product", "productname", "lineitemname", "title"]),
    ("spec", &["商品属性", "规格", "销售属性", "颜色尺码", "spec", "variant", "options"]),
    ("quantity", &["数量", "购买数量", "宝贝数量", "qty", "quantity", "lineitemquantity"]),
    ("unit_price", &["单价", "价格", "商品价格", "unitprice", "price", "lineitemprice"]),
    ("line_total", &["小计", "金额小计", "linetotal", "subtotal"]),
    ("shipping_fee", &["运费", "邮费", "shipping", "shippingfee"]),
    ("discount", &["优惠", "优惠金额", "折扣", "discount", "discountamount"]),
    ("total", &["订单金额", "总金额", "实付金额", "买家实际支付金额", "total", "ordertotal"]),
    ("paid", &["已付金额", "实收金额", "paid", "paidamount"]),
    ("refunded", &["退款金额", "refunded", "refundedamount"]),
    ("recipient", &["收货人", "收货人姓名", "收件人", "recipient", "shippingname"]),
    ("address_phone", &["收货人电话", "收货人手机", "收件人电话", "shippingphone"]),
    ("country", &["国家", "国家地区", "country", "shippingcountry"]),
    ("province", &["省", "省份", "province", "state", "shippingprovince"]),
    ("city", &["城市", "市", "city", "shippingcity"]),
    ("district", &["区", "区县", "district"]),
    ("address", &["收货地址", "详细地址", "地址", "address", "shippingaddress", "shippingaddress1"]),
    ("postcode", &["邮编", "邮政编码", "postcode", "zip", "shippingzip"]),
    ("buyer_remark", &["买家留言", "买家备注", "buyerremark", "notes", "note"]),
    ("seller_remark", &["卖家备注", "商家备注", "sellerremark"]),
    ("flag", &["旗帜", "旗帜颜色", "flag"]),
];

/// Fields a review row maps to (Taobao/Tmall review exports recognised).
#[rustfmt::skip]
const REVIEW_FIELDS: &[(&str, &[&str])] = &[
    ("order_number", &["订单编号", "订单号", "子订单编号", "ordernumber", "orderid"]),
    ("store", &["店铺", "店铺名称", "店铺名", "store", "storename", "shop"]),
    ("source_id", &["评价id", "评价编号", "评论id", "reviewid"]),
    ("rating", &["评分", "星级", "评价等级", "评价结果", "rating", "stars"]),
    ("text", &["评价内容", "评论内容", "初评内容", "review", "comment", "content", "text"]),
    ("images", &["评价图片", "图片", "晒图", "images", "pictures", "photos"]),
    ("reviewed_at", &["评价时间", "评论时间", "reviewedat", "reviewdate", "date"]),
];

fn field_table(entity: Entity) -> &'static [(&'static str, &'static [&'static str])] {
    match entity {
        Entity::Contact => CONTACT_FIELDS,
        Entity::Organisation => ORGANISATION_FIELDS,
        Entity::Order => ORDER_FIELDS,
        Entity::Review => REVIEW_FIELDS,
    }
}

/// A header reduced for comparison: lower case, letters and digits only.
pub(super) fn normalise(header: &str) -> String {
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
pub(super) fn check_mapping(
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
    if !need_name {
        return Ok(());
    }
    let required: &[(&str, &str)] = match entity {
        Entity::Order => &[("order_number", "order number"), ("store", "store name")],
        Entity::Review => &[
            ("order_number", "order number"),
            ("store", "store name"),
            ("rating", "rating"),
        ],
        _ => &[],
    };
    if !required.is_empty() {
        for (field, what) in required {
            if !mapping.values().any(|f| f == field) {
                return Err(Invalid::new(
                    "mapping",
                    "field_not_mapped",
                    format!("choose the column that holds the {what}"),
                ));
            }
        }
    } else if !mapping.values().any(|f| f == "name") {
        return Err(Invalid::new(
            "mapping",
            "name_not_mapped",
            "choose the column that holds the name",
        ));
    }
    Ok(())
}

pub(super) fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split([';', ',', '/', '\n', '\r', '；', '，', '、'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

pub(super) fn yes(s: &str) -> bool {
    matches!(
        s.trim().to_lowercase().as_str(),
        "1" | "y" | "yes" | "true" | "x" | "是" | "同意" | "√" | "✓"
    )
}

/// One row's cells by field.
pub(super) struct Values<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Values<'a> {
    pub(super) fn of(columns: &'a [Option<String>], row: &'a Row) -> Self {
        Values(
            columns
                .iter()
                .zip(&row.cells)
                .filter_map(|(f, cell)| Some((f.as_deref()?, cell.as_str())))
                .filter(|(_, cell)| !cell.is_empty())
                .collect(),
        )
    }

    pub(super) fn first(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| (*c).to_owned())
    }

    pub(super) fn list(&self, field: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| *f == field)
            .flat_map(|(_, c)| split_list(c))
            .map(str::to_owned)
            .collect()
    }

    pub(super) fn custom(&self, defs: &[CustomFieldRow]) -> Result<Map<String, Value>, Invalid> {
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
pub(super) struct Context {
    pub(super) entity: Entity,
    /// The file's column headers, to name a column in an error.
    pub(super) headers: Vec<String>,
    /// The field of each column (`None`: ignored).
    pub(super) columns: Vec<Option<String>>,
    pub(super) defs: Vec<CustomFieldRow>,
    /// Users by lower-case email, for `owner_email`.
    pub(super) owners: HashMap<String, i64>,
    pub(super) choices: Vec<ChoiceRow>,
}

impl Context {
    pub(super) async fn load(
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
            headers: headers.to_vec(),
            columns,
            defs,
            owners,
            choices,
        })
    }

    pub(super) fn owner(&self, email: Option<String>) -> Result<Option<i64>, Invalid> {
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

    /// The header of the (first) column mapped to `field`.
    pub(super) fn column_of(&self, field: &str) -> Option<&str> {
        self.columns
            .iter()
            .position(|c| c.as_deref() == Some(field))
            .and_then(|i| self.headers.get(i))
            .map(String::as_str)
    }

    /// A choice given by key or by its English or Chinese label, as its key.
    pub(super) fn choice(&self, kind: &str, given: Option<String>) -> Option<String> {
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
