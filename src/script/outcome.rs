//! What a script run asks its driver to do, and how it ended.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

/// Something for the headless runner (or the TUI's replay) to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send this JSON text on the data channel. It is already validated and logged
    /// in the run's session.
    Send(String),
    /// Stream a WAV file into the microphone in real time, then call
    /// [`super::ScriptRun::audio_finished`].
    StreamAudio { path: PathBuf, line: usize },
    /// Stream silence for this long in real time, then call `audio_finished`.
    StreamSilence { ms: u64 },
    /// Call `poll` again at or before this time (ms on the run's clock), even if no
    /// event arrives.
    WakeAt(u64),
    /// The script is over; nothing more will be asked.
    Done(Outcome),
}

/// Why a script failed, restating the step so the message stands on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The script line of the step that failed (for a budget, the `budget` line).
    pub line: usize,
    /// The step as written (`expect response.done response.status=completed within 15s`).
    pub expected: String,
    /// What happened instead; several lines when several events came close.
    pub got: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {}\n  got: {}",
            self.line,
            self.expected,
            self.got.replace('\n', "\n       ")
        )
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub passed: bool,
    pub failure: Option<Failure>,
    /// Steps finished, out of `steps_total`.
    pub steps_run: usize,
    pub steps_total: usize,
    /// Worth telling even when the run passed: server errors, calls left unanswered.
    pub notes: Vec<String>,
    /// Named measurements of the run in milliseconds (`audio.response_gap_ms`…),
    /// added by the runner that measured them, for reports that compare runs.
    pub metrics: BTreeMap<String, u64>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            None => write!(
                f,
                "passed: {} of {} steps",
                self.steps_run, self.steps_total
            )?,
            Some(failure) => write!(
                f,
                "failed after {} of {} steps\n{failure}",
                self.steps_run, self.steps_total
            )?,
        }
        for note in &self.notes {
            write!(f, "\nnote: {note}")?;
        }
        Ok(())
    }
}

/// A server event as the run keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenEvent {
    /// When it arrived, on the run's clock.
    pub at_ms: u64,
    /// The name `expect` matches: the GA name for known types (beta names mapped),
    /// the sent name for unknown ones, `(not an event)` for text that is not JSON.
    pub event_type: String,
    /// The parsed event; `Null` for text that is not JSON.
    pub value: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_indent_their_continuation_lines() {
        let f = Failure {
            line: 4,
            expected: "expect response.done".into(),
            got: "a\nb".into(),
        };
        assert_eq!(
            f.to_string(),
            "line 4: expect response.done\n  got: a\n       b"
        );
        let o = Outcome {
            passed: false,
            failure: Some(f),
            steps_run: 3,
            steps_total: 5,
            notes: vec!["n".into()],
            metrics: BTreeMap::new(),
        };
        assert!(o
            .to_string()
            .starts_with("failed after 3 of 5 steps\nline 4:"));
        assert!(o.to_string().ends_with("\nnote: n"));
    }
}
