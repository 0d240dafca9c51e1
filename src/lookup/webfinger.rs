//! `user@host` typed without a leading `@`: a fediverse account or an e-mail address. The host
//! tells, through WebFinger (RFC 7033), which Mastodon, Misskey, Pixelfed and the rest
//! answer for their accounts: a `self` link to the account's ActivityPub actor.

use std::time::Duration;

use moka::future::Cache;
use serde_json::Value;
use url::Url;

use super::Account;
use crate::cache::OnFirstUse;
use crate::fetch::{Agent, FetchError, Fetcher, Request};

/// Longest wait for a host's WebFinger answer: an e-mail provider without one should not
/// hold the Gravatar lookup up for long.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Mail hosts that run no fediverse server: their addresses go to Gravatar unasked.
const MAIL_HOSTS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
];

/// Most accounts whose kind is remembered.
const REMEMBERED: u64 = 10_000;

/// What WebFinger said of accounts, remembered for a while so a cached lookup of the same
/// account asks the host nothing.
pub struct Accounts {
    known: OnFirstUse<Cache<String, bool>>,
}

impl Accounts {
    /// Remembers each answer for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            known: OnFirstUse::new(Box::new(move || {
                Cache::builder()
                    .max_capacity(REMEMBERED)
                    .time_to_live(ttl.max(Duration::from_secs(1)))
                    .build()
            })),
        }
    }

    /// Whether `account`'s host says it is a fediverse account, within `timeout` (and at most
    /// [`TIMEOUT`]). A host that cannot be asked or does not answer says no, and that is not
    /// remembered.
    pub async fn is_fediverse(
        &self,
        fetcher: &Fetcher,
        account: &Account,
        timeout: Duration,
    ) -> bool {
        if MAIL_HOSTS.contains(&account.host.as_str()) {
            return false;
        }
        let key = account.address().to_lowercase();
        if let Some(known) = self.known.get(&key).await {
            return known;
        }
        let asked = tokio::time::timeout(timeout.min(TIMEOUT), ask(fetcher, account)).await;
        match asked {
            Ok(Some(answer)) => {
                self.known.insert(key, answer).await;
                answer
            }
            Ok(None) | Err(_) => false,
        }
    }
}

/// The host's answer: `Some(true)` for an account with an actor, `Some(false)` for a host
/// that answered without one, `None` when it could not be asked.
async fn ask(fetcher: &Fetcher, account: &Account) -> Option<bool> {
    let mut url = Url::parse(&format!("https://{}/.well-known/webfinger", account.host)).ok()?;
    url.query_pairs_mut()
        .append_pair("resource", &format!("acct:{}", account.address()));
    let request = Request {
        // The fediverse chain's: an operator's `GETIMAGES_UPSTREAM_MASTODON` serves it too.
        provider: "mastodon",
        agent: Agent::Api,
        ..Request::get(url)
    };
    match fetcher.fetch(request).await {
        Ok(fetched) => {
            Some(serde_json::from_slice::<Value>(&fetched.body).is_ok_and(|json| has_actor(&json)))
        }
        Err(FetchError::NotFound { .. }) => Some(false),
        Err(_) => None,
    }
}

/// Whether a WebFinger document links to an ActivityPub actor.
fn has_actor(json: &Value) -> bool {
    json["links"].as_array().is_some_and(|links| {
        links.iter().any(|link| {
            link["rel"] == "self"
                && link["type"]
                    .as_str()
                    .is_some_and(|t| t.contains("activity+json") || t.contains("activitystreams"))
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_actor_link_makes_a_fediverse_account() {
        let mastodon = json!({
            "subject": "acct:Gargron@mastodon.social",
            "links": [
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                 "href": "https://mastodon.social/@Gargron"},
                {"rel": "self", "type": "application/activity+json",
                 "href": "https://mastodon.social/users/Gargron"}
            ]
        });
        assert!(has_actor(&mastodon));
        let ld = json!({"links": [{"rel": "self",
            "type": "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""}]});
        assert!(has_actor(&ld));
        let profile_only = json!({"links": [{"rel": "http://webfinger.net/rel/avatar",
            "type": "image/png"}]});
        assert!(!has_actor(&profile_only));
        assert!(!has_actor(&json!({"error": "not found"})));
    }
}
