//! Audio at the edge: Opus at 48 kHz, WAV files, resampling and level meters.
//! Devices through cpal, with a no-device mode for machines without a sound card.

pub mod capture;
pub mod devices;
pub mod engine;
pub mod g711;
pub mod gate;
pub mod jitter;
pub mod levels;
pub mod meter;
pub mod opus_codec;
pub mod playback;
pub mod render;
pub mod resample;
pub mod talk_metrics;
pub mod timeline;
pub mod wav;
pub mod wire_format;

/// The one rate everything inside rtconsole runs at: Opus over WebRTC is 48 kHz.
pub const RATE: u32 = 48_000;
/// Samples in one 20 ms frame at [`RATE`]: the unit sent on the track.
pub const FRAME: usize = 960;
