//! Who may call the mock: its standard key, and the client secrets (`ek_…`) it mints.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::RngCore;
use serde_json::Value;

/// `expires_after.seconds` bounds of the real API; 600 s when not given.
pub const SECRET_TTL_MIN: u64 = 10;
pub const SECRET_TTL_MAX: u64 = 7200;
pub const SECRET_TTL_DEFAULT: u64 = 600;

/// What the `Authorization` header turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// The mock's standard key.
    Standard,
    /// A live client secret and the session config it was minted with.
    Secret { session: Option<Value> },
}

/// Why a request was refused; each says what to do instead and never repeats the key.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthError {
    Missing,
    Unknown,
    Expired,
    SecretNotAllowed,
}

impl AuthError {
    pub fn message(&self) -> &'static str {
        match self {
            AuthError::Missing => "You didn't provide an API key. Send `Authorization: Bearer <key>` with the standard key the mock printed when it started.",
            AuthError::Unknown => "Incorrect API key provided. Use the standard key the mock printed when it started, or a client secret it minted at /v1/realtime/client_secrets.",
            AuthError::Expired => "The client secret has expired. Mint a new one at /v1/realtime/client_secrets (expires_after.seconds sets its lifetime, 10 to 7200).",
            AuthError::SecretNotAllowed => "A client secret cannot be used for this request. Use the standard key.",
        }
    }

    pub fn code(&self) -> Option<&'static str> {
        match self {
            AuthError::Missing => None,
            AuthError::Unknown | AuthError::SecretNotAllowed => Some("invalid_api_key"),
            AuthError::Expired => Some("expired_client_secret"),
        }
    }
}

struct Minted {
    expires_at: SystemTime,
    session: Option<Value>,
}

pub struct Keys {
    standard: String,
    secrets: Mutex<HashMap<String, Minted>>,
}

pub fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `bytes` random bytes as lowercase hex: the tail of keys, secrets and call ids.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl Keys {
    /// `standard` is the key clients must present; a random one when not given, so two
    /// mocks on one machine never accept each other's clients by accident.
    pub fn new(standard: Option<String>) -> Keys {
        Keys {
            standard: standard.unwrap_or_else(|| format!("sk-mock-{}", random_hex(12))),
            secrets: Mutex::new(HashMap::new()),
        }
    }

    pub fn standard(&self) -> &str {
        &self.standard
    }

    /// Mints `ek_` + 32 hex, like the real API, valid for `ttl`.
    pub fn mint(&self, ttl: Duration, session: Option<Value>, now: SystemTime) -> (String, u64) {
        let value = format!("ek_{}", random_hex(16));
        let expires_at = now + ttl;
        let mut secrets = self.secrets.lock().expect("keys lock");
        secrets.retain(|_, m| m.expires_at > now);
        secrets.insert(
            value.clone(),
            Minted {
                expires_at,
                session,
            },
        );
        (value, unix_seconds(expires_at))
    }

    /// Checks an `Authorization` header value.
    pub fn check(&self, header: Option<&str>, now: SystemTime) -> Result<Caller, AuthError> {
        let token = header
            .and_then(|h| {
                let (scheme, token) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        if token == self.standard {
            return Ok(Caller::Standard);
        }
        let secrets = self.secrets.lock().expect("keys lock");
        match secrets.get(token) {
            Some(m) if m.expires_at > now => Ok(Caller::Secret {
                session: m.session.clone(),
            }),
            Some(_) => Err(AuthError::Expired),
            None => Err(AuthError::Unknown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_key_and_minted_secrets_are_accepted_until_expiry() {
        let keys = Keys::new(Some("sk-mock-test".into()));
        let now = SystemTime::now();
        assert_eq!(
            keys.check(Some("Bearer sk-mock-test"), now),
            Ok(Caller::Standard)
        );
        let (ek, exp) = keys.mint(Duration::from_secs(10), None, now);
        assert!(ek.starts_with("ek_") && ek.len() == 35);
        assert_eq!(exp, unix_seconds(now) + 10);
        let header = format!("Bearer {ek}");
        assert!(matches!(
            keys.check(Some(&header), now),
            Ok(Caller::Secret { .. })
        ));
        let later = now + Duration::from_secs(11);
        assert_eq!(keys.check(Some(&header), later), Err(AuthError::Expired));
    }

    #[test]
    fn missing_malformed_and_wrong_keys_are_refused() {
        let keys = Keys::new(None);
        let now = SystemTime::now();
        assert_eq!(keys.check(None, now), Err(AuthError::Missing));
        assert_eq!(keys.check(Some("Bearer "), now), Err(AuthError::Missing));
        assert_eq!(keys.check(Some("Basic abc"), now), Err(AuthError::Missing));
        assert_eq!(
            keys.check(Some("Bearer sk-nope"), now),
            Err(AuthError::Unknown)
        );
        assert!(keys.standard().starts_with("sk-mock-"));
    }
}
