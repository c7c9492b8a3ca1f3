//! Per-turn latency marks. A turn starts when the user stops speaking
//! (`speech_stopped`) or when the client asks for a response by hand; its marks
//! follow the response through to `response.done`. All times are the session's
//! milliseconds as carried by the inputs.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnTrigger {
    /// Server VAD heard the user stop speaking.
    Voice,
    /// The client sent `response.create`.
    Client,
    /// A response arrived that no turn asked for (server-initiated, or joined late).
    Server,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub trigger: TurnTrigger,
    /// The reference time the marks are measured from.
    pub start_ms: u64,
    pub speech_started_ms: Option<u64>,
    pub speech_stopped_ms: Option<u64>,
    pub committed_ms: Option<u64>,
    pub response_created_ms: Option<u64>,
    pub first_delta_ms: Option<u64>,
    pub first_audio_ms: Option<u64>,
    pub done_ms: Option<u64>,
    pub response_id: Option<String>,
}

impl Turn {
    fn new(trigger: TurnTrigger, start_ms: u64) -> Self {
        Turn {
            trigger,
            start_ms,
            speech_started_ms: None,
            speech_stopped_ms: None,
            committed_ms: None,
            response_created_ms: None,
            first_delta_ms: None,
            first_audio_ms: None,
            done_ms: None,
            response_id: None,
        }
    }

    /// The marks that were reached, as (name, ms after the turn start).
    pub fn marks(&self) -> Vec<(&'static str, u64)> {
        let rel = |t: Option<u64>| t.map(|t| t.saturating_sub(self.start_ms));
        [
            ("committed", rel(self.committed_ms)),
            ("response.created", rel(self.response_created_ms)),
            ("first delta", rel(self.first_delta_ms)),
            ("first audio", rel(self.first_audio_ms)),
            ("response.done", rel(self.done_ms)),
        ]
        .into_iter()
        .filter_map(|(n, t)| t.map(|t| (n, t)))
        .collect()
    }

    /// Time to the first thing the user perceives: audio if any, else the first delta.
    pub fn first_output_ms(&self) -> Option<u64> {
        self.first_audio_ms
            .or(self.first_delta_ms)
            .map(|t| t.saturating_sub(self.start_ms))
    }

    pub fn total_ms(&self) -> Option<u64> {
        self.done_ms.map(|t| t.saturating_sub(self.start_ms))
    }
}

#[derive(Debug, Default)]
pub struct Turns {
    list: Vec<Turn>,
}

impl Turns {
    pub fn all(&self) -> &[Turn] {
        &self.list
    }

    /// The latest finished turn.
    pub fn last_done(&self) -> Option<&Turn> {
        self.list.iter().rev().find(|t| t.done_ms.is_some())
    }

    fn awaiting_response(&mut self) -> Option<&mut Turn> {
        self.list
            .last_mut()
            .filter(|t| t.response_id.is_none() && t.done_ms.is_none())
    }

    fn for_response(&mut self, response_id: &str) -> Option<&mut Turn> {
        self.list
            .iter_mut()
            .rev()
            .find(|t| t.response_id.as_deref() == Some(response_id))
    }

    pub fn speech_started(&mut self, at: u64) {
        // Speech opens a turn whose reference time is set when speech stops.
        let mut t = Turn::new(TurnTrigger::Voice, at);
        t.speech_started_ms = Some(at);
        self.list.push(t);
    }

    pub fn speech_stopped(&mut self, at: u64) {
        match self.list.last_mut() {
            Some(t) if t.trigger == TurnTrigger::Voice && t.speech_stopped_ms.is_none() => {
                t.speech_stopped_ms = Some(at);
                t.start_ms = at;
            }
            _ => {
                let mut t = Turn::new(TurnTrigger::Voice, at);
                t.speech_stopped_ms = Some(at);
                self.list.push(t);
            }
        }
    }

    pub fn committed(&mut self, at: u64) {
        if let Some(t) = self.awaiting_response() {
            t.committed_ms.get_or_insert(at);
        }
    }

    /// The client sent `response.create`: a voice turn waiting for its response
    /// (push-to-talk) keeps its start; otherwise a new turn starts now.
    pub fn response_requested(&mut self, at: u64) {
        if self.awaiting_response().is_none() {
            self.list.push(Turn::new(TurnTrigger::Client, at));
        }
    }

    pub fn response_created(&mut self, response_id: &str, at: u64) {
        let t = match self.awaiting_response() {
            Some(t) => t,
            None => {
                self.list.push(Turn::new(TurnTrigger::Server, at));
                self.list.last_mut().expect("just pushed")
            }
        };
        t.response_id = Some(response_id.to_string());
        t.response_created_ms = Some(at);
    }

    pub fn delta(&mut self, response_id: &str, at: u64) {
        if let Some(t) = self.for_response(response_id) {
            t.first_delta_ms.get_or_insert(at);
        }
    }

    pub fn audio_started(&mut self, response_id: Option<&str>, at: u64) {
        let t = match response_id {
            Some(id) => self.for_response(id),
            None => self.list.last_mut(),
        };
        if let Some(t) = t {
            t.first_audio_ms.get_or_insert(at);
        }
    }

    pub fn response_done(&mut self, response_id: &str, at: u64) {
        if let Some(t) = self.for_response(response_id) {
            t.done_ms = Some(at);
        }
    }
}
