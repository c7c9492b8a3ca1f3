//! How many concurrent sessions, each doing one text turn per second, the mock holds
//! on this machine before turn time doubles. Turn time is `response.create` sent →
//! `response.done` received, with the mock's default pacing (which alone makes a turn
//! take a few hundred ms); the baseline is one session. Prints a table and the
//! largest session count whose median turn time stays under twice the baseline.

#[path = "../tests/support/mock_client.rs"]
mod mock_client;

use std::time::{Duration, Instant};

use mock_client::{connect_default, TestClient};
use rtconsole::mock::{MockConfig, MockServer};
use serde_json::json;

const TURNS: usize = 5;

async fn session_turns(mut c: TestClient) -> Vec<f64> {
    c.wait_for("session.created").await;
    let mut times = Vec::new();
    let mut next = tokio::time::Instant::now();
    for i in 0..TURNS {
        tokio::time::sleep_until(next).await;
        next += Duration::from_secs(1);
        c.send(
            &json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": format!("turn {i}: how is the weather")}]}}),
        )
        .await;
        let t = Instant::now();
        c.send(&json!({"type": "response.create", "response": {"output_modalities": ["text"]}}))
            .await;
        c.wait_for("response.done").await;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    c.close().await;
    times
}

async fn run(server: &MockServer, n: usize) -> f64 {
    let mut clients = Vec::new();
    for _ in 0..n {
        clients.push(connect_default(server).await);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| tokio::spawn(session_turns(c)))
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("session task"));
    }
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    all[all.len() / 2]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = MockServer::start(MockConfig::default()).await.expect("mock");
        let base = run(&server, 1).await;
        println!("sessions  median turn ms  × baseline");
        println!("{:>8}  {base:>14.1}  {:>10.2}", 1, 1.0);
        let mut held = 1;
        let mut doubled = false;
        for n in [10, 20, 40, 80, 160, 240, 320] {
            let m = run(&server, n).await;
            println!("{n:>8}  {m:>14.1}  {:>10.2}", m / base);
            if m >= 2.0 * base {
                doubled = true;
                break;
            }
            held = n;
        }
        if doubled {
            println!("the mock holds {held} concurrent sessions (one text turn/s each) before turn time doubles");
        } else {
            println!("turn time did not double up to {held} concurrent sessions (one text turn/s each): the mock holds at least that many");
        }
        server.shutdown().await;
    });
}
