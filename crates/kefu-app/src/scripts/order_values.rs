//! What an order gives scripts: its number, newest parcel (carrier, tracking number and
//! link), amount, items and address, written the way the body's language writes them.

use crate::AppResult;
use kefu_domain::order::logistics::tracking_link;
use kefu_domain::script::Variable;
use kefu_domain::{Currency, Money};
use kefu_store::Db;
use kefu_store::orders::{Address, OrderRow};

/// The script values of one order.
#[derive(Debug, Clone, Default)]
pub struct OrderValues {
    pub order_number: Option<String>,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    pub total: Option<(i64, String)>,
    /// (name, quantity) per line.
    pub items: Vec<(String, i64)>,
    pub address: Option<Address>,
}

impl OrderValues {
    /// The values of `order` (its items are read).
    pub async fn of(db: &Db, order: &OrderRow) -> AppResult<Self> {
        let items = kefu_store::orders::items(db, order.id).await?;
        Ok(Self {
            order_number: Some(order.order_number.clone()),
            tracking_number: order.last_tracking_number.clone(),
            carrier: order.last_carrier.clone(),
            total: Some((order.total, order.currency.clone())),
            items: items.into_iter().map(|i| (i.name, i.quantity)).collect(),
            address: order.address.as_ref().map(|a| a.0.clone()),
        })
    }

    /// The value of an order variable in `language`; `None` for other variables and
    /// for what the order does not have.
    pub fn get(&self, v: Variable, language: &str) -> Option<String> {
        match v {
            Variable::OrderNumber => self.order_number.clone(),
            Variable::TrackingNumber => self.tracking_number.clone(),
            Variable::Carrier => self.carrier.clone(),
            Variable::Amount => self.total.as_ref().map(|(minor, c)| amount(*minor, c)),
            Variable::Items => Some(items(&self.items, language)).filter(|s| !s.is_empty()),
            Variable::TrackingLink => self
                .tracking_number
                .as_ref()
                .map(|n| tracking_link(self.carrier.as_deref().unwrap_or_default(), n)),
            Variable::Address => self
                .address
                .as_ref()
                .map(|a| address(a, language))
                .filter(|s| !s.is_empty()),
            _ => None,
        }
    }
}

fn part(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn chinese(language: &str) -> bool {
    language.to_ascii_lowercase().starts_with("zh")
}

/// An amount in minor units as money (`206.50 CNY`, `6440 JPY`).
pub fn amount(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::new(minor, c).to_string(),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// The lines of an order as `name × quantity`, joined as the language lists things.
pub fn items(lines: &[(String, i64)], language: &str) -> String {
    let sep = if chinese(language) { "、" } else { ", " };
    lines
        .iter()
        .map(|(name, qty)| format!("{} × {qty}", name.trim()))
        .collect::<Vec<_>>()
        .join(sep)
}

/// An address on one line: Chinese from the province down, others from the street up.
/// The recipient's name is kept; their phone is not (agents see phones masked).
pub fn address(a: &Address, language: &str) -> String {
    if chinese(language) {
        let place: String = [&a.province, &a.city, &a.district, &a.line]
            .into_iter()
            .filter_map(part)
            .collect();
        return match part(&a.recipient) {
            Some(r) if !place.is_empty() => format!("{place}，{r}"),
            Some(r) => r.to_owned(),
            None => place,
        };
    }
    let city_line = [part(&a.city), part(&a.province), part(&a.postcode)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    [
        part(&a.recipient),
        part(&a.line),
        part(&a.district),
        Some(city_line.as_str()).filter(|s| !s.is_empty()),
        part(&a.country),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hangzhou() -> Address {
        Address {
            recipient: Some("王芳".into()),
            phone: Some("13800138000".into()),
            country: Some("CN".into()),
            province: Some("浙江省".into()),
            city: Some("杭州市".into()),
            district: Some("西湖区".into()),
            line: Some("文三路 100 号".into()),
            postcode: Some("310000".into()),
        }
    }

    fn values() -> OrderValues {
        OrderValues {
            order_number: Some("E1001".into()),
            tracking_number: Some("UPS123".into()),
            carrier: Some("UPS".into()),
            total: Some((20_650, "CNY".into())),
            items: vec![("蓝牙耳机".into(), 2), ("耳机套".into(), 1)],
            address: Some(hangzhou()),
        }
    }

    #[test]
    fn an_order_fills_carrier_amount_items_link_and_address() {
        let v = values();
        assert_eq!(v.get(Variable::Carrier, "zh-CN").as_deref(), Some("UPS"));
        assert_eq!(
            v.get(Variable::Amount, "zh-CN").as_deref(),
            Some("206.50 CNY")
        );
        assert_eq!(
            v.get(Variable::Items, "zh-CN").as_deref(),
            Some("蓝牙耳机 × 2、耳机套 × 1")
        );
        assert_eq!(
            v.get(Variable::Items, "en").as_deref(),
            Some("蓝牙耳机 × 2, 耳机套 × 1")
        );
        assert_eq!(
            v.get(Variable::TrackingLink, "en").as_deref(),
            Some("https://www.ups.com/track?tracknum=UPS123")
        );
        assert_eq!(
            v.get(Variable::Address, "zh-CN").as_deref(),
            Some("浙江省杭州市西湖区文三路 100 号，王芳")
        );
        assert_eq!(
            v.get(Variable::CustomerName, "en"),
            None,
            "not an order value"
        );
    }

    #[test]
    fn addresses_abroad_read_from_the_street_up_without_the_phone() {
        let a = Address {
            recipient: Some("Anna Smirnova".into()),
            phone: Some("+7 912 000 00 00".into()),
            country: Some("RU".into()),
            province: None,
            city: Some("Moscow".into()),
            district: None,
            line: Some("Tverskaya 1-5".into()),
            postcode: Some("125009".into()),
        };
        assert_eq!(
            address(&a, "ru"),
            "Anna Smirnova, Tverskaya 1-5, Moscow 125009, RU"
        );
        assert!(!address(&hangzhou(), "zh-CN").contains("138"));
    }

    #[test]
    fn what_an_order_lacks_stays_missing() {
        let v = OrderValues {
            order_number: Some("E1".into()),
            total: Some((6_440, "JPY".into())),
            ..OrderValues::default()
        };
        assert_eq!(v.get(Variable::Amount, "ja").as_deref(), Some("6440 JPY"));
        for missing in [
            Variable::TrackingNumber,
            Variable::Carrier,
            Variable::TrackingLink,
            Variable::Items,
            Variable::Address,
        ] {
            assert_eq!(v.get(missing, "zh-CN"), None, "{missing:?}");
        }
        let blank = Address::default();
        let v = OrderValues {
            address: Some(blank),
            ..OrderValues::default()
        };
        assert_eq!(v.get(Variable::Address, "en"), None);
    }
}
