//! How loud a relayed call is, each way: a copy of every Opus payload goes to a task
//! of its own that decodes it, and once a second reports what passed. The relay path
//! only hands over a reference-counted copy and never waits: when the meter falls
//! behind, payloads are skipped for the meter, never for the call.

use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::{Flow, ProxyEvent, Shared};
use crate::audio::levels::level_i16;
use crate::audio::opus_codec::OpusDecoder;

/// How often a direction's audio is reported while it flows.
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// The relay's end: hands payloads to the meter.
#[derive(Clone)]
pub(super) struct MeterTap {
    tx: mpsc::Sender<Bytes>,
}

impl MeterTap {
    pub(super) fn copy(&self, payload: &Bytes) {
        let _ = self.tx.try_send(payload.clone());
    }
}

/// Starts the meter for one direction of call `conn`; it ends with the tap.
pub(super) fn start(shared: std::sync::Arc<Shared>, conn: u64, flow: Flow) -> MeterTap {
    // Two seconds of 20 ms packets.
    let (tx, mut rx) = mpsc::channel::<Bytes>(100);
    tokio::spawn(async move {
        let mut decoder = match OpusDecoder::new() {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!("proxy: no Opus decoder, call audio is not metered: {e}");
                return;
            }
        };
        let mut second = Window::default();
        let mut tick = tokio::time::interval(REPORT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                payload = rx.recv() => match payload {
                    Some(p) => second.add(&mut decoder, &p),
                    None => break,
                },
                _ = tick.tick() => {
                    if let Some(event) = second.report(conn, flow) {
                        shared.emit(event).await;
                    }
                }
            }
        }
        if let Some(event) = second.report(conn, flow) {
            shared.emit(event).await;
        }
    });
    MeterTap { tx }
}

/// What one direction carried since the last report.
#[derive(Default)]
struct Window {
    packets: u64,
    bytes: u64,
    undecodable: u64,
    samples: Vec<i16>,
}

impl Window {
    fn add(&mut self, decoder: &mut OpusDecoder, payload: &[u8]) {
        self.packets += 1;
        self.bytes += payload.len() as u64;
        match decoder.decode(payload) {
            Ok(pcm) => self.samples.extend_from_slice(&pcm),
            Err(_) => self.undecodable += 1,
        }
    }

    fn report(&mut self, conn: u64, flow: Flow) -> Option<ProxyEvent> {
        if self.packets == 0 {
            return None;
        }
        let level = level_i16(&self.samples);
        let event = ProxyEvent::Audio {
            conn,
            at: Instant::now(),
            flow,
            packets: self.packets,
            bytes: self.bytes,
            undecodable: self.undecodable,
            rms_dbfs: level.rms_dbfs,
            peak_dbfs: level.peak_dbfs,
        };
        *self = Window {
            samples: std::mem::take(&mut self.samples),
            ..Window::default()
        };
        self.samples.clear();
        Some(event)
    }
}
