//! The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json and kept in
//! review by a snapshot test.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{archive, contacts, conversations, inboxes, me, organisations, people};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kefu API",
        version = "1",
        description = "The REST API of kefu (客服). Authenticate with `Authorization: Bearer <token>` (create a token with `kefu token create` or POST /api/v1/tokens). \
Errors use one envelope: `{\"error\": {\"code\", \"message\", \"field\"?, \"existing_id\"?}}`. Lists return `{\"data\": [...], \"next_cursor\"}`; pass next_cursor as `cursor` for the next page. \
Message bodies are plain text of 1 to 10,000 characters; request bodies are limited to 1 MiB, except messages with files (multipart/form-data, each file within its inbox's limit, 50 MiB in all). \
Live events: GET /api/v1/events/stream is a Server-Sent Events stream (event name = kind, id = event id, data = JSON payload); reconnect with Last-Event-ID to resume without gaps."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    paths(
        me::get_me, me::set_availability, me::list_tokens, me::create_token, me::revoke_token,
        people::list_users, people::create_user, people::set_user_department, people::list_teams, people::create_team, people::add_team_member, people::remove_team_member,
        inboxes::list_inboxes, inboxes::create_inbox, inboxes::get_inbox, inboxes::update_inbox, inboxes::set_inbox_calendar, inboxes::post_inbound_message,
        contacts::list_contacts, contacts::create_contact, contacts::get_contact, contacts::update_contact,
        organisations::list_organisations, organisations::create_organisation, organisations::get_organisation, organisations::update_organisation,
        archive::list_choices, archive::add_choice, archive::list_custom_fields, archive::create_custom_field,
        conversations::list_conversations, conversations::get_conversation, conversations::list_messages, conversations::post_message,
        conversations::assign_conversation, conversations::change_status, conversations::mark_read,
        crate::stream::staff_stream,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON text.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // Each feature's routes describe themselves; merged here in a fixed order.
    for part in [
        super::customers::CustomersApi::openapi(),
        super::merge::MergeApi::openapi(),
        super::tickets::TicketsApi::openapi(),
        super::automation::AutomationApi::openapi(),
        super::transfer::TransferApi::openapi(),
        super::calendars::CalendarsApi::openapi(),
        super::sla_policies::SlaPoliciesApi::openapi(),
        super::scripts::ScriptsApi::openapi(),
        super::routing::RoutingApi::openapi(),
        super::email::EmailApi::openapi(),
        super::attachments::AttachmentsApi::openapi(),
        super::stores::StoresApi::openapi(),
        super::orders::OrdersApi::openapi(),
        super::reminders::RemindersApi::openapi(),
        super::logistics::LogisticsApi::openapi(),
        super::reviews::ReviewsApi::openapi(),
        super::outreach::OutreachApi::openapi(),
        super::after_sales::AfterSalesApi::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}
