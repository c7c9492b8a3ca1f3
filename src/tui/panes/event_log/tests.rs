//! Tests of the Events pane over a realistic GA session: snapshots of what it
//! draws, and what snapshots cannot show (incremental filtering, follow, saving).

mod behaviour;
mod filters;
mod render;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::{json, Value};

use super::filter::{Anchor, Filter};
use super::view::{row_of, View};
use super::EventLogPane;
use crate::protocol::Direction;
use crate::recording::open_recording;
use crate::session::{EntryKind, Input, Session, SessionOptions};
use crate::tui::pane::{AudioStatus, ConnInfo, Pane, PaneCtx, PaneReply};
use crate::tui::theme::Theme;

const RESP: &str = "resp_RjuPj6NjqVsSujnNxevx0";
const ITEM: &str = "item_SjalhxrRlCCxviTaP2tc2";

fn server(s: &mut Session, at_ms: u64, v: Value) {
    let _ = s.handle(Input::Server {
        at_ms,
        raw: v.to_string(),
    });
}

fn server_raw(s: &mut Session, at_ms: u64, raw: &str) {
    let _ = s.handle(Input::Server {
        at_ms,
        raw: raw.to_string(),
    });
}

fn send(s: &mut Session, at_ms: u64, v: Value) {
    let _ = s.handle(Input::SendText {
        at_ms,
        text: v.to_string(),
    });
}

fn delta(item: &str, index: u32, text: &str) -> Value {
    json!({"type":"response.output_text.delta","event_id":"event_JC87J1u2reBFEAUXTckLB",
           "response_id":RESP,"item_id":item,"output_index":0,"content_index":index,"delta":text})
}

/// A text turn with the things a log has to show: client and server events,
/// coalescing deltas, a rejected event, server errors with known codes, an
/// unknown type, a malformed message and a beta-named event.
fn demo() -> Session {
    let mut s = Session::new(SessionOptions::default());
    server(
        &mut s,
        0,
        json!({"type":"session.created","event_id":"event_KJIyxeizLmvLlbXaSPxjE","session":{
            "type":"realtime","object":"realtime.session","id":"sess_fJqQ27XGvaJew5cN3dxH9",
            "model":"gpt-realtime-2025-08-28","output_modalities":["audio"],"instructions":"Be brief.",
            "tools":[],"tool_choice":"auto","max_output_tokens":"inf","tracing":null,"truncation":"auto",
            "prompt":null,"expires_at":1756324625,"audio":{"input":{"format":{"type":"audio/pcm","rate":24000},
            "transcription":null,"noise_reduction":null,"turn_detection":{"type":"server_vad","threshold":0.5,
            "prefix_padding_ms":300,"silence_duration_ms":200,"idle_timeout_ms":null,"create_response":true,
            "interrupt_response":true}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"marin",
            "speed":1.0}},"include":null}}),
    );
    send(
        &mut s,
        812,
        json!({"type":"scooby.dooby.doo","event_id":"my_awesome_event"}),
    );
    server(
        &mut s,
        851,
        json!({"type":"error","event_id":"event_Ar6ro3RxP6glOpddi8ML0","error":{"type":"invalid_request_error",
            "code":"invalid_value","message":"Invalid value: 'scooby.dooby.doo'. Supported values are: 'session.update', 'response.create', and 'response.cancel'.",
            "param":"type","event_id":"my_awesome_event"}}),
    );
    send(
        &mut s,
        2950,
        json!({"type":"conversation.item.create","event_id":"evt_client_2","item":{"type":"message",
            "role":"user","content":[{"type":"input_text","text":"Tell me a fun fact about octopuses."}]}}),
    );
    server(
        &mut s,
        2993,
        json!({"type":"conversation.item.added","event_id":"event_C1YxSa7KmY1YM9LJjuMTF","previous_item_id":null,
            "item":{"id":"item_Nm2vpcXA9kVfy20OMo17a","object":"realtime.item","type":"message","status":"completed",
            "role":"user","content":[{"type":"input_text","text":"Tell me a fun fact about octopuses."}]}}),
    );
    send(
        &mut s,
        3001,
        json!({"type":"response.create","event_id":"evt_client_3","response":{"output_modalities":["text"]}}),
    );
    server(
        &mut s,
        3047,
        json!({"type":"response.created","event_id":"event_AsFB37TEEOhq35VKM9wJK","response":{
            "object":"realtime.response","id":RESP,"status":"in_progress","status_details":null,"output":[],
            "conversation_id":"conv_rQOsf3lCtNLthIREe3EVs","output_modalities":["text"],"max_output_tokens":"inf",
            "usage":null,"metadata":null}}),
    );
    server(
        &mut s,
        3245,
        json!({"type":"response.output_item.added","event_id":"event_oBAzCEF9WB0gSVeu3BSvi","response_id":RESP,
            "output_index":0,"item":{"id":ITEM,"object":"realtime.item","type":"message","status":"in_progress",
            "role":"assistant","content":[]}}),
    );
    let words = [
        "Oct", "opuses", " have", " three", " hearts", ",", " blue", " blood", " and", " nine",
        " brains", "!",
    ];
    for (i, w) in words.iter().enumerate() {
        server(&mut s, 3256 + 11 * i as u64, delta(ITEM, 0, w));
    }
    server(
        &mut s,
        3390,
        json!({"type":"response.output_text.done","event_id":"event_snf0o8DVS3wqLsBGvzuep","response_id":RESP,
            "item_id":ITEM,"output_index":0,"content_index":0,
            "text":"Octopuses have three hearts, blue blood and nine brains!"}),
    );
    server(
        &mut s,
        3400,
        json!({"type":"response.done","event_id":"event_A5Kg4MnKwXdhoJz4bXDKJ","response":{
            "object":"realtime.response","id":RESP,"status":"completed","status_details":null,
            "output":[{"id":ITEM,"object":"realtime.item","type":"message","status":"completed","role":"assistant",
            "content":[{"type":"output_text","text":"Octopuses have three hearts, blue blood and nine brains!"}]}],
            "conversation_id":"conv_rQOsf3lCtNLthIREe3EVs","output_modalities":["text"],"max_output_tokens":"inf",
            "usage":{"total_tokens":253,"input_tokens":221,"output_tokens":32}}}),
    );
    server(
        &mut s,
        4100,
        json!({"type":"response.text.delta","event_id":"event_beta1","response_id":"resp_beta",
            "item_id":"item_beta","output_index":0,"content_index":0,"delta":"legacy"}),
    );
    server(
        &mut s,
        5200,
        json!({"type":"response.future_feature","event_id":"event_new1","detail":"not in this version"}),
    );
    server_raw(&mut s, 6000, "<html>502 Bad Gateway</html>");
    server(
        &mut s,
        3_600_050,
        json!({"type":"error","event_id":"event_Exp1","error":{"type":"invalid_request_error",
            "code":"session_expired","message":"Your session hit the maximum duration of 60 minutes.",
            "param":null,"event_id":null}}),
    );
    s
}

fn with_ctx<R>(s: &Session, f: impl FnOnce(&PaneCtx) -> R) -> R {
    let theme = Theme::default();
    let conn = ConnInfo::default();
    let audio = AudioStatus::default();
    let ctx = PaneCtx {
        session: s,
        theme: &theme,
        focused: true,
        conn: &conn,
        audio: &audio,
        meters: None,
    };
    f(&ctx)
}

fn draw(pane: &mut EventLogPane, s: &Session, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    with_ctx(s, |ctx| {
        terminal.draw(|f| pane.render(f, f.area(), ctx)).unwrap();
    });
    terminal
}

fn press_key(pane: &mut EventLogPane, s: &Session, key: KeyEvent) -> PaneReply {
    with_ctx(s, |ctx| pane.on_key(key, ctx))
}

fn press(pane: &mut EventLogPane, s: &Session, code: KeyCode) -> PaneReply {
    press_key(pane, s, KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(pane: &mut EventLogPane, s: &Session, text: &str) {
    for c in text.chars() {
        press(pane, s, KeyCode::Char(c));
    }
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn pane() -> EventLogPane {
    EventLogPane::new(std::env::temp_dir())
}

/// Moves the selection to the row holding `seq` with the pane's own keys.
fn select(pane: &mut EventLogPane, s: &Session, seq: usize) {
    let first = s.log().rows()[row_of(s.log().rows(), seq)].first;
    press(pane, s, KeyCode::Home);
    for _ in 0..s.log().rows().len() {
        if pane.selected_seq() == Some(first) {
            return;
        }
        press(pane, s, KeyCode::Down);
    }
    panic!("row of #{seq} is not shown");
}

fn first_of(s: &Session, pred: impl Fn(&crate::session::LogEntry) -> bool) -> usize {
    s.log().iter().find(|e| pred(e)).expect("entry").seq
}

/// 100,000 events, fed as fast as the core takes them: small server events on
/// alternating content parts, so no two coalesce.
fn big(n: usize) -> Session {
    let mut s = Session::new(SessionOptions::default());
    for i in 0..n {
        let raw = format!(
            r#"{{"type":"response.output_text.delta","event_id":"e{i}","response_id":"resp_1","item_id":"item_{}","output_index":0,"content_index":{},"delta":"w{i}"}}"#,
            i / 100,
            i % 2
        );
        let _ = s.handle(Input::Server {
            at_ms: i as u64 * 10,
            raw,
        });
    }
    s
}
