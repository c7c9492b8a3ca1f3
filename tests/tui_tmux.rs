//! The TUI in a real terminal: tmux runs `rtconsole --mock` in a shell, the test
//! types a message, waits for the reply in the transcript, quits with Ctrl-C and
//! checks the exit status and that the terminal's modes are as they were.

#[path = "support/tmux.rs"]
mod tmux;

use tmux::{wait_file, Tmux};

#[test]
fn type_a_message_see_the_reply_quit_and_the_terminal_is_restored() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A clean home: no user config, the log goes under it.
    let tmux = Tmux::start(d, 120, 40);
    let bin = env!("CARGO_BIN_EXE_rtconsole");
    let script = format!(
        "cd {dir}; stty -a > before.txt; {bin} --mock; echo EXIT=$? > exit.txt; stty -a > after.txt",
        dir = d.display()
    );
    tmux.run(&["send-keys", "-t", "t", &script, "Enter"]);
    tmux.wait_for("the TUI with an open session", |s| {
        s.contains("Composer") && s.contains("session.created")
    });
    tmux.run(&["send-keys", "-t", "t", "-l", "hello from tmux"]);
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
    let screen = tmux.wait_for("the mock's reply in the transcript", |s| {
        s.contains("response.done") && s.matches("hello from tmux").count() >= 2
    });
    assert!(
        screen.contains("You said") || screen.contains("I heard") || screen.contains("Got it"),
        "the reply text is on screen:\n{screen}"
    );
    tmux.run(&["send-keys", "-t", "t", "C-c"]);
    let exit = wait_file(&d.join("exit.txt"));
    assert_eq!(exit.trim(), "EXIT=0");
    let before = std::fs::read_to_string(d.join("before.txt")).unwrap();
    let after = wait_file(&d.join("after.txt"));
    assert_eq!(before, after, "terminal modes differ after quitting");
    let shell_screen = tmux.wait_for("the shell back on the primary screen", |s| {
        !s.contains("Composer")
    });
    assert!(!shell_screen.contains("Transcript"), "{shell_screen}");
}
