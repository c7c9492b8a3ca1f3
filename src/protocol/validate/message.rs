//! The `message` item shape, shared by the GA and beta item tables, which differ
//! only in the content parts each role may carry.

pub(super) const CONTENT_FIX: &str =
    "add \"content\": [{\"type\": \"input_text\", \"text\": \"…\"}]";

/// A message of one role, given its content-part union. Message variants repeat
/// the item-level fields because a role variant is checked as a whole object
/// (`type` is the outer tag, `role` the inner one). Shared with the beta items,
/// which differ only in their content parts.
macro_rules! message_role {
    ($content:expr) => {
        $crate::protocol::validate::shape::ObjectShape::new(&[
            $crate::protocol::validate::shape::opt(
                "type",
                &$crate::protocol::validate::shape::Shape::Any,
            ),
            $crate::protocol::validate::shape::req(
                "content",
                &$crate::protocol::validate::shape::Shape::Array(
                    &$crate::protocol::validate::shape::Shape::Tagged($content),
                ),
                $crate::protocol::validate::message::CONTENT_FIX,
            ),
            $crate::protocol::validate::shape::opt(
                "id",
                &$crate::protocol::validate::shape::Shape::Str,
            ),
            $crate::protocol::validate::shape::opt(
                "object",
                &$crate::protocol::validate::common::ITEM_OBJECT,
            ),
            $crate::protocol::validate::shape::opt(
                "status",
                &$crate::protocol::validate::common::ITEM_STATUS,
            ),
        ])
    };
}

/// The `message` item: a union over `role`, given the three role shapes.
macro_rules! message_union {
    ($user:expr, $system:expr, $assistant:expr) => {
        $crate::protocol::validate::shape::Tagged {
            what: "message",
            tag: "role",
            variants: &[
                (
                    "user",
                    $crate::protocol::validate::shape::Shape::Object($user),
                ),
                (
                    "system",
                    $crate::protocol::validate::shape::Shape::Object($system),
                ),
                (
                    "assistant",
                    $crate::protocol::validate::shape::Shape::Object($assistant),
                ),
            ],
            legacy: &[(
                "developer",
                "the Realtime API has no developer role; use \"system\"",
            )],
            fix: "add \"role\": \"user\" (or \"system\", \"assistant\")",
            assume: None,
        }
    };
}

pub(super) use {message_role, message_union};
