//! The event log: every event in both directions plus local notes, in arrival
//! order, with its raw text exactly as it went over the wire. A coalesced view
//! folds consecutive deltas of one content part into a single row with a count,
//! maintained as entries arrive so a view never rescans history.

use std::borrow::Cow;

use crate::protocol::error_help::ErrorHelp;
use crate::protocol::Direction;

/// What kind of thing an entry is, for colouring and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A known event, decoded.
    Event,
    /// A server `error` event, or a transcription failure.
    Error,
    /// Valid JSON with a type this version does not know; shown raw.
    Unknown,
    /// A known type whose fields did not fit, or text that is not an event; shown raw.
    Malformed,
    /// A client event that failed validation and was not sent.
    Rejected,
    /// A note from transport or audio.
    Note,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// 0-based position in the log; stable for the life of the session.
    pub seq: usize,
    /// Milliseconds since the session started.
    pub at_ms: u64,
    pub dir: Direction,
    pub kind: EntryKind,
    /// The GA name of the event when known, else the type as sent.
    pub type_name: Cow<'static, str>,
    /// The event arrived with a beta name or a beta-shaped session.
    pub beta: bool,
    pub summary: String,
    /// Exactly what went over the wire (or, for notes, the note's JSON).
    pub raw: String,
    /// Ids that relate this event to others (same response, item or call).
    pub response_id: Option<String>,
    pub item_id: Option<String>,
    pub call_id: Option<String>,
    /// For errors with a known code: what it means and what to do.
    pub help: Option<ErrorHelp>,
    /// Set on streaming deltas: (item_id, content_index) they append to.
    pub delta_of: Option<(String, u32)>,
}

/// One row of the coalesced view: `count` consecutive entries starting at `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub first: usize,
    pub last: usize,
    pub count: usize,
}

#[derive(Debug, Default)]
pub struct EventLog {
    entries: Vec<LogEntry>,
    rows: Vec<Row>,
}

impl EventLog {
    pub fn push(&mut self, mut entry: LogEntry) -> usize {
        let seq = self.entries.len();
        entry.seq = seq;
        let folds = match (self.rows.last(), self.entries.last()) {
            (Some(row), Some(prev)) => {
                row.last + 1 == seq
                    && entry.delta_of.is_some()
                    && prev.delta_of == entry.delta_of
                    && prev.type_name == entry.type_name
            }
            _ => false,
        };
        if folds {
            let row = self.rows.last_mut().expect("checked above");
            row.last = seq;
            row.count += 1;
        } else {
            self.rows.push(Row {
                first: seq,
                last: seq,
                count: 1,
            });
        }
        self.entries.push(entry);
        seq
    }

    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    pub fn get(&self, seq: usize) -> Option<&LogEntry> {
        self.entries.get(seq)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The coalesced view: consecutive deltas of one content part share a row.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Entries related to `seq`: sharing its response, item or call id.
    pub fn related(&self, seq: usize) -> Vec<usize> {
        let Some(e) = self.entries.get(seq) else {
            return Vec::new();
        };
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        self.entries
            .iter()
            .filter(|o| {
                same(&o.response_id, &e.response_id)
                    || same(&o.item_id, &e.item_id)
                    || same(&o.call_id, &e.call_id)
            })
            .map(|o| o.seq)
            .collect()
    }
}
