//! The Web Push client's name resolution: a subscription's endpoint is a URL someone else
//! chose, so every connection goes only to public addresses (no loopback, private or
//! link-local target through a subscription, RFC 8030 §8 and OWASP SSRF guidance). Checking at
//! registration is not enough (DNS can change its answer later, "DNS rebinding"): the addresses
//! are filtered here, at every connection, by the resolver the HTTP client itself uses.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::web_push::is_public_ip;

/// Whether a connection to `ip` is allowed: a public address, or loopback when the policy (tests
/// only) allows it.
pub(super) fn permitted(ip: IpAddr, allow_loopback: bool) -> bool {
    is_public_ip(ip) || (allow_loopback && ip.is_loopback())
}

/// The host resolved to no address a push may go to.
#[derive(Debug, thiserror::Error)]
#[error("the push service's host resolves to no public address")]
pub(super) struct RefusedAddress;

/// The system resolver, keeping only [`permitted`] addresses.
pub(super) struct PublicOnly {
    pub allow_loopback: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| permitted(a.ip(), allow_loopback))
                .collect();
            if found.is_empty() {
                return Err(Box::new(RefusedAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Whether a request failed because [`PublicOnly`] refused every address.
pub(super) fn refused(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<RefusedAddress>() {
            return true;
        }
        source = s.source();
    }
    false
}
