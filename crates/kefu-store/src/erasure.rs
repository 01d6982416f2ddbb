//! Erasing a contact's personal data on their request. The contact row stays (so
//! conversation counts, organisations and reports keep adding up) but carries nothing
//! that identifies the person.

use crate::after_sales::AfterSalesCases;
use crate::schema::{
    ContactIdentities, Contacts, Conversations, EmailMessages, EntityTags, Events, Messages,
    OrderChanges, Orders, Outreach, Reviews, TimelineEntries,
};
use crate::{StoreResult, Tx};
use sea_query::{Expr, ExprTrait, Query};

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
    tx.execute(
        &Query::update()
            .table(Reviews::Table)
            .values([
                (Reviews::Body, Option::<String>::None.into()),
                (Reviews::Images, "[]".into()),
            ])
            .and_where(Expr::col(Reviews::ContactId).eq(id))
            .take(),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(Outreach::Table)
            .value(Outreach::OfferText, Option::<String>::None)
            .and_where(Expr::col(Outreach::ContactId).eq(id))
            .take(),
    )
    .await?;
    erase_mail_and_orders(tx, id, placeholder).await?;
    Ok(out)
}

async fn erase_mail_and_orders(tx: &mut Tx, id: i64, placeholder: &str) -> StoreResult<()> {
    let theirs = Query::select()
        .column(Conversations::Id)
        .from(Conversations::Table)
        .and_where(Expr::col(Conversations::ContactId).eq(id))
        .take();
    tx.execute(
        &Query::update()
            .table(EmailMessages::Table)
            .values([
                (EmailMessages::Html, Option::<String>::None.into()),
                (EmailMessages::FullText, Option::<String>::None.into()),
                (EmailMessages::FromAddress, Option::<String>::None.into()),
                (EmailMessages::ToAddresses, "[]".into()),
                (EmailMessages::CcAddresses, "[]".into()),
            ])
            .and_where(Expr::col(EmailMessages::ConversationId).in_subquery(theirs))
            .take(),
    )
    .await?;
    let their_orders = Query::select()
        .column(Orders::Id)
        .from(Orders::Table)
        .and_where(Expr::col(Orders::ContactId).eq(id))
        .take();
    tx.execute(
        &Query::update()
            .table(OrderChanges::Table)
            .values([
                (OrderChanges::Description, "".into()),
                (OrderChanges::NewAddress, Option::<String>::None.into()),
            ])
            .and_where(Expr::col(OrderChanges::OrderId).in_subquery(their_orders))
            .take(),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(Orders::Table)
            .values([
                (Orders::BuyerName, placeholder.into()),
                (Orders::Address, Option::<String>::None.into()),
                (Orders::BuyerRemark, Option::<String>::None.into()),
            ])
            .and_where(Expr::col(Orders::ContactId).eq(id))
            .take(),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(AfterSalesCases::Table)
            .value(AfterSalesCases::Description, Option::<String>::None)
            .and_where(Expr::col(AfterSalesCases::ContactId).eq(id))
            .take(),
    )
    .await?;
    Ok(())
}
