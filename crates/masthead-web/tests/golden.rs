//! Golden tests: every page type of the reader portal, rendered from one small fixed
//! newsroom, compared byte for byte with `tests/golden/*.html`, on both backends.
//! After an intended change, rewrite them with `MASTHEAD_BLESS=1` and review the diff.
//!
//! Two things that move on their own are normalised before comparing: today's date
//! in the masthead and footer, and the stylesheet's content fingerprint.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use masthead_core::article::{
    ArticleContent, ArticleType, CorrectionKind, FeaturedImage, Source, Status, Visibility,
};
use masthead_core::comment::{CommentStatus, NewComment};
use masthead_core::media::{MediaVariant, NewMedia};
use masthead_core::member::NewMember;
use masthead_core::page::{PageContent, PageStatus};
use masthead_core::site::Settings;
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use masthead_testkit::store_test;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

store_test!(every_page_type_matches_its_golden_file);

/// The newsroom every golden page is rendered from.
async fn newsroom(store: &Arc<dyn Store>) -> masthead_search::SearchIndex {
    let f = fixtures::newsroom(&**store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let editor = NewsroomFixture::actor(&f.editor);
    let minutes = |m| t0() + chrono::Duration::minutes(m);
    store
        .save_settings(&Settings {
            title: "The Harbour Gazette".into(),
            description: "News from the harbour.".into(),
            locale: "en-GB".into(),
            // Dates show in the publication's zone (UTC-5 in March), not the server's.
            timezone: "America/New_York".into(),
            support_text: "Readers fund our reporting.".into(),
            support_url: "/support/".into(),
            ..Settings::default()
        })
        .await
        .unwrap();
    for (title, slug) in [("About us", "about"), ("Support us", "support")] {
        newsroom
            .create_page(
                PageContent {
                    slug: slug.into(),
                    title: title.into(),
                    description: format!("{title}."),
                    body: masthead_core::document::Document::from_markdown(&format!(
                        "## {title}\n\nWe report on the **harbour**."
                    )),
                    status: PageStatus::Published,
                    position: 0,
                    in_footer: true,
                },
                t0(),
            )
            .await
            .unwrap();
    }
    let media = store
        .create_media(&NewMedia {
            storage_key: "2026/03/cranes.jpg".into(),
            mime_type: "image/jpeg".into(),
            width: Some(1600),
            height: Some(900),
            byte_size: 1000,
            alt: "Cranes over the harbour".into(),
            caption: "The container terminal at dawn.".into(),
            credit: "Photo: Gazette staff".into(),
            uploaded_by: None,
            variants: vec![MediaVariant {
                width: 800,
                height: 450,
                mime_type: "image/jpeg".into(),
                storage_key: "2026/03/cranes-800.jpg".into(),
                byte_size: 500,
            }],
        })
        .await
        .unwrap();

    let publish = |content: ArticleContent, at| {
        let newsroom = newsroom.clone();
        async move {
            let id = newsroom.create_draft(editor, content, at).await.unwrap();
            newsroom
                .transition(editor, id, Status::Published, None, at)
                .await
                .unwrap();
            id
        }
    };
    let mut lead = ArticleContent::new(
        "Dockers vote to end strike",
        "Workers **returned** on Monday after 40 days.\n\n## What changes\n\n- A 6% raise\n- Safer night shifts\n\n> \"We held the line,\" said one crane driver.",
    );
    lead.standfirst = "The deal ends the longest stoppage in the port's history.".into();
    lead.section_id = Some(f.business.id);
    lead.tags = vec!["Labour".into(), "Port".into()];
    lead.authors = vec![f.author.id, f.contributor.id];
    lead.editors = vec![f.editor.id];
    lead.featured_image = Some(FeaturedImage {
        media_id: media.id,
        alt: media.alt.clone(),
        caption: media.caption.clone(),
        credit: media.credit.clone(),
    });
    lead.sources = vec![Source {
        name: "Union ballot result".into(),
        url: "https://union.example/ballot".into(),
        note: "published Sunday".into(),
    }];
    let lead = publish(lead, minutes(60)).await;
    newsroom
        .add_correction(
            editor,
            lead,
            CorrectionKind::Correction,
            "The strike lasted 40 days, not 41.",
            minutes(120),
        )
        .await
        .unwrap();
    let member = store
        .create_member(&NewMember {
            name: "Rita Reader".into(),
            email: "rita@example.com".into(),
        })
        .await
        .unwrap();
    let first = store
        .add_comment(&NewComment::plain(
            lead,
            masthead_core::comment::Author::Member(member.id),
            None,
            "Good news for the port.",
            CommentStatus::Approved,
            minutes(90),
        ))
        .await
        .unwrap();
    store
        .add_comment(&NewComment::plain(
            lead,
            masthead_core::comment::Author::Member(member.id),
            Some(first.id),
            "And for the town.",
            CommentStatus::Approved,
            minutes(95),
        ))
        .await
        .unwrap();

    let mut opinion = ArticleContent::new("The port needs a plan", "Our view, in short.");
    opinion.section_id = Some(f.world.id);
    opinion.tags = vec!["Port".into()];
    opinion.authors = vec![f.admin.id];
    opinion.article_type = ArticleType::Opinion;
    publish(opinion, minutes(30)).await;
    let mut members =
        ArticleContent::new("Inside the negotiations", "The full story of the talks.");
    members.section_id = Some(f.business.id);
    members.tags = vec!["Labour".into()];
    members.authors = vec![f.author.id];
    members.visibility = Visibility::Members;
    publish(members, minutes(20)).await;
    let withdrawn = publish(
        {
            let mut c = ArticleContent::new("A story withdrawn", "It was wrong.");
            c.section_id = Some(f.world.id);
            c.authors = vec![f.author.id];
            c
        },
        minutes(10),
    )
    .await;
    newsroom
        .transition(editor, withdrawn, Status::Unpublished, None, minutes(200))
        .await
        .unwrap();

    let index = masthead_search::SearchIndex::in_memory().unwrap();
    index.rebuild(&**store).await.unwrap();
    index
}

/// Today's date and the asset fingerprint, made constant.
fn normalise(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // <p class="dateline"><time datetime="...">...</time></p>
    const DATELINE: &str = "<p class=\"dateline\">";
    if let Some(at) = rest.find(DATELINE) {
        let end = rest[at..].find("</p>").unwrap() + at;
        out.push_str(&rest[..at]);
        out.push_str("<p class=\"dateline\"><time datetime=\"TODAY\">TODAY</time>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    // Every asset's fingerprint (`/assets/style.3f2a9c1d0b4e5f67.css`) changes with
    // the asset: the pages only need to point at the asset.
    let mut text = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = rest.find("/assets/") {
        let (before, after) = rest.split_at(at + "/assets/".len());
        text.push_str(before);
        let end = after.find('"').unwrap_or(after.len());
        let name = &after[..end];
        match name.split('.').collect::<Vec<_>>().as_slice() {
            [stem, hash, ext] if hash.len() == 16 => {
                text.push_str(&format!("{stem}.FINGERPRINT.{ext}"));
            }
            _ => text.push_str(name),
        }
        rest = &after[end..];
    }
    text.push_str(rest);
    let year = chrono::Datelike::year(&chrono::Utc::now());
    text.replace(&format!("&copy; {year} "), "&copy; YEAR ")
}

async fn every_page_type_matches_its_golden_file(store: Arc<dyn Store>) {
    let index = newsroom(&store).await;
    let app = masthead_web::router(masthead_web::AppState::new(
        store.clone(),
        Arc::new(index),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        "https://gazette.example".into(),
        masthead_web::mail::Mailer::outbox(
            &std::env::temp_dir().join("masthead-test-outbox"),
            "Test <newsroom@example.com>",
        )
        .unwrap(),
    ));
    let pages = [
        ("home", "/", StatusCode::OK),
        ("latest", "/latest/", StatusCode::OK),
        ("section", "/business/", StatusCode::OK),
        ("tag", "/tag/labour/", StatusCode::OK),
        ("author", "/author/ada-author/", StatusCode::OK),
        (
            "article",
            "/business/dockers-vote-to-end-strike/",
            StatusCode::OK,
        ),
        (
            "article-opinion",
            "/world/the-port-needs-a-plan/",
            StatusCode::OK,
        ),
        (
            "article-members",
            "/business/inside-the-negotiations/",
            StatusCode::OK,
        ),
        ("page", "/about/", StatusCode::OK),
        ("corrections", "/corrections/", StatusCode::OK),
        ("search", "/search/?q=strike", StatusCode::OK),
        ("not-found", "/no-such-page/", StatusCode::NOT_FOUND),
        ("gone", "/world/a-story-withdrawn/", StatusCode::GONE),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("MASTHEAD_BLESS").is_some();
    let mut mismatches = Vec::new();
    for (name, path, expected) in pages {
        let response = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{path}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let html = normalise(std::str::from_utf8(&body).unwrap());
        let file = dir.join(format!("{name}.html"));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &html).unwrap();
            continue;
        }
        let golden = std::fs::read_to_string(&file).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run with MASTHEAD_BLESS=1 to write it",
                file.display()
            )
        });
        if golden != html {
            let line = golden
                .lines()
                .zip(html.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| golden.lines().count().min(html.lines().count()));
            mismatches.push(format!(
                "{name} ({path}) differs from line {}:\n  golden: {}\n  now:    {}",
                line + 1,
                golden.lines().nth(line).unwrap_or("<end>"),
                html.lines().nth(line).unwrap_or("<end>"),
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{}\n(rewrite with MASTHEAD_BLESS=1 if the change is intended)",
        mismatches.join("\n")
    );
}
