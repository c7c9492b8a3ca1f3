//! Replaying a script file into the live session (F10). The script runs in its own
//! `ScriptRun` fed with the same server events; what it sends goes through the app's
//! core like anything typed, so it is validated, logged and recorded once.

use std::path::{Path, PathBuf};

use crate::headless::setup;
use crate::protocol::Dialect;
use crate::script::{Action, Outcome, ScriptRun};

pub struct LiveReplay {
    run: ScriptRun,
    name: String,
    /// The live clock when the replay started; the run has its own clock from 0.
    start_ms: u64,
    wake: Option<u64>,
    outcome: Option<Outcome>,
    /// A `silence` step in progress ends at this live time.
    silence_until: Option<u64>,
    /// `audio FILE` steps passed over: the engine takes a WAV only at start.
    skipped_audio: Vec<PathBuf>,
}

/// How long `expect` waits when the script does not say.
const DEFAULT_WAIT_MS: u64 = 10_000;

impl LiveReplay {
    pub fn load(path: &Path, now_ms: u64) -> Result<LiveReplay, String> {
        let loaded = setup::load(path, true, Dialect::Ga).map_err(|e| e.0)?;
        Ok(LiveReplay {
            run: ScriptRun::new(loaded.script, DEFAULT_WAIT_MS),
            name: path.display().to_string(),
            start_ms: now_ms,
            wake: None,
            outcome: None,
            silence_until: None,
            skipped_audio: Vec::new(),
        })
    }

    fn local(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.start_ms)
    }

    pub fn on_server(&mut self, now_ms: u64, raw: &str) {
        let t = self.local(now_ms);
        self.run.on_server(t, raw);
    }

    /// Runs the script as far as it can go now; returns the client events to send.
    pub fn poll(&mut self, now_ms: u64) -> Vec<String> {
        let mut out = Vec::new();
        // A step that finishes at once lets the script go on in the same call.
        for _ in 0..64 {
            if self.outcome.is_some() {
                break;
            }
            if let Some(until) = self.silence_until {
                if now_ms < until {
                    self.wake = Some(until);
                    break;
                }
                self.silence_until = None;
                self.run.audio_finished(self.local(now_ms));
            }
            self.wake = None;
            let mut again = false;
            for action in self.run.poll(self.local(now_ms)) {
                match action {
                    Action::Send(text) => out.push(text),
                    Action::StreamAudio { path, .. } => {
                        self.skipped_audio.push(path);
                        self.run.audio_finished(self.local(now_ms));
                        again = true;
                    }
                    // The live mic keeps sending; the script only waits this long.
                    Action::StreamSilence { ms } => {
                        self.silence_until = Some(now_ms + ms);
                        again = true;
                    }
                    Action::WakeAt(ms) => {
                        let at = self.start_ms + ms;
                        self.wake = Some(self.wake.map_or(at, |w| w.min(at)));
                    }
                    Action::Done(o) => self.outcome = Some(o),
                }
            }
            if !again {
                break;
            }
        }
        out
    }

    /// When the live loop must poll again even if nothing arrives (live clock).
    pub fn wake_at(&self) -> Option<u64> {
        self.wake
    }

    /// Once the script is over: a one-line result for the status area.
    pub fn finished(&self) -> Option<String> {
        self.outcome.as_ref().map(|o| {
            let text = o.to_string();
            let first = text.lines().next().unwrap_or("").to_string();
            let skipped = match self.skipped_audio.len() {
                0 => String::new(),
                n => format!(
                    " ({n} audio step(s) skipped: a live session streams the microphone; use `rtconsole run --input` for WAV files)"
                ),
            };
            format!("replay of {}: {first}{skipped}", self.name)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_sends_then_waits_for_the_server_and_passes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.rtc");
        std::fs::write(
            &path,
            "send {\"type\":\"response.create\"}\nexpect response.done within 5s\n",
        )
        .unwrap();
        let mut r = LiveReplay::load(&path, 1_000).unwrap();
        let steps = r.poll(1_000);
        assert_eq!(steps, vec![r#"{"type":"response.create"}"#.to_string()]);
        assert!(r.finished().is_none());
        assert_eq!(
            r.wake_at(),
            Some(6_000),
            "the wait's deadline on the live clock"
        );
        r.on_server(1_200, r#"{"type":"response.done","event_id":"e","response":{"id":"r","object":"realtime.response","status":"completed","output":[]}}"#);
        r.poll(1_200);
        let done = r.finished().expect("finished");
        assert!(done.contains("passed"), "{done}");
    }

    #[test]
    fn a_bad_script_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.rtc");
        std::fs::write(&path, "send {\"type\":\"response.nope\"}\n").unwrap();
        let err = LiveReplay::load(&path, 0).err().expect("refused");
        assert!(err.contains("bad.rtc:1"), "{err}");
    }
}
