//! The beta dialect (protocol.md §3.1, §4.2): the model works in GA terms and this
//! module renames its events and reshapes sessions, items and responses on the way
//! out, and turns beta client events into GA ones on the way in.

use serde_json::{json, Map, Value};

use crate::protocol::server_event::KNOWN_SERVER_EVENTS;
use crate::protocol::session_config::{beta_to_ga, format_to_beta, ga_to_beta, modalities_to_beta};

/// The beta wire name of a GA event, from the decoder's own table. Session events
/// keep their names (`transcription_session.*` is chosen by session type).
fn beta_wire_name(ga: &str) -> Option<&'static str> {
    KNOWN_SERVER_EVENTS
        .iter()
        .find(|(wire, g, beta)| *beta && *g == ga && !wire.starts_with("transcription_session."))
        .map(|(wire, _, _)| *wire)
}

/// A GA session object in the beta flat layout. A transcription session keeps only
/// the fields beta's `transcription_session` had.
pub fn session_to_beta(ga: &Value) -> Value {
    let flat = ga_to_beta(ga);
    if ga.get("type").and_then(Value::as_str) != Some("transcription") {
        return flat;
    }
    let mut out = Map::new();
    for key in [
        "id",
        "expires_at",
        "input_audio_format",
        "input_audio_transcription",
        "turn_detection",
        "input_audio_noise_reduction",
    ] {
        out.insert(key.into(), flat[key].clone());
    }
    out.insert("object".into(), json!("realtime.transcription_session"));
    out.insert("modalities".into(), json!(["text"]));
    out.insert(
        "include".into(),
        ga.get("include").cloned().unwrap_or(Value::Null),
    );
    Value::Object(out)
}

/// Renames content part types of an item between the dialects, in place.
fn rename_parts(item: &mut Value, pairs: &[(&str, &str)]) {
    let Some(parts) = item.get_mut("content").and_then(Value::as_array_mut) else {
        return;
    };
    for part in parts {
        if let Some(t) = part.get_mut("type") {
            if let Some((_, to)) = pairs.iter().find(|(from, _)| t == *from) {
                *t = json!(to);
            }
        }
    }
}

const GA_TO_BETA_PARTS: &[(&str, &str)] = &[("output_text", "text"), ("output_audio", "audio")];
const BETA_TO_GA_PARTS: &[(&str, &str)] = &[("text", "output_text"), ("audio", "output_audio")];

fn response_to_beta(resp: &Value) -> Value {
    let Some(map) = resp.as_object() else {
        return resp.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        match k.as_str() {
            "output_modalities" => {
                out.insert("modalities".into(), modalities_to_beta(Some(v)));
            }
            "audio" => {
                let voice = v.pointer("/output/voice").cloned().unwrap_or(Value::Null);
                let format = v.pointer("/output/format").map(format_to_beta);
                out.insert("voice".into(), voice);
                out.insert(
                    "output_audio_format".into(),
                    format.unwrap_or(json!("pcm16")),
                );
            }
            "output" => {
                let mut items = v.clone();
                if let Some(list) = items.as_array_mut() {
                    list.iter_mut()
                        .for_each(|i| rename_parts(i, GA_TO_BETA_PARTS));
                }
                out.insert(k.clone(), items);
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// A GA server event as a beta server would send it; `None` when beta has no such
/// event (`conversation.item.done`).
pub fn event_to_beta(mut event: Value) -> Option<Value> {
    let ty = event.get("type")?.as_str()?.to_string();
    let map = event.as_object_mut()?;
    match ty.as_str() {
        "conversation.item.done" => return None,
        "session.created" | "session.updated" => {
            let session = map.get("session").cloned().unwrap_or(Value::Null);
            if session.get("type").and_then(Value::as_str) == Some("transcription") {
                let name = ty.replace("session.", "transcription_session.");
                map.insert("type".into(), json!(name));
            }
            map.insert("session".into(), session_to_beta(&session));
        }
        _ => {
            if let Some(name) = beta_wire_name(&ty) {
                map.insert("type".into(), json!(name));
            }
        }
    }
    if let Some(item) = map.get_mut("item") {
        rename_parts(item, GA_TO_BETA_PARTS);
    }
    if let Some(resp) = map.get_mut("response") {
        *resp = response_to_beta(resp);
    }
    Some(event)
}

/// Beta `response.create.response` in GA terms.
fn response_params_to_ga(params: &Value) -> Value {
    let Some(map) = params.as_object() else {
        return params.clone();
    };
    let mut out = Map::new();
    let mut audio_out = Map::new();
    for (k, v) in map {
        match k.as_str() {
            "modalities" => {
                let audio = v.as_array().is_some_and(|l| l.iter().any(|m| m == "audio"));
                out.insert(
                    "output_modalities".into(),
                    json!([if audio { "audio" } else { "text" }]),
                );
            }
            "voice" => {
                audio_out.insert("voice".into(), v.clone());
            }
            "output_audio_format" => {
                let ga = beta_to_ga(json!({"output_audio_format": v}));
                if let Some(f) = ga.pointer("/audio/output/format") {
                    audio_out.insert("format".into(), f.clone());
                }
            }
            "max_response_output_tokens" => {
                out.insert("max_output_tokens".into(), v.clone());
            }
            "temperature" => {}
            "input" => {
                let mut items = v.clone();
                if let Some(list) = items.as_array_mut() {
                    list.iter_mut()
                        .for_each(|i| rename_parts(i, BETA_TO_GA_PARTS));
                }
                out.insert(k.clone(), items);
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if !audio_out.is_empty() {
        out.insert("audio".into(), json!({"output": audio_out}));
    }
    Value::Object(out)
}

/// A validated beta client event in GA terms (`transcription_session.update` keeps
/// its name; its session is converted like a realtime one).
pub fn client_to_ga(mut event: Value) -> Value {
    let ty = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(map) = event.as_object_mut() else {
        return event;
    };
    match ty.as_str() {
        "session.update" | "transcription_session.update" => {
            if let Some(s) = map.get_mut("session") {
                let mut ga = beta_to_ga(s.clone());
                if ty == "transcription_session.update" {
                    if let Some(m) = ga.as_object_mut() {
                        m.insert("type".into(), json!("transcription"));
                    }
                }
                *s = ga;
            }
        }
        "conversation.item.create" => {
            if let Some(item) = map.get_mut("item") {
                rename_parts(item, BETA_TO_GA_PARTS);
            }
        }
        "response.create" => {
            if let Some(p) = map.get_mut("response") {
                *p = response_params_to_ga(p);
            }
        }
        _ => {}
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::session_config::is_beta_session;

    #[test]
    fn event_names_follow_the_decoder_table() {
        assert_eq!(
            beta_wire_name("response.output_text.delta"),
            Some("response.text.delta")
        );
        assert_eq!(
            beta_wire_name("conversation.item.added"),
            Some("conversation.item.created")
        );
        assert_eq!(beta_wire_name("session.created"), None);
        assert!(event_to_beta(json!({"type": "conversation.item.done"})).is_none());
    }

    #[test]
    fn sessions_flatten_and_items_rename_parts() {
        let ga = json!({"type": "realtime", "id": "sess_1", "output_modalities": ["audio"],
            "audio": {"output": {"voice": "alloy", "format": {"type": "audio/pcm", "rate": 24000}},
                      "input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": null}}}});
        let beta = session_to_beta(&ga);
        assert!(is_beta_session(&beta));
        assert_eq!(beta["modalities"], json!(["audio", "text"]));
        assert_eq!(beta["output_audio_format"], "pcm16");
        assert!(beta["turn_detection"].get("idle_timeout_ms").is_none());
        let e = event_to_beta(json!({"type": "conversation.item.added",
            "item": {"content": [{"type": "output_text", "text": "hi"}]}}))
        .unwrap();
        assert_eq!(e["type"], "conversation.item.created");
        assert_eq!(e["item"]["content"][0]["type"], "text");
    }

    #[test]
    fn beta_client_events_become_ga() {
        let e = client_to_ga(json!({"type": "response.create", "response": {
            "modalities": ["text"], "voice": "ash", "max_response_output_tokens": 5}}));
        assert_eq!(
            e["response"],
            json!({"output_modalities": ["text"], "max_output_tokens": 5,
                   "audio": {"output": {"voice": "ash"}}})
        );
        let s = client_to_ga(json!({"type": "session.update", "session": {"voice": "ash"}}));
        assert_eq!(s["session"]["type"], "realtime");
        assert_eq!(s["session"]["audio"]["output"]["voice"], "ash");
    }
}
