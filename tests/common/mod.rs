//! Shared test helpers: fixture loading and JSON comparison.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

// Key-shaped test values: visibly fake, and split so no contiguous key-like
// literal is tracked in the repository.
pub const SK: &str = concat!("sk-", "FAKEfakeFAKEfakeFAKEfake0000");
pub const SK_PROJ: &str = concat!("sk-proj-", "FAKEfake_FAKEfake-FAKEfake00");
pub const SK_SVC: &str = concat!("sk-svcacct-", "FAKEfakeFAKEfakeFAKEfake0000");
pub const EK: &str = concat!("ek_", "FAKEfakeFAKEfakeFAKEfake0000");

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// (file stem, text) of every `*.json` in a fixture folder, sorted.
pub fn json_files(dir: &str) -> Vec<(String, String)> {
    let mut out: Vec<_> = std::fs::read_dir(fixtures().join(dir))
        .unwrap_or_else(|e| panic!("fixture folder {dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// One line of a sequence fixture.
pub struct Step {
    pub dir: String,
    pub t_ms: u64,
    pub text: String,
}

pub fn sequence(name: &str) -> Vec<Step> {
    let text = std::fs::read_to_string(fixtures().join("sequences").join(name)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Step {
                dir: v["dir"].as_str().unwrap().to_string(),
                t_ms: v["t_ms"].as_u64().unwrap(),
                text: v["event"].to_string(),
            }
        })
        .collect()
}

/// JSON equality where numbers compare by value (`60` equals `60.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
