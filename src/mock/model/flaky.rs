//! A scenario's unreliability: latency jitter and failed responses. Drawn per
//! response from a ChaCha stream of its own, seeded by the call's seed, so a run is
//! reproducible and scenarios without them keep their ids and wording.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::responses::Resp;
use super::schedule::RStep;
use crate::mock::scenario::Scenario;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ 0xF1A4_E000_0000_0002)
}

/// The planned response as the scenario's luck has it: everything after
/// `response.created` delayed by the jitter, or, for a failure, nothing said and a
/// `response.done` with status `failed` when the first output would have come.
pub fn apply(
    scenario: &Scenario,
    rng: &mut ChaCha8Rng,
    mut resp: Resp,
    steps: Vec<(u64, RStep)>,
) -> (Resp, Vec<(u64, RStep)>) {
    let jitter = match scenario.pace.latency_jitter_ms {
        0 => 0,
        j => rng.random_range(0..=j),
    };
    let rate = scenario.failure_rate;
    if rate > 0.0 && rng.random_bool(rate.min(1.0)) {
        resp.final_status = "failed";
        // The shape of the API's failed responses (protocol.md §4.5 status_details).
        resp.final_details = json!({"type": "failed",
            "error": {"type": "server_error", "code": "server_error"}});
        let at = scenario.pace.first_delta_ms + jitter;
        let steps = vec![
            (0, RStep::Created),
            (0, RStep::RateLimits),
            (at, RStep::Done),
        ];
        return (resp, steps);
    }
    let steps = steps
        .into_iter()
        .map(|(t, s)| match s {
            RStep::Created | RStep::RateLimits => (t, s),
            s => (t + jitter, s),
        })
        .collect();
    (resp, steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::model::ids::Ids;
    use crate::mock::model::plan::{build, Spec};
    use crate::mock::model::reply::Reply;
    use crate::mock::model::responses::InputTokens;
    use serde_json::Value;

    fn planned() -> (Resp, Vec<(u64, RStep)>) {
        let spec = Spec {
            conversation: true,
            modalities: vec!["text".into()],
            voice: "marin".into(),
            format: Value::Null,
            max_output_tokens: json!("inf"),
            metadata: Value::Null,
            instructions: String::new(),
            tools: vec![],
            tool_choice: json!("auto"),
            context: vec![],
        };
        let pace = crate::mock::scenario::Pace {
            first_delta_ms: 100,
            ..crate::mock::scenario::Pace::instant()
        };
        build(
            "resp_1".into(),
            &spec,
            Reply::Text("Hello there".into()),
            &pace,
            &mut Ids::new(1),
            InputTokens::default(),
            json!([]),
        )
    }

    fn scenario(text: &str) -> Scenario {
        let mut s = Scenario::parse(text).unwrap();
        s.pace.first_delta_ms = 100;
        s
    }

    #[test]
    fn jitter_delays_all_but_the_start_within_its_bound() {
        let s = scenario("[pace]\nlatency_jitter_ms = 50");
        let mut rng = rng(3);
        let mut shifts = Vec::new();
        for _ in 0..40 {
            let (plain_resp, plain) = planned();
            let (_, jittered) = apply(&s, &mut rng, plain_resp, plain.clone());
            assert_eq!(jittered[0], plain[0], "response.created is not delayed");
            let shift = jittered.last().unwrap().0 - plain.last().unwrap().0;
            assert!(shift <= 50, "{shift}");
            shifts.push(shift);
        }
        assert!(shifts.iter().any(|s| *s != shifts[0]), "{shifts:?}");
    }

    #[test]
    fn a_failure_rate_fails_that_share_reproducibly() {
        let s = scenario("failure_rate = 0.25");
        let draw = |seed| {
            let mut rng = rng(seed);
            (0..400)
                .filter(|_| {
                    let (r, st) = planned();
                    let (r, st) = apply(&s, &mut rng, r, st);
                    if r.final_status == "failed" {
                        assert_eq!(st.last(), Some(&(100, RStep::Done)));
                        assert_eq!(r.final_details["error"]["type"], "server_error");
                    }
                    r.final_status == "failed"
                })
                .count()
        };
        let failed = draw(9);
        assert_eq!(failed, draw(9), "the same seed fails the same responses");
        assert!((60..140).contains(&failed), "{failed} of 400");
        let none = scenario("");
        let (r, st) = planned();
        let (r2, st2) = apply(&none, &mut rng(1), r.clone(), st.clone());
        assert_eq!((r2.final_status, st2), (r.final_status, st));
    }
}
