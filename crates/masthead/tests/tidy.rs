//! The layout the architecture promises, checked: the domain depends on no web, SQL or
//! template crate; the web layer's surfaces do not import one another (each shares
//! only the neutral modules); and every path ARCHITECTURE.md names exists.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The names of a Cargo.toml's `[dependencies]` (not dev-dependencies).
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_domain_depends_on_no_web_sql_or_template_crate() {
    let deps = dependencies(&root().join("crates/masthead-core/Cargo.toml"));
    let forbidden = [
        "axum",
        "hyper",
        "hyper-util",
        "tower",
        "tower-http",
        "sqlx",
        "minijinja",
        "tantivy",
        "ammonia",
        "image",
        "lettre",
        "reqwest",
    ];
    for dep in &deps {
        assert!(
            !forbidden.contains(&dep.as_str()) && !dep.starts_with("masthead-"),
            "masthead-core depends on {dep}"
        );
    }
    // The body's document format reads and writes Markdown (pulldown-cmark's events),
    // but making HTML of it is presentation: the render crate's.
    for file in rust_files(&root().join("crates/masthead-core/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("pulldown_cmark::html"),
            "{} renders HTML",
            file.display()
        );
    }
    // And no source file reaches for one of them some other way.
    for file in rust_files(&root().join("crates/masthead-core/src")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for name in forbidden {
            let path = format!("{}::", name.replace('-', "_"));
            assert!(
                !text.contains(&format!("use {path}")) && !text.contains(&format!(" {path}")),
                "{} uses {name}",
                file.display()
            );
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The web layer's surfaces: each a folder of `masthead-web/src`. Whatever they share
/// lives in the neutral modules beside them (the crate root's files).
const SURFACES: &[&str] = &["portal", "newsroom", "ghost", "members", "revenue"];

#[test]
fn surfaces_do_not_import_one_another() {
    let src = root().join("crates/masthead-web/src");
    let mut checked = 0;
    for surface in SURFACES {
        let dir = src.join(surface);
        if !dir.is_dir() {
            continue;
        }
        for file in rust_files(&dir) {
            let text = std::fs::read_to_string(&file).unwrap();
            for other in SURFACES.iter().filter(|o| *o != surface) {
                for reach in [format!("crate::{other}"), format!("super::super::{other}")] {
                    assert!(
                        !text.contains(&reach),
                        "{} reaches into the {other} surface ({reach}): move what they share \
                         to a neutral module of masthead-web",
                        file.display()
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 10, "the surfaces' files were found ({checked})");
    // The neutral modules are for every surface, so none of them depends on one either.
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs")
            && path.file_name() != Some("lib.rs".as_ref())
        {
            let text = std::fs::read_to_string(&path).unwrap();
            for surface in SURFACES {
                assert!(
                    !text.contains(&format!("crate::{surface}")),
                    "{} is neutral but uses the {surface} surface",
                    path.display()
                );
            }
        }
    }
}

/// Every path in backticks in ARCHITECTURE.md: names of files (`cache.rs`), folders
/// (`portal/`) and paths (`crates/masthead-web`) of the repository. Addresses on the
/// site (`/newsroom/...`), patterns and placeholders are not paths.
fn named_paths(text: &str) -> Vec<String> {
    let extensions = [
        ".rs", ".md", ".toml", ".sh", ".sql", ".html", ".css", ".js", ".svg",
    ];
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| !t.contains(char::is_whitespace))
        .filter(|t| !t.starts_with('/') && !t.starts_with('<') && !t.starts_with('.'))
        .filter(|t| !t.contains(['{', '*', '<', '(', ':', '=']))
        .filter(|t| {
            extensions.iter().any(|e| t.ends_with(e))
                || (t.ends_with('/') && t.len() > 1)
                || t.starts_with("crates/")
        })
        .map(str::to_owned)
        .collect()
}

/// Every file and folder of the repository (but `target` and `.git`), relative.
fn repository_paths(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name == "target" || name == ".git" || name == "node_modules" {
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                out.push(format!("{relative}/"));
                walk(&path, root, out);
            } else {
                out.push(relative);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn every_path_architecture_md_names_exists() {
    let root = root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let named = named_paths(&text);
    assert!(
        named.len() > 40,
        "paths found in ARCHITECTURE.md: {named:?}"
    );
    let paths = repository_paths(&root);
    let missing: Vec<&String> = named
        .iter()
        .filter(|name| {
            let name = name.trim_end_matches('/');
            !paths.iter().any(|p| {
                let p = p.trim_end_matches('/');
                p == name || p.ends_with(&format!("/{name}"))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

#[test]
fn the_path_check_is_not_a_rubber_stamp() {
    let named = named_paths(
        "`cache.rs`, `portal/` and `no-such-file.rs`, not `/newsroom/` or `<data-dir>/x`",
    );
    assert_eq!(named, ["cache.rs", "portal/", "no-such-file.rs"]);
    let paths = repository_paths(&root());
    assert!(!paths.iter().any(|p| p.ends_with("/no-such-file.rs")));
}
