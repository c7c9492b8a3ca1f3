//! Everything before the first event: the script, the initial session config, the
//! credentials (a key, a backend's client secret, or the embedded mock), signaling
//! and the WebRTC connection.

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::cli::ConnectArgs;
use crate::mock::scenario::Scenario;
use crate::mock::{MockConfig, MockServer};
use crate::protocol::validate::validate_session_value;
use crate::protocol::Dialect;
use crate::recording::open_recording;
use crate::script::{parse_script, render_script, script_from_recording, ReplayPlan, Script};
use crate::transport::connect::{connect, Connection};
use crate::transport::rtc_setup::PeerSettings;
use crate::transport::signaling::{Signaling, SignalingError};

/// A usage or connection problem: exit status 2, with this message.
#[derive(Debug)]
pub struct SetupError(pub String);

impl<E: std::fmt::Display> From<E> for SetupError {
    fn from(e: E) -> Self {
        SetupError(e.to_string())
    }
}

/// What to play: a script, or a recording turned into one.
pub struct Loaded {
    pub script: Script,
    /// For a replayed recording, the server events it expects back.
    pub replay: Option<ReplayPlan>,
}

pub fn load(path: &Path, fast: bool, dialect: Dialect) -> Result<Loaded, SetupError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SetupError(format!("cannot read the script {}: {e}", path.display())))?;
    if crate::script::looks_like_recording(&text) {
        let rec = open_recording(path)?;
        let plan = script_from_recording(&rec, fast);
        let mut script = plan.script();
        if dialect == Dialect::Beta {
            script.dialect = Dialect::Beta;
        }
        // The plan's line numbers point into this rendering.
        tracing::debug!("replaying {} as:\n{}", path.display(), render_script(&plan));
        return Ok(Loaded {
            script,
            replay: Some(plan),
        });
    }
    let name = path.display().to_string();
    let mut script = parse_script(&text, &name)?;
    // --dialect beta or a `dialect beta` line: either makes the run beta.
    if dialect == Dialect::Beta {
        script.dialect = Dialect::Beta;
    }
    if let Some(dir) = path.parent() {
        script.resolve_paths(dir);
    }
    Ok(Loaded {
        script,
        replay: None,
    })
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
        None => json!({"type": "realtime"}),
    };
    let Some(obj) = session.as_object_mut() else {
        return Err(SetupError(
            "--session must hold a JSON object (a GA session config)".into(),
        ));
    };
    obj.entry("type").or_insert(json!("realtime"));
    if let Some(m) = &args.model {
        obj.insert("model".into(), json!(m));
    }
    if let Some(i) = &args.instructions {
        obj.insert("instructions".into(), json!(i));
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

/// Where the run connects and with what credentials.
pub struct Target {
    pub signaling: Signaling,
    /// The standard key, kept only to hang up; `None` with --token-url.
    pub key: Option<String>,
    pub mock: Option<MockServer>,
    pub dialect: Dialect,
}

pub async fn target(
    args: &ConnectArgs,
    token_url: Option<&str>,
    dialect: Dialect,
    script: Option<&Script>,
) -> Result<Target, SetupError> {
    if args.mock {
        let from_script = script.and_then(|s| s.scenario.as_ref());
        let scenario = match args.scenario.as_ref().or(from_script) {
            Some(path) => Scenario::load(path)?,
            None => Scenario::default(),
        };
        let config = MockConfig {
            dialect,
            seed: args.seed.or(scenario.seed).unwrap_or(0),
            scenario: Arc::new(scenario),
            ..MockConfig::default()
        };
        let server = MockServer::start(config).await?;
        return Ok(Target {
            signaling: Signaling::new(&server.base_url()),
            key: Some(server.key().to_string()),
            mock: Some(server),
            dialect,
        });
    }
    if let Some(refusal) = script.and_then(Script::real_server_refusal) {
        return Err(SetupError(refusal));
    }
    let signaling = Signaling::new(&args.base_url);
    if token_url.is_some() {
        return Ok(Target {
            signaling,
            key: None,
            mock: None,
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
        dialect,
    })
}

/// Signaling plus the WebRTC connection. GA: mint a client secret carrying the
/// session (or take one from --token-url), post the offer with it; the standard key
/// never goes on the WebRTC path. Beta: post to `/realtime?model=`.
pub async fn open(
    target: &Target,
    token_url: Option<&str>,
    session: &Value,
    args: &ConnectArgs,
) -> Result<Opened, SetupError> {
    let (secret, secret_expires_at) = match (token_url, &target.key) {
        (Some(url), _) => {
            let s = target.signaling.secret_from_backend(url).await?;
            (s.value, s.expires_at)
        }
        (None, Some(key)) if target.dialect == Dialect::Ga => {
            let s = target.signaling.mint_secret(key, Some(session)).await?;
            (s.value, s.expires_at)
        }
        (None, Some(key)) => (key.clone(), 0),
        (None, None) => return Err(SignalingError::NoKey.into()),
    };
    let settings = if target.mock.is_some() {
        PeerSettings::loopback_offerer()
    } else {
        PeerSettings {
            bind: "0.0.0.0:0".into(),
            ice_check_interval: None,
        }
    };
    let signaling = &target.signaling;
    let model = session
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("gpt-realtime")
        .to_string();
    let beta = target.dialect == Dialect::Beta;
    let conn = connect(&settings, args.open_timeout, |sdp| async move {
        if beta {
            signaling.post_offer_beta(&secret, &sdp, &model).await
        } else {
            signaling.post_offer(&secret, &sdp).await
        }
    })
    .await?;
    Ok(Opened {
        conn,
        secret_expires_at: (secret_expires_at > 0).then_some(secret_expires_at),
    })
}

/// A connection and, when a client secret was used, when it expires (Unix seconds).
pub struct Opened {
    pub conn: Connection,
    pub secret_expires_at: Option<u64>,
}
