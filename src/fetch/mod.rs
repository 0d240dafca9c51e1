//! Fetching from platforms: one shared pair of HTTP clients, upstream overrides for tests,
//! capped bodies, checked redirects, and upstream failures as typed [`FetchError`]s.

pub mod block;
pub mod credentials;
mod error;
pub mod guard;

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{Client, header};
use url::Url;

use credentials::{Credential, OAuthClient};
pub use error::{Cause, FetchError, Phase};
use guard::{Guard, Refused};

/// Redirect hops followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// The `accept` header of an image request.
const IMAGE_ACCEPT: &str = "image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8,*/*;q=0.5";

/// An image answer whose body is still to be read, chunk by chunk.
#[derive(Debug)]
pub struct ImageBody {
    /// The URL after redirects.
    pub url: Url,
    /// The response's content type, lower-cased, parameters dropped.
    pub content_type: String,
    response: reqwest::Response,
}

impl ImageBody {
    /// The length the answer announced, if any (it may lie).
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The next piece of the body, `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, FetchError> {
        self.response.chunk().await.map_err(|e| transport_error(&e))
    }
}

/// Who we say we are. Platforms serve different pages to browsers and to link-preview
/// crawlers; each provider picks the one that gets it the profile's images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// A desktop browser.
    Browser,
    /// A link-preview crawler, which many platforms answer with a server-rendered page.
    Crawler,
    /// A plain API client.
    Api,
}

impl Agent {
    fn user_agent(self) -> &'static str {
        match self {
            Self::Browser => {
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/142.0.0.0 Safari/537.36"
            }
            Self::Crawler => {
                "Mozilla/5.0 (compatible; getimages/0.1; +https://github.com/getimages) \
                 facebookexternalhit/1.1 Twitterbot/1.0"
            }
            Self::Api => concat!("getimages/", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// What the fetcher needs from the settings.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request.
    pub request_timeout: Duration,
    /// Largest body read; bigger ones fail.
    pub max_body_bytes: usize,
    /// Provider id → origin replacing the provider's own origin (`GETIMAGES_UPSTREAM_<ID>`).
    pub upstreams: HashMap<String, Url>,
    /// The SSRF guard for visitor-supplied URLs.
    pub guard: Guard,
    /// The outbound proxy, if the operator set one.
    pub proxy: Option<ProxySettings>,
    /// Provider id → the operator's credentials for its API (`GETIMAGES_GITHUB_TOKEN`,
    /// the Reddit OAuth client), sent only on requests that ask for credentials.
    pub credentials: HashMap<&'static str, std::sync::Arc<Credential>>,
}

/// One request to a platform, from the provider that words it to the fetcher that sends it:
/// a way of asking states the URL, body, headers and credentials (`Request::get(…)`,
/// `.with_credentials()`), and signs it with its provider and agent; the lookup says whether
/// it goes through the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The URL on the platform's own site or API.
    pub url: String,
    /// A JSON body to POST (GraphQL-style APIs); `None` for a GET.
    pub json_body: Option<String>,
    /// Extra request headers the platform wants (a public client id, a consent cookie).
    pub headers: &'static [(&'static str, &'static str)],
    /// Whether the operator's credentials for the provider (e.g. `GETIMAGES_GITHUB_TOKEN`)
    /// go with it, when set: only ever on requests to the platform's own API.
    pub credentials: bool,
    /// Whether it needs them: without credentials set, the way is skipped.
    pub needs_credentials: bool,
    /// The provider asking (selects its upstream override and its credentials), as the way
    /// of asking signs it.
    pub provider: &'static str,
    /// Who we say we are, as the way of asking signs it.
    pub agent: Agent,
    /// Whether it goes through the outbound proxy (see [`Fetcher::proxy_first`]).
    pub via_proxy: bool,
}

impl Request {
    /// A GET of `url`, not signed yet: no provider, a crawler's agent, direct.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            json_body: None,
            headers: &[],
            credentials: false,
            needs_credentials: false,
            provider: "",
            agent: Agent::Crawler,
            via_proxy: false,
        }
    }

    /// A POST of the JSON `body` to `url`.
    pub fn post_json(url: impl Into<String>, body: String) -> Self {
        Self {
            json_body: Some(body),
            ..Self::get(url)
        }
    }

    /// The same request, carrying the operator's credentials for the provider when set.
    pub fn with_credentials(self) -> Self {
        Self {
            credentials: true,
            ..self
        }
    }

    /// The same request, only made when the operator set credentials for the provider
    /// (an OAuth API), and then with them.
    pub fn requiring_credentials(self) -> Self {
        Self {
            credentials: true,
            needs_credentials: true,
            ..self
        }
    }

    /// The same request with extra `headers`.
    pub fn with_headers(self, headers: &'static [(&'static str, &'static str)]) -> Self {
        Self { headers, ..self }
    }
}

/// One HTTP exchange as the fetcher sends it, whatever asked for it (a platform's
/// [`Request`], an image's GET, an OAuth token's POST): the URL as sent, and what the fetcher
/// adds (accept, authorization, limits, route).
struct Exchange {
    url: Url,
    trusted: bool,
    agent: Agent,
    accept: &'static str,
    /// A body to POST, with its content type; `None` for a GET.
    body: Option<(&'static str, String)>,
    headers: &'static [(&'static str, &'static str)],
    authorization: Option<String>,
    max_bytes: usize,
    /// Whether a 2xx answer is checked for a challenge's strong signs (pages and API answers,
    /// not images).
    sniff_walls: bool,
    /// Whether it goes through the outbound proxy.
    via_proxy: bool,
    /// A `Range` header value, for a probe that wants only the first bytes.
    range: Option<String>,
}

impl Exchange {
    /// A guarded GET of an image found in a page or given by a visitor: a browser's agent
    /// and accept, never rewritten, never proxied, no wall sniffed.
    fn image(url: Url, max_bytes: usize, range: Option<String>) -> Self {
        Self {
            headers: image_headers(&url),
            url,
            trusted: false,
            agent: Agent::Browser,
            accept: IMAGE_ACCEPT,
            body: None,
            authorization: None,
            max_bytes,
            sniff_walls: false,
            via_proxy: false,
            range,
        }
    }
}

/// Image hosts that serve only to their own site's pages, and the `Referer` that says so:
/// Pixiv's CDN (`i.pximg.net` and its other `*.pximg.net` hosts) answers 403 without it.
const IMAGE_REFERERS: &[(&str, &[(&str, &str)])] =
    &[("pximg.net", &[("referer", "https://www.pixiv.net/")])];

/// The headers an image request to `url` must carry for its host to serve it (the `/image`
/// proxy's fetch and the lookup's image check both come through [`Exchange::image`]).
fn image_headers(url: &Url) -> &'static [(&'static str, &'static str)] {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    IMAGE_REFERERS
        .iter()
        .find(|(domain, _)| {
            host == *domain
                || host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.ends_with('.'))
        })
        .map_or(&[], |(_, headers)| headers)
}

/// A 2xx response whose body is not read yet.
struct Opened {
    response: reqwest::Response,
    status: reqwest::StatusCode,
    /// The URL after redirects.
    url: Url,
    headers: header::HeaderMap,
    /// Lower-cased, parameters dropped.
    content_type: String,
}

/// The first bytes of an image, and how big the whole of it is.
#[derive(Debug, Clone)]
pub struct Probed {
    /// The response's content type, lower-cased, parameters dropped.
    pub content_type: String,
    /// At most the prefix asked for.
    pub head: Vec<u8>,
    /// The whole image's size: the total of `Content-Range` (206) or `Content-Length` (200).
    pub total_bytes: Option<u64>,
}

/// A successful (2xx) response, body read in full.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL after redirects (as the provider sees it: overrides undone).
    pub url: Url,
    /// The status it answered with.
    pub status: u16,
    /// The response's headers, for the block detector's weak signs (`block::suspected`).
    pub headers: header::HeaderMap,
    /// The response's content type, lower-cased, parameters dropped.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Fetched {
    /// The body as text, invalid UTF-8 replaced: the body itself when it is valid UTF-8
    /// (nearly every page), so a page is not held twice while it is parsed.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// The shared HTTP clients, built on first use so start-up stays fast.
pub struct Fetcher {
    settings: FetchSettings,
    guarded: OnceLock<Result<Client, String>>,
    trusted: OnceLock<Result<Client, String>>,
    proxied: OnceLock<Result<Client, String>>,
}

impl Fetcher {
    /// A fetcher with `settings`; no client is built yet.
    pub fn new(settings: FetchSettings) -> Self {
        Self {
            settings,
            guarded: OnceLock::new(),
            trusted: OnceLock::new(),
            proxied: OnceLock::new(),
        }
    }

    /// Whether `provider`'s lookups go through the proxy from the start.
    pub fn proxy_first(&self, provider: &str) -> bool {
        match self.settings.proxy.as_ref().map(|p| &p.used) {
            Some(ProxyUse::All) => true,
            Some(ProxyUse::Providers(ids)) => ids.contains(&provider),
            Some(ProxyUse::WhenBlocked) | None => false,
        }
    }

    /// Whether a blocked lookup of `provider` is asked once more through the proxy.
    pub fn proxy_when_blocked(&self, provider: &str) -> bool {
        self.settings.proxy.is_some() && !self.proxy_first(provider)
    }

    /// The largest page or API answer read, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.settings.max_body_bytes
    }

    /// The origin that replaces `provider`'s own, if the operator set one.
    pub fn upstream(&self, provider: &str) -> Option<&Url> {
        self.settings.upstreams.get(provider)
    }

    /// Makes a provider's `request` and returns the body of a 2xx answer; anything else
    /// becomes the matching [`FetchError`].
    pub async fn fetch(&self, request: Request) -> Result<Fetched, FetchError> {
        let asked = Url::parse(&request.url).map_err(|e| {
            upstream(Cause::Client(format!(
                "bad request URL {}: {e}",
                request.url
            )))
        })?;
        let (url, overridden) = match self.upstream(request.provider) {
            Some(origin) => (with_origin(&asked, origin), true),
            None => (asked.clone(), false),
        };
        let accept = if request.agent == Agent::Api || request.json_body.is_some() {
            "application/json"
        } else {
            "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8"
        };
        let authorization = match request.credentials {
            true => self.authorization(request.provider).await?,
            false => None,
        };
        let mut fetched = self
            .send(Exchange {
                url,
                trusted: overridden,
                agent: request.agent,
                accept,
                body: request.json_body.map(|b| ("application/json", b)),
                headers: request.headers,
                authorization,
                max_bytes: self.settings.max_body_bytes,
                sniff_walls: true,
                via_proxy: request.via_proxy && self.settings.proxy.is_some(),
                range: None,
            })
            .await?;
        if overridden {
            fetched.url = with_origin(&fetched.url, &origin_of(&asked));
        }
        Ok(fetched)
    }

    /// Whether the operator set credentials for `provider`'s API.
    pub fn has_credentials(&self, provider: &str) -> bool {
        self.settings.credentials.contains_key(provider)
    }

    /// The `Authorization` value for `provider`'s API: the operator's token, or its OAuth
    /// client's current app-only token (fetched first when there is none yet).
    async fn authorization(&self, provider: &'static str) -> Result<Option<String>, FetchError> {
        match self.settings.credentials.get(provider).map(AsRef::as_ref) {
            None => Ok(None),
            Some(Credential::Header(value)) => Ok(Some(value.clone())),
            Some(Credential::OAuth(client)) => client
                .bearer(|| self.fetch_token(provider, client))
                .await
                .map(Some),
        }
    }

    /// Asks `client`'s token endpoint (on `provider`'s platform) for an app-only token.
    async fn fetch_token(
        &self,
        provider: &'static str,
        client: &OAuthClient,
    ) -> Result<(String, Duration), FetchError> {
        let url = Url::parse(&client.token_url).map_err(|e| {
            upstream(Cause::Client(format!(
                "bad token URL {}: {e}",
                client.token_url
            )))
        })?;
        let (url, trusted) = match self.upstream(provider) {
            Some(origin) => (with_origin(&url, origin), true),
            None => (url, false),
        };
        let answer = self
            .send(Exchange {
                url,
                trusted,
                agent: Agent::Api,
                accept: "application/json",
                body: Some((
                    "application/x-www-form-urlencoded",
                    "grant_type=client_credentials".into(),
                )),
                headers: &[],
                authorization: Some(client.basic()),
                max_bytes: 64 * 1024,
                sniff_walls: true,
                via_proxy: false,
                range: None,
            })
            .await?;
        credentials::read_token(&answer.body).ok_or_else(|| {
            upstream(Cause::Transport(
                "the token endpoint's answer had no access_token".into(),
            ))
        })
    }

    /// Asks for the image at `url` (found in a page or given by a visitor: never rewritten,
    /// always guarded) and returns once the headers of a 2xx answer are in, so that the
    /// caller reads the body at its own pace (and admits its memory as it grows).
    pub async fn open_image(&self, url: Url) -> Result<ImageBody, FetchError> {
        let opened = self.open(Exchange::image(url, 0, None)).await?;
        Ok(ImageBody {
            url: opened.url,
            content_type: opened.content_type,
            response: opened.response,
        })
    }

    /// Asks for the first `prefix` bytes of the image at `url` (a ranged GET, through the
    /// same guard as [`Fetcher::open_image`]) and stops reading there, whatever the server
    /// sends: enough to tell an image from an error page and to read its header.
    pub async fn probe_image(&self, url: Url, prefix: usize) -> Result<Probed, FetchError> {
        let range = format!("bytes=0-{}", prefix.saturating_sub(1));
        let opened = self.open(Exchange::image(url, prefix, Some(range))).await?;
        let total_bytes = total_bytes(opened.status, &opened.headers);
        let head = read_prefix(opened.response, prefix).await?;
        Ok(Probed {
            content_type: opened.content_type,
            head,
            total_bytes,
        })
    }

    /// Sends and reads a 2xx answer whole; one that carries a challenge's strong signs
    /// (`block::walled`) is a block before its body is read.
    async fn send(&self, exchange: Exchange) -> Result<Fetched, FetchError> {
        let (max_bytes, sniff_walls, asked) = (
            exchange.max_bytes,
            exchange.sniff_walls,
            exchange.url.clone(),
        );
        let Opened {
            response,
            status,
            url,
            headers,
            content_type,
        } = self.open(exchange).await?;
        let status = status.as_u16();
        if sniff_walls && let Some(by) = block::walled(&asked, &url, &headers) {
            return Err(FetchError::Blocked { status, by });
        }
        let body = read_capped(response, max_bytes).await?;
        crate::metrics::fetched(body.len());
        Ok(Fetched {
            url,
            status,
            headers,
            content_type,
            body,
        })
    }

    /// Sends the request and returns a 2xx response with its body still unread; any other
    /// status becomes the matching [`FetchError`].
    async fn open(&self, exchange: Exchange) -> Result<Opened, FetchError> {
        // Operator-set upstreams are trusted; everything else may only reach public hosts.
        let trusted = exchange.trusted || self.settings.guard.allows_private_networks();
        let response = if exchange.via_proxy {
            self.exchange_proxied(&exchange, trusted).await?
        } else {
            if !trusted {
                self.settings.guard.check_url(&exchange.url)?;
            }
            let client = self.client(if trusted {
                Route::Trusted
            } else {
                Route::Guarded
            })?;
            self.exchange(client, &exchange, exchange.url.clone(), true)
                .await?
        };
        opened(response)
    }

    /// [`Fetcher::exchange`] through the outbound proxy, which resolves names itself: so
    /// every URL, the first and each redirect's, is resolved and checked here before it is
    /// sent, and redirects are followed one by one (at most [`MAX_REDIRECTS`]).
    async fn exchange_proxied(
        &self,
        exchange: &Exchange,
        trusted: bool,
    ) -> Result<reqwest::Response, FetchError> {
        let client = self.client(Route::Proxied)?;
        let mut url = exchange.url.clone();
        for hop in 0..=MAX_REDIRECTS {
            if !trusted {
                let timeout = self.settings.connect_timeout;
                match self.settings.guard.check_resolved(&url, timeout).await {
                    // A redirect to file: or ftp: is the upstream's failure, not the
                    // visitor's input (as reqwest reports it without a proxy).
                    Err(FetchError::Forbidden {
                        reason: Refused::Scheme(scheme),
                    }) if hop > 0 => {
                        return Err(upstream(Cause::Transport(format!(
                            "redirected to a {scheme}: URL"
                        ))));
                    }
                    checked => checked?,
                }
            }
            // Credentials go to the host they were meant for, never to a redirect elsewhere
            // (as reqwest's own redirects drop them).
            let same_host = url.host_str() == exchange.url.host_str();
            let response = self
                .exchange(client, exchange, url.clone(), same_host)
                .await?;
            let next = response
                .status()
                .is_redirection()
                .then(|| response.headers().get(header::LOCATION))
                .flatten()
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok());
            match next {
                Some(next) if exchange.body.is_none() => url = next,
                _ => return Ok(response),
            }
        }
        Err(upstream(Cause::Redirects))
    }

    /// Sends `exchange` to `url` with `client`, with its `Authorization` when `authorize`.
    async fn exchange(
        &self,
        client: &Client,
        exchange: &Exchange,
        url: Url,
        authorize: bool,
    ) -> Result<reqwest::Response, FetchError> {
        let builder = match &exchange.body {
            Some((content_type, body)) => client
                .post(url)
                .header(header::CONTENT_TYPE, *content_type)
                .body(body.clone()),
            None => client.get(url),
        };
        let builder = exchange
            .headers
            .iter()
            .fold(builder, |b, (name, value)| b.header(*name, *value));
        let builder = match &exchange.authorization {
            Some(value) if authorize => builder.header(header::AUTHORIZATION, value),
            _ => builder,
        };
        let builder = match &exchange.range {
            Some(range) => builder.header(header::RANGE, range),
            None => builder,
        };
        builder
            .header(header::USER_AGENT, exchange.agent.user_agent())
            .header(header::ACCEPT, exchange.accept)
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.8")
            .send()
            .await
            .map_err(|e| transport_error(&e))
    }

    fn client(&self, route: Route) -> Result<&Client, FetchError> {
        let cell = match route {
            Route::Trusted => &self.trusted,
            Route::Guarded => &self.guarded,
            Route::Proxied => &self.proxied,
        };
        cell.get_or_init(|| self.build_client(route).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| FetchError::Upstream {
                cause: Cause::Client(e.clone()),
            })
    }

    fn build_client(&self, route: Route) -> reqwest::Result<Client> {
        // Ambient HTTP_PROXY/HTTPS_PROXY variables would send requests past the guard:
        // only GETIMAGES_PROXY is used, and only by the proxied client.
        let mut builder = Client::builder()
            .no_proxy()
            .connect_timeout(self.settings.connect_timeout)
            .timeout(self.settings.request_timeout)
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .use_rustls_tls();
        let guard = self.settings.guard.clone();
        builder = if route == Route::Proxied {
            let url = self.settings.proxy.as_ref().map(|p| p.url.as_str());
            let proxy = reqwest::Proxy::all(url.unwrap_or("http://proxy.invalid"))?;
            builder.proxy(proxy).redirect(Policy::none())
        } else if route == Route::Trusted {
            builder.redirect(Policy::limited(MAX_REDIRECTS))
        } else {
            builder
                .dns_resolver(std::sync::Arc::new(
                    self.settings.guard.resolver(self.settings.connect_timeout),
                ))
                .redirect(Policy::custom(move |attempt| {
                    if attempt.previous().len() >= MAX_REDIRECTS {
                        return attempt.error(TooManyRedirects);
                    }
                    match guard.check_url(attempt.url()) {
                        Ok(()) => attempt.follow(),
                        Err(refused) => attempt.error(refused),
                    }
                }))
        };
        builder.build()
    }
}

/// Which of the shared clients a request goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Straight to an operator-set upstream (or anywhere, with private networks allowed).
    Trusted,
    /// Straight to a public host, every resolved address checked.
    Guarded,
    /// Through GETIMAGES_PROXY, names checked before sending.
    Proxied,
}

/// Which lookups go through the outbound proxy (`GETIMAGES_PROXY_PROVIDERS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyUse {
    /// A lookup a platform blocked is asked once more through the proxy.
    WhenBlocked,
    /// Every lookup.
    All,
    /// These providers' lookups always; the others' when blocked.
    Providers(Vec<&'static str>),
}

/// The outbound proxy and when it is used.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    /// `http://`, `https://`, `socks5://` or `socks5h://`.
    pub url: Url,
    /// Which lookups use it.
    pub used: ProxyUse,
}

/// `url` with scheme, host and port taken from `origin`; path and query kept.
fn with_origin(url: &Url, origin: &Url) -> Url {
    let mut out = origin.clone();
    out.set_path(url.path());
    out.set_query(url.query());
    out
}

fn origin_of(url: &Url) -> Url {
    let mut origin = url.clone();
    origin.set_path("/");
    origin.set_query(None);
    origin
}

#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirects;

/// Maps a transport failure, looking through its causes for the guard's refusal.
fn transport_error(error: &reqwest::Error) -> FetchError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return FetchError::Forbidden {
                reason: refused.clone(),
            };
        }
        if e.is::<TooManyRedirects>() {
            return upstream(Cause::Redirects);
        }
        if let Some(dns) = e.downcast_ref::<guard::DnsFailure>() {
            return if dns.timed_out() {
                FetchError::Timeout { phase: Phase::Dns }
            } else {
                upstream(Cause::Dns(dns.to_string()))
            };
        }
        cause = e.source();
    }
    let chain = error_chain(error);
    if error.is_timeout() {
        let phase = if error.is_connect() {
            Phase::Connect
        } else {
            Phase::Read
        };
        FetchError::Timeout { phase }
    } else if error.is_connect() {
        upstream(Cause::Connect(chain))
    } else if error.is_redirect() {
        upstream(Cause::Redirects)
    } else {
        upstream(Cause::Transport(chain))
    }
}

fn upstream(cause: Cause) -> FetchError {
    FetchError::Upstream { cause }
}

/// `error` and its sources, innermost last: `error sending request: … : connection refused`.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        // hyper and reqwest often repeat their source's text in their own.
        if !chain.contains(&text) {
            chain.push_str(": ");
            chain.push_str(&text);
        }
        cause = e.source();
    }
    chain
}

fn status_error(status: u16, headers: &header::HeaderMap, url: &Url) -> FetchError {
    if let Some(by) = block::refused(status, headers) {
        return FetchError::Blocked { status, by };
    }
    match status {
        404 | 410 => FetchError::NotFound {
            url: url.clone(),
            status,
        },
        _ => upstream(Cause::Status(status)),
    }
}

/// A 2xx response with its head read, or the failure its status means.
fn opened(response: reqwest::Response) -> Result<Opened, FetchError> {
    let status = response.status();
    let url = response.url().clone();
    if !status.is_success() {
        return Err(status_error(status.as_u16(), response.headers(), &url));
    }
    let headers = response.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Ok(Opened {
        response,
        status,
        url,
        headers,
        content_type,
    })
}

/// The size of the whole resource: a partial answer's `Content-Range` total
/// (`bytes 0-65535/1234567`), else a full answer's `Content-Length`.
fn total_bytes(status: reqwest::StatusCode, headers: &header::HeaderMap) -> Option<u64> {
    let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if status == reqwest::StatusCode::PARTIAL_CONTENT {
        let (_, total) = value(header::CONTENT_RANGE)?.rsplit_once('/')?;
        total.trim().parse().ok()
    } else {
        value(header::CONTENT_LENGTH)?.trim().parse().ok()
    }
}

/// Reads at most `max` bytes of the body and drops the rest unread (the connection is
/// closed rather than drained).
async fn read_prefix(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, FetchError> {
    let mut head = Vec::new();
    while head.len() < max {
        let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? else {
            break;
        };
        let room = max - head.len();
        head.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(head)
}

/// Reads the body, failing as soon as it passes `max` bytes (so an endless body costs at
/// most `max`).
async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(FetchError::TooLarge { max });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
        if body.len() + chunk.len() > max {
            return Err(FetchError::TooLarge { max });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_replaces_only_the_origin() {
        let url = Url::parse("https://api.github.com/users/torvalds?x=1").unwrap();
        let origin = Url::parse("http://127.0.0.1:9001").unwrap();
        assert_eq!(
            with_origin(&url, &origin).as_str(),
            "http://127.0.0.1:9001/users/torvalds?x=1"
        );
    }

    #[test]
    fn pixiv_images_are_asked_with_pixivs_referer_and_no_other_is() {
        let referer = |url: &str| image_headers(&Url::parse(url).unwrap());
        for pixiv in [
            "https://i.pximg.net/user-profile/img/a_170.jpg",
            "https://I-F.PXIMG.NET/img-original/img/1_p0.png",
            "https://pximg.net/x.png",
        ] {
            assert_eq!(
                referer(pixiv),
                &[("referer", "https://www.pixiv.net/")],
                "{pixiv}"
            );
        }
        for other in [
            "https://notpximg.net/x.png",
            "https://pximg.net.evil.test/x.png",
            "https://pbs.twimg.com/profile_images/1/a.jpg",
            "http://127.0.0.1:9/x.png",
        ] {
            assert!(referer(other).is_empty(), "{other}");
        }
    }
}
