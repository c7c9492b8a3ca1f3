//! Where each pane goes. At 80×24 every pane keeps enough rows to be useful;
//! a maximized pane takes everything between the status bar and the hint line.

use ratatui::layout::{Constraint, Layout, Rect};

use super::pane::PaneId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub status: Rect,
    pub log: Rect,
    pub transcript: Rect,
    pub config: Rect,
    pub meters: Rect,
    pub composer: Rect,
    pub hint: Rect,
}

impl Areas {
    pub fn of(&self, pane: PaneId) -> Rect {
        match pane {
            PaneId::Log => self.log,
            PaneId::Transcript => self.transcript,
            PaneId::Config => self.config,
            PaneId::Meters => self.meters,
            PaneId::Composer => self.composer,
        }
    }
}

pub fn areas(area: Rect, maximized: Option<PaneId>) -> Areas {
    let [status, body, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut out = Areas {
        status,
        hint,
        ..Areas::default()
    };
    if let Some(p) = maximized {
        match p {
            PaneId::Log => out.log = body,
            PaneId::Transcript => out.transcript = body,
            PaneId::Config => out.config = body,
            PaneId::Meters => out.meters = body,
            PaneId::Composer => out.composer = body,
        }
        return out;
    }
    // The composer is where a newcomer starts: always 5 rows (3 of text).
    let lower = if body.height >= 30 { 12 } else { 7 };
    let [top, middle, composer] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(lower),
        Constraint::Length(5),
    ])
    .areas(body);
    let [log, transcript] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
    let [config, meters] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    out.log = log;
    out.transcript = transcript;
    out.config = config;
    out.meters = meters;
    out.composer = composer;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_80_by_24_every_pane_has_room() {
        let a = areas(Rect::new(0, 0, 80, 24), None);
        for p in PaneId::ALL {
            let r = a.of(p);
            assert!(r.height >= 5 && r.width >= 30, "{p:?}: {r:?}");
        }
        assert_eq!(a.status.height, 1);
        assert_eq!(a.hint.y, 23);
    }

    #[test]
    fn a_maximized_pane_takes_the_body() {
        let a = areas(Rect::new(0, 0, 80, 24), Some(PaneId::Log));
        assert_eq!(a.log, Rect::new(0, 1, 80, 22));
        assert_eq!(a.transcript, Rect::default());
    }
}
