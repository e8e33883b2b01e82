//! Email the site sends: staff password resets and invitations, members' sign-in
//! links. Every letter has a plain-text and an HTML part, both dressed by the theme
//! from one `LetterView` (see `masthead_render::letters`).
//!
//! With `smtp_url` configured, letters go out by SMTP (STARTTLS or TLS as the URL
//! says). Without it, each letter is written as an `.eml` file to the outbox
//! directory, so a fresh install works and its operator can still pick a link up; the
//! log says where. A letter is written beside its final name and renamed into place,
//! so whoever reads the outbox sees whole letters only. Letters are sent after the answer (`send_later`): how long a mail
//! server takes never shows in a response, so it cannot tell whether an account exists.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use masthead_render::letters::{LetterParts, LetterView};
use masthead_render::{Theme, ThemeError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How letters leave.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in this directory.
    Outbox(PathBuf),
}

/// Sends the newsroom's letters.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// Why a letter did not leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// Refused for good (a bad address, a permanent 5xx answer): sending it again
    /// would not help.
    Refused(String),
    /// Not handed over now (no connection, a transient 4xx answer): try again later.
    Later(String),
}

impl Undelivered {
    fn into_words(self) -> String {
        match self {
            Undelivered::Refused(words) | Undelivered::Later(words) => words,
        }
    }
}

/// What makes a newsletter's letter a list's.
pub struct ListHeaders<'a> {
    /// `List-Id`: "Morning Briefing <morning-briefing.news.example>".
    pub id: &'a str,
    /// Where one click (a POST, RFC 8058) unsubscribes the recipient.
    pub unsubscribe_url: &'a str,
}

/// A letter to one person, in its two parts.
#[derive(Debug, Clone)]
pub struct Letter {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub parts: LetterParts,
}

impl Letter {
    /// `view` dressed by `theme`, to `to_name <to_email>`.
    pub fn compose(
        theme: &Theme,
        to_name: &str,
        to_email: &str,
        subject: String,
        view: &LetterView,
    ) -> Result<Self, ThemeError> {
        Ok(Self {
            to_name: to_name.to_owned(),
            to_email: to_email.to_owned(),
            subject,
            parts: theme.render_letter(view)?,
        })
    }
}

/// A letter from the publication titled `site` at `site_url`, saying nothing yet.
pub fn view(site: &str, site_url: &str) -> LetterView {
    LetterView {
        site: site.to_owned(),
        site_url: site_url.to_owned(),
        greeting: String::new(),
        before: Vec::new(),
        action: None,
        after: Vec::new(),
    }
}

fn sender(from: &str) -> Result<Mailbox, String> {
    from.parse()
        .map_err(|e| format!("mail_from {from:?} is not an email address: {e}"))
}

/// Whether `from` can be the sender of letters ("Name <address>" or an address).
pub fn check_sender(from: &str) -> Result<(), String> {
    sender(from).map(|_| ())
}

impl Mailer {
    /// Sends through the SMTP server at `url` (`smtp://`, `smtps://`, with user and
    /// password if needed; see lettre's `from_url`).
    pub fn smtp(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("smtp_url is not a usable SMTP address: {e}"))?
            .build();
        Ok(Self {
            transport: Transport::Smtp(transport),
            from: sender(from)?,
        })
    }

    /// Writes letters as `.eml` files into `dir` (made if missing).
    pub fn outbox(dir: &Path, from: &str) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot make the outbox {}: {e}", dir.display()))?;
        Ok(Self {
            transport: Transport::Outbox(dir.to_owned()),
            from: sender(from)?,
        })
    }

    /// Where letters are written, when they are not sent: `outbox` in the data directory.
    pub fn outbox_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("outbox")
    }

    /// Whether letters actually leave (by SMTP), rather than wait in the outbox.
    pub fn sends(&self) -> bool {
        matches!(self.transport, Transport::Smtp(_))
    }

    /// Sends a letter now.
    pub async fn send(&self, letter: &Letter) -> Result<(), String> {
        // `Auto-Submitted` keeps vacation responders from answering.
        let auto = [("Auto-Submitted", "auto-generated".to_owned())];
        let (message, _) = self
            .message(letter, &auto)
            .map_err(Undelivered::into_words)?;
        self.deliver(message, letter)
            .await
            .map_err(Undelivered::into_words)
    }

    /// Sends one copy of a newsletter: a list's letter (RFC 2369 `List-Id` and
    /// `List-Unsubscribe`) that one click unsubscribes from (RFC 8058
    /// `List-Unsubscribe-Post`). Returns its Message-ID, which bounce and complaint
    /// reports name.
    pub async fn send_issue(
        &self,
        letter: &Letter,
        list: &ListHeaders<'_>,
    ) -> Result<String, Undelivered> {
        let headers = [
            ("List-Id", list.id.to_owned()),
            ("List-Unsubscribe", format!("<{}>", list.unsubscribe_url)),
            (
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_owned(),
            ),
        ];
        let (message, message_id) = self.message(letter, &headers)?;
        self.deliver(message, letter).await?;
        Ok(message_id)
    }

    /// `letter` as a message from us with `headers` besides the usual, and its
    /// Message-ID.
    fn message(
        &self,
        letter: &Letter,
        headers: &[(&'static str, String)],
    ) -> Result<(Message, String), Undelivered> {
        let to = letter
            .to_email
            .parse()
            .map(|address| Mailbox::new(Some(letter.to_name.clone()), address))
            .map_err(|e| {
                Undelivered::Refused(format!(
                    "{:?} is not an email address: {e}",
                    letter.to_email
                ))
            })?;
        // A Message-ID in the sender's own domain, which mail servers and spam
        // filters expect.
        let message_id = format!(
            "<{}@{}>",
            crate::secrets::secret(),
            self.from.email.domain()
        );
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .message_id(Some(message_id.clone()));
        for (name, value) in headers {
            builder = builder.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(name),
                value.clone(),
            ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                letter.parts.text.clone(),
                letter.parts.html.clone(),
            ))
            .map_err(|e| Undelivered::Refused(format!("cannot write the letter: {e}")))?;
        Ok((message, message_id))
    }

    async fn deliver(&self, message: Message, letter: &Letter) -> Result<(), Undelivered> {
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                let words = format!("the mail server refused the letter: {e}");
                if e.is_permanent() {
                    Undelivered::Refused(words)
                } else {
                    Undelivered::Later(words)
                }
            }),
            Transport::Outbox(dir) => {
                let file = write_whole(dir, &message.formatted()).await.map_err(|e| {
                    Undelivered::Later(format!(
                        "cannot write the letter to the outbox {}: {e}",
                        dir.display()
                    ))
                })?;
                tracing::info!(to = %letter.to_email, subject = %letter.subject, file = %file.display(), "letter written to the outbox (no smtp_url)");
                Ok(())
            }
        }
    }

    /// Sends a letter after the current request; failures are logged.
    pub fn send_later(self: &Arc<Self>, letter: Letter) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(e) = mailer.send(&letter).await {
                tracing::error!(to = %letter.to_email, subject = %letter.subject, "{e}");
            }
        });
    }
}

/// Writes `raw` as a new `.eml` file in `dir`: first under a hidden name, then renamed,
/// which is atomic, so the letter appears whole or not at all. Names start with the
/// time, so a listing shows letters in the order they were written.
async fn write_whole(dir: &Path, raw: &[u8]) -> std::io::Result<PathBuf> {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let name = format!("{millis}-{}.eml", &crate::secrets::secret()[..16]);
    let part = dir.join(format!(".{name}.part"));
    let file = dir.join(name);
    tokio::fs::write(&part, raw).await?;
    if let Err(e) = tokio::fs::rename(&part, &file).await {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(e);
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use masthead_testkit::mail::Letter as Read;

    /// Whoever reads the outbox (an operator, a test) while letters are being
    /// written sees whole letters or none: each one appears complete or not at all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_outbox_holds_only_whole_letters() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Arc::new(Mailer::outbox(dir.path(), "Desk <desk@news.example>").unwrap());
        // Big enough that writing one takes several system calls.
        let html = format!("<p>{}</p>", "every word counts ".repeat(200_000));
        let letters = 30;
        let writer = {
            let mailer = mailer.clone();
            let html = html.clone();
            tokio::spawn(async move {
                for n in 0..letters {
                    let letter = Letter {
                        to_name: "Ann".into(),
                        to_email: "ann@example.com".into(),
                        subject: format!("Letter {n}"),
                        parts: LetterParts {
                            text: "every word counts".into(),
                            html: html.clone(),
                        },
                    };
                    mailer.send(&letter).await.unwrap();
                }
            })
        };
        // Read the outbox over and over while letters are written, then once more.
        let seen = loop {
            let done = writer.is_finished();
            let mut seen = 0;
            for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|x| x == "eml") {
                    let read = Read::parse(&std::fs::read(&path).unwrap());
                    assert_eq!(
                        read.html.trim_end(),
                        html,
                        "{} is cut short",
                        path.display()
                    );
                    seen += 1;
                }
            }
            if done {
                break seen;
            }
            tokio::task::yield_now().await;
        };
        writer.await.unwrap();
        assert_eq!(seen, letters);
    }
}
