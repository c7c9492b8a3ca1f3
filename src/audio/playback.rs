//! The receive path from RTP packets to 20 ms frames for the speaker: jitter buffer,
//! Opus decoding with loss concealment, speaker mute, and the speaker meter. Pure and
//! single-threaded; whoever keeps time (the device's demand, or the engine's own
//! 20 ms clock) calls [`Playback::next_frame`] once per frame.

use std::collections::VecDeque;
use std::sync::Arc;

use super::jitter::{Arrival, JitterBuffer, JitterConfig, JitterStats, Pop};
use super::levels::{level_i16, Level};
use super::meter::Meters;
use super::opus_codec::{CodecError, OpusDecoder, MAX_DECODED};
use super::FRAME;

/// Where a played frame came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSource {
    Decoded,
    /// Rebuilt by FEC or Opus concealment for a lost packet.
    Concealed,
    /// Nothing to play: idle, buffering, or an underrun.
    Silence,
}

/// One 20 ms frame, lent until the next call.
#[derive(Debug)]
pub struct PlayedFrame<'a> {
    /// 48 kHz mono; zeros when the speaker is muted.
    pub pcm: &'a [i16],
    /// Level of `pcm` as played (the floor when muted).
    pub level: Level,
    pub source: FrameSource,
}

pub struct Playback {
    jitter: JitterBuffer,
    decoder: OpusDecoder,
    decoded: Vec<i16>,
    /// Decoded audio not yet played: peers may send 10–120 ms packets, the speaker
    /// takes 20 ms at a time.
    queue: VecDeque<i16>,
    frame: Vec<i16>,
    meters: Arc<Meters>,
    pub speaker_muted: bool,
    decode_errors: u64,
    frames: u64,
}

impl Playback {
    pub fn new(config: JitterConfig, meters: Arc<Meters>) -> Result<Self, CodecError> {
        Ok(Playback {
            jitter: JitterBuffer::new(config),
            decoder: OpusDecoder::new()?,
            decoded: vec![0; MAX_DECODED],
            queue: VecDeque::with_capacity(MAX_DECODED + FRAME),
            frame: vec![0; FRAME],
            meters,
            speaker_muted: false,
            decode_errors: 0,
            frames: 0,
        })
    }

    /// One RTP packet of the remote track, in whatever order the network delivered it.
    pub fn receive(&mut self, seq: u16, payload: Vec<u8>) -> Arrival {
        self.jitter.insert(seq, payload)
    }

    /// Drops all queued audio: the server cleared its output (the user interrupted).
    pub fn flush(&mut self) {
        self.jitter.flush();
        self.queue.clear();
    }

    /// The next 20 ms to play. Always returns a full frame, silence if need be, so the
    /// speaker's clock keeps running whatever the network does.
    pub fn next_frame(&mut self) -> PlayedFrame<'_> {
        let mut source = FrameSource::Decoded;
        if self.queue.len() < FRAME {
            source = self.refill();
        }
        self.frames += 1;
        if self.queue.len() >= FRAME {
            for (dst, s) in self.frame.iter_mut().zip(self.queue.drain(..FRAME)) {
                *dst = s;
            }
        } else {
            // Only reachable on a short final packet: play what there is, then silence.
            let n = self.queue.len();
            for (dst, s) in self.frame.iter_mut().zip(self.queue.drain(..)) {
                *dst = s;
            }
            self.frame[n..].fill(0);
        }
        if self.speaker_muted {
            self.frame.fill(0);
        }
        let level = level_i16(&self.frame);
        self.meters.speaker.store(level);
        PlayedFrame {
            pcm: &self.frame,
            level,
            source,
        }
    }

    /// Takes one slot from the jitter buffer into the queue.
    fn refill(&mut self) -> FrameSource {
        let (n, source) = match self.jitter.pop() {
            Pop::Packet(p) => match self.decoder.decode_into(&p, &mut self.decoded) {
                Ok(n) => (n, FrameSource::Decoded),
                Err(_) => {
                    self.decode_errors += 1;
                    (
                        self.decoder.conceal_into(&mut self.decoded),
                        FrameSource::Concealed,
                    )
                }
            },
            Pop::Lost => {
                let n = match self.jitter.upcoming() {
                    Some(next) => self.decoder.recover_into(next, &mut self.decoded),
                    None => self.decoder.conceal_into(&mut self.decoded),
                };
                (n, FrameSource::Concealed)
            }
            Pop::Underrun | Pop::Idle => {
                self.decoded[..FRAME].fill(0);
                (FRAME, FrameSource::Silence)
            }
        };
        self.queue.extend(&self.decoded[..n]);
        source
    }

    pub fn jitter_stats(&self) -> JitterStats {
        self.jitter.stats()
    }

    /// Buffered audio ahead of the play position, in ms.
    pub fn depth_ms(&self) -> u32 {
        (self.jitter.depth() * 20 + self.queue.len() / 48) as u32
    }

    pub fn decode_errors(&self) -> u64 {
        self.decode_errors
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::opus_codec::OpusEncoder;
    use std::f64::consts::PI;

    fn packets(n: usize) -> Vec<Vec<u8>> {
        let mut enc = OpusEncoder::new().unwrap();
        (0..n)
            .map(|k| {
                let frame: Vec<i16> = (0..FRAME)
                    .map(|i| {
                        let t = (k * FRAME + i) as f64 / 48_000.0;
                        (8000.0 * (2.0 * PI * 440.0 * t).sin()) as i16
                    })
                    .collect();
                enc.encode(&frame).unwrap()
            })
            .collect()
    }

    fn playback() -> (Playback, Arc<Meters>) {
        let meters = Arc::new(Meters::default());
        (
            Playback::new(JitterConfig::default(), meters.clone()).unwrap(),
            meters,
        )
    }

    #[test]
    fn in_order_packets_play_exactly_as_a_plain_decoder_would() {
        let (mut pb, _) = playback();
        let pk = packets(10);
        for (i, p) in pk.iter().enumerate() {
            pb.receive(i as u16, p.clone());
        }
        let mut reference = OpusDecoder::new().unwrap();
        for p in &pk {
            let f = pb.next_frame();
            assert_eq!(f.source, FrameSource::Decoded);
            assert_eq!(f.pcm, &reference.decode(p).unwrap()[..]);
        }
        assert_eq!(pb.next_frame().source, FrameSource::Silence);
    }

    #[test]
    fn a_lost_packet_is_concealed_and_silence_fills_the_gaps() {
        let (mut pb, meters) = playback();
        assert_eq!(pb.next_frame().source, FrameSource::Silence);
        for (i, p) in packets(6).into_iter().enumerate() {
            if i != 3 {
                pb.receive(i as u16, p);
            }
        }
        let sources: Vec<FrameSource> = (0..7).map(|_| pb.next_frame().source).collect();
        use FrameSource::*;
        assert_eq!(
            sources,
            [Decoded, Decoded, Decoded, Concealed, Decoded, Decoded, Silence]
        );
        assert_eq!(pb.jitter_stats().concealed, 1);
        assert_eq!(meters.speaker.blocks(), 8);
    }

    #[test]
    fn muting_the_speaker_plays_zeros_and_still_drains_the_buffer() {
        let (mut pb, meters) = playback();
        pb.speaker_muted = true;
        for (i, p) in packets(4).into_iter().enumerate() {
            pb.receive(i as u16, p);
        }
        for _ in 0..4 {
            let f = pb.next_frame();
            assert!(f.pcm.iter().all(|&s| s == 0));
            assert_eq!(f.source, FrameSource::Decoded);
        }
        assert_eq!(pb.depth_ms(), 0);
        assert_eq!(meters.speaker.load(), Level::SILENCE);
    }

    #[test]
    fn flush_stops_the_audio_at_once() {
        let (mut pb, _) = playback();
        for (i, p) in packets(8).into_iter().enumerate() {
            pb.receive(i as u16, p);
        }
        pb.next_frame();
        pb.flush();
        assert_eq!(pb.next_frame().source, FrameSource::Silence);
        assert_eq!(pb.depth_ms(), 0);
    }
}
