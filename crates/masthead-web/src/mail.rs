//! Email the newsroom sends: password reset links and invitations.
//!
//! With `smtp_url` configured, letters go out by SMTP (STARTTLS or TLS as the URL
//! says). Without it, each letter is written as an `.eml` file to the outbox
//! directory, so a fresh install works and its operator can still pick a link up; the
//! log says where. Letters are sent after the answer (`send_later`): how long a mail
//! server takes never shows in a response, so it cannot tell whether an account exists.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How letters leave.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

/// Sends the newsroom's letters.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// A plain-text letter to one person.
#[derive(Debug, Clone)]
pub struct Letter {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub text: String,
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
            transport: Transport::Outbox(AsyncFileTransport::new(dir)),
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
        let to = letter
            .to_email
            .parse()
            .map(|address| Mailbox::new(Some(letter.to_name.clone()), address))
            .map_err(|e| format!("{:?} is not an email address: {e}", letter.to_email))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(letter.text.clone())
            .map_err(|e| format!("cannot write the letter: {e}"))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("the mail server refused the letter: {e}")),
            Transport::Outbox(file) => file
                .send(message)
                .await
                .map(|id| tracing::info!(to = %letter.to_email, subject = %letter.subject, file = %id, "letter written to the outbox (no smtp_url)"))
                .map_err(|e| format!("cannot write the letter to the outbox: {e}")),
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
