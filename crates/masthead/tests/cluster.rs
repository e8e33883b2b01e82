//! Several `masthead serve` nodes on one PostgreSQL database, as the README promises:
//! an edit acknowledged by one node is on every other node's very next request,
//! although each node caches pages and site settings in its own memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use masthead_testkit::fixtures;
use masthead_testkit::http;
use std::net::SocketAddr;
use support::{add_staff, field, serve, Session};

fn free_addr() -> SocketAddr {
    format!("127.0.0.1:{}", http::free_port()).parse().unwrap()
}

#[test]
fn an_edit_on_one_node_is_on_the_others_next_request() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(masthead_testkit::postgres()) else {
        return;
    };
    let (f, article) = runtime.block_on(async {
        let f = fixtures::newsroom(&*db.store).await;
        let newsroom = fixtures::newsroom_service(db.store.clone());
        let id = fixtures::published(
            &newsroom,
            "Harbour reopens",
            &f.world,
            f.author.id,
            &f.editor,
            0,
        )
        .await;
        (f, id)
    });
    let dir = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    let password = add_staff(&data_a, Some(&db.url), "vic@example.com", "admin");
    let (addr_a, addr_b) = (free_addr(), free_addr());
    let mut node_a = serve(&data_a, Some(&db.url), addr_a);
    let mut node_b = serve(&data_b, Some(&db.url), addr_b);

    let pages = ["/", "/world/", "/world/harbour-reopens/"];
    let read_b = |path: &str| {
        let r = http::get(addr_b, path);
        assert_eq!(r.status, 200, "{path} on B");
        r.body
    };
    // B has every page cached.
    for path in pages {
        read_b(path);
        read_b(path);
    }

    let mut admin = Session::log_in(addr_a, "vic@example.com", &password);
    let csrf = field(&admin.get("/newsroom/settings").body, "csrf");

    // Settings, saved on A: B's next request shows them.
    let r = admin
        .post(
            "/newsroom/settings",
            &[
                ("csrf", &csrf),
                ("title", "The Two Harbours Times"),
                ("locale", "en"),
                ("timezone", "UTC"),
            ],
        )
        .unwrap();
    assert_eq!(r.status, 303, "{}", r.body);
    for path in pages {
        assert!(
            read_b(path).contains("The Two Harbours Times"),
            "settings on B at {path}"
        );
    }

    // An article, saved on A.
    let (world, author) = (f.world.id.to_string(), f.author.id.to_string());
    let r = admin
        .post(
            &format!("/newsroom/articles/{}", article.0),
            &[
                ("csrf", &csrf),
                ("title", "Harbour reopens after the storm"),
                ("body_markdown", "Ferries sail again from node A."),
                ("article_type", "news"),
                ("visibility", "public"),
                ("section", &world),
                ("authors", &author),
            ],
        )
        .unwrap();
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(read_b("/world/harbour-reopens/").contains("Ferries sail again from node A."));
    for path in ["/", "/world/"] {
        assert!(
            read_b(path).contains("Harbour reopens after the storm"),
            "the new headline on B at {path}"
        );
    }

    // A section, renamed on A.
    let r = admin
        .post(
            &format!("/newsroom/sections/{}", f.world.id.0),
            &[
                ("csrf", &csrf),
                ("name", "World Affairs"),
                ("slug", "world"),
                ("description", "The world, from the harbour."),
                ("position", "1"),
                ("in_navigation", "on"),
            ],
        )
        .unwrap();
    assert_eq!(r.status, 303, "{}", r.body);
    for path in pages {
        assert!(
            read_b(path).contains("World Affairs"),
            "the section on B at {path}"
        );
    }

    // And the other way round: B's edits reach A.
    for path in pages {
        http::get(addr_a, path);
    }
    let mut admin_b = Session::log_in(addr_b, "vic@example.com", &password);
    let csrf_b = field(&admin_b.get("/newsroom/settings").body, "csrf");
    let r = admin_b
        .post(
            "/newsroom/settings",
            &[
                ("csrf", &csrf_b),
                ("title", "The Harbour Herald"),
                ("locale", "en"),
                ("timezone", "UTC"),
            ],
        )
        .unwrap();
    assert_eq!(r.status, 303);
    for path in pages {
        assert!(
            http::get(addr_a, path).body.contains("The Harbour Herald"),
            "{path} on A"
        );
    }

    for node in [&mut node_a, &mut node_b] {
        let _ = node.kill();
        let _ = node.wait();
    }
    drop(db);
}
