//! Newsletters end to end, through a real SMTP server on loopback (aiosmtpd): an
//! editor sends an article from the newsroom, the sender works the queue in the
//! background, each subscriber gets one letter (whole, or cut for those who may not
//! read it), one click unsubscribes without signing in, and the mail service's
//! bounce and complaint reports stop further letters. Then ten thousand subscribers,
//! with the portal answering throughout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use chrono::Utc;
use masthead_core::article::{ArticleContent, Visibility};
use masthead_core::newsletter::SendStatus;
use masthead_core::site::NewsletterOffer;
use masthead_core::store::Store;
use masthead_testkit::browser::Browser;
use masthead_testkit::fixtures;
use masthead_testkit::mail::SmtpServer;
use masthead_web::mail::Mailer;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

mod support;

const BASE: &str = "https://news.example";
const SECRET: &str = "a-mail-service-secret-of-some-length";

fn state(store: Arc<dyn Store>, smtp: &SmtpServer) -> masthead_web::AppState {
    let mut state = support::state(store, BASE);
    state.mailer = Arc::new(Mailer::smtp(&smtp.url(), "The Paper <news@news.example>").unwrap());
    state.with_mail_reports(SECRET)
}

async fn offer_newsletters(store: &dyn Store) {
    let mut settings = store.settings().await.unwrap();
    settings.newsletters = vec![
        NewsletterOffer {
            slug: "morning".into(),
            name: "Morning Briefing".into(),
            description: "The day's news before breakfast.".into(),
        },
        NewsletterOffer {
            slug: "weekly".into(),
            name: "World Weekly".into(),
            description: "The week abroad.".into(),
        },
    ];
    store.save_settings(&settings).await.unwrap();
}

/// A paid article whose body has a preview cut: "Above the cut." is for everyone,
/// "Below the cut." for paying members.
async fn paid_article(store: &Arc<dyn Store>) -> (fixtures::NewsroomFixture, String) {
    let f = fixtures::newsroom(&**store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new(
        "Port fees & the harbor",
        "Above the cut.\n\n<!--more-->\n\nBelow the cut.",
    );
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.visibility = Visibility::Paid;
    content.standfirst = "What the port pays.".into();
    let id = fixtures::publish(&newsroom, &f.editor, content, fixtures::t0()).await;
    (f, id.0.to_string())
}

async fn editor(
    app: &masthead_web::App,
    store: &dyn Store,
    f: &fixtures::NewsroomFixture,
) -> Browser<masthead_web::App> {
    let mut editor = Browser::new(app, "192.0.2.50", BASE);
    let cookie = support::staff_cookie(store, &f.editor).await;
    let (name, value) = cookie.split_once('=').unwrap();
    editor.keep(name, value);
    editor
}

/// Waits (up to `limit`) until the newest send is sent.
async fn sent(store: &dyn Store, limit: Duration) -> masthead_core::newsletter::SendSummary {
    let start = Instant::now();
    loop {
        let sends = store.sends(None, 1).await.unwrap();
        if let Some(s) = sends.first().filter(|s| s.status == SendStatus::Sent) {
            return s.clone();
        }
        assert!(
            start.elapsed() < limit,
            "not sent after {limit:?}: {sends:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A POST with `body` and no cookie, as a mail program's one-click unsubscribe is.
async fn post(
    app: &masthead_web::App,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, String) {
    let mut request = axum::http::Request::post(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(
            request
                .body(axum::body::Body::from(body.to_owned()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_sends_an_article_and_each_subscriber_gets_one_letter() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let db = masthead_testkit::sqlite().await;
    let store = db.store.clone();
    offer_newsletters(&*store).await;
    let (f, article) = paid_article(&store).await;
    let tier = fixtures::paid_tier(&*store, "supporter").await;
    let ann = fixtures::subscriber(&*store, "Ann", &["morning", "weekly"]).await;
    let bob = fixtures::subscriber(&*store, "Bob", &["morning"]).await;
    fixtures::subscriber(&*store, "Cy", &["weekly"]).await;
    fixtures::pays(&*store, bob.id, tier, Utc::now()).await;
    let bank = store
        .create_sponsor(
            &masthead_core::sponsor::SponsorInput {
                name: "Harbor Bank".into(),
                url: "https://harborbank.example".into(),
                logo: None,
                disclosure: "Harbor Bank pays for this newsletter; it has no say in it.".into(),
                label: masthead_core::sponsor::SponsorLabel::SupportedBy,
            },
            Utc::now(),
        )
        .await
        .unwrap();
    store
        .sponsor_newsletter("morning", Some(bank.id))
        .await
        .unwrap();
    let state = state(store.clone(), &smtp);
    let app = masthead_web::router(state.clone());
    let sender = tokio::spawn(masthead_web::newsletters::run(state.clone()));
    let mut editor = editor(&app, &*store, &f).await;

    // The editor's "Send as a newsletter" preselects the article.
    let form = editor
        .get(&format!("/newsroom/newsletters?article={article}"))
        .await;
    assert!(
        form.body
            .contains(&format!(r#"<option value="{article}" selected>"#)),
        "{}",
        form.body
    );
    // Refused with words, and nothing queued: no such newsletter, no article.
    let page = "/newsroom/newsletters";
    let refused = editor
        .post_from(
            page,
            "/newsroom/newsletters/send",
            &[
                ("article", &article),
                ("newsletter", "evening"),
                ("segment", "all"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("choose one of the newsletters offered"),
        "{}",
        refused.body
    );
    let refused = editor
        .post_from(
            page,
            "/newsroom/newsletters/send",
            &[
                ("article", "99999"),
                ("newsletter", "morning"),
                ("segment", "all"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("choose a published article"));
    assert!(store.sends(None, 10).await.unwrap().is_empty());

    // Sent to Morning Briefing's subscribers: Ann (free) and Bob (paying).
    let queued = editor
        .post_from(
            page,
            "/newsroom/newsletters/send",
            &[
                ("article", &article),
                ("newsletter", "morning"),
                ("segment", "all"),
                ("subject", ""),
            ],
        )
        .await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER, "{}", queued.body);
    let summary = sent(&*store, Duration::from_secs(30)).await;
    assert_eq!((summary.counts.recipients, summary.counts.sent), (2, 2));
    assert_eq!(
        summary.subject, "Port fees & the harbor",
        "the headline, when no subject is given"
    );
    let letters = smtp.letters(2).await;
    assert_eq!(
        smtp.count_after(Duration::from_millis(300)).await,
        2,
        "one letter each"
    );
    let to = |email: &str| {
        letters
            .iter()
            .find(|l| l.to == email)
            .unwrap_or_else(|| panic!("a letter to {email}"))
    };
    let (free, paying) = (to(&ann.email), to(&bob.email));
    for letter in [free, paying] {
        assert_eq!(letter.subject, "Port fees & the harbor");
        assert_eq!(letter.content_type, "multipart/alternative");
        assert!(letter.text.contains("Above the cut."), "{}", letter.text);
        assert!(letter.html.contains("Above the cut."));
        assert!(letter.text.contains("What the port pays."));
        assert!(
            letter
                .html
                .contains(&format!("{BASE}/world/port-fees-the-harbor/")),
            "{}",
            letter.html
        );
        let list = letter.header("List-Unsubscribe").unwrap();
        assert!(
            list.starts_with(&format!("<{BASE}/newsletters/unsubscribe/")),
            "{list}"
        );
        assert_eq!(
            letter.header("List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );
        assert_eq!(letter.header("List-Id"), Some("<morning.news.example>"));
        assert!(
            letter.header("Auto-Submitted").is_none(),
            "a newsletter is no auto-reply"
        );
        // The newsletter's sponsor, with its disclosure, in both parts.
        for part in [&letter.text, &letter.html] {
            assert!(part.contains("Supported by"), "{part}");
            assert!(part.contains("Harbor Bank pays for this newsletter; it has no say in it."));
        }
        assert!(letter
            .html
            .contains(r#"href="https://harborbank.example" rel="sponsored""#));
    }
    // The paying member reads it all; the free one gets the part above the cut and
    // an invitation, never the rest.
    assert!(paying.text.contains("Below the cut.") && paying.html.contains("Below the cut."));
    assert!(!free.text.contains("Below the cut.") && !free.html.contains("Below the cut."));
    assert!(free
        .text
        .contains("The rest of this story is for paying subscribers."));
    assert!(free.html.contains(&format!("href=\"{BASE}/support/\"")));
    // Each letter's unsubscribe link is its own.
    assert_ne!(
        free.header("List-Unsubscribe"),
        paying.header("List-Unsubscribe")
    );

    // The history shows the send.
    let history = editor.get("/newsroom/newsletters/morning").await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("2 of 2"), "{}", history.body);
    assert!(history.body.contains("Ed Editor"));

    // Opening the link asks first (mail scanners open links); one click, as a mail
    // program sends it, without a cookie, unsubscribes Ann from this newsletter only.
    let link = free.header("List-Unsubscribe").unwrap();
    let path = link
        .trim_matches(|c| c == '<' || c == '>')
        .strip_prefix(BASE)
        .unwrap()
        .to_owned();
    let (status, _, body) = support::get(&app, &path, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Unsubscribe from Morning Briefing?"),
        "{body}"
    );
    assert_eq!(
        store.standing(ann.id).await.unwrap().unwrap().newsletters,
        vec!["morning", "weekly"]
    );
    let (status, body) = post(
        &app,
        &path,
        &[("content-type", "application/x-www-form-urlencoded")],
        "List-Unsubscribe=One-Click",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("You are unsubscribed"), "{body}");
    assert_eq!(
        store.standing(ann.id).await.unwrap().unwrap().newsletters,
        vec!["weekly"]
    );
    // Twice is no error; a made-up link is no one's.
    assert_eq!(post(&app, &path, &[], "").await.0, StatusCode::OK);
    let (status, _, body) = support::get(
        &app,
        &format!("/newsletters/unsubscribe/{}", "a".repeat(64)),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("not one of ours"));
    assert_eq!(
        post(&app, "/newsletters/unsubscribe/..%2f..%2fetc", &[], "")
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // The mail service reports Bob's address bouncing: not without the secret, and
    // then he gets no more newsletters.
    let report = format!(
        r#"{{"type": "bounce", "email": "{}", "message_id": "{}"}}"#,
        bob.email,
        paying.header("Message-ID").unwrap()
    );
    let json = ("content-type", "application/json");
    assert_eq!(
        post(&app, "/webhooks/mail", &[json], &report).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(
            &app,
            "/webhooks/mail",
            &[json, ("authorization", "Bearer wrong")],
            &report
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    // A site without the secret configured takes no reports at all.
    let unconfigured = masthead_web::router(support::state(store.clone(), BASE));
    assert_eq!(
        post(&unconfigured, "/webhooks/mail", &[json], &report)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let bearer = format!("Bearer {SECRET}");
    let auth = ("authorization", bearer.as_str());
    assert_eq!(
        post(
            &app,
            "/webhooks/mail",
            &[json, auth],
            "{\"type\": \"delivered\"}"
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&app, "/webhooks/mail", &[json, auth], &report).await.0,
        StatusCode::OK
    );
    assert!(store
        .standing(bob.id)
        .await
        .unwrap()
        .unwrap()
        .newsletters
        .is_empty());
    let s = &store.sends(None, 1).await.unwrap()[0];
    assert_eq!((s.counts.bounced, s.counts.unsubscribed), (1, 1));

    // A second send reaches no one who left: Morning Briefing has no subscribers now.
    let queued = editor
        .post_from(
            page,
            "/newsroom/newsletters/send",
            &[
                ("article", &article),
                ("newsletter", "morning"),
                ("segment", "all"),
                ("subject", "Again"),
            ],
        )
        .await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER);
    let again = sent(&*store, Duration::from_secs(30)).await;
    assert_eq!(
        (again.subject.as_str(), again.counts.recipients),
        ("Again", 0)
    );
    assert_eq!(smtp.count_after(Duration::from_millis(300)).await, 2);
    sender.abort();
}

/// Ten thousand subscribers: the send finishes, each gets exactly one letter, and the
/// portal answers all along. The rate is printed (see the closing notes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_subscribers_while_the_portal_answers() {
    const SUBSCRIBERS: u32 = 10_000;
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let db = masthead_testkit::sqlite().await;
    let store = db.store.clone();
    offer_newsletters(&*store).await;
    let (f, article) = paid_article(&store).await;
    fixtures::bulk_subscribers_sqlite(&db.url, SUBSCRIBERS, "morning").await;
    let state = state(store.clone(), &smtp);
    let app = masthead_web::router(state.clone());
    let sender = tokio::spawn(masthead_web::newsletters::run(state.clone()));
    let mut editor = editor(&app, &*store, &f).await;
    let started = Instant::now();
    let queued = editor
        .post_from(
            "/newsroom/newsletters",
            "/newsroom/newsletters/send",
            &[
                ("article", &article),
                ("newsletter", "morning"),
                ("segment", "free"),
            ],
        )
        .await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER);
    // Readers keep reading while it goes out: the front page (cached) and the
    // article page (as a signed-in member, past the cache).
    let mut answered = 0;
    let mut slowest = Duration::ZERO;
    let summary = loop {
        for path in ["/", "/world/port-fees-the-harbor/", "/latest/"] {
            let asked = Instant::now();
            let (status, _, _) = support::get(&app, path, "").await;
            assert_eq!(status, StatusCode::OK, "{path} during the send");
            slowest = slowest.max(asked.elapsed());
            answered += 1;
        }
        let s = store.sends(None, 1).await.unwrap().remove(0);
        if s.status == SendStatus::Sent {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "not sent in 10 minutes: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    sender.abort();
    eprintln!(
        "newsletter: {} letters in {seconds:.1} s ({:.0} a second); the portal answered {answered} pages meanwhile, the slowest in {} ms",
        summary.counts.sent,
        f64::from(SUBSCRIBERS) / seconds,
        slowest.as_millis()
    );
    assert_eq!(summary.counts.sent, u64::from(SUBSCRIBERS));
    assert!(answered >= 30, "the portal answered only {answered} pages");
    let letters = smtp.letters(SUBSCRIBERS as usize).await;
    assert_eq!(letters.len(), SUBSCRIBERS as usize);
    let mut to: Vec<&str> = letters.iter().map(|l| l.to.as_str()).collect();
    to.sort_unstable();
    to.dedup();
    assert_eq!(to.len(), SUBSCRIBERS as usize, "nobody gets two");
}
