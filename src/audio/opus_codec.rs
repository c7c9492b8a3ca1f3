//! Opus at 48 kHz mono in 20 ms frames: the audio on every WebRTC track rtconsole
//! sends or receives.

use super::{FRAME, RATE};

/// Voice at 32 kbit/s is transparent enough for an inspector. libopus's automatic target
/// for 48 kHz mono VoIP is ~72 kbit/s, twice what speech needs.
const BITRATE: i32 = 32_000;

/// Opus never puts more than 1275 bytes of payload in one frame (RFC 6716 §3.4).
pub const MAX_PACKET: usize = 1275;

/// The longest Opus packet is 120 ms: 5760 samples at 48 kHz.
pub const MAX_DECODED: usize = 5760;

/// Why encoding or decoding failed.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    // Creation only fails on bad arguments or out of memory; ours are constants.
    #[error("could not create the Opus {what} (48 kHz mono): {source}; this is a bug in rtconsole or its bundled libopus, please report it")]
    Create {
        what: &'static str,
        #[source]
        source: opus::Error,
    },
    #[error("cannot encode {got} samples as one Opus frame: give exactly {FRAME} samples (20 ms at 48 kHz mono)")]
    FrameLength { got: usize },
    #[error("Opus encoding of a {FRAME}-sample frame failed: {0}")]
    Encode(#[source] opus::Error),
    #[error("Opus decoding of a {len}-byte packet failed: {source}; the peer sent something that is not Opus at 48 kHz, check the negotiated codec")]
    Decode {
        len: usize,
        #[source]
        source: opus::Error,
    },
}

/// Encodes 20 ms frames of 48 kHz mono speech.
pub struct OpusEncoder {
    inner: opus::Encoder,
}

impl OpusEncoder {
    pub fn new() -> Result<Self, CodecError> {
        let create = |source| CodecError::Create {
            what: "encoder",
            source,
        };
        let mut inner = opus::Encoder::new(RATE, opus::Channels::Mono, opus::Application::Voip)
            .map_err(create)?;
        inner
            .set_bitrate(opus::Bitrate::Bits(BITRATE))
            .map_err(create)?;
        Ok(OpusEncoder { inner })
    }

    /// Encodes one frame of exactly [`FRAME`] samples into one Opus packet.
    pub fn encode(&mut self, frame: &[i16]) -> Result<Vec<u8>, CodecError> {
        if frame.len() != FRAME {
            return Err(CodecError::FrameLength { got: frame.len() });
        }
        self.inner
            .encode_vec(frame, MAX_PACKET)
            .map_err(CodecError::Encode)
    }

    /// Encodes one frame into `out` (give [`MAX_PACKET`] bytes) and returns the packet
    /// length: no allocation, for loops that encode every 20 ms.
    pub fn encode_into(&mut self, frame: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        if frame.len() != FRAME {
            return Err(CodecError::FrameLength { got: frame.len() });
        }
        self.inner.encode(frame, out).map_err(CodecError::Encode)
    }
}

/// Decodes Opus packets to 48 kHz mono.
///
/// Peers such as Chromium signal `opus/48000/2` but send mono-compatible packets; a mono
/// decoder accepts stereo packets too (libopus downmixes), so one decoder fits all peers.
pub struct OpusDecoder {
    inner: opus::Decoder,
    out: Vec<i16>,
}

impl OpusDecoder {
    pub fn new() -> Result<Self, CodecError> {
        let inner = opus::Decoder::new(RATE, opus::Channels::Mono).map_err(|source| {
            CodecError::Create {
                what: "decoder",
                source,
            }
        })?;
        Ok(OpusDecoder {
            inner,
            out: vec![0; MAX_DECODED],
        })
    }

    /// Decodes one packet; usually [`FRAME`] samples, but peers may send 10–120 ms packets.
    pub fn decode(&mut self, payload: &[u8]) -> Result<Vec<i16>, CodecError> {
        // An empty payload would mean "packet lost" to libopus; that is `conceal`'s job.
        if payload.is_empty() {
            return Ok(self.conceal());
        }
        let n = self
            .inner
            .decode(payload, &mut self.out, false)
            .map_err(|source| CodecError::Decode {
                len: payload.len(),
                source,
            })?;
        Ok(self.out[..n].to_vec())
    }

    /// Packet-loss concealment: a plausible 20 ms continuation of what came before,
    /// for a packet that never arrived. Falls back to silence if libopus refuses.
    pub fn conceal(&mut self) -> Vec<i16> {
        match self.inner.decode(&[], &mut self.out[..FRAME], false) {
            Ok(n) => self.out[..n].to_vec(),
            Err(_) => vec![0; FRAME],
        }
    }

    /// Decodes one packet into `out` (give [`MAX_DECODED`] samples for any peer, or
    /// [`FRAME`] for 20 ms packets) and returns the sample count; no allocation.
    pub fn decode_into(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        if payload.is_empty() {
            return Ok(self.conceal_into(out));
        }
        self.inner
            .decode(payload, out, false)
            .map_err(|source| CodecError::Decode {
                len: payload.len(),
                source,
            })
    }

    /// Concealment of one lost 20 ms frame into `out[..FRAME]`; silence if libopus
    /// refuses. Returns [`FRAME`].
    pub fn conceal_into(&mut self, out: &mut [i16]) -> usize {
        let out = &mut out[..FRAME];
        if self.inner.decode(&[], out, false).is_err() {
            out.fill(0);
        }
        FRAME
    }

    /// Rebuilds a lost 20 ms frame from the in-band FEC copy carried by the packet
    /// after it (peers offer `useinbandfec=1`); libopus falls back to concealment when
    /// that packet carries none. Returns [`FRAME`].
    pub fn recover_into(&mut self, next_payload: &[u8], out: &mut [i16]) -> usize {
        let out = &mut out[..FRAME];
        if next_payload.is_empty() || self.inner.decode(next_payload, out, true).is_err() {
            return self.conceal_into(out);
        }
        FRAME
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::levels::level_i16;

    fn tone(freq: f64, amplitude: f64, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(RATE);
                (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
            })
            .collect()
    }

    #[test]
    fn a_second_of_440_hz_survives_the_round_trip() {
        let input = tone(440.0, 8000.0, RATE as usize);
        let mut enc = OpusEncoder::new().unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        let mut output = Vec::new();
        let mut bytes = 0;
        for frame in input.chunks(FRAME) {
            let packet = enc.encode(frame).unwrap();
            bytes += packet.len();
            let pcm = dec.decode(&packet).unwrap();
            assert_eq!(pcm.len(), FRAME);
            output.extend(pcm);
        }
        // Skip the codec's start-up (lookahead and ramp) before comparing loudness.
        let a = level_i16(&input[FRAME * 5..]).rms_dbfs;
        let b = level_i16(&output[FRAME * 5..]).rms_dbfs;
        assert!((a - b).abs() < 2.0, "in {a} dBFS, out {b} dBFS");
        // 32 kbit/s = 4000 bytes per second; VBR may overshoot a little.
        assert!(bytes < 6000, "{bytes} bytes for 1 s");
    }

    #[test]
    fn wrong_frame_length_says_what_to_give() {
        let mut enc = OpusEncoder::new().unwrap();
        let err = enc.encode(&[0; 480]).unwrap_err();
        assert!(matches!(err, CodecError::FrameLength { got: 480 }));
        assert!(err.to_string().contains("exactly 960 samples"), "{err}");
    }

    #[test]
    fn concealment_gives_one_frame() {
        let mut enc = OpusEncoder::new().unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        let input = tone(440.0, 8000.0, FRAME * 3);
        for frame in input.chunks(FRAME) {
            dec.decode(&enc.encode(frame).unwrap()).unwrap();
        }
        assert_eq!(dec.conceal().len(), FRAME);
        assert_eq!(dec.decode(&[]).unwrap().len(), FRAME);
    }

    #[test]
    fn garbage_is_a_decode_error() {
        let mut dec = OpusDecoder::new().unwrap();
        // TOC byte for code 3 (arbitrary frame count) with a frame count of zero: invalid.
        let err = dec.decode(&[0x03, 0x00]).unwrap_err();
        assert!(matches!(err, CodecError::Decode { len: 2, .. }), "{err}");
    }

    #[test]
    fn a_mono_decoder_accepts_stereo_packets() {
        let mut stereo =
            opus::Encoder::new(RATE, opus::Channels::Stereo, opus::Application::Voip).unwrap();
        let mono = tone(440.0, 8000.0, FRAME);
        let interleaved: Vec<i16> = mono.iter().flat_map(|&s| [s, s]).collect();
        let packet = stereo.encode_vec(&interleaved, MAX_PACKET).unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        assert_eq!(dec.decode(&packet).unwrap().len(), FRAME);
    }
}
