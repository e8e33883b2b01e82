//! Members signing up and in by an emailed link (read from a real SMTP server), their
//! account page, and what they may read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::article::Visibility;
use masthead_core::member::{LinkPurpose, NewMemberLink};
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, NewsroomFixture};
use masthead_testkit::mail::{Letter, SmtpServer};
use masthead_testkit::store_test;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

const BASE: &str = "https://news.example";

fn app(store: Arc<dyn Store>, smtp: &SmtpServer) -> masthead_web::App {
    masthead_web::router(masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        BASE.into(),
        masthead_web::mail::Mailer::smtp(&smtp.url(), "The Paper <news@news.example>").unwrap(),
    ))
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

/// A cookie as a browser keeps it: with the path it is sent to.
struct Kept {
    name: String,
    value: String,
    path: String,
}

/// A browser that keeps cookies by path, as real ones do.
struct Browser {
    app: masthead_web::App,
    cookies: Vec<Kept>,
    ip: SocketAddr,
}

impl Browser {
    fn new(app: &masthead_web::App, ip: &str) -> Self {
        Self {
            app: app.clone(),
            cookies: Vec::new(),
            ip: format!("{ip}:40000").parse().unwrap(),
        }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.as_str())
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder().method(method.clone()).uri(path);
        let bare = path.split('?').next().unwrap();
        let sent: Vec<String> = self
            .cookies
            .iter()
            .filter(|c| {
                c.path == "/" || bare == c.path || bare.starts_with(&format!("{}/", c.path))
            })
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        if !sent.is_empty() {
            request = request.header("cookie", sent.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = if method == Method::POST {
            request = request.header("content-type", "application/x-www-form-urlencoded");
            Body::from(serde_urlencoded::to_string(form).unwrap())
        } else {
            Body::empty()
        };
        let mut request = request.body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.ip));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for c in headers.get_all("set-cookie") {
            let c = cookie::Cookie::parse(c.to_str().unwrap().to_owned()).unwrap();
            let path = c.path().unwrap_or("/").to_owned();
            self.cookies
                .retain(|k| !(k.name == c.name() && k.path == path));
            let removed = c.max_age().is_some_and(|a| a.is_zero());
            if !removed {
                self.cookies.push(Kept {
                    name: c.name().to_owned(),
                    value: c.value().to_owned(),
                    path,
                });
            }
        }
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location: headers
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, &[], &[]).await
    }

    /// Posts a form from `page` (its token included), as its page would.
    async fn post_from(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let form = self.get(page).await;
        let csrf = csrf_in(&form.body);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.send(Method::POST, action, &all, &[]).await
    }

    /// Asks for a sign-in link for `email` from the sign-in form.
    async fn ask(&mut self, email: &str, return_to: &str) -> Reply {
        self.post_from(
            &format!("/signin?return_to={return_to}"),
            "/signin",
            &[("email", email), ("return_to", return_to)],
        )
        .await
    }
}

fn csrf_in(body: &str) -> String {
    let start = body
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("no csrf field in {body}"))
        + r#"name="csrf" value=""#.len();
    body[start..start + 64].to_owned()
}

fn link(letter: &Letter) -> String {
    let link = letter.link(BASE, "/signin/link/");
    assert_eq!(link.len(), "/signin/link/".len() + 64, "{link}");
    link
}

store_test!(
    signing_up_and_in_by_emailed_link,
    an_emailed_link_works_once_in_time_and_where_asked,
    asking_answers_the_same_for_every_email_and_is_limited,
    forms_need_their_token_and_our_origin,
    members_read_members_articles_and_see_their_name,
    the_account_page_changes_names_email_and_deletes,
);

async fn signing_up_and_in_by_emailed_link(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    let mut ana = Browser::new(&app, "192.0.2.1");
    let form = ana.get("/signin?return_to=/world/harbor-fees/").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form
        .body
        .contains(r#"name="return_to" value="/world/harbor-fees/""#));
    assert!(
        ana.cookie("masthead_browser").is_some(),
        "the browser gets its secret"
    );
    assert_eq!(form.headers["cache-control"], "private, no-store");
    let sent = ana.ask("Ana@Example.com", "/world/harbor-fees/").await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Check your email"));
    assert!(sent.body.contains("ana@example.com"));
    // Nothing is stored about the reader until the link is opened.
    assert!(store
        .member_by_email("ana@example.com")
        .await
        .unwrap()
        .is_none());
    let letter = smtp.letters(1).await.remove(0);
    assert_eq!(letter.to, "ana@example.com");
    assert_eq!(letter.content_type, "multipart/alternative");
    assert!(letter.subject.starts_with("Your link to sign in to"));
    let path = link(&letter);
    assert!(letter.html.contains(&format!("href=\"{BASE}{path}\"")));
    // Opened in the browser that asked: a member, asked for a name, then sent back.
    let opened = ana.get(&path).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(
        opened.location.as_deref(),
        Some("/account?welcome=1&return_to=%2Fworld%2Fharbor%2Dfees%2F")
    );
    let member = store
        .member_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(ana.cookie("masthead_member").is_some());
    let welcome = ana.get(opened.location.as_deref().unwrap()).await;
    assert_eq!(welcome.status, StatusCode::OK);
    assert!(welcome.body.contains("Welcome to"));
    let saved = ana
        .post_from(
            "/account?welcome=1",
            "/account",
            &[
                ("name", "Ana Lopez"),
                ("comment_name", ""),
                ("welcome", "yes"),
                ("return_to", "/world/harbor-fees/"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/world/harbor-fees/"));
    assert_eq!(
        store.member(member.id).await.unwrap().unwrap().name,
        "Ana Lopez"
    );
    // The header names her on every page; signing in again goes straight back.
    let home = ana.get("/").await;
    assert!(
        home.body
            .contains(r#"<a class="account-link" href="/account">Ana Lopez</a>"#),
        "{}",
        home.body
    );
    let again = ana.get("/signin?return_to=/latest/").await;
    assert_eq!(again.location.as_deref(), Some("/latest/"));
    // Signing out ends the session for good.
    let token = ana.cookie("masthead_member").unwrap().to_owned();
    let out = ana.post_from("/account", "/signout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(ana.cookie("masthead_member").is_none());
    let hash = masthead_web::secrets::token_hash(&token);
    assert!(store
        .member_session(&hash, chrono::Utc::now())
        .await
        .unwrap()
        .is_none());
    assert!(ana.get("/").await.body.contains(">Sign in</a>"));
    // Known now: the next link signs her in, back where she was, with no welcome.
    ana.ask("ana@example.com", "/latest/").await;
    let letter = smtp.letters(2).await.remove(1);
    let opened = ana.get(&link(&letter)).await;
    assert_eq!(opened.location.as_deref(), Some("/latest/"));
}

async fn an_emailed_link_works_once_in_time_and_where_asked(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    let mut asker = Browser::new(&app, "192.0.2.1");
    asker.ask("bo@example.com", "/").await;
    let path = link(&smtp.letters(1).await[0]);
    // Visiting the join form meanwhile keeps this browser's secret (it was once
    // replaced there, and the pending link then failed).
    let secret = asker.cookie("masthead_browser").unwrap().to_owned();
    let join = asker.get("/signup?return_to=/world/").await;
    assert_eq!(
        join.location.as_deref(),
        Some("/signin?join=1&return_to=%2Fworld%2F")
    );
    let form = asker.get(join.location.as_deref().unwrap()).await;
    assert!(form.body.contains("Join "), "{}", form.body);
    assert_eq!(asker.cookie("masthead_browser"), Some(secret.as_str()));
    // Opened elsewhere (another browser, a mail scanner): refused, nothing stored,
    // and the link still works where it was asked for.
    let mut other = Browser::new(&app, "192.0.2.2");
    let refused = other.get(&path).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused
        .body
        .contains("Open the link where you asked for it"));
    assert!(other.cookie("masthead_member").is_none());
    assert!(store
        .member_by_email("bo@example.com")
        .await
        .unwrap()
        .is_none());
    // That browser may ask for a link of its own, to the same address.
    let token = path.trim_start_matches("/signin/link/");
    let resent = other
        .post_from(&path, "/signin/again", &[("token", token)])
        .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    let second = link(&smtp.letters(2).await[1]);
    assert_ne!(second, path);
    assert_eq!(other.get(&second).await.status, StatusCode::SEE_OTHER);
    assert!(other.cookie("masthead_member").is_some());
    // The first link still works where it was asked for; then never again.
    assert_eq!(asker.get(&path).await.status, StatusCode::SEE_OTHER);
    let session = asker.cookie("masthead_member").unwrap().to_owned();
    let replayed = asker.get(&path).await;
    assert_eq!(replayed.status, StatusCode::GONE);
    assert!(replayed.body.contains("This link no longer works"));
    assert_eq!(
        asker.cookie("masthead_member"),
        Some(session.as_str()),
        "no new session"
    );
    // An expired link, and links that never were.
    let token = "ab".repeat(32);
    store
        .create_member_link(&NewMemberLink {
            token_hash: masthead_web::secrets::token_hash(&token),
            purpose: LinkPurpose::SignIn,
            email: "late@example.com".into(),
            member: None,
            browser_hash: masthead_web::secrets::token_hash(
                asker.cookie("masthead_browser").unwrap(),
            ),
            return_to: "/".into(),
            created_at: chrono::Utc::now() - chrono::Duration::minutes(16),
        })
        .await
        .unwrap();
    for path in [
        format!("/signin/link/{token}"),
        "/signin/link/nothing".to_owned(),
        format!("/signin/link/{}", "0".repeat(64)),
        "/signin/link/%00%0d%0a".to_owned(),
    ] {
        let r = asker.get(&path).await;
        assert_eq!(r.status, StatusCode::GONE, "{path}");
    }
    assert!(store
        .member_by_email("late@example.com")
        .await
        .unwrap()
        .is_none());
}

async fn asking_answers_the_same_for_every_email_and_is_limited(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    store
        .create_member(&masthead_core::member::NewMember {
            email: "known@example.com".into(),
            name: "Known".into(),
        })
        .await
        .unwrap();
    let mut browser = Browser::new(&app, "192.0.2.1");
    let known = browser.ask("known@example.com", "/").await;
    let unknown = browser.ask("stranger@example.com", "/").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.body.replace("known@example.com", "X"),
        unknown.body.replace("stranger@example.com", "X")
    );
    // A bad address is said, and nothing is sent.
    let bad = browser.ask("not an email", "/").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter your email address"));
    // A mailbox cannot be flooded: five letters per address in the window.
    for _ in 1..masthead_core::auth::MAX_LETTERS_PER_EMAIL {
        assert_eq!(
            browser.ask("known@example.com", "/").await.status,
            StatusCode::OK
        );
    }
    let limited = browser.ask("known@example.com", "/").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
    assert!(limited.body.contains("ask again in"));
    let sent = masthead_core::auth::MAX_LETTERS_PER_EMAIL as usize + 1;
    assert_eq!(smtp.letters(sent).await.len(), sent);
    assert_eq!(
        smtp.count_after(std::time::Duration::from_millis(300))
            .await,
        sent
    );
}

async fn forms_need_their_token_and_our_origin(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    let mut browser = Browser::new(&app, "192.0.2.1");
    browser.get("/signin").await;
    let no_token = browser
        .send(Method::POST, "/signin", &[("email", "a@example.com")], &[])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let form = browser.get("/signin").await;
    let csrf = csrf_in(&form.body);
    let cross = browser
        .send(
            Method::POST,
            "/signin",
            &[("csrf", &csrf), ("email", "a@example.com")],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    // Signed-out readers posting to member forms are asked to sign in.
    let out = browser
        .send(
            Method::POST,
            "/account",
            &[("csrf", &csrf), ("name", "X")],
            &[],
        )
        .await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);
    let account = browser.get("/account").await;
    assert_eq!(
        account.location.as_deref(),
        Some("/signin?return_to=%2Faccount")
    );
    assert_eq!(
        smtp.count_after(std::time::Duration::from_millis(300))
            .await,
        0
    );
}

async fn members_read_members_articles_and_see_their_name(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Members story",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.visibility = Visibility::Members;
    content.body_markdown = format!(
        "{}\n\nThe secret ingredient is patience.",
        "Members read on. ".repeat(25)
    );
    newsroom
        .update(
            NewsroomFixture::actor(&f.editor),
            id,
            content,
            fixtures::t0(),
        )
        .await
        .unwrap();
    let app = app(store.clone(), &smtp);
    let path = "/world/members-story/";
    let mut anon = Browser::new(&app, "192.0.2.9");
    let before = anon.get(path).await;
    assert!(!before.body.contains("secret ingredient"));
    assert!(
        before
            .body
            .contains("/signin?return_to=%2Fworld%2Fmembers%2Dstory%2F"),
        "the paywall leads to sign-in and back"
    );
    let mut mo = Browser::new(&app, "192.0.2.1");
    mo.ask("mo@example.com", path).await;
    mo.get(&link(&smtp.letters(1).await[0])).await;
    let page = mo.get(path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("secret ingredient"),
        "members read members' stories"
    );
    assert!(page.body.contains(r#"href="/account">Your account</a>"#));
    assert!(page.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("private"));
    // The shared cache never hands anyone the member's page, nor the member another's.
    for _ in 0..2 {
        let again = anon.get(path).await;
        assert!(!again.body.contains("secret ingredient"));
        assert!(!again.body.contains("Your account"));
        assert!(again.body.contains(">Sign in</a>"));
        let theirs = mo.get(path).await;
        assert!(theirs.body.contains("secret ingredient"));
        assert!(!theirs.body.contains(">Sign in</a>"));
    }
    // A cookie that names no session reads as anonymous (and is not cached as such).
    let mut forged = Browser::new(&app, "192.0.2.3");
    forged.cookies.push(Kept {
        name: "masthead_member".into(),
        value: "00".repeat(32),
        path: "/".into(),
    });
    assert!(!forged.get(path).await.body.contains("secret ingredient"));
}

async fn the_account_page_changes_names_email_and_deletes(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    store
        .save_settings(&masthead_core::site::Settings {
            newsletters: vec![masthead_core::site::NewsletterOffer {
                slug: "morning-briefing".into(),
                name: "Morning Briefing".into(),
                description: "Every weekday.".into(),
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut cy = Browser::new(&app, "192.0.2.1");
    cy.ask("cy@example.com", "/").await;
    cy.get(&link(&smtp.letters(1).await[0])).await;
    let member = store
        .member_by_email("cy@example.com")
        .await
        .unwrap()
        .unwrap();
    let saved = cy
        .post_from(
            "/account",
            "/account",
            &[
                ("name", "Cy Twombly"),
                ("comment_name", "cy"),
                ("reply_letters", "yes"),
                ("newsletters", "morning-briefing"),
                ("newsletters", "not-offered"),
            ],
        )
        .await;
    assert_eq!(saved.location.as_deref(), Some("/account?notice=saved"));
    let standing = store.standing(member.id).await.unwrap().unwrap();
    assert_eq!(standing.comment_name, "cy");
    assert_eq!(standing.newsletters, vec!["morning-briefing".to_owned()]);
    let page = cy.get("/account?notice=saved").await;
    assert!(page.body.contains("Your changes are saved."));
    assert!(page.body.contains(r#"value="morning-briefing" checked"#));
    // A form without its token is refused on a page that still knows who reads.
    let stale = cy
        .send(Method::POST, "/account", &[("name", "X")], &[])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert!(
        stale.body.contains(r#"href="/account">Cy Twombly</a>"#),
        "{}",
        stale.body
    );
    // A name with control characters is refused, and nothing changes.
    let bad = cy
        .post_from(
            "/account",
            "/account",
            &[("name", "Cy\u{7}"), ("comment_name", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        store.member(member.id).await.unwrap().unwrap().name,
        "Cy Twombly"
    );
    // A new address, confirmed from that address, in this browser.
    let asked = cy
        .post_from("/account", "/signin/email", &[("email", "cy@new.example")])
        .await;
    assert_eq!(
        asked.location.as_deref(),
        Some("/account?notice=email_sent"),
        "{}",
        asked.body
    );
    let letter = smtp.letters(2).await.remove(1);
    assert_eq!(letter.to, "cy@new.example");
    let confirmed = cy.get(&link(&letter)).await;
    assert_eq!(
        confirmed.location.as_deref(),
        Some("/account?notice=email_changed")
    );
    assert_eq!(
        store.member(member.id).await.unwrap().unwrap().email,
        "cy@new.example"
    );
    // Their data, as a file.
    let data = cy.get("/account/data").await;
    assert_eq!(data.status, StatusCode::OK);
    assert!(data.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let json: serde_json::Value = serde_json::from_str(&data.body).unwrap();
    assert_eq!(json["member"]["email"], "cy@new.example");
    assert_eq!(json["standing"]["comment_name"], "cy");
    // Deleting needs the box ticked; then the account is gone and so is the session.
    let unticked = cy.post_from("/account", "/account/delete", &[]).await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(store.member(member.id).await.unwrap().is_some());
    let deleted = cy
        .post_from("/account", "/account/delete", &[("confirm", "yes")])
        .await;
    assert_eq!(deleted.location.as_deref(), Some("/signin?done=deleted"));
    assert!(cy.cookie("masthead_member").is_none());
    assert!(store.member(member.id).await.unwrap().is_none());
    assert!(store
        .member_by_email("cy@new.example")
        .await
        .unwrap()
        .is_none());
    let page = cy.get("/signin?done=deleted").await;
    assert!(page.body.contains("Your account is deleted."));
}
