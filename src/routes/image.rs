//! `GET /image`: an image fetched through our proxy, resized and converted on request.

use actix_web::http::header::{self, EntityTag, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use url::Url;

use super::error::{ApiError, Problem};
use super::query::{FromPairs, Params, once, pairs};
use super::shared_body::SharedBody;
use crate::fetch::guard::Guard;
use crate::imaging::{DEFAULT_QUALITY, Fit, FormatChoice, Transform};
use crate::proxy::{ImageProxy, Served};

/// Largest width or height that may be asked for.
pub const MAX_SIDE: u32 = 4096;

/// The query string of `/image`.
#[derive(Debug, Default, Deserialize)]
pub struct ImageParams {
    /// The image's URL.
    url: Option<String>,
    /// Box width.
    w: Option<String>,
    /// Box height.
    h: Option<String>,
    /// Present (empty, `1`, `true`, `yes`) to answer as a download.
    download: Option<String>,
    /// The download's file name, without extension.
    name: Option<String>,
    /// Fit, format, quality and upscale.
    #[serde(flatten)]
    options: TransformParams,
}

impl FromPairs for ImageParams {
    fn from_pairs(query: &str) -> Option<Self> {
        let mut params = Self::default();
        for (name, value) in pairs(query) {
            let slot = match &*name {
                "url" => &mut params.url,
                "w" => &mut params.w,
                "h" => &mut params.h,
                "download" => &mut params.download,
                "name" => &mut params.name,
                other => match params.options.slot(other) {
                    Some(slot) => slot,
                    None => continue,
                },
            };
            once(slot, value)?;
        }
        Some(params)
    }
}

/// The transform options `/image` and `/{provider}/{id}` share; sizes are each route's own.
#[derive(Debug, Default, Deserialize)]
pub struct TransformParams {
    /// `cover`, `contain` or `inside`.
    fit: Option<String>,
    /// `jpeg`, `png`, `webp`, `gif` or `original`.
    format: Option<String>,
    /// Quality, 1 to 100.
    q: Option<String>,
    /// `1`, `true` or `yes` to allow enlarging.
    upscale: Option<String>,
}

/// `GET /image?url=…[&w=&h=&fit=&format=&q=&download=1&name=]`.
pub async fn image(
    req: HttpRequest,
    guard: web::Data<Guard>,
    proxy: web::Data<ImageProxy>,
    params: Params<ImageParams>,
) -> Result<HttpResponse, ApiError> {
    let request = ImageRequest::parse(&params)?;
    let download = request.download.then_some(request.name);
    // A hit on the URL as it was written: parsed and checked when it was fetched.
    if let Some(served) = proxy.held(request.raw, &request.transform).await {
        return Ok(respond(&req, served, &request.transform, download));
    }
    let url = request.url()?;
    guard
        .check_url(&url)
        .map_err(|refused| Problem::from(&refused))?;
    serve(&req, &proxy, &url, &request.transform, download).await
}

/// Fetches (or takes from the cache) and sends one image; `download` names the file to save.
pub async fn serve(
    req: &HttpRequest,
    proxy: &ImageProxy,
    url: &Url,
    transform: &Transform,
    download: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let served = proxy.get(url, transform).await?;
    Ok(respond(req, served, transform, download))
}

fn respond(
    req: &HttpRequest,
    served: Served,
    transform: &Transform,
    download: Option<&str>,
) -> HttpResponse {
    let (image, cache) = (&served.image, served.status);
    let entry = &image.entry;
    // A transformed variant of a URL never changes; the original may, upstream.
    const ORIGINAL: HeaderValue = HeaderValue::from_static("public, max-age=86400");
    const VARIANT: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
    let control = if transform.is_identity() {
        ORIGINAL
    } else {
        VARIANT
    };
    let not_modified = req.headers().contains_key(header::IF_NONE_MATCH)
        && super::client_has(req, &EntityTag::new_strong(image.etag.as_str().into()));
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, quoted(image.etag.as_str())))
        .insert_header((header::CACHE_CONTROL, control))
        .insert_header((super::X_CACHE_STATUS, super::cache_status(cache)));
    if let Some(note) = &entry.note {
        builder.insert_header(("x-image-note", note.as_str()));
    }
    if let Some(name) = download {
        let extension = extension_of(&entry.content_type);
        builder.insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}.{extension}\"",
                safe_file_name(name)
            ),
        ));
    }
    if not_modified {
        return builder.finish();
    }
    match known_media_type(&entry.content_type) {
        Some(media_type) => builder.content_type(media_type),
        None => builder.content_type(entry.content_type.as_str()),
    };
    let bytes = entry.bytes.clone();
    // What the bytes came with is kept while they are sent, when there is anything to keep:
    // an image the memory cache holds comes with nothing (and a box of nothing allocates
    // nothing).
    if served.holds_more_than_its_bytes() {
        builder.body(SharedBody::new(bytes, served))
    } else {
        builder.body(SharedBody::new(bytes, ()))
    }
}

/// `"etag"`, as a header value.
fn quoted(etag: &str) -> HeaderValue {
    let mut value = [b'"'; 64];
    let tag = &etag.as_bytes()[..etag.len().min(62)];
    value[1..=tag.len()].copy_from_slice(tag);
    HeaderValue::from_bytes(&value[..tag.len() + 2])
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// The media types we encode to, as header values made at compile time.
fn known_media_type(media_type: &str) -> Option<HeaderValue> {
    const WEBP: HeaderValue = HeaderValue::from_static("image/webp");
    const JPEG: HeaderValue = HeaderValue::from_static("image/jpeg");
    const PNG: HeaderValue = HeaderValue::from_static("image/png");
    const GIF: HeaderValue = HeaderValue::from_static("image/gif");
    Some(match media_type {
        "image/webp" => WEBP,
        "image/jpeg" => JPEG,
        "image/png" => PNG,
        "image/gif" => GIF,
        _ => return None,
    })
}

/// What `/image` was asked for, checked but for its URL, which is parsed only when the
/// memory cache does not hold it as written ([`ImageRequest::url`]).
#[derive(Debug)]
struct ImageRequest<'a> {
    /// The URL as written, trimmed.
    raw: &'a str,
    transform: Transform,
    download: bool,
    name: &'a str,
}

impl<'a> ImageRequest<'a> {
    fn parse(params: &'a ImageParams) -> Result<Self, Problem> {
        let raw = params
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| Problem::input("Say which image: /image?url=https://…"))?;
        Ok(Self {
            raw,
            transform: params
                .options
                .transform(("w", params.w.as_deref()), ("h", params.h.as_deref()))?,
            download: params
                .download
                .as_deref()
                .is_some_and(|v| matches!(v, "" | "1" | "true" | "yes")),
            name: params.name.as_deref().unwrap_or("image"),
        })
    }

    /// The URL, parsed.
    fn url(&self) -> Result<Url, Problem> {
        let raw = self.raw;
        Url::parse(raw).map_err(|_| Problem::input(format!("\"{raw}\" is not a URL.")))
    }
}

impl TransformParams {
    /// The field a query parameter named `name` sets, if it is one of these.
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        match name {
            "fit" => Some(&mut self.fit),
            "format" => Some(&mut self.format),
            "q" => Some(&mut self.q),
            "upscale" => Some(&mut self.upscale),
            _ => None,
        }
    }

    /// The transform these options and the two sizes (each with the parameter name it was
    /// given as, for the error message) ask for.
    pub fn transform(
        &self,
        width: (&str, Option<&str>),
        height: (&str, Option<&str>),
    ) -> Result<Transform, Problem> {
        let fit = match self.fit.as_deref() {
            None => Fit::default(),
            Some(v) => Fit::from_query(v)
                .ok_or_else(|| Problem::input("fit must be cover, contain or inside."))?,
        };
        let format = match self.format.as_deref() {
            None => FormatChoice::Original,
            Some(v) => FormatChoice::from_query(v).ok_or_else(|| {
                Problem::input("format must be jpeg, png, webp, gif or original.")
            })?,
        };
        let quality = match self.q.as_deref() {
            None => DEFAULT_QUALITY,
            Some(v) => v
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|q| (1..=100).contains(q))
                .ok_or_else(|| Problem::input("q must be a quality from 1 to 100."))?,
        };
        Ok(Transform {
            width: side(width)?,
            height: side(height)?,
            fit,
            format,
            quality,
            upscale: self
                .upscale
                .as_deref()
                .is_some_and(|v| matches!(v, "1" | "true" | "yes")),
        })
    }
}

/// A size in pixels from 1 to [`MAX_SIDE`]; empty or absent is none.
fn side((key, value): (&str, Option<&str>)) -> Result<Option<u32>, Problem> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=MAX_SIDE).contains(&n) => Ok(Some(n)),
            _ => Err(Problem::input(format!(
                "{key} must be a number of pixels from 1 to {MAX_SIDE}."
            ))),
        },
    }
}

fn extension_of(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        _ => "img",
    }
}

/// A file name every OS accepts: ASCII letters, digits, `-`, `_` and `.`, no leading dot,
/// at most 100 characters, never a reserved Windows device name.
pub fn safe_file_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed: String = out
        .trim_matches(|c| c == '-' || c == '.')
        .chars()
        .take(100)
        .collect();
    let stem = trimmed.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if trimmed.is_empty() {
        "image".into()
    } else if reserved {
        format!("image-{trimmed}")
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_everywhere() {
        assert_eq!(
            safe_file_name("github-torvalds-avatar"),
            "github-torvalds-avatar"
        );
        assert_eq!(safe_file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_file_name("a\"b\r\nc;d"), "a-b-c-d");
        assert_eq!(
            safe_file_name("mastodon-Gargron@mastodon.social-avatar"),
            "mastodon-Gargron-mastodon.social-avatar"
        );
        assert_eq!(safe_file_name("CON"), "image-CON");
        assert_eq!(safe_file_name("émoji😀"), "moji");
        assert_eq!(safe_file_name(""), "image");
        assert_eq!(safe_file_name(&"x".repeat(300)).len(), 100);
    }

    /// The transform `query` asks for.
    fn parsed(query: &str) -> Result<Transform, Problem> {
        let params = web::Query::<ImageParams>::from_query(query).expect("a query");
        ImageRequest::parse(&params).map(|request| request.transform)
    }

    #[test]
    fn sizes_and_options_are_checked() {
        let t = parsed("url=https://a.example/x.png&w=400&format=webp").unwrap();
        assert_eq!(t.width, Some(400));
        assert!(!t.is_identity());
        for (bad, message) in [
            ("w=0", "w must be a number of pixels from 1 to 4096."),
            ("w=99999", "w must be a number of pixels from 1 to 4096."),
            ("h=abc", "h must be a number of pixels from 1 to 4096."),
            ("q=0", "q must be a quality from 1 to 100."),
            ("fit=stretch", "fit must be cover, contain or inside."),
            (
                "format=bmp",
                "format must be jpeg, png, webp, gif or original.",
            ),
        ] {
            let problem = parsed(&format!("url=https://a.example/x.png&{bad}")).unwrap_err();
            assert_eq!(problem.body()["code"], "EINPUT", "{bad}");
            assert_eq!(problem.body()["message"], message, "{bad}");
        }
    }

    #[test]
    fn the_query_is_read_by_hand_as_serde_reads_it() {
        crate::routes::query::tests::reads_as_serde::<ImageParams>();
    }
}
