//! `rtconsole proxy --upstream mock --headless` as an app sees it: a socket client
//! through the proxy, the proxy's JSONL on stdout, events typed on its stdin.

#[path = "support/proxy_process.rs"]
mod proxy_process;
#[path = "support/socket_app.rs"]
mod socket_app;

use std::process::Command;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use proxy_process::{assert_no_key, is, ProxyProcess, KEY, WAIT};
use socket_app::{connect, send, until};

#[tokio::test]
async fn a_socket_app_completes_a_turn_through_the_proxy_and_injected_events_reach_the_mock() {
    let dir = tempfile::tempdir().unwrap();
    let mut proxy = ProxyProcess::start(&["--record", dir.path().to_str().unwrap()]);
    let mut app = connect(&proxy.socket_url("model=gpt-realtime"), KEY, false)
        .await
        .expect("the mock accepts the app's key through the proxy");
    until(&mut app, "session.created").await;
    send(
        &mut app,
        json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}),
    )
    .await;
    until(&mut app, "session.updated").await;
    send(
        &mut app,
        json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "Say exactly: \"through the proxy\""}]}}),
    )
    .await;
    send(&mut app, json!({"type": "response.create"})).await;
    let turn = until(&mut app, "response.done").await;
    assert!(turn
        .iter()
        .any(|e| e["type"] == "response.output_text.delta"));

    proxy.wait_stdout("the app's response.create", |v| {
        is(v, "client", "response.create")
    });
    let done = proxy.wait_stdout("the mock's response.done", |v| {
        is(v, "server", "response.done")
    });
    assert_eq!(done["conn"], 1);
    assert!(done["t_ms"].is_u64());

    // An invalid line is refused with the reason and never sent.
    proxy.type_line(r#"{"type":"response.create","response":{"modalities":["text"]}}"#);
    proxy.wait_stderr("not sent");
    proxy.type_line("not json");
    proxy.wait_stderr("is not JSON");
    // A valid one goes upstream on the app's connection, and its effect comes back.
    proxy.type_line(
        r#"{"type":"response.create","response":{"output_modalities":["text"],"instructions":"Say exactly: \"injected\""}}"#,
    );
    let after = until(&mut app, "response.done").await;
    assert!(after.iter().any(|e| e["type"] == "response.created"));
    let injected = proxy.wait_stdout("the injected event", |v| {
        is(v, "injected", "response.create")
    });
    assert_eq!(injected["conn"], 1);
    assert_eq!(
        proxy
            .stdout()
            .lines()
            .filter(|l| l.contains(r#""dir":"injected""#))
            .count(),
        1,
        "only the valid line was sent"
    );

    app.close(None).await.unwrap();
    proxy.wait_stdout("the close", |v| is(v, "local", "local.proxy.closed"));

    let recordings: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(recordings.len(), 1, "{recordings:?}");
    let recording = std::fs::read_to_string(&recordings[0]).unwrap();
    assert!(recording.contains(r#""dir":"client","event":{"type":"conversation.item.create""#));
    assert!(recording.contains(r#""dir":"server","event":{"type":"response.done""#));
    assert!(recording.contains("local.proxy.injected"));
    assert_no_key(&recording, "the recording");
    assert_no_key(&proxy.stdout(), "stdout");
    assert_no_key(&proxy.stderr(), "stderr");
}

#[tokio::test]
async fn a_close_from_the_upstream_reaches_the_app_with_its_code() {
    let proxy = ProxyProcess::start(&[]);
    // The GA mock refuses the beta header with an error event, then close 4000:
    // the header went through, and so does the close.
    let mut app = connect(&proxy.socket_url("model=gpt-realtime"), KEY, true)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let frame = loop {
        match tokio::time::timeout_at(deadline, app.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("no close frame: {other:?}"),
        }
    };
    let frame = frame.expect("the close carries a code");
    assert_eq!(u16::from(frame.code), 4000);
    let closed = proxy.wait_stdout("the close", |v| is(v, "local", "local.proxy.closed"));
    assert_eq!(closed["event"]["by"], "server");
    assert_eq!(closed["event"]["code"], 4000);
    assert!(closed["event"]["explanation"]
        .as_str()
        .unwrap()
        .contains("beta"));
}

#[tokio::test]
async fn an_upstream_refusal_reaches_the_app_as_the_same_status() {
    let proxy = ProxyProcess::start(&[]);
    let wrong = "sk-proj-wrongkey0123456789abcdefXYZ";
    match connect(&proxy.socket_url("model=gpt-realtime"), wrong, false).await {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status().as_u16(), 401);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            let v: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["error"]["code"], "invalid_api_key", "{body}");
        }
        other => panic!("expected the mock's 401, got {:?}", other.map(|_| ())),
    }
    let refused = proxy.wait_stdout("the refusal", |v| is(v, "local", "local.proxy.refused"));
    assert_eq!(refused["event"]["status"], 401);
    assert!(!proxy.stdout().contains("wrongkey0123456789"));
    assert!(!proxy.stderr().contains("wrongkey0123456789"));
}

#[tokio::test]
async fn client_secrets_are_forwarded_and_their_value_not_printed() {
    let proxy = ProxyProcess::start(&[]);
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{}/realtime/client_secrets", proxy.base_url))
        .bearer_auth(KEY)
        .json(&json!({"session": {"type": "realtime", "instructions": "be brief"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert!(answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let minted: Value = answer.json().await.unwrap();
    let secret = minted["value"].as_str().unwrap().to_string();
    assert!(secret.starts_with("ek_"), "{minted}");
    assert_eq!(minted["session"]["instructions"], "be brief");
    let line = proxy.wait_stdout("the forwarded request", |v| {
        is(v, "local", "local.proxy.http")
    });
    assert_eq!(line["event"]["status"], 200);
    // The minted secret opens a session through the proxy, like a browser's would.
    let mut app = connect(&proxy.socket_url("model=gpt-realtime"), &secret, false)
        .await
        .unwrap();
    until(&mut app, "session.created").await;
    let secret_body = secret.trim_start_matches("ek_");
    assert!(!proxy.stdout().contains(secret_body), "{}", proxy.stdout());
    assert!(!proxy.stderr().contains(secret_body));
    assert_no_key(&proxy.stdout(), "stdout");
}

#[test]
fn the_tui_view_without_a_terminal_says_to_add_headless() {
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["proxy", "--upstream", "mock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--headless"));
}

#[tokio::test]
async fn breakpoints_hold_edit_release_and_drop_events_in_each_direction() {
    let mut proxy = ProxyProcess::start(&["--break", "server:session.updated"]);
    proxy.wait_stderr("breakpoint set on server:session.updated");
    let mut app = connect(&proxy.socket_url("model=gpt-realtime"), KEY, false)
        .await
        .unwrap();
    until(&mut app, "session.created").await;
    send(
        &mut app,
        json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}),
    )
    .await;
    let held = proxy.wait_stdout("the held session.updated", |v| {
        is(v, "local", "local.proxy.held")
    });
    assert_eq!(held["event"]["flow"], "server");
    assert_eq!(held["event"]["event"]["type"], "session.updated");
    let server_hold = held["event"]["hold"].as_u64().unwrap();

    // The other direction keeps flowing while the server's event is held; this one
    // is held on its way up, edited, and the mock answers the edit.
    proxy.type_line(":break client:conversation.item.create");
    proxy.wait_stderr("breakpoint set on client:conversation.item.create");
    send(
        &mut app,
        json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "Say exactly: \"original words\""}]}}),
    )
    .await;
    let held_up = proxy.wait_stdout("the held item", |v| {
        is(v, "local", "local.proxy.held") && v["event"]["flow"] == "client"
    });
    let client_hold = held_up["event"]["hold"].as_u64().unwrap();
    assert_ne!(client_hold, server_hold);
    proxy.type_line(&format!(":release {client_hold} {{\"type\":\"nope\"}}"));
    proxy.wait_stderr("stays held");
    proxy.type_line(&format!(
        r#":release {client_hold} {{"type":"conversation.item.create","item":{{"type":"message","role":"user","content":[{{"type":"input_text","text":"Say exactly: \"edited words\""}}]}}}}"#
    ));
    proxy.wait_stderr("released, edited");
    proxy.wait_stdout("the edited item relayed", |v| {
        is(v, "client", "conversation.item.create") && v.to_string().contains("edited words")
    });
    proxy.type_line(&format!(":release {server_hold}"));
    until(&mut app, "session.updated").await;

    // A dropped event never reaches the mock: the first response.create is dropped,
    // the second released, and exactly one response is made.
    proxy.type_line(":unbreak client:conversation.item.create");
    proxy.type_line(":break client:response.create");
    proxy.wait_stderr("breakpoint set on client:response.create");
    send(&mut app, json!({"type": "response.create"})).await;
    let first = proxy.wait_stdout("the first held response.create", |v| {
        is(v, "local", "local.proxy.held") && v["event"]["event"]["type"] == "response.create"
    });
    proxy.type_line(&format!(":drop {}", first["event"]["hold"]));
    proxy.wait_stdout("the drop", |v| is(v, "local", "local.proxy.dropped"));
    send(&mut app, json!({"type": "response.create"})).await;
    let second = proxy.wait_stdout("the second held response.create", |v| {
        is(v, "local", "local.proxy.held")
            && v["event"]["event"]["type"] == "response.create"
            && v["event"]["hold"] != first["event"]["hold"]
    });
    proxy.type_line(&format!(":release {}", second["event"]["hold"]));
    let turn = until(&mut app, "response.done").await;
    let text: String = turn
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .filter_map(|e| e["delta"].as_str())
        .collect();
    assert!(text.contains("edited words"), "{text}");
    assert!(!text.contains("original"), "{text}");
    assert_eq!(
        turn.iter()
            .filter(|e| e["type"] == "response.created")
            .count(),
        1
    );
    assert_eq!(
        proxy
            .stdout()
            .lines()
            .filter(|l| l.contains(r#""dir":"client","event":{"type":"response.create""#))
            .count(),
        1,
        "the dropped response.create was not relayed"
    );
    assert_no_key(&proxy.stdout(), "stdout");
    assert_no_key(&proxy.stderr(), "stderr");
}

#[tokio::test]
async fn a_browser_style_socket_authenticates_in_its_subprotocols_through_the_proxy() {
    let proxy = ProxyProcess::start(&[]);
    let url = proxy.socket_url("model=gpt-realtime");
    let mut request = url.as_str().into_client_request().unwrap();
    // What a browser sends: no Authorization header, the key in a subprotocol.
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        format!("realtime, openai-insecure-api-key.{KEY}")
            .parse()
            .unwrap(),
    );
    let (mut app, answer) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
        .await
        .expect("the handshake ends in time")
        .expect("the mock accepts the key from the subprotocol");
    assert_eq!(
        answer.headers()["sec-websocket-protocol"],
        "realtime",
        "the upstream's choice reaches the app"
    );
    until(&mut app, "session.created").await;
    app.close(None).await.unwrap();
    proxy.wait_stdout("the close", |v| is(v, "local", "local.proxy.closed"));
    assert_no_key(&proxy.stdout(), "stdout");
    assert_no_key(&proxy.stderr(), "stderr");
}
