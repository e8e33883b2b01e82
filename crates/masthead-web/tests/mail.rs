//! Letters through a real SMTP server on loopback (aiosmtpd), read back as a mail
//! program reads them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use masthead_render::Theme;
use masthead_testkit::mail::SmtpServer;
use masthead_web::mail::{self, Letter, Mailer};

#[tokio::test]
async fn a_letter_arrives_with_both_parts_and_proper_headers() {
    let Some(server) = SmtpServer::start() else {
        return;
    };
    let mailer = Mailer::smtp(&server.url(), "The Harbor Times <news@harbor.example>").unwrap();
    let mut view = mail::view("The Harbor Times", "https://harbor.example");
    view.greeting = "Hello Zoë <script>,".to_owned();
    view.before = vec!["Your link is below.".to_owned()];
    view.action = Some(masthead_render::letters::LetterAction {
        label: "Sign in".to_owned(),
        url: "https://harbor.example/signin/link/abc".to_owned(),
    });
    let letter = Letter::compose(
        &Theme::new(None),
        "Zoë \"Z\" O'Hara",
        "zoe@example.com",
        "Sign in to The Harbor Times — café".to_owned(),
        &view,
    )
    .unwrap();
    mailer.send(&letter).await.unwrap();
    let got = server.letters(1).await.remove(0);
    assert_eq!(got.to, "zoe@example.com");
    assert_eq!(got.to_name, "Zoë \"Z\" O'Hara");
    assert_eq!(got.from, "news@harbor.example");
    assert_eq!(got.subject, "Sign in to The Harbor Times — café");
    assert_eq!(got.content_type, "multipart/alternative");
    assert!(got.header("Date").is_some());
    assert_eq!(got.header("MIME-Version"), Some("1.0"));
    assert_eq!(got.header("Auto-Submitted"), Some("auto-generated"));
    let id = got.header("Message-ID").unwrap();
    assert!(id.ends_with("@harbor.example"), "{id}");
    assert!(got.text.contains("Hello Zoë <script>,"), "{}", got.text);
    assert!(got
        .text
        .contains("Sign in:\nhttps://harbor.example/signin/link/abc"));
    assert!(
        got.html.contains("Hello Zoë &lt;script&gt;,"),
        "{}",
        got.html
    );
    assert!(!got.html.contains("<script>"));
    assert!(got
        .html
        .contains("href=\"https://harbor.example/signin/link/abc\""));
}
