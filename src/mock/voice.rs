//! A deterministic voice-like signal for the mock model's spoken replies, so clients
//! see speech-shaped audio on the track without any TTS engine.
//!
//! It is a tiny source-filter synthesizer: a glottal pulse train with a pitch contour
//! excites three formant resonators that glide between vowels, syllable by syllable,
//! with short pauses between words and longer ones between phrases. To a level meter
//! and to an energy VAD it looks like a person talking; to a listener it sounds like
//! mumbling, which is all the mock needs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::audio::RATE;

const FS: f32 = RATE as f32;

/// (F1, F2, F3) in Hz of five vowels, from classic formant tables: /a/, /e/, /i/, /o/, /u/.
const VOWELS: [[f32; 3]; 5] = [
    [730.0, 1090.0, 2440.0],
    [530.0, 1840.0, 2480.0],
    [270.0, 2290.0, 3010.0],
    [570.0, 840.0, 2410.0],
    [300.0, 870.0, 2240.0],
];
/// Formant bandwidths (Hz) and relative gains: higher formants are weaker.
const BANDWIDTH: [f32; 3] = [90.0, 110.0, 150.0];
const FORMANT_GAIN: [f32; 3] = [1.0, 0.5, 0.25];

/// Scales the filtered signal to about −20 dBFS RMS overall (pauses included);
/// measured, see the `level_is_speech_like` test.
const OUTPUT_GAIN: f32 = 1.34;

/// Formant coefficients are recomputed this often (samples) while they glide.
const COEF_EVERY: u32 = 32;

/// Speech-like audio for one simulated speaker.
pub struct Voice {
    rng: ChaCha8Rng,
    base_f0: f32,
    /// Position in the glottal cycle, 0..1.
    phase: f32,
    f0: f32,
    f0_target: f32,
    prev_flow: f32,
    segment: Segment,
    /// Position inside the current segment, in samples.
    pos: u32,
    syllables_left_in_word: u32,
    words_left_in_phrase: u32,
    /// Consonant noise shaping for syllable onsets.
    frication: Biquad,
    formants: [Formant; 3],
    lowpass: Biquad,
    coef_countdown: u32,
}

#[derive(Debug, Clone, Copy)]
enum Segment {
    Syllable {
        len: u32,
        /// Length of the noisy onset (0 for a bare vowel).
        onset: u32,
        /// Per-sample factor on the pitch target: a gentle rise or fall over the syllable.
        glide: f32,
    },
    Pause {
        len: u32,
    },
}

struct Formant {
    freq: f32,
    target: f32,
    filter: Biquad,
}

impl Voice {
    /// A voice for the given seed and voice name (`"marin"`, `"cedar"`, …). The same
    /// pair always produces the same samples.
    pub fn new(seed: u64, voice: &str) -> Voice {
        let base_f0 = base_pitch(voice);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv1a(voice));
        let vowel = VOWELS[rng.random_range(0..VOWELS.len())];
        let formants = [0, 1, 2].map(|i| {
            let mut filter = Biquad::default();
            filter.set_bandpass(vowel[i], vowel[i] / BANDWIDTH[i]);
            Formant {
                freq: vowel[i],
                target: vowel[i],
                filter,
            }
        });
        let mut frication = Biquad::default();
        frication.set_bandpass(2800.0, 1.5);
        let mut lowpass = Biquad::default();
        lowpass.set_lowpass(3800.0, std::f32::consts::FRAC_1_SQRT_2);
        let mut v = Voice {
            rng,
            base_f0,
            phase: 0.0,
            f0: base_f0,
            f0_target: base_f0,
            prev_flow: 0.0,
            segment: Segment::Pause { len: 0 },
            pos: 0,
            syllables_left_in_word: 0,
            words_left_in_phrase: 0,
            frication,
            formants,
            lowpass,
            coef_countdown: 0,
        };
        // Speak at once: the first segment is a syllable, not a pause.
        v.start_phrase();
        v.start_word();
        v.start_syllable();
        v
    }

    /// The voice's resting pitch in Hz.
    pub fn base_pitch(&self) -> f32 {
        self.base_f0
    }

    /// Writes the next `out.len()` samples (48 kHz mono); calls continue the signal.
    pub fn fill(&mut self, out: &mut [i16]) {
        for o in out.iter_mut() {
            let x = self.next_sample();
            *o = (soft_limit(x) * 32767.0).round() as i16;
        }
    }

    fn next_sample(&mut self) -> f32 {
        let len = match self.segment {
            Segment::Syllable { len, .. } | Segment::Pause { len } => len,
        };
        if self.pos >= len {
            self.next_segment();
        }
        let (amp, noise_amp) = self.envelopes();
        self.pos += 1;

        // Pitch glides toward its target (≈30 ms time constant) so contours are smooth.
        self.f0 += (self.f0_target - self.f0) * (1.0 / (0.03 * FS));
        if let Segment::Syllable { glide, .. } = self.segment {
            self.f0_target *= glide;
        }
        self.phase += self.f0 / FS;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        // The derivative of the glottal flow is what excites the vocal tract; scaling by
        // 1/f0 keeps its size independent of pitch, and √(150/f0) evens out loudness
        // between low and high voices (more pulses per second carry more energy).
        let flow = rosenberg(self.phase);
        let excitation = (flow - self.prev_flow) * (FS / self.f0) * (150.0 / self.f0).sqrt();
        self.prev_flow = flow;
        let breath = self.rng.random_range(-1.0f32..1.0);
        let source = amp * (excitation * 0.1 + breath * 0.01);

        if self.coef_countdown == 0 {
            self.coef_countdown = COEF_EVERY;
            for (i, f) in self.formants.iter_mut().enumerate() {
                // Formants move from vowel to vowel over ≈40 ms, like coarticulation.
                f.freq += (f.target - f.freq) * (COEF_EVERY as f32 / (0.04 * FS));
                f.filter.set_bandpass(f.freq, f.freq / BANDWIDTH[i]);
            }
        }
        self.coef_countdown -= 1;
        let mut voiced = 0.0;
        for (i, f) in self.formants.iter_mut().enumerate() {
            voiced += FORMANT_GAIN[i] * f.filter.process(source);
        }
        let hiss = self
            .frication
            .process(noise_amp * self.rng.random_range(-1.0f32..1.0));
        self.lowpass.process(voiced + hiss) * OUTPUT_GAIN
    }

    /// (vowel amplitude, consonant noise amplitude) at the current position.
    fn envelopes(&self) -> (f32, f32) {
        match self.segment {
            Segment::Pause { .. } => (0.0, 0.0),
            Segment::Syllable { len, onset, .. } => {
                let p = self.pos;
                let attack = ms(25);
                let release = ms(60).min(len / 3);
                let vowel_pos = p.saturating_sub(onset);
                let rise = ramp(vowel_pos, attack);
                let fall = ramp(len.saturating_sub(p), release);
                let noise = if p < onset {
                    ramp(p, ms(10)) * ramp(onset - p, ms(10)) * 0.25
                } else {
                    0.0
                };
                // A consonant onset keeps a little voicing under the noise, as in /z/ or /m/.
                let under = if p < onset { 0.2 } else { 1.0 };
                (rise * fall * under, noise)
            }
        }
    }

    fn next_segment(&mut self) {
        self.pos = 0;
        if self.syllables_left_in_word > 0 {
            self.start_syllable();
        } else if matches!(self.segment, Segment::Syllable { .. }) {
            // Between words a short pause; between phrases a longer, deliberate one.
            let len = if self.words_left_in_phrase == 0 {
                ms(self.rng.random_range(350..550))
            } else {
                ms(self.rng.random_range(40..140))
            };
            self.segment = Segment::Pause { len };
        } else {
            if self.words_left_in_phrase == 0 {
                self.start_phrase();
            }
            self.start_word();
            self.start_syllable();
        }
    }

    fn start_phrase(&mut self) {
        self.words_left_in_phrase = self.rng.random_range(5..10);
    }

    fn start_word(&mut self) {
        self.words_left_in_phrase -= 1;
        self.syllables_left_in_word = self.rng.random_range(1..4);
    }

    fn start_syllable(&mut self) {
        self.syllables_left_in_word -= 1;
        let len = ms(self.rng.random_range(170..260));
        let onset = if self.rng.random_bool(0.6) {
            ms(self.rng.random_range(25..55))
        } else {
            0
        };
        // Declination: pitch drifts down over a phrase, then resets.
        let decline = 1.08 - 0.03 * (8 - self.words_left_in_phrase.min(8)) as f32;
        let jitter = 1.0 + self.rng.random_range(-0.07f32..0.07);
        self.f0_target = self.base_f0 * decline * jitter;
        // The pitch ends the syllable between 8 % lower and 5 % higher than it began.
        let glide = (1.0 + self.rng.random_range(-0.08f32..0.05)).powf(1.0 / len as f32);
        let vowel = VOWELS[self.rng.random_range(0..VOWELS.len())];
        for (f, target) in self.formants.iter_mut().zip(vowel) {
            f.target = target * self.rng.random_range(0.95f32..1.05);
        }
        self.segment = Segment::Syllable { len, onset, glide };
    }
}

/// Resting pitch by voice name: OpenAI's higher voices around 200 Hz, lower ones
/// around 110 Hz; other names get a stable pitch between 100 and 230 Hz.
fn base_pitch(voice: &str) -> f32 {
    match voice.to_ascii_lowercase().as_str() {
        "marin" => 205.0,
        "shimmer" => 215.0,
        "coral" => 200.0,
        "sage" => 190.0,
        "alloy" => 175.0,
        "cedar" => 110.0,
        "ash" => 115.0,
        "echo" => 105.0,
        "ballad" => 125.0,
        "verse" => 130.0,
        other => 100.0 + (fnv1a(other) % 131) as f32,
    }
}

/// FNV-1a: a hash that, unlike std's, is specified and so stable across releases.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn ms(ms: u32) -> u32 {
    ms * (RATE / 1000)
}

/// Raised-cosine ramp from 0 at `pos == 0` to 1 at `pos >= len`.
fn ramp(pos: u32, len: u32) -> f32 {
    if pos >= len || len == 0 {
        1.0
    } else {
        0.5 - 0.5 * (std::f32::consts::PI * pos as f32 / len as f32).cos()
    }
}

/// Rosenberg glottal flow over one period: opening 40 %, closing 16 %, then closed.
fn rosenberg(phase: f32) -> f32 {
    const OPEN: f32 = 0.4;
    const CLOSE: f32 = 0.16;
    use std::f32::consts::PI;
    if phase < OPEN {
        0.5 - 0.5 * (PI * phase / OPEN).cos()
    } else if phase < OPEN + CLOSE {
        (0.5 * PI * (phase - OPEN) / CLOSE).cos()
    } else {
        0.0
    }
}

/// Linear up to ±0.7, then bends smoothly so the output never reaches full scale.
fn soft_limit(x: f32) -> f32 {
    let a = x.abs();
    if a <= 0.7 {
        x
    } else {
        (0.7 + 0.29 * ((a - 0.7) / 0.29).tanh()).copysign(x)
    }
}

/// A second-order IIR section (RBJ cookbook), direct form I.
#[derive(Default)]
struct Biquad {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

impl Biquad {
    /// Band-pass with 0 dB gain at the centre frequency.
    fn set_bandpass(&mut self, freq: f32, q: f32) {
        let (cos, alpha) = Self::prewarp(freq, q);
        let a0 = 1.0 + alpha;
        self.b0 = alpha / a0;
        self.b1 = 0.0;
        self.b2 = -alpha / a0;
        self.a1 = -2.0 * cos / a0;
        self.a2 = (1.0 - alpha) / a0;
    }

    fn set_lowpass(&mut self, freq: f32, q: f32) {
        let (cos, alpha) = Self::prewarp(freq, q);
        let a0 = 1.0 + alpha;
        self.b0 = (1.0 - cos) / 2.0 / a0;
        self.b1 = (1.0 - cos) / a0;
        self.b2 = self.b0;
        self.a1 = -2.0 * cos / a0;
        self.a2 = (1.0 - alpha) / a0;
    }

    fn prewarp(freq: f32, q: f32) -> (f32, f32) {
        let w0 = 2.0 * std::f32::consts::PI * freq / FS;
        (w0.cos(), w0.sin() / (2.0 * q))
    }

    fn process(&mut self, x: f32) -> f32 {
        let y = self.b0 * x + self.b1 * self.x1 + self.b2 * self.x2
            - self.a1 * self.y1
            - self.a2 * self.y2;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::levels::{is_silent, level_i16};
    use crate::mock::vad::{Vad, VadEvent, VadParams};

    fn render(seed: u64, name: &str, secs: usize) -> Vec<i16> {
        let mut v = Voice::new(seed, name);
        let mut out = vec![0; secs * RATE as usize];
        v.fill(&mut out);
        out
    }

    #[test]
    fn same_seed_same_samples_and_fill_continues() {
        let a = render(7, "marin", 2);
        let mut v = Voice::new(7, "marin");
        let mut b = vec![0; a.len()];
        for piece in b.chunks_mut(777) {
            v.fill(piece);
        }
        assert_eq!(a, b);
        assert_ne!(a, render(8, "marin", 2));
        assert_ne!(a, render(7, "cedar", 2));
    }

    #[test]
    fn level_is_speech_like_and_never_clips() {
        for name in ["marin", "cedar", "alloy", "somebody"] {
            for seed in [1, 2] {
                let x = render(seed, name, 6);
                let l = level_i16(&x);
                assert!(
                    (-24.0..=-16.0).contains(&l.rms_dbfs),
                    "{name}/{seed}: {l:?}"
                );
                assert!(l.peak_dbfs < -0.05, "{name}/{seed}: {l:?}");
            }
        }
    }

    #[test]
    fn silence_only_in_deliberate_pauses() {
        let x = render(11, "coral", 20);
        let window = 300 * 48;
        let hop = 50 * 48;
        let silent: Vec<bool> = (0..=(x.len() - window) / hop)
            .map(|i| is_silent(&level_i16(&x[i * hop..i * hop + window])))
            .collect();
        // Phrases are at least five words long, so the first second always speaks.
        assert!(silent[..15].iter().all(|s| !s));
        // Phrase pauses are under 550 ms: a silent 300 ms window never has more than
        // five silent neighbours in a row (50 ms hops), and they are rare.
        let longest = silent.split(|s| !s).map(|run| run.len()).max().unwrap_or(0);
        assert!(longest <= 6, "{longest}");
        let share = silent.iter().filter(|&&s| s).count() as f32 / silent.len() as f32;
        assert!(share < 0.15, "{share}");
    }

    #[test]
    fn energy_is_mostly_below_4khz() {
        let x = render(3, "ash", 5);
        // Compare the summed power of two bands, sampled every 50 Hz.
        let f: Vec<f32> = x.iter().map(|&s| f32::from(s)).collect();
        let band = |lo: u32, hi: u32| -> f64 {
            (lo..hi)
                .step_by(50)
                .map(|hz| goertzel(&f[..48_000], hz as f64))
                .sum()
        };
        let low = band(50, 4000);
        let high = band(4000, 24_000);
        assert!(low > 20.0 * high, "low {low}, high {high}");
    }

    fn goertzel(x: &[f32], freq: f64) -> f64 {
        let c = 2.0 * (2.0 * std::f64::consts::PI * freq / 48_000.0).cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &v in x {
            let s = f64::from(v) + c * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        s1 * s1 + s2 * s2 - c * s1 * s2
    }

    #[test]
    fn pitch_follows_the_voice_name() {
        assert!(base_pitch("marin") > 190.0 && base_pitch("shimmer") > 190.0);
        assert!(base_pitch("cedar") < 130.0 && base_pitch("echo") < 130.0);
        let p = base_pitch("unknown-voice");
        assert!((100.0..=230.0).contains(&p));
        assert_eq!(p, base_pitch("unknown-voice"));
    }

    #[test]
    fn the_mock_vad_hears_it_as_speech_at_once() {
        for (seed, name) in [(1, "marin"), (2, "cedar"), (3, "alloy"), (4, "xyz")] {
            let x = render(seed, name, 3);
            let mut vad = Vad::new(VadParams::default());
            let mut first = None;
            for frame in x.chunks(960) {
                for e in vad.push(frame) {
                    if first.is_none() {
                        first = Some((vad.audio_ms(), e));
                    }
                }
            }
            let (at, e) = first.unwrap_or_else(|| panic!("{name}: no speech detected"));
            assert_eq!(e, VadEvent::SpeechStarted { audio_start_ms: 0 }, "{name}");
            assert!(at <= 400, "{name}: detected only at {at} ms");
        }
    }
}
