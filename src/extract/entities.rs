//! Text as the HTML tokenizer hands it on: character references decoded (with html5ever's
//! table and its rules, so a value reads the same as in the parsed tree), line breaks made
//! `\n` and NUL made U+FFFD.

use std::borrow::Cow;

use markup5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

/// `raw` (an attribute value when `in_attribute`, else the text of a `<title>`) decoded.
pub fn decode(raw: &str, in_attribute: bool) -> Cow<'_, str> {
    if !raw.bytes().any(|b| matches!(b, b'&' | b'\r' | b'\0')) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find(['&', '\r', '\0']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        rest = match tail.as_bytes()[0] {
            b'\r' => {
                out.push('\n');
                tail[1..].strip_prefix('\n').unwrap_or(&tail[1..])
            }
            b'\0' => {
                out.push('\u{fffd}');
                &tail[1..]
            }
            _ => match reference(&tail[1..], in_attribute) {
                Some((chars, used)) => {
                    out.extend(chars.into_iter().flatten());
                    &tail[1 + used..]
                }
                None => {
                    out.push('&');
                    &tail[1..]
                }
            },
        };
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Script data as the tokenizer hands it on: only line breaks and NUL change.
pub fn normalize(raw: &str) -> Cow<'_, str> {
    if !raw.bytes().any(|b| matches!(b, b'\r' | b'\0')) {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(
        raw.replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\0', "\u{fffd}"),
    )
}

/// The character reference at the start of `after` (the text after a `&`): its one or two
/// characters and how many bytes it took, or `None` when the `&` stands for itself.
fn reference(after: &str, in_attribute: bool) -> Option<([Option<char>; 2], usize)> {
    let bytes = after.as_bytes();
    match bytes.first()? {
        b'#' => numeric(after),
        b if b.is_ascii_alphanumeric() => named(after, in_attribute),
        _ => None,
    }
}

/// `#123;` or `#x7b;` (the semicolon optional), as html5ever reads it.
fn numeric(after: &str) -> Option<([Option<char>; 2], usize)> {
    let bytes = after.as_bytes();
    let (base, start) = match bytes.get(1) {
        Some(b'x' | b'X') => (16, 2),
        _ => (10, 1),
    };
    let (mut num, mut too_big, mut i) = (0u32, false, start);
    while let Some(digit) = bytes.get(i).and_then(|&b| (b as char).to_digit(base)) {
        num = num.wrapping_mul(base);
        if num > 0x10FFFF {
            too_big = true;
        }
        num = num.wrapping_add(digit);
        i += 1;
    }
    if i == start {
        return None;
    }
    if bytes.get(i) == Some(&b';') {
        i += 1;
    }
    let c = match num {
        n if n > 0x10FFFF || too_big => '\u{fffd}',
        0x00 | 0xD800..=0xDFFF => '\u{fffd}',
        0x80..=0x9F => C1_REPLACEMENTS[(num - 0x80) as usize]
            .unwrap_or_else(|| char::from_u32(num).unwrap_or('\u{fffd}')),
        n => char::from_u32(n).unwrap_or('\u{fffd}'),
    };
    Some(([Some(c), None], i))
}

/// A named reference: the longest name in the table that `after` starts with. In an
/// attribute, one without its `;` followed by `=` or a letter or digit is left as written,
/// for historical reasons (`?a=1&copy=2`).
fn named(after: &str, in_attribute: bool) -> Option<([Option<char>; 2], usize)> {
    let (mut matched, mut len) = (None, 0);
    for (end, _) in after.char_indices().skip(1).chain([(after.len(), ' ')]) {
        match NAMED_ENTITIES.get(&after[..end]) {
            Some(&(first, second)) => {
                if first != 0 {
                    matched = Some((first, second));
                    len = end;
                }
            }
            None => break,
        }
    }
    let (first, second) = matched?;
    let next = after[len..].chars().next();
    if in_attribute
        && !after[..len].ends_with(';')
        && next.is_some_and(|c| c == '=' || c.is_ascii_alphanumeric())
    {
        return None;
    }
    let chars = [
        char::from_u32(first),
        char::from_u32(second).filter(|_| second != 0),
    ];
    Some((chars, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_decode_as_html5ever_decodes_them() {
        assert_eq!(
            decode("a&amp;b &lt; &#x41;&#66 &notit; &copy", false),
            "a&b < AB ¬it; ©"
        );
        assert_eq!(
            decode("?a=1&copy=2&amp=3&not;x&notx", true),
            "?a=1&copy=2&amp=3¬x&notx"
        );
        assert_eq!(
            decode("&#0;&#x110000;&#128;&#129;&#xD800;", true),
            "\u{fffd}\u{fffd}€\u{81}\u{fffd}"
        );
        assert_eq!(decode("&#;&#x;&unknown;&", true), "&#;&#x;&unknown;&");
        assert_eq!(decode("a\r\nb\rc\0", true), "a\nb\nc\u{fffd}");
        assert!(matches!(decode("plain", true), Cow::Borrowed("plain")));
    }
}
