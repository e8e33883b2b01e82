//! What every surface's HTML forms share: reading the fields, the CSRF token a form
//! carries and whether it came from our own pages, and the notice a page shows after
//! a form sent the browser on to it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use serde::Deserialize;

/// The largest form body read for its CSRF field.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// A form's fields as sent: pairs, since checkboxes repeat their name.
pub(crate) type Fields = Vec<(String, String)>;

/// The first value sent for `name`, or "" when there is none.
pub(crate) fn one<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// A domain error's message as a sentence on a page: capitalized, with a full stop.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// What was wrong with what someone sent, as sentences: each field's own message.
pub(crate) fn sentences(fields: &[masthead_core::error::FieldError]) -> String {
    fields
        .iter()
        .map(|f| sentence(&f.message))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every value sent for `name`, in order.
pub(crate) fn all<'a>(fields: &'a Fields, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    fields
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `?notice=...`: what a page says after a form sent the browser on to it.
#[derive(Deserialize)]
pub struct NoticeParam {
    pub notice: Option<String>,
}

/// A form refused before its handler sees it; each surface says so in its own way.
#[derive(Debug)]
pub struct BadForm {
    pub status: StatusCode,
    pub message: &'static str,
}

/// The CSRF token a state-changing request carries: the `csrf` field of a form (the
/// body is read and put back), or the `X-CSRF-Token` header for anything else. A form
/// too large to read, or holding a NUL character, is answered here.
pub(crate) async fn sent_csrf(request: Request) -> Result<(Request, Option<String>), BadForm> {
    let header_token = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        // A file upload form posted without script cannot set a header: its action
        // carries the token (`?csrf=`), on our own origin only (see `same_origin`).
        let query_token = request.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(name, _)| name == "csrf")
                .map(|(_, value)| value.into_owned())
        });
        return Ok((request, header_token.or(query_token)));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| BadForm {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "The form is too large.",
        })?;
    // No text we keep may hold a NUL (PostgreSQL refuses it in text, which would end
    // as a 500 after the checks): said once here for every form.
    let mut sent = None;
    for (name, value) in form_urlencoded::parse(&bytes) {
        if name.contains('\0') || value.contains('\0') {
            return Err(BadForm {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: "The form holds a NUL character, which no field may contain. Remove it and send the form again.",
            });
        }
        if sent.is_none() && name == "csrf" {
            sent = Some(value.into_owned());
        }
    }
    let sent = sent.or(header_token);
    Ok((Request::from_parts(parts, Body::from(bytes)), sent))
}

/// Whether a state-changing request came from our own pages, as far as the browser
/// says: `Sec-Fetch-Site` when sent, else `Origin` when sent (`base_url` or the
/// request's own host).
pub(crate) fn same_origin(base_url: &str, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    // Both must be there: an opaque `Origin: null` without a Host is not a match.
    let same_host = match (origin.split_once("://"), host) {
        (Some((_, origin_host)), Some(host)) => origin_host == host,
        _ => false,
    };
    origin == base_url || same_host
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_browser_says_where_a_form_came_from() {
        let base = "https://news.example";
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[], true),
            (&[("sec-fetch-site", "same-origin")], true),
            (&[("sec-fetch-site", "none")], true),
            (&[("sec-fetch-site", "cross-site")], false),
            (&[("sec-fetch-site", "same-site")], false),
            (&[("origin", "https://news.example")], true),
            (&[("origin", "https://evil.example")], false),
            (
                &[
                    ("origin", "http://127.0.0.1:8080"),
                    ("host", "127.0.0.1:8080"),
                ],
                true,
            ),
            (
                &[("origin", "http://127.0.0.1:9"), ("host", "127.0.0.1:8080")],
                false,
            ),
            (&[("origin", "null")], false),
            (&[("origin", "null"), ("host", "news.example")], false),
        ];
        for (sent, expected) in cases {
            assert_eq!(same_origin(base, &headers(sent)), *expected, "{sent:?}");
        }
    }

    #[tokio::test]
    async fn the_token_comes_from_the_form_then_the_header_then_the_address() {
        let form = Request::post("/x")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-csrf-token", "from-header")
            .body(Body::from("title=a&csrf=from-form"))
            .unwrap();
        let (request, sent) = sent_csrf(form).await.unwrap();
        assert_eq!(sent.as_deref(), Some("from-form"));
        // The body is put back for the handler.
        let body = axum::body::to_bytes(request.into_body(), 100)
            .await
            .unwrap();
        assert_eq!(&body[..], b"title=a&csrf=from-form");

        let json = Request::post("/x?csrf=from-address")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", "from-header")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            sent_csrf(json).await.unwrap().1.as_deref(),
            Some("from-header")
        );

        let upload = Request::post("/x?csrf=from-address")
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            sent_csrf(upload).await.unwrap().1.as_deref(),
            Some("from-address")
        );

        let nul = Request::post("/x")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("title=a%00b&csrf=t"))
            .unwrap();
        let refused = sent_csrf(nul).await.unwrap_err();
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

        let huge = Request::post("/x")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(vec![b'a'; MAX_FORM_BYTES + 1]))
            .unwrap();
        let refused = sent_csrf(huge).await.unwrap_err();
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
