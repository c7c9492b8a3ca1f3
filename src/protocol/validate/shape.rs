//! A small declarative description of JSON shapes: the vocabulary of the rule tables.
//!
//! The tables that use these types (sessions, items, tools, events) are plain constants,
//! so a rule change is a data change; [`super::walk`] is the one place that reads them.

use serde_json::{Map, Value};

use super::suggest::quoted_list;
use super::Problem;

pub(crate) type Check = fn(&Value, &str, &mut Vec<Problem>);
/// Cross-field check on an object whose fields were already walked.
pub(crate) type ObjectCheck = fn(&Map<String, Value>, &str, &mut Vec<Problem>);

pub(crate) enum Shape {
    Any,
    Null,
    Bool,
    Str,
    /// A string of at most this many characters.
    StrMax(usize),
    Enum(&'static [&'static str]),
    /// Inclusive bounds; `i64::MAX` means unbounded.
    Int {
        min: i64,
        max: i64,
    },
    Number {
        min: f64,
        max: f64,
    },
    Array(&'static Shape),
    /// An object with free-form keys, every value of the given shape.
    Map(&'static Shape),
    Object(&'static ObjectShape),
    Tagged(&'static Tagged),
    /// Alternatives told apart by JSON kind (string vs object vs null …): the first
    /// alternative that accepts the value's kind decides, so its message is specific.
    Either(&'static [Shape]),
    Checked(&'static Shape, Check),
    Custom(Check),
}

pub(crate) enum Need {
    Optional,
    /// Required; the text says how to fix its absence.
    Required(&'static str),
    /// Present in server output only; sending it is an error.
    ServerOnly,
}

pub(crate) struct Field {
    pub name: &'static str,
    pub shape: &'static Shape,
    pub need: Need,
}

/// A field name that belongs to another dialect or place, with the way to fix it.
/// `{value}` in `fix` is replaced by the offending value, so the hint can be pasted.
#[derive(Clone, Copy)]
pub(crate) struct Moved {
    pub name: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

pub(crate) struct ObjectShape {
    pub fields: &'static [Field],
    pub moved: &'static [Moved],
    pub check: Option<ObjectCheck>,
}

/// A union of object shapes told apart by a discriminator field such as `type`.
pub(crate) struct Tagged {
    /// What the object is called in messages ("turn_detection", "tool", "item").
    pub what: &'static str,
    pub tag: &'static str,
    pub variants: &'static [(&'static str, Shape)],
    /// Tag values that are wrong here but common (other dialect, other role), with a hint.
    pub legacy: &'static [(&'static str, &'static str)],
    /// How to fix a missing tag.
    pub fix: &'static str,
    /// Variant to keep checking the other fields with when the tag is missing or wrong,
    /// so one mistake does not hide the rest.
    pub assume: Option<&'static str>,
}

pub(crate) const fn opt(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        need: Need::Optional,
    }
}

pub(crate) const fn req(name: &'static str, shape: &'static Shape, fix: &'static str) -> Field {
    Field {
        name,
        shape,
        need: Need::Required(fix),
    }
}

pub(crate) const fn server(name: &'static str) -> Field {
    Field {
        name,
        shape: &Shape::Any,
        need: Need::ServerOnly,
    }
}

pub(crate) const fn moved(name: &'static str, why: &'static str, fix: &'static str) -> Moved {
    Moved { name, why, fix }
}

impl ObjectShape {
    pub(crate) const fn new(fields: &'static [Field]) -> Self {
        ObjectShape {
            fields,
            moved: &[],
            check: None,
        }
    }

    pub(crate) const fn with_moved(self, moved: &'static [Moved]) -> Self {
        ObjectShape { moved, ..self }
    }

    pub(crate) const fn with_check(self, check: ObjectCheck) -> Self {
        ObjectShape {
            check: Some(check),
            ..self
        }
    }

    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub(crate) fn settable_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields
            .iter()
            .filter(|f| !matches!(f.need, Need::ServerOnly))
            .map(|f| f.name)
    }
}

impl Tagged {
    pub(crate) fn variant(&self, name: &str) -> Option<(&'static str, &'static Shape)> {
        self.variants
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, s)| (*n, s))
    }

    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.variants.iter().map(|(n, _)| *n).collect()
    }
}

pub(crate) fn describe(shape: &Shape) -> String {
    match shape {
        Shape::Any | Shape::Custom(_) => "a valid value".to_string(),
        Shape::Null => "null".to_string(),
        Shape::Bool => "true or false".to_string(),
        Shape::Str => "a string".to_string(),
        Shape::StrMax(n) => format!("a string of at most {n} characters"),
        Shape::Enum(names) => one_of(names),
        Shape::Int { min, max } => describe_int(*min, *max),
        Shape::Number { min, max } => format!("a number from {min} to {max}"),
        Shape::Array(item) => format!("an array of {}", plural(item)),
        Shape::Map(_) | Shape::Object(_) => "an object".to_string(),
        Shape::Tagged(t) => format!("a {} object", t.what),
        Shape::Either(alts) => {
            let parts: Vec<String> = alts.iter().map(describe).collect();
            parts.join(" or ")
        }
        Shape::Checked(base, _) => describe(base),
    }
}

fn plural(item: &Shape) -> String {
    match item {
        Shape::Str => "strings".to_string(),
        Shape::Enum(names) => format!("{} values", quoted_list(names)),
        Shape::Tagged(t) => format!("{} objects", t.what),
        Shape::Object(_) | Shape::Map(_) => "objects".to_string(),
        other => format!("values that are {}", describe(other)),
    }
}

/// `"inf"` alone, or `one of "a", "b" or "c"`.
pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [one] => format!("\"{one}\""),
        _ => format!("one of {}", quoted_list(names)),
    }
}

pub(crate) fn describe_int(min: i64, max: i64) -> String {
    match (min, max) {
        (a, b) if a == b => format!("exactly {a}"),
        (0, i64::MAX) => "an integer ≥ 0".to_string(),
        (a, i64::MAX) => format!("an integer ≥ {a}"),
        (a, b) => format!("an integer from {a} to {b}"),
    }
}

pub(crate) fn accepts_kind(shape: &Shape, value: &Value) -> bool {
    match shape {
        Shape::Any | Shape::Custom(_) => true,
        Shape::Null => value.is_null(),
        Shape::Bool => value.is_boolean(),
        Shape::Str | Shape::StrMax(_) | Shape::Enum(_) => value.is_string(),
        Shape::Int { .. } | Shape::Number { .. } => value.is_number(),
        Shape::Array(_) => value.is_array(),
        Shape::Map(_) | Shape::Object(_) | Shape::Tagged(_) => value.is_object(),
        Shape::Either(alts) => alts.iter().any(|a| accepts_kind(a, value)),
        Shape::Checked(base, _) => accepts_kind(base, value),
    }
}
