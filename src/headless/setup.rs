//! What to play: a script, or a recording turned into one. Where to connect and
//! with what lives with the link (`transport::link::setup`).

use std::path::Path;

use crate::protocol::Dialect;
use crate::recording::open_recording;
use crate::script::{parse_script, render_script, script_from_recording, ReplayPlan, Script};

pub use crate::transport::link::setup::SetupError;

/// What to play: a script, or a recording turned into one.
pub struct Loaded {
    pub script: Script,
    /// For a replayed recording, the server events it expects back.
    pub replay: Option<ReplayPlan>,
}

pub fn load(path: &Path, fast: bool, dialect: Dialect) -> Result<Loaded, SetupError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SetupError(format!("cannot read the script {}: {e}", path.display())))?;
    if crate::script::looks_like_recording(&text) {
        let rec = open_recording(path)?;
        let plan = script_from_recording(&rec, fast);
        let mut script = plan.script();
        if dialect == Dialect::Beta {
            script.dialect = Dialect::Beta;
        }
        // The plan's line numbers point into this rendering.
        tracing::debug!("replaying {} as:\n{}", path.display(), render_script(&plan));
        return Ok(Loaded {
            script,
            replay: Some(plan),
        });
    }
    let name = path.display().to_string();
    let mut script = parse_script(&text, &name)?;
    // --dialect beta or a `dialect beta` line: either makes the run beta.
    if dialect == Dialect::Beta {
        script.dialect = Dialect::Beta;
    }
    if let Some(dir) = path.parent() {
        script.resolve_paths(dir);
    }
    script
        .read_call_outputs(|p| std::fs::read_to_string(p))
        .map_err(|e| SetupError(format!("{name}: {e}")))?;
    Ok(Loaded {
        script,
        replay: None,
    })
}
