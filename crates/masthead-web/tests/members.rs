//! Members signing up and in by an emailed link (read from a real SMTP server), their
//! account page, and what they may read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use masthead_core::article::Visibility;
use masthead_core::member::{LinkPurpose, NewMemberLink};
use masthead_core::store::Store;
use masthead_testkit::browser::{csrf_in, Kept, Reply};
use masthead_testkit::fixtures::{self, NewsroomFixture};
use masthead_testkit::mail::{Letter, SmtpServer};
use masthead_testkit::oidc::{self, OidcProvider};
use masthead_testkit::store_test;
use masthead_web::reader::{open_member_session, MEMBER_SESSION_COOKIE};
use std::sync::Arc;

const BASE: &str = "https://news.example";

const FROM: &str = "The Paper <news@news.example>";

fn app(store: Arc<dyn Store>, smtp: &SmtpServer) -> masthead_web::App {
    app_with(
        store,
        masthead_web::mail::Mailer::smtp(&smtp.url(), FROM).unwrap(),
    )
}

/// The site for tests that read no letters: what it sends goes to a folder.
fn app_without_letters(store: Arc<dyn Store>) -> masthead_web::App {
    let outbox = std::env::temp_dir().join(format!("masthead-outbox-{}", std::process::id()));
    app_with(
        store,
        masthead_web::mail::Mailer::outbox(&outbox, FROM).unwrap(),
    )
}

fn app_with(store: Arc<dyn Store>, mailer: masthead_web::mail::Mailer) -> masthead_web::App {
    masthead_web::router(masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        BASE.into(),
        mailer,
    ))
}

type Browser = masthead_testkit::browser::Browser<masthead_web::App>;

/// Asks for a sign-in link for `email` from the sign-in form.
async fn ask(browser: &mut Browser, email: &str, return_to: &str) -> Reply {
    browser
        .post_from(
            &format!("/signin?return_to={return_to}"),
            "/signin",
            &[("email", email), ("return_to", return_to)],
        )
        .await
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
    members_comment_reply_edit_like_report_and_delete,
    comments_are_refused_clearly_and_store_nothing,
    a_reply_is_told_to_the_comment_it_answers_unless_its_author_opted_out,
    readers_sign_in_with_the_media_house_login,
    the_media_house_login_refuses_what_does_not_check_out_and_stores_nothing,
    passkey_ceremonies_refuse_what_does_not_check_out_and_store_nothing,
    the_support_page_leads_to_joining_and_back,
    members_see_where_they_are_signed_in_and_sign_out_elsewhere,
);

/// A browser signed in as a new member `email` (a session made in the store): the
/// browser and the session's form token.
async fn signed_in_as(
    app: &masthead_web::App,
    store: &Arc<dyn Store>,
    email: &str,
    ip: &str,
) -> (Browser, String, masthead_core::member::Member) {
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: email.into(),
            name: "Pat Key".into(),
        })
        .await
        .unwrap();
    let opened = open_member_session(&**store, member.id, ip, "Test", chrono::Utc::now())
        .await
        .unwrap();
    let mut browser = Browser::new(app, ip, BASE);
    browser.keep(MEMBER_SESSION_COOKIE, &opened.token);
    (browser, opened.csrf, member)
}

fn json_of(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

fn error_of(reply: &Reply) -> String {
    json_of(reply)["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn passkey_ceremonies_refuse_what_does_not_check_out_and_store_nothing(
    store: Arc<dyn Store>,
) {
    let app = app_without_letters(store.clone());
    let (mut pat, csrf, member) = signed_in_as(&app, &store, "pat@example.com", "192.0.2.7").await;
    // Adding one: the page offers it, its script asks for options with the token.
    let account = pat.get("/account").await;
    assert!(
        account.body.contains(r#"id="passkeys""#),
        "{}",
        account.body
    );
    assert!(account.body.contains(r#"data-passkey="add""#));
    assert!(account.body.contains("/assets/passkeys."));
    assert!(account.body.contains("You have no passkey yet."));
    let unsigned = pat.post_json("/account/passkeys/start", "{}", None).await;
    assert_eq!(unsigned.status, StatusCode::FORBIDDEN, "no token");
    let start = pat
        .post_json("/account/passkeys/start", "{}", Some(&csrf))
        .await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    assert_eq!(start.headers["cache-control"], "private, no-store");
    let start = json_of(&start);
    let ceremony = start["ceremony"].as_str().unwrap().to_owned();
    assert_eq!(ceremony.len(), 64);
    let key = &start["options"]["publicKey"];
    assert_eq!(key["rp"]["id"], "news.example");
    assert_eq!(key["user"]["name"], "pat@example.com");
    assert_eq!(key["user"]["displayName"], "Pat Key");
    assert_eq!(key["authenticatorSelection"]["residentKey"], "required");
    let bogus = serde_json::json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {"attestationObject": "AAAA", "clientDataJSON": "AAAA"}});
    let answer = |ceremony: &str| {
        serde_json::json!({"ceremony": ceremony, "name": "Laptop", "credential": bogus}).to_string()
    };
    // Another member's session cannot finish it (and it is not used up by trying).
    let (mut other, other_csrf, _) =
        signed_in_as(&app, &store, "other@example.com", "192.0.2.8").await;
    let stolen = other
        .post_json("/account/passkeys", &answer(&ceremony), Some(&other_csrf))
        .await;
    assert_eq!(stolen.status, StatusCode::GONE, "{}", stolen.body);
    // Another start replaces it; a forged answer is refused and uses it up.
    let start = json_of(
        &pat.post_json("/account/passkeys/start", "{}", Some(&csrf))
            .await,
    );
    let ceremony = start["ceremony"].as_str().unwrap().to_owned();
    let forged = pat
        .post_json("/account/passkeys", &answer(&ceremony), Some(&csrf))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert!(error_of(&forged).contains("That passkey did not work"));
    let replayed = pat
        .post_json("/account/passkeys", &answer(&ceremony), Some(&csrf))
        .await;
    assert_eq!(replayed.status, StatusCode::GONE);
    assert!(error_of(&replayed).contains("took too long or was already used"));
    for token in ["", "not-a-token", &"f".repeat(64)] {
        let made_up = pat
            .post_json("/account/passkeys", &answer(token), Some(&csrf))
            .await;
        assert_eq!(made_up.status, StatusCode::GONE, "{token:?}");
    }
    // Over the size bound, or not JSON: refused before anything is read into memory.
    let huge = serde_json::json!({"ceremony": ceremony, "name": "x".repeat(70_000),
        "credential": bogus})
    .to_string();
    let too_big = pat.post_json("/account/passkeys", &huge, Some(&csrf)).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    let garbled = pat
        .post_json("/account/passkeys", "{not json", Some(&csrf))
        .await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert!(store.passkeys(member.id).await.unwrap().is_empty());
    // Signed out, none of it is open.
    let mut stranger = Browser::new(&app, "192.0.2.9", BASE);
    let out = stranger
        .post_json("/account/passkeys/start", "{}", Some(&csrf))
        .await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);

    // Removing: only one's own.
    let theirs = store
        .add_passkey(&masthead_core::member::NewPasskey {
            member: member.id,
            credential_id: "cred-pat".into(),
            user_handle: "aGFuZGxl".into(),
            name: "Pat's phone".into(),
            key: "{}".into(),
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let account = pat.get("/account").await;
    assert!(account.body.contains("Pat&#39;s phone"), "{}", account.body);
    assert!(account.body.contains("not used yet"));
    let remove = format!("/account/passkeys/{}/remove", theirs.id);
    let not_yours = other.post_from("/account", &remove, &[]).await;
    assert_eq!(not_yours.status, StatusCode::NOT_FOUND);
    assert_eq!(store.passkeys(member.id).await.unwrap().len(), 1);
    let removed = pat.post_from("/account", &remove, &[]).await;
    assert_eq!(
        removed.location.as_deref(),
        Some("/account?notice=passkey_removed#passkeys")
    );
    assert!(store.passkeys(member.id).await.unwrap().is_empty());

    // Signing in: the page offers it; only the browser that began may finish.
    let mut reader = Browser::new(&app, "192.0.2.10", BASE);
    let form = reader.get("/signin?return_to=/world/").await;
    assert!(
        form.body.contains(r#"data-passkey="sign-in""#),
        "{}",
        form.body
    );
    assert!(form.body.contains(r#"data-return="/world/""#));
    let token = csrf_in(&form.body);
    let start = reader
        .post_json(
            "/signin/passkey/start",
            r#"{"return_to":"/world/"}"#,
            Some(&token),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    let start = json_of(&start);
    assert_eq!(start["options"]["publicKey"]["rpId"], "news.example");
    assert!(start.get("mediation").is_none());
    let ceremony = start["ceremony"].as_str().unwrap().to_owned();
    let signed = serde_json::json!({"ceremony": ceremony, "credential": {
        "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {"authenticatorData": "AAAA", "clientDataJSON": "AAAA",
                     "signature": "AAAA", "userHandle": "AAAAAAAAAAAAAAAAAAAAAA"}}})
    .to_string();
    let mut elsewhere = Browser::new(&app, "192.0.2.11", BASE);
    let elsewhere_token = csrf_in(&elsewhere.get("/signin").await.body);
    let wrong_browser = elsewhere
        .post_json("/signin/passkey", &signed, Some(&elsewhere_token))
        .await;
    assert_eq!(wrong_browser.status, StatusCode::GONE);
    // A credential no account has (removed, or made up) signs no one in.
    let unknown = reader
        .post_json("/signin/passkey", &signed, Some(&token))
        .await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN, "{}", unknown.body);
    assert!(error_of(&unknown).contains("not on any account here"));
    assert!(reader.cookie("masthead_member").is_none());
    let again = reader
        .post_json("/signin/passkey", &signed, Some(&token))
        .await;
    assert_eq!(again.status, StatusCode::GONE, "used up");

    // At an address browsers offer no passkeys for, the pages offer none either.
    let plain = masthead_web::router(masthead_web::AppState::new(
        store.clone(),
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "http://127.0.0.1:8080".into(),
        masthead_web::mail::Mailer::outbox(&std::env::temp_dir(), FROM).unwrap(),
    ));
    let mut visitor = Browser::new(&plain, "192.0.2.12", BASE);
    let form = visitor.get("/signin").await;
    assert!(!form.body.contains("data-passkey"));
    assert!(!form.body.contains("passkeys."));
    let token = csrf_in(&form.body);
    let none = visitor
        .send_body(
            Method::POST,
            "/signin/passkey/start",
            Some(("application/json", "{}".into())),
            &[
                ("origin", "http://127.0.0.1:8080"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

async fn signing_up_and_in_by_emailed_link(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    let mut ana = Browser::new(&app, "192.0.2.1", BASE);
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
    let sent = ask(&mut ana, "Ana@Example.com", "/world/harbor-fees/").await;
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
    ask(&mut ana, "ana@example.com", "/latest/").await;
    let letter = smtp.letters(2).await.remove(1);
    let opened = ana.get(&link(&letter)).await;
    assert_eq!(opened.location.as_deref(), Some("/latest/"));
}

async fn an_emailed_link_works_once_in_time_and_where_asked(store: Arc<dyn Store>) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    let mut asker = Browser::new(&app, "192.0.2.1", BASE);
    ask(&mut asker, "bo@example.com", "/").await;
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
    let mut other = Browser::new(&app, "192.0.2.2", BASE);
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
    let mut browser = Browser::new(&app, "192.0.2.1", BASE);
    let known = ask(&mut browser, "known@example.com", "/").await;
    let unknown = ask(&mut browser, "stranger@example.com", "/").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.body.replace("known@example.com", "X"),
        unknown.body.replace("stranger@example.com", "X")
    );
    // A bad address is said, and nothing is sent.
    let bad = ask(&mut browser, "not an email", "/").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter your email address"));
    // A mailbox cannot be flooded: five letters per address in the window.
    for _ in 1..masthead_core::auth::MAX_LETTERS_PER_EMAIL {
        assert_eq!(
            ask(&mut browser, "known@example.com", "/").await.status,
            StatusCode::OK
        );
    }
    let limited = ask(&mut browser, "known@example.com", "/").await;
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
    let mut browser = Browser::new(&app, "192.0.2.1", BASE);
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
    content.body = masthead_core::document::Document::from_markdown(&format!(
        "{}\n\nThe secret ingredient is patience.",
        "Members read on. ".repeat(25)
    ));
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
    let mut anon = Browser::new(&app, "192.0.2.9", BASE);
    let before = anon.get(path).await;
    assert!(!before.body.contains("secret ingredient"));
    assert!(
        before
            .body
            .contains("/signin?return_to=%2Fworld%2Fmembers%2Dstory%2F"),
        "the paywall leads to sign-in and back"
    );
    let mut mo = Browser::new(&app, "192.0.2.1", BASE);
    ask(&mut mo, "mo@example.com", path).await;
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
    let mut forged = Browser::new(&app, "192.0.2.3", BASE);
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
    let mut cy = Browser::new(&app, "192.0.2.1", BASE);
    ask(&mut cy, "cy@example.com", "/").await;
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
    // The address left behind is told, in case the change was not theirs.
    let told = smtp.letters(3).await.remove(2);
    assert_eq!(told.to, "cy@example.com");
    assert!(told.subject.contains("email address") && told.subject.contains("changed"));
    assert!(
        told.text.contains("now uses the address cy@new.example"),
        "{}",
        told.text
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

/// A member signed in without a letter: their session made in the store, its cookie in
/// the browser.
async fn signed_in(store: &Arc<dyn Store>, browser: &mut Browser, name: &str) -> i64 {
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: format!("{}@example.com", name.to_lowercase()),
            name: name.into(),
        })
        .await
        .unwrap();
    let opened = open_member_session(&**store, member.id, "", "", chrono::Utc::now())
        .await
        .unwrap();
    browser.keep(MEMBER_SESSION_COOKIE, &opened.token);
    member.id.0
}

/// A published story to comment on, under the publication's `moderation`.
async fn story(
    store: &Arc<dyn Store>,
    moderation: masthead_core::comment::Moderation,
) -> (masthead_core::ids::ArticleId, &'static str) {
    let f = fixtures::newsroom(&**store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Harbour fees",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let mut settings = store.settings().await.unwrap();
    settings.comments = moderation;
    store.save_settings(&settings).await.unwrap();
    (id, "/world/harbour-fees/")
}

/// The comment a post answered with: its id, from `…#comment-N`.
fn posted(reply: &Reply) -> i64 {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.location.as_deref().unwrap();
    location
        .rsplit_once("#comment-")
        .unwrap_or_else(|| panic!("{location}"))
        .1
        .parse()
        .unwrap()
}

async fn comment_on(
    browser: &mut Browser,
    path: &str,
    article: i64,
    parent: &str,
    body: &str,
) -> Reply {
    let article = article.to_string();
    browser
        .post_from(
            path,
            "/comments",
            &[("article", &article), ("parent", parent), ("body", body)],
        )
        .await
}

async fn members_comment_reply_edit_like_report_and_delete(store: Arc<dyn Store>) {
    use masthead_core::comment::{CommentStatus, Moderation};
    let app = app_without_letters(store.clone());
    let (article, path) = story(&store, Moderation::FirstHeld).await;
    let mut anon = Browser::new(&app, "192.0.2.9", BASE);
    let first_look = anon.get(path).await;
    assert!(first_look.body.contains("Sign in to join the conversation"));
    assert!(!first_look.body.contains(r#"action="/comments""#));
    for list in ["/", "/world/", "/latest/"] {
        assert!(
            !anon.get(list).await.body.contains("#comments"),
            "no count yet"
        );
    }

    // Ana's first comment waits for a moderator: she sees it at once, marked; the
    // cached page everyone else gets does not show it.
    let mut ana = Browser::new(&app, "192.0.2.1", BASE);
    signed_in(&store, &mut ana, "Ana").await;
    let written =
        "I was at the harbour.\n\nThe fees <b>doubled</b>: see https://port.example/fees.";
    let a1 = posted(&comment_on(&mut ana, path, article.0, "", written).await);
    let hers = ana.get(path).await.body;
    assert!(hers.contains(&format!(r#"id="comment-{a1}""#)), "{hers}");
    assert!(hers.contains("Only you can see this comment"));
    assert!(
        hers.contains("The fees &lt;b&gt;doubled&lt;/b&gt;: see "),
        "never markup"
    );
    assert!(hers.contains(
        r#"<a href="https://port.example/fees" rel="nofollow ugc noopener">https://port.example/fees</a>."#
    ));
    for _ in 0..2 {
        assert!(!anon.get(path).await.body.contains("I was at the harbour"));
    }
    // Approved, it is everyone's at once: the cached page was let go.
    store
        .moderate_comment(
            masthead_core::ids::CommentId(a1),
            CommentStatus::Approved,
            &masthead_core::auth::NewAuditEntry {
                at: chrono::Utc::now(),
                actor: None,
                action: masthead_core::auth::AuditAction::CommentModerated,
                target: "a comment".into(),
                ip: String::new(),
            },
        )
        .await
        .unwrap();
    let everyone = anon.get(path).await.body;
    assert!(everyone.contains("I was at the harbour"));
    assert!(everyone.contains("Comments (1)"));
    assert!(!everyone.contains("Only you can see"));

    // Ben answers (the publication now takes comments at once), and Ana answers him:
    // threads two levels deep, each reply saying whom it answers.
    let mut settings = store.settings().await.unwrap();
    settings.comments = Moderation::Open;
    store.save_settings(&settings).await.unwrap();
    let mut ben = Browser::new(&app, "192.0.2.2", BASE);
    signed_in(&store, &mut ben, "Ben").await;
    let reply_page = ben.get(&format!("/comments/{a1}/reply")).await;
    assert_eq!(reply_page.status, StatusCode::OK);
    assert!(reply_page.body.contains("I was at the harbour"));
    let b1 = posted(
        &comment_on(
            &mut ben,
            path,
            article.0,
            &a1.to_string(),
            "Mine doubled too.",
        )
        .await,
    );
    let a2 = posted(
        &comment_on(
            &mut ana,
            path,
            article.0,
            &b1.to_string(),
            "Sorry to hear it.",
        )
        .await,
    );
    let page = anon.get(path).await.body;
    assert!(
        page.contains(&format!(r#"class="comment depth-1" id="comment-{b1}""#)),
        "{page}"
    );
    assert!(page.contains(&format!(r#"class="comment depth-2" id="comment-{a2}""#)));
    assert!(page.contains("replying to Ben"));
    assert!(page.contains("Comments (3)"));
    // Lists show the count too, fresh: each comment let their cached pages go.
    for list in ["/", "/world/", "/latest/"] {
        let shown = anon.get(list).await.body;
        assert!(
            shown.contains(&format!(r##"<a href="{path}#comments">3 comments</a>"##)),
            "{list}: {shown}"
        );
    }

    // Ana changes her words within the window; Ben may not change hers.
    let form = ana.get(&format!("/comments/{a2}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    let edited = ana
        .post_from(
            &format!("/comments/{a2}/edit"),
            &format!("/comments/{a2}/edit"),
            &[("body", "Sorry to hear it, Ben.")],
        )
        .await;
    assert_eq!(posted(&edited), a2);
    let page = anon.get(path).await.body;
    assert!(page.contains("Sorry to hear it, Ben.") && page.contains("(edited)"));
    let theirs = ben.get(&format!("/comments/{a2}/edit")).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    assert!(theirs.body.contains("Only its author may change a comment"));
    // Past the window, only deleting is left.
    let old = store
        .add_comment(&masthead_core::comment::NewComment::plain(
            article,
            masthead_core::comment::Author::Member(masthead_core::ids::MemberId(
                store
                    .member_by_email("ana@example.com")
                    .await
                    .unwrap()
                    .unwrap()
                    .id
                    .0,
            )),
            None,
            "An old thought.",
            CommentStatus::Approved,
            chrono::Utc::now() - chrono::Duration::minutes(11),
        ))
        .await
        .unwrap();
    let late = ana.get(&format!("/comments/{}/edit", old.id.0)).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert!(late.body.contains("10 minutes"));

    // Likes, by form and by script.
    let liked = ben
        .post_from(path, &format!("/comments/{a1}/like"), &[("like", "1")])
        .await;
    assert_eq!(posted(&liked), a1);
    let csrf = csrf_in(&ana.get(path).await.body);
    let json = ana
        .send(
            Method::POST,
            &format!("/comments/{a1}/like"),
            &[("csrf", &csrf), ("like", "1")],
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.body, r#"{"liked":true,"likes":2}"#);
    assert!(ben
        .get(path)
        .await
        .body
        .contains(r#"aria-pressed="true">Liked <span class="count">2</span>"#));
    // Top first: the liked thread leads; the oldest order is the default.
    let top = anon.get(&format!("{path}?sort=top")).await.body;
    let (liked_at, old_at) = (
        top.find(&format!(r#"id="comment-{a1}""#)).unwrap(),
        top.find(&format!(r#"id="comment-{}""#, old.id.0)).unwrap(),
    );
    assert!(liked_at < old_at);
    // Newest first: the comment from 11 minutes ago comes after this hour's.
    let newest = anon.get(&format!("{path}?sort=newest")).await.body;
    let at = |id: i64| newest.find(&format!(r#"id="comment-{id}""#)).unwrap();
    assert!(at(a1) < at(old.id.0));
    let oldest = anon.get(path).await.body;
    assert!(
        oldest
            .find(&format!(r#"id="comment-{}""#, old.id.0))
            .unwrap()
            < oldest.find(&format!(r#"id="comment-{a1}""#)).unwrap()
    );
    assert_eq!(
        anon.get(&format!("{path}?page=0")).await.status,
        StatusCode::NOT_FOUND
    );
    // Pages of comments past the last do not exist (one per number would fill the
    // cache).
    for past in ["2", "4294967295"] {
        let reply = anon.get(&format!("{path}?page={past}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "page {past}");
    }
    assert_eq!(
        anon.get(&format!("{path}?sort=sideways")).await.status,
        StatusCode::OK
    );

    // Reports need a reason.
    let report = format!("/comments/{a1}/report");
    assert_eq!(ben.get(&report).await.status, StatusCode::OK);
    let unsaid = ben.post_from(&report, &report, &[("note", "rude")]).await;
    assert_eq!(unsaid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsaid.body.contains("rude"), "the note is kept");
    let said = ben
        .post_from(&report, &report, &[("reason", "abuse"), ("note", "rude")])
        .await;
    assert_eq!(said.status, StatusCode::OK);
    assert!(said.body.contains("The moderators will read your report"));

    // Ana deletes her first comment: its place stays while Ben's reply hangs from it.
    let delete = format!("/comments/{a1}/delete");
    assert!(ben.post_from(path, &delete, &[]).await.status == StatusCode::FORBIDDEN);
    let gone = ana.post_from(&delete, &delete, &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    let page = anon.get(path).await.body;
    assert!(!page.contains("I was at the harbour"));
    assert!(page.contains("This comment was deleted."));
    assert!(page.contains("Mine doubled too."));
}

async fn comments_are_refused_clearly_and_store_nothing(store: Arc<dyn Store>) {
    use masthead_core::comment::{Moderation, MAX_COMMENTS_PER_MEMBER};
    let app = app_without_letters(store.clone());
    let (article, path) = story(&store, Moderation::Open).await;
    let id = article.0.to_string();
    let stored = || {
        let store = store.clone();
        async move { store.counts().await.unwrap().comments }
    };
    // Without a session, a token, or from another site: nothing is taken.
    let mut anon = Browser::new(&app, "192.0.2.9", BASE);
    let signed_out = anon
        .send(
            Method::POST,
            "/comments",
            &[("article", &id), ("body", "Hi")],
            &[],
        )
        .await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    assert!(signed_out.body.contains("Sign in and try again"));
    let mut cy = Browser::new(&app, "192.0.2.3", BASE);
    signed_in(&store, &mut cy, "Cy").await;
    let tokenless = cy
        .send(
            Method::POST,
            "/comments",
            &[("article", &id), ("body", "Hi")],
            &[],
        )
        .await;
    assert_eq!(tokenless.status, StatusCode::FORBIDDEN);
    let csrf = csrf_in(&cy.get(path).await.body);
    let elsewhere = cy
        .send(
            Method::POST,
            "/comments",
            &[("csrf", &csrf), ("article", &id), ("body", "Hi")],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    // Too long, or empty: the words come back in the form, with why.
    let long = format!("{}END", "words ".repeat(834));
    let too_long = comment_on(&mut cy, path, article.0, "", &long).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long
        .body
        .contains("Keep comments under 5000 characters."));
    assert!(
        too_long.body.contains("words END</textarea>"),
        "the words are kept"
    );
    let empty = comment_on(&mut cy, path, article.0, "", " \n\u{0} ").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(
        comment_on(&mut cy, path, article.0, "999999", "To no one")
            .await
            .status,
        StatusCode::NOT_FOUND
    ));
    assert_eq!(stored().await, 0);

    // A member who never gave a name gives the one their comments show first; a
    // comment is never shown without one.
    let mut nina = Browser::new(&app, "192.0.2.4", BASE);
    let nina_id = masthead_core::ids::MemberId(signed_in(&store, &mut nina, "Nina").await);
    store
        .update_account(
            nina_id,
            &masthead_core::member::AccountUpdate::default(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let page = nina.get(path).await.body;
    assert!(
        page.contains(r#"name="comment_name""#),
        "the form asks for a name"
    );
    let nameless = comment_on(&mut nina, path, article.0, "", "Who am I?").await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nameless.body.contains("Who am I?</textarea>"));
    assert!(nameless.body.contains(r#"name="comment_name""#));
    assert_eq!(stored().await, 0);
    let csrf = csrf_in(&nameless.body);
    let named = nina
        .send(
            Method::POST,
            "/comments",
            &[
                ("csrf", &csrf),
                ("article", &id),
                ("body", "Who am I?"),
                ("comment_name", " Nina N "),
            ],
            &[],
        )
        .await;
    posted(&named);
    assert!(anon
        .get(path)
        .await
        .body
        .contains(r#"<strong class="comment-author">Nina N</strong>"#));
    assert!(!nina.get(path).await.body.contains(r#"name="comment_name""#));
    assert_eq!(
        store.standing(nina_id).await.unwrap().unwrap().comment_name,
        "Nina N"
    );

    // The same form sent twice is one comment.
    let once = posted(&comment_on(&mut cy, path, article.0, "", "Said once.").await);
    let twice = posted(&comment_on(&mut cy, path, article.0, "", "Said once!").await);
    assert_eq!(once, twice);
    assert_eq!(stored().await, 2);
    // Over the limit: refused with when to come back, the words kept.
    for n in 1..MAX_COMMENTS_PER_MEMBER {
        posted(&comment_on(&mut cy, path, article.0, "", &format!("Thought {n}")).await);
    }
    assert_eq!(stored().await, u64::from(MAX_COMMENTS_PER_MEMBER) + 1);
    let over = comment_on(&mut cy, path, article.0, "", "One thought too many").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(over.headers.contains_key("retry-after"));
    assert!(over.body.contains("One thought too many</textarea>"));
    assert_eq!(stored().await, u64::from(MAX_COMMENTS_PER_MEMBER) + 1);
}

async fn a_reply_is_told_to_the_comment_it_answers_unless_its_author_opted_out(
    store: Arc<dyn Store>,
) {
    use masthead_core::comment::Moderation;
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = app(store.clone(), &smtp);
    let (article, path) = story(&store, Moderation::Open).await;
    let mut ana = Browser::new(&app, "192.0.2.1", BASE);
    signed_in(&store, &mut ana, "Ana").await;
    let mut ben = Browser::new(&app, "192.0.2.2", BASE);
    signed_in(&store, &mut ben, "Ben").await;
    let a1 = posted(&comment_on(&mut ana, path, article.0, "", "Fees <b>doubled</b>.").await);
    // Answering oneself tells no one.
    posted(&comment_on(&mut ana, path, article.0, &a1.to_string(), "And again.").await);
    let b1 = posted(
        &comment_on(
            &mut ben,
            path,
            article.0,
            &a1.to_string(),
            "Mine <i>too</i>.\n\nFrom the ferry.",
        )
        .await,
    );
    let sent = smtp.letters(1).await;
    let letter = &sent[0];
    assert_eq!(letter.to, "ana@example.com");
    assert_eq!(letter.subject, "Ben replied to your comment");
    assert!(letter.text.contains("Hello Ana,"));
    assert!(
        letter.text.contains("“Mine <i>too</i>.”"),
        "{}",
        letter.text
    );
    assert!(
        letter.html.contains("Mine &lt;i&gt;too&lt;/i&gt;."),
        "escaped: {}",
        letter.html
    );
    assert!(letter.text.contains(&format!("{BASE}{path}#comment-{b1}")));
    assert!(letter.text.contains(&format!("{BASE}/account#replies")));
    assert_eq!(
        smtp.count_after(std::time::Duration::from_millis(300))
            .await,
        1
    );
    // Ana turns the letters off on her account page: Ben's next reply tells no one.
    let saved = ana
        .post_from(
            "/account",
            "/account",
            &[("name", "Ana"), ("comment_name", "")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let ana_id = store
        .member_by_email("ana@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(!store.standing(ana_id).await.unwrap().unwrap().reply_letters);
    posted(&comment_on(&mut ben, path, article.0, &a1.to_string(), "Still here.").await);
    assert_eq!(
        smtp.count_after(std::time::Duration::from_millis(300))
            .await,
        1
    );
}

/// The site with the media house's login at `provider` (and letters to a folder).
fn app_with_login(store: Arc<dyn Store>, provider: &OidcProvider) -> masthead_web::App {
    let outbox = std::env::temp_dir().join(format!("masthead-outbox-{}", std::process::id()));
    masthead_web::router(
        masthead_web::AppState::new(
            store,
            Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
            masthead_render::Theme::new(None),
            std::env::temp_dir(),
            BASE.into(),
            masthead_web::mail::Mailer::outbox(&outbox, FROM).unwrap(),
        )
        .with_external_login(
            masthead_web::oidc::ExternalLogin::new(
                &provider.issuer(),
                oidc::CLIENT_ID,
                oidc::CLIENT_SECRET,
                "Harbour Media ID",
            )
            .unwrap(),
        ),
    )
}

fn callback() -> String {
    format!("{BASE}/signin/external/callback")
}

/// Starts signing in with the provider in `browser`: where the site sends it.
async fn start_external(browser: &mut Browser, return_to: &str) -> String {
    let start = browser
        .get(&format!("/signin/external?return_to={return_to}"))
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    start.location.unwrap()
}

fn local(url: &str) -> &str {
    url.strip_prefix(BASE)
        .unwrap_or_else(|| panic!("{url} is not this site's"))
}

async fn readers_sign_in_with_the_media_house_login(store: Arc<dyn Store>) {
    let Some(provider) = OidcProvider::start(&callback()) else {
        return;
    };
    let app = app_with_login(store.clone(), &provider);
    let mut rita = Browser::new(&app, "192.0.2.1", BASE);
    let page = rita.get("/signin?return_to=/world/harbor-fees/").await;
    assert!(page.body.contains(
        r#"href="/signin/external?return_to=/world/harbor-fees/">Sign in with Harbour Media ID</a>"#
    ), "{}", page.body);
    let url = start_external(&mut rita, "/world/harbor-fees/").await;
    assert!(
        url.starts_with(&format!("{}/auth?", provider.issuer())),
        "{url}"
    );
    for part in [
        "code_challenge_method=S256",
        "client_id=masthead",
        "nonce=",
        "state=",
    ] {
        assert!(url.contains(part), "{part} in {url}");
    }
    let back = provider.sign_in(&url, "rita").await;
    let signed = rita.get(local(&back)).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(
        signed.location.as_deref(),
        Some("/account?welcome=1&return_to=%2Fworld%2Fharbor%2Dfees%2F"),
        "a new member is asked their name, then sent back"
    );
    assert!(rita.cookie("masthead_member").is_some());
    let member = store
        .member_by_email("rita@readers.example")
        .await
        .unwrap()
        .expect("a member, by the verified email");
    assert_eq!(member.name, "Reader rita");
    assert!(rita
        .get("/account")
        .await
        .body
        .contains("rita@readers.example"));
    // The answer replayed: that sign-in is over, nothing more happens.
    let replay = rita.get(local(&back)).await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN);
    // Another browser, later: the same member, by the provider's subject, straight
    // back to where they were.
    let mut again = Browser::new(&app, "192.0.2.2", BASE);
    let url = start_external(&mut again, "/latest/").await;
    let back = provider.sign_in(&url, "rita").await;
    let signed = again.get(local(&back)).await;
    assert_eq!(signed.location.as_deref(), Some("/latest/"));
    assert_eq!(
        store
            .member_by_email("rita@readers.example")
            .await
            .unwrap()
            .unwrap()
            .id,
        member.id
    );
    // The provider changes its signing key, as providers do: the site, which read the
    // old one, reads its keys again rather than refusing readers for ten minutes.
    provider.rotate_key().await;
    let mut rotated = Browser::new(&app, "192.0.2.4", BASE);
    let url = start_external(&mut rotated, "/latest/").await;
    let back = provider.sign_in(&url, "rita").await;
    let signed = rotated.get(local(&back)).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.location.as_deref(), Some("/latest/"));
    // A site without the login offers none.
    let plain = app_without_letters(store.clone());
    let mut reader = Browser::new(&plain, "192.0.2.3", BASE);
    assert!(!reader
        .get("/signin")
        .await
        .body
        .contains("/signin/external"));
    assert_eq!(
        reader.get("/signin/external").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn the_media_house_login_refuses_what_does_not_check_out_and_stores_nothing(
    store: Arc<dyn Store>,
) {
    let Some(provider) = OidcProvider::start(&callback()) else {
        return;
    };
    let app = app_with_login(store.clone(), &provider);
    let nobody = |store: Arc<dyn Store>, login: String| async move {
        assert!(
            store
                .member_by_email(&format!("{login}@readers.example"))
                .await
                .unwrap()
                .is_none(),
            "{login} was stored"
        );
    };
    // An ID token with another nonce, expired, for another audience, or signed with
    // a key the provider never published (even after its keys are read again).
    for claim in ["nonce", "exp", "aud", "key"] {
        let login = format!("tampered-{claim}");
        let mut b = Browser::new(&app, "192.0.2.5", BASE);
        let url = start_external(&mut b, "/").await;
        provider.tamper(claim).await;
        let back = provider.sign_in(&url, &login).await;
        let r = b.get(local(&back)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{claim}: {}", r.body);
        assert!(
            r.body
                .contains("could not be completed: the ID token does not check out"),
            "{claim}: {}",
            r.body
        );
        assert!(
            r.body.contains(r#"action="/signin""#),
            "the email form stays"
        );
        assert!(b.cookie("masthead_member").is_none(), "{claim}");
        nobody(store.clone(), login).await;
    }
    // An address to return to that would make the flow's cookie too big for a
    // browser: the sign-in still works, back to the front page.
    let mut b = Browser::new(&app, "192.0.2.12", BASE);
    let long = format!("/{}", "%C3%A9".repeat(900));
    let url = start_external(&mut b, &long).await;
    assert!(b.cookie("masthead_oidc").unwrap().len() < 4000);
    let back = provider.sign_in(&url, "long-way").await;
    let r = b.get(local(&back)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some("/account?welcome=1&return_to=%2F")
    );
    // A wrong state.
    let mut b = Browser::new(&app, "192.0.2.6", BASE);
    let url = start_external(&mut b, "/").await;
    let back = provider.sign_in(&url, "wrong-state").await;
    let (before, state) = back.split_once("state=").unwrap();
    // Another first character (the state is hex).
    let other = if state.starts_with('0') { '1' } else { '0' };
    let forged = format!("{before}state={other}{}", &state[1..]);
    let r = b.get(local(&forged)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("state is not this browser"));
    nobody(store.clone(), "wrong-state".into()).await;
    // An answer naming another provider (a mix-up).
    let mut b = Browser::new(&app, "192.0.2.6", BASE);
    let url = start_external(&mut b, "/").await;
    let back = provider.sign_in(&url, "mixed-up").await;
    assert!(back.contains("&iss="), "{back}");
    let mixed = format!(
        "{}&iss=https%3A%2F%2Fevil.example",
        back.split("&iss=").next().unwrap()
    );
    let r = b.get(local(&mixed)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("names another provider"));
    nobody(store.clone(), "mixed-up".into()).await;
    // The answer opened in another browser than the one that started.
    let mut starter = Browser::new(&app, "192.0.2.7", BASE);
    let url = start_external(&mut starter, "/").await;
    let back = provider.sign_in(&url, "elsewhere").await;
    let mut other = Browser::new(&app, "192.0.2.8", BASE);
    let r = other.get(local(&back)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("did not start in this browser"));
    nobody(store.clone(), "elsewhere".into()).await;
    // An account whose email the provider does not vouch for.
    let mut b = Browser::new(&app, "192.0.2.9", BASE);
    let url = start_external(&mut b, "/").await;
    let back = provider.sign_in(&url, "unverified-ula").await;
    let r = b.get(local(&back)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("did not confirm an email address"));
    nobody(store.clone(), "unverified-ula".into()).await;
    // The reader turned back at the provider.
    let mut b = Browser::new(&app, "192.0.2.10", BASE);
    start_external(&mut b, "/").await;
    let r = b
        .get("/signin/external/callback?error=access_denied&state=x")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("was cancelled"));
    // A provider that cannot be reached: a clear page, and the email form.
    let gone_port = provider.port;
    drop(provider);
    let dead = masthead_web::router(
        masthead_web::AppState::new(
            store.clone(),
            Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
            masthead_render::Theme::new(None),
            std::env::temp_dir(),
            BASE.into(),
            masthead_web::mail::Mailer::outbox(&std::env::temp_dir(), FROM).unwrap(),
        )
        .with_external_login(
            masthead_web::oidc::ExternalLogin::new(
                &format!("http://127.0.0.1:{gone_port}"),
                oidc::CLIENT_ID,
                oidc::CLIENT_SECRET,
                "Harbour Media ID",
            )
            .unwrap(),
        ),
    );
    let mut b = Browser::new(&dead, "192.0.2.11", BASE);
    let r = b.get("/signin/external?return_to=/").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(r.body.contains("could not be reached just now"));
    assert!(r.body.contains(r#"action="/signin""#));
}

/// The publication's support page asks anonymous readers to join (and comes back to
/// it after); a member reading it is thanked instead, and that page is theirs alone.
async fn the_support_page_leads_to_joining_and_back(store: Arc<dyn Store>) {
    store
        .create_page(
            &masthead_core::page::PageContent {
                slug: "support".into(),
                title: "Support us".into(),
                description: "How to support us.".into(),
                body: masthead_core::document::Document::from_markdown(
                    "Memberships pay for reporting.",
                ),
                status: masthead_core::page::PageStatus::Published,
                position: 0,
                in_footer: true,
            },
            "<p>Memberships pay for reporting.</p>",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let mut settings = store.settings().await.unwrap();
    settings.support_text = "Reporting costs money.".into();
    settings.support_url = "/support/".into();
    store.save_settings(&settings).await.unwrap();
    // Tiers: one offered, one archived, one kept off the page.
    let tier = |slug: &str, public: bool| masthead_core::tier::TierInput {
        slug: slug.into(),
        name: slug.to_uppercase(),
        description: format!("The {slug} tier."),
        paid: true,
        currency: "USD".into(),
        monthly_price: 800,
        yearly_price: 8000,
        trial_days: 14,
        benefits: vec![format!("Everything for {slug}")],
        public,
    };
    let now = chrono::Utc::now();
    store.create_tier(&tier("reader", true), now).await.unwrap();
    let old = store
        .create_tier(&tier("founder", true), now)
        .await
        .unwrap();
    store.archive_tier(old.id, true, now).await.unwrap();
    store
        .create_tier(&tier("hidden", false), now)
        .await
        .unwrap();
    let app = app_without_letters(store.clone());
    let mut reader = Browser::new(&app, "192.0.2.30", BASE);
    let page = reader.get("/support/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"<li class="tier" id="tier-free">"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"<li class="tier" id="tier-reader">"#));
    assert!(page.body.contains("<strong>$8.00</strong> a month"));
    assert!(page.body.contains("or $80.00 a year"));
    assert!(page.body.contains("The first 14 days free"));
    assert!(page.body.contains("<li>Everything for reader</li>"));
    assert!(!page.body.contains("tier-founder") && !page.body.contains("tier-hidden"));
    assert!(page.body.contains("does not take payments online yet"));
    let join = r#"href="/signup?return_to=/support/""#;
    assert!(page.body.contains(join), "{}", page.body);
    assert!(page
        .body
        .contains(r#"href="/signin?return_to=%2Fsupport%2F""#));
    // Joining comes back to the support page.
    let r = reader.get("/signup?return_to=%2Fsupport%2F").await;
    let r = if r.status.is_redirection() {
        reader.get(r.location.as_deref().unwrap()).await
    } else {
        r
    };
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(r#"name="return_to" value="/support/""#),
        "{}",
        r.body
    );
    // A member is thanked, by name, on a page made for them.
    let (mut member, _, _) = signed_in_as(&app, &store, "mia@readers.example", "192.0.2.31").await;
    let page = member.get("/support/").await;
    assert!(page.body.contains("Thank you for being a member"));
    assert!(page.body.contains("signed in as Pat Key"));
    assert!(!page.body.contains(join));
    // Their own tier (the free one, until they pay) is marked for them.
    let free_card = page
        .body
        .split(r#"<li class="tier" id="tier-free">"#)
        .nth(1)
        .and_then(|rest| rest.split("</li>\n").next())
        .expect("the free tier's card");
    assert!(free_card.contains("Your membership"), "{free_card}");
    assert_eq!(page.body.matches("Your membership").count(), 1);
    // Other readers still get the page for everyone.
    let page = Browser::new(&app, "192.0.2.32", BASE)
        .get("/support/")
        .await;
    assert!(page.body.contains(join));
    assert!(!page.body.contains("Pat Key"));
    assert!(!page.body.contains("Your membership"));
    // Other pages ask nothing of the kind.
    let settings = store.settings().await.unwrap();
    assert_eq!(settings.support_url, "/support/");
    let plain = Browser::new(&app, "192.0.2.33", BASE)
        .get("/corrections/")
        .await;
    assert!(!plain.body.contains("Become a member"));
    assert!(!plain.body.contains("tier-list"));

    // An offer's link shows its terms and its tier, until it ends.
    let reader_tier = store.tier_by_slug("reader").await.unwrap().unwrap();
    let offer = |code: &str, tier| masthead_core::tier::OfferInput {
        code: code.into(),
        name: "Spring: half off".into(),
        tier,
        cadence: masthead_core::tier::Cadence::Month,
        discount: masthead_core::tier::Discount::Percent(50),
        duration: masthead_core::tier::OfferDuration::Months(3),
    };
    let spring = store
        .create_offer(&offer("spring", reader_tier.id), now)
        .await
        .unwrap();
    let mut visitor = Browser::new(&app, "192.0.2.34", BASE);
    let page = visitor.get("/support/offer/spring/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h1>Spring: half off</h1>"));
    assert!(
        page.body.contains(
            "<strong>50% off</strong> READER, for 3 months: <strong>$4.00 a month</strong>, \
             then $8.00 a month."
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("<li>Everything for reader</li>"));
    // It has one page: other page numbers are no page (nor copies in the cache), while
    // tracking tags get the page itself.
    for n in ["2", "999999999", "-1", "x"] {
        let r = visitor
            .get(&format!("/support/offer/spring/?page={n}"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "page {n}");
    }
    let tagged = visitor
        .get("/support/offer/spring/?utm_source=news&fbclid=abc")
        .await;
    assert_eq!(tagged.status, StatusCode::OK);
    assert_eq!(tagged.body, page.body);
    // Cached like any page, and dropped when the offer ends.
    assert_eq!(
        visitor.get("/support/offer/spring/").await.status,
        StatusCode::OK
    );
    store.archive_offer(spring.id, true).await.unwrap();
    let ended = visitor.get("/support/offer/spring/").await;
    assert_eq!(ended.status, StatusCode::GONE);
    assert!(ended.body.contains("This offer has ended"));
    assert!(ended.body.contains(r#"href="/support/""#));
    // So does an offer whose tier is no longer offered; a code that never was is a 404.
    let autumn = store
        .create_offer(&offer("autumn", reader_tier.id), now)
        .await
        .unwrap();
    assert_eq!(
        visitor.get("/support/offer/autumn/").await.status,
        StatusCode::OK
    );
    store.archive_tier(autumn.tier, true, now).await.unwrap();
    assert_eq!(
        visitor.get("/support/offer/autumn/").await.status,
        StatusCode::GONE
    );
    assert_eq!(
        visitor.get("/support/offer/winter/").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The account page lists the browsers a member is signed in on, this one marked, and
/// signs them out of the others (with the form's token only).
async fn members_see_where_they_are_signed_in_and_sign_out_elsewhere(store: Arc<dyn Store>) {
    let app = app_without_letters(store.clone());
    let (mut here, csrf, member) =
        signed_in_as(&app, &store, "lu@readers.example", "192.0.2.40").await;
    // The same member on a phone, from another session.
    let opened = open_member_session(
        &*store,
        member.id,
        "192.0.2.41",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
         (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
        chrono::Utc::now() - chrono::Duration::hours(2),
    )
    .await
    .unwrap();
    let mut phone = Browser::new(&app, "192.0.2.41", BASE);
    phone.keep(MEMBER_SESSION_COOKIE, &opened.token);
    let page = here.get("/account").await.body;
    let listed = &page[page.find(r#"id="browsers""#).unwrap()..];
    assert!(listed.contains("Chrome on Android"), "{listed}");
    assert_eq!(listed.matches("This browser").count(), 1);
    assert!(listed.contains("Sign out everywhere else"));
    // Without the form's token nothing ends.
    let r = here
        .send(Method::POST, "/account/sessions/end", &[("csrf", "0")], &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(phone.get("/account").await.status, StatusCode::OK);
    let r = here
        .send(
            Method::POST,
            "/account/sessions/end",
            &[("csrf", &csrf)],
            &[],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/account?notice=signed_out_others")
    );
    let page = here.get("/account?notice=signed_out_others").await.body;
    assert!(page.contains("You are signed out everywhere but here."));
    assert!(!page.contains("Chrome on Android"));
    assert!(!page.contains("Sign out everywhere else"));
    let r = phone.get("/account").await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert!(r.location.unwrap().starts_with("/signin"));
}
