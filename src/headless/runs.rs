//! `rtconsole run` over several scripts and repeated runs: which scripts, how many
//! runs at a time, one embedded mock per script shared by its runs, then the
//! tally, the gates that decide the exit status, the table on stderr and the
//! report files. One script played once behaves as it always has.

mod gates;
mod junit;
mod progress;
mod record;
mod report_json;
mod table;
mod tally;
mod targets;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::Instant;

use futures_util::stream::{self, StreamExt};

use super::runner::{self, Play, Played, RecordTo, USAGE};
use super::setup::{self, SetupError};
use crate::cli::{RunArgs, DEFAULT_P95_METRIC};
use crate::mock::MockServer;
use crate::protocol::Dialect;
use crate::session::summary::one_line;
use crate::signals::Stop;
use crate::transport::link::setup as link_setup;
use crate::transport::link::SharedMock;
use gates::Status;
use record::{RunRecord, Verdict};
use tally::ScriptTally;

pub async fn run(args: &RunArgs, token_url: Option<&str>, dialect: Dialect) -> u8 {
    let scripts = match targets::expand(&args.scripts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rtconsole run: {e}");
            return USAGE;
        }
    };
    if scripts.len() == 1 && args.repeat.runs == 1 {
        return single(args, token_url, dialect, &scripts[0]).await;
    }
    match many(args, token_url, dialect, &scripts).await {
        Ok(code) => code,
        Err(SetupError(message)) => {
            eprintln!("rtconsole run: {message}");
            USAGE
        }
    }
}

/// One script, once: the events on stdout (or `--record FILE`), the summary and
/// the verdict on stderr, as always; gates and reports only when asked for.
async fn single(args: &RunArgs, token_url: Option<&str>, dialect: Dialect, script: &Path) -> u8 {
    let started = Instant::now();
    let play = Play {
        script,
        record: args.record.clone().map_or(RecordTo::Stdout, RecordTo::File),
        shared_mock: None,
        quiet: false,
    };
    let played = match runner::play(args, token_url, dialect, play).await {
        Ok(p) => p,
        Err(SetupError(message)) => {
            eprintln!("rtconsole run: {message}");
            return USAGE;
        }
    };
    let r = &args.repeat;
    let asked = r.min_pass_rate.is_some()
        || !r.max_p95.is_empty()
        || r.junit.is_some()
        || r.report.is_some();
    let code = played.code;
    if !asked {
        return code;
    }
    let steps = step_lines(script, args.fast, dialect).unwrap_or_default();
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    let mut record = RunRecord::from_played(1, played, &steps, elapsed);
    record.recording = args.record.clone();
    let tallies = vec![ScriptTally::new(
        script.display().to_string(),
        &steps,
        vec![record],
    )];
    let verdict = conclude(args, &tallies, false);
    // A connection error or a signal keeps its own status; gates decide between 0 and 1.
    match (code, verdict) {
        (0 | 1, Ok(gates_met)) => u8::from(!gates_met),
        (0 | 1, Err(())) => USAGE,
        (other, _) => other,
    }
}

/// A script ready to be played several times.
struct Prepared {
    path: PathBuf,
    name: String,
    /// For recordings: `DIR/<stem>-runNN.jsonl`.
    stem: String,
    steps: Vec<(usize, String)>,
    mock: Option<MockServer>,
}

async fn many(
    args: &RunArgs,
    token_url: Option<&str>,
    dialect: Dialect,
    scripts: &[PathBuf],
) -> Result<u8, SetupError> {
    refuse_single_run_options(args)?;
    let mut prepared = Vec::new();
    for path in scripts {
        prepared.push(prepare(args, dialect, path, &prepared).await?);
    }
    if let Some(dir) = &args.record {
        std::fs::create_dir_all(dir).map_err(|e| {
            SetupError(format!("--record {}: with several runs it names a directory, and it cannot be created: {e}", dir.display()))
        })?;
    }
    let runs = args.repeat.runs as usize;
    let width = runs.to_string().len();
    let jobs: Vec<(usize, usize)> = (0..prepared.len())
        .flat_map(|s| (1..=runs).map(move |r| (s, r)))
        .collect();
    let bar = progress::Progress::new(jobs.len() as u64);
    let mut signals = crate::signals::StopSignals::listen();
    let stop: Cell<Option<Stop>> = Cell::new(None);
    let shared: Vec<Option<SharedMock>> = prepared
        .iter()
        .map(|p| p.mock.as_ref().map(SharedMock::of))
        .collect();
    let mut results: Vec<Vec<RunRecord>> = prepared.iter().map(|_| Vec::new()).collect();
    {
        let prepared = &prepared;
        let (stop, shared, bar) = (&stop, &shared, &bar);
        let plays = stream::iter(jobs)
            .map(|(s, r)| async move {
                // After a signal, the runs not yet started are not started.
                if stop.get().is_some() {
                    return None;
                }
                let p = &prepared[s];
                let recording = args
                    .record
                    .as_ref()
                    .map(|dir| dir.join(format!("{}-run{r:0width$}.jsonl", p.stem)));
                let play = Play {
                    script: &p.path,
                    record: recording.clone().map_or(RecordTo::Nowhere, RecordTo::File),
                    shared_mock: shared[s].clone(),
                    quiet: true,
                };
                let started = Instant::now();
                let played = runner::play(args, token_url, dialect, play)
                    .await
                    .unwrap_or_else(|SetupError(m)| Played {
                        code: USAGE,
                        outcome: None,
                        stopped: Some(m),
                        signal: None,
                        line: None,
                        metrics: Vec::new(),
                    });
                if let Some(sig) = played.signal {
                    stop.set(Some(sig));
                }
                let elapsed = started.elapsed().as_secs_f64() * 1e3;
                let mut record = RunRecord::from_played(r, played, &p.steps, elapsed);
                record.recording = recording.filter(|f| f.exists());
                if let Some(f) = record
                    .failure
                    .as_ref()
                    .filter(|_| record.verdict != Verdict::Passed)
                {
                    bar.println(one_line(
                        &format!(
                            "{} run {r}: {}: {}: {}",
                            p.name,
                            record.verdict.as_str(),
                            f.headline(),
                            f.message
                        ),
                        240,
                    ));
                }
                bar.inc();
                Some((s, record))
            })
            .buffer_unordered(args.repeat.jobs as usize);
        tokio::pin!(plays);
        loop {
            tokio::select! {
                next = plays.next() => match next {
                    Some(Some((s, record))) => results[s].push(record),
                    Some(None) => {}
                    None => break,
                },
                sig = signals.recv() => stop.set(Some(sig)),
            }
        }
    }
    bar.finish();
    for p in &mut prepared {
        if let Some(m) = p.mock.take() {
            m.shutdown().await;
        }
    }
    let tallies: Vec<ScriptTally> = prepared
        .iter()
        .zip(results)
        .map(|(p, runs)| ScriptTally::new(p.name.clone(), &p.steps, runs))
        .collect();
    let verdict = conclude(args, &tallies, true);
    if let Some(sig) = stop.get() {
        eprintln!(
            "rtconsole run: stopped by {}; the runs not yet started were not played",
            sig.name()
        );
        return Ok(sig.exit_code());
    }
    let all: Vec<&RunRecord> = tallies.iter().flat_map(|t| &t.runs).collect();
    if all.iter().all(|r| r.verdict == Verdict::Error) {
        eprintln!("rtconsole run: no run reached a verdict (each ended with a connection or setup error, above); nothing was tested");
        return Ok(USAGE);
    }
    Ok(match verdict {
        Ok(true) => runner::PASSED,
        Ok(false) => runner::FAILED,
        Err(()) => USAGE,
    })
}

/// Options that name one file, or one call, do not fit several runs.
fn refuse_single_run_options(args: &RunArgs) -> Result<(), SetupError> {
    if args.output.is_some() {
        return Err(SetupError(
            "--output writes one WAV file: use it with a single script and --runs 1".into(),
        ));
    }
    if args.output_stereo.is_some() {
        return Err(SetupError(
            "--output-stereo writes one WAV file: use it with a single script and --runs 1".into(),
        ));
    }
    if args.attach.is_some() {
        return Err(SetupError(
            "--attach watches one call: use it with a single script and --runs 1".into(),
        ));
    }
    if let Some(dir) = args.record.as_ref().filter(|d| d.is_file()) {
        return Err(SetupError(format!(
            "--record {}: with several runs --record names a directory (one recording per run), and this is a file",
            dir.display()
        )));
    }
    Ok(())
}

/// Reads the script (a usage error stops everything before any run) and starts the
/// mock its runs share.
async fn prepare(
    args: &RunArgs,
    dialect: Dialect,
    path: &Path,
    before: &[Prepared],
) -> Result<Prepared, SetupError> {
    let loaded = setup::load(path, args.fast, dialect)?;
    let name = path.display().to_string();
    if !args.connect.mock {
        if let Some(refusal) = loaded.script.real_server_refusal() {
            return Err(SetupError(format!("{name}: {refusal}")));
        }
    }
    let base = path
        .file_stem()
        .map_or("script".into(), |s| s.to_string_lossy().into_owned());
    let stem = if before.iter().any(|p| p.stem == base) {
        format!("{base}-{}", before.len() + 1)
    } else {
        base
    };
    let mock = if args.connect.mock {
        let config = link_setup::mock_config(
            &args.connect,
            loaded.script.dialect,
            loaded.script.scenario.as_ref(),
        )
        .map_err(|SetupError(e)| SetupError(format!("{name}: {e}")))?;
        Some(MockServer::start(config).await?)
    } else {
        None
    };
    Ok(Prepared {
        path: path.to_path_buf(),
        name,
        stem,
        steps: steps_of(&loaded),
        mock,
    })
}

fn steps_of(loaded: &setup::Loaded) -> Vec<(usize, String)> {
    loaded
        .script
        .steps
        .iter()
        .map(|l| (l.line, l.step.to_string()))
        .collect()
}

fn step_lines(
    path: &Path,
    fast: bool,
    dialect: Dialect,
) -> Result<Vec<(usize, String)>, SetupError> {
    setup::load(path, fast, dialect).map(|l| steps_of(&l))
}

/// The table (with several runs), the gates and the report files. `Ok(true)` when
/// every gate is met; `Err` when a report could not be written.
fn conclude(args: &RunArgs, tallies: &[ScriptTally], table: bool) -> Result<bool, ()> {
    let r = &args.repeat;
    if table {
        eprint!("{}", table::render(tallies, DEFAULT_P95_METRIC));
    }
    let results = gates::check(tallies, r.min_pass_rate, &r.max_p95);
    for g in results.iter().filter(|g| g.status == Status::Failed) {
        let mut line = format!("gate failed: {}", g.describe());
        if g.script.is_none() {
            line.push_str(&format!(
                "; measured: {}",
                gates::known_metrics(tallies).join(", ")
            ));
        }
        eprintln!("{line}");
    }
    let met = results.iter().all(|g| g.status != Status::Failed);
    let mut written = true;
    if let Some(path) = &r.junit {
        written &= write(path, "--junit", junit::render(tallies));
    }
    if let Some(path) = &r.report {
        let settings = report_json::Settings {
            runs: r.runs,
            jobs: r.jobs,
            seed: args.connect.seed,
            mock: args.connect.mock,
        };
        let value = report_json::render(tallies, &results, &settings);
        let text = serde_json::to_string_pretty(&value).expect("a JSON value serializes") + "\n";
        written &= write(path, "--report", text);
    }
    if written {
        Ok(met)
    } else {
        Err(())
    }
}

fn write(path: &Path, option: &str, text: String) -> bool {
    match std::fs::write(path, text) {
        Ok(()) => true,
        Err(e) => {
            eprintln!(
                "rtconsole run: {option} {}: cannot write the report: {e} (choose another path)",
                path.display()
            );
            false
        }
    }
}
