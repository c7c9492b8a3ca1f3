//! Token usage per session and a cost estimate from a price table the user can
//! override. Prices are USD per million tokens.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::protocol::response::Usage;

/// Prices of one model, USD per 1M tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    pub text_input: f64,
    pub text_cached_input: f64,
    pub text_output: f64,
    pub audio_input: f64,
    pub audio_cached_input: f64,
    pub audio_output: f64,
    #[serde(default)]
    pub image_input: f64,
    #[serde(default)]
    pub image_cached_input: f64,
}

impl Prices {
    /// Cost in USD. Cached tokens are a subset of the input tokens of their
    /// modality, so they are priced at the cached rate and the rest at the full one.
    pub fn cost(&self, u: &Usage) -> f64 {
        let i = &u.input_token_details;
        let c = &i.cached_tokens_details;
        let m = 1e-6;
        let text_in = i.text_tokens.saturating_sub(c.text_tokens) as f64;
        let audio_in = i.audio_tokens.saturating_sub(c.audio_tokens) as f64;
        let image_in = i.image_tokens.saturating_sub(c.image_tokens) as f64;
        m * (text_in * self.text_input
            + c.text_tokens as f64 * self.text_cached_input
            + audio_in * self.audio_input
            + c.audio_tokens as f64 * self.audio_cached_input
            + image_in * self.image_input
            + c.image_tokens as f64 * self.image_cached_input
            + u.output_token_details.text_tokens as f64 * self.text_output
            + u.output_token_details.audio_tokens as f64 * self.audio_output)
    }
}

/// Prices by model name. A model matches the longest key that is a prefix of its
/// name, so `gpt-realtime-2025-08-28` is priced as `gpt-realtime` while
/// `gpt-realtime-mini-2025-10-06` finds `gpt-realtime-mini`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub models: BTreeMap<String, Prices>,
}

impl Default for PriceTable {
    /// OpenAI's published list prices at the GA launch (Aug 2025). They go stale:
    /// users override them with `[prices.models."name"]` in their config.
    fn default() -> Self {
        let p = |ti, tc, to, ai, ac, ao, ii, ic| Prices {
            text_input: ti,
            text_cached_input: tc,
            text_output: to,
            audio_input: ai,
            audio_cached_input: ac,
            audio_output: ao,
            image_input: ii,
            image_cached_input: ic,
        };
        let mut models = BTreeMap::new();
        models.insert(
            "gpt-realtime".into(),
            p(4.0, 0.4, 16.0, 32.0, 0.4, 64.0, 5.0, 0.5),
        );
        models.insert(
            "gpt-realtime-mini".into(),
            p(0.6, 0.06, 2.4, 10.0, 0.3, 20.0, 0.8, 0.08),
        );
        models.insert(
            "gpt-4o-realtime-preview".into(),
            p(5.0, 2.5, 20.0, 40.0, 2.5, 80.0, 0.0, 0.0),
        );
        models.insert(
            "gpt-4o-mini-realtime-preview".into(),
            p(0.6, 0.3, 2.4, 10.0, 0.3, 20.0, 0.0, 0.0),
        );
        PriceTable { models }
    }
}

impl PriceTable {
    pub fn lookup(&self, model: &str) -> Option<&Prices> {
        self.models
            .iter()
            .filter(|(k, _)| model.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, p)| p)
    }

    /// Overlays a TOML table of the form `[models."name"] text_input = …` on this
    /// one. Unknown keys are errors: a typo must not silently price at zero.
    pub fn merge_toml(&mut self, text: &str) -> Result<(), String> {
        let over: PriceTable = toml::from_str(text).map_err(|e| {
            format!("price table: {e}; expected [models.\"model-name\"] with text_input, text_cached_input, text_output, audio_input, audio_cached_input, audio_output (USD per 1M tokens)")
        })?;
        self.models.extend(over.models);
        Ok(())
    }
}

/// Usage of the whole session so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageTotals {
    pub responses: Usage,
    /// Responses that reported usage.
    pub counted: usize,
    /// Estimated USD; `None` until a response with usage arrives for a priced model.
    pub cost_usd: Option<f64>,
    /// Set when usage arrived for a model missing from the price table.
    pub unpriced_model: Option<String>,
}

impl UsageTotals {
    pub fn add(&mut self, u: &Usage, model: Option<&str>, prices: &PriceTable) {
        self.responses += *u;
        self.counted += 1;
        match model.and_then(|m| prices.lookup(m)) {
            Some(p) => *self.cost_usd.get_or_insert(0.0) += p.cost(u),
            None => self.unpriced_model = Some(model.unwrap_or("(unknown model)").to_string()),
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
        assert!((p.cost(&usage()) - want).abs() < 1e-12);
    }

    #[test]
    fn longest_prefix_wins_in_model_lookup() {
        let t = PriceTable::default();
        assert_eq!(
            t.lookup("gpt-realtime-mini-2025-10-06").unwrap().text_input,
            0.6
        );
        assert_eq!(t.lookup("gpt-realtime").unwrap().text_input, 4.0);
        assert!(t.lookup("whisper-1").is_none());
    }

    #[test]
    fn user_prices_override_and_typos_are_rejected() {
        let mut t = PriceTable::default();
        t.merge_toml("[models.\"gpt-realtime\"]\ntext_input=1\ntext_cached_input=0\ntext_output=2\naudio_input=3\naudio_cached_input=0\naudio_output=4\n").unwrap();
        assert_eq!(t.lookup("gpt-realtime").unwrap().text_input, 1.0);
        let err = t.merge_toml("[models.x]\ntext_inptu=1\n").unwrap_err();
        assert!(err.contains("text_inptu"), "{err}");
    }

    #[test]
    fn unpriced_model_is_reported_not_priced_at_zero() {
        let mut tot = UsageTotals::default();
        tot.add(&usage(), Some("some-other-model"), &PriceTable::default());
        assert_eq!(tot.cost_usd, None);
        assert_eq!(tot.unpriced_model.as_deref(), Some("some-other-model"));
        assert_eq!(tot.responses.total_tokens, 253);
    }
}
