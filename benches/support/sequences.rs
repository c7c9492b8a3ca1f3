//! The server events of the protocol.md §6 sequences (tests/fixtures/sequences), one
//! list per turn: what the render and soak benches feed the core.

use serde_json::Value;

pub fn turns() -> Vec<Vec<String>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sequences");
    [
        "text_turn.jsonl",
        "voice_turn.jsonl",
        "function_call.jsonl",
        "barge_in.jsonl",
    ]
    .iter()
    .map(|name| {
        std::fs::read_to_string(format!("{dir}/{name}"))
            .expect("sequence fixture")
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["dir"] == "server")
            .map(|v| v["event"].to_string())
            .collect()
    })
    .collect()
}
