//! The audio engine: microphone to Opus packets, remote RTP packets to speaker, on a
//! dedicated thread that owns the cpal streams.
//!
//! Whatever devices exist, the track gets one packet per 20 ms: from the microphone,
//! from a WAV file, or silence on the engine's own clock when there is no input (a VM,
//! SSH, CI). Likewise received audio is always consumed at real time: by the speaker,
//! into a WAV file, or discarded. Controls and meters are atomics, so the UI reads
//! and writes them without ever waiting on audio.

mod open;
mod pace;
mod streams;
mod worker;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::audio::capture::CaptureError;
use crate::audio::devices::{DeviceError, QuietAlsa};
use crate::audio::gate::GateState;
use crate::audio::jitter::JitterStats;
use crate::audio::meter::Meters;
use crate::audio::opus_codec::CodecError;
use crate::audio::wav::WavError;

/// Packets buffered toward the track: one second. A consumer that falls further
/// behind loses packets (counted) rather than delaying the conversation.
const PACKET_QUEUE: usize = 50;

/// How to start the engine. `Default` is: default devices, full duplex, no files.
#[derive(Debug, Clone, Default)]
pub struct AudioOptions {
    /// Name, part of a name, or index from `rtconsole devices`; `None` = default.
    pub input_device: Option<String>,
    pub output_device: Option<String>,
    /// Close the mic while the model's audio plays (for speakers without headphones).
    pub half_duplex: bool,
    /// Play this file into the track instead of the microphone (then silence); takes
    /// precedence over `input_device`.
    pub input_wav: Option<PathBuf>,
    /// Write the model's audio to this file instead of the speaker; takes precedence
    /// over `output_device`.
    pub output_wav: Option<PathBuf>,
}

/// Why the engine could not start. Missing default devices are not errors (the engine
/// runs without them); a device or file the user named explicitly is.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Wav(#[from] WavError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error("cannot start the audio thread: {0}")]
    Thread(#[source] std::io::Error),
    #[error(
        "the audio thread failed while starting; this is a bug in rtconsole, please report it"
    )]
    Crashed,
}

/// Counters since start, for the UI's stats pane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AudioStats {
    /// 20 ms packets produced for the track.
    pub frames_sent: u64,
    /// Packets the track consumer did not take in time (queue full or gone).
    pub packets_dropped: u64,
    /// 20 ms frames handed to the speaker (or WAV file, or null sink), silence included.
    pub frames_played: u64,
    pub jitter: JitterStats,
    /// Received audio buffered ahead of the speaker.
    pub jitter_depth_ms: u32,
    /// Output callbacks that found too little audio ready and played silence.
    pub output_underruns: u64,
    /// Input callbacks that found the ring full and dropped audio.
    pub input_overruns: u64,
    pub stream_errors: u64,
    pub decode_errors: u64,
    pub encode_errors: u64,
}

/// State shared between the engine handle and its thread.
struct Shared {
    mic_muted: AtomicBool,
    speaker_muted: AtomicBool,
    push_to_talk: AtomicBool,
    talking: AtomicBool,
    half_duplex: AtomicBool,
    playing: AtomicBool,
    echo: AtomicBool,
    gate_state: AtomicU8,
    stats: Mutex<AudioStats>,
    input_status: Mutex<String>,
    output_status: Mutex<String>,
}

enum Command {
    Remote { seq: u16, payload: Vec<u8> },
    Flush,
    Stop,
}

/// Feeds the remote track's RTP packets to the engine; cheap to clone into the task
/// that reads the track.
#[derive(Clone)]
pub struct RemoteAudio {
    commands: mpsc::Sender<Command>,
}

impl RemoteAudio {
    /// One RTP packet: its sequence number and Opus payload. Returns false once the
    /// engine has stopped, so a forwarding loop can end.
    pub fn push(&self, seq: u16, payload: &[u8]) -> bool {
        self.commands
            .send(Command::Remote {
                seq,
                payload: payload.to_vec(),
            })
            .is_ok()
    }
}

/// The engine as a link's playback; cheap handles onto the engine thread.
struct EnginePlayback {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

impl crate::transport::link::Playback for EnginePlayback {
    fn push_rtp(&self, seq: u16, payload: &[u8]) -> bool {
        self.commands
            .send(Command::Remote {
                seq,
                payload: payload.to_vec(),
            })
            .is_ok()
    }

    fn flush(&self) {
        let _ = self.commands.send(Command::Flush);
    }

    fn set_talking(&self, talking: bool) {
        self.shared.talking.store(talking, Ordering::Relaxed);
    }
}

pub struct AudioEngine {
    /// Mic (as heard, before mute/PTT/half-duplex) and speaker (as played) levels.
    pub meters: Arc<Meters>,
    shared: Arc<Shared>,
    packets: Option<tokio::sync::mpsc::Receiver<Vec<u8>>>,
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl AudioEngine {
    /// Opens the devices (or files) and starts the audio thread. Blocks for as long as
    /// opening the devices takes (a few ms; more with some Bluetooth devices).
    pub fn start(options: AudioOptions) -> Result<AudioEngine, AudioError> {
        let meters = Arc::new(Meters::default());
        let shared = Arc::new(Shared {
            mic_muted: AtomicBool::new(false),
            speaker_muted: AtomicBool::new(false),
            push_to_talk: AtomicBool::new(false),
            talking: AtomicBool::new(false),
            half_duplex: AtomicBool::new(options.half_duplex),
            playing: AtomicBool::new(false),
            echo: AtomicBool::new(false),
            gate_state: AtomicU8::new(gate_code(GateState::Open)),
            stats: Mutex::new(AudioStats::default()),
            input_status: Mutex::new(String::new()),
            output_status: Mutex::new(String::new()),
        });
        let (packets_tx, packets_rx) = tokio::sync::mpsc::channel(PACKET_QUEUE);
        let (commands, commands_rx) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let (m, s) = (meters.clone(), shared.clone());
        let thread = std::thread::Builder::new()
            .name("rtconsole-audio".into())
            .spawn(move || {
                // Held for the thread's life: alsa-lib also complains while streams run.
                let quiet = QuietAlsa::install();
                let opened = open::open(&options, m, s, packets_tx);
                let said = quiet.messages();
                if !said.is_empty() {
                    tracing::debug!("alsa-lib while opening audio devices:\n{said}");
                }
                match opened {
                    Ok(worker) => {
                        let _ = ready_tx.send(Ok(()));
                        worker.run(commands_rx);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(AudioError::Thread)?;
        let ready = ready_rx.recv();
        let thread = Some(thread);
        let mut engine = AudioEngine {
            meters,
            shared,
            packets: Some(packets_rx),
            commands,
            thread,
        };
        match ready {
            Ok(Ok(())) => Ok(engine),
            Ok(Err(e)) => {
                engine.join();
                Err(e)
            }
            Err(_) => {
                engine.join();
                Err(AudioError::Crashed)
            }
        }
    }

    /// The track's packets, one per 20 ms; `None` after the first call. Send each with
    /// `AudioSender::send_frame`.
    pub fn take_packets(&mut self) -> Option<tokio::sync::mpsc::Receiver<Vec<u8>>> {
        self.packets.take()
    }

    /// A handle for the task that reads the remote track.
    pub fn remote(&self) -> RemoteAudio {
        RemoteAudio {
            commands: self.commands.clone(),
        }
    }

    /// What a link needs of the engine: the microphone's packets (taken, so only
    /// once) and a playback for the model's packets and the core's audio effects.
    pub fn link_port(&mut self) -> Option<crate::transport::link::AudioPort> {
        let packets = self.take_packets()?;
        Some(crate::transport::link::AudioPort {
            packets,
            playback: Arc::new(EnginePlayback {
                commands: self.commands.clone(),
                shared: self.shared.clone(),
            }),
        })
    }

    /// Shorthand for `remote().push(..)`.
    pub fn push_rtp(&self, seq: u16, payload: &[u8]) -> bool {
        self.remote().push(seq, payload)
    }

    /// Drops the model's audio not yet played: the server cleared its output buffer.
    pub fn flush_playback(&self) {
        let _ = self.commands.send(Command::Flush);
    }

    pub fn set_mic_muted(&self, muted: bool) {
        self.shared.mic_muted.store(muted, Ordering::Relaxed);
    }

    pub fn set_speaker_muted(&self, muted: bool) {
        self.shared.speaker_muted.store(muted, Ordering::Relaxed);
    }

    /// Push-to-talk mode: the mic sends silence unless [`AudioEngine::set_talking`].
    pub fn set_push_to_talk(&self, enabled: bool) {
        self.shared.push_to_talk.store(enabled, Ordering::Relaxed);
    }

    /// The push-to-talk key is held (or released).
    pub fn set_talking(&self, talking: bool) {
        self.shared.talking.store(talking, Ordering::Relaxed);
    }

    pub fn set_half_duplex(&self, on: bool) {
        self.shared.half_duplex.store(on, Ordering::Relaxed);
    }

    pub fn mic_muted(&self) -> bool {
        self.shared.mic_muted.load(Ordering::Relaxed)
    }

    pub fn speaker_muted(&self) -> bool {
        self.shared.speaker_muted.load(Ordering::Relaxed)
    }

    pub fn half_duplex(&self) -> bool {
        self.shared.half_duplex.load(Ordering::Relaxed)
    }

    /// Whether the last frame went up the track, and if not, why.
    pub fn gate_state(&self) -> GateState {
        gate_from_code(self.shared.gate_state.load(Ordering::Relaxed))
    }

    /// The model's audio is playing (or stopped less than 300 ms ago).
    pub fn playing(&self) -> bool {
        self.shared.playing.load(Ordering::Relaxed)
    }

    /// The mic seems to hear the speaker: suggest headphones or half-duplex.
    pub fn echo_suspected(&self) -> bool {
        self.shared.echo.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> AudioStats {
        self.shared.stats.lock().map(|s| *s).unwrap_or_default()
    }

    /// E.g. "default (44100 Hz, 2 ch, f32)", or "no input device — text only (…)".
    pub fn input_status(&self) -> String {
        self.shared
            .input_status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    pub fn output_status(&self) -> String {
        self.shared
            .output_status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Stops the thread, closes the devices and finalizes an output WAV file.
    pub fn stop(mut self) {
        self.join();
    }

    fn join(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for AudioEngine {
    fn drop(&mut self) {
        self.join();
    }
}

fn gate_code(state: GateState) -> u8 {
    match state {
        GateState::Open => 0,
        GateState::Muted => 1,
        GateState::NotTalking => 2,
        GateState::SpeakerPlaying => 3,
    }
}

fn gate_from_code(code: u8) -> GateState {
    match code {
        1 => GateState::Muted,
        2 => GateState::NotTalking,
        3 => GateState::SpeakerPlaying,
        _ => GateState::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_be_shared_with_the_ui_and_the_track_task() {
        fn send_sync<T: Send + Sync>() {}
        fn send_clone<T: Send + Clone + 'static>() {}
        send_sync::<AudioEngine>();
        send_clone::<RemoteAudio>();
    }

    #[test]
    fn gate_states_survive_the_atomic() {
        for s in [
            GateState::Open,
            GateState::Muted,
            GateState::NotTalking,
            GateState::SpeakerPlaying,
        ] {
            assert_eq!(gate_from_code(gate_code(s)), s);
        }
    }
}
