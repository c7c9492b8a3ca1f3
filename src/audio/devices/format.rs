//! Device formats as rtconsole reports them: the one a stream is opened with, and
//! everything a device says it supports, folded into one line.

use std::fmt;

/// A concrete stream format: what a device was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFormat {
    pub rate: u32,
    pub channels: u16,
    pub sample_format: cpal::SampleFormat,
}

impl fmt::Display for StreamFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} Hz, {} ch, {}",
            self.rate, self.channels, self.sample_format
        )
    }
}

/// Everything a device says it supports, folded into one line's worth: devices such
/// as ALSA's `null` report hundreds of ranges (every format × every channel count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub formats: Vec<cpal::SampleFormat>,
    pub min_channels: u16,
    pub max_channels: u16,
    pub min_rate: u32,
    pub max_rate: u32,
}

impl Capabilities {
    pub(super) fn from_ranges(
        ranges: impl Iterator<Item = cpal::SupportedStreamConfigRange>,
    ) -> Self {
        let mut caps: Option<Capabilities> = None;
        for r in ranges {
            let c = caps.get_or_insert_with(|| Capabilities {
                formats: Vec::new(),
                min_channels: r.channels(),
                max_channels: r.channels(),
                min_rate: r.min_sample_rate(),
                max_rate: r.max_sample_rate(),
            });
            if !c.formats.contains(&r.sample_format()) {
                c.formats.push(r.sample_format());
            }
            c.min_channels = c.min_channels.min(r.channels());
            c.max_channels = c.max_channels.max(r.channels());
            c.min_rate = c.min_rate.min(r.min_sample_rate());
            c.max_rate = c.max_rate.max(r.max_sample_rate());
        }
        caps.unwrap_or_default()
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = |a: u32, b: u32| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        };
        let formats: Vec<String> = self.formats.iter().map(|s| s.to_string()).collect();
        write!(
            f,
            "{} Hz, {} ch, {}",
            span(self.min_rate, self.max_rate),
            span(self.min_channels.into(), self.max_channels.into()),
            formats.join("/")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_fold_many_ranges_into_one_line() {
        let r = |ch, lo, hi, f| {
            cpal::SupportedStreamConfigRange::new(ch, lo, hi, cpal::SupportedBufferSize::Unknown, f)
        };
        let caps = Capabilities::from_ranges(
            [
                r(1, 8000, 48000, cpal::SampleFormat::I16),
                r(2, 8000, 96000, cpal::SampleFormat::I16),
                r(2, 44100, 44100, cpal::SampleFormat::F32),
            ]
            .into_iter(),
        );
        assert_eq!(caps.to_string(), "8000–96000 Hz, 1–2 ch, i16/f32");
    }
}
