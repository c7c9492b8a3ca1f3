use super::*;

fn request() -> Vec<u8> {
    let mut req = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
    req.extend([0u8; 12]);
    req
}

#[test]
fn binding_requests_and_dtls_are_told_from_other_datagrams() {
    assert!(is_binding_request(&request()));
    let mut ok = request();
    ok[0] = 0x01;
    assert!(!is_binding_request(&ok), "a success response is not held");
    assert!(
        !is_binding_request(&request()[..10]),
        "too short to be STUN"
    );
    assert!(is_dtls(&[22, 254, 253]));
    assert!(!is_dtls(&[0x80, 111]), "RTP is not DTLS");
    assert!(!is_dtls(&request()));
}

/// Hands out scripted datagrams, then is pending.
#[derive(Debug, Default)]
struct Scripted(Mutex<VecDeque<Vec<u8>>>);

impl AsyncUdpSocket for Scripted {
    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(SocketAddr::from(([127, 0, 0, 1], 9)))
    }

    fn poll_send(&self, _: &mut Context<'_>, t: &Transmit<'_>) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(t.contents.len()))
    }

    fn poll_recv(
        &self,
        _: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
        meta: &mut [RecvMeta],
    ) -> Poll<io::Result<usize>> {
        match lock(&self.0).pop_front() {
            Some(d) => {
                bufs[0][..d.len()].copy_from_slice(&d);
                let mut m = RecvMeta::default();
                m.addr = SocketAddr::from(([127, 0, 0, 1], 7));
                m.len = d.len();
                m.stride = d.len();
                meta[0] = m;
                Poll::Ready(Ok(1))
            }
            None => Poll::Pending,
        }
    }
}

/// Every datagram the socket hands out now, first byte first.
fn drain(socket: &HoldingSocket) -> Vec<u8> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    loop {
        let mut buf = [0u8; 64];
        let mut meta = [RecvMeta::default()];
        let mut bufs = [IoSliceMut::new(&mut buf)];
        match socket.poll_recv(&mut cx, &mut bufs, &mut meta) {
            Poll::Ready(Ok(_)) => out.push(buf[0]),
            _ => return out,
        }
    }
}

#[test]
fn early_packets_wait_for_their_stage_and_then_come_in_order() {
    let (runtime, control) = HoldEarlyChecks::new(webrtc::runtime::default_runtime().unwrap());
    let inner = Arc::new(Scripted::default());
    let socket = HoldingSocket::new(inner.clone(), runtime.gate.clone());
    let push = |d: &[u8]| lock(&inner.0).push_back(d.to_vec());
    let mut dtls = vec![22u8; 20];
    let rtp = [0x80u8; 20];

    control.hold();
    push(&request());
    push(&rtp);
    assert_eq!(drain(&socket), vec![0x80], "the check waits, RTP does not");

    control.answer_applied();
    dtls[1] = 1;
    push(&dtls);
    let mut ok = request();
    ok[0] = 0x01;
    push(&ok);
    assert_eq!(
        drain(&socket),
        vec![0x00, 0x01],
        "the held check, then the response; DTLS waits for ICE"
    );

    control.release();
    push(&rtp);
    assert_eq!(drain(&socket), vec![22, 0x80], "the held DTLS first");
    push(&request());
    assert_eq!(drain(&socket), vec![0x00], "open: nothing is held any more");
}

#[test]
fn each_phase_holds_its_own_kind_and_never_goes_back() {
    let (_, control) = HoldEarlyChecks::new(webrtc::runtime::default_runtime().unwrap());
    let gate = control.0.clone();
    let dtls = [22u8, 254, 253, 0];
    assert!(!gate.holds(&request()), "open until the offer leaves");
    control.hold();
    assert!(gate.holds(&request()) && !gate.holds(&dtls));
    control.answer_applied();
    assert!(!gate.holds(&request()) && gate.holds(&dtls));
    control.release();
    assert!(!gate.holds(&request()) && !gate.holds(&dtls));
    control.answer_applied();
    assert_eq!(gate.phase(), OPEN, "a late call does not close it again");
}
