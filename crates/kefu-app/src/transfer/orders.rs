//! Importing orders: one row per order item, the order's own fields on its first row
//! or repeated. Rows are grouped by store and order number across the whole file and
//! stored through the same idempotent upsert as the API, so the same file twice
//! changes nothing and a changed row updates its order. A bad row is reported with
//! its line and column, and its order is not stored (never an order with an item
//! missing); the other orders are.

use super::mapping::{Context, Values};
use super::{Action, bad_row};
use crate::orders::input::{self, ValidOrder};
use crate::orders::upsert::{self, Outcome};
use crate::orders::{ItemInput, OrderInput};
use crate::{App, AppResult};
use kefu_domain::order::parse_number;
use kefu_domain::{Currency, Invalid, Money};
use kefu_sheets::Row;
use kefu_store::Tx;
use kefu_store::imports::{Counts, NewImportError};
use kefu_store::orders::{self as order_store, Address};
use kefu_store::stores::StoreRow;
use std::collections::{BTreeMap, HashMap};

/// The order's own fields (the same on every row of an order).
const ORDER_LEVEL: [&str; 25] = [
    "buyer_name",
    "buyer_phone",
    "buyer_email",
    "payment_state",
    "fulfilment_state",
    "currency",
    "placed_at",
    "paid_at",
    "updated_at",
    "shipping_fee",
    "discount",
    "total",
    "paid",
    "refunded",
    "recipient",
    "address_phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postcode",
    "buyer_remark",
    "seller_remark",
    "flag",
];

/// A row read: its order, the order's fields it gives, and its item.
struct RowRead {
    store: usize,
    number: String,
    level: BTreeMap<&'static str, String>,
    item: Option<ItemInput>,
}

/// The stores by name, loaded once per run.
pub(super) struct Stores(Vec<StoreRow>);

impl Stores {
    pub(super) async fn load(app: &App) -> AppResult<Self> {
        Ok(Self(kefu_store::stores::list(&app.db).await?))
    }

    pub(super) fn get(&self, index: usize) -> &StoreRow {
        &self.0[index]
    }

    pub(super) fn find(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.0.iter().position(|s| s.name == name).or_else(|| {
            self.0
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(name))
        })
    }
}

/// An error in a cell, naming its column.
fn cell_error(ctx: &Context, row: &Row, field: &str, e: &Invalid) -> NewImportError {
    let reason = match ctx.column_of(field) {
        Some(column) => format!("column \"{column}\": {}", e.message),
        None => e.message.clone(),
    };
    bad_row(row, e.code, reason)
}

/// The import field a validation error of an order is about.
fn field_of(e: &Invalid) -> &'static str {
    match (e.field, e.code) {
        (_, "invalid_quantity") => "quantity",
        ("items", "item_name_missing" | "too_long") => "item_name",
        ("items", _) => "unit_price",
        ("buyer", "invalid_handle") => "buyer_name",
        ("buyer", _) => "buyer_name",
        ("phone", _) => "buyer_phone",
        ("email", _) => "buyer_email",
        ("address" | "country", "invalid_country") => "country",
        ("address", _) => "address",
        ("shipping_fee_minor", _) => "shipping_fee",
        ("discount_minor", _) => "discount",
        ("total_minor" | "items_total_minor", _) => "total",
        ("paid_minor", _) => "paid",
        ("refunded_minor", _) => "refunded",
        (f, _) => f,
    }
}

/// Chinese marketplace words for payment and fulfilment states, as kefu's words.
fn state_word(field: &str, cell: &str) -> String {
    let word = match (field, cell.trim()) {
        ("payment_state", "已付款" | "已支付" | "已付" | "买家已付款") => "paid",
        ("payment_state", "未付款" | "待付款" | "等待买家付款") => "unpaid",
        ("payment_state", "部分付款") => "partially_paid",
        ("payment_state", "已退款" | "全额退款") => "refunded",
        ("payment_state", "部分退款") => "partially_refunded",
        ("fulfilment_state", "未发货" | "待发货" | "买家已付款，等待卖家发货") => {
            "unshipped"
        }
        ("fulfilment_state", "部分发货") => "partially_shipped",
        ("fulfilment_state", "已发货" | "卖家已发货" | "卖家已发货，等待买家确认") => {
            "shipped"
        }
        ("fulfilment_state", "已签收" | "已收货" | "交易成功") => "delivered",
        ("fulfilment_state", "已取消" | "交易关闭") => "cancelled",
        ("fulfilment_state", "已退货") => "returned",
        (_, other) => other,
    };
    word.to_owned()
}

fn amount(
    level: &BTreeMap<&str, String>,
    field: &'static str,
    currency: Currency,
) -> Result<Option<i64>, (&'static str, Invalid)> {
    level
        .get(field)
        .map(|v| Money::parse(v, currency).map(|m| m.minor))
        .transpose()
        .map_err(|e| (field, e))
}

/// The order an order's fields and items make; an error names the field it is about.
fn order_input(
    number: &str,
    level: &BTreeMap<&'static str, String>,
    items: Vec<ItemInput>,
    store: &StoreRow,
) -> Result<OrderInput, (&'static str, Invalid)> {
    let currency = Currency::parse(
        level
            .get("currency")
            .map_or(store.currency.as_str(), String::as_str),
    )
    .map_err(|e| ("currency", e))?;
    let get = |f: &str| level.get(f).cloned();
    let address = Address {
        recipient: get("recipient"),
        phone: get("address_phone"),
        country: get("country"),
        province: get("province"),
        city: get("city"),
        district: get("district"),
        line: get("address"),
        postcode: get("postcode"),
    };
    Ok(OrderInput {
        order_number: number.to_owned(),
        buyer: crate::orders::BuyerInput {
            name: get("buyer_name"),
            email: get("buyer_email"),
            phone: get("buyer_phone"),
            handle: None,
        },
        payment_state: get("payment_state").map(|s| state_word("payment_state", &s)),
        fulfilment_state: get("fulfilment_state").map(|s| state_word("fulfilment_state", &s)),
        currency: Some(currency.as_str().to_owned()),
        items,
        items_total_minor: None,
        shipping_fee_minor: amount(level, "shipping_fee", currency)?,
        discount_minor: amount(level, "discount", currency)?,
        total_minor: amount(level, "total", currency)?,
        paid_minor: amount(level, "paid", currency)?,
        refunded_minor: amount(level, "refunded", currency)?,
        placed_at: get("placed_at"),
        paid_at: get("paid_at"),
        address: (address != Address::default()).then_some(address),
        buyer_remark: get("buyer_remark"),
        seller_remark: get("seller_remark"),
        flag: get("flag"),
        updated_at: get("updated_at"),
    })
}

fn item(v: &Values, currency: Currency) -> Result<Option<ItemInput>, (&'static str, Invalid)> {
    let name = v.first("item_name");
    let given = ["sku", "spec", "quantity", "unit_price", "line_total"]
        .iter()
        .any(|f| v.first(f).is_some());
    let Some(name) = name else {
        if given {
            return Err((
                "item_name",
                Invalid::new(
                    "items",
                    "item_name_missing",
                    "the row has an item without its name",
                ),
            ));
        }
        return Ok(None);
    };
    let quantity = match v.first("quantity") {
        None => 1,
        Some(q) => q.trim().parse::<i64>().map_err(|_| {
            (
                "quantity",
                Invalid::new(
                    "items",
                    "invalid_quantity",
                    format!("'{q}' is not a whole number of items"),
                ),
            )
        })?,
    };
    let money = |f: &'static str| {
        v.first(f)
            .map(|c| Money::parse(&c, currency).map(|m| m.minor))
            .transpose()
            .map_err(|e| (f, e))
    };
    Ok(Some(ItemInput {
        sku: v.first("sku"),
        name,
        spec: v.first("spec"),
        quantity,
        unit_price_minor: money("unit_price")?.unwrap_or(0),
        line_total_minor: money("line_total")?,
    }))
}

/// The order a row belongs to (store and number), when it names them readably.
fn key_of(ctx: &Context, stores: &Stores, row: &Row) -> Option<(usize, String)> {
    let v = Values::of(&ctx.columns, row);
    let number = parse_number("order_number", &v.first("order_number")?).ok()?;
    Some((stores.find(&v.first("store")?)?, number))
}

/// Reads one row and checks it alone, as the order it would be by itself.
fn read_row(ctx: &Context, stores: &Stores, row: &Row) -> Result<RowRead, NewImportError> {
    let v = Values::of(&ctx.columns, row);
    let err = |field: &str, e: Invalid| cell_error(ctx, row, field, &e);
    let number = parse_number("order_number", &v.first("order_number").unwrap_or_default())
        .map_err(|e| err("order_number", e))?;
    let name = v.first("store").unwrap_or_default();
    let store = stores.find(&name).ok_or_else(|| {
        let message = if name.is_empty() {
            "the row does not name its store".to_owned()
        } else {
            format!("there is no store named '{name}'; create it first or correct the name")
        };
        err("store", Invalid::new("store", "unknown_store", message))
    })?;
    let level: BTreeMap<&'static str, String> = ORDER_LEVEL
        .iter()
        .filter_map(|f| Some((*f, v.first(f)?)))
        .collect();
    let s = &stores.0[store];
    let currency = Currency::parse(
        level
            .get("currency")
            .map_or(s.currency.as_str(), String::as_str),
    )
    .map_err(|e| err("currency", e))?;
    let item = item(&v, currency).map_err(|(f, e)| err(f, e))?;
    let alone = order_input(&number, &level, item.iter().cloned().collect(), s)
        .map_err(|(f, e)| err(f, e))?;
    input::validate(&alone, s).map_err(|e| err(field_of(&e), e))?;
    Ok(RowRead {
        store,
        number,
        level,
        item,
    })
}

/// An order of the file: its rows (by index in the batch) and what they make.
struct Group {
    rows: Vec<usize>,
    order: Result<ValidOrder, NewImportError>,
}

/// Groups a run of rows into orders by store and number, keeping file order.
fn group(
    ctx: &Context,
    stores: &Stores,
    rows: &[Row],
) -> (Vec<Option<NewImportError>>, Vec<(usize, Group)>) {
    let mut errors: Vec<Option<NewImportError>> = vec![None; rows.len()];
    let mut reads: Vec<Option<RowRead>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        match read_row(ctx, stores, row) {
            Ok(r) => reads.push(Some(r)),
            Err(e) => {
                errors[i] = Some(e);
                reads.push(None);
            }
        }
    }
    // A bad row joins its order too (when it names it), so that order is not stored
    // without it.
    let mut order_of: HashMap<(usize, String), usize> = HashMap::new();
    let mut members: Vec<((usize, String), Vec<usize>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let key = match &reads[i] {
            Some(r) => (r.store, r.number.clone()),
            None => match key_of(ctx, stores, row) {
                Some(k) => k,
                None => continue,
            },
        };
        let g = *order_of.entry(key.clone()).or_insert_with(|| {
            members.push((key, Vec::new()));
            members.len() - 1
        });
        members[g].1.push(i);
    }
    let mut groups = Vec::new();
    for (key, idx) in members {
        let order = merge(ctx, stores, rows, &reads, (&key, &idx), &mut errors);
        groups.push((key.0, Group { rows: idx, order }));
    }
    (errors, groups)
}

/// One order from its rows: the order's fields must agree from row to row, and a bad
/// row keeps the whole order out.
fn merge(
    ctx: &Context,
    stores: &Stores,
    rows: &[Row],
    reads: &[Option<RowRead>],
    ((store, number), idx): (&(usize, String), &[usize]),
    errors: &mut [Option<NewImportError>],
) -> Result<ValidOrder, NewImportError> {
    let first = idx[0];
    let mut level: BTreeMap<&'static str, (String, usize)> = BTreeMap::new();
    let mut items = Vec::new();
    for &i in idx {
        let Some(r) = &reads[i] else { continue };
        for (f, value) in &r.level {
            match level.get(f) {
                Some((earlier, line)) if earlier != value => {
                    let e = Invalid::new(
                        "order",
                        "conflicting_value",
                        format!(
                            "'{value}' differs from '{earlier}' on line {line} of the same order"
                        ),
                    );
                    errors[i] = Some(cell_error(ctx, &rows[i], f, &e));
                }
                Some(_) => {}
                None => {
                    level.insert(f, (value.clone(), rows[i].line));
                }
            }
        }
        items.extend(r.item.clone());
    }
    if let Some(bad) = idx.iter().find(|i| errors[**i].is_some()) {
        let line = rows[*bad].line;
        for &i in idx {
            errors[i].get_or_insert_with(|| {
                bad_row(
                    &rows[i],
                    "order_has_bad_rows",
                    format!("order {number} is not imported: line {line} has an error"),
                )
            });
        }
        return Err(bad_row(&rows[first], "order_has_bad_rows", String::new()));
    }
    let store = &stores.0[*store];
    let level: BTreeMap<&'static str, String> =
        level.into_iter().map(|(f, (v, _))| (f, v)).collect();
    let valid = order_input(number, &level, items, store)
        .map_err(|(f, e)| cell_error(ctx, &rows[first], f, &e))
        .and_then(|o| {
            input::validate(&o, store).map_err(|e| cell_error(ctx, &rows[first], field_of(&e), &e))
        });
    if let Err(e) = &valid {
        for &i in idx {
            errors[i] = Some(if i == first {
                e.clone()
            } else {
                bad_row(
                    &rows[i],
                    "order_has_bad_rows",
                    format!(
                        "order {number} is not imported: line {} has an error",
                        rows[first].line
                    ),
                )
            });
        }
    }
    valid
}

/// What each row of a preview would do.
pub(super) async fn plan_rows(
    tx: &mut Tx,
    ctx: &Context,
    stores: &Stores,
    rows: &[Row],
) -> AppResult<Vec<Result<Action, NewImportError>>> {
    let (errors, groups) = group(ctx, stores, rows);
    let mut out: Vec<Result<Action, NewImportError>> = errors
        .into_iter()
        .map(|e| e.map_or(Ok(Action::Create), Err))
        .collect();
    for (store, g) in groups {
        let Ok(order) = g.order else { continue };
        let heads =
            order_store::heads(tx, stores.0[store].id, &[order.fields.order_number]).await?;
        if let Some(h) = heads.first() {
            for i in g.rows {
                out[i] = Ok(Action::Update(h.id));
            }
        }
    }
    Ok(out)
}

/// Stores the orders of a run of rows (whole orders only) in `tx`; returns the bad rows
/// and adds the rows' outcomes to `counts`.
pub(super) async fn write_rows(
    app: &App,
    tx: &mut Tx,
    ctx: &Context,
    stores: &Stores,
    rows: &[Row],
    counts: &mut Counts,
    now: i64,
) -> AppResult<Vec<NewImportError>> {
    let (errors, groups) = group(ctx, stores, rows);
    let mut by_store: BTreeMap<usize, Vec<(Vec<usize>, ValidOrder)>> = BTreeMap::new();
    for (store, g) in groups {
        if let Ok(order) = g.order {
            by_store.entry(store).or_default().push((g.rows, order));
        }
    }
    for (store, orders) in by_store {
        let (members, valid): (Vec<_>, Vec<_>) = orders.into_iter().unzip();
        let inputs = valid
            .into_iter()
            .map(|v| (Some(v.fields.order_number.clone()), Ok(v)))
            .collect();
        let results = upsert::apply(app, tx, &stores.0[store], inputs, now).await?;
        for (result, rows) in results.iter().zip(&members) {
            let n = rows.len() as i64;
            match result.outcome {
                Outcome::Created => counts.created += n,
                Outcome::Updated => counts.updated += n,
                Outcome::Unchanged | Outcome::Stale => counts.unchanged += n,
                Outcome::Error => counts.failed += n,
            }
        }
    }
    Ok(errors.into_iter().flatten().collect())
}

/// The rows of a file cut into runs of about `size` rows that never split an order.
pub(super) fn runs(ctx: &Context, rows: &[Row], size: usize) -> Vec<std::ops::Range<usize>> {
    let key = |r: &Row| {
        let v = Values::of(&ctx.columns, r);
        (
            v.first("store").unwrap_or_default().trim().to_owned(),
            v.first("order_number")
                .unwrap_or_default()
                .trim()
                .to_owned(),
        )
    };
    // Every row of an order joins the run of the order's first row: rows are taken in
    // file order, and a run is cut only once it has no order still to come.
    let mut last: HashMap<(String, String), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        last.insert(key(r), i);
    }
    let mut out = Vec::new();
    let (mut start, mut reach) = (0, 0);
    for (i, r) in rows.iter().enumerate() {
        reach = reach.max(last[&key(r)]);
        if i == reach && i + 1 - start >= size {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < rows.len() {
        out.push(start..rows.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            entity: super::super::Entity::Order,
            headers: vec!["订单编号".into(), "店铺".into()],
            columns: vec![Some("order_number".into()), Some("store".into())],
            defs: Vec::new(),
            owners: HashMap::new(),
            choices: Vec::new(),
        }
    }

    fn rows(numbers: &[&str]) -> Vec<Row> {
        numbers
            .iter()
            .enumerate()
            .map(|(i, n)| Row {
                line: i + 2,
                cells: vec![(*n).to_owned(), "店".to_owned()],
            })
            .collect()
    }

    #[test]
    fn a_run_never_splits_an_order() {
        let rows = rows(&["A", "B", "A", "C", "D", "D", "E"]);
        let runs = runs(&ctx(), &rows, 2);
        assert_eq!(
            runs,
            [0..3, 3..6, 6..7],
            "the lines of A and of D stay together"
        );
        let covered: usize = runs.iter().map(|r| r.len()).sum();
        assert_eq!(covered, rows.len());
    }

    #[test]
    fn marketplace_words_for_states_are_understood() {
        assert_eq!(state_word("payment_state", "已付款"), "paid");
        assert_eq!(state_word("fulfilment_state", "交易成功"), "delivered");
        assert_eq!(state_word("fulfilment_state", "shipped"), "shipped");
    }
}
