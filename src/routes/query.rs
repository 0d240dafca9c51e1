//! Query strings read by hand for the hit paths (`/image`, `/{provider}/{id}`, the
//! lookups): the same pairs and the same values as actix's `web::Query` (serde_urlencoded
//! over `form_urlencoded`), without serde's field machinery, and borrowed where nothing
//! needs decoding. Anything the hand reading does not answer exactly as serde would (a
//! repeated parameter) goes to `web::Query`, so its error, and the app's wording of it, stay
//! the ones it has always been.

use std::borrow::Cow;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

/// Parameters read from a query string's pairs, or `None` when serde must say why not.
pub trait FromPairs: Sized {
    /// The parameters in `query`, as `serde_urlencoded::from_str` reads them when it reads
    /// them; `None` when it would refuse them.
    fn from_pairs(query: &str) -> Option<Self>;
}

/// An extractor of `T` from the query string: by hand, else through `web::Query` (with the
/// app's `QueryConfig`), which then reads it or says why not.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T> std::ops::Deref for Params<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: FromPairs + DeserializeOwned> FromRequest for Params<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Some(params) = T::from_pairs(req.query_string()) {
            return ready(Ok(Self(params)));
        }
        let read = web::Query::<T>::from_request(req, payload).into_inner();
        ready(read.map(|query| Self(query.into_inner())))
    }
}

/// A value for a field serde would set once: `None` when it is set already (serde's
/// "duplicate field").
pub fn once(slot: &mut Option<String>, value: Cow<'_, str>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value.into_owned());
    Some(())
}

/// The `(name, value)` pairs of `query`, decoded as `form_urlencoded::parse` decodes them:
/// split at `&` (empty pieces skipped) and at the first `=`, `+` read as a space, `%XX` as
/// the byte, anything not UTF-8 replaced by U+FFFD. A piece with nothing to decode is
/// borrowed.
pub fn pairs(query: &str) -> Pairs<'_> {
    Pairs { rest: query }
}

/// The iterator of [`pairs`]: each piece is read in one pass over its bytes, which finds its
/// end, its `=` and whether anything in it needs decoding.
pub struct Pairs<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let bytes = self.rest.as_bytes();
            let (mut end, mut equals) = (bytes.len(), None);
            let (mut name_encoded, mut value_encoded) = (false, false);
            for (at, &byte) in bytes.iter().enumerate() {
                match byte {
                    b'&' => {
                        end = at;
                        break;
                    }
                    b'=' if equals.is_none() => equals = Some(at),
                    b'+' | b'%' if equals.is_none() => name_encoded = true,
                    b'+' | b'%' => value_encoded = true,
                    _ => {}
                }
            }
            // `&` and `=` are ASCII: every cut is at a character boundary.
            let piece = &self.rest[..end];
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match equals {
                Some(at) => (&piece[..at], &piece[at + 1..]),
                None => (piece, ""),
            };
            return Some((decoded(name, name_encoded), decoded(value, value_encoded)));
        }
    }
}

/// `text` with `+` and `%XX` decoded, if it `has_any`.
fn decoded(text: &str, has_any: bool) -> Cow<'_, str> {
    if !has_any {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let byte = match bytes[at] {
            b'+' => b' ',
            b'%' => match (
                bytes.get(at + 1).and_then(|&b| hex(b)),
                bytes.get(at + 2).and_then(|&b| hex(b)),
            ) {
                (Some(high), Some(low)) => {
                    at += 2;
                    high << 4 | low
                }
                _ => b'%',
            },
            other => other,
        };
        out.push(byte);
        at += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// The value of a hex digit.
fn hex(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).map(|d| d as u8)
}

/// Query strings covering what decoding meets: plain, `+`, escapes good, bad, cut short,
/// not UTF-8, empty pieces and names, `=` in values, repeated names.
#[cfg(test)]
pub(crate) const QUERIES: &[&str] = &[
    "",
    "&",
    "&&a=1&&",
    "a",
    "a=",
    "=b",
    "=",
    "a=1&b=2&a=3",
    "url=https%3A%2F%2Fcdn.example%2Fa+b.png%3Fx%3D1&w=400",
    "q=%zz&r=%4&s=%&t=%41%42%4a%4A",
    "q=%ff%fe&r=%C3%A9&s=%E2%82&t=caf%C3%A9",
    "q=a=b=c&=&==",
    "q=+++&p=%2B&%71=x",
    "q=\u{e9}t\u{e9}&p=\u{1f600}+%F0%9F%98%80",
    "provider=github&q=torvalds",
    "q=jack&q=jill",
    "provider=x&provider=y&q=a",
    "url=https%3A%2F%2Fa.example%2Fx.png&w=400&h=400&format=webp&fit=cover&q=80&upscale=1",
    "url=u&download&name=my+file&extra=1&w=&h=%20",
    "w=10&w=20",
    "fit=a&fit=b&w=1&w=2",
    "fit=a&fit=b",
    "format=webp&url=a&format=png",
    "%75rl=x&w%3D=1",
    "size=200&format=webp",
    "json&size=64",
    "fallback=https%3A%2F%2Fexample.com%2Fa.png&size=1&size=2",
    "fallback=false&json=&json=1",
];

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Whether `T` reads every query of [`QUERIES`] by hand as serde does, or leaves it to
    /// serde when serde refuses it.
    pub(crate) fn reads_as_serde<T>()
    where
        T: FromPairs + DeserializeOwned + std::fmt::Debug,
    {
        for query in QUERIES {
            let ours = T::from_pairs(query).map(|params| format!("{params:?}"));
            let serde = web::Query::<T>::from_query(query).map(|params| format!("{:?}", params.0));
            match (ours, serde) {
                (Some(ours), Ok(serde)) => assert_eq!(ours, serde, "{query}"),
                (None, Err(_)) => {}
                (ours, serde) => panic!("{query}: by hand {ours:?}, serde {serde:?}"),
            }
        }
    }

    #[test]
    fn pairs_are_what_form_urlencoded_reads() {
        for query in QUERIES {
            let ours: Vec<(String, String)> = pairs(query)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let theirs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, theirs, "{query}");
        }
    }

    #[test]
    fn plain_pieces_are_borrowed() {
        let (name, value) = pairs("provider=github").next().unwrap();
        assert!(matches!(name, Cow::Borrowed("provider")));
        assert!(matches!(value, Cow::Borrowed("github")));
    }
}
