//! Opening the engine's source and sink on the audio thread, where the streams must
//! live: an explicit WAV file or device is used or is an error; the default device is
//! used if it works and otherwise replaced by the engine's own clock.

use std::sync::{Arc, Mutex};

use super::pace::Pace;
use super::streams::{self, DeviceCounters};
use super::worker::{Sink, Source, Worker};
use super::{AudioError, AudioOptions, AudioStats, Shared};
use crate::audio::capture::{CaptureError, CapturePipeline};
use crate::audio::devices::{self, DeviceError, Direction};
use crate::audio::gate::EchoDetector;
use crate::audio::jitter::JitterConfig;
use crate::audio::levels::FLOOR_DBFS;
use crate::audio::meter::Meters;
use crate::audio::playback::Playback;
use crate::audio::render::Renderer;
use crate::audio::wav::{read_wav_48k_mono, WavSink};

/// Opens the source and sink on the audio thread, where the streams must live.
pub(super) fn open(
    options: &AudioOptions,
    meters: Arc<Meters>,
    shared: Arc<Shared>,
    packets: tokio::sync::mpsc::Sender<Vec<u8>>,
) -> Result<Worker, AudioError> {
    let input_counters = Arc::new(DeviceCounters::default());
    let output_counters = Arc::new(DeviceCounters::default());
    let status = |cell: &Mutex<String>, text: String| {
        if let Ok(mut s) = cell.lock() {
            *s = text;
        }
    };

    let (source, rate, channels) = if let Some(path) = &options.input_wav {
        let samples = read_wav_48k_mono(path)?;
        status(
            &shared.input_status,
            format!("WAV file {} (48000 Hz, 1 ch)", path.display()),
        );
        (Source::Wav { samples, pos: 0 }, crate::audio::RATE, 1)
    } else {
        let opened =
            devices::choose(Direction::Input, options.input_device.as_deref()).and_then(|chosen| {
                let label = chosen.label.clone();
                streams::open_input(chosen, &input_counters).map_err(|e| {
                    unusable(Direction::Input, options.input_device.as_deref(), label, e)
                })
            });
        match opened {
            Ok(stream) => {
                let f = stream.format;
                status(&shared.input_status, format!("{} ({f})", stream.label));
                (Source::Device(stream), f.rate, f.channels)
            }
            Err(e @ DeviceError::NoDevice { .. }) => {
                status(&shared.input_status, e.to_string());
                (Source::Silence, crate::audio::RATE, 1)
            }
            Err(e) => return Err(e.into()),
        }
    };

    let sink = if let Some(path) = &options.output_wav {
        let wav = WavSink::create(path)?;
        status(
            &shared.output_status,
            format!("WAV file {} (48000 Hz, 1 ch)", path.display()),
        );
        Sink::Wav(wav)
    } else {
        let opened = devices::choose(Direction::Output, options.output_device.as_deref()).and_then(
            |chosen| {
                let label = chosen.label.clone();
                streams::open_output(chosen, &output_counters).map_err(|e| {
                    unusable(
                        Direction::Output,
                        options.output_device.as_deref(),
                        label,
                        e,
                    )
                })
            },
        );
        match opened {
            Ok(stream) => {
                let f = stream.format;
                status(&shared.output_status, format!("{} ({f})", stream.label));
                let renderer = Renderer::new(f.rate, f.channels).map_err(CaptureError::from)?;
                Sink::Device {
                    stream,
                    renderer: Box::new(renderer),
                }
            }
            Err(e @ DeviceError::NoDevice { .. }) => {
                status(&shared.output_status, e.to_string());
                Sink::Null
            }
            Err(e) => return Err(e.into()),
        }
    };

    let mut capture = CapturePipeline::new(rate, channels, meters.clone())?;
    capture.gate.half_duplex = options.half_duplex;
    Ok(Worker {
        playback: Playback::new(JitterConfig::default(), meters.clone())?,
        shared,
        meters,
        input_counters,
        output_counters,
        packets,
        source,
        sink,
        capture,
        echo: EchoDetector::new(),
        speaker_dbfs: FLOOR_DBFS,
        stats: AudioStats::default(),
        scratch_f32: Vec::new(),
        scratch_i16: Vec::with_capacity(crate::audio::FRAME),
        input_pace: Pace::new(),
        output_pace: Pace::new(),
        frames: Vec::new(),
    })
}

/// A stream that would not build: for the default device that means "no device"
/// (cpal offers a default even without a sound card); for a named one it is an error.
fn unusable(
    direction: Direction,
    spec: Option<&str>,
    label: String,
    e: cpal::Error,
) -> DeviceError {
    if spec.is_none() {
        DeviceError::NoDevice {
            direction,
            reason: e.to_string(),
        }
    } else {
        DeviceError::Unusable {
            direction,
            name: label,
            reason: e.to_string(),
        }
    }
}
