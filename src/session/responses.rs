//! Responses with their status, and function calls the model has asked for
//! that have not been answered yet.

use std::collections::HashMap;

use crate::protocol::response::{Response, ResponseStatus, StatusDetails, Usage};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseState {
    pub id: String,
    pub status: ResponseStatus,
    pub status_details: Option<StatusDetails>,
    pub created_ms: u64,
    pub done_ms: Option<u64>,
    /// Items of the response, in output order.
    pub output_items: Vec<String>,
    pub usage: Option<Usage>,
    pub metadata: Option<Map<String, Value>>,
    /// `None` for an out-of-band response (`conversation: "none"`).
    pub conversation_id: Option<String>,
    pub out_of_band: bool,
}

/// A function call from the model, waiting for a `function_call_output`.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCall {
    pub call_id: String,
    pub name: String,
    pub item_id: String,
    pub response_id: String,
    /// Assembled from deltas; final once `arguments_done`.
    pub arguments: String,
    pub arguments_done: bool,
    pub requested_ms: u64,
}

impl PendingCall {
    /// The arguments as JSON, or why they are not valid JSON.
    pub fn parsed_arguments(&self) -> Result<Value, String> {
        serde_json::from_str(&self.arguments).map_err(|e| {
            format!(
                "the arguments of {} ({}) are not valid JSON: {e}",
                self.name, self.call_id
            )
        })
    }
}

#[derive(Debug, Default)]
pub struct Responses {
    list: Vec<ResponseState>,
    index: HashMap<String, usize>,
    pending: Vec<PendingCall>,
    answered: Vec<PendingCall>,
}

impl Responses {
    pub fn all(&self) -> &[ResponseState] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&ResponseState> {
        self.index.get(id).map(|&i| &self.list[i])
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut ResponseState> {
        self.index.get(id).map(|&i| &mut self.list[i])
    }

    /// The response currently writing to the default conversation, if any.
    pub fn active(&self) -> Option<&ResponseState> {
        self.list
            .iter()
            .rev()
            .find(|r| r.status == ResponseStatus::InProgress && !r.out_of_band)
    }

    pub fn created(&mut self, r: &Response, at_ms: u64) {
        let out_of_band = r.is_out_of_band();
        let state = ResponseState {
            id: r.id.clone(),
            status: r.status.clone().unwrap_or(ResponseStatus::InProgress),
            status_details: r.status_details().cloned(),
            created_ms: at_ms,
            done_ms: None,
            output_items: Vec::new(),
            usage: None,
            metadata: r.metadata().cloned(),
            conversation_id: r.conversation_id.clone().flatten(),
            out_of_band,
        };
        match self.index.get(&r.id) {
            // A late or repeated response.created must not reopen a finished response.
            Some(&i) if self.list[i].done_ms.is_some() => {}
            Some(&i) => self.list[i] = state,
            None => {
                self.index.insert(r.id.clone(), self.list.len());
                self.list.push(state);
            }
        }
    }

    /// Records the final state and returns whether this was the first
    /// `response.done` for it. One for a response we never saw created (joined
    /// late, or a lost event) is recorded all the same.
    pub fn done(&mut self, r: &Response, at_ms: u64) -> bool {
        if self.get(&r.id).is_none() {
            self.created(r, at_ms);
        }
        let Some(st) = self.get_mut(&r.id) else {
            return false;
        };
        let first = st.done_ms.is_none();
        st.status = r.status.clone().unwrap_or(ResponseStatus::Completed);
        st.status_details = r.status_details().cloned();
        st.done_ms = Some(at_ms);
        st.usage = r.usage().copied();
        if let Some(m) = r.metadata() {
            st.metadata = Some(m.clone());
        }
        for item in &r.output {
            if let Some(id) = &item.id {
                if !st.output_items.contains(id) {
                    st.output_items.push(id.clone());
                }
            }
        }
        // A call read from response.done (as some clients do) still needs answering.
        let (rid, now) = (r.id.clone(), at_ms);
        for item in &r.output {
            if item.kind.as_str() == "function_call" {
                if let (Some(call_id), Some(item_id)) = (&item.call_id, &item.id) {
                    self.call_requested(call_id, item.name.as_deref(), item_id, &rid, now);
                    if let Some(args) = &item.arguments {
                        self.call_arguments_done(call_id, item_id, None, args);
                    }
                }
            }
        }
        first
    }

    pub fn output_item(&mut self, response_id: &str, item_id: &str) {
        if let Some(st) = self.get_mut(response_id) {
            if !st.output_items.iter().any(|x| x == item_id) {
                st.output_items.push(item_id.to_string());
            }
        }
    }

    pub fn pending_calls(&self) -> &[PendingCall] {
        &self.pending
    }

    pub fn answered_calls(&self) -> &[PendingCall] {
        &self.answered
    }

    fn find_call(&mut self, call_id: &str, item_id: &str) -> Option<&mut PendingCall> {
        // Newest first: the call being streamed is almost always the last one.
        self.pending
            .iter_mut()
            .rev()
            .find(|c| (!call_id.is_empty() && c.call_id == call_id) || c.item_id == item_id)
    }

    pub fn call_requested(
        &mut self,
        call_id: &str,
        name: Option<&str>,
        item_id: &str,
        response_id: &str,
        at_ms: u64,
    ) {
        if self.answered.iter().any(|c| c.call_id == call_id) {
            return;
        }
        match self.find_call(call_id, item_id) {
            Some(c) => {
                if let Some(n) = name {
                    c.name = n.to_string();
                }
            }
            None => self.pending.push(PendingCall {
                call_id: call_id.to_string(),
                name: name.unwrap_or_default().to_string(),
                item_id: item_id.to_string(),
                response_id: response_id.to_string(),
                arguments: String::new(),
                arguments_done: false,
                requested_ms: at_ms,
            }),
        }
    }

    pub fn call_arguments_delta(&mut self, call_id: &str, item_id: &str, delta: &str) {
        if let Some(c) = self.find_call(call_id, item_id) {
            if !c.arguments_done {
                c.arguments.push_str(delta);
            }
        }
    }

    pub fn call_arguments_done(
        &mut self,
        call_id: &str,
        item_id: &str,
        name: Option<&str>,
        arguments: &str,
    ) {
        if let Some(c) = self.find_call(call_id, item_id) {
            c.arguments = arguments.to_string();
            c.arguments_done = true;
            if let Some(n) = name {
                c.name = n.to_string();
            }
        }
    }

    /// A `function_call_output` for `call_id` was sent (or seen): no longer pending.
    /// Returns false when no call with that id was waiting.
    pub fn call_answered(&mut self, call_id: &str) -> bool {
        match self.pending.iter().position(|c| c.call_id == call_id) {
            Some(i) => {
                let c = self.pending.remove(i);
                self.answered.push(c);
                true
            }
            None => false,
        }
    }
}
