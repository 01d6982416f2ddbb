//! kefu's channels to the outside world: today email (reading raw MIME safely, fetching from
//! IMAP, sending through SMTP). Nothing here touches the database; `kefu-app` stores what these
//! modules read and hands them what to send.

pub mod email;
#[cfg(feature = "test-servers")]
pub mod testing;
