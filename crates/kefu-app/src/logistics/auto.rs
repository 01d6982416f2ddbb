//! Cases kefu opens and closes by itself: a parcel with no movement for the store's
//! number of days (a periodic check), a tracking status of returned or exception, and
//! delivery, which resolves the cases it settles.

use super::{Opening, case_event, open_in_tx};
use crate::events::commit;
use crate::{App, AppResult};
use kefu_domain::order::logistics::CaseKind;
use kefu_domain::time::now_ms;
use kefu_store::Tx;
use kefu_store::logistics::{self, CaseUpdate};
use kefu_store::shipments::ShipmentRow;

/// How often the worker looks for parcels without movement.
pub const STALE_CHECK_SECS: u64 = 600;
/// Parcels looked at per store and round.
const PAGE: u64 = 200;
const DAY_MS: i64 = 86_400_000;

/// Opens a "no movement" case for every parcel still on its way that has had no
/// tracking event for its store's number of days; returns how many were opened. Two
/// instances running it at once open each case once (one open case per parcel and kind).
pub async fn check_stale_parcels(app: &App) -> AppResult<usize> {
    let now = now_ms();
    let mut opened = 0;
    for store in kefu_store::stores::list(&app.db).await? {
        let cutoff = now - store.stale_after_days * DAY_MS;
        loop {
            let page = logistics::stale_parcels(&app.db, store.id, cutoff, PAGE).await?;
            let mut new_here = 0;
            for (shipment_id, _) in &page {
                let mut tx = app.db.begin().await?;
                let Some(s) = kefu_store::shipments::find_in_tx(&mut tx, *shipment_id).await?
                else {
                    continue;
                };
                let opening = Opening {
                    kind: CaseKind::NoMovement,
                    actor: None,
                    conversation_id: None,
                    due_in_hours: CaseKind::NoMovement.default_deadline_hours(),
                    note: None,
                };
                if open_in_tx(app, &mut tx, &s, opening, now).await?.is_some() {
                    commit(app, tx).await?;
                    new_here += 1;
                }
            }
            opened += new_here;
            if (page.len() as u64) < PAGE || new_here == 0 {
                break;
            }
        }
    }
    Ok(opened)
}

/// A parcel's status changed (`before` is `None` for a new parcel): returned or a
/// carrier exception opens a case; delivery resolves the cases it settles.
pub(crate) async fn parcel_changed(
    app: &App,
    tx: &mut Tx,
    before: Option<&str>,
    after: &ShipmentRow,
    now: i64,
) -> AppResult<()> {
    if before == Some(after.status.as_str()) {
        return Ok(());
    }
    if let Some(kind) = CaseKind::from_parcel_status(&after.status) {
        let opening = Opening {
            kind,
            actor: None,
            conversation_id: None,
            due_in_hours: kind.default_deadline_hours(),
            note: None,
        };
        open_in_tx(app, tx, after, opening, now).await?;
    }
    if after.status == "delivered" {
        for case in logistics::open_of_shipment(tx, after.id).await? {
            let settles = CaseKind::parse(&case.kind).is_ok_and(CaseKind::ends_on_delivery);
            if !settles {
                continue;
            }
            let u = CaseUpdate {
                status: "resolved",
                resolution: Some("delivered"),
                compensation_minor: case.compensation_minor,
                notes: &case.notes.0,
                resolved_by: None,
                resolved_at: Some(now),
            };
            logistics::update(tx, case.id, &u, now).await?;
            if let Some(task) = case.task_id {
                kefu_store::tasks::close(tx, task, "done", Some("delivered"), None, now).await?;
            }
            if let Some(done) = logistics::find_in_tx(tx, case.id).await? {
                case_event(app, tx, "logistics_case.updated", &done).await?;
            }
        }
    }
    Ok(())
}
