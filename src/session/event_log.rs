//! The event log: every event in both directions plus local notes, in arrival
//! order, with its raw text exactly as it went over the wire. A coalesced view
//! folds consecutive deltas of one content part into a single row with a count,
//! maintained as entries arrive so a view never rescans history.
//!
//! Stored compactly, because a long session logs hundreds of thousands of
//! events: each entry is a fixed-size slot (ids and type as numbers into shared
//! tables), and the raw text and summary go to a [`TextStore`] that deflates
//! what is no longer new. Nothing is dropped: [`EventLog::get`] gives back the
//! entry as it was pushed, byte for byte.

mod interner;
mod text_store;

use std::borrow::Cow;

use self::interner::{Id, Ids, Types};
use self::text_store::{TextRef, TextStore};
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

/// One entry, whole: what is pushed, and what [`EventLog::get`] gives back.
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
    /// A client event the proxy's user sent on an app's relayed connection, not
    /// one the app sent (see [`crate::session::Session::set_relayed`]).
    pub injected: bool,
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

/// What an entry is without its text: cheap to read for every new entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EntryMeta<'a> {
    pub seq: usize,
    pub at_ms: u64,
    pub dir: Direction,
    pub kind: EntryKind,
    pub type_name: &'a str,
    pub beta: bool,
    pub injected: bool,
}

/// One row of the coalesced view: `count` consecutive entries starting at `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub first: usize,
    pub last: usize,
    pub count: usize,
}

/// An entry as stored: 56 bytes, its strings elsewhere.
#[derive(Debug, Clone, Copy)]
struct Slot {
    at_ms: u64,
    text: TextRef,
    ty: u32,
    response_id: Option<Id>,
    item_id: Option<Id>,
    call_id: Option<Id>,
    delta_item: Option<Id>,
    delta_part: u32,
    dir: Direction,
    kind: EntryKind,
    beta: bool,
    injected: bool,
}

#[derive(Debug, Default)]
pub struct EventLog {
    slots: Vec<Slot>,
    rows: Vec<Row>,
    text: TextStore,
    ids: Ids,
    types: Types,
    /// Error explanations, by seq (few entries have one).
    help: Vec<(usize, ErrorHelp)>,
}

impl EventLog {
    pub fn push(&mut self, entry: LogEntry) -> usize {
        let seq = self.slots.len();
        let ids = &mut self.ids;
        let mut id = |s: Option<&str>| s.map(|s| ids.intern(s));
        let slot = Slot {
            at_ms: entry.at_ms,
            text: self.text.push(&entry.raw, &entry.summary),
            ty: self.types.intern(entry.type_name),
            response_id: id(entry.response_id.as_deref()),
            item_id: id(entry.item_id.as_deref()),
            call_id: id(entry.call_id.as_deref()),
            delta_item: id(entry.delta_of.as_ref().map(|d| d.0.as_str())),
            delta_part: entry.delta_of.map_or(0, |d| d.1),
            dir: entry.dir,
            kind: entry.kind,
            beta: entry.beta,
            injected: entry.injected,
        };
        if let Some(h) = entry.help {
            self.help.push((seq, h));
        }
        let folds = match (self.rows.last(), self.slots.last()) {
            (Some(row), Some(prev)) => {
                row.last + 1 == seq
                    && slot.delta_item.is_some()
                    && (prev.delta_item, prev.delta_part) == (slot.delta_item, slot.delta_part)
                    && prev.ty == slot.ty
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
        self.slots.push(slot);
        seq
    }

    /// The entry at `seq`, whole (its text restored from the store).
    pub fn get(&self, seq: usize) -> Option<LogEntry> {
        let s = self.slots.get(seq)?;
        let name = |id: Option<Id>| id.map(|i| self.ids.name(i).to_string());
        let (raw, summary) = self.text.with(s.text, |raw, summary| {
            (raw.to_string(), summary.to_string())
        });
        Some(LogEntry {
            seq,
            at_ms: s.at_ms,
            dir: s.dir,
            kind: s.kind,
            type_name: self.types.name(s.ty).clone(),
            beta: s.beta,
            injected: s.injected,
            summary,
            raw,
            response_id: name(s.response_id),
            item_id: name(s.item_id),
            call_id: name(s.call_id),
            help: self.help_of(seq).cloned(),
            delta_of: name(s.delta_item).map(|i| (i, s.delta_part)),
        })
    }

    pub fn last(&self) -> Option<LogEntry> {
        self.get(self.len().checked_sub(1)?)
    }

    /// Entries from `start` on, whole, in order.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = LogEntry> + '_ {
        (start..self.len()).filter_map(|seq| self.get(seq))
    }

    pub fn iter(&self) -> impl Iterator<Item = LogEntry> + '_ {
        self.iter_from(0)
    }

    /// Type, direction, kind and time of the entry at `seq`, without its text.
    pub fn meta(&self, seq: usize) -> Option<EntryMeta<'_>> {
        let s = self.slots.get(seq)?;
        Some(EntryMeta {
            seq,
            at_ms: s.at_ms,
            dir: s.dir,
            kind: s.kind,
            type_name: self.types.name(s.ty),
            beta: s.beta,
            injected: s.injected,
        })
    }

    /// The raw text and summary of the entry at `seq`, borrowed for `f` (no copy):
    /// for scans such as the regex filter.
    pub fn with_text<T>(&self, seq: usize, f: impl FnOnce(&str, &str) -> T) -> Option<T> {
        Some(self.text.with(self.slots.get(seq)?.text, f))
    }

    pub fn help_of(&self, seq: usize) -> Option<&ErrorHelp> {
        let i = self.help.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        Some(&self.help[i].1)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The coalesced view: consecutive deltas of one content part share a row.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The response, item and call ids of the entry at `seq`, for matching
    /// related entries with [`EventLog::relates_to`].
    pub fn relation(&self, seq: usize) -> Option<Relation> {
        let s = self.slots.get(seq)?;
        Some(Relation([s.response_id, s.item_id, s.call_id]))
    }

    /// Whether the entry at `seq` shares a response, item or call id with `rel`.
    pub fn relates_to(&self, seq: usize, rel: &Relation) -> bool {
        let Some(s) = self.slots.get(seq) else {
            return false;
        };
        let same = |a: Option<Id>, b: Option<Id>| a.is_some() && a == b;
        same(s.response_id, rel.0[0]) || same(s.item_id, rel.0[1]) || same(s.call_id, rel.0[2])
    }

    /// Entries related to `seq`: sharing its response, item or call id.
    pub fn related(&self, seq: usize) -> Vec<usize> {
        let Some(rel) = self.relation(seq) else {
            return Vec::new();
        };
        (0..self.len())
            .filter(|&o| self.relates_to(o, &rel))
            .collect()
    }

    /// Bytes the log holds, by part, for the soak bench's report.
    pub fn footprint(&self) -> Footprint {
        let (text_sealed, text_open) = self.text.held_bytes();
        Footprint {
            entries: self.slots.capacity() * std::mem::size_of::<Slot>(),
            rows: self.rows.capacity() * std::mem::size_of::<Row>(),
            text_sealed,
            text_open,
        }
    }
}

/// The ids one entry relates by (see [`EventLog::relation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation([Option<Id>; 3]);

impl Relation {
    /// True when there is no id anything could share.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

/// What the log's storage holds, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    pub entries: usize,
    pub rows: usize,
    pub text_sealed: usize,
    pub text_open: usize,
}

#[cfg(test)]
mod tests;
