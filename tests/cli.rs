//! The binary's surface: help and version work; problems found before the TUI starts
//! are plain messages with exit status 2.

use std::process::Command;

fn rtconsole(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn version_and_help_work() {
    let v = rtconsole(&["--version"]);
    assert!(v.status.success());
    // rtconsole 0.1.0 (commit 1a2b3c4, x86_64-unknown-linux-gnu, debug)
    let line = String::from_utf8_lossy(&v.stdout).trim().to_string();
    let re = regex::Regex::new(
        r"^rtconsole (\S+) \(commit ([0-9a-f]{7,}|unknown), (\S+-\S+), (debug|release)\)$",
    )
    .unwrap();
    let caps = re.captures(&line).unwrap_or_else(|| panic!("{line}"));
    assert_eq!(&caps[1], env!("CARGO_PKG_VERSION"));
    assert!(caps[3].contains(std::env::consts::ARCH), "{line}");
    let h = rtconsole(&["--help"]);
    assert!(h.status.success());
    let help = String::from_utf8_lossy(&h.stdout);
    for cmd in [
        "run",
        "mock",
        "open",
        "devices",
        "--mock",
        "--token-url",
        "--dialect",
        "completions",
        "man",
        "config",
    ] {
        assert!(help.contains(cmd), "help lacks {cmd}:\n{help}");
    }
}

#[test]
fn problems_found_before_the_screen_goes_up_are_plain_messages_with_exit_2() {
    // No key: say which variable, and offer the mock.
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OPENAI_API_KEY") && err.contains("--mock"),
        "{err}"
    );

    let out = rtconsole(&["open", "/nonexistent/x.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/x.jsonl"), "{err}");

    let out = rtconsole(&["--mock", "--theme", "solarized"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown theme") && err.contains("high-contrast"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[keys]\nrespond = \"f12\"\n").unwrap();
    let out = rtconsole(&["--mock", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown action `respond`"), "{err}");
}

#[test]
fn devices_lists_honestly_without_alsa_noise() {
    let out = rtconsole(&["devices"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("ALSA lib"),
        "alsa-lib chatter reached stderr: {err}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.to_lowercase().contains("input") && text.to_lowercase().contains("output"),
        "{text}"
    );
}

#[test]
fn a_bad_dialect_is_a_usage_error_that_names_the_choices() {
    let out = rtconsole(&["--dialect", "v2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ga") && err.contains("beta"), "{err}");
}

#[test]
fn mock_prints_its_url_and_key_then_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let mut child = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["mock", "--key", "sk-mock-cli-test"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with("rtconsole mock serving http://127.0.0.1:"),
        "{first}"
    );
    assert!(first.ends_with("/v1 (ga dialect)"), "{first}");
    assert_eq!(second, "standard key: sk-mock-cli-test");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "SIGTERM is a clean stop");
}

#[test]
fn mock_with_a_broken_scenario_names_the_problem_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[[fault]]\nafter_events = 1\naction = \"explode\"\n").unwrap();
    let out = rtconsole(&["mock", "--scenario", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("explode"), "{err}");
}

#[test]
fn completions_generate_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _rtconsole"),
        ("zsh", "#compdef rtconsole"),
        ("fish", "complete -c rtconsole"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = rtconsole(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}: no {marker:?}");
        // Subcommands and options are completed.
        for word in ["devices", "mock", "base-url", "theme"] {
            assert!(text.contains(word), "{shell} lacks {word}");
        }
    }
    let out = rtconsole(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}

#[test]
fn man_pages_generate_for_the_command_and_each_subcommand() {
    let out = rtconsole(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH rtconsole 1"), "{page}");
    assert!(
        page.contains(".SH OPTIONS") && page.contains("\\-\\-mock"),
        "{page}"
    );
    for sub in rtconsole::commands::completions::man_subcommands() {
        let out = rtconsole(&["man", &sub]);
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let page = String::from_utf8_lossy(&out.stdout);
        assert!(
            page.contains(&format!(".TH rtconsole-{sub} 1")),
            "{sub}: {page}"
        );
        let source = format!("\"rtconsole {}\"", env!("CARGO_PKG_VERSION"));
        assert!(page.contains(&source), "{sub}: {page}");
        // The main page points to it.
        assert!(
            String::from_utf8_lossy(&rtconsole(&["man"]).stdout)
                .contains(&format!("rtconsole\\-{sub}(1)")),
            "{sub}"
        );
    }
    let out = rtconsole(&["man", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run, mock"));
}

#[test]
fn the_deb_ships_a_man_page_for_every_subcommand() {
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    // The loop that writes rtconsole-$sub.1 for the package.
    let line = ci
        .lines()
        .find(|l| l.starts_with("for sub in "))
        .expect(".ci/run has a `for sub in …` loop over the man pages");
    let listed: Vec<&str> = line
        .trim_start_matches("for sub in ")
        .trim_end_matches("; do")
        .split_whitespace()
        .collect();
    assert_eq!(
        listed,
        rtconsole::commands::completions::man_subcommands(),
        ".ci/run must generate rtconsole-NAME.1 for every subcommand"
    );
}

#[test]
fn config_prints_the_effective_configuration_and_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[colors]\nlog_error = \"#ff0000\"\n[keys]\nresponse_create = \"ctrl-g\"\n\
         [prices.models.\"gpt-realtime-2\"]\ntext_output = 30\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["--config", cfg.to_str().unwrap(), "config"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let from = format!("# from {}", cfg.display());
    assert!(
        text.contains(&format!("# config file: {}", cfg.display())),
        "{text}"
    );
    assert!(
        text.contains("# theme:       dark (embedded themes/dark.toml)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("log_error = \"#ff0000\"   {from}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("response_create = \"ctrl-g\"   {from}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("[prices.models.\"gpt-realtime-2\"]   {from}")),
        "{text}"
    );
    assert!(text.contains("text_output = 30.0"), "{text}");
    assert!(
        text.contains("[prices.models.\"gpt-realtime-2.1-mini\"]"),
        "{text}"
    );
    assert!(text.contains("as_of = \"2026-12"), "{text}");

    // A bad config is refused with its cause.
    std::fs::write(&cfg, "[prices.models.x]\ntext_inptu = 1\n").unwrap();
    let out = rtconsole(&["--config", cfg.to_str().unwrap(), "config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("loading the configuration") && err.contains("text_inptu"),
        "{err}"
    );
}

#[test]
fn the_tui_without_a_terminal_says_to_use_run() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("r.jsonl");
    std::fs::write(
        &rec,
        concat!(
            r#"{"rtconsole_recording":1,"tool":"rtconsole","version":"0.1.0","started_at":"2026-11-21T08:05:00.123Z","endpoint":null,"model":"gpt-realtime","dialect":"ga","call_id":null}"#,
            "\n"
        ),
    )
    .unwrap();
    for args in [vec!["--mock"], vec!["open", rec.to_str().unwrap()]] {
        // stdin and stdout are pipes here, as in CI.
        let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("the TUI needs a terminal") && err.contains("rtconsole run SCRIPT"),
            "{args:?}: {err}"
        );
        assert!(!err.to_lowercase().contains("raw mode"), "{err}");
        assert!(out.stdout.is_empty(), "nothing drawn on a pipe");
    }
}

#[test]
fn openai_base_url_is_the_default_base_url_and_the_flag_wins() {
    use rtconsole::mock::{MockConfig, MockServer};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt
        .block_on(MockServer::start(MockConfig::default()))
        .unwrap();
    let (base, key) = (server.base_url(), server.key().to_string());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/scripts/text_turn.rtc"
    );
    let nothing_there = "http://127.0.0.1:9/v1";
    for (env_url, flag) in [(base.as_str(), None), (nothing_there, Some(base.as_str()))] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtconsole"));
        cmd.arg("run").arg(script);
        if let Some(url) = flag {
            cmd.args(["--base-url", url]);
        }
        let out = cmd
            .env("OPENAI_BASE_URL", env_url)
            .env("OPENAI_API_KEY", &key)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "OPENAI_BASE_URL={env_url} --base-url {flag:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    rt.block_on(server.shutdown());
}
