//! What was sent from the composer, walked with Up/Down like a shell history. The
//! text being typed when the walk starts is kept aside, so walking back down past
//! the newest entry gives it back.

use std::collections::VecDeque;

/// Entries kept; the oldest go first.
pub const MAX_ENTRIES: usize = 500;

#[derive(Debug, Default)]
pub struct History {
    entries: VecDeque<String>,
    /// Index of the entry shown while walking; `None` when not walking.
    at: Option<usize>,
    /// The unsent text from before the walk started.
    draft: String,
}

impl History {
    /// Records a sent entry (not twice in a row) and ends any walk.
    pub fn push(&mut self, entry: &str) {
        self.at = None;
        if entry.trim().is_empty() || self.entries.back().is_some_and(|e| e == entry) {
            return;
        }
        if self.entries.len() == MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(entry.to_string());
    }

    /// Ends a walk without restoring anything (the text was cleared or replaced).
    pub fn stop(&mut self) {
        self.at = None;
    }

    #[cfg(test)]
    pub fn is_walking(&self) -> bool {
        self.at.is_some()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// One entry further back; `current` is kept as the draft when the walk starts.
    /// `None` at the oldest entry (or with no history).
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let next = match self.at {
            None if self.entries.is_empty() => return None,
            None => {
                self.draft = current.to_string();
                self.entries.len() - 1
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.at = Some(next);
        self.entries.get(next).map(String::as_str)
    }

    /// One entry forward; past the newest, the draft comes back and the walk ends.
    /// `None` when not walking.
    pub fn newer(&mut self) -> Option<String> {
        let i = self.at?;
        if i + 1 < self.entries.len() {
            self.at = Some(i + 1);
            return self.entries.get(i + 1).cloned();
        }
        self.at = None;
        Some(std::mem::take(&mut self.draft))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_back_and_returns_the_draft() {
        let mut h = History::default();
        h.push("one");
        h.push("two");
        assert_eq!(h.older("draft"), Some("two"));
        assert_eq!(h.older("ignored"), Some("one"));
        assert_eq!(h.older("ignored"), None);
        assert_eq!(h.newer().as_deref(), Some("two"));
        assert_eq!(h.newer().as_deref(), Some("draft"));
        assert!(!h.is_walking());
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn skips_consecutive_duplicates_and_blank_entries_and_caps_the_length() {
        let mut h = History::default();
        h.push("same");
        h.push("same");
        h.push("  ");
        assert_eq!(h.len(), 1);
        for i in 0..MAX_ENTRIES + 10 {
            h.push(&i.to_string());
        }
        assert_eq!(h.len(), MAX_ENTRIES);
        assert_eq!(h.older(""), Some((MAX_ENTRIES + 9).to_string().as_str()));
    }

    #[test]
    fn an_empty_history_does_not_start_a_walk() {
        let mut h = History::default();
        assert_eq!(h.older("draft"), None);
        assert!(!h.is_walking());
    }
}
