//! Flickr: the `flickr.com/people/{name}/` profile page: the buddy icon (an inline
//! `background-image` of the header avatar) and the cover photo behind it.

use url::Url;

use super::{PickError, Provider, Recognize, Reserved, Strategy, pick};
use crate::extract::Page;
use crate::fetch::Agent;

/// Size suffixes of buddy icons before the extension (`{nsid}_r.jpg`): none is 48×48,
/// `_r` 96×96 (retina), `_l` 300×300.
const ICON_SUFFIXES: &[&str] = &["_r", "_m", "_s"];

/// Second path segments under `/photos/` that are Flickr's own pages.
const NOT_PEOPLE: &[&str] = &["tags", "upload", "organize", "friends", "me"];

/// Flickr members, by path alias or NSID (`12345678@N00`).
pub const PROVIDER: Provider = Provider {
    id: "flickr",
    name: "Flickr",
    input: "username or NSID",
    example: "flickr",
    missing_handle: "nosuchuser8d2kq7",
    avatar_floor_px: 300,
    promises_banner: true,
    takes_username: true,
    recognize: Recognize::Rules {
        hosts: &["flickr.com"],
        paths: &["/people/{handle}", "/photos/{handle}"],
        reserved: Reserved::NONE,
    },
    handle: |raw| {
        let h = super::ascii_handle(raw, "@_-", 60)?;
        let ok = !NOT_PEOPLE.iter().any(|n| n.eq_ignore_ascii_case(&h));
        ok.then_some(h)
    },
    profile_url: |handle| format!("https://www.flickr.com/people/{handle}/"),
    strategies: &[Strategy {
        agent: Agent::Browser,
        ..Strategy::page(pick)
    }],
    // live.staticflickr.com/{server}/buddyicons/{nsid}[_r].jpg → {nsid}_l.jpg, the largest;
    // the `?{version}#{nsid}` tail is kept. Cover photos are kept as given.
    upgrade: |url| {
        let Some((before, file)) = url.split_once("/buddyicons/") else {
            return url.to_owned();
        };
        let cut = file.find(['?', '#']).unwrap_or(file.len());
        let (name, tail) = file.split_at(cut);
        let Some((stem, ext)) = name.rsplit_once('.') else {
            return url.to_owned();
        };
        let stem = ICON_SUFFIXES
            .iter()
            .find_map(|s| stem.strip_suffix(s))
            .unwrap_or(stem);
        if stem.ends_with("_l") {
            return url.to_owned();
        }
        format!("{before}/buddyicons/{stem}_l.{ext}{tail}")
    },
    placeholders: &["/images/buddyicon"],
    ..Provider::DEFAULT
};

fn pick(fetched: &pick::Response, _: &str) -> Result<pick::Found, PickError> {
    let page = pick::page(fetched)?;
    let avatar = buddy_icon(page);
    let cover = page
        .background_image(".coverphoto")
        .or_else(|| page.background_image(r#"[style*="/coverphoto/"]"#));
    pick::Found::default()
        .name(page.title().as_deref().map(pick::clean_title).as_deref())
        .avatar(avatar.as_ref().map(Url::as_str))
        .banner(cover.as_ref().map(Url::as_str))
        .or_no_image()
}

/// The header's buddy icon: the large avatar's background, any element styled with a buddy
/// icon, an `<img>` of one, else og:image.
fn buddy_icon(page: &Page) -> Option<Url> {
    page.background_image(".avatar.large")
        .or_else(|| page.background_image(r#"[style*="/buddyicons/"]"#))
        .or_else(|| page.largest_src(r#"img[src*="/buddyicons/"]"#))
        .or_else(|| page.og_image())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buddy_icons_are_asked_in_the_large_size() {
        for small in [
            "https://live.staticflickr.com/3948/buddyicons/149217749@N02_r.jpg?1491936417#149217749@N02",
            "https://live.staticflickr.com/3948/buddyicons/149217749@N02.jpg?1491936417#149217749@N02",
        ] {
            assert_eq!(
                (PROVIDER.upgrade)(small),
                "https://live.staticflickr.com/3948/buddyicons/149217749@N02_l.jpg?1491936417#149217749@N02"
            );
        }
        let cover = "https://live.staticflickr.com/65535/coverphoto/1@N01_h.jpg?1";
        assert_eq!((PROVIDER.upgrade)(cover), cover);
    }
}
