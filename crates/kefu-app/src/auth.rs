//! Passwords, sign-in with throttling, browser sessions and API tokens.

use crate::{Actor, App, AppError, AppResult, PasswordCost};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use kefu_domain::time::now_ms;
use kefu_domain::{EmailAddress, Invalid, Role, UiLocale};
use kefu_store::{audit, sessions, tokens, users};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Failed sign-ins allowed in [`FAILURE_WINDOW_MS`] before each further try is delayed.
pub const FREE_FAILURES: i64 = 5;
const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
const MAX_LOCK_MS: i64 = 15 * 60 * 1000;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// `len` random bytes, hex-encoded.
pub fn random_hex(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a secret, hex: how tokens and session ids are stored.
pub fn sha256_hex(secret: &str) -> String {
    sha256_hex_bytes(secret.as_bytes())
}

pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn check_password_rules(password: &str) -> Result<(), Invalid> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Invalid::new(
            "password",
            "password_too_short",
            format!("the password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(Invalid::new(
            "password",
            "password_too_long",
            "the password is longer than 1024 bytes",
        ));
    }
    Ok(())
}

fn argon2(cost: PasswordCost) -> Argon2<'static> {
    let params = match cost {
        PasswordCost::Production => Params::default(),
        PasswordCost::Fast => Params::new(256, 1, 1, None).unwrap_or_default(),
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id, off the async threads.
pub async fn hash_password(password: &str, cost: PasswordCost) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        argon2(cost)
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Password checks running at once: argon2 takes ~19 MiB and a core each, so a
/// burst of sign-ins queues here instead of exhausting the machine.
static VERIFYING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// A hash to check against when the address is unknown, so that unknown and known
/// addresses take the same time to refuse.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let hashed = SaltString::encode_b64(&[7u8; 16]).ok().and_then(|salt| {
            Argon2::default()
                .hash_password(b"kefu-no-such-user", &salt)
                .ok()
                .map(|h| h.to_string())
        });
        hashed.unwrap_or_default()
    })
}

async fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(_permit) = VERIFYING.acquire().await else {
        return false;
    };
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A new browser session: the cookie value and the CSRF token forms must echo.
pub struct NewSession {
    pub cookie_value: String,
    pub csrf_token: String,
    pub actor: Actor,
}

pub(crate) fn actor_of(u: &users::UserRow) -> Actor {
    Actor {
        user_id: u.id,
        name: u.name.clone(),
        email: u.email.clone(),
        role: Role::parse(&u.role).unwrap_or(Role::Agent),
        locale: UiLocale::parse(&u.locale).unwrap_or_default(),
    }
}

/// Signs in with email and password. Repeated failures for one address are
/// slowed down (each try past [`FREE_FAILURES`] locks the address for longer) and audited.
pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
    client: &str,
) -> AppResult<NewSession> {
    let key = format!("email:{}", email.trim().to_lowercase());
    let now = now_ms();
    let failures = audit::login_failures(&app.db, &key).await?;
    if let Some(locked_until) = failures
        .as_ref()
        .and_then(|f| f.locked_until)
        .filter(|&t| t > now)
    {
        return Err(AppError::TooManyAttempts {
            retry_after_secs: (locked_until - now + 999) / 1000,
        });
    }
    let user = match EmailAddress::parse(email) {
        Ok(e) => users::find_by_email(&app.db, e.as_str()).await?,
        Err(_) => None,
    };
    let ok = match &user {
        Some(u) if !u.disabled => verify_password(password, &u.password_hash).await,
        _ => {
            verify_password(password, dummy_hash()).await;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        record_failure(app, &key, client, now).await?;
        return Err(AppError::Invalid(Invalid::new(
            "password",
            "wrong_credentials",
            "email or password is wrong",
        )));
    };
    audit::clear_login_failures(&app.db, &key).await?;
    let cookie_value = random_hex(32);
    let csrf_token = random_hex(16);
    let expires = now + app.config.session_days * 86_400_000;
    sessions::insert(
        &app.db,
        &sha256_hex(&cookie_value),
        user.id,
        &csrf_token,
        expires,
        now,
    )
    .await?;
    audit::record(
        &app.db,
        Some(user.id),
        "login.succeeded",
        &format!("user:{}", user.id),
        client,
        now,
    )
    .await?;
    Ok(NewSession {
        cookie_value,
        csrf_token,
        actor: actor_of(&user),
    })
}

async fn record_failure(app: &App, key: &str, client: &str, now: i64) -> AppResult<()> {
    let mut row = audit::count_login_failure(&app.db, key, now, FAILURE_WINDOW_MS).await?;
    if row.failures >= FREE_FAILURES {
        let extra = (row.failures - FREE_FAILURES).min(10) as u32;
        let until = now + (2_000 * 2i64.pow(extra)).min(MAX_LOCK_MS);
        audit::lock_login(&app.db, key, until).await?;
        row.locked_until = Some(until);
    }
    let action = if row.locked_until.is_some() {
        "login.throttled"
    } else {
        "login.failed"
    };
    audit::record(
        &app.db,
        None,
        action,
        key,
        &format!("{client}; failures in window: {}", row.failures),
        now,
    )
    .await?;
    if row.failures >= FREE_FAILURES {
        tracing::warn!(key, failures = row.failures, "repeated failed sign-ins");
    }
    Ok(())
}

/// The signed-in actor for a session cookie, with the session's CSRF token.
pub async fn session_actor(app: &App, cookie_value: &str) -> AppResult<(Actor, String)> {
    let session = sessions::find_valid(&app.db, &sha256_hex(cookie_value), now_ms())
        .await?
        .ok_or(AppError::Unauthorized)?;
    let user = users::find(&app.db, session.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(AppError::Unauthorized)?;
    Ok((actor_of(&user), session.csrf_token))
}

pub async fn sign_out(app: &App, cookie_value: &str) -> AppResult<()> {
    sessions::delete(&app.db, &sha256_hex(cookie_value)).await?;
    Ok(())
}

/// A new API token for a user: the secret (shown once) and its record.
pub async fn create_token(
    app: &App,
    user_id: i64,
    name: &str,
) -> AppResult<(String, tokens::TokenRow)> {
    let name = kefu_domain::Name::parse("name", name)?;
    let secret = format!("kefu_{}", random_hex(24));
    let row = tokens::insert(
        &app.db,
        user_id,
        name.as_str(),
        &sha256_hex(&secret),
        now_ms(),
    )
    .await?;
    audit::record(
        &app.db,
        Some(user_id),
        "token.created",
        &format!("token:{}", row.id),
        name.as_str(),
        now_ms(),
    )
    .await?;
    Ok((secret, row))
}

/// The actor behind a bearer token.
pub async fn token_actor(app: &App, secret: &str) -> AppResult<Actor> {
    let token = tokens::find_by_hash(&app.db, &sha256_hex(secret))
        .await?
        .ok_or(AppError::Unauthorized)?;
    let user = users::find(&app.db, token.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(AppError::Unauthorized)?;
    let now = now_ms();
    if token.last_used_at.is_none_or(|t| t < now - 60_000) {
        tokens::touch(&app.db, token.id, now).await?;
    }
    Ok(actor_of(&user))
}

pub async fn revoke_token(app: &App, actor: &Actor, token_id: i64) -> AppResult<()> {
    if tokens::delete(&app.db, actor.user_id, token_id).await? == 0 {
        return Err(AppError::NotFound("token"));
    }
    audit::record(
        &app.db,
        Some(actor.user_id),
        "token.revoked",
        &format!("token:{token_id}"),
        "",
        now_ms(),
    )
    .await?;
    Ok(())
}

pub async fn list_tokens(app: &App, actor: &Actor) -> AppResult<Vec<tokens::TokenRow>> {
    Ok(tokens::list_for_user(&app.db, actor.user_id).await?)
}
