//! Plain-English help for the `error` events and HTTP errors of the Realtime API: what
//! happened and what to do about it, shown next to the raw error.
//!
//! Keyed by `error.code`; when the code is null (early beta servers sent
//! `Conversation already has an active response` with no code) the message is matched
//! instead. Anything echoed from the server goes through [`redact_text`] first.

use super::redact::redact_text;

/// An explanation of an error for a person: `explanation` says what happened,
/// `fix` what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorHelp {
    pub explanation: String,
    pub fix: String,
}

impl ErrorHelp {
    fn new(explanation: impl Into<String>, fix: impl Into<String>) -> Self {
        ErrorHelp {
            explanation: explanation.into(),
            fix: fix.into(),
        }
    }
}

/// Help for a known error, or `None` when rtconsole has nothing to add to the
/// server's own message.
pub fn explain(code: Option<&str>, message: &str, param: Option<&str>) -> Option<ErrorHelp> {
    let code = code
        .filter(|c| !c.is_empty())
        .or_else(|| code_from_message(message))?;
    // The param names a field path, never a secret, but a server is free to put
    // anything there and we are about to print it.
    // These messages quote the offending field; invalid_value quotes the value instead.
    let message_names_field = matches!(
        code,
        "missing_required_parameter" | "unknown_parameter" | "string_above_max_length"
    );
    let param = param
        .or_else(|| message_names_field.then(|| first_quoted(message)).flatten())
        .map(|p| redact_text(p).into_owned());
    let param = param.as_deref();
    let help = match code {
        "beta_api_shape_disabled" => ErrorHelp::new(
            "The server refused a beta-shaped request. The Realtime beta interface \
             (the OpenAI-Beta: realtime=v1 header, /v1/realtime/sessions, flat session \
             fields) was shut down on 2026-05-12.",
            "Use the GA dialect (rtconsole's default): client secrets from \
             /v1/realtime/client_secrets, the SDP offer to /v1/realtime/calls, and a \
             session with \"type\": \"realtime\" and audio settings under session.audio.",
        ),
        "conversation_already_has_active_response" => ErrorHelp::new(
            "A response.create arrived while the model was still producing a response. \
             Only one response at a time can be active in the default conversation.",
            "Wait for response.done before the next response.create, or send \
             response.cancel first. To run one in parallel, create it out of band with \
             \"conversation\": \"none\" in the response.",
        ),
        "response_cancel_not_active" => ErrorHelp::new(
            "A response.cancel arrived when no response was in progress; the response had \
             probably finished already.",
            "Nothing to fix: there was nothing to cancel. Cancelling only has an effect \
             between response.created and response.done.",
        ),
        "missing_required_parameter" => missing_parameter(param),
        "unknown_parameter" => unknown_parameter(param),
        "invalid_value" => invalid_value(message, param),
        "invalid_event" => ErrorHelp::new(
            "The server could not read the event as a client event: the \"type\" field \
             is missing, or the JSON does not have the shape of any client event.",
            "Send a JSON object whose \"type\" names a client event, for example \
             {\"type\":\"response.create\"}.",
        ),
        "string_above_max_length" => {
            let field = param.map_or_else(|| "A string".to_string(), |p| format!("'{p}'"));
            ErrorHelp::new(
                format!(
                    "{field} is longer than the server accepts. Tool descriptions, for \
                     example, are limited to 1024 characters."
                ),
                "Shorten it; longer guidance for the model belongs in the session \
                 instructions.",
            )
        }
        "input_audio_buffer_commit_empty" => ErrorHelp::new(
            "input_audio_buffer.commit was sent with less than 100 ms of audio in the \
             buffer. With turn detection on, the server commits by itself when speech \
             stops, so a manual commit usually finds the buffer already empty.",
            "Send at least 100 ms of audio before committing, or do not commit by hand \
             while turn detection is enabled (set turn_detection to null for \
             push-to-talk).",
        ),
        "session_expired" => ErrorHelp::new(
            "The session reached its maximum duration and the server ended it. A \
             Realtime session cannot be resumed.",
            "Reconnect to start a new session. To continue the conversation, send the \
             items you need again with conversation.item.create.",
        ),
        "invalid_api_key" => ErrorHelp::new(
            "The key was rejected: it is mistyped, revoked, or, for a client secret \
             (ek_…), expired. Client secrets only work for a short time after they are \
             minted.",
            "Check OPENAI_API_KEY (a standard key starts with sk-). With --token-url, \
             make sure the endpoint mints a fresh client secret for every connection.",
        ),
        "insufficient_quota" => ErrorHelp::new(
            "The account or project has no quota left: a billing limit was reached or no \
             payment method is set up.",
            "Check billing and usage limits on platform.openai.com, or use a key from \
             another project. Retrying will not help until the quota is raised.",
        ),
        "rate_limit_exceeded" => ErrorHelp::new(
            "Too many requests or tokens in the current rate-limit window.",
            "Wait and retry with backoff. rate_limits.updated events show the remaining \
             budget and when it resets.",
        ),
        // UNCONFIRMED: the API's code for an unknown item_id, previous_item_id or a
        // function_call_output whose call_id matches no function call has not been
        // observed; `item_not_found` is the likeliest spelling, and the message match
        // in `code_from_message` catches other spellings.
        "item_not_found" => ErrorHelp::new(
            "The event refers to a conversation item that does not exist in this \
             session: an item_id, a previous_item_id, or the call_id of a \
             function_call_output that matches no function call.",
            "Use ids from this session's conversation.item.added/done events (or \
             \"root\" for previous_item_id); a function_call_output must carry the \
             call_id of a function_call item from this session.",
        ),
        "audio_unintelligible" => ErrorHelp::new(
            "Transcription of the user's audio failed: the audio could not be \
             transcribed (silence, noise, or speech too quiet). The model may still \
             answer; only the transcript is missing.",
            "Check the input level meter and the selected microphone; speak closer or \
             raise the input gain.",
        ),
        "server_error" => ErrorHelp::new(
            "The server hit an internal error. It was not caused by the event you sent.",
            "Retry; if it keeps happening, reconnect. Quote the event_id when reporting \
             it to OpenAI.",
        ),
        _ => return None,
    };
    Some(help)
}

/// Recognises errors whose code was null or empty by their message. Substrings are
/// lowercase and taken from observed messages (protocol.md §4.7).
fn code_from_message(message: &str) -> Option<&'static str> {
    const PATTERNS: [(&str, &str); 11] = [
        (
            "already has an active response",
            "conversation_already_has_active_response",
        ),
        ("no active response", "response_cancel_not_active"),
        ("missing required parameter", "missing_required_parameter"),
        ("unknown parameter", "unknown_parameter"),
        ("buffer too small", "input_audio_buffer_commit_empty"),
        ("maximum duration", "session_expired"),
        ("incorrect api key", "invalid_api_key"),
        ("exceeded your current quota", "insufficient_quota"),
        ("rate limit", "rate_limit_exceeded"),
        ("could not be transcribed", "audio_unintelligible"),
        ("beta api is no longer supported", "beta_api_shape_disabled"),
    ];
    let lower = message.to_ascii_lowercase();
    if let Some((_, code)) = PATTERNS.iter().find(|(needle, _)| lower.contains(needle)) {
        return Some(code);
    }
    let names_an_item = lower.contains("item") || lower.contains("call_id");
    if names_an_item && (lower.contains("not found") || lower.contains("does not exist")) {
        return Some("item_not_found");
    }
    None
}

/// The first `'…'`-quoted part of a message: the API quotes the offending field there
/// ("Missing required parameter: 'session.type'.").
fn first_quoted(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('\'')?;
    let (quoted, _) = rest.split_once('\'')?;
    (!quoted.is_empty()).then_some(quoted)
}

fn missing_parameter(param: Option<&str>) -> ErrorHelp {
    match param {
        Some("session.type") => ErrorHelp::new(
            "The session object has no \"type\". The GA API requires every session to \
             say what kind it is; beta-era session.update events did not have it.",
            "Add \"type\": \"realtime\" to the session object (or \"transcription\" for a \
             transcription-only session).",
        ),
        Some(p) => ErrorHelp::new(
            format!("The event is missing the required field '{p}'."),
            format!("Add '{p}' to the event and send it again."),
        ),
        None => ErrorHelp::new(
            "The event is missing a required field.",
            "Add the field named in the server's message and send the event again.",
        ),
    }
}

fn unknown_parameter(param: Option<&str>) -> ErrorHelp {
    let field = param.map_or_else(|| "a field".to_string(), |p| format!("'{p}'"));
    ErrorHelp::new(
        format!(
            "The server does not know {field}: it is misspelt, belongs to another event, \
             or is a beta-era name (GA sessions put audio settings under session.audio, \
             and use output_modalities and max_output_tokens)."
        ),
        format!("Remove or rename {field} to match the GA shape of this event."),
    )
}

fn invalid_value(message: &str, param: Option<&str>) -> ErrorHelp {
    match param {
        Some("type") => ErrorHelp::new(
            "The event's \"type\" is not a client event the server knows.",
            "Check the spelling. Client events are session.update, \
             input_audio_buffer.append/commit/clear, conversation.item.create/retrieve/\
             truncate/delete, response.create, response.cancel and \
             output_audio_buffer.clear.",
        ),
        Some(p) => ErrorHelp::new(
            format!(
                "The value of '{p}' is not accepted: {}",
                redact_text(message.trim())
            ),
            format!("Use one of the values allowed for '{p}'."),
        ),
        None => ErrorHelp::new(
            format!("A value is not accepted: {}", redact_text(message.trim())),
            "Correct the value named in the message and send the event again.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help(code: &str, message: &str, param: Option<&str>) -> ErrorHelp {
        explain(Some(code), message, param).unwrap_or_else(|| panic!("no help for {code}"))
    }

    #[test]
    fn every_listed_code_has_help() {
        for code in [
            "beta_api_shape_disabled",
            "conversation_already_has_active_response",
            "response_cancel_not_active",
            "missing_required_parameter",
            "unknown_parameter",
            "invalid_value",
            "invalid_event",
            "string_above_max_length",
            "input_audio_buffer_commit_empty",
            "session_expired",
            "invalid_api_key",
            "insufficient_quota",
            "rate_limit_exceeded",
            "item_not_found",
            "audio_unintelligible",
            "server_error",
        ] {
            let h = help(code, "", None);
            assert!(!h.explanation.is_empty() && !h.fix.is_empty(), "{code}");
        }
    }

    #[test]
    fn an_unknown_code_gets_no_help() {
        assert_eq!(explain(Some("brand_new_code"), "whatever", None), None);
        assert_eq!(explain(None, "something odd happened", None), None);
    }

    #[test]
    fn a_missing_session_type_says_to_add_type_realtime() {
        let h = help(
            "missing_required_parameter",
            "Missing required parameter: 'session.type'.",
            Some("session.type"),
        );
        assert!(h.fix.contains("\"type\": \"realtime\""), "{}", h.fix);
    }

    #[test]
    fn another_missing_parameter_is_named() {
        let h = help("missing_required_parameter", "", Some("item.call_id"));
        assert!(h.fix.contains("'item.call_id'"), "{}", h.fix);
    }

    #[test]
    fn an_unknown_parameter_is_named_even_when_only_the_message_has_it() {
        let h = help(
            "unknown_parameter",
            "Unknown parameter: 'session.modalities'.",
            None,
        );
        assert!(h.explanation.contains("'session.modalities'"));
        assert!(h.fix.contains("'session.modalities'"));
    }

    #[test]
    fn an_invalid_type_value_means_an_unknown_event_type() {
        let h = help(
            "invalid_value",
            "Invalid value: 'scooby.dooby.doo'",
            Some("type"),
        );
        assert!(h.explanation.contains("not a client event"));
        assert!(h.fix.contains("response.create"));
    }

    #[test]
    fn the_jan_2025_active_response_error_without_code_is_recognised() {
        let h = explain(None, "Conversation already has an active response", None)
            .expect("matched by message");
        assert!(h.fix.contains("response.done"));
        let empty_code = explain(
            Some(""),
            "Conversation already has an active response",
            None,
        );
        assert_eq!(Some(h), empty_code);
    }

    #[test]
    fn other_null_code_messages_are_recognised() {
        let cases = [
            (
                "Cancellation failed: no active response found",
                "nothing to cancel",
            ),
            (
                "Error committing input audio buffer: buffer too small. Expected at least \
                 100ms of audio, but buffer only has 0.00ms of audio.",
                "100 ms",
            ),
            (
                "Your session hit the maximum duration of 30 minutes.",
                "Reconnect",
            ),
            ("The audio could not be transcribed.", "microphone"),
            (
                "Tool call with call_id 'call_1' not found in conversation.",
                "call_id",
            ),
        ];
        for (message, expected) in cases {
            let h = explain(None, message, None).unwrap_or_else(|| panic!("{message}"));
            let text = format!("{} {}", h.explanation, h.fix);
            assert!(text.contains(expected), "{message}: {text}");
        }
    }

    #[test]
    fn a_quoted_value_is_not_taken_for_the_field_name() {
        let h = help("invalid_value", "Invalid value: 'scooby.dooby.doo'", None);
        assert!(h.explanation.starts_with("A value is not accepted"));
    }

    #[test]
    fn session_expiry_says_there_is_no_resume() {
        let h = help("session_expired", "", None);
        assert!(h.explanation.contains("cannot be resumed"));
        assert!(h.fix.starts_with("Reconnect"));
    }

    #[test]
    fn a_too_long_string_names_the_field() {
        let h = help(
            "string_above_max_length",
            "",
            Some("session.tools[3].description"),
        );
        assert!(h.explanation.starts_with("'session.tools[3].description'"));
    }

    #[test]
    fn echoed_messages_never_carry_secrets() {
        // Visibly fake and split, so no key-like literal is tracked.
        let secret = concat!("sk-proj-", "FAKEfake_FAKEfake-FAKEfake00");
        let h = help(
            "invalid_value",
            &format!("Invalid value for header: 'Bearer {secret}'"),
            Some("headers.authorization"),
        );
        let text = format!("{} {}", h.explanation, h.fix);
        assert!(!text.contains(secret), "{text}");
        let h = explain(Some("invalid_value"), &format!("bad {secret}"), None).unwrap();
        assert!(!h.explanation.contains(secret));
        let h = help("unknown_parameter", "", Some(secret));
        assert!(!h.explanation.contains(secret));
    }
}
