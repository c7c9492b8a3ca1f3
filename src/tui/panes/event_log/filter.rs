//! What the user asked to see: a type, a direction, a regex and "related to one
//! event". A row is shown when any of its entries passes every criterion.

use regex::Regex;

use crate::protocol::Direction;
use crate::session::{EventLog, Relation};
use crate::tui::text::one_line;

/// The event the related filter is about, with the ids that relate others to it,
/// so new entries are checked without asking the log to rescan everything.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Anchor {
    pub seq: usize,
    /// The anchor's whole row (a run of coalesced deltas) counts as related.
    pub first: usize,
    pub last: usize,
    relation: Relation,
}

impl Anchor {
    /// `None` when the event has no id anything could share.
    pub fn new(log: &EventLog, first: usize, last: usize) -> Option<Anchor> {
        let relation = log.relation(first).filter(|r| !r.is_empty())?;
        Some(Anchor {
            seq: first,
            first,
            last,
            relation,
        })
    }

    /// The same rule as [`EventLog::related`], for one entry.
    pub fn relates(&self, log: &EventLog, seq: usize) -> bool {
        (self.first..=self.last).contains(&seq) || log.relates_to(seq, &self.relation)
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
    /// The entry's text is read only when a regex needs it.
    pub fn matches_unrelated(&self, log: &EventLog, seq: usize) -> bool {
        let Some(e) = log.meta(seq) else {
            return false;
        };
        if self.ty.as_deref().is_some_and(|t| e.type_name != t) {
            return false;
        }
        if self.dir.is_some_and(|d| e.dir != d) {
            return false;
        }
        match &self.regex {
            Some(re) => {
                re.is_match(e.type_name)
                    || log
                        .with_text(seq, |raw, summary| re.is_match(summary) || re.is_match(raw))
                        .unwrap_or(false)
            }
            None => true,
        }
    }

    pub fn matches(&self, log: &EventLog, seq: usize) -> bool {
        self.related.as_ref().is_none_or(|a| a.relates(log, seq))
            && self.matches_unrelated(log, seq)
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
