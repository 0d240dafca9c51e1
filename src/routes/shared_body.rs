//! A response body sent from shared bytes in small slices.
//!
//! actix copies every chunk a body yields into the connection's write buffer. A cached image
//! sent as one chunk is therefore copied whole for each client, and a client that never reads
//! pins that copy: 100 of them asking for a 12 MB image held over a gigabyte. Sliced, each
//! connection holds at most a slice or two, and every client reads the one cached copy.

use std::any::Any;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use bytes::Bytes;

/// The most a connection copies out of the shared bytes at a time.
const SLICE: usize = 64 * 1024;

/// `bytes` (a clone of a cached body: no copy) sent a slice at a time.
pub struct SharedBody {
    rest: Bytes,
    /// Whatever must live as long as the bytes are being sent (their memory admission).
    _holds: Box<dyn Any>,
}

impl SharedBody {
    /// A body that sends `bytes` and keeps `holds` until it is done or dropped.
    pub fn new(bytes: Bytes, holds: impl Any) -> Self {
        Self {
            rest: bytes,
            _holds: Box::new(holds),
        }
    }
}

impl MessageBody for SharedBody {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.rest.len() as u64)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Infallible>>> {
        let rest = &mut self.get_mut().rest;
        if rest.is_empty() {
            return Poll::Ready(None);
        }
        let slice = rest.split_to(rest.len().min(SLICE));
        Poll::Ready(Some(Ok(slice)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn the_body_is_the_shared_bytes_in_slices() {
        let shared = Bytes::from((0..200_000u32).map(|n| n as u8).collect::<Vec<u8>>());
        let body = SharedBody::new(shared.clone(), ());
        assert_eq!(body.size(), BodySize::Sized(200_000));
        let sent = actix_web::body::to_bytes(body).await.unwrap();
        assert_eq!(sent, shared);
    }
}
