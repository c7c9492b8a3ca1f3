//! The audio engine and device layer on whatever machine runs the tests. On machines
//! without a sound card (CI, VMs, this project's build box) the engine must still run,
//! say so, and carry paced 20 ms frames; WAV files must work in both directions; and
//! nothing from alsa-lib may reach stderr. Tests that need "no sound card" skip
//! themselves on a machine that has one, and no test opens a real device on purpose.

use std::f64::consts::PI;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rtconsole::audio::devices::{self, DeviceError, Direction};
use rtconsole::audio::engine::{AudioEngine, AudioError, AudioOptions};
use rtconsole::audio::gate::GateState;
use rtconsole::audio::levels::level_i16;
use rtconsole::audio::opus_codec::{OpusDecoder, OpusEncoder};
use rtconsole::audio::wav::{read_wav_48k_mono, write_wav_48k_mono};
use rtconsole::audio::FRAME;

/// Set in the child process of `listing_and_engine_keep_stderr_clean`.
const CHILD_ENV: &str = "RTCONSOLE_AUDIO_TEST_CHILD";

/// Generous limit for things that normally take milliseconds; only a hang hits it.
const PATIENCE: Duration = Duration::from_secs(20);

fn tone(freq: f64, amplitude: f64, samples: usize) -> Vec<i16> {
    (0..samples)
        .map(|i| (amplitude * (2.0 * PI * freq * i as f64 / 48_000.0).sin()).round() as i16)
        .collect()
}

fn default_input_usable() -> bool {
    devices::list_devices()
        .inputs
        .iter()
        .any(|d| d.is_default && d.default_format.is_ok())
}

/// Waits for `n` packets, failing only if they never come.
fn take_packets(rx: &mut tokio::sync::mpsc::Receiver<Vec<u8>>, n: usize) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + PATIENCE;
    let mut out = Vec::new();
    while out.len() < n {
        match rx.try_recv() {
            Ok(p) => out.push(p),
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("only {} of {n} packets arrived: {e}", out.len()),
        }
    }
    out
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn decode_all(packets: &[Vec<u8>]) -> Vec<i16> {
    let mut dec = OpusDecoder::new().unwrap();
    packets
        .iter()
        .flat_map(|p| dec.decode(p).unwrap())
        .collect()
}

/// Options that never touch a real microphone, whatever the machine has.
fn wav_options(dir: &Path, input: &[i16]) -> AudioOptions {
    let path = dir.join("in.wav");
    write_wav_48k_mono(&path, input).unwrap();
    AudioOptions {
        input_wav: Some(path),
        output_wav: Some(dir.join("out.wav")),
        ..AudioOptions::default()
    }
}

#[test]
fn without_a_sound_card_the_engine_says_text_only_and_sends_paced_silence() {
    if default_input_usable() {
        eprintln!("skipped: this machine has a usable default input device");
        return;
    }
    // Counted from before the start, so packets made while the test thread was slow
    // to look still fall within the budget.
    let start = Instant::now();
    let mut engine = AudioEngine::start(AudioOptions::default()).unwrap();
    let input = engine.input_status();
    assert!(
        input.starts_with("no input device — text only ("),
        "{input}"
    );
    assert!(
        input.len() > "no input device — text only ()".len(),
        "no reason: {input}"
    );
    let output = engine.output_status();
    assert!(output.starts_with("no output device"), "{output}");

    let mut rx = engine.take_packets().unwrap();
    let packets = take_packets(&mut rx, 25);
    // Nothing may run ahead of the 20 ms clock (ALSA's null device would run at
    // millions of samples a second); a stalled test thread only lowers the count.
    let elapsed = start.elapsed();
    let late = std::iter::from_fn(|| rx.try_recv().ok()).count();
    let budget = (elapsed.as_millis() / 20) as usize + 12;
    assert!(
        packets.len() + late <= budget,
        "{} packets in {elapsed:?}",
        packets.len() + late
    );

    let pcm = decode_all(&packets);
    assert_eq!(pcm.len(), 25 * FRAME);
    assert!(
        pcm.iter().all(|s| s.abs() < 4),
        "silence decodes to silence"
    );
    assert!(engine.meters.mic.blocks() >= 25);
    // The null sink keeps the speaker side on the same clock.
    wait_for("the null sink to play", || {
        engine.stats().frames_played >= 10
    });
    assert!(engine.meters.speaker.blocks() >= 10);
    assert!(!engine.playing());
    assert!(!engine.echo_suspected());
    engine.stop();
}

#[test]
fn wav_input_goes_up_the_track_as_20ms_packets_that_decode_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = tone(440.0, 8000.0, 48_000); // 1 s
    let mut engine = AudioEngine::start(wav_options(dir.path(), &source)).unwrap();
    assert!(
        engine.input_status().starts_with("WAV file "),
        "{}",
        engine.input_status()
    );
    let mut rx = engine.take_packets().unwrap();
    let packets = take_packets(&mut rx, 55);
    engine.stop();

    let pcm = decode_all(&packets);
    // Opus adds a few ms of delay: find it, then the decoded tone must match the file.
    let score = |lag: usize| -> f64 {
        let a = &source[2 * FRAME..40 * FRAME];
        let b = &pcm[2 * FRAME + lag..40 * FRAME + lag];
        let dot: f64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum();
        let na: f64 = a.iter().map(|&x| f64::from(x).powi(2)).sum();
        let nb: f64 = b.iter().map(|&y| f64::from(y).powi(2)).sum();
        dot / (na * nb).sqrt()
    };
    let (lag, best) = (0..480)
        .map(|l| (l, score(l)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(best > 0.95, "correlation {best} at lag {lag}");
    // After the file: silence, still one packet per 20 ms.
    let tail = &pcm[52 * FRAME..];
    assert!(level_i16(tail).rms_dbfs < -60.0);
}

#[test]
fn remote_packets_are_reordered_decoded_and_written_to_the_output_wav() {
    let dir = tempfile::tempdir().unwrap();
    let options = wav_options(dir.path(), &[0; FRAME]);
    let out_path = options.output_wav.clone().unwrap();
    let engine = AudioEngine::start(options).unwrap();
    assert!(engine.output_status().starts_with("WAV file "));

    let mut enc = OpusEncoder::new().unwrap();
    let sent = tone(300.0, 10_000.0, 10 * FRAME);
    let packets: Vec<Vec<u8>> = sent.chunks(FRAME).map(|f| enc.encode(f).unwrap()).collect();
    let remote = engine.remote();
    // Sequence numbers wrap mid-way, and two packets arrive swapped.
    let mut order: Vec<usize> = (0..10).collect();
    order.swap(3, 4);
    for i in order {
        assert!(remote.push(65_530u16.wrapping_add(i as u16), &packets[i]));
    }
    wait_for("10 packets to play", || engine.stats().jitter.played >= 10);
    let stats = engine.stats();
    assert_eq!(
        (stats.jitter.concealed, stats.jitter.late),
        (0, 0),
        "{stats:?}"
    );
    engine.stop();

    let written = read_wav_48k_mono(&out_path).unwrap();
    let expected = decode_all(&packets);
    let found = written
        .chunks(FRAME)
        .collect::<Vec<_>>()
        .windows(10)
        .any(|w| w.concat() == expected);
    assert!(
        found,
        "the decoded packets are not in the output WAV ({} samples)",
        written.len()
    );
}

#[test]
fn mute_push_to_talk_and_speaker_mute_act_on_the_audio() {
    let dir = tempfile::tempdir().unwrap();
    let options = wav_options(dir.path(), &tone(440.0, 8000.0, 48_000 * 3));
    let out_path = options.output_wav.clone().unwrap();
    let mut engine = AudioEngine::start(options).unwrap();
    let mut rx = engine.take_packets().unwrap();

    engine.set_mic_muted(true);
    wait_for("the mute to apply", || {
        engine.gate_state() == GateState::Muted
    });
    // Frames sent before the mute are queued ahead; the first muted ones may still
    // carry the codec's memory of the tone.
    while rx.try_recv().is_ok() {}
    let muted = decode_all(&take_packets(&mut rx, 12));
    assert!(
        level_i16(&muted[2 * FRAME..]).rms_dbfs < -60.0,
        "muted mic is not silent"
    );
    // The meter still hears the file: the user can see the mic works while muted.
    assert!(engine.meters.mic.load().rms_dbfs > -20.0);

    engine.set_mic_muted(false);
    engine.set_push_to_talk(true);
    wait_for("push-to-talk to close", || {
        engine.gate_state() == GateState::NotTalking
    });
    engine.set_talking(true);
    wait_for("talking to open", || engine.gate_state() == GateState::Open);

    engine.set_speaker_muted(true);
    let mut enc = OpusEncoder::new().unwrap();
    for (i, f) in tone(300.0, 10_000.0, 5 * FRAME).chunks(FRAME).enumerate() {
        engine.push_rtp(i as u16, &enc.encode(f).unwrap());
    }
    wait_for("5 packets to play", || engine.stats().jitter.played >= 5);
    engine.stop();
    let written = read_wav_48k_mono(&out_path).unwrap();
    assert!(
        written.iter().all(|&s| s == 0),
        "a muted speaker wrote audio"
    );
}

#[test]
fn half_duplex_closes_the_mic_while_the_model_speaks() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = wav_options(dir.path(), &tone(440.0, 8000.0, 48_000 * 5));
    options.half_duplex = true;
    let engine = AudioEngine::start(options).unwrap();
    wait_for("the mic to be open", || {
        engine.gate_state() == GateState::Open
    });
    let mut enc = OpusEncoder::new().unwrap();
    for (i, f) in tone(300.0, 10_000.0, 8 * FRAME).chunks(FRAME).enumerate() {
        engine.push_rtp(i as u16, &enc.encode(f).unwrap());
    }
    wait_for("playing()", || engine.playing());
    wait_for("the gate to close", || {
        engine.gate_state() == GateState::SpeakerPlaying
    });
    // The hangover ends and the mic reopens once the model is quiet.
    wait_for("the mic to reopen", || {
        engine.gate_state() == GateState::Open
    });
    assert!(!engine.playing());
    engine.stop();
}

#[test]
fn flush_playback_drops_queued_audio() {
    let dir = tempfile::tempdir().unwrap();
    let engine = AudioEngine::start(wav_options(dir.path(), &[0; FRAME])).unwrap();
    let mut enc = OpusEncoder::new().unwrap();
    // Queue as much as the jitter buffer holds, then clear it at once.
    for (i, f) in tone(300.0, 10_000.0, 10 * FRAME).chunks(FRAME).enumerate() {
        engine.push_rtp(i as u16, &enc.encode(f).unwrap());
    }
    engine.flush_playback();
    std::thread::sleep(Duration::from_millis(300));
    let stats = engine.stats();
    assert!(stats.jitter.played < 10, "{stats:?}");
    assert_eq!(stats.jitter_depth_ms, 0);
    // Audio sent after the flush plays normally.
    for (i, f) in tone(300.0, 10_000.0, 4 * FRAME).chunks(FRAME).enumerate() {
        engine.push_rtp(10 + i as u16, &enc.encode(f).unwrap());
    }
    wait_for("post-flush audio", || {
        engine.stats().jitter.played >= stats.jitter.played + 4
    });
}

#[test]
fn named_devices_and_files_that_cannot_be_used_are_errors() {
    let err = AudioEngine::start(AudioOptions {
        input_device: Some("no-such-device-xyz".into()),
        ..AudioOptions::default()
    })
    .err()
    .expect("a missing named device must fail");
    assert!(
        matches!(err, AudioError::Device(DeviceError::NotFound { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("rtconsole devices"), "{err}");

    let err = AudioEngine::start(AudioOptions {
        input_wav: Some("/nonexistent/in.wav".into()),
        ..AudioOptions::default()
    })
    .err()
    .expect("a missing WAV must fail");
    assert!(err.to_string().contains("/nonexistent/in.wav"), "{err}");
}

#[test]
fn without_a_sound_card_the_default_device_is_no_device_with_its_reason() {
    if default_input_usable() {
        eprintln!("skipped: this machine has a usable default input device");
        return;
    }
    let _quiet = devices::QuietAlsa::install();
    for direction in [Direction::Input, Direction::Output] {
        match devices::choose(direction, None) {
            Err(e @ DeviceError::NoDevice { .. }) => {
                let text = e.to_string();
                assert!(text.starts_with("no "), "{text}");
                assert!(text.contains('('), "no reason given: {text}");
            }
            Err(e) => panic!("expected NoDevice, got {e}"),
            Ok(_) => panic!("the default device opened without a sound card"),
        }
    }
}

#[test]
fn an_unpaced_device_is_dropped_for_the_engines_own_clock() {
    let listing = devices::list_devices();
    let has_null = |l: &[devices::DeviceInfo]| l.iter().any(|d| d.id == "null");
    if !has_null(&listing.inputs) || !has_null(&listing.outputs) {
        eprintln!("skipped: no ALSA null device here");
        return;
    }
    let mut engine = AudioEngine::start(AudioOptions {
        input_device: Some("null".into()),
        output_device: Some("null".into()),
        ..AudioOptions::default()
    })
    .unwrap();
    let mut rx = engine.take_packets().unwrap();
    wait_for("the watchdog", || {
        while rx.try_recv().is_ok() {}
        engine.input_status().contains("not paced") && engine.output_status().contains("not paced")
    });
    assert!(engine
        .input_status()
        .starts_with("no input device — text only"));
    // From now on the engine's clock paces the track.
    while rx.try_recv().is_ok() {}
    let start = Instant::now();
    let n = take_packets(&mut rx, 10).len() + std::iter::from_fn(|| rx.try_recv().ok()).count();
    assert!(
        n <= (start.elapsed().as_millis() / 20) as usize + 12,
        "{n} packets"
    );
}

/// The child half of the next test: lists devices and runs the engine briefly.
#[test]
fn child_lists_devices_and_runs_the_engine() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let code = rtconsole::commands::devices::run();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    if default_input_usable() {
        return; // do not open a real microphone from a test
    }
    let mut engine = AudioEngine::start(AudioOptions::default()).unwrap();
    let mut rx = engine.take_packets().unwrap();
    take_packets(&mut rx, 5);
    engine.stop();
}

#[test]
fn listing_and_engine_keep_stderr_clean() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_lists_devices_and_runs_the_engine",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("inputs (--input-device"), "{stdout}");
    assert!(stdout.contains("outputs (--output-device"), "{stdout}");
    for noise in ["ALSA lib", "snd_", "Unknown PCM", "cannot find card"] {
        assert!(
            !stderr.contains(noise),
            "alsa-lib reached stderr:\n{stderr}"
        );
    }
    if !default_input_usable() {
        assert!(
            stdout.contains("is not usable: no input device — text only"),
            "{stdout}"
        );
    }
}
