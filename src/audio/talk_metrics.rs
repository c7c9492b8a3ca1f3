//! Conversation timing measured on the audio itself: what rtconsole sent (the
//! user) and what it received (the model), laid out on one clock
//! ([`super::timeline`]). Server events say what the server believes; these say
//! what a listener on the call heard. Pure: stretches of speech in, numbers out.

use std::fmt;

use super::timeline::{Span, Track, PER_MS};

/// Pauses shorter than this inside one side's speech are between words or
/// phrases, not between turns.
pub const BRIDGE_MS: u64 = 300;
/// Sounds shorter than this (a click, a codec blip) are not speech.
pub const MIN_SPEECH_MS: u64 = 40;

/// What the audio of one run measured. Times are milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TalkMetrics {
    /// Per user turn the model answered: from the end of the user's speech to the
    /// first sound of the answer.
    pub response_gaps_ms: Vec<u64>,
    /// Per barge-in (the user starting to speak while the model speaks): from the
    /// start of the user's speech to the model's audio going silent.
    pub barge_in_stops_ms: Vec<u64>,
    /// Silence on both sides between the first sound of the call and the last.
    pub dead_air_total_ms: u64,
    pub dead_air_longest_ms: u64,
    /// Both sides speaking at once.
    pub talk_over_ms: u64,
}

impl TalkMetrics {
    /// Measures two tracks; `None` when neither side made a sound.
    pub fn from_tracks(sent: &Track, received: &Track) -> Option<Self> {
        measure(
            &sent.speech(BRIDGE_MS, MIN_SPEECH_MS),
            &received.speech(BRIDGE_MS, MIN_SPEECH_MS),
        )
    }

    /// The run's values by name, for reports that compare runs: per-turn values
    /// give the worst turn of the run, and are missing when nothing was measured
    /// (no answered turn, no barge-in).
    pub fn named_ms(&self) -> Vec<(&'static str, u64)> {
        let mut out = Vec::new();
        if let Some(&gap) = self.response_gaps_ms.iter().max() {
            out.push(("audio.response_gap_ms", gap));
        }
        if let Some(&stop) = self.barge_in_stops_ms.iter().max() {
            out.push(("audio.barge_in_stop_ms", stop));
        }
        out.push(("audio.dead_air_total_ms", self.dead_air_total_ms));
        out.push(("audio.dead_air_longest_ms", self.dead_air_longest_ms));
        out.push(("audio.talk_over_ms", self.talk_over_ms));
        out
    }
}

/// The metrics of `user` (sent) and `model` (received) speech, each in time
/// order; `None` when neither side spoke.
pub fn measure(user: &[Span], model: &[Span]) -> Option<TalkMetrics> {
    if user.is_empty() && model.is_empty() {
        return None;
    }
    let talking_at = |t: u64| model.iter().any(|m| m.start < t && t < m.end);
    let mut m = TalkMetrics::default();
    for (k, u) in user.iter().enumerate() {
        if talking_at(u.start) {
            let over = model.iter().find(|m| m.start < u.start && u.start < m.end);
            if let Some(over) = over {
                m.barge_in_stops_ms.push((over.end - u.start) / PER_MS);
            }
        }
        if talking_at(u.end) {
            continue;
        }
        // An answer is the model's next sound, if it came before the user spoke again.
        let next_user = user.get(k + 1).map(|n| n.start);
        if let Some(answer) = model.iter().find(|m| m.start >= u.end) {
            if next_user.is_none_or(|n| answer.start < n) {
                m.response_gaps_ms.push((answer.start - u.end) / PER_MS);
            }
        }
    }
    for u in user {
        for s in model {
            let overlap = u.end.min(s.end).saturating_sub(u.start.max(s.start));
            m.talk_over_ms += overlap;
        }
    }
    m.talk_over_ms /= PER_MS;
    let mut all: Vec<Span> = user.iter().chain(model).copied().collect();
    all.sort_by_key(|s| s.start);
    let mut covered_to = all[0].end;
    for s in &all[1..] {
        if s.start > covered_to {
            let gap = (s.start - covered_to) / PER_MS;
            m.dead_air_total_ms += gap;
            m.dead_air_longest_ms = m.dead_air_longest_ms.max(gap);
        }
        covered_to = covered_to.max(s.end);
    }
    Some(m)
}

/// One line for a run's summary.
impl fmt::Display for TalkMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[u64]| {
            v.iter()
                .map(|ms| format!("{ms} ms"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "audio timing: response gap ")?;
        match self.response_gaps_ms.as_slice() {
            [] => write!(f, "none (no answered turn)")?,
            gaps => write!(f, "{}", list(gaps))?,
        }
        if !self.barge_in_stops_ms.is_empty() {
            write!(
                f,
                "; stopped after barge-in in {}",
                list(&self.barge_in_stops_ms)
            )?;
        }
        write!(
            f,
            "; dead air {} ms (longest {} ms); talk-over {} ms",
            self.dead_air_total_ms, self.dead_air_longest_ms, self.talk_over_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::timeline::Pacing;

    fn span(start_ms: u64, end_ms: u64) -> Span {
        Span {
            start: start_ms * PER_MS,
            end: end_ms * PER_MS,
        }
    }

    #[test]
    fn a_plain_turn_has_a_gap_and_dead_air_but_no_talk_over() {
        let user = [span(1000, 2500)];
        let model = [span(3100, 6000)];
        let m = measure(&user, &model).unwrap();
        assert_eq!(m.response_gaps_ms, [600]);
        assert!(m.barge_in_stops_ms.is_empty());
        assert_eq!((m.dead_air_total_ms, m.dead_air_longest_ms), (600, 600));
        assert_eq!(m.talk_over_ms, 0);
        assert_eq!(
            m.named_ms(),
            [
                ("audio.response_gap_ms", 600),
                ("audio.dead_air_total_ms", 600),
                ("audio.dead_air_longest_ms", 600),
                ("audio.talk_over_ms", 0)
            ]
        );
    }

    #[test]
    fn a_barge_in_measures_how_long_the_model_kept_talking() {
        // Question, answer, the user cuts in 800 ms into it, the model stops 150 ms
        // later, then answers the interruption.
        let user = [span(0, 1500), span(2800, 3600)];
        let model = [span(2000, 2950), span(4200, 5000)];
        let m = measure(&user, &model).unwrap();
        assert_eq!(m.barge_in_stops_ms, [150]);
        assert_eq!(m.response_gaps_ms, [500, 600]);
        assert_eq!(m.talk_over_ms, 150);
        assert_eq!((m.dead_air_total_ms, m.dead_air_longest_ms), (1100, 600));
        let named = m.named_ms();
        assert!(named.contains(&("audio.barge_in_stop_ms", 150)));
        assert!(
            named.contains(&("audio.response_gap_ms", 600)),
            "the worst turn"
        );
    }

    #[test]
    fn a_user_who_speaks_again_before_any_answer_has_no_gap_for_that_turn() {
        let user = [span(0, 1000), span(1500, 2000)];
        let model = [span(2400, 3000)];
        let m = measure(&user, &model).unwrap();
        assert_eq!(m.response_gaps_ms, [400]);
        assert_eq!(m.dead_air_total_ms, 500 + 400);
    }

    #[test]
    fn silence_on_both_sides_measures_nothing() {
        assert_eq!(measure(&[], &[]), None);
        let m = measure(&[span(0, 500)], &[]).unwrap();
        assert!(m.response_gaps_ms.is_empty());
        assert_eq!(m.dead_air_total_ms, 0);
        assert!(m.to_string().contains("response gap none"), "{m}");
    }

    #[test]
    fn tracks_of_timestamped_blocks_measure_the_same_as_their_spans() {
        let tone = |ms: u64| -> Vec<i16> {
            (0..ms * PER_MS)
                .map(|i| ((i as f64 * 0.05).sin() * 10_000.0) as i16)
                .collect()
        };
        let mut sent = Track::new(Pacing::Stamped, false);
        let mut received = Track::new(Pacing::Arrival, false);
        // The user speaks from 1000 to 2000 ms, in 20 ms frames with silence around.
        for i in 0..200u64 {
            let at = i * 20;
            let frame = if (50..100).contains(&i) {
                tone(20)
            } else {
                vec![0; 960]
            };
            sent.push(at, &frame);
        }
        // The answer arrives in a burst at 2700 ms: played from its arrival on.
        for _ in 0..25 {
            received.push(2700, &tone(20));
        }
        let m = TalkMetrics::from_tracks(&sent, &received).unwrap();
        assert_eq!(m.response_gaps_ms, [700]);
        assert_eq!(m.talk_over_ms, 0);
    }
}
