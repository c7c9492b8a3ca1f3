//! A recording as a replay: its client events become `send` steps (with sleeps that
//! reproduce the recorded timing unless fast), its server events the sequence a
//! replay is compared with, and [`render_script`] prints it as a script to edit.
//!
//! Two things cannot be replayed verbatim and are converted: a `function_call_output`
//! names a call id the new session will not have, so it becomes an `on-call` rule
//! (which also sends the `response.create` the recording sent after it); and each
//! `session.created`, `session.updated` and `response.done` the recording received
//! becomes an `expect`, so a send never overtakes the answer it followed.

use std::collections::HashMap;

use serde_json::Value;

use super::event_types::{is_delta, match_name};
use super::step::{render_event_type, Expectation, Located, Script, Step};
use crate::protocol::{Dialect, Direction};
use crate::recording::Recording;

/// Server events a replay waits for before sending what followed them.
const SYNC_TYPES: &[&str] = &["session.created", "session.updated", "response.done"];

/// One line of a replay.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanItem {
    /// A step the replay runs.
    Step(Located<Step>),
    /// A server event the recording received here and the replay does not wait for;
    /// [`render_script`] writes it as an `expect` line.
    Observed { line: usize, event_type: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayPlan {
    pub dialect: Dialect,
    /// In recording order; lines are those of [`render_script`]'s output.
    pub items: Vec<PlanItem>,
    /// Every server event of the recording that is JSON, for [`super::compare_server_events`].
    pub expected: Vec<Value>,
    /// What the conversion changed or could not carry over.
    pub notes: Vec<String>,
    /// Comment and directive lines that come before the items.
    header: Vec<String>,
}

impl ReplayPlan {
    /// The steps to run, with [`PlanItem::Observed`] left out.
    pub fn script(&self) -> Script {
        Script {
            dialect: self.dialect,
            requires_mock: false,
            scenario: None,
            steps: self
                .items
                .iter()
                .filter_map(|i| match i {
                    PlanItem::Step(s) => Some(s.clone()),
                    PlanItem::Observed { .. } => None,
                })
                .collect(),
        }
    }
}

/// Whether a text is a recording rather than a script: its first line is a
/// recording header.
pub fn looks_like_recording(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .is_some_and(|v| v.get("rtconsole_recording").is_some())
}

enum Draft {
    Step(Step),
    Observed(String),
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Function calls the server made: call id → (name, index of the first entry naming it).
fn calls(events: &[(usize, &Value)]) -> HashMap<String, (String, usize)> {
    let mut out: HashMap<String, (String, usize)> = HashMap::new();
    let mut note = |call: Option<&str>, name: Option<&str>, at: usize| {
        if let (Some(c), Some(n)) = (call, name) {
            out.entry(c.to_string()).or_insert((n.to_string(), at));
        }
    };
    for &(at, v) in events {
        note(str_at(v, "/call_id"), str_at(v, "/name"), at);
        if str_at(v, "/item/type") == Some("function_call") {
            note(str_at(v, "/item/call_id"), str_at(v, "/item/name"), at);
        }
        for item in v
            .pointer("/response/output")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if str_at(item, "/type") == Some("function_call") {
                note(str_at(item, "/call_id"), str_at(item, "/name"), at);
            }
        }
    }
    out
}

/// Builds the replay of a recording; `fast` leaves the recorded pauses out.
pub fn script_from_recording(rec: &Recording, fast: bool) -> ReplayPlan {
    let parsed: Vec<(usize, Direction, u64, Option<Value>)> = rec
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (i, e.dir, e.t_ms, e.event()))
        .collect();
    let server: Vec<(usize, &Value)> = parsed
        .iter()
        .filter(|p| p.1 == Direction::Server)
        .filter_map(|p| p.3.as_ref().map(|v| (p.0, v)))
        .collect();
    let calls = calls(&server);
    let mut notes = Vec::new();
    let mut drafts: Vec<Draft> = Vec::new();
    // (position in drafts, step) of on-call rules, inserted once all drafts exist.
    let mut inserts: Vec<(usize, Step)> = Vec::new();
    let mut sends: Vec<(usize, usize)> = Vec::new();
    let mut rules: HashMap<String, String> = HashMap::new();
    let (mut last_client_t, mut last_sync_t, mut last_server_t) = (0u64, 0u64, 0u64);
    let mut drop_response_create = false;
    let (mut heard_speech, mut sent_audio, mut skipped) = (false, false, 0usize);
    for (idx, dir, t, event) in &parsed {
        let Some(v) = event else {
            if *dir != Direction::Local {
                skipped += 1;
            }
            continue;
        };
        let ty = str_at(v, "/type").unwrap_or_default();
        match dir {
            Direction::Local => {}
            Direction::Server => {
                last_server_t = *t;
                let name = match_name(ty);
                heard_speech |= name == "input_audio_buffer.speech_started";
                if is_delta(&name) || ty.is_empty() {
                    continue;
                }
                if SYNC_TYPES.contains(&name.as_str()) {
                    last_sync_t = *t;
                    drafts.push(Draft::Step(Step::Expect(Expectation {
                        event_type: name,
                        conditions: Vec::new(),
                        within_ms: None,
                        any_response: false,
                    })));
                } else {
                    drafts.push(Draft::Observed(name));
                }
            }
            Direction::Client => {
                sent_audio |= ty == "input_audio_buffer.append";
                let call_id = str_at(v, "/item/call_id").filter(|_| {
                    ty == "conversation.item.create"
                        && str_at(v, "/item/type") == Some("function_call_output")
                });
                if let Some((name, requested_at)) = call_id.and_then(|c| calls.get(c)) {
                    let output = str_at(v, "/item/output").unwrap_or_default().to_string();
                    if rules.get(name) != Some(&output) {
                        let pos = sends
                            .iter()
                            .rev()
                            .find(|(entry, _)| entry < requested_at)
                            .map_or(0, |(_, pos)| pos + 1);
                        inserts.push((
                            pos,
                            Step::OnCall {
                                name: name.clone(),
                                output: output.clone(),
                            },
                        ));
                        rules.insert(name.clone(), output);
                    }
                    notes.push(format!(
                        "the output of {name} became an on-call rule (a replay gets new call ids); the response.create after it is left to that rule"
                    ));
                    drop_response_create = true;
                    continue;
                }
                if ty == "response.create" && std::mem::take(&mut drop_response_create) {
                    continue;
                }
                drop_response_create = false;
                let gap = t.saturating_sub(last_client_t.max(last_sync_t));
                if !fast && gap > 0 {
                    drafts.push(Draft::Step(Step::Sleep(gap)));
                }
                drafts.push(Draft::Step(Step::Send {
                    text: v.to_string(),
                    event_type: ty.to_string(),
                }));
                sends.push((*idx, drafts.len() - 1));
                last_client_t = *t;
            }
        }
    }
    // What the server sent after the last wait still arrives in a timed replay.
    let tail = last_server_t.saturating_sub(last_client_t.max(last_sync_t));
    if !fast && tail > 0 {
        drafts.push(Draft::Step(Step::Sleep(tail)));
    }
    // Applied from the last position back (equal positions in reverse), every
    // position still points into the list as it was, and rules keep their order.
    inserts.sort_by_key(|(pos, _)| *pos);
    for (pos, step) in inserts.into_iter().rev() {
        drafts.insert(pos, Draft::Step(step));
    }
    if heard_speech && !sent_audio {
        notes.push("the user spoke in this recording, but microphone audio is not recorded: add `audio FILE` steps where they spoke".to_string());
    }
    if skipped > 0 {
        notes.push(format!(
            "{skipped} message(s) that were not JSON events are left out"
        ));
    }
    let header = header_lines(rec, fast, &notes);
    let first = header.len() + 1;
    let items = drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| match d {
            Draft::Step(step) => PlanItem::Step(Located {
                line: first + i,
                step,
            }),
            Draft::Observed(event_type) => PlanItem::Observed {
                line: first + i,
                event_type,
            },
        })
        .collect();
    ReplayPlan {
        dialect: rec.header.dialect,
        items,
        expected: server.iter().map(|(_, v)| (*v).clone()).collect(),
        notes,
        header,
    }
}

fn header_lines(rec: &Recording, fast: bool, notes: &[String]) -> Vec<String> {
    let h = &rec.header;
    let mut lines = vec![
        format!(
            "# Converted by rtconsole from a recording started {} (model {}, dialect {}).",
            humantime::format_rfc3339_millis(h.started_at),
            h.model.as_deref().unwrap_or("unknown"),
            h.dialect
        ),
        "# Sends are the recorded client events; expects are the server events that followed (deltas left out).".to_string(),
        if fast {
            "# Converted fast: no sleeps. Delete expects you do not care about; add conditions.".to_string()
        } else {
            "# Sleeps reproduce the recorded timing. Delete expects you do not care about; add conditions.".to_string()
        },
    ];
    lines.extend(notes.iter().map(|n| format!("# note: {n}")));
    if h.dialect == Dialect::Beta {
        lines.push("dialect beta".to_string());
    }
    lines.push(String::new());
    lines
}

/// The plan as an editable script: every step and every observed server event
/// type, one per line, at the lines the plan's steps report.
pub fn render_script(plan: &ReplayPlan) -> String {
    let mut out = String::new();
    for line in &plan.header {
        out.push_str(line);
        out.push('\n');
    }
    for item in &plan.items {
        match item {
            PlanItem::Step(s) => out.push_str(&s.step.to_string()),
            PlanItem::Observed { event_type, .. } => {
                out.push_str("expect ");
                out.push_str(&render_event_type(event_type));
            }
        }
        out.push('\n');
    }
    out
}
