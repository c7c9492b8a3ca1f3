//! aiortc (PyPI) as an independent WebRTC answerer: runs `tests/peers/aiortc_answerer.py`
//! on loopback and stops it when dropped.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/peers/aiortc_answerer.py"
);

/// How to get aiortc, said whenever it is missing.
pub const INSTALL_HINT: &str = "aiortc or websockets is missing: run `bash .ci/run` once (it creates the venv \
~/.cache/rtconsole/peers-venv with aiortc and websockets from PyPI), or `python3 -m venv ~/.cache/rtconsole/peers-venv && \
~/.cache/rtconsole/peers-venv/bin/pip install aiortc websockets`, or point RTCONSOLE_PEERS_PYTHON at a python \
that has both";

/// The python that has aiortc: `$RTCONSOLE_PEERS_PYTHON`, else the venv `.ci/run` makes,
/// else `python3` from PATH.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("RTCONSOLE_PEERS_PYTHON") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(cache) = cache {
        let venv = cache.join("rtconsole/peers-venv/bin/python");
        if venv.exists() {
            return venv;
        }
    }
    PathBuf::from("python3")
}

/// A running aiortc answerer; `base_url()` is its API base (`…/v1`).
pub struct AiortcAnswerer {
    child: Child,
    port: u16,
}

/// The DTLS role aiortc takes in its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// `a=setup:active`, aiortc's default: it is the DTLS client.
    Active,
    /// `a=setup:passive`: the offerer is the DTLS client.
    Passive,
}

impl AiortcAnswerer {
    /// Starts the answerer, or says why it cannot (aiortc missing, with how to install).
    pub async fn start(limit: Duration) -> Result<AiortcAnswerer, String> {
        Self::start_with(Setup::Active, limit).await
    }

    pub async fn start_with(setup: Setup, limit: Duration) -> Result<AiortcAnswerer, String> {
        let python = python();
        let mut child = Command::new(&python)
            .arg("-u")
            .arg(SCRIPT)
            .arg("--setup")
            .arg(match setup {
                Setup::Active => "active",
                Setup::Passive => "passive",
            })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}\n{INSTALL_HINT}", python.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(limit, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(p) = line.strip_prefix("PORT ") {
                    return p.trim().parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(port) = port else {
            let _ = child.start_kill();
            let out = child.wait_with_output().await.ok();
            let stderr = out
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                .unwrap_or_default();
            let hint = if stderr.contains("No module named") {
                INSTALL_HINT
            } else {
                ""
            };
            return Err(format!(
                "the aiortc answerer ({} {SCRIPT}) exited or printed no port within {limit:?}: {}\n{hint}",
                python.display(),
                stderr.trim()
            ));
        };
        // Keep draining stdout so the script never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("aiortc answerer: {line}");
                }
            });
        }
        Ok(AiortcAnswerer { child, port })
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Closes its stdin (its cue to exit) and waits briefly, then kills it.
    pub async fn stop(mut self) {
        drop(self.child.stdin.take());
        if tokio::time::timeout(Duration::from_secs(3), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
