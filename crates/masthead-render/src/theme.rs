//! Themes: minijinja templates and static assets. The default theme is compiled into
//! the binary; a theme directory (in the data dir) overrides it file by file, so a
//! publication can restyle without recompiling.

use minijinja::{Environment, Value};
use std::path::{Path, PathBuf};
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
        "error.html",
        include_str!("../../../themes/default/templates/error.html"),
    ),
];

const ASSETS: &[(&str, &str, &str)] = &[(
    "style.css",
    "text/css; charset=utf-8",
    include_str!("../../../themes/default/assets/style.css"),
)];

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
    let text = value.to_string();
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
    override_dir: Option<PathBuf>,
}

impl Theme {
    /// The default theme, with files in `override_dir/templates` and
    /// `override_dir/assets` taking precedence when present.
    pub fn new(override_dir: Option<&Path>) -> Arc<Self> {
        let mut env = Environment::new();
        env.set_formatter(escape_html);
        let dir = override_dir.map(|d| d.join("templates"));
        env.set_loader(move |name| {
            if let Some(dir) = &dir {
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
            override_dir: override_dir.map(Path::to_path_buf),
        })
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

    /// A static asset by file name: (content type, bytes).
    pub fn asset(&self, name: &str) -> Option<(&'static str, Vec<u8>)> {
        let (_, content_type, embedded) = ASSETS.iter().find(|(n, _, _)| *n == name)?;
        if let Some(dir) = &self.override_dir {
            if let Ok(bytes) = std::fs::read(dir.join("assets").join(name)) {
                return Some((content_type, bytes));
            }
        }
        Some((content_type, embedded.as_bytes().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_theme_directory_overrides_file_by_file() {
        let dir = std::env::temp_dir().join(format!("masthead-theme-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("templates/error.html"), "custom {{ heading }}").unwrap();
        let theme = Theme::new(Some(&dir));
        let html = theme
            .render("error.html", &serde_json::json!({"heading": "Gone"}))
            .unwrap();
        assert_eq!(html, "custom Gone");
        assert!(theme.asset("style.css").unwrap().1.starts_with(b":root"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
