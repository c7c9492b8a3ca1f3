//! Holding what the answerer sends before webrtc 0.21 can take it, instead of losing it.
//!
//! Two of the answerer's first packets reach the offerer too early, and the stack drops
//! them without a word, so the answerer only recovers on its own retransmission timer:
//!
//! 1. Its first ICE check. An answerer checks as soon as its answer is sent, so the
//!    Binding request often beats the HTTP answer to us. The ICE agent drops a request
//!    that arrives while it has no remote credentials (`rtc_ice::agent::Agent::
//!    handle_inbound` → `ErrPasswordEmpty`, the "password is empty" warning) and never
//!    answers it. The answerer's pair then stays in progress and cannot accept our
//!    nomination until it retransmits: 500 ms later for aiortc (aioice's STUN RTO).
//! 2. Its DTLS ClientHello. A controlled answerer may start DTLS as soon as its own check
//!    succeeds (Chromium does), before our nomination has completed; the ICE handler
//!    drops non-STUN datagrams until a pair is selected
//!    (`rtc::peer_connection::handler::ice` "drop message … before ICE connection is
//!    connected"), and Chromium resends the flight ~60 ms later.
//!
//! So from the moment the offer leaves ([`EarlyChecks::hold`]) the sockets keep Binding
//! requests until the answer is applied ([`EarlyChecks::answer_applied`]), then DTLS
//! records until ICE is connected ([`EarlyChecks::release`]), and then deliver them, in
//! order: the stack handles them about a millisecond late instead of never. Everything
//! else passes at once. An answerer never holds: it has the remote credentials before
//! anyone knows its candidates.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use webrtc::runtime::{
    AsyncInterval, AsyncTcpListener, AsyncTcpStream, AsyncUdpSocket, JoinHandle, RecvMeta, Runtime,
    Transmit,
};

/// At most this many early datagrams are held per socket; more pass on as before (and
/// are dropped by the stack). A real answerer sends a handful.
const MAX_HELD: usize = 16;

const OPEN: u8 = 0;
/// The offer is out, the answer not applied: hold Binding requests.
const HOLD_CHECKS: u8 = 1;
/// The answer is applied, ICE not connected: hold DTLS records.
const HOLD_DTLS: u8 = 2;

/// Shared by every socket of one peer connection.
struct Gate {
    phase: AtomicU8,
    /// The receive tasks parked while something was held, woken when a phase ends so
    /// they deliver it.
    wakers: Mutex<Vec<Waker>>,
}

impl Gate {
    fn phase(&self) -> u8 {
        self.phase.load(Ordering::Acquire)
    }

    /// Moves to `to` unless the gate is already further along (or open).
    fn advance(&self, from: &[u8], to: u8) {
        let moved = from.iter().any(|f| {
            self.phase
                .compare_exchange(*f, to, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        });
        if moved {
            let wakers = std::mem::take(&mut *lock(&self.wakers));
            for w in wakers {
                w.wake();
            }
        }
    }

    fn park(&self, waker: &Waker) {
        let mut wakers = lock(&self.wakers);
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    /// Whether `datagram` waits in the current phase.
    fn holds(&self, datagram: &[u8]) -> bool {
        match self.phase() {
            HOLD_CHECKS => is_binding_request(datagram),
            HOLD_DTLS => is_dtls(datagram),
            _ => false,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Holds and releases one peer connection's early packets.
#[derive(Clone)]
pub(super) struct EarlyChecks(Arc<Gate>);

impl EarlyChecks {
    /// From now on, Binding requests wait: call before the offer leaves.
    pub(super) fn hold(&self) {
        self.0.phase.store(HOLD_CHECKS, Ordering::Release);
    }

    /// The agent has the remote credentials: deliver the held checks; DTLS waits for ICE.
    pub(super) fn answer_applied(&self) {
        self.0.advance(&[HOLD_CHECKS], HOLD_DTLS);
    }

    /// ICE is connected (or the attempt is over): deliver everything, hold nothing more.
    pub(super) fn release(&self) {
        self.0.advance(&[HOLD_CHECKS, HOLD_DTLS], OPEN);
    }
}

/// The runtime webrtc would use anyway, with sockets that can hold early packets.
pub(super) struct HoldEarlyChecks {
    inner: Arc<dyn Runtime>,
    gate: Arc<Gate>,
}

impl HoldEarlyChecks {
    pub(super) fn new(inner: Arc<dyn Runtime>) -> (Self, EarlyChecks) {
        let gate = Arc::new(Gate {
            phase: AtomicU8::new(OPEN),
            wakers: Mutex::new(Vec::new()),
        });
        let control = EarlyChecks(gate.clone());
        (HoldEarlyChecks { inner, gate }, control)
    }
}

impl fmt::Debug for HoldEarlyChecks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HoldEarlyChecks")
            .field("inner", &self.inner)
            .finish()
    }
}

impl Runtime for HoldEarlyChecks {
    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()> + Send>>) -> Box<dyn JoinHandle> {
        self.inner.spawn(future)
    }

    fn spawn_reactor(
        &self,
        reactor_pool_size: usize,
        future: Pin<Box<dyn Future<Output = ()> + Send>>,
    ) -> Box<dyn JoinHandle> {
        self.inner.spawn_reactor(reactor_pool_size, future)
    }

    fn wrap_udp_socket(&self, socket: std::net::UdpSocket) -> io::Result<Arc<dyn AsyncUdpSocket>> {
        let inner = self.inner.wrap_udp_socket(socket)?;
        Ok(Arc::new(HoldingSocket::new(inner, self.gate.clone())))
    }

    fn wrap_tcp_listener(
        &self,
        listener: std::net::TcpListener,
    ) -> io::Result<Arc<dyn AsyncTcpListener>> {
        self.inner.wrap_tcp_listener(listener)
    }

    fn connect_tcp<'a>(
        &'a self,
        remote_addr: SocketAddr,
    ) -> Pin<Box<dyn Future<Output = io::Result<Arc<dyn AsyncTcpStream>>> + Send + 'a>> {
        self.inner.connect_tcp(remote_addr)
    }

    fn resolve_host<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send + 'a>> {
        self.inner.resolve_host(host)
    }

    fn now(&self) -> Instant {
        self.inner.now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.inner.sleep(duration)
    }

    fn interval(&self, period: Duration) -> Box<dyn AsyncInterval> {
        self.inner.interval(period)
    }

    fn block_on(&self, future: Pin<Box<dyn Future<Output = ()> + '_>>) {
        self.inner.block_on(future)
    }

    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.inner.yield_now()
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }
}

struct HoldingSocket {
    inner: Arc<dyn AsyncUdpSocket>,
    gate: Arc<Gate>,
    held: Mutex<VecDeque<(Vec<u8>, RecvMeta)>>,
    /// Whether `held` may be non-empty, so an open socket skips the lock.
    holding: AtomicBool,
}

impl HoldingSocket {
    fn new(inner: Arc<dyn AsyncUdpSocket>, gate: Arc<Gate>) -> Self {
        HoldingSocket {
            inner,
            gate,
            held: Mutex::new(VecDeque::new()),
            holding: AtomicBool::new(false),
        }
    }
}

impl fmt::Debug for HoldingSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HoldingSocket")
            .field("inner", &self.inner)
            .finish()
    }
}

/// A STUN Binding request: type 0x0001 and the magic cookie (RFC 8489 §5).
fn is_binding_request(datagram: &[u8]) -> bool {
    datagram.len() >= 20
        && datagram[..2] == [0x00, 0x01]
        && datagram[4..8] == [0x21, 0x12, 0xA4, 0x42]
}

/// A DTLS record: first byte 20..=63 (RFC 7983 §7).
fn is_dtls(datagram: &[u8]) -> bool {
    matches!(datagram.first(), Some(20..=63))
}

impl AsyncUdpSocket for HoldingSocket {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    fn poll_send(&self, cx: &mut Context<'_>, transmit: &Transmit<'_>) -> Poll<io::Result<usize>> {
        let sent = self.inner.poll_send(cx, transmit);
        if sent.is_ready() && self.gate.phase() == HOLD_CHECKS {
            // The agent only sends checks once it has the remote credentials.
            self.gate.advance(&[HOLD_CHECKS], HOLD_DTLS);
        }
        sent
    }

    fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        if bufs.is_empty() || meta.is_empty() {
            return self.inner.poll_recv(cx, bufs, meta);
        }
        if self.gate.phase() == OPEN && !self.holding.load(Ordering::Acquire) {
            return self.inner.poll_recv(cx, bufs, meta);
        }
        // Parked first, so a phase change racing with the reads below still wakes us.
        self.gate.park(cx.waker());
        {
            let mut held = lock(&self.held);
            if held.is_empty() {
                self.holding.store(false, Ordering::Release);
            } else if held.front().is_some_and(|(d, _)| !self.gate.holds(d)) {
                let (data, mut m) = held.pop_front().expect("front exists");
                let n = data.len().min(bufs[0].len());
                bufs[0][..n].copy_from_slice(&data[..n]);
                m.len = n;
                m.stride = m.stride.clamp(1, n.max(1));
                meta[0] = m;
                return Poll::Ready(Ok(1));
            }
        }
        loop {
            match self.inner.poll_recv(cx, &mut bufs[..1], &mut meta[..1]) {
                Poll::Ready(Ok(n)) if n >= 1 => {
                    let m = meta[0];
                    let data = &bufs[0][..m.len.min(bufs[0].len())];
                    let mut held = lock(&self.held);
                    // Only the held kind waits (in order); STUN must still flow while
                    // DTLS waits, or ICE could never connect to release it.
                    if self.gate.holds(data) && held.len() < MAX_HELD {
                        held.push_back((data.to_vec(), m));
                        self.holding.store(true, Ordering::Release);
                        continue;
                    }
                    return Poll::Ready(Ok(1));
                }
                other => return other,
            }
        }
    }

    fn max_gso_segments(&self) -> usize {
        self.inner.max_gso_segments()
    }

    fn max_gro_segments(&self) -> usize {
        self.inner.max_gro_segments()
    }
}

#[cfg(test)]
mod tests;
