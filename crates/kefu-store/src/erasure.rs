//! Erasing a contact's personal data on their request. The contact row stays (so
//! conversation counts, organisations and reports keep adding up) but carries nothing
//! that identifies the person.

use crate::after_sales::AfterSalesCases;
use crate::schema::{
    ContactIdentities, Contacts, Conversations, EmailMessages, EntityTags, Events, Messages,
    OrderChanges, Orders, Outreach, Reviews, TimelineEntries,
};
use crate::{StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Iden, Query};

/// What an erasure removed, for the audit entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    pub identities: u64,
    pub messages: u64,
    pub timeline_entries: u64,
    pub events: u64,
}

/// Erases contact `id`: name, title, phones, emails, handles, custom fields, tags, time
/// zone, consents and search tokens; the bodies (and search tokens) of messages they wrote; the text of
/// timeline entries about them; the payloads of events about their conversations; the
/// text and pictures of their reviews and the offers written out for them; the whole text,
/// HTML and addresses of the mails in their conversations; the buyer's name, address and
/// remark on their orders, the changes recorded for them and what their after-sales
/// requests said (amounts, items and states stay, so reports still add up).
pub async fn erase_contact(
    tx: &mut Tx,
    id: i64,
    placeholder: &str,
    now: i64,
) -> StoreResult<Erased> {
    let mut out = Erased::default();
    tx.execute(
        &Query::update()
            .table(Contacts::Table)
            .values([
                (Contacts::Name, placeholder.into()),
                (Contacts::Title, Option::<String>::None.into()),
                (Contacts::Email, Option::<String>::None.into()),
                (Contacts::Phone, Option::<String>::None.into()),
                (Contacts::TimeZone, Option::<String>::None.into()),
                (Contacts::Tags, "[]".into()),
                (Contacts::Custom, "{}".into()),
                (Contacts::ConsentCall, false.into()),
                (Contacts::ConsentMessage, false.into()),
                (Contacts::ConsentEmail, false.into()),
                (Contacts::SearchTokens, "".into()),
                (Contacts::ErasedAt, now.into()),
                (Contacts::UpdatedAt, now.into()),
            ])
            .and_where(Expr::col(Contacts::Id).eq(id))
            .take(),
    )
    .await?;
    out.identities = tx
        .execute(
            &Query::delete()
                .from_table(ContactIdentities::Table)
                .and_where(Expr::col(ContactIdentities::ContactId).eq(id))
                .take(),
        )
        .await?;
    tx.execute(
        &Query::delete()
            .from_table(EntityTags::Table)
            .and_where(Expr::col(EntityTags::Entity).eq("contact"))
            .and_where(Expr::col(EntityTags::EntityId).eq(id))
            .take(),
    )
    .await?;
    out.messages = tx
        .execute(
            &Query::update()
                .table(Messages::Table)
                .value(Messages::Body, "")
                .value(Messages::SearchTokens, "")
                .and_where(Expr::col(Messages::AuthorContactId).eq(id))
                .take(),
        )
        .await?;
    let theirs = Query::select()
        .column(Conversations::Id)
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::ContactId).eq(id))
        .take();
    tx.execute(
        &Query::update()
            .table(Conversations::Table)
            .value(Conversations::LastMessagePreview, Option::<String>::None)
            .and_where(Expr::col(Conversations::ContactId).eq(id))
            .take(),
    )
    .await?;
    out.events = tx
        .execute(
            &Query::update()
                .table(Events::Table)
                .value(Events::Payload, r#"{"erased":true}"#)
                .and_where(Expr::col(Events::ConversationId).in_subquery(theirs))
                .take(),
        )
        .await?;
    out.timeline_entries = tx
        .execute(
            &Query::update()
                .table(TimelineEntries::Table)
                .values([
                    (TimelineEntries::Summary, "".into()),
                    (TimelineEntries::Detail, r#"{"erased":true}"#.into()),
                ])
                .and_where(Expr::col(TimelineEntries::ContactId).eq(id))
                .take(),
        )
        .await?;
    let theirs = Expr::col(Reviews::ContactId).eq(id);
    blank(
        tx,
        Reviews::Table,
        [(Reviews::Body, none()), (Reviews::Images, "[]".into())],
        theirs,
    )
    .await?;
    let theirs = Expr::col(Outreach::ContactId).eq(id);
    blank(tx, Outreach::Table, [(Outreach::OfferText, none())], theirs).await?;
    erase_mail_and_orders(tx, id, placeholder).await?;
    Ok(out)
}

/// NULL, for `blank`.
fn none() -> Expr {
    Option::<String>::None.into()
}

/// Overwrites columns of the rows of `table` that `which` selects.
async fn blank<T: Iden + Copy + 'static, const N: usize>(
    tx: &mut Tx,
    table: T,
    values: [(T, Expr); N],
    which: Expr,
) -> StoreResult<u64> {
    tx.execute(
        &Query::update()
            .table(table)
            .values(values)
            .and_where(which)
            .take(),
    )
    .await
}

async fn erase_mail_and_orders(tx: &mut Tx, id: i64, placeholder: &str) -> StoreResult<()> {
    let conversations = Query::select()
        .column(Conversations::Id)
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::ContactId).eq(id))
        .take();
    let mails = [
        (EmailMessages::Html, none()),
        (EmailMessages::FullText, none()),
        (EmailMessages::FromAddress, none()),
        (EmailMessages::ToAddresses, "[]".into()),
        (EmailMessages::CcAddresses, "[]".into()),
    ];
    let theirs = Expr::col(EmailMessages::ConversationId).in_subquery(conversations);
    blank(tx, EmailMessages::Table, mails, theirs).await?;
    let orders = Query::select()
        .column(Orders::Id)
        .from(Orders::Table)
        .and_where(Expr::col(Orders::ContactId).eq(id))
        .take();
    let changes = [
        (OrderChanges::Description, "".into()),
        (OrderChanges::NewAddress, none()),
    ];
    let theirs = Expr::col(OrderChanges::OrderId).in_subquery(orders);
    blank(tx, OrderChanges::Table, changes, theirs).await?;
    let buyer = [
        (Orders::BuyerName, placeholder.into()),
        (Orders::Address, none()),
        (Orders::BuyerRemark, none()),
    ];
    blank(
        tx,
        Orders::Table,
        buyer,
        Expr::col(Orders::ContactId).eq(id),
    )
    .await?;
    let theirs = Expr::col(AfterSalesCases::ContactId).eq(id);
    blank(
        tx,
        AfterSalesCases::Table,
        [(AfterSalesCases::Description, none())],
        theirs,
    )
    .await?;
    Ok(())
}
