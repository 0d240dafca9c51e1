//! The handle every fediverse platform (Mastodon, Misskey, Lemmy, Pixelfed) shares:
//! `user@instance`.

/// `@user@instance` or `user@instance`, instance a plausible host name: every fediverse
/// platform's handle.
pub(super) fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_start_matches('@');
    let (user, instance) = raw.split_once('@')?;
    let user = super::plain_handle(user, "_.-", 64)?;
    let instance = instance.trim().trim_end_matches('/').to_ascii_lowercase();
    let host_ok = instance.contains('.')
        && instance.len() <= 253
        && instance
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    host_ok.then(|| format!("{user}@{instance}"))
}

/// A normalized handle's user and instance (`mastodon.social` when it names none).
pub(super) fn split(handle: &str) -> (&str, &str) {
    handle
        .split_once('@')
        .unwrap_or((handle, "mastodon.social"))
}
