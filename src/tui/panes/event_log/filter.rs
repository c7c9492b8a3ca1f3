//! What the user asked to see: a type, a direction, a regex and "related to one
//! event". A row is shown when any of its entries passes every criterion.

use regex::Regex;

use crate::protocol::Direction;
use crate::session::{EventLog, LogEntry};
use crate::tui::text::one_line;

/// The event the related filter is about, with the ids that relate others to it.
/// The ids are copied so new entries can be checked without asking the log to
/// rescan everything.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Anchor {
    pub seq: usize,
    /// The anchor's whole row (a run of coalesced deltas) counts as related.
    pub first: usize,
    pub last: usize,
    response_id: Option<String>,
    item_id: Option<String>,
    call_id: Option<String>,
}

impl Anchor {
    /// `None` when the event has no id anything could share.
    pub fn new(log: &EventLog, first: usize, last: usize) -> Option<Anchor> {
        let e = log.get(first)?;
        if e.response_id.is_none() && e.item_id.is_none() && e.call_id.is_none() {
            return None;
        }
        Some(Anchor {
            seq: first,
            first,
            last,
            response_id: e.response_id.clone(),
            item_id: e.item_id.clone(),
            call_id: e.call_id.clone(),
        })
    }

    /// The same rule as [`EventLog::related`], for one entry.
    pub fn relates(&self, e: &LogEntry) -> bool {
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        (self.first..=self.last).contains(&e.seq)
            || same(&e.response_id, &self.response_id)
            || same(&e.item_id, &self.item_id)
            || same(&e.call_id, &self.call_id)
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Filter {
    pub ty: Option<String>,
    pub dir: Option<Direction>,
    pub regex: Option<Regex>,
    pub related: Option<Anchor>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.ty.is_none() && self.dir.is_none() && self.regex.is_none() && self.related.is_none()
    }

    /// Every criterion but "related", which a rebuild answers from the log's index.
    pub fn matches_unrelated(&self, e: &LogEntry) -> bool {
        if self.ty.as_deref().is_some_and(|t| e.type_name != t) {
            return false;
        }
        if self.dir.is_some_and(|d| e.dir != d) {
            return false;
        }
        match &self.regex {
            Some(re) => re.is_match(&e.type_name) || re.is_match(&e.summary) || re.is_match(&e.raw),
            None => true,
        }
    }

    pub fn matches(&self, e: &LogEntry) -> bool {
        self.related.as_ref().is_none_or(|a| a.relates(e)) && self.matches_unrelated(e)
    }

    /// `type=response.done dir=server related=#12 /delta/`, safe to print.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.ty {
            parts.push(format!("type={}", one_line(t, 48)));
        }
        if let Some(d) = self.dir {
            parts.push(format!("dir={d}"));
        }
        if let Some(a) = &self.related {
            parts.push(format!("related=#{}", a.seq));
        }
        if let Some(re) = &self.regex {
            parts.push(format!("/{}/", one_line(re.as_str(), 40)));
        }
        parts.join(" ")
    }
}

/// The `d` key's cycle: all → client → server → local → all.
pub(super) fn next_direction(dir: Option<Direction>) -> Option<Direction> {
    match dir {
        None => Some(Direction::Client),
        Some(Direction::Client) => Some(Direction::Server),
        Some(Direction::Server) => Some(Direction::Local),
        Some(Direction::Local) => None,
    }
}
