//! The signals that end a session (Ctrl-C, SIGTERM, SIGHUP), handled the same way by
//! every front-end: the session is closed, the recording flushed and the summary
//! written, then the process exits with the shell's 128+signal status.

use tokio::sync::mpsc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
    Hangup,
}

impl Stop {
    /// 128 + the signal's number, as a shell reports a process it ended.
    pub fn exit_code(self) -> u8 {
        match self {
            Stop::Hangup => 129,
            Stop::Interrupt => 130,
            Stop::Terminate => 143,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
            Stop::Hangup => "SIGHUP",
        }
    }
}

/// Listens for the stop signals from now on; must be called inside the runtime.
pub struct StopSignals {
    rx: mpsc::UnboundedReceiver<Stop>,
}

impl StopSignals {
    pub fn listen() -> StopSignals {
        let (tx, rx) = mpsc::unbounded_channel();
        let ctrl_c = tx.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if ctrl_c.send(Stop::Interrupt).is_err() {
                    return;
                }
            }
        });
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            for (kind, stop) in [
                (SignalKind::terminate(), Stop::Terminate),
                (SignalKind::hangup(), Stop::Hangup),
            ] {
                let tx = tx.clone();
                match signal(kind) {
                    Ok(mut s) => {
                        tokio::spawn(async move {
                            while s.recv().await.is_some() {
                                if tx.send(stop).is_err() {
                                    return;
                                }
                            }
                        });
                    }
                    Err(e) => tracing::warn!("cannot listen for {}: {e}", stop.name()),
                }
            }
        }
        drop(tx);
        StopSignals { rx }
    }

    /// The next stop signal; pending forever once no handler is left.
    pub async fn recv(&mut self) -> Stop {
        match self.rx.recv().await {
            Some(s) => s,
            None => std::future::pending().await,
        }
    }
}
