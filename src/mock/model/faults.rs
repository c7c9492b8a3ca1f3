//! Scenario faults (`[[fault]]`): each fires once, right after the model has sent
//! its `after_events`-th event on the data channel.

use serde_json::json;

use super::errors::ApiErr;
use super::{Model, ModelOutput};
use crate::mock::scenario::FaultAction;

impl Model {
    pub(super) fn check_faults(&mut self) {
        let due: Vec<usize> = (0..self.scenario.faults.len())
            .filter(|&i| !self.faults_fired[i] && self.scenario.faults[i].after_events == self.sent)
            .collect();
        for &i in &due {
            self.faults_fired[i] = true;
        }
        for i in due {
            let action = self.scenario.faults[i].action;
            self.fire_fault(action);
        }
    }

    fn fire_fault(&mut self, action: FaultAction) {
        match action {
            FaultAction::CloseDataChannel => self.output(ModelOutput::Close {
                reason: "fault: close_data_channel".into(),
            }),
            FaultAction::SendMalformed => {
                let id = self.ids.event();
                // Cut off mid-string: not JSON.
                self.send_text(format!(
                    "{{\"type\":\"response.output_text.delta\",\"event_id\":\"{id}\",\"delta\":\"mal"
                ));
            }
            FaultAction::SendUnknown => {
                let id = self.ids.event();
                let text = json!({"type": "mock.unknown_event", "event_id": id}).to_string();
                self.send_text(text);
            }
            FaultAction::StopAudio => {
                self.audio_disabled = true;
                self.output(ModelOutput::StopAudio);
            }
            FaultAction::StopEvents => self.events_stopped = true,
            FaultAction::SessionExpired => {
                self.send(ApiErr::session_expired(self.session_limit_ms).to_event());
                self.output(ModelOutput::Close {
                    reason: "fault: session_expired".into(),
                });
            }
        }
    }
}
