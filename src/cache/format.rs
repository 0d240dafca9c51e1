//! How one entry is laid out in its file: a small header, then the body.
//!
//! ```text
//! magic "GIMC" | version u16 | stored_at u64 | fresh_until u64 | type length u16 | type
//!              | note length u16 | note | body length u64 | sha256 (32 bytes) | body
//! ```
//!
//! Version 1 files, written before entries had a note, have no note fields and still read;
//! so do version 2 files, whose checksum does not cover the key.
//!
//! Integers are little-endian; times are nanoseconds since the Unix epoch. The checksum
//! covers the entry's key (its length, then its bytes; the key itself is not stored) and
//! the header fields before it as well as the body, so a flipped bit in a date or the
//! content type is caught too, not only one in the body, and an entry copied over another
//! key's file does not pass for that key's. Anything that does not add up is [`Corrupt`];
//! the caller deletes the file and counts a miss.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::Entry;

const MAGIC: &[u8; 4] = b"GIMC";
const VERSION: u16 = 3;
/// The version before the checksum covered the key, still read.
const VERSION_WITHOUT_KEY: u16 = 2;
/// The version before notes, still read.
const VERSION_WITHOUT_NOTE: u16 = 1;
const CHECKSUM_LEN: usize = 32;
/// Header bytes besides the content type and the note.
const FIXED_LEN: usize = 4 + 2 + 8 + 8 + 2 + 2 + 8 + CHECKSUM_LEN;

/// Why a file is not a valid entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(super) enum Corrupt {
    #[error("shorter than its header")]
    Truncated,
    #[error("not a cache entry (bad magic)")]
    BadMagic,
    #[error("unknown format version {0}")]
    Version(u16),
    #[error("body is {actual} bytes, header says {expected}")]
    Length { expected: u64, actual: u64 },
    #[error("checksum mismatch")]
    Checksum,
    #[error("content type is not UTF-8")]
    ContentType,
    #[error("note is not UTF-8")]
    Note,
}

/// The header for `entry` stored under `key`, to be followed by its body; `None` when its
/// content type or note is too long to encode (no real one is).
pub(super) fn header(entry: &Entry, key: &str) -> Option<Vec<u8>> {
    let content_type = entry.content_type.as_bytes();
    let type_len = u16::try_from(content_type.len()).ok()?;
    let note = entry.note.as_deref().unwrap_or_default().as_bytes();
    let note_len = u16::try_from(note.len()).ok()?;
    let mut header = Vec::with_capacity(FIXED_LEN + content_type.len() + note.len());
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.extend_from_slice(&to_nanos(entry.stored_at).to_le_bytes());
    header.extend_from_slice(&to_nanos(entry.fresh_until).to_le_bytes());
    header.extend_from_slice(&type_len.to_le_bytes());
    header.extend_from_slice(content_type);
    header.extend_from_slice(&note_len.to_le_bytes());
    header.extend_from_slice(note);
    header.extend_from_slice(&(entry.bytes.len() as u64).to_le_bytes());
    let checksum = keyed(key)
        .chain_update(&header)
        .chain_update(&entry.bytes)
        .finalize();
    header.extend_from_slice(&checksum);
    Some(header)
}

/// A checksum that starts with `key`.
fn keyed(key: &str) -> Sha256 {
    Sha256::new()
        .chain_update((key.len() as u64).to_le_bytes())
        .chain_update(key.as_bytes())
}

/// The entry stored for `key` in `file` (a whole file's contents).
pub(super) fn decode(file: Vec<u8>, key: &str) -> Result<Entry, Corrupt> {
    let mut reader = Reader { file: &file, at: 0 };
    if reader.take(4)? != MAGIC {
        return Err(Corrupt::BadMagic);
    }
    let version = reader.u16()?;
    if !matches!(
        version,
        VERSION | VERSION_WITHOUT_KEY | VERSION_WITHOUT_NOTE
    ) {
        return Err(Corrupt::Version(version));
    }
    let stored_at = from_nanos(reader.u64()?);
    let fresh_until = from_nanos(reader.u64()?);
    let type_len = usize::from(reader.u16()?);
    let content_type = reader.take(type_len)?;
    let note = if version != VERSION_WITHOUT_NOTE {
        let note_len = usize::from(reader.u16()?);
        reader.take(note_len)?
    } else {
        &[]
    };
    let expected = reader.u64()?;
    let summed = reader.at;
    let checksum = reader.take(CHECKSUM_LEN)?;
    let body_start = reader.at;
    let actual = (file.len() - body_start) as u64;
    if actual != expected {
        return Err(Corrupt::Length { expected, actual });
    }
    let start = if version == VERSION {
        keyed(key)
    } else {
        Sha256::new()
    };
    let computed = start
        .chain_update(&file[..summed])
        .chain_update(&file[body_start..])
        .finalize();
    if computed.as_slice() != checksum {
        return Err(Corrupt::Checksum);
    }
    let content_type = std::str::from_utf8(content_type)
        .map_err(|_| Corrupt::ContentType)?
        .to_owned();
    let note = match std::str::from_utf8(note).map_err(|_| Corrupt::Note)? {
        "" => None,
        note => Some(note.to_owned()),
    };
    // The body is a view into the file's buffer: no second copy of a large image.
    let bytes = Bytes::from(file).slice(body_start..);
    Ok(Entry {
        bytes,
        content_type,
        stored_at,
        fresh_until,
        note,
    })
}

/// Reads fields front to back, failing on the first one the file is too short for.
struct Reader<'a> {
    file: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], Corrupt> {
        let end = self.at.checked_add(len).ok_or(Corrupt::Truncated)?;
        let field = self.file.get(self.at..end).ok_or(Corrupt::Truncated)?;
        self.at = end;
        Ok(field)
    }

    fn u16(&mut self) -> Result<u16, Corrupt> {
        let field = self.take(2)?;
        Ok(u16::from_le_bytes([field[0], field[1]]))
    }

    fn u64(&mut self) -> Result<u64, Corrupt> {
        let mut field = [0; 8];
        field.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(field))
    }
}

/// Nanoseconds since the epoch, clamped to what a u64 holds (years 1970 to 2554).
fn to_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    })
}

fn from_nanos(nanos: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let now = SystemTime::now();
        Entry {
            bytes: Bytes::from_static(b"\x89PNG not really"),
            content_type: "image/png".to_owned(),
            stored_at: now,
            fresh_until: now + Duration::from_secs(3600),
            note: None,
        }
    }

    fn encode(entry: &Entry) -> Vec<u8> {
        let mut file = header(entry, "k").unwrap();
        file.extend_from_slice(&entry.bytes);
        file
    }

    #[test]
    fn an_encoded_entry_decodes_to_itself() {
        let entry = entry();
        assert_eq!(decode(encode(&entry), "k"), Ok(entry));
    }

    #[test]
    fn a_note_round_trips() {
        let entry = entry().with_note(Some("first frame only"));
        assert_eq!(decode(encode(&entry), "k"), Ok(entry));
    }

    /// Sums an edited `file` (a header ending in its checksum) as versions 1 and 2 did,
    /// over the header and the bytes but not the key, and appends the bytes.
    fn checksum_without_key(file: &mut Vec<u8>, entry: &Entry) {
        let summed = file.len() - CHECKSUM_LEN;
        let checksum = Sha256::new()
            .chain_update(&file[..summed])
            .chain_update(&entry.bytes)
            .finalize();
        file[summed..].copy_from_slice(&checksum);
        file.extend_from_slice(&entry.bytes);
    }

    #[test]
    fn a_version_1_file_without_a_note_still_reads() {
        // Today's header without its (empty) note field, checksummed again.
        let entry = entry();
        let mut file = header(&entry, "k").unwrap();
        let note_at = FIXED_LEN - 2 - 8 - CHECKSUM_LEN + entry.content_type.len();
        file.drain(note_at..note_at + 2);
        file[4..6].copy_from_slice(&VERSION_WITHOUT_NOTE.to_le_bytes());
        checksum_without_key(&mut file, &entry);
        let read = decode(file, "any key").unwrap();
        assert_eq!((read.bytes, read.note), (entry.bytes, None));
    }

    #[test]
    fn a_version_2_file_whose_checksum_has_no_key_still_reads() {
        let entry = entry();
        let mut file = header(&entry, "k").unwrap();
        file[4..6].copy_from_slice(&VERSION_WITHOUT_KEY.to_le_bytes());
        checksum_without_key(&mut file, &entry);
        assert_eq!(decode(file, "any key"), Ok(entry));
    }

    #[test]
    fn an_entry_read_under_another_key_is_corrupt() {
        let entry = entry();
        let file = encode(&entry);
        assert_eq!(decode(file.clone(), "k2"), Err(Corrupt::Checksum));
        assert_eq!(decode(file, "k"), Ok(entry));
    }

    #[test]
    fn an_empty_body_round_trips() {
        let entry = Entry {
            bytes: Bytes::new(),
            ..entry()
        };
        assert_eq!(decode(encode(&entry), "k"), Ok(entry));
    }

    #[test]
    fn every_flipped_byte_is_caught() {
        let file = encode(&entry());
        for at in 0..file.len() {
            let mut bad = file.clone();
            bad[at] ^= 0x01;
            assert!(
                decode(bad, "k").is_err(),
                "flipping byte {at} went unnoticed"
            );
        }
    }

    #[test]
    fn every_truncation_is_caught() {
        let file = encode(&entry());
        for len in 0..file.len() {
            assert!(
                decode(file[..len].to_vec(), "k").is_err(),
                "length {len} went unnoticed"
            );
        }
    }

    #[test]
    fn trailing_bytes_are_caught() {
        let mut file = encode(&entry());
        file.push(0);
        assert!(matches!(decode(file, "k"), Err(Corrupt::Length { .. })));
    }

    #[test]
    fn garbage_is_not_an_entry() {
        assert_eq!(
            decode(b"<html>not ours</html>".to_vec(), "k"),
            Err(Corrupt::BadMagic)
        );
        assert_eq!(decode(Vec::new(), "k"), Err(Corrupt::Truncated));
    }
}
