//! Themes: minijinja templates and static assets. The default theme is compiled into
//! the binary; a theme directory (in the data dir) overrides it file by file, so a
//! publication can restyle without recompiling.

use minijinja::{Environment, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The default theme's files, embedded at build time.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../themes/default/templates/base.html"),
    ),
    (
        "macros.html",
        include_str!("../../../themes/default/templates/macros.html"),
    ),
    (
        "home.html",
        include_str!("../../../themes/default/templates/home.html"),
    ),
    (
        "list.html",
        include_str!("../../../themes/default/templates/list.html"),
    ),
    (
        "article.html",
        include_str!("../../../themes/default/templates/article.html"),
    ),
    (
        "live_entries.html",
        include_str!("../../../themes/default/templates/live_entries.html"),
    ),
    (
        "error.html",
        include_str!("../../../themes/default/templates/error.html"),
    ),
    (
        "page.html",
        include_str!("../../../themes/default/templates/page.html"),
    ),
    (
        "offer.html",
        include_str!("../../../themes/default/templates/offer.html"),
    ),
    (
        "checkout.html",
        include_str!("../../../themes/default/templates/checkout.html"),
    ),
    (
        "supporters.html",
        include_str!("../../../themes/default/templates/supporters.html"),
    ),
    (
        "search.html",
        include_str!("../../../themes/default/templates/search.html"),
    ),
    (
        "corrections.html",
        include_str!("../../../themes/default/templates/corrections.html"),
    ),
    (
        "signin.html",
        include_str!("../../../themes/default/templates/signin.html"),
    ),
    (
        "account.html",
        include_str!("../../../themes/default/templates/account.html"),
    ),
    (
        "comment.html",
        include_str!("../../../themes/default/templates/comment.html"),
    ),
    (
        "letter.txt",
        include_str!("../../../themes/default/templates/letter.txt"),
    ),
    (
        "letter.html",
        include_str!("../../../themes/default/templates/letter.html"),
    ),
    (
        "unsubscribe.html",
        include_str!("../../../themes/default/templates/unsubscribe.html"),
    ),
    (
        "newsletter.txt",
        include_str!("../../../themes/default/templates/newsletter.txt"),
    ),
    (
        "newsletter.html",
        include_str!("../../../themes/default/templates/newsletter.html"),
    ),
    // The newsroom's own pages: compiled in, never taken from a theme directory.
    (
        "newsroom/base.html",
        include_str!("../newsroom/templates/base.html"),
    ),
    (
        "newsroom/login.html",
        include_str!("../newsroom/templates/login.html"),
    ),
    (
        "newsroom/access.html",
        include_str!("../newsroom/templates/access.html"),
    ),
    (
        "newsroom/structure.html",
        include_str!("../newsroom/templates/structure.html"),
    ),
    (
        "newsroom/tiers.html",
        include_str!("../newsroom/templates/tiers.html"),
    ),
    (
        "newsroom/revenue.html",
        include_str!("../newsroom/templates/revenue.html"),
    ),
    (
        "newsroom/analytics.html",
        include_str!("../newsroom/templates/analytics.html"),
    ),
    (
        "newsroom/article_figures.html",
        include_str!("../newsroom/templates/article_figures.html"),
    ),
    (
        "newsroom/sponsors.html",
        include_str!("../newsroom/templates/sponsors.html"),
    ),
    (
        "newsroom/newsletters.html",
        include_str!("../newsroom/templates/newsletters.html"),
    ),
    (
        "newsroom/sends.html",
        include_str!("../newsroom/templates/sends.html"),
    ),
    (
        "newsroom/newsletter.html",
        include_str!("../newsroom/templates/newsletter.html"),
    ),
    (
        "newsroom/pages.html",
        include_str!("../newsroom/templates/pages.html"),
    ),
    (
        "newsroom/page.html",
        include_str!("../newsroom/templates/page.html"),
    ),
    (
        "newsroom/account.html",
        include_str!("../newsroom/templates/account.html"),
    ),
    (
        "newsroom/dashboard.html",
        include_str!("../newsroom/templates/dashboard.html"),
    ),
    (
        "newsroom/audit.html",
        include_str!("../newsroom/templates/audit.html"),
    ),
    (
        "newsroom/error.html",
        include_str!("../newsroom/templates/error.html"),
    ),
    (
        "newsroom/articles.html",
        include_str!("../newsroom/templates/articles.html"),
    ),
    (
        "newsroom/editor.html",
        include_str!("../newsroom/templates/editor.html"),
    ),
    (
        "newsroom/editor_scripts.html",
        include_str!("../newsroom/templates/editor_scripts.html"),
    ),
    (
        "newsroom/live_entry.html",
        include_str!("../newsroom/templates/live_entry.html"),
    ),
    (
        "newsroom/front.html",
        include_str!("../newsroom/templates/front.html"),
    ),
    (
        "newsroom/bylines.html",
        include_str!("../newsroom/templates/bylines.html"),
    ),
    (
        "newsroom/integrations.html",
        include_str!("../newsroom/templates/integrations.html"),
    ),
    (
        "newsroom/byline.html",
        include_str!("../newsroom/templates/byline.html"),
    ),
    (
        "newsroom/profile_fields.html",
        include_str!("../newsroom/templates/profile_fields.html"),
    ),
    (
        "newsroom/notifications.html",
        include_str!("../newsroom/templates/notifications.html"),
    ),
    (
        "newsroom/notification_list.html",
        include_str!("../newsroom/templates/notification_list.html"),
    ),
    (
        "newsroom/media.html",
        include_str!("../newsroom/templates/media.html"),
    ),
    (
        "newsroom/settings.html",
        include_str!("../newsroom/templates/settings.html"),
    ),
    (
        "newsroom/staff.html",
        include_str!("../newsroom/templates/staff.html"),
    ),
    (
        "newsroom/comments.html",
        include_str!("../newsroom/templates/comments.html"),
    ),
    (
        "newsroom/history.html",
        include_str!("../newsroom/templates/history.html"),
    ),
    (
        "newsroom/revision.html",
        include_str!("../newsroom/templates/revision.html"),
    ),
];

/// Templates and assets whose names start with this belong to the newsroom, which a
/// theme directory does not restyle.
const NEWSROOM_PREFIX: &str = "newsroom";

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../../themes/default/assets/style.css"),
    ),
    (
        "share.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../themes/default/assets/share.js"),
    ),
    (
        "comments.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../themes/default/assets/comments.js"),
    ),
    (
        "embeds.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../themes/default/assets/embeds.js"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../themes/default/assets/live.js"),
    ),
    (
        "passkeys.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../themes/default/assets/passkeys.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../../themes/default/assets/favicon.svg"),
    ),
    (
        "newsroom.css",
        "text/css; charset=utf-8",
        include_str!("../newsroom/newsroom.css"),
    ),
    (
        "newsroom.js",
        "text/javascript; charset=utf-8",
        include_str!("../newsroom/newsroom.js"),
    ),
    (
        "newsroom-editor.js",
        "text/javascript; charset=utf-8",
        include_str!("../newsroom/editor.js"),
    ),
];

/// One of the visual editor's browser libraries, as npm publishes it.
macro_rules! library {
    ($name:literal, $file:literal) => {
        (
            $name,
            include_str!(concat!("../newsroom/vendor/", $name, "/", $file)),
        )
    };
}

/// The visual editor's browser libraries (`newsroom/vendor`, pinned in its
/// `PACKAGES` and refreshed by its `refresh.sh`), by the name their modules import
/// one another by. Each is served unmodified as `/assets/{name}.{hash}.js`, found
/// through the import map of the pages that edit, and never restyled by a theme.
const EDITOR_LIBRARIES: &[(&str, &str)] = &[
    library!("orderedmap", "dist/index.js"),
    library!("rope-sequence", "dist/index.js"),
    library!("w3c-keyname", "index.js"),
    library!("prosemirror-model", "dist/index.js"),
    library!("prosemirror-transform", "dist/index.js"),
    library!("prosemirror-state", "dist/index.js"),
    library!("prosemirror-view", "dist/index.js"),
    library!("prosemirror-keymap", "dist/index.js"),
    library!("prosemirror-history", "dist/index.js"),
    library!("prosemirror-commands", "dist/index.js"),
    library!("prosemirror-inputrules", "dist/index.js"),
    library!("prosemirror-schema-list", "dist/index.js"),
    library!("prosemirror-dropcursor", "dist/index.js"),
    library!("prosemirror-gapcursor", "dist/index.js"),
];

/// A static asset of the theme, loaded once.
pub struct Asset {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Its address with a content fingerprint, e.g. "/assets/style.3f2a9c1d0b4e5f67.css":
    /// safe to cache for ever, since new content gets a new address.
    pub url: String,
}

impl Asset {
    fn new(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        let hash = format!("{:016x}", hasher.finish());
        let url = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("/assets/{stem}.{hash}.{ext}"),
            None => format!("/assets/{name}.{hash}"),
        };
        Self {
            content_type,
            bytes,
            url,
        }
    }
}

/// HTML escaping for `{{ value }}`: the five characters that matter and nothing else.
/// minijinja's default also escapes `/`, which turns every URL into `&#x2f;` soup.
fn escape_html(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_safe()
        || value.is_undefined()
        || value.is_none()
        || state.auto_escape() == minijinja::AutoEscape::None
    {
        return minijinja::escape_formatter(out, state, value);
    }
    // Strings are escaped in place; other values are formatted first.
    let formatted;
    let text = match value.as_str() {
        Some(text) => text,
        None => {
            formatted = value.to_string();
            &formatted
        }
    };
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&text[last..i])
            .and_then(|()| out.write_str(entity))
            .map_err(fmt_error)?;
        last = i + 1;
    }
    out.write_str(&text[last..]).map_err(fmt_error)
}

fn fmt_error(_: std::fmt::Error) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write the page")
}

#[derive(Debug, thiserror::Error)]
#[error("cannot render {template}: {message}")]
pub struct ThemeError {
    pub template: String,
    pub message: String,
}

/// A loaded theme, shared by every request.
pub struct Theme {
    env: Environment<'static>,
    /// By file name.
    assets: HashMap<String, Asset>,
    import_map: String,
}

/// How a request named an asset.
pub enum AssetName {
    /// By its current fingerprinted address: cache for ever.
    Fingerprinted,
    /// By its plain file name: revalidate.
    Plain,
}

impl Theme {
    /// The default theme, with files in `override_dir/templates` and
    /// `override_dir/assets` taking precedence when present.
    pub fn new(override_dir: Option<&Path>) -> Arc<Self> {
        let mut assets: HashMap<String, Asset> = ASSETS
            .iter()
            .map(|(name, content_type, embedded)| {
                let bytes = override_dir
                    .filter(|_| !name.starts_with(NEWSROOM_PREFIX))
                    .and_then(|d| std::fs::read(d.join("assets").join(name)).ok())
                    .unwrap_or_else(|| embedded.as_bytes().to_vec());
                ((*name).to_owned(), Asset::new(name, content_type, bytes))
            })
            .collect();
        let mut imports = serde_json::Map::new();
        for (name, source) in EDITOR_LIBRARIES {
            let asset = Asset::new(
                &format!("{name}.js"),
                "text/javascript; charset=utf-8",
                source.as_bytes().to_vec(),
            );
            imports.insert((*name).to_owned(), asset.url.clone().into());
            assets.insert(format!("{name}.js"), asset);
        }
        let import_map = serde_json::json!({ "imports": imports }).to_string();
        let urls: HashMap<String, String> = assets
            .iter()
            .map(|(name, a)| (name.clone(), a.url.clone()))
            .collect();
        let mut env = Environment::new();
        // {{ import_map }}: where the editor's modules find the libraries they import
        // (a page's inline script, allowed by its hash: `Theme::import_map`).
        env.add_global("import_map", Value::from_safe_string(import_map.clone()));
        env.set_formatter(escape_html);
        // Block tags leave no blank lines behind in the page.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        // {{ asset("style.css") }}: the asset's fingerprinted address.
        env.add_function(
            "asset",
            move |name: &str| -> Result<String, minijinja::Error> {
                urls.get(name).cloned().ok_or_else(|| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("the theme has no asset {name:?}"),
                    )
                })
            },
        );
        let dir = override_dir.map(|d| d.join("templates"));
        env.set_loader(move |name| {
            if let Some(dir) = dir.as_ref().filter(|_| !name.starts_with(NEWSROOM_PREFIX)) {
                let path = dir.join(name);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("cannot read {}: {e}", path.display()),
                        )
                    });
                }
            }
            Ok(TEMPLATES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned()))
        });
        Arc::new(Self {
            env,
            assets,
            import_map,
        })
    }

    /// The import map of the pages that edit a body (`{{ import_map }}`), for the
    /// newsroom's Content-Security-Policy to allow by its hash.
    pub fn import_map(&self) -> &str {
        &self.import_map
    }

    /// Renders `template` with `context` (any serializable view model).
    pub fn render<S: serde::Serialize>(
        &self,
        template: &str,
        context: &S,
    ) -> Result<String, ThemeError> {
        let err = |e: minijinja::Error| ThemeError {
            template: template.to_owned(),
            message: format!("{e:#}"),
        };
        self.env
            .get_template(template)
            .map_err(err)?
            .render(Value::from_serialize(context))
            .map_err(err)
    }

    /// The fingerprinted address of the asset `name` (`/assets/{name}` if there is no
    /// such asset, which then answers 404).
    pub fn asset_path(&self, name: &str) -> String {
        self.assets
            .get(name)
            .map(|a| a.url.clone())
            .unwrap_or_else(|| format!("/assets/{name}"))
    }

    /// The asset at `/assets/{file}`: by its fingerprinted address or its plain name.
    /// An outdated fingerprint is no asset, so that it is never cached as the new one.
    pub fn asset(&self, file: &str) -> Option<(&Asset, AssetName)> {
        if let Some(asset) = self.assets.get(file) {
            return Some((asset, AssetName::Plain));
        }
        self.assets
            .values()
            .find(|a| a.url.strip_prefix("/assets/") == Some(file))
            .map(|a| (a, AssetName::Fingerprinted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of the default theme's assets is served (a template naming one that
    /// is not failed every page using it: `embeds.js` did).
    #[test]
    fn every_theme_asset_is_embedded() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../themes/default/assets");
        let theme = Theme::new(None);
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                ASSETS.iter().any(|(n, _, _)| *n == name),
                "themes/default/assets/{name} is not in ASSETS"
            );
            assert!(theme.asset(&name).is_some(), "{name}");
        }
    }

    /// The editor's libraries are what `newsroom/vendor/SHA256SUMS` pins (the files
    /// `refresh.sh` checked against npm), every pinned package is served, and every
    /// module a library imports is in the import map.
    #[test]
    fn editor_libraries_are_the_pinned_files_and_find_one_another() {
        use sha2::{Digest, Sha256};
        let vendor = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("newsroom/vendor");
        let sums = std::fs::read_to_string(vendor.join("SHA256SUMS")).unwrap();
        let packages = std::fs::read_to_string(vendor.join("PACKAGES")).unwrap();
        let pinned: Vec<(&str, &str)> = packages
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                (words[0], words[2])
            })
            .collect();
        assert_eq!(pinned.len(), EDITOR_LIBRARIES.len());
        let theme = Theme::new(None);
        let map: serde_json::Value = serde_json::from_str(theme.import_map()).unwrap();
        for (name, file) in pinned {
            let (_, source) = EDITOR_LIBRARIES
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{name} is pinned but not served"));
            let sum = format!("{:x}", Sha256::digest(source.as_bytes()));
            assert!(
                sums.lines().any(|l| l == format!("{sum}  {name}/{file}")),
                "{name}/{file} is not the file SHA256SUMS pins: run refresh.sh"
            );
            let url = map["imports"][name].as_str().unwrap();
            assert!(theme.asset(url.trim_start_matches("/assets/")).is_some());
            for line in source.lines().filter(|l| l.starts_with("import ")) {
                let imported = line.rsplit(['\'', '"']).nth(1).unwrap();
                assert!(
                    map["imports"].get(imported).is_some(),
                    "{name} imports {imported}, which the import map lacks"
                );
            }
        }
        let editor = theme.asset("newsroom-editor.js").unwrap().0;
        let editor = std::str::from_utf8(&editor.bytes).unwrap();
        for line in editor.lines().filter(|l| l.starts_with("import ")) {
            let imported = line.rsplit(['\'', '"']).nth(1).unwrap();
            assert!(map["imports"].get(imported).is_some(), "{imported}");
        }
    }

    #[test]
    fn every_embedded_template_compiles() {
        let theme = Theme::new(None);
        for (name, _) in TEMPLATES {
            theme
                .env
                .get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn escapes_markup_but_not_slashes() {
        let theme = Theme::new(None);
        let mut env = theme.env.clone();
        env.add_template("t.html", "{{ v }}|{{ s|safe }}").unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { v => "/a/?x=1&y=<b>\"'", s => "<i>" })
            .unwrap();
        assert_eq!(out, "/a/?x=1&amp;y=&lt;b&gt;&quot;&#39;|<i>");
    }

    #[test]
    fn assets_have_fingerprinted_addresses_that_follow_their_content() {
        let theme = Theme::new(None);
        let url = theme.asset("style.css").unwrap().0.url.clone();
        assert!(
            url.starts_with("/assets/style.") && url.ends_with(".css"),
            "{url}"
        );
        let file = url.trim_start_matches("/assets/");
        assert!(matches!(
            theme.asset(file),
            Some((_, AssetName::Fingerprinted))
        ));
        assert!(matches!(
            theme.asset("style.css"),
            Some((_, AssetName::Plain))
        ));
        assert!(theme.asset("style.0000000000000000.css").is_none());
        assert!(theme.asset("nothing.css").is_none());

        let dir = std::env::temp_dir().join(format!("masthead-assets-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("assets/style.css"), "body{}").unwrap();
        let restyled = Theme::new(Some(&dir));
        assert_ne!(
            restyled.asset("style.css").unwrap().0.url,
            url,
            "new content, new address"
        );
        assert_eq!(restyled.asset("style.css").unwrap().0.bytes, b"body{}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_theme_directory_overrides_file_by_file() {
        let dir = std::env::temp_dir().join(format!("masthead-theme-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("templates/error.html"), "custom {{ heading }}").unwrap();
        std::fs::create_dir_all(dir.join("templates/newsroom")).unwrap();
        std::fs::write(dir.join("templates/newsroom/error.html"), "custom").unwrap();
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("assets/newsroom.css"), "custom").unwrap();
        let theme = Theme::new(Some(&dir));
        // The newsroom is not restyled by a theme directory.
        let desk = theme
            .render(
                "newsroom/error.html",
                &serde_json::json!({"heading": "No", "chrome": {}}),
            )
            .unwrap();
        assert!(desk.contains("<h1>No</h1>"), "{desk}");
        assert_ne!(theme.asset("newsroom.css").unwrap().0.bytes, b"custom");
        let html = theme
            .render("error.html", &serde_json::json!({"heading": "Gone"}))
            .unwrap();
        assert_eq!(html, "custom Gone");
        assert!(theme
            .asset("style.css")
            .unwrap()
            .0
            .bytes
            .starts_with(b":root"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
