//! The audio edge end to end, without devices: WAV files of many formats in, 48 kHz
//! mono out, through Opus and back, and the mock's voice heard by the mock's VAD.
//! Fixtures are generated into temporary directories, never committed.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use rtconsole::audio::levels::{level_i16, Level};
use rtconsole::audio::opus_codec::{OpusDecoder, OpusEncoder};
use rtconsole::audio::resample::StreamResampler;
use rtconsole::audio::wav::{read_wav_48k_mono, write_wav_48k_mono, WavError, WavSink};
use rtconsole::audio::{FRAME, RATE};
use rtconsole::mock::vad::{Vad, VadEvent, VadParams};
use rtconsole::mock::voice::Voice;

/// One channel's value at frame `i`: a 1 kHz sine at half scale.
fn sine(i: u32, rate: u32) -> f64 {
    0.5 * (2.0 * PI * 1000.0 * f64::from(i) / f64::from(rate)).sin()
}

/// Writes one second of a 1 kHz half-scale sine in the given format, the same in every
/// channel.
fn write_tone(dir: &Path, rate: u32, channels: u16, bits: u16, float: bool) -> PathBuf {
    let name = format!(
        "tone_{rate}_{channels}ch_{bits}{}.wav",
        if float { "f" } else { "" }
    );
    let path = dir.join(name);
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..rate {
        let v = sine(i, rate);
        for _ in 0..channels {
            if float {
                w.write_sample(v as f32).unwrap();
            } else {
                let full = f64::from(1u32 << (bits - 1));
                let s = (v * full).round() as i32;
                if bits == 8 {
                    w.write_sample(s as i8).unwrap();
                } else {
                    w.write_sample(s).unwrap();
                }
            }
        }
    }
    w.finalize().unwrap();
    path
}

/// Goertzel power at `freq`, normalised so a sine of amplitude A reads A²/4.
fn power_at(x: &[i16], freq: f64) -> f64 {
    let c = 2.0 * (2.0 * PI * freq / f64::from(RATE)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s = f64::from(v) / 32768.0 + c * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.len() as f64).powi(2)
}

/// A 1 kHz half-scale sine at 48 kHz, checked by level and by spectrum.
fn assert_is_the_tone(x: &[i16], what: &str) {
    assert_eq!(x.len(), RATE as usize, "{what}: length");
    let mid = &x[4800..x.len() - 4800];
    let l = level_i16(mid);
    // Half scale: −6.02 dBFS peak, −9.03 dBFS RMS; 8-bit sources are coarser.
    assert!((l.rms_dbfs + 9.03).abs() < 0.3, "{what}: {l:?}");
    let at = power_at(mid, 1000.0);
    for other in [900.0, 1100.0, 2000.0] {
        assert!(
            at > 1000.0 * power_at(mid, other),
            "{what}: not a clean 1 kHz tone"
        );
    }
}

#[test]
fn every_supported_format_reads_as_48k_mono() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (48_000, 1, 16, false),
        (16_000, 2, 16, false),
        (44_100, 1, 24, false),
        (22_050, 2, 32, true),
        (8_000, 1, 8, false),
        (96_000, 2, 32, false),
        (11_025, 1, 16, false),
    ];
    for (rate, channels, bits, float) in cases {
        let path = write_tone(dir.path(), rate, channels, bits, float);
        let x = read_wav_48k_mono(&path).unwrap();
        assert_is_the_tone(&x, &path.display().to_string());
    }
}

#[test]
fn a_text_file_is_not_a_wav_and_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.wav");
    std::fs::write(&path, "these are not samples, just some text in a file\n").unwrap();
    let err = read_wav_48k_mono(&path).unwrap_err();
    assert!(matches!(err, WavError::NotWav { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("notes.wav is not a WAV file"), "{msg}");
    assert!(msg.contains("sox "), "{msg}");
}

/// A minimal RIFF/WAVE file with a raw `fmt ` chunk, for formats hound cannot write.
fn raw_wav(format_tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let block_align = channels * bits.div_ceil(8);
    let mut fmt = Vec::new();
    fmt.extend(format_tag.to_le_bytes());
    fmt.extend(channels.to_le_bytes());
    fmt.extend(rate.to_le_bytes());
    fmt.extend((rate * u32::from(block_align)).to_le_bytes());
    fmt.extend(block_align.to_le_bytes());
    fmt.extend(bits.to_le_bytes());
    let mut body = b"WAVE".to_vec();
    body.extend(b"fmt ");
    body.extend((fmt.len() as u32).to_le_bytes());
    body.extend(fmt);
    body.extend(b"data");
    body.extend((data.len() as u32).to_le_bytes());
    body.extend(data);
    let mut file = b"RIFF".to_vec();
    file.extend((body.len() as u32).to_le_bytes());
    file.extend(body);
    file
}

#[test]
fn unsupported_encodings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    // μ-law (format tag 7), as telephony recordings often are.
    let mulaw = dir.path().join("phone.wav");
    std::fs::write(&mulaw, raw_wav(7, 1, 8000, 8, &[0xff; 800])).unwrap();
    let err = read_wav_48k_mono(&mulaw).unwrap_err();
    assert!(
        matches!(err, WavError::Unsupported { .. } | WavError::NotWav { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("phone.wav"), "{err}");

    // 12-bit integer and 64-bit float PCM: real WAV files, in widths rtconsole does
    // not read.
    for (name, tag, bits) in [("odd.wav", 1, 12), ("double.wav", 3, 64)] {
        let path = dir.path().join(name);
        std::fs::write(&path, raw_wav(tag, 1, 8000, bits, &[0; 1600])).unwrap();
        let err = read_wav_48k_mono(&path).unwrap_err();
        assert!(matches!(err, WavError::Unsupported { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(name) && msg.contains("32-bit float"), "{msg}");
    }
}

#[test]
fn a_truncated_file_is_reported_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.wav");
    let samples: Vec<i16> = (0..4800).map(|i| (i % 100) as i16).collect();
    write_wav_48k_mono(&path, &samples).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    // Cut in the middle of a sample, so the last one cannot be complete.
    std::fs::write(&path, &bytes[..bytes.len() / 2 + 1]).unwrap();
    let err = read_wav_48k_mono(&path).unwrap_err();
    // The header promises 4800 samples; about half are there.
    assert!(
        matches!(
            err,
            WavError::Damaged {
                at: 2000..=2500,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("cut.wav is damaged"), "{err}");
}

#[test]
fn voice_to_wav_to_opus_and_back_keeps_its_level_and_stays_speech() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reply.wav");

    // The mock speaks 3 s, written frame by frame as a recording would be.
    let mut voice = Voice::new(42, "marin");
    let mut sink = WavSink::create(&path).unwrap();
    let mut spoken = Vec::new();
    let mut frame = [0i16; FRAME];
    for _ in 0..150 {
        voice.fill(&mut frame);
        sink.write(&frame).unwrap();
        spoken.extend_from_slice(&frame);
    }
    sink.finalize().unwrap();
    let read = read_wav_48k_mono(&path).unwrap();
    assert_eq!(read, spoken);

    // Over the track and back.
    let mut enc = OpusEncoder::new().unwrap();
    let mut dec = OpusDecoder::new().unwrap();
    let mut heard = Vec::new();
    for (i, f) in read.chunks(FRAME).enumerate() {
        let packet = enc.encode(f).unwrap();
        // Lose every 25th packet, as a lossy network would.
        if i % 25 == 24 {
            heard.extend(dec.conceal());
        } else {
            heard.extend(dec.decode(&packet).unwrap());
        }
    }
    assert_eq!(heard.len(), spoken.len());
    let (a, b): (Level, Level) = (level_i16(&spoken), level_i16(&heard));
    assert!((a.rms_dbfs - b.rms_dbfs).abs() < 2.0, "{a:?} vs {b:?}");

    // The mock's VAD, listening on the far end, hears a turn from the start.
    let mut vad = Vad::new(VadParams::default());
    let mut first = None;
    for f in heard.chunks(FRAME) {
        if let Some(e) = vad.push(f).first() {
            first.get_or_insert((vad.audio_ms(), *e));
        }
    }
    let (at, e) = first.expect("no speech detected after Opus");
    assert_eq!(e, VadEvent::SpeechStarted { audio_start_ms: 0 });
    assert!(at <= 400, "detected at {at} ms");
}

#[test]
fn capture_at_44k1_stereo_streams_into_opus_frames() {
    // A device callback delivers 441 stereo frames (10 ms) at a time.
    let rate = 44_100;
    let interleaved: Vec<f32> = (0..rate)
        .flat_map(|i| {
            let v = sine(i, rate) as f32;
            [v, v]
        })
        .collect();
    let mut resampler = StreamResampler::new(rate, 2).unwrap();
    let mut enc = OpusEncoder::new().unwrap();
    let mut dec = OpusDecoder::new().unwrap();
    let mut pending: Vec<i16> = Vec::new();
    let mut out = Vec::new();
    let mut send = |pending: &mut Vec<i16>, out: &mut Vec<i16>| {
        while pending.len() >= FRAME {
            let frame: Vec<i16> = pending.drain(..FRAME).collect();
            out.extend(dec.decode(&enc.encode(&frame).unwrap()).unwrap());
        }
    };
    for callback in interleaved.chunks(441 * 2) {
        let mono = resampler.push(callback);
        pending.extend(mono.iter().map(|&s| (s * 32767.0).round() as i16));
        send(&mut pending, &mut out);
    }
    let tail = resampler.flush();
    pending.extend(tail.iter().map(|&s| (s * 32767.0).round() as i16));
    send(&mut pending, &mut out);
    assert!(pending.is_empty(), "1 s at 48 kHz is exactly 50 frames");
    assert_eq!(out.len(), 50 * FRAME);
    let mid = &out[4800..out.len() - 4800];
    let l = level_i16(mid);
    assert!((l.rms_dbfs + 9.03).abs() < 2.0, "{l:?}");
    assert!(power_at(mid, 1000.0) > 100.0 * power_at(mid, 1200.0));
}

#[test]
fn quiet_room_and_beeps_never_start_a_turn_after_opus() {
    // Chromium's fake capture device: short beeps every half second, between them
    // nothing. Sent through Opus, as the mock receives it.
    let mut enc = OpusEncoder::new().unwrap();
    let mut dec = OpusDecoder::new().unwrap();
    let mut vad = Vad::new(VadParams::default());
    let mut events = Vec::new();
    for i in 0..250u32 {
        let in_beep = i % 25 < 3; // 60 ms beep every 500 ms
        let frame: Vec<i16> = (0..FRAME as u32)
            .map(|n| {
                if in_beep {
                    (8000.0 * sine(i * FRAME as u32 + n, RATE) * 2.0) as i16
                } else {
                    0
                }
            })
            .collect();
        events.extend(vad.push(&dec.decode(&enc.encode(&frame).unwrap()).unwrap()));
    }
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(vad.audio_ms(), 5000);
}
