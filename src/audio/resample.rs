//! Conversion of any rate and channel count to 48 kHz mono, the one format inside
//! rtconsole: WAV files and capture devices come in whatever their owner chose.
//!
//! Channels are averaged first, so only one channel goes through the resampler. The
//! resampler is rubato's synchronous FFT one: exact rational ratios (44.1 → 48 kHz is
//! 147 → 160), good anti-aliasing, and a fixed delay that is trimmed here so output
//! sample `n` lines up with input time `n / 48 kHz`.

use rubato::{FftFixedInOut, Resampler};

use super::RATE;

/// Rates outside this range are almost certainly a misread header rather than audio.
const MIN_RATE: u32 = 4_000;
const MAX_RATE: u32 = 192_000;

/// Why a conversion could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ResampleError {
    #[error("cannot resample from {rate} Hz: rates from {MIN_RATE} to {MAX_RATE} Hz are supported; convert first, e.g. `sox in.wav -r 48000 out.wav`")]
    Rate { rate: u32 },
    #[error("cannot take audio with 0 channels: give at least one channel")]
    NoChannels,
    #[error("could not set up resampling from {rate} Hz: {reason}")]
    Setup { rate: u32, reason: String },
}

/// Averages interleaved frames to one channel. `channels` 0 or 1 returns the input
/// as is; a trailing partial frame is dropped.
pub fn to_mono(interleaved: &[f32], channels: u16) -> Vec<f32> {
    let ch = usize::from(channels);
    if ch <= 1 {
        return interleaved.to_vec();
    }
    let scale = 1.0 / ch as f32;
    interleaved
        .chunks_exact(ch)
        .map(|frame| frame.iter().sum::<f32>() * scale)
        .collect()
}

/// Resamples a whole mono buffer to 48 kHz. The output has
/// `round(len × 48000 / from_rate)` samples; at 48 kHz the input is returned as is.
pub fn resample_to_48k(mono: &[f32], from_rate: u32) -> Result<Vec<f32>, ResampleError> {
    let mut stream = StreamResampler::new(from_rate, 1)?;
    let mut out = stream.push(mono);
    out.extend(stream.flush());
    Ok(out)
}

/// Incremental conversion to 48 kHz mono for audio that arrives in pieces (device
/// capture callbacks). Holds back less than 10 ms of input plus the filter delay
/// (about 5 ms); [`StreamResampler::flush`] releases the rest.
pub struct StreamResampler {
    from_rate: u32,
    to_rate: u32,
    channels: usize,
    /// Samples of a frame split across two `push` calls.
    partial: Vec<f32>,
    /// `None` at 48 kHz: only the downmix is needed.
    fft: Option<FftStage>,
}

struct FftStage {
    resampler: FftFixedInOut<f32>,
    /// Mono input waiting for a full chunk.
    pending: Vec<f32>,
    out_buf: Vec<Vec<f32>>,
    /// Leading output samples that are filter delay, still to be dropped.
    skip: usize,
    in_total: u64,
    out_total: u64,
}

impl StreamResampler {
    pub fn new(from_rate: u32, channels: u16) -> Result<Self, ResampleError> {
        StreamResampler::between(from_rate, RATE, channels)
    }

    /// The same to any rate: the socket transport sends 24 kHz (or 8 kHz G.711) audio
    /// taken from the 48 kHz inside.
    pub fn between(from_rate: u32, to_rate: u32, channels: u16) -> Result<Self, ResampleError> {
        for rate in [from_rate, to_rate] {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(ResampleError::Rate { rate });
            }
        }
        if channels == 0 {
            return Err(ResampleError::NoChannels);
        }
        let fft = if from_rate == to_rate {
            None
        } else {
            Some(FftStage::new(from_rate, to_rate)?)
        };
        Ok(StreamResampler {
            from_rate,
            to_rate,
            channels: usize::from(channels),
            partial: Vec::new(),
            fft,
        })
    }

    /// The input rate this resampler was made for.
    pub fn from_rate(&self) -> u32 {
        self.from_rate
    }

    /// Takes interleaved input at the source rate and returns whatever 48 kHz mono
    /// output is ready. Any length is fine, including a split frame.
    pub fn push(&mut self, interleaved: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        self.push_into(interleaved, &mut out);
        out
    }

    /// Like [`StreamResampler::push`], but appends to `out`. With one channel this
    /// allocates nothing once `out` and the internal buffers have grown to their
    /// working size, which is what a capture loop running every 10 ms needs.
    pub fn push_into(&mut self, interleaved: &[f32], out: &mut Vec<f32>) {
        if self.channels == 1 {
            match &mut self.fft {
                None => out.extend_from_slice(interleaved),
                Some(stage) => stage.push_into(interleaved, out),
            }
            return;
        }
        self.partial.extend_from_slice(interleaved);
        let whole = self.partial.len() / self.channels * self.channels;
        let mono = to_mono(&self.partial[..whole], self.channels as u16);
        self.partial.drain(..whole);
        match &mut self.fft {
            None => out.extend_from_slice(&mono),
            Some(stage) => stage.push_into(&mono, out),
        }
    }

    /// Ends the stream: returns the held-back tail so the total output is exactly
    /// `round(input frames × 48000 / from_rate)`, and starts afresh for the next stream.
    pub fn flush(&mut self) -> Vec<f32> {
        self.partial.clear();
        match &mut self.fft {
            None => Vec::new(),
            Some(stage) => stage.flush(self.from_rate, self.to_rate),
        }
    }
}

impl FftStage {
    fn new(from_rate: u32, to_rate: u32) -> Result<Self, ResampleError> {
        // 10 ms chunks keep capture latency low; rubato rounds up to a whole number of
        // its minimal chunk (147 input frames for 44.1 kHz).
        let chunk = (from_rate / 100) as usize;
        let resampler = FftFixedInOut::<f32>::new(from_rate as usize, to_rate as usize, chunk, 1)
            .map_err(|e| ResampleError::Setup {
            rate: from_rate,
            reason: e.to_string(),
        })?;
        let out_buf = resampler.output_buffer_allocate(true);
        let skip = resampler.output_delay();
        Ok(FftStage {
            resampler,
            pending: Vec::new(),
            out_buf,
            skip,
            in_total: 0,
            out_total: 0,
        })
    }

    fn push_into(&mut self, mono: &[f32], out: &mut Vec<f32>) {
        self.in_total += mono.len() as u64;
        self.pending.extend_from_slice(mono);
        let chunk = self.resampler.input_frames_next();
        let mut pending = std::mem::take(&mut self.pending);
        let mut used = 0;
        while pending.len() - used >= chunk {
            self.run_chunk(&pending[used..used + chunk], out);
            used += chunk;
        }
        pending.drain(..used);
        self.pending = pending;
    }

    fn flush(&mut self, from_rate: u32, to_rate: u32) -> Vec<f32> {
        let r = u64::from(from_rate);
        let expected = (self.in_total * u64::from(to_rate) + r / 2) / r;
        let chunk = self.resampler.input_frames_next();
        let mut out = Vec::new();
        // Zero padding pushes the last real input and the filter delay through.
        while self.out_total < expected {
            let mut input = std::mem::take(&mut self.pending);
            input.resize(chunk, 0.0);
            self.run_chunk(&input, &mut out);
        }
        let surplus = (self.out_total - expected) as usize;
        out.truncate(out.len().saturating_sub(surplus));
        if let Ok(fresh) = FftStage::new(from_rate, to_rate) {
            *self = fresh;
        }
        out
    }

    fn run_chunk(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let wave_in = [input];
        // Buffers come from the resampler's own sizes, so this cannot fail; if it ever
        // did, dropping one chunk is better than taking down the audio thread.
        let Ok((_, produced)) =
            self.resampler
                .process_into_buffer(&wave_in, &mut self.out_buf, None)
        else {
            return;
        };
        let drop = self.skip.min(produced);
        self.skip -= drop;
        out.extend_from_slice(&self.out_buf[0][drop..produced]);
        self.out_total += (produced - drop) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn tone(freq: f64, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (0.5 * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as f32)
            .collect()
    }

    /// Power at one frequency (Goertzel), normalised by length.
    fn power_at(x: &[f32], freq: f64, rate: u32) -> f64 {
        let w = 2.0 * PI * freq / f64::from(rate);
        let c = 2.0 * w.cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &v in x {
            let s = f64::from(v) + c * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.len() as f64).powi(2)
    }

    fn assert_1khz_at_48k(out: &[f32]) {
        // Skip the edges, where the filter rings against the start and the end.
        let mid = &out[4800..out.len() - 4800];
        let at = power_at(mid, 1000.0, RATE);
        for other in [900.0, 1088.0, 920.0, 1100.0] {
            let p = power_at(mid, other, RATE);
            assert!(at > 100.0 * p, "1 kHz {at} vs {other} Hz {p}");
        }
        // Amplitude 0.5 → Goertzel power ≈ (0.5/2)² = 0.0625.
        assert!((at - 0.0625).abs() < 0.01, "{at}");
    }

    #[test]
    fn a_1khz_tone_keeps_its_pitch_from_common_rates() {
        for rate in [8_000, 16_000, 22_050, 44_100, 96_000] {
            let input = tone(1000.0, rate, rate as usize); // 1 s
            let out = resample_to_48k(&input, rate).unwrap();
            assert_eq!(out.len(), RATE as usize, "from {rate} Hz");
            assert_1khz_at_48k(&out);
        }
    }

    #[test]
    fn output_length_is_rounded_ratio() {
        for (rate, n) in [
            (44_100u32, 12_345usize),
            (8_000, 7),
            (16_000, 0),
            (11_025, 1000),
        ] {
            let out = resample_to_48k(&vec![0.1; n], rate).unwrap();
            let expected = ((n as f64) * 48_000.0 / f64::from(rate)).round() as usize;
            assert_eq!(out.len(), expected, "{n} samples at {rate} Hz");
        }
    }

    #[test]
    fn passthrough_at_48k() {
        let input = tone(1000.0, RATE, 1234);
        assert_eq!(resample_to_48k(&input, RATE).unwrap(), input);
    }

    #[test]
    fn delay_is_trimmed_so_time_lines_up() {
        let mut input = vec![0.0f32; 44_100];
        input[22_050] = 1.0; // 0.5 s
        let out = resample_to_48k(&input, 44_100).unwrap();
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert!((peak as i64 - 24_000).abs() <= 2, "impulse at {peak}");
    }

    #[test]
    fn streaming_in_odd_pieces_matches_whole_buffer() {
        let input = tone(1000.0, 44_100, 20_000);
        let whole = resample_to_48k(&input, 44_100).unwrap();
        let mut s = StreamResampler::new(44_100, 1).unwrap();
        let mut out = Vec::new();
        for piece in input.chunks(333) {
            out.extend(s.push(piece));
        }
        out.extend(s.flush());
        assert_eq!(out.len(), whole.len());
        let diff = out
            .iter()
            .zip(&whole)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-4, "max difference {diff}");
    }

    #[test]
    fn stereo_is_averaged_and_split_frames_are_kept() {
        assert_eq!(to_mono(&[1.0, 0.0, 0.5, 0.5, 9.0], 2), vec![0.5, 0.5]);
        let left = tone(1000.0, 16_000, 16_000);
        let stereo: Vec<f32> = left.iter().flat_map(|&s| [s, s]).collect();
        let mut s = StreamResampler::new(16_000, 2).unwrap();
        let mut out = Vec::new();
        for piece in stereo.chunks(101) {
            out.extend(s.push(piece));
        }
        out.extend(s.flush());
        assert_eq!(out.len(), 48_000);
        assert_1khz_at_48k(&out);
    }

    #[test]
    fn flush_starts_a_fresh_stream() {
        let mut s = StreamResampler::new(8_000, 1).unwrap();
        let first: usize = s.push(&[0.2; 800]).len() + s.flush().len();
        let second: usize = s.push(&[0.2; 800]).len() + s.flush().len();
        assert_eq!((first, second), (4800, 4800));
    }

    #[test]
    fn bad_rates_and_channels_are_errors() {
        assert!(matches!(
            StreamResampler::new(0, 1),
            Err(ResampleError::Rate { rate: 0 })
        ));
        assert!(matches!(
            StreamResampler::new(1_000_000, 1),
            Err(ResampleError::Rate { .. })
        ));
        assert!(matches!(
            StreamResampler::new(16_000, 0),
            Err(ResampleError::NoChannels)
        ));
        let msg = resample_to_48k(&[0.0], 100).unwrap_err().to_string();
        assert!(msg.contains("100 Hz") && msg.contains("sox"), "{msg}");
    }
}
