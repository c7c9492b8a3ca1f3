//! What is wrong with a script, all of it at once: a person fixing a script by hand
//! should not have to run it once per mistake.

use std::fmt;

/// One thing wrong with a script, at a place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptProblem {
    /// 1-based line of the script.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, quoting what was written.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

impl ScriptProblem {
    pub fn new(
        line: usize,
        column: usize,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        ScriptProblem {
            line,
            column,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Every problem found in a script, in line order. Nothing of a script with
/// problems is run, so nothing half-valid is ever sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScriptError {
    /// The script's name as given to the parser (usually its file name).
    pub name: String,
    pub problems: Vec<ScriptProblem>,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.name, p.line, p.column, p.message)?;
            if !p.hint.is_empty() {
                write!(f, "\n  hint: {}", p.hint)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_column_and_hint() {
        let e = ScriptError {
            name: "weather.rtc".into(),
            problems: vec![
                ScriptProblem::new(3, 6, "bad", "write good"),
                ScriptProblem::new(5, 1, "worse", ""),
            ],
        };
        assert_eq!(
            e.to_string(),
            "weather.rtc:3:6: bad\n  hint: write good\nweather.rtc:5:1: worse"
        );
    }
}
