//! The walker: checks a JSON value against a [`Shape`] and reports every problem with its
//! `param`-style path, never stopping at the first.

use serde_json::{Map, Value};

use super::report::{check_length, got, index, invalid_choice, key, mismatch, show};
use super::shape::{
    accepts_kind, describe, describe_int, one_of, Need, ObjectShape, Shape, Tagged,
};
use super::suggest::{closest, quoted_list};
use super::{codes, Problem};

pub(crate) fn walk(shape: &Shape, value: &Value, path: &str, out: &mut Vec<Problem>) {
    match shape {
        Shape::Any => {}
        Shape::Null | Shape::Bool | Shape::Str if !accepts_kind(shape, value) => {
            mismatch(shape, value, path, out)
        }
        Shape::Null | Shape::Bool | Shape::Str => {}
        Shape::StrMax(max) => match value.as_str() {
            None => mismatch(shape, value, path, out),
            Some(s) => check_length(s, *max, path, out),
        },
        Shape::Enum(names) => match value.as_str() {
            None => mismatch(shape, value, path, out),
            Some(s) if !names.contains(&s) => invalid_choice(names, &describe(shape), s, path, out),
            Some(_) => {}
        },
        Shape::Int { min, max } => check_int(*min, *max, shape, value, path, out),
        Shape::Number { min, max } => check_number(*min, *max, shape, value, path, out),
        Shape::Array(item) => match value.as_array() {
            None => mismatch(shape, value, path, out),
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(item, v, &index(path, i), out);
                }
            }
        },
        Shape::Map(item) => match value.as_object() {
            None => mismatch(shape, value, path, out),
            Some(map) => {
                for (k, v) in map {
                    walk(item, v, &key(path, k), out);
                }
            }
        },
        Shape::Object(obj) => match value.as_object() {
            None => mismatch(shape, value, path, out),
            Some(map) => walk_object(obj, map, path, None, out),
        },
        Shape::Tagged(tagged) => walk_tagged(tagged, shape, value, path, out),
        Shape::Either(alts) => walk_either(shape, alts, value, path, out),
        Shape::Checked(base, check) => {
            let before = out.len();
            walk(base, value, path, out);
            if out.len() == before {
                check(value, path, out);
            }
        }
        Shape::Custom(check) => check(value, path, out),
    }
}

/// The alternative matching the value's JSON kind decides. When it rejects a plain
/// string, the message lists every alternative, and a quoted number gets its hint.
fn walk_either(shape: &Shape, alts: &[Shape], value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Some(alt) = alts.iter().find(|a| accepts_kind(a, value)) else {
        return mismatch(shape, value, path, out);
    };
    let Some(given) = value.as_str() else {
        return walk(alt, value, path, out);
    };
    let mut found = Vec::new();
    walk(alt, value, path, &mut found);
    let unquoted = serde_json::from_str::<Value>(given.trim()).ok();
    match alt {
        _ if found.is_empty() => {}
        _ if unquoted.is_some_and(|v| !v.is_string() && accepts_kind(shape, &v)) => {
            mismatch(shape, value, path, out)
        }
        Shape::Enum(names) => invalid_choice(names, &describe(shape), given, path, out),
        _ => out.append(&mut found),
    }
}

fn check_int(min: i64, max: i64, shape: &Shape, value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Value::Number(n) = value else {
        return mismatch(shape, value, path, out);
    };
    let Some(i) = n.as_i64().or_else(|| n.as_u64().map(|_| i64::MAX)) else {
        return mismatch(shape, value, path, out);
    };
    if i < min || i > max {
        let expected = describe_int(min, max);
        let code = if i < min {
            codes::INTEGER_BELOW_MIN_VALUE
        } else {
            codes::INTEGER_ABOVE_MAX_VALUE
        };
        out.push(
            Problem::new(path, format!("{n} is out of range: expected {expected}"))
                .with_hint(format!("use {expected}"))
                .with_code(code),
        );
    }
}

fn check_number(
    min: f64,
    max: f64,
    shape: &Shape,
    value: &Value,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let Some(x) = value.as_f64() else {
        return mismatch(shape, value, path, out);
    };
    let (what, code) = if x < min {
        (
            format!("{} is below the minimum {min}", show(value)),
            codes::DECIMAL_BELOW_MIN_VALUE,
        )
    } else if x > max {
        (
            format!("{} is above the maximum {max}", show(value)),
            codes::DECIMAL_ABOVE_MAX_VALUE,
        )
    } else {
        return;
    };
    out.push(
        Problem::new(path, what)
            .with_hint(format!("use a number from {min} to {max}"))
            .with_code(code),
    );
}

/// The variant an object is being checked as, so an unknown field that belongs to a
/// sibling variant can name it ("`threshold` only applies to type server_vad").
struct VariantCtx<'a> {
    tagged: &'a Tagged,
    current: &'a str,
}

fn walk_tagged(tagged: &Tagged, shape: &Shape, value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Some(map) = value.as_object() else {
        return mismatch(shape, value, path, out);
    };
    let tag_path = key(path, tagged.tag);
    let assumed = || tagged.assume.and_then(|a| tagged.variant(a));
    let chosen = match map.get(tagged.tag) {
        None => {
            out.push(
                Problem::new(
                    &tag_path,
                    format!("Missing required parameter: '{tag_path}'"),
                )
                .with_hint(tagged.fix)
                .with_code(codes::MISSING_REQUIRED_PARAMETER),
            );
            assumed()
        }
        Some(Value::String(s)) => {
            if let Some(found) = tagged.variant(s) {
                Some(found)
            } else if let Some((_, hint)) = tagged.legacy.iter().find(|(n, _)| n == s) {
                out.push(
                    Problem::new(
                        &tag_path,
                        format!(
                            "{} {} \"{s}\" is not accepted here",
                            tagged.what, tagged.tag
                        ),
                    )
                    .with_hint(*hint),
                );
                None
            } else {
                let names = tagged.names();
                invalid_choice(&names, &one_of(&names), s, &tag_path, out);
                assumed()
            }
        }
        Some(other) => {
            let names = quoted_list(&tagged.names());
            out.push(
                Problem::new(
                    &tag_path,
                    format!("expected one of {names}, got {}", got(other)),
                )
                .with_hint(format!("use {names}"))
                .with_code(codes::INVALID_TYPE),
            );
            assumed()
        }
    };
    match chosen {
        Some((name, Shape::Object(obj))) => {
            let ctx = VariantCtx {
                tagged,
                current: name,
            };
            walk_object(obj, map, path, Some(&ctx), out);
        }
        Some((_, inner)) => walk(inner, value, path, out),
        None => {}
    }
}

fn walk_object(
    obj: &ObjectShape,
    map: &Map<String, Value>,
    path: &str,
    ctx: Option<&VariantCtx<'_>>,
    out: &mut Vec<Problem>,
) {
    for (name, value) in map {
        if ctx.is_some_and(|c| c.tagged.tag == name) {
            continue;
        }
        let p = key(path, name);
        if let Some(field) = obj.field(name) {
            match field.need {
                Need::ServerOnly => out.push(
                    Problem::new(
                        &p,
                        format!("set by the server, not by the client (got {})", show(value)),
                    )
                    .with_hint("remove it")
                    .with_code(codes::UNKNOWN_PARAMETER),
                ),
                _ => walk(field.shape, value, &p, out),
            }
        } else if let Some(m) = obj.moved.iter().find(|m| m.name == name) {
            out.push(
                Problem::new(&p, format!("{} (got {})", m.why, show(value)))
                    .with_hint(m.fix.replace("{value}", &show(value)))
                    .with_code(codes::UNKNOWN_PARAMETER),
            );
        } else {
            unknown_field(obj, name, value, &p, ctx, out);
        }
    }
    for field in obj.fields {
        if let Need::Required(fix) = field.need {
            if !map.contains_key(field.name) {
                let p = key(path, field.name);
                out.push(
                    Problem::new(&p, format!("Missing required parameter: '{p}'"))
                        .with_hint(fix)
                        .with_code(codes::MISSING_REQUIRED_PARAMETER),
                );
            }
        }
    }
    if let Some(check) = obj.check {
        check(map, path, out);
    }
}

fn unknown_field(
    obj: &ObjectShape,
    name: &str,
    value: &Value,
    path: &str,
    ctx: Option<&VariantCtx<'_>>,
    out: &mut Vec<Problem>,
) {
    if let Some(ctx) = ctx {
        let owner = ctx.tagged.variants.iter().find(|(v, shape)| {
            *v != ctx.current && matches!(shape, Shape::Object(o) if o.field(name).is_some())
        });
        if let Some((owner, _)) = owner {
            let (what, tag, current) = (ctx.tagged.what, ctx.tagged.tag, ctx.current);
            out.push(
                Problem::new(
                    path,
                    format!(
                        "'{name}' is not a parameter of {what} {tag} \"{current}\"; \
                         it only applies to {tag} \"{owner}\""
                    ),
                )
                .with_hint(format!("set \"{tag}\": \"{owner}\" or remove '{name}'"))
                .with_code(codes::UNKNOWN_PARAMETER),
            );
            return;
        }
    }
    let hint = match closest(name, obj.settable_names()) {
        Some(s) => format!("did you mean '{s}'? otherwise remove it"),
        None => {
            let names: Vec<&str> = obj.settable_names().collect();
            if names.is_empty() {
                "remove it: nothing else is allowed here".to_string()
            } else {
                format!("remove it; parameters allowed here: {}", names.join(", "))
            }
        }
    };
    out.push(
        Problem::new(
            path,
            format!(
                "unknown parameter '{name}' (got {}); the API rejects the whole event \
                 for it (unknown_parameter)",
                show(value)
            ),
        )
        .with_hint(hint)
        .with_code(codes::UNKNOWN_PARAMETER),
    );
}

#[cfg(test)]
mod tests {
    use super::super::shape::{moved, opt, req, server};
    use super::*;
    use serde_json::json;

    static INNER: ObjectShape = ObjectShape::new(&[
        req("name", &Shape::Str, "add \"name\""),
        opt("level", &Shape::Number { min: 0.0, max: 1.0 }),
        opt("count", &Shape::Int { min: 1, max: 10 }),
        server("id"),
    ])
    .with_moved(&[moved(
        "lvl",
        "'lvl' is the old name",
        "use \"level\": {value}",
    )]);

    fn problems(shape: &Shape, value: Value) -> Vec<Problem> {
        let mut out = Vec::new();
        walk(shape, &value, "x", &mut out);
        out
    }

    #[test]
    fn object_walk_reports_every_problem_with_its_path() {
        let p = problems(
            &Shape::Object(&INNER),
            json!({"level": 2, "count": 0, "id": "a", "lvl": 0.5, "nmae": "z"}),
        );
        let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["x.level", "x.count", "x.id", "x.lvl", "x.nmae", "x.name"]
        );
        assert!(p[3].hint.as_deref().unwrap().contains("\"level\": 0.5"));
        assert!(p[4].hint.as_deref().unwrap().contains("'name'"));
    }

    #[test]
    fn quoted_number_gets_a_remove_the_quotes_hint() {
        let p = problems(&Shape::Int { min: 0, max: 5 }, json!("3"));
        assert_eq!(p[0].hint.as_deref(), Some("remove the quotes: write 3"));
    }

    #[test]
    fn long_values_are_truncated_in_messages() {
        let long = "a".repeat(500);
        let p = problems(&Shape::Bool, json!(long));
        assert!(p[0].message.chars().count() < 120, "{}", p[0].message);
        assert!(p[0].message.contains('…'));
    }

    #[test]
    fn either_picks_the_alternative_by_json_kind() {
        static MAX: Shape =
            Shape::Either(&[Shape::Int { min: 1, max: 4096 }, Shape::Enum(&["inf"])]);
        assert!(problems(&MAX, json!("inf")).is_empty());
        assert!(problems(&MAX, json!(5000))[0]
            .message
            .contains("out of range"));
        assert!(problems(&MAX, json!("infinite"))[0]
            .message
            .contains("\"inf\""));
        assert!(problems(&MAX, json!(true))[0]
            .message
            .contains("or \"inf\""));
    }
}
