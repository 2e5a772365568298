//! A real SMTP server on loopback for tests: speaks enough of RFC 5321 for lettre (EHLO, MAIL,
//! RCPT, DATA, RSET, NOOP, QUIT) and keeps every accepted message for the test to read.
//! It can be told to refuse recipients temporarily (4xx) or permanently (5xx), or to be slow.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body) as sent, dot-unstuffed.
    pub data: String,
}

impl ReceivedMail {
    /// The decoded text body (quoted-printable and base64 bodies are decoded).
    pub fn body_text(&self) -> String {
        let (headers, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", &self.data));
        let lower = headers.to_ascii_lowercase();
        if lower.contains("content-transfer-encoding: base64") {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default()
        } else if lower.contains("content-transfer-encoding: quoted-printable") {
            decode_qp(body)
        } else {
            body.to_owned()
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = self.data.split_once("\r\n\r\n")?;
        let prefix = format!("{}:", name.to_ascii_lowercase());
        headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }
}

fn decode_qp(s: &str) -> String {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if i + 2 < bytes.len() => {
                match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone, Default)]
struct Behaviour {
    /// Reply to every RCPT with this code and text instead of accepting.
    refuse_rcpt: Option<(u16, String)>,
    /// Wait this long before accepting each message (a slow server, so a test can stop a
    /// sender mid-drain).
    accept_delay: Option<std::time::Duration>,
}

/// The server handle; dropping it does not stop the server (it dies with the test runtime).
#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl SmtpServer {
    /// Starts listening on 127.0.0.1 on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("binding test SMTP server: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let server = SmtpServer {
            port,
            received: Arc::default(),
            behaviour: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        server
    }

    /// Settings that point the service at this server (plain SMTP, no TLS, no auth).
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AFTERCARE_SMTP_HOST", "127.0.0.1".to_owned()),
            ("AFTERCARE_SMTP_PORT", self.port.to_string()),
            ("AFTERCARE_SMTP_TLS", "none".to_owned()),
        ]
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Messages delivered to `address` so far.
    pub fn to(&self, address: &str) -> Vec<ReceivedMail> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (up to 5 s) until at least `n` messages have arrived for `address`.
    pub async fn wait_for(&self, address: &str, n: usize) -> Vec<ReceivedMail> {
        for _ in 0..100 {
            let got = self.to(address);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.to(address)
    }

    /// Refuse every recipient from now on with `code` (e.g. 450 temporary, 550 permanent).
    pub fn refuse_recipients(&self, code: u16, text: &str) {
        if let Ok(mut b) = self.behaviour.lock() {
            b.refuse_rcpt = Some((code, text.to_owned()));
        }
    }

    /// Take `delay` to accept each message from now on.
    pub fn delay_acceptance(&self, delay: std::time::Duration) {
        if let Ok(mut b) = self.behaviour.lock() {
            b.accept_delay = Some(delay);
        }
    }

    pub fn accept_recipients(&self) {
        if let Ok(mut b) = self.behaviour.lock() {
            b.refuse_rcpt = None;
        }
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 test-smtp ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_owned();
            let upper = cmd.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") {
                "250-test-smtp\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 OK".into()
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                "250 OK".into()
            } else if upper.starts_with("MAIL FROM:") {
                from = addr(&cmd[10..]);
                to.clear();
                "250 OK".into()
            } else if upper.starts_with("RCPT TO:") {
                let refuse = self
                    .behaviour
                    .lock()
                    .ok()
                    .and_then(|b| b.refuse_rcpt.clone());
                match refuse {
                    Some((code, text)) => format!("{code} {text}"),
                    None => {
                        to.push(addr(&cmd[8..]));
                        "250 OK".into()
                    }
                }
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let l = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(l);
                }
                let delay = self.behaviour.lock().ok().and_then(|b| b.accept_delay);
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                if let Ok(mut v) = self.received.lock() {
                    v.push(ReceivedMail {
                        from: from.clone(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                }
                "250 OK queued".into()
            } else if upper.starts_with("RSET") {
                to.clear();
                "250 OK".into()
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                "502 command not implemented".into()
            };
            write.write_all(reply.as_bytes()).await?;
            write.write_all(b"\r\n").await?;
        }
    }
}

fn addr(s: &str) -> String {
    s.trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}
