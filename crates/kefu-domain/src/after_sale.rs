//! After-sales cases (售后): their kinds, the status machine each kind follows, which
//! policy window a reason falls under, and how a refund is shared over a case's items.

pub mod share;
pub mod window;

use crate::Invalid;
use crate::order::word_enum;

word_enum!(
    /// What the buyer asks for: return for a refund (退货退款), exchange (换货), a refund
    /// without sending anything back (仅退款), a re-shipment (补发) or a repair (维修).
    CaseKind, "kind", "invalid_case_kind",
    {
        Return = "return",
        Exchange = "exchange",
        RefundOnly = "refund_only",
        Reship = "reship",
        Repair = "repair",
    }
);

word_enum!(
    /// Where a case stands.
    CaseStatus, "status", "invalid_case_status",
    {
        Requested = "requested",
        Approved = "approved",
        GoodsReturned = "goods_returned",
        Inspected = "inspected",
        Refunded = "refunded",
        Reshipped = "reshipped",
        Closed = "closed",
        Rejected = "rejected",
    }
);

word_enum!(
    /// Which window a reason is judged by: the no-reason return (七天无理由) or a
    /// quality problem (质量问题), which the seller answers for longer.
    PolicyKind, "policy", "invalid_policy",
    { NoReason = "no_reason", Quality = "quality" }
);

use CaseStatus as S;

impl CaseKind {
    /// The statuses a case of this kind passes through when all goes well, in order.
    pub fn path(self) -> &'static [CaseStatus] {
        match self {
            CaseKind::Return => &[
                S::Requested,
                S::Approved,
                S::GoodsReturned,
                S::Inspected,
                S::Refunded,
                S::Closed,
            ],
            CaseKind::Exchange | CaseKind::Repair => &[
                S::Requested,
                S::Approved,
                S::GoodsReturned,
                S::Inspected,
                S::Reshipped,
                S::Closed,
            ],
            CaseKind::RefundOnly => &[S::Requested, S::Approved, S::Refunded, S::Closed],
            CaseKind::Reship => &[S::Requested, S::Approved, S::Reshipped, S::Closed],
        }
    }

    /// Whether money goes back to the buyer (a refund amount applies).
    pub fn refunds(self) -> bool {
        matches!(self, CaseKind::Return | CaseKind::RefundOnly)
    }

    /// Whether goods go out to the buyer again (a re-shipment cost applies).
    pub fn ships(self) -> bool {
        matches!(
            self,
            CaseKind::Exchange | CaseKind::Reship | CaseKind::Repair
        )
    }

    /// Whether the buyer sends the goods back (a return waybill applies).
    pub fn takes_goods_back(self) -> bool {
        self.path().contains(&S::GoodsReturned)
    }
}

impl CaseStatus {
    /// Nothing follows a closed or rejected case.
    pub fn is_final(self) -> bool {
        matches!(self, S::Closed | S::Rejected)
    }

    /// Money or goods have gone out: the case counts in the loss view.
    pub fn is_settled(self) -> bool {
        matches!(self, S::Refunded | S::Reshipped)
    }

    /// Still waiting for a decision or the goods: may be rejected, or withdrawn (closed).
    fn is_undecided(self) -> bool {
        matches!(self, S::Requested | S::Approved)
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The machine does not lead from `from` to `to` for this kind; `allowed` is where it does.
    Illegal {
        from: CaseStatus,
        to: CaseStatus,
        allowed: Vec<CaseStatus>,
    },
    /// Rejecting, or closing a case nothing was done for, needs a reason.
    ReasonRequired,
}

/// Where a case of `kind` may go from `from`: the next step of its path; rejection
/// before anything went out; closing (withdrawn by the buyer) before the goods are back.
pub fn allowed_next(kind: CaseKind, from: CaseStatus) -> Vec<CaseStatus> {
    if from.is_final() {
        return Vec::new();
    }
    let path = kind.path();
    let mut out: Vec<CaseStatus> = path
        .iter()
        .position(|s| *s == from)
        .and_then(|i| path.get(i + 1))
        .copied()
        .into_iter()
        .collect();
    if !from.is_settled() {
        out.push(S::Rejected);
    }
    if from.is_undecided() {
        out.push(S::Closed);
    }
    out
}

/// Whether a case of `kind` may go from `from` to `to`; `reason_given` says whether the
/// request carries a reason (rejections and withdrawals need one).
pub fn check(
    kind: CaseKind,
    from: CaseStatus,
    to: CaseStatus,
    reason_given: bool,
) -> Result<(), Refusal> {
    let allowed = allowed_next(kind, from);
    if !allowed.contains(&to) {
        return Err(Refusal::Illegal { from, to, allowed });
    }
    let needs_reason = to == S::Rejected || (to == S::Closed && from.is_undecided());
    if needs_reason && !reason_given {
        return Err(Refusal::ReasonRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_return_goes_through_the_goods_and_ends_refunded_then_closed() {
        let k = CaseKind::Return;
        assert_eq!(
            allowed_next(k, S::Approved),
            [S::GoodsReturned, S::Rejected, S::Closed]
        );
        assert_eq!(allowed_next(k, S::Inspected), [S::Refunded, S::Rejected]);
        assert_eq!(allowed_next(k, S::Refunded), [S::Closed]);
        assert!(check(k, S::Approved, S::Refunded, false).is_err());
    }

    #[test]
    fn a_refund_only_case_skips_the_goods() {
        let k = CaseKind::RefundOnly;
        assert!(check(k, S::Approved, S::Refunded, false).is_ok());
        assert!(check(k, S::Approved, S::GoodsReturned, false).is_err());
        assert!(!k.takes_goods_back());
    }

    #[test]
    fn a_reship_goes_to_reshipped_never_refunded() {
        let k = CaseKind::Reship;
        assert!(check(k, S::Approved, S::Reshipped, false).is_ok());
        assert!(check(k, S::Approved, S::Refunded, false).is_err());
        assert!(k.ships() && !k.refunds());
    }

    #[test]
    fn rejecting_needs_a_reason_and_closed_is_final() {
        let k = CaseKind::Exchange;
        assert_eq!(
            check(k, S::Requested, S::Rejected, false),
            Err(Refusal::ReasonRequired)
        );
        assert!(check(k, S::Inspected, S::Rejected, true).is_ok());
        assert_eq!(
            check(k, S::Requested, S::Closed, false),
            Err(Refusal::ReasonRequired),
            "a withdrawal says why"
        );
        assert!(check(k, S::Reshipped, S::Closed, false).is_ok());
        for to in CaseStatus::ALL {
            assert!(check(k, S::Closed, *to, true).is_err());
            assert!(check(k, S::Rejected, *to, true).is_err());
        }
    }

    #[test]
    fn nothing_is_rejected_after_the_money_or_goods_went_out() {
        for k in CaseKind::ALL {
            for s in [S::Refunded, S::Reshipped] {
                assert!(!allowed_next(*k, s).contains(&S::Rejected));
            }
        }
    }

    fn kinds() -> impl Strategy<Value = CaseKind> {
        prop::sample::select(CaseKind::ALL.to_vec())
    }

    fn statuses() -> impl Strategy<Value = CaseStatus> {
        prop::sample::select(CaseStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn no_sequence_of_requests_reaches_a_forbidden_state(
            kind in kinds(),
            asked in prop::collection::vec((statuses(), any::<bool>()), 0..40),
        ) {
            let path = kind.path();
            let mut at = S::Requested;
            let mut step = 0usize;
            for (to, reason) in asked {
                let before = at;
                match check(kind, at, to, reason) {
                    Ok(()) => at = to,
                    Err(_) => {
                        prop_assert_eq!(at, before, "a refusal changes nothing");
                        continue;
                    }
                }
                prop_assert!(!before.is_final(), "nothing leaves a final state");
                if let Some(i) = path.iter().position(|s| *s == at) {
                    prop_assert!(i > step || at == S::Closed, "only forward along the path");
                    step = i;
                } else {
                    prop_assert_eq!(at, S::Rejected);
                    prop_assert!(reason, "a rejection has a reason");
                    prop_assert!(!before.is_settled());
                }
                if at == S::Refunded {
                    prop_assert!(kind.refunds());
                }
                if at == S::Reshipped {
                    prop_assert!(kind.ships());
                }
                if at == S::GoodsReturned {
                    prop_assert!(kind.takes_goods_back());
                }
            }
        }

        #[test]
        fn every_allowed_step_is_accepted_with_a_reason(kind in kinds(), from in statuses()) {
            for to in allowed_next(kind, from) {
                prop_assert!(check(kind, from, to, true).is_ok());
            }
        }
    }
}
