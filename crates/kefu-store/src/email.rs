//! The email channel's records: mailbox settings and fetch cursor per email inbox, what
//! each mail carried (threading ids, sanitised HTML, delivery of replies), the block-list.

use crate::json::JsonText;
use crate::schema::{EmailAccounts as A, EmailBlocklist as B, EmailMessages as M};
use crate::{Db, StoreResult, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use serde::Serialize;

crate::record! {
    /// An email inbox's mailbox settings. Holds secrets: never serialise it to a client.
    #[derive(Clone)]
    pub struct EmailAccountRow {
        pub inbox_id: i64,
        pub address: String,
        pub sender_name: Option<String>,
        pub imap_host: Option<String>,
        pub imap_port: Option<i64>,
        pub imap_security: String,
        pub imap_username: Option<String>,
        pub imap_auth: String,
        pub imap_secret: Option<String>,
        pub imap_mailbox: String,
        pub smtp_host: Option<String>,
        pub smtp_port: Option<i64>,
        pub smtp_security: String,
        pub smtp_username: Option<String>,
        pub smtp_auth: String,
        pub smtp_secret: Option<String>,
        pub signature_text: Option<String>,
        pub signature_html: Option<String>,
        pub tls_ca_pem: Option<String>,
        pub ingest_secret: String,
        pub uid_validity: Option<i64>,
        pub last_uid: i64,
        pub lease_owner: Option<String>,
        pub lease_until: Option<i64>,
        pub last_fetch_at: Option<i64>,
        pub last_error: Option<String>,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

impl std::fmt::Debug for EmailAccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailAccountRow")
            .field("inbox_id", &self.inbox_id)
            .field("address", &self.address)
            .field("imap_host", &self.imap_host)
            .field("smtp_host", &self.smtp_host)
            .finish_non_exhaustive()
    }
}

/// What an admin sets on an email inbox (secrets `None`: keep the stored ones).
pub struct AccountFields<'a> {
    pub address: &'a str,
    pub sender_name: Option<&'a str>,
    pub imap_host: Option<&'a str>,
    pub imap_port: Option<i64>,
    pub imap_security: &'a str,
    pub imap_username: Option<&'a str>,
    pub imap_auth: &'a str,
    pub imap_secret: Option<&'a str>,
    pub imap_mailbox: &'a str,
    pub smtp_host: Option<&'a str>,
    pub smtp_port: Option<i64>,
    pub smtp_security: &'a str,
    pub smtp_username: Option<&'a str>,
    pub smtp_auth: &'a str,
    pub smtp_secret: Option<&'a str>,
    pub signature_text: Option<&'a str>,
    pub signature_html: Option<&'a str>,
    pub tls_ca_pem: Option<&'a str>,
}

const ACCOUNT_COLUMNS: [A; 28] = [
    A::InboxId,
    A::Address,
    A::SenderName,
    A::ImapHost,
    A::ImapPort,
    A::ImapSecurity,
    A::ImapUsername,
    A::ImapAuth,
    A::ImapSecret,
    A::ImapMailbox,
    A::SmtpHost,
    A::SmtpPort,
    A::SmtpSecurity,
    A::SmtpUsername,
    A::SmtpAuth,
    A::SmtpSecret,
    A::SignatureText,
    A::SignatureHtml,
    A::TlsCaPem,
    A::IngestSecret,
    A::UidValidity,
    A::LastUid,
    A::LeaseOwner,
    A::LeaseUntil,
    A::LastFetchAt,
    A::LastError,
    A::CreatedAt,
    A::UpdatedAt,
];

fn accounts() -> SelectStatement {
    Query::select()
        .columns(ACCOUNT_COLUMNS)
        .from(A::Table)
        .take()
}

/// The settings columns and their values (secrets only when given).
fn settings(f: &AccountFields<'_>) -> Vec<(A, sea_query::SimpleExpr)> {
    let mut v: Vec<(A, sea_query::SimpleExpr)> = vec![
        (A::Address, f.address.into()),
        (A::SenderName, f.sender_name.into()),
        (A::ImapHost, f.imap_host.into()),
        (A::ImapPort, f.imap_port.into()),
        (A::ImapSecurity, f.imap_security.into()),
        (A::ImapUsername, f.imap_username.into()),
        (A::ImapAuth, f.imap_auth.into()),
        (A::ImapMailbox, f.imap_mailbox.into()),
        (A::SmtpHost, f.smtp_host.into()),
        (A::SmtpPort, f.smtp_port.into()),
        (A::SmtpSecurity, f.smtp_security.into()),
        (A::SmtpUsername, f.smtp_username.into()),
        (A::SmtpAuth, f.smtp_auth.into()),
        (A::SignatureText, f.signature_text.into()),
        (A::SignatureHtml, f.signature_html.into()),
        (A::TlsCaPem, f.tls_ca_pem.into()),
    ];
    if let Some(s) = f.imap_secret {
        v.push((A::ImapSecret, s.into()));
    }
    if let Some(s) = f.smtp_secret {
        v.push((A::SmtpSecret, s.into()));
    }
    v
}

/// Creates the account of a new email inbox.
pub async fn insert_account(
    tx: &mut Tx,
    inbox_id: i64,
    f: &AccountFields<'_>,
    ingest_secret: &str,
    now: i64,
) -> StoreResult<()> {
    let mut pairs = settings(f);
    pairs.extend([
        (A::InboxId, inbox_id.into()),
        (A::IngestSecret, ingest_secret.into()),
        (A::CreatedAt, now.into()),
        (A::UpdatedAt, now.into()),
    ]);
    let (cols, values): (Vec<A>, Vec<sea_query::SimpleExpr>) = pairs.into_iter().unzip();
    tx.execute(
        &Query::insert()
            .into_table(A::Table)
            .columns(cols)
            .values_panic(values)
            .take(),
    )
    .await?;
    Ok(())
}

/// Changes an account's settings; a changed mailbox (host, user or folder) starts the
/// fetch cursor afresh. 0 when there is no such account.
pub async fn update_account(
    tx: &mut Tx,
    inbox_id: i64,
    f: &AccountFields<'_>,
    reset_cursor: bool,
    now: i64,
) -> StoreResult<u64> {
    let mut q = Query::update();
    q.table(A::Table)
        .values(settings(f))
        .value(A::UpdatedAt, now)
        .value(A::LastError, Option::<String>::None)
        .and_where(Expr::col(A::InboxId).eq(inbox_id));
    if reset_cursor {
        q.value(A::UidValidity, Option::<i64>::None)
            .value(A::LastUid, 0);
    }
    tx.execute(&q).await
}

pub async fn find_account(db: &Db, inbox_id: i64) -> StoreResult<Option<EmailAccountRow>> {
    db.fetch_optional(
        &accounts()
            .and_where(Expr::col(A::InboxId).eq(inbox_id))
            .take(),
    )
    .await
}

pub async fn find_account_in_tx(
    tx: &mut Tx,
    inbox_id: i64,
) -> StoreResult<Option<EmailAccountRow>> {
    tx.fetch_optional(
        &accounts()
            .and_where(Expr::col(A::InboxId).eq(inbox_id))
            .take(),
    )
    .await
}

/// Accounts with an IMAP mailbox to fetch from.
pub async fn fetchable(db: &Db) -> StoreResult<Vec<EmailAccountRow>> {
    db.fetch_all(
        &accounts()
            .and_where(Expr::col(A::ImapHost).is_not_null())
            .order_by(A::InboxId, Order::Asc)
            .take(),
    )
    .await
}

/// Takes (or renews) the right to fetch an account's mailbox until `until`; false when
/// another instance holds it.
pub async fn take_lease(
    db: &Db,
    inbox_id: i64,
    owner: &str,
    now: i64,
    until: i64,
) -> StoreResult<bool> {
    let n = db
        .execute(
            &Query::update()
                .table(A::Table)
                .value(A::LeaseOwner, owner)
                .value(A::LeaseUntil, until)
                .and_where(Expr::col(A::InboxId).eq(inbox_id))
                .and_where(
                    Expr::col(A::LeaseOwner)
                        .is_null()
                        .or(Expr::col(A::LeaseOwner).eq(owner))
                        .or(Expr::col(A::LeaseUntil).lt(now)),
                )
                .take(),
        )
        .await?;
    Ok(n == 1)
}

pub async fn release_lease(db: &Db, inbox_id: i64, owner: &str) -> StoreResult<()> {
    db.execute(
        &Query::update()
            .table(A::Table)
            .value(A::LeaseOwner, Option::<String>::None)
            .value(A::LeaseUntil, Option::<i64>::None)
            .and_where(Expr::col(A::InboxId).eq(inbox_id))
            .and_where(Expr::col(A::LeaseOwner).eq(owner))
            .take(),
    )
    .await?;
    Ok(())
}

/// Moves the fetch cursor, in the transaction that stored the message at that UID, only
/// while `owner` holds the lease: false means another instance took over, and the
/// transaction must be rolled back.
pub async fn advance_cursor(
    tx: &mut Tx,
    inbox_id: i64,
    owner: &str,
    uid_validity: i64,
    uid: i64,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::update()
                .table(A::Table)
                .value(A::UidValidity, uid_validity)
                .value(A::LastUid, uid)
                .and_where(Expr::col(A::InboxId).eq(inbox_id))
                .and_where(Expr::col(A::LeaseOwner).eq(owner))
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// Records how the last fetch went (`error` none: it worked).
pub async fn record_fetch(
    db: &Db,
    inbox_id: i64,
    error: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    db.execute(
        &Query::update()
            .table(A::Table)
            .value(A::LastFetchAt, now)
            .value(A::LastError, error)
            .and_where(Expr::col(A::InboxId).eq(inbox_id))
            .take(),
    )
    .await?;
    Ok(())
}

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct EmailMessageRow {
        pub message_id: i64,
        pub inbox_id: i64,
        pub conversation_id: i64,
        /// `in` or `out`.
        pub direction: String,
        pub rfc_message_id: String,
        pub in_reply_to: Option<String>,
        pub subject: String,
        pub from_address: Option<String>,
        #[schema(value_type = Vec<String>)]
        pub to_addresses: JsonText<Vec<String>>,
        #[schema(value_type = Vec<String>)]
        pub cc_addresses: JsonText<Vec<String>>,
        /// Sanitised HTML (remote images held back), if the mail had an HTML part.
        pub html: Option<String>,
        /// The whole text, quoted history and signature included.
        pub full_text: Option<String>,
        /// Why this mail must not trigger replies (`auto_reply`, `bulk`, `bounce` …).
        pub automatic: Option<String>,
        /// Replies: `queued`, `sent` or `failed`.
        pub delivery: Option<String>,
        pub failure: Option<String>,
        pub attempts: i64,
        pub sent_at: Option<i64>,
        pub created_at: i64,
        /// A queued reply: when its hand-over to the SMTP server began, if it has.
        pub sending_at: Option<i64>,
    }
}

const MESSAGE_COLUMNS: [M; 19] = [
    M::MessageId,
    M::InboxId,
    M::ConversationId,
    M::Direction,
    M::RfcMessageId,
    M::InReplyTo,
    M::Subject,
    M::FromAddress,
    M::ToAddresses,
    M::CcAddresses,
    M::Html,
    M::FullText,
    M::Automatic,
    M::Delivery,
    M::Failure,
    M::Attempts,
    M::SentAt,
    M::CreatedAt,
    M::SendingAt,
];

fn mails() -> SelectStatement {
    Query::select()
        .columns(MESSAGE_COLUMNS)
        .from(M::Table)
        .take()
}

/// A mail to remember beside its message.
pub struct NewEmailMessage<'a> {
    pub message_id: i64,
    pub inbox_id: i64,
    pub conversation_id: i64,
    pub direction: &'a str,
    pub rfc_message_id: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub subject: &'a str,
    pub from_address: Option<&'a str>,
    pub to: &'a [String],
    pub cc: &'a [String],
    pub html: Option<&'a str>,
    pub full_text: Option<&'a str>,
    pub automatic: Option<&'a str>,
    pub delivery: Option<&'a str>,
    pub now: i64,
}

pub async fn insert_message(tx: &mut Tx, m: &NewEmailMessage<'_>) -> StoreResult<()> {
    insert_messages(tx, std::slice::from_ref(m)).await
}

/// Remembers many mails in a few multi-row statements (a fetched batch at its end).
pub async fn insert_messages(tx: &mut Tx, mails: &[NewEmailMessage<'_>]) -> StoreResult<()> {
    let json = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    for chunk in mails.chunks(200) {
        let mut q = Query::insert();
        // A new mail's columns: the row's up to its delivery, and when it was written.
        let columns = MESSAGE_COLUMNS[..=13].iter().copied().chain([M::CreatedAt]);
        q.into_table(M::Table).columns(columns);
        for m in chunk {
            q.values_panic([
                m.message_id.into(),
                m.inbox_id.into(),
                m.conversation_id.into(),
                m.direction.into(),
                m.rfc_message_id.into(),
                m.in_reply_to.into(),
                m.subject.into(),
                m.from_address.into(),
                json(m.to).into(),
                json(m.cc).into(),
                m.html.into(),
                m.full_text.into(),
                m.automatic.into(),
                m.delivery.into(),
                m.now.into(),
            ]);
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// The mail with this Message-ID in the inbox, if kefu has it.
pub async fn find_by_rfc_id(
    tx: &mut Tx,
    inbox_id: i64,
    rfc_message_id: &str,
) -> StoreResult<Option<EmailMessageRow>> {
    tx.fetch_optional(
        &mails()
            .and_where(Expr::col(M::InboxId).eq(inbox_id))
            .and_where(Expr::col(M::RfcMessageId).eq(rfc_message_id))
            .take(),
    )
    .await
}

/// The mails kefu has in the inbox among these Message-IDs: (Message-ID, message,
/// conversation) — one query for a whole fetched batch and the threads it refers to.
pub async fn known_rfc_ids(
    tx: &mut Tx,
    inbox_id: i64,
    rfc_ids: &[&str],
) -> StoreResult<Vec<(String, i64, i64)>> {
    let mut out = Vec::new();
    for chunk in rfc_ids.chunks(500) {
        let rows: Vec<(String, i64, i64)> = tx
            .fetch_all(
                &Query::select()
                    .columns([M::RfcMessageId, M::MessageId, M::ConversationId])
                    .from(M::Table)
                    .and_where(Expr::col(M::InboxId).eq(inbox_id))
                    .and_where(Expr::col(M::RfcMessageId).is_in(chunk.iter().copied()))
                    .take(),
            )
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

pub async fn find_message(db: &Db, message_id: i64) -> StoreResult<Option<EmailMessageRow>> {
    db.fetch_optional(
        &mails()
            .and_where(Expr::col(M::MessageId).eq(message_id))
            .take(),
    )
    .await
}

/// The mail rows of these messages (the conversation page shows them beside each).
pub async fn for_messages(db: &Db, ids: &[i64]) -> StoreResult<Vec<EmailMessageRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.fetch_all(
        &mails()
            .and_where(Expr::col(M::MessageId).is_in(ids.iter().copied()))
            .take(),
    )
    .await
}

/// The earlier mails of a conversation's thread, newest first (for References).
pub async fn thread_ids(tx: &mut Tx, conversation_id: i64, limit: u64) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = tx
        .fetch_all(
            &Query::select()
                .column(M::RfcMessageId)
                .from(M::Table)
                .and_where(Expr::col(M::ConversationId).eq(conversation_id))
                .order_by(M::MessageId, Order::Desc)
                .limit(limit)
                .take(),
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Takes a queued reply for handing to the SMTP server at `now`, if its hand-over still
/// began at `was` (`None`: never began). `false` when another run took it meanwhile.
pub async fn claim_sending(
    db: &Db,
    message_id: i64,
    was: Option<i64>,
    now: i64,
) -> StoreResult<bool> {
    let began = Expr::col(M::SendingAt);
    let n = db
        .execute(
            &Query::update()
                .table(M::Table)
                .value(M::SendingAt, now)
                .and_where(Expr::col(M::MessageId).eq(message_id))
                .and_where(Expr::col(M::Delivery).eq("queued"))
                .and_where(match was {
                    Some(at) => began.eq(at),
                    None => began.is_null(),
                })
                .take(),
        )
        .await?;
    Ok(n == 1)
}

/// The copy of a reply being handed over came back into its mailbox: the server took it.
/// The reply's conversation when this marked it sent.
pub async fn confirm_sent_copy(tx: &mut Tx, message_id: i64, now: i64) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            &Query::update()
                .table(M::Table)
                .value(M::Delivery, "sent")
                .value(M::Failure, Option::<String>::None)
                .value(M::SentAt, now)
                .value(M::SendingAt, Option::<i64>::None)
                .and_where(Expr::col(M::MessageId).eq(message_id))
                .and_where(Expr::col(M::Direction).eq("out"))
                .and_where(Expr::col(M::Delivery).eq("queued"))
                .and_where(Expr::col(M::SendingAt).is_not_null())
                .returning(Query::returning().column(M::ConversationId))
                .take(),
        )
        .await?;
    Ok(row.map(|(c,)| c))
}

/// Records a delivery attempt's outcome for a reply.
pub async fn set_delivery(
    db: &Db,
    message_id: i64,
    delivery: &str,
    failure: Option<&str>,
    sent_at: Option<i64>,
) -> StoreResult<u64> {
    db.execute(
        &Query::update()
            .table(M::Table)
            .value(M::Delivery, delivery)
            .value(M::Failure, failure)
            .value(M::SentAt, sent_at)
            .value(M::SendingAt, Option::<i64>::None)
            .value(M::Attempts, Expr::col(M::Attempts).add(1))
            .and_where(Expr::col(M::MessageId).eq(message_id))
            .take(),
    )
    .await
}

/// Marks a reply failed inside a transaction: a bounce that arrived later, or a reply
/// with no address to go to.
pub async fn mark_failed(tx: &mut Tx, message_id: i64, reason: &str) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(M::Table)
            .value(M::Delivery, "failed")
            .value(M::Failure, reason)
            .and_where(Expr::col(M::MessageId).eq(message_id))
            .take(),
    )
    .await
}

/// Puts a failed reply back in the queue (delivery `queued`, reason cleared).
pub async fn requeue(tx: &mut Tx, message_id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(M::Table)
            .value(M::Delivery, "queued")
            .value(M::Failure, Option::<String>::None)
            .and_where(Expr::col(M::MessageId).eq(message_id))
            .and_where(Expr::col(M::Delivery).eq("failed"))
            .take(),
    )
    .await
}

crate::record! {
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct BlockedSender {
        pub id: i64,
        /// An address (`spam@example.com`) or a whole domain (`@example.com`).
        pub pattern: String,
        pub created_by: Option<i64>,
        pub created_at: i64,
    }
}

pub async fn blocklist(db: &Db) -> StoreResult<Vec<BlockedSender>> {
    db.fetch_all(
        &Query::select()
            .columns([B::Id, B::Pattern, B::CreatedBy, B::CreatedAt])
            .from(B::Table)
            .order_by(B::Pattern, Order::Asc)
            .take(),
    )
    .await
}

/// The patterns only, inside a transaction (ingestion checks every sender).
pub async fn blocked_patterns(tx: &mut Tx) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = tx
        .fetch_all(&Query::select().column(B::Pattern).from(B::Table).take())
        .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// Adds a pattern; false when it was there already.
pub async fn block(tx: &mut Tx, pattern: &str, by: i64, now: i64) -> StoreResult<bool> {
    let n = tx
        .execute(
            &Query::insert()
                .into_table(B::Table)
                .columns([B::Pattern, B::CreatedBy, B::CreatedAt])
                .values_panic([pattern.into(), by.into(), now.into()])
                .on_conflict(OnConflict::column(B::Pattern).do_nothing().to_owned())
                .take(),
        )
        .await?;
    Ok(n == 1)
}

pub async fn unblock(tx: &mut Tx, id: i64) -> StoreResult<u64> {
    tx.execute(
        &Query::delete()
            .from_table(B::Table)
            .and_where(Expr::col(B::Id).eq(id))
            .take(),
    )
    .await
}

/// The latest mail the customer sent in a conversation (what a reply answers).
pub async fn last_inbound(
    tx: &mut Tx,
    conversation_id: i64,
) -> StoreResult<Option<EmailMessageRow>> {
    tx.fetch_optional(
        &mails()
            .and_where(Expr::col(M::ConversationId).eq(conversation_id))
            .and_where(Expr::col(M::Direction).eq("in"))
            .order_by(M::MessageId, Order::Desc)
            .limit(1)
            .take(),
    )
    .await
}
