//! The SSRF guard: URLs a stranger supplies may only reach public internet addresses.
//!
//! Checked twice: on the literal host of every URL and redirect hop ([`Guard::check_url`]),
//! and on every address a host name resolves to ([`PublicOnlyResolver`]), so a
//! public-looking name whose DNS answer is loopback is refused too. This is the one place
//! that decides: the fetcher, `/image` and `?fallback=` all ask it.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
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

/// Whether `ip` is a public unicast address: in no block of [`REFUSED`] (unless it is one
/// of the globally reachable addresses inside them), or an IPv6 form wrapping a public IPv4
/// address.
pub fn is_public(ip: IpAddr) -> bool {
    refused_block(ip).is_none()
}

/// Every address block a URL may not reach, and what it is: each block of IANA's IPv4 and
/// IPv6 special-purpose address registries that is not globally reachable, multicast, and
/// IPv6 outside 2000::/3. The first block holding an address names it, so narrower blocks
/// come before the blocks around them. (IPv6 forms that wrap an IPv4 address are judged by
/// that address: see [`embedded_v4`].)
const REFUSED: &[(&str, &str)] = &[
    ("0.0.0.0/8", "\"this network\" (RFC 791)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space, CGNAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local, cloud metadata (RFC 3927)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation, TEST-NET-1 (RFC 5737)"),
    (
        "192.88.99.0/24",
        "6to4 relay anycast, deprecated (RFC 7526)",
    ),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation, TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation, TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("255.255.255.255/32", "limited broadcast (RFC 919)"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
    ("::/128", "unspecified (RFC 4291)"),
    ("::1/128", "loopback (RFC 4291)"),
    (
        "64:ff9b:1::/48",
        "local-use IPv4/IPv6 translation (RFC 8215)",
    ),
    ("100::/64", "discard-only (RFC 6666)"),
    ("100:0:0:1::/64", "dummy prefix (RFC 9780)"),
    // Teredo reaches a host behind a NAT through a relay: refused, whatever it wraps.
    ("2001::/32", "Teredo (RFC 4380)"),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:10::/28", "ORCHID, deprecated (RFC 4843)"),
    ("2001::/23", "IETF protocol assignments (RFC 2928)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("5f00::/16", "SRv6 segment identifiers (RFC 9602)"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link-local (RFC 4291)"),
    ("fec0::/10", "site-local, deprecated (RFC 3879)"),
    ("ff00::/8", "multicast (RFC 4291)"),
    // IANA assigns global unicast from 2000::/3 only; the rest is reserved by the IETF.
    ("::/3", "reserved, not global unicast (RFC 4291)"),
    ("4000::/2", "reserved, not global unicast (RFC 4291)"),
    ("8000::/1", "reserved, not global unicast (RFC 4291)"),
];

/// The globally reachable addresses inside the blocks of [`REFUSED`], as the registries
/// list them.
const GLOBAL: &[(&str, &str)] = &[
    ("192.0.0.9/32", "PCP anycast (RFC 7723)"),
    ("192.0.0.10/32", "TURN anycast (RFC 8155)"),
    ("2001:1::1/128", "PCP anycast (RFC 7723)"),
    ("2001:1::2/128", "TURN anycast (RFC 8155)"),
    (
        "2001:1::3/128",
        "DNS-SD service registration anycast (RFC 9665)",
    ),
    ("2001:3::/32", "AMT (RFC 7450)"),
    ("2001:4:112::/48", "AS112-v6 (RFC 7535)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001:30::/28", "drone remote ID (RFC 9374)"),
];

/// [`REFUSED`] and [`GLOBAL`], read once.
static BLOCKS: LazyLock<(Vec<Block>, Vec<Block>)> = LazyLock::new(|| {
    let read = |table: &[(&str, &'static str)]| table.iter().map(Block::parse).collect();
    (read(REFUSED), read(GLOBAL))
});

/// An address block: its first address and prefix length, and what it is.
#[derive(Debug, Clone, Copy)]
struct Block {
    first: IpAddr,
    prefix: u32,
    what: &'static str,
}

impl Block {
    /// Reads a row of [`REFUSED`] or [`GLOBAL`] (a test reads every row).
    fn parse(&(cidr, what): &(&str, &'static str)) -> Self {
        let parsed = cidr.split_once('/').and_then(|(first, prefix)| {
            let first: IpAddr = first.parse().ok()?;
            let prefix: u32 = prefix.parse().ok()?;
            let bits = if first.is_ipv4() { 32 } else { 128 };
            (prefix <= bits).then_some((first, prefix))
        });
        let (first, prefix) = parsed.unwrap_or_else(|| panic!("{cidr} is not an address block"));
        Self {
            first,
            prefix,
            what,
        }
    }

    /// Whether `ip` is in this block.
    fn holds(&self, ip: IpAddr) -> bool {
        // Both addresses as numbers, and how many low bits name a host in the block.
        let (first, ip, host_bits) = match (self.first, ip) {
            (IpAddr::V4(first), IpAddr::V4(ip)) => (
                u128::from(u32::from(first)),
                u128::from(u32::from(ip)),
                32 - self.prefix,
            ),
            (IpAddr::V6(first), IpAddr::V6(ip)) => (first.into(), ip.into(), 128 - self.prefix),
            _ => return false,
        };
        first.checked_shr(host_bits).unwrap_or(0) == ip.checked_shr(host_bits).unwrap_or(0)
    }
}

/// What makes `ip` non-public (its block), or `None` for a public address.
fn refused_block(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    };
    let (refused, global) = &*BLOCKS;
    if global.iter().any(|b| b.holds(ip)) {
        return None;
    }
    refused.iter().find(|b| b.holds(ip)).map(|b| b.what)
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

    /// The last address of the IPv6 block whose first groups are `head`: `head` followed by
    /// `ffff` groups up to eight.
    fn filled(head: &str) -> String {
        let groups = head.split(':').count();
        format!("{head}{}", ":ffff".repeat(8 - groups))
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

    /// Each block of `REFUSED`: its first and last address are refused, named as that block.
    #[test]
    fn every_block_is_refused_from_its_first_address_to_its_last() {
        for (what, first, last) in [
            ("this network", "0.0.0.0", "0.255.255.255"),
            ("private", "10.0.0.0", "10.255.255.255"),
            ("CGNAT", "100.64.0.0", "100.127.255.255"),
            ("loopback", "127.0.0.0", "127.255.255.255"),
            ("link-local", "169.254.0.0", "169.254.255.255"),
            ("private", "172.16.0.0", "172.31.255.255"),
            ("IETF protocol", "192.0.0.0", "192.0.0.255"),
            ("TEST-NET-1", "192.0.2.0", "192.0.2.255"),
            ("6to4 relay", "192.88.99.0", "192.88.99.255"),
            ("private", "192.168.0.0", "192.168.255.255"),
            ("benchmarking", "198.18.0.0", "198.19.255.255"),
            ("TEST-NET-2", "198.51.100.0", "198.51.100.255"),
            ("TEST-NET-3", "203.0.113.0", "203.0.113.255"),
            ("multicast", "224.0.0.0", "239.255.255.255"),
            ("reserved", "240.0.0.0", "255.255.255.254"),
            ("broadcast", "255.255.255.255", "255.255.255.255"),
            ("unspecified", "::", "::"),
            ("loopback", "::1", "::1"),
            ("local-use", "64:ff9b:1::", &filled("64:ff9b:1")),
            ("discard", "100::", "100::ffff:ffff:ffff:ffff"),
            ("dummy", "100:0:0:1::", "100::1:ffff:ffff:ffff:ffff"),
            ("Teredo", "2001::", &filled("2001:0")),
            ("benchmarking", "2001:2::", &filled("2001:2:0")),
            ("ORCHID", "2001:10::", &filled("2001:1f")),
            ("IETF protocol", "2001:1::", &filled("2001:1ff")),
            ("documentation", "2001:db8::", &filled("2001:db8")),
            ("documentation", "3fff::", &filled("3fff:fff")),
            ("SRv6", "5f00::", &filled("5f00:ffff")),
            ("unique local", "fc00::", &filled("fdff:ffff")),
            ("link-local", "fe80::", &filled("febf:ffff")),
            ("site-local", "fec0::", &filled("feff:ffff")),
            ("multicast", "ff00::", &filled("ffff:ffff")),
            ("not global unicast", "1::", &filled("1fff:ffff")),
            ("not global unicast", "4000::", &filled("7fff:ffff")),
            ("not global unicast", "8000::", &filled("fbff:ffff")),
        ] {
            for ip in [first, last] {
                let named = refused_block(ip.parse().unwrap());
                assert!(
                    named.is_some_and(|n| n.contains(what)),
                    "{ip} must be refused as {what}, not {named:?}"
                );
            }
        }
    }

    #[test]
    fn the_neighbours_just_outside_a_block_are_public() {
        for ip in [
            "1.0.0.0",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "191.255.255.255",
            "192.0.1.0",
            "192.0.1.255",
            "192.0.3.0",
            "192.88.98.255",
            "192.88.100.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
            "223.255.255.255",
            "2000::",
            &filled("2000:ffff"),
            "2001:200::",
            &filled("2001:db7"),
            "2001:db9::",
            &filled("3ffe:ffff"),
            "3fff:1000::",
            &filled("3fff:ffff"),
        ] {
            assert!(public(ip), "{ip} must count as public");
        }
    }

    #[test]
    fn globally_reachable_addresses_inside_a_refused_block_are_public() {
        for ip in [
            "192.0.0.9",
            "192.0.0.10",
            "2001:1::1",
            "2001:1::2",
            "2001:1::3",
            "2001:3::",
            &filled("2001:3:ffff"),
            "2001:4:112::",
            &filled("2001:4:112"),
            "2001:20::",
            &filled("2001:2f:ffff"),
            "2001:30::",
            &filled("2001:3f:ffff"),
        ] {
            assert!(public(ip), "{ip} must count as public");
        }
        for ip in [
            "192.0.0.8",
            "192.0.0.11",
            "2001:1::",
            "2001:1::4",
            "2001:2:1::",
            &filled("2001:4:111"),
            "2001:4:113::",
        ] {
            assert!(!public(ip), "{ip} must not count as public");
        }
    }

    #[test]
    fn ipv6_forms_wrapping_an_ipv4_address_are_judged_by_that_address() {
        for (ip, is) in [
            // NAT64's well-known prefix: the IPv4 address in the last 32 bits.
            ("64:ff9b::808:808", true),
            ("64:ff9b::a00:1", false),
            ("64:ff9b::6440:1", false),
            ("64:ff9b::c000:201", false),
            ("64:ff9b::ffff:ffff", false),
            // IPv4-mapped.
            ("::ffff:808:808", true),
            ("::ffff:c633:6401", false),
            ("::ffff:cb00:7101", false),
            ("::ffff:f000:1", false),
            // 6to4: the IPv4 address in bits 16 to 48.
            ("2002:808:808::1", true),
            ("2002:cb00:7101::1", false),
            ("2002:c612:1::1", false),
            ("2002:6440:1::1", false),
            ("2002:c058:6301::1", false),
            // Teredo, whatever its server (here public) and client (obfuscated) addresses.
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", false),
            ("2001:0:808:808:0:f7f7:f7f7:f7f7", false),
        ] {
            assert_eq!(public(ip), is, "{ip} public: {is}");
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
