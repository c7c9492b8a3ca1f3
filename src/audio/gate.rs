//! What may go up the track: mic mute, push-to-talk, and half-duplex (the mic closes
//! while the model's audio plays, for users without headphones); and a detector that
//! notices when the mic hears the speaker, so the UI can suggest headphones or
//! half-duplex before the model starts answering itself.
//!
//! Both work on 20 ms frames and their levels only; the engine calls them on its
//! processing thread, never in a device callback.

use super::levels::Level;

/// Played audio above this counts as the speaker being active. Low enough to catch the
/// quiet ends of words, high enough that Opus's comfort noise does not count.
const SPEAKER_ACTIVE_DBFS: f32 = -50.0;

/// How long the mic stays closed after the speaker goes quiet: device output latency
/// plus room reverberation, both easily 100–200 ms on laptops.
const HANGOVER_FRAMES: u32 = 15; // 300 ms

/// Why the gate is open or closed, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateState {
    Open,
    Muted,
    /// Push-to-talk is on and the key is not held.
    NotTalking,
    /// Half-duplex: the model's audio is playing (or just stopped).
    SpeakerPlaying,
}

impl GateState {
    pub fn is_open(self) -> bool {
        self == GateState::Open
    }
}

/// The mic gate. The engine copies its atomics into the public fields before each frame.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    pub mic_muted: bool,
    pub push_to_talk: bool,
    /// The push-to-talk key is held. Ignored unless `push_to_talk`.
    pub talking: bool,
    pub half_duplex: bool,
    /// Frames of hangover left since the speaker was last active.
    hold: u32,
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Reports one 20 ms frame as it was handed to the speaker (silence when the
    /// speaker is muted or idle). Called once per played frame, so it also keeps time
    /// for the hangover.
    pub fn speaker_frame(&mut self, played: Level) {
        if played.rms_dbfs > SPEAKER_ACTIVE_DBFS {
            self.hold = HANGOVER_FRAMES;
        } else {
            self.hold = self.hold.saturating_sub(1);
        }
    }

    /// True while the speaker plays or within the hangover after it.
    pub fn speaker_active(&self) -> bool {
        self.hold > 0
    }

    pub fn state(&self) -> GateState {
        if self.mic_muted {
            GateState::Muted
        } else if self.push_to_talk && !self.talking {
            GateState::NotTalking
        } else if self.push_to_talk {
            // Holding the key while the model speaks is a barge-in: the user asked for
            // the floor, so half-duplex must not swallow it.
            GateState::Open
        } else if self.half_duplex && self.speaker_active() {
            GateState::SpeakerPlaying
        } else {
            GateState::Open
        }
    }

    /// Silences `frame` unless the gate is open, and says why.
    pub fn apply(&self, frame: &mut [i16]) -> GateState {
        let state = self.state();
        if !state.is_open() {
            frame.fill(0);
        }
        state
    }
}

/// Frames of level history compared: speech envelopes change a few times a second, so
/// 4 s holds enough syllables for a correlation to mean something.
const ECHO_WINDOW: usize = 200;
/// Largest mic-behind-speaker delay looked for: output buffer + air + input buffer.
const ECHO_MAX_LAG: usize = 20; // 400 ms
/// Re-evaluate twice a second; the sums are cheap but the verdict need not be faster.
const ECHO_EVERY: usize = 25;
/// Levels are clamped here so digital silence (−120 dBFS) does not dominate the sums.
const ECHO_CLAMP_DBFS: f32 = -80.0;
/// Correlation of the dB envelopes above which echo is suspected, and below which
/// the suspicion is dropped. Independent talkers stay well under 0.5 over 4 s.
const ECHO_WARN: f32 = 0.75;
const ECHO_CLEAR: f32 = 0.45;
/// The speaker must be active in at least this share of the window for a verdict.
const ECHO_MIN_ACTIVE: f32 = 0.25;
/// An envelope flatter than this (dB standard deviation) carries no information.
const ECHO_MIN_SPREAD_DB: f32 = 3.0;

/// Suspects acoustic echo when the mic's level envelope follows the speaker's, at
/// some delay, over the last few seconds while the speaker was active. Works on
/// levels, not samples, so it costs nothing on the audio path and does not care
/// about the room's filtering or the device's resampling.
#[derive(Debug, Clone)]
pub struct EchoDetector {
    /// Ring buffers of dB levels, one entry per 20 ms frame; the speaker keeps
    /// `ECHO_MAX_LAG` extra entries so every lag sees a full window.
    mic: Vec<f32>,
    speaker: Vec<f32>,
    /// Index of the next write; also the count until the rings have filled.
    next: usize,
    filled: usize,
    since_eval: usize,
    suspected: bool,
    correlation: Option<f32>,
}

impl Default for EchoDetector {
    fn default() -> Self {
        EchoDetector::new()
    }
}

impl EchoDetector {
    pub fn new() -> EchoDetector {
        let len = ECHO_WINDOW + ECHO_MAX_LAG;
        EchoDetector {
            mic: vec![ECHO_CLAMP_DBFS; len],
            speaker: vec![ECHO_CLAMP_DBFS; len],
            next: 0,
            filled: 0,
            since_eval: 0,
            suspected: false,
            correlation: None,
        }
    }

    /// Takes one frame's mic level (before any gate) and the level of the speaker frame
    /// played at the same time; returns whether echo is suspected.
    pub fn push(&mut self, mic_dbfs: f32, speaker_dbfs: f32) -> bool {
        let len = self.mic.len();
        self.mic[self.next] = mic_dbfs.max(ECHO_CLAMP_DBFS);
        self.speaker[self.next] = speaker_dbfs.max(ECHO_CLAMP_DBFS);
        self.next = (self.next + 1) % len;
        self.filled = (self.filled + 1).min(len);
        self.since_eval += 1;
        if self.filled == len && self.since_eval >= ECHO_EVERY {
            self.since_eval = 0;
            self.evaluate();
        }
        self.suspected
    }

    pub fn suspected(&self) -> bool {
        self.suspected
    }

    /// The best envelope correlation of the last evaluated window, if the speaker was
    /// active enough for one.
    pub fn correlation(&self) -> Option<f32> {
        self.correlation
    }

    fn evaluate(&mut self) {
        let len = self.mic.len();
        // Oldest entry is at `next`; entry k (0 = oldest) is at (next + k) % len.
        let at = |ring: &[f32], k: usize| ring[(self.next + k) % len];
        let active = (ECHO_MAX_LAG..len)
            .filter(|&k| at(&self.speaker, k) > SPEAKER_ACTIVE_DBFS)
            .count();
        if (active as f32) < ECHO_MIN_ACTIVE * ECHO_WINDOW as f32 {
            // Nothing new is known while the speaker is mostly quiet: keep the verdict.
            self.correlation = None;
            return;
        }
        let mut best: Option<f32> = None;
        for lag in 0..=ECHO_MAX_LAG {
            let mic = (ECHO_MAX_LAG..len).map(|k| at(&self.mic, k));
            let spk = (ECHO_MAX_LAG..len).map(|k| at(&self.speaker, k - lag));
            if let Some(r) = pearson(mic, spk) {
                best = Some(best.map_or(r, |b| b.max(r)));
            }
        }
        self.correlation = best;
        match best {
            Some(r) if r >= ECHO_WARN => self.suspected = true,
            Some(r) if r < ECHO_CLEAR => self.suspected = false,
            None => self.suspected = false,
            _ => {}
        }
    }
}

/// Pearson correlation, or `None` when either side is too flat to correlate.
fn pearson(a: impl Iterator<Item = f32>, b: impl Iterator<Item = f32>) -> Option<f32> {
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0f64, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (x, y) in a.zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        n += 1.0;
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    if n < 2.0 {
        return None;
    }
    let va = saa / n - (sa / n).powi(2);
    let vb = sbb / n - (sb / n).powi(2);
    let min_var = f64::from(ECHO_MIN_SPREAD_DB).powi(2);
    if va < min_var || vb < min_var {
        return None;
    }
    Some(((sab / n - sa * sb / (n * n)) / (va * vb).sqrt()) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::levels::{level_f32, FLOOR_DBFS};

    const LOUD: Level = Level {
        rms_dbfs: -20.0,
        peak_dbfs: -10.0,
    };

    #[test]
    fn an_open_gate_leaves_the_frame_alone() {
        let gate = Gate::new();
        let mut frame = [1000i16; 960];
        assert_eq!(gate.apply(&mut frame), GateState::Open);
        assert!(frame.iter().all(|&s| s == 1000));
    }

    #[test]
    fn mute_and_push_to_talk_silence_the_frame() {
        let mut gate = Gate {
            mic_muted: true,
            ..Gate::new()
        };
        let mut frame = [1000i16; 960];
        assert_eq!(gate.apply(&mut frame), GateState::Muted);
        assert!(frame.iter().all(|&s| s == 0));

        gate.mic_muted = false;
        gate.push_to_talk = true;
        let mut frame = [1000i16; 960];
        assert_eq!(gate.apply(&mut frame), GateState::NotTalking);
        assert!(frame.iter().all(|&s| s == 0));

        gate.talking = true;
        let mut frame = [1000i16; 960];
        assert_eq!(gate.apply(&mut frame), GateState::Open);
        assert_eq!(frame[0], 1000);
    }

    #[test]
    fn half_duplex_closes_while_the_speaker_plays_plus_a_hangover() {
        let mut gate = Gate {
            half_duplex: true,
            ..Gate::new()
        };
        gate.speaker_frame(LOUD);
        assert_eq!(gate.state(), GateState::SpeakerPlaying);
        for _ in 0..HANGOVER_FRAMES - 1 {
            gate.speaker_frame(Level::SILENCE);
            assert_eq!(gate.state(), GateState::SpeakerPlaying);
        }
        gate.speaker_frame(Level::SILENCE);
        assert_eq!(gate.state(), GateState::Open);
        // Without half-duplex the same playback leaves the mic open.
        gate.half_duplex = false;
        gate.speaker_frame(LOUD);
        assert!(gate.speaker_active());
        assert_eq!(gate.state(), GateState::Open);
    }

    #[test]
    fn holding_push_to_talk_barges_in_over_half_duplex_but_mute_wins() {
        let mut gate = Gate {
            half_duplex: true,
            push_to_talk: true,
            talking: true,
            ..Gate::new()
        };
        gate.speaker_frame(LOUD);
        assert_eq!(gate.state(), GateState::Open);
        gate.mic_muted = true;
        assert_eq!(gate.state(), GateState::Muted);
    }

    /// A speech-like level envelope: syllables of 100–300 ms at −30…−12 dBFS with
    /// pauses of 60–400 ms near the noise floor.
    fn speech_envelope(seed: u64, frames: usize) -> Vec<f32> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut rnd = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f32) / (1u64 << 31) as f32
        };
        let mut out = Vec::with_capacity(frames);
        while out.len() < frames {
            let level = -30.0 + 18.0 * rnd();
            for _ in 0..(5.0 + 10.0 * rnd()) as usize {
                out.push(level + 3.0 * rnd());
            }
            for _ in 0..(3.0 + 17.0 * rnd()) as usize {
                out.push(-75.0 + 5.0 * rnd());
            }
        }
        out.truncate(frames);
        out
    }

    #[test]
    fn a_delayed_attenuated_copy_of_the_speaker_is_echo() {
        for seed in 1..6 {
            let speaker = speech_envelope(seed, 600);
            let mut det = EchoDetector::new();
            for t in 0..speaker.len() {
                // 120 ms later and 25 dB down, over a −65 dBFS room.
                let echo = if t >= 6 {
                    speaker[t - 6] - 25.0
                } else {
                    -120.0
                };
                det.push(echo.max(-65.0), speaker[t]);
            }
            assert!(det.suspected(), "seed {seed}: {:?}", det.correlation());
        }
    }

    #[test]
    fn independent_speech_is_not_echo() {
        for seed in 1..20 {
            let speaker = speech_envelope(seed, 600);
            let user = speech_envelope(seed + 1000, 600);
            let mut det = EchoDetector::new();
            for t in 0..speaker.len() {
                assert!(
                    !det.push(user[t], speaker[t]),
                    "seed {seed} at {t}: {:?}",
                    det.correlation()
                );
            }
        }
    }

    #[test]
    fn a_silent_mic_or_speaker_gives_no_verdict() {
        let speaker = speech_envelope(7, 600);
        let mut det = EchoDetector::new();
        for &s in &speaker {
            det.push(FLOOR_DBFS, s);
        }
        assert!(!det.suspected());
        assert_eq!(det.correlation(), None);
        let mut det = EchoDetector::new();
        for &s in &speaker {
            det.push(s, FLOOR_DBFS);
        }
        assert!(!det.suspected());
    }

    #[test]
    fn echo_is_found_from_real_samples_too() {
        // Noise bursts shaped by the envelope, through level_f32 as the engine does.
        let env = speech_envelope(3, 400);
        let mut noise = 12345u32;
        let mut frame_of = |db: f32| -> Vec<f32> {
            let amp = 10f32.powf(db / 20.0) * 3f32.sqrt();
            (0..960)
                .map(|_| {
                    noise ^= noise << 13;
                    noise ^= noise >> 17;
                    noise ^= noise << 5;
                    amp * ((noise as f32 / u32::MAX as f32) * 2.0 - 1.0)
                })
                .collect()
        };
        let played: Vec<Level> = env.iter().map(|&db| level_f32(&frame_of(db))).collect();
        let mut det = EchoDetector::new();
        for t in 0..played.len() {
            let heard = if t >= 4 { env[t - 4] - 30.0 } else { -90.0 };
            let mic = level_f32(&frame_of(heard.max(-70.0)));
            det.push(mic.rms_dbfs, played[t].rms_dbfs);
        }
        assert!(det.suspected(), "{:?}", det.correlation());
    }
}
