//! The SSRF guard: URLs a stranger supplies may only reach public internet addresses.
//!
//! Checked twice: on the literal host of every URL and redirect hop ([`Guard::check_url`]),
//! and on every address a host name resolves to ([`PublicOnlyResolver`]), so a
//! public-looking name whose DNS answer is loopback is refused too. This is the one place
//! that decides: the fetcher, `/image` and `?fallback=` all ask it.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::{Cause, FetchError, Phase};

/// A URL the guard refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an http or https URL.
    #[error("{0}: links cannot be fetched (only http and https)")]
    Scheme(String),
    /// It would reach a non-public address (shown as the host, with its address if known).
    #[error("{0} is not a public internet address")]
    Address(String),
}

/// A host name that did not resolve, kept as its own type so the fetcher can tell a DNS
/// failure (or a resolver that never answers) from other connection failures.
#[derive(Debug, thiserror::Error)]
#[error("{host} did not resolve: {source}")]
pub struct DnsFailure {
    host: String,
    source: std::io::Error,
}

impl DnsFailure {
    /// Whether the resolver did not answer in time (rather than answering "no such name").
    pub fn timed_out(&self) -> bool {
        self.source.kind() == std::io::ErrorKind::TimedOut
    }
}

/// Whether `ip` is a public unicast address (not loopback, private, link-local, CGNAT,
/// multicast, unspecified, documentation, reserved, or an IPv6 form wrapping one of those).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)) // documentation
}

/// The IPv4 address inside IPv4-mapped (`::ffff:a.b.c.d`), SIIT IPv4-translated
/// (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and
/// 6to4 (`2002:aabb:ccdd::/48`) addresses, which reach that IPv4 host.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    if s[0] == 0x2002 {
        return Some(v4(s[1], s[2]));
    }
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    let translated = s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0;
    let compatible = s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1);
    let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4];
    (mapped || translated || compatible || nat64).then_some(v4(s[6], s[7]))
}

/// The guard's configuration: operator-set DNS answers, addresses to count as public (for
/// tests that need a "public" server on loopback), and whether private networks are
/// allowed at all. Empty and closed by default.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    resolve: Arc<HashMap<String, Vec<IpAddr>>>,
    treat_as_public: Arc<HashSet<IpAddr>>,
    allow_private_networks: bool,
}

impl Guard {
    /// A guard answering `resolve` names itself and counting `treat_as_public` as public.
    pub fn new(resolve: HashMap<String, Vec<IpAddr>>, treat_as_public: HashSet<IpAddr>) -> Self {
        let resolve = resolve
            .into_iter()
            .map(|(name, ips)| (name.trim_end_matches('.').to_ascii_lowercase(), ips))
            .collect();
        Self {
            resolve: Arc::new(resolve),
            treat_as_public: Arc::new(treat_as_public),
            allow_private_networks: false,
        }
    }

    /// The same guard letting every address through (tests and local development only):
    /// only the scheme is still checked. Logged as a warning, once.
    pub fn allowing_private_networks(self) -> Self {
        tracing::warn!(
            "GETIMAGES_ALLOW_PRIVATE_NETWORKS is on: lookups may reach private and loopback \
             addresses. Use it for tests and local development only."
        );
        Self {
            allow_private_networks: true,
            ..self
        }
    }

    /// Whether every address is let through.
    pub fn allows_private_networks(&self) -> bool {
        self.allow_private_networks
    }

    /// Whether requests may go to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_private_networks || is_public(ip) || self.treat_as_public.contains(&ip)
    }

    /// Refuses URLs that are not http(s), or whose host is a literal non-public IP address,
    /// a `localhost` name, or a name the operator pinned (`--resolve`) to non-public
    /// addresses only. (Other names are checked when they resolve, by the resolver.)
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::Scheme(url.scheme().to_owned()));
        }
        if self.allow_private_networks {
            return Ok(());
        }
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(name)) => {
                // "localhost" and its subdomains are loopback by convention (RFC 6761),
                // whatever a resolver says.
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if name == "localhost" || name.ends_with(".localhost") {
                    return Err(Refused::Address(name));
                }
                // A pinned answer is known without a lookup: refuse here what the resolver
                // would, so URLs we pass on unfetched (fallbacks, image links) are refused too.
                return match self.resolve.get(&name) {
                    Some(ips) if !ips.iter().any(|ip| self.allows(*ip)) => {
                        let shown = ips.first().map(ToString::to_string).unwrap_or_default();
                        Err(Refused::Address(format!("{name} ({shown})")))
                    }
                    _ => Ok(()),
                };
            }
            None => return Err(Refused::Address("a URL without a host".into())),
        };
        if self.allows(ip) {
            Ok(())
        } else {
            Err(Refused::Address(ip.to_string()))
        }
    }

    /// Checks `url` as [`Guard::check_url`] does, and resolves its host name here (within
    /// `timeout`) to check every address it has: for a request sent through a proxy, which
    /// resolves the name itself, so the name must be safe whatever address it picks.
    pub async fn check_resolved(&self, url: &Url, timeout: Duration) -> Result<(), FetchError> {
        self.check_url(url)?;
        let Some(Host::Domain(name)) = url.host() else {
            return Ok(());
        };
        if self.allow_private_networks {
            return Ok(());
        }
        let host = name.trim_end_matches('.').to_ascii_lowercase();
        let found = self.lookup(&host, timeout).await.map_err(|dns| {
            if dns.timed_out() {
                FetchError::Timeout { phase: Phase::Dns }
            } else {
                FetchError::Upstream {
                    cause: Cause::Dns(dns.to_string()),
                }
            }
        })?;
        match found.iter().find(|a| !self.allows(a.ip())) {
            Some(refused) => Err(Refused::Address(format!("{host} ({})", refused.ip())).into()),
            None if found.is_empty() => Err(Refused::Address(host).into()),
            None => Ok(()),
        }
    }

    /// The addresses of `host` (lower case, no trailing dot): pinned, or from the system
    /// resolver within `timeout`.
    async fn lookup(&self, host: &str, timeout: Duration) -> Result<Vec<SocketAddr>, DnsFailure> {
        if let Some(ips) = self.resolve.get(host) {
            return Ok(ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect());
        }
        let lookup = tokio::net::lookup_host((host, 0));
        let answer = tokio::time::timeout(timeout, lookup)
            .await
            .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
        answer.map(Iterator::collect).map_err(|source| DnsFailure {
            host: host.to_owned(),
            source,
        })
    }

    /// A reqwest DNS resolver that drops every address this guard refuses, and gives up
    /// on a resolver that has not answered within `timeout`.
    pub fn resolver(&self, timeout: Duration) -> PublicOnlyResolver {
        PublicOnlyResolver {
            guard: self.clone(),
            timeout,
        }
    }
}

/// A DNS resolver for reqwest that drops every non-public address, and fails when none is
/// left.
#[derive(Debug, Clone)]
pub struct PublicOnlyResolver {
    guard: Guard,
    timeout: Duration,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (guard, timeout) = (self.guard.clone(), self.timeout);
        Box::pin(async move {
            let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
            let found = guard.lookup(&host, timeout).await?;
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| guard.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let shown = match found.first() {
                    Some(a) => format!("{host} ({})", a.ip()),
                    None => host,
                };
                return Err(
                    Box::new(Refused::Address(shown)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2002:c0a8:101:5::9",
            "::ffff:0:127.0.0.1",
            "::ffff:0:a00:1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(!public(ip), "{ip} must not count as public");
        }
    }

    #[test]
    fn ordinary_internet_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "140.82.112.3",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "::ffff:0:8.8.8.8",
        ] {
            assert!(public(ip), "{ip} must count as public");
        }
    }

    #[test]
    fn urls_with_private_literal_hosts_or_other_schemes_are_refused() {
        for url in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://0/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://evil@127.0.0.1/",
            "http://localhost:8080/",
            "http://api.localhost/",
            "file:///etc/passwd",
            "gopher://example.com/",
            "ftp://example.com/",
        ] {
            let parsed = Url::parse(url).unwrap();
            assert!(
                Guard::default().check_url(&parsed).is_err(),
                "{url} must be refused"
            );
        }
        let guard = Guard::default();
        assert!(
            guard
                .check_url(&Url::parse("https://example.com/x").unwrap())
                .is_ok()
        );
        let exempt = Guard::new(HashMap::new(), ["127.0.0.2".parse().unwrap()].into());
        assert!(
            exempt
                .check_url(&Url::parse("http://127.0.0.2:9/").unwrap())
                .is_ok()
        );
        assert!(
            exempt
                .check_url(&Url::parse("http://127.0.0.1:9/").unwrap())
                .is_err()
        );
    }

    #[test]
    fn names_pinned_to_private_addresses_are_refused_without_a_lookup() {
        let pinned = |name: &str, ips: &[&str]| {
            let ips = ips.iter().map(|ip| ip.parse().unwrap()).collect();
            Guard::new([(name.to_owned(), ips)].into(), HashSet::new())
        };
        let check = |guard: &Guard, url: &str| guard.check_url(&Url::parse(url).unwrap());

        let evil = pinned("evil.test", &["127.0.0.1"]);
        for url in [
            "http://evil.test/",
            "http://EVIL.test.:8080/",
            "http://127.0.0.1:80@evil.test/",
        ] {
            assert!(check(&evil, url).is_err(), "{url} must be refused");
        }
        assert!(check(&evil, "http://other.test/").is_ok());
        // Like the resolver, which connects to the public address and drops the other.
        let mixed = pinned("mixed.test", &["10.0.0.1", "93.184.215.14"]);
        assert!(check(&mixed, "http://mixed.test/").is_ok());
    }
}
