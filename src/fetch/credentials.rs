//! The operator's credentials for platform APIs, as each provider declares them (which
//! settings, and where an OAuth token comes from): a fixed token (`GETIMAGES_GITHUB_TOKEN`),
//! or an OAuth 2 client whose app-only token (`client_credentials` grant) is fetched when
//! first needed, shared by every request, and fetched again shortly before it expires
//! (`GETIMAGES_REDDIT_CLIENT_ID` / `_SECRET`).

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// How long before its stated expiry a token is replaced.
const RENEW_EARLY: Duration = Duration::from_secs(60);

/// The credentials a provider's API takes, declared by the provider: the settings the
/// operator sets them by, and what they make.
#[derive(Debug, Clone, Copy)]
pub enum Declared {
    /// A token, sent as `Authorization: Bearer <token>`.
    Token(Field),
    /// An OAuth 2 client (`client_credentials` grant): its id and secret, and where its
    /// app-only tokens are asked for.
    OAuth {
        /// The client id.
        id: Field,
        /// The client secret.
        secret: Field,
        /// The token endpoint, on the platform (so upstream overrides apply).
        token_url: &'static str,
    },
}

/// One credential setting: its flag (without `--`), its environment variable, and its line
/// in `--help`.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The long flag, e.g. `github-token`.
    pub flag: &'static str,
    /// The environment variable, e.g. `GETIMAGES_GITHUB_TOKEN`.
    pub env: &'static str,
    /// What `--help` says of it.
    pub help: &'static str,
}

impl Declared {
    /// The settings, in order, each with whether it is a secret (its value never shown);
    /// each needs the others.
    pub fn fields(&self) -> Vec<(Field, bool)> {
        match *self {
            Self::Token(token) => vec![(token, true)],
            Self::OAuth { id, secret, .. } => vec![(id, false), (secret, true)],
        }
    }

    /// The credential made of `values`, one per field in the order of [`Declared::fields`];
    /// `None` unless every one is set.
    pub fn credential(&self, values: &[Option<String>]) -> Option<Credential> {
        match (*self, values) {
            (Self::Token(_), [Some(token)]) => Some(Credential::Header(format!("Bearer {token}"))),
            (Self::OAuth { token_url, .. }, [Some(id), Some(secret)]) => Some(Credential::OAuth(
                OAuthClient::new(token_url, id.clone(), secret.clone()),
            )),
            _ => None,
        }
    }
}

/// One provider's credentials.
#[derive(Debug)]
pub enum Credential {
    /// A fixed `Authorization` header value (`Bearer …`).
    Header(String),
    /// An OAuth 2 client.
    OAuth(OAuthClient),
}

/// An OAuth 2 client for the `client_credentials` grant, and its current token.
#[derive(Debug)]
pub struct OAuthClient {
    /// Where tokens are asked for (on the platform, so upstream overrides apply).
    pub token_url: String,
    id: String,
    secret: String,
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl OAuthClient {
    /// A client `id` with its `secret`, asking `token_url` for tokens.
    pub fn new(token_url: impl Into<String>, id: String, secret: String) -> Self {
        Self {
            token_url: token_url.into(),
            id,
            secret,
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// The `Authorization` value for the token request: HTTP Basic with id and secret.
    pub fn basic(&self) -> String {
        let pair = format!("{}:{}", self.id, self.secret);
        format!("Basic {}", STANDARD.encode(pair))
    }

    /// The current token's `Authorization` value, or a new one from `fetch_token` (called
    /// by one request at a time; the others wait for its answer).
    pub async fn bearer<F, Fut, E>(&self, fetch_token: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, Duration), E>>,
    {
        let mut token = self.token.lock().await;
        if let Some((value, until)) = token.as_ref()
            && Instant::now() < *until
        {
            return Ok(format!("Bearer {value}"));
        }
        let (value, lives) = fetch_token().await?;
        let until = Instant::now() + lives.saturating_sub(RENEW_EARLY);
        *token = Some((value.clone(), until));
        Ok(format!("Bearer {value}"))
    }
}

/// Reads a token endpoint's JSON answer: `access_token` and `expires_in` (seconds; an hour
/// when missing).
pub fn read_token(body: &[u8]) -> Option<(String, Duration)> {
    let answer: serde_json::Value = serde_json::from_slice(body).ok()?;
    let token = answer.get("access_token")?.as_str()?.to_owned();
    let lives = answer
        .get("expires_in")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(3600);
    Some((token, Duration::from_secs(lives)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_answer_is_read_and_basic_auth_encodes_id_and_secret() {
        let (token, lives) =
            read_token(br#"{"access_token":"abc","token_type":"bearer","expires_in":86400}"#)
                .unwrap();
        assert_eq!((token.as_str(), lives.as_secs()), ("abc", 86400));
        assert_eq!(read_token(b"{}"), None);
        let client = OAuthClient::new("https://t", "id".into(), "secret".into());
        assert_eq!(client.basic(), "Basic aWQ6c2VjcmV0");
    }

    #[test]
    fn a_declared_credential_is_made_only_of_every_value_it_declares() {
        let field = |flag| Field {
            flag,
            env: "",
            help: "",
        };
        let token = Declared::Token(field("token"));
        assert_eq!(token.fields()[0].0.flag, "token");
        assert!(matches!(
            token.credential(&[Some("abc".into())]),
            Some(Credential::Header(value)) if value == "Bearer abc"
        ));
        assert!(token.credential(&[None]).is_none());

        let oauth = Declared::OAuth {
            id: field("id"),
            secret: field("secret"),
            token_url: "https://t/token",
        };
        let secrets: Vec<bool> = oauth.fields().iter().map(|(_, secret)| *secret).collect();
        assert_eq!(secrets, [false, true]);
        let Some(Credential::OAuth(client)) =
            oauth.credential(&[Some("id".into()), Some("secret".into())])
        else {
            panic!("an OAuth client");
        };
        assert_eq!(client.token_url, "https://t/token");
        assert_eq!(client.basic(), "Basic aWQ6c2VjcmV0");
        assert!(oauth.credential(&[Some("id".into()), None]).is_none());
    }

    #[tokio::test]
    async fn a_token_is_fetched_once_and_reused_until_it_is_due() {
        let client = OAuthClient::new("https://t", "id".into(), "s".into());
        let mut fetched = 0;
        for _ in 0..3 {
            let value = client
                .bearer(|| {
                    fetched += 1;
                    async { Ok::<_, ()>(("tok".to_owned(), Duration::from_secs(3600))) }
                })
                .await
                .unwrap();
            assert_eq!(value, "Bearer tok");
        }
        assert_eq!(fetched, 1);
    }
}
