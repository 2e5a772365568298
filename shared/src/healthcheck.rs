//! The `api healthcheck` and `worker healthcheck` probes: one HTTP/1.1 `GET` to the process's
//! own listener, so a container needs no curl or shell for its health check.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// How long the probe waits to connect, and then for the answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// The address a local client reaches a listener bound to `bind` on: a wildcard bind
/// (`0.0.0.0`, `[::]`) is reached on the loopback of the same family.
pub fn local_address(bind: SocketAddr) -> SocketAddr {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind.port())
}

/// `GET path` on the listener bound to `bind` (see [`local_address`]).
///
/// # Errors
/// A one-line reason: `path` is not an absolute path, the connection failed or timed out (after [`TIMEOUT`] each), the answer
/// was not HTTP, or its status was not 2xx (e.g. `http://127.0.0.1:8080/readyz answered 503`).
pub fn probe(bind: SocketAddr, path: &str) -> Result<u16, String> {
    if !path.starts_with('/') || path.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(format!("{path:?} is not an absolute path such as /readyz"));
    }
    let addr = local_address(bind);
    let url = format!("http://{addr}{path}");
    let status = get(addr, path).map_err(|e| format!("{url}: {e}"))?;
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(format!("{url} answered {status}"))
    }
}

fn get(addr: SocketAddr, path: &str) -> Result<u16, String> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    // The status line is all that is needed (RFC 9112 §4: `HTTP/1.1 200 OK`).
    let mut head = [0u8; 64];
    let mut len = 0;
    while len < head.len() {
        match stream.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) => return Err(e.to_string()),
        }
        if head[..len].contains(&b'\n') {
            break;
        }
    }
    let line = String::from_utf8_lossy(&head[..len]);
    line.strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| "the answer is not HTTP".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_probed_on_the_loopback() {
        let probe = |s: &str| local_address(s.parse().unwrap()).to_string();
        assert_eq!(probe("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(probe("[::]:9090"), "[::1]:9090");
        assert_eq!(probe("10.1.2.3:8080"), "10.1.2.3:8080");
    }

    #[test]
    fn a_closed_port_is_a_failure_that_names_the_url() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let e = probe(addr, "/readyz").unwrap_err();
        assert!(e.starts_with(&format!("http://{addr}/readyz: ")), "{e}");
    }

    #[test]
    fn the_status_line_decides() {
        for (answer, expected) in [
            ("HTTP/1.1 200 OK\r\n\r\nok", Ok(200)),
            (
                "HTTP/1.1 503 Service Unavailable\r\n\r\n",
                Err("answered 503"),
            ),
            ("SSH-2.0-OpenSSH\r\n", Err("the answer is not HTTP")),
        ] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = std::thread::spawn(move || {
                let (mut s, _) = listener.accept().unwrap();
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf);
                s.write_all(answer.as_bytes()).unwrap();
            });
            let got = probe(addr, "/healthz");
            server.join().unwrap();
            match expected {
                Ok(code) => assert_eq!(got, Ok(code)),
                Err(part) => assert!(got.unwrap_err().contains(part), "{answer}"),
            }
        }
    }
}
