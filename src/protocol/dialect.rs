use serde::{Deserialize, Serialize};

/// Which shape of the Realtime API a peer speaks.
///
/// GA is the current API. Beta was shut down by OpenAI on 2026-05-12 and only
/// matters for old recordings and compatible third-party servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    #[default]
    Ga,
    Beta,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Ga => "ga",
            Dialect::Beta => "beta",
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ga" => Ok(Dialect::Ga),
            "beta" => Ok(Dialect::Beta),
            other => Err(format!(
                "unknown dialect '{other}': use 'ga' (the current API) or 'beta' (legacy servers)"
            )),
        }
    }
}
