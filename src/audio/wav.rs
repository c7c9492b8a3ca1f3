//! WAV files as audio sources (scripts play them into the mic) and sinks (recordings
//! of what was sent and heard). Sources may be any PCM WAV; sinks are always 48 kHz
//! mono 16-bit, the format everything inside rtconsole runs at.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::resample::{resample_to_48k, to_mono, ResampleError};
use super::RATE;

/// The conversion to suggest whenever a file cannot be used as is.
const SOX_HINT: &str = "sox in.mp3 -r 48000 -c 1 -b 16 out.wav";

/// Why a WAV file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("cannot open {}: {source}; check the path and its permissions", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a WAV file ({reason}): give a RIFF/WAVE file, e.g. `{SOX_HINT}`", path.display())]
    NotWav { path: PathBuf, reason: String },
    #[error("{} holds {format}, which rtconsole cannot read: give 8/16/24/32-bit integer or 32-bit float PCM, e.g. `{SOX_HINT}`", path.display())]
    Unsupported { path: PathBuf, format: String },
    #[error("{} holds no audio samples: give a WAV file with some audio in it", path.display())]
    Empty { path: PathBuf },
    #[error("{} is damaged after {at} samples ({reason}): export or convert it again, e.g. `{SOX_HINT}`", path.display())]
    Damaged {
        path: PathBuf,
        at: usize,
        reason: String,
    },
    #[error("{}: {source}", path.display())]
    Rate {
        path: PathBuf,
        #[source]
        source: ResampleError,
    },
    #[error("cannot create {}: {source}; check that the directory exists and is writable", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
    #[error("writing {} failed: {source}; check free disk space", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
}

/// Reads a whole WAV file as 48 kHz mono 16-bit samples, whatever its rate, channel
/// count and sample format (8/16/24/32-bit integer or 32-bit float PCM).
pub fn read_wav_48k_mono(path: &Path) -> Result<Vec<i16>, WavError> {
    let owned = || path.to_path_buf();
    let file = File::open(path).map_err(|source| WavError::Open {
        path: owned(),
        source,
    })?;
    let reader = hound::WavReader::new(BufReader::new(file)).map_err(|e| header_error(path, e))?;
    let spec = reader.spec();
    let interleaved = read_as_f32(path, reader, spec)?;
    if interleaved.is_empty() {
        return Err(WavError::Empty { path: owned() });
    }
    let mono = to_mono(&interleaved, spec.channels);
    let at_48k = resample_to_48k(&mono, spec.sample_rate).map_err(|source| WavError::Rate {
        path: owned(),
        source,
    })?;
    Ok(at_48k.iter().map(|&s| f32_to_i16(s)).collect())
}

/// Writes samples as a 48 kHz mono 16-bit WAV file in one go.
pub fn write_wav_48k_mono(path: &Path, samples: &[i16]) -> Result<(), WavError> {
    let mut sink = WavSink::create(path)?;
    sink.write(samples)?;
    sink.finalize()
}

/// Writes two tracks as a 48 kHz stereo 16-bit WAV file, `left` and `right` from
/// the same first sample; the shorter one is padded with silence.
pub fn write_wav_48k_stereo(path: &Path, left: &[i16], right: &[i16]) -> Result<(), WavError> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let create = |source| WavError::Create {
        path: path.to_path_buf(),
        source,
    };
    let write = |source| WavError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(create)?;
    for i in 0..left.len().max(right.len()) {
        for side in [left, right] {
            writer
                .write_sample(side.get(i).copied().unwrap_or(0))
                .map_err(write)?;
        }
    }
    writer.finalize().map_err(write)
}

/// A 48 kHz mono 16-bit WAV file being written piece by piece.
///
/// Call [`WavSink::finalize`] to learn whether the header was written; dropping the
/// sink also fixes up the header, but silently ignores any error.
pub struct WavSink {
    path: PathBuf,
    writer: hound::WavWriter<std::io::BufWriter<File>>,
}

impl WavSink {
    pub fn create(path: &Path) -> Result<Self, WavError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(path, spec).map_err(|source| WavError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(WavSink {
            path: path.to_path_buf(),
            writer,
        })
    }

    pub fn write(&mut self, samples: &[i16]) -> Result<(), WavError> {
        for &s in samples {
            self.writer
                .write_sample(s)
                .map_err(|source| WavError::Write {
                    path: self.path.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Writes the final sizes into the header and closes the file.
    pub fn finalize(self) -> Result<(), WavError> {
        let path = self.path;
        self.writer
            .finalize()
            .map_err(|source| WavError::Write { path, source })
    }
}

fn header_error(path: &Path, e: hound::Error) -> WavError {
    let path = path.to_path_buf();
    match e {
        // hound reports a short file as ErrorKind::Other ("Failed to read enough
        // bytes."), not UnexpectedEof, so any read error here is taken as a cut-off header:
        // the file itself opened fine.
        hound::Error::IoError(io) => WavError::NotWav {
            path,
            reason: format!("it ends before a complete WAV header: {io}"),
        },
        hound::Error::Unsupported => WavError::Unsupported {
            path,
            format: "a compressed or unusual encoding (not plain PCM)".into(),
        },
        // hound says "ill-formed" both for files that are not WAV at all and for WAV
        // variants it does not handle (64-bit float, 12-bit PCM); the magic tells which.
        hound::Error::FormatError(reason) if is_riff_wave(&path) => WavError::Unsupported {
            path,
            format: format!("a WAV variant hound cannot decode ({reason})"),
        },
        hound::Error::FormatError(reason) => WavError::NotWav {
            path,
            reason: reason.into(),
        },
        other => WavError::NotWav {
            path,
            reason: other.to_string(),
        },
    }
}

/// True if the file starts like a WAV file (`RIFF`/`RF64`, then `WAVE`).
fn is_riff_wave(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 12];
    let read = File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    read.is_ok() && matches!(&magic[..4], b"RIFF" | b"RF64") && &magic[8..] == b"WAVE"
}

fn read_as_f32(
    path: &Path,
    mut reader: hound::WavReader<BufReader<File>>,
    spec: hound::WavSpec,
) -> Result<Vec<f32>, WavError> {
    let damaged = |at: usize, e: hound::Error| WavError::Damaged {
        path: path.to_path_buf(),
        at,
        reason: e.to_string(),
    };
    let mut out = Vec::with_capacity(reader.len() as usize);
    match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            // hound gives 8-bit files (unsigned on disk) as signed values too, so one
            // scale fits every width.
            let scale = 1.0 / f64::from(1u32 << (bits - 1));
            for s in reader.samples::<i32>() {
                let s = s.map_err(|e| damaged(out.len(), e))?;
                out.push((f64::from(s) * scale) as f32);
            }
        }
        (hound::SampleFormat::Float, 32) => {
            for s in reader.samples::<f32>() {
                let s = s.map_err(|e| damaged(out.len(), e))?;
                out.push(s);
            }
        }
        (format, bits) => {
            let kind = match format {
                hound::SampleFormat::Int => "integer",
                hound::SampleFormat::Float => "float",
            };
            return Err(WavError::Unsupported {
                path: path.to_path_buf(),
                format: format!("{bits}-bit {kind} samples"),
            });
        }
    }
    Ok(out)
}

fn f32_to_i16(s: f32) -> i16 {
    (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact_at_48k_mono_16_bit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let samples: Vec<i16> = (0..4800)
            .map(|i| ((i * 37) % 65536 - 32768) as i16)
            .collect();
        write_wav_48k_mono(&path, &samples).unwrap();
        assert_eq!(read_wav_48k_mono(&path).unwrap(), samples);
    }

    #[test]
    fn sink_writes_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.wav");
        let mut sink = WavSink::create(&path).unwrap();
        sink.write(&[1, 2, 3]).unwrap();
        sink.write(&[]).unwrap();
        sink.write(&[4]).unwrap();
        sink.finalize().unwrap();
        assert_eq!(read_wav_48k_mono(&path).unwrap(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = read_wav_48k_mono(Path::new("/nonexistent/x.wav")).unwrap_err();
        assert!(matches!(err, WavError::Open { .. }));
        assert!(err.to_string().contains("/nonexistent/x.wav"), "{err}");
    }

    #[test]
    fn zero_byte_file_is_not_a_wav() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.wav");
        std::fs::write(&path, b"").unwrap();
        let err = read_wav_48k_mono(&path).unwrap_err();
        assert!(matches!(err, WavError::NotWav { .. }), "{err}");
    }

    #[test]
    fn header_only_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silent.wav");
        write_wav_48k_mono(&path, &[]).unwrap();
        let err = read_wav_48k_mono(&path).unwrap_err();
        assert!(matches!(err, WavError::Empty { .. }), "{err}");
        assert!(
            err.to_string().contains("silent.wav holds no audio"),
            "{err}"
        );
    }

    #[test]
    fn create_in_missing_directory_fails_clearly() {
        let err = WavSink::create(Path::new("/nonexistent/dir/out.wav"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("directory exists"), "{err}");
    }

    #[test]
    fn conversion_clamps() {
        assert_eq!(f32_to_i16(1.5), 32767);
        assert_eq!(f32_to_i16(-1.0), -32768);
        assert_eq!(f32_to_i16(0.0), 0);
    }
}
