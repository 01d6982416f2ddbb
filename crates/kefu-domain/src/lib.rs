//! kefu's pure domain: validated values, statuses and their rules, roles. No I/O.

pub mod after_sale;
pub mod automation;
pub mod calendar;
pub mod conversation;
pub mod email;
pub mod error;
pub mod locale;
pub mod money;
pub mod order;
pub mod phone;
pub mod review;
pub mod role;
pub mod routing;
pub mod script;
pub mod sla;
pub mod text;
pub mod ticket;
pub mod time;

pub use calendar::BusinessCalendar;
pub use conversation::{Availability, ConversationStatus, MessageKind, Priority};
pub use email::EmailAddress;
pub use error::Invalid;
pub use locale::{CountryCode, LanguageTag, TimeZoneName, UiLocale};
pub use money::{Currency, Money};
pub use phone::PhoneE164;
pub use role::{Permission, Role};
pub use text::{MAX_MESSAGE_CHARS, MessageBody, Name};
