//! A real SMTP server for tests (`aiosmtpd`, from `.ci/tools.sh`'s Python), and the
//! letters it received, parsed as a mail program would (`mail-parser`).

use crate::tools;
use mail_parser::MimeHeaders;

use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

/// aiosmtpd delivering to the maildir named by its argument, on a loopback port it
/// binds itself and prints ("listening PORT") once it accepts connections.
const SERVER: &str = r#"
import asyncio, socket, sys
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP

async def main():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    handler = Mailbox(sys.argv[1])
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(handler), sock=sock)
    print("listening", sock.getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"#;

/// An `aiosmtpd` server on loopback keeping what it receives in a maildir; stopped
/// when dropped.
pub struct SmtpServer {
    pub port: u16,
    child: Child,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts a server on a port of its own (see `tools::python_server`), or `None`
    /// (with a note) when aiosmtpd is not installed; required under `CI=true`.
    pub fn start() -> Option<Self> {
        let maildir = tempfile::tempdir().expect("a maildir");
        let mail = maildir.path().join("mail");
        let (child, port) = tools::python_server("aiosmtpd", SERVER, &[mail.as_os_str()])?;
        Some(Self {
            port,
            child,
            maildir,
        })
    }

    /// The `smtp_url` that sends to this server.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> =
            std::fs::read_dir(self.maildir.path().join("mail/new"))
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| {
                            let at = e
                                .metadata()
                                .and_then(|m| m.modified())
                                .unwrap_or(std::time::UNIX_EPOCH);
                            (at, e.path())
                        })
                        .collect()
                })
                .unwrap_or_default();
        files.sort();
        files.into_iter().map(|(_, p)| p).collect()
    }

    /// Every letter received so far, oldest first, waiting up to ten seconds for at
    /// least `count` (letters leave after the answer).
    pub async fn letters(&self, count: usize) -> Vec<Letter> {
        for _ in 0..200 {
            let files = self.files();
            if files.len() >= count {
                return files
                    .iter()
                    .map(|f| Letter::parse(&std::fs::read(f).expect("a letter")))
                    .collect();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} letters, got {}", self.files().len());
    }

    /// How many letters arrived, after giving late ones `settle` to arrive.
    pub async fn count_after(&self, settle: Duration) -> usize {
        tokio::time::sleep(settle).await;
        self.files().len()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A letter as its reader's mail program sees it.
#[derive(Debug, Clone)]
pub struct Letter {
    /// Every header, as (name, value), in order.
    pub headers: Vec<(String, String)>,
    pub from: String,
    /// The first recipient's address.
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The top-level `Content-Type`, e.g. "multipart/alternative".
    pub content_type: String,
}

impl Letter {
    pub fn parse(raw: &[u8]) -> Self {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a parseable letter");
        let first = |a: Option<&mail_parser::Address>| {
            a.and_then(|a| a.first())
                .map(|m| {
                    (
                        m.address().unwrap_or_default().to_owned(),
                        m.name().unwrap_or_default().to_owned(),
                    )
                })
                .unwrap_or_default()
        };
        let (from, _) = first(message.from());
        let (to, to_name) = first(message.to());
        // Decoded where the header is text; as written (unfolded) where the parser
        // reads more into it (addresses, `List-*` headers).
        let headers = message
            .headers()
            .iter()
            .zip(message.headers_raw())
            .map(|(h, (_, raw))| {
                let value = match h.value() {
                    mail_parser::HeaderValue::Text(t) => t.to_string(),
                    _ => raw.split_whitespace().collect::<Vec<_>>().join(" "),
                };
                (h.name().to_owned(), value)
            })
            .collect();
        let content_type = message
            .content_type()
            .map(|c| match c.subtype() {
                Some(sub) => format!("{}/{sub}", c.ctype()),
                None => c.ctype().to_owned(),
            })
            .unwrap_or_default();
        Self {
            headers,
            from,
            to,
            to_name,
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            content_type,
        }
    }

    /// The header `name`'s first value (names compare without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path of the first link to `base` + `prefix` in the plain-text part (the
    /// path, from `prefix` to the end of the URL).
    pub fn link(&self, base: &str, prefix: &str) -> String {
        let full = format!("{base}{prefix}");
        let start = self
            .text
            .find(&full)
            .unwrap_or_else(|| panic!("{full} in {}", self.text));
        self.text[start + base.len()..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}
