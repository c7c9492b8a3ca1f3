//! "Did you mean …" suggestions by edit distance.
//!
//! Hand-typed JSON mostly fails by a typo, a `_` for a `.`, or a missing letter, so the
//! closest valid name is usually what the user meant. Suggestions that are too far away
//! are worse than none, hence the distance cap.

/// Edit distance over chars (insert, delete, substitute, swap two neighbours), ignoring
/// case: `Voice`, `voise` and `vocie` are all one slip away from `voice`. `None` when it
/// is over `limit`.
///
/// The candidates are short names, but the word comes from a file, a text box or a
/// server and may be any length; a distance is at least the difference in length, so
/// checking that first keeps a long word from costing its length times each name's.
pub(crate) fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().flat_map(char::to_lowercase).collect();
    let longest = b.len() + limit;
    // Lowercasing never shortens, and counting is far cheaper than lowercasing.
    if a.chars().count() > longest {
        return None;
    }
    let a: Vec<char> = a
        .chars()
        .flat_map(char::to_lowercase)
        .take(longest + 1)
        .collect();
    if a.len() > longest || b.len() > a.len() + limit {
        return None;
    }
    // d[i][j] = distance between a[..i] and b[..j]; three rows suffice for the swap case.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
///
/// A candidate that starts or ends with `word` also counts (`near` → `near_field`,
/// `logprobs` → `item.input_audio_transcription.logprobs`): a shortened name is as
/// likely a slip as a typo. Ties go to the earlier candidate, so tables
/// list the common names first.
pub(crate) fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let abbreviates =
            word.chars().count() >= 3 && (candidate.starts_with(word) || candidate.ends_with(word));
        let d = if abbreviates {
            1
        } else {
            match edit_distance_within(word, candidate, limit) {
                Some(d) => d,
                None => continue,
            }
        };
        if d == 0 {
            continue;
        }
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `"a", "b" or "c"`: how a list of valid names reads inside a message.
pub(crate) fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_single_edits() {
        let edit_distance = |a, b| edit_distance_within(a, b, 10).unwrap();
        assert_eq!(edit_distance("voice", "voice"), 0);
        assert_eq!(edit_distance("voise", "voice"), 1);
        assert_eq!(edit_distance("session_update", "session.update"), 1);
        assert_eq!(edit_distance("Voice", "voice"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("vocie", "voice"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn distance_over_the_limit_is_none() {
        assert_eq!(edit_distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance_within("kitten", "sitting", 2), None);
        assert_eq!(edit_distance_within("abc", "", 2), None);
        assert_eq!(edit_distance_within("", "abc", 2), None);
        // Decided by the lengths alone: a word far longer than every name is never a
        // typo of one, however generous the limit.
        let long = "x".repeat(100_000);
        assert_eq!(edit_distance_within(&long, "voice", 1000), None);
        assert_eq!(edit_distance_within("voice", &long, 1000), None);
    }

    #[test]
    fn closest_suggests_a_near_typo_and_nothing_for_nonsense() {
        let names = ["session.update", "response.create", "response.cancel"];
        assert_eq!(closest("response.creat", names), Some("response.create"));
        assert_eq!(closest("scooby.dooby.doo", names), None);
        assert_eq!(
            closest("near", ["near_field", "far_field"]),
            Some("near_field")
        );
        let include = "item.input_audio_transcription.logprobs";
        assert_eq!(closest("logprobs", [include]), Some(include));
    }

    #[test]
    fn quoted_list_reads_like_prose() {
        assert_eq!(quoted_list(&["a"]), "\"a\"");
        assert_eq!(quoted_list(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
