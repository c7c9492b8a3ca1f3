//! The mock server's voice activity detector: the stand-in for OpenAI's `server_vad`
//! turn detection, run on the decoded 48 kHz mono audio of the client's track.
//!
//! Sans-IO: time is the number of samples pushed (48 per ms), never a clock, so the
//! same audio gives the same events at any speed.
//!
//! How it decides, per 10 ms window:
//! - A window is *voiced* when its RMS reaches the energy threshold derived from
//!   `threshold` (see [`threshold_dbfs`]).
//! - A turn starts once `min_speech_ms` of voiced windows have accumulated, where gaps
//!   shorter than [`MAX_CANDIDATE_GAP_MS`] (syllable breaks) do not reset the count.
//!   Clicks and the short periodic beeps of Chromium's fake capture device never reach
//!   that. `SpeechStarted` is then backdated to the first voiced window minus
//!   `prefix_padding_ms`, as OpenAI's is.
//! - A turn stops after `silence_duration_ms` of continuous unvoiced windows.
//!   `SpeechStopped` carries the end of the last voiced window: OpenAI reports the point
//!   where speech stopped, not the later moment the silence was confirmed.

use crate::audio::RATE;

/// Analysis window: 10 ms is short enough for ±10 ms event times and long enough
/// to hold a full period of any voice pitch above 100 Hz.
const WINDOW: usize = (RATE / 100) as usize;
const WINDOW_MS: u64 = 10;
const SAMPLES_PER_MS: u64 = (RATE / 1000) as u64;

/// Longest unvoiced gap that still counts as the same candidate utterance before a
/// turn has started. Syllable breaks are 50–120 ms; the fake-device beeps of Chromium
/// are 0.5–1 s apart, so they can never add up.
pub const MAX_CANDIDATE_GAP_MS: u32 = 150;

/// Turn detection settings, as in the `server_vad` section of the session config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadParams {
    /// 0..1, higher needs louder audio (OpenAI's default is 0.5).
    pub threshold: f32,
    /// Audio kept before the first voiced window, reported in `audio_start_ms`.
    pub prefix_padding_ms: u32,
    /// Continuous unvoiced audio that ends a turn.
    pub silence_duration_ms: u32,
    /// Voiced audio needed before a turn starts; filters clicks and beeps.
    pub min_speech_ms: u32,
}

impl Default for VadParams {
    /// OpenAI's `server_vad` defaults, plus a 200 ms minimum (roughly one syllable).
    fn default() -> Self {
        VadParams {
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 200,
            min_speech_ms: 200,
        }
    }
}

/// A turn boundary, in ms of audio since the detector was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VadEvent {
    SpeechStarted { audio_start_ms: u64 },
    SpeechStopped { audio_end_ms: u64 },
}

/// The RMS level (dBFS) a 10 ms window needs to count as voiced:
/// `−60 + 50·threshold`, so 0 → −60 dBFS (anything above room hiss), the default
/// 0.5 → −35 dBFS (normal speech at about −20 dBFS RMS passes with margin) and
/// 1 → −10 dBFS (only very loud audio). Out-of-range and NaN thresholds are clamped.
pub fn threshold_dbfs(threshold: f32) -> f32 {
    let t = if threshold.is_nan() {
        0.5
    } else {
        threshold.clamp(0.0, 1.0)
    };
    -60.0 + 50.0 * t
}

/// Energy-based voice activity detector; see the module docs for the rules.
pub struct Vad {
    params: VadParams,
    /// Mean square per window that counts as voiced, from `params.threshold`.
    voiced_power: f64,
    samples: u64,
    window_sum_sq: f64,
    window_len: usize,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Idle,
    /// Voiced windows seen, not yet `min_speech_ms` of them.
    Candidate {
        first_voiced_ms: u64,
        voiced_ms: u64,
        gap_ms: u64,
    },
    Speech {
        last_voiced_end_ms: u64,
        silence_ms: u64,
    },
}

impl Vad {
    pub fn new(params: VadParams) -> Vad {
        Vad {
            params,
            voiced_power: voiced_power(params.threshold),
            samples: 0,
            window_sum_sq: 0.0,
            window_len: 0,
            state: State::Idle,
        }
    }

    /// Takes effect from the next window; a turn in progress continues under the new
    /// settings (as when a client sends `session.update` mid-turn).
    pub fn set_params(&mut self, params: VadParams) {
        self.params = params;
        self.voiced_power = voiced_power(params.threshold);
    }

    pub fn params(&self) -> VadParams {
        self.params
    }

    /// Forgets any turn in progress, e.g. after `input_audio_buffer.clear`. The clock
    /// keeps running, since event times count from the start of the session.
    pub fn reset(&mut self) {
        self.state = State::Idle;
    }

    /// Feeds audio of any length; returns the turn boundaries it completed.
    pub fn push(&mut self, samples: &[i16]) -> Vec<VadEvent> {
        let mut events = Vec::new();
        for &s in samples {
            let v = f64::from(s);
            self.window_sum_sq += v * v;
            self.window_len += 1;
            self.samples += 1;
            if self.window_len == WINDOW {
                let power = self.window_sum_sq / (WINDOW as f64 * 32768.0 * 32768.0);
                self.window_sum_sq = 0.0;
                self.window_len = 0;
                let end_ms = self.samples / SAMPLES_PER_MS;
                if let Some(e) = self.step(power >= self.voiced_power, end_ms) {
                    events.push(e);
                }
            }
        }
        events
    }

    /// Milliseconds of audio pushed so far.
    pub fn audio_ms(&self) -> u64 {
        self.samples / SAMPLES_PER_MS
    }

    /// True between `SpeechStarted` and `SpeechStopped`.
    pub fn in_speech(&self) -> bool {
        matches!(self.state, State::Speech { .. })
    }

    /// Advances the state machine by one window ending at `end_ms`.
    fn step(&mut self, voiced: bool, end_ms: u64) -> Option<VadEvent> {
        let p = self.params;
        match (self.state, voiced) {
            (State::Idle, false) => None,
            (State::Idle, true) => {
                self.state = State::Candidate {
                    first_voiced_ms: end_ms - WINDOW_MS,
                    voiced_ms: 0,
                    gap_ms: 0,
                };
                self.step(true, end_ms)
            }
            (
                State::Candidate {
                    first_voiced_ms,
                    voiced_ms,
                    ..
                },
                true,
            ) => {
                let voiced_ms = voiced_ms + WINDOW_MS;
                if voiced_ms >= u64::from(p.min_speech_ms) {
                    self.state = State::Speech {
                        last_voiced_end_ms: end_ms,
                        silence_ms: 0,
                    };
                    let audio_start_ms =
                        first_voiced_ms.saturating_sub(u64::from(p.prefix_padding_ms));
                    Some(VadEvent::SpeechStarted { audio_start_ms })
                } else {
                    self.state = State::Candidate {
                        first_voiced_ms,
                        voiced_ms,
                        gap_ms: 0,
                    };
                    None
                }
            }
            (
                State::Candidate {
                    first_voiced_ms,
                    voiced_ms,
                    gap_ms,
                },
                false,
            ) => {
                let gap_ms = gap_ms + WINDOW_MS;
                let max_gap = u64::from(MAX_CANDIDATE_GAP_MS.min(p.silence_duration_ms));
                self.state = if gap_ms > max_gap {
                    State::Idle
                } else {
                    State::Candidate {
                        first_voiced_ms,
                        voiced_ms,
                        gap_ms,
                    }
                };
                None
            }
            (State::Speech { .. }, true) => {
                self.state = State::Speech {
                    last_voiced_end_ms: end_ms,
                    silence_ms: 0,
                };
                None
            }
            (
                State::Speech {
                    last_voiced_end_ms,
                    silence_ms,
                },
                false,
            ) => {
                let silence_ms = silence_ms + WINDOW_MS;
                if silence_ms >= u64::from(p.silence_duration_ms) {
                    self.state = State::Idle;
                    Some(VadEvent::SpeechStopped {
                        audio_end_ms: last_voiced_end_ms,
                    })
                } else {
                    self.state = State::Speech {
                        last_voiced_end_ms,
                        silence_ms,
                    };
                    None
                }
            }
        }
    }
}

fn voiced_power(threshold: f32) -> f64 {
    10f64.powf(f64::from(threshold_dbfs(threshold)) / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: usize = 48;

    /// Deterministic white noise with the given RMS in dBFS.
    fn noise(ms: usize, dbfs: f64, seed: &mut u64) -> Vec<i16> {
        // Uniform noise in ±a has RMS a/√3.
        let a = 32768.0 * 10f64.powf(dbfs / 20.0) * 3f64.sqrt();
        (0..ms * MS)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                let u = (*seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
                (a * u).round() as i16
            })
            .collect()
    }

    fn silence(ms: usize) -> Vec<i16> {
        vec![0; ms * MS]
    }

    fn tone(ms: usize, dbfs: f64) -> Vec<i16> {
        let a = 32768.0 * 10f64.powf(dbfs / 20.0) * 2f64.sqrt();
        (0..ms * MS)
            .map(|i| (a * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 48_000.0).sin()) as i16)
            .collect()
    }

    /// 500 ms silence, then 1 s of "syllables": 170 ms noise bursts with 80 ms gaps
    /// (bursts at 500, 750, 1000, 1250 ms; the last ends at 1420 ms), then silence.
    fn utterance(dbfs: f64) -> Vec<i16> {
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        let mut x = silence(500);
        for _ in 0..4 {
            x.extend(noise(170, dbfs, &mut seed));
            x.extend(silence(80));
        }
        x.extend(silence(1000));
        x
    }

    fn run(params: VadParams, audio: &[i16]) -> Vec<VadEvent> {
        Vad::new(params).push(audio)
    }

    #[test]
    fn threshold_mapping() {
        assert_eq!(threshold_dbfs(0.5), -35.0);
        assert_eq!(threshold_dbfs(0.0), -60.0);
        assert_eq!(threshold_dbfs(1.0), -10.0);
        assert_eq!(threshold_dbfs(7.0), -10.0);
        assert_eq!(threshold_dbfs(f32::NAN), -35.0);
    }

    #[test]
    fn silence_and_hiss_give_nothing() {
        let mut seed = 1;
        assert!(run(VadParams::default(), &silence(3000)).is_empty());
        assert!(run(VadParams::default(), &noise(3000, -60.0, &mut seed)).is_empty());
    }

    #[test]
    fn a_click_gives_nothing() {
        let mut x = silence(500);
        x.extend(vec![i16::MAX; 20 * MS]);
        x.extend(silence(1000));
        let mut vad = Vad::new(VadParams::default());
        assert!(vad.push(&x).is_empty());
        assert!(!vad.in_speech());
    }

    #[test]
    fn a_beep_train_gives_nothing() {
        let mut x = Vec::new();
        for _ in 0..10 {
            x.extend(tone(50, -10.0));
            x.extend(silence(450));
        }
        assert!(run(VadParams::default(), &x).is_empty());
        // Also Chromium-like: 100 ms beeps every 500 ms.
        let mut x = Vec::new();
        for _ in 0..10 {
            x.extend(tone(100, -10.0));
            x.extend(silence(400));
        }
        assert!(run(VadParams::default(), &x).is_empty());
    }

    #[test]
    fn an_utterance_gives_one_start_and_one_stop() {
        let mut vad = Vad::new(VadParams::default());
        let events = vad.push(&utterance(-20.0));
        assert_eq!(
            events,
            vec![
                VadEvent::SpeechStarted {
                    audio_start_ms: 200
                },
                VadEvent::SpeechStopped { audio_end_ms: 1420 },
            ]
        );
        assert_eq!(vad.audio_ms(), 2500);
        assert!(!vad.in_speech());
    }

    #[test]
    fn events_come_when_the_audio_reaches_them() {
        // Fed 20 ms at a time, the start is reported once 200 ms were voiced
        // (170 + 30 after the first gap: at 780 ms), the stop 200 ms after 1420.
        let mut vad = Vad::new(VadParams::default());
        let mut at = Vec::new();
        for frame in utterance(-20.0).chunks(960) {
            for e in vad.push(frame) {
                at.push((vad.audio_ms(), e));
            }
        }
        assert_eq!(at.len(), 2);
        assert!((780..=800).contains(&at[0].0), "{at:?}");
        assert!((1620..=1640).contains(&at[1].0), "{at:?}");
    }

    #[test]
    fn chunking_does_not_change_events() {
        let x = utterance(-20.0);
        let whole = run(VadParams::default(), &x);
        let mut vad = Vad::new(VadParams::default());
        let mut pieces = Vec::new();
        for piece in x.chunks(7) {
            pieces.extend(vad.push(piece));
        }
        assert_eq!(pieces, whole);
    }

    #[test]
    fn higher_threshold_ignores_quiet_speech() {
        let quiet = utterance(-42.0);
        let low = VadParams {
            threshold: 0.2, // −50 dBFS
            ..VadParams::default()
        };
        assert_eq!(run(low, &quiet).len(), 2);
        assert!(run(VadParams::default(), &quiet).is_empty()); // −35 dBFS
    }

    #[test]
    fn prefix_padding_does_not_go_below_zero() {
        let mut seed = 5;
        let x = noise(400, -20.0, &mut seed);
        let events = run(VadParams::default(), &x);
        assert_eq!(events, vec![VadEvent::SpeechStarted { audio_start_ms: 0 }]);
    }

    #[test]
    fn longer_silence_duration_set_mid_turn_bridges_a_pause() {
        let mut seed = 9;
        let mut vad = Vad::new(VadParams::default());
        let started = vad.push(&noise(300, -20.0, &mut seed));
        assert_eq!(started, vec![VadEvent::SpeechStarted { audio_start_ms: 0 }]);
        vad.set_params(VadParams {
            silence_duration_ms: 1000,
            ..VadParams::default()
        });
        assert!(vad.push(&silence(500)).is_empty());
        assert!(vad.in_speech());
        assert!(vad.push(&noise(100, -20.0, &mut seed)).is_empty());
        let stopped = vad.push(&silence(1000));
        assert_eq!(stopped, vec![VadEvent::SpeechStopped { audio_end_ms: 900 }]);
    }

    #[test]
    fn min_speech_and_threshold_changes_apply_from_the_next_window() {
        let mut seed = 3;
        let mut vad = Vad::new(VadParams {
            min_speech_ms: 1000,
            ..VadParams::default()
        });
        assert!(vad.push(&noise(300, -20.0, &mut seed)).is_empty());
        vad.set_params(VadParams::default());
        // The 300 ms already voiced count: the next voiced window starts the turn.
        let e = vad.push(&noise(10, -20.0, &mut seed));
        assert_eq!(e, vec![VadEvent::SpeechStarted { audio_start_ms: 0 }]);
        vad.set_params(VadParams {
            threshold: 1.0,
            ..VadParams::default()
        });
        // −20 dBFS is now "silence": the turn ends at the last window voiced before.
        let e = vad.push(&noise(300, -20.0, &mut seed));
        assert_eq!(e, vec![VadEvent::SpeechStopped { audio_end_ms: 310 }]);
    }

    #[test]
    fn reset_drops_a_turn_but_keeps_the_clock() {
        let mut seed = 4;
        let mut vad = Vad::new(VadParams::default());
        vad.push(&noise(300, -20.0, &mut seed));
        assert!(vad.in_speech());
        vad.reset();
        assert!(!vad.in_speech());
        assert_eq!(vad.audio_ms(), 300);
        assert!(vad.push(&silence(500)).is_empty());
    }
}
