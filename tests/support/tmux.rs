//! A private tmux server for tests that drive the TUI in a real terminal.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Owns a private tmux server; killing it on drop stops everything it started.
pub struct Tmux {
    pub socket: PathBuf,
}

impl Tmux {
    /// A private server in `dir` with one `width`×`height` window (target `t`)
    /// running a clean shell: no user config, `dir` as its home (the log goes there).
    pub fn start(dir: &Path, width: u16, height: u16) -> Tmux {
        let tmux = Tmux {
            socket: dir.join("tmux.sock"),
        };
        let shell = format!(
            "env -i PATH=/usr/bin:/bin HOME={home} TERM=xterm-256color bash --norc --noprofile",
            home = dir.display()
        );
        let (w, h) = (width.to_string(), height.to_string());
        tmux.run(&["new-session", "-d", "-s", "t", "-x", &w, "-y", &h, &shell]);
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed (apt-get install tmux)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    /// Polls the screen until `pred` holds; the bound only stops a hung test.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("waited 60 s for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

pub fn wait_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(s) = std::fs::read_to_string(path) {
            if s.ends_with('\n') {
                return s;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} was never written", path.display());
}
