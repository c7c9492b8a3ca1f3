//! Masking of secrets (API keys, client secrets, bearer tokens) before anything is
//! shown, recorded, logged or put into an error message.
//!
//! Two layers: [`redact_text`] finds secrets by their shape in free text, and
//! [`redact_value`] additionally masks fields whose *name* says they hold a secret,
//! because a secret under `authorization` or `headers` may have any shape.
//!
//! A masked secret keeps only its kind, so a reader can still tell which credential
//! was used: `sk-proj-…[redacted]`, `ek_…[redacted]`, `Bearer …[redacted]`.
//! Masking is idempotent: running it over already-masked text changes nothing.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

/// Appended after a secret's kept prefix; also how already-masked text is recognised.
pub const REDACTED: &str = "…[redacted]";

/// Key prefixes worth keeping, longest first so `sk-proj-` wins over `sk-`.
const KEY_PREFIXES: [&str; 5] = ["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-", "ek_"];

static SECRET_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        # The token after an HTTP auth scheme, whatever its shape (RFC 6750 b64token).
        (?P<bearer>(?i:\bbearer)[\ \t]+)(?P<btoken>[A-Za-z0-9._~+/=-]{8,})
        # API keys and client secrets. The word boundary and the 16-char run keep
        # ordinary words like "task-force" or "desk-top" out.
        | \b(?P<key>(?:sk-(?:proj-|svcacct-|admin-)?|ek_)[A-Za-z0-9_-]{16,})
        # Credentials in a URL query string, e.g. an endpoint pasted with ?api_key=…
        | (?P<qname>[?&](?i:api[_-]?key|key|token|access_token|client_secret|secret|password|sig|signature)=)(?P<qvalue>[^&\s\#"'<>]+)
        "#,
    )
    .expect("secret pattern is valid")
});

/// Masks API keys (`sk-…`), client secrets (`ek_…`), bearer tokens and credential
/// query parameters in free text. Borrows when nothing matched.
pub fn redact_text(s: &str) -> Cow<'_, str> {
    // This runs on every recorded line, including large base64 audio deltas, so the
    // substring checks (SIMD-accelerated in std) decide before the regex runs.
    if !might_hold_secret(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut copied_up_to = 0;
    let mut changed = false;
    for caps in SECRET_RE.captures_iter(s) {
        let whole = caps.get(0).expect("group 0 always matches");
        // Re-running over our own output must be a no-op: `Bearer sk-proj-…[redacted]`
        // would otherwise match `sk-proj-` as a fresh bearer token.
        if s[whole.end()..].starts_with(REDACTED) {
            continue;
        }
        let replacement = replacement_for(&caps);
        if replacement == whole.as_str() {
            continue;
        }
        out.push_str(&s[copied_up_to..whole.start()]);
        out.push_str(&replacement);
        copied_up_to = whole.end();
        changed = true;
    }
    if !changed {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[copied_up_to..]);
    Cow::Owned(out)
}

fn might_hold_secret(s: &str) -> bool {
    s.contains("sk-")
        || s.contains("ek_")
        // "earer" catches both "Bearer" and "bearer" with one search.
        || s.contains("earer")
        || s.contains("EARER")
        || (s.contains('=') && (s.contains('?') || s.contains('&')))
}

fn replacement_for(caps: &Captures<'_>) -> String {
    if let (Some(scheme), Some(token)) = (caps.name("bearer"), caps.name("btoken")) {
        return format!("{}{}", scheme.as_str(), mask_token(token.as_str()));
    }
    if let Some(key) = caps.name("key") {
        return mask_token(key.as_str());
    }
    match (caps.name("qname"), caps.name("qvalue")) {
        (Some(name), Some(value)) => format!("{}{}", name.as_str(), mask_token(value.as_str())),
        _ => caps[0].to_string(),
    }
}

/// The masked form of a whole secret: its recognisable prefix (if any) and the marker.
fn mask_token(token: &str) -> String {
    let prefix = KEY_PREFIXES
        .iter()
        .find(|p| token.starts_with(*p))
        .copied()
        .unwrap_or("");
    format!("{prefix}{REDACTED}")
}

/// HTTP auth schemes kept in front of a masked credential. Only known words: keeping
/// an arbitrary first word would leak part of a passphrase.
const AUTH_SCHEMES: [&str; 4] = ["bearer", "basic", "token", "digest"];

/// Masks a string that is a secret as a whole, keeping an auth scheme word such as
/// `Bearer` so the reader still sees what kind of credential it was.
fn mask_whole(s: &str) -> String {
    match s.split_once(' ') {
        Some((scheme, rest))
            if AUTH_SCHEMES
                .iter()
                .any(|known| scheme.eq_ignore_ascii_case(known)) =>
        {
            format!("{scheme} {}", mask_token(rest.trim_start()))
        }
        _ => mask_token(s),
    }
}

/// Where in a document an object sits, which changes which of its fields are secret.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Plain,
    /// Inside a `headers` object (MCP tool config): the field names are HTTP headers.
    Headers,
    /// Inside a `client_secret` object: its `value` is the ephemeral key.
    ClientSecret,
}

enum Treatment {
    /// A string here is a secret whatever its shape; anything else is walked in `Context`.
    Secret(Context),
    Walk(Context),
}

/// Masks secret-bearing fields wherever they appear, and runs [`redact_text`] over
/// every other string. Returns whether anything changed.
///
/// Field names are compared ASCII-case-insensitively. Object keys themselves are not
/// rewritten: no known shape carries a secret in a key.
pub fn redact_value(v: &mut Value) -> bool {
    walk(v, Context::Plain)
}

fn walk(v: &mut Value, ctx: Context) -> bool {
    match v {
        Value::String(s) => redact_string(s),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| walk(item, Context::Plain) | changed),
        Value::Object(map) => {
            // A transcription logprob is `{token, logprob, bytes}`: its `token` is text.
            let is_logprob = map.contains_key("logprob");
            // The client-secret shape, wherever it sits: GA returns it at the top level
            // of `/realtime/client_secrets`, beta nested it under `client_secret`.
            let is_secret_holder = ctx == Context::ClientSecret
                || (map.get("value").is_some_and(Value::is_string)
                    && map.contains_key("expires_at"));
            let mut changed = false;
            for (key, child) in map.iter_mut() {
                let treatment = if is_secret_holder && key == "value" {
                    Treatment::Secret(Context::Plain)
                } else {
                    classify(key, ctx, is_logprob)
                };
                changed |= match treatment {
                    Treatment::Secret(nested) => mask_field(child, nested),
                    Treatment::Walk(nested) => walk(child, nested),
                };
            }
            changed
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

fn classify(key: &str, ctx: Context, is_logprob: bool) -> Treatment {
    let key = key.to_ascii_lowercase();
    if ctx == Context::Headers && is_secret_header(&key) {
        return Treatment::Secret(Context::Plain);
    }
    match key.as_str() {
        "headers" => Treatment::Walk(Context::Headers),
        "client_secret" => Treatment::Secret(Context::ClientSecret),
        "token" if is_logprob => Treatment::Walk(Context::Plain),
        "authorization"
        | "proxy-authorization"
        | "api_key"
        | "apikey"
        | "api-key"
        | "x-api-key"
        | "token"
        | "access_token"
        | "refresh_token"
        | "id_token"
        | "secret"
        | "password" => Treatment::Secret(Context::Plain),
        _ => Treatment::Walk(Context::Plain),
    }
}

/// Header names that carry credentials. Broad on purpose: masking a harmless custom
/// header costs little, leaking `X-Goog-Api-Key` costs a lot.
fn is_secret_header(lower: &str) -> bool {
    lower.contains("auth")
        || lower.contains("key")
        || lower.contains("token")
        || lower.contains("secret")
        || lower.contains("cookie")
        || lower.contains("password")
}

fn mask_field(v: &mut Value, nested: Context) -> bool {
    match v {
        Value::String(s) if s.is_empty() => false,
        Value::String(s) => {
            let masked = mask_whole(s);
            if masked == *s {
                return false;
            }
            *s = masked;
            true
        }
        other => walk(other, nested),
    }
}

fn redact_string(s: &mut String) -> bool {
    match redact_text(s) {
        Cow::Borrowed(_) => false,
        Cow::Owned(redacted) => {
            *s = redacted;
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Key-shaped test values: visibly fake, and split so no contiguous key-like
    // literal is tracked in the repository.
    const SK: &str = concat!("sk-", "FAKEfakeFAKEfakeFAKEfake0000");
    const SK_PROJ: &str = concat!("sk-proj-", "FAKEfake_FAKEfake-FAKEfake00");
    const SK_SVC: &str = concat!("sk-svcacct-", "FAKEfakeFAKEfakeFAKEfake0000");
    const EK: &str = concat!("ek_", "FAKEfakeFAKEfakeFAKEfake0000");

    fn redacted(s: &str) -> String {
        redact_text(s).into_owned()
    }

    #[test]
    fn a_standard_key_keeps_only_its_prefix() {
        assert_eq!(redacted(&format!("key={SK}.")), "key=sk-…[redacted].");
    }

    #[test]
    fn project_and_service_account_keys_keep_their_kind() {
        assert_eq!(redacted(SK_PROJ), "sk-proj-…[redacted]");
        assert_eq!(redacted(SK_SVC), "sk-svcacct-…[redacted]");
    }

    #[test]
    fn a_client_secret_is_masked() {
        assert_eq!(
            redacted(&format!("minted {EK} for 60s")),
            "minted ek_…[redacted] for 60s"
        );
    }

    #[test]
    fn a_bearer_token_of_any_shape_is_masked() {
        assert_eq!(
            redacted("Authorization: Bearer abc.def-ghi_jkl"),
            "Authorization: Bearer …[redacted]"
        );
        assert_eq!(
            redacted(&format!("authorization: bearer {SK_PROJ}")),
            "authorization: bearer sk-proj-…[redacted]"
        );
    }

    #[test]
    fn several_secrets_in_one_text_are_all_masked() {
        let text = format!(r#"{{"a":"{SK}","b":"{EK}","c":"Bearer {SK_SVC}"}}"#);
        let out = redacted(&text);
        for secret in [SK, EK, SK_SVC] {
            assert!(!out.contains(secret), "{secret} leaked in {out}");
        }
        assert_eq!(
            out,
            r#"{"a":"sk-…[redacted]","b":"ek_…[redacted]","c":"Bearer sk-svcacct-…[redacted]"}"#
        );
    }

    #[test]
    fn a_credential_in_a_url_query_is_masked() {
        assert_eq!(
            redacted("https://example.test/v1?model=x&api_key=abc123&b=1"),
            "https://example.test/v1?model=x&api_key=…[redacted]&b=1"
        );
        assert_eq!(
            redacted("wss://h/realtime?token=zzz"),
            "wss://h/realtime?token=…[redacted]"
        );
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            redact_text("a plain transcript"),
            Cow::Borrowed("a plain transcript")
        ));
        // A near miss that passes the quick check must still come back borrowed.
        assert!(matches!(redact_text("sk-short ek_x"), Cow::Borrowed(_)));
    }

    #[test]
    fn ordinary_words_are_not_mistaken_for_keys() {
        for text in [
            "the task-force met at the desk-top",
            // Built from pieces so no key-shaped literal is tracked: each holds an
            // `sk-`/`ek_` run inside a longer word, which must not count as a key.
            concat!("ta", "sk-", "forceabcdefghijklmnopqrstuvwxyz"),
            concat!("di", "sk-", "0123456789abcdef0123"),
            concat!("we", "ek_", "0123456789abcdef0123"),
            "sk-short",
            "https://example.test/?model=gpt-realtime&voice=marin",
        ] {
            assert_eq!(redacted(text), text);
        }
    }

    #[test]
    fn masking_twice_changes_nothing() {
        let once = redacted(&format!(
            "Bearer {SK_PROJ} and {EK} and Bearer opaque-token-1234 ?key=v"
        ));
        assert!(matches!(redact_text(&once), Cow::Borrowed(_)), "{once}");
    }

    #[test]
    fn an_mcp_authorization_field_is_masked_whatever_its_shape() {
        let mut v = json!({"type":"session.update","session":{"tools":[
            {"type":"mcp","server_label":"x","authorization":"opaque"}]}});
        assert!(redact_value(&mut v));
        assert_eq!(v["session"]["tools"][0]["authorization"], "…[redacted]");
        assert_eq!(v["session"]["tools"][0]["server_label"], "x");
    }

    #[test]
    fn secret_headers_are_masked_and_others_kept() {
        let mut v = json!({"headers":{
            "Authorization":"Bearer opaque",
            "api-key":"k1",
            "X-API-Key":"k2",
            "X-Session-Token":"t",
            "X-Client-Secret":"s",
            "Accept":"application/json"}});
        assert!(redact_value(&mut v));
        let h = &v["headers"];
        assert_eq!(h["Authorization"], "Bearer …[redacted]");
        for name in ["api-key", "X-API-Key", "X-Session-Token", "X-Client-Secret"] {
            assert_eq!(h[name], "…[redacted]", "{name}");
        }
        assert_eq!(h["Accept"], "application/json");
    }

    #[test]
    fn key_and_token_fields_are_masked() {
        let mut v =
            json!({"api_key":"a","apiKey":"b","token":"c","access_token":"d","n":{"token":3}});
        assert!(redact_value(&mut v));
        for field in ["api_key", "apiKey", "token", "access_token"] {
            assert_eq!(v[field], "…[redacted]", "{field}");
        }
        assert_eq!(v["n"]["token"], 3);
    }

    #[test]
    fn a_logprob_token_is_text_not_a_secret() {
        let mut v = json!({"type":"conversation.item.input_audio_transcription.completed",
            "logprobs":[{"token":"Hello","logprob":-0.1,"bytes":[72]}]});
        assert!(!redact_value(&mut v));
        assert_eq!(v["logprobs"][0]["token"], "Hello");
    }

    #[test]
    fn a_beta_client_secret_object_is_masked() {
        let mut v = json!({"id":"sess_001","client_secret":{"value":"anything","expires_at":1}});
        assert!(redact_value(&mut v));
        assert_eq!(v["client_secret"]["value"], "…[redacted]");
        assert_eq!(v["client_secret"]["expires_at"], 1);
    }

    #[test]
    fn a_client_secret_string_is_masked() {
        let mut v = json!({"client_secret": EK});
        assert!(redact_value(&mut v));
        assert_eq!(v["client_secret"], "ek_…[redacted]");
    }

    #[test]
    fn a_ga_client_secret_response_value_is_masked() {
        let mut v = json!({"value": EK, "expires_at": 1756310470, "session": {"type":"realtime"}});
        assert!(redact_value(&mut v));
        assert_eq!(v["value"], "ek_…[redacted]");
        assert!(!v.to_string().contains(EK));
    }

    #[test]
    fn a_secret_phrase_loses_every_word() {
        let mut v =
            json!({"password":"correct horse battery staple","authorization":"Basic dXNlcjpwYXNz"});
        assert!(redact_value(&mut v));
        assert_eq!(v["password"], "…[redacted]");
        assert_eq!(v["authorization"], "Basic …[redacted]");
    }

    #[test]
    fn a_value_field_without_expiry_is_ordinary() {
        let mut v = json!({"value": "42"});
        assert!(!redact_value(&mut v));
    }

    #[test]
    fn secrets_in_free_text_strings_are_masked_at_any_depth() {
        let mut v =
            json!({"item":{"content":[{"type":"input_text","text":format!("my key is {SK}")}]}});
        assert!(redact_value(&mut v));
        assert_eq!(v["item"]["content"][0]["text"], "my key is sk-…[redacted]");
    }

    #[test]
    fn a_clean_event_is_unchanged_and_redaction_is_idempotent() {
        let clean = json!({"type":"response.create","response":{"instructions":"hi"}});
        let mut v = clean.clone();
        assert!(!redact_value(&mut v));
        assert_eq!(v, clean);

        let mut v = json!({"authorization":"Bearer x","headers":{"x-api-key":"k"},"client_secret":{"value":"s"}});
        assert!(redact_value(&mut v));
        assert!(!redact_value(&mut v));
    }
}
