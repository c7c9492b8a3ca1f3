//! The `local.proxy.*` notes: what the proxy did, as one JSON shape shared by
//! `--headless`'s output, the proxy's recordings and the TUI's log.

use serde_json::{json, Value};

use crate::transport::proxy::ProxyEvent;

/// The note for a proxy event, without its connection number (the caller puts it
/// where its format wants it); `None` for relayed messages, which are events of
/// their own, not notes.
pub fn note_of(event: &ProxyEvent) -> Option<Value> {
    Some(match event {
        ProxyEvent::Text { .. } | ProxyEvent::Binary { .. } => return None,
        ProxyEvent::Opened {
            target, call_id, ..
        } => {
            let mut note = json!({"type": "local.proxy.open", "path": target});
            if let Some(id) = call_id {
                note["call_id"] = json!(id);
            }
            note
        }
        ProxyEvent::Audio {
            flow,
            packets,
            bytes,
            undecodable,
            rms_dbfs,
            peak_dbfs,
            ..
        } => json!({
            "type": "local.proxy.audio",
            "flow": flow.as_str(),
            "audio": {
                "packets": packets,
                "bytes": bytes,
                "undecodable": undecodable,
                "rms_dbfs": round1(*rms_dbfs),
                "peak_dbfs": round1(*peak_dbfs),
            },
        }),
        ProxyEvent::Closed {
            by,
            code,
            reason,
            explanation,
            ..
        } => {
            let mut note = json!({
                "type": "local.proxy.closed",
                "by": by.as_str(),
                "code": code,
                "reason": reason,
            });
            if let Some(e) = explanation {
                note["explanation"] = json!(e);
            }
            note
        }
        ProxyEvent::Refused {
            target,
            status,
            body,
            ..
        } => json!({
            "type": "local.proxy.refused",
            "path": target,
            "status": status,
            "body": json_or_text(body),
        }),
        ProxyEvent::Held {
            hold, flow, text, ..
        } => json!({
            "type": "local.proxy.held",
            "hold": hold,
            "flow": flow.as_str(),
            "event": json_or_text(text),
        }),
        ProxyEvent::Decided {
            hold,
            flow,
            released,
            edited,
            ..
        } => json!({
            "type": if *released { "local.proxy.released" } else { "local.proxy.dropped" },
            "hold": hold,
            "flow": flow.as_str(),
            "edited": edited,
        }),
        ProxyEvent::Http {
            method,
            path,
            status,
            request,
            response,
            ..
        } => json!({
            "type": "local.proxy.http",
            "method": method,
            "path": path,
            "status": status,
            "request": json_or_text(request),
            "response": json_or_text(response),
        }),
    })
}

/// A body as JSON when it is, else as a string (an SDP, an HTML error page).
pub fn json_or_text(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| json!(body))
}

/// A level to one decimal: meters, not measurements.
fn round1(db: f32) -> f64 {
    (f64::from(db) * 10.0).round() / 10.0
}
