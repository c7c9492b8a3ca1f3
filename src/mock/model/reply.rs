//! What the mock answers, deterministically. In order: the output of a function
//! call the client just returned; an instruction `say "…"`; the first scenario rule
//! matching the user's latest words; a tool the user's words name (or the one
//! `tool_choice` forces); else an echo of what it understood.

use std::sync::OnceLock;

use rand::Rng;
use regex::Regex;
use serde_json::Value;

use super::tool_args;
use crate::mock::scenario::Scenario;

/// One item of a response's context, reduced to what the reply rules read.
#[derive(Debug, Clone, Default)]
pub struct CtxItem {
    pub kind: String,
    pub role: Option<String>,
    /// Text, transcript, or what the mock heard in audio.
    pub text: String,
    pub call_id: Option<String>,
    pub name: Option<String>,
    pub output: Option<String>,
    /// Audio length, for token counts.
    pub audio_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Text(String),
    Call {
        name: String,
        arguments: String,
    },
    /// Several calls in one response (parallel tool calls), after an optional short
    /// preamble message in the same response.
    Calls {
        preamble: Option<String>,
        calls: Vec<(String, String)>,
    },
}

pub struct ReplyCtx<'a> {
    pub context: &'a [CtxItem],
    pub tools: &'a [Value],
    pub tool_choice: &'a Value,
    pub instructions: &'a str,
    pub scenario: &'a Scenario,
}

/// Words that say nothing about which tool is meant (`get_weather` is named by
/// "weather", not by "get").
const VERBS: &[&str] = &[
    "get", "set", "make", "create", "generate", "fetch", "lookup", "look", "find", "search",
    "list", "read", "update", "delete", "send", "call", "check", "tool", "function",
];

fn tool_name(tool: &Value) -> Option<&str> {
    (tool.get("type").and_then(Value::as_str) == Some("function"))
        .then(|| tool.get("name").and_then(Value::as_str))
        .flatten()
}

fn find_tool<'a>(tools: &'a [Value], name: &str) -> Option<&'a Value> {
    tools.iter().find(|t| tool_name(t) == Some(name))
}

/// Whether the user's words name the tool: its name, its name with spaces, or a
/// distinctive part of it ("horoscope" for `generate_horoscope`).
pub fn names_tool(said: &str, name: &str) -> bool {
    let said = said.to_lowercase();
    let name = name.to_lowercase();
    if said.contains(&name) || said.contains(&name.replace(['_', '-'], " ")) {
        return true;
    }
    name.split(['_', '-'])
        .filter(|w| w.len() >= 4 && !VERBS.contains(w))
        .any(|w| said.contains(w))
}

fn last_user_text(context: &[CtxItem]) -> Option<&str> {
    context
        .iter()
        .rev()
        .find(|i| i.kind == "message" && i.role.as_deref() == Some("user"))
        .map(|i| i.text.as_str())
}

/// `Say "…"` (or `say exactly: "…"`) in the instructions: the words to say.
fn say_directive(instructions: &str) -> Option<String> {
    static SAY: OnceLock<Regex> = OnceLock::new();
    let re = SAY.get_or_init(|| {
        Regex::new(r#"(?i)\bsay(?:\s+exactly)?\s*:?\s*"([^"]+)""#).expect("valid regex")
    });
    re.captures(instructions).map(|c| c[1].to_string())
}

fn call(
    ctx: &ReplyCtx<'_>,
    name: &str,
    said: &str,
    overrides: Option<&serde_json::Map<String, Value>>,
) -> Reply {
    let schema = find_tool(ctx.tools, name)
        .and_then(|t| t.get("parameters"))
        .cloned()
        .unwrap_or(Value::Null);
    let args = tool_args::with_overrides(&schema, said, overrides);
    Reply::Call {
        name: name.to_string(),
        arguments: args.to_string(),
    }
}

fn quote(text: &str) -> String {
    const MAX: usize = 200;
    let t = text.trim();
    if t.chars().count() <= MAX {
        t.to_string()
    } else {
        format!("{}…", t.chars().take(MAX).collect::<String>())
    }
}

/// A rule's `calls` (several in one response) or `call` with a `preamble`, when
/// every tool it names is configured and tools are allowed.
fn rule_calls(
    ctx: &ReplyCtx<'_>,
    rule: &crate::mock::scenario::ReplyRule,
    said: &str,
    tools_allowed: bool,
) -> Option<Reply> {
    if rule.calls.is_none() && rule.preamble.is_none() {
        return None;
    }
    let mut wanted: Vec<(&str, Option<&serde_json::Map<String, Value>>)> = rule
        .calls
        .iter()
        .flatten()
        .map(|c| (c.name.as_str(), c.arguments.as_ref()))
        .collect();
    if let Some(name) = &rule.call {
        wanted.insert(0, (name.as_str(), rule.arguments.as_ref()));
    }
    if !tools_allowed
        || wanted
            .iter()
            .any(|(n, _)| find_tool(ctx.tools, n).is_none())
    {
        return None;
    }
    let calls = wanted
        .into_iter()
        .map(|(name, overrides)| match call(ctx, name, said, overrides) {
            Reply::Call { name, arguments } => (name, arguments),
            _ => unreachable!("call() makes a call"),
        })
        .collect();
    Some(Reply::Calls {
        preamble: rule.preamble.clone(),
        calls,
    })
}

pub fn decide(ctx: &ReplyCtx<'_>, rng: &mut impl Rng) -> Reply {
    // Every output the client just returned (several after parallel calls).
    let outputs: Vec<&CtxItem> = ctx
        .context
        .iter()
        .rev()
        .take_while(|i| i.kind == "function_call_output")
        .collect();
    if !outputs.is_empty() {
        let said: Vec<String> = outputs
            .iter()
            .rev()
            .map(|out| {
                let name = ctx
                    .context
                    .iter()
                    .find(|i| i.kind == "function_call" && i.call_id == out.call_id)
                    .and_then(|i| i.name.clone());
                let output = out.output.clone().unwrap_or_default();
                match name {
                    Some(n) => format!("The {n} tool returned {output}."),
                    None => format!("The tool returned {output}."),
                }
            })
            .collect();
        return Reply::Text(said.join(" "));
    }
    if let Some(words) = say_directive(ctx.instructions) {
        return Reply::Text(words);
    }
    let said = last_user_text(ctx.context);
    let text = said.unwrap_or("");
    let choice = ctx.tool_choice;
    let tools_allowed = choice.as_str() != Some("none");
    for rule in &ctx.scenario.replies {
        if !rule.when.is_match(text) {
            continue;
        }
        if let Some(calls) = rule_calls(ctx, rule, text, tools_allowed) {
            return calls;
        }
        match (&rule.text, &rule.call) {
            (Some(t), _) => return Reply::Text(t.clone()),
            (None, Some(name)) if tools_allowed && find_tool(ctx.tools, name).is_some() => {
                return call(ctx, name, text, rule.arguments.as_ref());
            }
            // The tool is not configured (or tools are off): a model cannot call it.
            _ => {}
        }
    }
    let names: Vec<&str> = ctx.tools.iter().filter_map(tool_name).collect();
    if tools_allowed && !names.is_empty() {
        let forced = choice
            .get("name")
            .and_then(Value::as_str)
            .filter(|_| choice.get("type").and_then(Value::as_str) == Some("function"));
        let mentioned = names.iter().copied().find(|n| names_tool(text, n));
        let pick = match (forced, choice.as_str()) {
            (Some(f), _) => Some(f),
            (None, Some("required")) => mentioned.or(names.first().copied()),
            _ => mentioned,
        };
        if let Some(name) = pick {
            return call(ctx, name, text, None);
        }
    }
    Reply::Text(match said {
        None => "Hello! This is the rtconsole mock speaking. Say something and I will repeat it."
            .to_string(),
        Some(t) if t.trim().is_empty() => {
            "I did not catch that. Are you still there? This is the rtconsole mock speaking."
                .to_string()
        }
        Some(t) => {
            const OPENERS: [&str; 3] = ["You said", "I heard", "Got it, you said"];
            let opener = OPENERS[rng.random_range(0..OPENERS.len())];
            format!(
                "{opener} \"{}\". This is the rtconsole mock speaking.",
                quote(t)
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use serde_json::json;

    fn user(text: &str) -> CtxItem {
        CtxItem {
            kind: "message".into(),
            role: Some("user".into()),
            text: text.into(),
            ..Default::default()
        }
    }

    fn run(context: &[CtxItem], tools: &[Value], choice: Value, scenario: &Scenario) -> Reply {
        let ctx = ReplyCtx {
            context,
            tools,
            tool_choice: &choice,
            instructions: "",
            scenario,
        };
        decide(&ctx, &mut ChaCha8Rng::seed_from_u64(1))
    }

    fn horoscope() -> Value {
        json!({"type": "function", "name": "generate_horoscope", "parameters": {
            "type": "object", "properties": {"sign": {"type": "string"}}, "required": ["sign"]}})
    }

    #[test]
    fn a_named_tool_is_called_unless_tools_are_off() {
        let s = Scenario::default();
        let ctx = [user("What is my horoscope?")];
        let r = run(&ctx, &[horoscope()], json!("auto"), &s);
        assert_eq!(
            r,
            Reply::Call {
                name: "generate_horoscope".into(),
                arguments: r#"{"sign":"Aquarius"}"#.into()
            }
        );
        assert!(matches!(
            run(&ctx, &[horoscope()], json!("none"), &s),
            Reply::Text(_)
        ));
        let forced = json!({"type": "function", "name": "generate_horoscope"});
        assert!(matches!(
            run(&[user("hi")], &[horoscope()], forced, &s),
            Reply::Call { .. }
        ));
    }

    #[test]
    fn the_default_echoes_and_tool_output_is_reported() {
        let s = Scenario::default();
        let Reply::Text(t) = run(&[user("hello there")], &[], json!("auto"), &s) else {
            panic!()
        };
        assert!(
            t.contains("\"hello there\"") && t.contains("rtconsole mock"),
            "{t}"
        );
        let ctx = [
            CtxItem {
                kind: "function_call".into(),
                call_id: Some("c1".into()),
                name: Some("f".into()),
                ..Default::default()
            },
            CtxItem {
                kind: "function_call_output".into(),
                call_id: Some("c1".into()),
                output: Some("{\"ok\":true}".into()),
                ..Default::default()
            },
        ];
        assert_eq!(
            run(&ctx, &[], json!("auto"), &s),
            Reply::Text("The f tool returned {\"ok\":true}.".into())
        );
    }

    #[test]
    fn scenario_rules_come_first_and_skip_missing_tools() {
        let s = Scenario::parse(
            "[[reply]]\nwhen = \"(?i)weather\"\ncall = \"get_weather\"\n\
             [[reply]]\nwhen = \"(?i)weather\"\ntext = \"Sunny.\"",
        )
        .unwrap();
        assert_eq!(
            run(&[user("weather?")], &[], json!("auto"), &s),
            Reply::Text("Sunny.".into())
        );
        assert!(names_tool("the weather please", "get_weather"));
        assert!(!names_tool("get me something", "get_weather"));
    }
}
