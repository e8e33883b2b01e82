//! A browser for in-process tests of the site: it sends requests straight to the app
//! (a `tower` service, no sockets), from one address, and keeps cookies by path as real
//! browsers do.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use std::convert::Infallible;
use std::net::SocketAddr;
use tower::ServiceExt;

/// What the site answered.
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

/// A cookie as a browser keeps it: with the path it is sent to.
pub struct Kept {
    pub name: String,
    pub value: String,
    pub path: String,
}

pub struct Browser<A> {
    app: A,
    pub cookies: Vec<Kept>,
    pub ip: SocketAddr,
    /// The site's own origin, sent as `Origin` with scripts' JSON posts.
    origin: String,
}

impl<A> Browser<A>
where
    A: tower::Service<Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    A::Future: Send,
{
    /// A browser at `ip` on the site `app`, whose origin is `origin`.
    pub fn new(app: &A, ip: &str, origin: &str) -> Self {
        Self {
            app: app.clone(),
            cookies: Vec::new(),
            ip: format!("{ip}:40000").parse().expect("an IP address"),
            origin: origin.to_owned(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.as_str())
    }

    /// Keeps a cookie for the whole site, as if the site had set it.
    pub fn keep(&mut self, name: &str, value: &str) {
        self.cookies.retain(|k| k.name != name);
        self.cookies.push(Kept {
            name: name.to_owned(),
            value: value.to_owned(),
            path: "/".into(),
        });
    }

    /// Sends `form` (url-encoded, for a POST) with `headers`.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let body = (method == Method::POST).then(|| {
            (
                "application/x-www-form-urlencoded",
                serde_urlencoded::to_string(form).expect("a form"),
            )
        });
        self.send_body(method, path, body, headers).await
    }

    /// Posts JSON from this site's script, which sends the page's token in a header.
    pub async fn post_json(&mut self, path: &str, json: &str, csrf: Option<&str>) -> Reply {
        let origin = self.origin.clone();
        let mut headers = vec![("origin", origin.as_str())];
        if let Some(token) = csrf {
            headers.push(("x-csrf-token", token));
        }
        self.send_body(
            Method::POST,
            path,
            Some(("application/json", json.to_owned())),
            &headers,
        )
        .await
    }

    /// Sends `body` as (content type, content).
    pub async fn send_body(
        &mut self,
        method: Method,
        path: &str,
        body: Option<(&str, String)>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder().method(method.clone()).uri(path);
        let bare = path.split('?').next().unwrap_or(path);
        let sent: Vec<String> = self
            .cookies
            .iter()
            .filter(|c| {
                c.path == "/" || bare == c.path || bare.starts_with(&format!("{}/", c.path))
            })
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        if !sent.is_empty() {
            request = request.header("cookie", sent.join("; "));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some((content_type, body)) => {
                request = request.header("content-type", content_type);
                Body::from(body)
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).expect("a request");
        request.extensions_mut().insert(ConnectInfo(self.ip));
        let Ok(response) = self.app.clone().oneshot(request).await;
        let status = response.status();
        let headers = response.headers().clone();
        for c in headers.get_all("set-cookie") {
            let c =
                cookie::Cookie::parse(c.to_str().expect("a cookie").to_owned()).expect("a cookie");
            let path = c.path().unwrap_or("/").to_owned();
            self.cookies
                .retain(|k| !(k.name == c.name() && k.path == path));
            let removed = c.max_age().is_some_and(|a| a.is_zero());
            if !removed {
                self.cookies.push(Kept {
                    name: c.name().to_owned(),
                    value: c.value().to_owned(),
                    path,
                });
            }
        }
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        Reply {
            status,
            location: headers
                .get("location")
                .map(|v| v.to_str().expect("a location").to_owned()),
            headers,
            body: String::from_utf8(body.to_vec()).expect("UTF-8"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, &[], &[]).await
    }

    /// Posts a form from `page` (its token included), as its page would.
    pub async fn post_from(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let form = self.get(page).await;
        let csrf = csrf_in(&form.body);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.send(Method::POST, action, &all, &[]).await
    }
}

/// The first form token on a page.
pub fn csrf_in(body: &str) -> String {
    let start = body
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("no csrf field in {body}"))
        + r#"name="csrf" value=""#.len();
    body[start..start + 64].to_owned()
}
