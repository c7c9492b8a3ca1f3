//! Which scripts `rtconsole run` plays: each argument is a file, a directory (its
//! `*.rtc` files, sorted) or a glob (expanded here, so a quoted one works the same
//! on every shell). A path that exists is taken as it is, even with `*` in its name.

use std::path::{Path, PathBuf};

/// The scripts, in the order given, each directory's and glob's sorted; the same
/// file named twice is played once.
pub fn expand(args: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut out: Vec<PathBuf> = Vec::new();
    for arg in args {
        let found = expand_one(arg)?;
        for p in found {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

fn expand_one(arg: &str) -> Result<Vec<PathBuf>, String> {
    let path = Path::new(arg);
    if path.is_dir() {
        let mut scripts: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot list the directory {arg}: {e}"))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rtc"))
            .collect();
        scripts.sort();
        if scripts.is_empty() {
            return Err(format!(
                "the directory {arg} holds no .rtc script: name the scripts, or a glob like '{arg}/*.jsonl' for recordings"
            ));
        }
        return Ok(scripts);
    }
    if path.exists() || !arg.contains(['*', '?', '[']) {
        // A missing plain path is reported when the script is read, as before.
        return Ok(vec![path.to_path_buf()]);
    }
    let pattern =
        glob::Pattern::new(arg).map_err(|e| format!("`{arg}` is not a valid glob: {e}"))?;
    let mut scripts: Vec<PathBuf> = glob::glob(pattern.as_str())
        .map_err(|e| format!("`{arg}` is not a valid glob: {e}"))?
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    scripts.sort();
    if scripts.is_empty() {
        return Err(format!(
            "no file matches `{arg}`: check the pattern (it is expanded by rtconsole, relative to {})",
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| "the current directory".into())
        ));
    }
    Ok(scripts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, "sleep 1ms\n").unwrap();
        p
    }

    #[test]
    fn directories_give_their_scripts_sorted_and_globs_expand() {
        let dir = tempfile::tempdir().unwrap();
        let b = touch(dir.path(), "b.rtc");
        let a = touch(dir.path(), "a.rtc");
        touch(dir.path(), "notes.txt");
        let rec = touch(dir.path(), "r.jsonl");
        let d = dir.path().display().to_string();
        assert_eq!(
            expand(std::slice::from_ref(&d)).unwrap(),
            [a.clone(), b.clone()]
        );
        let glob = format!("{d}/*.jsonl");
        assert_eq!(expand(&[glob]).unwrap(), std::slice::from_ref(&rec));
        // In the order given, each named once.
        let both = [
            rec.display().to_string(),
            d.clone(),
            a.display().to_string(),
        ];
        assert_eq!(expand(&both).unwrap(), [rec, a, b]);
    }

    #[test]
    fn empty_matches_are_errors_that_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        assert!(expand(std::slice::from_ref(&d))
            .unwrap_err()
            .contains("no .rtc script"));
        let e = expand(&[format!("{d}/*.rtc")]).unwrap_err();
        assert!(e.contains("no file matches"), "{e}");
        // A plain missing path passes through, to be reported when read.
        let missing = format!("{d}/missing.rtc");
        assert_eq!(
            expand(std::slice::from_ref(&missing)).unwrap(),
            [PathBuf::from(missing)]
        );
    }
}
