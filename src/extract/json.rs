//! JSON as real pages embed it: lenient parsing and short path lookups.

use serde_json::Value;

/// Parses JSON the way browsers tolerate it in pages: raw control characters (newlines,
/// tabs) inside strings are escaped first, since real JSON-LD often has them.
pub fn parse_lenient(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    serde_json::from_str(&escape_controls_in_strings(text)).ok()
}

/// The first JSON value at the start of `text` (after whitespace), ignoring whatever follows
/// it: the value of a script assignment such as `window.__state = {...};var x = 1`.
/// Raw control characters inside strings are tolerated as in [`parse_lenient`].
pub fn parse_prefix(text: &str) -> Option<Value> {
    let first = |t: &str| {
        serde_json::Deserializer::from_str(t.trim_start())
            .into_iter::<Value>()
            .next()?
            .ok()
    };
    first(text).or_else(|| first(&escape_controls_in_strings(text)))
}

fn escape_controls_in_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            } else if c.is_control() {
                out.push_str(&format!("\\u{:04x}", c as u32));
                continue;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out
}

/// The value at a dotted `path` such as `user.avatar.0.url` (numbers index arrays).
pub fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|k| !k.is_empty())
        .try_fold(value, |v, key| match v {
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(key),
            _ => None,
        })
}

/// The non-empty string at `path`.
pub fn str_at<'a>(value: &'a Value, path: &str) -> Option<&'a str> {
    at(value, path)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The first non-empty string among `paths`.
pub fn first_str<'a>(value: &'a Value, paths: &[&str]) -> Option<&'a str> {
    paths.iter().find_map(|p| str_at(value, p))
}

/// A non-negative integer at `path` (numbers or numeric strings).
pub fn u32_at(value: &Value, path: &str) -> Option<u32> {
    match at(value, path)? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first value under `key` anywhere in `value`, depth first (for embedded state blobs
/// whose layout changes between deployments).
pub fn find_key<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map
            .get(key)
            .or_else(|| map.values().find_map(|v| find_key(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

/// The first object anywhere in `value` with `key` equal to `wanted` (e.g. a user record with
/// a given `uniqueId`).
pub fn find_object<'a>(value: &'a Value, key: &str, wanted: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => {
            if map
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(wanted))
            {
                return Some(value);
            }
            map.values().find_map(|v| find_object(v, key, wanted))
        }
        Value::Array(items) => items.iter().find_map(|v| find_object(v, key, wanted)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_newlines_inside_strings_are_tolerated() {
        let v =
            parse_lenient("{\"a\": \"line one\nline two\", \"b\": [1, {\"c\": \"x\"}]}").unwrap();
        assert_eq!(str_at(&v, "a"), Some("line one\nline two"));
        assert_eq!(str_at(&v, "b.1.c"), Some("x"));
        assert_eq!(u32_at(&v, "b.0"), Some(1));
    }

    #[test]
    fn a_leading_value_is_parsed_and_the_rest_ignored() {
        let v = parse_prefix(" [{\"a\":\"x\ny\"}];\nwindow.b = 2;").unwrap();
        assert_eq!(str_at(&v, "0.a"), Some("x\ny"));
        assert_eq!(parse_prefix("nope"), None);
    }

    #[test]
    fn nested_keys_and_objects_are_found() {
        let v: Value = serde_json::from_str(
            r#"{"x":{"users":[{"uniqueId":"a","img":"1"},{"uniqueId":"B","img":"2"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            str_at(find_object(&v, "uniqueId", "b").unwrap(), "img"),
            Some("2")
        );
        assert_eq!(find_key(&v, "img").and_then(Value::as_str), Some("1"));
    }
}
