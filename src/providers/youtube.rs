//! YouTube: the channel page (`/@handle`, `/channel/UC…`, or a legacy `/c/` or `/user/` URL).
//! The avatar and banner come from the page's `ytInitialData` (channel metadata, then the
//! page header's image sources, then the older `c4TabbedHeaderRenderer`), the og:image
//! being the avatar's fallback.

use serde_json::Value;
use url::Url;

use super::PickError;
use super::{Provider, Recognize, Strategy, pick};
use crate::extract::json::{at, first_str, u32_at};
use crate::fetch::{Agent, Request};

/// Avatar side asked of the image CDN: what YouTube itself publishes as the largest (the
/// channel metadata and og:image use `=s900`).
const AVATAR_SIZE: &str = "=s900";
/// Banner width asked of the image CDN: the widest rendition YouTube's own header lists.
const BANNER_WIDTH: &str = "=w2560";

/// Where `ytInitialData` keeps the avatar's renditions, newest layout first.
const AVATAR_LISTS: &[&str] = &[
    "metadata.channelMetadataRenderer.avatar.thumbnails",
    "header.pageHeaderRenderer.content.pageHeaderViewModel.image.decoratedAvatarViewModel.avatar.avatarViewModel.image.sources",
    "header.c4TabbedHeaderRenderer.avatar.thumbnails",
    "microformat.microformatDataRenderer.thumbnail.thumbnails",
];

/// Where `ytInitialData` keeps the banner's renditions, newest layout first.
const BANNER_LISTS: &[&str] = &[
    "header.pageHeaderRenderer.content.pageHeaderViewModel.banner.imageBannerViewModel.image.sources",
    "header.c4TabbedHeaderRenderer.banner.thumbnails",
];

/// YouTube channels.
pub const PROVIDER: Provider = Provider {
    id: "youtube",
    name: "YouTube",
    aliases: &["yt"],
    input: "@handle or channel ID",
    example: "mkbhd",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 900,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Custom(recognize),
    handle: normalize,
    profile_url: channel_url,
    // EU servers are redirected to consent.youtube.com without a consent cookie; `SOCS=CAI`
    // (consent refused) is the one the page accepts.
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page_at(
            |handle| Request::get(channel_url(handle)).with_headers(&[("cookie", "SOCS=CAI")]),
            pick,
        )
    }],
    upgrade,
    ..Provider::DEFAULT
};

/// The channel page for a normalized handle: `name` (an @handle), `UC…` (a channel id),
/// `c/name` or `user/name` (legacy custom URLs, which need not match any @handle).
fn channel_url(handle: &str) -> String {
    if is_channel_id(handle) || handle.starts_with("c/") || handle.starts_with("user/") {
        let path = if is_channel_id(handle) {
            format!("channel/{handle}")
        } else {
            handle.to_owned()
        };
        format!("https://www.youtube.com/{path}")
    } else {
        format!("https://www.youtube.com/@{handle}")
    }
}

fn is_channel_id(handle: &str) -> bool {
    handle.len() == 24
        && handle.starts_with("UC")
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// youtube.com (www., m.) `/@handle`, `/channel/UC…`, `/c/name`, `/user/name`.
fn recognize(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host.strip_prefix("m.").unwrap_or(host);
    if host != "youtube.com" {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    match segments.as_slice() {
        [first, ..] if first.starts_with('@') => decode(first),
        ["channel", id, ..] => Some((*id).to_owned()),
        [kind @ ("c" | "user"), name, ..] => Some(format!("{kind}/{}", decode(name)?)),
        _ => None,
    }
}

/// `@handle` / `handle` (letters, digits, `_ - .`, up to 30), `UC…` channel ids, and
/// `c/name` / `user/name` legacy names.
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Some((kind @ ("c" | "user"), name)) = raw.split_once('/') {
        let name = super::plain_handle(name, "_-.", 100)?;
        return Some(format!("{kind}/{name}"));
    }
    if !raw.starts_with('@') && is_channel_id(raw) {
        return Some(raw.to_owned());
    }
    super::plain_handle(raw, "_-.", 30)
}

fn pick(fetched: &pick::Response, handle: &str) -> Result<pick::Found, PickError> {
    // Too many requests sends us to Google's "unusual traffic" page; an EU visitor without
    // consent is sent to consent.youtube.com.
    let host = fetched.url.host_str().unwrap_or("");
    if fetched.url.path().starts_with("/sorry/") || host.starts_with("consent.") {
        return Err(PickError::Blocked("a consent or unusual-traffic check"));
    }
    let page = pick::page(fetched)?;
    let data = page.script_assigned("ytInitialData");
    let data = data.as_ref();
    let og_image = page.og_image();
    let avatar = data
        .and_then(|d| largest_of(d, AVATAR_LISTS))
        .or(og_image.as_ref().map(Url::as_str));
    let banner = data.and_then(|d| largest_of(d, BANNER_LISTS));
    let title = page.title().map(|t| pick::clean_title(&t));
    let name = data
        .and_then(|d| {
            first_str(
                d,
                &[
                    "metadata.channelMetadataRenderer.title",
                    "header.pageHeaderRenderer.pageTitle",
                    "header.c4TabbedHeaderRenderer.title",
                ],
            )
        })
        .or(title.as_deref());
    let mut found = pick::Found::default()
        .name(name)
        .avatar(avatar)
        .banner(banner);
    if handle.starts_with("c/") || handle.starts_with("user/") {
        // A legacy URL's channel is better known by its @handle.
        found.profile_url = data
            .and_then(|d| first_str(d, &["metadata.channelMetadataRenderer.vanityChannelUrl"]))
            .map(|u| u.replacen("http://", "https://", 1));
    }
    found.or_no_image()
}

/// The URL of the widest rendition in the first of `lists` (arrays of `{url, width}`) that
/// has one.
fn largest_of<'a>(data: &'a Value, lists: &[&str]) -> Option<&'a str> {
    lists.iter().find_map(|path| {
        at(data, path)?
            .as_array()?
            .iter()
            .filter_map(|t| Some((u32_at(t, "width").unwrap_or(0), first_str(t, &["url"])?)))
            .max_by_key(|(width, _)| *width)
            .map(|(_, url)| url)
    })
}

/// On YouTube's image CDN (yt3.googleusercontent.com, yt3.ggpht.com) the size is the first
/// option after `=`: avatars `=s176-c-k-…` → `=s900-c-k-…`; banners
/// `=w1060-fcrop64=…` → `=w2560-fcrop64=…` (the crop options are kept).
fn upgrade(url: &str) -> String {
    if !is_youtube_image(url) {
        return url.to_owned();
    }
    // The options start at the first `=` of the last path segment.
    let Some(eq) = url
        .rfind('/')
        .and_then(|slash| url[slash..].find('=').map(|i| slash + i))
    else {
        return url.to_owned();
    };
    let options = &url[eq + 1..];
    let (size, new) = match options.chars().next() {
        Some('s') => (&options[1..], AVATAR_SIZE),
        Some('w') => (&options[1..], BANNER_WIDTH),
        _ => return url.to_owned(),
    };
    let digits = size.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return url.to_owned();
    }
    format!("{}{new}{}", &url[..eq], &size[digits..])
}

fn is_youtube_image(url: &str) -> bool {
    Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|h| h.ends_with(".googleusercontent.com") || h.ends_with(".ggpht.com"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_and_banners_are_asked_for_at_full_size() {
        assert_eq!(
            upgrade("https://yt3.googleusercontent.com/abc=s176-c-k-c0x00ffffff-no-rj"),
            "https://yt3.googleusercontent.com/abc=s900-c-k-c0x00ffffff-no-rj"
        );
        assert_eq!(
            upgrade("https://yt3.ggpht.com/abc=s88-c-k-c0x00ffffff-no-rj-mo"),
            "https://yt3.ggpht.com/abc=s900-c-k-c0x00ffffff-no-rj-mo"
        );
        assert_eq!(
            upgrade(
                "https://yt3.googleusercontent.com/b=w1060-fcrop64=1,00005a57ffffa5a8-k-c0xffffffff-no-nd-rj"
            ),
            "https://yt3.googleusercontent.com/b=w2560-fcrop64=1,00005a57ffffa5a8-k-c0xffffffff-no-nd-rj"
        );
        assert_eq!(
            upgrade("https://example.com/a=s88-c"),
            "https://example.com/a=s88-c"
        );
    }

    #[test]
    fn handles_ids_and_legacy_names_are_told_apart() {
        assert_eq!(normalize("@mkbhd").as_deref(), Some("mkbhd"));
        assert_eq!(
            channel_url(&normalize("UCBJycsmduvYEL83R_U4JriQ").unwrap()),
            "https://www.youtube.com/channel/UCBJycsmduvYEL83R_U4JriQ"
        );
        assert_eq!(
            channel_url(&normalize("user/marquesbrownlee").unwrap()),
            "https://www.youtube.com/user/marquesbrownlee"
        );
        assert_eq!(normalize("not a handle"), None);
    }
}
