//! Who a request came from, and what of it may be logged. The client's address is the TCP
//! peer's unless that peer is one of `server.trusted_proxies`: only then is `X-Forwarded-For`
//! believed, read from the right (the nearest proxy's entry) past every trusted hop. Nothing is
//! trusted by default, so a client cannot choose the address it is throttled and logged under.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;

/// An address or a CIDR block (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpBlock {
    base: IpAddr,
    prefix: u8,
}

impl IpBlock {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let base: IpAddr = addr.parse().map_err(|_| format!("not an IP address: {s:?}"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("bad prefix in {s:?}"))?
            }
            None => max,
        };
        Ok(Self { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                masked(u32::from(b).into(), 32, self.prefix) == masked(u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                masked(u128::from(b), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(v: u128, bits: u32, prefix: u8) -> u128 {
    if prefix == 0 { 0 } else { v >> (bits - u32::from(prefix)) }
}

/// The client's address given the peer, the `X-Forwarded-For` header and the trusted proxies.
pub fn resolve(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpBlock]) -> String {
    let Some(peer) = peer else { return "unknown".into() };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|b| b.contains(ip));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // Garbage from beyond the trusted hops: stop at the last address we can vouch for.
            Err(_) => break,
        }
    }
    client.to_string()
}

fn trusted_of(state: Option<&actix_web::web::Data<super::AppState>>) -> &[IpBlock] {
    state.map_or(&[], |s| &s.trusted_proxies[..])
}

/// The address a request came from (see the module comment).
pub fn client_ip(req: &HttpRequest) -> String {
    let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    resolve(req.peer_addr().map(|a| a.ip()), xff, trusted_of(req.app_data()))
}

fn service_client_ip(req: &ServiceRequest) -> String {
    let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    resolve(req.peer_addr().map(|a| a.ip()), xff, trusted_of(req.app_data()))
}

/// A request path fit for a log: the applicant's signed link (`/o/<token>`) and every query
/// value are replaced, since a link opens an order and a query may carry a lookup code.
pub fn loggable_target(path: &str, query: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut secret_next = false;
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if secret_next && !seg.is_empty() {
            out.push('…');
        } else {
            out.push_str(seg);
        }
        secret_next = i == 1 && seg == "o";
    }
    if !query.is_empty() {
        out.push('?');
        let keys: Vec<String> =
            query.split('&').map(|kv| format!("{}=…", kv.split('=').next().unwrap_or(""))).collect();
        out.push_str(&keys.join("&"));
    }
    out
}

/// The request span of every request: the route's pattern, the path with its secrets replaced,
/// and the client's address as resolved above (never a header the client chose).
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let route = request.match_pattern().unwrap_or_else(|| "unmatched".into());
        let target = loggable_target(request.path(), request.query_string());
        let request_id =
            actix_web::HttpMessage::extensions(request).get::<tracing_actix_web::RequestId>().copied();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %target,
            http.client_ip = %service_client_ip(request),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id.map(|r| r.to_string()).unwrap_or_default(),
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(s: &[&str]) -> Vec<IpBlock> {
        s.iter().map(|b| IpBlock::parse(b).unwrap()).collect()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let xff = Some("6.6.6.6, 203.0.113.9");
        assert_eq!(resolve(Some(proxy), xff, &[]), "10.0.0.5", "nothing trusted by default");
        assert_eq!(resolve(Some(proxy), xff, &blocks(&["10.0.0.0/8"])), "203.0.113.9", "the nearest hop");
        let two = blocks(&["10.0.0.0/8", "203.0.113.9"]);
        assert_eq!(resolve(Some(proxy), xff, &two), "6.6.6.6", "past every trusted hop");
        let outsider: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(resolve(Some(outsider), xff, &two), "198.51.100.7", "a client's own header is ignored");
        assert_eq!(resolve(Some(proxy), Some("junk, 203.0.113.9"), &two), "203.0.113.9");
        assert_eq!(
            resolve(Some("::ffff:10.0.0.5".parse().unwrap()), None, &blocks(&["10.0.0.5"])),
            "::ffff:10.0.0.5"
        );
        assert!(IpBlock::parse("10.0.0.0/33").is_err() && IpBlock::parse("proxy").is_err());
        assert!(IpBlock::parse("::1").unwrap().contains("::1".parse().unwrap()));
    }

    #[test]
    fn signed_links_and_query_values_never_reach_the_log() {
        assert_eq!(loggable_target("/o/abc.def/scans/3", ""), "/o/…/scans/3");
        assert_eq!(
            loggable_target("/lookup", "order_number=A1&code=123456"),
            "/lookup?order_number=…&code=…"
        );
        assert_eq!(loggable_target("/cases/4", ""), "/cases/4");
    }
}
