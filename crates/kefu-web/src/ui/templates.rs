//! The template environment: templates embedded in the binary, `t()` for translations.

use crate::i18n::I18n;
use kefu_domain::UiLocale;
use minijinja::value::Kwargs;
use minijinja::{Environment, State};
use std::sync::Arc;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("setup.html", include_str!("../../templates/setup.html")),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "conversations.html",
        include_str!("../../templates/conversations.html"),
    ),
    (
        "conversation_row.html",
        include_str!("../../templates/conversation_row.html"),
    ),
    ("inboxes.html", include_str!("../../templates/inboxes.html")),
    ("inbox.html", include_str!("../../templates/inbox.html")),
    ("team.html", include_str!("../../templates/team.html")),
    ("choices.html", include_str!("../../templates/choices.html")),
    ("profile.html", include_str!("../../templates/profile.html")),
    (
        "customers.html",
        include_str!("../../templates/customers.html"),
    ),
    ("contact.html", include_str!("../../templates/contact.html")),
    (
        "organisation.html",
        include_str!("../../templates/organisation.html"),
    ),
    (
        "contact_form.html",
        include_str!("../../templates/contact_form.html"),
    ),
    (
        "organisation_form.html",
        include_str!("../../templates/organisation_form.html"),
    ),
    ("audit.html", include_str!("../../templates/audit.html")),
    (
        "customer_parts.html",
        include_str!("../../templates/customer_parts.html"),
    ),
    (
        "duplicates.html",
        include_str!("../../templates/duplicates.html"),
    ),
    ("import.html", include_str!("../../templates/import.html")),
    (
        "order_panel.html",
        include_str!("../../templates/order_panel.html"),
    ),
    (
        "logistics_panel.html",
        include_str!("../../templates/logistics_panel.html"),
    ),
    (
        "logistics_cases.html",
        include_str!("../../templates/logistics_cases.html"),
    ),
    ("stores.html", include_str!("../../templates/stores.html")),
    (
        "ticket_panel.html",
        include_str!("../../templates/ticket_panel.html"),
    ),
    ("tasks.html", include_str!("../../templates/tasks.html")),
    ("reviews.html", include_str!("../../templates/reviews.html")),
    (
        "review_parts.html",
        include_str!("../../templates/review_parts.html"),
    ),
    (
        "automation.html",
        include_str!("../../templates/automation.html"),
    ),
    (
        "automation_parts.html",
        include_str!("../../templates/automation_parts.html"),
    ),
    (
        "automation_rule.html",
        include_str!("../../templates/automation_rule.html"),
    ),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "email_parts.html",
        include_str!("../../templates/email_parts.html"),
    ),
    (
        "email_inbox_new.html",
        include_str!("../../templates/email_inbox_new.html"),
    ),
    (
        "email_blocklist.html",
        include_str!("../../templates/email_blocklist.html"),
    ),
    (
        "mail_parts.html",
        include_str!("../../templates/mail_parts.html"),
    ),
    (
        "sla_parts.html",
        include_str!("../../templates/sla_parts.html"),
    ),
    (
        "calendars.html",
        include_str!("../../templates/calendars.html"),
    ),
    (
        "calendar.html",
        include_str!("../../templates/calendar.html"),
    ),
    (
        "sla_policies.html",
        include_str!("../../templates/sla_policies.html"),
    ),
    (
        "sla_policy.html",
        include_str!("../../templates/sla_policy.html"),
    ),
    ("scripts.html", include_str!("../../templates/scripts.html")),
    (
        "script_form.html",
        include_str!("../../templates/script_form.html"),
    ),
    (
        "routing_queues.html",
        include_str!("../../templates/routing_queues.html"),
    ),
    (
        "routing_board.html",
        include_str!("../../templates/routing_board.html"),
    ),
    (
        "routing_settings.html",
        include_str!("../../templates/routing_settings.html"),
    ),
    (
        "routing_rule.html",
        include_str!("../../templates/routing_rule.html"),
    ),
    (
        "routing_rule_form.html",
        include_str!("../../templates/routing_rule_form.html"),
    ),
    (
        "after_sales.html",
        include_str!("../../templates/after_sales.html"),
    ),
    (
        "after_sale.html",
        include_str!("../../templates/after_sale.html"),
    ),
    (
        "after_sales_order.html",
        include_str!("../../templates/after_sales_order.html"),
    ),
    (
        "order_change_form.html",
        include_str!("../../templates/order_change_form.html"),
    ),
    (
        "order_changes.html",
        include_str!("../../templates/order_changes.html"),
    ),
];

pub fn environment(i18n: Arc<I18n>) -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(error = %e, template = name, "template does not parse");
        }
    }
    env.add_function(
        "t",
        move |state: &State, key: String, kwargs: Kwargs| -> String {
            let locale = state
                .lookup("locale")
                .and_then(|v| v.as_str().and_then(|s| UiLocale::parse(s).ok()))
                .unwrap_or_default();
            let mut args: Vec<(String, fluent_bundle::FluentValue<'static>)> = Vec::new();
            for name in kwargs.args() {
                if let Ok(v) = kwargs.get::<minijinja::Value>(name) {
                    let value = match v.as_i64() {
                        Some(n) => fluent_bundle::FluentValue::from(n),
                        None => fluent_bundle::FluentValue::from(v.to_string()),
                    };
                    args.push((name.to_owned(), value));
                }
            }
            let borrowed: Vec<(&str, fluent_bundle::FluentValue<'_>)> =
                args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            i18n.text(locale, &key, &borrowed)
        },
    );
    env.add_filter("utc", |ms: i64| -> String {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    });
    // A file size for people (`512 B`, `3 KB`, `31 MB`).
    env.add_filter("filesize", |bytes: i64| -> String {
        kefu_app::attachments::files::human_size(bytes)
    });
    // An amount in minor units as a decimal in its currency (`206.50 CNY`, `6440 JPY`).
    env.add_filter("money", |minor: i64, currency: String| -> String {
        match kefu_domain::Currency::parse(&currency) {
            Ok(c) => kefu_domain::Money::new(minor, c).to_string(),
            Err(_) => format!("{minor} {currency}"),
        }
    });
    // The first `chars` characters of a text, with an ellipsis when cut (option labels).
    env.add_filter("clip", |text: String, chars: usize| -> String {
        match text.char_indices().nth(chars) {
            Some((i, _)) => format!("{}…", &text[..i]),
            None => text,
        }
    });
    env
}
