//! Protecting customers' data (保障客户信息安全): masking phones, emails and handles for
//! roles that may not see them in full, audited reveals, erasure on request, and the
//! audit log managers read.

use crate::contacts::ContactView;
use crate::events::commit;
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission, PhoneE164};
use kefu_store::JsonText;
use kefu_store::audit::{self, AuditFilter, AuditRow};
use kefu_store::contacts::{self, ContactRow, IdentityRow};
use kefu_store::erasure::{self, Erased};
use kefu_store::orders::Address;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What an erased contact is called from then on (their name is gone).
pub const ERASED_NAME: &str = "—";

/// `value` masked for display: a phone keeps its first three and last four national
/// digits (`+86 138****5678`), an email the first letter of its mailbox and its domain
/// (`z***@example.com`), a handle its first and last characters.
pub fn mask(kind: &str, value: &str) -> String {
    match kind {
        "phone" => mask_phone(value),
        "email" => match value.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => mask_middle(value),
        },
        _ => mask_middle(value),
    }
}

fn mask_phone(e164: &str) -> String {
    let national = PhoneE164::parse(e164, "CN")
        .map(|p| p.national_digits())
        .unwrap_or_default();
    let digits: Vec<char> = if national.len() >= 7 {
        national.chars().collect()
    } else {
        return mask_middle(e164);
    };
    let code = e164
        .strip_prefix('+')
        .and_then(|rest| rest.strip_suffix(national.as_str()))
        .unwrap_or("");
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[digits.len() - 4..].iter().collect();
    let stars = "*".repeat(digits.len() - 7);
    if code.is_empty() {
        format!("{head}{stars}{tail}")
    } else {
        format!("+{code} {head}{stars}{tail}")
    }
}

fn mask_middle(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 | 2 => "*".repeat(chars.len()),
        n => format!("{}***{}", chars[0], chars[n - 1]),
    }
}

/// Whether `actor` sees identities masked.
pub fn masks_for(actor: &Actor) -> bool {
    !actor.role.allows(Permission::SeeFullIdentities)
}

/// Masks a list row's phone and email for actors who may not see them.
pub fn mask_row(actor: &Actor, row: &mut ContactRow) {
    if masks_for(actor) {
        row.email = row.email.as_deref().map(|v| mask("email", v));
        row.phone = row.phone.as_deref().map(|v| mask("phone", v));
    }
}

/// Masks the recipient's phone of delivery addresses (an order's, a change's new one) for
/// actors who may not see phones in full.
pub fn mask_addresses<'a>(
    actor: &Actor,
    addresses: impl IntoIterator<Item = &'a mut Option<JsonText<Address>>>,
) {
    if !masks_for(actor) {
        return;
    }
    for a in addresses.into_iter().flatten() {
        a.0.phone = a.0.phone.as_deref().map(|p| mask("phone", p));
    }
}

/// Masks a contact's identities (and list fields) for actors who may not see them.
pub fn mask_view(actor: &Actor, view: &mut ContactView) {
    if masks_for(actor) {
        mask_row(actor, &mut view.contact);
        for i in &mut view.identities {
            if is_personal(&i.kind) {
                i.value = mask(&i.kind, &i.value);
            }
        }
        view.masked = true;
    }
}

/// Identities people read (kefu's own channel ids, such as widget visitor ids, are not).
fn is_personal(kind: &str) -> bool {
    crate::contacts::EDITABLE_KINDS.contains(&kind)
}

fn subject(contact_id: i64) -> String {
    format!("contact:{contact_id}")
}

/// Shows one identity in full and records who looked, when, at what.
pub async fn reveal(
    app: &App,
    actor: &Actor,
    contact_id: i64,
    identity_id: i64,
) -> AppResult<IdentityRow> {
    actor.require(Permission::WorkConversations)?;
    let identity = contacts::identities(&app.db, contact_id)
        .await?
        .into_iter()
        .find(|i| i.id == identity_id)
        .ok_or(AppError::NotFound("identity"))?;
    audit::record(
        &app.db,
        Some(actor.user_id),
        "contact.revealed",
        &subject(contact_id),
        &json!({ "identity_id": identity.id, "kind": identity.kind }).to_string(),
        now_ms(),
    )
    .await?;
    Ok(identity)
}

/// Erases a contact's personal data (a separate, audited action for managers). The
/// audit entries about the contact keep who did what and when, without the data.
pub async fn erase_contact(
    app: &App,
    actor: &Actor,
    contact_id: i64,
    reason: &str,
) -> AppResult<Erased> {
    actor.require(Permission::EraseArchive)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Invalid::new(
            "reason",
            "required",
            "say why the data is erased (for example: the customer asked on 2026-11-20), at most 500 characters",
        )
        .into());
    }
    let mut tx = app.db.begin().await?;
    contacts::find_in_tx(&mut tx, contact_id)
        .await?
        .filter(|c| c.merged_into.is_none() && c.erased_at.is_none())
        .ok_or(AppError::NotFound("contact"))?;
    let now = now_ms();
    let erased = erasure::erase_contact(&mut tx, contact_id, ERASED_NAME, now).await?;
    let subject = subject(contact_id);
    audit::scrub_subject(&mut tx, &subject, r#"{"erased":true}"#).await?;
    audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "contact.erased",
        &subject,
        &json!({ "reason": reason, "removed": erased }).to_string(),
        now,
    )
    .await?;
    commit(app, tx).await?;
    Ok(erased)
}

/// Filters of the audit log as the API and the page take them.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    pub actor_user_id: Option<i64>,
    /// An action (`contact.revealed`) or a family ending in a dot (`contact.`).
    pub action: Option<String>,
    /// A subject such as `contact:12`.
    pub subject: Option<String>,
    /// From this time (UTC ms, inclusive).
    pub since: Option<i64>,
    /// Until this time (UTC ms, exclusive).
    pub until: Option<i64>,
}

/// An audit entry with its actor's name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[serde(flatten)]
    pub row: AuditRow,
    pub actor_name: Option<String>,
}

/// The audit log, newest first, for managers.
pub async fn list_audit(
    app: &App,
    actor: &Actor,
    q: &AuditQuery,
    before_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<AuditEntry>> {
    actor.require(Permission::ReadAudit)?;
    let text = crate::archive::present;
    if let Some(a) = text(&q.action)
        && !a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
    {
        return Err(Invalid::new(
            "action",
            "invalid_filter",
            format!("'{a}' is not an audit action"),
        )
        .into());
    }
    let filter = AuditFilter {
        actor_user_id: q.actor_user_id,
        action: text(&q.action).map(str::to_owned),
        subjects: text(&q.subject).map(str::to_owned).into_iter().collect(),
        since: q.since,
        until: q.until,
        before_id,
    };
    let rows = audit::search(&app.db, &filter, limit).await?;
    let names = kefu_store::users::names(&app.db).await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            actor_name: row.actor_user_id.and_then(|id| names.get(&id).cloned()),
            row,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_their_first_three_and_last_four_digits() {
        assert_eq!(mask("phone", "+8613812345678"), "+86 138****5678");
        assert_eq!(mask("phone", "+14155552671"), "+1 415***2671");
        assert_eq!(mask("phone", "+442079460958"), "+44 207***0958");
    }

    #[test]
    fn emails_and_handles_keep_only_their_edges() {
        assert_eq!(mask("email", "zhang.wei@example.com"), "z***@example.com");
        assert_eq!(mask("wechat", "wxid_abc123"), "w***3");
        assert_eq!(mask("qq", "12"), "**");
        assert!(!mask("email", "li@qq.com").contains("li@"));
    }
}
