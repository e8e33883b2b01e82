//! The newsroom's sign-in and permissions, in-process, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::article::{ArticleContent, Status};
use masthead_core::auth::{
    AttemptKind, AuditAction, NewAuditEntry, NewStaffToken, TokenPurpose, MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ACCOUNT_FROM_IP, MAX_FAILURES_PER_IP, MAX_LETTERS_PER_EMAIL,
};
use masthead_core::people::{NewPerson, Person, Role};
use masthead_core::store::{PageRequest, Store};
use masthead_testkit::mail::Letter;
use masthead_testkit::store_test;
use masthead_web::newsroom::{route_table, Access};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";

fn app(store: Arc<dyn Store>) -> masthead_web::App {
    app_with_media(store, &std::env::temp_dir())
}

fn app_with_media(store: Arc<dyn Store>, media_dir: &std::path::Path) -> masthead_web::App {
    masthead_web::router(masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        media_dir.to_path_buf(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::outbox(
            &media_dir.join("outbox"),
            "Newsroom <newsroom@news.example>",
        )
        .unwrap(),
    ))
}

/// A JPEG of `width` x `height`.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::ImageBuffer::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

/// A staff member who can log in with `PASSWORD`.
async fn staff(store: &dyn Store, name: &str, role: Role) -> Person {
    store
        .create_person(&NewPerson {
            name: name.to_owned(),
            email: format!("{}@example.com", name.to_lowercase()),
            role,
            bio: String::new(),
            job_title: String::new(),
            expertise: Vec::new(),
            social_links: Vec::new(),
            password_hash: masthead_web::passwords::hash(PASSWORD).unwrap(),
        })
        .await
        .unwrap()
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

/// A browser: keeps its cookies, comes from one address (perhaps through a proxy that
/// says which, in `X-Forwarded-For`).
struct Browser {
    app: masthead_web::App,
    cookies: HashMap<String, String>,
    ip: SocketAddr,
    forwarded_for: Option<String>,
}

impl Browser {
    fn new(app: &masthead_web::App, ip: &str) -> Self {
        Self {
            app: app.clone(),
            cookies: HashMap::new(),
            ip: format!("{ip}:40000").parse().unwrap(),
            forwarded_for: None,
        }
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder().method(method.clone()).uri(path);
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header("cookie", cookie.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(client) = &self.forwarded_for {
            request = request.header("x-forwarded-for", client);
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
        let location = headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<String> = headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for c in &set_cookies {
            let (pair, attributes) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            set_cookies,
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, &[], &[]).await
    }

    /// Posts a form the way the newsroom's own page would, with this page's token.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        // Forms for people not signed in (login, second step, reset, invitation)
        // carry the login form's token, whether or not a session exists.
        let signed_out_form = [
            "/newsroom/login",
            "/newsroom/reset",
            "/newsroom/invitation/",
        ]
        .iter()
        .any(|p| path.starts_with(p));
        let csrf = if signed_out_form {
            if !self.cookies.contains_key("masthead_login") {
                self.get("/newsroom/reset").await;
            }
            self.cookies["masthead_login"].clone()
        } else {
            self.csrf().await
        };
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.send(Method::POST, path, &form, &[]).await
    }

    /// Uploads `bytes` as `filename` with the editor's script's headers (token in
    /// `X-CSRF-Token`, JSON wanted), or as the library's plain form would when `json`
    /// is false (token in the action's query).
    async fn upload(&mut self, filename: &str, bytes: &[u8], alt: &str, json: bool) -> Reply {
        let csrf = self.csrf().await;
        let boundary = "XmastheadBoundaryX";
        let mut body = Vec::new();
        for (name, value) in [
            ("alt", alt),
            ("caption", "A caption"),
            ("credit", "Staff photo"),
        ] {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let path = if json {
            "/newsroom/media".to_owned()
        } else {
            format!("/newsroom/media?csrf={csrf}")
        };
        let mut request = Request::post(path)
            .header("cookie", cookie.join("; "))
            .header("content-type", content_type);
        if json {
            request = request
                .header("x-csrf-token", &csrf)
                .header("accept", "application/json");
        }
        let mut request = request.body(Body::from(body)).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.ip));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            location,
            set_cookies: Vec::new(),
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    /// The token a form would carry now: the session's, or before login the login form's.
    async fn csrf(&mut self) -> String {
        let page = if self.cookies.contains_key("masthead_session") {
            self.get("/newsroom/").await
        } else {
            self.get("/newsroom/login").await
        };
        csrf_in(&page.body)
    }

    async fn login(&mut self, email: &str, password: &str) -> Reply {
        self.post(
            "/newsroom/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The code an authenticator app shows now for `secret` (base32).
fn totp_code(secret: &str) -> String {
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap()
        .generate_current()
        .to_string()
}

fn csrf_in(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a token")
        + 19;
    html[start..start + 64].to_owned()
}

store_test!(
    staff_log_in_and_out,
    unknown_emails_and_wrong_passwords_answer_alike_and_are_rate_limited,
    a_session_planted_before_login_is_never_kept,
    state_changes_need_the_session_token_and_our_own_origin,
    every_route_admits_exactly_the_roles_it_names,
    writers_draft_submit_and_editors_publish,
    autosaves_come_back_and_saves_never_overwrite_each_other,
    uploads_are_checked_cleaned_and_given_variants,
    preview_links_show_an_unpublished_article_until_ended,
    admins_run_the_settings_and_the_roles,
    editors_moderate_what_readers_write,
    editors_answer_reports_spam_and_members_and_every_step_is_logged,
    two_factor_sign_in_asks_for_a_fresh_code_or_a_recovery_code,
    a_forgotten_password_is_reset_by_an_emailed_link_once,
    admins_invite_staff_who_choose_their_own_password,
    a_refused_invitation_letter_is_said_with_the_link,
    editors_rename_sections_and_merge_tags_without_breaking_links,
    admins_price_tiers_and_make_offers,
    the_bin_keeps_deleted_articles_restorable_and_the_list_searches,
    editors_write_static_pages,
    the_social_picture_can_differ_from_the_featured_one,
    an_editor_keeps_a_story_for_the_members_of_chosen_tiers,
    behind_a_trusted_proxy_each_client_has_its_own_login_limit,
    variants_an_interrupted_run_left_unmade_are_finished,
    admins_take_away_and_give_back_a_leavers_access,
    staff_write_their_own_profile,
    writers_cannot_forge_bylines,
    only_the_uploader_and_editors_change_a_pictures_words,
    thousands_of_tags_are_refused_at_once,
    bodies_nested_too_deeply_are_refused,
    the_editor_saves_documents_with_cards,
    editors_see_audience_figures_as_charts_and_csv,
    an_articles_address_changes_and_the_old_one_leads_to_it,
    embeds_are_fetched_by_the_server_and_load_nothing_until_asked,
    providers_that_never_answer_hold_a_save_for_seconds_not_minutes,
    a_nul_character_in_a_form_is_refused_not_a_server_error,
    authors_post_pin_edit_and_delete_live_entries,
    editors_choose_the_home_pages_lead_and_slots,
    editors_choose_a_section_fronts_top_stories,
    staff_hear_of_their_stories_in_the_newsroom_and_by_letter,
    editors_keep_bylines_without_a_login,
    admins_keep_integrations_and_their_keys,
);

/// PostgreSQL refuses NUL in text: a title holding one was a 500 after every check.
/// Every form holding one is now a 422, with nothing stored, on both backends.
async fn a_nul_character_in_a_form_is_refused_not_a_server_error(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let amy = staff(&*store, "Amy", Role::Author).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let world = f.world.id.to_string();
    let author = amy.id.to_string();
    let r = writer
        .post(
            "/newsroom/articles",
            &[
                ("title", "Null\0island"),
                ("body_markdown", "Words."),
                ("article_type", "news"),
                ("visibility", "public"),
                ("section", &world),
                ("authors", &author),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("NUL character"), "{}", r.body);
    assert_eq!(store.counts().await.unwrap().articles, 0, "nothing stored");
    // An upload's words (a multipart form) too.
    let r = writer
        .upload("harbour.jpg", &jpeg(40, 30), "Boats\0at the quay", true)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("NUL character"), "{}", r.body);
    let library = store
        .media_library("", masthead_core::store::PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(library.total, 0, "nothing stored");
}

/// `">" * 50000` or `"<div>" * 100000` took the sanitizer 10 to 35 s on a thread that
/// answers readers; such a body is now refused, in the preview and on save.
async fn bodies_nested_too_deeply_are_refused(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let eve = staff(&*store, "Eve", Role::Editor).await;
    let app = app(store.clone());
    let mut contributor = Browser::new(&app, "192.0.2.1");
    contributor.login(&cara.email, PASSWORD).await;
    let mut editor = Browser::new(&app, "192.0.2.2");
    editor.login(&eve.email, PASSWORD).await;
    let world = f.world.id.to_string();
    let author = cara.id.to_string();
    // Raw HTML is the editors' to add (a contributor's is refused before anything
    // else), so the deep HTML is an editor's.
    let r = contributor
        .post(
            "/newsroom/articles",
            &[
                ("title", "Deep"),
                ("body_markdown", &"<div>".repeat(100_000)),
                ("article_type", "news"),
                ("visibility", "public"),
                ("section", &world),
                ("authors", &author),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body.contains("only editors and admins add raw HTML"),
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    for (deep, writer) in [
        (">".repeat(50_000), &mut contributor),
        ("<div>".repeat(100_000), &mut editor),
    ] {
        let r = writer
            .post("/newsroom/preview", &[("body_markdown", &deep)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("nests too deeply"),
            "{}",
            &r.body[..200.min(r.body.len())]
        );
        let r = writer
            .post(
                "/newsroom/articles",
                &[
                    ("title", "Deep"),
                    ("body_markdown", &deep),
                    ("article_type", "news"),
                    ("visibility", "public"),
                    ("section", &world),
                    ("authors", &author),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("nests too deeply"));
    }
    assert_eq!(store.counts().await.unwrap().articles, 0, "nothing stored");
}

/// The visual editor sends its document as JSON (`body_document`), the Markdown mode
/// sends Markdown whose cards are fences of JSON: both are stored as the same document
/// and rendered with their cards; a fence that is not a card is a 422 that names it
/// and keeps the text; raw HTML is an editor's to add.
async fn the_editor_saves_documents_with_cards(store: Arc<dyn Store>) {
    use masthead_core::document::{Block, Document, PullQuoteCard};
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let amy = staff(&*store, "Amy", Role::Author).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let world = f.world.id.to_string();
    let author = amy.id.to_string();
    let mut document = Document::from_markdown("## Quay\n\nShips *wait* at the [quay](/quay/).");
    document.content.push(Block::PullQuote {
        attrs: PullQuoteCard {
            text: "We stay.".into(),
            attribution: "The mayor".into(),
        },
    });
    let json = document.to_json();
    let form = |body_field: &str, body: String| {
        article_form("The quay", body_field, &body, &world, &author)
    };
    let preview = writer
        .post("/newsroom/preview", &[("body_document", json.as_str())])
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview.body.contains(r#"<figure class="card pull-quote">"#),
        "{}",
        preview.body
    );
    let r = post_owned(
        &mut writer,
        "/newsroom/articles",
        &form("body_document", json.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = article_id(r.location.as_deref().unwrap());
    let stored = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.document(), document);
    assert!(
        stored
            .body_html
            .contains("<blockquote><p>We stay.</p></blockquote>"),
        "{}",
        stored.body_html
    );
    // The editor shows the body in its Markdown mode with the card as a fence.
    let editor = writer.get(&format!("/newsroom/articles/{id}")).await;
    assert!(
        editor.body.contains("```masthead:pull_quote"),
        "{}",
        editor.body
    );
    // The visual editor starts from the same document, which the page carries as
    // JSON (escaped for a script element: no "</script>" ends it early).
    let carried = editor
        .body
        .split("<script type=\"application/json\" id=\"f-body_markdown-document\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap_or_else(|| panic!("no document in the editor: {}", editor.body));
    assert_eq!(Document::from_json(carried, "body").unwrap(), document);
    // Switching modes: the server spells the document both ways, one reading the other.
    let markdown = writer
        .post("/newsroom/document/markdown", &[("body_document", &json)])
        .await;
    assert_eq!(markdown.status, StatusCode::OK);
    assert_eq!(markdown.body, document.to_markdown());
    let visual = writer
        .post(
            "/newsroom/document/visual",
            &[("body_markdown", &markdown.body)],
        )
        .await;
    assert_eq!(visual.status, StatusCode::OK);
    assert_eq!(Document::from_json(&visual.body, "body").unwrap(), document);
    // What does not read stays where it is, said in one sentence.
    let r = writer
        .post(
            "/newsroom/document/visual",
            &[(
                "body_markdown",
                "```masthead:pull_quote\n{\"txt\": 1}\n```\n",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("masthead:pull_quote"), "{}", r.body);
    let r = writer
        .post("/newsroom/document/markdown", &[("body_document", "{")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("not a document"), "{}", r.body);
    // The same document through the Markdown mode.
    let r = post_owned(
        &mut writer,
        "/newsroom/articles",
        &form("body_markdown", document.to_markdown()),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = store
        .article(masthead_core::ids::ArticleId(article_id(
            r.location.as_deref().unwrap(),
        )))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.document(), document);
    // A fence that is not a card: refused, named, and the text kept.
    let bad = "Words.\n\n```masthead:pull_quote\n{\"txt\": 1}\n```\n";
    let r = post_owned(
        &mut writer,
        "/newsroom/articles",
        &form("body_markdown", bad.into()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("masthead:pull_quote"), "{}", r.body);
    assert!(
        r.body.contains("{&quot;txt&quot;: 1}"),
        "what was typed is kept: {}",
        r.body
    );
    // A document that is not one, or of a later version: refused by name.
    for (json, says) in [
        ("{\"type\": \"doc\"", "not a document Masthead can read"),
        (
            r#"{"type":"doc","attrs":{"version":9},"content":[]}"#,
            "version 9",
        ),
    ] {
        let r = post_owned(
            &mut writer,
            "/newsroom/articles",
            &form("body_document", json.into()),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(says), "{}", r.body);
    }
    // An author adds no raw HTML, in either mode; an editor may.
    let html = Document::from_markdown("<aside>raw</aside>\n");
    for (field, body) in [
        ("body_document", html.to_json()),
        ("body_markdown", html.to_markdown()),
    ] {
        let r = post_owned(&mut writer, "/newsroom/articles", &form(field, body)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{field}");
    }
    let eve = staff(&*store, "Eve", Role::Editor).await;
    let mut editor = Browser::new(&app, "192.0.2.2");
    editor.login(&eve.email, PASSWORD).await;
    let r = post_owned(
        &mut editor,
        "/newsroom/articles",
        &form("body_document", html.to_json()),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// An embed a writer adds by its address is filled in by the server when saved: the
/// provider's oEmbed answer (a provider of the publication's own, on loopback) and its
/// thumbnail copied into the media library. Readers get a placeholder whose every
/// address is this site's (or the link out), and a player only from the known ones.
async fn embeds_are_fetched_by_the_server_and_load_nothing_until_asked(store: Arc<dyn Store>) {
    use masthead_core::document::Block;
    // The provider: its oEmbed endpoint and its thumbnail, counting what it is asked.
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let thumbnail = jpeg(64, 48);
    let provider = {
        let asked = asked.clone();
        axum::Router::new()
            .route(
                "/oembed",
                axum::routing::get(move |q: axum::extract::Query<std::collections::HashMap<String, String>>| {
                    let asked = asked.clone();
                    async move {
                        asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        assert_eq!(q.get("url").map(String::as_str), Some("https://charts.example/c/1"));
                        axum::Json(serde_json::json!({
                            "type": "rich",
                            "title": "Harbour traffic <by month>",
                            "author_name": "Data desk",
                            "thumbnail_url": format!("http://127.0.0.1:{port}/thumb.jpg"),
                            "html": "<blockquote><p>Ships &amp; cranes</p></blockquote><script src=\"x\"></script>",
                        }))
                    }
                }),
            )
            .route(
                "/thumb.jpg",
                axum::routing::get(move || {
                    let bytes = thumbnail.clone();
                    async move { ([(axum::http::header::CONTENT_TYPE, "image/jpeg")], bytes) }
                }),
            )
    };
    tokio::spawn(async move { axum::serve(listener, provider).await });
    let mut settings = store.settings().await.unwrap();
    settings.embed_providers = vec![masthead_core::embed::CustomProvider {
        name: "Charts".into(),
        prefix: "https://charts.example/".into(),
        endpoint: format!("http://127.0.0.1:{port}/oembed"),
    }];
    store.save_settings(&settings).await.unwrap();
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let media = tempfile::tempdir().unwrap();
    let app = app_with_media(store.clone(), media.path());
    let amy = staff(&*store, "Amy", Role::Author).await;
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let body = "Traffic grew.\n\n```masthead:embed\n{\"url\": \"https://charts.example/c/1\", \"caption\": \"Our chart\"}\n```\n\n\
                ```masthead:embed\n{\"url\": \"https://www.youtube.com/watch?v=dQw4w9WgXcQ\"}\n```\n";
    let (world, author) = (f.world.id.to_string(), amy.id.to_string());
    let fields = article_form("Traffic", "body_markdown", body, &world, &author);
    let r = post_owned(&mut writer, "/newsroom/articles", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = article_id(r.location.as_deref().unwrap());
    let stored = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap();
    let cards: Vec<_> = stored
        .document()
        .content
        .into_iter()
        .filter_map(|b| match b {
            Block::Embed { attrs } => Some(attrs),
            _ => None,
        })
        .collect();
    assert_eq!(cards.len(), 2);
    let chart = &cards[0];
    assert_eq!(chart.provider, "Charts");
    assert_eq!(chart.title, "Harbour traffic <by month>");
    assert_eq!(chart.author, "Data desk");
    assert_eq!(chart.text, "Ships & cranes");
    assert_eq!(chart.caption, "Our chart", "what the writer gave is kept");
    assert!(chart.thumbnail.starts_with("/media/"), "{chart:?}");
    let kept = store
        .media_by_keys(&[chart.thumbnail.trim_start_matches("/media/").to_owned()])
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "the thumbnail is in the library");
    // Without a network the known provider keeps what its address tells.
    let video = &cards[1];
    assert_eq!(video.provider, "YouTube");
    assert_eq!(
        video.frame,
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    );
    // Saving again asks nobody again.
    let asked_before = asked.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(asked_before, 1);
    let r = post_owned(
        &mut writer,
        &format!("/newsroom/articles/{id}"),
        &article_form(
            "Traffic",
            "body_markdown",
            &stored.document().to_markdown(),
            &world,
            &author,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    // The reader's page: placeholders, our own thumbnail, nothing framed.
    let html = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap()
        .body_html;
    assert!(
        html.contains(
            r#"<figure class="card embed"><a class="embed-link" href="https://charts.example/c/1""#
        ),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"<img src="{}" alt="">"#, chart.thumbnail)),
        "{html}"
    );
    assert!(
        html.contains("Harbour traffic &lt;by month&gt;") && html.contains("Open on Charts"),
        "{html}"
    );
    assert!(
        html.contains(r#"data-frame="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ""#),
        "{html}"
    );
    assert!(
        !html.contains("<iframe") && !html.contains("<script") && !html.contains("127.0.0.1"),
        "{html}"
    );
}

/// The slug is edited on the article's page: a draft simply moves; a published
/// article's old address answers 301 to the new one. A taken or malformed slug is
/// refused by name, and a headline typed over two lines is saved as one.
async fn an_articles_address_changes_and_the_old_one_leads_to_it(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let amy = staff(&*store, "Amy", Role::Author).await;
    let eve = staff(&*store, "Eve", Role::Editor).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let world = f.world.id.to_string();
    let author = amy.id.to_string();
    let r = writer
        .post(
            "/newsroom/articles",
            &[
                ("title", "Harbour fees\r\n  to rise"),
                ("body_markdown", "Words."),
                ("article_type", "news"),
                ("visibility", "public"),
                ("section", &world),
                ("authors", &author),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = article_id(r.location.as_deref().unwrap());
    let stored = |store: Arc<dyn Store>| async move {
        store
            .article(masthead_core::ids::ArticleId(id))
            .await
            .unwrap()
            .unwrap()
    };
    let article = stored(store.clone()).await;
    assert_eq!(article.title, "Harbour fees to rise");
    let page = writer.get(&format!("/newsroom/articles/{id}")).await;
    assert!(page.body.contains(r#"<span class="slug-place">/world/</span><input id="f-slug" name="slug" value="harbour-fees-to-rise""#), "{}", page.body);
    let slug = format!("/newsroom/articles/{id}/slug");
    let r = writer.post(&slug, &[("slug", "fees-rise")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stored(store.clone()).await.slug, "fees-rise");
    assert_eq!(
        store
            .redirect_for("/world/harbour-fees-to-rise/")
            .await
            .unwrap(),
        None,
        "a draft leaves no redirect"
    );
    // Malformed and taken slugs.
    let r = writer.post(&slug, &[("slug", "fees rise!")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("f-slug") || r.body.contains("slug"),
        "{}",
        r.body
    );
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let other = masthead_testkit::fixtures::published(
        &newsroom,
        "Taken already",
        &f.world,
        f.author.id,
        &f.editor,
        1,
    )
    .await;
    let taken = store.article(other).await.unwrap().unwrap().slug;
    let r = writer.post(&slug, &[("slug", taken.as_str())]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("is taken"), "{}", r.body);
    // Published, by an editor: the old address leads to the new one.
    let mut desk = Browser::new(&app, "192.0.2.2");
    desk.login(&eve.email, PASSWORD).await;
    let r = desk
        .post(
            &format!("/newsroom/articles/{id}/status"),
            &[("to", "published")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = desk
        .post(&slug, &[("slug", "harbour-fees-rise-in-may")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        stored(store.clone()).await.path(),
        "/world/harbour-fees-rise-in-may/"
    );
    let old = desk.get("/world/fees-rise/").await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        old.location.as_deref(),
        Some("/world/harbour-fees-rise-in-may/")
    );
    // Someone else's article is not a contributor's to move.
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let mut contributor = Browser::new(&app, "192.0.2.3");
    contributor.login(&cara.email, PASSWORD).await;
    let r = contributor.post(&slug, &[("slug", "mine-now")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// `/newsroom/analytics`: the period's figures as charts with their numbers, each as
/// CSV (a title a spreadsheet would run is defused), and an article's own days.
async fn editors_see_audience_figures_as_charts_and_csv(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let id = masthead_testkit::fixtures::published(
        &newsroom,
        "=Harbour fees",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let now = chrono::Utc::now();
    store
        .record_views(now - chrono::Duration::days(1), &[(id, 30)])
        .await
        .unwrap();
    store.record_views(now, &[(id, 12)]).await.unwrap();
    store
        .record_referrers(today, &[("google.com".to_owned(), 9)])
        .await
        .unwrap();
    store
        .record_searches(today, &[("ferry times".to_owned(), 4)])
        .await
        .unwrap();
    let eve = staff(&*store, "Eve", Role::Editor).await;
    let app = app(store.clone());
    let mut editor = Browser::new(&app, "192.0.2.1");
    editor.login(&eve.email, PASSWORD).await;
    let page = editor.get("/newsroom/analytics").await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "Views last 7 days: 42",
        &format!(
            r#"<a href="/newsroom/analytics/articles/{id}">=Harbour fees</a></td><td>42</td>"#
        ),
        &format!("<td>{}</td><td>42</td>", f.world.name),
        "<td>google.com</td><td>9</td>",
        "<td>ferry times</td><td>4</td>",
        r#"<rect x="0" y="3" width="300" height="12" class="figure-bar">"#,
    ] {
        assert!(page.body.contains(part), "{part}\n{}", page.body);
    }
    let today_only = editor.get("/newsroom/analytics?period=today").await;
    assert!(
        today_only.body.contains("Views today: 12"),
        "{}",
        today_only.body
    );
    let bad = editor.get("/newsroom/analytics?period=year").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = editor
        .get("/newsroom/analytics.csv?report=articles&period=month")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body, "article,views\n'=Harbour fees,42\n");
    let days = editor
        .get("/newsroom/analytics.csv?report=days&period=week")
        .await;
    assert_eq!(
        days.body.lines().count(),
        8,
        "a heading and seven days: {}",
        days.body
    );
    assert!(
        days.body
            .ends_with(&format!("{yesterday},30\n{today},12\n")),
        "{}",
        days.body
    );
    let unknown = editor.get("/newsroom/analytics.csv?report=secrets").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let one = editor
        .get(&format!("/newsroom/analytics/articles/{id}"))
        .await;
    assert!(
        one.body.contains("Views in the last 30 days: 42"),
        "{}",
        one.body
    );
    let one_csv = editor
        .get(&format!("/newsroom/analytics/articles/{id}.csv"))
        .await;
    assert_eq!(one_csv.body.lines().count(), 31);
    let missing = editor.get("/newsroom/analytics/articles/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// Twelve embeds of a provider that accepts the connection and never answers once
/// held a save for a minute (5 s each); a save now waits at most a few seconds for
/// all of them, and keeps what the addresses tell.
async fn providers_that_never_answer_hold_a_save_for_seconds_not_minutes(store: Arc<dyn Store>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts, reads, says nothing.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut settings = store.settings().await.unwrap();
    settings.embed_providers = vec![masthead_core::embed::CustomProvider {
        name: "Silent".into(),
        prefix: "https://silent.example/".into(),
        endpoint: format!("http://127.0.0.1:{port}/oembed"),
    }];
    store.save_settings(&settings).await.unwrap();
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let app = app(store.clone());
    let amy = staff(&*store, "Amy", Role::Author).await;
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let body: String = (0..12)
        .map(|n| format!("```masthead:embed\n{{\"url\": \"https://silent.example/{n}\"}}\n```\n\n"))
        .collect();
    let (world, author) = (f.world.id.to_string(), amy.id.to_string());
    let fields = article_form("Silence", "body_markdown", &body, &world, &author);
    let started = std::time::Instant::now();
    let r = post_owned(&mut writer, "/newsroom/articles", &fields).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        took < std::time::Duration::from_secs(20),
        "the save took {took:?}"
    );
    let id = article_id(r.location.as_deref().unwrap());
    let stored = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.document().content.len(), 12, "every card kept");
}

/// 8,000 tags in one save took 12.5 s and 50,000 never finished; an article now
/// carries at most `MAX_TAGS`, and more is a clear 422 with nothing stored.
async fn thousands_of_tags_are_refused_at_once(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let amy = staff(&*store, "Amy", Role::Author).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let world = f.world.id.to_string();
    let author = amy.id.to_string();
    for count in [8_000, 50_000] {
        let tags: Vec<String> = (0..count).map(|n| format!("t{n}")).collect();
        let tags = tags.join(",");
        let r = writer
            .post(
                "/newsroom/articles",
                &[
                    ("title", "Tagged to death"),
                    ("body_markdown", "Words."),
                    ("article_type", "news"),
                    ("visibility", "public"),
                    ("section", &world),
                    ("authors", &author),
                    ("tags", &tags),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{count}");
        assert!(r.body.contains("at most 50 tags"), "{count}");
    }
    assert_eq!(store.counts().await.unwrap().articles, 0);
    assert!(store.tags().await.unwrap().is_empty(), "no tag was made");
}

/// Any staff member could rewrite the words of any picture in the shared library
/// (which every article using it shows); now only its uploader and the editors can.
async fn only_the_uploader_and_editors_change_a_pictures_words(store: Arc<dyn Store>) {
    let amy = staff(&*store, "Amy", Role::Author).await;
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let ed = staff(&*store, "Edda", Role::Editor).await;
    let picture = |uploaded_by| masthead_core::media::NewMedia {
        storage_key: format!("2026/03/{uploaded_by:?}.png"),
        mime_type: "image/png".into(),
        width: Some(800),
        height: Some(600),
        byte_size: 1000,
        alt: "A ferry at dawn".into(),
        caption: String::new(),
        credit: "Amy".into(),
        uploaded_by,
        variants: Vec::new(),
    };
    let amys = store.create_media(&picture(Some(amy.id))).await.unwrap();
    let demo = store.create_media(&picture(None)).await.unwrap();
    let app = app(store.clone());
    let words = |alt: &'static str| [("alt", alt), ("caption", ""), ("credit", "Amy")];
    let mut contributor = Browser::new(&app, "192.0.2.1");
    contributor.login(&cara.email, PASSWORD).await;
    for id in [amys.id, demo.id] {
        let r = contributor
            .post(&format!("/newsroom/media/{}", id.0), &words("Defaced"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{id:?}");
        assert_eq!(
            store.media(id).await.unwrap().unwrap().alt,
            "A ferry at dawn"
        );
    }
    let mut uploader = Browser::new(&app, "192.0.2.2");
    uploader.login(&amy.email, PASSWORD).await;
    let r = uploader
        .post(
            &format!("/newsroom/media/{}", amys.id.0),
            &words("A ferry leaving at dawn"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = uploader
        .post(
            &format!("/newsroom/media/{}", demo.id.0),
            &words("Mine now"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not hers");
    let mut editor = Browser::new(&app, "192.0.2.3");
    editor.login(&ed.email, PASSWORD).await;
    let r = editor
        .post(
            &format!("/newsroom/media/{}", demo.id.0),
            &words("Harbour at dawn"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        store.media(demo.id).await.unwrap().unwrap().alt,
        "Harbour at dawn"
    );
}

/// Posts a form whose fields are owned strings.
/// An article form with its body in `body_field` (`body_markdown` or
/// `body_document`), a news story for everyone in `section`, by `author`.
fn article_form(
    title: &str,
    body_field: &str,
    body: &str,
    section: &str,
    author: &str,
) -> Vec<(String, String)> {
    [
        ("title", title),
        (body_field, body),
        ("article_type", "news"),
        ("visibility", "public"),
        ("section", section),
        ("authors", author),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec()
}

async fn post_owned(browser: &mut Browser, path: &str, fields: &[(String, String)]) -> Reply {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(path, &borrowed).await
}

/// An author once published a story, then credited it to the admin and anyone as its
/// editor; a contributor made a draft credited only to someone else. Writers below
/// editor now keep their own byline and change no one else's credit.
async fn writers_cannot_forge_bylines(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let amy = staff(&*store, "Amy", Role::Author).await;
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let ed = staff(&*store, "Edda", Role::Editor).await;
    let id = masthead_testkit::fixtures::published(
        &newsroom,
        "Harbour fees rise",
        &f.world,
        amy.id,
        &f.editor,
        0,
    )
    .await;
    let mut credited = store.article(id).await.unwrap().unwrap().content();
    credited.editors = vec![f.editor.id];
    newsroom
        .update(
            masthead_testkit::fixtures::NewsroomFixture::actor(&f.editor),
            id,
            credited,
            masthead_testkit::fixtures::t0(),
        )
        .await
        .unwrap();
    let app = app(store.clone());
    let world = f.world.id.to_string();
    let fields = |authors: Vec<String>, editors: Vec<String>| {
        let mut fields = vec![
            ("title".to_owned(), "Harbour fees rise".to_owned()),
            ("body_markdown".to_owned(), "The vote was close.".to_owned()),
            ("article_type".to_owned(), "news".to_owned()),
            ("visibility".to_owned(), "public".to_owned()),
            ("section".to_owned(), world.clone()),
        ];
        fields.extend(authors.into_iter().map(|a| ("authors".to_owned(), a)));
        fields.extend(editors.into_iter().map(|e| ("editors".to_owned(), e)));
        fields
    };
    let (amy_id, admin_id, ed_id) = (
        amy.id.to_string(),
        f.admin.id.to_string(),
        f.editor.id.to_string(),
    );
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let article = format!("/newsroom/articles/{}", id.0);
    for (authors, editors) in [
        (vec![admin_id.clone()], vec![]),
        (vec![amy_id.clone(), admin_id.clone()], vec![]),
        (vec![amy_id.clone()], vec![admin_id.clone()]),
        (vec![amy_id.clone()], vec![]),
    ] {
        let r = post_owned(
            &mut writer,
            &article,
            &fields(authors.clone(), editors.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{authors:?} {editors:?}");
    }
    let stored = store.article(id).await.unwrap().unwrap();
    assert_eq!(
        stored.authors.iter().map(|a| a.id).collect::<Vec<_>>(),
        [amy.id]
    );
    assert_eq!(
        stored.editors.iter().map(|e| e.id).collect::<Vec<_>>(),
        [f.editor.id],
        "the editor the desk credited stays"
    );
    // Saving with the credits as they are works.
    let r = post_owned(
        &mut writer,
        &article,
        &fields(vec![amy_id.clone()], vec![ed_id.clone()]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // A contributor's new draft is theirs alone.
    let mut contributor = Browser::new(&app, "192.0.2.2");
    contributor.login(&cara.email, PASSWORD).await;
    let before = store.counts().await.unwrap().articles;
    let r = post_owned(
        &mut contributor,
        "/newsroom/articles",
        &fields(vec![admin_id.clone()], vec![]),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        store.counts().await.unwrap().articles,
        before,
        "nothing stored"
    );

    // An editor credits whom they like.
    let mut editor = Browser::new(&app, "192.0.2.3");
    editor.login(&ed.email, PASSWORD).await;
    let r = post_owned(
        &mut editor,
        &article,
        &fields(vec![amy_id, admin_id], vec![ed_id]),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(store.article(id).await.unwrap().unwrap().authors.len(), 2);
}

async fn staff_write_their_own_profile(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let amy = staff(&*store, "Amy", Role::Author).await;
    masthead_testkit::fixtures::published(
        &newsroom,
        "Harbour fees rise",
        &f.world,
        amy.id,
        &f.editor,
        0,
    )
    .await;
    let app = app(store.clone());
    let mut browser = Browser::new(&app, "192.0.2.1");
    browser.login(&amy.email, PASSWORD).await;
    let page = browser.get("/newsroom/account").await;
    assert!(page.body.contains(r#"href="/author/amy/""#));
    let r = browser
        .post(
            "/newsroom/account/profile",
            &[
                ("name", "Amy Ortega"),
                ("bio", "Amy covers the port and its people."),
                ("expertise", "Shipping, Ports, "),
                ("social_links", "Mastodon | javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Name | https://"), "{}", r.body);
    assert!(
        r.body.contains("Amy covers the port"),
        "what was typed is kept"
    );
    let r = browser
        .post(
            "/newsroom/account/profile",
            &[
                ("name", "Amy Ortega"),
                ("bio", "Amy covers the port and its people."),
                ("expertise", "Shipping, Ports, "),
                ("social_links", "Mastodon | https://social.example/@amy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let person = store.person(amy.id).await.unwrap().unwrap();
    assert_eq!(person.name, "Amy Ortega");
    assert_eq!(person.expertise, ["Shipping", "Ports"]);
    // Readers see it at once: the byline and the author page.
    let mut reader = Browser::new(&app, "198.51.100.1");
    let article = reader.get("/world/harbour-fees-rise/").await;
    assert!(article.body.contains("Amy Ortega"));
    let author = reader.get("/author/amy/").await;
    assert!(author.body.contains("Amy covers the port and its people."));
    assert!(author.body.contains("https://social.example/@amy"));
}

async fn admins_take_away_and_give_back_a_leavers_access(store: Arc<dyn Store>) {
    let ada = staff(&*store, "Ada", Role::Admin).await;
    let leo = staff(&*store, "Leo", Role::Editor).await;
    let media = tempfile::tempdir().unwrap();
    let app = app_with_media(store.clone(), media.path());
    let mut admin = Browser::new(&app, "192.0.2.1");
    admin.login(&ada.email, PASSWORD).await;
    let mut leaver = Browser::new(&app, "192.0.2.2");
    leaver.login(&leo.email, PASSWORD).await;
    assert_eq!(leaver.get("/newsroom/").await.status, StatusCode::OK);
    let r = admin
        .post(
            &format!("/newsroom/staff/{}/access", ada.id),
            &[("active", "no")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "never one's own");
    let r = admin
        .post(
            &format!("/newsroom/staff/{}/access", leo.id),
            &[("active", "no")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Signed out at once; the password no longer works, with the usual answer.
    assert_eq!(leaver.get("/newsroom/").await.status, StatusCode::SEE_OTHER);
    let r = leaver.login(&leo.email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("do not match an account"));
    // No reset link either (the same answer as for anyone).
    let r = leaver
        .post("/newsroom/reset", &[("email", &leo.email)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        std::fs::read_dir(media.path().join("outbox"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 0,
        "no letter"
    );
    let page = admin.get("/newsroom/staff").await;
    assert!(page.body.contains("Taken away"));
    // Given back: they sign in again.
    let r = admin
        .post(
            &format!("/newsroom/staff/{}/access", leo.id),
            &[("active", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut back = Browser::new(&app, "192.0.2.3");
    assert_eq!(
        back.login(&leo.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let log = store.audit_log(PageRequest::numbered(1, 20)).await.unwrap();
    for action in [AuditAction::AccessEnded, AuditAction::AccessRestored] {
        assert!(log.items.iter().any(|e| e.action == action), "{action:?}");
    }
}

async fn variants_an_interrupted_run_left_unmade_are_finished(store: Arc<dyn Store>) {
    let media_dir = tempfile::tempdir().unwrap();
    let files = masthead_media::Files::new(media_dir.path());
    let original = masthead_media::prepare(&jpeg(1000, 500)).unwrap();
    files
        .write("uploads/2026/11/harbour.jpg", &original.bytes)
        .unwrap();
    files.write("demo/harbour.png", &original.bytes).unwrap();
    // One variant was made before the stop.
    let made = masthead_media::variant(&original.image, 320, masthead_media::Kind::Webp).unwrap();
    files
        .write("uploads/2026/11/harbour-320.webp", &made.0)
        .unwrap();
    let record = |key: &str, variants| masthead_core::media::NewMedia {
        storage_key: key.into(),
        mime_type: "image/jpeg".into(),
        width: Some(1000),
        height: Some(500),
        byte_size: original.bytes.len() as u64,
        alt: "The harbour".into(),
        caption: String::new(),
        credit: String::new(),
        uploaded_by: None,
        variants,
    };
    let upload = store
        .create_media(&record(
            "uploads/2026/11/harbour.jpg",
            vec![masthead_core::media::MediaVariant {
                width: 320,
                height: made.1,
                mime_type: "image/webp".into(),
                storage_key: "uploads/2026/11/harbour-320.webp".into(),
                byte_size: made.0.len() as u64,
            }],
        ))
        .await
        .unwrap();
    let elsewhere = store
        .create_media(&record("demo/harbour.png", Vec::new()))
        .await
        .unwrap();
    // Pictures uploaded since the server started are their own task's business.
    let before = chrono::Utc::now() - chrono::Duration::minutes(5);
    let done = masthead_web::pictures::resume_variants(
        store.clone(),
        media_dir.path().to_path_buf(),
        before,
    )
    .await;
    assert_eq!(done, 0);
    let done = masthead_web::pictures::resume_variants(
        store.clone(),
        media_dir.path().to_path_buf(),
        chrono::Utc::now(),
    )
    .await;
    assert_eq!(done, 1);
    let finished = store.media(upload.id).await.unwrap().unwrap();
    let planned = masthead_media::plan(1000, masthead_media::Kind::Jpeg);
    assert_eq!(finished.variants.len(), planned.len());
    for v in &finished.variants {
        assert!(
            media_dir.path().join(&v.storage_key).is_file(),
            "{}",
            v.storage_key
        );
    }
    // Nothing left to do; pictures from elsewhere keep what they came with.
    let again = masthead_web::pictures::resume_variants(
        store.clone(),
        media_dir.path().to_path_buf(),
        chrono::Utc::now(),
    )
    .await;
    assert_eq!(again, 0);
    assert!(store
        .media(elsewhere.id)
        .await
        .unwrap()
        .unwrap()
        .variants
        .is_empty());
}

async fn behind_a_trusted_proxy_each_client_has_its_own_login_limit(store: Arc<dyn Store>) {
    let ana = staff(&*store, "Ana", Role::Editor).await;
    let state = masthead_web::AppState::new(
        store.clone(),
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::outbox(
            &std::env::temp_dir().join("masthead-test-outbox"),
            "Newsroom <newsroom@news.example>",
        )
        .unwrap(),
    )
    .with_proxies(masthead_web::client::Proxies::parse("192.0.2.250").unwrap());
    let app = masthead_web::router(state);
    // Two people behind the same balancer; one keeps guessing.
    let mut guesser = Browser::new(&app, "192.0.2.250");
    guesser.forwarded_for = Some("203.0.113.66".into());
    for n in 0..MAX_FAILURES_PER_IP {
        let email = format!("guess{n}@example.com");
        guesser.login(&email, "wrong").await;
    }
    let r = guesser.login(&ana.email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let mut colleague = Browser::new(&app, "192.0.2.250");
    colleague.forwarded_for = Some("198.51.100.20".into());
    let r = colleague.login(&ana.email, PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "not blocked by another's guessing"
    );
    // The audit log names the client, not the balancer.
    let log = store.audit_log(PageRequest::numbered(1, 5)).await.unwrap();
    assert_eq!(log.items[0].action, AuditAction::LoggedIn);
    assert_eq!(log.items[0].ip, "198.51.100.20");
    // A client reaching the app directly cannot pick its address.
    let mut direct = Browser::new(&app, "198.51.100.99");
    direct.forwarded_for = Some("198.51.100.20".into());
    direct.login("nobody@example.com", "wrong").await;
    let log = store.audit_log(PageRequest::numbered(1, 1)).await.unwrap();
    assert_eq!(log.items[0].ip, "198.51.100.99");
}

/// An article for the members of chosen tiers: the editor offers the paid tiers as
/// boxes, refuses the choice without a tier, keeps the tiers chosen, and readers of
/// other tiers meet the paywall.
async fn an_editor_keeps_a_story_for_the_members_of_chosen_tiers(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let id = masthead_testkit::fixtures::published(
        &newsroom,
        "Inside the port board",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let patron = masthead_testkit::fixtures::paid_tier(&*store, "patron").await;
    let backer = masthead_testkit::fixtures::paid_tier(&*store, "backer").await;
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let app = app(store.clone());
    let mut editor = Browser::new(&app, "192.0.2.1");
    editor.login(&ed.email, PASSWORD).await;
    let page = editor.get(&format!("/newsroom/articles/{id}")).await;
    for tier in [patron, backer] {
        assert!(
            page.body
                .contains(&format!(r#"name="tiers" value="{tier}""#)),
            "the editor offers tier {tier}"
        );
    }
    assert!(
        page.body.contains(r#"<option value="tiers">"#),
        "{}",
        page.body
    );
    let (author, world, patron_id) = (
        f.author.id.to_string(),
        f.world.id.to_string(),
        patron.to_string(),
    );
    let mut fields = vec![
        ("title", "Inside the port board"),
        (
            "body_markdown",
            "Who sits on it.\n\n<!--more-->\n\nWhat they decided.",
        ),
        ("article_type", "news"),
        ("visibility", "tiers"),
        ("section", world.as_str()),
        ("authors", author.as_str()),
    ];
    let r = editor
        .post(&format!("/newsroom/articles/{id}"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("choose the tiers whose members may read it"),
        "{}",
        r.body
    );
    fields.push(("tiers", patron_id.as_str()));
    let r = editor
        .post(&format!("/newsroom/articles/{id}"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = store.article(id).await.unwrap().unwrap();
    assert_eq!(
        (saved.visibility, saved.tiers),
        (masthead_core::article::Visibility::Tiers, vec![patron])
    );
    let page = editor.get(&format!("/newsroom/articles/{id}")).await;
    assert!(page
        .body
        .contains(&format!(r#"name="tiers" value="{patron}" checked"#)));
    // A visitor meets the paywall: the part above the cut, not the rest.
    let mut reader = Browser::new(&app, "198.51.100.1");
    let article = reader.get("/world/inside-the-port-board/").await;
    assert!(article.body.contains("Who sits on it."));
    assert!(!article.body.contains("What they decided."));
}

async fn the_social_picture_can_differ_from_the_featured_one(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let id = masthead_testkit::fixtures::published(
        &newsroom,
        "Harbour fees rise",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let app = app(store.clone());
    let mut editor = Browser::new(&app, "192.0.2.1");
    editor.login(&ed.email, PASSWORD).await;
    let author = f.author.id.to_string();
    let save = |social: &'static str| {
        vec![
            ("title", "Harbour fees rise"),
            ("body_markdown", "Harbour fees rise."),
            ("article_type", "news"),
            ("visibility", "public"),
            ("section", "WORLD"),
            ("authors", "AUTHOR"),
            ("social_image", social),
        ]
    };
    let world = f.world.id.to_string();
    let fields = |social| {
        save(social)
            .into_iter()
            .map(|(k, v)| match v {
                "WORLD" => (k, world.as_str()),
                "AUTHOR" => (k, author.as_str()),
                _ => (k, v),
            })
            .collect::<Vec<_>>()
    };
    let r = editor
        .post(
            &format!("/newsroom/articles/{id}"),
            &fields("javascript:alert(1)"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("picture for social media"), "{}", r.body);
    assert!(
        r.body.contains(r#"value="javascript:alert(1)""#),
        "what was typed is shown again: {}",
        r.body
    );
    let r = editor
        .post(
            &format!("/newsroom/articles/{id}"),
            &fields("/media/social/harbour.jpg"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = editor.get(&format!("/newsroom/articles/{id}")).await;
    assert!(page.body.contains(r#"value="/media/social/harbour.jpg""#));
    let mut reader = Browser::new(&app, "198.51.100.1");
    let article = reader.get("/world/harbour-fees-rise/").await;
    assert!(
        article.body.contains(
            r#"<meta property="og:image" content="https://news.example/media/social/harbour.jpg">"#
        ),
        "{}",
        article.body
    );
    // The featured picture's alt text does not describe the social one.
    assert!(article
        .body
        .contains(r#"<meta property="og:image:alt" content="">"#));
}

async fn editors_write_static_pages(store: Arc<dyn Store>) {
    masthead_testkit::fixtures::newsroom(&*store).await;
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let app = app(store.clone());
    let mut editor = Browser::new(&app, "192.0.2.1");
    editor.login(&ed.email, PASSWORD).await;
    assert_eq!(
        editor.get("/newsroom/pages/new").await.status,
        StatusCode::OK
    );
    let page = |title: &'static str, slug: &'static str, status: &'static str| {
        vec![
            ("title", title),
            ("slug", slug),
            ("description", "How we work."),
            (
                "body_markdown",
                "We check **every** fact.\n\n<script>x()</script>",
            ),
            ("status", status),
            ("position", "2"),
            ("in_footer", "1"),
        ]
    };
    // A section holds /world/ already: refused, with the text kept.
    let r = editor
        .post("/newsroom/pages", &page("Standards", "world", "draft"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("We check **every** fact."));
    let r = editor
        .post("/newsroom/pages", &page("Standards", "", "bogus"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = editor
        .post("/newsroom/pages", &page("Standards", "", "draft"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let edit = r.location.unwrap();
    let id = edit
        .trim_start_matches("/newsroom/pages/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut reader = Browser::new(&app, "198.51.100.1");
    assert_eq!(
        reader.get("/standards/").await.status,
        StatusCode::NOT_FOUND,
        "a draft"
    );
    let r = editor
        .post(
            &format!("/newsroom/pages/{id}"),
            &page("Standards", "standards", "published"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let public = reader.get("/standards/").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("<strong>every</strong>"));
    assert!(!public.body.contains("<script>x()"), "sanitized");
    assert!(
        reader.get("/").await.body.contains(r#"href="/standards/""#),
        "in the footer"
    );
    // A published page's new address leaves the old one redirecting.
    let r = editor
        .post(
            &format!("/newsroom/pages/{id}"),
            &page("Our standards", "our-standards", "published"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let old = reader.get("/standards/").await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old.location.as_deref(), Some("/our-standards/"));
    let list = editor.get("/newsroom/pages").await;
    assert!(list.body.contains("Our standards"));
    assert_eq!(
        editor.get("/newsroom/pages/99999").await.status,
        StatusCode::NOT_FOUND
    );
    // Addresses that cannot be what a route expects are the newsroom's 404 too.
    for bad in ["/newsroom/pages/abc", "/newsroom/articles/abc/history/x"] {
        let r = editor.get(bad).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(r.body.contains("<!doctype html>"), "{bad}: {}", r.body);
    }
    let r = editor
        .post("/newsroom/sections/abc", &[("name", "X")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = reader.get("/newsroom/invitation/%FF").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("No such page"), "{}", r.body);
    let log = store.audit_log(PageRequest::numbered(1, 10)).await.unwrap();
    assert!(log.items.iter().any(|e| e.action == AuditAction::PageSaved));
}

async fn the_bin_keeps_deleted_articles_restorable_and_the_list_searches(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let live = masthead_testkit::fixtures::published(
        &newsroom,
        "Harbour fees rise",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let amy = staff(&*store, "Amy", Role::Author).await;
    let mut content = ArticleContent::new("Ferry timetable changes", "Words.");
    content.authors = vec![amy.id];
    let draft = newsroom
        .create_draft(
            masthead_core::workflow::Actor {
                person: amy.id,
                role: Role::Author,
            },
            content,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let app = app(store.clone());
    let mut author = Browser::new(&app, "192.0.2.1");
    author.login(&amy.email, PASSWORD).await;
    let editor_page = author.get(&format!("/newsroom/articles/{draft}")).await;
    assert!(
        editor_page.body.contains("Move to the bin"),
        "{}",
        editor_page.body
    );
    // A preview link shared before the article goes in the bin stops working with it.
    let shared = author
        .post(&format!("/newsroom/articles/{draft}/preview-link"), &[])
        .await;
    let start = shared.body.find("https://news.example/preview/").unwrap() + 29;
    let preview = format!("/preview/{}", &shared.body[start..start + 64]);
    let mut outsider = Browser::new(&app, "203.0.113.5");
    assert_eq!(outsider.get(&preview).await.status, StatusCode::OK);
    let r = author
        .post(
            &format!("/newsroom/articles/{draft}/status"),
            &[("to", "deleted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(outsider.get(&preview).await.status, StatusCode::NOT_FOUND);
    let list = author.get("/newsroom/articles").await;
    assert!(!list.body.contains("Ferry timetable changes"));
    let bin = author.get("/newsroom/articles?status=deleted").await;
    assert!(bin.body.contains("Ferry timetable changes"));
    let page = author.get(&format!("/newsroom/articles/{draft}")).await;
    assert!(page.body.contains("Restore as a draft"));
    let r = author
        .post(
            &format!("/newsroom/articles/{draft}/status"),
            &[("to", "draft")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        store.article(draft).await.unwrap().unwrap().status,
        Status::Draft
    );
    let r = author
        .get(&format!("/newsroom/articles/{draft}/history/999999"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("No such revision"), "{}", r.body);
    // A live article is taken down before it can go in the bin; once binned, readers
    // are told it was withdrawn (410), as for an unpublished one.
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let mut editor = Browser::new(&app, "192.0.2.2");
    editor.login(&ed.email, PASSWORD).await;
    let r = editor
        .post(
            &format!("/newsroom/articles/{live}/status"),
            &[("to", "deleted")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    for to in ["unpublished", "deleted"] {
        let r = editor
            .post(&format!("/newsroom/articles/{live}/status"), &[("to", to)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{to}: {}", r.body);
    }
    let mut reader = Browser::new(&app, "198.51.100.1");
    assert_eq!(
        reader.get("/world/harbour-fees-rise/").await.status,
        StatusCode::GONE
    );
    // The list searches headlines and narrows by type.
    let found = editor.get("/newsroom/articles?q=FERRY").await;
    assert!(found.body.contains("Ferry timetable changes"));
    assert!(found.body.contains("1 article<"), "{}", found.body);
    let none = editor.get("/newsroom/articles?q=ferry&type=opinion").await;
    assert!(none.body.contains("No articles match."));
    assert!(none.body.contains(r#"<option value="opinion" selected>"#));
}

async fn editors_rename_sections_and_merge_tags_without_breaking_links(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    masthead_testkit::fixtures::published(
        &newsroom,
        "Trade deal",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let app = app(store.clone());
    let mut browser = Browser::new(&app, "192.0.2.1");
    browser.login(&ed.email, PASSWORD).await;
    let page = browser.get("/newsroom/structure").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"value="world""#));
    let r = browser
        .post(
            &format!("/newsroom/sections/{}", f.world.id),
            &[
                ("name", "World news"),
                ("slug", "world-news"),
                ("description", "Reporting from everywhere."),
                ("position", "1"),
                ("in_navigation", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Readers following an old link are sent on.
    let mut reader = Browser::new(&app, "198.51.100.1");
    let old = reader.get("/world/trade-deal/").await;
    assert!(
        [
            StatusCode::MOVED_PERMANENTLY,
            StatusCode::PERMANENT_REDIRECT
        ]
        .contains(&old.status),
        "{}",
        old.status
    );
    assert_eq!(old.location.as_deref(), Some("/world-news/trade-deal/"));
    let section_page = reader.get("/world/").await;
    assert_eq!(section_page.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(section_page.location.as_deref(), Some("/world-news/"));
    assert_eq!(
        reader.get("/world-news/trade-deal/").await.status,
        StatusCode::OK
    );
    // A bad address is refused with the reason, nothing changed.
    let r = browser
        .post(
            &format!("/newsroom/sections/{}", f.world.id),
            &[("name", "World news"), ("slug", "World News!")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("slug"), "{}", r.body);
    assert!(store.section_by_slug("world-news").await.unwrap().is_some());
    // A section placed last of all, then one more after it: no overflow.
    let last = i64::MAX.to_string();
    let r = browser
        .post(
            "/newsroom/sections",
            &[("name", "Last desk"), ("position", last.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = browser
        .post("/newsroom/sections", &[("name", "Next desk")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // New tag, described; merged into another by name.
    let r = browser.post("/newsroom/tags", &[("name", "Trade")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let trade = store.tag_by_slug("trade").await.unwrap().unwrap();
    // The editor's tag field is offered existing tags containing what is typed.
    let r = browser.get("/newsroom/tags/suggest?q=RAD").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, r#"["Trade"]"#);
    assert_eq!(browser.get("/newsroom/tags/suggest?q=%25").await.body, "[]");
    let europe = store.tag_by_slug("europe").await.unwrap().unwrap();
    let r = browser
        .post(
            &format!("/newsroom/tags/{}/merge", europe.id),
            &[("into", "trade")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let old = reader.get("/tag/europe/").await;
    assert_eq!(old.location.as_deref(), Some("/tag/trade/"));
    let list = reader.get("/tag/trade/").await;
    assert!(list.body.contains("Trade deal"));
    let r = browser
        .post(
            &format!("/newsroom/tags/{}/merge", trade.id),
            &[("into", "no such tag")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Not for authors.
    let amy = staff(&*store, "Amy", Role::Author).await;
    let mut author = Browser::new(&app, "192.0.2.2");
    author.login(&amy.email, PASSWORD).await;
    assert_eq!(
        author.get("/newsroom/structure").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn admins_price_tiers_and_make_offers(store: Arc<dyn Store>) {
    use masthead_core::tier::{Discount, OfferDuration, FREE};
    let ada = staff(&*store, "Ada", Role::Admin).await;
    let app = app(store.clone());
    let mut admin = Browser::new(&app, "192.0.2.1");
    admin.login(&ada.email, PASSWORD).await;
    let page = admin.get("/newsroom/tiers").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Tiers and offers</h1>"));
    assert!(
        page.body.contains(r#"value="free" readonly"#),
        "the free tier is there"
    );
    assert!(page.body.contains("No offers yet."));

    // A paid tier, priced as people write prices.
    let tier = |name: &str, monthly: &str| {
        vec![
            ("name", name.to_owned()),
            ("slug", name.to_lowercase()),
            ("description", "Keeps the newsroom going".to_owned()),
            ("currency", "eur".to_owned()),
            ("monthly_price", monthly.to_owned()),
            ("yearly_price", "50".to_owned()),
            ("trial_days", "14".to_owned()),
            (
                "benefits",
                "Every story\r\n\r\n  The weekly letter \r\n".to_owned(),
            ),
            ("public", "1".to_owned()),
        ]
    };
    async fn post(admin: &mut Browser, path: String, f: Vec<(&'static str, String)>) -> Reply {
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        admin.post(&path, &refs).await
    }
    let r = post(
        &mut admin,
        "/newsroom/tiers".into(),
        tier("Supporter", "5,00"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let made = store.tier_by_slug("supporter").await.unwrap().unwrap();
    assert_eq!(
        (
            made.monthly_price,
            made.yearly_price,
            made.trial_days,
            made.currency.as_str()
        ),
        (500, 5000, 14, "EUR")
    );
    assert_eq!(made.benefits, vec!["Every story", "The weekly letter"]);
    let page = admin.get("/newsroom/tiers?notice=tier").await;
    assert!(
        page.body.contains(r#"value="5.00""#),
        "prices shown as typed"
    );
    assert!(page.body.contains("Every story\nThe weekly letter"));

    // A price that is no price, and a slug in use: said, nothing stored.
    let r = post(&mut admin, "/newsroom/tiers".into(), tier("Patron", "five")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("monthly_price: give the price like 5.00"),
        "{}",
        r.body
    );
    let r = post(&mut admin, "/newsroom/tiers".into(), tier("Supporter", "6")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(store.tiers(true).await.unwrap().len(), 2);

    // Changed; then the free tier's words, which keep it free.
    let r = post(
        &mut admin,
        format!("/newsroom/tiers/{}", made.id),
        tier("Supporter", "6.50"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        store.tier(made.id).await.unwrap().unwrap().monthly_price,
        650
    );
    let free = store.tier_by_slug(FREE).await.unwrap().unwrap();
    let r = post(
        &mut admin,
        format!("/newsroom/tiers/{}", free.id),
        vec![
            ("name", "Members".to_owned()),
            ("slug", FREE.to_owned()),
            ("currency", "EUR".to_owned()),
            ("monthly_price", "9.00".to_owned()),
            ("benefits", "Comments".to_owned()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let free = store.tier(free.id).await.unwrap().unwrap();
    assert_eq!(
        (free.name.as_str(), free.paid, free.monthly_price),
        ("Members", false, 0)
    );
    assert!(free.public, "the free tier is always offered");
    let r = post(
        &mut admin,
        format!("/newsroom/tiers/{}/archive", free.id),
        vec![("archived", "1".to_owned())],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &mut admin,
        "/newsroom/tiers/9999".into(),
        tier("Ghost", "5"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // An offer: half off the monthly price for three months.
    let offer = |code: &str, discount: &str| {
        vec![
            ("name", "Spring".to_owned()),
            ("code", code.to_owned()),
            ("tier", made.id.to_string()),
            ("cadence", "month".to_owned()),
            ("discount_kind", "percent".to_owned()),
            ("discount", discount.to_owned()),
            ("duration", "months".to_owned()),
            ("months", "3".to_owned()),
        ]
    };
    let r = post(&mut admin, "/newsroom/offers".into(), offer("spring", "50")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let spring = store.offer_by_code("spring").await.unwrap().unwrap();
    assert_eq!(
        (spring.discount, spring.duration),
        (Discount::Percent(50), OfferDuration::Months(3))
    );
    let page = admin.get("/newsroom/tiers").await;
    assert!(page.body.contains("50% off, for 3 months"), "{}", page.body);
    let (offered, then) = (
        masthead_core::tier::display_price(325, "EUR"),
        masthead_core::tier::display_price(650, "EUR"),
    );
    assert!(
        page.body
            .contains(&format!("{offered} a month, then {then} a month")),
        "{}",
        page.body
    );
    let r = post(
        &mut admin,
        "/newsroom/offers".into(),
        offer("autumn", "150"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(store.offer_by_code("autumn").await.unwrap().is_none());
    let r = post(
        &mut admin,
        format!("/newsroom/offers/{}/archive", spring.id),
        vec![("archived", "1".to_owned())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        store
            .offer_by_code("spring")
            .await
            .unwrap()
            .unwrap()
            .archived
    );

    // Archived, the tier leaves the choices for new offers.
    let r = post(
        &mut admin,
        format!("/newsroom/tiers/{}/archive", made.id),
        vec![("archived", "1".to_owned())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.tier(made.id).await.unwrap().unwrap().archived);
    let page = admin.get("/newsroom/tiers").await;
    assert!(page.body.contains("(archived)"));
    assert!(!page.body.contains("<h3>New offer</h3>"));

    // Every change is in the audit log.
    let audit = admin.get("/newsroom/audit").await;
    for words in [
        "tier supporter: made",
        "tier supporter: changed",
        "offer spring: made",
    ] {
        assert!(audit.body.contains(words), "{words}");
    }

    // Not for editors.
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let mut editor = Browser::new(&app, "192.0.2.2");
    editor.login(&ed.email, PASSWORD).await;
    assert_eq!(
        editor.get("/newsroom/tiers").await.status,
        StatusCode::FORBIDDEN
    );
}

/// The letters in `outbox` (`.eml` files), parsed, waiting up to five seconds
/// for `count` of them (they are written after the answer).
async fn letters(outbox: &std::path::Path, count: usize) -> Vec<Letter> {
    for _ in 0..100 {
        let found: Vec<Letter> = std::fs::read_dir(outbox)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .map(|e| Letter::parse(&std::fs::read(e.path()).unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("expected {count} letters in {}", outbox.display());
}

/// The newsroom link starting with `prefix` in a letter, as a path.
fn link_in(letter: &Letter, prefix: &str) -> String {
    let link = letter.link("https://news.example", prefix);
    assert_eq!(link.len(), prefix.len() + 64, "{link}");
    link
}

async fn two_factor_sign_in_asks_for_a_fresh_code_or_a_recovery_code(store: Arc<dyn Store>) {
    let ana = staff(&*store, "Ana", Role::Author).await;
    let app = app(store.clone());
    let mut browser = Browser::new(&app, "192.0.2.1");
    browser.login(&ana.email, PASSWORD).await;
    let page = browser.get("/newsroom/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Set up two-factor sign-in"));
    // Setting up shows a QR code and the key; nothing is stored until a code confirms.
    let setup = browser
        .post("/newsroom/account/two-factor/setup", &[])
        .await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.body.contains("<svg role=\"img\""), "{}", setup.body);
    let start = setup.body.find(r#"name="secret" value=""#).unwrap() + 21;
    let secret = setup.body[start..start + 32].to_owned();
    assert!(store.two_factor(ana.id).await.unwrap().is_none());
    let wrong = browser
        .post(
            "/newsroom/account/two-factor",
            &[
                ("secret", &secret),
                ("code", "000000"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A session alone cannot put its own authenticator in place: the password too.
    let borrowed = browser
        .post(
            "/newsroom/account/two-factor",
            &[
                ("secret", &secret),
                ("code", &totp_code(&secret)),
                ("password", "not mine"),
            ],
        )
        .await;
    assert_eq!(borrowed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        borrowed.body.contains("not your current password"),
        "{}",
        borrowed.body
    );
    assert!(store.two_factor(ana.id).await.unwrap().is_none());
    assert!(
        wrong.body.contains(&secret),
        "the same key is offered again"
    );
    assert!(store.two_factor(ana.id).await.unwrap().is_none());
    let code = totp_code(&secret);
    let on = browser
        .post(
            "/newsroom/account/two-factor",
            &[("secret", &secret), ("code", &code), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    let codes: Vec<String> = on
        .body
        .match_indices("<li><code>")
        .map(|(at, _)| on.body[at + 10..at + 24].to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{}", on.body);
    let stored = store.two_factor(ana.id).await.unwrap().unwrap();
    assert_eq!(stored.recovery_left, 10);
    // The recovery codes are stored hashed: not one appears in the database's answer.
    assert!(!format!("{stored:?}").contains(&codes[0]));

    // A new login: the password alone gives no session, only the second step.
    let mut other = Browser::new(&app, "192.0.2.2");
    let r = other.login(&ana.email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r
        .location
        .as_deref()
        .unwrap()
        .starts_with("/newsroom/login/code"));
    assert!(!other.cookies.contains_key("masthead_session"));
    assert_eq!(other.get("/newsroom/").await.status, StatusCode::SEE_OTHER);
    let form = other.get(r.location.as_deref().unwrap()).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"autocomplete="one-time-code""#));
    let bad = other
        .post("/newsroom/login/code", &[("code", "000000")])
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(!other.cookies.contains_key("masthead_session"));
    // The code that turned it on was used: it does not sign in again (replay).
    let replay = other.post("/newsroom/login/code", &[("code", &code)]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    // A recovery code, typed loosely, works once.
    let loose = codes[0].replace('-', " ").to_uppercase();
    let r = other
        .post("/newsroom/login/code", &[("code", &loose)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/newsroom/"));
    assert!(other.cookies.contains_key("masthead_session"));
    assert!(!other.cookies.contains_key("masthead_second_step"));
    assert_eq!(other.get("/newsroom/").await.status, StatusCode::OK);
    assert_eq!(
        store
            .two_factor(ana.id)
            .await
            .unwrap()
            .unwrap()
            .recovery_left,
        9
    );
    let mut third = Browser::new(&app, "192.0.2.3");
    third.login(&ana.email, PASSWORD).await;
    let again = third
        .post("/newsroom/login/code", &[("code", &codes[0])])
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "used codes stay used"
    );
    // The second step's token cannot be used without the password step, nor twice.
    let mut stranger = Browser::new(&app, "192.0.2.4");
    let r = stranger.get("/newsroom/login/code").await;
    assert_eq!(r.location.as_deref(), Some("/newsroom/login?done=expired"));
    // Guessing codes is limited like guessing passwords.
    for _ in 0..MAX_FAILURES_PER_ACCOUNT_FROM_IP {
        third
            .post("/newsroom/login/code", &[("code", "111111")])
            .await;
    }
    let blocked = third
        .post("/newsroom/login/code", &[("code", &codes[1])])
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers.contains_key("retry-after"));
    assert!(!third.cookies.contains_key("masthead_session"));

    // Turning it off needs the password.
    let r = browser
        .post(
            "/newsroom/account/two-factor/off",
            &[("password", "not my password")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(store.two_factor(ana.id).await.unwrap().is_some());
    let log = store.audit_log(PageRequest::numbered(1, 50)).await.unwrap();
    let actions: Vec<AuditAction> = log.items.iter().map(|e| e.action).collect();
    assert!(actions.contains(&AuditAction::TwoFactorOn));
    assert!(actions.contains(&AuditAction::RecoveryCodeUsed));
}

async fn a_forgotten_password_is_reset_by_an_emailed_link_once(store: Arc<dyn Store>) {
    let ana = staff(&*store, "Ana", Role::Editor).await;
    let media = tempfile::tempdir().unwrap();
    let outbox = media.path().join("outbox");
    let app = app_with_media(store.clone(), media.path());
    let mut signed_in = Browser::new(&app, "192.0.2.9");
    signed_in.login(&ana.email, PASSWORD).await;
    let mut browser = Browser::new(&app, "192.0.2.1");
    let login = browser.get("/newsroom/login").await;
    assert!(login.body.contains(r#"href="/newsroom/reset""#));
    let form = browser.get("/newsroom/reset").await;
    assert_eq!(form.status, StatusCode::OK);
    // Known and unknown emails get the same answer; only the known one gets a letter.
    let unknown = browser
        .post("/newsroom/reset", &[("email", "nobody@example.com")])
        .await;
    let known = browser
        .post("/newsroom/reset", &[("email", "ANA@example.com")])
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(
        unknown.body.replace("nobody@example.com", "X"),
        known.body.replace("ana@example.com", "X")
    );
    let sent = letters(&outbox, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        letters(&outbox, 1).await.len(),
        1,
        "no letter to an unknown email"
    );
    assert_eq!(
        (sent[0].to_name.as_str(), sent[0].to.as_str()),
        ("Ana", "ana@example.com")
    );
    // Both parts, with the link in each.
    assert_eq!(sent[0].content_type, "multipart/alternative");
    assert!(
        sent[0].html.contains("/newsroom/reset/"),
        "{}",
        sent[0].html
    );
    let link = link_in(&sent[0], "/newsroom/reset/");
    // Opening the link (as mail scanners do) uses nothing up.
    assert_eq!(browser.get(&link).await.status, StatusCode::OK);
    let page = browser.get(&link).await;
    assert!(page.body.contains("ana@example.com"));
    let new_password = "a brand new passphrase";
    let r = browser
        .post(
            &link,
            &[("password", new_password), ("confirm", "something else")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = browser
        .post(&link, &[("password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = browser
        .post(
            &link,
            &[("password", new_password), ("confirm", new_password)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/newsroom/login?done=reset"));
    // Every session of the account ended; the old password is gone, the new one works.
    assert_eq!(
        signed_in.get("/newsroom/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        browser.login(&ana.email, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.login(&ana.email, new_password).await.status,
        StatusCode::SEE_OTHER
    );
    // The link works once.
    let mut later = Browser::new(&app, "192.0.2.3");
    assert_eq!(later.get(&link).await.status, StatusCode::GONE);
    let r = later
        .post(
            &link,
            &[
                ("password", "yet another one!"),
                ("confirm", "yet another one!"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    // A link older than an hour no longer works.
    let old = "0".repeat(64);
    store
        .create_staff_token(
            &NewStaffToken {
                token_hash: masthead_web::secrets::token_hash(&old),
                purpose: TokenPurpose::Reset,
                person: Some(ana.id),
                email: ana.email.clone(),
                name: String::new(),
                role: None,
                created_by: None,
                created_at: chrono::Utc::now() - chrono::Duration::minutes(61),
            },
            None,
        )
        .await
        .unwrap();
    let r = later.get(&format!("/newsroom/reset/{old}")).await;
    assert_eq!(r.status, StatusCode::GONE);
    // Asking again and again is limited, for known and unknown emails alike (this
    // email was asked for once above).
    let mut asker = Browser::new(&app, "192.0.2.4");
    for _ in 1..MAX_LETTERS_PER_EMAIL {
        let r = asker
            .post("/newsroom/reset", &[("email", "nobody@example.com")])
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = asker
        .post("/newsroom/reset", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Reset letters have their own budget: asking for them used none of the sign-in's.
    assert_eq!(
        asker.login(&ana.email, new_password).await.status,
        StatusCode::SEE_OTHER
    );
    let log = store.audit_log(PageRequest::numbered(1, 50)).await.unwrap();
    assert!(log
        .items
        .iter()
        .any(|e| e.action == AuditAction::PasswordReset));
}

async fn a_refused_invitation_letter_is_said_with_the_link(store: Arc<dyn Store>) {
    let ada = staff(&*store, "Ada", Role::Admin).await;
    // A mail server that is not there (nothing listens on port 9 here).
    let state = masthead_web::AppState::new(
        store.clone(),
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::smtp("smtp://127.0.0.1:9", "Newsroom <newsroom@news.example>")
            .unwrap(),
    );
    let app = masthead_web::router(state);
    let mut admin = Browser::new(&app, "192.0.2.1");
    admin.login(&ada.email, PASSWORD).await;
    let r = admin
        .post(
            "/newsroom/staff/invitations",
            &[
                ("name", "Bo"),
                ("email", "bo@example.com"),
                ("role", "author"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("the mail server refused the letter"),
        "{}",
        r.body
    );
    assert!(r.body.contains("https://news.example/newsroom/invitation/"));
}

async fn admins_invite_staff_who_choose_their_own_password(store: Arc<dyn Store>) {
    let ada = staff(&*store, "Ada", Role::Admin).await;
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let media = tempfile::tempdir().unwrap();
    let outbox = media.path().join("outbox");
    let app = app_with_media(store.clone(), media.path());
    let mut admin = Browser::new(&app, "192.0.2.1");
    admin.login(&ada.email, PASSWORD).await;
    // Someone on the staff already cannot be invited; a bad address is refused.
    let r = admin
        .post(
            "/newsroom/staff/invitations",
            &[("name", "Cara"), ("email", &cara.email), ("role", "editor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("on the staff already"));
    let r = admin
        .post(
            "/newsroom/staff/invitations",
            &[
                ("name", "Bo"),
                ("email", "not an address"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post(
            "/newsroom/staff/invitations",
            &[
                ("name", "Bo Nguyen"),
                ("email", "Bo@Example.com"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // No mail server here: the admin is shown the link, and the letter waits in the outbox.
    assert!(r.body.contains("send this link to them yourself"));
    let sent = letters(&outbox, 1).await;
    assert_eq!(sent[0].to, "bo@example.com");
    assert!(sent[0].text.contains("Ada invited you"));
    let link = link_in(&sent[0], "/newsroom/invitation/");
    assert!(r.body.contains(&format!("https://news.example{link}")));
    let staff_page = admin.get("/newsroom/staff").await;
    assert!(staff_page.body.contains("Waiting for an answer"));
    assert!(staff_page.body.contains("bo@example.com"));
    // The invitee opens the link, names themself and chooses a password.
    let mut bo = Browser::new(&app, "192.0.2.2");
    let form = bo.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("as editor"));
    assert!(form.body.contains(r#"value="Bo Nguyen""#));
    let r = bo
        .post(
            &link,
            &[("name", ""), ("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = bo
        .post(
            &link,
            &[
                ("name", "Bo Nguyen"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = bo.get("/newsroom/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Bo Nguyen"));
    let (person, _) = store
        .person_credentials("bo@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.role, Role::Editor);
    // Once only.
    let mut again = Browser::new(&app, "192.0.2.3");
    assert_eq!(again.get(&link).await.status, StatusCode::GONE);
    // A withdrawn invitation's link stops working.
    let r = admin
        .post(
            "/newsroom/staff/invitations",
            &[
                ("name", "Di"),
                ("email", "di@example.com"),
                ("role", "author"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let sent = letters(&outbox, 2).await;
    let di = sent.iter().find(|l| l.to == "di@example.com").unwrap();
    let di_link = link_in(di, "/newsroom/invitation/");
    let pending = store.invitations(chrono::Utc::now()).await.unwrap();
    assert_eq!(pending.len(), 1);
    let r = admin
        .post(
            &format!(
                "/newsroom/staff/invitations/{}/withdraw",
                pending[0].token_hash
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(again.get(&di_link).await.status, StatusCode::GONE);
    assert!(store
        .invitations(chrono::Utc::now())
        .await
        .unwrap()
        .is_empty());
    let log = store.audit_log(PageRequest::numbered(1, 50)).await.unwrap();
    for action in [
        AuditAction::Invited,
        AuditAction::InvitationAccepted,
        AuditAction::InvitationWithdrawn,
    ] {
        assert!(log.items.iter().any(|e| e.action == action), "{action:?}");
    }
}

async fn staff_log_in_and_out(store: Arc<dyn Store>) {
    let ana = staff(&*store, "Ana", Role::Editor).await;
    let app = app(store.clone());
    let mut browser = Browser::new(&app, "192.0.2.1");
    // Signed out: the newsroom sends you to the login form, and back after.
    let r = browser.get("/newsroom/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location.as_deref(),
        Some("/newsroom/login?next=%2Fnewsroom%2F")
    );
    assert_eq!(r.headers["cache-control"], "no-store");
    let form = browser.get("/newsroom/login?next=%2Fnewsroom%2F").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"name="next" value="/newsroom/""#));
    assert!(form.body.contains(r#"autocomplete="current-password""#));
    assert_eq!(form.headers["x-frame-options"], "DENY");
    let r = browser.login("  ANA@example.com ", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/newsroom/"));
    let session = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("masthead_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/;"] {
        assert!(session.contains(attribute), "{attribute} in {session}");
    }
    let dashboard = browser.get("/newsroom/").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Good to see you, Ana"));
    assert!(dashboard.body.contains("Log out everywhere"));
    // Already signed in: the login form sends you on.
    let r = browser.get("/newsroom/login").await;
    assert_eq!(r.location.as_deref(), Some("/newsroom/"));
    // Only newsroom addresses are followed after login.
    let mut other = Browser::new(&app, "192.0.2.2");
    let _ = other.get("/newsroom/login").await;
    let csrf = other.csrf().await;
    let r = other
        .send(
            Method::POST,
            "/newsroom/login",
            &[
                ("csrf", &csrf),
                ("email", &ana.email),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/newsroom/"));
    // A next address that cannot be a header is not followed either (it was a 500).
    for next in [
        "/newsroom/../%2fattacker.example%2fphish",
        "/newsroom/%2e%2e/%2fattacker.example",
        "/newsroom/..\\attacker.example",
        "/newsroom/\r\nSet-Cookie: x=1",
        "/newsroom/\u{7f}",
        "/newsroom/ é",
    ] {
        let mut again = Browser::new(&app, "192.0.2.3");
        let csrf = again.csrf().await;
        let r = again
            .send(
                Method::POST,
                "/newsroom/login",
                &[
                    ("csrf", &csrf),
                    ("email", &ana.email),
                    ("password", PASSWORD),
                    ("next", next),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.location.as_deref(), Some("/newsroom/"), "{next:?}");
    }
    // Logging out ends this session only.
    let r = browser.post("/newsroom/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/newsroom/login"));
    assert_eq!(
        browser.get("/newsroom/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(other.get("/newsroom/").await.status, StatusCode::OK);
    // Logging out everywhere ends the others too.
    browser.login(&ana.email, PASSWORD).await;
    let r = browser.post("/newsroom/logout-everywhere", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(other.get("/newsroom/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/newsroom/").await.status,
        StatusCode::SEE_OTHER
    );
    let log = store.audit_log(PageRequest::numbered(1, 20)).await.unwrap();
    let actions: Vec<AuditAction> = log.items.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::LoggedOutEverywhere,
            AuditAction::LoggedIn,
            AuditAction::LoggedOut,
            AuditAction::LoggedIn, // the six with unusable next addresses
            AuditAction::LoggedIn,
            AuditAction::LoggedIn,
            AuditAction::LoggedIn,
            AuditAction::LoggedIn,
            AuditAction::LoggedIn,
            AuditAction::LoggedIn, // evil next
            AuditAction::LoggedIn, // the first
        ]
    );
    assert_eq!(log.items[0].ip, "192.0.2.1");
    assert_eq!(log.items[0].actor, Some(ana.id));
}

async fn unknown_emails_and_wrong_passwords_answer_alike_and_are_rate_limited(
    store: Arc<dyn Store>,
) {
    let ana = staff(&*store, "Ana", Role::Author).await;
    let bo = staff(&*store, "Bo", Role::Author).await;
    let app = app(store.clone());
    let mut browser = Browser::new(&app, "192.0.2.1");
    let wrong = browser.login(&ana.email, "not the password").await;
    let unknown = browser
        .login("nobody@example.com", "not the password")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = |body: &str| {
        let start = body.find(r#"role="alert">"#).unwrap();
        body[start..start + body[start..].find("</p>").unwrap()].to_owned()
    };
    assert_eq!(message(&wrong.body), message(&unknown.body));
    assert!(!wrong.body.contains("masthead_session"));
    // Per account from one address: after the allowed failures even the right
    // password waits there, and an unknown email is told the same.
    for _ in 1..MAX_FAILURES_PER_ACCOUNT_FROM_IP {
        browser.login(&ana.email, "not the password").await;
        browser
            .login("nobody@example.com", "not the password")
            .await;
    }
    let blocked = browser.login(&ana.email, PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let seconds: i64 = blocked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&seconds), "{seconds}");
    assert!(blocked.body.contains("Too many failed attempts"));
    let blocked_unknown = browser.login("nobody@example.com", PASSWORD).await;
    assert_eq!(blocked_unknown.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(message(&blocked.body), message(&blocked_unknown.body));
    // The guesser's address waits; the owner, elsewhere, does not.
    assert_eq!(
        Browser::new(&app, "203.0.113.77")
            .login(&ana.email, PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER,
        "a stranger cannot lock the owner out"
    );
    // Another account from the same address still logs in (10 failures < the IP limit).
    assert_eq!(
        browser.login(&bo.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // Per address: many accounts tried from one address block it, not other addresses.
    let mut sprayer = Browser::new(&app, "198.51.100.9");
    for i in 0..MAX_FAILURES_PER_IP {
        let r = sprayer
            .login(&format!("guess{i}@example.com"), "password1")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sprayer.login(&bo.email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let mut elsewhere = Browser::new(&app, "203.0.113.5");
    assert_eq!(
        elsewhere.login(&bo.email, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    // Every failure is in the audit log, with the email tried.
    let log = store
        .audit_log(PageRequest::numbered(1, 100))
        .await
        .unwrap();
    let failed = log
        .items
        .iter()
        .filter(|e| e.action == AuditAction::LoginFailed)
        .count();
    assert_eq!(
        failed,
        2 * MAX_FAILURES_PER_ACCOUNT_FROM_IP as usize + MAX_FAILURES_PER_IP as usize
    );

    // A guess spread over many addresses: past the account-wide limit passwords alone
    // stop, from anywhere; with a second factor the right password still goes on.
    let cy = staff(&*store, "Cy", Role::Editor).await;
    for (who, n) in [(&bo, 0), (&cy, 1)] {
        for i in 0..MAX_FAILURES_PER_ACCOUNT {
            let ip = format!("198.18.{n}.{}", i / 4);
            let keys = masthead_core::auth::SignInFailures::keys(&who.email, &ip);
            let keys: Vec<(AttemptKind, &str)> =
                keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
            store
                .record_login_failure(
                    &keys,
                    chrono::Utc::now(),
                    Some(&NewAuditEntry {
                        at: chrono::Utc::now(),
                        actor: None,
                        action: AuditAction::LoginFailed,
                        target: who.email.clone(),
                        ip,
                    }),
                )
                .await
                .unwrap();
        }
    }
    store
        .enable_two_factor(
            cy.id,
            &masthead_web::two_factor::new_secret(),
            0,
            &[],
            &NewAuditEntry {
                at: chrono::Utc::now(),
                actor: Some(cy.id),
                action: AuditAction::TwoFactorOn,
                target: cy.email.clone(),
                ip: "192.0.2.1".into(),
            },
        )
        .await
        .unwrap();
    let r = Browser::new(&app, "192.0.2.99")
        .login(&bo.email, PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "password alone");
    let r = Browser::new(&app, "192.0.2.99")
        .login(&cy.email, PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/newsroom/login/code"),
        "on to the second step"
    );
}

async fn a_session_planted_before_login_is_never_kept(store: Arc<dyn Store>) {
    let mallory = staff(&*store, "Mallory", Role::Contributor).await;
    let vic = staff(&*store, "Vic", Role::Admin).await;
    let app = app(store.clone());
    // Mallory logs in and plants her session cookie in Vic's browser.
    let mut attacker = Browser::new(&app, "198.51.100.66");
    attacker.login(&mallory.email, PASSWORD).await;
    let planted = attacker.cookies["masthead_session"].clone();
    let mut victim = Browser::new(&app, "192.0.2.10");
    victim
        .cookies
        .insert("masthead_session".into(), planted.clone());
    let _ = victim.get("/newsroom/login").await;
    victim
        .cookies
        .insert("masthead_session".into(), planted.clone());
    // Vic logs in: a new token, and the planted session is over for everyone.
    let mut login_form = Browser::new(&app, "192.0.2.10");
    let csrf = login_form.csrf().await;
    victim.cookies.insert(
        "masthead_login".into(),
        login_form.cookies["masthead_login"].clone(),
    );
    let r = victim
        .send(
            Method::POST,
            "/newsroom/login",
            &[
                ("csrf", &csrf),
                ("email", &vic.email),
                ("password", PASSWORD),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let token = victim.cookies["masthead_session"].clone();
    assert_ne!(token, planted);
    assert_eq!(token.len(), 64);
    let page = victim.get("/newsroom/audit").await;
    assert_eq!(page.status, StatusCode::OK, "Vic is an admin");
    assert_eq!(
        attacker.get("/newsroom/").await.status,
        StatusCode::SEE_OTHER
    );
    // Made-up tokens are no session at all.
    let mut forger = Browser::new(&app, "198.51.100.67");
    forger
        .cookies
        .insert("masthead_session".into(), "0".repeat(64));
    assert_eq!(forger.get("/newsroom/").await.status, StatusCode::SEE_OTHER);
}

async fn state_changes_need_the_session_token_and_our_own_origin(store: Arc<dyn Store>) {
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let app = app(store.clone());
    let mut browser = Browser::new(&app, "192.0.2.1");
    browser.login(&ed.email, PASSWORD).await;
    let csrf = browser.csrf().await;
    type Fields<'a> = &'a [(&'a str, &'a str)];
    let attempts: [(Fields, Fields); 5] = [
        (&[], &[]),
        (&[("csrf", "0000")], &[]),
        (&[("csrf", &csrf)], &[("sec-fetch-site", "cross-site")]),
        (&[("csrf", &csrf)], &[("origin", "https://evil.example")]),
        (&[], &[("x-csrf-token", "not-it")]),
    ];
    for (form, headers) in attempts {
        let r = browser
            .send(Method::POST, "/newsroom/logout-everywhere", form, headers)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form:?} {headers:?}");
        assert!(r.body.contains("Request refused"));
        assert_eq!(
            browser.get("/newsroom/").await.status,
            StatusCode::OK,
            "still signed in after {form:?} {headers:?}"
        );
    }
    // A login form posted without the login form's cookie is refused too.
    let mut stranger = Browser::new(&app, "192.0.2.2");
    let r = stranger
        .send(
            Method::POST,
            "/newsroom/login",
            &[
                ("csrf", &"a".repeat(64)),
                ("email", &ed.email),
                ("password", PASSWORD),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r
        .set_cookies
        .iter()
        .any(|c| c.starts_with("masthead_session")));
    // The page's own token, same origin, as a form or as a header: accepted.
    let r = browser
        .send(
            Method::POST,
            "/newsroom/logout",
            &[],
            &[
                ("x-csrf-token", &csrf),
                ("sec-fetch-site", "same-origin"),
                ("origin", "https://news.example"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/newsroom/").await.status,
        StatusCode::SEE_OTHER
    );
}

/// Walks every newsroom route as a signed-out visitor and as each role. Article and
/// picture routes are walked on a draft and a picture of the person's own (what every
/// role may edit); the rules per article and picture are tested on their own.
async fn every_route_admits_exactly_the_roles_it_names(store: Arc<dyn Store>) {
    let mut people = Vec::new();
    for role in Role::ALL {
        people.push((*role, staff(&*store, role.as_str(), *role).await));
    }
    let visitor = staff(&*store, "Visitor", Role::Contributor).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let comment = pending_comment(&*store, &newsroom, &visitor, "A reader's thoughts.").await;
    let media_dir = tempfile::tempdir().unwrap();
    let app = app_with_media(store.clone(), media_dir.path());
    let routes = route_table();
    assert!(routes.iter().any(|r| r.path == "/newsroom/login"));
    // A newsletter to send to (the settings form below keeps offering it).
    let mut settings = store.settings().await.unwrap();
    settings.newsletters = vec![masthead_core::site::NewsletterOffer {
        slug: "matrix-letter".into(),
        name: "Matrix letter".into(),
        description: "For the matrix.".into(),
    }];
    store.save_settings(&settings).await.unwrap();
    let mut checked = 0;
    for route in &routes {
        for role in std::iter::once(None).chain(Role::ALL.iter().copied().map(Some)) {
            let mut browser = Browser::new(&app, "192.0.2.1");
            let owner = match role {
                Some(role) => &people.iter().find(|(r, _)| *r == role).unwrap().1,
                None => &visitor,
            };
            if role.is_some() {
                let r = browser.login(&owner.email, PASSWORD).await;
                assert_eq!(r.status, StatusCode::SEE_OTHER);
            }
            let draft = newsroom
                .create_draft(
                    masthead_core::workflow::Actor {
                        person: owner.id,
                        role: owner.role,
                    },
                    {
                        let mut content =
                            ArticleContent::new(format!("Matrix draft {checked}"), "Some words.");
                        // Entries are for live articles.
                        if route.path.contains("/entries") || route.path.ends_with("/coverage") {
                            content.article_type = masthead_core::article::ArticleType::Live;
                        }
                        content
                    },
                    chrono::Utc::now(),
                )
                .await
                .unwrap();
            let entry = store
                .post_live_entry(
                    draft,
                    &masthead_core::live::EntryContent {
                        headline: "Matrix entry".into(),
                        body: masthead_core::document::Document::from_markdown("Words."),
                    },
                    "<p>Words.</p>",
                    (owner.id, owner.name.as_str()),
                    chrono::Utc::now(),
                )
                .await
                .unwrap();
            if route.path == "/newsroom/articles/{id}/corrections"
                || route.path == "/newsroom/newsletters/send"
            {
                // Corrections and newsletters are for published articles.
                let admin = &people.iter().find(|(r, _)| *r == Role::Admin).unwrap().1;
                newsroom
                    .transition(
                        masthead_core::workflow::Actor {
                            person: admin.id,
                            role: Role::Admin,
                        },
                        draft,
                        Status::Published,
                        None,
                        chrono::Utc::now(),
                    )
                    .await
                    .unwrap();
            }
            let revision = store.revisions(draft).await.unwrap()[0].id;
            // A picture of the person's own, like the draft (the rules per picture
            // are tested below).
            let picture = store
                .create_media(&masthead_core::media::NewMedia {
                    storage_key: format!("uploads/test-card-{checked}.jpg"),
                    mime_type: "image/jpeg".into(),
                    width: Some(40),
                    height: Some(30),
                    byte_size: 100,
                    alt: "A test card".into(),
                    caption: String::new(),
                    credit: String::new(),
                    uploaded_by: Some(owner.id),
                    variants: Vec::new(),
                })
                .await
                .unwrap();
            let section = store
                .create_section(&masthead_core::taxonomy::NewSection {
                    name: format!("Matrix desk {checked}"),
                    slug: String::new(),
                    description: String::new(),
                    position: 0,
                    in_navigation: false,
                })
                .await
                .unwrap();
            let tags = store
                .ensure_tags(&[
                    format!("Matrix tag {checked}"),
                    format!("Matrix into {checked}"),
                ])
                .await
                .unwrap();
            let section_name = format!("Matrix desk {checked}, renamed");
            let static_page = store
                .create_page(
                    &masthead_core::page::PageContent {
                        slug: format!("matrix-page-{checked}"),
                        title: format!("Matrix page {checked}"),
                        description: String::new(),
                        body: masthead_core::document::Document::from_markdown("Words."),
                        status: masthead_core::page::PageStatus::Published,
                        position: 0,
                        in_footer: false,
                    },
                    "<p>Words.</p>",
                    chrono::Utc::now(),
                )
                .await
                .unwrap();
            let guest = store
                .create_profile(
                    masthead_core::people::Kind::Guest,
                    &masthead_core::people::Profile {
                        name: format!("Matrix guest {checked}"),
                        job_title: String::new(),
                        bio: String::new(),
                        expertise: Vec::new(),
                        social_links: Vec::new(),
                        avatar: None,
                    },
                    &NewAuditEntry {
                        at: chrono::Utc::now(),
                        actor: None,
                        action: AuditAction::ProfileChanged,
                        target: "matrix".into(),
                        ip: String::new(),
                    },
                )
                .await
                .unwrap();
            let page_slug = format!("matrix-page-{checked}-new");
            // A paid tier and an offer of its own for every walk, and a new slug and
            // code for what the walk makes.
            let tier_input = masthead_core::tier::TierInput {
                slug: format!("matrix-tier-{checked}"),
                name: "Matrix tier".into(),
                description: String::new(),
                paid: true,
                currency: "EUR".into(),
                monthly_price: 500,
                yearly_price: 5000,
                trial_days: 0,
                benefits: Vec::new(),
                public: true,
            };
            let tier = store
                .create_tier(&tier_input, chrono::Utc::now())
                .await
                .unwrap();
            let offer = store
                .create_offer(
                    &masthead_core::tier::OfferInput {
                        code: format!("matrix-offer-{checked}"),
                        name: "Matrix offer".into(),
                        tier: tier.id,
                        cadence: masthead_core::tier::Cadence::Month,
                        discount: masthead_core::tier::Discount::Percent(10),
                        duration: masthead_core::tier::OfferDuration::Once,
                    },
                    chrono::Utc::now(),
                )
                .await
                .unwrap();
            let (tier_slug, tier_id) = (format!("matrix-tier-{checked}-new"), tier.id.to_string());
            let offer_code = format!("matrix-offer-{checked}-new");
            // A sponsor of its own for every walk (one walk removes it).
            let sponsor = store
                .create_sponsor(
                    &masthead_core::sponsor::SponsorInput {
                        name: "Matrix sponsor".into(),
                        url: String::new(),
                        logo: None,
                        disclosure: "Paid for by the matrix.".into(),
                        label: masthead_core::sponsor::SponsorLabel::Sponsored,
                    },
                    chrono::Utc::now(),
                )
                .await
                .unwrap()
                .id
                .to_string();
            let section_id = section.id.to_string();
            let (tag_name, into_name) = (tags[0].name.clone(), tags[1].name.clone());
            let id = if route.path.starts_with("/newsroom/media/") {
                picture.id.to_string()
            } else if route.path.starts_with("/newsroom/staff/") {
                visitor.id.to_string()
            } else if route.path.starts_with("/newsroom/comments/") {
                if route.path.ends_with("/reply") {
                    // Staff answer what readers see.
                    store
                        .moderate_comment(
                            comment.id,
                            masthead_core::comment::CommentStatus::Approved,
                            &NewAuditEntry {
                                at: chrono::Utc::now(),
                                actor: None,
                                action: AuditAction::CommentModerated,
                                target: "matrix".into(),
                                ip: String::new(),
                            },
                        )
                        .await
                        .unwrap();
                }
                comment.id.to_string()
            } else if route.path.starts_with("/newsroom/members/") {
                match comment.author {
                    masthead_core::comment::Author::Member(m) => m.0.to_string(),
                    masthead_core::comment::Author::Staff(_) => unreachable!("a reader's"),
                }
            } else if route.path.starts_with("/newsroom/pages/") {
                static_page.id.to_string()
            } else if route.path.starts_with("/newsroom/sections/") {
                section.id.to_string()
            } else if route.path.starts_with("/newsroom/tags/") {
                tags[0].id.to_string()
            } else if route.path.starts_with("/newsroom/tiers/") {
                tier_id.clone()
            } else if route.path.starts_with("/newsroom/offers/") {
                offer.id.to_string()
            } else if route.path.starts_with("/newsroom/sponsors/") {
                sponsor.clone()
            } else if route.path.starts_with("/newsroom/bylines/") {
                guest.id.to_string()
            } else if route.path.starts_with("/newsroom/integrations/")
                || route.path.starts_with("/newsroom/webhooks/")
            {
                // One of its own for every walk (one walk revokes it), with a webhook
                // of its own (one walk deletes it).
                let made = store
                    .create_integration(
                        &masthead_core::integration::NewIntegration::new(
                            "Matrix app",
                            masthead_web::secrets::integration_keys(),
                        ),
                        &NewAuditEntry {
                            at: chrono::Utc::now(),
                            actor: None,
                            action: AuditAction::IntegrationAdded,
                            target: "matrix".into(),
                            ip: String::new(),
                        },
                    )
                    .await
                    .unwrap();
                if route.path.starts_with("/newsroom/webhooks/") {
                    store
                        .create_webhook(
                            &masthead_core::webhook::NewWebhook {
                                integration: made.id,
                                event: masthead_core::webhook::Event::PostPublished,
                                target_url: "https://hooks.example/in".into(),
                                secret: "whsec_matrix_0123456789".into(),
                            },
                            &NewAuditEntry {
                                at: chrono::Utc::now(),
                                actor: None,
                                action: AuditAction::WebhookAdded,
                                target: "matrix".into(),
                                ip: String::new(),
                            },
                        )
                        .await
                        .unwrap()
                        .id
                        .to_string()
                } else {
                    made.id.to_string()
                }
            } else {
                draft.to_string()
            };
            // Emailed links, each good once: a fresh one for every walk.
            let link = masthead_web::two_factor::new_secret();
            let (purpose, email, role_invited) = if route.path.starts_with("/newsroom/reset/") {
                (TokenPurpose::Reset, owner.email.clone(), None)
            } else {
                (
                    TokenPurpose::Invitation,
                    format!("matrix{checked}@example.com"),
                    Some(Role::Author),
                )
            };
            let made = NewStaffToken {
                token_hash: masthead_web::secrets::token_hash(&link),
                purpose,
                person: (purpose == TokenPurpose::Reset).then_some(owner.id),
                email,
                name: "Matrix Invitee".into(),
                role: role_invited,
                created_by: None,
                created_at: chrono::Utc::now(),
            };
            store.create_staff_token(&made, None).await.unwrap();
            let path = route
                .path
                .replace("{id}", &id)
                .replace("{revision}", &revision.to_string())
                .replace("{entry}", &entry.id.to_string())
                .replace("{token}", &link)
                .replace("{invitation}", &made.token_hash)
                .replace("{slug}", "matrix-letter");
            let secret = masthead_web::two_factor::new_secret();
            let code = totp_code(&secret);
            let byline = owner.id.to_string();
            let moved = format!("matrix-draft-moved-{draft}");
            let draft_id = draft.to_string();
            let picture_id = picture.id.to_string();
            let reply = if route.method == Method::POST && route.path == "/newsroom/media" {
                browser
                    .upload("matrix.jpg", &jpeg(40, 30), "A test card", true)
                    .await
            } else if route.method == Method::POST {
                let fields: &[(&str, &str)] = match route.path {
                    "/newsroom/login" => {
                        &[("email", visitor.email.as_str()), ("password", PASSWORD)]
                    }
                    "/newsroom/articles"
                    | "/newsroom/articles/{id}"
                    | "/newsroom/articles/{id}/autosave" => &[
                        ("title", "Matrix draft, saved"),
                        ("body_markdown", "Some words."),
                        ("article_type", "news"),
                        ("visibility", "public"),
                        ("authors", &byline),
                    ],
                    "/newsroom/articles/{id}/status" => &[("to", "in_review")],
                    "/newsroom/articles/{id}/slug" => &[("slug", moved.as_str())],
                    "/newsroom/articles/{id}/featured" => &[("media", picture_id.as_str())],
                    "/newsroom/articles/{id}/corrections" => &[
                        ("kind", "update"),
                        ("text", "Updated with the council's reply."),
                    ],
                    "/newsroom/media/{id}" => &[("alt", "A test card"), ("caption", "")],
                    "/newsroom/settings" => &[
                        ("title", "The Matrix Times"),
                        ("locale", "en"),
                        ("timezone", "UTC"),
                        ("newsletters", "Matrix letter | For the matrix."),
                    ],
                    "/newsroom/newsletters/send" => &[
                        ("article", draft_id.as_str()),
                        ("newsletter", "matrix-letter"),
                        ("segment", "all"),
                    ],
                    "/newsroom/staff/{id}/role" => &[("role", "contributor")],
                    "/newsroom/staff/{id}/access" => &[("active", "yes")],
                    "/newsroom/comments/{id}" => &[("status", "approved")],
                    "/newsroom/comments/{id}/reply" => &[("body", "Thank you for reading.")],
                    "/newsroom/members/{id}/commenting" => &[("commenting", "trusted")],
                    "/newsroom/articles/{id}/comments" => &[("open", "false")],
                    "/newsroom/articles/{id}/entries"
                    | "/newsroom/articles/{id}/entries/{entry}" => {
                        &[("headline", "Matrix entry"), ("body_markdown", "Words.")]
                    }
                    "/newsroom/articles/{id}/entries/{entry}/pin" => &[("pinned", "true")],
                    "/newsroom/front/breaking" => &[("breaking_text", "Matrix banner")],
                    "/newsroom/articles/{id}/notes" => &[("note", "A matrix note.")],
                    "/newsroom/bylines" => &[("kind", "wire"), ("name", "Matrix wire")],
                    "/newsroom/integrations" => &[("name", "Matrix app"), ("rate_limit", "60")],
                    "/newsroom/integrations/{id}/webhooks" => &[
                        ("event", "post.published"),
                        ("target_url", "https://hooks.example/in"),
                    ],
                    "/newsroom/bylines/{id}" => &[("name", "Matrix guest, renamed")],
                    "/newsroom/notifications/choices" => &[("inbox-published", "1")],
                    "/newsroom/articles/{id}/coverage" => &[("ended", "true")],
                    "/newsroom/preview" | "/newsroom/document/visual" => {
                        &[("body_markdown", "*Some* words.")]
                    }
                    "/newsroom/document/markdown" => &[(
                        "body_document",
                        r#"{"type":"doc","attrs":{"version":1},"content":[]}"#,
                    )],
                    "/newsroom/login/code" => &[("code", "123456")],
                    "/newsroom/sections" | "/newsroom/sections/{id}" => {
                        &[("name", section_name.as_str()), ("in_navigation", "1")]
                    }
                    "/newsroom/tags" => &[("name", "Matrix new tag")],
                    "/newsroom/pages" | "/newsroom/pages/{id}" => &[
                        ("title", "Matrix page"),
                        ("slug", page_slug.as_str()),
                        ("body_markdown", "Words."),
                        ("status", "draft"),
                    ],
                    "/newsroom/tags/{id}" => &[("name", tag_name.as_str())],
                    "/newsroom/tiers" | "/newsroom/tiers/{id}" => &[
                        ("name", "Matrix tier"),
                        ("slug", tier_slug.as_str()),
                        ("currency", "EUR"),
                        ("monthly_price", "5.00"),
                        ("yearly_price", "50.00"),
                    ],
                    "/newsroom/tiers/{id}/archive" | "/newsroom/offers/{id}/archive" => {
                        &[("archived", "1")]
                    }
                    "/newsroom/offers" => &[
                        ("name", "Matrix offer"),
                        ("code", offer_code.as_str()),
                        ("tier", tier_id.as_str()),
                        ("cadence", "year"),
                        ("discount_kind", "fixed"),
                        ("discount", "5"),
                        ("duration", "once"),
                    ],
                    "/newsroom/sponsors" | "/newsroom/sponsors/{id}" => &[
                        ("name", "Matrix sponsor"),
                        ("label", "supported_by"),
                        ("disclosure", "Supports the matrix."),
                    ],
                    "/newsroom/sponsors/attach" => &[
                        ("sponsor", sponsor.as_str()),
                        ("section", section_id.as_str()),
                    ],
                    "/newsroom/tags/{id}/merge" => &[("into", into_name.as_str())],
                    "/newsroom/reset" => &[("email", owner.email.as_str())],
                    "/newsroom/reset/{token}" => &[("password", PASSWORD), ("confirm", PASSWORD)],
                    "/newsroom/invitation/{token}" => &[
                        ("name", "Matrix Invitee"),
                        ("password", PASSWORD),
                        ("confirm", PASSWORD),
                    ],
                    "/newsroom/account/password" => &[
                        ("current", PASSWORD),
                        ("password", PASSWORD),
                        ("confirm", PASSWORD),
                    ],
                    "/newsroom/account/two-factor" => &[
                        ("secret", secret.as_str()),
                        ("code", code.as_str()),
                        ("password", PASSWORD),
                    ],
                    "/newsroom/account/two-factor/off" => &[("password", PASSWORD)],
                    "/newsroom/account/profile" => &[
                        ("name", owner.name.as_str()),
                        ("bio", "Covers the port."),
                        ("expertise", "Shipping, Ports"),
                    ],
                    "/newsroom/staff/invitations" => &[
                        ("name", "Matrix Invitee"),
                        ("email", "invitee@example.com"),
                        ("role", "author"),
                    ],
                    _ => &[],
                };
                browser.post(&path, fields).await
            } else {
                browser.get(&path).await
            };
            let context = format!(
                "{} {} as {role:?}: {}",
                route.method, route.path, reply.status
            );
            let allowed = match route.access {
                Access::Anyone => true,
                Access::Staff(least) => role.is_some_and(|r| r.at_least(least)),
            };
            if allowed {
                // Forms answer by sending you on (the preview answers with HTML); the
                // login form does too when you are signed in already.
                let answers_here = [
                    "/newsroom/preview",
                    "/newsroom/document/markdown",
                    "/newsroom/document/visual",
                    "/newsroom/articles/{id}/autosave",
                    "/newsroom/articles/{id}/preview-link",
                    "/newsroom/media",
                    "/newsroom/reset",
                    "/newsroom/account/two-factor/setup",
                    "/newsroom/account/two-factor",
                    // Without a mail server, the answer shows the invitation's link.
                    "/newsroom/staff/invitations",
                ];
                let sent_on = (route.method == Method::POST && !answers_here.contains(&route.path))
                    || (route.path == "/newsroom/login" && role.is_some())
                    // No one is halfway through a two-factor login here: back to the start.
                    || route.path == "/newsroom/login/code";
                let expected = if sent_on {
                    StatusCode::SEE_OTHER
                } else if route.method == Method::POST && route.path == "/newsroom/media" {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                assert_eq!(reply.status, expected, "{context}: {}", reply.body);
            } else if role.is_none() {
                if route.method == Method::GET {
                    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{context}");
                    assert!(reply.location.unwrap().starts_with("/newsroom/login?next="));
                } else {
                    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{context}");
                }
            } else {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{context}");
                assert!(reply.body.contains("Not for your role"), "{context}");
            }
            // Two-factor sign-in turned on by the walk is turned off again, so the
            // next walk's login is one step.
            store
                .disable_two_factor(
                    owner.id,
                    &NewAuditEntry {
                        at: chrono::Utc::now(),
                        actor: None,
                        action: AuditAction::TwoFactorOff,
                        target: String::new(),
                        ip: String::new(),
                    },
                )
                .await
                .unwrap();
            checked += 1;
        }
    }
    assert_eq!(checked, routes.len() * 5);
}

/// The id in an editor address such as "/newsroom/articles/12?notice=saved".
fn article_id(location: &str) -> i64 {
    location
        .trim_start_matches("/newsroom/articles/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn writers_draft_submit_and_editors_publish(store: Arc<dyn Store>) {
    let sections = masthead_testkit::fixtures::newsroom(&*store).await;
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&cara.email, PASSWORD).await;
    // A new article form, with the writer's own byline, which only an editor changes.
    let form = writer.get("/newsroom/articles/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(&format!(
        r#"<input type="hidden" name="authors" value="{}">"#,
        cara.id
    )));
    assert!(!form.body.contains(r#"type="checkbox" name="authors""#));
    // A headline is required: nothing is created without one.
    let r = writer
        .post(
            "/newsroom/articles",
            &[
                ("title", " "),
                ("body_markdown", "Words."),
                ("article_type", "news"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("a headline is required"), "{}", r.body);
    assert!(r.body.contains("Words."), "what was typed is kept");
    let world = sections.world.id.to_string();
    let author = cara.id.to_string();
    let r = writer
        .post(
            "/newsroom/articles",
            &[
                ("title", "Harbour fees to rise"),
                ("standfirst", "The port authority voted on Tuesday."),
                (
                    "body_markdown",
                    "The vote was **close**. <script>alert(1)</script>",
                ),
                ("section", &world),
                ("tags", "Harbour, Council, harbour"),
                ("article_type", "analysis"),
                ("visibility", "public"),
                ("authors", &author),
                (
                    "sources",
                    "Port authority minutes | https://port.example/minutes | p. 4",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = article_id(r.location.as_deref().unwrap());
    let editor = writer
        .get(&format!("/newsroom/articles/{id}?notice=saved"))
        .await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(editor.body.contains("Saved."));
    assert!(
        editor.body.contains(r#"value="Harbour, Council""#),
        "tags deduplicated"
    );
    assert!(
        editor.body.contains("<strong>close</strong>"),
        "the preview"
    );
    assert!(!editor.body.contains("<script>alert(1)"), "sanitized");
    assert!(editor
        .body
        .contains("Port authority minutes | https://port.example/minutes | p. 4"));
    // A contributor may submit for review, not publish.
    assert!(editor.body.contains("Submit for review"));
    assert!(!editor.body.contains(">Publish<"));
    let status = format!("/newsroom/articles/{id}/status");
    let r = writer.post(&status, &[("to", "published")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The action button is part of the editor's form: what is on screen (here a
    // last paragraph, never saved on purpose) is saved and then goes to review.
    let base = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap()
        .updated_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let on_screen = [
        ("title", "Harbour fees to rise"),
        ("standfirst", "The port authority voted on Tuesday."),
        (
            "body_markdown",
            "The vote was **close**.\n\nThe fees start in May.",
        ),
        ("section", world.as_str()),
        ("tags", "Harbour, Council"),
        ("article_type", "analysis"),
        ("visibility", "public"),
        ("authors", author.as_str()),
        (
            "sources",
            "Port authority minutes | https://port.example/minutes | p. 4",
        ),
        ("base", base.as_str()),
        ("to", "in_review"),
    ];
    // Invalid content moves nothing.
    let mut broken = on_screen.to_vec();
    broken[0] = ("title", " ");
    let r = writer.post(&status, &broken).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = writer.post(&status, &on_screen).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.status, Status::InReview);
    assert!(sent.body_markdown.contains("The fees start in May."));
    // Another writer's article is not theirs to open.
    let mut other = Browser::new(&app, "192.0.2.2");
    let dan = staff(&*store, "Dan", Role::Contributor).await;
    other.login(&dan.email, PASSWORD).await;
    assert_eq!(
        other.get(&format!("/newsroom/articles/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other.get("/newsroom/articles/999999").await.status,
        StatusCode::NOT_FOUND
    );
    // Nor to read through its workflow form, whatever that sends.
    let probes: [&[(&str, &str)]; 3] = [
        &[("to", "draft"), ("schedule_at", "not a time")],
        &[("to", "draft")],
        &[("to", "nonsense")],
    ];
    for fields in probes {
        let r = other.post(&status, fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{fields:?}");
        assert!(
            !r.body.contains("The vote was"),
            "{fields:?} showed the draft"
        );
    }
    // The editor finds it in review, cannot schedule it in the past, then publishes.
    let mut desk = Browser::new(&app, "192.0.2.3");
    desk.login(&ed.email, PASSWORD).await;
    let list = desk.get("/newsroom/articles?status=in_review").await;
    assert!(list.body.contains("Harbour fees to rise"), "{}", list.body);
    let r = desk
        .post(
            &status,
            &[("to", "scheduled"), ("schedule_at", "2001-01-01T09:00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose a time in the future"), "{}", r.body);
    // The editor sends it back with a note (a note is required), the writer sees it
    // and submits again.
    let page = desk.get(&format!("/newsroom/articles/{id}")).await;
    assert!(page.body.contains("Request changes") && page.body.contains(r#"name="note""#));
    let r = desk.post(&status, &[("to", "draft")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("say what needs changing"), "{}", r.body);
    let r = desk
        .post(
            &status,
            &[
                ("to", "draft"),
                ("note", "Please name the port authority's chair."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = writer.get(&format!("/newsroom/articles/{id}")).await;
    assert!(page.body.contains("Notes from the desk"));
    assert!(
        page.body.contains("<strong>Ed</strong>")
            && page
                .body
                .contains("Please name the port authority&#39;s chair.")
    );
    assert_eq!(
        writer.post(&status, &[("to", "in_review")]).await.status,
        StatusCode::SEE_OTHER
    );
    let r = desk.post(&status, &[("to", "published")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let article = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(article.status, Status::Published);
    assert_eq!(article.tags.len(), 2);
    assert_eq!(article.sources[0].note, "p. 4");
    let public = Browser::new(&app, "192.0.2.9").get(&article.path()).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Harbour fees to rise"));
    // Corrections and updates: editors add them to the published article, readers see
    // them; a contributor may not, and an empty one is refused.
    let corrections = format!("/newsroom/articles/{id}/corrections");
    let r = writer
        .post(
            &corrections,
            &[("kind", "correction"), ("text", "Wrong date.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = desk
        .post(&corrections, &[("kind", "correction"), ("text", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = desk
        .post(
            &corrections,
            &[
                ("kind", "correction"),
                ("text", "An earlier version gave the wrong fee."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = desk
        .get(&format!("/newsroom/articles/{id}?notice=corrected"))
        .await;
    assert!(page.body.contains("Added to the public corrections"));
    assert!(page.body.contains("An earlier version gave the wrong fee."));
    let public = Browser::new(&app, "192.0.2.9").get(&article.path()).await;
    assert!(
        public
            .body
            .contains("An earlier version gave the wrong fee."),
        "{}",
        public.body
    );
    // The contributor can no longer change it; the editor can.
    let r = writer
        .post(
            &format!("/newsroom/articles/{id}"),
            &[
                ("title", "Changed"),
                ("article_type", "news"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let log = store.audit_log(PageRequest::numbered(1, 20)).await.unwrap();
    let changes: Vec<&str> = log
        .items
        .iter()
        .filter(|e| e.action == AuditAction::StatusChanged)
        .map(|e| e.target.as_str())
        .collect();
    assert_eq!(
        changes,
        [
            format!("Harbour fees to rise (in review → published) (#{id})"),
            format!("Harbour fees to rise (draft → in review) (#{id})"),
            format!("Harbour fees to rise (in review → draft) (#{id})"),
            format!("Harbour fees to rise (draft → in review) (#{id})"),
        ]
    );
    // The live preview renders like the site, sanitized, with the counts.
    let r = desk
        .post(
            "/newsroom/preview",
            &[("body_markdown", "One *two* three <script>x</script>")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<em>two</em>") && !r.body.contains("<script>"));
    assert_eq!(r.headers["x-word-count"], "3");
}

/// The `base` field of the editor form in `html`.
fn base_in(html: &str) -> String {
    let start = html.find(r#"name="base" value=""#).expect("a base field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn autosaves_come_back_and_saves_never_overwrite_each_other(store: Arc<dyn Store>) {
    let ana = staff(&*store, "Ana", Role::Author).await;
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&ana.email, PASSWORD).await;
    let byline = ana.id.to_string();
    let fields = |body: &'static str| {
        vec![
            ("title", "Night buses return"),
            ("body_markdown", body),
            ("article_type", "news"),
            ("visibility", "public"),
            ("authors", byline.as_str()),
        ]
    };
    // The editor's script creates the draft on its first autosave.
    let mut first = fields("First words.");
    first.push(("autosave", "1"));
    let r = writer.post("/newsroom/articles", &first).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let editor_path = r.location.unwrap();
    let id = article_id(&editor_path);
    let created = store
        .article(masthead_core::ids::ArticleId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        r.headers["x-base"],
        created
            .updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "the version the script's later saves are checked against"
    );
    let article_id_typed = masthead_core::ids::ArticleId(id);
    // An autosave keeps the working copy, not the article.
    let r = writer
        .post(
            &format!("{editor_path}/autosave"),
            &fields("First words. Then more."),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with("Autosaved "), "{}", r.body);
    let stored = store.article(article_id_typed).await.unwrap().unwrap();
    assert_eq!(stored.body_markdown, "First words.\n");
    // Coming back (a crash, a closed tab), the writer gets the autosaved text.
    let page = writer.get(&editor_path).await;
    assert!(
        page.body.contains("Restored your unsaved changes"),
        "{}",
        page.body
    );
    assert!(page.body.contains("First words. Then more.\n</textarea>"));
    // Saving it makes it the article; the restore notice goes.
    let base = base_in(&page.body);
    let mut save = fields("First words. Then more.");
    save.push(("base", &base));
    let r = writer.post(&editor_path, &save).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = writer.get(&editor_path).await;
    assert!(!page.body.contains("Restored your unsaved changes"));
    // Two people in one article: each is told of the other, and a save made on an old
    // version is stopped and kept, never written over the newer one.
    let mut desk = Browser::new(&app, "192.0.2.2");
    desk.login(&ed.email, PASSWORD).await;
    let desk_page = desk.get(&editor_path).await;
    assert!(
        desk_page.body.contains("Ana has this article open too"),
        "{}",
        desk_page.body
    );
    let writer_page = writer.get(&editor_path).await;
    assert!(
        writer_page.body.contains("Ed has this article open too"),
        "{}",
        writer_page.body
    );
    let mut desk_save = fields("The desk's version.");
    let desk_base = base_in(&desk_page.body);
    desk_save.push(("base", &desk_base));
    assert_eq!(
        desk.post(&editor_path, &desk_save).await.status,
        StatusCode::SEE_OTHER
    );
    let mut late_save = fields("The writer's version.");
    let writer_base = base_in(&writer_page.body);
    late_save.push(("base", &writer_base));
    let r = writer.post(&editor_path, &late_save).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Ed saved this article"), "{}", r.body);
    assert!(
        r.body.contains("The writer&#39;s version.\n</textarea>"),
        "shown again"
    );
    let stored = store.article(article_id_typed).await.unwrap().unwrap();
    assert_eq!(stored.body_markdown, "The desk's version.\n");
    assert!(
        writer
            .get(&editor_path)
            .await
            .body
            .contains("The writer&#39;s version.\n</textarea>"),
        "and kept"
    );
    // Unsaved work survives a status change (which moves the article's time but saves
    // no text) and comes back on the next visit.
    let r = writer
        .post(
            &format!("{editor_path}/autosave"),
            &fields("Typed, then submitted."),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        writer
            .post(&format!("{editor_path}/status"), &[("to", "in_review")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = writer.get(&editor_path).await;
    assert!(
        page.body.contains("Typed, then submitted.\n</textarea>"),
        "{}",
        page.body
    );
    // Unsaved work that someone else's save overtook comes back with a warning, and
    // saving it is stopped as a conflict rather than overwriting theirs.
    let desk_page = desk.get(&editor_path).await;
    let mut desk_save = fields("The desk again.");
    let desk_base = base_in(&desk_page.body);
    desk_save.push(("base", &desk_base));
    assert_eq!(
        desk.post(&editor_path, &desk_save).await.status,
        StatusCode::SEE_OTHER
    );
    let page = writer.get(&editor_path).await;
    assert!(page.body.contains("Ed saved this article"), "{}", page.body);
    let mut stale = fields("Typed, then submitted.");
    let stale_base = base_in(&page.body);
    stale.push(("base", &stale_base));
    assert_eq!(
        writer.post(&editor_path, &stale).await.status,
        StatusCode::CONFLICT
    );
    let stored = store.article(article_id_typed).await.unwrap().unwrap();
    assert_eq!(stored.body_markdown, "The desk again.\n");
    // The writer may set the unsaved changes aside and see the saved text.
    let r = writer.post(&format!("{editor_path}/discard"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = writer.get(&editor_path).await;
    assert!(
        page.body.contains("The desk again.\n</textarea>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Restored your unsaved changes"));
    // The history has every save; an old one can be compared and restored.
    let history = writer.get(&format!("{editor_path}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    let revisions = store.revisions(article_id_typed).await.unwrap();
    let saves: Vec<_> = revisions
        .iter()
        .filter(|r| r.kind == masthead_core::revision::RevisionKind::Save)
        .collect();
    assert_eq!(saves.len(), 4, "created, saved by Ana, saved by Ed twice");
    let oldest = saves.last().unwrap().id;
    let diff = writer.get(&format!("{editor_path}/history/{oldest}")).await;
    assert_eq!(diff.status, StatusCode::OK);
    assert!(
        diff.body.contains("<del>The desk again.</del>"),
        "{}",
        diff.body
    );
    assert!(diff.body.contains("<ins>First words.</ins>"));
    let r = writer
        .post(&format!("{editor_path}/history/{oldest}/restore"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stored = store.article(article_id_typed).await.unwrap().unwrap();
    assert_eq!(stored.body_markdown, "First words.\n");
    assert_eq!(
        store.revisions(article_id_typed).await.unwrap().len(),
        revisions.len() + 1
    );
    // A revision of another article is not this one's.
    let other = store.revisions(article_id_typed).await.unwrap()[0].id;
    assert_eq!(
        writer
            .get(&format!("/newsroom/articles/999999/history/{other}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn uploads_are_checked_cleaned_and_given_variants(store: Arc<dyn Store>) {
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let media_dir = tempfile::tempdir().unwrap();
    let app = app_with_media(store.clone(), media_dir.path());
    let mut desk = Browser::new(&app, "192.0.2.1");
    desk.login(&ed.email, PASSWORD).await;
    // From the editor's script: JSON back, variants made afterwards.
    let r = desk
        .upload("harbour.jpg", &jpeg(1000, 500), "Boats at the quay", true)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let uploaded: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let id = uploaded["id"].as_i64().unwrap();
    let url = uploaded["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/media/uploads/") && url.ends_with(".jpg"),
        "{url}"
    );
    let stored = std::fs::read(media_dir.path().join(url.trim_start_matches("/media/"))).unwrap();
    assert_eq!(
        image::guess_format(&stored).unwrap(),
        image::ImageFormat::Jpeg
    );
    let progress = uploaded["progress"].as_str().unwrap().to_owned();
    let mut done = serde_json::Value::Null;
    for _ in 0..200 {
        let p = desk.get(&progress).await;
        done = serde_json::from_str(&p.body).unwrap();
        if done["done"] == done["total"] {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        (done["done"].as_u64(), done["total"].as_u64()),
        (Some(6), Some(6)),
        "{done}"
    );
    let media = store
        .media(masthead_core::ids::MediaId(id))
        .await
        .unwrap()
        .unwrap();
    let sizes: Vec<(u32, u32, &str)> = media
        .variants
        .iter()
        .map(|v| (v.width, v.height, v.mime_type.as_str()))
        .collect();
    assert_eq!(
        sizes,
        [
            (320, 160, "image/jpeg"),
            (320, 160, "image/webp"),
            (640, 320, "image/jpeg"),
            (640, 320, "image/webp"),
            (960, 480, "image/jpeg"),
            (960, 480, "image/webp"),
        ]
    );
    for v in &media.variants {
        let bytes = std::fs::read(media_dir.path().join(&v.storage_key)).unwrap();
        let format = image::guess_format(&bytes).unwrap();
        let expected = if v.mime_type == "image/webp" {
            image::ImageFormat::WebP
        } else {
            image::ImageFormat::Jpeg
        };
        assert_eq!(format, expected, "{}", v.storage_key);
    }
    // Not an image, whatever its name says: refused, nothing stored.
    let files_before = std::fs::read_dir(
        media_dir
            .path()
            .join(url.trim_start_matches("/media/"))
            .parent()
            .unwrap(),
    )
    .unwrap()
    .count();
    let fake = desk
        .upload(
            "innocent.jpg",
            b"<html><script>alert(1)</script></html>",
            "x",
            true,
        )
        .await;
    assert_eq!(fake.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The script is answered in the APIs' JSON error envelope.
    let refused: serde_json::Value = serde_json::from_str(&fake.body).unwrap();
    assert_eq!(refused["errors"][0]["type"], "UnsupportedMediaTypeError");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("not an image"), "{message}");
    let bmp = desk
        .upload("photo.jpg", b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0", "x", false)
        .await;
    assert_eq!(bmp.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(bmp.body.contains("images are not accepted"), "{}", bmp.body);
    // A decompression bomb (968 MB once decoded, 2 GB of memory for one upload) is
    // refused from its header.
    let bomb = desk
        .upload(
            "bomb.png",
            &masthead_testkit::images::pixel_bomb_png(),
            "x",
            true,
        )
        .await;
    assert_eq!(bomb.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(bomb.body.contains("too many pixels"), "{}", bomb.body);
    let truncated = desk
        .upload("cut.jpg", &jpeg(100, 100)[..200], "x", true)
        .await;
    assert_eq!(truncated.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let library = store
        .media_library("", PageRequest::numbered(1, 10))
        .await
        .unwrap();
    assert_eq!(library.total, 1);
    let files_after = std::fs::read_dir(
        media_dir
            .path()
            .join(url.trim_start_matches("/media/"))
            .parent()
            .unwrap(),
    )
    .unwrap()
    .count();
    assert_eq!(
        files_after, files_before,
        "no file written for refused uploads"
    );
    // The library's own form (no script): the token rides in the action.
    let r = desk
        .upload("small.jpg", &jpeg(200, 100), "A small one", false)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.unwrap().starts_with("/newsroom/media?uploaded="));
    // Without the token at all: refused.
    let mut stranger = Browser::new(&app, "192.0.2.2");
    stranger.login(&ed.email, PASSWORD).await;
    stranger.cookies.remove("masthead_login");
    let session = stranger.cookies.clone();
    let mut request = Request::post("/newsroom/media")
        .header(
            "cookie",
            session
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .header("content-type", "multipart/form-data; boundary=x")
        .body(Body::from("--x--\r\n"))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(stranger.ip));
    let refused = app.clone().oneshot(request).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Searching the library, then using a picture as a featured image, with its words.
    let found = desk.get("/newsroom/media?q=quay").await;
    assert!(found.body.contains("Boats at the quay") && !found.body.contains("A small one"));
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let article = newsroom
        .create_draft(
            masthead_core::workflow::Actor {
                person: ed.id,
                role: ed.role,
            },
            ArticleContent::new("Harbour at dawn", "Words."),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let picked = desk.get(&format!("/newsroom/media?for={article}")).await;
    assert!(picked.body.contains("Use as featured image"));
    let r = desk
        .post(
            &format!("/newsroom/articles/{article}/featured"),
            &[("media", &id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let featured = store
        .article(article)
        .await
        .unwrap()
        .unwrap()
        .featured_image
        .unwrap();
    assert_eq!(
        (
            featured.alt.as_str(),
            featured.caption.as_str(),
            featured.credit.as_str()
        ),
        ("Boats at the quay", "A caption", "Staff photo")
    );
    let editor = desk.get(&format!("/newsroom/articles/{article}")).await;
    assert!(
        editor
            .body
            .contains(&format!(r#"class="featured-thumb" src="{url}""#)),
        "{}",
        editor.body
    );
    // The library is shared, so changing a picture's words is on record.
    let r = desk
        .post(
            &format!("/newsroom/media/{id}"),
            &[
                ("alt", "Fishing boats at the quay"),
                ("caption", ""),
                ("credit", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let log = store.audit_log(PageRequest::numbered(1, 5)).await.unwrap();
    assert_eq!(log.items[0].action, AuditAction::MediaDescribed);
    assert_eq!(
        log.items[0].target,
        format!("picture {id}: Fishing boats at the quay")
    );
}

async fn preview_links_show_an_unpublished_article_until_ended(store: Arc<dyn Store>) {
    let ana = staff(&*store, "Ana", Role::Author).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&ana.email, PASSWORD).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new("Budget leak: the draft", "The **whole** draft text.");
    content.visibility = masthead_core::article::Visibility::Members;
    let id = newsroom
        .create_draft(
            masthead_core::workflow::Actor {
                person: ana.id,
                role: ana.role,
            },
            content,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let article = store.article(id).await.unwrap().unwrap();
    let page = writer
        .post(&format!("/newsroom/articles/{id}/preview-link"), &[])
        .await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "shown in the answer, not in an address"
    );
    assert!(page.location.is_none());
    let start = page
        .body
        .find("https://news.example/preview/")
        .expect("the link, once")
        + 29;
    let token = page.body[start..start + 64].to_owned();
    assert!(
        !writer
            .get(&format!("/newsroom/articles/{id}"))
            .await
            .body
            .contains(&token),
        "shown once"
    );
    // Anyone with the link sees the whole article, marked, never indexed or cached.
    let mut reviewer = Browser::new(&app, "198.51.100.3");
    let preview = reviewer.get(&format!("/preview/{token}")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Budget leak: the draft"));
    assert!(
        preview.body.contains("<strong>whole</strong>"),
        "members-only body shown in full"
    );
    assert!(preview.body.contains("this article is not published"));
    assert!(
        preview
            .body
            .contains(r#"<meta name="robots" content="noindex, nofollow">"#),
        "{}",
        preview.body
    );
    assert_eq!(preview.headers["cache-control"], "private, no-store");
    // The article itself is still not public; a made-up token shows nothing.
    assert_eq!(
        reviewer.get(&article.path()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reviewer
            .get(&format!("/preview/{}", "0".repeat(64)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Ending the links ends them.
    let r = writer
        .post(&format!("/newsroom/articles/{id}/preview-link/end"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reviewer.get(&format!("/preview/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn admins_run_the_settings_and_the_roles(store: Arc<dyn Store>) {
    let vic = staff(&*store, "Vic", Role::Admin).await;
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let app = app(store.clone());
    let mut admin = Browser::new(&app, "192.0.2.1");
    admin.login(&vic.email, PASSWORD).await;
    let form = admin.get("/newsroom/settings").await;
    assert_eq!(form.status, StatusCode::OK);
    // A bad time zone: said, nothing saved.
    let r = admin
        .post(
            "/newsroom/settings",
            &[
                ("title", "The Harbour Herald"),
                ("locale", "en-GB"),
                ("timezone", "Mars/Olympus"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("IANA time zone"), "{}", r.body);
    assert!(r.body.contains("Mars/Olympus"), "what was typed is kept");
    assert_ne!(store.settings().await.unwrap().title, "The Harbour Herald");
    // Addresses the site links to are web addresses or site paths, nothing else.
    let r = admin
        .post(
            "/newsroom/settings",
            &[
                ("title", "The Harbour Herald"),
                ("locale", "en-GB"),
                ("timezone", "UTC"),
                ("navigation", "Home | /\nEvil | javascript:alert(1)"),
                ("support_url", "//evil.example/give"),
                ("favicon", "javascript:alert(1)"),
                ("policy_ethics", "/\\evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("navigation entry"), "{}", r.body);
    assert!(r.body.contains("support page"), "{}", r.body);
    assert!(r.body.contains("give the icon as"), "{}", r.body);
    assert!(r.body.contains("the ethics policy must be"), "{}", r.body);
    assert_ne!(store.settings().await.unwrap().title, "The Harbour Herald");
    let r = admin
        .post(
            "/newsroom/settings",
            &[
                ("title", "The Harbour Herald"),
                ("locale", "en-GB"),
                ("timezone", "Europe/London"),
                (
                    "navigation",
                    "Podcasts | /podcasts/\nNewsletters | /newsletters/",
                ),
                ("favicon", "/media/icon.png"),
                ("social_image", "/media/social.png"),
                ("policy_ethics", "/ethics/"),
                ("policy_masthead", "/about/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let settings = store.settings().await.unwrap();
    assert_eq!(settings.favicon, "/media/icon.png");
    assert_eq!(settings.social_image, "/media/social.png");
    assert_eq!(settings.policies.ethics, "/ethics/");
    assert_eq!(settings.policies.masthead, "/about/");
    assert_eq!(settings.policies.corrections, "");
    assert_eq!(
        (settings.title.as_str(), settings.timezone.as_str()),
        ("The Harbour Herald", "Europe/London")
    );
    assert_eq!(settings.navigation[1].url, "/newsletters/");
    let home = Browser::new(&app, "192.0.2.9").get("/").await;
    assert!(
        home.body.contains("The Harbour Herald"),
        "the site shows it at once"
    );
    // Roles: changed by an administrator, at once, never their own.
    let mut writer = Browser::new(&app, "192.0.2.2");
    writer.login(&cara.email, PASSWORD).await;
    assert_eq!(
        writer.get("/newsroom/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let page = admin.get("/newsroom/staff").await;
    assert!(page
        .body
        .contains(&format!(r#"action="/newsroom/staff/{}/role""#, cara.id)));
    assert!(!page
        .body
        .contains(&format!(r#"action="/newsroom/staff/{}/role""#, vic.id)));
    let r = admin
        .post(
            &format!("/newsroom/staff/{}/role", cara.id),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        writer.get("/newsroom/audit").await.status,
        StatusCode::OK,
        "in the same session"
    );
    let r = admin
        .post(
            &format!("/newsroom/staff/{}/role", vic.id),
            &[("role", "contributor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = admin
        .post(
            &format!("/newsroom/staff/{}/role", cara.id),
            &[("role", "emperor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Both are in the audit log, saying what changed.
    let log = store.audit_log(PageRequest::numbered(1, 20)).await.unwrap();
    let said: Vec<(AuditAction, &str)> = log
        .items
        .iter()
        .filter(|e| {
            matches!(
                e.action,
                AuditAction::RoleChanged | AuditAction::SettingsChanged
            )
        })
        .map(|e| (e.action, e.target.as_str()))
        .collect();
    assert_eq!(
        said,
        [
            (
                AuditAction::RoleChanged,
                "Cara: contributor → administrator"
            ),
            (
                AuditAction::SettingsChanged,
                "name, description, language, time zone, navigation, icons, social picture, policies"
            ),
        ]
    );
    let audit_page = admin.get("/newsroom/audit").await;
    assert!(audit_page
        .body
        .contains("Cara: contributor → administrator"));
    assert_eq!(
        store.settings().await.unwrap().free_articles,
        0,
        "absent from the form: as before"
    );
    // The meter: a number of free stories, within bounds.
    let free = |n: &'static str| {
        [
            ("title", "The Harbour Herald"),
            ("locale", "en-GB"),
            ("timezone", "Europe/London"),
            ("free_articles", n),
        ]
    };
    for (n, status) in [
        ("three", StatusCode::UNPROCESSABLE_ENTITY),
        ("51", StatusCode::UNPROCESSABLE_ENTITY),
        ("3", StatusCode::SEE_OTHER),
    ] {
        let r = admin.post("/newsroom/settings", &free(n)).await;
        assert_eq!(r.status, status, "{n}: {}", r.body);
    }
    assert_eq!(store.settings().await.unwrap().free_articles, 3);
    let page = admin.get("/newsroom/settings").await;
    assert!(page
        .body
        .contains(r#"name="free_articles" type="number" min="0" max="50" value="3""#));
    let last = store
        .audit_log(masthead_core::store::PageRequest::numbered(1, 1))
        .await
        .unwrap();
    assert!(
        last.items[0].target.contains("free stories"),
        "{}",
        last.items[0].target
    );
}

/// A published article by `author` with a reader's comment awaiting moderation.
async fn pending_comment(
    store: &dyn Store,
    newsroom: &masthead_core::newsroom::Newsroom,
    author: &Person,
    body: &str,
) -> masthead_core::comment::Comment {
    let id = newsroom
        .create_draft(
            masthead_core::workflow::Actor {
                person: author.id,
                role: Role::Admin,
            },
            ArticleContent::new("Readers discuss the ferry timetable", "Words."),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    newsroom
        .transition(
            masthead_core::workflow::Actor {
                person: author.id,
                role: Role::Admin,
            },
            id,
            Status::Published,
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: format!("reader{}@example.com", id),
            name: "Rita Reader".into(),
        })
        .await
        .unwrap();
    store
        .add_comment(&masthead_core::comment::NewComment::plain(
            id,
            masthead_core::comment::Author::Member(member.id),
            None,
            body,
            masthead_core::comment::CommentStatus::Pending,
            chrono::Utc::now(),
        ))
        .await
        .unwrap()
}

async fn editors_moderate_what_readers_write(store: Arc<dyn Store>) {
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let cara = staff(&*store, "Cara", Role::Contributor).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let comment = pending_comment(&*store, &newsroom, &ed, "<b>Loud</b> but fair.").await;
    let article = store.article(comment.article_id).await.unwrap().unwrap();
    let app = app(store.clone());
    let mut reader = Browser::new(&app, "192.0.2.9");
    assert!(
        !reader.get(&article.path()).await.body.contains("but fair."),
        "not shown yet"
    );
    let mut desk = Browser::new(&app, "192.0.2.1");
    desk.login(&ed.email, PASSWORD).await;
    assert!(desk
        .get("/newsroom/")
        .await
        .body
        .contains("1 comment awaiting moderation"));
    let queue = desk.get("/newsroom/comments").await;
    assert!(
        queue.body.contains("&lt;b&gt;Loud&lt;/b&gt; but fair."),
        "escaped: {}",
        queue.body
    );
    assert!(queue
        .body
        .contains(&format!(r#"href="{}""#, article.path())));
    let r = desk
        .post(
            &format!("/newsroom/comments/{}", comment.id),
            &[("status", "approved")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        reader.get(&article.path()).await.body.contains("but fair."),
        "shown at once"
    );
    assert!(desk
        .get("/newsroom/comments")
        .await
        .body
        .contains("Nothing waiting"));
    assert!(desk
        .get("/newsroom/")
        .await
        .body
        .contains("No comments awaiting moderation or reported."));
    // Writers neither see the queue nor moderate.
    let mut writer = Browser::new(&app, "192.0.2.2");
    writer.login(&cara.email, PASSWORD).await;
    assert!(!writer
        .get("/newsroom/")
        .await
        .body
        .contains("awaiting moderation"));
    assert_eq!(
        writer.get("/newsroom/comments").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn editors_answer_reports_spam_and_members_and_every_step_is_logged(store: Arc<dyn Store>) {
    use masthead_core::comment::{CommentStatus, NewReport, ReportReason};
    use masthead_core::member::Commenting;
    let media = tempfile::tempdir().unwrap();
    let outbox = media.path().join("outbox");
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let first = pending_comment(&*store, &newsroom, &ed, "Fees are too high.").await;
    let masthead_core::comment::Author::Member(rita) = first.author else {
        unreachable!("a reader's comment")
    };
    let article = store.article(first.article_id).await.unwrap().unwrap();
    let app = app_with_media(store.clone(), media.path());
    let mut desk = Browser::new(&app, "192.0.2.1");
    desk.login(&ed.email, PASSWORD).await;
    let decide = |status: &'static str| [("status", status), ("queue", "held"), ("page", "1")];
    let r = desk
        .post(
            &format!("/newsroom/comments/{}", first.id),
            &decide("approved"),
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/newsroom/comments?queue=held&notice=approved")
    );
    // Another reader reports it, with a note: the reported queue shows why.
    let other = store
        .create_member(&masthead_core::member::NewMember {
            email: "other@example.com".into(),
            name: "Otto".into(),
        })
        .await
        .unwrap();
    store
        .report_comment(&NewReport {
            comment_id: first.id,
            member_id: other.id,
            reason: ReportReason::Falsehood,
            note: "The fees <i>fell</i> last year".into(),
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    assert!(desk.get("/newsroom/").await.body.contains("1 reported"));
    let reported = desk.get("/newsroom/comments?queue=reported").await.body;
    assert!(reported.contains("False or misleading"), "{reported}");
    assert!(reported.contains("The fees &lt;i&gt;fell&lt;/i&gt; last year"));
    assert!(reported.contains(">Keep</button>"));
    // An editor answers for the paper, marked as staff; the reader hears of it.
    let r = desk
        .post(
            &format!("/newsroom/comments/{}/reply", first.id),
            &[
                ("body", "They rose by 4%: see the council's figures."),
                ("queue", "reported"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = Browser::new(&app, "192.0.2.8")
        .get(&article.path())
        .await
        .body;
    assert!(page.contains("They rose by 4%"), "{page}");
    assert!(page.contains(r#"<span class="badge">Staff</span>"#));
    let sent = letters(&outbox, 1).await;
    assert_eq!(sent[0].to, format!("reader{}@example.com", article.id));
    assert!(
        sent[0].subject.contains("Ed (") && sent[0].subject.contains("replied to your comment")
    );
    assert!(sent[0].text.contains("They rose by 4%"), "{}", sent[0].text);
    assert!(sent[0]
        .text
        .contains("https://news.example/account#replies"));
    // A reply held for a moderator tells no one until it is approved.
    let held = store
        .add_comment(&masthead_core::comment::NewComment::plain(
            article.id,
            masthead_core::comment::Author::Member(other.id),
            Some(first.id),
            "I disagree with the fees.",
            CommentStatus::Pending,
            chrono::Utc::now(),
        ))
        .await
        .unwrap();
    desk.post(
        &format!("/newsroom/comments/{}", held.id),
        &decide("approved"),
    )
    .await;
    let sent = letters(&outbox, 2).await;
    let told = sent
        .iter()
        .find(|l| l.subject == "Otto replied to your comment")
        .unwrap_or_else(|| panic!("{sent:?}"));
    assert!(told.text.contains("I disagree with the fees."));
    // Held again by a moderator: out of readers' sight, back in the held queue saying
    // who held it; approved once more, it tells no one a second time.
    let r = desk
        .post(
            &format!("/newsroom/comments/{}", held.id),
            &decide("pending"),
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/newsroom/comments?queue=held&notice=pending")
    );
    let queue = desk.get("/newsroom/comments?queue=held").await.body;
    assert!(
        queue.contains("Awaiting moderation: Held by a moderator"),
        "{queue}"
    );
    assert!(queue.contains("I disagree with the fees."));
    assert!(!Browser::new(&app, "192.0.2.8")
        .get(&article.path())
        .await
        .body
        .contains("I disagree with the fees."));
    desk.post(
        &format!("/newsroom/comments/{}", held.id),
        &decide("approved"),
    )
    .await;
    let again = store.comment(held.id).await.unwrap().unwrap();
    assert_eq!(
        (again.status, again.held_reason),
        (CommentStatus::Approved, None)
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(letters(&outbox, 2).await.len(), 2, "no second reply letter");
    // An empty reply is refused, and nothing is posted.
    let r = desk
        .post(
            &format!("/newsroom/comments/{}/reply", first.id),
            &[("body", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        store
            .comments(article.id, CommentStatus::Approved)
            .await
            .unwrap()
            .len(),
        3,
        "the comment, the staff reply and Otto's: nothing more"
    );
    // Keeping it answers the report.
    desk.post(
        &format!("/newsroom/comments/{}", first.id),
        &[("status", "approved"), ("queue", "reported")],
    )
    .await;
    assert!(desk
        .get("/newsroom/comments?queue=reported")
        .await
        .body
        .contains("No open reports."));
    // Spam, then banned: what Rita still has waiting is rejected.
    let waiting = store
        .add_comment(&masthead_core::comment::NewComment::plain(
            article.id,
            masthead_core::comment::Author::Member(rita),
            None,
            "Buy cheap ferry tickets",
            CommentStatus::Pending,
            chrono::Utc::now(),
        ))
        .await
        .unwrap();
    desk.post(&format!("/newsroom/comments/{}", first.id), &decide("spam"))
        .await;
    let spam = desk.get("/newsroom/comments?queue=spam").await.body;
    assert!(spam.contains("Fees are too high."), "{spam}");
    assert!(spam.contains("Not spam: approve"));
    let r = desk
        .post(
            &format!("/newsroom/members/{}/commenting", rita.0),
            &[("commenting", "banned"), ("queue", "spam")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/newsroom/comments?queue=spam&notice=banned")
    );
    assert_eq!(
        store.standing(rita).await.unwrap().unwrap().commenting,
        Commenting::Banned
    );
    assert_eq!(
        store.comment(waiting.id).await.unwrap().unwrap().status,
        CommentStatus::Rejected
    );
    assert!(desk
        .get("/newsroom/comments?queue=spam&notice=banned")
        .await
        .body
        .contains("Lift the ban"));
    // Closing the article's comments: readers are told, the words stay.
    let r = desk
        .post(
            &format!("/newsroom/articles/{}/comments", article.id),
            &[("open", "false"), ("from", "article")],
        )
        .await;
    assert_eq!(
        r.location,
        Some(format!("/newsroom/articles/{}?notice=closed", article.id))
    );
    let page = Browser::new(&app, "192.0.2.8")
        .get(&article.path())
        .await
        .body;
    assert!(page.contains("Comments are closed on this article."));
    assert!(!page.contains("Fees are too high."), "spam is gone");
    // Nonsense is refused by name, and changes nothing.
    for (path, fields) in [
        (
            format!("/newsroom/comments/{}", first.id),
            [("status", "pending")],
        ),
        (
            format!("/newsroom/comments/{}", first.id),
            [("status", "deleted")],
        ),
        (
            format!("/newsroom/members/{}/commenting", rita.0),
            [("commenting", "king")],
        ),
        (
            format!("/newsroom/articles/{}/comments", article.id),
            [("open", "maybe")],
        ),
    ] {
        let r = desk.post(&path, &fields).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {fields:?}"
        );
    }
    for path in [
        "/newsroom/comments/999999".to_owned(),
        "/newsroom/members/999999/commenting".to_owned(),
    ] {
        let r = desk
            .post(&path, &[("status", "approved"), ("commenting", "new")])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        "/newsroom/comments?queue=nope",
        "/newsroom/comments?page=-1",
    ] {
        assert_eq!(desk.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Every step is in the audit log, with what it was done to.
    let log = store
        .audit_log(masthead_core::store::PageRequest::numbered(1, 50))
        .await
        .unwrap();
    let actions: Vec<_> = log
        .items
        .iter()
        .filter(|e| {
            e.actor == Some(ed.id)
                && ![
                    AuditAction::LoggedIn,
                    AuditAction::ArticleCreated,
                    AuditAction::StatusChanged,
                ]
                .contains(&e.action)
        })
        .map(|e| (e.action, e.target.clone()))
        .collect();
    let expected = [
        AuditAction::CommentsClosed,
        AuditAction::CommentingChanged,
        AuditAction::CommentModerated,
        AuditAction::CommentModerated,
        AuditAction::CommentModerated,
        AuditAction::CommentModerated,
        AuditAction::CommentModerated,
        AuditAction::StaffReplied,
        AuditAction::CommentModerated,
    ];
    assert_eq!(
        actions.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        expected,
        "{actions:?}"
    );
    assert!(actions[1].1.contains("Rita Reader") && actions[1].1.ends_with("banned"));
    assert!(
        actions[2].1.contains("Readers discuss the ferry timetable")
            && actions[2].1.ends_with("spam")
    );
    assert!(actions[5].1.ends_with(": held"), "{:?}", actions[5]);
}

/// A live article's entries from its editor page: posted (from the visual editor's
/// document), refused with the words kept, pinned, edited (marked updated), deleted,
/// and the coverage ended; only for live articles, and only by those who may.
async fn authors_post_pin_edit_and_delete_live_entries(store: Arc<dyn Store>) {
    use masthead_core::document::Document;
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let amy = staff(&*store, "Amy", Role::Author).await;
    let ben = staff(&*store, "Ben", Role::Author).await;
    let cora = staff(&*store, "Cora", Role::Contributor).await;
    let app = app(store.clone());
    let mut writer = Browser::new(&app, "192.0.2.1");
    writer.login(&amy.email, PASSWORD).await;
    let world = f.world.id.to_string();
    let mut form = article_form(
        "Storm over Port Alder: live",
        "body_markdown",
        "Updates as they come.",
        &world,
        &amy.id.to_string(),
    );
    form.retain(|(k, _)| k != "article_type");
    form.push(("article_type".into(), "live".into()));
    let r = post_owned(&mut writer, "/newsroom/articles", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = article_id(r.location.as_deref().unwrap());
    let page = writer.get(&format!("/newsroom/articles/{id}")).await;
    assert!(page.body.contains(r#"id="live""#), "{}", page.body);
    assert!(page.body.contains(r#"id="e-body-document""#));
    // Posted from the visual editor.
    let body = Document::from_markdown("The last ferry left at *six*.").to_json();
    let entries = format!("/newsroom/articles/{id}/entries");
    let r = writer
        .post(
            &entries,
            &[("headline", "Ferries stop"), ("body_document", &body)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/newsroom/articles/{id}?notice=entry-posted#live").as_str())
    );
    let article = masthead_core::ids::ArticleId(id);
    let posted = store.live_entries(article, 10).await.unwrap();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].author, Some(amy.id));
    assert_eq!(posted[0].author_name, amy.name);
    assert!(
        posted[0].body_html.contains("<em>six</em>"),
        "{}",
        posted[0].body_html
    );
    let first = posted[0].id;
    // Nothing in it, or a card that is not one: said, with the words kept.
    let r = writer
        .post(&entries, &[("headline", "   "), ("body_markdown", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("needs words"), "{}", r.body);
    let r = writer
        .post(
            &entries,
            &[
                ("headline", "Half written"),
                (
                    "body_markdown",
                    "```masthead:pull_quote\n{\"txt\": 1}\n```\n",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Half written") && r.body.contains("{&quot;txt&quot;: 1}"));
    let r = writer
        .post(
            &entries,
            &[
                ("headline", "Power cut"),
                ("body_markdown", "Eastbank is dark."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Pinned on top, edited (marked updated), deleted.
    let r = writer
        .post(&format!("{entries}/{first}/pin"), &[("pinned", "true")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let order: Vec<String> = store
        .live_entries(article, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.headline)
        .collect();
    assert_eq!(order, ["Ferries stop", "Power cut"]);
    let edit = writer.get(&format!("{entries}/{first}")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("Ferries stop"), "{}", edit.body);
    let r = writer
        .post(
            &format!("{entries}/{first}"),
            &[
                ("headline", "Ferries stop"),
                ("body_markdown", "The last ferry left at *five*."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let edited = store.live_entry(first).await.unwrap().unwrap();
    assert!(edited.updated_at.is_some() && edited.pinned);
    assert!(edited.body_html.contains("five"));
    let page = writer.get(&format!("/newsroom/articles/{id}")).await;
    assert!(page.body.contains("updated <time"), "{}", page.body);
    let second = store.live_entries(article, 10).await.unwrap()[1].id;
    let r = writer
        .post(&format!("{entries}/{second}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(store.live_entries(article, 10).await.unwrap().len(), 1);
    let r = writer
        .post(&format!("{entries}/{second}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The coverage ends, and goes on again.
    let r = writer
        .post(
            &format!("/newsroom/articles/{id}/coverage"),
            &[("ended", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.live_coverage_ended(article).await.unwrap().is_some());
    // Only a live article has entries.
    let r = post_owned(
        &mut writer,
        "/newsroom/articles",
        &article_form(
            "A plain story",
            "body_markdown",
            "Words.",
            &world,
            &amy.id.to_string(),
        ),
    )
    .await;
    let plain = article_id(r.location.as_deref().unwrap());
    let r = writer
        .post(
            &format!("/newsroom/articles/{plain}/entries"),
            &[("headline", "Nope"), ("body_markdown", "Words.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("nly a live article has entries"),
        "{}",
        r.body
    );
    // Another author may not post to Amy's; a contributor posts to none.
    let mut other = Browser::new(&app, "192.0.2.2");
    other.login(&ben.email, PASSWORD).await;
    let r = other
        .post(
            &entries,
            &[("headline", "Mine"), ("body_markdown", "Words.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut contributor = Browser::new(&app, "192.0.2.3");
    contributor.login(&cora.email, PASSWORD).await;
    let r = contributor
        .post(
            &entries,
            &[("headline", "Mine"), ("body_markdown", "Words.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(store.live_entries(article, 10).await.unwrap().len(), 1);
}

/// An editor puts an older story in the home page's lead until a time and another in
/// a slot; readers see them there at once, the rest newest first; mistakes are said
/// and change nothing.
async fn editors_choose_the_home_pages_lead_and_slots(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    use masthead_testkit::fixtures::published;
    let old = published(
        &newsroom,
        "Harbor dredging begins",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    published(
        &newsroom,
        "Council passes budget",
        &f.world,
        f.author.id,
        &f.editor,
        10,
    )
    .await;
    let newest = published(
        &newsroom,
        "Ferry strike ends",
        &f.world,
        f.author.id,
        &f.editor,
        20,
    )
    .await;
    let draft = newsroom
        .create_draft(
            masthead_core::workflow::Actor {
                person: f.editor.id,
                role: Role::Editor,
            },
            ArticleContent::new("Not yet", "Words."),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let app = app(store.clone());
    let eve = staff(&*store, "Eve", Role::Editor).await;
    let mut editor = Browser::new(&app, "192.0.2.1");
    editor.login(&eve.email, PASSWORD).await;
    let home = editor.get("/").await.body;
    let lead = |html: &str| {
        html.split(r#"<div class="lead">"#)
            .nth(1)
            .and_then(|rest| rest.split(r#"<div class="lead-more">"#).next())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        lead(&home).contains("Ferry strike ends"),
        "newest first: {}",
        lead(&home)
    );
    let form = editor.get("/newsroom/front").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Harbor dredging begins"));
    let later = (chrono::Utc::now() + chrono::Duration::hours(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (old_id, newest_id) = (old.to_string(), newest.to_string());
    let r = editor
        .post(
            "/newsroom/front",
            &[
                ("slot-0", old_id.as_str()),
                ("until-0", later.as_str()),
                ("slot-2", newest_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location.as_deref(), Some("/newsroom/front?notice=saved"));
    let slots = store
        .front_slots(masthead_core::curation::Front::Home)
        .await
        .unwrap();
    assert_eq!(slots.len(), 2);
    assert!(slots[0].until.is_some() && slots[1].until.is_none());
    // Readers see it at once (the cached home page is refreshed).
    let mut reader = Browser::new(&app, "192.0.2.9");
    let home = reader.get("/").await.body;
    assert!(
        lead(&home).contains("Harbor dredging begins"),
        "{}",
        lead(&home)
    );
    let shown = editor.get("/newsroom/front").await.body;
    assert!(
        shown.contains("Readers see: Harbor dredging begins"),
        "{shown}"
    );
    // Mistakes: a story twice, a draft, a time past, a story that is no number.
    let past = (chrono::Utc::now() - chrono::Duration::hours(3))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let draft_id = draft.to_string();
    for (fields, says) in [
        (
            vec![("slot-0", old_id.as_str()), ("slot-1", old_id.as_str())],
            "already in another slot",
        ),
        (vec![("slot-0", draft_id.as_str())], "not published"),
        (
            vec![("slot-0", old_id.as_str()), ("until-0", past.as_str())],
            "has passed",
        ),
        (vec![("slot-0", "nine")], "choose a story"),
        (
            vec![("slot-0", old_id.as_str()), ("until-0", "tomorrow")],
            "date and time",
        ),
    ] {
        let r = editor.post("/newsroom/front", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(says), "{fields:?}: {}", r.body);
    }
    assert_eq!(
        store
            .front_slots(masthead_core::curation::Front::Home)
            .await
            .unwrap(),
        slots,
        "nothing changed"
    );
    // Cleared: newest first again.
    let r = editor.post("/newsroom/front", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(lead(&reader.get("/").await.body).contains("Ferry strike ends"));

    // "Most read" over the last 24 hours: a story read a lot two days ago drops out.
    let now = chrono::Utc::now();
    store
        .record_views(now - chrono::Duration::hours(30), &[(old, 500)])
        .await
        .unwrap();
    store.record_views(now, &[(newest, 3)]).await.unwrap();
    let most_read = |html: &str| {
        html.split(r#"id="most-read-h""#)
            .nth(1)
            .and_then(|rest| rest.split("</ol>").next())
            .unwrap_or_default()
            .to_owned()
    };
    let two_days = most_read(&reader.get("/").await.body);
    assert!(
        two_days.find("Harbor dredging begins") < two_days.find("Ferry strike ends"),
        "over 2 days (the default) the older reads count: {two_days}"
    );
    let r = editor
        .post("/newsroom/front", &[("most_read_hours", "12")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Most read"), "{}", r.body);
    let r = editor
        .post("/newsroom/front", &[("most_read_hours", "24")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(store.settings().await.unwrap().most_read_hours, 24);
    let day = most_read(&reader.get("/").await.body);
    assert!(day.contains("Ferry strike ends"), "{day}");
    assert!(!day.contains("Harbor dredging begins"), "{day}");
    assert!(editor
        .get("/newsroom/front")
        .await
        .body
        .contains(r#"<option value="24" selected>"#));

    // A breaking-news banner over every page, until it is taken down.
    let banner = |html: &str| html.contains(r#"<p class="breaking" role="status">"#);
    assert!(!banner(&reader.get("/").await.body));
    for (fields, says) in [
        (vec![("breaking_text", "")], "few words"),
        (
            vec![
                ("breaking_text", "Storm warning"),
                ("breaking_url", "javascript:alert(1)"),
            ],
            "where it leads",
        ),
        (
            vec![
                ("breaking_text", "Storm warning"),
                ("breaking_until", past.as_str()),
            ],
            "has passed",
        ),
    ] {
        let r = editor.post("/newsroom/front/breaking", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(says), "{fields:?}: {}", r.body);
        // What was typed stays in the form.
        assert!(r.body.contains(fields[0].1), "{fields:?}");
    }
    let r = editor
        .post(
            "/newsroom/front/breaking",
            &[
                ("breaking_text", "Storm warning: ferries cancelled"),
                ("breaking_url", "/world/ferry-strike-ends/"),
                ("breaking_until", later.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let story = store.article(newest).await.unwrap().unwrap().path();
    for path in ["/", story.as_str(), "/world/"] {
        let html = reader.get(path).await.body;
        assert!(banner(&html), "{path}");
        assert!(html.contains("Storm warning: ferries cancelled"), "{path}");
    }
    // Saving the settings keeps it (they are another form's).
    let settings = store.settings().await.unwrap();
    assert!(settings.breaking.is_some());
    let admin = staff(&*store, "Ada", Role::Admin).await;
    let mut admin_browser = Browser::new(&app, "192.0.2.3");
    admin_browser.login(&admin.email, PASSWORD).await;
    let r = admin_browser
        .post(
            "/newsroom/settings",
            &[("title", "The Tide"), ("locale", "en"), ("timezone", "UTC")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(store.settings().await.unwrap().breaking.is_some());
    let r = editor
        .post("/newsroom/front/breaking", &[("down", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!banner(&reader.get("/").await.body));
}

/// A section front has its own slots: an editor puts an older story and one from
/// another section at its top; page 1 still holds every one of its newest, page 2 is
/// untouched, and the home page is not changed by it. A slot that lapses while the
/// page is cached is gone at that moment.
async fn editors_choose_a_section_fronts_top_stories(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    use masthead_testkit::fixtures::published;
    let mut world = Vec::new();
    for n in 0..21 {
        world.push(
            published(
                &newsroom,
                &format!("World story {n:02}"),
                &f.world,
                f.author.id,
                &f.editor,
                n,
            )
            .await,
        );
    }
    let markets = published(
        &newsroom,
        "Markets rally",
        &f.business,
        f.author.id,
        &f.editor,
        30,
    )
    .await;
    let app = app(store.clone());
    let eve = staff(&*store, "Eve", Role::Editor).await;
    let mut editor = Browser::new(&app, "192.0.2.1");
    editor.login(&eve.email, PASSWORD).await;
    let mut reader = Browser::new(&app, "192.0.2.9");
    let order = |html: &str, titles: &[&str]| -> Vec<usize> {
        titles
            .iter()
            .map(|t| html.find(t).unwrap_or(usize::MAX))
            .collect()
    };
    // Newest first before any choice; the oldest is on page 2.
    let page = reader.get("/world/").await.body;
    assert!(!page.contains("World story 00"));
    let form = editor.get("/newsroom/front?section=world").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("World front"), "{}", form.body);
    assert!(form.body.contains(r#"name="section" value="world""#));
    assert!(
        !form.body.contains("breaking_text"),
        "the banner is the home page's"
    );
    let soon = chrono::Utc::now() + chrono::Duration::seconds(4);
    let soon_local = soon.format("%Y-%m-%dT%H:%M:%S").to_string();
    let (oldest, markets_id) = (world[0].to_string(), markets.to_string());
    let r = editor
        .post(
            "/newsroom/front",
            &[
                ("section", "world"),
                ("slot-0", oldest.as_str()),
                ("slot-1", markets_id.as_str()),
                ("until-1", soon_local.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some("/newsroom/front?section=world&notice=saved")
    );
    assert_eq!(
        store
            .front_slots(masthead_core::curation::Front::Section(f.world.id))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .front_slots(masthead_core::curation::Front::Home)
        .await
        .unwrap()
        .is_empty());
    let page = reader.get("/world/").await.body;
    let at = order(
        &page,
        &[
            "World story 00",
            "Markets rally",
            "World story 20",
            "World story 01",
        ],
    );
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    // Page 2 is as it was: its one story, the oldest, which is also on page 1.
    let second = reader.get("/world/?page=2").await.body;
    assert!(second.contains("World story 00"));
    assert!(!second.contains("Markets rally"));
    // The home page is not the section's.
    let home = reader.get("/").await.body;
    assert!(
        home.find("Markets rally") < home.find("World story 00").or(Some(usize::MAX)),
        "home stays newest first"
    );
    // An unknown section is no front.
    assert_eq!(
        editor.get("/newsroom/front?section=nowhere").await.status,
        StatusCode::NOT_FOUND
    );
    let r = editor
        .post(
            "/newsroom/front",
            &[("section", "nowhere"), ("slot-0", oldest.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The slot chosen until a few seconds from now lapses while the page is cached.
    let cached = reader.get("/world/").await.body;
    assert!(cached.contains("Markets rally"));
    let wait = (soon - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
    let page = reader.get("/world/").await.body;
    assert!(!page.contains("Markets rally"), "lapsed at its time");
    assert!(page.find("World story 00") < page.find("World story 20"));
}

/// A contributor submits: the editors hear of it (the admin, who chose the inbox only,
/// gets no letter); the editor sends it back with a note mentioning the admin; the
/// writer sees the changes asked for and the note on the dashboard, answers with a
/// note mentioning the editor, and hears when it is published and commented on. The
/// letters are read from a real SMTP server.
async fn staff_hear_of_their_stories_in_the_newsroom_and_by_letter(store: Arc<dyn Store>) {
    use masthead_core::notification::Event;
    let Some(smtp) = masthead_testkit::mail::SmtpServer::start() else {
        return;
    };
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let state = masthead_web::AppState::new(
        store.clone(),
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://news.example".into(),
        masthead_web::mail::Mailer::smtp(&smtp.url(), "Newsroom <newsroom@news.example>").unwrap(),
    );
    // The fixture's own people chose to hear of nothing.
    let nothing = masthead_core::notification::Choices(
        Event::ALL
            .iter()
            .map(|e| {
                (
                    *e,
                    masthead_core::notification::Ways {
                        inbox: false,
                        email: false,
                    },
                )
            })
            .collect(),
    );
    for person in [f.editor.id, f.admin.id, f.author.id] {
        store
            .set_notification_choices(person, &nothing)
            .await
            .unwrap();
    }
    let sender = tokio::spawn(masthead_web::notifications::run(state.clone()));
    let app = masthead_web::router(state.clone());
    let cora = staff(&*store, "Cora", Role::Contributor).await;
    let ed = staff(&*store, "Ed", Role::Editor).await;
    let ann = staff(&*store, "Ann", Role::Admin).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new("Harbour fees to rise", "The vote was close.");
    content.section_id = Some(f.world.id);
    content.authors = vec![cora.id];
    let id = newsroom
        .create_draft(
            masthead_core::workflow::Actor {
                person: cora.id,
                role: Role::Contributor,
            },
            content,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let status = format!("/newsroom/articles/{id}/status");
    let (mut writer, mut desk, mut admin) = (
        Browser::new(&app, "192.0.2.1"),
        Browser::new(&app, "192.0.2.2"),
        Browser::new(&app, "192.0.2.3"),
    );
    writer.login(&cora.email, PASSWORD).await;
    desk.login(&ed.email, PASSWORD).await;
    admin.login(&ann.email, PASSWORD).await;
    // The admin hears of submissions in the newsroom only; the form offers writers
    // no choice about submissions, which they never hear of.
    let choices = admin.get("/newsroom/notifications").await;
    assert!(choices.body.contains(
        r#"name="email-submitted" value="1" aria-label="Submitted for review: by email" checked"#
    ));
    assert!(!writer
        .get("/newsroom/notifications")
        .await
        .body
        .contains("email-submitted"));
    let mut wanted: Vec<(String, String)> = Event::ALL
        .iter()
        .flat_map(|e| {
            [
                format!("inbox-{}", e.as_str()),
                format!("email-{}", e.as_str()),
            ]
        })
        .filter(|f| f != "email-submitted")
        .map(|f| (f, "1".to_owned()))
        .collect();
    let r = post_owned(&mut admin, "/newsroom/notifications/choices", &wanted).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!admin
        .get("/newsroom/notifications?notice=saved")
        .await
        .body
        .contains(r#"aria-label="Submitted for review: by email" checked"#));
    wanted.clear();

    // Submitted: the editors hear, the writer does not.
    let r = writer.post(&status, &[("to", "in_review")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let letters = smtp.letters(1).await;
    assert_eq!(letters[0].to, ed.email);
    assert_eq!(
        letters[0].subject,
        "Submitted for review: Harbour fees to rise"
    );
    assert!(
        letters[0]
            .text
            .contains("Cora submitted “Harbour fees to rise” for review."),
        "{}",
        letters[0].text
    );
    assert!(letters[0]
        .text
        .contains(&format!("https://news.example/newsroom/articles/{id}")));
    let dashboard = desk.get("/newsroom/").await.body;
    assert!(
        dashboard.contains(r#"<span class="badge">1<span class="visually-hidden"> unread</span>"#),
        "{dashboard}"
    );
    assert!(dashboard.contains("Cora submitted “Harbour fees to rise” for review."));
    assert_eq!(store.unread_notifications(ann.id).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(cora.id).await.unwrap(), 0);

    // Sent back with a note that mentions the admin.
    let r = desk
        .post(
            &status,
            &[
                ("to", "draft"),
                ("note", "Check the figures, @ann and @cora."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let letters = smtp.letters(3).await;
    let to_cora = letters
        .iter()
        .find(|l| l.to == cora.email)
        .expect("a letter to the writer");
    assert_eq!(to_cora.subject, "Changes requested: Harbour fees to rise");
    assert!(to_cora.text.contains("Check the figures, @ann and @cora."));
    let to_ann = letters
        .iter()
        .find(|l| l.to == ann.email)
        .expect("the mention's letter");
    assert_eq!(to_ann.subject, "A mention in a note: Harbour fees to rise");
    // The writer sees what to change on the dashboard, without opening the story.
    let dashboard = writer.get("/newsroom/").await.body;
    assert!(
        dashboard.contains("Ed sent “Harbour fees to rise” back with changes requested."),
        "{dashboard}"
    );
    assert!(dashboard.contains("Check the figures, @ann and @cora."));
    // Once seen in the inbox, nothing is unread.
    let inbox = writer.get("/newsroom/notifications").await.body;
    assert!(inbox.contains(r#"class="new">New</strong>"#));
    assert_eq!(store.unread_notifications(cora.id).await.unwrap(), 0);
    assert!(!writer
        .get("/newsroom/")
        .await
        .body
        .contains(r#"class="badge""#));

    // A note of her own mentions the editor; a bad note is refused, and no one else's
    // story takes her notes.
    let notes = format!("/newsroom/articles/{id}/notes");
    let r = writer.post(&notes, &[("note", "   ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = "x".repeat(2001);
    let r = writer.post(&notes, &[("note", long.as_str())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        writer
            .post("/newsroom/articles/999999/notes", &[("note", "Hi")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let other = masthead_testkit::fixtures::published(
        &newsroom,
        "Not hers",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    assert_eq!(
        writer
            .post(
                &format!("/newsroom/articles/{other}/notes"),
                &[("note", "@ed hi")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = writer
        .post(&notes, &[("note", "Done, @ed: figures checked.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/newsroom/articles/{id}?notice=noted#notes").as_str())
    );
    let letters = smtp.letters(4).await;
    let mention = &letters[3];
    assert_eq!(
        (mention.to.as_str(), mention.subject.as_str()),
        (
            ed.email.as_str(),
            "A mention in a note: Harbour fees to rise"
        )
    );
    let page = desk.get(&format!("/newsroom/articles/{id}")).await.body;
    assert!(page.contains("Done, @ed: figures checked."));

    // Published by the editor: the writer hears; then a reader's comment.
    assert_eq!(
        writer.post(&status, &[("to", "in_review")]).await.status,
        StatusCode::SEE_OTHER
    );
    smtp.letters(5).await;
    assert_eq!(
        desk.post(&status, &[("to", "published")]).await.status,
        StatusCode::SEE_OTHER
    );
    let letters = smtp.letters(6).await;
    assert_eq!(
        (letters[5].to.as_str(), letters[5].subject.as_str()),
        (cora.email.as_str(), "Published: Harbour fees to rise")
    );
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: "reader@example.com".into(),
            name: "Rea".into(),
        })
        .await
        .unwrap();
    let comment = store
        .add_comment(&masthead_core::comment::NewComment::plain(
            id,
            masthead_core::comment::Author::Member(member.id),
            None,
            "Good to see the figures.",
            masthead_core::comment::CommentStatus::Approved,
            chrono::Utc::now(),
        ))
        .await
        .unwrap();
    masthead_web::notifications::comment_posted(&state, &comment);
    let letters = smtp.letters(7).await;
    assert_eq!(
        (letters[6].to.as_str(), letters[6].subject.as_str()),
        (
            cora.email.as_str(),
            "A comment on your story: Harbour fees to rise"
        )
    );
    assert!(letters[6].text.contains("Good to see the figures."));
    let kinds: Vec<Event> = store
        .notifications(cora.id, 10)
        .await
        .unwrap()
        .iter()
        .map(|n| n.event)
        .collect();
    assert_eq!(
        kinds,
        [Event::Comment, Event::Published, Event::ChangesRequested]
    );
    // Nothing more goes out: each letter once.
    assert_eq!(
        smtp.count_after(std::time::Duration::from_millis(600))
            .await,
        7
    );
    sender.abort();
}

/// An editor adds a news agency's byline with a photo; it is offered in every article's
/// searchable byline list (not as an editor), shown with its photo on the story and on
/// its author page, renamed everywhere at once, and can never sign in. Staff choose
/// their own photo on their account page.
async fn editors_keep_bylines_without_a_login(store: Arc<dyn Store>) {
    let f = masthead_testkit::fixtures::newsroom(&*store).await;
    let newsroom = masthead_testkit::fixtures::newsroom_service(store.clone());
    let app = app(store.clone());
    let eve = staff(&*store, "Eve", Role::Editor).await;
    let cora = staff(&*store, "Cora", Role::Contributor).await;
    let mut editor = Browser::new(&app, "192.0.2.1");
    editor.login(&eve.email, PASSWORD).await;
    let photo = store
        .create_media(&masthead_core::media::NewMedia {
            storage_key: "uploads/wire-logo.png".into(),
            mime_type: "image/png".into(),
            width: Some(400),
            height: Some(400),
            byte_size: 100,
            alt: "The agency's logo".into(),
            caption: String::new(),
            credit: String::new(),
            uploaded_by: Some(eve.id),
            variants: Vec::new(),
        })
        .await
        .unwrap();
    let list = editor.get("/newsroom/bylines").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("No bylines without a login yet."));
    assert!(
        list.body.contains(r#"<option value="">No photo</option>"#)
            || list
                .body
                .contains(r#"<option value="" selected>No photo</option>"#)
    );
    let photo_id = photo.id.to_string();
    // Mistakes are said, and what was typed stays.
    for (fields, says) in [
        (
            vec![("kind", "staff"), ("name", "Harbor Wire")],
            "choose a guest writer",
        ),
        (vec![("kind", "wire"), ("name", " ")], "name is required"),
        (
            vec![("kind", "wire"), ("name", "Harbor Wire"), ("photo", "logo")],
            "choose the photo",
        ),
        (
            vec![
                ("kind", "wire"),
                ("name", "Harbor Wire"),
                ("photo", "999999"),
            ],
            "choose the photo",
        ),
        (
            vec![
                ("kind", "wire"),
                ("name", "Harbor Wire"),
                ("social_links", "Site | javascript:alert(1)"),
            ],
            "Name | https://",
        ),
    ] {
        let r = editor.post("/newsroom/bylines", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(says), "{fields:?}: {}", r.body);
        assert!(r.body.contains(fields[1].1.trim()), "typed words kept");
    }
    assert!(store.people().await.unwrap().iter().all(|p| p.signs_in()));
    let r = editor
        .post(
            "/newsroom/bylines",
            &[
                ("kind", "wire"),
                ("name", "Harbor Wire"),
                ("job_title", "News agency"),
                ("bio", "The Harbor Wire supplies news from the coast."),
                ("social_links", "Website | https://wire.example"),
                ("photo", photo_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let wire = store.person_by_slug("harbor-wire").await.unwrap().unwrap();
    assert_eq!(wire.kind, masthead_core::people::Kind::Wire);
    assert!(!wire.signs_in());
    assert_eq!(wire.avatar, Some(photo.id));
    assert!(wire.email.ends_with("@profiles.invalid"), "{}", wire.email);
    // It can never sign in, nor be sent a reset link.
    let mut intruder = Browser::new(&app, "192.0.2.66");
    let r = intruder
        .post(
            "/newsroom/login",
            &[("email", wire.email.as_str()), ("password", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(store
        .person_credentials(&wire.email)
        .await
        .unwrap()
        .is_none());
    // The editor offers it among the bylines, searchable, and not as an editor.
    let new = editor.get("/newsroom/articles/new").await.body;
    assert!(new.contains(r#"data-picker="bylines""#));
    let bylines = new.split(r#"id="f-editors""#).next().unwrap();
    assert!(bylines.contains("Harbor Wire (News agency)"), "{bylines}");
    let editors = new
        .split(r#"id="f-editors""#)
        .nth(1)
        .unwrap()
        .split("</fieldset>")
        .next()
        .unwrap();
    assert!(!editors.contains("Harbor Wire"), "{editors}");
    // Credited on a story: its photo and name on the byline, its author page.
    let mut content = ArticleContent::new(
        "Storm closes the coast road",
        "The road is shut.\n\nMore soon.",
    );
    content.section_id = Some(f.world.id);
    content.authors = vec![wire.id, f.author.id];
    let id = masthead_testkit::fixtures::publish(&newsroom, &f.editor, content, chrono::Utc::now())
        .await;
    let path = store.article(id).await.unwrap().unwrap().path();
    let mut reader = Browser::new(&app, "192.0.2.9");
    let page = reader.get(&path).await.body;
    let byline = page
        .split(r#"<p class="byline">"#)
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        byline.contains(r#"<img class="byline-photo" src="/media/uploads/wire-logo.png""#),
        "{byline}"
    );
    assert!(byline.contains(r#"alt="""#), "decorative: the name follows");
    assert!(
        byline.contains(r#"<a href="/author/harbor-wire/" rel="author">Harbor Wire</a>"#),
        "{byline}"
    );
    assert_eq!(
        byline.matches("byline-photo").count(),
        1,
        "the staff author has no photo"
    );
    let author = reader.get("/author/harbor-wire/").await;
    assert_eq!(author.status, StatusCode::OK);
    assert!(author.body.contains(r#"class="profile-photo""#));
    assert!(author
        .body
        .contains("The Harbor Wire supplies news from the coast."));
    assert!(author.body.contains("Storm closes the coast road"));
    // Renamed: every page shows the new name at once.
    let edit = format!("/newsroom/bylines/{}", wire.id);
    assert!(editor
        .get(&edit)
        .await
        .body
        .contains(r#"value="Harbor Wire""#));
    let r = editor
        .post(
            &edit,
            &[
                ("name", "Harbor Wire Service"),
                ("photo", photo_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(reader
        .get(&path)
        .await
        .body
        .contains(">Harbor Wire Service</a>"));
    let r = editor.post(&edit, &[("name", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Staff accounts are not bylines to edit here.
    assert_eq!(
        editor
            .get(&format!("/newsroom/bylines/{}", cora.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        editor.get("/newsroom/bylines/nine").await.status,
        StatusCode::NOT_FOUND
    );
    let list = editor.get("/newsroom/bylines").await.body;
    assert!(list.contains("Harbor Wire Service") && list.contains("News agency"));
    // A staff member chooses their own photo.
    let mut writer = Browser::new(&app, "192.0.2.2");
    writer.login(&cora.email, PASSWORD).await;
    assert!(writer
        .get("/newsroom/account")
        .await
        .body
        .contains(r#"name="photo""#));
    let r = writer
        .post(
            "/newsroom/account/profile",
            &[("name", "Cora"), ("photo", photo_id.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        store.person(cora.id).await.unwrap().unwrap().avatar,
        Some(photo.id)
    );
    let r = writer
        .post(
            "/newsroom/account/profile",
            &[("name", "Cora"), ("photo", "42x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose the photo"));
}

async fn admins_keep_integrations_and_their_keys(store: Arc<dyn Store>) {
    let app = app(store.clone());
    let ada = staff(&*store, "Ada", Role::Admin).await;
    let mut admin = Browser::new(&app, "192.0.2.1");
    admin.login(&ada.email, PASSWORD).await;
    let list = admin.get("/newsroom/integrations").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("No integrations yet."), "{}", list.body);
    // Added with fresh keys, shown to the admin.
    let r = admin
        .post(
            "/newsroom/integrations",
            &[("name", "Mobile app"), ("rate_limit", "120")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let made = store.integrations().await.unwrap().remove(0);
    assert_eq!((made.name.as_str(), made.rate_limit), ("Mobile app", 120));
    let page = admin.get("/newsroom/integrations?notice=added").await.body;
    assert!(
        page.contains(&made.keys.content) && page.contains(&made.keys.admin_key()),
        "{page}"
    );
    // Mistakes are refused with the form as typed, and nothing is stored.
    for (name, rate, says) in [
        ("", "60", "give the integration a name"),
        ("Busy", "lots", "whole number"),
        ("Busy", "0", "between 1 and"),
    ] {
        let r = admin
            .post(
                "/newsroom/integrations",
                &[("name", name), ("rate_limit", rate)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name} {rate}");
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    assert_eq!(store.integrations().await.unwrap().len(), 1);
    // New keys: the old ones stop working.
    let r = admin
        .post(&format!("/newsroom/integrations/{}/rotate", made.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store
        .integration_by_content_key(&made.keys.content)
        .await
        .unwrap()
        .is_none());
    let rotated = store.integration(made.id).await.unwrap().unwrap();
    assert_ne!(rotated.keys, made.keys);
    // A webhook: added with a secret of its own, shown to the admin, deleted.
    let r = admin
        .post(
            &format!("/newsroom/integrations/{}/webhooks", made.id),
            &[
                ("event", "post.published"),
                ("target_url", "https://hooks.example/in"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let hook = store.webhooks(Some(made.id)).await.unwrap().remove(0);
    assert!(hook.secret.starts_with("whsec_") && hook.secret.len() > 30);
    let page = admin.get("/newsroom/integrations").await.body;
    assert!(
        page.contains(&hook.secret) && page.contains("https://hooks.example/in"),
        "{page}"
    );
    assert!(page.contains("No deliveries yet."));
    for (event, url) in [
        ("post.sneezed", "https://hooks.example/in"),
        ("post.published", "ftp://x.example/"),
    ] {
        let r = admin
            .post(
                &format!("/newsroom/integrations/{}/webhooks", made.id),
                &[("event", event), ("target_url", url)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{event} {url}");
    }
    let r = admin
        .post(&format!("/newsroom/webhooks/{}/delete", hook.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.webhooks(None).await.unwrap().is_empty());
    let r = admin
        .post(&format!("/newsroom/webhooks/{}/delete", hook.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Revoked: no key works, it stays listed as revoked, and cannot get new keys.
    let r = admin
        .post(&format!("/newsroom/integrations/{}/revoke", made.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store
        .integration_by_content_key(&rotated.keys.content)
        .await
        .unwrap()
        .is_none());
    let page = admin.get("/newsroom/integrations").await.body;
    assert!(
        page.contains("revoked") && !page.contains(&rotated.keys.content),
        "{page}"
    );
    let r = admin
        .post(&format!("/newsroom/integrations/{}/rotate", made.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for id in ["999999", "x"] {
        let r = admin
            .post(&format!("/newsroom/integrations/{id}/revoke"), &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}");
    }
    // Each change is in the audit log.
    let audit = admin.get("/newsroom/audit").await.body;
    for said in [
        "Added an integration",
        "Replaced an integration",
        "Revoked an integration",
    ] {
        assert!(audit.contains(said), "{said}");
    }
}
