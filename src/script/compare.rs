//! Comparing the server events of a replay with those of the recording, by event
//! type alone: ids, times and words differ from run to run, and so does how many
//! deltas a text is cut into, so each run of deltas of one type counts once. The
//! alignment is `similar`'s Myers diff over the folded type sequences.

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

use serde_json::Value;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

use super::event_types::{is_delta, match_name};

/// How long the diff may search for the smallest set of differences. Sequences
/// that are long and very different take longer; past this `similar` finishes
/// with a coarser (still correct) listing and the report says so.
const ALIGN_BUDGET: Duration = Duration::from_secs(2);
/// Differences listed by [`Comparison::render`]; the rest are counted.
const MAX_LISTED: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// In the recording, not in the replay.
    Missing,
    /// In the replay, not in the recording.
    Extra,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub kind: DiffKind,
    pub event_type: String,
    /// 1-based number of the event in its own list (the recording's for `Missing`,
    /// the replay's for `Extra`).
    pub position: usize,
    /// The last event type both sequences had before this point.
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub expected_count: usize,
    pub produced_count: usize,
    pub differences: Vec<Difference>,
    /// The sequences were too long and too different to align within the time
    /// budget: past the first difference the listing is coarser than it could be.
    pub too_different: bool,
}

impl Comparison {
    pub fn is_identical(&self) -> bool {
        self.differences.is_empty()
    }

    /// A short report for a person.
    pub fn render(&self) -> String {
        let mut out = format!(
            "server events: {} expected, {} received (deltas folded; ids, times and text ignored): ",
            self.expected_count, self.produced_count
        );
        if self.is_identical() {
            out.push_str("same sequence");
            return out;
        }
        out.push_str(&format!("{} difference(s)", self.differences.len()));
        if self.too_different {
            out.push_str(", too different to align event by event: the list is coarse");
        }
        for d in self.differences.iter().take(MAX_LISTED) {
            let kind = match d.kind {
                DiffKind::Missing => "missing",
                DiffKind::Extra => "extra  ",
            };
            let after = d
                .after
                .as_deref()
                .map_or("at the start".to_string(), |a| format!("after {a}"));
            out.push_str(&format!(
                "\n  {kind} #{} {} ({after})",
                d.position, d.event_type
            ));
        }
        if self.differences.len() > MAX_LISTED {
            out.push_str(&format!(
                "\n  … and {} more",
                self.differences.len() - MAX_LISTED
            ));
        }
        out
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// (1-based position, type) of each event, with repeated deltas of a type folded
/// into the first until the next event that is not a delta.
fn fold(events: &[Value]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut deltas: HashSet<String> = HashSet::new();
    for (i, e) in events.iter().enumerate() {
        let ty = e
            .get("type")
            .and_then(Value::as_str)
            .map_or_else(|| "(not an event)".to_string(), match_name);
        if is_delta(&ty) {
            if !deltas.insert(ty.clone()) {
                continue;
            }
        } else {
            deltas.clear();
        }
        out.push((i + 1, ty));
    }
    out
}

/// Aligns two event sequences by type (a shortest edit script) and lists what one
/// has and the other lacks, each with the last type both had before it.
pub fn compare_server_events(expected: &[Value], produced: &[Value]) -> Comparison {
    let a = fold(expected);
    let b = fold(produced);
    let types = |f: &[(usize, String)]| f.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    let (ta, tb) = (types(&a), types(&b));
    let deadline = Instant::now() + ALIGN_BUDGET;
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &ta, &tb, Some(deadline));
    let mut differences = Vec::new();
    let mut after: Option<String> = None;
    let mut push = |kind, (position, ty): &(usize, String), after: &Option<String>| {
        differences.push(Difference {
            kind,
            event_type: ty.clone(),
            position: *position,
            after: after.clone(),
        })
    };
    for op in ops {
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                after = Some(ta[old_index + len - 1].clone());
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => a[old_index..old_index + old_len]
                .iter()
                .for_each(|e| push(DiffKind::Missing, e, &after)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => b[new_index..new_index + new_len]
                .iter()
                .for_each(|e| push(DiffKind::Extra, e, &after)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                a[old_index..old_index + old_len]
                    .iter()
                    .for_each(|e| push(DiffKind::Missing, e, &after));
                b[new_index..new_index + new_len]
                    .iter()
                    .for_each(|e| push(DiffKind::Extra, e, &after));
            }
        }
    }
    Comparison {
        expected_count: expected.len(),
        produced_count: produced.len(),
        differences,
        too_different: Instant::now() >= deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn evs(types: &[&str]) -> Vec<Value> {
        types
            .iter()
            .map(|t| json!({"type": t, "event_id": "x"}))
            .collect()
    }

    #[test]
    fn deltas_fold_until_the_next_other_event() {
        let f = fold(&evs(&[
            "response.output_text.delta",
            "response.output_audio_transcript.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.text.delta",
        ]));
        let types: Vec<&str> = f.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            types,
            [
                "response.output_text.delta",
                "response.output_audio_transcript.delta",
                "response.output_text.done",
                "response.output_text.delta"
            ]
        );
        assert_eq!(f[2].0, 4);
    }

    #[test]
    fn one_missing_and_one_extra_with_positions() {
        let a = evs(&[
            "session.created",
            "response.created",
            "rate_limits.updated",
            "response.done",
        ]);
        let b = evs(&[
            "session.created",
            "response.created",
            "error",
            "response.done",
        ]);
        let c = compare_server_events(&a, &b);
        assert_eq!(c.differences.len(), 2, "{}", c.render());
        assert_eq!(c.differences[0].kind, DiffKind::Missing);
        assert_eq!(c.differences[0].position, 3);
        assert_eq!(c.differences[0].after.as_deref(), Some("response.created"));
        assert_eq!(c.differences[1].kind, DiffKind::Extra);
        assert_eq!(c.differences[1].event_type, "error");
        assert!(
            c.render()
                .contains("missing #3 rate_limits.updated (after response.created)"),
            "{}",
            c.render()
        );
    }

    #[test]
    fn beta_names_compare_equal_to_ga() {
        let a = evs(&["response.text.delta", "response.text.done"]);
        let b = evs(&[
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
        ]);
        assert!(compare_server_events(&a, &b).is_identical());
    }

    #[test]
    fn long_sequences_align_without_a_quadratic_table() {
        // 20,000 events each side with scattered differences: the old table would
        // have needed 400 million cells.
        let types: Vec<String> = (0..20_000).map(|i| format!("t{}", i % 7)).collect();
        let a: Vec<Value> = types.iter().map(|t| json!({"type": t})).collect();
        let mut b = a.clone();
        b.remove(10_000);
        b.insert(15_000, json!({"type": "error"}));
        let c = compare_server_events(&a, &b);
        assert!(!c.too_different);
        assert_eq!(c.differences.len(), 2, "{}", c.render());
        assert_eq!(c.differences[0].kind, DiffKind::Missing);
        assert_eq!(c.differences[1].event_type, "error");
    }
}
