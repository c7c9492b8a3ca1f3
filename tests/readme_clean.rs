//! The docs hold no pasted test output. A failed `cargo test` once left a stack
//! trace in the middle of the README's key table; this test names the file, the
//! line and the kind of paste, so the next one is caught before it is pushed.

use std::path::{Path, PathBuf};

use regex::Regex;

/// Lines that only test runs, panics and backtraces print.
fn paste_patterns() -> Vec<(&'static str, Regex)> {
    [
        ("a backtrace header", r"^\s*stack backtrace:\s*$"),
        ("a panic message", r"panicked at "),
        (
            "a path into the compiler's sources",
            r"/rustc/[0-9a-f]{40}/",
        ),
        (
            "the backtrace hint",
            r"RUST_BACKTRACE=full|for a verbose backtrace",
        ),
        ("a backtrace frame", r"^\s*\d+: [\w:<>{} ]+$"),
        ("a backtrace location", r"^\s+at \S+\.rs:\d+:\d+\s*$"),
        ("a test summary", r"test result: (ok|FAILED)\."),
        (
            "a test runner line",
            r"^running \d+ tests?$|^test \S+ \.\.\. (ok|FAILED|ignored)$",
        ),
        (
            "cargo's failure line",
            r"^error: test failed, to rerun pass",
        ),
    ]
    .into_iter()
    .map(|(what, re)| (what, Regex::new(re).unwrap()))
    .collect()
}

/// `(line number, what it looks like, the line)` for every pasted-looking line.
fn pasted_lines(text: &str) -> Vec<(usize, &'static str, String)> {
    let patterns = paste_patterns();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((what, _)) = patterns.iter().find(|(_, re)| re.is_match(line)) {
            out.push((i + 1, *what, line.to_string()));
        }
    }
    out
}

/// The Markdown files of the repository (not build output or VCS data).
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                markdown_files(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

#[test]
fn the_docs_hold_no_pasted_test_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    markdown_files(root, &mut files);
    assert!(files.iter().any(|f| f.ends_with("README.md")), "{files:?}");
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, what, line) in pasted_lines(&text) {
            found.push(format!(
                "{}:{n}: {what}: {line}",
                f.strip_prefix(root).unwrap_or(f).display()
            ));
        }
    }
    assert!(
        found.is_empty(),
        "pasted test output in the docs; remove it:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_catches_the_paste_it_was_written_for() {
    // The shape of what was pasted into the README, built from pieces.
    let hash = "59807616e1fa2540724bfbac14d7976d7e4a3860";
    let paste = [
        "| Composer | `Esc` | clear the composer |".to_string(),
        format!("stack {}:", "backtrace"),
        "   0: __rustc::rust_begin_unwind".to_string(),
        format!("             at /rustc/{hash}/library/std/src/panicking.rs:689:5"),
        "   2: readme_keys::the_readme_lists_every_binding".to_string(),
        "             at ./tests/readme_keys.rs:29:5".to_string(),
        format!("note: run with `RUST_BACKTRACE={}` for details", "full"),
        format!("thread 'main' {} at tests/x.rs:1:1:", "panicked"),
        format!("test {}: FAILED. 0 passed; 1 failed", "result"),
        "### Configuration and themes".to_string(),
    ]
    .join("\n");
    let found = pasted_lines(&paste);
    let lines: Vec<usize> = found.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9], "{found:#?}");
    // Ordinary prose and tables are not flagged.
    let prose = "Run the tests with `cargo test`.\n| a | b |\n1. first step\n   at the start";
    assert!(pasted_lines(prose).is_empty(), "{:#?}", pasted_lines(prose));
}
