//! What a line typed on `rtconsole proxy --headless`'s stdin means: a client event to
//! inject (a JSON object), or a command starting with `:` that sets breakpoints and
//! releases or drops held events. Nothing invalid is sent, and every refusal says
//! what to type instead.

use crate::protocol::redact::redact_text;
use crate::protocol::validate::{validate_client_text, ValidationError};
use crate::protocol::Dialect;
use crate::transport::proxy::{Breakpoint, Breakpoints, Decision, Flow, Injector};

pub const COMMANDS_HELP: &str = "type a client event (one JSON object on a line) to send it on the newest connection; :break client:TYPE|server:TYPE holds matching events (TYPE may end in *); :unbreak DIR:TYPE; :breaks lists breakpoints and held events; :release N [EDITED JSON] sends held event N (edited); :drop N never sends it; :help";

/// Carries out one typed line; what to tell the user (on stderr), if anything.
pub fn handle_line(
    line: &str,
    dialect: Dialect,
    injector: &Injector,
    breakpoints: &Breakpoints,
) -> Option<String> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let Some(command) = line.strip_prefix(':') else {
        return inject(injector, line, dialect);
    };
    let (name, rest) = command
        .split_once(char::is_whitespace)
        .map(|(n, r)| (n, r.trim()))
        .unwrap_or((command, ""));
    Some(match name {
        "break" => match Breakpoint::parse(rest) {
            Ok(bp) => {
                let shown = bp.to_string();
                if breakpoints.add(bp) {
                    format!("proxy: breakpoint set on {shown}")
                } else {
                    format!("proxy: {shown} was already a breakpoint")
                }
            }
            Err(e) => format!("proxy: no breakpoint set: {e}"),
        },
        "unbreak" => match Breakpoint::parse(rest) {
            Ok(bp) if breakpoints.remove(&bp) => format!("proxy: breakpoint on {bp} removed"),
            Ok(bp) => format!("proxy: {bp} is not a breakpoint (:breaks lists them)"),
            Err(e) => format!("proxy: nothing removed: {e}"),
        },
        "breaks" => list(breakpoints),
        "release" => release(rest, dialect, breakpoints),
        "drop" => match parse_hold(rest) {
            Ok(hold) => match breakpoints.decide(hold, Decision::Drop) {
                Ok(()) => format!("proxy: held event #{hold} dropped"),
                Err(e) => format!("proxy: {e}"),
            },
            Err(e) => e,
        },
        "help" => COMMANDS_HELP.to_string(),
        other => format!("proxy: `:{other}` is not a command; {COMMANDS_HELP}"),
    })
}

fn list(breakpoints: &Breakpoints) -> String {
    let bps: Vec<String> = breakpoints.list().iter().map(|b| b.to_string()).collect();
    let held: Vec<String> = breakpoints
        .held()
        .iter()
        .map(|h| format!("#{} ({}, connection {})", h.hold, h.flow.as_str(), h.conn))
        .collect();
    format!(
        "proxy: breakpoints: {}; held: {}",
        if bps.is_empty() {
            "none".into()
        } else {
            bps.join(", ")
        },
        if held.is_empty() {
            "none".into()
        } else {
            held.join(", ")
        }
    )
}

fn parse_hold(text: &str) -> Result<u64, String> {
    let digits = text.trim().trim_start_matches('#');
    digits.parse().map_err(|_| {
        format!("proxy: `{text}` is not a held event's number; write e.g. :release 1 or :drop 1 (:breaks lists what is held)")
    })
}

/// `:release N` or `:release N {…edited event…}`: a client event's edit is checked
/// like a typed one, a server event's must be a JSON object.
fn release(rest: &str, dialect: Dialect, breakpoints: &Breakpoints) -> String {
    let (number, edit) = rest
        .split_once(char::is_whitespace)
        .map(|(n, e)| (n, Some(e.trim())))
        .unwrap_or((rest, None));
    let hold = match parse_hold(number) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let edit = edit.filter(|e| !e.is_empty());
    if let Some(text) = edit {
        let flow = breakpoints
            .held()
            .into_iter()
            .find(|h| h.hold == hold)
            .map(|h| h.flow);
        let checked = match flow {
            Some(Flow::Client) | Some(Flow::Injected) => check_client(text, dialect),
            Some(Flow::Server) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) if v.is_object() => Ok(()),
                _ => Err("the edited server event is not one JSON object; write it on one line after the number".to_string()),
            },
            None => Ok(()),
        };
        if let Err(why) = checked {
            return format!("proxy: held event #{hold} stays held: {why}");
        }
    }
    let edited = edit.is_some();
    match breakpoints.decide(hold, Decision::Release(edit.map(str::to_string))) {
        Ok(()) if edited => format!("proxy: held event #{hold} released, edited"),
        Ok(()) => format!("proxy: held event #{hold} released"),
        Err(e) => format!("proxy: {e}"),
    }
}

fn check_client(text: &str, dialect: Dialect) -> Result<(), String> {
    match validate_client_text(text, dialect) {
        Ok(_) => Ok(()),
        Err(ValidationError::Syntax {
            line,
            column,
            message,
        }) => Err(format!(
            "the line is not JSON (line {line}, column {column}: {})\nfix: type one client event as a JSON object on one line, e.g. {{\"type\":\"response.create\"}}",
            redact_text(&message)
        )),
        Err(e) => Err(format!(
            "not a valid {dialect} client event:\n{}",
            redact_text(&e.to_string())
        )),
    }
}

/// Validates one typed event like the composer does and sends it.
fn inject(injector: &Injector, text: &str, dialect: Dialect) -> Option<String> {
    if let Err(why) = check_client(text, dialect) {
        return Some(format!("proxy: not sent: {why}"));
    }
    injector
        .inject(text.to_string())
        .err()
        .map(|e| format!("proxy: not sent: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_set_breakpoints_and_refuse_what_they_cannot_do() {
        let bps = Breakpoints::default();
        let inj = Injector::default();
        let say = |l: &str| handle_line(l, Dialect::Ga, &inj, &bps).unwrap_or_default();
        assert!(say(":break client:response.create").contains("set"));
        assert!(say(":break client:response.create").contains("already"));
        assert!(say(":break app:x").contains("no breakpoint set"));
        assert!(say(":breaks").contains("client:response.create"));
        assert!(say(":release 4").contains("no event is held as #4"));
        assert!(say(":drop x").contains("not a held event's number"));
        assert!(say(":unbreak client:response.create").contains("removed"));
        assert!(say(":frobnicate").contains("not a command"));
        assert!(say(r#"{"type":"response.create"}"#).contains("no app is connected"));
        assert!(say(r#"{"type":"nope"}"#).contains("not sent"));
        assert_eq!(handle_line("  ", Dialect::Ga, &inj, &bps), None);
    }
}
