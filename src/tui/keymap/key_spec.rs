//! One key as users write it in the config (`ctrl-c`, `f2`, `shift-tab`, `q`), and
//! how it matches what the terminal reports.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key with its modifiers, as written in the config: `ctrl-c`, `f2`, `shift-tab`, `q`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub fn parse(text: &str) -> Result<KeySpec, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                let n: u8 = f[1..].parse().expect("checked");
                if !(1..=12).contains(&n) {
                    return Err(format!("{text:?}: function keys are f1 to f12"));
                }
                KeyCode::F(n)
            }
            _ if rest.chars().count() == 1 => {
                let c = rest.chars().next().expect("one char");
                // Letters with ctrl/alt are matched lower-case, as terminals send them.
                if mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => {
                return Err(format!(
                    "{text:?} is not a key; write keys like \"ctrl-c\", \"alt-1\", \"f2\", \"shift-tab\", \"q\" or \"?\""
                ))
            }
        };
        Ok(KeySpec { code, mods })
    }

    /// Whether a key event from the terminal is this key. Shift on a printable
    /// character is part of the character (`?`, `G`), so it is not compared.
    pub fn matches(&self, key: &KeyEvent) -> bool {
        let mut mods = key.modifiers;
        let mut code = key.code;
        if let KeyCode::Char(c) = code {
            mods.remove(KeyModifiers::SHIFT);
            if mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                code = KeyCode::Char(c.to_ascii_lowercase());
            }
        }
        if code == KeyCode::BackTab {
            mods.remove(KeyModifiers::SHIFT);
        }
        code == self.code && mods == self.mods
    }
}

impl KeySpec {
    /// The key as the config writes it (`ctrl-r`, `f2`, `shift-tab`, `?`):
    /// [`KeySpec::parse`] reads it back.
    pub fn config_name(&self) -> String {
        if let (KeyCode::Char(c), true) = (self.code, self.mods.is_empty()) {
            return match c {
                ' ' => "space".to_string(),
                c => c.to_string(),
            };
        }
        match self.code {
            KeyCode::PageUp | KeyCode::PageDown => {
                let mut shown = self.to_string().to_ascii_lowercase();
                shown = shown.replace("pgup", "pageup").replace("pgdn", "pagedown");
                shown
            }
            _ => self.to_string().to_ascii_lowercase(),
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            // Chords print upper-case, as menus write them: Ctrl-R.
            KeyCode::Char(c) if !self.mods.is_empty() => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other:?}"),
        }
    }
}
