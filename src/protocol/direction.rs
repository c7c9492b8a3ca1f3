use serde::{Deserialize, Serialize};

/// Who produced an event: the client (us), the server, or a local note from
/// transport or audio (connection state, stats, warnings) that never went over the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Client,
    Server,
    Local,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Client => "client",
            Direction::Server => "server",
            Direction::Local => "local",
        }
    }

    /// The arrow shown in logs: `→` leaves us, `←` arrives, `·` is a local note.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Client => "→",
            Direction::Server => "←",
            Direction::Local => "·",
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
