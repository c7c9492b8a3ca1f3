//! The filtered view: which rows of the coalesced log are shown. Kept up to date
//! incrementally, so a frame costs the same with 100,000 events as with 100: new
//! entries are checked once as they arrive, and only a filter change rescans.

use super::filter::Filter;
use crate::session::{EventLog, Row};

#[derive(Debug, Clone, Default)]
pub(super) struct View {
    /// Indices into `EventLog::rows()` that pass the filter, ascending. `None`
    /// when nothing is filtered: every row is shown, so nothing is stored or scanned.
    rows: Option<Vec<usize>>,
    /// Entries already checked: every seq below this one.
    scanned: usize,
    /// Entries in the shown rows, for "N of M shown".
    shown: usize,
}

/// The row holding entry `seq` (rows are in seq order and cover every entry).
pub(super) fn row_of(rows: &[Row], seq: usize) -> usize {
    rows.partition_point(|r| r.last < seq)
}

impl View {
    pub fn len(&self, log: &EventLog) -> usize {
        match &self.rows {
            Some(v) => v.len(),
            None => log.rows().len(),
        }
    }

    /// The row index at view position `i`.
    pub fn row(&self, i: usize) -> usize {
        match &self.rows {
            Some(v) => v[i],
            None => i,
        }
    }

    /// How many entries the shown rows hold.
    pub fn shown(&self, log: &EventLog) -> usize {
        match &self.rows {
            Some(_) => self.shown,
            None => log.len(),
        }
    }

    /// The view position of `row`, or of the nearest shown row before it (the
    /// first one when none is before it).
    pub fn position(&self, row: usize) -> usize {
        match &self.rows {
            Some(v) => v.partition_point(|&r| r <= row).saturating_sub(1),
            None => row,
        }
    }

    /// From scratch, after a filter change.
    pub fn rebuild(&mut self, filter: &Filter, log: &EventLog) {
        self.scanned = log.len();
        if filter.is_empty() {
            self.rows = None;
            self.shown = log.len();
            return;
        }
        let rows = log.rows();
        let mut shown_rows = Vec::new();
        let mut shown = 0;
        match &filter.related {
            Some(anchor) => {
                // The log knows what is related; only those entries are checked further.
                let mut seqs = log.related(anchor.seq);
                seqs.extend(anchor.first..=anchor.last.min(log.len().saturating_sub(1)));
                seqs.sort_unstable();
                seqs.dedup();
                for seq in seqs {
                    let r = row_of(rows, seq);
                    if shown_rows.last() == Some(&r) {
                        continue;
                    }
                    if filter.matches_unrelated(log, seq) {
                        shown_rows.push(r);
                        shown += rows[r].count;
                    }
                }
            }
            None => {
                for (r, row) in rows.iter().enumerate() {
                    if (row.first..=row.last).any(|seq| filter.matches(log, seq)) {
                        shown_rows.push(r);
                        shown += row.count;
                    }
                }
            }
        }
        self.rows = Some(shown_rows);
        self.shown = shown;
    }

    /// Takes in the entries that arrived since the last call.
    pub fn sync(&mut self, filter: &Filter, log: &EventLog) {
        let total = log.len();
        if self.scanned >= total {
            return;
        }
        let Some(shown_rows) = &mut self.rows else {
            self.scanned = total;
            return;
        };
        let rows = log.rows();
        // Start at the row of the first new entry: the last row seen may have
        // grown as deltas coalesced into it, and then only its new part is checked.
        let start = row_of(rows, self.scanned);
        for (r, row) in rows.iter().enumerate().skip(start) {
            let from = row.first.max(self.scanned);
            if shown_rows.last() == Some(&r) {
                self.shown += row.last + 1 - from;
            } else if (from..=row.last).any(|seq| filter.matches(log, seq)) {
                shown_rows.push(r);
                self.shown += row.count;
            }
        }
        self.scanned = total;
    }

    #[cfg(test)]
    pub fn rows_for_test(&self, log: &EventLog) -> Vec<usize> {
        (0..self.len(log)).map(|i| self.row(i)).collect()
    }

    #[cfg(test)]
    pub fn shown_for_test(&self) -> usize {
        self.shown
    }
}
