//! `--output-stereo` lays both sides on the run's clock: a click sent at a known
//! time lands there (within one 20 ms frame) in the left channel, and audio
//! received in a burst starts in the right channel at its arrival. Synthetic
//! timestamps, the same tracks and writer the runner uses.

use rtconsole::audio::timeline::{Pacing, Track, PER_MS};
use rtconsole::audio::wav::write_wav_48k_stereo;

const FRAME: usize = 960;

fn first_loud(samples: &[i16], from: usize) -> Option<usize> {
    samples[from..]
        .iter()
        .position(|s| s.unsigned_abs() > 1000)
        .map(|i| i + from)
}

#[test]
fn a_click_lands_at_its_send_time_and_received_audio_at_its_arrival() {
    let mut sent = Track::new(Pacing::Stamped, true);
    let mut received = Track::new(Pacing::Arrival, true);
    // A backlog of frames queued before the call was up, stamped early…
    for i in 0..8u64 {
        sent.push(i * 20, &[0; FRAME]);
    }
    // …then the microphone's frames every 20 ms with a little timer jitter; the
    // frame stamped 1234 ms starts with a click.
    let mut click_at_ms = None;
    for i in 0..150u64 {
        let at = 100 + i * 20 + [0, 1, 3, 0, 2][(i % 5) as usize];
        let mut frame = [0i16; FRAME];
        if click_at_ms.is_none() && at >= 1234 {
            frame[0] = 20_000;
            click_at_ms = Some(at);
        }
        sent.push(at, &frame);
    }
    let click_at_ms = click_at_ms.expect("a click frame");
    // The answer arrives at 2000 ms as a burst of five frames, then paced.
    let tone: Vec<i16> = (0..FRAME)
        .map(|i| ((i as f64 * 0.07).sin() * 12_000.0) as i16)
        .collect();
    for _ in 0..5 {
        received.push(2000, &tone);
    }
    for i in 1..10u64 {
        received.push(2000 + 100 + i * 20, &tone);
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stereo.wav");
    write_wav_48k_stereo(&path, sent.samples().unwrap(), received.samples().unwrap()).unwrap();

    let mut reader = hound::WavReader::open(&path).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate), (2, 48_000));
    let all: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let left: Vec<i16> = all.iter().step_by(2).copied().collect();
    let right: Vec<i16> = all.iter().skip(1).step_by(2).copied().collect();

    let click = first_loud(&left, 0).expect("the click is in the left channel");
    let want = (click_at_ms * PER_MS) as i64;
    assert!(
        (click as i64 - want).abs() <= FRAME as i64,
        "click at sample {click}, sent at {click_at_ms} ms = sample {want}"
    );
    assert!(
        first_loud(&right[..click + FRAME], 0).is_none(),
        "the right channel holds only what was received"
    );
    let answer = first_loud(&right, 0).expect("received audio in the right channel");
    let arrival = (2000 * PER_MS) as usize;
    assert!(
        (arrival..arrival + 10).contains(&answer),
        "received audio starts at sample {answer}, arrived at {arrival}"
    );
    assert!(
        first_loud(&left, click + 10).is_none(),
        "nothing else was sent"
    );
}
