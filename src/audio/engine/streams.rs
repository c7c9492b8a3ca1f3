//! cpal streams and their callbacks. The callbacks run on the backend's real-time
//! thread, so they only move samples between the device and a lock-free SPSC ring
//! (allocated here, before the stream starts) and bump atomic counters: no locks, no
//! allocation, no waiting. Everything else happens on the engine's processing thread.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use crate::audio::devices::{ChosenDevice, StreamFormat};

/// Ring size in device time: long enough to ride out a stalled processing thread,
/// and a bound on how stale captured audio can get.
const RING_MS: usize = 500;

/// Counters written by callbacks, read by the processing thread.
#[derive(Debug, Default)]
pub(super) struct DeviceCounters {
    /// Samples (all channels) delivered by the input callback.
    pub input_samples: AtomicU64,
    /// Input callbacks that found the ring full and dropped audio.
    pub input_overruns: AtomicU64,
    /// Samples (all channels) taken by the output callback.
    pub output_samples: AtomicU64,
    /// Output callbacks that found too little audio and played silence for the rest.
    pub output_underruns: AtomicU64,
    /// Samples the output callback last asked for: the ring must stay ahead of this.
    pub output_request: AtomicUsize,
    pub stream_errors: AtomicU64,
    /// The last error the backend reported; written from cpal's error callback, which
    /// is not the audio path, so a lock is fine there.
    pub last_error: Mutex<Option<String>>,
}

impl DeviceCounters {
    fn error_callback(self: &Arc<Self>) -> impl FnMut(cpal::Error) + Send + 'static {
        let counters = self.clone();
        move |e| {
            counters.stream_errors.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut last) = counters.last_error.lock() {
                *last = Some(e.to_string());
            }
        }
    }
}

pub(super) struct InputStream {
    // Dropping the stream stops the callback; it must outlive the consumer's use.
    _stream: cpal::Stream,
    pub consumer: rtrb::Consumer<f32>,
    pub format: StreamFormat,
    pub label: String,
}

pub(super) struct OutputStream {
    _stream: cpal::Stream,
    pub producer: rtrb::Producer<f32>,
    pub format: StreamFormat,
    pub label: String,
}

/// Builds and starts a capture stream in the device's own format.
pub(super) fn open_input(
    chosen: ChosenDevice,
    counters: &Arc<DeviceCounters>,
) -> Result<InputStream, cpal::Error> {
    let format = chosen.format();
    let ring = ring_len(format);
    macro_rules! build {
        ($t:ty) => {
            build_input::<$t>(&chosen, ring, counters)
        };
    }
    let (stream, consumer) = match format.sample_format {
        SampleFormat::I8 => build!(i8),
        SampleFormat::I16 => build!(i16),
        SampleFormat::I24 => build!(cpal::I24),
        SampleFormat::I32 => build!(i32),
        SampleFormat::U8 => build!(u8),
        SampleFormat::U16 => build!(u16),
        SampleFormat::U32 => build!(u32),
        SampleFormat::F32 => build!(f32),
        SampleFormat::F64 => build!(f64),
        other => return Err(unsupported(other)),
    }?;
    stream.play()?;
    Ok(InputStream {
        _stream: stream,
        consumer,
        format,
        label: chosen.label,
    })
}

/// Builds and starts a playback stream in the device's own format. The ring starts
/// with a little silence so the first callbacks do not count as underruns.
pub(super) fn open_output(
    chosen: ChosenDevice,
    counters: &Arc<DeviceCounters>,
) -> Result<OutputStream, cpal::Error> {
    let format = chosen.format();
    let ring = ring_len(format);
    macro_rules! build {
        ($t:ty) => {
            build_output::<$t>(&chosen, ring, counters)
        };
    }
    let (stream, mut producer) = match format.sample_format {
        SampleFormat::I8 => build!(i8),
        SampleFormat::I16 => build!(i16),
        SampleFormat::I24 => build!(cpal::I24),
        SampleFormat::I32 => build!(i32),
        SampleFormat::U8 => build!(u8),
        SampleFormat::U16 => build!(u16),
        SampleFormat::U32 => build!(u32),
        SampleFormat::F32 => build!(f32),
        SampleFormat::F64 => build!(f64),
        other => return Err(unsupported(other)),
    }?;
    let preroll = format.rate as usize / 50 * usize::from(format.channels);
    if let Ok(chunk) = producer.write_chunk_uninit(preroll.min(producer.slots())) {
        chunk.fill_from_iter(std::iter::repeat(0.0));
    }
    stream.play()?;
    Ok(OutputStream {
        _stream: stream,
        producer,
        format,
        label: chosen.label,
    })
}

fn ring_len(format: StreamFormat) -> usize {
    format.rate as usize * usize::from(format.channels) * RING_MS / 1000
}

fn unsupported(format: SampleFormat) -> cpal::Error {
    cpal::Error::with_message(
        cpal::ErrorKind::UnsupportedConfig,
        format!("rtconsole cannot use {format} samples"),
    )
}

/// Asks for 10 ms callbacks where the device allows a fixed size: the backend default
/// can be 100 ms or more, which would all be latency.
fn configs(chosen: &ChosenDevice) -> [cpal::StreamConfig; 2] {
    let mut preferred = chosen.config.config();
    let want = chosen.config.sample_rate() / 100;
    if let cpal::SupportedBufferSize::Range { min, max } = chosen.config.buffer_size() {
        if (*min..=*max).contains(&want) {
            preferred.buffer_size = cpal::BufferSize::Fixed(want);
        }
    }
    let mut fallback = preferred;
    fallback.buffer_size = cpal::BufferSize::Default;
    [preferred, fallback]
}

fn build_input<T>(
    chosen: &ChosenDevice,
    ring: usize,
    counters: &Arc<DeviceCounters>,
) -> Result<(cpal::Stream, rtrb::Consumer<f32>), cpal::Error>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let mut last_err = None;
    let [preferred, fallback] = configs(chosen);
    let tries = if preferred == fallback {
        &[preferred][..]
    } else {
        &[preferred, fallback][..]
    };
    for &config in tries {
        let (mut producer, consumer) = rtrb::RingBuffer::<f32>::new(ring);
        let channels = usize::from(config.channels.max(1));
        let c = counters.clone();
        let callback = move |data: &[T], _: &cpal::InputCallbackInfo| {
            // Whole device frames only, so a full ring never splits left from right.
            let n = data.len().min(producer.slots()) / channels * channels;
            if n < data.len() {
                c.input_overruns.fetch_add(1, Ordering::Relaxed);
            }
            if let Ok(chunk) = producer.write_chunk_uninit(n) {
                chunk.fill_from_iter(data[..n].iter().map(|&s| s.to_sample::<f32>()));
            }
            // Delivered, not kept: the pace watchdog must see an unpaced device's rate.
            c.input_samples
                .fetch_add(data.len() as u64, Ordering::Relaxed);
        };
        match chosen
            .device
            .build_input_stream(config, callback, counters.error_callback(), None)
        {
            Ok(stream) => return Ok((stream, consumer)),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| cpal::ErrorKind::Other.into()))
}

fn build_output<T>(
    chosen: &ChosenDevice,
    ring: usize,
    counters: &Arc<DeviceCounters>,
) -> Result<(cpal::Stream, rtrb::Producer<f32>), cpal::Error>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let mut last_err = None;
    let [preferred, fallback] = configs(chosen);
    let tries = if preferred == fallback {
        &[preferred][..]
    } else {
        &[preferred, fallback][..]
    };
    for &config in tries {
        let (producer, mut consumer) = rtrb::RingBuffer::<f32>::new(ring);
        let channels = usize::from(config.channels.max(1));
        let c = counters.clone();
        let callback = move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            c.output_request.store(data.len(), Ordering::Relaxed);
            let n = data.len().min(consumer.slots()) / channels * channels;
            if let Ok(chunk) = consumer.read_chunk(n) {
                let (a, b) = chunk.as_slices();
                for (dst, &s) in data.iter_mut().zip(a.iter().chain(b)) {
                    *dst = T::from_sample(s);
                }
                chunk.commit_all();
            }
            data[n..].fill(T::EQUILIBRIUM);
            if n < data.len() {
                c.output_underruns.fetch_add(1, Ordering::Relaxed);
            }
            c.output_samples
                .fetch_add(data.len() as u64, Ordering::Relaxed);
        };
        match chosen
            .device
            .build_output_stream(config, callback, counters.error_callback(), None)
        {
            Ok(stream) => return Ok((stream, producer)),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| cpal::ErrorKind::Other.into()))
}
