//! The audio formats a session carries inside events (the WebSocket transport):
//! 24 kHz pcm16 little-endian, or 8 kHz G.711 μ-law/A-law. Read from the session
//! in either dialect; converted to and from the 16-bit samples used inside.

use serde_json::Value;

use super::g711;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WireFormat {
    /// `audio/pcm` (beta `pcm16`): 24 kHz mono, 16-bit little-endian.
    #[default]
    Pcm24k,
    /// `audio/pcmu` (beta `g711_ulaw`).
    Pcmu,
    /// `audio/pcma` (beta `g711_alaw`).
    Pcma,
}

/// Which way the audio goes, which picks the session field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    Input,
    Output,
}

impl WireFormat {
    /// The format a session (GA `audio.input.format.type` or beta
    /// `input_audio_format`) names; the API's default when it names none.
    pub fn of_session(session: &Value, way: Way) -> WireFormat {
        let (ga, beta) = match way {
            Way::Input => ("/audio/input/format/type", "input_audio_format"),
            Way::Output => ("/audio/output/format/type", "output_audio_format"),
        };
        let name = session
            .pointer(ga)
            .or_else(|| session.get(beta))
            .and_then(Value::as_str);
        match name {
            Some("audio/pcmu" | "g711_ulaw") => WireFormat::Pcmu,
            Some("audio/pcma" | "g711_alaw") => WireFormat::Pcma,
            _ => WireFormat::Pcm24k,
        }
    }

    pub fn rate(self) -> u32 {
        match self {
            WireFormat::Pcm24k => 24_000,
            WireFormat::Pcmu | WireFormat::Pcma => 8_000,
        }
    }

    /// Bytes of one millisecond of audio.
    pub fn bytes_per_ms(self) -> usize {
        match self {
            WireFormat::Pcm24k => 48,
            WireFormat::Pcmu | WireFormat::Pcma => 8,
        }
    }

    /// The milliseconds `bytes` of audio last.
    pub fn duration_ms(self, bytes: usize) -> f64 {
        bytes as f64 / self.bytes_per_ms() as f64
    }

    pub fn encode(self, samples: &[i16]) -> Vec<u8> {
        match self {
            WireFormat::Pcm24k => samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
            WireFormat::Pcmu => samples.iter().map(|&s| g711::ulaw_encode(s)).collect(),
            WireFormat::Pcma => samples.iter().map(|&s| g711::alaw_encode(s)).collect(),
        }
    }

    /// Samples of `bytes`; an odd trailing byte of pcm16 is dropped.
    pub fn decode(self, bytes: &[u8]) -> Vec<i16> {
        match self {
            WireFormat::Pcm24k => bytes
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect(),
            WireFormat::Pcmu => bytes.iter().map(|&b| g711::ulaw_decode(b)).collect(),
            WireFormat::Pcma => bytes.iter().map(|&b| g711::alaw_decode(b)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_format_comes_from_either_dialect_and_defaults_to_pcm() {
        let ga = json!({"audio": {"input": {"format": {"type": "audio/pcmu"}},
                                  "output": {"format": {"type": "audio/pcma", "rate": 8000}}}});
        assert_eq!(WireFormat::of_session(&ga, Way::Input), WireFormat::Pcmu);
        assert_eq!(WireFormat::of_session(&ga, Way::Output), WireFormat::Pcma);
        let beta = json!({"input_audio_format": "g711_alaw"});
        assert_eq!(WireFormat::of_session(&beta, Way::Input), WireFormat::Pcma);
        assert_eq!(
            WireFormat::of_session(&json!({}), Way::Output),
            WireFormat::Pcm24k
        );
    }

    #[test]
    fn pcm_round_trips_exactly_and_sizes_match_the_rate() {
        let samples = [0i16, 1, -1, 32_767, -32_768, 1234];
        let bytes = WireFormat::Pcm24k.encode(&samples);
        assert_eq!(bytes.len(), 12);
        assert_eq!(WireFormat::Pcm24k.decode(&bytes), samples);
        assert_eq!(WireFormat::Pcm24k.duration_ms(960), 20.0);
        assert_eq!(WireFormat::Pcmu.duration_ms(160), 20.0);
        assert_eq!(WireFormat::Pcmu.encode(&[0; 160]).len(), 160);
    }
}
