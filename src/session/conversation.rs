//! The conversation as the server describes it: items ordered by
//! `previous_item_id` (not by arrival), their words assembled from deltas, input
//! transcripts placed on their own item whenever they arrive.

use std::collections::HashMap;

use crate::protocol::item::{ContentType, Item, ItemStatus, ItemType, Role};

/// The words of one content part as they stand now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PartText {
    pub kind: Option<ContentType>,
    pub text: String,
    /// An input audio part whose transcript has not arrived (or was never asked for).
    pub transcript_pending: bool,
    /// Transcription finished (completed or failed): later item echoes with
    /// `transcript: null` must not make it pending again.
    pub transcript_final: bool,
    /// Speaker segments of a diarizing transcription (`…transcription.segment`).
    pub segments: Vec<Segment>,
    /// Token log-probabilities of the transcript, when the session includes them.
    pub logprobs: Vec<TokenProb>,
}

/// One stretch of speech by one speaker, as a diarizing transcriber reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub id: Option<String>,
    pub speaker: Option<String>,
    pub text: String,
    pub start_s: f64,
    pub end_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TokenProb {
    pub token: String,
    pub logprob: f64,
}

impl PartText {
    /// The mean token probability and the least likely token, when logprobs came.
    pub fn confidence(&self) -> Option<(f64, &TokenProb)> {
        let n = self.logprobs.len();
        let lowest = self
            .logprobs
            .iter()
            .min_by(|a, b| a.logprob.total_cmp(&b.logprob))?;
        let mean = self.logprobs.iter().map(|t| t.logprob).sum::<f64>() / n as f64;
        Some((mean.exp(), lowest))
    }
}

/// Content parts beyond this index are ignored: real items have one or two, and a
/// hostile `content_index` must not make the session allocate gigabytes.
pub const MAX_CONTENT_PARTS: u32 = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct ConvItem {
    pub id: String,
    pub kind: ItemType,
    pub role: Option<Role>,
    pub status: Option<ItemStatus>,
    pub parts: Vec<PartText>,
    pub call_id: Option<String>,
    pub name: Option<String>,
    pub arguments: Option<String>,
    pub output: Option<String>,
    /// The response that produced it, for model output.
    pub response_id: Option<String>,
    /// Why input transcription failed, when it did.
    pub transcription_error: Option<String>,
    /// `conversation.item.truncated`: the server cut the audio (and its text) here.
    pub truncated_at_ms: Option<u64>,
    pub first_seen_ms: u64,
}

impl ConvItem {
    fn new(id: &str, kind: ItemType, at_ms: u64) -> Self {
        ConvItem {
            id: id.to_string(),
            kind,
            role: None,
            status: None,
            parts: Vec::new(),
            call_id: None,
            name: None,
            arguments: None,
            output: None,
            response_id: None,
            transcription_error: None,
            truncated_at_ms: None,
            first_seen_ms: at_ms,
        }
    }

    /// All words of the item, parts joined.
    pub fn text(&self) -> String {
        self.parts.iter().map(|p| p.text.as_str()).collect()
    }

    /// The part at `index`, created if needed; `None` past [`MAX_CONTENT_PARTS`].
    pub fn part_mut(&mut self, index: u32) -> Option<&mut PartText> {
        if index >= MAX_CONTENT_PARTS {
            return None;
        }
        let i = index as usize;
        if self.parts.len() <= i {
            self.parts.resize_with(i + 1, PartText::default);
        }
        self.parts.get_mut(i)
    }

    /// Takes what a server item says, without erasing words already assembled
    /// from deltas when the server's copy is empty (items are announced empty).
    fn merge(&mut self, item: &Item) {
        self.kind = item.kind.clone();
        if item.role.is_some() {
            self.role = item.role.clone();
        }
        if item.status.is_some() {
            self.status = item.status.clone();
        }
        for (i, part) in item.parts().iter().enumerate() {
            let Some(p) = self.part_mut(i as u32) else {
                break;
            };
            p.kind = Some(part.kind.clone());
            match part.words() {
                Some(w) if !w.is_empty() => {
                    p.text = w.to_string();
                    p.transcript_pending = false;
                }
                _ => {
                    // `transcript: null` on an input_audio part: transcription to come.
                    if part.kind == ContentType::InputAudio
                        && p.text.is_empty()
                        && !p.transcript_final
                    {
                        p.transcript_pending = matches!(part.transcript, Some(None) | None);
                    }
                }
            }
        }
        for (mine, theirs) in [
            (&mut self.call_id, &item.call_id),
            (&mut self.name, &item.name),
            (&mut self.output, &item.output),
        ] {
            if theirs.is_some() {
                *mine = theirs.clone();
            }
        }
        if let Some(a) = &item.arguments {
            if !a.is_empty() || self.arguments.is_none() {
                self.arguments = Some(a.clone());
            }
        }
    }
}

/// Conversation order as links between ids, so inserting after any item (or at
/// the start) is O(1) however long the session has run.
#[derive(Debug, Default)]
struct Links {
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Default)]
pub struct Conversation {
    items: HashMap<String, ConvItem>,
    /// Items of the default conversation, linked in conversation order.
    links: HashMap<String, Links>,
    head: Option<String>,
    tail: Option<String>,
    /// Items whose predecessor has not been seen yet, keyed by that predecessor.
    waiting_for: HashMap<String, Vec<String>>,
}

/// Where a newly announced item goes.
pub enum Placement<'a> {
    /// After this item (`previous_item_id`).
    After(&'a str),
    /// At the start (`previous_item_id: null`).
    First,
    /// The server said nothing about the position.
    End,
}

impl Conversation {
    pub fn get_mut(&mut self, id: &str) -> Option<&mut ConvItem> {
        self.items.get_mut(id)
    }

    pub fn get(&self, id: &str) -> Option<&ConvItem> {
        self.items.get(id)
    }

    /// The item, created (outside the conversation order) if not yet heard of:
    /// deltas and transcripts may name an item before it is announced.
    pub fn entry(&mut self, id: &str, kind: ItemType, at_ms: u64) -> &mut ConvItem {
        // Look up before inserting: deltas name an existing item almost always, and
        // the entry API would allocate an owned key for every one of them.
        if !self.items.contains_key(id) {
            self.items
                .insert(id.to_string(), ConvItem::new(id, kind, at_ms));
        }
        self.items.get_mut(id).expect("present or just inserted")
    }

    /// Items of the default conversation, in order.
    pub fn ordered(&self) -> impl Iterator<Item = &ConvItem> {
        let mut cur = self.head.as_deref();
        std::iter::from_fn(move || {
            let id = cur?;
            cur = self.links.get(id).and_then(|l| l.next.as_deref());
            self.items.get(id)
        })
    }

    /// Items of the default conversation, last first: a view of the newest items
    /// costs what it shows, however long the conversation.
    pub fn ordered_rev(&self) -> impl Iterator<Item = &ConvItem> {
        let mut cur = self.tail.as_deref();
        std::iter::from_fn(move || {
            let id = cur?;
            cur = self.links.get(id).and_then(|l| l.prev.as_deref());
            self.items.get(id)
        })
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.links.contains_key(id)
    }

    /// Records what the server says about an item, and places it in the order the
    /// first time it is announced as part of the conversation.
    pub fn upsert(&mut self, item: &Item, placement: Placement<'_>, at_ms: u64) -> Option<String> {
        let id = item.id.clone()?;
        self.entry(&id, item.kind.clone(), at_ms).merge(item);
        if !self.contains(&id) {
            self.place(&id, placement);
        }
        Some(id)
    }

    /// Puts an already known item into the order (for output of a response whose
    /// items the server never announced on the conversation).
    pub fn ensure_in_order(&mut self, id: &str) {
        if self.items.contains_key(id) && !self.contains(id) {
            self.place(id, Placement::End);
        }
    }

    fn link_after(&mut self, prev: Option<&str>, id: &str) {
        let next = match prev {
            Some(p) => self.links.get(p).and_then(|l| l.next.clone()),
            None => self.head.clone(),
        };
        self.links.insert(
            id.to_string(),
            Links {
                prev: prev.map(str::to_string),
                next: next.clone(),
            },
        );
        match prev.and_then(|p| self.links.get_mut(p)) {
            Some(l) => l.next = Some(id.to_string()),
            None => self.head = Some(id.to_string()),
        }
        match next.as_deref().and_then(|n| self.links.get_mut(n)) {
            Some(l) => l.prev = Some(id.to_string()),
            None => self.tail = Some(id.to_string()),
        }
    }

    fn unlink(&mut self, id: &str) -> bool {
        let Some(l) = self.links.remove(id) else {
            return false;
        };
        match l.prev.as_deref().and_then(|p| self.links.get_mut(p)) {
            Some(pl) => pl.next = l.next.clone(),
            None => self.head = l.next.clone(),
        }
        match l.next.as_deref().and_then(|n| self.links.get_mut(n)) {
            Some(nl) => nl.prev = l.prev.clone(),
            None => self.tail = l.prev.clone(),
        }
        true
    }

    fn place(&mut self, id: &str, placement: Placement<'_>) {
        // An item cannot follow itself; a server saying so gets the item appended.
        let placement = match placement {
            Placement::After(p) if p == id => Placement::End,
            other => other,
        };
        match placement {
            Placement::First => self.link_after(None, id),
            Placement::After(prev) if self.contains(prev) => self.link_after(Some(prev), id),
            Placement::After(prev) => {
                // The predecessor is late: show the item now, move it when it arrives.
                let tail = self.tail.clone();
                self.link_after(tail.as_deref(), id);
                self.waiting_for
                    .entry(prev.to_string())
                    .or_default()
                    .push(id.to_string());
            }
            Placement::End => {
                let tail = self.tail.clone();
                self.link_after(tail.as_deref(), id);
            }
        }
        if let Some(followers) = self.waiting_for.remove(id) {
            // Inserting each right after `id`, last first, keeps their arrival order.
            for f in followers.into_iter().rev().filter(|f| f != id) {
                if self.unlink(&f) {
                    self.link_after(Some(id), &f);
                }
            }
        }
    }

    /// `conversation.item.deleted`: gone from the order and forgotten, so an item
    /// re-created later with the same id starts clean.
    pub fn remove(&mut self, id: &str) {
        self.unlink(id);
        self.items.remove(id);
    }
}
