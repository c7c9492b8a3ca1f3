//! Server event names as a script may write them: GA names, beta names mapped to
//! their GA meaning, and suggestions for names that are neither.

use crate::protocol::client_event::CLIENT_EVENT_TYPES;
use crate::protocol::server_event::KNOWN_SERVER_EVENTS;
use crate::protocol::validate::suggest::edit_distance_within;

/// The GA name of a known server event wire name (GA or beta).
pub fn ga_name(wire: &str) -> Option<&'static str> {
    KNOWN_SERVER_EVENTS
        .iter()
        .find(|(w, _, _)| *w == wire)
        .map(|(_, ga, _)| *ga)
}

/// The name a server event is matched by: its GA name when known, else the name as
/// sent (so a quoted unknown type in a script still matches itself).
pub fn match_name(wire: &str) -> String {
    ga_name(wire).map_or_else(|| wire.to_string(), str::to_string)
}

/// Deltas stream pieces of something whose whole arrives in a `.done`; replays and
/// conversions look at the whole.
pub fn is_delta(name: &str) -> bool {
    name.ends_with(".delta")
}

pub fn is_client_type(name: &str) -> bool {
    CLIENT_EVENT_TYPES.contains(&name)
}

/// The known server event name closest to a misspelt one, when close enough to be a
/// plausible typo (or a client name whose server answer is meant).
pub fn suggest_server_type(word: &str) -> Option<&'static str> {
    // A third of the name may differ: `respons.done`, `session.update` → `…updated`.
    let limit = (word.len() / 3).max(2);
    let mut best: Option<(usize, &'static str)> = None;
    for (wire, _, _) in KNOWN_SERVER_EVENTS {
        let Some(d) = edit_distance_within(word, wire, limit) else {
            continue;
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, wire));
        }
    }
    best.map(|(_, w)| w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_names_map_to_ga() {
        assert_eq!(
            ga_name("response.text.delta"),
            Some("response.output_text.delta")
        );
        assert_eq!(ga_name("response.done"), Some("response.done"));
        assert_eq!(ga_name("nope"), None);
        assert_eq!(match_name("x.custom"), "x.custom");
    }

    #[test]
    fn suggestions_catch_typos_and_client_names() {
        assert_eq!(suggest_server_type("respone.done"), Some("response.done"));
        assert_eq!(
            suggest_server_type("session.update"),
            Some("session.updated")
        );
        assert_eq!(suggest_server_type("completely.different.thing"), None);
        assert_eq!(suggest_server_type("Response.Done"), Some("response.done"));
        assert_eq!(suggest_server_type(&"a".repeat(65_000)), None);
    }
}
