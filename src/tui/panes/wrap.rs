//! Word wrapping to a cell width, shared by the panes that show free text.
//!
//! Ratatui's own `Paragraph` wrapping cannot tell us how many rows a text takes
//! before drawing it, and it rewraps everything on every frame; panes that scroll
//! (and cache) need the rows themselves, so they wrap here once and keep the result.

use ratatui::text::Span;

/// Display width of one char in terminal cells (0 for combining marks, 2 for wide
/// CJK). ASCII is answered without a lookup: it is nearly all of the text.
pub(crate) fn char_width(c: char) -> usize {
    if c.is_ascii() {
        return usize::from(!c.is_ascii_control());
    }
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// Display width of a string in terminal cells.
pub(crate) fn str_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Cuts `s` to at most `width` cells, ending in `…` when something was cut.
pub(crate) fn cut_to_width(s: &str, width: usize) -> String {
    if str_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        // Leave one cell for the ellipsis.
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Greedy word wrap of `text` (already made printable; `\n` starts a new row) into
/// rows of at most `width` cells. Words longer than a row are broken hard; the
/// space a row breaks at is dropped. Linear in the text: each char is pushed once
/// and carried to the next row at most once.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0usize;
        // Byte index of the last space in `line`: where the row can break softly.
        let mut last_space: Option<usize> = None;
        for c in para.chars() {
            let cw = char_width(c);
            let mut broke = false;
            // A loop, not an `if`: the words carried after a soft break plus a wide
            // char can still overflow, and then the row breaks hard as well.
            while line_w + cw > width && !line.is_empty() {
                broke = true;
                match last_space.take() {
                    Some(sp) if c != ' ' => {
                        let rest = line[sp + 1..].to_string();
                        line.truncate(sp);
                        rows.push(std::mem::take(&mut line));
                        line_w = str_width(&rest);
                        line = rest;
                    }
                    _ => {
                        rows.push(std::mem::take(&mut line));
                        line_w = 0;
                    }
                }
            }
            // A space that caused the break is the break: not carried over.
            if broke && c == ' ' {
                continue;
            }
            if c == ' ' {
                last_space = Some(line.len());
            }
            line.push(c);
            line_w += cw;
        }
        rows.push(line);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_breaks_long_words() {
        assert_eq!(wrap("hello world again", 11), ["hello world", "again"]);
        assert_eq!(wrap("hello world", 5), ["hello", "world"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 10), ["a", "", "b"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("ab cdefgh", 4), ["ab", "cdef", "gh"]);
    }

    #[test]
    fn rows_never_exceed_the_width_even_with_wide_chars() {
        let text = "日本語のテキスト and some ascii words mixed 😀😀😀 in";
        for w in 2..20 {
            for row in wrap(text, w) {
                assert!(str_width(&row) <= w, "{row:?} wider than {w}");
            }
        }
    }

    #[test]
    fn cut_marks_what_it_drops() {
        assert_eq!(cut_to_width("abcdef", 4), "abc…");
        assert_eq!(cut_to_width("abc", 4), "abc");
        assert_eq!(cut_to_width("abc", 0), "");
    }
}
