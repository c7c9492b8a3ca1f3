//! The user's turns: server VAD over the client's audio, barge-in, commits (by VAD,
//! by the client, by the idle timeout), input transcription and the automatic
//! response (protocol.md §6.2).

use serde_json::{json, Value};

use super::items::{user_audio_item, Place, Stored};
use super::{Model, ModelOutput};
use crate::mock::vad::{Vad, VadEvent};

/// The client's track is decoded at 48 kHz.
const SAMPLES_PER_MS: u64 = 48;

impl Model {
    fn audio_pos_ms(&self) -> u64 {
        self.audio.total_samples / SAMPLES_PER_MS
    }

    fn buffered_ms(&self) -> f64 {
        self.audio.buffered_samples as f64 / SAMPLES_PER_MS as f64 + self.audio.appended_ms
    }

    pub(super) fn audio_in(&mut self, samples: &[i16]) {
        self.audio.total_samples += samples.len() as u64;
        self.audio.buffered_samples += samples.len() as u64;
        let Some(turn) = self.session.turn() else {
            return;
        };
        if self.audio.vad.is_none() {
            let start = self.audio_pos_ms() - samples.len() as u64 / SAMPLES_PER_MS;
            self.audio.vad = Some(Vad::new(turn.vad));
            self.audio.vad_params = Some(turn.vad);
            self.audio.vad_offset_ms = start;
        }
        let offset = self.audio.vad_offset_ms;
        let events = match self.audio.vad.as_mut() {
            Some(vad) => vad.push(samples),
            None => Vec::new(),
        };
        for ev in events {
            match ev {
                VadEvent::SpeechStarted { audio_start_ms } => {
                    self.speech_started(offset + audio_start_ms)
                }
                VadEvent::SpeechStopped { audio_end_ms } => {
                    self.speech_stopped(offset + audio_end_ms)
                }
            }
            self.release(self.now);
        }
    }

    /// After a `session.update`: new VAD parameters, or no VAD at all.
    pub(super) fn vad_params_changed(&mut self) {
        match self.session.turn() {
            None => {
                self.audio.vad = None;
                self.audio.vad_params = None;
                self.audio.in_speech = false;
            }
            Some(turn) if self.audio.vad_params != Some(turn.vad) => {
                if let Some(vad) = self.audio.vad.as_mut() {
                    vad.set_params(turn.vad);
                }
                self.audio.vad_params = Some(turn.vad);
            }
            Some(_) => {}
        }
    }

    fn speech_started(&mut self, audio_start_ms: u64) {
        let item_id = self.ids.item();
        self.audio.turn_item = Some(item_id.clone());
        self.audio.in_speech = true;
        self.audio.speech_start_ms = audio_start_ms;
        self.idle_since = None;
        self.event(json!({"type": "input_audio_buffer.speech_started",
            "audio_start_ms": audio_start_ms, "item_id": item_id}));
        let interrupt = self.session.turn().is_some_and(|t| t.interrupt_response);
        if !interrupt {
            return;
        }
        // Barge-in: what is audible stops, a default-conversation response still
        // being generated ends as cancelled (turn_detected).
        self.release(self.now);
        let was_audible = self.responses.iter().any(|r| r.audible);
        if let Some(active) = self.active.clone() {
            self.cancel_response(&active, "turn_detected");
        }
        let cleared = self.clear_audible();
        if was_audible && !cleared.is_empty() {
            self.output(ModelOutput::StopAudio);
        }
    }

    fn speech_stopped(&mut self, audio_end_ms: u64) {
        let item_id = match self.audio.turn_item.take() {
            Some(id) => id,
            None => self.ids.item(),
        };
        self.audio.in_speech = false;
        self.event(json!({"type": "input_audio_buffer.speech_stopped",
            "audio_end_ms": audio_end_ms, "item_id": item_id}));
        let speech_ms = audio_end_ms.saturating_sub(self.audio.speech_start_ms);
        let create = self.session.turn().is_some_and(|t| t.create_response);
        let heard = self.heard(speech_ms);
        self.commit_turn(item_id, speech_ms, Some(heard), create);
    }

    /// What the mock "hears" in the n-th audio turn.
    fn heard(&mut self, speech_ms: u64) -> String {
        let n = self.audio.turns;
        self.audio.turns += 1;
        match self.scenario.transcripts.get(n) {
            Some(t) => t.clone(),
            None => format!("({:.1} s of speech)", speech_ms as f64 / 1000.0),
        }
    }

    /// Commits the input buffer as a user audio item; transcribes it when
    /// transcription is on; then answers when `respond`.
    fn commit_turn(
        &mut self,
        item_id: String,
        speech_ms: u64,
        heard: Option<String>,
        respond: bool,
    ) {
        let item = user_audio_item(&item_id);
        let stored = Stored {
            item: item.clone(),
            audio_ms: speech_ms,
            heard: heard.clone(),
        };
        let prev = self.conv.insert(Place::End, stored);
        self.event(json!({"type": "input_audio_buffer.committed",
            "previous_item_id": prev, "item_id": item_id}));
        self.event(
            json!({"type": "conversation.item.added", "previous_item_id": prev, "item": item}),
        );
        self.event(
            json!({"type": "conversation.item.done", "previous_item_id": prev, "item": item}),
        );
        self.clear_input();
        if let (Some(heard), Some(cfg)) = (heard, self.session.transcription().cloned()) {
            self.transcribe(&item_id, &heard, speech_ms, &cfg);
        }
        if respond && self.session.kind() == "realtime" && self.active.is_none() {
            // Cannot fail: no response is active and the context is the conversation.
            let _ = self.start_response(&json!({}));
        }
    }

    fn transcribe(&mut self, item_id: &str, transcript: &str, speech_ms: u64, cfg: &Value) {
        let include = self
            .session
            .value()
            .get("include")
            .cloned()
            .unwrap_or(Value::Null);
        for ev in super::transcribe::events(item_id, transcript, speech_ms, cfg, &include) {
            self.event(ev);
        }
        if let Some(stored) = self.conv.get_mut(item_id) {
            stored.item["content"][0]["transcript"] = json!(transcript);
        }
    }

    /// `input_audio_buffer.clear`: a turn in progress is dropped with the audio.
    pub(super) fn forget_speech(&mut self) {
        if let Some(vad) = self.audio.vad.as_mut() {
            vad.reset();
        }
        self.audio.in_speech = false;
        self.audio.turn_item = None;
    }

    pub(super) fn clear_input(&mut self) {
        self.audio.buffered_samples = 0;
        self.audio.appended_ms = 0.0;
        self.audio.buffer_start_ms = self.audio_pos_ms();
    }

    /// `input_audio_buffer.commit`: at least 100 ms, or an error.
    pub(super) fn commit_buffer(&mut self) -> Result<(), super::errors::ApiErr> {
        let ms = self.buffered_ms();
        if ms < 100.0 {
            return Err(super::errors::ApiErr::commit_empty(ms));
        }
        let item_id = match self.audio.turn_item.take() {
            Some(id) => id,
            None => self.ids.item(),
        };
        self.audio.in_speech = false;
        let heard = self.heard(ms as u64);
        self.commit_turn(item_id, ms as u64, Some(heard), false);
        Ok(())
    }

    /// When the idle timeout fires, if it is armed.
    pub(super) fn idle_deadline(&self) -> Option<u64> {
        let since = self.idle_since?;
        let timeout = self.session.turn()?.idle_timeout_ms?;
        let busy = self.audio.in_speech || self.responses.iter().any(|r| r.generating || r.audible);
        (!busy && self.session.kind() == "realtime").then_some(since + timeout)
    }

    /// No speech since the assistant finished: commit what is buffered and answer.
    pub(super) fn fire_idle(&mut self, at: u64) {
        self.now = self.now.max(at);
        self.idle_since = None;
        let item_id = self.ids.item();
        let (start, end) = (self.audio.buffer_start_ms, self.audio_pos_ms());
        self.event(json!({"type": "input_audio_buffer.timeout_triggered",
            "item_id": item_id, "audio_start_ms": start, "audio_end_ms": end}));
        self.commit_turn(item_id, end - start, Some(String::new()), true);
    }
}
