//! A real browser through the proxy: headless Chromium runs OpenAI's browser flow
//! with `rtconsole proxy --upstream mock --headless` as its base URL. The proxy's
//! user, meanwhile, edits a breakpointed event and injects one, as a person would
//! on its stdin.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/proxy_process.rs"]
mod proxy_process;

use std::sync::Arc;
use std::time::Duration;

use proxy_process::{assert_no_key, is, ProxyProcess, KEY};
use serde_json::Value;

const PAGE: &str = include_str!("support/proxy_page.html");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_talks_through_the_proxy_while_its_user_edits_and_injects() {
    let proxy = Arc::new(std::sync::Mutex::new(ProxyProcess::start(&[
        "--break",
        "client:conversation.item.create",
    ])));
    let base = proxy.lock().unwrap().base_url.clone();
    // The proxy's user, on its stdin: edit the page's item when it is held, then
    // inject an item once the answer has been heard.
    let user = {
        let proxy = proxy.clone();
        tokio::task::spawn_blocking(move || {
            let held = proxy
                .lock()
                .unwrap()
                .wait_stdout("the page's held item", |v| {
                    is(v, "local", "local.proxy.held") && v["event"]["flow"] == "client"
                });
            let hold = held["event"]["hold"].as_u64().unwrap();
            let mut p = proxy.lock().unwrap();
            p.type_line(&format!(
                r#":release {hold} {{"type":"conversation.item.create","item":{{"type":"message","role":"user","content":[{{"type":"input_text","text":"Edited by the proxy"}}]}}}}"#
            ));
            p.type_line(":unbreak client:conversation.item.create");
            drop(p);
            proxy.lock().unwrap().wait_stdout("the answer's end", |v| {
                is(v, "server", "output_audio_buffer.stopped")
            });
            proxy.lock().unwrap().type_line(
                r#"{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Injected by the proxy"}]}}"#,
            );
        })
    };
    let report = chromium::run_html(PAGE, &base, KEY, "", Duration::from_secs(90)).await;
    user.await.expect("the proxy's user finished");
    assert_eq!(report["ok"], true, "page failed: {report}");
    let run = &report["result"];
    assert_eq!(run["status"], 201, "{run}");
    assert!(
        run["location"]
            .as_str()
            .unwrap_or("")
            .starts_with(&format!("{base}/realtime/calls/rtc_")),
        "Location points back at the proxy: {run}"
    );
    // The mock answered the edited item, never the page's own words.
    let transcript = run["transcript"].as_str().unwrap_or("");
    assert!(transcript.contains("Edited by the proxy"), "{run}");
    assert!(!transcript.contains("Hello from Chromium"), "{run}");
    assert!(run["packetsReceived"].as_u64().unwrap_or(0) > 10, "{run}");
    assert!(
        run["totalAudioEnergy"].as_f64().unwrap_or(0.0) > 0.0,
        "{run}"
    );
    assert_eq!(run["injectedItem"], "Injected by the proxy", "{run}");

    let proxy = proxy.lock().unwrap();
    let opened = proxy.wait_stdout("the call", |v| is(v, "local", "local.proxy.open"));
    let conn = opened["conn"].clone();
    for (dir, what) in [
        ("client", "conversation.item.create"),
        ("server", "response.done"),
    ] {
        proxy.wait_stdout(&format!("{dir} {what}"), |v| {
            v["conn"] == conn && is(v, dir, what)
        });
    }
    proxy.wait_stdout("the injected item", |v| {
        is(v, "injected", "conversation.item.create")
    });
    let released = proxy.wait_stdout("the release", |v| is(v, "local", "local.proxy.released"));
    assert_eq!(released["event"]["edited"], true);
    // Audio with energy both ways: Chromium's fake microphone beeps, the mock speaks.
    for dir in ["client", "server"] {
        proxy.wait_stdout(&format!("{dir} audio with energy"), |v| {
            v["conn"] == conn
                && v["dir"] == dir
                && v["audio"]["peak_dbfs"].as_f64().is_some_and(|p| p > -40.0)
        });
    }
    let closed = proxy.wait_stdout("the call's end", |v| {
        v["conn"] == conn && is(v, "local", "local.proxy.closed")
    });
    assert_eq!(closed["event"]["by"], "client", "{closed}");
    // The page only closed its connection; the proxy hung up upstream for it.
    let hangup: Value = proxy.wait_stdout("the proxy's hangup", |v| {
        is(v, "local", "local.proxy.http")
            && v["event"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/hangup"))
    });
    assert_eq!(hangup["event"]["status"], 200, "{hangup}");
    assert_no_key(&proxy.stdout(), "stdout");
    assert_no_key(&proxy.stderr(), "stderr");
}
