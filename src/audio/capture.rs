//! The capture path from device samples to Opus packets: downmix, resample to 48 kHz,
//! cut 20 ms frames, gate, meter, encode. Pure and single-threaded: the engine's
//! processing thread feeds it whatever the device callback delivered, in blocks of any
//! size, and gets one packet per 20 ms of audio.
//!
//! Once its scratch buffers have grown to the device's block size it allocates
//! nothing; packets are handed out by reference so the caller decides whether to copy.

use std::sync::Arc;

use super::gate::{Gate, GateState};
use super::levels::{level_i16, Level};
use super::meter::Meters;
use super::opus_codec::{CodecError, OpusEncoder, MAX_PACKET};
use super::resample::{ResampleError, StreamResampler};
use super::{FRAME, RATE};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot capture from this device format: {0}")]
    Resample(#[from] ResampleError),
    #[error(transparent)]
    Codec(#[from] CodecError),
}

/// One encoded 20 ms frame, lent to the caller for the duration of the callback.
#[derive(Debug)]
pub struct CapturedFrame<'a> {
    /// The Opus packet for the track.
    pub packet: &'a [u8],
    /// The 48 kHz mono samples that were encoded (zeros if the gate was closed).
    pub pcm: &'a [i16],
    /// What the microphone heard, before the gate: the mic meter and echo detection.
    pub heard: Level,
    pub gate: GateState,
    /// Frames produced so far, counting this one from 1.
    pub count: u64,
}

pub struct CapturePipeline {
    channels: usize,
    /// `None` at 48 kHz, where samples go straight to framing.
    resampler: Option<StreamResampler>,
    /// One device block, downmixed to mono at the device rate.
    mono: Vec<f32>,
    /// The same block at 48 kHz.
    at_48k: Vec<f32>,
    /// Interleaved samples of a device frame split across two blocks.
    split: Vec<f32>,
    frame: Vec<i16>,
    filled: usize,
    packet: Vec<u8>,
    encoder: OpusEncoder,
    meters: Arc<Meters>,
    count: u64,
    encode_errors: u64,
    pub gate: Gate,
}

impl CapturePipeline {
    /// A pipeline for a device delivering `rate` Hz with `channels` interleaved channels.
    pub fn new(rate: u32, channels: u16, meters: Arc<Meters>) -> Result<Self, CaptureError> {
        // The resampler validates rate and channel count for both paths.
        let resampler = StreamResampler::new(rate, 1)?;
        if channels == 0 {
            return Err(ResampleError::NoChannels.into());
        }
        Ok(CapturePipeline {
            channels: usize::from(channels),
            resampler: (rate != RATE).then_some(resampler),
            mono: Vec::new(),
            at_48k: Vec::new(),
            split: Vec::with_capacity(usize::from(channels)),
            frame: vec![0; FRAME],
            filled: 0,
            packet: vec![0; MAX_PACKET],
            encoder: OpusEncoder::new()?,
            meters,
            count: 0,
            encode_errors: 0,
            gate: Gate::new(),
        })
    }

    /// Float samples in −1..1, interleaved; any block length, split frames included.
    pub fn push_f32(&mut self, interleaved: &[f32], on_frame: impl FnMut(CapturedFrame<'_>)) {
        self.downmix(interleaved.iter().copied());
        self.process(on_frame);
    }

    /// 16-bit samples, interleaved. At 48 kHz mono they reach the encoder bit-exact.
    pub fn push_i16(&mut self, interleaved: &[i16], on_frame: impl FnMut(CapturedFrame<'_>)) {
        self.downmix(interleaved.iter().map(|&s| f32::from(s) / 32768.0));
        self.process(on_frame);
    }

    /// Samples taken in but not yet in a packet (48 kHz): the framing delay.
    pub fn pending(&self) -> usize {
        self.filled
    }

    /// Frames the encoder refused (never expected; counted rather than fatal).
    pub fn encode_errors(&self) -> u64 {
        self.encode_errors
    }

    fn downmix(&mut self, samples: impl Iterator<Item = f32>) {
        self.mono.clear();
        let ch = self.channels;
        if ch == 1 {
            self.mono.extend(samples);
            return;
        }
        let scale = 1.0 / ch as f32;
        for s in samples {
            self.split.push(s);
            if self.split.len() == ch {
                self.mono.push(self.split.iter().sum::<f32>() * scale);
                self.split.clear();
            }
        }
    }

    fn process(&mut self, mut on_frame: impl FnMut(CapturedFrame<'_>)) {
        let input: &[f32] = match &mut self.resampler {
            None => &self.mono,
            Some(r) => {
                self.at_48k.clear();
                r.push_into(&self.mono, &mut self.at_48k);
                &self.at_48k
            }
        };
        let mut rest = input;
        while !rest.is_empty() {
            let take = (FRAME - self.filled).min(rest.len());
            for (dst, &s) in self.frame[self.filled..self.filled + take]
                .iter_mut()
                .zip(&rest[..take])
            {
                *dst = (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
            }
            self.filled += take;
            rest = &rest[take..];
            if self.filled < FRAME {
                break;
            }
            self.filled = 0;
            let heard = level_i16(&self.frame);
            let gate = self.gate.apply(&mut self.frame);
            // The meter shows what the microphone hears even while muted, so a user
            // can see the mic works (and that they are talking into a muted mic).
            self.meters.mic.store(heard);
            match self.encoder.encode_into(&self.frame, &mut self.packet) {
                Ok(len) => {
                    self.count += 1;
                    on_frame(CapturedFrame {
                        packet: &self.packet[..len],
                        pcm: &self.frame,
                        heard,
                        gate,
                        count: self.count,
                    });
                }
                Err(_) => self.encode_errors += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::opus_codec::OpusDecoder;
    use std::f64::consts::PI;

    fn pipeline(rate: u32, channels: u16) -> (CapturePipeline, Arc<Meters>) {
        let meters = Arc::new(Meters::default());
        (
            CapturePipeline::new(rate, channels, meters.clone()).unwrap(),
            meters,
        )
    }

    fn tone(freq: f64, rate: u32, channels: u16, seconds: f64, amp: f64) -> Vec<f32> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .flat_map(|i| {
                let v = (amp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as f32;
                std::iter::repeat_n(v, usize::from(channels))
            })
            .collect()
    }

    /// Collects (encoded pcm, packet) of everything pushed in blocks of `block` frames.
    fn run(p: &mut CapturePipeline, input: &[f32], block: usize) -> (Vec<i16>, Vec<Vec<u8>>) {
        let (mut pcm, mut packets) = (Vec::new(), Vec::new());
        let step = block * p.channels;
        for b in input.chunks(step) {
            p.push_f32(b, |f| {
                assert_eq!(f.pcm.len(), FRAME);
                pcm.extend_from_slice(f.pcm);
                packets.push(f.packet.to_vec());
            });
        }
        (pcm, packets)
    }

    /// Frequency from upward zero crossings, with linear interpolation between samples.
    fn frequency(x: &[i16], rate: f64) -> f64 {
        let mut crossings = Vec::new();
        for i in 1..x.len() {
            let (a, b) = (f64::from(x[i - 1]), f64::from(x[i]));
            if a < 0.0 && b >= 0.0 {
                crossings.push(i as f64 - 1.0 + (-a) / (b - a));
            }
        }
        let periods = (crossings.len() - 1) as f64;
        rate * periods / (crossings[crossings.len() - 1] - crossings[0])
    }

    #[test]
    fn a_1khz_tone_at_44_1khz_stereo_comes_out_at_1khz_48khz() {
        let (mut p, _) = pipeline(44_100, 2);
        let input = tone(1000.0, 44_100, 2, 1.0, 0.5);
        let (pcm, packets) = run(&mut p, &input, 441); // 10 ms blocks
                                                       // 1 s in: 50 frames, less what the resampler still holds (under 20 ms).
        assert!(packets.len() >= 48, "{} packets", packets.len());
        let f = frequency(&pcm[4800..], f64::from(RATE));
        assert!((f - 1000.0).abs() < 0.5, "{f} Hz");
        let l = level_i16(&pcm[4800..]);
        assert!((l.rms_dbfs - (-9.03)).abs() < 0.1, "{l:?}");
    }

    #[test]
    fn odd_block_sizes_give_exact_frames_and_lose_nothing_at_48k() {
        for block in [1usize, 7, 333, 479, 960, 961, 2048] {
            let (mut p, _) = pipeline(RATE, 1);
            let input = tone(440.0, RATE, 1, 0.5, 0.25);
            let (pcm, packets) = run(&mut p, &input, block);
            assert_eq!(packets.len(), input.len() / FRAME, "block {block}");
            assert_eq!(p.pending(), input.len() % FRAME);
            // 48 kHz mono 16-bit passes through untouched.
            let expect: Vec<i16> = input[..pcm.len()]
                .iter()
                .map(|&s| (s * 32768.0).round() as i16)
                .collect();
            assert_eq!(pcm, expect, "block {block}");
        }
    }

    #[test]
    fn i16_at_48k_mono_is_bit_exact_and_stereo_blocks_may_split_frames() {
        let (mut p, _) = pipeline(RATE, 1);
        let input: Vec<i16> = (0..FRAME as i32 * 3)
            .map(|i| (i * 31 % 20000 - 10000) as i16)
            .collect();
        let mut pcm = Vec::new();
        for b in input.chunks(100) {
            p.push_i16(b, |f| pcm.extend_from_slice(f.pcm));
        }
        assert_eq!(pcm, input);

        // 3 samples per block splits left/right pairs; the average must still be right.
        let (mut p, _) = pipeline(RATE, 2);
        let stereo: Vec<i16> = (0..FRAME * 2).flat_map(|_| [1000i16, 3000]).collect();
        let mut pcm = Vec::new();
        for b in stereo.chunks(3) {
            p.push_i16(b, |f| pcm.extend_from_slice(f.pcm));
        }
        assert_eq!(pcm.len(), FRAME * 2);
        assert!(pcm.iter().all(|&s| s == 2000));
    }

    #[test]
    fn the_meter_shows_a_full_scale_sine_at_minus_3_dbfs() {
        let (mut p, meters) = pipeline(RATE, 1);
        let input = tone(1000.0, RATE, 1, 0.1, 1.0);
        run(&mut p, &input, 480);
        let l = meters.mic.load();
        assert!((l.rms_dbfs + 3.01).abs() < 0.02, "{l:?}");
        assert!(l.peak_dbfs > -0.01, "{l:?}");
        assert_eq!(meters.mic.blocks(), 5);
    }

    #[test]
    fn a_closed_gate_sends_silence_but_the_meter_still_hears() {
        let (mut p, meters) = pipeline(RATE, 1);
        p.gate.mic_muted = true;
        let input = tone(1000.0, RATE, 1, 0.1, 0.5);
        let mut states = Vec::new();
        let mut dec = OpusDecoder::new().unwrap();
        let mut loudest = i16::MIN;
        p.push_f32(&input, |f| {
            states.push(f.gate);
            assert!(f.pcm.iter().all(|&s| s == 0));
            loudest = loudest.max(*dec.decode(f.packet).unwrap().iter().max().unwrap());
        });
        assert_eq!(states, vec![GateState::Muted; 5]);
        assert!(loudest.abs() < 10, "decoded {loudest}");
        assert!(meters.mic.load().rms_dbfs > -10.0);
    }

    #[test]
    fn packets_decode_to_the_input() {
        let (mut p, _) = pipeline(RATE, 1);
        let input = tone(440.0, RATE, 1, 1.0, 0.3);
        let (_, packets) = run(&mut p, &input, 480);
        let mut dec = OpusDecoder::new().unwrap();
        let out: Vec<i16> = packets
            .iter()
            .flat_map(|pk| dec.decode(pk).unwrap())
            .collect();
        let a = level_i16(&out[FRAME * 5..]).rms_dbfs;
        assert!((a - (-13.46)).abs() < 1.5, "{a}");
        let f = frequency(&out[FRAME * 5..], f64::from(RATE));
        assert!((f - 440.0).abs() < 1.0, "{f}");
    }

    #[test]
    fn bad_formats_are_refused() {
        let meters = Arc::new(Meters::default());
        assert!(CapturePipeline::new(1_000, 1, meters.clone()).is_err());
        assert!(CapturePipeline::new(RATE, 0, meters).is_err());
    }
}
