//! Cutting already-sanitized text into lines of a given width. Widths are counted
//! in characters: the pane's text is JSON and English, and ratatui clips anything
//! wider than a cell at the edge, so nothing is lost but the odd wide glyph.

/// Hard-wraps one line at `width` characters (JSON: every character matters, so
/// no word boundaries). An empty line stays one empty line.
pub(super) fn chars(line: &str, width: usize) -> Vec<&str> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    let mut count = 0;
    for (i, _) in line.char_indices() {
        if count == width {
            out.push(&line[start..i]);
            start = i;
            count = 0;
        }
        count += 1;
    }
    out.push(&line[start..]);
    out
}

/// Word-wraps prose to `width`, at most `max_lines` lines; when text is left over
/// the last line ends in `…` so a cut is never silent.
pub(super) fn words(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    let mut cut = false;
    'words: for word in text.split_whitespace() {
        for piece in chars(word, width) {
            let len = piece.chars().count();
            let needed = if current_len == 0 { len } else { len + 1 };
            if current_len + needed > width {
                if lines.len() + 1 == max_lines {
                    cut = true;
                    break 'words;
                }
                lines.push(std::mem::take(&mut current));
                current_len = 0;
            }
            if current_len > 0 {
                current.push(' ');
                current_len += 1;
            }
            current.push_str(piece);
            current_len += len;
        }
    }
    if cut {
        // Make room for the ellipsis on the last line.
        while current_len + 1 > width {
            current.pop();
            current_len -= 1;
        }
        current.push('…');
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_cuts_every_width_characters() {
        assert_eq!(chars("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(chars("abc", 3), ["abc"]);
        assert_eq!(chars("", 3), [""]);
        assert_eq!(chars("ééé", 2), ["éé", "é"]);
    }

    #[test]
    fn words_fill_lines_and_mark_a_cut() {
        assert_eq!(words("one two three", 7, 3), ["one two", "three"]);
        assert_eq!(words("one two three four", 7, 2), ["one two", "three…"]);
        assert_eq!(words("abcdefghij", 4, 5), ["abcd", "efgh", "ij"]);
        assert_eq!(words("", 4, 2), [""]);
    }
}
