//! 48 kHz mono frames to what an output device takes: its own rate and channel count,
//! as interleaved floats (the device callback converts to its sample type). The
//! inverse of the capture path's downmix and resampling, used only for playback.

use rubato::{FftFixedIn, Resampler};

use super::resample::ResampleError;
use super::{FRAME, RATE};

pub struct Renderer {
    channels: usize,
    /// `None` when the device runs at 48 kHz.
    resampler: Option<FftFixedIn<f32>>,
    input: Vec<f32>,
    output: Vec<Vec<f32>>,
}

impl Renderer {
    pub fn new(device_rate: u32, channels: u16) -> Result<Renderer, ResampleError> {
        if channels == 0 {
            return Err(ResampleError::NoChannels);
        }
        let resampler = if device_rate == RATE {
            None
        } else {
            // Fixed input of one frame, so each 20 ms frame is one call; the output
            // length varies by a sample or so around the exact ratio.
            let r = FftFixedIn::<f32>::new(RATE as usize, device_rate as usize, FRAME, 1, 1)
                .map_err(|e| ResampleError::Setup {
                    rate: device_rate,
                    reason: e.to_string(),
                })?;
            Some(r)
        };
        let output = match &resampler {
            Some(r) => r.output_buffer_allocate(true),
            None => Vec::new(),
        };
        Ok(Renderer {
            channels: usize::from(channels),
            resampler,
            input: vec![0.0; FRAME],
            output,
        })
    }

    /// Appends one 20 ms frame (exactly [`FRAME`] samples), converted, to `out`.
    pub fn render(&mut self, frame: &[i16], out: &mut Vec<f32>) {
        for (dst, &s) in self.input.iter_mut().zip(frame) {
            *dst = f32::from(s) / 32768.0;
        }
        let mono: &[f32] = match &mut self.resampler {
            None => &self.input,
            Some(r) => {
                let wave_in = [&self.input[..]];
                match r.process_into_buffer(&wave_in, &mut self.output, None) {
                    Ok((_, produced)) => &self.output[0][..produced],
                    // Cannot fail with buffers sized by the resampler itself; a
                    // dropped frame beats a dead audio thread if it ever does.
                    Err(_) => &[],
                }
            }
        };
        for &s in mono {
            out.extend(std::iter::repeat_n(s, self.channels));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn a_second_at_48k_becomes_a_second_at_the_device_rate() {
        for (rate, ch) in [(44_100u32, 2u16), (48_000, 1), (16_000, 1), (96_000, 2)] {
            let mut r = Renderer::new(rate, ch).unwrap();
            let mut out = Vec::new();
            for k in 0..50 {
                let frame: Vec<i16> = (0..FRAME)
                    .map(|i| {
                        let t = (k * FRAME + i) as f64 / 48_000.0;
                        (16384.0 * (2.0 * PI * 1000.0 * t).sin()) as i16
                    })
                    .collect();
                r.render(&frame, &mut out);
            }
            let frames = out.len() / usize::from(ch);
            assert_eq!(out.len() % usize::from(ch), 0);
            assert!(frames.abs_diff(rate as usize) <= 1, "{rate} Hz: {frames}");
            // Channels carry the same signal.
            if ch == 2 {
                assert!(out.chunks(2).all(|p| p[0] == p[1]));
            }
            // Away from the start-up, the level is that of a half-scale sine.
            let tail = &out[out.len() / 2..];
            let rms = (tail.iter().map(|s| s * s).sum::<f32>() / tail.len() as f32).sqrt();
            assert!((rms - 0.3536).abs() < 0.01, "{rate} Hz rms {rms}");
        }
    }
}
