//! A countdown of business time toward a target that pauses while a ticket waits on
//! the customer. Its state is four small values, so the SLA engine can store it on the
//! ticket and never replay history.

use crate::calendar::BusinessCalendar;
use jiff::Timestamp;
use std::time::Duration;

/// One SLA target's clock. Business time is counted on a calendar; while paused, none is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaClock {
    target: Duration,
    /// Business time used before the current run (all of it while paused).
    consumed_before: Duration,
    /// When the current run began; `None` while paused.
    running_since: Option<Timestamp>,
    /// When the target was used up, once a pause has found it in the past.
    breached_at: Option<Timestamp>,
}

impl SlaClock {
    /// A clock for `target` running from `at`.
    pub fn start(target: Duration, at: Timestamp) -> Self {
        Self {
            target,
            consumed_before: Duration::ZERO,
            running_since: Some(at),
            breached_at: None,
        }
    }

    /// A clock as stored: its target, business time used before the current run, when
    /// that run began (`None` while paused) and when it was breached, if already known.
    pub fn restore(
        target: Duration,
        consumed_before: Duration,
        running_since: Option<Timestamp>,
        breached_at: Option<Timestamp>,
    ) -> Self {
        Self {
            target,
            consumed_before,
            running_since,
            breached_at,
        }
    }

    pub fn target(&self) -> Duration {
        self.target
    }

    pub fn consumed_before(&self) -> Duration {
        self.consumed_before
    }

    pub fn running_since(&self) -> Option<Timestamp> {
        self.running_since
    }

    pub fn breached_at(&self) -> Option<Timestamp> {
        self.breached_at
    }

    pub fn is_paused(&self) -> bool {
        self.running_since.is_none()
    }

    /// Stops counting at `at` (the ticket now waits on the customer). Pausing a paused
    /// clock changes nothing.
    pub fn pause(&mut self, calendar: &BusinessCalendar, at: Timestamp) {
        let Some(since) = self.running_since else {
            return;
        };
        let consumed = self.consumed_before + calendar.business_between(since, at);
        if self.breached_at.is_none() && consumed >= self.target {
            self.breached_at = calendar.add_business(since, self.left_before_run());
        }
        self.consumed_before = consumed;
        self.running_since = None;
    }

    /// Counts again from `at`. Resuming a running clock changes nothing.
    pub fn resume(&mut self, at: Timestamp) {
        if self.running_since.is_none() {
            self.running_since = Some(at);
        }
    }

    /// Business time used by `now`.
    pub fn consumed(&self, calendar: &BusinessCalendar, now: Timestamp) -> Duration {
        let running = self.running_since.map_or(Duration::ZERO, |since| {
            calendar.business_between(since, now)
        });
        self.consumed_before + running
    }

    /// When the target is (or was) used up; `None` while paused.
    pub fn due(&self, calendar: &BusinessCalendar) -> Option<Timestamp> {
        let since = self.running_since?;
        self.breached_at
            .or_else(|| calendar.add_business(since, self.left_before_run()))
    }

    /// When `percent` of the target will have been used in the current run; `None` while
    /// paused or when that share was already used before this run began.
    pub fn warning_at(&self, calendar: &BusinessCalendar, percent: u8) -> Option<Timestamp> {
        let since = self.running_since?;
        let share = self.target * u32::from(percent.min(100)) / 100;
        let left = share
            .checked_sub(self.consumed_before)
            .filter(|left| !left.is_zero())?;
        calendar.add_business(since, left)
    }

    fn left_before_run(&self) -> Duration {
        self.target.saturating_sub(self.consumed_before)
    }
}
