//! Why an image could not be transformed, with the HTTP status and stable code each reason
//! maps to.

use actix_web::http::StatusCode;

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

impl ImageError {
    /// The stable machine-readable code, e.g. `EDECODE`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "ETOOLARGE",
            Self::NotAnImage => "ENOTIMAGE",
            Self::TooManyPixels { .. } => "ETOOMANYPIXELS",
            Self::Corrupt(_) => "EDECODE",
            Self::Encode(_) => "EENCODE",
        }
    }

    /// The HTTP status this failure is served with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyPixels { .. } | Self::Corrupt(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Encode(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_a_stable_code_and_status() {
        let cases = [
            (ImageError::TooLarge { bytes: 2, max: 1 }, "ETOOLARGE", 413),
            (ImageError::NotAnImage, "ENOTIMAGE", 415),
            (
                ImageError::TooManyPixels {
                    width: 2,
                    height: 2,
                    max: 3,
                },
                "ETOOMANYPIXELS",
                422,
            ),
            (ImageError::Corrupt("x".into()), "EDECODE", 422),
            (ImageError::Encode("x".into()), "EENCODE", 500),
        ];
        for (error, code, status) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.status().as_u16(), status, "{error}");
        }
    }
}
