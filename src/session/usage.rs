//! Token usage per session and its cost from an exact price table the user can
//! override with `[prices.models."name"]` in the config. Prices are USD per 1M
//! tokens. A model the table does not name, or tokens of a kind whose price was
//! never published, make the cost "price unknown": never a guess, never zero.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::protocol::response::Usage;

/// Prices of one model, USD per 1M tokens. `None`: no published price, so tokens
/// of that kind cannot be priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_cached_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_output: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_cached_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_output: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_cached_input: Option<f64>,
    /// When and where the figures were taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// The price fields, in the order the config and `rtconsole config` list them.
pub const PRICE_FIELDS: [&str; 8] = [
    "text_input",
    "text_cached_input",
    "text_output",
    "audio_input",
    "audio_cached_input",
    "audio_output",
    "image_input",
    "image_cached_input",
];

impl Prices {
    /// All eight prices, in [`PRICE_FIELDS`] order.
    pub fn fields(&self) -> [Option<f64>; 8] {
        [
            self.text_input,
            self.text_cached_input,
            self.text_output,
            self.audio_input,
            self.audio_cached_input,
            self.audio_output,
            self.image_input,
            self.image_cached_input,
        ]
    }

    fn fields_mut(&mut self) -> [&mut Option<f64>; 8] {
        [
            &mut self.text_input,
            &mut self.text_cached_input,
            &mut self.text_output,
            &mut self.audio_input,
            &mut self.audio_cached_input,
            &mut self.audio_output,
            &mut self.image_input,
            &mut self.image_cached_input,
        ]
    }

    /// Cost in USD, or `None` when some tokens have no price or the usage does not
    /// say what kind its tokens were. Cached tokens are a subset of the input
    /// tokens of their modality: they are priced at the cached rate, the rest at
    /// the full one.
    pub fn cost(&self, u: &Usage) -> Option<f64> {
        let i = &u.input_token_details;
        let c = &i.cached_tokens_details;
        let o = &u.output_token_details;
        // Tokens the breakdown leaves out have no kind, so no price.
        if i.text_tokens + i.audio_tokens + i.image_tokens < u.input_tokens
            || o.text_tokens + o.audio_tokens < u.output_tokens
        {
            return None;
        }
        let counts = [
            i.text_tokens.saturating_sub(c.text_tokens),
            c.text_tokens,
            o.text_tokens,
            i.audio_tokens.saturating_sub(c.audio_tokens),
            c.audio_tokens,
            o.audio_tokens,
            i.image_tokens.saturating_sub(c.image_tokens),
            c.image_tokens,
        ];
        let mut usd = 0.0;
        for (n, price) in counts.into_iter().zip(self.fields()) {
            if n > 0 {
                usd += n as f64 * price? / 1e6;
            }
        }
        Some(usd)
    }

    /// Sets the prices `over` names, keeping the others.
    fn overlay(&mut self, over: &Prices) {
        for (mine, theirs) in self.fields_mut().into_iter().zip(over.fields()) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        self.as_of = Some(
            over.as_of
                .clone()
                .unwrap_or_else(|| "your config's [prices]".to_string()),
        );
    }
}

/// Dated snapshots that protocol.md names as snapshots of a priced model (§3.2 and
/// §9): they cost what their base costs. Any other name is priced only if the
/// table names it exactly.
pub const SNAPSHOTS: &[(&str, &str)] = &[
    ("gpt-realtime-2025-08-28", "gpt-realtime"),
    ("gpt-realtime-mini-2025-10-06", "gpt-realtime-mini"),
    ("gpt-realtime-mini-2025-12-15", "gpt-realtime-mini"),
];

/// Prices by exact model name (or a snapshot of [`SNAPSHOTS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub models: BTreeMap<String, Prices>,
}

/// Where the shipped figures come from.
const SECTION_9: &str = "2026-12, model pages (protocol.md §9)";
const GA_LAUNCH: &str = "2025-08-28, list price at the GA launch (not in protocol.md §9)";
const MINI_LAUNCH: &str = "2025-10-06, list price at launch (not in protocol.md §9)";
const NO_TOKEN_PRICE: &str = "no per-token price in protocol.md §9: price unknown";

impl Default for PriceTable {
    /// The realtime models with the prices of protocol.md §9 (December 2026) and,
    /// for the two older names, their launch list prices; the transcription models
    /// with no price, since none is published per token there. Prices go stale:
    /// users override them with `[prices.models."name"]` in their config.
    fn default() -> Self {
        let p = |f: [f64; 8], as_of: &str| Prices {
            text_input: Some(f[0]),
            text_cached_input: Some(f[1]),
            text_output: Some(f[2]),
            audio_input: Some(f[3]),
            audio_cached_input: Some(f[4]),
            audio_output: Some(f[5]),
            image_input: Some(f[6]),
            image_cached_input: Some(f[7]),
            as_of: Some(as_of.to_string()),
        };
        let full_16 = [4.0, 0.4, 16.0, 32.0, 0.4, 64.0, 5.0, 0.5];
        let full_24 = [4.0, 0.4, 24.0, 32.0, 0.4, 64.0, 5.0, 0.5];
        let mini = [0.6, 0.06, 2.4, 10.0, 0.3, 20.0, 0.8, 0.08];
        let mut models = BTreeMap::new();
        models.insert("gpt-realtime".into(), p(full_16, GA_LAUNCH));
        models.insert("gpt-realtime-mini".into(), p(mini, MINI_LAUNCH));
        models.insert("gpt-realtime-1.5".into(), p(full_16, SECTION_9));
        models.insert("gpt-realtime-2".into(), p(full_24, SECTION_9));
        models.insert("gpt-realtime-2.1".into(), p(full_24, SECTION_9));
        models.insert("gpt-realtime-2.1-mini".into(), p(mini, SECTION_9));
        for name in TRANSCRIPTION_MODELS {
            let unknown = Prices {
                as_of: Some(NO_TOKEN_PRICE.to_string()),
                ..Prices::default()
            };
            models.insert(name.to_string(), unknown);
        }
        PriceTable { models }
    }
}

/// `audio.input.transcription.model` values (protocol.md §9), as validation knows them.
pub use crate::protocol::validate::TRANSCRIPTION_MODELS;

impl PriceTable {
    /// The prices of exactly this model, or of the model it is a snapshot of.
    pub fn lookup(&self, model: &str) -> Option<&Prices> {
        self.models.get(model).or_else(|| {
            SNAPSHOTS
                .iter()
                .find(|(snapshot, _)| *snapshot == model)
                .and_then(|(_, base)| self.models.get(*base))
        })
    }

    /// Overlays another table: the prices it names replace these, model by model
    /// and field by field; a model new to this table gets only what it names.
    pub fn merge(&mut self, over: &PriceTable) {
        for (name, prices) in &over.models {
            self.models.entry(name.clone()).or_default().overlay(prices);
        }
    }

    /// [`Self::merge`] from TOML text of the form `[models."name"] text_input = …`.
    /// Unknown keys are errors: a typo must not silently leave a price unknown.
    pub fn merge_toml(&mut self, text: &str) -> Result<(), String> {
        let over: PriceTable = toml::from_str(text).map_err(|e| price_error(e.message()))?;
        self.merge(&over);
        Ok(())
    }
}

/// What a `[prices]` table may hold, for error messages.
pub fn price_error(message: &str) -> String {
    format!(
        "[prices]: {}; write [prices.models.\"model-name\"] with any of {} (USD per 1M tokens) and as_of",
        message.trim_end(),
        PRICE_FIELDS.join(", ")
    )
}

/// Usage of the whole session so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageTotals {
    pub responses: Usage,
    /// Responses that reported usage.
    pub counted: usize,
    /// USD so far; `None` until priced usage arrives, and `None` for good once one
    /// response could not be priced (a partial sum would be a wrong number).
    pub cost_usd: Option<f64>,
    /// The model of a response that could not be priced.
    pub unpriced_model: Option<String>,
}

impl UsageTotals {
    pub fn add(&mut self, u: &Usage, model: Option<&str>, prices: &PriceTable) {
        self.responses += *u;
        self.counted += 1;
        let cost = model.and_then(|m| prices.lookup(m)).and_then(|p| p.cost(u));
        match cost {
            Some(c) if self.unpriced_model.is_none() => *self.cost_usd.get_or_insert(0.0) += c,
            Some(_) => {}
            None => {
                self.cost_usd = None;
                self.unpriced_model = Some(model.unwrap_or("(unknown model)").to_string());
            }
        }
    }

    /// The cost as every view shows it: `$0.0123`, `$1.23`, or `price unknown`.
    pub fn cost_text(&self) -> String {
        match self.cost_usd {
            Some(c) if c < 1.0 => format!("${c:.4}"),
            Some(c) => format!("${c:.2}"),
            None => "price unknown".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage() -> Usage {
        serde_json::from_str(r#"{"total_tokens":253,"input_tokens":132,"output_tokens":121,"input_token_details":{"text_tokens":119,"audio_tokens":13,"image_tokens":0,"cached_tokens":64,"cached_tokens_details":{"text_tokens":64,"audio_tokens":0,"image_tokens":0}},"output_token_details":{"text_tokens":30,"audio_tokens":91}}"#).unwrap()
    }

    #[test]
    fn cost_prices_cached_tokens_at_the_cached_rate() {
        let t = PriceTable::default();
        let p = t.lookup("gpt-realtime-2025-08-28").unwrap();
        // 55 text in @4, 64 cached @0.4, 13 audio in @32, 30 text out @16, 91 audio out @64
        let want = (55.0 * 4.0 + 64.0 * 0.4 + 13.0 * 32.0 + 30.0 * 16.0 + 91.0 * 64.0) / 1e6;
        assert!((p.cost(&usage()).unwrap() - want).abs() < 1e-12);
    }

    #[test]
    fn models_match_exactly_and_snapshots_only_when_named() {
        let t = PriceTable::default();
        // Prefix matching priced these as their shorter neighbours.
        assert_eq!(
            t.lookup("gpt-realtime-2.1").unwrap().text_output,
            Some(24.0)
        );
        assert_eq!(
            t.lookup("gpt-realtime-2.1-mini").unwrap().text_output,
            Some(2.4)
        );
        assert_eq!(
            t.lookup("gpt-realtime-1.5").unwrap().text_output,
            Some(16.0)
        );
        assert_eq!(
            t.lookup("gpt-realtime-mini-2025-12-15").unwrap().text_input,
            Some(0.6)
        );
        for unknown in [
            "gpt-realtime-3",
            "gpt-realtime-2.1-2026-11-01",
            "gpt-4o-realtime-preview",
            "GPT-REALTIME",
            "gpt-realtime ",
        ] {
            assert!(t.lookup(unknown).is_none(), "{unknown}");
        }
    }

    #[test]
    fn transcription_models_are_listed_without_a_price() {
        let t = PriceTable::default();
        for m in TRANSCRIPTION_MODELS {
            let p = t.lookup(m).unwrap();
            assert_eq!(p.fields(), [None; 8], "{m}");
            assert_eq!(p.cost(&usage()), None, "{m}");
        }
    }

    #[test]
    fn an_unpublished_price_or_untyped_tokens_make_the_cost_unknown() {
        let text_only = Prices {
            text_input: Some(1.0),
            text_cached_input: Some(0.1),
            text_output: Some(2.0),
            ..Prices::default()
        };
        assert_eq!(text_only.cost(&usage()), None, "audio has no price");
        let mut u = usage();
        u.input_token_details.audio_tokens = 0;
        u.input_tokens = 119;
        u.output_token_details.audio_tokens = 0;
        u.output_tokens = 30;
        let want = (55.0 * 1.0 + 64.0 * 0.1 + 30.0 * 2.0) / 1e6;
        assert!((text_only.cost(&u).unwrap() - want).abs() < 1e-12);
        // A usage without its breakdown cannot be priced by kind.
        let bare: Usage =
            serde_json::from_str(r#"{"total_tokens":10,"input_tokens":6,"output_tokens":4}"#)
                .unwrap();
        assert_eq!(
            PriceTable::default()
                .lookup("gpt-realtime")
                .unwrap()
                .cost(&bare),
            None
        );
    }

    #[test]
    fn user_prices_override_field_by_field_and_typos_are_rejected() {
        let mut t = PriceTable::default();
        t.merge_toml("[models.\"gpt-realtime-2\"]\ntext_output = 30\n")
            .unwrap();
        let p = t.lookup("gpt-realtime-2").unwrap();
        assert_eq!(p.text_output, Some(30.0));
        assert_eq!(p.text_input, Some(4.0), "the other prices stay");
        assert_eq!(p.as_of.as_deref(), Some("your config's [prices]"));
        t.merge_toml(
            "[models.\"my-model\"]\ntext_input = 1\ntext_output = 2\nas_of = \"2027-01\"\n",
        )
        .unwrap();
        assert_eq!(t.lookup("my-model").unwrap().audio_input, None);
        let err = t.merge_toml("[models.x]\ntext_inptu=1\n").unwrap_err();
        assert!(
            err.contains("text_inptu") && err.contains("text_input"),
            "{err}"
        );
    }

    #[test]
    fn one_unpriced_response_makes_the_total_unknown_for_good() {
        let table = PriceTable::default();
        let mut tot = UsageTotals::default();
        tot.add(&usage(), Some("gpt-realtime"), &table);
        assert!(tot.cost_usd.is_some());
        tot.add(&usage(), Some("some-other-model"), &table);
        assert_eq!(tot.cost_usd, None);
        tot.add(&usage(), Some("gpt-realtime"), &table);
        assert_eq!(tot.cost_usd, None);
        assert_eq!(tot.cost_text(), "price unknown");
        assert_eq!(tot.unpriced_model.as_deref(), Some("some-other-model"));
        assert_eq!(tot.responses.total_tokens, 3 * 253);
    }
}
