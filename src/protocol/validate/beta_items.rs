//! Beta conversation items (protocol §4.4, beta): the flat item with `text`/`audio`
//! assistant parts and no MCP items.

use super::checks::{check_base64, check_json_string, check_output_string};
use super::common::{ITEM_OBJECT, ITEM_STATUS, NULLABLE_STR};
use super::shape::{opt, req, ObjectShape, Shape, Tagged};

const TEXT_PART: ObjectShape = ObjectShape::new(&[req("text", &Shape::Str, "add \"text\": \"…\"")]);

const AUDIO_PART: ObjectShape = ObjectShape::new(&[
    req(
        "audio",
        &Shape::Checked(&Shape::Str, check_base64),
        "add \"audio\": base64 audio in the session's input_audio_format",
    ),
    opt("transcript", &NULLABLE_STR),
]);

const NO_ASSISTANT_AUDIO: &str =
    "a client cannot create assistant audio; send the words as {\"type\": \"text\", \"text\": …}";

const SYSTEM_CONTENT: Tagged = Tagged {
    what: "content part",
    tag: "type",
    variants: &[("input_text", Shape::Object(&TEXT_PART))],
    legacy: &[("text", "system messages take \"input_text\" parts")],
    fix: "add \"type\": \"input_text\"",
    assume: Some("input_text"),
};

const USER_CONTENT: Tagged = Tagged {
    what: "content part",
    tag: "type",
    variants: &[
        ("input_text", Shape::Object(&TEXT_PART)),
        ("input_audio", Shape::Object(&AUDIO_PART)),
    ],
    legacy: &[
        ("text", "user text parts are \"input_text\""),
        ("input_image", "image input exists only in the GA API"),
    ],
    fix: "add \"type\": \"input_text\" (or \"input_audio\")",
    assume: None,
};

const ASSISTANT_CONTENT: Tagged = Tagged {
    what: "content part",
    tag: "type",
    variants: &[("text", Shape::Object(&TEXT_PART))],
    legacy: &[
        (
            "output_text",
            "\"output_text\" is the GA name; beta assistant text is \"text\"",
        ),
        ("audio", NO_ASSISTANT_AUDIO),
        ("output_audio", NO_ASSISTANT_AUDIO),
        ("input_text", "assistant messages take \"text\" parts"),
    ],
    fix: "add \"type\": \"text\"",
    assume: Some("text"),
};

macro_rules! message_role {
    ($content:expr) => {
        ObjectShape::new(&[
            opt("type", &Shape::Any),
            req(
                "content",
                &Shape::Array(&Shape::Tagged($content)),
                "add \"content\": [{\"type\": \"input_text\", \"text\": \"…\"}]",
            ),
            opt("id", &Shape::Str),
            opt("object", &ITEM_OBJECT),
            opt("status", &ITEM_STATUS),
        ])
    };
}

const SYSTEM_MESSAGE: ObjectShape = message_role!(&SYSTEM_CONTENT);
const USER_MESSAGE: ObjectShape = message_role!(&USER_CONTENT);
const ASSISTANT_MESSAGE: ObjectShape = message_role!(&ASSISTANT_CONTENT);

const MESSAGE: Tagged = Tagged {
    what: "message",
    tag: "role",
    variants: &[
        ("user", Shape::Object(&USER_MESSAGE)),
        ("system", Shape::Object(&SYSTEM_MESSAGE)),
        ("assistant", Shape::Object(&ASSISTANT_MESSAGE)),
    ],
    legacy: &[(
        "developer",
        "the Realtime API has no developer role; use \"system\"",
    )],
    fix: "add \"role\": \"user\" (or \"system\", \"assistant\")",
    assume: None,
};

const FUNCTION_CALL: ObjectShape = ObjectShape::new(&[
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

const FUNCTION_CALL_OUTPUT: ObjectShape = ObjectShape::new(&[
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

const ITEM_REFERENCE: ObjectShape = ObjectShape::new(&[req(
    "id",
    &Shape::Str,
    "add \"id\": the id of an existing conversation item",
)]);

const GA_ONLY: &str = "MCP items exist only in the GA API";
const ITEM_FIX: &str = "add \"type\": \"message\" (or \"function_call_output\", \"function_call\")";

const ITEM_UNION: Tagged = Tagged {
    what: "item",
    tag: "type",
    variants: &[
        ("message", Shape::Tagged(&MESSAGE)),
        ("function_call_output", Shape::Object(&FUNCTION_CALL_OUTPUT)),
        ("function_call", Shape::Object(&FUNCTION_CALL)),
    ],
    legacy: &[
        ("mcp_approval_response", GA_ONLY),
        (
            "item_reference",
            "item references are only allowed in response.create's response.input",
        ),
    ],
    fix: ITEM_FIX,
    assume: None,
};

pub(crate) const BETA_ITEM: Shape = Shape::Tagged(&ITEM_UNION);

const INPUT_ITEM_UNION: Tagged = Tagged {
    what: "item",
    tag: "type",
    variants: &[
        ("message", Shape::Tagged(&MESSAGE)),
        ("function_call_output", Shape::Object(&FUNCTION_CALL_OUTPUT)),
        ("function_call", Shape::Object(&FUNCTION_CALL)),
        ("item_reference", Shape::Object(&ITEM_REFERENCE)),
    ],
    legacy: &[("mcp_approval_response", GA_ONLY)],
    fix: ITEM_FIX,
    assume: None,
};

pub(crate) const BETA_INPUT_ITEMS: Shape = Shape::Array(&Shape::Tagged(&INPUT_ITEM_UNION));
