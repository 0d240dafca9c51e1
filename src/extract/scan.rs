//! One pass over a page's markup as the HTML tokenizer reads it, without building a tree:
//! the start tags of the elements a metadata reader wants, with their attributes as written
//! and, for `<title>` and `<script>`, their text; and how deeply the page nests.
//!
//! Tags, attributes (quoted values may hold `>`), comments, doctypes, bogus comments and the
//! text of raw-text elements (`<script>` with its escaped sections, `<style>`, `<textarea>`,
//! `<noscript>`, …) end where html5ever's tokenizer ends them. What only the tree builder
//! decides is not followed: content inside `<svg>`/`<math>` is read as HTML, and elements a
//! `<select>` or `<frameset>` drops are kept, as are elements a `<table>` moves before
//! itself, in the order written.

use std::borrow::Cow;

/// A start tag the reader asked for.
pub struct Tag<'a> {
    /// The element's name, lower-case: one of the names asked for.
    pub name: &'static str,
    /// Its attributes as written: names as they are, values with their character
    /// references and line breaks not decoded yet (see [`Attributes::get`]).
    pub attributes: Attributes<'a>,
    /// For `<title>` and `<script>`: the text up to their end tag, as written.
    pub text: Option<&'a str>,
}

/// A start tag's attributes.
#[derive(Default)]
pub struct Attributes<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Attributes<'a> {
    /// The value of the first attribute called `name` (ASCII case-insensitive), decoded as
    /// the tokenizer decodes attribute values.
    pub fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| super::entities::decode(value, true))
    }
}

/// Elements whose text is raw: no tags inside, up to their own end tag.
#[derive(Clone, Copy, PartialEq)]
enum Raw {
    /// Character references are decoded (`<title>`, `<textarea>`).
    Rcdata,
    /// Nothing is decoded (`<style>`, `<noscript>`, `<iframe>`, …).
    Rawtext,
    /// Script data, whose escaped sections (`<!-- <script> … </script> -->`) hide end tags.
    Script,
    /// Everything after `<plaintext>` is text.
    Plaintext,
}

/// What a tag name means to the scan.
enum Kind {
    /// An element that never has content (`<meta>`, `<img>`, …).
    Void,
    /// An element its next sibling closes (`<li>`, `<p>`, …), so not counted as nesting.
    Sibling,
    Raw(Raw),
    Other,
}

/// A tag name as one number, its bytes ASCII-lower-cased, so that telling which element
/// it names takes one comparison (a `match` on [`word`]s), not one per name; and its length.
#[derive(Clone, Copy)]
struct Name {
    /// `0` for a name no element the scan knows or is asked for has: one of more than
    /// eight bytes, or with a NUL in it (which the tokenizer reads as U+FFFD).
    word: u64,
    len: usize,
}

impl Name {
    /// The name starting at `from` in `bytes`, up to whitespace, `/`, `>` or the end.
    fn at(bytes: &[u8], from: usize) -> Self {
        let (mut word, mut len, mut known) = (0u64, 0usize, true);
        for &b in &bytes[from..] {
            if is(b, ENDS_NAME) {
                break;
            }
            if len < 8 {
                word |= u64::from(b.to_ascii_lowercase()) << (8 * len);
            }
            known &= b != 0;
            len += 1;
        }
        Self {
            word: if known && len <= 8 { word } else { 0 },
            len,
        }
    }
}

/// `name` (at most eight bytes, none NUL) as [`Name::word`].
const fn word(name: &[u8]) -> u64 {
    assert!(name.len() <= 8);
    let mut word = 0;
    let mut i = 0;
    while i < name.len() {
        word |= (name[i].to_ascii_lowercase() as u64) << (8 * i);
        i += 1;
    }
    word
}

/// Declares each name's [`word`] as a constant of that name, to `match` on.
macro_rules! names {
    ($($name:ident),+ $(,)?) => {
        $(const $name: u64 = word(stringify!($name).as_bytes());)+
    };
}

names!(
    AREA, BASE, BR, COL, EMBED, HR, IMG, INPUT, LINK, META, PARAM, SOURCE, TRACK, WBR, LI, P,
    OPTION, OPTGROUP, TD, TH, TR, DT, DD, TBODY, THEAD, TFOOT, RB, RT, RP, COLGROUP, TITLE,
    TEXTAREA, STYLE, XMP, IFRAME, NOEMBED, NOFRAMES, NOSCRIPT, SCRIPT,
);

/// What the element called `name` (starting at `from` in `bytes`) means to the scan.
fn kind(bytes: &[u8], from: usize, name: Name) -> Kind {
    match name.word {
        AREA | BASE | BR | COL | EMBED | HR | IMG | INPUT | LINK | META | PARAM | SOURCE
        | TRACK | WBR => Kind::Void,
        LI | P | OPTION | OPTGROUP | TD | TH | TR | DT | DD | TBODY | THEAD | TFOOT | RB | RT
        | RP | COLGROUP => Kind::Sibling,
        TITLE | TEXTAREA => Kind::Raw(Raw::Rcdata),
        STYLE | XMP | IFRAME | NOEMBED | NOFRAMES | NOSCRIPT => Kind::Raw(Raw::Rawtext),
        SCRIPT => Kind::Raw(Raw::Script),
        0 if bytes[from..from + name.len].eq_ignore_ascii_case(b"plaintext") => {
            Kind::Raw(Raw::Plaintext)
        }
        _ => Kind::Other,
    }
}

/// Whitespace between a tag's parts (a carriage return is a line feed to the tokenizer).
/// This and the classes below sort bytes by what they end, so that the scan's loops test a
/// byte with one table load ([`CLASS`]).
const SPACE: u8 = 1;
/// Ends a tag's name: whitespace, `/` or `>`.
const ENDS_NAME: u8 = 2;
/// Ends an attribute's name: whitespace, `/`, `>` or `=`.
const ENDS_ATTRIBUTE_NAME: u8 = 4;
/// Ends an unquoted attribute value: whitespace or `>`.
const ENDS_VALUE: u8 = 8;

/// Each byte's classes ([`SPACE`], [`ENDS_NAME`], …).
static CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let spaces = [b'\t', b'\n', b'\x0c', b'\r', b' '];
    let mut i = 0;
    while i < spaces.len() {
        class[spaces[i] as usize] = SPACE | ENDS_NAME | ENDS_ATTRIBUTE_NAME | ENDS_VALUE;
        i += 1;
    }
    class[b'/' as usize] = ENDS_NAME | ENDS_ATTRIBUTE_NAME;
    class[b'>' as usize] = ENDS_NAME | ENDS_ATTRIBUTE_NAME | ENDS_VALUE;
    class[b'=' as usize] = ENDS_ATTRIBUTE_NAME;
    class
};

/// Whether `b` is in any of `classes`.
fn is(b: u8, classes: u8) -> bool {
    CLASS[usize::from(b)] & classes != 0
}

/// Whether `b` is [`SPACE`].
fn is_space(b: u8) -> bool {
    is(b, SPACE)
}

/// Where the first `needle` at or after `from` is. Most runs between tags and most quoted
/// values are a few bytes long: the first 32 bytes are looked through eight at a time in a
/// word, which is cheaper than setting up a vector search, and the rest by `memchr`.
fn find(needle: u8, bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let near = bytes.len().min(from + 32);
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8).filter(|_| i < near) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // A byte of `word` equal to `needle` is a zero byte of `x`; the lowest byte with
        // its high bit set in `zero` is the first such (higher ones may be false).
        let x = word ^ (ONES * u64::from(needle));
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(i + zero.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    memchr::memchr(needle, &bytes[i..]).map(|at| i + at)
}

/// What a page is made of, as a tree parse will build it: counted while scanning, so that
/// the tree's memory is known, and bounded, before it is parsed (`extract::tree`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// How deeply the page nests its elements: start tags open, end tags close, and void,
    /// self-closed, sibling-closed and raw-text elements do not count (so `<p>` and `<li>`
    /// written without their end tags do not deepen it).
    pub depth: usize,
    /// The nodes a tree of the page holds as written: elements (start tags, and `</p>` and
    /// `</br>` end tags, which the tree builder turns into elements when no `<p>` is open),
    /// comments, doctypes, and runs of text between them. The tree builder adds a few
    /// (`<html>`, `<tbody>`, …).
    pub nodes: usize,
    /// Attributes written in start tags.
    pub attributes: usize,
    /// The most attributes one start tag has: the tokenizer compares each with every one
    /// before it, so a tag of very many takes time by their square.
    pub most_attributes: usize,
}

/// Scans `html`, handing `found` every start tag named in `wanted` (lower-case, at most
/// eight bytes each), in the order written, and returns the page's [`Shape`].
pub fn scan<'a>(html: &'a str, wanted: &[&'static str], mut found: impl FnMut(Tag<'a>)) -> Shape {
    let bytes = html.as_bytes();
    let words: Vec<u64> = wanted.iter().map(|w| word(w.as_bytes())).collect();
    debug_assert!(!words.contains(&0), "{wanted:?}");
    let (mut depth, mut i) = (0usize, 0usize);
    let mut shape = Shape::default();
    // Where the text after the last markup starts: text up to the next markup is a node.
    let mut text_from = 0usize;
    while let Some(at) = find(b'<', bytes, i) {
        i = at + 1;
        let markup = matches!(bytes.get(i), Some(b) if b.is_ascii_alphabetic() || matches!(b, b'!' | b'?' | b'/'));
        if markup {
            shape.nodes += usize::from(at > text_from);
        }
        match bytes.get(i) {
            Some(b'!') => {
                i = end_of_markup_declaration(bytes, i + 1);
                shape.nodes += 1;
            }
            Some(b'?') => {
                i = end_of_bogus_comment(bytes, i);
                shape.nodes += 1;
            }
            Some(b'/') => match bytes.get(i + 1) {
                Some(b) if b.is_ascii_alphabetic() => {
                    let name = Name::at(bytes, i + 1);
                    let Some((end, _)) = end_of_tag(bytes, i + 1 + name.len, |_, _| {}) else {
                        break;
                    };
                    if matches!(kind(bytes, i + 1, name), Kind::Other) {
                        depth = depth.saturating_sub(1);
                    }
                    if matches!(name.word, P | BR) {
                        shape.nodes += 1;
                    }
                    i = end;
                }
                Some(b'>') => i += 2,
                Some(_) => {
                    i = end_of_bogus_comment(bytes, i + 1);
                    shape.nodes += 1;
                }
                None => break,
            },
            Some(b) if b.is_ascii_alphabetic() => {
                let name = Name::at(bytes, i);
                let name_end = i + name.len;
                let wanted = words
                    .iter()
                    .position(|&w| w == name.word)
                    .map(|at| wanted[at]);
                let mut attributes = Attributes::default();
                let mut count = 0usize;
                let tag = match wanted {
                    Some(_) => end_of_tag(bytes, name_end, |name, value| {
                        count += 1;
                        attributes.0.push((&html[name], &html[value]))
                    }),
                    None => end_of_tag(bytes, name_end, |_, _| count += 1),
                };
                let Some((end, self_closed)) = tag else {
                    break;
                };
                shape.nodes += 1;
                shape.attributes += count;
                shape.most_attributes = shape.most_attributes.max(count);
                i = end;
                let mut text = None;
                match kind(bytes, at + 1, name) {
                    Kind::Raw(Raw::Plaintext) => {
                        text = Some(&html[i..]);
                        i = bytes.len();
                    }
                    Kind::Raw(raw) => {
                        let text_end = end_of_raw_text(bytes, i, &bytes[at + 1..name_end], raw);
                        text = Some(&html[i..text_end]);
                        i = text_end;
                    }
                    Kind::Other if !self_closed => {
                        depth += 1;
                        shape.depth = shape.depth.max(depth);
                    }
                    _ => {}
                }
                if text.is_some_and(|t| !t.is_empty()) {
                    shape.nodes += 1;
                }
                if let Some(name) = wanted {
                    found(Tag {
                        name,
                        attributes,
                        text: text.filter(|_| matches!(name, "title" | "script")),
                    });
                }
            }
            _ => {}
        }
        if markup {
            text_from = i;
        }
    }
    shape.nodes += usize::from(bytes.len() > text_from);
    shape
}

/// Reads a tag's attributes from just after its name, handing each (name, value) range to
/// `attribute`; returns where the tag ends (after its `>`) and whether it closed itself,
/// or `None` when the page ends inside it (the tokenizer then drops the tag).
fn end_of_tag(
    bytes: &[u8],
    from: usize,
    mut attribute: impl FnMut(std::ops::Range<usize>, std::ops::Range<usize>),
) -> Option<(usize, bool)> {
    let mut i = from;
    loop {
        // Before an attribute's name.
        while is_space(*bytes.get(i)?) {
            i += 1;
        }
        match bytes[i] {
            b'>' => return Some((i + 1, false)),
            b'/' => {
                if bytes.get(i + 1) == Some(&b'>') {
                    return Some((i + 2, true));
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        // The name: an `=` first is part of it.
        let name_start = i;
        i += 1;
        while let Some(&b) = bytes.get(i) {
            if is(b, ENDS_ATTRIBUTE_NAME) {
                break;
            }
            i += 1;
        }
        let name = name_start..i;
        while is_space(*bytes.get(i)?) {
            i += 1;
        }
        if bytes[i] != b'=' {
            attribute(name, i..i);
            continue;
        }
        i += 1;
        while is_space(*bytes.get(i)?) {
            i += 1;
        }
        match bytes[i] {
            quote @ (b'"' | b'\'') => {
                let close = find(quote, bytes, i + 1)?;
                attribute(name, i + 1..close);
                i = close + 1;
            }
            b'>' => {
                attribute(name, i..i);
                return Some((i + 1, false));
            }
            _ => {
                let start = i;
                while let Some(&b) = bytes.get(i) {
                    if is(b, ENDS_VALUE) {
                        break;
                    }
                    i += 1;
                }
                attribute(name, start..i);
            }
        }
    }
}

/// Where a comment, doctype or other `<!` declaration starting at `from` (after `<!`) ends.
fn end_of_markup_declaration(bytes: &[u8], from: usize) -> usize {
    let rest = &bytes[from..];
    if !rest.starts_with(b"--") {
        // A doctype ends at its first `>`, as does a bogus comment (CDATA sections exist only
        // inside SVG and MathML, which this scan reads as HTML).
        return end_of_bogus_comment(bytes, from);
    }
    let body = from + 2;
    // `<!-->` and `<!--->` end at once.
    match &bytes[body..] {
        [b'>', ..] => return body + 1,
        [b'-', b'>', ..] => return body + 2,
        _ => {}
    }
    let mut i = body;
    while let Some(offset) = memchr::memchr(b'-', &bytes[i..]) {
        let dash = i + offset;
        let after = &bytes[dash..];
        if after.starts_with(b"-->") {
            return dash + 3;
        }
        if after.starts_with(b"--!>") {
            return dash + 4;
        }
        i = dash + 1;
    }
    bytes.len()
}

/// Where a bogus comment (or doctype) whose text starts at `from` ends: after its `>`.
fn end_of_bogus_comment(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'>', &bytes[from..]).map_or(bytes.len(), |p| from + p + 1)
}

/// Where the raw text of element `name`, starting at `from`, ends: at the `<` of its end
/// tag, or at the end of the page.
fn end_of_raw_text(bytes: &[u8], from: usize, name: &[u8], raw: Raw) -> usize {
    if raw == Raw::Script {
        return end_of_script(bytes, from);
    }
    let mut i = from;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + offset;
        if is_end_tag_of(bytes, at, name) {
            return at;
        }
        i = at + 1;
    }
    bytes.len()
}

/// Whether `</name` followed by a space, `/` or `>` starts at `at`.
fn is_end_tag_of(bytes: &[u8], at: usize, name: &[u8]) -> bool {
    bytes.get(at + 1) == Some(&b'/')
        && bytes
            .get(at + 2..at + 2 + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        && bytes
            .get(at + 2 + name.len())
            .is_some_and(|&b| is(b, ENDS_NAME))
}

/// Whether `script` followed by a space, `/` or `>` starts at `at`, ASCII case-insensitive.
fn is_script_word(bytes: &[u8], at: usize) -> bool {
    bytes
        .get(at..at + 6)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"script"))
        && bytes.get(at + 6).is_some_and(|&b| is(b, ENDS_NAME))
}

/// Where script data starting at `from` ends, following the tokenizer's script states: a
/// `</script>` ends it, except inside `<!-- <script> … -->`, where it only leaves the inner
/// script.
fn end_of_script(bytes: &[u8], from: usize) -> usize {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut i = from;
    while let Some(offset) = memchr::memchr2(b'<', b'-', &bytes[i..]) {
        let at = i + offset;
        i = at + 1;
        match (bytes[at], &state) {
            (b'<', State::Data) => {
                if is_end_tag_of(bytes, at, b"script") {
                    return at;
                }
                if bytes[at + 1..].starts_with(b"!--") {
                    state = State::Escaped;
                    // The dashes of `<!--` may also be the first two of a closing `-->`.
                    i = at + 2;
                }
            }
            (b'<', State::Escaped) => {
                if is_end_tag_of(bytes, at, b"script") {
                    return at;
                }
                if is_script_word(bytes, at + 1) {
                    state = State::DoubleEscaped;
                    i = at + 7;
                }
            }
            (b'<', State::DoubleEscaped)
                if bytes.get(at + 1) == Some(&b'/') && is_script_word(bytes, at + 2) =>
            {
                state = State::Escaped;
                i = at + 8;
            }
            (b'-', State::Escaped | State::DoubleEscaped) if bytes[at..].starts_with(b"-->") => {
                state = State::Data;
                i = at + 3;
            }
            _ => {}
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tag as found: its name, attributes and text.
    type Found = (String, Vec<(String, String)>, Option<String>);

    fn tags(html: &str) -> Vec<Found> {
        let mut out = Vec::new();
        scan(html, &["meta", "title", "script", "link"], |tag| {
            out.push((
                tag.name.to_owned(),
                tag.attributes
                    .0
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                tag.text.map(str::to_owned),
            ))
        });
        out
    }

    #[test]
    fn quoted_values_may_hold_angle_brackets_and_comments_hide_tags() {
        let found = tags(
            r#"<div data-x="a > <meta content=no>"><!-- <meta content=no> --><!--><meta content=yes>
               <meta property = 'og:image' content=/a.png/></div>"#,
        );
        let contents: Vec<&str> = found
            .iter()
            .map(|(_, attrs, _)| attrs.last().unwrap().1.as_str())
            .collect();
        assert_eq!(contents, ["yes", "/a.png/"]);
    }

    #[test]
    fn raw_text_ends_only_at_its_own_end_tag() {
        let found = tags(
            "<title>a <b> &amp; </titles> c</TITLE ><style><meta content=no></style>\
             <script>if (a<b) '<!-- <script> </script> -->'; x</script><meta content=yes>",
        );
        assert_eq!(found[0].2.as_deref(), Some("a <b> &amp; </titles> c"));
        assert_eq!(
            found[1].2.as_deref(),
            Some("if (a<b) '<!-- <script> </script> -->'; x")
        );
        assert_eq!(found[2].1, [("content".to_owned(), "yes".to_owned())]);
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn nesting_counts_only_real_nesting() {
        let depth = |html: &str| scan(html, &[], |_| {}).depth;
        assert_eq!(
            depth("<html><body><div><p>a<p>b<br><img src=x></div></body></html>"),
            3
        );
        assert_eq!(depth("<ul><li>a<li>b<li>c</ul>"), 1);
        assert_eq!(
            depth("<script>if (a<b) { '<div><div><div>' }</SCRIPT><svg/>"),
            0
        );
        assert_eq!(depth("<style>a<b</style><div></div>"), 1);
        assert_eq!(depth(&"<div>".repeat(10_000)), 10_000);
    }

    #[test]
    fn a_tag_cut_off_by_the_end_of_the_page_is_dropped() {
        assert!(tags("<meta content=\"a\" property=\"og:image").is_empty());
        assert_eq!(tags("<title>unfinished").len(), 1);
    }

    #[test]
    fn the_shape_counts_the_nodes_and_attributes_a_tree_of_the_page_holds() {
        let shape = |html: &str| scan(html, &[], |_| {});
        let page = shape(
            "<!doctype html><p class=a id=b>one<!-- c --><i>two</i> three</p>\
             <script>if (a<b) {}</script><br data-x>",
        );
        // doctype, p, "one", comment, i, "two", " three", `</p>` (counted whether or not a
        // `<p>` is open), script, its text, br.
        assert_eq!(page.nodes, 11);
        assert_eq!((page.attributes, page.most_attributes), (3, 2));
        // Text with a stray `<` in it is one node, and the end tags that make elements count.
        assert_eq!(shape("a < b</p></br></i>c").nodes, 4);
        assert_eq!(shape("").nodes, 0);
        assert_eq!(shape("<i a b c d>").most_attributes, 4);
    }
}
