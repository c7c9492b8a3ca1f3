//! Scenario files: what the mock says, which tools it calls, how it paces itself and
//! which faults it injects. TOML, every key optional; unknown keys are an error so a
//! typo does not silently run the default behaviour.
//!
//! ```toml
//! seed = 7                          # fixes ids and generated text; --seed overrides
//! failure_rate = 0.0                # this share of responses fail (status "failed", seeded)
//!
//! transcripts = ["What's the weather in Paris?"]   # what the mock "hears", turn by turn
//!
//! [pace]
//! first_delta_ms = 120              # response.created → first text/transcript delta
//! delta_interval_ms = 25            # between deltas
//! audio_ms_per_char = 60            # length of the spoken reply per transcript character
//! latency_jitter_ms = 0             # each response starts up to this much later (seeded)
//!
//! [[reply]]                         # first rule whose regex matches the user's turn wins
//! when = "(?i)weather"
//! text = "It is sunny in Paris."
//!
//! [[reply]]
//! when = "(?i)horoscope"
//! call = "generate_horoscope"       # call this configured tool…
//! arguments = { sign = "Aquarius" } # …with these arguments (else generated from its schema)
//!
//! [[reply]]
//! when = "(?i)trip"
//! preamble = "Let me check."        # a short message first, in the same response…
//! calls = [                         # …then several calls at once (parallel tool calls)
//!   { name = "get_weather", arguments = { city = "Paris" } },
//!   { name = "get_time" },
//! ]
//!
//! [[fault]]
//! after_events = 5                  # once the mock has sent 5 events…
//! action = "close_data_channel"     # …close the channel (send_malformed, send_unknown,
//!                                   #  stop_audio, stop_events, session_expired)
//!
//! [signaling]
//! answer_delay_ms = 500             # hold the SDP answer this long
//! calls_status = 429                # answer POST /realtime/calls with this error status
//! client_secrets_status = 500       # answer POST /realtime/client_secrets with this status
//! fail_times = 1                    # fail only the first N requests (default: all)
//! retry_after_s = 7                 # send `Retry-After: 7` with those failures
//! ```

use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};

/// A parsed scenario. `Scenario::default()` is the mock's built-in behaviour.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub seed: Option<u64>,
    #[serde(default)]
    pub pace: Pace,
    #[serde(default, rename = "reply")]
    pub replies: Vec<ReplyRule>,
    /// What the mock claims to have heard for each VAD-detected turn, in order; after
    /// the list runs out it says how much speech it heard.
    #[serde(default)]
    pub transcripts: Vec<String>,
    #[serde(default, rename = "fault")]
    pub faults: Vec<Fault>,
    #[serde(default)]
    pub signaling: Signaling,
    /// The share of responses (0..=1) that end in `response.done` with status
    /// `failed` and a `server_error`, drawn per response from the call's seed, so
    /// repeated runs have a pass rate to measure.
    #[serde(default)]
    pub failure_rate: f64,
}

/// Timing of the simulated model. Defaults are close to a real gpt-realtime session on
/// a good network; tests set them to zero.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pace {
    pub first_delta_ms: u64,
    pub delta_interval_ms: u64,
    pub audio_ms_per_char: u64,
    /// Each response's events come up to this much later than the pace says (from
    /// `response.created` on), drawn per response from the call's seed.
    pub latency_jitter_ms: u64,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            first_delta_ms: 120,
            delta_interval_ms: 25,
            audio_ms_per_char: 60,
            latency_jitter_ms: 0,
        }
    }
}

impl Pace {
    /// No waiting at all: every event of a response is due at once.
    pub fn instant() -> Self {
        Pace {
            first_delta_ms: 0,
            delta_interval_ms: 0,
            audio_ms_per_char: 60,
            latency_jitter_ms: 0,
        }
    }
}

/// "When the user says something matching `when`, answer with `text` or call `call`."
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyRule {
    #[serde(with = "serde_regex_str")]
    pub when: Regex,
    pub text: Option<String>,
    pub call: Option<String>,
    pub arguments: Option<Map<String, Value>>,
    /// Several tool calls in one response (parallel tool calls).
    pub calls: Option<Vec<CallSpec>>,
    /// A short message said before the call(s), in the same response.
    pub preamble: Option<String>,
}

/// One call of a rule's `calls`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    pub name: String,
    /// Arguments (the rest generated from the tool's schema).
    pub arguments: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// Close the data channel and end the call, as a server crash or hang-up would.
    CloseDataChannel,
    /// Send a text message that is not JSON.
    SendMalformed,
    /// Send a well-formed event of a type no client knows.
    SendUnknown,
    /// Keep sending events but stop the audio on the track.
    StopAudio,
    /// Send nothing more on the data channel, keeping the call up: a hung server.
    StopEvents,
    /// End the session with the `session_expired` error, as the duration limit does.
    SessionExpired,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Fires once the mock has sent this many events on the data channel.
    pub after_events: u64,
    pub action: FaultAction,
}

/// Faults of the HTTP side: slow or failing signaling.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signaling {
    pub answer_delay_ms: Option<u64>,
    pub calls_status: Option<u16>,
    pub client_secrets_status: Option<u16>,
    /// How many requests fail with the statuses above before they succeed; all of them
    /// when absent.
    pub fail_times: Option<u32>,
    /// `Retry-After` (seconds) on the injected failures.
    pub retry_after_s: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("scenario {path} is not valid: {message}\nsee the README section \"Mock scenarios\" for the format")]
    Invalid { path: String, message: String },
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: shown.clone(),
            source,
        })?;
        Scenario::parse(&text).map_err(|message| ScenarioError::Invalid {
            path: shown,
            message,
        })
    }

    /// Parses and checks a scenario; the error names the key and what would do.
    pub fn parse(text: &str) -> Result<Scenario, String> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
        scenario.check()?;
        Ok(scenario)
    }

    fn check(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.failure_rate) {
            return Err(format!(
                "failure_rate = {}: give a share between 0 and 1 (0.2 fails one response in five)",
                self.failure_rate
            ));
        }
        for (i, rule) in self.replies.iter().enumerate() {
            let n = i + 1;
            if rule.calls.as_ref().is_some_and(Vec::is_empty) {
                return Err(format!(
                    "reply rule {n} has an empty `calls`: list at least one call"
                ));
            }
            if rule.calls.is_some() && (rule.text.is_some() || rule.call.is_some()) {
                return Err(format!(
                    "reply rule {n} has `calls` with `text` or `call`: put every call in `calls`"
                ));
            }
            if rule.preamble.is_some() && rule.call.is_none() && rule.calls.is_none() {
                return Err(format!(
                    "reply rule {n} has a `preamble` without `call` or `calls`: a preamble comes before tool calls"
                ));
            }
            if rule.calls.is_some() {
                continue;
            }
            match (&rule.text, &rule.call) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "reply rule {n} has both `text` and `call`: give one (a rule either answers or calls a tool)"
                    ))
                }
                (None, None) => {
                    return Err(format!(
                        "reply rule {n} has neither `text` nor `call`: say what the mock answers"
                    ))
                }
                (Some(_), None) if rule.arguments.is_some() => {
                    return Err(format!(
                        "reply rule {n} has `arguments` without `call`: arguments belong to a tool call"
                    ))
                }
                _ => {}
            }
        }
        for (field, status) in [
            ("calls_status", self.signaling.calls_status),
            (
                "client_secrets_status",
                self.signaling.client_secrets_status,
            ),
        ] {
            if let Some(s) = status {
                if !(400..=599).contains(&s) {
                    return Err(format!(
                        "signaling.{field} = {s}: give an error status between 400 and 599 (401, 429 and 500 are the useful ones)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The first reply rule matching what the user said.
    pub fn reply_for(&self, user_text: &str) -> Option<&ReplyRule> {
        self.replies.iter().find(|r| r.when.is_match(user_text))
    }
}

mod serde_regex_str {
    use regex::{Regex, RegexBuilder};
    use serde::{Deserialize, Deserializer};

    use crate::script::pattern::NEST_LIMIT;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
        let s = String::deserialize(d)?;
        RegexBuilder::new(&s)
            .nest_limit(NEST_LIMIT)
            .build()
            .map_err(|e| serde::de::Error::custom(format!("`when` is not a regex: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("scenario.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
            .collect::<Vec<_>>()
            .join("\n");
        let s = Scenario::parse(&example).expect("doc example parses");
        assert_eq!(s.seed, Some(7));
        assert_eq!(s.replies.len(), 3);
        let trip = s.reply_for("plan my trip").unwrap();
        assert_eq!(trip.preamble.as_deref(), Some("Let me check."));
        assert_eq!(trip.calls.as_ref().map(Vec::len), Some(2));
        assert_eq!(s.faults[0].action, FaultAction::CloseDataChannel);
        assert_eq!(s.signaling.calls_status, Some(429));
        assert_eq!(
            s.reply_for("what's the WEATHER like")
                .unwrap()
                .text
                .as_deref(),
            Some("It is sunny in Paris.")
        );
        assert_eq!(
            s.reply_for("my horoscope please").unwrap().call.as_deref(),
            Some("generate_horoscope")
        );
        assert!(s.reply_for("nothing relevant").is_none());
    }

    #[test]
    fn unknown_keys_and_bad_rules_are_named() {
        let e = Scenario::parse("sede = 3").unwrap_err();
        assert!(e.contains("sede"), "{e}");
        let e = Scenario::parse("[[reply]]\nwhen = \"x\"\ntext = \"a\"\ncall = \"f\"").unwrap_err();
        assert!(e.contains("both `text` and `call`"), "{e}");
        let e = Scenario::parse("[[reply]]\nwhen = \"(\"\ntext = \"a\"").unwrap_err();
        assert!(e.contains("not a regex"), "{e}");
        let e = Scenario::parse("[[fault]]\nafter_events = 1\naction = \"explode\"").unwrap_err();
        assert!(e.contains("explode"), "{e}");
        let e = Scenario::parse("[signaling]\ncalls_status = 200").unwrap_err();
        assert!(e.contains("between 400 and 599"), "{e}");
    }

    #[test]
    fn empty_file_is_the_default_behaviour() {
        let s = Scenario::parse("").unwrap();
        assert!(s.replies.is_empty() && s.faults.is_empty());
        assert_eq!(s.pace.delta_interval_ms, 25);
    }

    /// Found by fuzzing: 120 nested repetitions were within the regex crate's own
    /// limit and overflowed the stack compiling it.
    #[test]
    fn deeply_nested_when_regexes_are_refused() {
        let nested = |n: usize| {
            let when = format!("{}a*{}", "(?:".repeat(n), ")*".repeat(n));
            Scenario::parse(&format!("[[reply]]\nwhen = \"{when}\"\ntext = \"hi\"\n"))
        };
        assert!(nested(10).is_ok());
        let e = nested(120).unwrap_err().to_string();
        assert!(
            e.contains("`when` is not a regex") && e.contains("nest"),
            "{e}"
        );
    }
}
