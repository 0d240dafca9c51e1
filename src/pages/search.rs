//! The results page of a bare name searched across platforms: [`SearchPage`] with two
//! markers where the streamed parts go, a [`SearchCard`] per platform that has the name, and
//! the [`SearchSummary`] of the others once every platform has answered.

use askama::Template;

use super::{LookupForm, encoded};
use crate::lookup::Profile;
use crate::lookup::search::Kind;

/// The page around the streamed parts: head, form, heading and an empty grid.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage<'a> {
    /// The form, refilled with what the visitor typed.
    pub form: LookupForm<'a>,
    /// The name searched.
    pub name: &'a str,
    /// How many platforms are asked.
    pub platforms: usize,
}

impl SearchPage<'_> {
    /// Where the cards go, inside the grid.
    pub const CARDS: &'static str = "<!--getimages:cards-->";
    /// Where the summary goes, after the grid.
    pub const SUMMARY: &'static str = "<!--getimages:summary-->";
}

/// One platform's card: the avatar's thumbnail, the name, the platform, the image's size,
/// and links to the profile's own results page and to the platform.
#[derive(Template)]
#[template(path = "search_card.html")]
pub struct SearchCard<'a> {
    /// What was found.
    pub profile: &'a Profile,
}

impl<'a> SearchCard<'a> {
    /// The card of `profile`.
    pub fn new(profile: &'a Profile) -> Self {
        Self { profile }
    }

    /// The profile's name, else its handle.
    pub fn display_name(&self) -> &str {
        self.profile.name.as_deref().unwrap_or(&self.profile.id)
    }

    /// The single-profile results page (a cache hit once the search has found it).
    pub fn href(&self) -> String {
        format!(
            "/lookup?q={}&provider={}",
            encoded(&self.profile.id),
            self.profile.provider.id
        )
    }

    /// A square thumbnail `side` pixels wide of the avatar (or the only image there is).
    pub fn thumbnail(&self, side: u32) -> String {
        let image = self.profile.images.first().map_or("", |i| i.url.as_str());
        let image = self.profile.avatar().unwrap_or(image);
        format!("/image?url={}&w={side}&h={side}&fit=cover", encoded(image))
    }

    /// The avatar's size, when measured: `400 × 400 · 38 KB`.
    pub fn size(&self) -> Option<String> {
        self.profile.images.first().and_then(super::size_label)
    }
}

/// What the platforms without a card answered, grouped, once all have.
#[derive(Template)]
#[template(path = "search_summary.html")]
pub struct SearchSummary<'a> {
    /// Platforms that have the name.
    pub found: usize,
    /// Platforms asked or skipped in all.
    pub total: usize,
    /// The others, by outcome, in the order of [`Kind`].
    pub groups: Vec<Group<'a>>,
}

/// The platforms with one outcome.
pub struct Group<'a> {
    /// The heading: "Not found", "Blocked us", …
    pub title: &'static str,
    /// Whether each platform's own message is shown (a block's reason), or only its name.
    pub detailed: bool,
    /// Platform name and message.
    pub items: Vec<(&'static str, &'a str)>,
}

impl<'a> SearchSummary<'a> {
    /// The summary of `others` (kind, platform name, message), `found` of `total` having
    /// the name.
    pub fn new(found: usize, total: usize, others: &'a [(Kind, &'static str, String)]) -> Self {
        let mut groups: Vec<Group<'a>> = Vec::new();
        for (kind, platform, message) in others {
            let (title, detailed) = match kind {
                Kind::Found => continue,
                Kind::NotFound => ("Not found", false),
                Kind::Blocked => ("Blocked us", true),
                Kind::Timeout => ("Timed out", true),
                Kind::Error => ("Failed", true),
                Kind::Invalid => ("Not a valid name there", false),
            };
            match groups.iter_mut().find(|g| g.title == title) {
                Some(group) => group.items.push((platform, message)),
                None => groups.push(Group {
                    title,
                    detailed,
                    items: vec![(platform, message)],
                }),
            }
        }
        Self {
            found,
            total,
            groups,
        }
    }
}
