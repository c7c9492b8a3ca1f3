//! A real browser against the mock: headless Chromium runs the browser flow from
//! OpenAI's WebRTC guide, from a page on another origin.

#[path = "support/chromium.rs"]
mod chromium;

use std::time::Duration;

use rtconsole::mock::{MockConfig, MockServer};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_runs_the_browser_flow_against_the_mock() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let report = chromium::run_page(
        &server.base_url(),
        server.key(),
        1,
        true,
        Duration::from_secs(60),
    )
    .await;
    server.shutdown().await;
    assert_eq!(report["ok"], true, "page failed: {report}");
    let run = &report["runs"][0];
    assert_eq!(run["status"], 201, "{run}");
    // CORS exposes Location to the page.
    assert!(
        run["location"]
            .as_str()
            .unwrap_or("")
            .contains("/v1/realtime/calls/rtc_"),
        "{run}"
    );
    assert_eq!(run["sessionCreated"], true);
    assert_eq!(run["responseStatus"], "completed", "{run}");
    assert!(
        run["transcript"]
            .as_str()
            .unwrap_or("")
            .contains("Hello from Chromium"),
        "{run}"
    );
    let packets = run["packetsReceived"].as_u64().unwrap_or(0);
    assert!(packets > 10, "remote audio packets: {run}");
    let energy = run["totalAudioEnergy"].as_f64().unwrap_or(0.0);
    assert!(energy > 0.0, "remote audio level is zero: {run}");
    let types: Vec<&str> = run["eventTypes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(types.contains(&"output_audio_buffer.started"), "{types:?}");
}
