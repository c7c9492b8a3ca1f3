//! Steps back to the lines a person would write: conversions print editable
//! scripts and failures restate the step that failed.

use std::fmt;
use std::path::Path;

use super::condition::is_bare_word;
use super::step::{Expectation, Step, Stream};

/// The step as one script line (without a comment).
impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kw = self.keyword();
        match self {
            Step::Send { text, .. } => write!(f, "{kw} {text}"),
            Step::Say(text) => write!(f, "{kw} {}", quote_if_needed(text)),
            Step::Expect(e) => write!(f, "{kw} {}", render_expectation(e)),
            Step::ExpectNo(e) => write!(f, "{kw} no {}", render_expectation(e)),
            Step::Forbid(e) => write!(f, "{kw} {}", render_expectation(e)),
            Step::ExpectCalls { calls, within_ms } => {
                write!(f, "{kw} calls")?;
                for c in calls {
                    write!(f, " {}", c.name)?;
                    if let Some(a) = &c.arguments {
                        write!(f, " {a}")?;
                    }
                }
                if let Some(ms) = within_ms {
                    write!(f, " within {}", render_ms(*ms))?;
                }
                Ok(())
            }
            Step::OnCallRule(r) => {
                write!(f, "{kw} {}", r.name)?;
                if r.delay_ms > 0 {
                    write!(f, " delay {}", render_ms(r.delay_ms))?;
                }
                if r.error {
                    write!(f, " error")?;
                }
                match &r.file {
                    Some(p) => write!(f, " @{}", quote_if_needed(&p.to_string_lossy())),
                    None => write!(f, " {}", render_output(&r.output)),
                }
            }
            Step::StreamAfter {
                stream,
                anchor,
                offset_ms,
            } => {
                match stream {
                    Stream::Audio(p) => write!(f, "{kw} {}", quote_path(p))?,
                    Stream::Silence(ms) => write!(f, "{kw} {}", render_ms(*ms))?,
                }
                let at = Expectation {
                    within_ms: None,
                    ..anchor.clone()
                };
                write!(f, " after {}", render_expectation(&at))?;
                if *offset_ms > 0 {
                    write!(f, " +{}", render_ms(*offset_ms))?;
                }
                if let Some(ms) = anchor.within_ms {
                    write!(f, " within {}", render_ms(ms))?;
                }
                Ok(())
            }
            Step::Sleep(ms) | Step::Silence(ms) | Step::Timeout(ms) => {
                write!(f, "{kw} {}", render_ms(*ms))
            }
            Step::Audio(path) => write!(f, "{kw} {}", quote_path(path)),
            Step::OnCall { name, output } => write!(f, "{kw} {name} {}", render_output(output)),
            Step::Transcript {
                role,
                matcher,
                within_ms,
            } => {
                write!(f, "{kw} {} {matcher}", role.as_str())?;
                if let Some(ms) = within_ms {
                    write!(f, " within {}", render_ms(*ms))?;
                }
                Ok(())
            }
            Step::Budget(Some(ms)) => write!(f, "{kw} {}", render_ms(*ms)),
            Step::Budget(None) => write!(f, "{kw} off"),
        }
    }
}

/// An expectation after its keyword: `[any] TYPE COND… [within D]`.
fn render_expectation(e: &Expectation) -> String {
    let mut s = String::new();
    if e.any_response {
        s.push_str("any ");
    }
    s.push_str(&render_event_type(&e.event_type));
    for c in &e.conditions {
        s.push_str(&format!(" {c}"));
    }
    if let Some(ms) = e.within_ms {
        s.push_str(&format!(" within {}", render_ms(ms)));
    }
    s
}

/// Milliseconds as a script writes them: `5s` when whole seconds, else `1500ms`.
pub fn render_ms(ms: u64) -> String {
    if ms >= 1000 && ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// An event type as `expect` writes it: quoted when rtconsole does not know it.
pub fn render_event_type(name: &str) -> String {
    if super::event_types::ga_name(name).is_some() {
        name.to_string()
    } else {
        serde_json::Value::String(name.to_string()).to_string()
    }
}

/// Free text (`say`, a path) bare when it reads back unchanged, else as a JSON string.
fn quote_if_needed(text: &str) -> String {
    let plain = !text.is_empty()
        && text.trim() == text
        && !text.starts_with('"')
        && !text.contains(|c: char| c == '#' || c == '"' || c.is_control());
    if plain {
        text.to_string()
    } else {
        serde_json::Value::String(text.to_string()).to_string()
    }
}

/// A path as `audio` writes it: quoted when it has spaces, which could otherwise
/// read as `after …`.
fn quote_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text.contains(char::is_whitespace) {
        serde_json::Value::String(text.into_owned()).to_string()
    } else {
        quote_if_needed(&text)
    }
}

/// A function output: JSON objects and arrays as they are, other text quoted unless bare.
fn render_output(output: &str) -> String {
    let structured =
        output.starts_with(['{', '[']) && serde_json::from_str::<serde_json::Value>(output).is_ok();
    if structured || (is_bare_word(output) && !output.contains('"')) {
        output.to_string()
    } else {
        serde_json::Value::String(output.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_render_in_the_largest_whole_unit() {
        assert_eq!(render_ms(5000), "5s");
        assert_eq!(render_ms(1500), "1500ms");
        assert_eq!(render_ms(0), "0ms");
    }

    #[test]
    fn text_is_quoted_only_when_it_would_not_read_back() {
        assert_eq!(Step::Say("What's up?".into()).to_string(), "say What's up?");
        assert_eq!(
            Step::Say("press # now".into()).to_string(),
            "say \"press # now\""
        );
        assert_eq!(Step::Say(" padded".into()).to_string(), "say \" padded\"");
        let call = |o: &str| Step::OnCall {
            name: "f".into(),
            output: o.into(),
        };
        assert_eq!(call("{\"t\":21}").to_string(), "on-call f {\"t\":21}");
        assert_eq!(call("sunny").to_string(), "on-call f sunny");
        assert_eq!(call("two words").to_string(), "on-call f \"two words\"");
        assert_eq!(call("21").to_string(), "on-call f \"21\"");
    }

    #[test]
    fn unknown_event_types_are_quoted() {
        assert_eq!(render_event_type("response.done"), "response.done");
        assert_eq!(render_event_type("x.new"), "\"x.new\"");
    }
}
