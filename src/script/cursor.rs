//! Reading the words, JSON values, regexes and durations of one step's text, each
//! with its byte offset so problems point at the right column.

use serde_json::Value;

use super::condition::SyntaxProblem;
use super::pattern::Pattern;

pub struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

/// A problem at a byte offset of the step's text: (offset, message, hint).
pub type Bad = (usize, String, String);

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Back to an earlier position (from [`Cursor::pos`]).
    pub fn rewind(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub fn skip_ws(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// True when only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.text.len()
    }

    /// What is left, untrimmed, without moving.
    pub fn text_rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    pub fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    /// The next whitespace-separated word and where it starts.
    pub fn word(&mut self) -> (usize, &'a str) {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.text[start..];
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += len;
        (start, &rest[..len])
    }

    /// Everything left, trimmed, and where it starts.
    pub fn rest(&mut self) -> (usize, &'a str) {
        self.skip_ws();
        let start = self.pos;
        self.pos = self.text.len();
        (start, self.text[start..].trim_end())
    }

    /// Characters while `keep` holds.
    pub fn take_while(&mut self, keep: impl Fn(char) -> bool) -> (usize, &'a str) {
        let start = self.pos;
        let rest = &self.text[start..];
        let len = rest.find(|c| !keep(c)).unwrap_or(rest.len());
        self.pos += len;
        (start, &rest[..len])
    }

    pub fn eat(&mut self, s: &str) -> bool {
        if self.text[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// One JSON value starting here (a string, object or array); the cursor moves past it.
    pub fn json(&mut self) -> Result<Value, Bad> {
        let start = self.pos;
        let slice = &self.text[start..];
        let mut stream = serde_json::Deserializer::from_str(slice).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                self.pos = start + stream.byte_offset();
                Ok(v)
            }
            Some(Err(e)) => {
                let at = start + error_offset(slice, e.line(), e.column());
                let what = e.to_string();
                let what = what
                    .rsplit_once(" at line ")
                    .map_or(what.as_str(), |(w, _)| w);
                Err((at, format!("invalid JSON: {what}"), json_hint(&e)))
            }
            None => Err((start, "a JSON value is missing".into(), json_hint_default())),
        }
    }

    /// A `/regex/flags` literal starting here; `\/` stands for a slash.
    pub fn regex(&mut self) -> Result<Pattern, Bad> {
        let start = self.pos;
        if !self.eat("/") {
            return Err((
                start,
                "a regex goes between slashes".into(),
                "write ~/sunny/i (i: ignore case)".into(),
            ));
        }
        let mut source = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, '/')) => source.push('/'),
                    Some((_, other)) => {
                        source.push('\\');
                        source.push(other);
                    }
                    None => source.push('\\'),
                },
                '/' => {
                    end = Some(self.pos + i + 1);
                    break;
                }
                c => source.push(c),
            }
        }
        let Some(end) = end else {
            return Err((
                start,
                "this regex is not closed".into(),
                "end it with a slash: ~/sunny/i (write \\/ for a slash inside it)".into(),
            ));
        };
        self.pos = end;
        let (flags_at, flags) = self.take_while(|c| c.is_ascii_alphanumeric());
        let to_bad = |p: SyntaxProblem, base: usize| (base + p.offset, p.message, p.hint);
        Pattern::check_flags(flags).map_err(|p| to_bad(p, flags_at))?;
        Pattern::new(&source, flags).map_err(|p| to_bad(p, start))
    }
}

/// The byte offset of a 1-based (line, column) that serde_json reports in `text`.
pub fn error_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn json_hint_default() -> String {
    "write JSON with double-quoted keys and strings, e.g. {\"temperature_c\": 21}".into()
}

fn json_hint(e: &serde_json::Error) -> String {
    if e.classify() == serde_json::error::Category::Eof {
        "the JSON ends early: close every open {, [ and \"".into()
    } else {
        json_hint_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_rest_and_json() {
        let mut c = Cursor::new("  on-call f {\"a\": [1]}  tail ");
        assert_eq!(c.word(), (2, "on-call"));
        assert_eq!(c.word(), (10, "f"));
        c.skip_ws();
        assert_eq!(c.json().unwrap(), json!({"a": [1]}));
        assert_eq!(c.rest(), (24, "tail"));
        assert!(c.at_end());
    }

    #[test]
    fn json_errors_point_into_the_text() {
        let mut c = Cursor::new("x {\"a\" 1}");
        c.word();
        c.skip_ws();
        let (at, msg, _) = c.json().unwrap_err();
        assert_eq!(at, 7, "{msg}");
        assert!(msg.starts_with("invalid JSON: expected `:`"), "{msg}");
    }

    #[test]
    fn regex_literals_with_escaped_slashes_and_flags() {
        let mut c = Cursor::new("/a\\/b\\d/i rest");
        let p = c.regex().unwrap();
        assert_eq!((p.source(), p.flags()), ("a/b\\d", "i"));
        assert!(p.is_match("A/B7"));
        assert_eq!(c.rest().1, "rest");
        let (at, msg, _) = Cursor::new("/abc").regex().unwrap_err();
        assert_eq!(at, 0);
        assert!(msg.contains("not closed"));
        let (at, msg, _) = Cursor::new("/abc/ig").regex().unwrap_err();
        assert_eq!(at, 6, "{msg}");
        let (at, msg, _) = Cursor::new("/(/").regex().unwrap_err();
        assert_eq!(at, 0);
        assert!(msg.contains("not a valid regex"), "{msg}");
    }

    #[test]
    fn error_offsets_follow_lines() {
        assert_eq!(error_offset("ab\ncd", 2, 2), 4);
        assert_eq!(error_offset("ab", 1, 9), 2);
    }
}
