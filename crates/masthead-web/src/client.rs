//! Who the client is, behind load balancers: the socket's peer, unless the peer is a
//! proxy the operator trusts (`trusted_proxies`); then the nearest address in
//! `X-Forwarded-For` that is not one of those proxies. Addresses a client writes into
//! the header itself sit to the left of what our proxies appended, so they are never
//! taken while an untrusted hop stands between.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct Proxies(Vec<IpNet>);

impl Proxies {
    /// Parses a comma-separated list of addresses and networks (`10.0.0.0/8,
    /// 192.0.2.7, ::1`); empty means no proxy is trusted.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("{item:?} is not an IP address or network like 10.0.0.0/8")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Proxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// A hop as proxies write it: an address, perhaps with a port (`192.0.2.1:4711`,
    /// `[2001:db8::1]:4711`); IPv4 mapped into IPv6 is read as IPv4.
    fn hop(text: &str) -> Option<IpAddr> {
        let ip = text
            .parse::<IpAddr>()
            .ok()
            .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))?;
        Some(ip.to_canonical())
    }

    /// The client's address for a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match Self::hop(hop) {
                Some(ip) if self.trusts(ip) => client = ip,
                Some(ip) => return ip,
                // A hop that is not an address: stop at the last one we could believe.
                None => return client,
            }
        }
        client
    }
}

/// The client's address for `request`, as rate limits and the audit log name it
/// ("unknown" when the server did not say who connected, as in some tests).
pub fn address_of(proxies: &Proxies, request: &axum::extract::Request) -> String {
    request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| proxies.client(c.0.ip(), request.headers()).to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The client's own name for itself, as a session keeps it (at most 300 characters).
pub fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let none = Proxies::default();
        let forged = headers(&["203.0.113.9"]);
        assert_eq!(none.client(ip("198.51.100.1"), &forged), ip("198.51.100.1"));
        let lb = Proxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // From the balancer: the address it saw.
        assert_eq!(
            lb.client(ip("10.1.2.3"), &headers(&["198.51.100.1"])),
            ip("198.51.100.1")
        );
        // A client's own forged entry sits left of the real one and is not taken.
        assert_eq!(
            lb.client(ip("10.1.2.3"), &headers(&["203.0.113.9, 198.51.100.1"])),
            ip("198.51.100.1")
        );
        // Chains of our proxies are walked; repeated headers count as one list.
        assert_eq!(
            lb.client(ip("10.1.2.3"), &headers(&["198.51.100.1", "192.0.2.7"])),
            ip("198.51.100.1")
        );
        // Straight from the internet, the header is ignored.
        assert_eq!(lb.client(ip("198.51.100.5"), &forged), ip("198.51.100.5"));
        // Garbage stops the walk at the last believable hop.
        assert_eq!(
            lb.client(ip("10.1.2.3"), &headers(&["junk"])),
            ip("10.1.2.3")
        );
        assert_eq!(lb.client(ip("10.1.2.3"), &HeaderMap::new()), ip("10.1.2.3"));
        // A dual-stack listener's view of an IPv4 balancer, and hops with ports.
        assert_eq!(
            lb.client(ip("::ffff:10.1.2.3"), &headers(&["198.51.100.1:4711"])),
            ip("198.51.100.1")
        );
        assert_eq!(
            lb.client(ip("10.1.2.3"), &headers(&["[2001:db8::7]:4711"])),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn lists_are_checked() {
        assert!(Proxies::parse("").unwrap().0.is_empty());
        assert_eq!(Proxies::parse("::1, 10.0.0.0/8").unwrap().0.len(), 2);
        let e = Proxies::parse("10.0.0.0/8, nonsense").unwrap_err();
        assert!(e.contains("nonsense"), "{e}");
    }
}
