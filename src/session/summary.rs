//! One-line summaries of events for the log. They must be safe to print on a
//! terminal whatever a server sends: control characters are escaped and long
//! text is cut.

use crate::protocol::item::Item;
use crate::protocol::server_event::ServerEvent;
use crate::protocol::session_config::SessionConfig;

const MAX_QUOTE: usize = 80;

/// Escapes control characters and cuts at `max` characters with an ellipsis.
pub fn one_line(s: &str, max: usize) -> String {
    // Most text is short printable ASCII: copy it whole.
    if s.len() <= max && s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len().min(max + 8));
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

fn quote(s: &str) -> String {
    format!("\"{}\"", one_line(s, MAX_QUOTE))
}

fn item_summary(item: &Item) -> String {
    let id = item.id.as_deref().unwrap_or("?");
    match item.kind.as_str() {
        "function_call" => format!(
            "{id} function_call {}({})",
            item.name.as_deref().unwrap_or("?"),
            one_line(item.arguments.as_deref().unwrap_or(""), MAX_QUOTE)
        ),
        "function_call_output" => format!(
            "{id} function_call_output {} = {}",
            item.call_id.as_deref().unwrap_or("?"),
            one_line(item.output.as_deref().unwrap_or(""), MAX_QUOTE)
        ),
        kind => {
            let mut s = String::from(id);
            if let Some(role) = &item.role {
                s.push(' ');
                s.push_str(role.as_str());
            }
            s.push(' ');
            s.push_str(kind);
            let words = item.words();
            if !words.is_empty() {
                s.push_str(": ");
                s.push_str(&quote(&words));
            }
            s
        }
    }
}

pub fn session_summary(s: &SessionConfig) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &s.model {
        parts.push(m.clone());
    }
    if let Some(v) = s.voice() {
        parts.push(format!(
            "voice {}",
            v.as_str().map(str::to_string).unwrap_or(v.to_string())
        ));
    }
    if let Some(m) = &s.output_modalities {
        parts.push(m.join("+"));
    }
    match s.turn_detection() {
        Some(Some(td)) => parts.push(td.kind.clone()),
        Some(None) => parts.push("turn detection off".into()),
        None => {}
    }
    if let Some(t) = &s.tools {
        if !t.is_empty() {
            parts.push(format!(
                "{} tool{}",
                t.len(),
                if t.len() == 1 { "" } else { "s" }
            ));
        }
    }
    parts.join(", ")
}

/// The summary of a decoded server event.
pub fn server_summary(ev: &ServerEvent) -> String {
    use ServerEvent as E;
    match ev {
        E::Error(e) => {
            let code = e.error.code().unwrap_or(&e.error.kind);
            format!("{code}: {}", one_line(&e.error.message, 120))
        }
        E::SessionCreated(s) | E::SessionUpdated(s) => session_summary(&s.session),
        E::ConversationCreated(c) => c
            .conversation
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string(),
        E::ItemAdded(i) | E::ItemDone(i) => item_summary(&i.item),
        E::ItemRetrieved(i) => item_summary(&i.item),
        E::ItemTruncated(t) => format!("{} at {} ms", t.item_id, t.audio_end_ms),
        E::ItemDeleted(r) => r.item_id.clone(),
        E::InputTranscriptionDelta(d) => format!("{} {}", d.item_id, quote(&d.delta)),
        E::InputTranscriptionCompleted(c) => format!("{} {}", c.item_id, quote(&c.transcript)),
        E::InputTranscriptionFailed(f) => format!(
            "{} {}: {}",
            f.item_id,
            f.error.code().unwrap_or("failed"),
            one_line(&f.error.message, MAX_QUOTE)
        ),
        E::InputTranscriptionSegment(s) => format!(
            "{} [{:.2}–{:.2}s] {}",
            s.item_id,
            s.start,
            s.end,
            quote(&s.text)
        ),
        E::InputAudioCommitted(c) => c.item_id.clone(),
        E::InputAudioCleared(_) => String::new(),
        E::SpeechStarted(s) => format!("{} at {} ms", s.item_id, s.audio_start_ms),
        E::SpeechStopped(s) => format!("{} at {} ms", s.item_id, s.audio_end_ms),
        E::InputAudioTimeoutTriggered(t) => {
            format!(
                "{} idle {}–{} ms",
                t.item_id, t.audio_start_ms, t.audio_end_ms
            )
        }
        E::DtmfReceived(d) => format!("key {}", one_line(&d.event, 8)),
        E::OutputAudioStarted(b) | E::OutputAudioStopped(b) | E::OutputAudioCleared(b) => {
            b.response_id.clone().unwrap_or_default()
        }
        E::ResponseCreated(r) | E::ResponseDone(r) => {
            let r = &r.response;
            let mut s = r.id.clone();
            if let Some(st) = &r.status {
                s.push(' ');
                s.push_str(st.as_str());
            }
            if let Some(reason) = r.status_details().and_then(|d| d.reason.as_deref()) {
                s.push_str(&format!(" ({reason})"));
            }
            if let Some(u) = r.usage() {
                s.push_str(&format!(", {} tokens", u.total_tokens));
            }
            if r.is_out_of_band() {
                s.push_str(", out-of-band");
            }
            s
        }
        E::OutputItemAdded(o) | E::OutputItemDone(o) => item_summary(&o.item),
        E::ContentPartAdded(p) | E::ContentPartDone(p) => {
            format!("{} part {} {}", p.item_id, p.content_index, p.part.kind)
        }
        E::OutputTextDelta(d) | E::OutputAudioTranscriptDelta(d) => quote(&d.delta),
        E::OutputAudioDelta(d) => audio_size(&d.delta),
        E::OutputTextDone(d) | E::OutputAudioTranscriptDone(d) | E::OutputAudioDone(d) => {
            match d.text.as_deref().or(d.transcript.as_deref()) {
                Some(t) => quote(t),
                None => d.item_id.clone(),
            }
        }
        E::FunctionCallArgumentsDelta(d) => format!("{} {}", d.call_id, quote(&d.delta)),
        E::FunctionCallArgumentsDone(d) => format!(
            "{} {}({})",
            d.call_id,
            d.name.as_deref().unwrap_or("?"),
            one_line(&d.arguments, MAX_QUOTE)
        ),
        E::McpListToolsInProgress(r)
        | E::McpListToolsCompleted(r)
        | E::McpListToolsFailed(r)
        | E::McpCallInProgress(r)
        | E::McpCallCompleted(r)
        | E::McpCallFailed(r) => r.item_id.clone(),
        E::McpCallArgumentsDelta(a) | E::McpCallArgumentsDone(a) => format!(
            "{} {}",
            a.item_id,
            quote(a.delta.as_deref().or(a.arguments.as_deref()).unwrap_or(""))
        ),
        E::RateLimitsUpdated(r) => r
            .rate_limits
            .iter()
            .map(|l| format!("{} {}/{}", l.name, l.remaining, l.limit))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The size of an audio payload: base64 as received, or a token the link left in
/// its place when it spooled the bytes (`@audio:NONCE:OFFSET:LEN`).
pub(crate) fn audio_size(payload: &str) -> String {
    let spooled = payload
        .strip_prefix("@audio:")
        .and_then(|t| t.rsplit(':').next()?.parse::<usize>().ok());
    match spooled {
        Some(n) => format!("{n} bytes audio"),
        None => format!("{} bytes base64", payload.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_is_cut() {
        assert_eq!(one_line("a\nb\u{1b}[2J", 100), "a\\nb\\u{1b}[2J");
        let long = "x".repeat(10_000);
        let cut = one_line(&long, 80);
        assert_eq!(cut.chars().count(), 81);
        assert!(cut.ends_with('…'));
    }
}
