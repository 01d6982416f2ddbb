//! Every route kefu serves, on one screen.

use crate::api::{
    after_sales, archive, attachments, automation, calendars, contacts, conversations, customers,
    email, inboxes, logistics, me, merge, openapi, orders, organisations, outreach, people,
    reminders, reviews, routing, scripts, sla_policies, stores, tickets, transfer,
};
use crate::state::AppState;
use crate::ui::{self, auth as ui_auth, conversations as ui_conv, settings};
use crate::{stream, widget};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_swagger_ui::SwaggerUi;

/// Largest request body accepted (documented in the API description).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/me", get(me::get_me))
        .route("/me/availability", put(me::set_availability))
        .route("/tokens", get(me::list_tokens).post(me::create_token))
        .route("/tokens/{id}", axum::routing::delete(me::revoke_token))
        .route("/users", get(people::list_users).post(people::create_user))
        .route("/users/{id}/department", put(people::set_user_department))
        .route("/teams", get(people::list_teams).post(people::create_team))
        .route(
            "/teams/{team_id}/members/{user_id}",
            put(people::add_team_member).delete(people::remove_team_member),
        )
        .route(
            "/inboxes",
            get(inboxes::list_inboxes).post(inboxes::create_inbox),
        )
        .route(
            "/inboxes/{id}",
            get(inboxes::get_inbox).put(inboxes::update_inbox),
        )
        .route("/inboxes/{id}/calendar", put(inboxes::set_inbox_calendar))
        .route(
            "/inboxes/{id}/messages",
            post(inboxes::post_inbound_message),
        )
        .route(
            "/contacts",
            get(contacts::list_contacts).post(contacts::create_contact),
        )
        .route(
            "/contacts/{id}",
            get(contacts::get_contact).put(contacts::update_contact),
        )
        .route(
            "/organisations",
            get(organisations::list_organisations).post(organisations::create_organisation),
        )
        .route(
            "/organisations/{id}",
            get(organisations::get_organisation).put(organisations::update_organisation),
        )
        .route(
            "/choices/{kind}",
            get(archive::list_choices).post(archive::add_choice),
        )
        .route(
            "/custom-fields",
            get(archive::list_custom_fields).post(archive::create_custom_field),
        )
        .route("/conversations", get(conversations::list_conversations))
        .route("/conversations/{id}", get(conversations::get_conversation))
        .route(
            "/conversations/{id}/messages",
            get(conversations::list_messages)
                .post(conversations::post_message)
                .layer(DefaultBodyLimit::max(attachments::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/conversations/{id}/assignment",
            post(conversations::assign_conversation),
        )
        .route(
            "/conversations/{id}/status",
            post(conversations::change_status),
        )
        .route("/conversations/{id}/read", post(conversations::mark_read))
        .route("/events/stream", get(stream::staff_stream))
        .merge(customers::routes())
        .merge(merge::routes())
        .merge(transfer::routes())
        .merge(tickets::routes())
        .merge(automation::routes())
        .merge(calendars::routes())
        .merge(sla_policies::routes())
        .merge(scripts::routes())
        .merge(routing::routes())
        .merge(email::routes())
        .merge(attachments::routes())
        .merge(stores::routes())
        .merge(orders::routes())
        .merge(reminders::routes())
        .merge(logistics::routes())
        .merge(reviews::routes())
        .merge(outreach::routes())
        .merge(after_sales::routes())
        .fallback(api_not_found);

    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            "x-kefu-widget".parse().expect("header name"),
            "x-kefu-visitor".parse().expect("header name"),
            "last-event-id".parse().expect("header name"),
        ]);
    let widget_api = Router::new()
        .route("/sessions", post(widget::start_session))
        .route(
            "/messages",
            get(widget::list_messages)
                .post(widget::post_message)
                .layer(DefaultBodyLimit::max(attachments::UPLOAD_BODY_LIMIT)),
        )
        .route("/attachments/{id}", get(widget::download_attachment))
        .route("/stream", get(stream::widget_stream))
        .layer(cors);

    let workspace = Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/app/conversations") }),
        )
        .route("/conversations", get(ui_conv::list_page))
        .route("/conversations/{id}", get(ui_conv::conversation_page))
        .route("/conversations/{id}/messages", post(ui_conv::reply))
        .route("/conversations/{id}/assign", post(ui_conv::assign))
        .route("/conversations/{id}/status", post(ui_conv::change_status))
        .route("/fragments/conversations/{id}", get(ui_conv::row_fragment))
        .route(
            "/settings/inboxes",
            get(settings::list_inboxes).post(settings::create_inbox),
        )
        .route(
            "/settings/inboxes/{id}",
            get(settings::show_inbox).post(settings::update_inbox),
        )
        .route(
            "/settings/inboxes/{id}/calendar",
            post(settings::set_inbox_calendar),
        )
        .route("/settings/team", get(settings::show_team))
        .route("/settings/users", post(settings::create_user))
        .route("/settings/teams", post(settings::create_team))
        .route("/settings/teams/{id}/members", post(settings::add_member))
        .route("/profile", get(ui::profile::show_profile))
        .route("/profile/locale", post(ui::profile::set_locale))
        .route("/profile/availability", post(ui::profile::set_availability))
        .route("/profile/tokens", post(ui::profile::create_token))
        .merge(ui::customers::routes())
        .merge(ui::duplicates::routes())
        .merge(ui::transfer::routes())
        .merge(ui::tickets::routes())
        .merge(ui::calendars::routes())
        .merge(ui::sla_policies::routes())
        .merge(ui::scripts::routes())
        .merge(ui::routing::routes())
        .merge(ui::automation::routes())
        .merge(ui::email::routes())
        .merge(ui::logistics::routes())
        .merge(ui::order_changes::routes())
        .merge(ui::stores::routes())
        .merge(ui::reviews::routes())
        .merge(ui::after_sales::routes())
        .merge(ui::choices::routes());

    Router::new()
        .route("/", get(ui_auth::root))
        .route("/healthz", get(healthz))
        .route("/setup", get(ui_auth::setup_page).post(ui_auth::setup))
        .route("/login", get(ui_auth::login_page).post(ui_auth::login))
        .route("/logout", post(ui_auth::logout))
        .route("/assets/app.js", get(ui::app_js))
        .route("/assets/app.css", get(ui::app_css))
        .route("/assets/scripts.js", get(ui::scripts::scripts_js))
        .route("/widget.js", get(widget::widget_script))
        .route(
            "/api/v1/openapi.json",
            get(|| async { Json(openapi::document()) }),
        )
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi-ui.json", openapi::document()))
        .nest("/api/v1", api)
        .nest("/widget/v1", widget_api)
        .nest("/app", workspace)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

async fn healthz(State(s): State<AppState>) -> (StatusCode, &'static str) {
    match s.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}

async fn api_not_found() -> crate::error::ApiError {
    crate::error::ApiError::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        "no such API route; see /api/v1/openapi.json",
    )
}
