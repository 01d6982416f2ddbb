//! Staff users: the first administrator, creating users, availability and language.

use crate::auth::{check_password_rules, hash_password};
use crate::events::{append, commit};
use crate::{Actor, App, AppError, AppResult};
use kefu_domain::time::now_ms;
use kefu_domain::{Availability, EmailAddress, Name, Permission, Role, UiLocale};
use kefu_store::users::{self, NewUser, UserRow};
use serde_json::json;

/// A request to create a user, as it arrives (validated here).
pub struct CreateUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password: &'a str,
    pub locale: Option<&'a str>,
}

/// Whether kefu still needs its first administrator (the set-up page).
pub async fn needs_setup(app: &App) -> AppResult<bool> {
    Ok(users::count(&app.db).await? == 0)
}

/// Creates the first administrator; refused once any user exists.
pub async fn create_first_admin(
    app: &App,
    email: &str,
    name: &str,
    password: &str,
    locale: Option<&str>,
) -> AppResult<UserRow> {
    if !needs_setup(app).await? {
        return Err(AppError::Forbidden(
            "kefu is already set up; sign in instead".into(),
        ));
    }
    insert_user(
        app,
        &CreateUser {
            email,
            name,
            role: "admin",
            password,
            locale,
        },
    )
    .await
}

/// An admin creates a user.
pub async fn create_user(app: &App, actor: &Actor, req: &CreateUser<'_>) -> AppResult<UserRow> {
    actor.require(Permission::ManageUsers)?;
    insert_user(app, req).await
}

/// Creates a user without a permission check: the CLI (`kefu admin create`) and set-up.
pub async fn insert_user(app: &App, req: &CreateUser<'_>) -> AppResult<UserRow> {
    let email = EmailAddress::parse(req.email)?;
    let name = Name::parse("name", req.name)?;
    let role = Role::parse(req.role)?;
    let locale = req
        .locale
        .map(UiLocale::parse)
        .transpose()?
        .unwrap_or_default();
    check_password_rules(req.password)?;
    let hash = hash_password(req.password, app.config.password_cost).await?;
    let mut tx = app.db.begin().await?;
    if users::exists_by_email(&mut tx, email.as_str()).await? {
        return Err(AppError::Conflict {
            code: "email_taken",
            message: format!("a user with the email {} already exists", email.as_str()),
            existing_id: None,
        });
    }
    let now = now_ms();
    let user = users::insert(
        &mut tx,
        &NewUser {
            email: email.as_str(),
            name: name.as_str(),
            role: role.as_str(),
            password_hash: &hash,
            locale: locale.as_str(),
            now,
        },
    )
    .await?;
    append(
        app,
        &mut tx,
        "user.created",
        None,
        None,
        true,
        &json!({ "user": user }),
    )
    .await?;
    commit(app, tx).await?;
    Ok(user)
}

pub async fn list_users(app: &App, actor: &Actor) -> AppResult<Vec<UserRow>> {
    actor.require(Permission::WorkConversations)?;
    Ok(users::list(&app.db).await?)
}

/// An agent sets their own availability (online / busy / away / offline).
pub async fn set_availability(
    app: &App,
    actor: &Actor,
    availability: &str,
) -> AppResult<Availability> {
    let availability = Availability::parse(availability)?;
    let mut tx = app.db.begin().await?;
    users::set_availability(&mut tx, actor.user_id, availability.as_str()).await?;
    append(
        app,
        &mut tx,
        "user.availability",
        None,
        None,
        true,
        &json!({ "user_id": actor.user_id, "availability": availability.as_str() }),
    )
    .await?;
    commit(app, tx).await?;
    if availability == Availability::Online {
        crate::routing::agent_freed(app, actor.user_id).await;
    }
    Ok(availability)
}

/// An admin puts a user in a department (hand-offs to it reach them), or takes them out.
pub async fn set_department(
    app: &App,
    actor: &Actor,
    user_id: i64,
    department: &Option<String>,
) -> AppResult<UserRow> {
    actor.require(Permission::ManageUsers)?;
    let department = crate::archive::choice(app, "department", "department", department).await?;
    let before = users::find(&app.db, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let mut tx = app.db.begin().await?;
    users::set_department(&mut tx, user_id, department.as_deref()).await?;
    let detail = json!({ "department": [before.department, department] }).to_string();
    kefu_store::audit::record_in(
        &mut tx,
        Some(actor.user_id),
        "user.department_changed",
        &format!("user:{user_id}"),
        &detail,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    users::find(&app.db, user_id)
        .await?
        .ok_or(AppError::NotFound("user"))
}

/// A user chooses the language of their screens.
pub async fn set_locale(app: &App, actor: &Actor, locale: &str) -> AppResult<UiLocale> {
    let locale = UiLocale::parse(locale)?;
    let mut tx = app.db.begin().await?;
    users::set_locale(&mut tx, actor.user_id, locale.as_str()).await?;
    tx.commit().await?;
    Ok(locale)
}
