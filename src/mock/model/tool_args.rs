//! Function-call arguments generated from the tool's `parameters` JSON Schema:
//! required properties (all of them when the schema names none), the right types,
//! enum values (the one the user said, when they said one), nested objects and
//! arrays, within the schema's bounds.

use serde_json::{json, Map, Number, Value};

/// Arguments valid against `schema`; `user_text` steers enum choices.
pub fn generate(schema: &Value, user_text: &str) -> Value {
    value_for(schema, "", &user_text.to_lowercase(), 0)
}

/// `generate`, then the scenario's `overrides` on top.
pub fn with_overrides(
    schema: &Value,
    user_text: &str,
    overrides: Option<&Map<String, Value>>,
) -> Value {
    let mut out = generate(schema, user_text);
    if let (Some(map), Some(over)) = (out.as_object_mut(), overrides) {
        for (k, v) in over {
            map.insert(k.clone(), v.clone());
        }
    } else if let Some(over) = overrides {
        out = Value::Object(over.clone());
    }
    out
}

fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(s) => Some(s),
        // ["string", "null"]: the first non-null type.
        Value::Array(list) => list.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

fn value_for(schema: &Value, name: &str, said: &str, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        let spoken = options.iter().find(|o| {
            o.as_str()
                .is_some_and(|s| !s.is_empty() && said.contains(&s.to_lowercase()))
        });
        return spoken.or(options.first()).cloned().unwrap_or(Value::Null);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|l| l.first())
        {
            return value_for(first, name, said, depth + 1);
        }
    }
    let kind = schema_type(schema).or_else(|| {
        if schema.get("properties").is_some() {
            Some("object")
        } else if schema.get("items").is_some() {
            Some("array")
        } else {
            None
        }
    });
    match kind {
        Some("object") => object_for(schema, said, depth),
        Some("array") => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(1);
            let max = schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .unwrap_or(u64::MAX);
            let n = min.max(1).min(max);
            let item = schema
                .get("items")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            Value::Array(
                (0..n)
                    .map(|_| value_for(&item, name, said, depth + 1))
                    .collect(),
            )
        }
        Some("integer") => Value::Number(integer_for(schema)),
        Some("number") => number_for(schema),
        Some("boolean") => Value::Bool(true),
        Some("null") => Value::Null,
        _ => Value::String(string_for(schema, name)),
    }
}

fn object_for(schema: &Value, said: &str, depth: usize) -> Value {
    let mut out = Map::new();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Value::Object(out);
    };
    let required: Option<Vec<&str>> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect());
    for (name, sub) in props {
        if required.as_ref().is_none_or(|r| r.contains(&name.as_str())) {
            out.insert(name.clone(), value_for(sub, name, said, depth + 1));
        }
    }
    Value::Object(out)
}

fn bound(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

fn integer_for(schema: &Value) -> Number {
    let mut lo = bound(schema, "minimum")
        .or(bound(schema, "exclusiveMinimum").map(|x| x.floor() + 1.0))
        .map(|x| x.ceil() as i64);
    let hi = bound(schema, "maximum")
        .or(bound(schema, "exclusiveMaximum").map(|x| x.ceil() - 1.0))
        .map(|x| x.floor() as i64);
    if lo.is_none() && hi.is_none_or(|h| h >= 1) {
        lo = Some(1);
    }
    let v = match (lo, hi) {
        (Some(l), Some(h)) => l.min(h),
        (Some(l), None) => l,
        (None, Some(h)) => h,
        (None, None) => 1,
    };
    Number::from(v)
}

fn number_for(schema: &Value) -> Value {
    let lo = bound(schema, "minimum").or(bound(schema, "exclusiveMinimum").map(|x| x + 0.5));
    let hi = bound(schema, "maximum").or(bound(schema, "exclusiveMaximum").map(|x| x - 0.5));
    let v = match (lo, hi) {
        (Some(l), Some(h)) => (l + h) / 2.0,
        (Some(l), None) => l + 1.0,
        (None, Some(h)) => h.min(1.5),
        (None, None) => 1.5,
    };
    Number::from_f64(v).map_or(json!(1.5), Value::Number)
}

fn string_for(schema: &Value, name: &str) -> String {
    let by_format = match schema.get("format").and_then(Value::as_str) {
        Some("date") => Some("2026-01-01"),
        Some("date-time") => Some("2026-01-01T12:00:00Z"),
        Some("time") => Some("12:00:00"),
        Some("email") => Some("user@example.com"),
        Some("uri") | Some("url") => Some("https://example.com"),
        Some("uuid") => Some("00000000-0000-4000-8000-000000000000"),
        _ => None,
    };
    let lower = name.to_lowercase();
    let by_name = || {
        let pairs: &[(&str, &str)] = &[
            ("city", "Paris"),
            ("location", "Paris, France"),
            ("country", "France"),
            ("sign", "Aquarius"),
            ("email", "user@example.com"),
            ("name", "Alex"),
            ("date", "2026-01-01"),
            ("time", "12:00"),
            ("unit", "celsius"),
            ("query", "example query"),
            ("language", "en"),
            ("url", "https://example.com"),
        ];
        pairs
            .iter()
            .find(|(k, _)| lower.contains(k))
            .map(|(_, v)| *v)
            .unwrap_or("example")
    };
    let mut s = by_format.unwrap_or_else(by_name).to_string();
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    while s.chars().count() < min {
        s.push('x');
    }
    if let Some(max) = max {
        s = s.chars().take(max).collect();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_properties_get_typed_values() {
        let schema = json!({"type": "object", "properties": {
            "sign": {"type": "string"},
            "days": {"type": "integer", "minimum": 3, "maximum": 7},
            "ratio": {"type": "number", "minimum": 0, "maximum": 1},
            "loud": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "where": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            "note": {"type": "string"}},
            "required": ["sign", "days", "ratio", "loud", "tags", "where"]});
        let v = generate(&schema, "");
        assert_eq!(
            v,
            json!({"sign": "Aquarius", "days": 3, "ratio": 0.5, "loud": true,
                   "tags": ["example", "example"], "where": {"city": "Paris"}})
        );
    }

    #[test]
    fn enums_prefer_what_the_user_said() {
        let schema = json!({"type": "object", "properties": {
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}});
        assert_eq!(
            generate(&schema, "in Fahrenheit please")["unit"],
            "fahrenheit"
        );
        assert_eq!(generate(&schema, "")["unit"], "celsius");
    }

    #[test]
    fn overrides_win_and_string_bounds_hold() {
        let schema = json!({"type": "object", "properties": {
            "code": {"type": "string", "minLength": 9, "maxLength": 9}}, "required": ["code"]});
        let v = generate(&schema, "");
        assert_eq!(v["code"].as_str().unwrap().len(), 9);
        let over: Map<String, Value> = serde_json::from_value(json!({"code": "X"})).unwrap();
        assert_eq!(with_overrides(&schema, "", Some(&over))["code"], "X");
    }
}
