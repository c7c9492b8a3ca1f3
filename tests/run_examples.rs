//! The example scripts of the script features (issue #14), each played by the
//! binary against the embedded mock over loopback.

use std::path::Path;
use std::process::{Command, Output};

fn run_example(name: &str) -> Output {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts")).join(name);
    Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["run", "--mock"])
        .arg(path)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("rtconsole runs")
}

fn assert_passes(name: &str) -> String {
    let out = run_example(name);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{name}:\n{err}");
    assert!(err.contains("passed:"), "{name}:\n{err}");
    err
}

#[test]
fn bound_response_passes_after_an_out_of_band_response() {
    assert_passes("bound_response.rtc");
}

#[test]
fn parallel_calls_with_a_preamble_are_checked_as_a_set_and_answered_once() {
    let out = run_example("mock_parallel_calls.rtc");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Both outputs, then one response.create, in the recording's client lines.
    let client: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["dir"] == "client" || v["direction"] == "client")
        .filter_map(|v| {
            let e = v.get("event").cloned().unwrap_or(v.clone());
            let ty = e["type"].as_str()?.to_string();
            Some(match e["item"]["type"].as_str() {
                Some(item) => format!("{ty}:{item}"),
                None => ty,
            })
        })
        .collect();
    let tail: Vec<&str> = client
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "conversation.item.create:function_call_output",
            "conversation.item.create:function_call_output",
            "response.create"
        ],
        "{client:?}"
    );
}

#[test]
fn negatives_hold_against_the_mock() {
    let err = assert_passes("negatives.rtc");
    assert!(err.contains("passed: 9 of 9 steps"), "{err}");
}
