//! Comparing the server events of a replay with those of the recording, by event
//! type alone: ids, times and words differ from run to run, and so does how many
//! deltas a text is cut into, so each run of deltas of one type counts once.

use std::collections::HashSet;
use std::fmt;

use serde_json::Value;

use super::event_types::{is_delta, match_name};

/// Above this many table cells the middle of the two sequences is not aligned
/// event by event (16 MB of table); the first divergence is reported instead.
const MAX_CELLS: usize = 4_000_000;
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
    /// The sequences were too long and too different to align; `differences` holds
    /// only the first divergence.
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
            out.push_str(", too different to align past the first");
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

/// Aligns two event sequences by type (a longest common subsequence) and lists what
/// one has and the other lacks.
pub fn compare_server_events(expected: &[Value], produced: &[Value]) -> Comparison {
    let a = fold(expected);
    let b = fold(produced);
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x.1 == y.1).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x.1 == y.1)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let before = prefix.checked_sub(1).map(|i| a[i].1.clone());
    let mut comparison = Comparison {
        expected_count: expected.len(),
        produced_count: produced.len(),
        differences: Vec::new(),
        too_different: false,
    };
    if (am.len() + 1) * (bm.len() + 1) > MAX_CELLS {
        comparison.too_different = true;
        let first = match (am.first(), bm.first()) {
            (Some(x), _) => (DiffKind::Missing, x),
            (None, Some(y)) => (DiffKind::Extra, y),
            (None, None) => return comparison,
        };
        comparison.differences.push(Difference {
            kind: first.0,
            event_type: first.1 .1.clone(),
            position: first.1 .0,
            after: before,
        });
        return comparison;
    }
    comparison.differences = align(am, bm, before);
    comparison
}

fn align(
    a: &[(usize, String)],
    b: &[(usize, String)],
    mut after: Option<String>,
) -> Vec<Difference> {
    let w = b.len() + 1;
    // lcs[i * w + j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![0u32; (a.len() + 1) * w];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * w + j] = if a[i].1 == b[j].1 {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let diff = |kind, e: &(usize, String), after: &Option<String>| Difference {
        kind,
        event_type: e.1.clone(),
        position: e.0,
        after: after.clone(),
    };
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i].1 == b[j].1 {
            after = Some(a[i].1.clone());
            i += 1;
            j += 1;
        } else if j >= b.len() || (i < a.len() && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            out.push(diff(DiffKind::Missing, &a[i], &after));
            i += 1;
        } else {
            out.push(diff(DiffKind::Extra, &b[j], &after));
            j += 1;
        }
    }
    out
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
}
