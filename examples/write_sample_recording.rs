//! Regenerates `examples/recordings/*.jsonl` from the protocol fixtures by
//! running them through the session and the recording writer, exactly as a live
//! front-end records. Run: `cargo run --example write_sample_recording`

use std::time::{Duration, SystemTime};

use rtconsole::protocol::Dialect;
use rtconsole::recording::{Header, RecordingWriter};
use rtconsole::session::{Input, Session, SessionOptions};
use serde_json::Value;

fn main() -> std::io::Result<()> {
    let root = env!("CARGO_MANIFEST_DIR");
    for (name, dialect) in [
        ("function_call", Dialect::Ga),
        ("voice_turn", Dialect::Ga),
        ("beta_text_turn", Dialect::Beta),
    ] {
        let text =
            std::fs::read_to_string(format!("{root}/tests/fixtures/sequences/{name}.jsonl"))?;
        let out = format!("{root}/examples/recordings/{name}.jsonl");
        let _ = std::fs::remove_file(&out);
        // A fixed start time keeps the sample files stable across regenerations.
        let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_712_000);
        let header = Header::new(started, dialect).with_model("gpt-realtime");
        let mut w = RecordingWriter::create(&out, &header)?;
        let mut s = Session::new(SessionOptions {
            dialect,
            ..Default::default()
        });
        let mut written = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line)?;
            let at_ms = v["t_ms"].as_u64().unwrap_or(0);
            let raw = v["event"].to_string();
            let _ = s.handle(match v["dir"].as_str() {
                Some("server") => Input::Server { at_ms, raw },
                _ => Input::SendText { at_ms, text: raw },
            });
            for e in s.log().iter_from(written) {
                w.write_event(e.at_ms, e.dir, &e.raw)?;
            }
            written = s.log().len();
        }
        println!("wrote {out} ({written} events)");
    }
    Ok(())
}
