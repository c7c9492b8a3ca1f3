//! Build facts for `rtconsole --version`: the git commit (when the source is a git
//! checkout and git is installed, else "unknown"), the target triple and the build
//! profile.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // Rebuild the version when HEAD moves: a checkout, a commit on the branch, or
    // refs packed by git gc. Paths come from git, so worktrees work too.
    // A path that does not exist would rerun this script on every build.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(p) = git(&["rev-parse", "--git-path", &name]) {
            if std::path::Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=RTCONSOLE_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=RTCONSOLE_TARGET={target}");
    println!("cargo:rustc-env=RTCONSOLE_PROFILE={profile}");
}
