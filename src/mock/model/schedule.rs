//! The model's timeline: every output has a due time (ms since the call started);
//! steps due at the same time keep the order they were scheduled in.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ModelOutput;

/// One step of a response, run when it is due (its events are built then, so they
/// see the conversation as it is at that moment).
#[derive(Debug, Clone, PartialEq)]
pub enum RStep {
    Created,
    RateLimits,
    ItemAdded(usize),
    ConvAdded(usize),
    PartAdded(usize),
    AudioStarted,
    Delta(usize, String),
    ItemDone(usize),
    Done,
    AudioStopped,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A GA event, complete but for its `event_id`.
    Event(Value),
    Output(ModelOutput),
    Resp {
        id: String,
        step: RStep,
    },
    SessionLimit,
}

#[derive(Default)]
pub struct Queue {
    steps: BTreeMap<(u64, u64), Step>,
    seq: u64,
}

impl Queue {
    pub fn push(&mut self, due: u64, step: Step) {
        self.seq += 1;
        self.steps.insert((due, self.seq), step);
    }

    pub fn first_due(&self) -> Option<u64> {
        self.steps.keys().next().map(|(due, _)| *due)
    }

    pub fn pop(&mut self) -> Option<(u64, Step)> {
        self.steps.pop_first().map(|((due, _), step)| (due, step))
    }

    /// Drops the steps of a response that match `which`.
    pub fn drop_resp(&mut self, id: &str, which: impl Fn(&RStep) -> bool) {
        self.steps
            .retain(|_, s| !matches!(s, Step::Resp { id: i, step } if i == id && which(step)));
    }

    pub fn clear(&mut self) {
        self.steps.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_come_out_by_time_then_by_order() {
        let mut q = Queue::default();
        q.push(5, Step::SessionLimit);
        q.push(1, Step::Output(ModelOutput::StopAudio));
        q.push(1, Step::Event(Value::Null));
        assert_eq!(q.first_due(), Some(1));
        assert_eq!(q.pop(), Some((1, Step::Output(ModelOutput::StopAudio))));
        assert_eq!(q.pop(), Some((1, Step::Event(Value::Null))));
        q.push(
            2,
            Step::Resp {
                id: "r".into(),
                step: RStep::Done,
            },
        );
        q.drop_resp("r", |_| true);
        assert_eq!(q.pop(), Some((5, Step::SessionLimit)));
        assert_eq!(q.pop(), None);
    }
}
