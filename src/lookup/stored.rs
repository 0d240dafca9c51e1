//! Found profiles as stored in the byte cache (JSON), so a later process can serve them.

use serde::Deserialize;

use super::Profile;
use crate::providers::{self, Image, ImageKind};

#[derive(Deserialize)]
struct StoredProfile {
    provider: String,
    id: String,
    profile_url: String,
    name: Option<String>,
    images: Vec<StoredImage>,
}

#[derive(Deserialize)]
struct StoredImage {
    kind: String,
    url: String,
    width: Option<u32>,
    height: Option<u32>,
}

/// The profile as JSON bytes.
pub fn encode(profile: &Profile) -> Vec<u8> {
    serde_json::to_vec(profile).unwrap_or_default()
}

/// The profile in `bytes`, or `None` if they are not one (an older format, a provider that
/// no longer exists): the caller treats that as a miss.
pub fn decode(bytes: &[u8]) -> Option<Profile> {
    let stored: StoredProfile = serde_json::from_slice(bytes).ok()?;
    let images = stored
        .images
        .into_iter()
        .map(|i| {
            let kind = match i.kind.as_str() {
                "avatar" => ImageKind::Avatar,
                "banner" => ImageKind::Banner,
                _ => return None,
            };
            Some(Image {
                kind,
                url: i.url,
                width: i.width,
                height: i.height,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Profile {
        provider: providers::by_id(&stored.provider)?.id,
        id: stored.id,
        profile_url: stored.profile_url,
        name: stored.name,
        images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_survives_the_round_trip() {
        let profile = Profile {
            provider: "github",
            id: "torvalds".into(),
            profile_url: "https://github.com/torvalds".into(),
            name: Some("Linus Torvalds".into()),
            images: vec![Image {
                kind: ImageKind::Avatar,
                url: "https://avatars.githubusercontent.com/u/1024025?v=4".into(),
                width: Some(460),
                height: None,
            }],
        };
        assert_eq!(decode(&encode(&profile)), Some(profile));
        assert_eq!(
            decode(br#"{"provider":"myspace","id":"a","profile_url":"b","name":null,"images":[]}"#),
            None
        );
        assert_eq!(decode(b"not json"), None);
    }
}
