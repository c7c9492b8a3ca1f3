//! Sessions for pane tests, built the way the app builds them: by feeding GA server
//! events (shaped like the API's, ids and all) and transport reports to
//! `Session::handle`. Nothing here pokes at session internals.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::{json, Value};

use crate::session::{Input, Session, SessionOptions, TransportStats, TransportStatus};
use crate::tui::pane::{AudioStatus, ConnInfo};

pub(crate) const MODEL: &str = "gpt-realtime-2025-08-28";

pub(crate) fn server(s: &mut Session, at: u64, v: Value) {
    let _ = s.handle(Input::Server {
        at_ms: at,
        raw: v.to_string(),
    });
}

pub(crate) fn transport(s: &mut Session, at: u64, status: TransportStatus) {
    let _ = s.handle(Input::Transport { at_ms: at, status });
}

pub(crate) fn tick(s: &mut Session, at: u64) {
    let _ = s.handle(Input::Tick { at_ms: at });
}

/// A fresh session that has seen `session.created` and an open data channel.
pub(crate) fn open_session() -> Session {
    let mut s = Session::new(SessionOptions::default());
    transport(
        &mut s,
        0,
        TransportStatus::Connecting {
            endpoint: "api.openai.com".into(),
        },
    );
    transport(&mut s, 310, TransportStatus::Connected);
    transport(&mut s, 420, TransportStatus::ChannelOpen);
    server(
        &mut s,
        455,
        json!({"type":"session.created","event_id":"event_oW4igZsCbII7gKuJmNg7K",
          "session":{"type":"realtime","object":"realtime.session","id":"sess_gbTwElGshVOi8UNFcWtII",
            "model":MODEL,"output_modalities":["audio"],"instructions":"Be brief.",
            "tools":[],"tool_choice":"auto","max_output_tokens":"inf","tracing":null,
            "truncation":"auto","prompt":null,"expires_at":1756324625,
            "audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"transcription":{"model":"gpt-4o-transcribe"},
                "noise_reduction":null,"turn_detection":{"type":"server_vad","threshold":0.5,
                "prefix_padding_ms":300,"silence_duration_ms":200,"idle_timeout_ms":null,
                "create_response":true,"interrupt_response":true}},
              "output":{"format":{"type":"audio/pcm","rate":24000},"voice":"marin","speed":1.0}},
            "include":null}}),
    );
    s
}

fn item_event(kind: &str, prev: Value, item: Value) -> Value {
    json!({"type":kind,"event_id":"event_item","previous_item_id":prev,"item":item})
}

/// `conversation.item.added` + `.done` of a typed user message.
pub(crate) fn user_text(s: &mut Session, at: u64, id: &str, prev: Value, text: &str) {
    let item = json!({"id":id,"object":"realtime.item","type":"message","status":"completed",
        "role":"user","content":[{"type":"input_text","text":text}]});
    server(
        s,
        at,
        item_event("conversation.item.added", prev.clone(), item.clone()),
    );
    server(s, at + 1, item_event("conversation.item.done", prev, item));
}

/// A spoken user turn as server VAD reports it: speech started/stopped, committed,
/// and the item announced with its transcript still `null`.
pub(crate) fn user_audio(s: &mut Session, at: u64, id: &str, prev: Value) {
    server(
        s,
        at,
        json!({"type":"input_audio_buffer.speech_started","event_id":"event_ss","audio_start_ms":at,"item_id":id}),
    );
    server(
        s,
        at + 1800,
        json!({"type":"input_audio_buffer.speech_stopped","event_id":"event_sp","audio_end_ms":at + 1500,"item_id":id}),
    );
    server(
        s,
        at + 1810,
        json!({"type":"input_audio_buffer.committed","event_id":"event_c","previous_item_id":prev,"item_id":id}),
    );
    let item = json!({"id":id,"object":"realtime.item","type":"message","status":"completed",
        "role":"user","content":[{"type":"input_audio","transcript":null}]});
    server(
        s,
        at + 1812,
        item_event("conversation.item.added", prev.clone(), item.clone()),
    );
    server(
        s,
        at + 1813,
        item_event("conversation.item.done", prev, item),
    );
}

/// The late `input_audio_transcription.completed` for a spoken item.
pub(crate) fn user_transcript(s: &mut Session, at: u64, id: &str, text: &str) {
    server(
        s,
        at,
        json!({"type":"conversation.item.input_audio_transcription.completed","event_id":"event_tc",
            "item_id":id,"content_index":0,"transcript":text,"logprobs":null,
            "usage":{"type":"tokens","total_tokens":30,"input_tokens":21,
              "input_token_details":{"text_tokens":0,"audio_tokens":21},"output_tokens":9}}),
    );
}

pub(crate) fn response_created(s: &mut Session, at: u64, resp: &str) {
    server(
        s,
        at,
        json!({"type":"response.created","event_id":"event_rc","response":{"object":"realtime.response",
            "id":resp,"status":"in_progress","status_details":null,"output":[],
            "conversation_id":"conv_zbnjYuq6zaDCCwXZUJngL","output_modalities":["audio"],
            "max_output_tokens":"inf","usage":null,"metadata":null}}),
    );
}

/// An assistant message item announced in progress, then `deltas` streamed into
/// it (as output text, or as the audio transcript when `audio`).
pub(crate) fn assistant_stream(
    s: &mut Session,
    at: u64,
    resp: &str,
    id: &str,
    prev: Value,
    audio: bool,
    deltas: &[&str],
) {
    let item = json!({"id":id,"object":"realtime.item","type":"message","status":"in_progress",
        "role":"assistant","content":[]});
    server(
        s,
        at,
        json!({"type":"response.output_item.added","event_id":"event_oia","response_id":resp,
            "output_index":0,"item":item}),
    );
    server(s, at + 1, item_event("conversation.item.added", prev, item));
    let kind = if audio {
        "response.output_audio_transcript.delta"
    } else {
        "response.output_text.delta"
    };
    for (i, d) in deltas.iter().enumerate() {
        server(
            s,
            at + 20 + 20 * i as u64,
            json!({"type":kind,"event_id":"event_d","response_id":resp,"item_id":id,
                "output_index":0,"content_index":0,"delta":d}),
        );
    }
}

/// `conversation.item.done` for a finished assistant message and `response.done`
/// with usage.
pub(crate) fn assistant_done(
    s: &mut Session,
    at: u64,
    resp: &str,
    id: &str,
    prev: Value,
    text: &str,
) {
    let item = json!({"id":id,"object":"realtime.item","type":"message","status":"completed",
        "role":"assistant","content":[{"type":"output_audio","transcript":text}]});
    server(
        s,
        at,
        item_event("conversation.item.done", prev, item.clone()),
    );
    response_done(s, at + 5, resp, item);
}

pub(crate) fn response_done(s: &mut Session, at: u64, resp: &str, output: Value) {
    server(
        s,
        at,
        json!({"type":"response.done","event_id":"event_rd","response":{"object":"realtime.response",
            "id":resp,"status":"completed","status_details":null,"output":[output],
            "conversation_id":"conv_zbnjYuq6zaDCCwXZUJngL","output_modalities":["audio"],
            "max_output_tokens":"inf","metadata":null,
            "usage":{"total_tokens":289,"input_tokens":206,"output_tokens":83,
              "input_token_details":{"text_tokens":187,"audio_tokens":19,"image_tokens":0,
                "cached_tokens":128,"cached_tokens_details":{"text_tokens":128,"audio_tokens":0,"image_tokens":0}},
              "output_token_details":{"text_tokens":22,"audio_tokens":61}}}}),
    );
}

/// A function call streamed by the model and the client's output for it.
pub(crate) fn function_call(s: &mut Session, at: u64, resp: &str, prev: &str) {
    let (id, call) = ("item_qPGY6BJbGpt6gwcJJgBSC", "call_sHlR7iaFwQ2YQOqm");
    response_created(s, at, resp);
    let added = json!({"id":id,"object":"realtime.item","type":"function_call","status":"in_progress",
        "name":"generate_horoscope","call_id":call,"arguments":""});
    server(
        s,
        at + 10,
        json!({"type":"response.output_item.added","event_id":"event_oia","response_id":resp,
            "output_index":0,"item":added}),
    );
    server(
        s,
        at + 11,
        item_event("conversation.item.added", json!(prev), added),
    );
    for (i, d) in ["{\"sign\"", ":\"Aquarius\"}"].iter().enumerate() {
        server(
            s,
            at + 20 + i as u64,
            json!({"type":"response.function_call_arguments.delta","event_id":"event_fad",
                "response_id":resp,"item_id":id,"output_index":0,"call_id":call,"delta":d}),
        );
    }
    server(
        s,
        at + 30,
        json!({"type":"response.function_call_arguments.done","event_id":"event_fa",
            "response_id":resp,"item_id":id,"output_index":0,"call_id":call,
            "name":"generate_horoscope","arguments":"{\"sign\":\"Aquarius\"}"}),
    );
    let done = json!({"id":id,"object":"realtime.item","type":"function_call","status":"completed",
        "name":"generate_horoscope","call_id":call,"arguments":"{\"sign\":\"Aquarius\"}"});
    server(
        s,
        at + 31,
        item_event("conversation.item.done", json!(prev), done.clone()),
    );
    response_done(s, at + 35, resp, done);
    let out = json!({"id":"item_JS7ugR0tuVIDnkKMCvhIx","object":"realtime.item",
        "type":"function_call_output","call_id":call,
        "output":"{\"horoscope\":\"You will soon meet a new friend.\"}"});
    server(
        s,
        at + 80,
        item_event("conversation.item.added", json!(id), out.clone()),
    );
    server(
        s,
        at + 81,
        item_event("conversation.item.done", json!(id), out),
    );
}

/// The whole story the transcript tests tell: a typed turn, a spoken turn whose
/// transcript arrives after the reply, a function call with its output, and a
/// reply still streaming.
pub(crate) fn conversation_session() -> Session {
    let mut s = open_session();
    user_text(
        &mut s,
        1_000,
        "item_u1",
        json!(null),
        "What's the weather like in Paris?",
    );
    response_created(&mut s, 1_050, "resp_1");
    assistant_stream(
        &mut s,
        1_300,
        "resp_1",
        "item_a1",
        json!("item_u1"),
        false,
        &["It's", " sunny", " and", " about", " 22", " degrees", "."],
    );
    assistant_done(
        &mut s,
        1_600,
        "resp_1",
        "item_a1",
        json!("item_u1"),
        "It's sunny and about 22 degrees.",
    );
    user_audio(&mut s, 4_000, "item_u2", json!("item_a1"));
    response_created(&mut s, 5_830, "resp_2");
    assistant_stream(
        &mut s,
        6_100,
        "resp_2",
        "item_a2",
        json!("item_u2"),
        true,
        &[
            "Tomorrow",
            " looks",
            " rainy,",
            " so",
            " pack",
            " an",
            " umbrella.",
        ],
    );
    assistant_done(
        &mut s,
        6_500,
        "resp_2",
        "item_a2",
        json!("item_u2"),
        "Tomorrow looks rainy, so pack an umbrella.",
    );
    // Transcription finishes after the reply: it must land on item_u2, above it.
    user_transcript(&mut s, 6_900, "item_u2", "And what about tomorrow?");
    user_text(
        &mut s,
        9_000,
        "item_u3",
        json!("item_a2"),
        "What is my horoscope? I am an aquarius.",
    );
    function_call(&mut s, 9_100, "resp_3", "item_u3");
    response_created(&mut s, 9_300, "resp_4");
    assistant_stream(
        &mut s,
        9_400,
        "resp_4",
        "item_a4",
        json!("item_JS7ugR0tuVIDnkKMCvhIx"),
        true,
        &["Good", " news,", " Aquarius!", " The", " stars", " say"],
    );
    s
}

pub(crate) fn stats(s: &mut Session, at: u64, rtt: f64, lost: u64) {
    transport(
        s,
        at,
        TransportStatus::Stats(TransportStats {
            rtt_ms: Some(rtt),
            jitter_ms: Some(3.0),
            packets_lost: lost,
            bytes_sent: 120_000,
            bytes_received: 480_000,
            last_audio_ms: None,
        }),
    );
}

pub(crate) fn conn() -> ConnInfo {
    ConnInfo {
        endpoint: "api.openai.com".into(),
        call_id: Some("rtc_u1_9c2fA7bQk3Lm0XyZ".into()),
        secret_expires_at_ms: Some(10 * 60_000),
        session_limit_ms: 60 * 60_000,
        recording: None,
        read_only: false,
        relay: None,
    }
}

pub(crate) fn audio() -> AudioStatus {
    AudioStatus {
        input: "default (48000 Hz, 1 ch)".into(),
        output: "default (48000 Hz, 2 ch)".into(),
        ..AudioStatus::default()
    }
}

pub(crate) fn terminal(w: u16, h: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(w, h)).expect("test backend")
}

/// Every cell's symbol, to assert on what reached the screen.
pub(crate) fn screen_text(t: &Terminal<TestBackend>) -> String {
    t.backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect()
}
