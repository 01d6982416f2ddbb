//! Logistics cases (物流异常): what went wrong with a parcel, how far the case is, how
//! it ended, and where a buyer can follow a parcel.

use crate::Invalid;

word_enum!(
    /// What went wrong with a parcel. The first three kefu opens by itself from the
    /// tracking; agents open any of them by hand.
    CaseKind, "kind", "invalid_case_kind",
    {
        NoMovement = "no_movement",
        Returned = "returned",
        Exception = "exception",
        SignedNotReceived = "signed_not_received",
        WrongAddress = "wrong_address",
        Damaged = "damaged",
        Lost = "lost",
    }
);

impl CaseKind {
    /// Whether a delivered parcel ends the case by itself (the parcel moved on and
    /// arrived); a damaged or signed-but-not-received parcel is already delivered.
    pub fn ends_on_delivery(self) -> bool {
        matches!(
            self,
            CaseKind::NoMovement | CaseKind::Returned | CaseKind::Exception
        )
    }

    /// The case a parcel status opens by itself, if any.
    pub fn from_parcel_status(status: &str) -> Option<Self> {
        match status {
            "returned" => Some(CaseKind::Returned),
            "exception" => Some(CaseKind::Exception),
            _ => None,
        }
    }

    /// How long agents have by default to settle a case of this kind, in hours.
    pub fn default_deadline_hours(self) -> i64 {
        match self {
            CaseKind::NoMovement | CaseKind::Exception | CaseKind::WrongAddress => 24,
            CaseKind::Returned | CaseKind::SignedNotReceived => 48,
            CaseKind::Damaged | CaseKind::Lost => 72,
        }
    }
}

word_enum!(
    /// How far a case is: open, waiting for the carrier's answer, or resolved.
    CaseStatus, "status", "invalid_case_status",
    { Open = "open", WaitingCarrier = "waiting_carrier", Resolved = "resolved" }
);

word_enum!(
    /// How a case ended: the parcel was signed for, the buyer was compensated, or a
    /// new parcel was sent.
    Resolution, "resolution", "invalid_resolution",
    { Delivered = "delivered", Compensated = "compensated", Reshipped = "reshipped" }
);

/// Where a buyer or agent follows a parcel: the carrier's own page for carriers kefu
/// knows, else a tracking site that reads every carrier's numbers.
pub fn tracking_link(carrier: &str, number: &str) -> String {
    let n: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let c = carrier.trim().to_lowercase();
    let known: &[(&[&str], &str)] = &[
        (
            &["顺丰", "sf", "sf express", "sf-express"],
            "https://www.sf-express.com/chn/sc/waybill/waybill-detail/",
        ),
        (&["ups"], "https://www.ups.com/track?tracknum="),
        (&["fedex"], "https://www.fedex.com/fedextrack/?trknbr="),
        (
            &["dhl"],
            "https://www.dhl.com/global-en/home/tracking.html?tracking-id=",
        ),
        (
            &["usps"],
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
        ),
    ];
    for (names, prefix) in known {
        if names
            .iter()
            .any(|k| c == *k || c.starts_with(&format!("{k} ")))
        {
            return format!("{prefix}{n}");
        }
    }
    format!("https://www.kuaidi100.com/chaxun?nu={n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_statuses_and_resolutions_are_read_in_their_own_words() {
        assert_eq!(
            CaseKind::parse("Signed not received").unwrap(),
            CaseKind::SignedNotReceived
        );
        assert_eq!(
            CaseStatus::parse("waiting-carrier").unwrap(),
            CaseStatus::WaitingCarrier
        );
        assert_eq!(
            Resolution::parse("compensated").unwrap().as_str(),
            "compensated"
        );
        assert_eq!(
            CaseKind::parse("stolen").unwrap_err().code,
            "invalid_case_kind"
        );
    }

    #[test]
    fn only_parcel_troubles_that_delivery_settles_end_on_delivery() {
        assert!(CaseKind::NoMovement.ends_on_delivery());
        assert!(CaseKind::Returned.ends_on_delivery());
        assert!(!CaseKind::SignedNotReceived.ends_on_delivery());
        assert!(!CaseKind::Damaged.ends_on_delivery());
        assert_eq!(
            CaseKind::from_parcel_status("returned"),
            Some(CaseKind::Returned)
        );
        assert_eq!(CaseKind::from_parcel_status("in_transit"), None);
    }

    #[test]
    fn tracking_links_go_to_the_carrier_or_a_site_for_any_carrier() {
        assert_eq!(
            tracking_link("UPS", "1Z999 AA1"),
            "https://www.ups.com/track?tracknum=1Z999AA1"
        );
        assert_eq!(
            tracking_link("顺丰", "SF1234567890"),
            "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"
        );
        assert_eq!(
            tracking_link("中通快递", "ZT7788"),
            "https://www.kuaidi100.com/chaxun?nu=ZT7788"
        );
        assert_eq!(
            tracking_link("x", "a&b<c"),
            "https://www.kuaidi100.com/chaxun?nu=abc"
        );
    }
}
