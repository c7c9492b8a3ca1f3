//! The closing summary of a headless run: the session's report plus audio both
//! ways, and the conversation's timing measured on that audio.

use std::fmt::Write;

use super::audio_io::LevelStats;
use crate::audio::talk_metrics::TalkMetrics;
use crate::session::Session;

pub fn render(
    session: &Session,
    mic: &LevelStats,
    speaker: &LevelStats,
    talk: Option<&TalkMetrics>,
) -> String {
    let mut out = crate::session::report::render(session);
    let _ = writeln!(
        out,
        "audio: sent {:.1} s (loudest {:.1} dBFS rms), received {:.1} s (loudest {:.1} dBFS rms)",
        mic.seconds(),
        mic.max_rms_dbfs,
        speaker.seconds(),
        speaker.max_rms_dbfs
    );
    if let Some(t) = talk {
        let _ = writeln!(out, "{t}");
    }
    out
}
