//! House rules that no compiler checks: the WebRTC stack stays at the edges
//! (transport, the mock, audio), so front-ends hold a link and nothing of the wire.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn webrtc_is_imported_only_at_the_edges() {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let allowed = ["transport", "mock", "audio"];
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut offenders = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if allowed.contains(&top.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("webrtc::") || code.trim_start().starts_with("use rtc::") {
                offenders.push(format!("{}:{}: {}", rel.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "webrtc outside transport/, mock/ and audio/:\n{}",
        offenders.join("\n")
    );
}
