//! rtconsole's client against a WebRTC answerer that is not ours: aiortc (PyPI), run from
//! `tests/peers/aiortc_answerer.py` on loopback. Both DTLS roles: aiortc's default answer
//! (`a=setup:active`, we are the DTLS server) and `a=setup:passive` (we are the client).
//! No timing is asserted; the connect bench measures that.
//!
//! aiortc must be installed (`bash .ci/run` does it); a missing aiortc fails these tests
//! with the way to install it, it never skips them.

#[path = "support/aiortc.rs"]
mod aiortc;
#[path = "support/mock_client.rs"]
mod mock_client;

use std::time::Duration;

use aiortc::{AiortcAnswerer, Setup};
use mock_client::{TestClient, WAIT};
use rtconsole::transport::connect::connect;
use rtconsole::transport::rtc_setup::PeerSettings;
use rtconsole::transport::signaling::Signaling;

const START_LIMIT: Duration = Duration::from_secs(30);

async fn answerer(setup: Setup) -> AiortcAnswerer {
    match AiortcAnswerer::start_with(setup, START_LIMIT).await {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    }
}

/// Connects, then checks the channel, `session.created` and aiortc's audio.
async fn connects_and_hears(setup: Setup, want_setup: &str) {
    let peer = answerer(setup).await;
    let signaling = Signaling::new(&peer.base_url());
    let conn = connect(&PeerSettings::loopback_offerer(), WAIT, |sdp| {
        let signaling = &signaling;
        async move { signaling.post_offer("none", &sdp).await }
    })
    .await
    .unwrap_or_else(|e| panic!("connect to aiortc ({setup:?}): {e}"));
    assert_eq!(conn.answer_setup.as_deref(), Some(want_setup));
    assert!(
        conn.answer
            .call_id
            .as_deref()
            .is_some_and(|id| id.starts_with("rtc_")),
        "call id from Location: {:?}",
        conn.answer.call_id
    );
    let t = conn.timings;
    assert!(
        t.ice_connected_ms.is_some() && t.dtls_connected_ms.is_some(),
        "every step is stamped once open: {t:?}"
    );

    let mut c = TestClient::from_connection(conn);
    let created = c.wait_for("session.created").await;
    assert_eq!(created["session"]["type"], "realtime", "{created}");

    // aiortc's 440 Hz tone, Opus over RTP, decoded by our receive path.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let heard = c.heard.lock().unwrap().clone();
        if heard.len() >= 48_000 / 5 {
            let peak = heard.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
            assert!(peak > 1000, "aiortc's tone arrived silent (peak {peak})");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} samples of aiortc's audio within {WAIT:?}",
            heard.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    c.close().await;
    peer.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_to_aiortc_as_dtls_server() {
    connects_and_hears(Setup::Active, "active").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_to_aiortc_as_dtls_client() {
    connects_and_hears(Setup::Passive, "passive").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_to_aiortc_again_and_again() {
    // Back-to-back calls to one answerer, as the bench makes: each one opens.
    let peer = answerer(Setup::Active).await;
    let signaling = Signaling::new(&peer.base_url());
    for i in 0..5 {
        let conn = connect(&PeerSettings::loopback_offerer(), WAIT, |sdp| {
            let signaling = &signaling;
            async move { signaling.post_offer("none", &sdp).await }
        })
        .await
        .unwrap_or_else(|e| panic!("connect #{i} to aiortc: {e}"));
        let mut c = TestClient::from_connection(conn);
        c.wait_for("session.created").await;
        c.close().await;
    }
    peer.stop().await;
}
