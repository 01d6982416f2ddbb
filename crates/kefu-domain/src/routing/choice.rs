//! Who in a team takes a conversation: round-robin or least-load, within capacity and skills.

use super::Strategy;

/// An agent routing may give a conversation to: online, enabled, a member of the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: i64,
    /// Open conversations assigned to the agent now.
    pub load: i64,
    pub capacity: i64,
    /// The agent's skills (normalised, as [`super::Skill::parse_list`] returns them).
    pub skills: Vec<String>,
    /// When routing last gave the agent a conversation (UTC ms; 0: never).
    pub last_assigned_at: i64,
}

impl Candidate {
    /// Whether the agent has room for one more conversation and every skill it needs.
    pub fn fits(&self, required: &[String]) -> bool {
        self.load < self.capacity && required.iter().all(|s| self.skills.contains(s))
    }
}

/// Picks who takes a conversation that needs the `required` skills: an index into
/// `candidates`, or `None` when nobody fits.
///
/// Round-robin takes the first fitting agent after `cursor` (the user id of the agent
/// who took the team's previous conversation) in user-id order, wrapping around.
/// Least-load takes the fitting agent with the fewest open conversations; ties go to
/// whoever waited longest since their last assignment, then to the lower id.
pub fn choose(
    strategy: Strategy,
    candidates: &[Candidate],
    required: &[String],
    cursor: i64,
) -> Option<usize> {
    let fitting = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.fits(required));
    match strategy {
        Strategy::RoundRobin => {
            let mut after: Option<(usize, i64)> = None;
            let mut first: Option<(usize, i64)> = None;
            for (i, c) in fitting {
                if first.is_none_or(|(_, id)| c.user_id < id) {
                    first = Some((i, c.user_id));
                }
                if c.user_id > cursor && after.is_none_or(|(_, id)| c.user_id < id) {
                    after = Some((i, c.user_id));
                }
            }
            after.or(first).map(|(i, _)| i)
        }
        Strategy::LeastLoad => fitting
            .min_by_key(|(_, c)| (c.load, c.last_assigned_at, c.user_id))
            .map(|(i, _)| i),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Strategy;
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::Strategy as _;

    fn agent(user_id: i64, load: i64, capacity: i64, skills: &[&str]) -> Candidate {
        Candidate {
            user_id,
            load,
            capacity,
            skills: skills.iter().map(|s| (*s).to_owned()).collect(),
            last_assigned_at: 0,
        }
    }

    #[test]
    fn round_robin_takes_the_next_agent_after_the_cursor_and_wraps() {
        let team = [
            agent(7, 0, 5, &[]),
            agent(3, 0, 5, &[]),
            agent(5, 0, 5, &[]),
        ];
        let pick = |cursor| team[choose(Strategy::RoundRobin, &team, &[], cursor).unwrap()].user_id;
        assert_eq!(pick(0), 3);
        assert_eq!(pick(3), 5);
        assert_eq!(pick(5), 7);
        assert_eq!(pick(7), 3);
        assert_eq!(pick(4), 5, "a cursor of someone who left still moves on");
    }

    #[test]
    fn least_load_takes_the_least_loaded_then_the_longest_waiting() {
        let mut team = [
            agent(1, 3, 5, &[]),
            agent(2, 1, 5, &[]),
            agent(3, 1, 5, &[]),
        ];
        team[1].last_assigned_at = 200;
        team[2].last_assigned_at = 100;
        assert_eq!(choose(Strategy::LeastLoad, &team, &[], 0), Some(2));
    }

    #[test]
    fn nobody_full_or_unskilled_is_chosen() {
        let team = [agent(1, 5, 5, &["lang:en"]), agent(2, 0, 5, &["lang:zh"])];
        let en = vec!["lang:en".to_owned()];
        for s in Strategy::ALL {
            assert_eq!(choose(s, &team, &en, 0), None);
            assert_eq!(choose(s, &team, &[], 0), Some(1));
        }
        assert_eq!(
            choose(Strategy::LeastLoad, &[agent(1, 0, 0, &[])], &[], 0),
            None
        );
    }

    fn candidates() -> impl proptest::strategy::Strategy<Value = Vec<Candidate>> {
        proptest::collection::vec(
            (
                0i64..8,
                0i64..8,
                proptest::sample::subsequence(vec!["a", "b", "c"], 0..=3),
                0i64..50,
            ),
            0..12,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (load, capacity, skills, at))| Candidate {
                    user_id: i as i64 * 3 + 1,
                    load,
                    capacity,
                    skills: skills.into_iter().map(str::to_owned).collect(),
                    last_assigned_at: at,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_chosen_agent_fits_and_someone_is_chosen_whenever_anyone_fits(
            team in candidates(),
            required in proptest::sample::subsequence(vec!["a", "b"], 0..=2),
            cursor in 0i64..40,
            least in any::<bool>(),
        ) {
            let required: Vec<String> = required.into_iter().map(str::to_owned).collect();
            let strategy = if least { Strategy::LeastLoad } else { Strategy::RoundRobin };
            let anyone = team.iter().any(|c| c.fits(&required));
            match choose(strategy, &team, &required, cursor) {
                Some(i) => {
                    prop_assert!(team[i].fits(&required));
                    if least {
                        let min = team.iter().filter(|c| c.fits(&required)).map(|c| c.load).min();
                        prop_assert_eq!(Some(team[i].load), min);
                    }
                }
                None => prop_assert!(!anyone),
            }
        }

        #[test]
        fn round_robin_shares_conversations_within_one_of_each_other(k in 1usize..12, n in 0usize..300) {
            let mut team: Vec<Candidate> = (0..k).map(|i| agent(i as i64 * 2 + 1, 0, 1_000, &[])).collect();
            let mut cursor = 0;
            for _ in 0..n {
                let i = choose(Strategy::RoundRobin, &team, &[], cursor).unwrap();
                team[i].load += 1;
                cursor = team[i].user_id;
            }
            let max = team.iter().map(|c| c.load).max().unwrap();
            let min = team.iter().map(|c| c.load).min().unwrap();
            prop_assert!(max - min <= 1);
        }

        #[test]
        fn least_load_keeps_loads_level(k in 1usize..12, n in 0usize..300, start in proptest::collection::vec(0i64..5, 12)) {
            let mut team: Vec<Candidate> = (0..k).map(|i| agent(i as i64 + 1, start[i], 1_000, &[])).collect();
            let top = team.iter().map(|c| c.load).max().unwrap();
            for step in 0..n {
                let i = choose(Strategy::LeastLoad, &team, &[], 0).unwrap();
                team[i].load += 1;
                team[i].last_assigned_at = step as i64 + 1;
            }
            let max = team.iter().map(|c| c.load).max().unwrap();
            let min = team.iter().map(|c| c.load).min().unwrap();
            prop_assert!(max - min <= 1 || max == top, "loads only spread while catching up");
        }
    }
}
