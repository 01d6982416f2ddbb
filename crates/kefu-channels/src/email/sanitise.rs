//! Sanitising HTML bodies: an allow-list of tags and attributes (ammonia), filtered inline
//! styles, and remote images parked in [`REMOTE_SRC_ATTR`] until an agent allows them.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::html_depth;
use super::img_tags::{escape_attr, rewrite_img_attrs, unescape_attr};
use super::style::filter_style;

/// Attribute that holds a blocked remote image's address instead of `src`.
pub const REMOTE_SRC_ATTR: &str = "data-kefu-remote-src";

/// Interim `src` scheme marking a remote image between ammonia and the final rewrite; ammonia
/// rejects it in input (not an allowed scheme), so only [`filter_attribute`] produces it.
const REMOTE_MARK: &str = "kefu-remote:";

/// Image types allowed as `data:` URLs (no SVG: it can carry script and remote loads).
const DATA_IMAGE_PREFIXES: &[&str] = &[
    "data:image/png",
    "data:image/gif",
    "data:image/jpeg",
    "data:image/jpg",
    "data:image/webp",
];

/// HTML that is safe to show in a sandboxed frame: no scripts, event handlers, forms, frames,
/// stylesheets or remote loads. Remote images are blocked until [`SafeHtml::with_remote_images`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// HTML that [`SafeHtml::as_str`] returned earlier and that was stored since (the
    /// database is trusted; anything else goes through [`sanitise_html`]).
    pub fn from_stored(html: String) -> Self {
        Self(html)
    }

    /// The sanitised HTML with remote images blocked.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The HTML with blocked remote images restored, for when the agent allows them.
    pub fn with_remote_images(&self) -> String {
        rewrite_img_attrs(&self.0, |name, value| {
            (name == REMOTE_SRC_ATTR).then(|| ("src".to_owned(), value.to_owned()))
        })
    }

    /// The HTML with `cid:` image sources replaced by the URL `url_for(content_id)` returns
    /// (e.g. the stored attachment's address); references it returns `None` for are dropped.
    pub fn with_cid(&self, url_for: impl Fn(&str) -> Option<String>) -> String {
        rewrite_img_attrs(&self.0, |name, value| {
            let value = unescape_attr(value);
            let cid = value.strip_prefix("cid:").filter(|_| name == "src")?;
            let content_id = cid.trim_start_matches('<').trim_end_matches('>');
            let url = url_for(content_id).unwrap_or_default();
            Some(("src".to_owned(), escape_attr(&url)))
        })
    }

    /// A complete document for an `<iframe sandbox srcdoc=…>` around `body` (this HTML as
    /// returned by one of the methods above). Its CSP forbids scripts and every load except
    /// images from `img_sources` (a CSP source list such as `data:` or `data: https:`).
    pub fn isolated_document(body: &str, img_sources: &str) -> String {
        let img_sources: String = img_sources
            .chars()
            .filter(|c| !matches!(c, '"' | '<' | '>' | ';' | '&'))
            .collect();
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             img-src {img_sources}; style-src 'unsafe-inline'; form-action 'none'\">\
             <base target=\"_blank\"></head><body>{body}</body></html>"
        )
    }
}

/// Sanitises an HTML body. Never fails: whatever is not allowed is removed.
pub fn sanitise_html(html: &str) -> SafeHtml {
    if html_depth::too_deep(html) {
        return SafeHtml(html_depth::as_escaped_text(html));
    }
    let cleaned = SANITISER.clean(html).to_string();
    let parked = rewrite_img_attrs(&cleaned, |name, value| {
        let url = value.strip_prefix(REMOTE_MARK).filter(|_| name == "src")?;
        Some((REMOTE_SRC_ATTR.to_owned(), url.to_owned()))
    });
    SafeHtml(parked)
}

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["font"])
        .add_generic_attributes(["style", "align", "dir"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tag_attributes("img", ["border", "hspace", "vspace"])
        .add_tag_attributes(
            "table",
            ["width", "border", "cellpadding", "cellspacing", "bgcolor"],
        )
        .add_tag_attributes("td", ["width", "height", "valign", "bgcolor", "nowrap"])
        .add_tag_attributes("th", ["width", "height", "valign", "bgcolor", "nowrap"])
        .add_tag_attributes("tr", ["valign", "bgcolor"])
        .url_schemes(["http", "https", "mailto", "tel", "cid", "data"].into())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(
            protocol_relative_only,
        )))
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    builder
});

/// Relative URLs have no base in a mail, so they are dropped; protocol-relative ones
/// (`//host/path`) become `https:` (for images, [`filter_attribute`] has already parked them).
fn protocol_relative_only(url: &str) -> Option<Cow<'_, str>> {
    url.trim()
        .strip_prefix("//")
        .filter(|rest| !rest.starts_with('/'))
        .map(|rest| Cow::Owned(format!("https://{rest}")))
}

/// Per-attribute rules beyond ammonia's allow-list: styles, link and image schemes.
fn filter_attribute<'a>(element: &str, attribute: &str, value: &'a str) -> Option<Cow<'a, str>> {
    match (element, attribute) {
        (_, "style") => {
            let style = filter_style(value);
            (!style.is_empty()).then_some(Cow::Owned(style))
        }
        ("img", "src") => image_source(value),
        (_, "href") => {
            let lower = value.trim_start().to_ascii_lowercase();
            let local = lower.starts_with("data:") || lower.starts_with("cid:");
            (!local).then_some(Cow::Borrowed(value))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Remote images are marked for parking; `cid:` and small raster `data:` images stay.
fn image_source(value: &str) -> Option<Cow<'_, str>> {
    let trimmed = value.trim();
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//") {
        let url = if lower.starts_with("//") {
            format!("https:{trimmed}")
        } else {
            trimmed.to_owned()
        };
        Some(Cow::Owned(format!("{REMOTE_MARK}{url}")))
    } else if lower.starts_with("cid:") || DATA_IMAGE_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        Some(Cow::Borrowed(value))
    } else {
        None
    }
}
