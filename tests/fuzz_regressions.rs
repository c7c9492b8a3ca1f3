//! The fuzz targets' inputs, replayed on stable: every minimized crasher, hang or
//! out-of-memory found by `cargo fuzz` (in `tests/fuzz_regressions/<target>/`) and
//! the seed corpora (`fuzz/seeds/<target>/`) go through the same harness the
//! targets use (`fuzz/harness.rs`); each must return, quickly, with a bounded result.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../fuzz/harness.rs"]
mod harness;

/// Far above what any of these inputs needs, even unoptimized; a hang is minutes.
const TIME_LIMIT: Duration = Duration::from_secs(10);
/// What a harness reports is a size (log rows, steps, bytes of a message).
const SIZE_LIMIT: usize = 64 << 20;

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn replay(target: &str, run: fn(&[u8]) -> usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = files(&root.join("tests/fuzz_regressions").join(target));
    let seeds = files(&root.join("fuzz/seeds").join(target));
    assert!(!seeds.is_empty(), "no seeds for {target}");
    inputs.extend(seeds);
    for path in inputs {
        let data = std::fs::read(&path).unwrap();
        let start = Instant::now();
        let size = run(&data);
        let took = start.elapsed();
        assert!(took < TIME_LIMIT, "{}: took {took:?}", path.display());
        assert!(size < SIZE_LIMIT, "{}: result size {size}", path.display());
    }
}

#[test]
fn server_session() {
    replay("server_session", harness::server_session);
}

#[test]
fn client_validate() {
    replay("client_validate", harness::client_validate);
}

#[test]
fn script_parse() {
    replay("script_parse", harness::script_parse);
}

#[test]
fn recording_replay() {
    replay("recording_replay", harness::recording_replay);
}

#[test]
fn toml_loaders() {
    replay("toml_loaders", harness::toml_loaders);
}

#[test]
fn mock_call_body() {
    replay("mock_call_body", harness::mock_call_body);
}

/// The seeds are well-formed calls, so the pure parse the target drives must
/// accept each of them, multipart included (its parse never waits on I/O).
#[test]
fn mock_call_body_seeds_are_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/mock_call_body");
    for path in files(&dir) {
        let data = std::fs::read(&path).unwrap();
        let (content_type, body) = data.split_at(data.iter().position(|&b| b == b'\n').unwrap());
        let content_type = std::str::from_utf8(content_type).unwrap();
        let parsed = rtconsole::mock::parse_call_request(content_type, &body[1..]);
        let (sdp, _) = parsed.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(sdp.starts_with("v=0"), "{}", path.display());
    }
}
