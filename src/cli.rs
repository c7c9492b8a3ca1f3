//! The command line: `rtconsole [--mock]` and its subcommands (design.md).
//! Parsing only; what each command does lives with its front-end.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::protocol::Dialect;

mod repeat;
pub use repeat::{P95Gate, RepeatArgs, DEFAULT_P95_METRIC};

/// `rtconsole --version`: the version, the git commit it was built from, the
/// target and the build profile (see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("RTCONSOLE_GIT_COMMIT"),
    ", ",
    env!("RTCONSOLE_TARGET"),
    ", ",
    env!("RTCONSOLE_PROFILE"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "rtconsole",
    version = VERSION,
    about = "Terminal inspector and console for realtime voice-AI sessions (OpenAI Realtime API over WebRTC)",
    long_about = "Terminal inspector and console for realtime voice-AI sessions.\n\n\
        Without a subcommand, opens the TUI connected to the Realtime API (key from \
        OPENAI_API_KEY, or --token-url of your own backend), or to the embedded mock \
        server with --mock."
)]
pub struct Cli {
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub tui: TuiArgs,
    /// Get client secrets from your own backend (like the /session endpoint in OpenAI's docs).
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// Protocol dialect of the server: ga (current API) or beta (legacy servers).
    #[arg(long, default_value = "ga", value_name = "ga|beta")]
    pub dialect: Dialect,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Play scripts headless: send events, wait for and check server events, exit non-zero when an expectation (or, with --runs, a gate) fails.
    Run(RunArgs),
    /// Serve the mock Realtime server on a loopback port for other clients.
    Mock(MockArgs),
    /// Browse a saved session recording in the TUI, offline.
    Open {
        /// A JSONL recording written by rtconsole.
        recording: PathBuf,
    },
    /// List audio input and output devices.
    Devices,
    /// Watch and drive a call another program made, over its sideband WebSocket
    /// (`{base}/realtime?call_id=…`, the standard key). Events only: a sideband carries no audio.
    Attach(AttachArgs),
    /// Debug your own app: serve the API's surface locally and relay its WebSocket
    /// sessions to the API (or the mock), printing every event both ways; type events to inject them.
    Proxy(ProxyArgs),
    /// Print a shell completion script to stdout (e.g. `rtconsole completions bash > ~/.local/share/bash-completion/completions/rtconsole`).
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout (e.g. `rtconsole man > rtconsole.1`, `rtconsole man run > rtconsole-run.1`).
    Man {
        /// A subcommand's own page (`rtconsole-run(1)`) instead of rtconsole(1).
        subcommand: Option<String>,
    },
    /// Print the effective configuration (theme, colours, keys, prices) and the files it came from, as a valid config.toml.
    Config,
}

/// `rtconsole attach CALL_ID`: the TUI over a call's sideband.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    /// The call's id (`rtc_…`, from the `Location` of its SDP answer).
    pub call_id: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[command(flatten)]
    pub tui: TuiArgs,
}

/// How a session is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TransportArg {
    /// A WebRTC call: Opus audio on a track, events on a data channel (the default).
    #[default]
    Webrtc,
    /// A WebSocket session: events and base64 audio in text frames (server-to-server).
    Websocket,
}

/// The transcription model `--transcribe` uses when it names none.
pub const DEFAULT_TRANSCRIBER: &str = "gpt-4o-transcribe";

/// Where to connect and the session to start with: shared by the TUI and `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// Use the embedded mock server: no key, no network.
    #[arg(long)]
    pub mock: bool,
    /// How to reach the session: webrtc (default) or websocket.
    #[arg(long, value_enum, default_value_t = TransportArg::Webrtc, value_name = "webrtc|websocket")]
    pub transport: TransportArg,
    /// The API's base URL (like the official SDKs, from OPENAI_BASE_URL when set).
    #[arg(
        long,
        env = "OPENAI_BASE_URL",
        default_value = crate::transport::signaling::DEFAULT_BASE_URL,
        value_name = "URL"
    )]
    pub base_url: String,
    /// The environment variable holding the standard API key.
    #[arg(long, default_value = "OPENAI_API_KEY", value_name = "NAME")]
    pub api_key_env: String,
    /// The model of the session (`session.model`).
    #[arg(long)]
    pub model: Option<String>,
    /// The voice of the session (`session.audio.output.voice`).
    #[arg(long)]
    pub voice: Option<String>,
    /// The instructions of the session.
    #[arg(long)]
    pub instructions: Option<String>,
    /// The initial session config (GA JSON, `{"type":"realtime",…}`); --model, --voice and --instructions override its fields.
    #[arg(long, value_name = "FILE")]
    pub session: Option<PathBuf>,
    /// A transcription-only session (no responses), with this transcription model (default gpt-4o-transcribe); the `=` is needed: --transcribe=whisper-1.
    #[arg(long, value_name = "MODEL", num_args = 0..=1, require_equals = true, default_missing_value = DEFAULT_TRANSCRIBER)]
    pub transcribe: Option<String>,
    /// How long to wait for the data channel to open.
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub open_timeout: std::time::Duration,
    /// How long one HTTP request (client secret, SDP offer, hangup) may take.
    #[arg(long, default_value = "20s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub http_timeout: std::time::Duration,
    /// With --mock: the mock scenario (for `run`, overrides the script's `scenario` line).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// With --mock: the seed of the simulated model.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Warn when the server sends nothing for this long while a response is in progress (0s: never).
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub stall_after: std::time::Duration,
}

impl ConnectArgs {
    /// `--stall-after` for the session: `None` when turned off with 0.
    pub fn stall_after_ms(&self) -> Option<u64> {
        let ms = self.stall_after.as_millis() as u64;
        (ms > 0).then_some(ms)
    }
}

/// The TUI's own options: look, config, recording and audio devices.
#[derive(Debug, Clone, clap::Args)]
pub struct TuiArgs {
    /// Theme: dark (default), light, high-contrast, or a theme .toml file.
    #[arg(long, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// The user config (default ~/.config/rtconsole/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Record the session to this file from the start (F9 starts/stops recording too).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Microphone: a device name (or part of it) or index from `rtconsole devices`.
    #[arg(long, value_name = "NAME|INDEX")]
    pub input_device: Option<String>,
    /// Speaker: a device name (or part of it) or index from `rtconsole devices`.
    #[arg(long, value_name = "NAME|INDEX")]
    pub output_device: Option<String>,
    /// Gate the microphone while the model's audio plays (for speakers without headphones).
    #[arg(long)]
    pub half_duplex: bool,
    /// Use this WAV as the microphone instead of a device.
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// Write the model's audio to this WAV (48 kHz mono) instead of a device.
    #[arg(long, value_name = "FILE.wav")]
    pub output: Option<PathBuf>,
}

/// `rtconsole run`: the script, where audio and events go, and how long to wait.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scripts (see README "Scripts") or recordings, which replay as scripts: files, directories (their *.rtc files) or quoted globs.
    #[arg(required = true, value_name = "SCRIPT|DIR|GLOB")]
    pub scripts: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Stream this WAV into the microphone from the start (any rate/channels); silence otherwise.
    #[arg(long, value_name = "FILE.wav")]
    pub input: Option<PathBuf>,
    /// Write the model's audio, decoded, to this WAV (48 kHz mono).
    #[arg(long, value_name = "FILE.wav")]
    pub output: Option<PathBuf>,
    /// Write both sides on one clock to this WAV (48 kHz stereo): left what was sent, right what was received.
    #[arg(long, value_name = "FILE.wav")]
    pub output_stereo: Option<PathBuf>,
    /// Write the events to this recording instead of stdout; with several runs a directory, one SCRIPT-runN.jsonl per run.
    #[arg(long, value_name = "FILE|DIR")]
    pub record: Option<PathBuf>,
    /// Replaying a recording: send its client events without the original pauses.
    #[arg(long)]
    pub fast: bool,
    /// How long `expect` and `transcript` steps wait unless the script says otherwise.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub timeout: std::time::Duration,
    /// Also append diagnostics to this file (they always go to stderr; level from RTCONSOLE_LOG).
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Attach to this call's sideband instead of starting a session (events only; the standard key).
    #[arg(long, value_name = "CALL_ID")]
    pub attach: Option<String>,
    #[command(flatten)]
    pub repeat: RepeatArgs,
}

/// `rtconsole mock`: the options of the standalone mock server.
#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// Address to listen on (port 0 picks a free port; the URL is printed at start).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Seed of the simulated model: the same seed and inputs give the same events
    /// (overrides the scenario's `seed`; 0 when neither is given).
    #[arg(long)]
    pub seed: Option<u64>,
    /// A scenario file (TOML): replies, tool calls, pacing, injected faults.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Record every call the mock serves to DIR/<call_id>.jsonl.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// The standard key clients must present (random when not given).
    #[arg(
        long,
        value_name = "KEY",
        env = "RTCONSOLE_MOCK_KEY",
        hide_env_values = true
    )]
    pub key: Option<String>,
    /// How long a session may last before `session_expired` (e.g. 60m, 90s).
    #[arg(long, default_value = "60m", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub session_limit: std::time::Duration,
    /// Also append diagnostics to this file (they always go to stderr; level from RTCONSOLE_LOG).
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

/// `rtconsole proxy`: where to listen, what to relay to, and where events go.
#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// Address to listen on (port 0 picks a free port; the base URL for the app is printed at start).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Where to relay: the API's base URL, or `mock` for the embedded mock server.
    #[arg(long, default_value = crate::transport::signaling::DEFAULT_BASE_URL, value_name = "URL|mock")]
    pub upstream: String,
    /// Print the relayed events as JSONL on stdout and read events to inject from stdin, instead of the TUI view.
    #[arg(long)]
    pub headless: bool,
    /// Write one recording per relayed connection into DIR.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Hold the app's (client:TYPE) or the API's (server:TYPE) events of this type until released or dropped; TYPE may end in `*`. Repeatable.
    #[arg(long = "break", value_name = "DIR:TYPE", value_parser = crate::transport::proxy::Breakpoint::parse)]
    pub breakpoints: Vec<crate::transport::proxy::Breakpoint>,
    /// With --upstream mock: the standard key the mock accepts (random and printed when not given).
    #[arg(
        long,
        value_name = "KEY",
        env = "RTCONSOLE_MOCK_KEY",
        hide_env_values = true
    )]
    pub mock_key: Option<String>,
    /// How long the upstream may take to accept a WebSocket handshake, or to open a relayed call's data channel.
    #[arg(long, default_value = "15s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub open_timeout: std::time::Duration,
    /// With --headless: also append diagnostics to this file (they always go to stderr; level from RTCONSOLE_LOG). The TUI view logs to the TUI's log directory.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}
