//! `rtconsole proxy --upstream mock --headless` as a child process: its JSONL on
//! stdout and its messages on stderr collected as they come, lines typed on its stdin.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Every wait is bounded; generous because CI machines are slow.
pub const WAIT: Duration = Duration::from_secs(15);

/// Shaped like a real key, so the redaction would catch it too; the proxy must not
/// print it at all.
pub const KEY: &str = "sk-proj-proxytest0123456789abcdefXYZ";

/// A running `rtconsole proxy`, killed when dropped.
pub struct ProxyProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    pub base_url: String,
}

impl ProxyProcess {
    pub fn start(extra: &[&str]) -> ProxyProcess {
        ProxyProcess::start_with(&["--upstream", "mock"], extra)
    }

    /// `rtconsole proxy --headless` with these arguments (no `--upstream mock`).
    pub fn start_with(upstream: &[&str], extra: &[&str]) -> ProxyProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
            .args(["proxy", "--headless"])
            .args(upstream)
            .args(extra)
            .env("RTCONSOLE_MOCK_KEY", KEY)
            .env_remove("OPENAI_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rtconsole proxy starts");
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let stdin = child.stdin.take();
        let mut p = ProxyProcess {
            child,
            stdin,
            stdout,
            stderr,
            base_url: String::new(),
        };
        let line = p.wait_stderr("point your app at");
        p.base_url = line.rsplit(' ').next().unwrap().to_string();
        assert!(p.base_url.starts_with("http://127.0.0.1:"), "{line}");
        p
    }

    pub fn socket_url(&self, query: &str) -> String {
        format!(
            "{}/realtime?{query}",
            self.base_url.replacen("http", "ws", 1)
        )
    }

    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    pub fn wait_stderr(&self, needle: &str) -> String {
        wait_for(&self.stderr, |l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} on stderr: {:?}", self.stderr()))
    }

    /// The first stdout line (parsed) that `pred` accepts.
    pub fn wait_stdout(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let line = wait_for(&self.stdout, |l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| pred(&v))
        });
        let line = line.unwrap_or_else(|| panic!("no {what} on stdout: {}", self.stdout()));
        serde_json::from_str(&line).unwrap()
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().join("\n")
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(pipe: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

fn wait_for(lines: &Mutex<Vec<String>>, pred: impl Fn(&str) -> bool) -> Option<String> {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if let Some(l) = lines.lock().unwrap().iter().find(|l| pred(l)) {
            return Some(l.clone());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

pub fn is(v: &Value, dir: &str, ty: &str) -> bool {
    v["dir"] == dir && v["event"]["type"] == ty
}

pub fn assert_no_key(text: &str, where_: &str) {
    assert!(!text.contains(KEY), "the app's key appears in {where_}");
    assert!(
        !text.contains("proxytest0123456789"),
        "part of the app's key appears in {where_}"
    );
}
