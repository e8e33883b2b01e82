//! The demo publication as readers, browsers, validators and crawlers see it, served by
//! the real binary: every page through the Nu HTML Checker, feeds through feedparser,
//! sitemaps against the sitemaps.org schemas, and a reader's journey in headless
//! Chromium with axe-core checking each page and screenshots at desktop and phone width.
//!
//! The external tools are installed by `bash .ci/tools.sh` (see there). Without them
//! these tests say so and pass, except under `CI=true`, where they must run.
//! `MASTHEAD_SCREENSHOTS=<dir>` also writes the screenshots there (the README's are
//! refreshed with `MASTHEAD_SCREENSHOTS=docs/screenshots`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use masthead_testkit::{http, tools};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// `masthead demo` on a free port, stopped when dropped.
struct Demo {
    child: Child,
    addr: SocketAddr,
    /// Its base URL (the address, unless started with one of its own).
    base: String,
    /// The staff login the demo prints: email and password.
    login: (String, String),
    /// The demo's (temporary) data directory.
    data_dir: PathBuf,
    /// The demo integration's Content API key, as the demo prints it.
    content_key: String,
}

impl Demo {
    fn start() -> Self {
        Self::start_with(0, &[])
    }

    /// The demo on `port` (0: any free one), with these `MASTHEAD_*` settings.
    fn start_with(port: u16, settings: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_masthead"));
        command
            .args(["demo", "--port", &port.to_string()])
            .env_remove("MASTHEAD_DATA_DIR")
            .env_remove("MASTHEAD_DATABASE_URL")
            .env_remove("MASTHEAD_BASE_URL")
            .env_remove("MASTHEAD_SMTP_URL")
            .envs(settings.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut url, mut login, mut data_dir, mut content_key) = (None, None, None, None);
        for line in lines {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("Data directory: ") {
                data_dir = Some(PathBuf::from(rest.trim()));
            }
            if let Some(rest) = line.strip_prefix("Staff login: ") {
                login = rest
                    .split_once(" / ")
                    .map(|(e, p)| (e.to_owned(), p.to_owned()));
            }
            if let Some(rest) = line.strip_prefix("Content API key (Demo app): ") {
                content_key = rest.split_whitespace().next().map(str::to_owned);
            }
            if let Some(rest) = line.strip_prefix("Masthead demo: The Lantern is running at ") {
                url = Some(rest.trim_end_matches('/').to_owned());
            }
            if line.starts_with("Press Ctrl+C") {
                break;
            }
        }
        let base = url.expect("the demo prints its address");
        let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        http::wait_for(addr);
        let login = login.expect("the demo prints a staff login");
        let data_dir = data_dir.expect("the demo prints its data directory");
        let content_key = content_key.expect("the demo prints a Content API key");
        Self {
            child,
            addr,
            base,
            login,
            data_dir,
            content_key,
        }
    }

    /// Adds a staff member to the running demo; returns their email and password.
    fn add_staff(&self, name: &str, role: &str) -> (String, String) {
        let email = format!("{}@lantern.example", name.to_lowercase());
        let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args([
                "staff", "add", "--email", &email, "--name", name, "--role", role,
            ])
            .env_remove("MASTHEAD_DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let password = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("Password (shown once): ").map(str::to_owned))
            .expect("a generated password");
        (email, password)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str) -> http::Response {
        http::get(self.addr, path)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn output_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every page reachable from the home page by following the site's own links (query
/// strings and fragments kept apart), plus pages that no link leads to.
fn crawl(demo: &Demo) -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    let mut queue: VecDeque<String> = [
        "/",
        "/no-such-page/",
        "/search/",
        "/search/?q=harbor",
        "/newsroom/login",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    while let Some(path) = queue.pop_front() {
        let response = demo.get(&path);
        let is_html = response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"));
        if !is_html {
            continue;
        }
        assert!(
            response.status == 200 || path == "/no-such-page/",
            "{path} answered {}",
            response.status
        );
        for href in response.body.split("href=\"").skip(1) {
            let href = href.split('"').next().unwrap_or_default();
            let href = href.split('#').next().unwrap_or_default();
            // (The newsroom's other pages need a login: see the browser test.)
            let internal =
                href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/newsroom/");
            let page = href.ends_with('/') || href.contains("/?page=");
            if internal && page && seen.insert(href.to_owned()) {
                queue.push_back(href.to_owned());
            }
        }
        pages.insert(path, response.body);
    }
    pages
}

/// The value a `Set-Cookie` of `response` gives cookie `name`.
fn set_cookie(response: &http::Response, name: &str) -> Option<String> {
    response
        .all("set-cookie")
        .into_iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
}

/// The value of the first `name="csrf"` field in `html`.
fn csrf_field(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a form") + 19;
    html[start..start + 64].to_owned()
}

/// Every kind of newsroom page, as the demo's administrator sees them (and the forms
/// for people not signed in).
fn newsroom_pages(demo: &Demo) -> BTreeMap<String, String> {
    let login = demo.get("/newsroom/login");
    let login_cookie = set_cookie(&login, "masthead_login").expect("a login cookie");
    let (email, password) = &demo.login;
    let form = serde_urlencoded::to_string([
        ("csrf", login_cookie.as_str()),
        ("email", email),
        ("password", password),
    ])
    .unwrap();
    let cookie = format!("masthead_login={login_cookie}");
    let form_headers = [
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let r = http::request(demo.addr, "POST", "/newsroom/login", &form_headers, &form).unwrap();
    assert_eq!(r.status, 303, "{}", r.body);
    let session = set_cookie(&r, "masthead_session").expect("a session");
    let cookie = format!("masthead_session={session}");
    let get = |path: &str| {
        let r = http::request(demo.addr, "GET", path, &[("cookie", cookie.as_str())], "").unwrap();
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body
    };
    let mut pages = BTreeMap::new();
    let list = get("/newsroom/articles");
    let article = list
        .split(r#"href="/newsroom/articles/"#)
        .filter_map(|rest| rest.split('"').next())
        .find(|id| id.bytes().all(|b| b.is_ascii_digit()))
        .expect("an article in the list")
        .to_owned();
    let static_page = get("/newsroom/pages")
        .split(r#"href="/newsroom/pages/"#)
        .filter_map(|rest| rest.split('"').next())
        .find(|id| id.bytes().all(|b| b.is_ascii_digit()))
        .expect("a page in the list")
        .to_owned();
    for path in [
        "/newsroom/".to_owned(),
        "/newsroom/articles?q=harbour&type=news".to_owned(),
        "/newsroom/articles/new".to_owned(),
        format!("/newsroom/articles/{article}"),
        format!("/newsroom/articles/{article}/history"),
        "/newsroom/media".to_owned(),
        "/newsroom/comments".to_owned(),
        "/newsroom/structure".to_owned(),
        "/newsroom/tiers".to_owned(),
        "/newsroom/pages".to_owned(),
        "/newsroom/pages/new".to_owned(),
        format!("/newsroom/pages/{static_page}"),
        "/newsroom/staff".to_owned(),
        "/newsroom/settings".to_owned(),
        "/newsroom/audit".to_owned(),
        "/newsroom/account".to_owned(),
    ] {
        let body = get(&path);
        pages.insert(path, body);
    }
    // Setting up two-factor sign-in: the page with the QR code.
    let account = pages["/newsroom/account"].clone();
    let form = serde_urlencoded::to_string([("csrf", csrf_field(&account))]).unwrap();
    let headers = [
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let r = http::request(
        demo.addr,
        "POST",
        "/newsroom/account/two-factor/setup",
        &headers,
        &form,
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("<svg"));
    pages.insert("/newsroom/account/two-factor/setup".to_owned(), r.body);
    // Forms for people not signed in.
    for path in [
        "/newsroom/reset",
        "/newsroom/reset/0000",
        "/newsroom/invitation/0000",
    ] {
        let r = demo.get(path);
        assert!(r.status == 200 || r.status == 410, "{path}: {}", r.status);
        pages.insert(path.to_owned(), r.body);
    }
    // An offer's page, which only its link leads to.
    let r = demo.get("/support/offer/spring/");
    assert_eq!(r.status, 200, "{}", r.body);
    pages.insert("/support/offer/spring/".to_owned(), r.body);
    pages
}

#[test]
fn every_page_passes_the_nu_html_checker() {
    let Some(vnu) = tools::tool(tools::dir().join("node_modules/vnu-jar/build/dist/vnu.jar"))
    else {
        return;
    };
    let demo = Demo::start();
    let mut pages = crawl(&demo);
    pages.extend(newsroom_pages(&demo));
    for kind in [
        "/latest/?page=2",
        "/world/",
        "/tag/",
        "/author/",
        "/about/",
        "/corrections/",
        "/search/?q=",
        "/no-such-page/",
        "/newsroom/login",
        "/newsroom/account",
        "/newsroom/structure",
    ] {
        assert!(
            pages.keys().any(|p| p.starts_with(kind)),
            "the crawl reached no {kind} page"
        );
    }
    assert!(pages.len() > 100, "only {} pages found", pages.len());
    // A picture placed in an article's text, in all its copies, is checked too.
    assert!(
        pages.values().any(|html| html
            .contains("<figure class=\"card picture\"><picture><source type=\"image/webp\" srcset=\"/media/demo/")),
        "no page shows a picture in its text"
    );
    let errors = nu_errors(&vnu, &pages);
    assert!(
        errors.is_empty(),
        "{} pages checked, errors:\n{}",
        pages.len(),
        errors.join("\n")
    );
}

/// What the Nu HTML Checker (`vnu`, the jar) finds wrong with `pages` (by path):
/// each error as "path:line: message".
fn nu_errors(vnu: &Path, pages: &BTreeMap<String, String>) -> Vec<String> {
    // One directory per test process: two tests may check pages at once.
    let dir = output_dir(&format!("vnu-{}", std::process::id()));
    let mut files = BTreeMap::new();
    for (i, (path, html)) in pages.iter().enumerate() {
        let file = dir.join(format!("page-{i}.html"));
        std::fs::write(&file, html).unwrap();
        files.insert(format!("file:{}", file.display()), path.clone());
    }
    let output = Command::new("java")
        .arg("-jar")
        .arg(vnu)
        .args(["--format", "json", "--stdout"])
        .args(files.keys().map(|f| f.trim_start_matches("file:")))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("vnu said: {e}: {}", String::from_utf8_lossy(&output.stderr)));
    report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "error")
        .map(|m| {
            let page = m["url"]
                .as_str()
                .and_then(|u| files.get(u))
                .map_or("?", String::as_str);
            format!("{page}:{}: {}", m["lastLine"], m["message"])
        })
        .collect()
}

/// Every JSON-LD block of a page, parsed.
fn json_ld(html: &str) -> Vec<serde_json::Value> {
    html.split(r#"<script type="application/ld+json">"#)
        .skip(1)
        .filter_map(|rest| rest.split("</script>").next())
        .map(|text| serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}")))
        .collect()
}

/// The demo's structured data and social cards, as search engines and aggregators
/// read them: a publisher with its logo and its standards pages, a picture for every
/// page, articles never modified before they were published, author profiles.
#[test]
fn structured_data_and_social_cards_follow_the_rules() {
    let demo = Demo::start();
    let pages = crawl(&demo);
    let home = json_ld(&pages["/"]);
    let org = home
        .iter()
        .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]))
        .find(|v| v["@type"] == "NewsMediaOrganization")
        .expect("the publication on the front page");
    assert_eq!(org["logo"]["@type"], "ImageObject");
    assert!(
        org["logo"]["url"].as_str().unwrap().starts_with("http"),
        "{org}"
    );
    for property in [
        "publishingPrinciples",
        "ethicsPolicy",
        "correctionsPolicy",
        "actionableFeedbackPolicy",
        "verificationFactCheckingPolicy",
        "unnamedSourcesPolicy",
        "masthead",
        "ownershipFundingInfo",
    ] {
        let url = org[property]
            .as_str()
            .unwrap_or_else(|| panic!("{property} in {org}"));
        assert!(url.starts_with("http"), "{property}: {url}");
        let path = url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
        assert_eq!(demo.get(&path).status, 200, "{property} leads to a page");
    }
    let mut articles = 0;
    let mut authors = 0;
    for (path, html) in &pages {
        if path == "/no-such-page/"
            || path.starts_with("/newsroom/")
            || path.starts_with("/search/")
        {
            continue;
        }
        assert!(
            html.contains(r#"<meta property="og:image" content="http"#),
            "{path} has a picture for social networks"
        );
        for ld in json_ld(html) {
            if ld["mainEntityOfPage"].is_object() {
                articles += 1;
                assert_eq!(ld["publisher"]["logo"]["@type"], "ImageObject", "{path}");
                let published = ld["datePublished"].as_str().unwrap();
                let modified = ld["dateModified"].as_str().unwrap();
                let (published, modified) = (
                    chrono::DateTime::parse_from_rfc3339(published).unwrap(),
                    chrono::DateTime::parse_from_rfc3339(modified).unwrap(),
                );
                assert!(modified >= published, "{path}: modified before published");
            }
            if ld["@type"] == "ProfilePage" {
                authors += 1;
                let who = &ld["mainEntity"];
                assert!(who["name"].is_string() && who["url"].is_string(), "{path}");
                if who["worksFor"].is_object() {
                    // The demo's staff say what they do, what they know and where else
                    // they are.
                    assert_eq!(who["@type"], "Person", "{path}");
                    for field in ["jobTitle", "knowsAbout", "sameAs"] {
                        assert!(!who[field].is_null(), "{path}: {field}");
                    }
                } else if path.contains("coastal-press") || path.contains("lantern-staff") {
                    // A news agency and a desk byline are organizations.
                    assert_eq!(who["@type"], "Organization", "{path}");
                } else {
                    assert_eq!(who["@type"], "Person", "{path}: a guest");
                }
            }
        }
    }
    assert!(
        articles > 50 && authors >= 5,
        "{articles} articles, {authors} authors"
    );
    // Feeds point at pictures and pages with whole addresses.
    for feed in ["/feed.xml", "/atom.xml", "/feed.json"] {
        let body = demo.get(feed).body;
        assert!(
            !body.contains("src=\"/") && !body.contains("href=\"/"),
            "{feed}"
        );
        assert!(!body.contains("\"image\":\"/"), "{feed}");
    }
}

/// Lighthouse, with its mobile defaults, on the front page, a section and an article:
/// at least 95 in each of its four categories. (The scores are printed, for the
/// record.)
#[test]
fn lighthouse_scores_at_least_95_on_home_section_and_article() {
    let Some(lighthouse) = tools::tool(tools::dir().join("node_modules/.bin/lighthouse")) else {
        return;
    };
    let demo = Demo::start();
    let section = demo.get("/world/");
    let article = section
        .body
        .split("<h2><a href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a story on the section front")
        .to_owned();
    let out = output_dir("lighthouse");
    let mut failures = Vec::new();
    for (name, path) in [
        ("home", "/"),
        ("section", "/world/"),
        ("article", article.as_str()),
    ] {
        // As readers find it: already in the page cache.
        assert_eq!(demo.get(path).status, 200, "{path}");
        let report = out.join(format!("{name}.json"));
        {
            let status = Command::new(&lighthouse)
                .arg(demo.url(path))
                .args([
                    "--quiet",
                    "--output=json",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --no-first-run",
                ])
                .arg(format!("--output-path={}", report.display()))
                .env("CHROME_PATH", "/usr/bin/chromium")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "lighthouse on {path}");
        }
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let mut scores = Vec::new();
        for (category, value) in report["categories"].as_object().unwrap() {
            let score = (value["score"].as_f64().unwrap_or(0.0) * 100.0).round();
            scores.push(format!("{category} {score}"));
            if score < 95.0 {
                failures.push(format!("{path}: {category} {score}"));
            }
        }
        eprintln!("lighthouse {name} ({path}): {}", scores.join(", "));
    }
    assert!(failures.is_empty(), "below 95: {failures:?}");
}

/// Ghost's own Content API client (npm `@tryghost/content-api`), unchanged, reads the
/// demo: posts with their tags and authors across pages, a post by its slug, the
/// tags with their counts, the authors and the settings.
#[test]
fn ghosts_own_content_client_reads_the_demo() {
    let Some(client) =
        tools::tool(tools::dir().join("node_modules/@tryghost/content-api/package.json"))
    else {
        return;
    };
    let client = client.parent().unwrap().to_owned();
    let demo = Demo::start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ghost/content.js");
    let out = Command::new("node")
        .arg(&script)
        .arg(&client)
        .arg(&demo.base)
        .arg(&demo.content_key)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Two pages of five, one after the other, counted as the site counts them.
    let (p1, p2) = (&read["pagination"][0], &read["pagination"][1]);
    let total = p1["total"].as_u64().unwrap();
    assert!(total > 10, "{read}");
    assert_eq!(p1["pages"].as_u64().unwrap(), total.div_ceil(5));
    assert_eq!(
        (p1["page"].as_u64(), p1["next"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(
        (p2["page"].as_u64(), p2["prev"].as_u64()),
        (Some(2), Some(1))
    );
    let slugs = |page: &str| -> Vec<String> {
        read[page]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let (first, second) = (slugs("first"), slugs("second"));
    assert_eq!((first.len(), second.len()), (5, 5));
    assert!(
        first.iter().all(|s| !second.contains(s)),
        "{first:?} {second:?}"
    );
    // Every post with its bylines and tags; the primary author is the first byline.
    for post in read["first"]
        .as_array()
        .unwrap()
        .iter()
        .chain(read["second"].as_array().unwrap())
    {
        let authors = post["authors"].as_array().unwrap();
        assert!(!authors.is_empty(), "{post}");
        assert_eq!(post["primary_author"], authors[0], "{post}");
        assert!(!post["tags"].as_array().unwrap().is_empty(), "{post}");
    }
    assert_eq!(read["read"]["slug"].as_str(), Some(first[0].as_str()));
    assert!(read["read"]["plaintext"].as_u64().unwrap() > 100, "{read}");
    // Tags with their published posts counted; authors; the settings.
    let tags = read["tags"].as_array().unwrap();
    assert!(
        tags.iter().any(|t| t["posts"].as_u64().unwrap() > 1),
        "{read}"
    );
    let first_author = read["first"][0]["primary_author"].as_str().unwrap();
    assert!(read["authors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == first_author));
    assert_eq!(read["settings"]["title"], "The Lantern");
    assert_eq!(read["settings"]["url"], format!("{}/", demo.base));
}

/// The official `@tryghost/admin-api` client, unchanged, against the demo: with an
/// integration added by `masthead integration add`, it uploads a picture, creates a
/// post with it from HTML, publishes it (readers see it), edits it, is refused an edit
/// made on an old version, and deletes it (readers no longer see it).
#[test]
fn ghosts_own_admin_client_writes_to_the_demo() {
    let Some(client) =
        tools::tool(tools::dir().join("node_modules/@tryghost/admin-api/package.json"))
    else {
        return;
    };
    let client = client.parent().unwrap().to_owned();
    let demo = Demo::start();
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .arg("--data-dir")
        .arg(&demo.data_dir)
        .args(["integration", "add", "--name", "Desk publisher"])
        .env_remove("MASTHEAD_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let admin_key = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Admin API key:")
                .map(|k| k.trim().to_owned())
        })
        .expect("the Admin API key is printed");
    let picture = output_dir("ghost-admin").join("cranes.png");
    let drawn = image::RgbImage::from_fn(320, 200, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 140])
    });
    drawn.save(&picture).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ghost/admin.js");
    let out = Command::new("node")
        .arg(&script)
        .arg(&client)
        .arg(&demo.base)
        .arg(&admin_key)
        .arg(&picture)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let image_url = seen["image"]["url"].as_str().unwrap();
    assert!(
        image_url.starts_with(&format!("{}/media/", demo.base)),
        "{seen}"
    );
    assert_eq!(seen["image"]["ref"], "cranes.png");
    assert_eq!(demo.get(&image_url[demo.base.len()..]).status, 200);
    assert_eq!(seen["created"]["status"], "draft", "{seen}");
    assert_eq!(seen["created"]["feature_image"], image_url);
    assert_eq!(seen["created"]["tags"], serde_json::json!(["Port Alder"]));
    assert_eq!(seen["published"]["status"], "published");
    assert!(!seen["published"]["published_at"].is_null());
    assert_eq!(
        seen["page"],
        serde_json::json!({"status": 200, "headline": true, "caption": true}),
        "readers see the published post"
    );
    assert_eq!(
        seen["edited"],
        serde_json::json!({"title": "Cranes return to work at the harbour", "status": "published"})
    );
    assert_eq!(seen["stale"], "UpdateCollisionError");
    assert_eq!(
        seen["read"],
        serde_json::json!({"title": "Cranes return to work at the harbour", "html": true})
    );
    assert_eq!(seen["after_delete"], "NotFoundError");
    assert_eq!(seen["gone"], 410, "a story taken down is gone: {seen}");
    assert_eq!(seen["site"], "The Lantern");
}

/// Schemathesis, from PyPI, reads the Admin API's OpenAPI document from the running
/// demo and throws requests made from it (examples, edge cases, then random ones) at
/// the server, as an integration: no answer may be a server error, or differ from the
/// document in status, content type or shape.
#[test]
fn schemathesis_finds_the_admin_api_true_to_its_document() {
    let Some(schemathesis) = tools::tool(tools::dir().join("schemathesis/bin/schemathesis")) else {
        return;
    };
    let demo = Demo::start();
    let out = Command::new(env!("CARGO_BIN_EXE_masthead"))
        .arg("--data-dir")
        .arg(&demo.data_dir)
        .args([
            "integration",
            "add",
            "--name",
            "Schemathesis",
            "--rate-limit",
            "100000",
        ])
        .env_remove("MASTHEAD_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let admin_key = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Admin API key:")
                .map(|k| k.trim().to_owned())
        })
        .expect("the Admin API key is printed");
    let (id, secret) = admin_key.split_once(':').unwrap();
    // A token as Ghost's client makes it; the run ends well within its five minutes.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(id.to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &serde_json::json!({"iat": now, "exp": now + 300, "aud": "/admin/"}),
        &jsonwebtoken::EncodingKey::from_secret(&hex::decode(secret).unwrap()),
    )
    .unwrap();
    let report = output_dir("schemathesis");
    let out = Command::new(&schemathesis)
        .arg("run")
        .arg(demo.url("/ghost/api/admin/openapi.json"))
        .args(["--url", &demo.base])
        .args(["--header", &format!("Authorization: Ghost {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-time", "90", "--request-timeout", "10", "--workers", "1"])
        .args(["--report", "junit,har", "--report-dir"])
        .arg(&report)
        .env("NO_COLOR", "1")
        // Its cache goes beside the report, not into the source tree.
        .current_dir(&report)
        .stdin(Stdio::null())
        .output()
        .expect("schemathesis runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems (report in {}):\n{said}\n{}",
        report.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    // It did test the operations as a caller the API takes, not only read the
    // document or meet refusals: posts were listed, read and written.
    let har = std::fs::read_dir(&report)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("a HAR report");
    let har: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();
    let mut answered = BTreeMap::<(String, u64), usize>::new();
    for entry in har["log"]["entries"].as_array().unwrap() {
        let method = entry["request"]["method"].as_str().unwrap().to_owned();
        let status = entry["response"]["status"].as_u64().unwrap();
        *answered.entry((method, status)).or_default() += 1;
    }
    let count = |method: &str, status: u64| {
        answered
            .get(&(method.to_owned(), status))
            .copied()
            .unwrap_or(0)
    };
    assert!(count("GET", 200) > 50, "{answered:?}");
    assert!(count("POST", 201) > 0, "{answered:?}");
    assert!(count("PUT", 200) + count("DELETE", 204) > 0, "{answered:?}");
    assert_eq!(count("GET", 500) + count("POST", 500), 0, "{answered:?}");
}

#[test]
fn feeds_parse_in_a_standard_feed_parser() {
    let Some(python) = tools::tool(tools::dir().join("venv/bin/python")) else {
        return;
    };
    let demo = Demo::start();
    let dir = output_dir("feeds");
    let mut checked = 0;
    for base in ["/", "/world/", "/tag/port-alder/", "/author/eleanor-voss/"] {
        for file in ["feed.xml", "atom.xml"] {
            let response = demo.get(&format!("{base}{file}"));
            assert_eq!(response.status, 200, "{base}{file}");
            let path = dir.join(format!("{}-{file}", base.replace('/', "_")));
            std::fs::write(&path, &response.body).unwrap();
            let output = Command::new(&python)
                .arg("-c")
                .arg(
                    "import sys, feedparser\n\
                     d = feedparser.parse(open(sys.argv[1], 'rb').read())\n\
                     print(d.version, len(d.entries), bool(d.bozo), d.get('bozo_exception'))",
                )
                .arg(&path)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&output.stdout).into_owned();
            let fields: Vec<&str> = said.split_whitespace().collect();
            assert!(output.status.success(), "{base}{file}: {said}");
            let expected = if file == "feed.xml" {
                "rss20"
            } else {
                "atom10"
            };
            assert_eq!(fields[0], expected, "{base}{file}: {said}");
            assert!(
                fields[1].parse::<u32>().unwrap() > 0,
                "{base}{file} has entries"
            );
            assert_eq!(fields[2], "False", "{base}{file} is well-formed: {said}");
            checked += 1;
        }
        // feedparser has no JSON Feed reader: check the 1.1 spec's required fields.
        let json: serde_json::Value =
            serde_json::from_str(&demo.get(&format!("{base}feed.json")).body).unwrap();
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        assert!(json["title"].as_str().is_some_and(|t| !t.is_empty()));
        let items = json["items"].as_array().unwrap();
        assert!(!items.is_empty());
        for item in items {
            assert!(item["id"].as_str().is_some_and(|id| !id.is_empty()));
            assert!(item["content_html"].is_string() || item["content_text"].is_string());
        }
    }
    assert_eq!(checked, 8);
}

/// A schema for all three kinds of sitemap we serve: urlset (sitemaps.org, with the
/// Google News extension) and sitemapindex. No package ships the official
/// siteindex.xsd, so the index is declared here from the sitemaps.org types.
fn sitemap_schema(xsd_dir: &Path, dir: &Path) -> PathBuf {
    let schema = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"
           targetNamespace="http://www.sitemaps.org/schemas/sitemap/0.9"
           elementFormDefault="qualified">
  <xs:include schemaLocation="{dir}/sitemap.xsd"/>
  <xs:import namespace="http://www.google.com/schemas/sitemap-news/0.9"
             schemaLocation="{dir}/sitemap-news.xsd"/>
  <xs:element name="sitemapindex">
    <xs:complexType><xs:sequence>
      <xs:element name="sitemap" maxOccurs="50000">
        <xs:complexType><xs:sequence>
          <xs:element name="loc" type="sm:tLoc"/>
          <xs:element name="lastmod" type="sm:tLastmod" minOccurs="0"/>
        </xs:sequence></xs:complexType>
      </xs:element>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
"#,
        dir = xsd_dir.display()
    );
    let path = dir.join("sitemaps.xsd");
    std::fs::write(&path, schema).unwrap();
    path
}

#[test]
fn sitemaps_validate_against_the_sitemaps_org_schema() {
    let Some(xsd_dir) = tools::tool(tools::dir().join("xsd")) else {
        return;
    };
    let demo = Demo::start();
    let dir = output_dir("sitemaps");
    let schema = sitemap_schema(&xsd_dir, &dir);
    let index = demo.get("/sitemap.xml").body;
    let children: Vec<String> = index
        .split("<loc>")
        .skip(1)
        .map(|l| l.split("</loc>").next().unwrap().to_owned())
        .collect();
    assert!(children.len() >= 3, "{index}");
    let mut files = vec![("sitemap.xml".to_owned(), index.clone())];
    for child in &children {
        let path = child.trim_start_matches(&demo.url(""));
        let response = demo.get(path);
        assert_eq!(response.status, 200, "{child}");
        files.push((path.trim_start_matches('/').to_owned(), response.body));
    }
    for (name, body) in &files {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let output = Command::new("xmllint")
            .args(["--noout", "--nonet", "--schema"])
            .arg(&schema)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name} does not validate: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The schema is not a rubber stamp: a broken sitemap fails it.
    let (_, dated) = files
        .iter()
        .find(|(_, body)| body.contains("<lastmod>"))
        .expect("article sitemaps carry lastmod");
    let broken = dir.join("broken.xml");
    std::fs::write(&broken, dated.replace("<lastmod>", "<lastmod>yesterday")).unwrap();
    let status = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&broken)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "a bad lastmod must fail validation");
}

mod browser {
    use super::*;
    use fantoccini::{Client, ClientBuilder, Locator};
    use serde_json::json;

    /// chromedriver on a free port, stopped when dropped.
    struct Driver {
        child: Child,
        port: u16,
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start_driver() -> Option<Driver> {
        tools::tool(PathBuf::from("/usr/bin/chromedriver"))?;
        let port = http::free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        http::wait_for(format!("127.0.0.1:{port}").parse().unwrap());
        Some(Driver { child, port })
    }

    /// A headless chromium session; `dark` makes pages see `prefers-color-scheme: dark`.
    async fn browser(driver: &Driver, dark: bool) -> Client {
        let mut args = vec![
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1366,900",
            "--force-device-scale-factor=1",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ];
        if dark {
            args.extend([
                "--force-dark-mode",
                "--blink-settings=preferredColorScheme=0",
            ]);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
        // The console, for Content-Security-Policy violations (see `console_problems`).
        caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let _ = DRIVER_PORT.set(driver.port);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a chromium session")
    }

    /// The chromedriver this process's sessions talk to.
    static DRIVER_PORT: std::sync::OnceLock<u16> = std::sync::OnceLock::new();

    /// What the browser's console said since last asked that a journey must not
    /// meet: Content-Security-Policy violations and failed loads (a 404 favicon, a
    /// refused script). Read from chromedriver's log endpoint, which empties it.
    async fn console_problems(client: &Client) -> Vec<String> {
        let (Some(port), Ok(Some(id))) = (DRIVER_PORT.get(), client.session_id().await) else {
            return vec!["console: no chromedriver session to read".into()];
        };
        let addr = format!("127.0.0.1:{port}").parse().unwrap();
        let reply = http::request(
            addr,
            "POST",
            &format!("/session/{id}/se/log"),
            &[("Content-Type", "application/json")],
            r#"{"type":"browser"}"#,
        )
        .unwrap();
        let log: serde_json::Value = serde_json::from_str(&reply.body)
            .unwrap_or_else(|e| panic!("chromedriver's log: {e}: {}", reply.body));
        // A page that is itself a 404 says so in the console; that is not a problem.
        let here = client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        log["value"]
            .as_array()
            .unwrap_or_else(|| panic!("chromedriver's log: {}", reply.body))
            .iter()
            .filter_map(|entry| entry["message"].as_str())
            .filter(|m| {
                m.contains("Content Security Policy")
                    || m.contains("Content-Security-Policy")
                    || (m.contains("Failed to load resource")
                        && !m.starts_with(&format!("{here} ")))
            })
            .map(|m| format!("console: {m}"))
            .collect()
    }

    /// Runs axe-core on the current page; returns its serious and critical violations,
    /// and anything the console said that a page must not (see `console_problems`).
    async fn axe(client: &Client, axe_js: &str) -> Vec<String> {
        let mut problems = console_problems(client).await;
        client.execute(axe_js, Vec::new()).await.unwrap();
        let result = client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, { resultTypes: ['violations'] })\
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,\
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))\
                    .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));",
                Vec::new(),
            )
            .await
            .unwrap();
        problems.extend(
            result
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
                .map(|v| {
                    format!(
                        "{} ({}): {} at {}",
                        v["id"], v["impact"], v["help"], v["nodes"]
                    )
                }),
        );
        problems.extend(console_problems(client).await);
        problems
    }

    async fn shot(client: &Client, name: &str, width: u32, height: u32) {
        client.set_window_size(width, height).await.unwrap();
        let png = client.screenshot().await.unwrap();
        let mut dirs = vec![output_dir("screenshots")];
        if let Some(extra) = std::env::var_os("MASTHEAD_SCREENSHOTS") {
            let extra = PathBuf::from(extra);
            std::fs::create_dir_all(&extra).unwrap();
            dirs.push(extra);
        }
        for dir in dirs {
            std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
        }
    }

    async fn path(client: &Client) -> String {
        let url = client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits (up to 10 s) for a navigation that a click started to land on `expected`.
    async fn arrive(client: &Client, expected: &str) {
        for _ in 0..200 {
            if path(client).await == expected {
                let ready = client
                    .execute("return document.readyState", Vec::new())
                    .await
                    .unwrap();
                if ready == "complete" {
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(path(client).await, expected, "the browser never got there");
    }

    async fn text(client: &Client, css: &str) -> String {
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    async fn href(client: &Client, css: &str) -> String {
        attr_of(client, css, "href").await
    }

    /// The attribute `name` of the first element matching `css` ("" when absent).
    async fn attr_of(client: &Client, css: &str, name: &str) -> String {
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .attr(name)
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// The demo's story with every card: axe finds nothing, the page loads nothing from
    /// another site, and a click on the embed swaps in its player (from the known
    /// players only) without leaving the page.
    #[tokio::test]
    async fn an_embed_loads_nothing_from_its_provider_until_clicked() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        let demo = Demo::start();
        let client = browser(&driver, false).await;
        let path =
            "/business/kestrel-point-container-volumes-fall-11-as-typhoon-delays-ripple-east/";
        client.goto(&demo.url(path)).await.unwrap();
        for card in ["picture", "gallery", "embed", "pull-quote"] {
            client
                .find(Locator::Css(&format!(".body figure.card.{card}")))
                .await
                .unwrap_or_else(|_| panic!("a {card} card"));
        }
        for card in ["callout", "related"] {
            client
                .find(Locator::Css(&format!(".body aside.card.{card}")))
                .await
                .unwrap_or_else(|_| panic!("a {card} card"));
        }
        let violations = axe(&client, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        shot_of(&client, ".body", "article-cards", 1366, 2400).await;
        let loaded = |client: &Client| {
            let client = client.clone();
            async move {
                let names = client
                    .execute(
                        "return performance.getEntriesByType('resource').map(e => e.name)\
                            .concat([...document.querySelectorAll('iframe')].map(f => f.src));",
                        Vec::new(),
                    )
                    .await
                    .unwrap();
                serde_json::from_value::<Vec<String>>(names).unwrap()
            }
        };
        let before = loaded(&client).await;
        assert!(!before.is_empty());
        let origin = demo.url("");
        let origin = origin.trim_end_matches('/');
        let elsewhere: Vec<_> = before.iter().filter(|n| !n.starts_with(origin)).collect();
        assert!(elsewhere.is_empty(), "loaded from elsewhere: {elsewhere:?}");
        client
            .find(Locator::Css("figure.embed a.embed-link"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let player = client
            .wait()
            .for_element(Locator::Css("figure.embed iframe.embed-player"))
            .await
            .unwrap();
        let src = player.attr("src").await.unwrap().unwrap_or_default();
        assert_eq!(src, "https://www.youtube-nocookie.com/embed/Lantern0412");
        assert_eq!(
            client.current_url().await.unwrap().path(),
            path,
            "the page stays"
        );
    }

    #[tokio::test]
    async fn a_reader_browses_the_front_page_a_section_an_article_and_the_archive() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        let demo = Demo::start();
        let client = browser(&driver, false).await;
        let mut violations = Vec::new();
        let mut check = |page: String, found: Vec<String>| {
            violations.extend(found.into_iter().map(|v| format!("{page}: {v}")));
        };

        // The front page.
        client.goto(&demo.url("/")).await.unwrap();
        assert_eq!(client.title().await.unwrap(), "The Lantern");
        assert!(text(&client, ".lead h2").await.len() > 10, "a lead story");
        assert!(text(&client, "#most-read-h")
            .await
            .eq_ignore_ascii_case("Most read"));
        check("/".into(), axe(&client, &axe_js).await);
        shot(&client, "home-desktop", 1366, 1700).await;
        shot(&client, "home-mobile", 375, 1500).await;
        // On a phone every section is one tap away, without script: the menu lists
        // those the bar has no room for.
        client.set_window_size(375, 900).await.unwrap();
        let last = href(&client, ".section-bar li:last-child a").await;
        client
            .find(Locator::Css(".menu summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        check("/ (phone, menu open)".into(), axe(&client, &axe_js).await);
        shot(&client, "menu-mobile", 375, 900).await;
        client
            .find(Locator::Css(&format!(".menu a[href=\"{last}\"]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, &last).await;
        client.set_window_size(1366, 900).await.unwrap();
        client.goto(&demo.url("/")).await.unwrap();

        // A section, from the navigation.
        client
            .find(Locator::Css(
                "nav.sections .section-bar a[href=\"/business/\"]",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, "/business/").await;
        assert_eq!(text(&client, "main h1").await, "Business");
        check("/business/".into(), axe(&client, &axe_js).await);
        shot(&client, "section-desktop", 1366, 1300).await;

        // Its first story.
        let story = href(&client, ".river .story h2 a").await;
        client
            .find(Locator::Css(".river .story h2 a"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, &story).await;
        let article = story.clone();
        let headline = text(&client, "article h1").await;
        assert!(!headline.is_empty());
        assert!(text(&client, ".byline").await.starts_with("By "));
        check(article.clone(), axe(&client, &axe_js).await);
        shot(&client, "article-desktop", 1366, 1700).await;
        shot(&client, "article-mobile", 375, 1500).await;
        client.set_window_size(1366, 900).await.unwrap();

        // Share links point at this article; following the shared address lands on it.
        let canonical = demo.url(&article);
        assert_eq!(href(&client, "a.share-copy").await, canonical);
        for network in ["x", "facebook", "linkedin", "telegram"] {
            let share =
                url::Url::parse(&href(&client, &format!("a.share-{network}")).await).unwrap();
            let shared = share
                .query_pairs()
                .find(|(k, _)| k == "url" || k == "u")
                .map(|(_, v)| v.into_owned());
            assert_eq!(shared.as_deref(), Some(canonical.as_str()), "{network}");
        }
        let mail = href(&client, "a.share-email").await;
        assert!(mail.starts_with("mailto:?subject="), "{mail}");
        client.goto(&canonical).await.unwrap();
        assert_eq!(text(&client, "article h1").await, headline);

        // The archive, page by page.
        client.goto(&demo.url("/latest/")).await.unwrap();
        let first = text(&client, ".river .story h2").await;
        client
            .find(Locator::Css("a[rel=next]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, "/latest/?page=2").await;
        assert_ne!(text(&client, ".river .story h2").await, first);
        check("/latest/?page=2".into(), axe(&client, &axe_js).await);
        client
            .find(Locator::Css("a[rel=prev]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, "/latest/").await;
        assert_eq!(text(&client, ".river .story h2").await, first);

        // Searching from the box in the header.
        client.goto(&demo.url("/")).await.unwrap();
        let input = client.find(Locator::Css("#site-q")).await.unwrap();
        input.send_keys("harbor").await.unwrap();
        client
            .find(Locator::Css(".site-search button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, "/search/?q=harbor").await;
        let count = text(&client, ".result-count").await;
        let matches: u32 = count.split_whitespace().next().unwrap().parse().unwrap();
        assert!(matches > 1, "{count}");
        assert!(!text(&client, ".results .story h2").await.is_empty());
        check("/search/?q=harbor".into(), axe(&client, &axe_js).await);
        shot(&client, "search-desktop", 1366, 1100).await;

        // The rest of the page types, for axe.
        for page in [
            "/author/eleanor-voss/",
            "/tag/port-alder/",
            "/about/",
            "/corrections/",
            "/no-such-page/",
            "/search/?q=harbor&type=news",
            "/search/?q=harbr",
        ] {
            client.goto(&demo.url(page)).await.unwrap();
            check(page.into(), axe(&client, &axe_js).await);
        }
        client.goto(&demo.url("/corrections/")).await.unwrap();
        shot(&client, "corrections-desktop", 1366, 1000).await;
        // Search with its filters and their counts, a filter chosen.
        client
            .goto(&demo.url("/search/?q=harbor&type=news"))
            .await
            .unwrap();
        assert!(text(&client, ".refine")
            .await
            .to_lowercase()
            .contains("section"));
        shot(&client, "search-desktop", 1366, 1300).await;
        // A paid story, as a visitor meets it: the part above the writer's cut, then
        // the paywall leading to memberships.
        let paid = "/business/wren-line-ferries-sold-to-regional-operator-after-71-years-of-family-ownership/";
        client.goto(&demo.url(paid)).await.unwrap();
        assert!(text(&client, ".teaser")
            .await
            .contains("steer it for a while"));
        assert!(!text(&client, "main").await.contains("Miriam Szabo"));
        assert!(text(&client, ".paywall").await.contains("See memberships"));
        check(paid.into(), axe(&client, &axe_js).await);
        shot_of(&client, ".teaser", "paywall", 1366, 1000).await;
        client
            .goto(&demo.url("/support/supporters/"))
            .await
            .unwrap();
        check("/support/supporters/".into(), axe(&client, &axe_js).await);

        // axe is not a rubber stamp: an image without alt text is a critical problem.
        client
            .goto("data:text/html,<!doctype html><html lang=en><title>t</title><img src=x.png>")
            .await
            .unwrap();
        let found = axe(&client, &axe_js).await;
        assert!(found.iter().any(|v| v.contains("image-alt")), "{found:?}");
        // Nor is the console check: script slipped into one of our pages is refused by
        // its Content-Security-Policy, and the refusal is caught.
        client.goto(&demo.url("/about/")).await.unwrap();
        let _ = console_problems(&client).await;
        client
            .execute(
                "const s = document.createElement('script'); s.textContent = 'window.x = 1';\
                 document.body.appendChild(s); return window.x === undefined;",
                Vec::new(),
            )
            .await
            .unwrap();
        let refused = console_problems(&client).await;
        assert!(
            refused
                .iter()
                .any(|p| p.contains("Content Security Policy")),
            "{refused:?}"
        );
        client.close().await.unwrap();

        // Dark mode has its own colours, so its contrast is checked too.
        let client = browser(&driver, true).await;
        client.goto(&demo.url("/")).await.unwrap();
        let dark = client
            .execute(
                "return matchMedia('(prefers-color-scheme: dark)').matches",
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(dark, json!(true), "the browser asks for dark pages");
        for page in [
            "/",
            article.as_str(),
            "/business/",
            "/latest/",
            "/search/?q=harbor",
            "/corrections/",
            "/no-such-page/",
        ] {
            client.goto(&demo.url(page)).await.unwrap();
            check(format!("{page} (dark)"), axe(&client, &axe_js).await);
        }
        client.goto(&demo.url("/")).await.unwrap();
        shot(&client, "home-dark-desktop", 1366, 1100).await;
        client.close().await.unwrap();
        assert!(
            violations.is_empty(),
            "axe-core found serious or critical problems:\n{}",
            violations.join("\n")
        );
    }

    /// Staff log in to the newsroom and land on their dashboard.
    #[tokio::test]
    async fn an_editor_logs_in_to_the_newsroom() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        let demo = Demo::start();
        let client = browser(&driver, false).await;
        client.goto(&demo.url("/newsroom/")).await.unwrap();
        arrive(&client, "/newsroom/login?next=%2Fnewsroom%2F").await;
        let mut violations = axe(&client, &axe_js).await;
        shot(&client, "newsroom-login", 1366, 700).await;
        let (email, password) = &demo.login;
        submit_login(&client, email, password).await;
        assert!(text(&client, "main h1")
            .await
            .starts_with("Good to see you"));
        assert!(text(&client, ".desk").await.contains("Recently published"));
        violations.extend(axe(&client, &axe_js).await);
        shot(&client, "newsroom-dashboard", 1366, 1000).await;
        // On a phone the newsroom's navigation wraps instead of running off the page.
        client.set_window_size(375, 900).await.unwrap();
        let overflow = client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(overflow, json!(false), "nothing wider than the phone");
        shot(&client, "newsroom-dashboard-mobile", 375, 900).await;
        client.set_window_size(1366, 900).await.unwrap();
        // A new article: typed with the toolbar, previewed live, saved as a draft.
        client
            .find(Locator::Css(".bar a.new"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, "/newsroom/articles/new").await;
        markdown_mode(&client, "#f-body_markdown").await;
        type_into(
            &client,
            "#f-title",
            "Ferry timetable changes for the winter",
        )
        .await;
        let body = client.find(Locator::Css("#f-body_markdown")).await.unwrap();
        body.send_keys("From Monday the first crossing leaves at ")
            .await
            .unwrap();
        client
            .find(Locator::Css(".toolbar button[data-md=bold]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for _ in 0..50 {
            if client.find(Locator::Css("#preview strong")).await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(text(&client, "#preview strong").await, "bold text");
        assert_eq!(text(&client, "#word-count").await, "9");
        // Tags: existing ones are suggested for what is typed after the last comma.
        type_into(&client, "#f-tags", "Ferries, ocea").await;
        let mut offered = Vec::new();
        for _ in 0..50 {
            offered = client
                .execute(
                    "return [...document.querySelectorAll('#tag-suggestions option')].map(o => o.value);",
                    vec![],
                )
                .await
                .unwrap()
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !offered.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(offered, [serde_json::json!("Ferries, Oceans")]);
        violations.extend(axe(&client, &axe_js).await);
        shot(&client, "newsroom-editor", 1366, 1100).await;
        client
            .find(Locator::Css(".side .save"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for _ in 0..100 {
            if path(&client).await.ends_with("?notice=saved") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(path(&client).await.starts_with("/newsroom/articles/"));
        assert_eq!(text(&client, ".notice").await, "Saved.");
        assert!(text(&client, ".actions").await.contains("Publish"));
        // Sections and tags; the account page, setting up two-factor sign-in.
        client.goto(&demo.url("/newsroom/structure")).await.unwrap();
        assert_eq!(text(&client, "main h1").await, "Sections and tags");
        violations.extend(axe(&client, &axe_js).await);
        shot(&client, "newsroom-structure", 1366, 1000).await;
        // Tiers and offers; the support page and an offer's page as readers see them.
        client.goto(&demo.url("/newsroom/tiers")).await.unwrap();
        assert_eq!(text(&client, "main h1").await, "Tiers and offers");
        violations.extend(axe(&client, &axe_js).await);
        shot(&client, "newsroom-tiers", 1366, 1400).await;
        client.goto(&demo.url("/support/")).await.unwrap();
        assert!(text(&client, "#tier-supporter")
            .await
            .contains("$15.00 a month"));
        violations.extend(axe(&client, &axe_js).await);
        shot(&client, "support", 1366, 1800).await;
        client
            .goto(&demo.url("/support/offer/spring/"))
            .await
            .unwrap();
        assert!(text(&client, ".offer-terms")
            .await
            .contains("$4.00 a month"));
        violations.extend(axe(&client, &axe_js).await);
        // The revenue dashboard, over the demo's year of history.
        client.goto(&demo.url("/newsroom/revenue")).await.unwrap();
        assert_eq!(text(&client, "main h1").await, "Revenue");
        assert!(text(&client, "#paying-h")
            .await
            .starts_with("Paying members: "));
        violations.extend(axe(&client, &axe_js).await);
        shot(&client, "newsroom-revenue", 1366, 1300).await;
        client.goto(&demo.url("/newsroom/account")).await.unwrap();
        client
            .find(Locator::Css(
                "form[action='/newsroom/account/two-factor/setup'] button",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, "/newsroom/account/two-factor/setup").await;
        assert!(client.find(Locator::Css(".qr svg")).await.is_ok());
        violations.extend(axe(&client, &axe_js).await);
        shot(&client, "newsroom-two-factor", 1366, 1000).await;
        assert!(violations.is_empty(), "{violations:#?}");
        // Logging out ends the session: the newsroom asks for a login again.
        client
            .find(Locator::Css(".who button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        arrive(&client, "/newsroom/login").await;
        client.goto(&demo.url("/newsroom/")).await.unwrap();
        arrive(&client, "/newsroom/login?next=%2Fnewsroom%2F").await;
        client.close().await.unwrap();
    }

    /// Logs in through the form; lands on the dashboard.
    async fn log_in(client: &Client, demo: &Demo, email: &str, password: &str) {
        client.goto(&demo.url("/newsroom/login")).await.unwrap();
        submit_login(client, email, password).await;
    }

    /// Fills in and sends the login form on screen; lands on the dashboard.
    async fn submit_login(client: &Client, email: &str, password: &str) {
        type_into(client, "#email", email).await;
        type_into(client, "#password", password).await;
        click(client, ".login button[type=submit]").await;
        arrive(client, "/newsroom/").await;
    }

    async fn type_into(client: &Client, css: &str, keys: &str) {
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .send_keys(keys)
            .await
            .unwrap();
    }

    /// What a form field holds now.
    async fn value(client: &Client, css: &str) -> String {
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    async fn click(client: &Client, css: &str) {
        client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Switches the body to its Markdown mode (the browser remembers the choice for
    /// the next articles): the textarea and its toolbar show, the visual editor hides.
    async fn markdown_mode(client: &Client, textarea: &str) {
        click(client, ".mode-switch").await;
        for _ in 0..100 {
            let shown = client
                .find(Locator::Css(textarea))
                .await
                .unwrap()
                .is_displayed()
                .await
                .unwrap();
            if shown {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the Markdown mode never showed");
    }

    /// Waits (up to 20 s) until `css` holds text containing `wanted`.
    async fn wait_for_text(client: &Client, css: &str, wanted: &str) {
        wait_for_text_within(client, css, wanted, 20).await;
    }

    /// Waits up to `seconds` until `css` holds text containing `wanted`.
    async fn wait_for_text_within(client: &Client, css: &str, wanted: &str, seconds: u64) {
        for _ in 0..seconds * 10 {
            if let Ok(e) = client.find(Locator::Css(css)).await {
                if e.text().await.unwrap_or_default().contains(wanted) {
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{css} never said {wanted:?}: {:?}", text(client, css).await);
    }

    /// Reader revenue in a browser, against the fake Stripe: a visitor meets the
    /// paywall on a paid story, picks a membership on the support page, pays at
    /// Checkout, comes back signed in and reads the story; cancels in the customer
    /// portal and keeps reading until the period ends, then meets the paywall again;
    /// and gives, to be thanked by name on the supporters page.
    #[tokio::test]
    async fn a_visitor_pays_reads_cancels_and_gives() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let Some(fake) = masthead_testkit::stripe::FakeStripe::start() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        let stripe_url = fake.url();
        let demo = Demo::start_with(
            0,
            &[
                (
                    "MASTHEAD_STRIPE_SECRET_KEY",
                    masthead_testkit::stripe::SECRET_KEY,
                ),
                ("MASTHEAD_STRIPE_WEBHOOK_SECRET", "whsec_lantern"),
                ("MASTHEAD_STRIPE_API_URL", &stripe_url),
            ],
        );
        fake.send_webhooks_to(&demo.url("/webhooks/stripe"), "whsec_lantern")
            .await;
        let reader = browser(&driver, false).await;
        let paid = "/business/wren-line-ferries-sold-to-regional-operator-after-71-years-of-family-ownership/";
        let mut violations = Vec::new();

        // The paywall leads to the memberships; the visitor picks one.
        reader.goto(&demo.url(paid)).await.unwrap();
        assert!(!text(&reader, "main").await.contains("Miriam Szabo"));
        click(&reader, ".paywall a.button").await;
        wait_for_text(&reader, "#tiers-h", "Memberships").await;
        click(&reader, "#choose-supporter").await;
        wait_for_text(&reader, "main h1", "Review your support").await;
        assert!(text(&reader, ".checkout-summary")
            .await
            .contains("Supporter: $15.00 a month"));
        violations.extend(axe(&reader, &axe_js).await);
        click(&reader, "#checkout-pay").await;
        // At Checkout (the fake Stripe's page), then back.
        wait_for_text(&reader, "main h1", "Pay Supporter").await;
        type_into(&reader, "input[name=email]", "pat@readers.example").await;
        click(&reader, "#pay").await;
        wait_for_text(&reader, "main h1", "Thank you").await;
        assert!(text(&reader, ".checkout")
            .await
            .contains("signed in as pat@readers.example"));
        violations.extend(axe(&reader, &axe_js).await);
        reader.goto(&demo.url(paid)).await.unwrap();
        assert!(
            text(&reader, "main").await.contains("Miriam Szabo"),
            "the whole story"
        );

        // The customer portal, from the account page: cancel at the period's end.
        reader.goto(&demo.url("/account")).await.unwrap();
        assert!(text(&reader, "#plans")
            .await
            .contains("Supporter, $15.00 a month"));
        click(&reader, "#manage-plans").await;
        wait_for_text(&reader, "main h1", "Your plans").await;
        click(&reader, "button[id^=cancel-]").await;
        wait_for_text(&reader, ".state", "Ends on").await;
        let plan = reader
            .find(Locator::Css("button[id^=renew-]"))
            .await
            .unwrap()
            .attr("id")
            .await
            .unwrap()
            .unwrap()
            .trim_start_matches("renew-")
            .to_owned();
        click(&reader, "#return").await;
        arrive(&reader, "/account").await;
        // Stripe's notice of it comes a moment later.
        let mut ending = false;
        for _ in 0..100 {
            reader.goto(&demo.url("/account")).await.unwrap();
            if text(&reader, "#plans").await.contains("ends on") {
                ending = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ending, "the account page says the plan ends");
        reader.goto(&demo.url(paid)).await.unwrap();
        assert!(
            text(&reader, "main").await.contains("Miriam Szabo"),
            "until the period ends"
        );
        // The period ends (Stripe's clock): the paywall is back.
        fake.end_subscription(&plan).await;
        let mut ended = false;
        for _ in 0..100 {
            reader.goto(&demo.url(paid)).await.unwrap();
            if !text(&reader, "main").await.contains("Miriam Szabo") {
                ended = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ended, "the story is gated again once the membership ended");

        // A gift, thanked by name.
        reader.goto(&demo.url("/support/")).await.unwrap();
        click(&reader, "#give").await;
        wait_for_text(&reader, ".checkout-summary", "A gift of $25.00").await;
        click(&reader, "#gift-public").await;
        type_into(&reader, "#gift-name", "Pat Payer").await;
        type_into(&reader, "#gift-message", "For the ferry reporting.").await;
        click(&reader, "#checkout-pay").await;
        wait_for_text(&reader, "main h1", "Pay A gift").await;
        click(&reader, "#pay").await;
        wait_for_text(&reader, "main h1", "Thank you").await;
        assert!(text(&reader, ".notice")
            .await
            .contains("Your gift has reached us"));
        reader
            .goto(&demo.url("/support/supporters/"))
            .await
            .unwrap();
        let supporters = text(&reader, "main").await;
        assert!(supporters.contains("Pat Payer"), "{supporters}");
        assert!(supporters.contains("For the ferry reporting."));
        assert!(violations.is_empty(), "{violations:#?}");
    }

    /// The whole desk: a contributor writes an article with a pasted picture and
    /// submits it; an editor requests a change, then publishes; readers get the
    /// article with the picture's responsive variants.
    #[tokio::test]
    async fn a_story_goes_from_a_contributor_through_an_editor_to_readers() {
        let Some(driver) = start_driver() else {
            return;
        };
        let demo = Demo::start();
        let (writer_email, writer_password) = demo.add_staff("Cora", "contributor");
        let (editor_email, editor_password) = demo.add_staff("Edmund", "editor");
        let client = browser(&driver, false).await;

        // The contributor writes, pastes a picture, describes it and submits.
        log_in(&client, &demo, &writer_email, &writer_password).await;
        click(&client, ".bar a.new").await;
        arrive(&client, "/newsroom/articles/new").await;
        markdown_mode(&client, "#f-body_markdown").await;
        type_into(
            &client,
            "#f-title",
            "Lighthouse keepers return to Gull Point",
        )
        .await;
        type_into(
            &client,
            "#f-body_markdown",
            "After forty years of automation, the light has keepers again.\n",
        )
        .await;
        // A picture on the clipboard, pasted into the body (as a browser does it).
        client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 const canvas = document.createElement('canvas');\
                 canvas.width = 1200; canvas.height = 700;\
                 const g = canvas.getContext('2d');\
                 const sky = g.createLinearGradient(0, 0, 0, 700);\
                 sky.addColorStop(0, '#1d3557'); sky.addColorStop(1, '#a8dadc');\
                 g.fillStyle = sky; g.fillRect(0, 0, 1200, 700);\
                 g.fillStyle = '#f1faee'; g.fillRect(560, 180, 80, 420);\
                 g.fillStyle = '#e63946'; g.fillRect(560, 300, 80, 40);\
                 canvas.toBlob(blob => {\
                   const file = new File([blob], 'image.png', { type: 'image/png' });\
                   const data = new DataTransfer(); data.items.add(file);\
                   const body = document.getElementById('f-body_markdown');\
                   body.focus();\
                   body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));\
                   done(true);\
                 }, 'image/png');",
                Vec::new(),
            )
            .await
            .unwrap();
        // Six sizes of a picture are made in the background, one at a time; in a
        // debug build beside the rest of the suite that can take a while.
        wait_for_text_within(&client, "#autosave-status", "sizes made: 6 of 6", 90).await;
        // It goes in the text where it was pasted, as a picture card to describe;
        // nothing becomes the featured image unasked.
        let body = value(&client, "#f-body_markdown").await;
        assert!(
            body.starts_with("After forty years of automation, the light has keepers again.\n\n```masthead:picture\n"),
            "{body}"
        );
        assert!(body.contains("\"src\": \"/media/"), "{body}");
        assert_eq!(value(&client, "input[name=featured_media_id]").await, "");
        assert!(text(&client, "#autosave-status")
            .await
            .starts_with("Picture added to the text"));
        // The writer describes and credits it, as they type.
        client
            .execute(
                "const body = document.getElementById('f-body_markdown');\
                 body.value = body.value\
                   .replace('Describe the picture', 'The white tower of the Gull Point lighthouse against a dusk sky')\
                   .replace('\"credit\": \"\"', '\"credit\": \"Cora for The Lantern\"');\
                 body.dispatchEvent(new Event('input', { bubbles: true }));",
                Vec::new(),
            )
            .await
            .unwrap();
        client
            .find(Locator::Css("#f-section option[value=\"1\"]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click(&client, ".side .save").await;
        wait_for_text(&client, ".notice", "Saved.").await;
        let editor_path = path(&client).await;
        let editor_path = editor_path.split('?').next().unwrap().to_owned();
        assert!(editor_path.starts_with("/newsroom/articles/"));
        // A last sentence, not saved on purpose (autosave keeps it), then straight to
        // review: what goes is what is on screen.
        type_into(
            &client,
            "#f-body_markdown",
            " The keepers arrive on Monday.",
        )
        .await;
        click(&client, ".actions .action:first-of-type button").await;
        wait_for_text(&client, ".status-line", "In review").await;
        let sent = value(&client, "#f-body_markdown").await;
        assert!(sent.contains("The keepers arrive on Monday."), "{sent}");
        shot(&client, "newsroom-editor-in-review", 1366, 1100).await;
        click(&client, ".who button").await;
        arrive(&client, "/newsroom/login").await;

        // The editor finds it in review, requests a change, then publishes.
        log_in(&client, &demo, &editor_email, &editor_password).await;
        assert!(text(&client, ".desk")
            .await
            .contains("Lighthouse keepers return"));
        client.goto(&demo.url(&editor_path)).await.unwrap();
        type_into(&client, "#f-note", "Add when the keepers start.").await;
        click(&client, "#f-note ~ button").await;
        wait_for_text(&client, ".notes", "Add when the keepers start.").await;
        wait_for_text(&client, ".status-line", "Draft").await;
        let publish = client
            .find_all(Locator::Css(".actions button"))
            .await
            .unwrap();
        let mut clicked = false;
        for button in publish {
            if button.text().await.unwrap() == "Publish" {
                button.click().await.unwrap();
                clicked = true;
                break;
            }
        }
        assert!(clicked, "an editor may publish");
        wait_for_text(&client, ".status-line", "Published").await;
        let public = href(
            &client,
            ".status-line a[href^=\"/\"]:not([href^=\"/newsroom\"])",
        )
        .await;

        // Readers get it, with the picture in every size.
        client.goto(&demo.url(&public)).await.unwrap();
        assert_eq!(
            text(&client, "article h1").await,
            "Lighthouse keepers return to Gull Point"
        );
        let webp = client
            .find(Locator::Css(
                "article .body figure.card.picture picture source[type=\"image/webp\"]",
            ))
            .await
            .unwrap()
            .attr("srcset")
            .await
            .unwrap()
            .unwrap_or_default();
        for width in ["320w", "640w", "960w"] {
            assert!(webp.contains(width), "{width} in {webp}");
        }
        let img = client
            .find(Locator::Css(
                "article .body figure.card.picture picture img",
            ))
            .await
            .unwrap();
        // (Shown in capitals, as the theme sets credits.)
        assert!(
            text(&client, "article .body figure.card.picture figcaption")
                .await
                .to_lowercase()
                .contains("cora for the lantern")
        );
        assert_eq!(
            img.attr("alt").await.unwrap().as_deref(),
            Some("The white tower of the Gull Point lighthouse against a dusk sky")
        );
        let jpeg_or_png = img.attr("srcset").await.unwrap().unwrap_or_default();
        assert!(
            jpeg_or_png.contains("320w") && jpeg_or_png.contains(".png"),
            "{jpeg_or_png}"
        );
        shot(&client, "newsroom-published-article", 1366, 1300).await;
        client.close().await.unwrap();
    }

    /// Puts the visual editor's caret at the end of the paragraph holding `words`.
    async fn caret_after(client: &Client, words: &str) {
        client
            .execute(
                "const body = document.querySelector('.visual-body');\
                 body.focus();\
                 const p = [...body.querySelectorAll('p')].find(p => p.textContent.includes(arguments[0]));\
                 const range = document.createRange();\
                 range.selectNodeContents(p); range.collapse(false);\
                 getSelection().removeAllRanges(); getSelection().addRange(range);",
                vec![json!(words)],
            )
            .await
            .unwrap();
        // ProseMirror reads the selection when the browser says it changed.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }

    /// The visual editor's document, as the form will send it.
    async fn document_of(client: &Client) -> serde_json::Value {
        let json = value(client, "input[name=body_document]").await;
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    /// A journalist writes in the visual editor: pastes formatted text from Google
    /// Docs, puts a captioned picture mid-text, a YouTube embed, a gallery and a pull
    /// quote, and submits; an editor publishes; readers get every piece, the page
    /// passes the Nu HTML checker and axe, and nothing loads from another site until
    /// the embed is clicked.
    #[tokio::test]
    async fn a_journalist_writes_with_cards_in_the_visual_editor() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        // Letters go to a real SMTP server on loopback.
        let Some(smtp) = masthead_testkit::mail::SmtpServer::start() else {
            return;
        };
        let demo = Demo::start_with(0, &[("MASTHEAD_SMTP_URL", &smtp.url())]);
        let (writer_email, writer_password) = demo.add_staff("Ines", "contributor");
        let (editor_email, editor_password) = demo.add_staff("Edmund", "editor");
        let client = browser(&driver, false).await;
        log_in(&client, &demo, &writer_email, &writer_password).await;
        client
            .goto(&demo.url("/newsroom/articles/new"))
            .await
            .unwrap();
        type_into(
            &client,
            "#f-title",
            "Council votes to close the old ferry slip",
        )
        .await;
        // The visual editor is the body's editor; the Markdown textarea waits hidden.
        assert!(!client
            .find(Locator::Css("#f-body_markdown"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap());
        type_into(
            &client,
            ".visual-body",
            "The harbor council voted 7 to 2 on Tuesday night to close the old ferry slip.\n",
        )
        .await;
        // Formatted text from Google Docs, as its clipboard holds it: formatting in
        // style attributes, the whole wrapped in a bold that is not bold.
        client
            .execute(
                "const data = new DataTransfer();\
                 data.setData('text/html', arguments[0]);\
                 data.setData('text/plain', 'What the vote means');\
                 document.querySelector('.visual-body').dispatchEvent(new ClipboardEvent('paste',\
                   { clipboardData: data, bubbles: true, cancelable: true }));",
                vec![json!(
                    "<meta charset=\"utf-8\"><b style=\"font-weight:normal;\" id=\"docs-internal-guid-5a1b\">\
                     <h1 dir=\"ltr\"><span style=\"font-size:20pt;font-weight:400\">What the vote means</span></h1>\
                     <p dir=\"ltr\"><span style=\"font-weight:700\">Ferries will use the new terminal</span>\
                     <span style=\"font-weight:400\"> from March, the </span>\
                     <a href=\"https://harbor.example/plan\"><span style=\"text-decoration:underline\">harbor plan</span></a>\
                     <span style=\"font-style:italic\"> says</span><span>.</span></p>\
                     <ul><li dir=\"ltr\"><p dir=\"ltr\"><span>Two berths close</span></p></li>\
                     <li dir=\"ltr\"><p dir=\"ltr\"><span>One berth opens</span></p></li></ul>\
                     <p dir=\"ltr\"><span style=\"color:#ff0000\">Commuters were told to allow extra time.</span>\
                     <img src=\"https://tracker.example/pixel.gif\"></p></b>"
                )],
            )
            .await
            .unwrap();
        // A picture pasted mid-text, after the first paragraph: uploaded, then placed
        // there as a card to describe, caption and credit.
        caret_after(&client, "voted 7 to 2").await;
        client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 const canvas = document.createElement('canvas');\
                 canvas.width = 1200; canvas.height = 700;\
                 const g = canvas.getContext('2d');\
                 g.fillStyle = '#264653'; g.fillRect(0, 0, 1200, 700);\
                 g.fillStyle = '#e9c46a'; g.fillRect(100, 420, 1000, 80);\
                 canvas.toBlob(blob => {\
                   const data = new DataTransfer();\
                   data.items.add(new File([blob], 'slip.png', { type: 'image/png' }));\
                   document.querySelector('.visual-body').dispatchEvent(new ClipboardEvent('paste',\
                     { clipboardData: data, bubbles: true, cancelable: true }));\
                   done(true);\
                 }, 'image/png');",
                Vec::new(),
            )
            .await
            .unwrap();
        wait_for_text(&client, ".mode-status", "sizes made: 6 of 6").await;
        let fields = client
            .find_all(Locator::Css(".card-edit.card-picture .card-field input"))
            .await
            .unwrap();
        for (field, words) in fields.iter().zip([
            "The old ferry slip at dusk, its ramp raised",
            "The slip has served the island ferry since 1962.",
            "Ines for The Lantern",
        ]) {
            field.send_keys(words).await.unwrap();
        }
        // A YouTube video, from the toolbar's Insert menu (which offers a contributor
        // no raw HTML).
        caret_after(&client, "allow extra time").await;
        click(&client, ".visual-toolbar button.insert").await;
        assert!(client
            .find(Locator::Css("button[data-insert=html]"))
            .await
            .is_err());
        click(&client, "button[data-insert=embed]").await;
        type_into(
            &client,
            "dialog.ask input",
            "https://www.youtube.com/watch?v=Lantern0412\n",
        )
        .await;
        // A gallery and a pull quote, from the "/" menu.
        caret_after(&client, "allow extra time").await;
        type_into(&client, ".visual-body", "\n/gall").await;
        wait_for_text(&client, ".slash-menu", "Gallery").await;
        type_into(&client, ".visual-body", "\n").await;
        let picks = client
            .wait()
            .for_element(Locator::Css("dialog.picker .pick"))
            .await
            .unwrap();
        picks.click().await.unwrap();
        click(&client, "dialog.picker li:nth-child(2) .pick").await;
        click(&client, "dialog.picker .buttons button").await;
        client
            .wait()
            .for_element(Locator::Css(".card-edit.card-gallery"))
            .await
            .unwrap();
        caret_after(&client, "allow extra time").await;
        type_into(&client, ".visual-body", "\n/pull\n").await;
        type_into(
            &client,
            ".card-edit.card-pull-quote textarea",
            "We will miss the old slip, but not its queues.",
        )
        .await;
        type_into(
            &client,
            ".card-edit.card-pull-quote input",
            "Mara Quinn, a commuter",
        )
        .await;
        let document = document_of(&client).await;
        let kinds: Vec<&str> = document["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "paragraph",
                "picture",
                "heading",
                "paragraph",
                "bullet_list",
                "paragraph",
                "pull_quote",
                "gallery",
                "embed"
            ],
            "{document:#}"
        );
        let violations = axe(&client, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        client
            .execute(
                "document.querySelector('.visual').scrollIntoView()",
                Vec::new(),
            )
            .await
            .unwrap();
        shot(&client, "newsroom-visual-editor", 1500, 1200).await;
        click(&client, ".side .save").await;
        wait_for_text(&client, ".notice", "Saved.").await;
        // Saved and shown again as it was written, the embed named by its provider.
        wait_for_text(&client, ".card-edit.card-embed .card-about", "YouTube").await;
        assert_eq!(
            document_of(&client).await["content"][1]["attrs"]["caption"],
            "The slip has served the island ferry since 1962."
        );
        click(&client, ".actions .action:first-of-type button").await;
        wait_for_text(&client, ".status-line", "In review").await;
        let editor_path = path(&client).await;
        let editor_path = editor_path.split('?').next().unwrap().to_owned();
        click(&client, ".who button").await;
        arrive(&client, "/newsroom/login").await;

        // Every editor and admin is told by letter (the demo's three, and Edmund);
        // Edmund follows the link in his.
        let letters = smtp.letters(4).await;
        let letter = letters
            .iter()
            .find(|l| l.to == editor_email)
            .unwrap_or_else(|| panic!("a letter to the editor: {letters:#?}"));
        assert_eq!(
            letter.subject,
            "Submitted for review: Council votes to close the old ferry slip"
        );
        assert!(
            letter
                .text
                .contains("Ines submitted “Council votes to close the old ferry slip” for review."),
            "{}",
            letter.text
        );
        let link = letter.link(&demo.base, "/newsroom/articles/");
        assert_eq!(link, editor_path, "the letter leads to the story");
        assert!(
            letters.iter().all(|l| l.to != writer_email),
            "the writer is not told of her own submission"
        );

        // The editor publishes it.
        log_in(&client, &demo, &editor_email, &editor_password).await;
        client.goto(&demo.url("/newsroom/")).await.unwrap();
        assert!(text(&client, ".notifications")
            .await
            .contains("Ines submitted “Council votes to close the old ferry slip” for review."));
        assert!(text(&client, ".bar .badge").await.starts_with('1'));
        shot(&client, "newsroom-notifications", 1366, 900).await;
        client.goto(&demo.url(&link)).await.unwrap();
        let mut published = false;
        for button in client
            .find_all(Locator::Css(".actions button"))
            .await
            .unwrap()
        {
            if button.text().await.unwrap() == "Publish" {
                button.click().await.unwrap();
                published = true;
                break;
            }
        }
        assert!(published, "an editor may publish");
        wait_for_text(&client, ".status-line", "Published").await;
        let public = href(
            &client,
            ".status-line a[href^=\"/\"]:not([href^=\"/newsroom\"])",
        )
        .await;

        // Readers get every piece, in its place.
        client.goto(&demo.url(&public)).await.unwrap();
        assert_eq!(
            text(&client, "article .body h2").await,
            "What the vote means"
        );
        assert_eq!(
            text(&client, "article .body strong").await,
            "Ferries will use the new terminal"
        );
        assert_eq!(
            text(
                &client,
                "article .body a[href=\"https://harbor.example/plan\"]"
            )
            .await,
            "harbor plan"
        );
        assert!(text(&client, "article .body em").await.contains("says"));
        assert_eq!(
            client
                .find_all(Locator::Css("article .body ul li"))
                .await
                .unwrap()
                .len(),
            2
        );
        let before_picture = client
            .execute(
                "return document.querySelector('article .body figure.card.picture')\
                   .previousElementSibling.textContent",
                Vec::new(),
            )
            .await
            .unwrap();
        assert!(
            before_picture.as_str().unwrap().contains("voted 7 to 2"),
            "{before_picture}"
        );
        let caption = text(&client, "article .body figure.card.picture figcaption").await;
        assert!(
            caption.contains("served the island ferry since 1962"),
            "{caption}"
        );
        assert!(
            caption.to_lowercase().contains("ines for the lantern"),
            "{caption}"
        );
        assert_eq!(
            client
                .find_all(Locator::Css("article .body figure.card.gallery img"))
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(text(&client, "article .body figure.card.pull-quote")
            .await
            .contains("not its queues"));
        let page = client.source().await.unwrap();
        assert!(
            !page.contains("tracker.example"),
            "a pasted picture from elsewhere came along"
        );
        let violations = axe(&client, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        let loaded = client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)\
                    .concat([...document.querySelectorAll('iframe')].map(f => f.src));",
                Vec::new(),
            )
            .await
            .unwrap();
        let origin = demo.url("");
        let elsewhere: Vec<String> = serde_json::from_value::<Vec<String>>(loaded)
            .unwrap()
            .into_iter()
            .filter(|n| !n.starts_with(origin.trim_end_matches('/')))
            .collect();
        assert!(elsewhere.is_empty(), "loaded from elsewhere: {elsewhere:?}");
        shot_of(
            &client,
            "article .body",
            "article-from-the-visual-editor",
            1366,
            2000,
        )
        .await;
        click(&client, "figure.embed a.embed-link").await;
        let player = client
            .wait()
            .for_element(Locator::Css("figure.embed iframe.embed-player"))
            .await
            .unwrap();
        assert_eq!(
            player.attr("src").await.unwrap().unwrap_or_default(),
            "https://www.youtube-nocookie.com/embed/Lantern0412"
        );
        if let Some(vnu) = tools::tool(tools::dir().join("node_modules/vnu-jar/build/dist/vnu.jar"))
        {
            let pages = BTreeMap::from([(public.clone(), demo.get(&public).body)]);
            let errors = nu_errors(&vnu, &pages);
            assert!(errors.is_empty(), "{errors:#?}");
        }

        // The editor pins it as the home page's lead; readers see it first.
        let id = editor_path.rsplit('/').next().unwrap().to_owned();
        client.goto(&demo.url("/newsroom/front")).await.unwrap();
        click(&client, &format!("#f-slot-0 option[value=\"{id}\"]")).await;
        click(&client, ".front-form button[type=submit]").await;
        wait_for_text(&client, ".notice", "arranged").await;
        let home = demo.get("/").body;
        let lead = home
            .split(r#"<div class="lead">"#)
            .nth(1)
            .and_then(|rest| rest.split(r#"<div class="lead-more">"#).next())
            .unwrap_or_default();
        assert!(
            lead.contains("Council votes to close the old ferry slip"),
            "the lead: {lead}"
        );
        // The writer hears it was published.
        let letters = smtp.letters(5).await;
        assert!(
            letters.iter().any(|l| l.to == writer_email
                && l.subject == "Published: Council votes to close the old ferry slip"),
            "{letters:#?}"
        );
        client.close().await.unwrap();
    }

    /// An admin writes a static page in the visual editor from text pasted out of
    /// Word (its lists are paragraphs with their bullets as text), adds raw HTML (which
    /// only editors and admins are offered), saves, switches to Markdown and back, and
    /// fixes a word on a phone.
    #[tokio::test]
    async fn pasting_from_word_and_editing_on_a_phone() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        let demo = Demo::start();
        let client = browser(&driver, false).await;
        let (email, password) = &demo.login;
        log_in(&client, &demo, email, password).await;
        client.goto(&demo.url("/newsroom/pages/new")).await.unwrap();
        type_into(&client, "#p-title", "How to reach us").await;
        type_into(&client, "#p-slug", "reach-us").await;
        click(&client, "#p-status option[value=published]").await;
        click(&client, ".visual-body").await;
        client
            .execute(
                "const data = new DataTransfer();\
                 data.setData('text/html', arguments[0]);\
                 document.querySelector('.visual-body').dispatchEvent(new ClipboardEvent('paste',\
                   { clipboardData: data, bubbles: true, cancelable: true }));",
                vec![json!(
                    "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><style>p.MsoNormal{margin:0}</style></head>\
                     <body><!--StartFragment--><p class=MsoNormal><b>Newsdesk</b> is open <i>every</i> day.</p>\
                     <p class=MsoListParagraphCxSpFirst style='mso-list:l0 level1 lfo1'><![if !supportLists]>\
                     <span style='mso-list:Ignore'>1.<span>&nbsp;&nbsp;</span></span><![endif]>Call the desk</p>\
                     <p class=MsoListParagraphCxSpLast style='mso-list:l0 level1 lfo1'><![if !supportLists]>\
                     <span style='mso-list:Ignore'>2.<span>&nbsp;&nbsp;</span></span><![endif]>Write to <a href=\"mailto:desk@lantern.example\">the desk</a></p>\
                     <p class=MsoNormal>Letters are read by an editor.</p><!--EndFragment--></body></html>"
                )],
            )
            .await
            .unwrap();
        // Raw HTML is on an admin's menu.
        click(&client, ".visual-toolbar button.insert").await;
        click(&client, "button[data-insert=html]").await;
        type_into(
            &client,
            ".card-edit.card-html textarea",
            "<p class=\"hours\">Open 9 to 5</p>",
        )
        .await;
        let document = document_of(&client).await;
        let kinds: Vec<&str> = document["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["paragraph", "ordered_list", "paragraph", "html"],
            "{document:#}"
        );
        let items = &document["content"][1]["content"];
        assert_eq!(
            items[0]["content"][0]["content"][0]["text"]
                .as_str()
                .map(str::trim),
            Some("Call the desk"),
            "the bullet's number is not kept as text: {items:#}"
        );
        click(&client, ".page-form button[type=submit]").await;
        wait_for_text(&client, ".notice", "Page saved").await;
        // The Markdown mode shows the same page as Markdown, and back again.
        markdown_mode(&client, "#p-body").await;
        let markdown = value(&client, "#p-body").await;
        assert!(markdown.contains("1. Call the desk"), "{markdown}");
        assert!(markdown.contains("**Newsdesk**"), "{markdown}");
        click(&client, ".mode-switch").await;
        client
            .wait()
            .for_element(Locator::Css(".visual-body ol li"))
            .await
            .unwrap();
        assert_eq!(document_of(&client).await["content"], document["content"]);
        // On a phone: nothing wider than the screen, and the toolbar wraps.
        client.set_window_size(375, 800).await.unwrap();
        let overflow = client
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(overflow, json!(false), "nothing wider than the phone");
        caret_after(&client, "read by an editor").await;
        type_into(&client, ".visual-body", " Always.").await;
        // The editor takes typed keys in after the browser reports them: under load
        // that can be later than the next click, so wait until the form has them.
        for _ in 0..100 {
            if document_of(&client)
                .await
                .to_string()
                .contains("read by an editor. Always.")
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            document_of(&client)
                .await
                .to_string()
                .contains("read by an editor. Always."),
            "the typed words reach the document"
        );
        let violations = axe(&client, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        client
            .execute(
                "document.querySelector('.visual').scrollIntoView()",
                Vec::new(),
            )
            .await
            .unwrap();
        shot(&client, "newsroom-editor-mobile", 375, 800).await;
        click(&client, ".page-form button[type=submit]").await;
        wait_for_text(&client, ".notice", "Page saved").await;
        assert!(demo
            .get("/reach-us/")
            .body
            .contains("read by an editor. Always."));
        client.close().await.unwrap();
    }

    /// A live article: a reader keeps its page open while an editor posts three
    /// entries from the newsroom; they appear without a reload (the page's own script
    /// asks), after the pinned one, and the page's JSON-LD is a `LiveBlogPosting` with
    /// every entry.
    #[tokio::test]
    async fn live_entries_reach_an_open_page_without_a_reload() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        let demo = Demo::start();
        let path = "/environment/live-storm-maren-brings-gales-and-flooding-to-port-alder/";
        let reader = browser(&driver, false).await;
        reader.goto(&demo.url(path)).await.unwrap();
        let count = |client: &Client| {
            let client = client.clone();
            async move {
                client
                    .find_all(Locator::Css(".live-entries .live-entry"))
                    .await
                    .unwrap()
                    .len()
            }
        };
        let before = count(&reader).await;
        assert_eq!(before, 5, "the demo's entries");
        let violations = axe(&reader, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        shot_of(&reader, ".live", "article-live", 1366, 1400).await;
        // Marks this very page: a reload would lose it.
        reader
            .execute("window.stayed = true;", Vec::new())
            .await
            .unwrap();

        let desk = browser(&driver, false).await;
        let (email, password) = &demo.login;
        log_in(&desk, &demo, email, password).await;
        desk.goto(&demo.url(path)).await.unwrap();
        let editor = href(&desk, ".staff-bar a").await;
        desk.goto(&demo.url(&editor)).await.unwrap();
        for (headline, words) in [
            (
                "Gust of 131 km/h at the lighthouse",
                "The strongest gust of the night so far.",
            ),
            (
                "Shelter is full",
                "The Eastbank Community Center has no beds left; Harbor High School has.",
            ),
            ("Wind easing", "Forecasters say the worst is over by 4 a.m."),
        ] {
            type_into(&desk, "#e-headline", headline).await;
            click(&desk, "#live .visual-body").await;
            type_into(&desk, "#live .visual-body", words).await;
            click(&desk, ".live-entry-form button[type=submit]").await;
            wait_for_text(&desk, ".notice", "The entry is live").await;
        }
        shot_of(&desk, "#live", "newsroom-live", 1366, 1100).await;
        // The reader's page, not reloaded, gets them within a turn of its script.
        let mut now = before;
        for _ in 0..80 {
            now = count(&reader).await;
            if now == before + 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        assert_eq!(now, before + 3, "new entries never reached the open page");
        assert_eq!(
            reader
                .execute("return window.stayed === true", Vec::new())
                .await
                .unwrap(),
            json!(true),
            "the page was reloaded"
        );
        assert!(text(&reader, "#live-status")
            .await
            .contains("3 new updates"));
        let order = reader
            .execute(
                "return [...document.querySelectorAll('.live-entry h3')].map(h => h.textContent)",
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(
            order[0], "Where to find help tonight",
            "the pinned entry first"
        );
        assert_eq!(order[1], "Wind easing", "then the newest: {order}");
        // Search engines read every entry as a LiveBlogPosting's update.
        let page = demo.get(path).body;
        let posting = json_ld(&page)
            .into_iter()
            .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v]))
            .find(|v| v["@type"] == "LiveBlogPosting")
            .expect("a LiveBlogPosting");
        assert!(posting["coverageStartTime"].is_string());
        let updates = posting["liveBlogUpdate"].as_array().unwrap();
        assert_eq!(updates.len(), 8);
        for update in updates {
            assert_eq!(update["@type"], "BlogPosting");
            for field in ["headline", "datePublished", "url", "articleBody"] {
                assert!(
                    update[field].as_str().is_some_and(|v| !v.is_empty()),
                    "{field}: {update}"
                );
            }
        }
        for client in [reader, desk] {
            client.close().await.unwrap();
        }
    }

    /// An editor arranges the home page in a browser without a mouse's dragging: moves
    /// the lead down a slot with its Move button, chooses an older story as the lead
    /// from its list, saves, and readers see both where they were put.
    #[tokio::test]
    async fn an_editor_arranges_the_home_page() {
        let Some(axe_path) = tools::tool(tools::dir().join("node_modules/axe-core/axe.min.js"))
        else {
            return;
        };
        let Some(driver) = start_driver() else {
            return;
        };
        let axe_js = std::fs::read_to_string(axe_path).unwrap();
        let demo = Demo::start();
        let client = browser(&driver, false).await;
        let (email, password) = &demo.login;
        log_in(&client, &demo, email, password).await;
        click(&client, ".bar a[href=\"/newsroom/front\"]").await;
        arrive(&client, "/newsroom/front").await;
        let selected = |css: &'static str| {
            let client = client.clone();
            async move {
                client
                    .execute(
                        "const s = document.querySelector(arguments[0]); \
                         return s.options[s.selectedIndex].text.split(' · ')[0];",
                        vec![json!(css)],
                    )
                    .await
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let live = selected("#f-slot-0").await;
        assert!(live.contains("Storm Maren"), "the demo's lead: {live}");
        click(
            &client,
            ".front-slot:first-child .slot-moves button:last-child",
        )
        .await;
        assert_eq!(selected("#f-slot-1").await, live);
        click(&client, "#f-slot-0 option:nth-child(4)").await;
        let lead = selected("#f-slot-0").await;
        assert!(!lead.contains("newest") && lead != live, "{lead}");
        let violations = axe(&client, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        shot(&client, "newsroom-front", 1366, 1100).await;
        click(&client, ".front-form button[type=submit]").await;
        wait_for_text(&client, ".notice", "arranged").await;
        client.goto(&demo.url("/")).await.unwrap();
        assert_eq!(text(&client, ".lead .story-lead h2").await, lead);
        assert!(text(&client, ".lead-more").await.contains(&live));

        // The audience figures, as an editor sees them.
        client
            .goto(&demo.url("/newsroom/analytics?period=month"))
            .await
            .unwrap();
        let violations = axe(&client, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        shot(&client, "newsroom-analytics", 1366, 1400).await;
        // The integrations: the demo app's keys, its webhooks and the delivery log.
        client
            .goto(&demo.url("/newsroom/integrations"))
            .await
            .unwrap();
        let violations = axe(&client, &axe_js).await;
        assert!(violations.is_empty(), "{violations:#?}");
        shot(&client, "newsroom-integrations", 1366, 1300).await;

        // Every newsroom screen fits a phone: nothing wider than 375 px, and axe
        // passes there too.
        client.set_window_size(375, 800).await.unwrap();
        for screen in [
            "/newsroom/",
            "/newsroom/articles",
            "/newsroom/articles/new",
            "/newsroom/media",
            "/newsroom/notifications",
            "/newsroom/front",
            "/newsroom/front?section=world",
            "/newsroom/comments",
            "/newsroom/structure",
            "/newsroom/bylines",
            "/newsroom/pages",
            "/newsroom/newsletters",
            "/newsroom/analytics",
            "/newsroom/staff",
            "/newsroom/tiers",
            "/newsroom/revenue",
            "/newsroom/sponsors",
            "/newsroom/integrations",
            "/newsroom/settings",
            "/newsroom/audit",
            "/newsroom/account",
        ] {
            client.goto(&demo.url(screen)).await.unwrap();
            // What is wider than the phone: boxes, and text that overflows its box.
            let wide = client
                .execute(
                    "return document.documentElement.scrollWidth > window.innerWidth\
                       ? [...document.querySelectorAll('body *')]\
                           .filter(e => getComputedStyle(e).overflowX === 'visible'\
                             && !(e.parentElement && e.parentElement.closest('main table, pre'))\
                             && (e.scrollWidth > e.clientWidth + 1\
                               || e.getBoundingClientRect().right > window.innerWidth + 1))\
                           .slice(-5).map(e => e.tagName + '.' + e.className)\
                       : [];",
                    Vec::new(),
                )
                .await
                .unwrap();
            assert_eq!(wide, json!([]), "{screen} scrolls sideways");
            let violations = axe(&client, &axe_js).await;
            assert!(violations.is_empty(), "{screen}: {violations:#?}");
        }
        client.goto(&demo.url("/newsroom/bylines")).await.unwrap();
        shot(&client, "newsroom-bylines-mobile", 375, 800).await;
        client.close().await.unwrap();
    }

    /// Gives the browser a virtual passkey authenticator (chromedriver's WebAuthn
    /// extension) that holds resident keys and verifies its user.
    async fn add_authenticator(client: &Client) {
        let port = DRIVER_PORT.get().copied().unwrap();
        let id = client.session_id().await.unwrap().unwrap();
        let reply = http::request(
            format!("127.0.0.1:{port}").parse().unwrap(),
            "POST",
            &format!("/session/{id}/webauthn/authenticator"),
            &[("Content-Type", "application/json")],
            r#"{"protocol":"ctap2","transport":"internal","hasResidentKey":true,
                "hasUserVerification":true,"isUserVerified":true,"isUserConsenting":true}"#,
        )
        .unwrap();
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    /// The `id` of the first element matching `css`.
    async fn id_of(client: &Client, css: &str) -> String {
        attr_of(client, css, "id").await
    }

    /// Scrolls `css` to the top of the window and takes the window's picture.
    async fn shot_of(client: &Client, css: &str, name: &str, width: u32, height: u32) {
        client.set_window_size(width, height).await.unwrap();
        client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView(true)",
                vec![json!(css)],
            )
            .await
            .unwrap();
        shot(client, name, width, height).await;
    }

    /// Members, start to end, on the demo with a real SMTP server and a real OpenID
    /// provider: a reader joins by an emailed link and comments; an editor approves
    /// the held comment and marks another as spam; the reader replies, edits the reply,
    /// adds a passkey and signs in with it; a second reader joins through the media
    /// house's login and comments. Screenshots of the sign-in page, the comments and
    /// the moderation queue.
    #[tokio::test]
    async fn members_join_comment_moderate_and_sign_in_with_passkeys_and_the_media_house_login() {
        let Some(driver) = start_driver() else {
            return;
        };
        let Some(smtp) = masthead_testkit::mail::SmtpServer::start() else {
            return;
        };
        // Passkeys need a named host: the demo runs as http://localhost:PORT.
        let port = http::free_port();
        let base = format!("http://localhost:{port}");
        let Some(provider) = masthead_testkit::oidc::OidcProvider::start(&format!(
            "{base}/signin/external/callback"
        )) else {
            return;
        };
        let (smtp_url, issuer) = (smtp.url(), provider.issuer());
        let demo = Demo::start_with(
            port,
            &[
                ("MASTHEAD_BASE_URL", &base),
                ("MASTHEAD_SMTP_URL", &smtp_url),
                ("MASTHEAD_OIDC_ISSUER", &issuer),
                ("MASTHEAD_OIDC_CLIENT_ID", masthead_testkit::oidc::CLIENT_ID),
                (
                    "MASTHEAD_OIDC_CLIENT_SECRET",
                    masthead_testkit::oidc::CLIENT_SECRET,
                ),
                ("MASTHEAD_OIDC_NAME", "Lantern Media ID"),
            ],
        );
        assert_eq!(demo.url("/"), format!("{base}/"));
        let reader = browser(&driver, false).await;
        add_authenticator(&reader).await;

        // A reader on a story is asked to sign in to comment, and joins by email.
        reader.goto(&demo.url("/")).await.unwrap();
        // (The newest story, under the live coverage the editors put in the lead.)
        let story = href(&reader, ".lead-more .story :is(h2, h3, h4) a").await;
        reader.goto(&demo.url(&story)).await.unwrap();
        let signin = href(&reader, ".comment-cta a").await;
        assert!(signin.starts_with("/signin?return_to=%2F"), "{signin}");
        click(&reader, ".comment-cta a").await;
        arrive(&reader, &signin).await;
        assert!(
            text(&reader, ".passkey-sign-in button")
                .await
                .contains("passkey"),
            "the script offers passkeys"
        );
        shot(&reader, "member-sign-in", 1366, 900).await;
        type_into(&reader, "#signin-email", "rosa@readers.example").await;
        click(&reader, ".member-form button[type=submit]").await;
        wait_for_text(&reader, "main h1", "Check your email").await;
        let letter = smtp.letters(1).await.remove(0);
        assert_eq!(letter.to, "rosa@readers.example");
        reader
            .goto(&demo.url(&letter.link(&base, "/signin/link/")))
            .await
            .unwrap();
        wait_for_text(&reader, "main h1", "Welcome to The Lantern").await;
        type_into(&reader, "#account-name", "Rosa Diaz").await;
        click(&reader, "form[action=\"/account\"] button[type=submit]").await;
        arrive(&reader, &story).await;
        assert_eq!(text(&reader, ".account-link").await, "Rosa Diaz");

        // Her first comment waits for a moderator; only she sees it meanwhile.
        type_into(
            &reader,
            "#comment-body",
            "My first comment: thank you for this.",
        )
        .await;
        click(&reader, "#comment-form button[type=submit]").await;
        wait_for_text(
            &reader,
            ".comment.held .held-note",
            "until a moderator approves",
        )
        .await;
        let held = id_of(&reader, ".comment.held").await;
        assert!(!demo.get(&story).body.contains("My first comment"));

        // An editor approves it from the queue, and marks another held one as spam.
        let desk = browser(&driver, false).await;
        let (email, password) = &demo.login;
        log_in(&desk, &demo, email, password).await;
        desk.goto(&demo.url("/newsroom/comments")).await.unwrap();
        wait_for_text(&desk, &format!("#{held} .comment-body"), "My first comment").await;
        shot(&desk, "newsroom-comments", 1366, 1100).await;
        click(
            &desk,
            &format!("#{held} form.moderate button[value=approved]"),
        )
        .await;
        wait_for_text(&desk, ".notice", "Approved").await;
        let other = id_of(&desk, ".moderation-list > li").await;
        assert_ne!(other, held);
        click(&desk, &format!("#{other} form.moderate button[value=spam]")).await;
        // (Waits for the answer: leaving at once could cancel the form's post.)
        wait_for_text(&desk, ".notice", "Marked as spam").await;
        desk.goto(&demo.url("/newsroom/comments?queue=spam"))
            .await
            .unwrap();
        id_of(&desk, &format!(".moderation-list #{other}")).await;
        assert!(demo.get(&story).body.contains("My first comment"));
        // A reported comment is held while the desk looks into it.
        desk.goto(&demo.url("/newsroom/comments?queue=reported"))
            .await
            .unwrap();
        let reported = id_of(&desk, ".moderation-list > li").await;
        click(
            &desk,
            &format!("#{reported} form.moderate button[value=pending]"),
        )
        .await;
        wait_for_text(&desk, ".notice", "Held").await;
        desk.goto(&demo.url("/newsroom/comments?queue=held"))
            .await
            .unwrap();
        wait_for_text(
            &desk,
            &format!("#{reported} .status"),
            "Held by a moderator",
        )
        .await;

        // Approved now, she replies to another reader (the script moves the form
        // under their comment), then changes her words within the ten minutes.
        reader.goto(&demo.url(&story)).await.unwrap();
        assert!(reader
            .find(Locator::Css(&format!("#{held}.held")))
            .await
            .is_err());
        let answered = id_of(&reader, ".comment-list > .comment:not(.held)").await;
        let answered_id = answered.trim_start_matches("comment-");
        click(&reader, &format!("a[data-reply=\"{answered_id}\"]")).await;
        type_into(
            &reader,
            "#comment-body",
            "I agree with this, and I lived there.",
        )
        .await;
        click(&reader, "#comment-form button[type=submit]").await;
        wait_for_text(&reader, ".comment-list", "I agree with this").await;
        // Her reply, found by its own words (a thread's element holds its replies').
        let reply = reader
            .execute(
                "return [...document.querySelectorAll('.comment')].find(c => \
                 c.querySelector(':scope > .comment-body')?.textContent \
                 .includes('I agree with this')).id",
                Vec::new(),
            )
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        click(&reader, &format!("#{reply} a[href$=\"/edit\"]")).await;
        let field = reader.find(Locator::Css("#comment-body")).await.unwrap();
        field.clear().await.unwrap();
        field
            .send_keys("I agree with this: I lived by the harbor for years.")
            .await
            .unwrap();
        click(&reader, ".comment-form button[type=submit]").await;
        wait_for_text(&reader, &format!("#{reply}"), "lived by the harbor").await;
        assert!(text(&reader, &format!("#{reply} .edited"))
            .await
            .contains("edited"));
        shot_of(&reader, "#comments", "member-comments", 1366, 1200).await;

        // She adds a passkey, signs out, and signs in with it: no email this time.
        reader.goto(&demo.url("/account")).await.unwrap();
        let name = reader.find(Locator::Css("#passkey-name")).await.unwrap();
        name.clear().await.unwrap();
        name.send_keys("Rosa's laptop").await.unwrap();
        click(&reader, "form[data-passkey=add] button").await;
        arrive(&reader, "/account?notice=passkey_added").await;
        wait_for_text(&reader, ".passkeys", "Rosa's laptop").await;
        assert!(text(&reader, ".passkeys").await.contains("not used yet"));
        click(&reader, "form[action=\"/signout\"] button").await;
        arrive(&reader, "/").await;
        reader.goto(&demo.url(&signin)).await.unwrap();
        click(&reader, ".passkey-sign-in button").await;
        arrive(&reader, &story).await;
        assert_eq!(text(&reader, ".account-link").await, "Rosa Diaz");
        let to_her: Vec<String> = smtp
            .letters(3)
            .await
            .into_iter()
            .filter(|l| l.to == "rosa@readers.example")
            .map(|l| l.subject)
            .collect();
        assert_eq!(
            to_her.len(),
            2,
            "no sign-in letter after the passkey's: {to_her:?}"
        );
        assert!(to_her[1].contains("passkey"), "{to_her:?}");
        reader.goto(&demo.url("/account")).await.unwrap();
        assert!(text(&reader, ".passkeys").await.contains("last used"));

        // A second reader joins with the media house's login and comments.
        let second = browser(&driver, false).await;
        second.goto(&demo.url(&signin)).await.unwrap();
        click(&second, "a.external-login").await;
        type_into(&second, "input[name=login]", "sam").await;
        type_into(&second, "input[name=password]", "any").await;
        click(&second, "button[type=submit]").await;
        wait_for_text(&second, "main h1", "Welcome to The Lantern").await;
        click(&second, "form[action=\"/account\"] button[type=submit]").await;
        arrive(&second, &story).await;
        type_into(
            &second,
            "#comment-body",
            "Signed in with my Lantern Media ID.",
        )
        .await;
        click(&second, "#comment-form button[type=submit]").await;
        wait_for_text(
            &second,
            ".comment.held",
            "Signed in with my Lantern Media ID",
        )
        .await;
        assert!(!demo.get(&story).body.contains("Lantern Media ID."));
        for client in [reader, desk, second] {
            client.close().await.unwrap();
        }
    }
}
