//! The engine's processing thread: owns the cpal streams (they are not `Send` on every
//! backend), drains the capture ring through the capture pipeline, keeps the playback
//! ring topped up from the jitter buffer, and runs its own 20 ms clock for whatever
//! has no device behind it (WAV files, silence, the null sink).

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::pace::Pace;
use super::streams::{DeviceCounters, InputStream, OutputStream};
use super::{AudioStats, Command, Shared};
use crate::audio::capture::{CapturePipeline, CapturedFrame};
use crate::audio::devices::{no_device_label, Direction};
use crate::audio::gate::EchoDetector;
use crate::audio::levels::FLOOR_DBFS;
use crate::audio::meter::Meters;
use crate::audio::playback::Playback;
use crate::audio::render::Renderer;
use crate::audio::wav::WavSink;
use crate::audio::{FRAME, RATE};

const TICK: Duration = Duration::from_millis(20);
/// How often device rings are serviced: short against a 20 ms frame, so polling adds
/// at most 2 ms to capture latency.
const POLL: Duration = Duration::from_millis(2);
/// Behind by more than this (a suspended laptop, a stopped debugger), the clock jumps
/// forward instead of bursting out the backlog.
const MAX_BACKLOG: Duration = Duration::from_millis(200);

pub(super) enum Source {
    Device(InputStream),
    Wav { samples: Vec<i16>, pos: usize },
    Silence,
}

pub(super) enum Sink {
    Device {
        stream: OutputStream,
        // Boxed: rubato's resampler state is large and the sink is matched every poll.
        renderer: Box<Renderer>,
    },
    Wav(WavSink),
    Null,
}

pub(super) struct Worker {
    pub shared: Arc<Shared>,
    pub meters: Arc<Meters>,
    pub input_counters: Arc<DeviceCounters>,
    pub output_counters: Arc<DeviceCounters>,
    pub packets: tokio::sync::mpsc::Sender<Vec<u8>>,
    pub source: Source,
    pub sink: Sink,
    pub capture: CapturePipeline,
    pub playback: Playback,
    pub echo: EchoDetector,
    pub speaker_dbfs: f32,
    pub stats: AudioStats,
    pub scratch_f32: Vec<f32>,
    pub scratch_i16: Vec<i16>,
    pub input_pace: Pace,
    pub output_pace: Pace,
    /// Captured frames waiting to be sent, reused to save an allocation per frame.
    pub frames: Vec<Frame>,
}

impl Worker {
    pub fn run(mut self, commands: Receiver<Command>) {
        let mut next_tick = Instant::now() + TICK;
        loop {
            let devices = matches!(self.source, Source::Device(_))
                || matches!(self.sink, Sink::Device { .. });
            let now = Instant::now();
            let mut wait = next_tick.saturating_duration_since(now);
            if devices {
                wait = wait.min(POLL);
            }
            match commands.recv_timeout(wait) {
                Ok(cmd) => {
                    if !self.handle(cmd) {
                        break;
                    }
                    while let Ok(cmd) = commands.try_recv() {
                        if !self.handle(cmd) {
                            return self.finish();
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            self.sync_controls();
            self.service_devices();
            let now = Instant::now();
            if now.saturating_duration_since(next_tick) > MAX_BACKLOG {
                next_tick = now;
            }
            while next_tick <= now {
                self.clock_tick();
                next_tick += TICK;
            }
            self.publish();
        }
        self.finish();
    }

    /// False when the engine should stop.
    fn handle(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Remote { seq, payload } => {
                self.playback.receive(seq, payload);
            }
            Command::Flush => self.playback.flush(),
            Command::Stop => return false,
        }
        true
    }

    fn sync_controls(&mut self) {
        let s = &self.shared;
        let g = &mut self.capture.gate;
        g.mic_muted = s.mic_muted.load(Ordering::Relaxed);
        g.push_to_talk = s.push_to_talk.load(Ordering::Relaxed);
        g.talking = s.talking.load(Ordering::Relaxed);
        g.half_duplex = s.half_duplex.load(Ordering::Relaxed);
        self.playback.speaker_muted = s.speaker_muted.load(Ordering::Relaxed);
    }

    /// One tick of the engine's own clock, for the sides without a device.
    fn clock_tick(&mut self) {
        if !matches!(self.sink, Sink::Device { .. }) {
            self.play_frame();
        }
        match &mut self.source {
            Source::Device(_) => {}
            Source::Wav { samples, pos } => {
                let n = (samples.len() - *pos).min(FRAME);
                self.scratch_i16.clear();
                self.scratch_i16.extend_from_slice(&samples[*pos..*pos + n]);
                self.scratch_i16.resize(FRAME, 0);
                *pos += n;
                self.capture_i16();
            }
            Source::Silence => {
                self.scratch_i16.clear();
                self.scratch_i16.resize(FRAME, 0);
                self.capture_i16();
            }
        }
    }

    fn capture_i16(&mut self) {
        let mut frames = std::mem::take(&mut self.frames);
        self.capture
            .push_i16(&self.scratch_i16, |f| frames.push(owned(&f)));
        self.handle_captured(frames);
    }

    fn handle_captured(&mut self, mut frames: Vec<Frame>) {
        for f in frames.drain(..) {
            self.on_captured(f);
        }
        self.frames = frames;
    }

    fn service_devices(&mut self) {
        if let Source::Device(input) = &mut self.source {
            let channels = usize::from(input.format.channels);
            let n = input.consumer.slots() / channels * channels;
            let mut frames = std::mem::take(&mut self.frames);
            if let Ok(chunk) = input.consumer.read_chunk(n) {
                let (a, b) = chunk.as_slices();
                self.capture.push_f32(a, |f| frames.push(owned(&f)));
                self.capture.push_f32(b, |f| frames.push(owned(&f)));
                chunk.commit_all();
            }
            let delivered = self.input_counters.input_samples.load(Ordering::Relaxed);
            let per_second = u64::from(input.format.rate) * channels as u64;
            let lost = self
                .input_pace
                .check(delivered, per_second, &self.input_counters)
                .map(|problem| format!("device {:?} {problem}", input.label));
            self.handle_captured(frames);
            if let Some(why) = lost {
                self.lose_input(&why);
            }
        }
        self.refill_output();
    }

    fn refill_output(&mut self) {
        let Sink::Device { stream, .. } = &self.sink else {
            return;
        };
        let channels = usize::from(stream.format.channels);
        let frame_len = stream.format.rate as usize / 50 * channels;
        let request = self.output_counters.output_request.load(Ordering::Relaxed);
        let target = (2 * frame_len).max(request + frame_len);
        let capacity = stream.producer.buffer().capacity();
        let per_second = u64::from(stream.format.rate) * channels as u64;
        // Counted once, not re-checked per frame: a device that drains the ring as fast
        // as it is filled (ALSA's null) must not keep this thread here forever.
        let queued = capacity - stream.producer.slots();
        let wanted = target.min(capacity - frame_len).saturating_sub(queued);
        for _ in 0..wanted.div_ceil(frame_len) {
            self.play_frame();
        }
        let taken = self.output_counters.output_samples.load(Ordering::Relaxed);
        let lost = self
            .output_pace
            .check(taken, per_second, &self.output_counters);
        if let (Some(problem), Sink::Device { stream, .. }) = (lost, &self.sink) {
            let why = format!("device {:?} {problem}", stream.label);
            self.lose_output(&why);
        }
    }

    /// Plays one 20 ms frame to whatever the sink is.
    fn play_frame(&mut self) {
        let frame = self.playback.next_frame();
        self.capture.gate.speaker_frame(frame.level);
        self.speaker_dbfs = frame.level.rms_dbfs;
        self.stats.frames_played += 1;
        let mut wav_error = None;
        match &mut self.sink {
            Sink::Device { stream, renderer } => {
                self.scratch_f32.clear();
                renderer.render(frame.pcm, &mut self.scratch_f32);
                let n = self.scratch_f32.len().min(stream.producer.slots());
                if let Ok(chunk) = stream.producer.write_chunk_uninit(n) {
                    chunk.fill_from_iter(self.scratch_f32[..n].iter().copied());
                }
            }
            Sink::Wav(wav) => {
                if let Err(e) = wav.write(frame.pcm) {
                    wav_error = Some(e.to_string());
                }
            }
            Sink::Null => {}
        }
        if let Some(e) = wav_error {
            tracing::error!("{e}");
            self.set_status(Direction::Output, format!("output WAV failed: {e}"));
            self.sink = Sink::Null;
        }
        self.shared
            .playing
            .store(self.capture.gate.speaker_active(), Ordering::Relaxed);
    }

    fn on_captured(&mut self, f: Frame) {
        self.stats.frames_sent += 1;
        self.shared
            .gate_state
            .store(super::gate_code(f.gate), Ordering::Relaxed);
        if matches!(
            (&self.source, &self.sink),
            (Source::Device(_), Sink::Device { .. })
        ) {
            let suspected = self.echo.push(f.heard_dbfs, self.speaker_dbfs);
            self.shared.echo.store(suspected, Ordering::Relaxed);
        }
        if self.packets.try_send(f.packet).is_err() {
            self.stats.packets_dropped += 1;
        }
    }

    /// The capture device died or misbehaves: carry on with paced silence.
    fn lose_input(&mut self, why: &str) {
        tracing::warn!("input device dropped: {why}");
        self.source = Source::Silence;
        if let Ok(p) = CapturePipeline::new(RATE, 1, self.meters.clone()) {
            let gate = self.capture.gate.clone();
            self.capture = p;
            self.capture.gate = gate;
        }
        self.set_status(
            Direction::Input,
            format!("{} ({why})", no_device_label(Direction::Input)),
        );
    }

    fn lose_output(&mut self, why: &str) {
        tracing::warn!("output device dropped: {why}");
        self.sink = Sink::Null;
        self.speaker_dbfs = FLOOR_DBFS;
        self.set_status(
            Direction::Output,
            format!("{} ({why})", no_device_label(Direction::Output)),
        );
    }

    fn set_status(&self, direction: Direction, text: String) {
        let cell = match direction {
            Direction::Input => &self.shared.input_status,
            Direction::Output => &self.shared.output_status,
        };
        if let Ok(mut s) = cell.lock() {
            *s = text;
        }
    }

    fn publish(&mut self) {
        self.stats.jitter = self.playback.jitter_stats();
        self.stats.jitter_depth_ms = self.playback.depth_ms();
        self.stats.decode_errors = self.playback.decode_errors();
        self.stats.encode_errors = self.capture.encode_errors();
        let (input, output) = (&self.input_counters, &self.output_counters);
        self.stats.output_underruns = output.output_underruns.load(Ordering::Relaxed);
        self.stats.input_overruns = input.input_overruns.load(Ordering::Relaxed);
        self.stats.stream_errors = input.stream_errors.load(Ordering::Relaxed)
            + output.stream_errors.load(Ordering::Relaxed);
        if let Ok(mut s) = self.shared.stats.lock() {
            *s = self.stats;
        }
    }

    fn finish(mut self) {
        self.publish();
        if let Sink::Wav(wav) = std::mem::replace(&mut self.sink, Sink::Null) {
            if let Err(e) = wav.finalize() {
                tracing::error!("{e}");
            }
        }
        // Streams drop here, on the thread that made them.
    }
}

/// A captured frame detached from the pipeline's buffers, so the pipeline can be
/// borrowed again while it is handled.
pub(super) struct Frame {
    packet: Vec<u8>,
    heard_dbfs: f32,
    gate: crate::audio::gate::GateState,
}

fn owned(f: &CapturedFrame<'_>) -> Frame {
    Frame {
        packet: f.packet.to_vec(),
        heard_dbfs: f.heard.rms_dbfs,
        gate: f.gate,
    }
}
