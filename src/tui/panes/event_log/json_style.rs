//! Colours for the detail view's JSON: keys, strings, numbers and `true`/`false`/
//! `null` each get their theme colour. The text is pretty JSON that has already
//! been made printable; tokens never span a line, since JSON strings hold their
//! newlines escaped.

use ratatui::style::Style;

use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    Key,
    Str,
    Num,
    Literal,
    /// Brackets, commas, colons, spaces.
    Punct,
}

impl Tok {
    pub fn style(self, theme: &Theme) -> Style {
        let fg = match self {
            Tok::Key => theme.json_key,
            Tok::Str => theme.json_string,
            Tok::Num => theme.json_number,
            Tok::Literal => theme.json_literal,
            Tok::Punct => theme.text,
        };
        Style::default().fg(fg)
    }
}

/// Every byte of `text` in order, as (kind, text) runs.
pub(super) fn tokens(text: &str) -> Vec<(Tok, &str)> {
    let bytes = text.as_bytes();
    let mut out: Vec<(Tok, &str)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let tok = match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += text[i..].chars().next().map_or(1, char::len_utf8);
                }
                // Past the closing quote, or at the end of an unclosed string.
                i = (i + 1).min(bytes.len());
                let rest = text[i..].trim_start_matches([' ', '\t']);
                if rest.starts_with(':') {
                    Tok::Key
                } else {
                    Tok::Str
                }
            }
            b'-' | b'0'..=b'9' => {
                while i < bytes.len()
                    && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                Tok::Num
            }
            b'a'..=b'z' => {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                Tok::Literal
            }
            _ => {
                // Anything else up to the next token start, whole characters only.
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                while i < bytes.len()
                    && !matches!(bytes[i], b'"' | b'-' | b'0'..=b'9' | b'a'..=b'z')
                {
                    i += text[i..].chars().next().map_or(1, char::len_utf8);
                }
                Tok::Punct
            }
        };
        let i_end = i.min(bytes.len());
        // A cut inside a multi-byte character cannot happen: every stop above is
        // at an ASCII byte or a character boundary.
        out.push((tok, &text[start..i_end]));
        i = i_end;
    }
    out
}

/// The lines of `text`, each cut at `width` characters, as coloured runs.
pub(super) fn rows(text: &str, width: usize) -> Vec<Vec<(Tok, String)>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    for line in text.lines() {
        let mut row: Vec<(Tok, String)> = Vec::new();
        let mut used = 0;
        for (tok, run) in tokens(line) {
            let mut piece = String::new();
            for c in run.chars() {
                if used == width {
                    if !piece.is_empty() {
                        row.push((tok, std::mem::take(&mut piece)));
                    }
                    rows.push(std::mem::take(&mut row));
                    used = 0;
                }
                piece.push(c);
                used += 1;
            }
            if !piece.is_empty() {
                row.push((tok, piece));
            }
        }
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_strings_numbers_and_literals_are_told_apart() {
        let text =
            r#"  "type": "response.done", "n": -1.5e3, "ok": true, "x": null, "q": "a \"b\": c""#;
        let kinds: Vec<(Tok, &str)> = tokens(text)
            .into_iter()
            .filter(|(t, _)| *t != Tok::Punct)
            .collect();
        assert_eq!(
            kinds,
            [
                (Tok::Key, "\"type\""),
                (Tok::Str, "\"response.done\""),
                (Tok::Key, "\"n\""),
                (Tok::Num, "-1.5e3"),
                (Tok::Key, "\"ok\""),
                (Tok::Literal, "true"),
                (Tok::Key, "\"x\""),
                (Tok::Literal, "null"),
                (Tok::Key, "\"q\""),
                (Tok::Str, r#""a \"b\": c""#),
            ]
        );
        let joined: String = tokens(text).iter().map(|(_, s)| *s).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn rows_wrap_at_the_width_and_keep_every_character() {
        let text = "{\n  \"delta\": \"ünïcode text that is long\"\n}";
        let rows = rows(text, 10);
        let flat: Vec<String> = rows
            .iter()
            .map(|r| r.iter().map(|(_, s)| s.as_str()).collect())
            .collect();
        assert!(flat.iter().all(|l| l.chars().count() <= 10), "{flat:?}");
        assert_eq!(flat.concat(), text.replace('\n', ""));
        assert_eq!(flat[0], "{");
        assert_eq!(rows[1][1], (Tok::Key, "\"delta\"".to_string()));
    }
}
