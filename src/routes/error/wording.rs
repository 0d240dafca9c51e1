//! Every sentence a visitor reads about a failure: lookups, their input, image requests.
//! The domain's errors carry data (the platform, the handle, the cause); they are worded
//! here, once, and nowhere below `routes/`.

use crate::budget::{self, Refusal};
use crate::fetch::guard::Refused;
use crate::fetch::{Cause, FetchError};
use crate::imaging::ImageError;
use crate::lookup::{InputError, LookupError, NoImage, Platform, Unanswered, Unreadable, Whose};
use crate::providers::TooComplex;
use crate::proxy::ProxyError;

/// How a caller names the two sides of a fetch in what a visitor reads.
#[derive(Debug, Clone, Copy)]
struct Wording {
    /// The upstream, as the subject of a sentence: "The platform", "The image's host".
    upstream: &'static str,
    /// What was asked for: "profile", "image".
    thing: &'static str,
    /// What was read: "platform's answer", "image".
    body: &'static str,
}

/// How a failed lookup's fetch reads in what a visitor reads (the platform named in
/// `upstream` where the lookup knows it).
const LOOKUP: Wording = Wording {
    upstream: "The platform",
    thing: "profile",
    body: "platform's answer",
};

/// How a failed image fetch reads in what a visitor reads.
const IMAGE: Wording = Wording {
    upstream: "The image's host",
    thing: "image",
    body: "image",
};

/// Bytes in a MiB, for sizes a visitor reads.
const MIB: u64 = 1024 * 1024;

/// What a visitor reads of a failed lookup.
pub fn lookup_message(e: &LookupError) -> String {
    match e {
        LookupError::Input(e) => input_message(e),
        LookupError::NotFound(Whose::At(address)) => not_found(LOOKUP, address),
        LookupError::NotFound(Whose::Named { platform, handle }) => {
            format!("{platform} has no profile \"{handle}\".")
        }
        LookupError::NoImage(NoImage::NoPicture(Whose::At(address))) => {
            format!("{address} has no public profile picture.")
        }
        LookupError::NoImage(NoImage::NoPicture(Whose::Named { platform, handle })) => {
            format!("\"{handle}\" on {platform} has no public profile picture.")
        }
        LookupError::NoImage(NoImage::Unusable { platform, handle }) => {
            format!("{platform} {handle} has no usable image.")
        }
        LookupError::Blocked { platform, by } => blocked(
            Wording {
                upstream: subject(*platform),
                ..LOOKUP
            },
            by,
        ),
        LookupError::Timeout {
            platform,
            within: Some(within),
        } => past_deadline(subject(*platform), within.as_secs_f32()),
        LookupError::Timeout {
            platform,
            within: None,
        } => did_not_answer(subject(*platform)),
        LookupError::Upstream { platform, cause } => match (subject(*platform), cause) {
            (platform, Unanswered::Fetch(cause)) => unanswered(platform, cause),
            (_, Unanswered::TooLarge { max }) => too_large(LOOKUP, *max),
            (platform, Unanswered::OverBudget { needed, most }) => format!(
                "{platform}'s page would take about {} MiB to read, more than this server's \
                 memory budget allows one page ({} MiB).",
                needed.div_ceil(MIB),
                most / MIB
            ),
            (platform, Unanswered::NotAsked) => format!("{platform} could not be asked."),
            (_, Unanswered::Reading(cause)) => format!("reading the page failed: {cause}"),
        },
        LookupError::Unreadable { platform, cause } => match (subject(*platform), cause) {
            (platform, Unreadable::NotThe(expected)) => {
                format!("{platform}'s answer was not the {expected} we expected.")
            }
            (_, Unreadable::TooComplex(TooComplex::Nesting { most })) => {
                format!("The page nests its elements more than {most} deep; we do not read it.")
            }
            (_, Unreadable::TooComplex(TooComplex::Attributes { most })) => {
                format!("The page has a tag of more than {most} attributes; we do not read it.")
            }
            (_, Unreadable::TooComplex(TooComplex::Elements)) => {
                "The page builds far more elements than it writes; we do not read it.".into()
            }
        },
        LookupError::Forbidden(reason) => refused(reason),
        LookupError::Busy => {
            "The server is busy with other lookups and images; try again in a few seconds.".into()
        }
    }
}

/// The platform as the subject of a sentence: its name, or "The platform" for a page on
/// none in particular.
fn subject(platform: Platform) -> &'static str {
    platform.unwrap_or(LOOKUP.upstream)
}

/// What a visitor reads of input we cannot look up.
fn input_message(e: &InputError) -> String {
    match e {
        InputError::Empty => "Paste a profile URL, a handle or a name, such as \
                              https://x.com/jack, @Gargron@mastodon.social or jack."
            .into(),
        InputError::TooLong { most } => format!("That input is longer than {most} characters."),
        InputError::TooLongEncoded { most } => {
            format!("That link is longer than {most} characters once encoded.")
        }
        InputError::UnknownPlatform(id) => format!(
            "Unknown platform \"{id}\". The platforms we know are listed at /#platforms; or \
             leave the platform out and it is detected."
        ),
        InputError::NotAHandle { q, provider } => format!(
            "\"{q}\" is not a {} {}. For example: {}.",
            provider.name, provider.input, provider.example
        ),
        InputError::NotHttp => "Only http and https links can be looked up.".into(),
        InputError::WhichPlatform(q) => {
            format!("Which platform is \"{q}\" on? Pick one, or paste the full profile URL.")
        }
        InputError::BareName(name) => format!(
            "\"{name}\" is a name on no platform in particular: pick its platform, or search \
             every platform for it."
        ),
        InputError::NoPlatform(q) => format!("No platform here reads \"{q}\"."),
        InputError::Scheme(_) => refused(&Refused::Scheme(String::new())),
        InputError::BadAddress(address) => format!("\"{address}\" is not a valid address."),
    }
}

/// What a visitor reads of a URL the guard refused.
pub(super) fn refused(reason: &Refused) -> String {
    match reason {
        Refused::Scheme(_) => "Only http and https links can be used.".into(),
        Refused::Address(host) => format!("Refused: {host} is not a public internet address."),
    }
}

/// One sentence a visitor can read of a failed fetch, in `wording`'s terms. The technical
/// cause (DNS, refused, TLS) stays in [`FetchError`]'s `Display`, for the log.
fn fetch_sentence(e: &FetchError, wording: Wording) -> String {
    match e {
        FetchError::NotFound { url, .. } => not_found(wording, url.as_str()),
        FetchError::Blocked { by, .. } => blocked(wording, by),
        FetchError::Timeout { .. } => did_not_answer(wording.upstream),
        FetchError::Upstream { cause } => unanswered(wording.upstream, cause),
        FetchError::TooLarge { max } => too_large(wording, *max),
        FetchError::Forbidden { reason } => refused(reason),
    }
}

/// Nothing at `address`.
fn not_found(wording: Wording, address: &str) -> String {
    format!("There is no {} at {address}.", wording.thing)
}

/// The upstream refused us with `by` (a phrase: "a login wall").
fn blocked(wording: Wording, by: &str) -> String {
    let Wording {
        upstream, thing, ..
    } = wording;
    format!(
        "{upstream} stopped us with {by}. That is a block, not a missing {thing}: try again later."
    )
}

/// The upstream did not answer within a fetch's own timeout.
fn did_not_answer(upstream: &str) -> String {
    format!("{upstream} did not answer in time.")
}

/// The upstream answered with an error, or could not be reached (`cause`).
fn unanswered(upstream: &str, cause: &Cause) -> String {
    match cause {
        Cause::Status(status) => format!("{upstream} answered with HTTP {status}."),
        Cause::Dns(_) | Cause::Connect(_) => {
            format!("Could not connect to {}.", lower_first(upstream))
        }
        Cause::Redirects => format!("{upstream} redirected too many times."),
        Cause::Transport(_) => format!("The connection to {} failed.", lower_first(upstream)),
        Cause::Client(_) => "We could not set up our HTTP client.".into(),
    }
}

/// The body is larger than the `max` bytes we read.
fn too_large(wording: Wording, max: usize) -> String {
    format!(
        "The {} is larger than the {} we read.",
        wording.body,
        size(max)
    )
}

/// `bytes` as a visitor reads it: whole MiB when it is some, else KiB.
fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// "The platform" → "the platform", to put a subject after a verb; a name ("GitHub") stays.
fn lower_first(s: &str) -> String {
    match s.strip_prefix("The ") {
        Some(rest) => format!("the {rest}"),
        None => s.to_owned(),
    }
}

/// A platform that did not answer within the lookup's deadline of `seconds`.
pub fn past_deadline(platform: &str, seconds: f32) -> String {
    format!("{platform} did not answer within {seconds} s.")
}

/// What a visitor reads of an image we could not transform. A decoder's or encoder's own
/// words are kept: they say what is wrong with the file.
fn image_sentence(e: &ImageError) -> String {
    match e {
        ImageError::TooLarge { bytes, max } => {
            format!("the image is {bytes} bytes, more than the {max} we accept")
        }
        ImageError::NotAnImage => "this is not a JPEG, PNG, WebP or GIF image".into(),
        ImageError::TooManyPixels { width, height, max } => {
            format!("the image is {width}×{height}, more than the {max} pixels we handle")
        }
        ImageError::Corrupt(cause) => format!("the image cannot be decoded: {cause}"),
        ImageError::Encode(cause) => format!("the image cannot be encoded: {cause}"),
    }
}

/// What a visitor reads of an image the memory budget refused.
fn budget_refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Busy => format!(
            "The server is busy with other images; try again in {} s.",
            budget::RETRY_AFTER_SECS
        ),
        Refusal::TooLarge { needed, most } => format!(
            "The image needs about {} MiB to process, more than this server's memory budget \
             allows for one image ({} MiB).",
            needed.div_ceil(MIB),
            most / MIB
        ),
    }
}

/// What a visitor reads of a failed image request.
pub(super) fn image_message(e: &ProxyError) -> String {
    match e {
        ProxyError::Fetch(fetch) => fetch_sentence(fetch, IMAGE),
        ProxyError::Budget(refusal) => budget_refusal(refusal),
        ProxyError::Image(image) => image_sentence(image),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_reads_what_was_missing_in_the_callers_terms() {
        let missing = FetchError::NotFound {
            url: url::Url::parse("https://cdn.example/a.png").unwrap(),
            status: 404,
        };
        assert_eq!(
            fetch_sentence(&missing, IMAGE),
            "There is no image at https://cdn.example/a.png."
        );
        assert_eq!(
            fetch_sentence(&missing, LOOKUP),
            "There is no profile at https://cdn.example/a.png."
        );
    }

    #[test]
    fn the_technical_cause_is_kept_for_the_log_but_not_shown() {
        let refused = FetchError::Upstream {
            cause: Cause::Connect("tcp connect error: Connection refused (os error 111)".into()),
        };
        assert!(refused.to_string().contains("Connection refused"));
        assert_eq!(
            fetch_sentence(&refused, IMAGE),
            "Could not connect to the image's host."
        );
        let dns = FetchError::Upstream {
            cause: Cause::Dns("nowhere.invalid did not resolve".into()),
        };
        assert!(dns.to_string().starts_with("DNS failed"));
    }

    #[test]
    fn limits_read_in_whole_units() {
        let big = FetchError::TooLarge {
            max: 15 * 1024 * 1024,
        };
        assert_eq!(
            fetch_sentence(&big, IMAGE),
            "The image is larger than the 15 MiB we read."
        );
        let page = FetchError::TooLarge { max: 1500 * 1024 };
        assert_eq!(
            fetch_sentence(&page, LOOKUP),
            "The platform's answer is larger than the 1500 KiB we read."
        );
        let refused = budget_refusal(&Refusal::TooLarge {
            needed: 6 * MIB,
            most: 5 * MIB,
        });
        assert!(refused.contains("6 MiB"), "{refused}");
    }
}
