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
