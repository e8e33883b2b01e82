//! What the tests of the real binary share: starting it, and a browser-like session
//! against it (cookies, form posts).

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use masthead_testkit::http;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub fn masthead(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_masthead"));
    cmd.arg("--data-dir").arg(data_dir);
    for var in [
        "MASTHEAD_DATABASE_URL",
        "MASTHEAD_LISTEN",
        "MASTHEAD_BASE_URL",
        "MASTHEAD_CONFIG",
        "MASTHEAD_DATA_DIR",
    ] {
        cmd.env_remove(var);
    }
    if let Some(url) = database_url {
        cmd.env("MASTHEAD_DATABASE_URL", url);
    }
    cmd.stdin(Stdio::null());
    cmd
}

pub fn serve(data_dir: &Path, database_url: Option<&str>, addr: SocketAddr) -> Child {
    let child = masthead(data_dir, database_url)
        .arg("serve")
        .env("MASTHEAD_LISTEN", addr.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    http::wait_for(addr);
    child
}

/// A browser session against the running server: cookies and the page's token.
pub struct Session {
    pub addr: SocketAddr,
    pub cookies: Vec<String>,
}

impl Session {
    fn cookie_header(&self) -> String {
        self.cookies.join("; ")
    }

    fn keep_cookies(&mut self, response: &http::Response) {
        for set in response.all("set-cookie") {
            let pair = set.split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            self.cookies.push(pair);
        }
    }

    pub fn get(&mut self, path: &str) -> http::Response {
        let cookie = self.cookie_header();
        let r = http::request(self.addr, "GET", path, &[("Cookie", &cookie)], "").unwrap();
        self.keep_cookies(&r);
        r
    }

    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> std::io::Result<http::Response> {
        let cookie = self.cookie_header();
        let body = serde_urlencoded::to_string(fields).unwrap();
        let r = http::request(
            self.addr,
            "POST",
            path,
            &[
                ("Cookie", &cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &body,
        )?;
        self.keep_cookies(&r);
        Ok(r)
    }

    pub fn log_in(addr: SocketAddr, email: &str, password: &str) -> Self {
        let mut s = Self {
            addr,
            cookies: Vec::new(),
        };
        let form = s.get("/newsroom/login");
        let csrf = field(&form.body, "csrf");
        let r = s
            .post(
                "/newsroom/login",
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .unwrap();
        assert_eq!(r.status, 303, "{}", r.body);
        s
    }
}

/// The value of the form field `name` in `html`.
pub fn field(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// Adds a staff member with `masthead staff add`; returns the generated password.
pub fn add_staff(data: &Path, database_url: Option<&str>, email: &str, role: &str) -> String {
    let added = masthead(data, database_url)
        .args([
            "staff",
            "add",
            "--email",
            email,
            "--name",
            "Ana Writer",
            "--role",
            role,
        ])
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let stdout = String::from_utf8_lossy(&added.stdout).into_owned();
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .expect("a generated password")
        .trim()
        .to_owned()
}
