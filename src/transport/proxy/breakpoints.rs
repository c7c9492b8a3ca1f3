//! Breakpoints: the app's next client event (or the API's next server event) of a
//! chosen type is held on its way, shown to the user, and goes on only once the user
//! releases it (as it was, or edited) or drops it. While one is held, what follows it
//! in the same direction waits behind it, so the order on the wire never changes;
//! the other direction keeps flowing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use tokio::sync::oneshot;

use super::{Flow, ProxyEvent, Shared};

/// One breakpoint: a direction and an event type, or a prefix ending in `*`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Breakpoint {
    pub flow: Flow,
    pub pattern: String,
}

impl Breakpoint {
    /// `client:TYPE` or `server:TYPE`; `TYPE` may end in `*` (`server:response.*`).
    pub fn parse(spec: &str) -> Result<Breakpoint, String> {
        let fix = "write client:TYPE (the app's events to the API) or server:TYPE (the API's events to the app), e.g. client:response.create or server:response.*";
        let Some((side, pattern)) = spec.trim().split_once(':') else {
            return Err(format!("`{spec}` names no direction; {fix}"));
        };
        let flow = match side.trim() {
            "client" => Flow::Client,
            "server" => Flow::Server,
            other => {
                return Err(format!(
                    "`{other}` is not a direction (client or server); {fix}"
                ))
            }
        };
        let pattern = pattern.trim();
        let star = pattern.find('*');
        if pattern.is_empty()
            || star.is_some_and(|at| at + 1 != pattern.len())
            || pattern.chars().any(char::is_whitespace)
        {
            return Err(format!(
                "`{pattern}` is not an event type (a `*` may only end it); {fix}"
            ));
        }
        Ok(Breakpoint {
            flow,
            pattern: pattern.to_string(),
        })
    }

    pub fn matches(&self, flow: Flow, event_type: &str) -> bool {
        self.flow == flow
            && match self.pattern.strip_suffix('*') {
                Some(prefix) => event_type.starts_with(prefix),
                None => event_type == self.pattern,
            }
    }
}

impl std::fmt::Display for Breakpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.flow.as_str(), self.pattern)
    }
}

/// What the user decided for a held event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send it on: as it was (`None`) or this text instead.
    Release(Option<String>),
    /// Never send it.
    Drop,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    #[error("no event is held as #{0}; the held events are listed with their numbers when they are held (`local.proxy.held`)")]
    UnknownHold(u64),
}

/// A held event that is waiting for its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldInfo {
    pub hold: u64,
    pub conn: u64,
    pub flow: Flow,
}

#[derive(Default)]
struct Inner {
    rules: BTreeSet<Breakpoint>,
    waiting: BTreeMap<u64, (HeldInfo, oneshot::Sender<Decision>)>,
    last_hold: u64,
}

/// The proxy's breakpoints and held events, shared by the relays and a front-end.
#[derive(Clone, Default)]
pub struct Breakpoints {
    inner: Arc<Mutex<Inner>>,
}

impl Breakpoints {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A relay that panicked mid-update leaves nothing half-written here.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a breakpoint; false when it was already set.
    pub fn add(&self, bp: Breakpoint) -> bool {
        self.lock().rules.insert(bp)
    }

    /// Removes a breakpoint; false when it was not set. Events already held stay held.
    pub fn remove(&self, bp: &Breakpoint) -> bool {
        self.lock().rules.remove(bp)
    }

    pub fn list(&self) -> Vec<Breakpoint> {
        self.lock().rules.iter().cloned().collect()
    }

    /// The events held now, oldest first.
    pub fn held(&self) -> Vec<HeldInfo> {
        self.lock()
            .waiting
            .values()
            .map(|(info, _)| info.clone())
            .collect()
    }

    /// Releases or drops held event `hold`.
    pub fn decide(&self, hold: u64, decision: Decision) -> Result<(), DecideError> {
        let (_, tx) = self
            .lock()
            .waiting
            .remove(&hold)
            .ok_or(DecideError::UnknownHold(hold))?;
        // The relay may have ended meanwhile; then there is nothing left to send to.
        let _ = tx.send(decision);
        Ok(())
    }

    /// Holds `text` when a breakpoint matches it; `None` lets it pass at once.
    pub(super) fn check(&self, conn: u64, flow: Flow, text: &str) -> Option<Held> {
        let mut inner = self.lock();
        if inner.rules.is_empty() || flow == Flow::Injected {
            return None;
        }
        let event_type = event_type(text)?;
        if !inner.rules.iter().any(|bp| bp.matches(flow, &event_type)) {
            return None;
        }
        inner.last_hold += 1;
        let hold = inner.last_hold;
        let (tx, rx) = oneshot::channel();
        let info = HeldInfo { hold, conn, flow };
        inner.waiting.insert(hold, (info, tx));
        Some(Held {
            hold,
            text: text.to_string(),
            decided: rx,
            owner: self.clone(),
        })
    }
}

/// An event held by a breakpoint, owned by the relay that holds it.
pub(super) struct Held {
    pub hold: u64,
    pub text: String,
    decided: oneshot::Receiver<Decision>,
    owner: Breakpoints,
}

impl Held {
    /// Waits for the user; what to send, if anything.
    pub(super) async fn decision(&mut self) -> Decision {
        // Only a proxy shutting down drops the sender: let the event go as it was.
        (&mut self.decided).await.unwrap_or(Decision::Release(None))
    }
}

impl Drop for Held {
    /// A relay that ends while holding forgets the hold, so it is no longer listed.
    fn drop(&mut self) {
        self.owner.lock().waiting.remove(&self.hold);
    }
}

/// One direction of one relayed connection: what passes, and what is held in it.
pub(super) struct Lane {
    conn: u64,
    flow: Flow,
    held: Option<Held>,
}

impl Lane {
    pub(super) fn new(conn: u64, flow: Flow) -> Lane {
        Lane {
            conn,
            flow,
            held: None,
        }
    }

    /// False while an event is held: the relay reads no further in this direction.
    pub(super) fn is_open(&self) -> bool {
        self.held.is_none()
    }

    /// A message off the wire: the text to send on now, or `None` when a breakpoint
    /// holds it (reported as [`ProxyEvent::Held`]).
    pub(super) async fn admit(&mut self, shared: &Shared, text: String) -> Option<String> {
        let Some(held) = shared.breakpoints.check(self.conn, self.flow, &text) else {
            return Some(text);
        };
        shared
            .emit(ProxyEvent::Held {
                conn: self.conn,
                at: std::time::Instant::now(),
                hold: held.hold,
                flow: self.flow,
                text,
            })
            .await;
        self.held = Some(held);
        None
    }

    /// The user's decision on the held event; never ready while nothing is held.
    /// Cancel-safe, for `select!`.
    pub(super) async fn decided(&mut self) -> Decision {
        match &mut self.held {
            Some(held) => held.decision().await,
            None => std::future::pending().await,
        }
    }

    /// Carries out `decision` on the held event: the text to send, if any. Reported
    /// as [`ProxyEvent::Decided`]; the lane reads on afterwards.
    pub(super) async fn resolve(&mut self, shared: &Shared, decision: Decision) -> Option<String> {
        let held = self.held.take()?;
        let (send, edited) = match decision {
            Decision::Release(None) => (Some(held.text.clone()), false),
            Decision::Release(Some(edit)) => (Some(edit), true),
            Decision::Drop => (None, false),
        };
        shared
            .emit(ProxyEvent::Decided {
                conn: self.conn,
                at: std::time::Instant::now(),
                hold: held.hold,
                flow: self.flow,
                released: send.is_some(),
                edited,
            })
            .await;
        send
    }
}

/// The `type` of a JSON event, read without building the whole value.
fn event_type(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Typed {
        #[serde(rename = "type")]
        kind: String,
    }
    serde_json::from_str::<Typed>(text).ok().map(|t| t.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_a_direction_and_a_type_or_prefix() {
        let bp = Breakpoint::parse("client:response.create").unwrap();
        assert!(bp.matches(Flow::Client, "response.create"));
        assert!(!bp.matches(Flow::Server, "response.create"));
        assert!(!bp.matches(Flow::Client, "response.created"));
        let prefix = Breakpoint::parse("server:response.*").unwrap();
        assert!(prefix.matches(Flow::Server, "response.done"));
        assert!(!prefix.matches(Flow::Server, "session.updated"));
        assert_eq!(prefix.to_string(), "server:response.*");
        for bad in [
            "response.create",
            "app:x",
            "client:",
            "client:a*b",
            "client:a b",
        ] {
            let e = Breakpoint::parse(bad).unwrap_err();
            assert!(e.contains("client:TYPE"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_matching_event_is_held_until_decided() {
        let bps = Breakpoints::default();
        assert!(bps
            .check(1, Flow::Client, r#"{"type":"response.create"}"#)
            .is_none());
        bps.add(Breakpoint::parse("client:response.create").unwrap());
        assert!(bps
            .check(1, Flow::Server, r#"{"type":"response.create"}"#)
            .is_none());
        assert!(bps
            .check(1, Flow::Injected, r#"{"type":"response.create"}"#)
            .is_none());
        assert!(bps.check(1, Flow::Client, "not json").is_none());
        let mut held = bps
            .check(1, Flow::Client, r#"{"type":"response.create"}"#)
            .unwrap();
        assert_eq!(
            bps.held(),
            vec![HeldInfo {
                hold: 1,
                conn: 1,
                flow: Flow::Client
            }]
        );
        let edited = r#"{"type":"response.create","response":{}}"#.to_string();
        bps.decide(1, Decision::Release(Some(edited.clone())))
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(
            rt.block_on(held.decision()),
            Decision::Release(Some(edited))
        );
        assert!(bps.held().is_empty());
        assert_eq!(
            bps.decide(1, Decision::Drop),
            Err(DecideError::UnknownHold(1))
        );
    }

    #[test]
    fn a_hold_whose_relay_ended_is_forgotten() {
        let bps = Breakpoints::default();
        bps.add(Breakpoint::parse("server:*").unwrap());
        let held = bps
            .check(3, Flow::Server, r#"{"type":"session.created"}"#)
            .unwrap();
        assert_eq!(bps.held()[0].conn, 3);
        drop(held);
        assert!(bps.held().is_empty());
    }
}
