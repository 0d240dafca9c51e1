//! Why an image could not be transformed. How each reason is served over HTTP, and the
//! sentence a visitor reads, are decided at the edge, in `routes::error`; `Display` is the
//! log line's.

/// Every way reading, resizing or writing an image can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The source is larger on the wire than we accept.
    #[error("the image is {bytes} bytes, more than the {max} we accept")]
    TooLarge {
        /// Length of the source.
        bytes: usize,
        /// The limit it broke.
        max: usize,
    },
    /// The bytes are not a JPEG, PNG, WebP or GIF, whatever the `content-type` said.
    #[error("this is not a JPEG, PNG, WebP or GIF image")]
    NotAnImage,
    /// The image (or the size asked for) has more pixels than we decode or produce.
    #[error("the image is {width}×{height}, more than the {max} pixels we handle")]
    TooManyPixels {
        /// Width, as its header claims or as asked for.
        width: u32,
        /// Height, as its header claims or as asked for.
        height: u32,
        /// The limit it broke.
        max: u64,
    },
    /// The image is truncated, lies about itself, or cannot be decoded.
    #[error("the image cannot be decoded: {0}")]
    Corrupt(String),
    /// Resizing or encoding the result failed: our fault, not the image's.
    #[error("the image cannot be encoded: {0}")]
    Encode(String),
}
