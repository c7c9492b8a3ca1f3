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
}

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

    pub fn part_mut(&mut self, index: u32) -> &mut PartText {
        let i = index as usize;
        if self.parts.len() <= i {
            self.parts.resize_with(i + 1, PartText::default);
        }
        &mut self.parts[i]
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
            let p = self.part_mut(i as u32);
            p.kind = Some(part.kind.clone());
            match part.words() {
                Some(w) if !w.is_empty() => {
                    p.text = w.to_string();
                    p.transcript_pending = false;
                }
                _ => {
                    // `transcript: null` on an input_audio part: transcription to come.
                    if part.kind == ContentType::InputAudio && p.text.is_empty() {
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

#[derive(Debug, Default)]
pub struct Conversation {
    items: HashMap<String, ConvItem>,
    /// Ids of items in the default conversation, in conversation order.
    order: Vec<String>,
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
    pub fn get(&self, id: &str) -> Option<&ConvItem> {
        self.items.get(id)
    }

    /// The item, created (outside the conversation order) if not yet heard of:
    /// deltas and transcripts may name an item before it is announced.
    pub fn entry(&mut self, id: &str, kind: ItemType, at_ms: u64) -> &mut ConvItem {
        self.items
            .entry(id.to_string())
            .or_insert_with(|| ConvItem::new(id, kind, at_ms))
    }

    /// Items of the default conversation, in order.
    pub fn ordered(&self) -> impl Iterator<Item = &ConvItem> {
        self.order.iter().filter_map(|id| self.items.get(id))
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.order.iter().any(|x| x == id)
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

    fn place(&mut self, id: &str, placement: Placement<'_>) {
        match placement {
            Placement::First => self.order.insert(0, id.to_string()),
            Placement::After(prev) => match self.order.iter().position(|x| x == prev) {
                Some(pos) => self.order.insert(pos + 1, id.to_string()),
                None => {
                    // The predecessor is late: show the item now, move it when it arrives.
                    self.order.push(id.to_string());
                    self.waiting_for
                        .entry(prev.to_string())
                        .or_default()
                        .push(id.to_string());
                }
            },
            Placement::End => self.order.push(id.to_string()),
        }
        if let Some(followers) = self.waiting_for.remove(id) {
            for f in followers.into_iter().rev() {
                self.order.retain(|x| *x != f);
                let pos = self.order.iter().position(|x| x == id).expect("just placed");
                self.order.insert(pos + 1, f.clone());
                // A moved follower may itself have followers already placed after it.
                if let Some(more) = self.waiting_for.remove(&f) {
                    self.waiting_for.insert(f, more);
                }
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        self.order.retain(|x| x != id);
    }
}
