//! Physical lines to logical steps: comments stripped, blank lines dropped, and a
//! JSON value in `send` or `on-call` continued over lines until its brackets balance.
//! Offsets into a step's text map back to the line and column a person sees.

use super::error::ScriptProblem;

/// Every word that starts a line: a continuation line beginning with one of these
/// means the JSON above was left open, not that it goes on.
pub const KEYWORDS: &[&str] = &[
    "send",
    "say",
    "expect",
    "forbid",
    "sleep",
    "audio",
    "silence",
    "on-call",
    "transcript",
    "budget",
    "timeout",
    "dialect",
    "requires",
    "scenario",
];

/// Steps whose argument is JSON that may span lines.
const MULTI_LINE: &[&str] = &["send", "on-call"];
/// Steps whose arguments may hold `~/regex/`, inside which `#` is not a comment.
const WITH_REGEX: &[&str] = &["expect", "forbid", "transcript"];

/// One step's text, comments removed, continuation lines joined with `\n`.
#[derive(Debug, Clone)]
pub struct Logical {
    pub text: String,
    /// (offset in `text`, 1-based line) of each physical line that went into it.
    starts: Vec<(usize, usize)>,
}

impl Logical {
    /// The first physical line.
    pub fn line(&self) -> usize {
        self.starts[0].1
    }

    /// 1-based (line, column in characters) of a byte offset into `text`.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let (start, line) = self
            .starts
            .iter()
            .rev()
            .find(|(s, _)| *s <= offset)
            .copied()
            .unwrap_or(self.starts[0]);
        let column = self.text[start..offset].chars().count() + 1;
        (line, column)
    }

    pub fn problem(
        &self,
        offset: usize,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> ScriptProblem {
        let (line, column) = self.position(offset);
        ScriptProblem::new(line, column, message, hint)
    }
}

/// Where the scanner is between lines and characters.
#[derive(Default)]
struct Scan {
    in_string: bool,
    in_regex: bool,
    escape: bool,
    /// Byte offsets (in the logical text) of brackets not yet closed.
    open: Vec<usize>,
}

impl Scan {
    /// Scans one physical line; returns where its content ends (a comment's `#`, or
    /// the line's end). `base` is the line's offset in the logical text.
    fn line(&mut self, line: &str, base: usize, brackets: bool, regexes: bool) -> usize {
        let mut prev_space = true;
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if self.in_string || self.in_regex {
                if self.escape {
                    self.escape = false;
                } else if c == '\\' {
                    self.escape = true;
                } else if self.in_string && c == '"' {
                    self.in_string = false;
                } else if self.in_regex && c == '/' {
                    self.in_regex = false;
                }
                prev_space = false;
                continue;
            }
            match c {
                '"' => self.in_string = true,
                '~' if regexes && chars.peek().is_some_and(|(_, n)| *n == '/') => {
                    chars.next();
                    self.in_regex = true;
                }
                '#' if prev_space => return i,
                '{' | '[' if brackets => self.open.push(base + i),
                '}' | ']' if brackets => {
                    self.open.pop();
                }
                _ => {}
            }
            prev_space = c.is_whitespace();
        }
        // Neither JSON strings nor regexes span lines: the parser reports the
        // unclosed one, and the next line starts clean.
        self.in_string = false;
        self.in_regex = false;
        self.escape = false;
        line.len()
    }
}

fn first_word(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

/// Splits a script into logical steps; problems of structure (JSON never closed) are
/// pushed to `problems` and their step is left out.
pub fn logical_lines(text: &str, problems: &mut Vec<ScriptProblem>) -> Vec<Logical> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let kw = first_word(lines[i]);
        let brackets = MULTI_LINE.contains(&kw);
        let regexes = WITH_REGEX.contains(&kw);
        let mut scan = Scan::default();
        let mut logical = Logical {
            text: String::new(),
            starts: Vec::new(),
        };
        loop {
            let line = lines[i];
            let base = logical.text.len();
            let end = scan.line(line, base, brackets, regexes);
            logical.starts.push((base, i + 1));
            logical.text.push_str(line[..end].trim_end());
            i += 1;
            if scan.open.is_empty() || i >= lines.len() {
                break;
            }
            let next = first_word(lines[i]);
            if KEYWORDS.contains(&next) {
                break;
            }
            logical.text.push('\n');
        }
        if let Some(&opened) = scan.open.first() {
            let (line, column) = logical.position(opened);
            let bracket = &logical.text[opened..opened + 1];
            let close = if bracket == "{" { "}" } else { "]" };
            let until = match lines.get(i) {
                Some(_) => format!("before line {}", i + 1),
                None => "by the end of the script".to_string(),
            };
            problems.push(ScriptProblem::new(
                line,
                column,
                format!("this `{bracket}` is not closed {until}"),
                format!("add the missing `{close}`: JSON may continue over several lines, but only until its brackets balance"),
            ));
            continue;
        }
        if !logical.text.trim().is_empty() {
            out.push(logical);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(text: &str) -> (Vec<Logical>, Vec<ScriptProblem>) {
        let mut problems = Vec::new();
        let out = logical_lines(text, &mut problems);
        (out, problems)
    }

    #[test]
    fn comments_and_blank_lines_go() {
        let (l, p) = lex("# title\n\nsay hi   # a comment\n  sleep 1s\n");
        assert!(p.is_empty());
        let texts: Vec<_> = l.iter().map(|l| (l.line(), l.text.as_str())).collect();
        assert_eq!(texts, [(3, "say hi"), (4, "  sleep 1s")]);
    }

    #[test]
    fn hash_inside_strings_regexes_and_words_stays() {
        let (l, _) = lex("say \"press # now\" # note\nexpect x t~/a #b/i # c\nsay C#");
        assert_eq!(l[0].text, "say \"press # now\"");
        assert_eq!(l[1].text, "expect x t~/a #b/i");
        assert_eq!(l[2].text, "say C#");
    }

    #[test]
    fn json_continues_until_brackets_balance() {
        let (l, p) = lex("send {\"type\": \"session.update\", # why\n  \"session\": {\"type\": \"realtime\"}\n}\nsay hi");
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].line(), 1);
        assert!(l[0].text.ends_with("\n}"), "{}", l[0].text);
        let at = l[0].text.find("\"session\":").unwrap();
        assert_eq!(l[0].position(at), (2, 3));
        assert_eq!(l[1].line(), 4);
    }

    #[test]
    fn unclosed_json_stops_at_the_next_step() {
        let (l, p) = lex("send {\"type\": \"response.create\"\nexpect response.created\n");
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].line, p[0].column), (1, 6));
        assert!(p[0].message.contains("before line 2"), "{}", p[0].message);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].line(), 2);
        let (_, p) = lex("send [1,\n2");
        assert!(p[0].message.contains("by the end"), "{}", p[0].message);
    }

    #[test]
    fn brackets_in_free_text_do_not_continue_lines() {
        let (l, p) = lex("say what is [x\nsleep 1s");
        assert!(p.is_empty());
        assert_eq!(l.len(), 2);
    }
}
