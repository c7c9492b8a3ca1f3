//! Tools and `tool_choice`, in sessions and in `response.create`.

use serde_json::{Map, Value};

use super::common::{NULLABLE_STR, STRINGS};
use super::report::{key, show};
use super::shape::{opt, req, ObjectShape, Shape, Tagged};
use super::Problem;

const FUNCTION_NAME_MAX: usize = 64;
const DESCRIPTION_MAX: usize = 1024;

/// `^[a-zA-Z0-9_-]{1,64}$`, the name rule shared by OpenAI function tools.
fn check_function_name(value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Some(name) = value.as_str() else { return };
    let bad = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
    let len = name.chars().count();
    let what = if let Some(c) = bad {
        format!("function name {} contains {c:?}", show(value))
    } else if len == 0 || len > FUNCTION_NAME_MAX {
        format!("function name is {len} characters long")
    } else {
        return;
    };
    out.push(
        Problem::new(path, what)
            .with_hint("use 1-64 characters from a-z, A-Z, 0-9, _ and -, e.g. \"get_weather\""),
    );
}

/// `parameters` is a JSON Schema; the model only calls functions whose schema is an object.
fn check_parameters(value: &Value, path: &str, out: &mut Vec<Problem>) {
    match value.get("type") {
        None => {}
        Some(t) if t == "object" => {}
        Some(t) => out.push(
            Problem::new(
                key(path, "type"),
                format!("a function's parameters schema must have type \"object\", got {t}"),
            )
            .with_hint(
                "wrap the arguments in an object schema: \
                 {\"type\": \"object\", \"properties\": {…}}",
            ),
        ),
    }
}

const PARAMETERS: Shape = Shape::Checked(&Shape::Map(&Shape::Any), check_parameters);

const FUNCTION_TOOL: ObjectShape = ObjectShape::new(&[
    req(
        "name",
        &Shape::Checked(&Shape::Str, check_function_name),
        "add \"name\": \"my_function\"",
    ),
    opt("description", &Shape::StrMax(DESCRIPTION_MAX)),
    opt("parameters", &PARAMETERS),
]);

const MCP_TOOL_FILTER: ObjectShape =
    ObjectShape::new(&[opt("tool_names", &STRINGS), opt("read_only", &Shape::Bool)]);

const MCP_APPROVAL_FILTERS: ObjectShape = ObjectShape::new(&[
    opt("always", &Shape::Object(&MCP_TOOL_FILTER)),
    opt("never", &Shape::Object(&MCP_TOOL_FILTER)),
]);

/// An MCP server must be reachable somehow: by URL or by a hosted connector.
fn check_mcp_server(map: &Map<String, Value>, path: &str, out: &mut Vec<Problem>) {
    if !map.contains_key("server_url") && !map.contains_key("connector_id") {
        out.push(
            Problem::new(
                key(path, "server_url"),
                "an MCP tool needs either 'server_url' or 'connector_id'",
            )
            .with_hint(
                "add \"server_url\": \"https://…\" (or \"connector_id\" for a hosted connector)",
            ),
        );
    }
}

const MCP_TOOL: ObjectShape = ObjectShape::new(&[
    req(
        "server_label",
        &Shape::Str,
        "add \"server_label\": a short name for this MCP server",
    ),
    opt("server_url", &Shape::Str),
    opt("connector_id", &Shape::Str),
    opt("authorization", &Shape::Str),
    opt(
        "headers",
        &Shape::Either(&[Shape::Null, Shape::Map(&Shape::Str)]),
    ),
    opt(
        "allowed_tools",
        &Shape::Either(&[Shape::Null, STRINGS, Shape::Object(&MCP_TOOL_FILTER)]),
    ),
    opt(
        "require_approval",
        &Shape::Either(&[
            Shape::Null,
            Shape::Enum(&["always", "never"]),
            Shape::Object(&MCP_APPROVAL_FILTERS),
        ]),
    ),
    opt("server_description", &Shape::Str),
    opt("tunnel_id", &Shape::Str),
    opt("defer_loading", &Shape::Bool),
    opt("allowed_callers", &Shape::Any),
])
.with_check(check_mcp_server);

const GA_TOOL_UNION: Tagged = Tagged {
    what: "tool",
    tag: "type",
    variants: &[
        ("function", Shape::Object(&FUNCTION_TOOL)),
        ("mcp", Shape::Object(&MCP_TOOL)),
    ],
    legacy: &[],
    fix: "add \"type\": \"function\" (or \"mcp\" for an MCP server)",
    assume: Some("function"),
};

pub(crate) const GA_TOOLS: Shape = Shape::Array(&Shape::Tagged(&GA_TOOL_UNION));

const BETA_TOOL_UNION: Tagged = Tagged {
    what: "tool",
    tag: "type",
    variants: &[("function", Shape::Object(&FUNCTION_TOOL))],
    legacy: &[(
        "mcp",
        "MCP tools exist only in the GA API; use a function tool",
    )],
    fix: "add \"type\": \"function\"",
    assume: Some("function"),
};

pub(crate) const BETA_TOOLS: Shape = Shape::Array(&Shape::Tagged(&BETA_TOOL_UNION));

const CHOICE_FUNCTION: ObjectShape = ObjectShape::new(&[req(
    "name",
    &Shape::Str,
    "add \"name\": the name of one of the function tools",
)]);

const CHOICE_MCP: ObjectShape = ObjectShape::new(&[
    req(
        "server_label",
        &Shape::Str,
        "add \"server_label\": the label of one of the MCP tools",
    ),
    opt("name", &NULLABLE_STR),
]);

const TOOL_CHOICE_MODES: Shape = Shape::Enum(&["auto", "none", "required"]);

const GA_CHOICE_UNION: Tagged = Tagged {
    what: "tool_choice",
    tag: "type",
    variants: &[
        ("function", Shape::Object(&CHOICE_FUNCTION)),
        ("mcp", Shape::Object(&CHOICE_MCP)),
    ],
    legacy: &[],
    fix: "add \"type\": \"function\"",
    assume: None,
};

pub(crate) const GA_TOOL_CHOICE: Shape =
    Shape::Either(&[TOOL_CHOICE_MODES, Shape::Tagged(&GA_CHOICE_UNION)]);

const BETA_CHOICE_UNION: Tagged = Tagged {
    what: "tool_choice",
    tag: "type",
    variants: &[("function", Shape::Object(&CHOICE_FUNCTION))],
    legacy: &[("mcp", "MCP tools exist only in the GA API")],
    fix: "add \"type\": \"function\"",
    assume: None,
};

pub(crate) const BETA_TOOL_CHOICE: Shape =
    Shape::Either(&[TOOL_CHOICE_MODES, Shape::Tagged(&BETA_CHOICE_UNION)]);

/// A forced function must exist. Only checkable when the same object also sets `tools`;
/// otherwise the tools may come from the session the server already has.
pub(crate) fn check_tool_choice_names(
    map: &Map<String, Value>,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let (Some(Value::Array(tools)), Some(choice)) = (map.get("tools"), map.get("tool_choice"))
    else {
        return;
    };
    if choice.get("type").and_then(Value::as_str) != Some("function") {
        return;
    }
    let Some(wanted) = choice.get("name").and_then(Value::as_str) else {
        return;
    };
    let names: Vec<&str> = tools
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("function"))
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .collect();
    if names.contains(&wanted) {
        return;
    }
    let hint = if names.is_empty() {
        format!(
            "add a function tool named \"{wanted}\" to 'tools', or use \"tool_choice\": \"auto\""
        )
    } else {
        format!(
            "use one of the function tools ({}) or add \"{wanted}\" to 'tools'",
            names.join(", ")
        )
    };
    out.push(
        Problem::new(
            key(&key(path, "tool_choice"), "name"),
            format!("tool_choice names function \"{wanted}\", which is not in this update's tools"),
        )
        .with_hint(hint),
    );
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_clean, beta, ga, hint_at, problem_at};
    use super::super::Problem;
    use serde_json::{json, Value};

    fn session(fields: Value) -> Vec<Problem> {
        let mut session = fields;
        session["type"] = json!("realtime");
        ga(json!({"type": "session.update", "session": session}))
    }

    fn weather() -> Value {
        json!({"type": "function", "name": "get_weather", "description": "Weather for a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}})
    }

    #[test]
    fn long_tool_description_is_rejected_like_the_api() {
        let mut tools = vec![weather(), weather(), weather(), weather()];
        tools[3]["description"] = json!("d".repeat(2473));
        let p = session(json!({ "tools": tools }));
        let problem = problem_at(&p, "session.tools[3].description");
        assert_eq!(
            problem.message,
            "string too long. Expected a string with maximum length 1024, but got a string with length 2473 instead"
        );
        assert!(hint_at(&p, "session.tools[3].description").contains("1024"));
    }

    #[test]
    fn function_tool_name_must_match_the_api_pattern() {
        for bad in ["get weather", "", &"x".repeat(65), "wetter.heute"] {
            let p = session(json!({"tools": [{"type": "function", "name": bad}]}));
            assert!(
                hint_at(&p, "session.tools[0].name").contains("1-64"),
                "{bad}"
            );
        }
        let p = session(json!({"tools": [{"type": "function", "description": "x"}]}));
        problem_at(&p, "session.tools[0].name");
        assert_clean(&session(
            json!({"tools": [{"type": "function", "name": "A-z_09"}]}),
        ));
    }

    #[test]
    fn function_parameters_must_be_an_object_schema() {
        let p = session(json!({"tools": [{"type": "function", "name": "f", "parameters": "{}"}]}));
        assert!(problem_at(&p, "session.tools[0].parameters")
            .message
            .contains("expected an object"));
        let p = session(
            json!({"tools": [{"type": "function", "name": "f", "parameters": {"type": "string"}}]}),
        );
        problem_at(&p, "session.tools[0].parameters.type");
        assert_clean(&session(
            json!({"tools": [{"type": "function", "name": "f", "parameters": {}}]}),
        ));
    }

    #[test]
    fn tool_without_type_or_with_an_unknown_field_is_rejected() {
        let p = session(json!({"tools": [{"name": "f", "strict": true}]}));
        problem_at(&p, "session.tools[0].type");
        problem_at(&p, "session.tools[0].strict");
        let p = session(json!({"tools": [{"type": "code_interpreter"}]}));
        problem_at(&p, "session.tools[0].type");
    }

    #[test]
    fn mcp_tool_needs_a_server_label_and_a_server() {
        let p = session(json!({"tools": [{"type": "mcp"}]}));
        problem_at(&p, "session.tools[0].server_label");
        assert!(problem_at(&p, "session.tools[0].server_url")
            .message
            .contains("connector_id"));
        assert_clean(&session(json!({"tools": [{
            "type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.deepwiki.com/mcp",
            "authorization": "t", "headers": {"X-A": "b"}, "allowed_tools": {"tool_names": ["ask"], "read_only": true},
            "require_approval": {"never": {"tool_names": ["ask"]}}, "server_description": "docs"}]})));
        let p = session(
            json!({"tools": [{"type": "mcp", "server_label": "x", "connector_id": "c",
            "require_approval": "sometimes"}]}),
        );
        problem_at(&p, "session.tools[0].require_approval");
    }

    #[test]
    fn mcp_tool_in_beta_is_ga_only() {
        let p = beta(
            json!({"type": "session.update", "session": {"tools": [{"type": "mcp", "server_label": "x"}]}}),
        );
        assert!(hint_at(&p, "session.tools[0].type").contains("GA"));
    }

    #[test]
    fn tool_choice_accepts_modes_and_objects() {
        for ok in [
            json!("auto"),
            json!("none"),
            json!("required"),
            json!({"type": "mcp", "server_label": "deepwiki", "name": "ask"}),
        ] {
            assert_clean(&session(json!({"tool_choice": ok})));
        }
        let p = session(json!({"tool_choice": "any"}));
        problem_at(&p, "session.tool_choice");
        let p = session(json!({"tool_choice": {"type": "function"}}));
        problem_at(&p, "session.tool_choice.name");
    }

    #[test]
    fn tool_choice_naming_a_missing_function_is_rejected() {
        let p = session(
            json!({"tools": [weather()], "tool_choice": {"type": "function", "name": "get_time"}}),
        );
        let problem = problem_at(&p, "session.tool_choice.name");
        assert!(problem.message.contains("\"get_time\""));
        assert!(hint_at(&p, "session.tool_choice.name").contains("get_weather"));
        assert_clean(&session(
            json!({"tools": [weather()], "tool_choice": {"type": "function", "name": "get_weather"}}),
        ));
        // Without tools in the same update the session's tools are unknown here.
        assert_clean(&session(
            json!({"tool_choice": {"type": "function", "name": "get_time"}}),
        ));
    }
}
