//! Making untrusted text safe and bounded for a terminal cell grid. Server text can
//! hold escape sequences, newlines and megabyte-long strings; none of that may reach
//! the terminal as-is or cost more than the cells it fills.

use std::borrow::Cow;

/// Control characters shown as visible symbols (ESC as `␛`, other C0 as the
/// Unicode control pictures, DEL as `␡`, C1 as `�`), so an escape sequence in an event
/// cannot move the cursor or recolour the screen. Tabs become a space. Invisible
/// format characters that reorder or hide text (bidi overrides and isolates,
/// zero-width spaces and joiners' kin, the BOM, line and paragraph separators) show
/// as `�`: a terminal would otherwise let server text spoof what is around it.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_replacing) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(replacement).collect())
}

/// One line: like [`printable`], with newlines shown as `⏎`, and cut to `max_chars`
/// (with `…`) before any work proportional to the rest of the string.
pub fn one_line(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(max_chars.min(s.len()) + 3);
    let mut chars = s.chars();
    for c in chars.by_ref().take(max_chars) {
        match c {
            '\n' | '\r' => out.push('⏎'),
            c => out.push(replacement(c)),
        }
    }
    if chars.next().is_some() && out.pop().is_some() {
        out.push('…');
    }
    out
}

fn needs_replacing(c: char) -> bool {
    (c.is_control() && c != '\n') || invisible(c)
}

/// Format characters a terminal applies instead of showing. The zero-width joiner
/// (U+200D) stays: emoji sequences need it, and it reorders nothing.
fn invisible(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{200c}'
        | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{061c}')
}

fn replacement(c: char) -> char {
    match c {
        '\n' => '\n',
        '\t' => ' ',
        '\u{1b}' => '␛',
        '\u{7f}' => '␡',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
        c if c.is_control() || invisible(c) => '�',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(printable("a\u{1b}[2Jb"), "a␛[2Jb");
        assert_eq!(printable("bell\u{7}"), "bell␇");
        assert_eq!(printable("keep\nlines"), "keep\nlines");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_that_reorders_or_hides_is_made_visible() {
        assert_eq!(printable("a\u{202e}b"), "a�b");
        assert_eq!(printable("x\u{200b}y\u{feff}"), "x�y�");
        // Emoji sequences keep their joiner.
        assert_eq!(printable("👩\u{200d}👧"), "👩\u{200d}👧");
    }

    #[test]
    fn one_line_cuts_and_flattens() {
        assert_eq!(one_line("ab\ncd", 10), "ab⏎cd");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(one_line("abcd", 4), "abcd");
        assert_eq!(one_line("", 4), "");
        let long = "x".repeat(10_000);
        assert_eq!(one_line(&long, 8).chars().count(), 8);
    }
}
