//! Audio on a WebSocket session, where it travels inside events. Up: the front-end's
//! 20 ms Opus packets (the same microphone or WAV as a WebRTC call) are decoded,
//! resampled to the session's input format and sent as `input_audio_buffer.append`
//! every 40 ms. Down: `response.output_audio.delta`s arrive faster than real time,
//! so they wait here and go to the same playback as RTP would, one 20 ms Opus frame
//! per tick. What was played of each item is counted, so a barge-in can truncate
//! the item to what the user actually heard, as the API asks socket clients to do.
//! The base64 never reaches the core: it goes to the audio spool, and the core logs
//! the event with a token in its place.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};

use super::Playback;
use crate::audio::opus_codec::{OpusDecoder, OpusEncoder};
use crate::audio::resample::StreamResampler;
use crate::audio::wire_format::{Way, WireFormat};
use crate::audio::{FRAME, RATE};
use crate::recording::audio_spool;

/// Audio per `input_audio_buffer.append`: inside the 20–40 ms the API suggests.
const APPEND_MS: usize = 40;
const FRAME_MS: f64 = 20.0;

/// One append: what goes on the wire, and what the log keeps.
pub(super) struct Append {
    pub wire: String,
    pub logged: String,
}

pub(super) struct Uplink {
    format: WireFormat,
    decoder: OpusDecoder,
    resampler: StreamResampler,
    pending: Vec<i16>,
}

impl Uplink {
    pub fn new(session: &Value) -> Result<Uplink, String> {
        let format = WireFormat::of_session(session, Way::Input);
        Ok(Uplink {
            format,
            decoder: OpusDecoder::new().map_err(|e| e.to_string())?,
            resampler: StreamResampler::between(RATE, format.rate(), 1)
                .map_err(|e| e.to_string())?,
            pending: Vec::new(),
        })
    }

    /// Follows a `session.update` that changed the input format.
    pub fn set_format(&mut self, format: WireFormat) {
        if format != self.format {
            if let Ok(r) = StreamResampler::between(RATE, format.rate(), 1) {
                self.format = format;
                self.resampler = r;
                self.pending.clear();
            }
        }
    }

    /// One Opus packet from the microphone; the appends that are now full.
    pub fn push_packet(&mut self, payload: &[u8]) -> Vec<Append> {
        let pcm = match self.decoder.decode(payload) {
            Ok(pcm) => pcm,
            Err(e) => {
                tracing::debug!("an undecodable microphone packet was skipped: {e}");
                return Vec::new();
            }
        };
        let f: Vec<f32> = pcm.iter().map(|&s| f32::from(s) / 32_768.0).collect();
        let out = self.resampler.push(&f);
        self.pending.extend(out.iter().map(|&s| to_i16(s)));
        let chunk = self.format.rate() as usize * APPEND_MS / 1000;
        let mut appends = Vec::new();
        while self.pending.len() >= chunk {
            let samples: Vec<i16> = self.pending.drain(..chunk).collect();
            appends.push(append_for(&self.format.encode(&samples)));
        }
        appends
    }
}

fn append_for(bytes: &[u8]) -> Append {
    let wire = json!({"type": "input_audio_buffer.append", "audio": B64.encode(bytes)}).to_string();
    let logged = audio_spool::spool()
        .and_then(|s| s.store(bytes).ok())
        .map_or_else(
            || wire.clone(),
            |token| json!({"type": "input_audio_buffer.append", "audio": token}).to_string(),
        );
    Append { wire, logged }
}

fn to_i16(s: f32) -> i16 {
    (s * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16
}

/// Which part of which item a frame of played audio belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Part {
    pub item_id: String,
    pub content_index: u32,
}

/// Audio the user did not hear: truncate `part` at `played_ms`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cut {
    pub part: Part,
    pub played_ms: u64,
}

pub(super) struct Downlink {
    format: WireFormat,
    resampler: StreamResampler,
    encoder: OpusEncoder,
    /// 48 kHz samples of the part being resampled, not yet a whole frame.
    partial: Vec<i16>,
    partial_part: Option<Part>,
    frames: VecDeque<(Part, Vec<i16>)>,
    /// The part now playing and how much of it went to the playback.
    playing: Option<(Part, f64)>,
    /// Parts cut by a barge-in: their late deltas are not played.
    cut: HashSet<Part>,
    seq: u16,
}

impl Downlink {
    pub fn new(session: &Value) -> Result<Downlink, String> {
        let format = WireFormat::of_session(session, Way::Output);
        Ok(Downlink {
            format,
            resampler: StreamResampler::between(format.rate(), RATE, 1)
                .map_err(|e| e.to_string())?,
            encoder: OpusEncoder::new().map_err(|e| e.to_string())?,
            partial: Vec::new(),
            partial_part: None,
            frames: VecDeque::new(),
            playing: None,
            cut: HashSet::new(),
            seq: 0,
        })
    }

    pub fn set_format(&mut self, format: WireFormat) {
        if format != self.format {
            if let Ok(r) = StreamResampler::between(format.rate(), RATE, 1) {
                self.format = format;
                self.resampler = r;
            }
        }
    }

    /// The bytes of one delta, for `part`.
    pub fn push_delta(&mut self, part: Part, bytes: &[u8]) {
        if self.cut.contains(&part) {
            return;
        }
        if self.partial_part.as_ref() != Some(&part) {
            self.finish_partial();
            self.partial_part = Some(part.clone());
        }
        let f: Vec<f32> = self
            .format
            .decode(bytes)
            .iter()
            .map(|&s| f32::from(s) / 32_768.0)
            .collect();
        let out = self.resampler.push(&f);
        self.partial.extend(out.iter().map(|&s| to_i16(s)));
        while self.partial.len() >= FRAME {
            let frame: Vec<i16> = self.partial.drain(..FRAME).collect();
            self.frames.push_back((part.clone(), frame));
        }
    }

    /// Ends the part being resampled: its tail, padded to a frame, is queued.
    fn finish_partial(&mut self) {
        let Some(part) = self.partial_part.take() else {
            return;
        };
        let tail = self.resampler.flush();
        self.partial.extend(tail.iter().map(|&s| to_i16(s)));
        while !self.partial.is_empty() {
            let n = self.partial.len().min(FRAME);
            let mut frame: Vec<i16> = self.partial.drain(..n).collect();
            frame.resize(FRAME, 0);
            self.frames.push_back((part.clone(), frame));
        }
    }

    /// A response's audio is complete (`response.output_audio.done`).
    pub fn part_done(&mut self, part: &Part) {
        if self.partial_part.as_ref() == Some(part) {
            self.finish_partial();
        }
    }

    /// One frame's worth of time passed: the next frame goes to the playback.
    pub fn tick(&mut self, playback: Option<&Arc<dyn Playback>>) {
        let Some((part, frame)) = self.frames.pop_front() else {
            return;
        };
        match &mut self.playing {
            Some((p, ms)) if *p == part => *ms += FRAME_MS,
            _ => self.playing = Some((part, FRAME_MS)),
        }
        if let Some(p) = playback {
            match self.encoder.encode(&frame) {
                Ok(packet) => {
                    p.push_rtp(self.seq, &packet);
                }
                Err(e) => tracing::debug!("a frame of the model's audio could not be encoded: {e}"),
            }
        }
        self.seq = self.seq.wrapping_add(1);
    }

    /// The user barged in: drop what was not played yet. The part whose audio was
    /// cut short, and how much of it was played; `None` when nothing was waiting.
    pub fn cut(&mut self) -> Option<Cut> {
        let waiting = self
            .frames
            .front()
            .map(|(p, _)| p.clone())
            .or_else(|| self.partial_part.clone());
        self.frames.clear();
        self.partial.clear();
        self.partial_part = None;
        let _ = self.resampler.flush();
        let part = waiting?;
        self.cut.insert(part.clone());
        let played_ms = match &self.playing {
            Some((p, ms)) if *p == part => *ms as u64,
            _ => 0,
        };
        Some(Cut { part, played_ms })
    }

    /// Milliseconds of audio waiting to be played.
    pub fn queued_ms(&self) -> f64 {
        self.frames.len() as f64 * FRAME_MS
    }
}

/// The part a delta or done event is for.
pub(super) fn part_of(event: &Value) -> Option<Part> {
    Some(Part {
        item_id: event.get("item_id")?.as_str()?.to_string(),
        content_index: event
            .get("content_index")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::opus_codec::OpusEncoder;

    fn tone_packets(n: usize) -> Vec<Vec<u8>> {
        let mut enc = OpusEncoder::new().unwrap();
        (0..n)
            .map(|k| {
                let frame: Vec<i16> = (0..FRAME)
                    .map(|i| {
                        let t = (k * FRAME + i) as f32 / RATE as f32;
                        ((t * 440.0 * std::f32::consts::TAU).sin() * 8000.0) as i16
                    })
                    .collect();
                enc.encode(&frame).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_second_of_microphone_is_25_appends_of_40_ms_at_the_session_rate() {
        let mut up = Uplink::new(&json!({})).unwrap();
        let appends: Vec<Append> = tone_packets(51)
            .iter()
            .flat_map(|p| up.push_packet(p))
            .collect();
        // The resampler holds back a few ms, so 51 packets (1.02 s) give 25 appends.
        assert_eq!(appends.len(), 25);
        let v: Value = serde_json::from_str(&appends[3].wire).unwrap();
        let bytes = B64.decode(v["audio"].as_str().unwrap()).unwrap();
        assert_eq!(bytes.len(), 40 * 48);
        let samples = WireFormat::Pcm24k.decode(&bytes);
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(peak > 4000, "the tone survives: peak {peak}");
        assert!(appends[3].logged.len() < 120, "{}", appends[3].logged);
        assert_eq!(audio_spool::resolve(&appends[3].logged), appends[3].wire);
    }

    #[test]
    fn g711_sessions_get_8_khz_appends() {
        let session = json!({"audio": {"input": {"format": {"type": "audio/pcmu"}}}});
        let mut up = Uplink::new(&session).unwrap();
        let appends: Vec<Append> = tone_packets(10)
            .iter()
            .flat_map(|p| up.push_packet(p))
            .collect();
        let v: Value = serde_json::from_str(&appends[0].wire).unwrap();
        assert_eq!(B64.decode(v["audio"].as_str().unwrap()).unwrap().len(), 320);
    }

    struct Count(std::sync::Mutex<Vec<u16>>);
    impl Playback for Count {
        fn push_rtp(&self, seq: u16, _payload: &[u8]) -> bool {
            self.0.lock().unwrap().push(seq);
            true
        }
    }

    fn part(id: &str) -> Part {
        Part {
            item_id: id.into(),
            content_index: 0,
        }
    }

    #[test]
    fn deltas_play_one_frame_a_tick_and_a_cut_says_what_was_heard() {
        let mut down = Downlink::new(&json!({})).unwrap();
        let count = Arc::new(Count(Default::default()));
        let playback: Arc<dyn Playback> = count.clone();
        // One second of audio arrives at once, as a server sends it.
        for _ in 0..25 {
            down.push_delta(part("a"), &vec![0x10; 40 * 48]);
        }
        assert!(down.queued_ms() >= 900.0);
        for _ in 0..15 {
            down.tick(Some(&playback));
        }
        assert_eq!(*count.0.lock().unwrap(), (0..15).collect::<Vec<u16>>());
        let cut = down.cut().unwrap();
        assert_eq!(
            cut,
            Cut {
                part: part("a"),
                played_ms: 300
            }
        );
        assert_eq!(down.queued_ms(), 0.0);
        // Late deltas of the cut item are not played; a new item is.
        down.push_delta(part("a"), &vec![0x10; 40 * 48]);
        assert_eq!(down.queued_ms(), 0.0);
        down.push_delta(part("b"), &vec![0x10; 40 * 48]);
        down.part_done(&part("b"));
        assert!(down.queued_ms() >= 40.0);
    }

    #[test]
    fn nothing_waiting_means_nothing_to_truncate() {
        let mut down = Downlink::new(&json!({})).unwrap();
        down.push_delta(part("a"), &vec![0; 40 * 48]);
        down.part_done(&part("a"));
        while down.queued_ms() > 0.0 {
            down.tick(None);
        }
        assert_eq!(down.cut(), None);
    }
}
