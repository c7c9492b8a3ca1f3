//! Field-level comparison of the session config a client asked for with the one
//! the server reports. `session.update` is partial, so only fields that were
//! sent are compared; a field the server did not echo back was dropped.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum FieldChange {
    /// Sent, but absent from the server's effective config.
    Dropped { sent: Value },
    /// Sent, and the server reports a different value.
    Changed { sent: Value, effective: Value },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDiff {
    /// Dotted path in the GA session, e.g. `audio.input.turn_detection.threshold`.
    pub path: String,
    pub change: FieldChange,
}

impl std::fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.change {
            FieldChange::Dropped { sent } => {
                write!(f, "{}: sent {sent}, the server dropped it", self.path)
            }
            FieldChange::Changed { sent, effective } => {
                write!(f, "{}: sent {sent}, the server uses {effective}", self.path)
            }
        }
    }
}

/// Numbers compare by value (`1` equals `1.0`): servers re-encode them.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Differences between `sent` and `effective`, for every leaf of `sent`.
pub fn diff(sent: &Value, effective: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    walk(sent, Some(effective), String::new(), &mut out);
    out
}

fn walk(sent: &Value, effective: Option<&Value>, path: String, out: &mut Vec<FieldDiff>) {
    match (sent, effective) {
        (Value::Object(s), Some(Value::Object(e))) => {
            for (k, v) in s {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, e.get(k), p, out);
            }
        }
        (_, None) => out.push(FieldDiff {
            path,
            change: FieldChange::Dropped { sent: sent.clone() },
        }),
        (_, Some(e)) if !same(sent, e) => out.push(FieldDiff {
            path,
            change: FieldChange::Changed {
                sent: sent.clone(),
                effective: e.clone(),
            },
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_reports_changed_and_dropped_leaves_only() {
        let sent = json!({"type":"realtime","instructions":"hi","audio":{"output":{"voice":"cedar","speed":1},"input":{"turn_detection":{"threshold":0.9}}},"bogus":1});
        let eff = json!({"type":"realtime","instructions":"hi","audio":{"output":{"voice":"marin","speed":1.0},"input":{"turn_detection":{"threshold":0.9,"silence_duration_ms":200}}}});
        let d = diff(&sent, &eff);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].path, "audio.output.voice");
        assert!(matches!(d[0].change, FieldChange::Changed { .. }));
        assert_eq!(d[1].path, "bogus");
        assert!(matches!(d[1].change, FieldChange::Dropped { .. }));
        assert_eq!(
            d[0].to_string(),
            "audio.output.voice: sent \"cedar\", the server uses \"marin\""
        );
    }

    #[test]
    fn null_sent_against_object_is_a_change() {
        let d = diff(
            &json!({"audio":{"input":{"turn_detection":null}}}),
            &json!({"audio":{"input":{"turn_detection":{"type":"server_vad"}}}}),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "audio.input.turn_detection");
    }
}
