//! A recording as session inputs: what `rtconsole open` and replay feed the core,
//! so a saved session rebuilds the same log, conversation and numbers it had live.

use serde_json::{json, Value};

use super::{Entry, Recording};
use crate::protocol::Direction;
use crate::session::Input;

impl Entry {
    /// The input that reproduces this entry: server text as received, client
    /// events as already sent (not re-validated), local notes as notes.
    pub fn to_input(&self) -> Input {
        let at_ms = self.t_ms;
        match self.dir {
            Direction::Server => Input::Server {
                at_ms,
                raw: self.raw.clone(),
            },
            Direction::Client => Input::Sent {
                at_ms,
                raw: self.raw.clone(),
            },
            Direction::Local => Input::Note {
                at_ms,
                note: serde_json::from_str::<Value>(&self.raw)
                    .ok()
                    .filter(Value::is_object)
                    .unwrap_or_else(|| json!({"type": "local.note", "text": self.raw})),
            },
        }
    }
}

impl Recording {
    /// Inputs in recorded order.
    pub fn inputs(&self) -> impl Iterator<Item = Input> + '_ {
        self.entries.iter().map(Entry::to_input)
    }
}
