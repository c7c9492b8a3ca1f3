//! Beta conversation items (protocol §4.4, beta): the flat item with `text`/`audio`
//! assistant parts and no MCP items.

use super::checks::check_base64;
use super::common::NULLABLE_STR;
use super::items::{
    FUNCTION_CALL, FUNCTION_CALL_OUTPUT, INPUT_TEXT as TEXT_PART, ITEM_FIX, ITEM_REFERENCE,
};
use super::message::{message_role, message_union};
use super::shape::{opt, req, ObjectShape, Shape, Tagged};

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

const SYSTEM_MESSAGE: ObjectShape = message_role!(&SYSTEM_CONTENT);
const USER_MESSAGE: ObjectShape = message_role!(&USER_CONTENT);
const ASSISTANT_MESSAGE: ObjectShape = message_role!(&ASSISTANT_CONTENT);

const MESSAGE: Tagged = message_union!(&USER_MESSAGE, &SYSTEM_MESSAGE, &ASSISTANT_MESSAGE);

const GA_ONLY: &str = "MCP items exist only in the GA API";

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
