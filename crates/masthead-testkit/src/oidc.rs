//! A real OpenID Connect provider for tests (`oidc-provider` from npm, installed by
//! `.ci/tools.sh`), run by Node on loopback from `oidc/provider.mjs`; stopped when
//! dropped. `sign_in` plays the reader at the provider's own pages.

use crate::tools;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The provider's script, written next to the tools' `node_modules` so that Node
/// finds `oidc-provider` from it.
const SCRIPT: &str = include_str!("../oidc/provider.mjs");

/// The client the provider knows the site as.
pub const CLIENT_ID: &str = "masthead";
pub const CLIENT_SECRET: &str = "masthead-secret";

pub struct OidcProvider {
    pub port: u16,
    child: Child,
}

impl OidcProvider {
    /// Starts a provider that sends readers back to `redirect`, or `None` (with a
    /// note) when oidc-provider is not installed; required under `CI=true`.
    pub fn start(redirect: &str) -> Option<Self> {
        tools::tool(tools::dir().join("node_modules/oidc-provider/package.json"))?;
        // A free port can be taken by another test before Node binds it; then that
        // test's provider would answer for ours. Only our own child's "listening" line
        // counts, and a child that could not listen is replaced on another port.
        for _ in 0..5 {
            let port = crate::http::free_port();
            let script =
                tools::dir().join(format!("oidc-provider-{}-{port}.mjs", std::process::id()));
            std::fs::write(&script, SCRIPT).expect("the provider's script is written");
            let mut child = Command::new("node")
                .arg(&script)
                .arg(port.to_string())
                .arg(redirect)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("node starts the OpenID provider (run `bash .ci/tools.sh`)");
            let mut first = String::new();
            if let Some(out) = child.stdout.take() {
                let mut out = BufReader::new(out);
                let _ = out.read_line(&mut first);
                // The provider writes notices later; a closed pipe would stop it.
                std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            }
            let _ = std::fs::remove_file(&script);
            if first.starts_with("listening") {
                return Some(Self { port, child });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the OpenID provider did not start (is Node installed?)");
    }

    /// The provider's issuer, exactly as it names itself.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Makes the next ID token carry a wrong `claim` ("nonce", "exp" or "aud"), signed
    /// again with the provider's key; or, for "key", signed with a key it never
    /// published.
    pub async fn tamper(&self, claim: &str) {
        let r = reqwest::Client::new()
            .post(format!("{}/test/tamper", self.issuer()))
            .body(format!(r#"{{"claim":"{claim}"}}"#))
            .send()
            .await
            .expect("the provider answers");
        assert_eq!(r.status().as_u16(), 204);
    }

    /// Makes the provider change its signing key: later ID tokens are signed with a
    /// new one, the only one its JWKS then publishes.
    pub async fn rotate_key(&self) {
        let r = reqwest::Client::new()
            .post(format!("{}/test/rotate", self.issuer()))
            .send()
            .await
            .expect("the provider answers");
        assert_eq!(r.status().as_u16(), 204);
    }

    /// Signs `login` in at the provider, starting from the authorization `url` the
    /// site sent the reader to; returns where the provider sends them back (the
    /// site's callback with its code and state).
    pub async fn sign_in(&self, url: &str, login: &str) -> String {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("a client");
        let location = |r: &reqwest::Response| {
            r.headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(|l| {
                    if l.starts_with('/') {
                        format!("{}{l}", self.issuer())
                    } else {
                        l.to_owned()
                    }
                })
                .unwrap_or_else(|| panic!("no redirect from {}: {}", r.url(), r.status()))
        };
        let r = client.get(url).send().await.expect("the provider answers");
        let interaction = location(&r);
        let form = client
            .get(&interaction)
            .send()
            .await
            .expect("the login page")
            .text()
            .await
            .expect("its text");
        let action = form
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no login form: {form}"))
            .to_owned();
        let r = client
            .post(&action)
            .form(&[("prompt", "login"), ("login", login), ("password", "any")])
            .send()
            .await
            .expect("the login is taken");
        let resume = location(&r);
        let r = client
            .get(&resume)
            .send()
            .await
            .expect("the provider resumes");
        location(&r)
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
