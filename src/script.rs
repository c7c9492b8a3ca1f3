//! Scripts: what `rtconsole run SCRIPT` plays headless, against the real API or the
//! mock. A person writes them by hand; a recording converts to one
//! ([`script_from_recording`], [`render_script`]). Parsing ([`parse_script`]) and
//! playing ([`ScriptRun`]) are pure: no IO and no clock, time arrives as `now_ms`.
//!
//! # Format
//!
//! One step per line. `#` starts a comment at the start of a line or after a
//! space, except inside "double quotes" or a `/regex/`. Blank lines are ignored.
//! The JSON of `send` and `on-call` may continue over several lines until its
//! braces and brackets balance.
//!
//! ```text
//! # Ask about the weather, text only.
//! send {"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}
//! expect session.updated within 5s
//! say What's the weather in Paris?
//! expect response.done response.status=completed within 15s
//! transcript assistant ~/sunny/i
//! ```
//!
//! ## Header (before the first step)
//!
//! | line | meaning |
//! |---|---|
//! | `dialect beta` | `send` events are checked against the beta API shape (default `ga`) |
//! | `requires mock` | the script needs the mock (canned transcripts, faults); a run against a real server is refused |
//! | `scenario FILE` | the mock scenario (TOML) to run with, relative to the script; implies `requires mock` |
//!
//! ## Steps
//!
//! | step | what it does |
//! |---|---|
//! | `send JSON` | send a client event. It is validated when the script is read: one invalid event and nothing of the script runs |
//! | `say TEXT` | a user text message (`conversation.item.create`) then `response.create`; `say "…"` for text with `#` or edge spaces |
//! | `expect TYPE [CONDITION…] [within D]` | wait for a server event of that type satisfying every condition (bound to the script's own responses after a request, see below) |
//! | `expect any TYPE [CONDITION…] [within D]` | the same, matching events of any response |
//! | `transcript user\|assistant MATCHER [within D]` | wait until the latest completed transcript (or text) of that role matches |
//! | `sleep D` | pause |
//! | `audio FILE` | stream a WAV file into the microphone in real time (relative to the script); the next step starts when it has played |
//! | `silence D` | stream silence into the microphone for that long |
//! | `audio FILE after TYPE [CONDITION…] [+D] [within D]` | wait for the event like `expect`, then stream the file D after the event arrived (see below) |
//! | `silence D after TYPE [CONDITION…] [+D] [within D]` | the same for silence |
//! | `on-call NAME [delay D] [error] OUTPUT` | from here on, answer every call to function NAME with OUTPUT (`{{path}}` is that argument of the call), then `response.create` |
//! | `on-call NAME [delay D] [error] @FILE` | the same, the output read from FILE (relative to the script) when the script is loaded |
//! | `expect no [any] TYPE [CONDITION…] within D` | a quiet window: no such event during D |
//! | `forbid TYPE [CONDITION…]` | no such event anywhere in the run, wherever the line is |
//! | `expect calls NAME [{JSON}]… [within D]` | one response made exactly these calls, in any order, each call's arguments containing the JSON |
//! | `budget D` / `budget off` | from here on, fail when a turn's first output comes later than D |
//! | `timeout D` | how long later `expect` and `transcript` steps wait (the runner's default until then) |
//!
//! Durations (`D`) have a unit: `500ms`, `5s`, `1m30s`.
//!
//! ## Waiting: `expect`
//!
//! `TYPE` is a server event type; GA names are canonical, and a beta name
//! (`response.text.done`) means the GA event it became, so it matches either. A
//! type rtconsole does not know is written quoted: `expect "some.new_event"`.
//!
//! Expects consume events in order: each one matches the first suitable event at or
//! after a cursor, and moves the cursor past it. `expect A` then `expect B` passes
//! only when B came after A; two `expect response.done` lines need two responses.
//! Events that arrived before the step started count, so an expect after a `say`
//! never misses a fast answer.
//!
//! ## Bound expectations
//!
//! After `say` or a sent `response.create` (a request), response-scoped events
//! (`response.*`, and `conversation.item.*` of items a response produced) satisfy an
//! `expect` only when they belong to a response created by a request of that step or
//! later: the first `response.created` after the request that no earlier request took,
//! of the same kind (in the conversation or out of band, with the request's
//! `metadata` if it had one). `on-call` follow-ups are requests too. `transcript
//! assistant` is bound likewise. `expect any TYPE` is never bound; nor are steps
//! before the first request or after `audio`, `silence` or a sent
//! `input_audio_buffer.append`/`commit`, until the next request.
//!
//! An `error` event does not fail an expect by itself: it is reported in the
//! failure text (and in the run's notes). To require one, write `expect error`.
//!
//! Conditions name fields of the event with dotted paths and array indexes
//! (`response.output[0].content[0].text`; `[-1]` is the last element):
//!
//! | condition | holds when |
//! |---|---|
//! | `path=value` | the field equals the value. The value is JSON when it parses as JSON (`21`, `true`, `null`, `"two words"`, `{"a":1}`), else a bare string (`completed`) |
//! | `path!=value` | the field differs from the value (a missing field differs from everything) |
//! | `path~/regex/flags` | the text matches (a non-string field is matched as JSON). Flags: `i` ignore case, `m`, `s`, `x`; `\/` is a slash |
//! | `path?` | the field exists and is not null |
//!
//! ## Waiting: `transcript`
//!
//! `transcript assistant ~/sunny/i` and `transcript user ="what is the weather"`
//! look at the latest *completed* message of that role in the conversation as the
//! session assembled it (an assistant's text or audio transcript, a user's typed text
//! or input audio transcription); `=` compares with surrounding spaces trimmed. It
//! waits like `expect` until that message matches, so put it after
//! `expect response.done` to check the newest reply rather than an earlier one.
//!
//! ## Function calls: `on-call`
//!
//! `on-call get_weather {"temperature_c":21}` answers when a `response.done` lists a
//! `function_call` to `get_weather`: one `function_call_output` per call (the output
//! is the JSON as written, or the text of a JSON string, or the rest of the line),
//! then a single `response.create`. Waiting for `response.done` means the follow-up
//! never collides with the response still running. A later `on-call` for the same
//! name replaces the output. `{{city}}` or `{{geo.lat}}` in the output is replaced by
//! that argument of the call (a string's text, else its JSON); `delay 300ms` holds
//! the answers of that response (all of them, then the one `response.create`);
//! `error` sends `{"error": OUTPUT}`.
//!
//! `expect calls get_weather {"city":"Paris"} get_time` waits for one `response.done`
//! whose function calls are exactly these, in any order (parallel tool calls); the
//! JSON is a subset of the call's arguments (objects by key, arrays by index).
//!
//! ## Event-anchored audio
//!
//! `audio interrupt.wav after output_audio_buffer.started +800ms` waits for the
//! next `output_audio_buffer.started` (conditions, `any`, binding, the cursor and
//! `within` as for `expect`) and streams the file 800 ms after that event
//! *arrived*: an event that came while an earlier step was still playing counts
//! from its own arrival, so a barge-in lands at the same moment of the answer on
//! every run. When the script reaches the step after that moment, it streams at
//! once and the run notes how late. A bare path runs up to a separate word
//! `after`; quote a path that has one.
//!
//! ## Budgets
//!
//! A turn's latency is what the session core measures: from the user stopping
//! speaking (or `response.create` being sent) to the first output, audio if any,
//! else the first delta. `budget 1500ms` applies to turns that start after it.
//!
//! ## Recordings
//!
//! A recording plays as a script: [`script_from_recording`] turns its client events
//! into `send` steps with the recorded pauses, waits for each recorded
//! `session.created`, `session.updated` and `response.done`, and keeps the server
//! events so [`compare_server_events`] can report what a replay did differently.
//! [`render_script`] prints the same plan as an editable script.

mod binding;
mod budget;
mod calls;
mod compare;
mod condition;
mod cursor;
mod error;
mod event_types;
mod from_recording;
mod lexer;
mod negatives;
mod outcome;
mod parse;
mod parse_calls;
mod parse_stream;
mod parse_wait;
pub(crate) mod pattern;
mod render_step;
mod run;
mod step;
mod transcripts;
mod waits;

pub use compare::{compare_server_events, Comparison, DiffKind, Difference};
pub use condition::{Condition, JsonPath, Op, Segment, SyntaxProblem};
pub use error::{ScriptError, ScriptProblem};
pub use from_recording::{
    looks_like_recording, render_script, script_from_recording, PlanItem, ReplayPlan,
};
pub use outcome::{Action, Failure, Outcome, SeenEvent};
pub use parse::parse_script;
pub use pattern::Pattern;
pub use run::ScriptRun;
pub use step::{
    render_ms, CallRule, Expectation, ExpectedCall, Located, Script, Speaker, Step, Stream,
    TextMatcher,
};
