//! The answer a lookup builds: a [`Profile`] out of what a way of asking found, its image
//! URLs upgraded to the largest size and allowed by the guard, then checked and measured.

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use url::Url;

use super::LookupError;
use super::error::NoImage;
use super::image_check::{self, Candidate};
use crate::fetch::Fetcher;
use crate::fetch::guard::Guard;
use crate::profile::{Image, ImageKind};
use crate::providers::{self, Found, Provider, signed};

/// A profile's images, as the API returns them and the disk cache keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The provider whose rules found it (its id in JSON).
    #[serde(with = "providers::by_id_serde")]
    pub provider: &'static Provider,
    /// The handle, normalized (a URL for the generic page provider).
    pub id: String,
    /// The profile's page.
    pub profile_url: String,
    /// Display name, when known.
    pub name: Option<String>,
    /// Avatar first, then banner.
    pub images: Vec<Image>,
    /// The way of asking that found it (`api`, `page`, `intent`, `generic page`; see
    /// `Provider::chain`).
    #[serde(default)]
    pub strategy: String,
    /// Whether it was found through the outbound proxy (`GETIMAGES_PROXY`).
    #[serde(default)]
    pub proxied: bool,
    /// Its JSON, once [`Profile::json`] has made it.
    #[serde(skip)]
    pub json: JsonOnce,
}

/// A profile's JSON, made on first use: a found profile is answered many times from the
/// cache, and is the same each time. A copy of the profile starts without it, so a copy
/// changed afterwards never carries the JSON of the one it was copied from.
#[derive(Default)]
pub struct JsonOnce(std::sync::OnceLock<bytes::Bytes>);

impl Clone for JsonOnce {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for JsonOnce {
    /// Made from the profile, so it never makes two profiles differ.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for JsonOnce {}

impl std::fmt::Debug for JsonOnce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "made"
        } else {
            "not made"
        })
    }
}

impl Profile {
    /// The profile as JSON with its keys in order, as serde_json writes a `Value`: made
    /// the first time it is asked for, then the same bytes.
    pub fn json(&self) -> &[u8] {
        self.json.0.get_or_init(|| {
            // A profile (strings and numbers) always serializes.
            let value = serde_json::to_value(self).unwrap_or_default();
            serde_json::to_vec(&value).unwrap_or_default().into()
        })
    }

    /// When the first of its signed image URLs expires (see `providers::signed`): the answer
    /// is not kept past that.
    pub fn expires_at(&self) -> Option<std::time::SystemTime> {
        self.images
            .iter()
            .filter_map(|i| signed::expires_at(&i.url))
            .min()
    }

    /// The avatar's URL, if the profile has one.
    pub fn avatar(&self) -> Option<&str> {
        self.images
            .iter()
            .find(|i| i.kind == ImageKind::Avatar)
            .map(|i| i.url.as_str())
    }
}

/// A profile found, its images not checked yet: beside each image, the URL the platform
/// served when an upgrade changed it.
pub(super) struct Unchecked {
    profile: Profile,
    served: Vec<Option<String>>,
}

impl Unchecked {
    /// The profile `provider` found for `handle` by the way named `strategy`: its image URLs
    /// upgraded to full size (remembering the URL served, to fall back on), dropping any a
    /// visitor could not be sent to (`guard`).
    pub(super) fn new(
        guard: &Guard,
        provider: &'static Provider,
        handle: String,
        found: Found,
        strategy: &'static str,
    ) -> Result<Self, LookupError> {
        let mut refused = None;
        let allowed = |url: &str, refused: &mut Option<LookupError>| match Url::parse(url) {
            Ok(url) => guard
                .check_url(&url)
                .map_err(|e| *refused = Some(LookupError::from(e)))
                .is_ok(),
            Err(_) => false,
        };
        let (images, served): (Vec<Image>, Vec<Option<String>>) = found
            .images
            .into_iter()
            .filter_map(|image| {
                // A signed URL is served as given: the CDN refuses any change to it.
                let upgraded = if signed::is_signed(&image.url) {
                    image.url.clone()
                } else {
                    (provider.upgrade)(&image.url)
                };
                if !allowed(&upgraded, &mut refused) {
                    return None;
                }
                let served = (upgraded != image.url && allowed(&image.url, &mut refused))
                    .then_some(image.url.clone());
                Some((
                    Image {
                        url: upgraded,
                        ..image
                    },
                    served,
                ))
            })
            .unzip();
        if images.is_empty() {
            return Err(match refused {
                Some(e) => e,
                None => LookupError::NoImage(NoImage::Unusable {
                    platform: provider.name,
                    handle,
                }),
            });
        }
        let profile = Profile {
            provider,
            profile_url: found
                .profile_url
                .unwrap_or_else(|| (provider.profile_url)(&handle)),
            id: handle,
            name: found.name,
            images,
            strategy: strategy.to_owned(),
            proxied: false,
            json: JsonOnce::default(),
        };
        Ok(Self { profile, served })
    }

    /// The same profile, found through the outbound proxy when `via_proxy`.
    pub(super) fn proxied(mut self, via_proxy: bool) -> Self {
        self.profile.proxied = via_proxy;
        self
    }

    /// The profile with each image checked and measured by `fetcher` (see `image_check`),
    /// within `deadline`; as found when images are not `checked`.
    pub(super) async fn checked(
        self,
        fetcher: &Fetcher,
        check: bool,
        deadline: Instant,
    ) -> Profile {
        let Self {
            mut profile,
            served,
        } = self;
        if !check {
            return profile;
        }
        let candidates = std::mem::take(&mut profile.images)
            .into_iter()
            .zip(served)
            .map(|(image, served)| Candidate { image, served })
            .collect();
        profile.images = image_check::checked(fetcher, candidates, deadline).await;
        profile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_profile_survives_the_round_trip_and_an_unknown_provider_is_a_miss() {
        let profile = Profile {
            provider: providers::by_id("github").unwrap(),
            id: "torvalds".into(),
            profile_url: "https://github.com/torvalds".into(),
            name: Some("Linus Torvalds".into()),
            images: vec![Image {
                kind: ImageKind::Avatar,
                url: "https://avatars.githubusercontent.com/u/1024025?v=4".into(),
                width: Some(460),
                height: None,
                bytes: Some(38_000),
            }],
            strategy: "api".into(),
            proxied: false,
            json: JsonOnce::default(),
        };
        let json = serde_json::to_vec(&profile).unwrap();
        assert_eq!(serde_json::from_slice::<Profile>(&json).unwrap(), profile);
        let api = std::str::from_utf8(profile.json()).unwrap();
        assert!(
            api.starts_with(r#"{"id":"torvalds","images":[{"bytes":38000,"height":null,"#),
            "keys in order: {api}"
        );
        assert!(api.ends_with(r#""provider":"github","proxied":false,"strategy":"api"}"#));
        let gone = br#"{"provider":"myspace","id":"a","profile_url":"b","name":null,"images":[]}"#;
        assert!(serde_json::from_slice::<Profile>(gone).is_err());
        let odd_kind = br#"{"provider":"github","id":"a","profile_url":"b","name":null,
            "images":[{"kind":"logo","url":"u","width":null,"height":null}]}"#;
        assert!(serde_json::from_slice::<Profile>(odd_kind).is_err());
        // Stored before images carried their byte size: still an answer.
        let sizeless = br#"{"provider":"github","id":"a","profile_url":"b","name":null,
            "images":[{"kind":"avatar","url":"u","width":null,"height":null}]}"#;
        let stored = serde_json::from_slice::<Profile>(sizeless).unwrap();
        assert_eq!(stored.images[0].bytes, None);
    }
}
