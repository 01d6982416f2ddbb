//! What storing a batch of mail looks up, read for the whole batch in two queries and
//! kept up to date as its mails are stored: the Message-IDs kefu has in the inbox (for
//! duplicates and threading), the conversations they thread into, and the contacts of
//! the senders' addresses.

use super::{Prepared, sender_address};
use kefu_store::conversations::{self, ConversationRow};
use kefu_store::email as store;
use kefu_store::{StoreResult, Tx, contacts};
use std::collections::HashMap;

pub(super) struct Known {
    /// Message-ID → (message, conversation).
    mails: HashMap<String, (i64, i64)>,
    /// Email address → contact.
    senders: HashMap<String, i64>,
    /// The conversations of `mails` as read at the batch's start; one a mail of the
    /// batch was stored into is dropped (its counters and status moved on).
    rows: HashMap<i64, ConversationRow>,
}

impl Known {
    /// Reads what the batch's mails, their threads and their senders refer to.
    pub(super) async fn read(tx: &mut Tx, inbox_id: i64, batch: &[Prepared]) -> StoreResult<Self> {
        let mut ids: Vec<&str> = Vec::new();
        for p in batch {
            ids.extend([p.rfc.as_str(), &p.original]);
            ids.extend(p.mail.in_reply_to.iter().map(String::as_str));
            ids.extend(p.mail.references.iter().map(String::as_str));
        }
        ids.sort_unstable();
        ids.dedup();
        let mails: HashMap<String, (i64, i64)> = store::known_rfc_ids(tx, inbox_id, &ids)
            .await?
            .into_iter()
            .map(|(rfc, message, conversation)| (rfc, (message, conversation)))
            .collect();
        let mut threads: Vec<i64> = mails.values().map(|(_, c)| *c).collect();
        threads.sort_unstable();
        threads.dedup();
        let rows = conversations::find_many_in_tx(tx, &threads)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let addresses: Vec<String> = batch
            .iter()
            .filter_map(|p| sender_address(&p.mail))
            .map(|a| a.as_str().to_owned())
            .collect();
        let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
        let senders = contacts::owners_of_emails(tx, &refs)
            .await?
            .into_iter()
            .collect();
        Ok(Self {
            mails,
            senders,
            rows,
        })
    }

    /// The conversation as read at the batch's start, unless a mail of the batch has
    /// been stored into it since.
    pub(super) fn row(&self, conversation: i64) -> Option<ConversationRow> {
        self.rows.get(&conversation).cloned()
    }

    /// The message kefu stored for this Message-ID.
    pub(super) fn message(&self, rfc: &str) -> Option<i64> {
        self.mails.get(rfc).map(|(m, _)| *m)
    }

    /// The conversation of the most recent of these Message-IDs kefu has.
    pub(super) fn conversation_of(&self, ids: &[String]) -> Option<i64> {
        ids.iter()
            .filter_map(|id| self.mails.get(id))
            .max_by_key(|(message, _)| *message)
            .map(|(_, conversation)| *conversation)
    }

    /// The contact of an email address, whatever the case of its ASCII letters.
    pub(super) fn sender(&self, address: &str) -> Option<i64> {
        self.senders.get(&address.to_ascii_lowercase()).copied()
    }

    /// A mail of the batch was stored: later ones see it as stored and can thread to it.
    pub(super) fn stored(&mut self, rfc: &str, message: i64, conversation: i64) {
        self.mails.insert(rfc.to_owned(), (message, conversation));
        self.rows.remove(&conversation);
    }

    /// Drops every conversation read at the batch's start (routing may have changed any).
    pub(super) fn forget_rows(&mut self) {
        self.rows.clear();
    }

    pub(super) fn new_sender(&mut self, address: &str, contact: i64) {
        self.senders.insert(address.to_ascii_lowercase(), contact);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(mails: &[(&str, i64, i64)]) -> Known {
        Known {
            mails: mails
                .iter()
                .map(|(rfc, m, c)| ((*rfc).to_owned(), (*m, *c)))
                .collect(),
            senders: HashMap::new(),
            rows: HashMap::new(),
        }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_reply_joins_the_conversation_of_the_most_recent_mail_it_names() {
        let k = known(&[("a@x", 10, 1), ("b@x", 30, 2), ("c@x", 20, 3)]);
        assert_eq!(k.conversation_of(&ids(&["a@x", "c@x"])), Some(3));
        assert_eq!(k.conversation_of(&ids(&["a@x", "b@x", "c@x"])), Some(2));
        assert_eq!(k.conversation_of(&ids(&["zz@x"])), None);
    }

    #[test]
    fn mails_stored_in_the_batch_are_seen_by_the_mails_after_them() {
        let mut k = known(&[("a@x", 10, 1)]);
        assert_eq!(k.message("n1@x"), None);
        k.stored("n1@x", 11, 5);
        assert_eq!(
            k.message("n1@x"),
            Some(11),
            "the same mail again is a duplicate"
        );
        assert_eq!(
            k.conversation_of(&ids(&["a@x", "n1@x"])),
            Some(5),
            "a reply to a mail of this batch joins it, not the older thread"
        );
        assert_eq!(k.sender("li@x"), None);
        k.new_sender("li@x", 7);
        assert_eq!(
            k.sender("li@x"),
            Some(7),
            "a new sender twice is one contact"
        );
    }
}
