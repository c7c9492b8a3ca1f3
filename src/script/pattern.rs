//! Regexes as scripts write them, `/sunny/i`: checked when the script is read,
//! compared by what was written, and shown back the same way in messages.

use std::fmt;

use regex::{Regex, RegexBuilder};

use super::condition::SyntaxProblem;

/// How deep groups and repetitions may nest in a regex from a file. The regex crate's
/// default (250) is not low enough: its compiler recurses once per level, and 120
/// levels overflowed a 2 MB thread stack in a debug build. Written regexes nest a
/// few levels.
pub(crate) const NEST_LIMIT: u32 = 32;

/// A regex as written between slashes, with its flags.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    flags: String,
    regex: Regex,
}

impl Pattern {
    /// Checks regex flags; the problem's offset is the index of the bad flag.
    pub fn check_flags(flags: &str) -> Result<(), SyntaxProblem> {
        match flags.chars().enumerate().find(|(_, c)| !"imsx".contains(*c)) {
            None => Ok(()),
            Some((i, other)) => Err(SyntaxProblem::new(
                i,
                format!("unknown regex flag `{other}`"),
                "flags are i (ignore case), m (^ and $ at line ends), s (. matches newlines), x (ignore spaces)",
            )),
        }
    }

    /// `source` is the text between the slashes with `\/` already turned into `/`.
    /// A bad flag is reported as by [`Pattern::check_flags`]; a bad regex at offset 0.
    pub fn new(source: &str, flags: &str) -> Result<Pattern, SyntaxProblem> {
        Self::check_flags(flags)?;
        let mut builder = RegexBuilder::new(source);
        builder
            .case_insensitive(flags.contains('i'))
            .multi_line(flags.contains('m'))
            .dot_matches_new_line(flags.contains('s'))
            .ignore_whitespace(flags.contains('x'))
            .nest_limit(NEST_LIMIT);
        let regex = builder.build().map_err(|e| {
            // The regex crate draws a caret diagram; its last line says what is wrong.
            let text = e.to_string();
            let why = text.lines().last().unwrap_or("invalid regex").trim();
            let why = why.strip_prefix("error: ").unwrap_or(why);
            SyntaxProblem::new(
                0,
                format!("/{}/ is not a valid regex: {why}", escape_slashes(source)),
                "escape special characters with a backslash (\\. \\? \\( ) and a slash as \\/; syntax: https://docs.rs/regex/latest/regex/#syntax",
            )
        })?;
        Ok(Pattern {
            source: source.to_string(),
            flags: flags.to_string(),
            regex,
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn flags(&self) -> &str {
        &self.flags
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.flags == other.flags
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/{}", escape_slashes(&self.source), self.flags)
    }
}

fn escape_slashes(source: &str) -> String {
    source.replace('/', "\\/")
}
