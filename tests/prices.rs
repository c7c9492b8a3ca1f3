//! What one `response.done` costs for every model of the price table, through the
//! session core as a live session computes it, against the figures of protocol.md
//! §9 written out here; an unknown model is "price unknown" wherever cost shows.

use rtconsole::session::{Input, PriceTable, Session, SessionOptions};
use rtconsole::tui::pane::{AudioStatus, ConnInfo, PaneCtx};
use rtconsole::tui::panes::status_bar::status_text;
use rtconsole::tui::theme::Theme;
use serde_json::json;

/// Tokens of every kind, each count different so a swapped price shows.
fn response_done() -> serde_json::Value {
    json!({"type": "response.done", "event_id": "event_2", "response": {
        "object": "realtime.response", "id": "resp_1", "status": "completed",
        "output": [], "conversation_id": "conv_1",
        "usage": {
            "total_tokens": 4300, "input_tokens": 3300, "output_tokens": 1000,
            "input_token_details": {
                "text_tokens": 1000, "audio_tokens": 2000, "image_tokens": 300,
                "cached_tokens": 800,
                "cached_tokens_details": {"text_tokens": 200, "audio_tokens": 500, "image_tokens": 100}
            },
            "output_token_details": {"text_tokens": 400, "audio_tokens": 600}
        }
    }})
}

/// USD of [`response_done`] at these prices per 1M tokens: text in / cached / out,
/// audio in / cached / out, image in / cached.
fn expected(p: [f64; 8]) -> f64 {
    let tokens = [800.0, 200.0, 400.0, 1500.0, 500.0, 600.0, 200.0, 100.0];
    tokens.iter().zip(p).map(|(n, usd)| n * usd).sum::<f64>() / 1e6
}

/// A session on `model` after one response.done.
fn session_on(model: &str, prices: PriceTable) -> Session {
    let mut s = Session::new(SessionOptions {
        prices,
        ..SessionOptions::default()
    });
    let created = json!({"type": "session.created", "event_id": "event_1",
        "session": {"type": "realtime", "object": "realtime.session", "id": "sess_1", "model": model}});
    for (at_ms, ev) in [(10, created), (20, response_done())] {
        let _ = s.handle(Input::Server {
            at_ms,
            raw: ev.to_string(),
        });
    }
    assert_eq!(s.usage().counted, 1, "{model}: usage not counted");
    s
}

#[test]
fn one_response_done_costs_the_listed_price_on_every_model() {
    let full_16 = [4.0, 0.40, 16.0, 32.0, 0.40, 64.0, 5.0, 0.50];
    let full_24 = [4.0, 0.40, 24.0, 32.0, 0.40, 64.0, 5.0, 0.50];
    let mini = [0.60, 0.06, 2.40, 10.0, 0.30, 20.0, 0.80, 0.08];
    let cases = [
        ("gpt-realtime", full_16),
        ("gpt-realtime-2025-08-28", full_16),
        ("gpt-realtime-1.5", full_16),
        ("gpt-realtime-2", full_24),
        ("gpt-realtime-2.1", full_24),
        ("gpt-realtime-2.1-mini", mini),
        ("gpt-realtime-mini", mini),
        ("gpt-realtime-mini-2025-10-06", mini),
        ("gpt-realtime-mini-2025-12-15", mini),
    ];
    for (model, prices) in cases {
        let s = session_on(model, PriceTable::default());
        let got = s
            .usage()
            .cost_usd
            .unwrap_or_else(|| panic!("{model}: no cost"));
        let want = expected(prices);
        assert!(
            (got - want).abs() < 1e-12,
            "{model}: ${got} instead of ${want}"
        );
    }
    // The two figures prefix matching used to get wrong.
    let s = session_on("gpt-realtime-2.1", PriceTable::default());
    assert!((s.usage().cost_usd.unwrap() - 0.100_53).abs() < 1e-9);
    let s = session_on("gpt-realtime-2.1-mini", PriceTable::default());
    assert!((s.usage().cost_usd.unwrap() - 0.028_77).abs() < 1e-9);
}

#[test]
fn every_priced_model_of_the_table_is_tested_above() {
    let priced: Vec<String> = PriceTable::default()
        .models
        .into_iter()
        .filter(|(_, p)| p.fields().iter().any(Option::is_some))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        priced,
        [
            "gpt-realtime",
            "gpt-realtime-1.5",
            "gpt-realtime-2",
            "gpt-realtime-2.1",
            "gpt-realtime-2.1-mini",
            "gpt-realtime-mini"
        ],
        "a model was added to the table: add its case above"
    );
}

#[test]
fn unknown_and_transcription_models_show_price_unknown_in_the_status_bar() {
    for model in [
        "gpt-realtime-3",
        "gpt-realtime-2.1-2026-12-01",
        "gpt-4o-transcribe",
    ] {
        let s = session_on(model, PriceTable::default());
        assert_eq!(s.usage().cost_usd, None, "{model}");
        let theme = Theme::default();
        let ctx = PaneCtx {
            session: &s,
            theme: &theme,
            focused: false,
            conn: &ConnInfo::default(),
            audio: &AudioStatus::default(),
            meters: None,
        };
        let bar = status_text(&ctx, 200);
        assert!(bar.contains("4.3k tok price unknown"), "{model}: {bar}");
        assert!(!bar.contains('$'), "{model}: {bar}");
    }
}

#[test]
fn a_user_price_override_prices_a_new_model_and_changes_a_known_one() {
    let mut table = PriceTable::default();
    table
        .merge_toml(
            "[models.\"gpt-realtime-2.1\"]\ntext_output = 30\n\
             [models.\"my-realtime\"]\ntext_input = 1\ntext_cached_input = 0.1\ntext_output = 2\n\
             audio_input = 3\naudio_cached_input = 0.3\naudio_output = 4\n\
             image_input = 5\nimage_cached_input = 0.5\n",
        )
        .unwrap();
    let s = session_on("gpt-realtime-2.1", table.clone());
    let want = expected([4.0, 0.40, 30.0, 32.0, 0.40, 64.0, 5.0, 0.50]);
    assert!((s.usage().cost_usd.unwrap() - want).abs() < 1e-12);
    let s = session_on("my-realtime", table);
    let want = expected([1.0, 0.1, 2.0, 3.0, 0.3, 4.0, 5.0, 0.5]);
    assert!((s.usage().cost_usd.unwrap() - want).abs() < 1e-12);
}
