//! The script model: what each line of a script asks for. Every step renders back to
//! the line a person would write (`render_step`).

use std::fmt;
use std::path::{Path, PathBuf};

use super::condition::{is_bare_word, Condition};
use super::pattern::Pattern;
use crate::protocol::Dialect;

pub use super::render_step::{render_event_type, render_ms};

/// A parsed script: run it with [`super::ScriptRun`].
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// The API shape `send` events were validated for (`dialect beta`; GA by default).
    pub dialect: Dialect,
    /// `requires mock`: the script relies on the mock (a scenario's canned
    /// transcripts…); runners refuse to play it against a real server.
    pub requires_mock: bool,
    /// `scenario FILE`: the mock scenario to run with (implies `requires mock`).
    pub scenario: Option<PathBuf>,
    pub steps: Vec<Located<Step>>,
}

impl Script {
    /// Why the script cannot be played against a real server, for a runner to
    /// refuse with; `None` when it can.
    pub fn real_server_refusal(&self) -> Option<String> {
        self.requires_mock.then(|| {
            let why = match &self.scenario {
                Some(s) => format!("its mock scenario {}", s.display()),
                None => "the mock (canned transcripts, injected faults)".to_string(),
            };
            format!(
                "this script says `requires mock`: it relies on {why} and cannot pass against a real server; run it with --mock"
            )
        })
    }

    /// Joins relative `audio` and `scenario` paths to `dir` (the script's folder):
    /// a script names its files relative to itself, wherever it is run from.
    pub fn resolve_paths(&mut self, dir: &Path) {
        if let Some(s) = &mut self.scenario {
            if s.is_relative() {
                *s = dir.join(&*s);
            }
        }
        for located in &mut self.steps {
            let path = match &mut located.step {
                Step::Audio(p)
                | Step::StreamAfter {
                    stream: Stream::Audio(p),
                    ..
                } => p,
                Step::OnCallRule(CallRule { file: Some(p), .. }) => p,
                _ => continue,
            };
            if path.is_relative() {
                *path = dir.join(&*path);
            }
        }
    }

    /// Fills in the output of every `on-call NAME @FILE` with the file's text (JSON
    /// compacted), read through `read` so the script model stays free of IO.
    pub fn read_call_outputs(
        &mut self,
        mut read: impl FnMut(&Path) -> std::io::Result<String>,
    ) -> Result<(), String> {
        for located in &mut self.steps {
            let Step::OnCallRule(rule) = &mut located.step else {
                continue;
            };
            let Some(path) = &rule.file else { continue };
            let text = read(path).map_err(|e| {
                format!(
                    "line {}: on-call {} @{}: cannot read the output file: {e}\nfix: the path is relative to the script",
                    located.line,
                    rule.name,
                    path.display()
                )
            })?;
            rule.output = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                    v.to_string()
                }
                _ => text.trim_end_matches(['\n', '\r']).to_string(),
            };
        }
        Ok(())
    }
}

/// Something with the script line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// 1-based line of the script (the first line of a step spanning several).
    pub line: usize,
    pub step: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    User,
    Assistant,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        }
    }
}

/// How a transcript is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum TextMatcher {
    /// `="text"`: equal after trimming surrounding whitespace.
    Equals(String),
    /// `~/regex/flags`.
    Regex(Pattern),
}

impl TextMatcher {
    pub fn matches(&self, text: &str) -> bool {
        match self {
            TextMatcher::Equals(want) => text.trim() == want.trim(),
            TextMatcher::Regex(p) => p.is_match(text),
        }
    }
}

impl fmt::Display for TextMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextMatcher::Equals(s) if is_bare_word(s) => write!(f, "={s}"),
            TextMatcher::Equals(s) => write!(f, "={}", serde_json::Value::String(s.clone())),
            TextMatcher::Regex(p) => write!(f, "~{p}"),
        }
    }
}

/// `expect TYPE CONDITION… [within DURATION]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The GA name (a beta name in the script is mapped), or a quoted unknown name.
    pub event_type: String,
    pub conditions: Vec<Condition>,
    /// How long to wait; the script's `timeout` when `None`.
    pub within_ms: Option<u64>,
    /// `expect any TYPE`: any response's events match. Without it, after a `say` or a
    /// sent `response.create`, response-scoped events must belong to a response the
    /// script's own requests created (see `binding`).
    pub any_response: bool,
}

impl Expectation {
    /// Whether a server event (already known to be of this type) satisfies every condition.
    pub fn accepts(&self, event: &serde_json::Value) -> bool {
        self.conditions.iter().all(|c| c.matches(event))
    }
}

/// One call of `expect calls`: the function's name and a JSON subset its arguments
/// must contain (`None`: any arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedCall {
    pub name: String,
    pub arguments: Option<serde_json::Value>,
}

/// How `on-call` answers beyond a plain output: after a delay, or as an error.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRule {
    pub name: String,
    /// The output text; `{{path}}` is replaced by that argument of the call.
    pub output: String,
    /// Hold the answers of the response this long before sending them.
    pub delay_ms: u64,
    /// Send `{"error": OUTPUT}` instead of the output.
    pub error: bool,
    /// `@FILE`: the output is this file's text, read when the script is loaded
    /// ([`Script::read_call_outputs`]).
    pub file: Option<PathBuf>,
}

/// What an event-anchored `audio` or `silence` step streams.
#[derive(Debug, Clone, PartialEq)]
pub enum Stream {
    /// A WAV file; the path as written (see [`Script::resolve_paths`]).
    Audio(PathBuf),
    /// Silence for this many milliseconds.
    Silence(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send a client event, validated when the script was parsed; `text` is compact JSON.
    Send {
        text: String,
        event_type: String,
    },
    /// A user text message (`conversation.item.create`) followed by `response.create`.
    Say(String),
    Expect(Expectation),
    Sleep(u64),
    /// Stream a WAV file into the microphone in real time; the path as written (see
    /// [`Script::resolve_paths`]).
    Audio(PathBuf),
    /// Stream this many milliseconds of silence into the microphone.
    Silence(u64),
    /// From here on, answer calls to `name` with `output`, then `response.create`.
    OnCall {
        name: String,
        output: String,
    },
    /// The latest completed transcript (or text) of `role` matches; waits like `expect`.
    Transcript {
        role: Speaker,
        matcher: TextMatcher,
        within_ms: Option<u64>,
    },
    /// Latency budget per turn from here on; `None` (`budget off`) ends it.
    Budget(Option<u64>),
    /// `expect no TYPE … within D`: no such event during the next D.
    ExpectNo(Expectation),
    /// `forbid TYPE …`: no such event anywhere in the run.
    Forbid(Expectation),
    /// `expect calls NAME {subset}… [within D]`: one response calls exactly these.
    ExpectCalls {
        calls: Vec<ExpectedCall>,
        within_ms: Option<u64>,
    },
    /// `on-call NAME [delay D] [error] OUTPUT`.
    OnCallRule(CallRule),
    /// Default wait of later `expect` and `transcript` steps.
    Timeout(u64),
    /// `audio FILE after TYPE … [+D]`, `silence D after TYPE … [+D]`: wait for the
    /// event like `expect`, then stream `offset_ms` after it arrived.
    StreamAfter {
        stream: Stream,
        anchor: Expectation,
        offset_ms: u64,
    },
}

impl Step {
    /// The keyword that starts the step's line.
    pub fn keyword(&self) -> &'static str {
        match self {
            Step::Send { .. } => "send",
            Step::Say(_) => "say",
            Step::Expect(_) | Step::ExpectNo(_) | Step::ExpectCalls { .. } => "expect",
            Step::Forbid(_) => "forbid",
            Step::OnCallRule(_) => "on-call",
            Step::Sleep(_) => "sleep",
            Step::Audio(_) => "audio",
            Step::Silence(_) => "silence",
            Step::OnCall { .. } => "on-call",
            Step::Transcript { .. } => "transcript",
            Step::Budget(_) => "budget",
            Step::Timeout(_) => "timeout",
            Step::StreamAfter {
                stream: Stream::Audio(_),
                ..
            } => "audio",
            Step::StreamAfter {
                stream: Stream::Silence(_),
                ..
            } => "silence",
        }
    }
}
