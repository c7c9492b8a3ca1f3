//! Drawing one meter row and the dBFS scale under it. Pure functions of the
//! quantized readings, so the same readings always draw the same cells (the pane's
//! "did anything visible change" test relies on it).

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;

/// The meter scale, dBFS. Below the bottom reads as silence.
pub(super) const SCALE_MIN_DBFS: f32 = -60.0;
/// Zone edges: above these the bar turns mid, then high.
const MID_DBFS: f32 = -18.0;
const HIGH_DBFS: f32 = -6.0;
/// Cells right of the bar: ` -23.4 pk -12.1 CLIP`.
pub(super) const READOUT_W: usize = 20;

/// A reading in tenths of a dB, `None` below the scale: what the screen shows, so
/// noise wandering between −70 and −90 dBFS looks (and compares) the same.
pub(super) type Tenths = Option<i32>;

pub(super) fn tenths(dbfs: f32) -> Tenths {
    if dbfs.is_finite() && dbfs >= SCALE_MIN_DBFS {
        Some((dbfs * 10.0).round() as i32)
    } else {
        None
    }
}

fn db(t: Tenths) -> f32 {
    t.map_or(SCALE_MIN_DBFS - 1.0, |t| t as f32 / 10.0)
}

fn readout(t: Tenths) -> String {
    match t {
        None => "<-60".into(),
        Some(t) if t > 0 => format!("+{:.1}", t as f32 / 10.0),
        Some(t) => format!("{:.1}", t as f32 / 10.0),
    }
}

/// What one meter row shows.
pub(super) struct Reading {
    pub rms: Tenths,
    pub peak: Tenths,
    /// The held peak (≥ `peak` while holding or falling).
    pub hold: Tenths,
    pub clip: bool,
    /// Muted: drawn dim, the levels still visible.
    pub dim: bool,
}

fn zone(theme: &Theme, dbfs: f32) -> Color {
    if dbfs >= HIGH_DBFS {
        theme.meter_high
    } else if dbfs >= MID_DBFS {
        theme.meter_mid
    } else {
        theme.meter_low
    }
}

/// Which of `cells` a level falls in: the cell index whose span contains it.
fn cell_of(dbfs: f32, cells: usize) -> Option<usize> {
    if dbfs < SCALE_MIN_DBFS || cells == 0 {
        return None;
    }
    let frac = ((dbfs - SCALE_MIN_DBFS) / -SCALE_MIN_DBFS).clamp(0.0, 1.0);
    Some(((frac * cells as f32).ceil() as usize).clamp(1, cells) - 1)
}

/// `  ██████▒▒▒····│·····  -23.4 pk -12.1 CLIP`: the RMS as a solid bar, the
/// peak as a shaded run past it, the held peak as a mark.
pub(super) fn meter_line(r: &Reading, theme: &Theme, width: usize) -> Line<'static> {
    let bar_w = width.saturating_sub(2 + READOUT_W);
    let dim = Style::default().fg(theme.text_dim);
    let colour = |c: Color| if r.dim { dim } else { Style::default().fg(c) };
    let mut spans = vec![Span::raw("  ")];
    if bar_w >= 4 {
        let rms = cell_of(db(r.rms), bar_w);
        let peak = cell_of(db(r.peak), bar_w);
        let hold = cell_of(db(r.hold), bar_w);
        for i in 0..bar_w {
            let cell_db = SCALE_MIN_DBFS + (i as f32 + 0.5) / bar_w as f32 * -SCALE_MIN_DBFS;
            let (sym, style) = if Some(i) == hold && hold > rms {
                let c = if r.clip {
                    theme.meter_clip
                } else {
                    zone(theme, cell_db)
                };
                ("│", colour(c).add_modifier(Modifier::BOLD))
            } else if rms.is_some_and(|x| i <= x) {
                ("█", colour(zone(theme, cell_db)))
            } else if peak.is_some_and(|x| i <= x) {
                ("▒", colour(zone(theme, cell_db)))
            } else {
                ("·", dim)
            };
            spans.push(Span::styled(sym, style));
        }
    }
    let text = Style::default().fg(if r.dim { theme.text_dim } else { theme.text });
    spans.push(Span::styled(format!(" {:>5}", readout(r.rms)), text));
    spans.push(Span::styled(" pk ", dim));
    let peak_style = match r.peak {
        Some(_) if !r.dim => Style::default().fg(zone(theme, db(r.peak))),
        _ => text,
    };
    spans.push(Span::styled(format!("{:>5}", readout(r.peak)), peak_style));
    if r.clip {
        spans.push(Span::styled(
            " CLIP",
            Style::default()
                .fg(theme.meter_clip)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    Line::from(spans)
}

/// `  -60        -48 …        0` under the bars, labels where their level falls.
pub(super) fn scale_line(theme: &Theme, width: usize) -> Option<Line<'static>> {
    let bar_w = width.saturating_sub(2 + READOUT_W);
    if bar_w < 12 {
        return None;
    }
    let mut row = vec![' '; bar_w];
    let mut free_from = 0;
    for mark in [-60, -48, -36, -24, -12, -6, 0] {
        let label = mark.to_string();
        let len = label.len();
        let at = cell_of(mark as f32, bar_w).unwrap_or(0);
        // The last label ends at the bar's end; the others start at their cell.
        let start = if mark == 0 { bar_w - len } else { at };
        if start < free_from || start + len > bar_w {
            continue;
        }
        for (i, c) in label.chars().enumerate() {
            row[start + i] = c;
        }
        free_from = start + len + 1;
    }
    let text: String = row.into_iter().collect();
    Some(Line::from(vec![
        Span::raw("  "),
        Span::styled(text, Style::default().fg(theme.text_dim)),
        Span::styled(" dBFS", Style::default().fg(theme.text_dim)),
    ]))
}
