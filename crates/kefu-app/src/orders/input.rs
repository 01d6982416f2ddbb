//! An order as a bridge, webhook or file sends it, validated into values kefu keeps:
//! amounts in minor units, states from their lists, times read in the store's time zone.

use crate::archive::present;
use kefu_domain::order::{FlagColour, FulfilmentState, PaymentState, parse_number};
use kefu_domain::{CountryCode, Currency, EmailAddress, Invalid, Money, PhoneE164};
use kefu_store::orders::{Address, ItemFields, OrderFields};
use kefu_store::stores::StoreRow;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Most items one order carries.
pub const MAX_ITEMS: usize = 500;
const MAX_TEXT: usize = 1000;

/// Who bought: matched in the customer archive by handle, phone or email, else created.
#[derive(Debug, Default, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BuyerInput {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Read in the shipping address's country (else China) when it has no `+country`.
    pub phone: Option<String>,
    /// The buyer's account on a marketplace or messaging app.
    pub handle: Option<HandleRef>,
}

/// A marketplace or messaging account: `kind` (`taobao`, `jd`, `amazon`, `wechat` …) and its id.
#[derive(Debug, Default, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HandleRef {
    pub kind: String,
    pub value: String,
}

/// One line of an order. Prices are integer minor units of the order's currency.
#[derive(Debug, Default, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    pub sku: Option<String>,
    pub name: String,
    /// The variant (颜色:黑色; 尺码:XL).
    pub spec: Option<String>,
    pub quantity: i64,
    pub unit_price_minor: i64,
    /// Defaults to quantity × unit price.
    pub line_total_minor: Option<i64>,
}

/// An order as its source has it. Sending the same order again changes nothing; a
/// changed order (paid, shipped, refunded …) updates the stored one; one whose
/// `updated_at` is older than the stored one's is ignored. Amounts are integer minor
/// units (fen, cents) of `currency` (default: the store's). Times are RFC 3339, or
/// `2026-11-23 10:05[:00]` read in the store's time zone.
#[derive(Debug, Default, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderInput {
    pub order_number: String,
    #[serde(default)]
    pub buyer: BuyerInput,
    /// `unpaid` (default), `partially_paid`, `paid`, `partially_refunded`, `refunded`.
    pub payment_state: Option<String>,
    /// `unshipped` (default), `partially_shipped`, `shipped`, `delivered`, `cancelled`, `returned`.
    pub fulfilment_state: Option<String>,
    pub currency: Option<String>,
    #[serde(default)]
    pub items: Vec<ItemInput>,
    /// Defaults to the sum of the items' line totals.
    pub items_total_minor: Option<i64>,
    pub shipping_fee_minor: Option<i64>,
    pub discount_minor: Option<i64>,
    /// Defaults to items + shipping − discount.
    pub total_minor: Option<i64>,
    /// Defaults to the total once paid.
    pub paid_minor: Option<i64>,
    /// Defaults to the total when refunded.
    pub refunded_minor: Option<i64>,
    /// When the buyer placed it (default: when kefu first saw it).
    pub placed_at: Option<String>,
    pub paid_at: Option<String>,
    pub address: Option<Address>,
    pub buyer_remark: Option<String>,
    /// The seller's note (红旗备注) beside `flag`.
    pub seller_remark: Option<String>,
    /// `red`, `yellow`, `green`, `blue` or `purple`.
    pub flag: Option<String>,
    /// The source's time of its last change to the order.
    pub updated_at: Option<String>,
}

/// The buyer's identities, normalised (kind, value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidBuyer {
    pub name: Option<String>,
    /// Most telling first: handle, phone, email.
    pub identities: Vec<(String, String)>,
}

/// An order ready to store (its buyer still to be matched).
#[derive(Debug, Clone)]
pub struct ValidOrder {
    pub fields: OrderFields,
    pub items: Vec<ItemFields>,
    pub buyer: ValidBuyer,
    /// Whether `placed_at` was given (else kept as stored, or now for a new order).
    pub placed_given: bool,
}

fn text(field: &'static str, v: &Option<String>, max: usize) -> Result<Option<String>, Invalid> {
    match present(v) {
        Some(t) if t.chars().count() > max => Err(Invalid::new(
            field,
            "too_long",
            format!("at most {max} characters"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// A time as RFC 3339, or as a wall-clock time in `tz`.
pub fn parse_time(field: &'static str, input: &str, tz: &str) -> Result<i64, Invalid> {
    let s = input.trim();
    let bad = || {
        Invalid::new(
            field,
            "invalid_time",
            format!("'{input}' is not a time; write 2026-11-23T10:05:00+08:00 or 2026-11-23 10:05"),
        )
    };
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let normalised = s.replace('/', "-");
    let civil = normalised
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            normalised
                .parse::<jiff::civil::Date>()
                .map(|d| d.at(0, 0, 0, 0))
        })
        .map_err(|_| bad())?;
    let zone = jiff::tz::TimeZone::get(tz).map_err(|_| bad())?;
    let zoned = civil.to_zoned(zone).map_err(|_| bad())?;
    Ok(zoned.timestamp().as_millisecond())
}

fn time(field: &'static str, v: &Option<String>, tz: &str) -> Result<Option<i64>, Invalid> {
    present(v).map(|t| parse_time(field, t, tz)).transpose()
}

fn amount(field: &'static str, v: i64) -> Result<i64, Invalid> {
    if v < 0 {
        return Err(Invalid::new(
            field,
            "negative_amount",
            "amounts are zero or more (minor units)",
        ));
    }
    Ok(v)
}

fn overflow(field: &'static str) -> Invalid {
    Invalid::new(field, "amount_too_large", "the amount is too large")
}

fn item(i: &ItemInput, currency: Currency) -> Result<ItemFields, Invalid> {
    let name = text("items", &Some(i.name.clone()), 200)?
        .ok_or_else(|| Invalid::new("items", "item_name_missing", "every item needs its name"))?;
    if !(1..=1_000_000).contains(&i.quantity) {
        return Err(Invalid::new(
            "items",
            "invalid_quantity",
            format!("the quantity of {name} must be 1 to 1,000,000"),
        ));
    }
    let unit = Money::new(amount("items", i.unit_price_minor)?, currency);
    let line_total = match i.line_total_minor {
        Some(t) => amount("items", t)?,
        None => {
            unit.checked_times(i.quantity)
                .ok_or_else(|| overflow("items"))?
                .minor
        }
    };
    Ok(ItemFields {
        sku: text("items", &i.sku, 100)?,
        name,
        spec: text("items", &i.spec, 200)?,
        quantity: i.quantity,
        unit_price: unit.minor,
        line_total,
    })
}

fn address(a: &Option<Address>) -> Result<Option<Address>, Invalid> {
    let Some(a) = a else { return Ok(None) };
    let f = |v: &Option<String>| text("address", v, 200);
    let out = Address {
        recipient: f(&a.recipient)?,
        phone: f(&a.phone)?,
        country: present(&a.country)
            .map(CountryCode::parse)
            .transpose()?
            .map(|c| c.as_str().to_owned()),
        province: f(&a.province)?,
        city: f(&a.city)?,
        district: f(&a.district)?,
        line: f(&a.line)?,
        postcode: f(&a.postcode)?,
    };
    Ok((out != Address::default()).then_some(out))
}

/// A buyer's identities, normalised; phones without `+country` are read in `region`.
pub(crate) fn buyer(b: &BuyerInput, region: &str) -> Result<ValidBuyer, Invalid> {
    let mut identities = Vec::new();
    if let Some(h) = &b.handle {
        let kind = h.kind.trim().to_lowercase();
        let value = h.value.trim();
        let kind_ok = (2..=32).contains(&kind.len())
            && kind
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
            && !["phone", "email", "widget_visitor", "api"].contains(&kind.as_str());
        if !kind_ok || value.is_empty() || value.chars().count() > 100 {
            return Err(Invalid::new(
                "buyer",
                "invalid_handle",
                "a buyer handle has a kind such as taobao, jd, amazon or wechat and an id of 1 to 100 characters",
            ));
        }
        identities.push((kind, value.to_owned()));
    }
    if let Some(p) = present(&b.phone) {
        identities.push((
            "phone".into(),
            PhoneE164::parse(p, region)?.as_str().to_owned(),
        ));
    }
    if let Some(e) = present(&b.email) {
        identities.push(("email".into(), EmailAddress::parse(e)?.as_str().to_owned()));
    }
    Ok(ValidBuyer {
        name: text("buyer", &b.name, 100)?,
        identities,
    })
}

struct Amounts {
    items_total: i64,
    shipping: i64,
    discount: i64,
    total: i64,
    paid: i64,
    refunded: i64,
}

fn amounts(
    input: &OrderInput,
    items: &[ItemFields],
    currency: Currency,
    payment: PaymentState,
) -> Result<Amounts, Invalid> {
    let sum = items.iter().try_fold(Money::zero(currency), |acc, i| {
        acc.checked_add(Money::new(i.line_total, currency))
    });
    let items_total = match input.items_total_minor {
        Some(v) => amount("items_total_minor", v)?,
        None => sum.ok_or_else(|| overflow("items_total_minor"))?.minor,
    };
    let shipping = amount("shipping_fee_minor", input.shipping_fee_minor.unwrap_or(0))?;
    let discount = amount("discount_minor", input.discount_minor.unwrap_or(0))?;
    let total = match input.total_minor {
        Some(v) => amount("total_minor", v)?,
        None => Money::new(items_total, currency)
            .checked_add(Money::new(shipping, currency))
            .and_then(|m| m.checked_sub(Money::new(discount, currency)))
            .ok_or_else(|| overflow("total_minor"))?
            .minor
            .max(0),
    };
    let settled = !matches!(payment, PaymentState::Unpaid | PaymentState::PartiallyPaid);
    let paid = amount(
        "paid_minor",
        input.paid_minor.unwrap_or(if settled { total } else { 0 }),
    )?;
    let refunded = amount(
        "refunded_minor",
        input
            .refunded_minor
            .unwrap_or(if payment == PaymentState::Refunded {
                paid
            } else {
                0
            }),
    )?;
    if refunded > paid {
        return Err(Invalid::new(
            "refunded_minor",
            "refund_exceeds_payment",
            "more is refunded than was paid",
        ));
    }
    Ok(Amounts {
        items_total,
        shipping,
        discount,
        total,
        paid,
        refunded,
    })
}

/// Validates an order of `store`; nothing needs the database.
pub fn validate(input: &OrderInput, store: &StoreRow) -> Result<ValidOrder, Invalid> {
    let order_number = parse_number("order_number", &input.order_number)?;
    let currency = match present(&input.currency) {
        Some(c) => Currency::parse(c)?,
        None => Currency::parse(&store.currency)?,
    };
    let payment = present(&input.payment_state)
        .map(PaymentState::parse)
        .transpose()?
        .unwrap_or(PaymentState::Unpaid);
    let fulfilment = present(&input.fulfilment_state)
        .map(FulfilmentState::parse)
        .transpose()?
        .unwrap_or(FulfilmentState::Unshipped);
    if input.items.len() > MAX_ITEMS {
        return Err(Invalid::new(
            "items",
            "too_many_items",
            format!("an order has at most {MAX_ITEMS} items"),
        ));
    }
    let items = input
        .items
        .iter()
        .map(|i| item(i, currency))
        .collect::<Result<Vec<_>, _>>()?;
    let a = amounts(input, &items, currency, payment)?;
    let address = address(&input.address)?;
    let region = address
        .as_ref()
        .and_then(|a| a.country.clone())
        .unwrap_or_else(|| "CN".into());
    let buyer = buyer(&input.buyer, &region)?;
    let tz = store.time_zone.as_str();
    let placed_at = time("placed_at", &input.placed_at, tz)?;
    let mut fields = OrderFields {
        store_id: store.id,
        order_number,
        contact_id: None,
        buyer_name: buyer.name.clone(),
        payment_state: payment.as_str().to_owned(),
        fulfilment_state: fulfilment.as_str().to_owned(),
        currency: currency.as_str().to_owned(),
        items_total: a.items_total,
        shipping_fee: a.shipping,
        discount: a.discount,
        total: a.total,
        paid_amount: a.paid,
        refunded_amount: a.refunded,
        placed_at: placed_at.unwrap_or(0),
        paid_at: time("paid_at", &input.paid_at, tz)?,
        address,
        buyer_remark: text("buyer_remark", &input.buyer_remark, MAX_TEXT)?,
        seller_remark: text("seller_remark", &input.seller_remark, MAX_TEXT)?,
        flag: present(&input.flag)
            .map(FlagColour::parse)
            .transpose()?
            .map(|f| f.as_str().to_owned()),
        source_updated_at: time("updated_at", &input.updated_at, tz)?,
        content_hash: String::new(),
    };
    fields.content_hash = content_hash(&fields, &items, &buyer);
    Ok(ValidOrder {
        fields,
        items,
        buyer,
        placed_given: placed_at.is_some(),
    })
}

/// The hash of everything an order says (after normalising), so a repeated payload is
/// recognised whatever its spelling ("12.3" or "12.30", "RED" or "red").
fn content_hash(f: &OrderFields, items: &[ItemFields], buyer: &ValidBuyer) -> String {
    let items: Vec<_> = items
        .iter()
        .map(|i| {
            (
                &i.sku,
                &i.name,
                &i.spec,
                i.quantity,
                i.unit_price,
                i.line_total,
            )
        })
        .collect();
    let canonical = serde_json::json!([
        f.order_number,
        f.payment_state,
        f.fulfilment_state,
        f.currency,
        [
            f.items_total,
            f.shipping_fee,
            f.discount,
            f.total,
            f.paid_amount,
            f.refunded_amount
        ],
        f.placed_at,
        f.paid_at,
        f.address,
        f.buyer_remark,
        f.seller_remark,
        f.flag,
        f.source_updated_at,
        items,
        buyer.name,
        buyer.identities,
    ]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> StoreRow {
        StoreRow {
            id: 1,
            name: "丝施品牌店".into(),
            kind: "marketplace".into(),
            currency: "CNY".into(),
            time_zone: "Asia/Shanghai".into(),
            webhook_secret: "s".into(),
            reminder_delay_minutes: None,
            quiet_hours_start: "22:00".into(),
            quiet_hours_end: "08:00".into(),
            reminder_script_id: None,
            reminder_text: None,
            stale_after_days: 3,
            warehouse_webhook_url: None,
            change_done_text: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn order() -> OrderInput {
        OrderInput {
            order_number: "E20261123001".into(),
            items: vec![ItemInput {
                name: "蓝牙耳机".into(),
                quantity: 2,
                unit_price_minor: 9_950,
                ..Default::default()
            }],
            shipping_fee_minor: Some(1_000),
            discount_minor: Some(500),
            payment_state: Some("paid".into()),
            ..Default::default()
        }
    }

    #[test]
    fn totals_are_worked_out_in_minor_units_when_not_given() {
        let v = validate(&order(), &store()).unwrap();
        assert_eq!(v.items[0].line_total, 19_900);
        assert_eq!(v.fields.items_total, 19_900);
        assert_eq!(v.fields.total, 20_400);
        assert_eq!(v.fields.paid_amount, 20_400, "paid orders are paid in full");
        assert_eq!(v.fields.currency, "CNY");
    }

    #[test]
    fn the_same_order_spelled_differently_has_the_same_hash() {
        let a = validate(&order(), &store()).unwrap();
        let mut other = order();
        other.payment_state = Some(" PAID ".into());
        other.currency = Some("cny".into());
        let b = validate(&other, &store()).unwrap();
        assert_eq!(a.fields.content_hash, b.fields.content_hash);
        other.shipping_fee_minor = Some(0);
        let c = validate(&other, &store()).unwrap();
        assert_ne!(a.fields.content_hash, c.fields.content_hash);
    }

    #[test]
    fn wall_clock_times_are_read_in_the_store_s_time_zone() {
        let local = parse_time("placed_at", "2026-11-23 10:05", "Asia/Shanghai").unwrap();
        let exact = parse_time("placed_at", "2026-11-23T02:05:00Z", "Asia/Shanghai").unwrap();
        assert_eq!(local, exact);
        assert_eq!(
            parse_time("placed_at", "2026/11/23 10:05:00", "Asia/Shanghai").unwrap(),
            exact
        );
        assert!(parse_time("placed_at", "yesterday", "Asia/Shanghai").is_err());
    }

    #[test]
    fn bad_values_are_named() {
        let mut o = order();
        o.refunded_minor = Some(1_000_000);
        assert_eq!(
            validate(&o, &store()).unwrap_err().code,
            "refund_exceeds_payment"
        );
        let mut o = order();
        o.items[0].quantity = 0;
        assert_eq!(validate(&o, &store()).unwrap_err().code, "invalid_quantity");
        let mut o = order();
        o.buyer.phone = Some("12".into());
        assert_eq!(validate(&o, &store()).unwrap_err().code, "invalid_phone");
        let mut o = order();
        o.flag = Some("pink".into());
        assert_eq!(validate(&o, &store()).unwrap_err().code, "invalid_flag");
    }
}
