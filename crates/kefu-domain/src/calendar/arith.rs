//! Business-time arithmetic: which instants are open, and how much open time lies
//! between two instants. Local hours become instants day by day in the calendar's zone,
//! so clock changes are handled: an hour skipped in spring is not worked, an hour
//! repeated in autumn is worked twice.

use super::BusinessCalendar;
use jiff::civil::Date;
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// The open spans of one local date, as instants in order: `[start, end)`.
type Spans = Vec<(Timestamp, Timestamp)>;

impl BusinessCalendar {
    /// Whether the calendar is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.spans(self.local_date(at))
            .iter()
            .any(|&(s, e)| s <= at && at < e)
    }

    /// The first open instant at or after `at` (`at` itself when open). `None` only
    /// past the end of the representable time range.
    pub fn next_open(&self, at: Timestamp) -> Option<Timestamp> {
        let mut date = self.local_date(at);
        for _ in 0..self.look_ahead_days(Duration::ZERO) {
            if let Some(&(s, _)) = self.spans(date).iter().find(|&&(_, e)| at < e) {
                return Some(s.max(at));
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The instant by which `duration` of business time has passed after `start`: the
    /// due time of a target. A zero duration is due at `start`. A target that runs out
    /// exactly at closing time is due at closing time, not at the next opening.
    pub fn add_business(&self, start: Timestamp, duration: Duration) -> Option<Timestamp> {
        let mut left = SignedDuration::try_from(duration).ok()?;
        if left.is_zero() {
            return Some(start);
        }
        let mut date = self.local_date(start);
        for _ in 0..self.look_ahead_days(duration) {
            for (s, e) in self.spans(date) {
                if e <= start {
                    continue;
                }
                let s = s.max(start);
                let open = e.duration_since(s);
                if open >= left {
                    return s.checked_add(left).ok();
                }
                left -= open;
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// Business time between two instants (zero when `to` is not after `from`).
    pub fn business_between(&self, from: Timestamp, to: Timestamp) -> Duration {
        let mut total = SignedDuration::ZERO;
        if to <= from {
            return Duration::ZERO;
        }
        let last = self.local_date(to);
        let mut date = self.local_date(from);
        while date <= last {
            for (s, e) in self.spans(date) {
                let (s, e) = (s.max(from), e.min(to));
                if e > s {
                    total += e.duration_since(s);
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        Duration::try_from(total).unwrap_or(Duration::ZERO)
    }

    /// The local date of an instant in the calendar's zone.
    pub fn local_date(&self, at: Timestamp) -> Date {
        self.tz.to_datetime(at).date()
    }

    /// How many days the arithmetic may walk to cover `duration`: every holiday, plus
    /// twice the weeks the duration needs at the weekly hours, plus three weeks (a
    /// clock change can swallow a short day). Every calendar is open some minutes a
    /// week, so this always ends.
    fn look_ahead_days(&self, duration: Duration) -> u64 {
        let week = u64::from(self.weekly.minutes_per_week()).max(1) * 60;
        let weeks = duration.as_secs() / week + 1;
        (self.dated_entries() as u64)
            .saturating_add(weeks.saturating_mul(14))
            .saturating_add(21)
    }

    /// The open spans of a local date as instants, in order and not overlapping.
    fn spans(&self, date: Date) -> Spans {
        // `instant` never goes backwards as local time goes forwards, so the spans stay
        // in order; a span inside a skipped hour comes out empty and is dropped.
        self.hours_on(date)
            .intervals()
            .iter()
            .filter_map(|i| {
                let s = self.instant(date, i.start_minute())?;
                let e = self.instant(date, i.end_minute())?;
                (e > s).then_some((s, e))
            })
            .collect()
    }

    /// The instant a local date and clock time (minutes after midnight, 1440 = the next
    /// midnight) name. A time repeated by a clock change is its first occurrence; a time
    /// skipped by one is the instant of the change, so a span in a skipped hour is empty.
    fn instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let (date, minute) = if minute >= super::DAY_MINUTES {
            (date.tomorrow().ok()?, 0)
        } else {
            (date, minute)
        };
        let dt = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok(),
            AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).ok(),
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset the time falls before the change; the
                // change itself is the next transition.
                let early = after.to_timestamp(dt).ok()?;
                Some(self.tz.following(early).next()?.timestamp())
            }
        }
    }
}
