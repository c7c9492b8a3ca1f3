//! How a front-end's audio meets a link: the packets it wants sent up the track,
//! and a playback that takes the model's packets and the core's audio effects. The
//! TUI plugs in its cpal engine, `run` its WAV microphone and speaker.

use std::sync::Arc;

use tokio::sync::mpsc;

pub struct AudioPort {
    /// Encoded 20 ms Opus frames, in order, paced by their producer.
    pub packets: mpsc::Receiver<Vec<u8>>,
    pub playback: Arc<dyn Playback>,
}

/// Where the model's audio goes. Called from the task that reads the remote track,
/// so every method returns at once.
pub trait Playback: Send + Sync {
    /// One RTP packet: its sequence number and Opus payload. False once playback
    /// has stopped, which ends the reading task.
    fn push_rtp(&self, seq: u16, payload: &[u8]) -> bool;
    /// Drop what is queued: the server cleared its output buffer.
    fn flush(&self) {}
    /// Push-to-talk: the microphone is live only while talking.
    fn set_talking(&self, _talking: bool) {}
}
