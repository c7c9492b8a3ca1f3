//! Everything before the peer: the initial session config, where to connect and
//! with which credential (a key, a backend's client secret, or the embedded mock).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use super::LinkOptions;
use crate::cli::ConnectArgs;
use crate::mock::scenario::Scenario;
use crate::mock::{MockConfig, MockServer};
use crate::protocol::validate::validate_session_value;
use crate::protocol::Dialect;
use crate::transport::signaling::{Signaling, SignalingError};

/// A usage or connection problem, with the message to show (secrets redacted by
/// the code that made it).
#[derive(Debug)]
pub struct SetupError(pub String);

impl<E: std::fmt::Display> From<E> for SetupError {
    fn from(e: E) -> Self {
        SetupError(e.to_string())
    }
}

/// The initial session: `--session FILE`, then `--model/--voice/--instructions`.
pub fn initial_session(args: &ConnectArgs) -> Result<Value, SetupError> {
    let mut session = match &args.session {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                SetupError(format!("cannot read --session {}: {e}", path.display()))
            })?;
            serde_json::from_str::<Value>(&text).map_err(|e| {
                SetupError(format!(
                    "--session {} is not JSON: {e}; give a GA session object like {{\"type\":\"realtime\",\"instructions\":\"…\"}}",
                    path.display()
                ))
            })?
        }
        None if args.transcribe.is_some() => json!({"type": "transcription"}),
        None => json!({"type": "realtime"}),
    };
    let Some(obj) = session.as_object_mut() else {
        return Err(SetupError(
            "--session must hold a JSON object (a GA session config)".into(),
        ));
    };
    let kind = obj.entry("type").or_insert(json!("realtime"));
    if kind == "transcription" || args.transcribe.is_some() {
        return transcription_session(args, session);
    }
    if let Some(m) = &args.model {
        session["model"] = json!(m);
    }
    if let Some(i) = &args.instructions {
        session["instructions"] = json!(i);
    }
    if let Some(v) = &args.voice {
        session["audio"]["output"]["voice"] = json!(v);
    }
    if let Some(p) = validate_session_value(&session, Dialect::Ga).first() {
        return Err(SetupError(format!(
            "the initial session config is not valid: {p}"
        )));
    }
    Ok(session)
}

/// A transcription-only session: `type: "transcription"` (from `--session` or
/// `--transcribe`), which has no model, voice or instructions of its own.
pub fn is_transcription(session: &Value) -> bool {
    session.get("type").and_then(Value::as_str) == Some("transcription")
}

fn transcription_session(args: &ConnectArgs, mut session: Value) -> Result<Value, SetupError> {
    if !is_transcription(&session) {
        return Err(SetupError(
            "--transcribe starts a transcription session, but --session holds a realtime one (\"type\": \"realtime\")\nfix: drop --transcribe, or set \"type\": \"transcription\" in the file".into(),
        ));
    }
    for (given, flag) in [
        (&args.model, "--model"),
        (&args.voice, "--voice"),
        (&args.instructions, "--instructions"),
    ] {
        if given.is_some() {
            return Err(SetupError(format!(
                "{flag} does not apply to a transcription session (it has no model answering, no voice, no instructions)\nfix: drop {flag}; choose the transcriber with --transcribe=MODEL"
            )));
        }
    }
    let input = &mut session["audio"]["input"];
    if let Some(model) = &args.transcribe {
        input["transcription"]["model"] = json!(model);
    } else if input.get("transcription").is_none_or(Value::is_null) {
        input["transcription"] = json!({"model": crate::cli::DEFAULT_TRANSCRIBER});
    }
    // Without turn detection nothing would ever be committed, so nothing transcribed.
    if input.get("turn_detection").is_none() {
        input["turn_detection"] = json!({"type": "server_vad"});
    }
    if let Some(p) = validate_session_value(&session, Dialect::Ga).first() {
        return Err(SetupError(format!(
            "the transcription session is not valid: {p}"
        )));
    }
    Ok(session)
}

/// Where a link connects and with what credentials.
pub struct Target {
    pub signaling: Signaling,
    /// The standard key, kept to mint secrets and to hang up; `None` with --token-url.
    pub key: Option<String>,
    /// An embedded mock this link started (and stops when it ends).
    pub mock: Option<MockServer>,
    /// The peer is on this machine (a mock): loopback candidates only.
    pub loopback: bool,
    pub dialect: Dialect,
}

/// A mock that outlives one link: `run --runs N` starts one per script, and the
/// links of all its runs call it.
#[derive(Clone)]
pub struct SharedMock {
    pub base_url: String,
    pub key: String,
}

impl std::fmt::Debug for SharedMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMock")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl SharedMock {
    pub fn of(server: &MockServer) -> SharedMock {
        SharedMock {
            base_url: server.base_url(),
            key: server.key().to_string(),
        }
    }
}

/// The embedded mock's config: `--scenario`, else the script's, and `--seed`, else
/// the scenario's.
pub fn mock_config(
    args: &ConnectArgs,
    dialect: Dialect,
    script_scenario: Option<&PathBuf>,
) -> Result<MockConfig, SetupError> {
    let scenario = match args.scenario.as_ref().or(script_scenario) {
        Some(path) => Scenario::load(path)?,
        None => Scenario::default(),
    };
    Ok(MockConfig {
        dialect,
        seed: args.seed.or(scenario.seed).unwrap_or(0),
        scenario: Arc::new(scenario),
        ..MockConfig::default()
    })
}

/// A shared mock, else starts the embedded mock (with `--scenario`, or the
/// script's), else finds the key.
pub async fn target(options: &LinkOptions) -> Result<Target, SetupError> {
    let (args, dialect) = (&options.connect, options.dialect);
    if let Some(shared) = &options.shared_mock {
        return Ok(Target {
            signaling: Signaling::new(&shared.base_url),
            key: Some(shared.key.clone()),
            mock: None,
            loopback: true,
            dialect,
        });
    }
    if args.mock {
        let config = mock_config(args, dialect, options.script_scenario.as_ref())?;
        let server = MockServer::start(config).await?;
        return Ok(Target {
            signaling: Signaling::with_timeout(&server.base_url(), args.http_timeout),
            key: Some(server.key().to_string()),
            mock: Some(server),
            loopback: true,
            dialect,
        });
    }
    let signaling = Signaling::with_timeout(&args.base_url, args.http_timeout);
    if options.token_url.is_some() {
        return Ok(Target {
            signaling,
            key: None,
            mock: None,
            loopback: false,
            dialect,
        });
    }
    let key = std::env::var(&args.api_key_env)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or(SignalingError::NoKey)?;
    Ok(Target {
        signaling,
        key: Some(key),
        mock: None,
        loopback: false,
        dialect,
    })
}

/// What goes on the WebRTC path as the bearer.
pub struct Credential {
    pub bearer: String,
    /// Unix seconds, when a client secret was minted or fetched.
    pub expires_at: Option<u64>,
    /// How long minting or fetching it took.
    pub round_trip_ms: Option<f64>,
}

/// GA: mint a client secret carrying the session (or take one from --token-url);
/// the standard key never goes on the WebRTC path. Beta: the key itself.
pub async fn credential(
    target: &Target,
    token_url: Option<&str>,
    session: &Value,
) -> Result<Credential, SetupError> {
    let started = Instant::now();
    let (bearer, expires_at) = match (token_url, &target.key) {
        (Some(url), _) => {
            let s = target.signaling.secret_from_backend(url).await?;
            (s.value, s.expires_at)
        }
        (None, Some(key)) if target.dialect == Dialect::Ga => {
            let s = target.signaling.mint_secret(key, Some(session)).await?;
            (s.value, s.expires_at)
        }
        (None, Some(key)) => {
            return Ok(Credential {
                bearer: key.clone(),
                expires_at: None,
                round_trip_ms: None,
            })
        }
        (None, None) => return Err(SignalingError::NoKey.into()),
    };
    Ok(Credential {
        bearer,
        expires_at: (expires_at > 0).then_some(expires_at),
        round_trip_ms: Some(started.elapsed().as_secs_f64() * 1e3),
    })
}
