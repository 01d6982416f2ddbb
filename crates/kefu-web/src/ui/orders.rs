//! The orders beside a conversation: the customer's recent orders with payment,
//! shipping and newest parcel news, and the order and tracking numbers their messages mention.

use crate::state::AppState;
use kefu_app::orders::view;
use kefu_app::{Actor, AppError};
use std::collections::BTreeMap;

/// What the order panel shows: recent orders (and any older one a message mentions),
/// and per message id the numbers it mentions that are the customer's.
pub async fn panel(
    s: &AppState,
    actor: &Actor,
    contact_id: i64,
    messages: &[(i64, &str)],
) -> Result<minijinja::Value, AppError> {
    let app = &s.app;
    let mut orders = view::recent_orders(app, actor, contact_id).await?;
    let texts: Vec<&str> = messages.iter().map(|(_, body)| *body).collect();
    let links = view::recognise_numbers(app, contact_id, &texts).await?;
    let mut refs: BTreeMap<String, Vec<&view::NumberLink>> = BTreeMap::new();
    for (id, body) in messages {
        let mine: Vec<&view::NumberLink> = links
            .iter()
            .filter(|l| kefu_domain::order::number_candidates(body).contains(&l.number.as_str()))
            .collect();
        if !mine.is_empty() {
            refs.insert(id.to_string(), mine);
        }
    }
    for link in &links {
        if !orders.iter().any(|o| o.id == link.order_id)
            && let Some(mut o) = kefu_store::orders::find(&app.db, link.order_id).await?
        {
            kefu_app::privacy::mask_addresses(actor, [&mut o.address]);
            orders.push(o);
        }
    }
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let cases = kefu_app::logistics::cases_of_orders(app, actor, &ids).await?;
    let case_kinds = crate::ui::logistics::case_kinds();
    let reviews = kefu_app::reviews::reviews_of_orders(app, actor, &ids).await?;
    let reasons = crate::ui::customers::choice_labels(app, actor, "review_reason").await?;
    let after_sales = crate::ui::after_sales::order_parts(s, actor, &orders).await?;
    let change_kinds = crate::ui::order_changes::change_kinds();
    Ok(minijinja::context! {
        list => orders, refs, cases, case_kinds, reviews, reasons, after_sales, change_kinds,
    })
}
