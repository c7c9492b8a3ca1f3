//! Shapes that read the same in the GA and beta dialects.

use super::checks::check_metadata;
use super::shape::{opt, req, ObjectShape, Shape};

pub(crate) const NON_NEG_INT: Shape = Shape::Int {
    min: 0,
    max: i64::MAX,
};

/// `max_output_tokens` (GA) and `max_response_output_tokens` (beta).
pub(crate) const MAX_TOKENS: Shape =
    Shape::Either(&[Shape::Int { min: 1, max: 4096 }, Shape::Enum(&["inf"])]);

pub(crate) const SPEED: Shape = Shape::Number {
    min: 0.25,
    max: 1.5,
};

const TRACING_CONFIG: ObjectShape = ObjectShape::new(&[
    opt("workflow_name", &Shape::Str),
    opt("group_id", &Shape::Str),
    opt("metadata", &Shape::Map(&Shape::Any)),
]);

pub(crate) const TRACING: Shape = Shape::Either(&[
    Shape::Null,
    Shape::Enum(&["auto"]),
    Shape::Object(&TRACING_CONFIG),
]);

const NOISE_REDUCTION_CONFIG: ObjectShape = ObjectShape::new(&[req(
    "type",
    &Shape::Enum(&["near_field", "far_field"]),
    "add \"type\": \"near_field\" (close-talking mic) or \"far_field\" (laptop, room mic)",
)]);

pub(crate) const NOISE_REDUCTION: Shape =
    Shape::Either(&[Shape::Null, Shape::Object(&NOISE_REDUCTION_CONFIG)]);

/// Null is what the server reports when nothing is included; echoing it back is harmless.
pub(crate) const INCLUDE: Shape = Shape::Either(&[
    Shape::Null,
    Shape::Array(&Shape::Enum(&["item.input_audio_transcription.logprobs"])),
]);

pub(crate) const METADATA: Shape = Shape::Custom(check_metadata);

/// `response.create.response.conversation`.
pub(crate) const CONVERSATION: Shape = Shape::Enum(&["auto", "none"]);

pub(crate) const EAGERNESS: Shape = Shape::Enum(&["low", "medium", "high", "auto"]);

pub(crate) const NULLABLE_STR: Shape = Shape::Either(&[Shape::Null, Shape::Str]);

pub(crate) const STRINGS: Shape = Shape::Array(&Shape::Str);

/// Status on an item: accepted on create, has no effect.
pub(crate) const ITEM_STATUS: Shape = Shape::Enum(&["completed", "incomplete", "in_progress"]);

pub(crate) const ITEM_OBJECT: Shape = Shape::Enum(&["realtime.item"]);
