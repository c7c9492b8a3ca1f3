//! Audio meters: mic and speaker RMS bars with peak and peak hold, clip marks,
//! server VAD marks, and the audio edge's state (devices, mutes, push-to-talk,
//! half-duplex, echo, underruns).
//!
//! Meters must not keep an idle screen busy. Readings are quantized to what is
//! drawn (0.1 dB, everything under −60 dBFS is "<-60"), and [`MetersPane::wants_frame`]
//! says yes only when a new block would draw differently or a hold or clip mark is
//! still decaying. Time comes from `session.now_ms()`, never from a wall clock, so
//! a render is a pure function of the session, the cells and this pane's state.

mod bar;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph};
use ratatui::Frame;

use self::bar::{meter_line, scale_line, tenths, Reading, Tenths};
use super::wrap::{cut_to_width, str_width, wrap};
use crate::audio::levels::{Level, FLOOR_DBFS};
use crate::audio::meter::{LevelCell, Meters};
use crate::protocol::Direction;
use crate::tui::pane::{Pane, PaneCtx, PaneId, PaneReply};
use crate::tui::text::one_line;
use crate::tui::theme::Theme;

/// The held peak stays this long before it falls.
const HOLD_MS: u64 = 1500;
/// Then it falls at this rate towards the live peak.
const FALL_DB_PER_S: f32 = 20.0;
/// A peak at or above this is a clip …
const CLIP_DBFS: f32 = -0.1;
/// … and the mark stays this long after the last one.
const CLIP_LATCH_MS: u64 = 2000;
/// With no new block for this long, a meter reads silence (the audio stopped).
const STALE_MS: u64 = 500;
/// A speech timer with no `speech_stopped` animates no longer than this (a lost
/// event must not keep the screen busy forever).
const SPEECH_ANIMATE_MS: u64 = 60_000;

const SPEECH_STARTED: &str = "input_audio_buffer.speech_started";
const SPEECH_STOPPED: &str = "input_audio_buffer.speech_stopped";

/// What one meter showed at the last render, and the marks that outlive a block.
#[derive(Debug)]
struct MeterState {
    blocks: u64,
    /// When the block count last moved (session ms).
    fresh_ms: u64,
    /// The drawn (rms, peak), `None` before the first block.
    shown: Option<(Tenths, Tenths)>,
    hold_db: f32,
    hold_set_ms: u64,
    clip_until_ms: u64,
    /// Time alone will change the picture: a hold above the live peak, a clip
    /// mark, or a level that will read as silence once no block follows it.
    decaying: bool,
}

impl Default for MeterState {
    fn default() -> Self {
        MeterState {
            blocks: 0,
            fresh_ms: 0,
            shown: None,
            // Nothing held yet: a hold of 0 dBFS would draw a mark at the top.
            hold_db: FLOOR_DBFS,
            hold_set_ms: 0,
            clip_until_ms: 0,
            decaying: false,
        }
    }
}

impl MeterState {
    fn update(&mut self, cell: &LevelCell, now: u64) -> Option<Reading> {
        let blocks = cell.blocks();
        if blocks == 0 {
            *self = MeterState::default();
            return None;
        }
        // Only a new block is news: the cell keeps the last level when audio
        // stops, and a stale loud block must neither re-latch the clip mark nor
        // stand on screen forever.
        let fresh = blocks != self.blocks;
        self.blocks = blocks;
        if fresh {
            self.fresh_ms = now;
        }
        let stale = now.saturating_sub(self.fresh_ms) > STALE_MS;
        let level = if stale { Level::SILENCE } else { cell.load() };
        let (rms, peak) = (tenths(level.rms_dbfs), tenths(level.peak_dbfs));
        self.shown = Some((rms, peak));
        if fresh && level.peak_dbfs >= CLIP_DBFS {
            self.clip_until_ms = now + CLIP_LATCH_MS;
        }
        let since = now.saturating_sub(self.hold_set_ms);
        let held = if since <= HOLD_MS {
            self.hold_db
        } else {
            self.hold_db - FALL_DB_PER_S * (since - HOLD_MS) as f32 / 1000.0
        };
        let live = level.peak_dbfs.max(bar::SCALE_MIN_DBFS - 1.0);
        let held = if live >= held {
            self.hold_db = live;
            self.hold_set_ms = now;
            live
        } else {
            held
        };
        let hold = tenths(held);
        let clip = now < self.clip_until_ms;
        let audible = rms.is_some() || peak.is_some();
        self.decaying = clip || hold > peak || (audible && !stale);
        Some(Reading {
            rms,
            peak,
            hold: hold.max(peak),
            clip,
            dim: false,
        })
    }

    fn wants_frame(&self, cell: &LevelCell) -> bool {
        if self.decaying {
            return true;
        }
        let blocks = cell.blocks();
        if blocks == self.blocks {
            return false;
        }
        let level = cell.load();
        self.shown != Some((tenths(level.rms_dbfs), tenths(level.peak_dbfs)))
    }
}

/// The latest server VAD marks, found by reading only log entries not read before.
#[derive(Debug, Default)]
struct VadScan {
    scanned: usize,
    started_ms: Option<u64>,
    stopped_ms: Option<u64>,
    speaking: bool,
}

impl VadScan {
    fn update(&mut self, ctx: &PaneCtx) {
        let log = ctx.session.log();
        if log.len() < self.scanned {
            // A different session (a recording reopened): start over.
            *self = VadScan::default();
        }
        for e in (self.scanned..log.len()).filter_map(|seq| log.meta(seq)) {
            if e.dir != Direction::Server {
                continue;
            }
            if e.type_name == SPEECH_STARTED {
                self.started_ms = Some(e.at_ms);
                self.speaking = true;
            } else if e.type_name == SPEECH_STOPPED {
                self.stopped_ms = Some(e.at_ms);
                self.speaking = false;
            }
        }
        self.scanned = log.len();
    }
}

#[derive(Debug, Default)]
pub struct MetersPane {
    mic: MeterState,
    speaker: MeterState,
    vad: VadScan,
    last_now_ms: u64,
}

impl MetersPane {
    pub fn new() -> Self {
        Self::default()
    }

    /// True when drawing now would show something the last render did not: a
    /// block that reads differently, a hold or clip mark decaying, or a speech
    /// timer running. False for silent idle meters, so they cost no redraws.
    pub fn wants_frame(&self, meters: Option<&Meters>) -> bool {
        let speech_timer = self.vad.speaking
            && self
                .vad
                .started_ms
                .is_some_and(|t| self.last_now_ms.saturating_sub(t) < SPEECH_ANIMATE_MS);
        let Some(m) = meters else {
            return speech_timer;
        };
        speech_timer || self.mic.wants_frame(&m.mic) || self.speaker.wants_frame(&m.speaker)
    }

    fn lines(&mut self, ctx: &PaneCtx, width: usize, height: usize) -> Vec<Line<'static>> {
        let t = ctx.theme;
        let a = ctx.audio;
        let now = ctx.session.now_ms();
        self.last_now_ms = now;
        self.vad.update(ctx);
        let warn = Style::default()
            .fg(t.log_warning)
            .add_modifier(Modifier::BOLD);
        let vad = Style::default().fg(t.vad_mark).add_modifier(Modifier::BOLD);
        let dim = Style::default().fg(t.text_dim);

        let mut mic_flags = Vec::new();
        if a.mic_muted {
            mic_flags.push(("MIC MUTED", warn));
        }
        if a.talking {
            mic_flags.push(("TALKING (push-to-talk)", vad));
        }
        let mut spk_flags = Vec::new();
        if a.speaker_muted {
            spk_flags.push(("SPEAKER MUTED", warn));
        }

        let mut lines = Vec::new();
        let readings = match ctx.meters {
            Some(m) => {
                let mic = self.mic.update(&m.mic, now);
                let spk = self.speaker.update(&m.speaker, now);
                Some((mic, spk))
            }
            None => {
                lines.push(Line::styled("no audio", dim));
                None
            }
        };
        lines.push(header("mic", &a.input, &mic_flags, t, width));
        if let Some((mic, _)) = &readings {
            lines.push(reading_line(mic.as_ref(), a.mic_muted, t, width));
        }
        lines.push(header("speaker", &a.output, &spk_flags, t, width));
        if let Some((_, spk)) = &readings {
            lines.push(reading_line(spk.as_ref(), a.speaker_muted, t, width));
        }
        let scale_at = lines.len();
        lines.push(self.vad_line(ctx, width));
        if a.echo_suspected {
            let text = "mic follows speaker: use headphones or half-duplex (--half-duplex)";
            for row in wrap(text, width) {
                lines.push(Line::styled(row, warn));
            }
        }
        if a.half_duplex {
            lines.push(Line::styled(
                cut_to_width(
                    "half-duplex: the mic is closed while the model speaks",
                    width,
                ),
                Style::default().fg(t.text),
            ));
        }
        if a.underruns > 0 {
            let text = format!("playback underruns: {}", a.underruns);
            lines.push(Line::styled(cut_to_width(&text, width), warn));
        }
        // The scale goes under the bars only when every other line still fits.
        if readings.is_some() && lines.len() < height {
            if let Some(scale) = scale_line(t, width) {
                lines.insert(scale_at, scale);
            }
        }
        lines
    }

    fn vad_line(&self, ctx: &PaneCtx, width: usize) -> Line<'static> {
        let t = ctx.theme;
        let dim = Style::default().fg(t.text_dim);
        let mark = Style::default().fg(t.vad_mark).add_modifier(Modifier::BOLD);
        let label = Style::default().fg(t.text).add_modifier(Modifier::BOLD);
        let mut spans = vec![Span::styled("vad      ", label)];
        let v = &self.vad;
        match (v.speaking, v.started_ms, v.stopped_ms) {
            (true, Some(start), _) => {
                let secs = self.last_now_ms.saturating_sub(start) as f64 / 1000.0;
                spans.push(Span::styled(format!("speech ▶ {secs:.1}s"), mark));
            }
            (false, _, Some(stop)) => {
                spans.push(Span::styled("■ stopped", mark));
                if let Some(start) = v.started_ms.filter(|&s| s <= stop) {
                    let secs = (stop - start) as f64 / 1000.0;
                    spans.push(Span::styled(format!(" after {secs:.1}s of speech"), dim));
                }
            }
            _ if !ctx.session.config().turn_detection_on() => {
                spans.push(Span::styled("off (push-to-talk)", dim));
            }
            _ => spans.push(Span::styled("no speech yet", dim)),
        }
        fit_spans(spans, width)
    }
}

/// `mic      default (48000 Hz, 1 ch)  MIC MUTED`, the device text cut first.
fn header(
    label: &str,
    device: &str,
    flags: &[(&str, Style)],
    t: &Theme,
    width: usize,
) -> Line<'static> {
    let flags_w: usize = flags.iter().map(|(f, _)| 2 + str_width(f)).sum();
    let label = format!("{label:<9}");
    let room = width.saturating_sub(str_width(&label) + flags_w);
    let device = cut_to_width(&one_line(device, 200), room);
    let device_style = if device.starts_with("no ") {
        Style::default().fg(t.log_warning)
    } else {
        Style::default().fg(t.text_dim)
    };
    let mut spans = vec![
        Span::styled(
            label,
            Style::default().fg(t.text).add_modifier(Modifier::BOLD),
        ),
        Span::styled(device, device_style),
    ];
    for (flag, style) in flags {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(flag.to_string(), *style));
    }
    fit_spans(spans, width)
}

fn reading_line(r: Option<&Reading>, muted: bool, t: &Theme, width: usize) -> Line<'static> {
    match r {
        Some(r) => {
            let r = Reading { dim: muted, ..*r };
            fit_spans(meter_line(&r, t, width).spans, width)
        }
        None => Line::styled("  — no audio yet", Style::default().fg(t.text_dim)),
    }
}

/// Cuts a row of spans to `width` cells, so a narrow pane never wraps a meter.
fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut used = 0;
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        let w = s.width();
        if used + w <= width {
            used += w;
            out.push(s);
        } else {
            let text = cut_to_width(&s.content, width - used);
            if !text.is_empty() {
                out.push(Span::styled(text, s.style));
            }
            break;
        }
    }
    Line::from(out)
}

impl Pane for MetersPane {
    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx) {
        let t = ctx.theme;
        let border = if ctx.focused {
            t.border_focused
        } else {
            t.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .padding(Padding::horizontal(1))
            .border_style(Style::default().fg(border))
            .title(Span::styled(
                format!(" {} ", PaneId::Meters.title()),
                Style::default().fg(t.title),
            ));
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let lines = self.lines(ctx, usize::from(inner.width), usize::from(inner.height));
        f.render_widget(Paragraph::new(lines), inner);
    }

    fn on_key(&mut self, _key: KeyEvent, _ctx: &PaneCtx) -> PaneReply {
        // Mutes and push-to-talk are global bindings; the meters only show.
        PaneReply::Ignored
    }
}

#[cfg(test)]
mod tests;
