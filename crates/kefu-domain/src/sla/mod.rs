//! SLA policies' rules (which tickets a policy covers, its targets) and the pausable
//! business-time clock a ticket's targets run on.

mod clock;
mod policy;

pub use clock::SlaClock;
pub use policy::{
    DEFAULT_WARNING_PERCENT, MAX_TARGET_MINUTES, SlaConditions, SlaTargets, TicketFacts, parse_key,
};
