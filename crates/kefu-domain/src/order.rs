//! Orders and parcels: store kinds, payment and fulfilment states, seller flags (红旗备注),
//! order and tracking numbers, and spotting those numbers in a customer's message.

use crate::Invalid;

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $code:literal, { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(input: &str) -> Result<Self, Invalid> {
                let s = input.trim().to_lowercase().replace(['-', ' '], "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    Invalid::new($field, $code, format!("'{input}' is not known here; use one of: {}", all.join(", ")))
                })
            }

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}
pub(crate) use word_enum;

pub mod logistics;
pub mod reminder;

word_enum!(
    /// Where orders come from: an own shop, a marketplace account (Taobao, Amazon …) or the trading centre.
    StoreKind, "kind", "invalid_store_kind",
    { Shop = "shop", Marketplace = "marketplace", TradingCentre = "trading_centre" }
);

word_enum!(
    /// How far an order is paid.
    PaymentState, "payment_state", "invalid_payment_state",
    {
        Unpaid = "unpaid",
        PartiallyPaid = "partially_paid",
        Paid = "paid",
        PartiallyRefunded = "partially_refunded",
        Refunded = "refunded",
    }
);

word_enum!(
    /// How far an order is on its way to the buyer.
    FulfilmentState, "fulfilment_state", "invalid_fulfilment_state",
    {
        Unshipped = "unshipped",
        PartiallyShipped = "partially_shipped",
        Shipped = "shipped",
        Delivered = "delivered",
        Cancelled = "cancelled",
        Returned = "returned",
    }
);

word_enum!(
    /// The colour of a seller's flag on an order (红旗备注 and its sisters).
    FlagColour, "flag", "invalid_flag",
    { Red = "red", Yellow = "yellow", Green = "green", Blue = "blue", Purple = "purple" }
);

word_enum!(
    /// What an agent changed on an order for the packing team (R-ORD-2).
    ChangeKind, "kind", "invalid_change_kind",
    { Address = "address", ItemAttribute = "item_attribute", Delivery = "delivery", Other = "other" }
);

word_enum!(
    /// Where a parcel is, as carriers report it.
    ShipmentStatus, "status", "invalid_shipment_status",
    {
        Pending = "pending",
        InTransit = "in_transit",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        Exception = "exception",
        Returned = "returned",
    }
);

/// Longest order or tracking number kefu keeps.
pub const MAX_NUMBER_CHARS: usize = 64;
/// Shortest number recognised in a message: shorter runs of digits are quantities and prices.
pub const MIN_RECOGNISED_CHARS: usize = 6;

/// An order number or tracking number as a shop writes it: 1 to 64 visible characters
/// without spaces (`E20261123001`, `2026112300188`, `YT2026112300123`).
pub fn parse_number(field: &'static str, input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    if s.is_empty()
        || s.chars().count() > MAX_NUMBER_CHARS
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Invalid::new(
            field,
            "invalid_number",
            format!(
                "'{input}' is not a number kefu can keep: 1 to {MAX_NUMBER_CHARS} characters without spaces"
            ),
        ));
    }
    Ok(s.to_owned())
}

/// The words of a message that could be an order or tracking number: runs of ASCII
/// letters, digits and `-` of at least [`MIN_RECOGNISED_CHARS`] with at least one digit,
/// deduplicated in order of appearance. Matching them exactly against the customer's
/// own numbers is cheap and never links someone else's order.
pub fn number_candidates(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let word = word.trim_matches('-');
        if word.len() >= MIN_RECOGNISED_CHARS
            && word.len() <= MAX_NUMBER_CHARS
            && word.bytes().any(|b| b.is_ascii_digit())
            && !out.contains(&word)
        {
            out.push(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn states_are_read_in_their_own_words() {
        assert_eq!(
            PaymentState::parse("Partially refunded").unwrap(),
            PaymentState::PartiallyRefunded
        );
        assert_eq!(
            StoreKind::parse("trading-centre").unwrap(),
            StoreKind::TradingCentre
        );
        assert_eq!(FlagColour::parse("RED").unwrap().as_str(), "red");
        let e = FulfilmentState::parse("lost").unwrap_err();
        assert_eq!(e.code, "invalid_fulfilment_state");
        assert!(e.message.contains("unshipped"));
    }

    #[test]
    fn numbers_in_a_message_are_found_beside_chinese_text() {
        let text =
            "您好，我的订单号2026112300188还没发货，快递单号YT2026112300123查不到，买了2件，共99元";
        assert_eq!(
            number_candidates(text),
            ["2026112300188", "YT2026112300123"]
        );
        assert_eq!(
            number_candidates("order E-2026-0001, again E-2026-0001"),
            ["E-2026-0001"]
        );
        assert!(number_candidates("hello, thanks a lot").is_empty());
    }

    #[test]
    fn a_number_has_no_spaces_and_is_not_too_long() {
        assert_eq!(parse_number("order_number", " E1 ").unwrap(), "E1");
        assert!(parse_number("order_number", "E 1").is_err());
        assert!(parse_number("order_number", "").is_err());
        assert!(parse_number("order_number", &"9".repeat(65)).is_err());
    }

    proptest! {
        #[test]
        fn candidates_are_always_words_of_the_text(s in "\\PC{0,80}") {
            for c in number_candidates(&s) {
                prop_assert!(s.contains(c));
                prop_assert!(c.len() >= MIN_RECOGNISED_CHARS);
            }
        }
    }
}
