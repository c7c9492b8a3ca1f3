//! Transition tests of the session core: plain inputs in, state and effects out.

mod common;

use common::{sequence, SK, SK_PROJ};
use rtconsole::protocol::response::ResponseStatus;
use rtconsole::protocol::Dialect;
use rtconsole::session::{
    Command, Effect, EntryKind, FieldChange, Input, NoticeLevel, Session, SessionOptions,
    TransportStatus, TurnTrigger,
};
use serde_json::json;

fn session() -> Session {
    Session::new(SessionOptions::default())
}

fn server(s: &mut Session, at: u64, v: serde_json::Value) -> Vec<Effect> {
    s.handle(Input::Server {
        at_ms: at,
        raw: v.to_string(),
    })
}

fn send(s: &mut Session, at: u64, v: serde_json::Value) -> Vec<Effect> {
    s.handle(Input::SendText {
        at_ms: at,
        text: v.to_string(),
    })
}

/// Plays a sequence fixture; client lines go through validation like typed input.
fn play(s: &mut Session, name: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for step in sequence(name) {
        let input = match step.dir.as_str() {
            "server" => Input::Server {
                at_ms: step.t_ms,
                raw: step.text,
            },
            _ => Input::SendText {
                at_ms: step.t_ms,
                text: step.text,
            },
        };
        fx.extend(s.handle(input));
    }
    fx
}

fn transcript(s: &Session) -> Vec<(String, String)> {
    s.conversation()
        .ordered()
        .map(|i| {
            (
                i.role
                    .as_ref()
                    .map(|r| r.to_string())
                    .unwrap_or(i.kind.to_string()),
                i.text(),
            )
        })
        .collect()
}

fn added(id: &str, prev: serde_json::Value, role: &str, text: &str) -> serde_json::Value {
    json!({"type":"conversation.item.added","event_id":"event_x","previous_item_id":prev,
           "item":{"id":id,"type":"message","role":role,"status":"completed",
                   "content":[{"type":"input_text","text":text}]}})
}

#[test]
fn text_turn_assembles_assistant_text_from_deltas() {
    let mut s = session();
    let fx = play(&mut s, "text_turn.jsonl");
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Rejected { .. })),
        "{fx:?}"
    );
    let t = transcript(&s);
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(t[0].0, "user");
    assert_eq!(t[1].0, "assistant");
    assert!(!t[1].1.is_empty());
    let resp = &s.responses().all()[0];
    assert_eq!(resp.status, ResponseStatus::Completed);
    assert!(resp.usage.is_some());
}

#[test]
fn items_are_ordered_by_previous_item_id_not_by_arrival() {
    let mut s = session();
    server(&mut s, 1, added("a", json!(null), "user", "one"));
    server(&mut s, 2, added("c", json!("b"), "user", "three"));
    server(&mut s, 3, added("b", json!("a"), "assistant", "two"));
    server(
        &mut s,
        4,
        added("d", json!("a"), "user", "inserted after a"),
    );
    let ids: Vec<_> = s.conversation().ordered().map(|i| i.id.clone()).collect();
    assert_eq!(ids, ["a", "d", "b", "c"]);
}

#[test]
fn an_item_with_null_previous_id_goes_first() {
    let mut s = session();
    server(&mut s, 1, added("a", json!(null), "user", "one"));
    server(&mut s, 2, added("root", json!(null), "system", "be brief"));
    let ids: Vec<_> = s.conversation().ordered().map(|i| i.id.clone()).collect();
    assert_eq!(ids, ["root", "a"]);
}

#[test]
fn late_input_transcript_lands_on_its_own_item() {
    let mut s = session();
    play(&mut s, "voice_turn.jsonl");
    let t = transcript(&s);
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(t[0].0, "user");
    assert!(!t[0].1.is_empty(), "user transcript missing: {t:?}");
    let user = s.conversation().ordered().next().unwrap();
    assert!(!user.parts[0].transcript_pending);
    // The transcript arrived after response.done but still precedes the reply.
    assert_eq!(t[1].0, "assistant");
}

#[test]
fn a_transcript_that_arrives_before_its_item_is_kept() {
    let mut s = session();
    server(
        &mut s,
        1,
        json!({"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"u1","content_index":0,"transcript":"hello there"}),
    );
    server(
        &mut s,
        2,
        json!({"type":"conversation.item.added","event_id":"e2","previous_item_id":null,
        "item":{"id":"u1","type":"message","role":"user","content":[{"type":"input_audio","transcript":null}]}}),
    );
    assert_eq!(
        transcript(&s),
        [("user".to_string(), "hello there".to_string())]
    );
}

#[test]
fn function_call_arguments_assemble_from_deltas_and_stay_pending_until_answered() {
    let mut s = session();
    let seq = sequence("function_call.jsonl");
    // Play up to (not including) the client's function_call_output.
    let cut = seq
        .iter()
        .position(|st| st.dir == "client" && st.text.contains("function_call_output"))
        .unwrap();
    for st in &seq[..cut] {
        let input = if st.dir == "server" {
            Input::Server {
                at_ms: st.t_ms,
                raw: st.text.clone(),
            }
        } else {
            Input::SendText {
                at_ms: st.t_ms,
                text: st.text.clone(),
            }
        };
        let _ = s.handle(input);
    }
    let pending = s.pending_calls();
    assert_eq!(pending.len(), 1);
    let call = &pending[0];
    assert!(call.arguments_done);
    assert!(call.parsed_arguments().is_ok(), "{}", call.arguments);
    assert!(!call.name.is_empty());
    let call_id = call.call_id.clone();
    let fx = s.handle(Input::SendText {
        at_ms: 99_000,
        text: seq[cut].text.clone(),
    });
    assert!(matches!(fx[0], Effect::Send { .. }), "{fx:?}");
    assert!(s.pending_calls().is_empty());
    assert_eq!(s.responses().answered_calls()[0].call_id, call_id);
}

#[test]
fn deltas_alone_assemble_arguments_even_without_a_done_event() {
    let mut s = session();
    server(
        &mut s,
        1,
        json!({"type":"response.output_item.added","event_id":"e1","response_id":"r1","output_index":0,
        "item":{"id":"f1","type":"function_call","status":"in_progress","name":"lookup","call_id":"call_1","arguments":""}}),
    );
    for (i, d) in ["{\"ci", "ty\":", "\"Oslo\"}"].iter().enumerate() {
        server(
            &mut s,
            2 + i as u64,
            json!({"type":"response.function_call_arguments.delta","event_id":"e","response_id":"r1","item_id":"f1","output_index":0,"call_id":"call_1","delta":d}),
        );
    }
    let c = &s.pending_calls()[0];
    assert_eq!(c.arguments, "{\"city\":\"Oslo\"}");
    assert!(!c.arguments_done);
    assert_eq!(c.parsed_arguments().unwrap()["city"], "Oslo");
}

#[test]
fn an_output_for_a_call_that_is_not_pending_is_sent_with_a_warning() {
    let mut s = session();
    let fx = send(
        &mut s,
        1,
        json!({"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_nope","output":"{}"}}),
    );
    assert!(matches!(fx[0], Effect::Send { .. }));
    assert!(
        matches!(&fx[1], Effect::Notice { level: NoticeLevel::Warning, text } if text.contains("call_nope"))
    );
}

#[test]
fn consecutive_deltas_of_one_part_coalesce_while_raw_events_stay() {
    let mut s = session();
    play(&mut s, "text_turn.jsonl");
    let log = s.log();
    let deltas = log
        .iter()
        .filter(|e| e.type_name == "response.output_text.delta")
        .count();
    assert!(deltas > 1);
    let row = log
        .rows()
        .iter()
        .find(|r| log.get(r.first).unwrap().type_name == "response.output_text.delta")
        .unwrap();
    assert_eq!(row.count, deltas);
    assert_eq!(log.rows().iter().map(|r| r.count).sum::<usize>(), log.len());
    for seq in row.first..=row.last {
        assert!(log.get(seq).unwrap().raw.contains("\"delta\""));
    }
}

#[test]
fn deltas_of_different_parts_do_not_coalesce() {
    let mut s = session();
    for (i, item) in ["i1", "i1", "i2", "i2", "i1"].iter().enumerate() {
        server(
            &mut s,
            i as u64,
            json!({"type":"response.output_text.delta","event_id":"e","response_id":"r","item_id":item,"output_index":0,"content_index":0,"delta":"x"}),
        );
    }
    let counts: Vec<_> = s.log().rows().iter().map(|r| r.count).collect();
    assert_eq!(counts, [2, 2, 1]);
}

#[test]
fn an_unknown_event_is_logged_raw_not_dropped() {
    let mut s = session();
    let raw = r#"{"type":"response.brand_new","event_id":"event_1","payload":{"a":1}}"#;
    let _ = s.handle(Input::Server {
        at_ms: 5,
        raw: raw.into(),
    });
    let e = &s.log().get(0).unwrap();
    assert_eq!(e.kind, EntryKind::Unknown);
    assert_eq!(e.type_name, "response.brand_new");
    assert_eq!(e.raw, raw);
}

#[test]
fn a_server_message_that_is_not_json_is_logged_raw() {
    let mut s = session();
    let _ = s.handle(Input::Server {
        at_ms: 5,
        raw: "\u{1b}[2Jgarbage".into(),
    });
    let e = &s.log().get(0).unwrap();
    assert_eq!(e.kind, EntryKind::Malformed);
    assert_eq!(e.raw, "\u{1b}[2Jgarbage");
    assert!(!e.summary.contains('\u{1b}'));
}

#[test]
fn an_invalid_client_event_is_rejected_with_its_path_and_not_sent() {
    let mut s = session();
    let fx = send(
        &mut s,
        1,
        json!({"type":"session.update","session":{"instructions":"x"}}),
    );
    assert_eq!(fx.len(), 1);
    let Effect::Rejected { error } = &fx[0] else {
        panic!("{fx:?}")
    };
    assert!(error.to_string().contains("session.type"), "{error}");
    let e = &s.log().get(0).unwrap();
    assert_eq!(e.kind, EntryKind::Rejected);
    assert_eq!(e.type_name, "local.rejected");
    assert!(
        e.summary.starts_with("not sent: session.type"),
        "{}",
        e.summary
    );
    let note: serde_json::Value = serde_json::from_str(&e.raw).unwrap();
    assert!(note["text"].as_str().unwrap().contains("\"instructions\""));
    assert!(s.config().requested.is_none());
}

#[test]
fn a_syntax_error_is_rejected_with_line_and_column() {
    let mut s = session();
    let fx = s.handle(Input::SendText {
        at_ms: 1,
        text: "{\n  \"type\": \"response.create\",\n}".into(),
    });
    let Effect::Rejected { error } = &fx[0] else {
        panic!("{fx:?}")
    };
    let msg = error.to_string();
    assert!(msg.contains("line 3"), "{msg}");
}

#[test]
fn a_valid_event_is_sent_compact_and_logged_as_sent() {
    let mut s = session();
    let fx = s.handle(Input::SendText {
        at_ms: 7,
        text: "{\n \"type\": \"response.create\"\n}".into(),
    });
    assert_eq!(
        fx,
        [Effect::Send {
            text: r#"{"type":"response.create"}"#.into()
        }]
    );
    let e = &s.log().get(0).unwrap();
    assert_eq!(e.raw, r#"{"type":"response.create"}"#);
    assert_eq!(e.at_ms, 7);
}

#[test]
fn session_updated_diff_names_changed_and_dropped_fields() {
    let mut s = session();
    let fx = send(
        &mut s,
        1,
        json!({"type":"session.update","session":{"type":"realtime","instructions":"Be brief.",
        "audio":{"output":{"voice":"cedar"}}}}),
    );
    assert!(matches!(fx[0], Effect::Send { .. }), "{fx:?}");
    assert!(s.config().awaiting_update);
    let fx = server(
        &mut s,
        2,
        json!({"type":"session.updated","event_id":"e","session":{"type":"realtime","model":"gpt-realtime",
        "output_modalities":["audio"],"audio":{"output":{"voice":"marin"}}}}),
    );
    let diff = &s.config().diff;
    assert_eq!(diff.len(), 2, "{diff:?}");
    assert_eq!(diff[0].path, "instructions");
    assert!(matches!(diff[0].change, FieldChange::Dropped { .. }));
    assert_eq!(diff[1].path, "audio.output.voice");
    assert!(matches!(diff[1].change, FieldChange::Changed { .. }));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Notice {
            level: NoticeLevel::Warning,
            ..
        }
    )));
    assert_eq!(
        s.config().effective.as_ref().unwrap().model.as_deref(),
        Some("gpt-realtime")
    );
}

#[test]
fn the_effective_config_follows_the_last_session_event() {
    let mut s = session();
    play(&mut s, "function_call.jsonl");
    let eff = s.config().effective.as_ref().unwrap();
    assert!(
        eff.tools.as_ref().is_some_and(|t| !t.is_empty()),
        "tools from session.updated"
    );
    assert!(s.config().diff.is_empty(), "{:?}", s.config().diff);
}

#[test]
fn usage_accumulates_per_response_and_session_with_a_cost_estimate() {
    let mut s = session();
    play(&mut s, "function_call.jsonl");
    let per: u64 = s
        .responses()
        .all()
        .iter()
        .filter_map(|r| r.usage)
        .map(|u| u.total_tokens)
        .sum();
    assert!(per > 0);
    assert_eq!(s.usage().responses.total_tokens, per);
    assert_eq!(s.usage().counted, 2);
    assert!(s.usage().cost_usd.unwrap() > 0.0);
}

#[test]
fn a_voice_turn_gets_latency_marks_in_order() {
    let mut s = session();
    play(&mut s, "voice_turn.jsonl");
    let t = s.turns().last_done().expect("a finished turn");
    assert_eq!(t.trigger, TurnTrigger::Voice);
    let marks = t.marks();
    let names: Vec<_> = marks.iter().map(|m| m.0).collect();
    assert_eq!(
        names,
        [
            "committed",
            "response.created",
            "first delta",
            "first audio",
            "response.done"
        ]
    );
    let at = |n: &str| marks.iter().find(|m| m.0 == n).unwrap().1;
    // Audio may start before the first transcript delta; both follow response.created.
    assert!(at("committed") <= at("response.created"), "{marks:?}");
    assert!(
        at("response.created") <= at("first delta").min(at("first audio")),
        "{marks:?}"
    );
    assert!(
        at("first delta").max(at("first audio")) <= at("response.done"),
        "{marks:?}"
    );
    assert!(t.first_output_ms().is_some());
}

#[test]
fn a_text_turn_is_timed_from_the_clients_response_create() {
    let mut s = session();
    send(&mut s, 1000, json!({"type":"response.create"}));
    server(
        &mut s,
        1040,
        json!({"type":"response.created","event_id":"e","response":{"id":"r1","status":"in_progress","output":[]}}),
    );
    server(
        &mut s,
        1100,
        json!({"type":"response.output_text.delta","event_id":"e","response_id":"r1","item_id":"i","output_index":0,"content_index":0,"delta":"Hi"}),
    );
    server(
        &mut s,
        1300,
        json!({"type":"response.done","event_id":"e","response":{"id":"r1","status":"completed","output":[]}}),
    );
    let t = s.turns().last_done().unwrap();
    assert_eq!(t.trigger, TurnTrigger::Client);
    assert_eq!(
        t.marks(),
        [
            ("response.created", 40),
            ("first delta", 100),
            ("response.done", 300)
        ]
    );
}

#[test]
fn barge_in_cancels_with_status_details_and_flushes_playback() {
    let mut s = session();
    let fx = play(&mut s, "barge_in.jsonl");
    let cancelled = s
        .responses()
        .all()
        .iter()
        .find(|r| r.status == ResponseStatus::Cancelled)
        .expect("cancelled response");
    assert_eq!(
        cancelled.status_details.as_ref().unwrap().reason.as_deref(),
        Some("turn_detected")
    );
    assert!(fx.contains(&Effect::FlushPlayback));
    assert!(s.turns().all().len() >= 2);
}

#[test]
fn an_error_is_explained_and_tied_to_the_client_event_that_caused_it() {
    let mut s = session();
    send(
        &mut s,
        1,
        json!({"type":"response.create","event_id":"c_1"}),
    );
    let fx = server(
        &mut s,
        2,
        json!({"type":"error","event_id":"event_e","error":{"type":"invalid_request_error",
        "code":"conversation_already_has_active_response","message":"Conversation already has an active response in progress: resp_X.","param":null,"event_id":"c_1"}}),
    );
    let err = &s.errors()[0];
    assert_eq!(err.client_event_type.as_deref(), Some("response.create"));
    assert!(err.help.is_some());
    assert_eq!(s.log().get(1).unwrap().kind, EntryKind::Error);
    assert!(matches!(
        &fx[0],
        Effect::Notice {
            level: NoticeLevel::Error,
            ..
        }
    ));
}

#[test]
fn the_errors_sequence_yields_explained_errors() {
    let mut s = session();
    play(&mut s, "errors.jsonl");
    assert!(s.errors().len() >= 3);
    for e in s.errors() {
        assert!(e.help.is_some(), "no help for {:?}", e.code);
    }
}

#[test]
fn secrets_in_server_error_messages_never_reach_the_log_summary_or_notice() {
    let mut s = session();
    let key = SK_PROJ;
    let fx = server(
        &mut s,
        1,
        json!({"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":"invalid_api_key",
        "message":format!("Incorrect API key provided: {key}"),"param":null,"event_id":null}}),
    );
    assert!(!s.log().get(0).unwrap().summary.contains(key));
    assert!(!s.errors()[0].message.contains(key));
    assert!(fx.iter().all(|e| !format!("{e:?}").contains(key)));
}

#[test]
fn a_beta_session_decodes_to_the_same_meaning() {
    let mut s = Session::new(SessionOptions {
        dialect: Dialect::Beta,
        ..Default::default()
    });
    let fx = play(&mut s, "beta_text_turn.jsonl");
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::Rejected { .. })),
        "{fx:?}"
    );
    let t = transcript(&s);
    assert_eq!(t.len(), 2, "{t:?}");
    assert!(!t[1].1.is_empty());
    assert!(s
        .log()
        .iter()
        .any(|e| e.beta && e.type_name == "response.output_text.delta"));
    assert!(s
        .config()
        .effective
        .as_ref()
        .unwrap()
        .output_modalities
        .is_some());
}

#[test]
fn interrupt_cancels_the_active_response_and_clears_audio() {
    let mut s = session();
    server(
        &mut s,
        1,
        json!({"type":"response.created","event_id":"e","response":{"id":"r1","status":"in_progress","output":[]}}),
    );
    let fx = s.handle(Input::Command {
        at_ms: 2,
        command: Command::Interrupt,
    });
    assert_eq!(
        fx[0],
        Effect::Send {
            text: r#"{"type":"response.cancel","response_id":"r1"}"#.into()
        }
    );
    assert_eq!(
        fx[1],
        Effect::Send {
            text: r#"{"type":"output_audio_buffer.clear"}"#.into()
        }
    );
    assert_eq!(fx[2], Effect::FlushPlayback);
}

#[test]
fn interrupt_with_nothing_active_only_clears_audio() {
    let mut s = session();
    let fx = s.handle(Input::Command {
        at_ms: 2,
        command: Command::Interrupt,
    });
    assert_eq!(
        fx,
        [
            Effect::Send {
                text: r#"{"type":"output_audio_buffer.clear"}"#.into()
            },
            Effect::FlushPlayback
        ]
    );
}

#[test]
fn push_to_talk_commits_and_requests_a_response_when_turn_detection_is_off() {
    let mut s = session();
    server(
        &mut s,
        0,
        json!({"type":"session.updated","event_id":"e","session":{"type":"realtime","audio":{"input":{"turn_detection":null}}}}),
    );
    let down = s.handle(Input::Command {
        at_ms: 10,
        command: Command::PushToTalkPressed,
    });
    assert_eq!(
        down,
        [
            Effect::Send {
                text: r#"{"type":"input_audio_buffer.clear"}"#.into()
            },
            Effect::StartMic
        ]
    );
    let up = s.handle(Input::Command {
        at_ms: 2000,
        command: Command::PushToTalkReleased,
    });
    assert_eq!(
        up,
        [
            Effect::StopMic,
            Effect::Send {
                text: r#"{"type":"input_audio_buffer.commit"}"#.into()
            },
            Effect::Send {
                text: r#"{"type":"response.create"}"#.into()
            },
        ]
    );
}

#[test]
fn push_to_talk_only_gates_the_mic_when_the_server_detects_turns() {
    let mut s = session();
    assert_eq!(
        s.handle(Input::Command {
            at_ms: 1,
            command: Command::PushToTalkPressed
        }),
        [Effect::StartMic]
    );
    assert_eq!(
        s.handle(Input::Command {
            at_ms: 2,
            command: Command::PushToTalkReleased
        }),
        [Effect::StopMic]
    );
}

#[test]
fn transport_changes_are_logged_as_local_notes_without_secrets() {
    let mut s = session();
    let _ = s.handle(Input::Transport {
        at_ms: 0,
        status: TransportStatus::Connecting {
            endpoint: format!("https://x/v1?key={SK}"),
        },
    });
    let _ = s.handle(Input::Transport {
        at_ms: 30,
        status: TransportStatus::ChannelOpen,
    });
    let fx = s.handle(Input::Transport {
        at_ms: 90,
        status: TransportStatus::Closed {
            reason: "data channel closed by the server".into(),
        },
    });
    let log: Vec<_> = s.log().iter().collect();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|e| e.kind == EntryKind::Note));
    assert!(!log[0].raw.contains("FAKEfakeFAKE"), "{}", log[0].raw);
    assert!(matches!(s.phase(), rtconsole::session::Phase::Closed(_)));
    assert!(matches!(
        &fx[0],
        Effect::Notice {
            level: NoticeLevel::Warning,
            ..
        }
    ));
}

#[test]
fn an_out_of_band_response_stays_out_of_the_conversation() {
    let mut s = session();
    server(
        &mut s,
        1,
        json!({"type":"response.created","event_id":"e","response":{"id":"r_oob","status":"in_progress","conversation_id":null,"metadata":{"topic":"x"},"output":[]}}),
    );
    server(
        &mut s,
        2,
        json!({"type":"response.output_item.added","event_id":"e","response_id":"r_oob","output_index":0,"item":{"id":"o1","type":"message","role":"assistant","content":[]}}),
    );
    server(
        &mut s,
        3,
        json!({"type":"response.output_text.delta","event_id":"e","response_id":"r_oob","item_id":"o1","output_index":0,"content_index":0,"delta":"classified"}),
    );
    server(
        &mut s,
        4,
        json!({"type":"response.done","event_id":"e","response":{"id":"r_oob","status":"completed","conversation_id":null,"metadata":{"topic":"x"},"output":[{"id":"o1","type":"message","role":"assistant","content":[{"type":"output_text","text":"classified"}]}]}}),
    );
    assert!(s.conversation().is_empty());
    assert_eq!(s.conversation().get("o1").unwrap().text(), "classified");
    let r = s.responses().get("r_oob").unwrap();
    assert!(r.out_of_band);
    assert_eq!(r.metadata.as_ref().unwrap()["topic"], "x");
    assert!(s.responses().active().is_none());
}

#[test]
fn related_events_share_a_response_item_or_call() {
    let mut s = session();
    play(&mut s, "text_turn.jsonl");
    let log = s.log();
    let done = log.iter().find(|e| e.type_name == "response.done").unwrap();
    let related = log.related(done.seq);
    assert!(related.len() > 3);
    assert!(related
        .iter()
        .all(|&i| log.get(i).unwrap().response_id == done.response_id
            || log.get(i).unwrap().item_id.is_some()));
}

#[test]
fn the_clock_only_moves_forward_with_inputs() {
    let mut s = session();
    let _ = s.handle(Input::Tick { at_ms: 500 });
    let _ = s.handle(Input::Tick { at_ms: 100 });
    assert_eq!(s.now_ms(), 500);
}

#[test]
fn a_secret_in_a_sent_event_reaches_the_wire_but_not_the_log() {
    let mut s = session();
    let token = SK_PROJ;
    let fx = send(
        &mut s,
        1,
        json!({"type":"session.update","session":{"type":"realtime","tools":[
        {"type":"mcp","server_label":"crm","server_url":"https://mcp.example.com","authorization":token}]}}),
    );
    let Effect::Send { text } = &fx[0] else {
        panic!("{fx:?}")
    };
    assert!(text.contains(token), "the server needs the real credential");
    let e = &s.log().get(0).unwrap();
    assert!(!e.raw.contains(token), "{}", e.raw);
}

fn notes_of(s: &Session, ty: &str) -> usize {
    s.log().iter().filter(|e| e.type_name == ty).count()
}

#[test]
fn stats_reach_the_log_every_ten_seconds_and_once_more_at_the_close() {
    let mut s = session();
    let sample = |b: u64| rtconsole::session::TransportStats {
        rtt_ms: Some(20.0),
        bytes_sent: b,
        ..Default::default()
    };
    for (i, at) in (0..=20_000).step_by(2_000).enumerate() {
        let _ = s.handle(Input::Transport {
            at_ms: at,
            status: TransportStatus::Stats(sample(i as u64)),
        });
    }
    // At 0, 10 s and 20 s; every sample reaches the status figures.
    assert_eq!(notes_of(&s, "local.stats"), 3);
    assert_eq!(s.stats().bytes_sent, 10);
    let _ = s.handle(Input::Transport {
        at_ms: 21_000,
        status: TransportStatus::Stats(sample(99)),
    });
    let _ = s.handle(Input::Transport {
        at_ms: 21_500,
        status: TransportStatus::Closed {
            reason: "done".into(),
        },
    });
    assert_eq!(
        notes_of(&s, "local.stats"),
        4,
        "the final figures are logged"
    );
}

#[test]
fn a_close_after_session_expired_says_the_limit_was_reached() {
    let mut s = session();
    server(
        &mut s,
        1,
        json!({"type": "error", "event_id": "e9", "error": {"type": "invalid_request_error",
            "code": "session_expired", "message": "Your session hit the maximum duration of 60 minutes."}}),
    );
    let _ = s.handle(Input::Transport {
        at_ms: 2,
        status: TransportStatus::Closed {
            reason: "the server closed the data channel".into(),
        },
    });
    match s.phase() {
        rtconsole::session::Phase::Closed(why) => {
            assert!(why.starts_with("the session expired"), "{why}");
            assert!(why.contains("60 minutes"), "{why}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_connect_breakdown_is_kept_and_logged_as_local_connected() {
    let mut s = session();
    let b = rtconsole::session::ConnectBreakdown {
        call_id: Some("rtc_1".into()),
        channel_open_ms: Some(42.26),
        first_rtp_ms: Some(50.0),
        ..Default::default()
    };
    let _ = s.handle(Input::Transport {
        at_ms: 60,
        status: TransportStatus::Breakdown(b.clone()),
    });
    assert_eq!(s.connect_breakdown(), Some(&b));
    let note = s.log().last().unwrap();
    assert_eq!(note.type_name, "local.connected");
    let v: serde_json::Value = serde_json::from_str(&note.raw).unwrap();
    assert_eq!(v["channel_open_ms"], json!(42.3));
    assert_eq!(v["call_id"], "rtc_1");
    assert!(v["ice_connected_ms"].is_null());
}

#[test]
fn shortcuts_are_commands_the_core_turns_into_valid_updates() {
    let mut s = session();
    server(
        &mut s,
        1,
        json!({"type": "session.created", "event_id": "e1", "session": {"type": "realtime",
            "model": "gpt-realtime", "output_modalities": ["audio"],
            "audio": {"input": {"turn_detection": {"type": "server_vad"}}},
            "tools": [{"type": "function", "name": "a", "description": "d", "parameters": {"type": "object", "properties": {}}}]}}),
    );
    let sent = |fx: &[Effect]| -> Vec<serde_json::Value> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Send { text } => Some(serde_json::from_str(text).unwrap()),
                _ => None,
            })
            .collect()
    };
    let fx = s.handle(Input::Command {
        at_ms: 2,
        command: Command::ToggleOutputModality,
    });
    assert_eq!(
        sent(&fx)[0]["session"]["output_modalities"],
        json!(["text"])
    );
    let fx = s.handle(Input::Command {
        at_ms: 3,
        command: Command::CycleTurnDetection,
    });
    assert_eq!(
        sent(&fx)[0]["session"]["audio"]["input"]["turn_detection"]["type"],
        "semantic_vad"
    );
    assert!(fx.iter().any(
        |e| matches!(e, Effect::Notice { level: NoticeLevel::Info, text } if text.contains("semantic_vad"))
    ));
    let fx = s.handle(Input::Command {
        at_ms: 4,
        command: Command::ToggleTool(1),
    });
    assert_eq!(sent(&fx)[0]["session"]["tools"], json!([]));
    assert_eq!(s.tool_list(), vec![(1, "a".to_string(), true)]);
    let fx = s.handle(Input::Command {
        at_ms: 5,
        command: Command::ToggleTool(9),
    });
    assert!(sent(&fx).is_empty());
    let fx = s.handle(Input::Command {
        at_ms: 6,
        command: Command::UpdateSession(json!({"type": "realtime", "voice": 3})),
    });
    assert!(sent(&fx).is_empty(), "an invalid update is refused: {fx:?}");
    let refused = s.log().last().unwrap();
    assert_eq!(refused.kind, EntryKind::Rejected);
    assert!(
        refused.summary.starts_with("not sent:"),
        "{}",
        refused.summary
    );
}

#[test]
fn a_quiet_server_during_a_response_is_a_stall_warning_once_per_spell() {
    let mut s = session();
    server(
        &mut s,
        1_000,
        json!({"type": "response.created", "event_id": "e1",
            "response": {"id": "resp_1", "object": "realtime.response", "status": "in_progress", "output": []}}),
    );
    let quiet = |s: &mut Session, at: u64| s.handle(Input::Tick { at_ms: at });
    assert!(quiet(&mut s, 15_999).is_empty(), "not yet 15 s");
    let fx = quiet(&mut s, 16_000);
    assert!(
        matches!(&fx[..], [Effect::Notice { level: NoticeLevel::Warning, text }] if text.contains("resp_1") && text.contains("stalled")),
        "{fx:?}"
    );
    assert!(quiet(&mut s, 40_000).is_empty(), "once per quiet spell");
    assert_eq!(s.log().last().unwrap().type_name, "local.stall");
    // Heard again, then quiet again: a new warning.
    server(
        &mut s,
        41_000,
        json!({"type": "response.output_text.delta", "event_id": "e2", "response_id": "resp_1",
            "item_id": "item_1", "output_index": 0, "content_index": 0, "delta": "x"}),
    );
    assert_eq!(quiet(&mut s, 56_000).len(), 1);
    // No response in progress: quiet is fine.
    let mut idle = session();
    server(
        &mut idle,
        0,
        json!({"type": "session.created", "event_id": "e0", "session": {"type": "realtime"}}),
    );
    assert!(quiet(&mut idle, 100_000).is_empty());
    // Turned off.
    s.set_stall_after(None);
    assert!(quiet(&mut s, 200_000).is_empty());
}
