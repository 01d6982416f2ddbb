//! Senders kefu never takes mail from: an address or a whole domain (admins).

use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Invalid, Permission};
use kefu_store::email::{self as store, BlockedSender};

pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<BlockedSender>> {
    actor.require(Permission::ManageInboxes)?;
    Ok(store::blocklist(&app.db).await?)
}

/// A pattern as stored: `someone@example.com` or `@example.com`, lower-cased.
fn normalise(pattern: &str) -> Result<String, Invalid> {
    let p = pattern.trim().trim_start_matches('*').to_lowercase();
    let bad = || {
        Invalid::new(
            "pattern",
            "invalid_block_pattern",
            format!(
                "'{pattern}' is neither an address (someone@example.com) nor a domain (@example.com)"
            ),
        )
    };
    let (local, domain) = p.split_once('@').ok_or_else(bad)?;
    if domain.is_empty()
        || !domain.contains('.')
        || domain.contains('@')
        || p.chars().any(|c| c.is_whitespace() || c.is_control())
        || p.len() > 254
    {
        return Err(bad());
    }
    if !local.is_empty() {
        kefu_domain::email::EmailAddress::parse(&p).map_err(|_| bad())?;
    }
    Ok(p)
}

pub async fn add(app: &App, actor: &Actor, pattern: &str) -> AppResult<String> {
    actor.require(Permission::ManageInboxes)?;
    let p = normalise(pattern)?;
    let mut tx = app.db.begin().await?;
    if !store::block(&mut tx, &p, actor.user_id, now_ms()).await? {
        return Err(AppError::Conflict {
            code: "already_blocked",
            message: format!("{p} is on the block-list already"),
            existing_id: None,
        });
    }
    tx.commit().await?;
    Ok(p)
}

pub async fn remove(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    actor.require(Permission::ManageInboxes)?;
    let mut tx = app.db.begin().await?;
    if store::unblock(&mut tx, id).await? == 0 {
        return Err(AppError::NotFound("blocked sender"));
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn patterns_are_an_address_or_a_domain() {
        assert_eq!(normalise(" Spam@Ads.Example ").unwrap(), "spam@ads.example");
        assert_eq!(normalise("*@junk.example").unwrap(), "@junk.example");
        assert!(normalise("junk.example").is_err());
        assert!(normalise("@localhost").is_err());
        assert!(normalise("a b@x.example").is_err());
    }
}
