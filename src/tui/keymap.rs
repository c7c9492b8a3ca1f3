//! The keymap as data: every binding has an action, the keys that trigger it, where it
//! applies and a description. The `?` help overlay is generated from this table, and
//! user overrides (`[keys]` in the config) replace an action's keys by name.

use crossterm::event::KeyEvent;
use std::collections::BTreeMap;

mod key_spec;
pub use key_spec::KeySpec;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Everywhere, even while typing: chords and function keys only.
    Global,
    /// When no text entry has the keys (plain letters are free).
    Normal,
    Log,
    Transcript,
    Config,
    Composer,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Normal => "Outside text entry",
            Scope::Log => "Events pane",
            Scope::Transcript => "Transcript pane",
            Scope::Config => "Session config editor",
            Scope::Composer => "Composer",
        }
    }
}

/// Everything a key can do. The names used in the config's `[keys]` table are the
/// variants in snake_case (strum), `tool_1` … `tool_9` for the tool switches.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Quit,
    QuitPlain,
    Help,
    HelpPlain,
    FocusNext,
    FocusPrev,
    FocusComposer,
    FocusLog,
    FocusTranscript,
    FocusConfig,
    FocusMeters,
    Maximize,
    ResponseCreate,
    Interrupt,
    ToggleModality,
    CycleTurnDetection,
    PushToTalk,
    MuteMic,
    MuteSpeaker,
    ToggleRecording,
    ReplayScript,
    ReleaseHeld,
    DropHeld,
    #[strum(serialize = "tool_1")]
    Tool1,
    #[strum(serialize = "tool_2")]
    Tool2,
    #[strum(serialize = "tool_3")]
    Tool3,
    #[strum(serialize = "tool_4")]
    Tool4,
    #[strum(serialize = "tool_5")]
    Tool5,
    #[strum(serialize = "tool_6")]
    Tool6,
    #[strum(serialize = "tool_7")]
    Tool7,
    #[strum(serialize = "tool_8")]
    Tool8,
    #[strum(serialize = "tool_9")]
    Tool9,
}

impl Action {
    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn from_name(name: &str) -> Option<Action> {
        name.parse().ok()
    }
}

impl Action {
    /// The tool number (1-based) of a `tool_N` action.
    pub fn tool_number(self) -> Option<usize> {
        let n = match self {
            Action::Tool1 => 1,
            Action::Tool2 => 2,
            Action::Tool3 => 3,
            Action::Tool4 => 4,
            Action::Tool5 => 5,
            Action::Tool6 => 6,
            Action::Tool7 => 7,
            Action::Tool8 => 8,
            Action::Tool9 => 9,
            _ => return None,
        };
        Some(n)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<KeySpec>,
    pub scope: Scope,
    pub description: &'static str,
}

/// The app's own bindings. Pane-local keys (scrolling, editing) are listed by the
/// panes in [`PANE_KEYS`] so the help shows them too.
const DEFAULTS: &[(Action, &[&str], Scope, &str)] = &[
    (
        Action::Quit,
        &["ctrl-c"],
        Scope::Global,
        "quit (exit status 0)",
    ),
    (Action::QuitPlain, &["q"], Scope::Normal, "quit"),
    (
        Action::Help,
        &["f1"],
        Scope::Global,
        "show or hide this help",
    ),
    (
        Action::HelpPlain,
        &["?"],
        Scope::Normal,
        "show or hide this help",
    ),
    (
        Action::FocusNext,
        &["tab"],
        Scope::Global,
        "focus the next pane",
    ),
    (
        Action::FocusPrev,
        &["shift-tab"],
        Scope::Global,
        "focus the previous pane",
    ),
    (
        Action::FocusComposer,
        &["alt-c"],
        Scope::Global,
        "focus the composer",
    ),
    (
        Action::FocusLog,
        &["alt-e"],
        Scope::Global,
        "focus the events pane",
    ),
    (
        Action::FocusTranscript,
        &["alt-t"],
        Scope::Global,
        "focus the transcript",
    ),
    (
        Action::FocusConfig,
        &["alt-s"],
        Scope::Global,
        "focus the session config editor",
    ),
    (
        Action::FocusMeters,
        &["alt-a"],
        Scope::Global,
        "focus the audio meters",
    ),
    (
        Action::Maximize,
        &["f2"],
        Scope::Global,
        "maximize the focused pane / restore the layout",
    ),
    (
        Action::ResponseCreate,
        &["ctrl-r"],
        Scope::Global,
        "send response.create",
    ),
    (
        Action::Interrupt,
        &["ctrl-x"],
        Scope::Global,
        "interrupt: response.cancel + output_audio_buffer.clear",
    ),
    (
        Action::ToggleModality,
        &["f3"],
        Scope::Global,
        "output modality: text <-> audio (session.update)",
    ),
    (
        Action::CycleTurnDetection,
        &["f4"],
        Scope::Global,
        "turn detection: server_vad -> semantic_vad -> off (push-to-talk)",
    ),
    (
        Action::PushToTalk,
        &["f5"],
        Scope::Global,
        "push-to-talk: press to talk, press again to send",
    ),
    (
        Action::MuteMic,
        &["f6"],
        Scope::Global,
        "mute / unmute the microphone",
    ),
    (
        Action::MuteSpeaker,
        &["f7"],
        Scope::Global,
        "mute / unmute the speaker",
    ),
    (
        Action::ToggleRecording,
        &["f9"],
        Scope::Global,
        "start / stop recording the session to a file",
    ),
    (
        Action::ReplayScript,
        &["f10"],
        Scope::Global,
        "replay a script file into the live session",
    ),
    (
        Action::ReleaseHeld,
        &["alt-r"],
        Scope::Global,
        "proxy: release the held event, as edited in the composer",
    ),
    (
        Action::DropHeld,
        &["alt-d"],
        Scope::Global,
        "proxy: drop the held event (it is never sent)",
    ),
    (
        Action::Tool1,
        &["alt-1"],
        Scope::Global,
        "turn configured tool 1 on / off",
    ),
    (
        Action::Tool2,
        &["alt-2"],
        Scope::Global,
        "turn configured tool 2 on / off",
    ),
    (
        Action::Tool3,
        &["alt-3"],
        Scope::Global,
        "turn configured tool 3 on / off",
    ),
    (
        Action::Tool4,
        &["alt-4"],
        Scope::Global,
        "turn configured tool 4 on / off",
    ),
    (
        Action::Tool5,
        &["alt-5"],
        Scope::Global,
        "turn configured tool 5 on / off",
    ),
    (
        Action::Tool6,
        &["alt-6"],
        Scope::Global,
        "turn configured tool 6 on / off",
    ),
    (
        Action::Tool7,
        &["alt-7"],
        Scope::Global,
        "turn configured tool 7 on / off",
    ),
    (
        Action::Tool8,
        &["alt-8"],
        Scope::Global,
        "turn configured tool 8 on / off",
    ),
    (
        Action::Tool9,
        &["alt-9"],
        Scope::Global,
        "turn configured tool 9 on / off",
    ),
];

/// Keys a pane handles itself, listed for the help overlay. Panes match these keys
/// in their `on_key`; the table is what the help shows for them.
pub const PANE_KEYS: &[(Scope, &str, &str)] = &[
    (Scope::Log, "Up/Down, j/k, PgUp/PgDn, Home/End", "select an event (End follows new events)"),
    (Scope::Log, "Enter", "show the selected event as pretty JSON (Esc closes; Up/Down scroll it)"),
    (Scope::Log, "/", "filter by regex over type, summary and raw JSON"),
    (Scope::Log, "t", "filter by the selected event's type (again: clear)"),
    (Scope::Log, "d", "direction filter: all -> client -> server -> local"),
    (Scope::Log, "r", "show only events related to the selected one (same response, item or call)"),
    (Scope::Log, "c", "clear every filter"),
    (Scope::Log, "b", "proxy: set / clear a breakpoint on the selected event's type and direction"),
    (Scope::Log, "s / S", "save the selected event / the whole log to a file"),
    (Scope::Log, "y", "copy the selected event to the clipboard (OSC 52)"),
    (Scope::Transcript, "Up/Down, PgUp/PgDn, Home/End", "scroll (End follows the conversation)"),
    (Scope::Transcript, "y", "copy the newest item (the top one when scrolled) to the clipboard (OSC 52)"),
    (Scope::Config, "typing", "edit the session as GA JSON; problems show with their path"),
    (Scope::Config, "Ctrl-S", "apply: send session.update"),
    (Scope::Config, "Ctrl-L", "reload the effective session from the server"),
    (Scope::Composer, "Enter", "send: JSON as a client event, plain text as a user message + response.create"),
    (Scope::Composer, "Alt-Enter / Ctrl-J", "new line"),
    (Scope::Composer, "Up/Down", "history (on the first / last line)"),
    (Scope::Composer, "Ctrl-T", "template menu: session.update, response.create, message, function_call_output, cancel, clears, commit, item delete/truncate"),
    (Scope::Composer, "Esc", "clear the composer"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .map(|(action, keys, scope, description)| Binding {
                action: *action,
                keys: keys
                    .iter()
                    .map(|k| KeySpec::parse(k).expect("default keys parse"))
                    .collect(),
                scope: *scope,
                description,
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The action for a key. `text_entry` hides the `Normal` bindings, so typing `q`
    /// in the composer types a q.
    pub fn lookup(&self, key: &KeyEvent, text_entry: bool) -> Option<Action> {
        self.bindings
            .iter()
            .filter(|b| b.scope == Scope::Global || (!text_entry && b.scope == Scope::Normal))
            .find(|b| b.keys.iter().any(|k| k.matches(key)))
            .map(|b| b.action)
    }

    /// The keys of an action as the help and hints show them: "Ctrl-R".
    pub fn keys_of(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map(|b| {
                b.keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .unwrap_or_default()
    }

    /// `[keys]` from the user config: `action = "key"` or `action = ["key", …]`;
    /// an empty list unbinds. Unknown actions and unparsable keys are errors.
    pub fn apply_overrides(&mut self, table: &BTreeMap<String, toml::Value>) -> Result<(), String> {
        for (name, value) in table {
            let action = Action::from_name(name).ok_or_else(|| {
                let names: Vec<_> = self.bindings.iter().map(|b| b.action.name()).collect();
                format!(
                    "[keys]: unknown action `{name}`; the actions are {}",
                    names.join(", ")
                )
            })?;
            let specs: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a
                    .iter()
                    .map(|v| {
                        v.as_str().ok_or_else(|| {
                            format!("[keys] {name}: every key must be a string like \"ctrl-r\"")
                        })
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(format!(
                        "[keys] {name}: give a key (\"ctrl-r\") or a list of keys"
                    ))
                }
            };
            let keys = specs
                .iter()
                .map(|s| KeySpec::parse(s).map_err(|e| format!("[keys] {name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let binding = self
                .bindings
                .iter_mut()
                .find(|b| b.action == action)
                .expect("every action has a default binding");
            binding.keys = keys;
        }
        self.check_conflicts()
    }

    /// Two actions on one key in overlapping scopes would make one unreachable.
    fn check_conflicts(&self) -> Result<(), String> {
        for (i, a) in self.bindings.iter().enumerate() {
            for b in &self.bindings[i + 1..] {
                let overlap =
                    a.scope == b.scope || a.scope == Scope::Global || b.scope == Scope::Global;
                if !overlap {
                    continue;
                }
                if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                    return Err(format!(
                        "[keys]: {k} is bound to both `{}` and `{}`; give one of them another key",
                        a.action.name(),
                        b.action.name()
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
