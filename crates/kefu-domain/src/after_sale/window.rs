//! Policy windows: whether a request falls inside the days a store allows after delivery.
//!
//! Days are counted as the no-reason-return rules count them (《网络购买商品七日无理由退货
//! 暂行办法》): from the day after the buyer signed for the goods, in the store's time
//! zone, so a parcel signed on 1 March may be returned under a 7-day window through
//! 8 March. A request before any delivery is recorded is inside: the window has not
//! started.

use super::PolicyKind;
use crate::Invalid;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The no-reason return window when a store sets none (七天无理由退货).
pub const DEFAULT_NO_REASON_DAYS: i64 = 7;
/// The quality-problem window when a store sets none.
pub const DEFAULT_QUALITY_DAYS: i64 = 15;
/// The longest window a store may set.
pub const MAX_DAYS: i64 = 365;

/// A policy and its length in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub policy: PolicyKind,
    days: i64,
}

impl Window {
    pub fn new(policy: PolicyKind, days: i64) -> Result<Self, Invalid> {
        if !(0..=MAX_DAYS).contains(&days) {
            return Err(Invalid::new(
                "days",
                "invalid_window",
                format!("a window is 0 to {MAX_DAYS} days"),
            ));
        }
        Ok(Self { policy, days })
    }

    /// The window kefu applies when the store sets none.
    pub fn default_for(policy: PolicyKind) -> Self {
        let days = match policy {
            PolicyKind::NoReason => DEFAULT_NO_REASON_DAYS,
            PolicyKind::Quality => DEFAULT_QUALITY_DAYS,
        };
        Self { policy, days }
    }

    pub fn days(self) -> i64 {
        self.days
    }
}

/// What kefu says about a request: inside or outside, and the dates that decide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowDecision {
    pub policy: PolicyKind,
    pub days: i64,
    /// The day the goods were signed for, in the store's time zone (none: not delivered yet).
    pub delivered_on: Option<Date>,
    /// The last day a request is inside the window.
    pub last_day: Option<Date>,
    pub inside: bool,
}

/// Decides whether a request made at `asked_at` is inside `window` for goods delivered
/// at `delivered_at`, counting days in `tz`.
pub fn decide(
    window: Window,
    delivered_at: Option<Timestamp>,
    asked_at: Timestamp,
    tz: &TimeZone,
) -> WindowDecision {
    let day = |t: Timestamp| t.to_zoned(tz.clone()).date();
    let delivered_on = delivered_at.map(day);
    let last_day = delivered_on.map(|d| d.checked_add(window.days.days()).unwrap_or(Date::MAX));
    let inside = last_day.is_none_or(|last| day(asked_at) <= last);
    WindowDecision {
        policy: window.policy,
        days: window.days,
        delivered_on,
        last_day,
        inside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    #[test]
    fn seven_days_count_from_the_day_after_signing_in_the_store_s_zone() {
        let w = Window::default_for(PolicyKind::NoReason);
        // Signed at 23:30 on 1 March in Shanghai (15:30 UTC).
        let signed = at("2026-03-01T15:30:00Z");
        let last = decide(w, Some(signed), at("2026-03-08T15:59:00Z"), &shanghai());
        assert!(last.inside, "23:59 on 8 March in Shanghai");
        assert_eq!(last.last_day, Some(jiff::civil::date(2026, 3, 8)));
        assert_eq!(last.delivered_on, Some(jiff::civil::date(2026, 3, 1)));
        let late = decide(w, Some(signed), at("2026-03-08T16:00:00Z"), &shanghai());
        assert!(!late.inside, "00:00 on 9 March in Shanghai");
    }

    #[test]
    fn a_request_before_delivery_is_inside() {
        let d = decide(
            Window::default_for(PolicyKind::Quality),
            None,
            at("2030-01-01T00:00:00Z"),
            &TimeZone::UTC,
        );
        assert!(d.inside);
        assert_eq!((d.days, d.last_day), (15, None));
    }

    #[test]
    fn windows_are_zero_to_a_year() {
        assert!(Window::new(PolicyKind::NoReason, -1).is_err());
        assert!(Window::new(PolicyKind::NoReason, 366).is_err());
        assert_eq!(Window::new(PolicyKind::Quality, 30).unwrap().days(), 30);
    }

    fn zones() -> impl Strategy<Value = TimeZone> {
        prop::sample::select(vec![
            "Asia/Shanghai",
            "America/Santiago",
            "Europe/London",
            "Pacific/Auckland",
            "UTC",
        ])
        .prop_map(|z| TimeZone::get(z).unwrap())
    }

    /// 2000 to 2100 in milliseconds.
    const SPAN: std::ops::Range<i64> = 946_684_800_000..4_102_444_800_000;

    proptest! {
        #[test]
        fn once_outside_a_request_stays_outside(
            delivered in SPAN, a in SPAN, b in SPAN, days in 0..=MAX_DAYS, tz in zones(),
        ) {
            let w = Window::new(PolicyKind::NoReason, days).unwrap();
            let (early, late) = (a.min(b), a.max(b));
            let ts = |ms| Timestamp::from_millisecond(ms).unwrap();
            let d_early = decide(w, Some(ts(delivered)), ts(early), &tz);
            let d_late = decide(w, Some(ts(delivered)), ts(late), &tz);
            prop_assert!(!d_late.inside || d_early.inside);
        }

        #[test]
        fn a_longer_window_never_turns_inside_to_outside(
            delivered in SPAN, asked in SPAN, days in 0..MAX_DAYS, tz in zones(),
        ) {
            let ts = |ms| Timestamp::from_millisecond(ms).unwrap();
            let short = Window::new(PolicyKind::Quality, days).unwrap();
            let long = Window::new(PolicyKind::Quality, days + 1).unwrap();
            let s = decide(short, Some(ts(delivered)), ts(asked), &tz);
            let l = decide(long, Some(ts(delivered)), ts(asked), &tz);
            prop_assert!(!s.inside || l.inside);
        }

        #[test]
        fn a_request_on_the_day_of_delivery_is_inside(delivered in SPAN, days in 0..=MAX_DAYS, tz in zones()) {
            let t = Timestamp::from_millisecond(delivered).unwrap();
            let w = Window::new(PolicyKind::NoReason, days).unwrap();
            prop_assert!(decide(w, Some(t), t, &tz).inside);
        }
    }
}
