//! The run's audio: a microphone that streams WAV files or silence up the track in
//! real time, and a speaker that decodes the model's audio into a WAV file or
//! nowhere. Both measure levels, and lay what they sent or heard on the run's
//! clock ([`Taps`]) for the audio timing and `--output-stereo`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use crate::audio::levels::{level_i16, Level, FLOOR_DBFS};
use crate::audio::opus_codec::{OpusDecoder, OpusEncoder};
use crate::audio::timeline::{Pacing, Track};
use crate::audio::wav::{read_wav_48k_mono, WavSink};
use crate::audio::FRAME;
use crate::script::{Script, Step, Stream};
use crate::transport::link::{Clock, Playback};

/// Frames waiting for the link: before the call is up nobody takes them, and a
/// microphone drops what nobody hears rather than sending it late.
const PACKETS_WAITING: usize = 8;

/// Loudest level seen and how much audio went by.
#[derive(Debug, Clone, Copy)]
pub struct LevelStats {
    pub frames: u64,
    pub loud_frames: u64,
    pub max_rms_dbfs: f32,
    pub max_peak_dbfs: f32,
}

impl Default for LevelStats {
    fn default() -> Self {
        LevelStats {
            frames: 0,
            loud_frames: 0,
            max_rms_dbfs: FLOOR_DBFS,
            max_peak_dbfs: FLOOR_DBFS,
        }
    }
}

impl LevelStats {
    fn add(&mut self, l: Level, samples: usize) {
        self.frames += (samples / FRAME).max(1) as u64;
        if l.rms_dbfs > -50.0 {
            self.loud_frames += 1;
        }
        self.max_rms_dbfs = self.max_rms_dbfs.max(l.rms_dbfs);
        self.max_peak_dbfs = self.max_peak_dbfs.max(l.peak_dbfs);
    }

    pub fn seconds(&self) -> f64 {
        self.frames as f64 * 0.02
    }
}

/// Both sides of the call's audio on the run's clock: sent (the microphone) and
/// received (the speaker).
#[derive(Clone)]
pub struct Taps {
    pub sent: Arc<Mutex<Track>>,
    pub received: Arc<Mutex<Track>>,
}

impl Taps {
    /// `keep_samples` for a stereo file; the timing needs only levels.
    pub fn new(keep_samples: bool) -> Self {
        Taps {
            sent: Arc::new(Mutex::new(Track::new(Pacing::Stamped, keep_samples))),
            received: Arc::new(Mutex::new(Track::new(Pacing::Arrival, keep_samples))),
        }
    }
}

pub enum MicCommand {
    /// Play these samples (48 kHz mono); report on `done` when they have gone out.
    Play {
        samples: Vec<i16>,
        report: bool,
    },
    Silence {
        ms: u64,
        report: bool,
    },
}

/// The microphone: 20 ms frames up the track, paced by a timer, silence when idle
/// (as a real microphone in a quiet room would send).
pub struct Mic {
    pub commands: mpsc::UnboundedSender<MicCommand>,
    pub finished: mpsc::UnboundedReceiver<()>,
    pub stats: Arc<Mutex<LevelStats>>,
}

pub fn read_wav(path: &Path) -> Result<Vec<i16>, String> {
    read_wav_48k_mono(path).map_err(|e| e.to_string())
}

/// The script's WAV files, decoded and at 48 kHz before the call starts.
pub struct Wavs(HashMap<PathBuf, Vec<i16>>);

impl Wavs {
    pub fn preload(script: &Script) -> Result<Wavs, String> {
        let mut wavs = HashMap::new();
        for located in &script.steps {
            let path = match &located.step {
                Step::Audio(p)
                | Step::StreamAfter {
                    stream: Stream::Audio(p),
                    ..
                } => p,
                _ => continue,
            };
            if !wavs.contains_key(path) {
                let samples =
                    read_wav(path).map_err(|e| format!("script line {}: {e}", located.line))?;
                wavs.insert(path.clone(), samples);
            }
        }
        Ok(Wavs(wavs))
    }

    /// The samples of a preloaded file (read now if it was not).
    pub fn take(&mut self, path: &Path) -> Result<Vec<i16>, String> {
        match self.0.get(path) {
            Some(samples) => Ok(samples.clone()),
            None => read_wav(path),
        }
    }
}

impl Mic {
    /// Starts the 20 ms clock; the encoded frames come out of the receiver, for the
    /// link to send.
    /// Each frame handed to the link goes into `sent`, stamped on `clock`.
    pub fn start(clock: Clock, sent: Arc<Mutex<Track>>) -> (Mic, mpsc::Receiver<Vec<u8>>) {
        let (packets, packets_rx) = mpsc::channel(PACKETS_WAITING);
        let (commands, mut rx) = mpsc::unbounded_channel::<MicCommand>();
        let (done_tx, finished) = mpsc::unbounded_channel();
        let stats = Arc::new(Mutex::new(LevelStats::default()));
        let shared = stats.clone();
        tokio::spawn(async move {
            let mut encoder = match OpusEncoder::new() {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!("no Opus encoder, the microphone stays off: {e}");
                    return;
                }
            };
            let mut queue: std::collections::VecDeque<(Vec<i16>, usize, bool)> = Default::default();
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
            loop {
                tokio::select! {
                    cmd = rx.recv() => match cmd {
                        Some(MicCommand::Play { samples, report }) => queue.push_back((samples, 0, report)),
                        Some(MicCommand::Silence { ms, report }) => {
                            queue.push_back((vec![0; (ms as usize) * 48], 0, report))
                        }
                        None => return,
                    },
                    _ = tick.tick() => {
                        let mut frame = [0i16; FRAME];
                        if let Some((samples, pos, report)) = queue.front_mut() {
                            let n = (samples.len() - *pos).min(FRAME);
                            frame[..n].copy_from_slice(&samples[*pos..*pos + n]);
                            *pos += n;
                            if *pos >= samples.len() {
                                if *report {
                                    let _ = done_tx.send(());
                                }
                                queue.pop_front();
                            }
                        }
                        shared.lock().expect("mic stats").add(level_i16(&frame), FRAME);
                        if let Ok(packet) = encoder.encode(&frame) {
                            match packets.try_send(packet) {
                                Ok(()) => {
                                    sent.lock().expect("sent track").push(clock.now_ms(), &frame);
                                }
                                Err(mpsc::error::TrySendError::Full(_)) => {}
                                Err(mpsc::error::TrySendError::Closed(_)) => return,
                            }
                        }
                    }
                }
            }
        });
        let mic = Mic {
            commands,
            finished,
            stats,
        };
        (mic, packets_rx)
    }
}

/// The speaker: decodes the model's audio into the optional WAV sink.
pub struct Speaker {
    pub stats: Arc<Mutex<LevelStats>>,
    sink: Arc<Mutex<Option<WavSink>>>,
    decoder: Mutex<Option<OpusDecoder>>,
    clock: Clock,
    received: Arc<Mutex<Track>>,
}

impl Speaker {
    /// Decoded audio goes into `received`, stamped on `clock` as it arrives.
    pub fn new(
        output: Option<&Path>,
        clock: Clock,
        received: Arc<Mutex<Track>>,
    ) -> Result<Speaker, String> {
        let sink = match output {
            Some(p) => Some(WavSink::create(p).map_err(|e| e.to_string())?),
            None => None,
        };
        let decoder = OpusDecoder::new().map_err(|e| format!("no Opus decoder: {e}"))?;
        Ok(Speaker {
            stats: Arc::new(Mutex::new(LevelStats::default())),
            sink: Arc::new(Mutex::new(sink)),
            decoder: Mutex::new(Some(decoder)),
            clock,
            received,
        })
    }

    /// Closes the WAV file so its header holds the final length.
    pub fn finish(&self) -> Result<(), String> {
        match self.sink.lock().expect("speaker sink").take() {
            Some(s) => s.finalize().map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

impl Playback for Speaker {
    fn push_rtp(&self, _seq: u16, payload: &[u8]) -> bool {
        if payload.is_empty() {
            return true;
        }
        let pcm = match self.decoder.lock().expect("speaker decoder").as_mut() {
            Some(d) => match d.decode(payload) {
                Ok(pcm) => pcm,
                Err(e) => {
                    tracing::debug!("undecodable audio packet: {e}");
                    return true;
                }
            },
            None => return false,
        };
        self.received
            .lock()
            .expect("received track")
            .push(self.clock.now_ms(), &pcm);
        self.stats
            .lock()
            .expect("speaker stats")
            .add(level_i16(&pcm), pcm.len());
        if let Some(s) = self.sink.lock().expect("speaker sink").as_mut() {
            if let Err(e) = s.write(&pcm) {
                tracing::error!("writing the output WAV failed: {e}");
            }
        }
        true
    }
}
