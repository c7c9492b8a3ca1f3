//! GA conversation items a client may create (protocol §4.4), and the `response.input`
//! variant that also accepts item references.

use super::checks::{check_base64, check_json_string, check_output_string};
use super::common::{ITEM_OBJECT, ITEM_STATUS, NULLABLE_STR};
use super::message::{message_role, message_union};
use super::shape::{opt, req, ObjectShape, Shape, Tagged};

const TEXT_FIX: &str = "add \"text\": \"…\"";

/// A `{text}` part; beta uses the same shape for its `text` parts.
pub(super) const INPUT_TEXT: ObjectShape = ObjectShape::new(&[req("text", &Shape::Str, TEXT_FIX)]);

const INPUT_AUDIO: ObjectShape = ObjectShape::new(&[
    req(
        "audio",
        &Shape::Checked(&Shape::Str, check_base64),
        "add \"audio\": base64 audio in the session's input format",
    ),
    opt("transcript", &NULLABLE_STR),
]);

const INPUT_IMAGE: ObjectShape = ObjectShape::new(&[
    req(
        "image_url",
        &Shape::Str,
        "add \"image_url\": \"data:image/png;base64,…\"",
    ),
    opt("detail", &Shape::Enum(&["auto", "low", "high"])),
]);

const OUTPUT_TEXT: ObjectShape = ObjectShape::new(&[req("text", &Shape::Str, TEXT_FIX)]);

const NO_ASSISTANT_AUDIO: &str =
    "a client cannot create assistant audio; send the words as {\"type\": \"output_text\", \"text\": …}";

const SYSTEM_CONTENT: Tagged = Tagged {
    what: "content part",
    tag: "type",
    variants: &[("input_text", Shape::Object(&INPUT_TEXT))],
    legacy: &[
        ("text", "system messages take \"input_text\" parts"),
        ("output_text", "system messages take \"input_text\" parts"),
        (
            "input_audio",
            "system messages take text only: use \"input_text\"",
        ),
        (
            "input_image",
            "system messages take text only: use \"input_text\"",
        ),
    ],
    fix: "add \"type\": \"input_text\"",
    assume: Some("input_text"),
};

const USER_CONTENT: Tagged = Tagged {
    what: "content part",
    tag: "type",
    variants: &[
        ("input_text", Shape::Object(&INPUT_TEXT)),
        ("input_audio", Shape::Object(&INPUT_AUDIO)),
        ("input_image", Shape::Object(&INPUT_IMAGE)),
    ],
    legacy: &[
        ("text", "user text parts are \"input_text\""),
        (
            "output_text",
            "\"output_text\" is for assistant messages; user text is \"input_text\"",
        ),
        ("audio", "user audio parts are \"input_audio\""),
        ("output_audio", "user audio parts are \"input_audio\""),
        ("image", "image parts are \"input_image\""),
    ],
    fix: "add \"type\": \"input_text\" (or \"input_audio\", \"input_image\")",
    assume: None,
};

const ASSISTANT_CONTENT: Tagged = Tagged {
    what: "content part",
    tag: "type",
    variants: &[("output_text", Shape::Object(&OUTPUT_TEXT))],
    legacy: &[
        (
            "text",
            "\"text\" is the beta name; GA assistant text is \"output_text\"",
        ),
        ("audio", NO_ASSISTANT_AUDIO),
        ("output_audio", NO_ASSISTANT_AUDIO),
        (
            "input_text",
            "assistant messages take \"output_text\" parts",
        ),
        ("input_audio", NO_ASSISTANT_AUDIO),
    ],
    fix: "add \"type\": \"output_text\"",
    assume: Some("output_text"),
};

const SYSTEM_MESSAGE: ObjectShape = message_role!(&SYSTEM_CONTENT);
const USER_MESSAGE: ObjectShape = message_role!(&USER_CONTENT);
const ASSISTANT_MESSAGE: ObjectShape = message_role!(&ASSISTANT_CONTENT);

const MESSAGE: Tagged = message_union!(&USER_MESSAGE, &SYSTEM_MESSAGE, &ASSISTANT_MESSAGE);

pub(super) const FUNCTION_CALL: ObjectShape = ObjectShape::new(&[
    req("name", &Shape::Str, "add \"name\": the function's name"),
    req(
        "arguments",
        &Shape::Custom(check_json_string),
        "add \"arguments\": a JSON-encoded string such as \"{}\"",
    ),
    opt("call_id", &Shape::Str),
    opt("id", &Shape::Str),
    opt("object", &ITEM_OBJECT),
    opt("status", &ITEM_STATUS),
]);

pub(super) const FUNCTION_CALL_OUTPUT: ObjectShape = ObjectShape::new(&[
    req(
        "call_id",
        &Shape::Str,
        "add \"call_id\": the call_id of the function_call you are answering",
    ),
    req(
        "output",
        &Shape::Custom(check_output_string),
        "add \"output\": the result as a string (JSON-encode structured results)",
    ),
    opt("id", &Shape::Str),
    opt("object", &ITEM_OBJECT),
    opt("status", &ITEM_STATUS),
]);

const MCP_APPROVAL_RESPONSE: ObjectShape = ObjectShape::new(&[
    req(
        "approval_request_id",
        &Shape::Str,
        "add \"approval_request_id\": the id of the mcp_approval_request item",
    ),
    req("approve", &Shape::Bool, "add \"approve\": true or false"),
    opt("reason", &NULLABLE_STR),
    opt("id", &Shape::Str),
    opt("object", &ITEM_OBJECT),
    opt("status", &ITEM_STATUS),
]);

pub(super) const ITEM_REFERENCE: ObjectShape = ObjectShape::new(&[req(
    "id",
    &Shape::Str,
    "add \"id\": the id of an existing conversation item",
)]);

const SERVER_ITEM: &str = "this item type is produced by the server; clients cannot create it";
pub(super) const ITEM_FIX: &str =
    "add \"type\": \"message\" (or \"function_call_output\", \"function_call\")";

const ITEM_UNION: Tagged = Tagged {
    what: "item",
    tag: "type",
    variants: &[
        ("message", Shape::Tagged(&MESSAGE)),
        ("function_call_output", Shape::Object(&FUNCTION_CALL_OUTPUT)),
        ("function_call", Shape::Object(&FUNCTION_CALL)),
        ("mcp_approval_response", Shape::Object(&MCP_APPROVAL_RESPONSE)),
    ],
    legacy: &[
        ("mcp_call", SERVER_ITEM),
        ("mcp_list_tools", SERVER_ITEM),
        (
            "mcp_approval_request",
            "mcp_approval_request comes from the server; answer it with an mcp_approval_response item",
        ),
        (
            "item_reference",
            "item references are only allowed in response.create's response.input",
        ),
    ],
    fix: ITEM_FIX,
    assume: None,
};

/// `conversation.item.create.item`.
pub(crate) const GA_ITEM: Shape = Shape::Tagged(&ITEM_UNION);

const INPUT_ITEM_UNION: Tagged = Tagged {
    what: "item",
    tag: "type",
    variants: &[
        ("message", Shape::Tagged(&MESSAGE)),
        ("function_call_output", Shape::Object(&FUNCTION_CALL_OUTPUT)),
        ("function_call", Shape::Object(&FUNCTION_CALL)),
        (
            "mcp_approval_response",
            Shape::Object(&MCP_APPROVAL_RESPONSE),
        ),
        ("item_reference", Shape::Object(&ITEM_REFERENCE)),
    ],
    legacy: &[("mcp_call", SERVER_ITEM), ("mcp_list_tools", SERVER_ITEM)],
    fix: ITEM_FIX,
    assume: None,
};

/// `response.create.response.input`: items plus references to existing ones.
pub(crate) const GA_INPUT_ITEMS: Shape = Shape::Array(&Shape::Tagged(&INPUT_ITEM_UNION));

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_clean, ga, hint_at, problem_at};
    use super::super::Problem;
    use serde_json::{json, Value};

    fn create(item: Value) -> Vec<Problem> {
        ga(json!({"type": "conversation.item.create", "item": item}))
    }

    fn message(role: &str, part: Value) -> Vec<Problem> {
        create(json!({"type": "message", "role": role, "content": [part]}))
    }

    #[test]
    fn system_message_accepts_only_input_text() {
        assert_clean(&message(
            "system",
            json!({"type": "input_text", "text": "Be brief."}),
        ));
        let p = message("system", json!({"type": "input_audio", "audio": "AAAA"}));
        assert!(hint_at(&p, "item.content[0].type").contains("input_text"));
    }

    #[test]
    fn user_message_accepts_text_audio_and_image() {
        for part in [
            json!({"type": "input_text", "text": "hi"}),
            json!({"type": "input_audio", "audio": "AAAA", "transcript": null}),
            json!({"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"}),
        ] {
            assert_clean(&message("user", part));
        }
        let p = message(
            "user",
            json!({"type": "input_image", "image_url": "x", "detail": "medium"}),
        );
        problem_at(&p, "item.content[0].detail");
        let p = message("user", json!({"type": "input_audio", "audio": "A*A"}));
        problem_at(&p, "item.content[0].audio");
    }

    #[test]
    fn content_text_must_be_a_string() {
        let p = message("user", json!({"type": "input_text", "text": 42}));
        assert!(problem_at(&p, "item.content[0].text")
            .message
            .contains("number 42"));
        let p = message("user", json!({"type": "input_text"}));
        problem_at(&p, "item.content[0].text");
    }

    #[test]
    fn assistant_audio_cannot_be_created() {
        assert_clean(&message(
            "assistant",
            json!({"type": "output_text", "text": "Hello!"}),
        ));
        let p = message(
            "assistant",
            json!({"type": "output_audio", "transcript": "Hello"}),
        );
        assert!(hint_at(&p, "item.content[0].type").contains("cannot create assistant audio"));
    }

    #[test]
    fn beta_text_content_in_ga_assistant_points_to_output_text() {
        let p = message("assistant", json!({"type": "text", "text": "Hello"}));
        assert!(hint_at(&p, "item.content[0].type").contains("\"output_text\""));
        let p = message("user", json!({"type": "text", "text": "Hello"}));
        assert!(hint_at(&p, "item.content[0].type").contains("\"input_text\""));
    }

    #[test]
    fn message_needs_a_known_role_and_content() {
        let p = create(json!({"type": "message", "content": []}));
        problem_at(&p, "item.role");
        let p = create(json!({"type": "message", "role": "developer", "content": []}));
        assert!(hint_at(&p, "item.role").contains("system"));
        let p = create(json!({"type": "message", "role": "user"}));
        problem_at(&p, "item.content");
    }

    #[test]
    fn function_call_arguments_must_be_json_text() {
        let call = |args: Value| {
            create(
                json!({"type": "function_call", "name": "f", "call_id": "call_1", "arguments": args}),
            )
        };
        assert_clean(&call(json!("{\"city\":\"Paris\"}")));
        assert!(problem_at(&call(json!("{city: Paris}")), "item.arguments")
            .message
            .contains("valid JSON"));
        let p = call(json!({"city": "Paris"}));
        assert!(hint_at(&p, "item.arguments").contains("JSON-encode"));
    }

    #[test]
    fn function_call_output_object_gets_json_encode_hint() {
        let p = create(
            json!({"type": "function_call_output", "call_id": "call_1", "output": {"temp": 21}}),
        );
        let hint = hint_at(&p, "item.output");
        assert!(hint.contains("JSON-encode"), "{hint}");
        assert!(hint.contains(r#"{\"temp\":21}"#), "{hint}");
    }

    #[test]
    fn function_call_output_requires_call_id_and_output() {
        let p = create(json!({"type": "function_call_output"}));
        problem_at(&p, "item.call_id");
        problem_at(&p, "item.output");
        assert_clean(&create(
            json!({"type": "function_call_output", "call_id": "c", "output": "21°C",
            "id": "item_1", "object": "realtime.item", "status": "completed"}),
        ));
    }

    #[test]
    fn mcp_approval_response_requires_request_id_and_approve() {
        let p = create(json!({"type": "mcp_approval_response", "approve": "yes"}));
        problem_at(&p, "item.approval_request_id");
        assert!(problem_at(&p, "item.approve")
            .message
            .contains("true or false"));
        assert_clean(&create(
            json!({"type": "mcp_approval_response", "approval_request_id": "a", "approve": true, "reason": null}),
        ));
    }

    #[test]
    fn server_items_and_references_cannot_be_created() {
        let p = create(json!({"type": "mcp_call", "id": "x"}));
        assert!(hint_at(&p, "item.type").contains("server"));
        let p = create(json!({"type": "item_reference", "id": "item_1"}));
        assert!(hint_at(&p, "item.type").contains("response.input"));
    }

    #[test]
    fn unknown_item_field_names_the_item_type_it_belongs_to() {
        let p = create(
            json!({"type": "function_call_output", "call_id": "c", "output": "x", "name": "f"}),
        );
        assert!(problem_at(&p, "item.name")
            .message
            .contains("\"function_call\""));
        let p = create(json!({"type": "message", "role": "user", "content": [], "text": "hi"}));
        assert!(problem_at(&p, "item.text")
            .message
            .contains("unknown parameter"));
    }
}
