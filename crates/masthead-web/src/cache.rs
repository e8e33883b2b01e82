//! The rendered-page cache. Handlers mark a response cacheable by attaching `Deps`,
//! the content it shows; the cache keeps the page (with an ETag, and gzip and brotli
//! forms made when a client first asks for each) until a change notice names one of
//! those dependencies. Every page also depends on the site as a whole (settings,
//! sections), which is implied.
//!
//! Invalidation is exact and immediate: before each lookup the cache takes in every
//! change notice the store has sent, and the store sends them before a write returns.

use crate::log;
use crate::readership::{self, Readership};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use masthead_core::change::{take_pending, Change, ChangeReceiver};
use masthead_core::ids::ArticleId;
use masthead_core::store::ArticleFilter;
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;
use std::time::SystemTime;
use tower::Service;

/// What a page shows, for invalidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dep {
    /// A list of articles (its members' headlines, order, count).
    List(ArticleFilter),
    /// One article (its headline, summary or all of it). An article page names its own
    /// article first, and only article pages start with an article.
    Article(ArticleId),
    /// The site-wide log of corrections and updates.
    Corrections,
    /// The "Most read" list.
    MostRead,
}

/// Attached to a response (as an extension) to make it cacheable.
#[derive(Debug, Clone, Default)]
pub struct Deps(pub Vec<Dep>);

/// Marks `response` cacheable, showing `deps`.
pub fn cacheable(mut response: Response, deps: Vec<Dep>) -> Response {
    response.extensions_mut().insert(Deps(deps));
    response
}

/// How long browsers and CDNs may reuse a page without asking again. Short, because a
/// CDN cannot hear our change notices; the origin revalidates with ETags.
const CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

/// One cached page in all its encodings.
pub struct CachedPage {
    /// The headers every answer for this page carries (ETag, Last-Modified,
    /// Cache-Control, Vary), made once when the page is stored.
    headers: HeaderMap,
    content_type: HeaderValue,
    identity: Bytes,
    /// Compressed forms, each made by the first request that accepts it: the render
    /// that filled the cache answers uncompressed, so a miss costs no compression, and
    /// an encoding no client asks for costs nothing.
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    etag: HeaderValue,
    last_modified: SystemTime,
    stored: std::time::Instant,
    deps: Vec<Dep>,
}

/// The longest a page stays cached without a change notice: pages also show the day's
/// date, and the news sitemap a 48-hour window, which move without any write.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

impl CachedPage {
    fn new(content_type: HeaderValue, body: Bytes, deps: Vec<Dep>) -> Self {
        let hash = xxhash_rust::xxh3::xxh3_64(&body);
        // Weak: the three encodings are the same page.
        let etag = HeaderValue::from_str(&format!("W/\"{hash:016x}\""))
            .unwrap_or(HeaderValue::from_static("W/\"0\""));
        let last_modified = SystemTime::now();
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(header::ETAG, etag.clone());
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(last_modified)) {
            headers.insert(header::LAST_MODIFIED, v);
        }
        Self {
            headers,
            content_type,
            identity: body,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            etag,
            last_modified,
            stored: std::time::Instant::now(),
            deps,
        }
    }

    /// The bytes this page holds, counting compressed forms not made yet at their
    /// usual size, so the cache's budget does not drift as they are made.
    fn size(&self) -> usize {
        self.identity.len() * 3 / 2
    }

    /// The response for a request with these headers: 304 when the client has it,
    /// else the best encoding it accepts (`compress`: also one not made yet).
    fn respond(&self, request: &HeaderMap, compress: bool) -> Response {
        let not_modified = match request.get(header::IF_NONE_MATCH) {
            Some(tags) => tags
                .to_str()
                .map(|t| {
                    t.split(',')
                        .any(|t| t.trim() == "*" || weak_eq(t.trim(), &self.etag))
                })
                .unwrap_or(false),
            None => request
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .is_some_and(|since| since >= truncate_to_seconds(self.last_modified)),
        };
        let headers = self.headers.clone();
        if not_modified {
            (StatusCode::NOT_MODIFIED, headers).into_response()
        } else {
            self.full(request, headers, compress)
        }
    }

    /// The article this page is about, if it is an article page.
    fn article(&self) -> Option<ArticleId> {
        match self.deps.first() {
            Some(Dep::Article(id)) => Some(*id),
            _ => None,
        }
    }

    fn full(&self, request: &HeaderMap, mut headers: HeaderMap, compress: bool) -> Response {
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        let accepts = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let encoded = |form: &OnceLock<Bytes>, make: fn(&[u8]) -> Bytes| {
            let bytes = if compress {
                Some(form.get_or_init(|| make(&self.identity)))
            } else {
                form.get()
            };
            bytes.filter(|b| !b.is_empty()).cloned()
        };
        let (coding, body) = if let Some(b) = accepts_encoding(accepts, "br")
            .then(|| encoded(&self.brotli, brotli))
            .flatten()
        {
            ("br", b)
        } else if let Some(g) = accepts_encoding(accepts, "gzip")
            .then(|| encoded(&self.gzip, gzip))
            .flatten()
        {
            ("gzip", g)
        } else {
            ("", self.identity.clone())
        };
        if !coding.is_empty() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        (StatusCode::OK, headers, Body::from(body)).into_response()
    }
}

/// A page in gzip (level 6); empty if compression failed.
pub fn gzip(body: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    let _ = encoder.write_all(body);
    encoder.finish().map(Bytes::from).unwrap_or_default()
}

/// A page in brotli (quality 6, 4 MiB window).
pub fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
        let _ = writer.write_all(body);
    }
    Bytes::from(out)
}

fn truncate_to_seconds(t: SystemTime) -> SystemTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs)
}

fn weak_eq(candidate: &str, etag: &HeaderValue) -> bool {
    let strip = |t: &str| t.trim_start_matches("W/").to_owned();
    etag.to_str()
        .map(|e| strip(candidate) == strip(e))
        .unwrap_or(false)
}

/// Whether an Accept-Encoding header accepts `coding` (with a non-zero quality).
fn accepts_encoding(header: &str, coding: &str) -> bool {
    header.split(',').any(|part| {
        let mut pieces = part.split(';');
        let name = pieces.next().unwrap_or("").trim();
        let q_zero = pieces.any(|p| {
            let p = p.trim();
            p.starts_with("q=") && p[2..].trim().parse::<f32>().is_ok_and(|q| q == 0.0)
        });
        name.eq_ignore_ascii_case(coding) && !q_zero
    })
}

struct Inner {
    pages: lru::LruCache<String, Arc<CachedPage>>,
    by_dep: HashMap<Dep, HashSet<String>>,
    bytes: usize,
    /// Bumped by every invalidation; a render that started before one is not stored.
    generation: u64,
    changes: ChangeReceiver,
}

/// The cache, shared by all requests.
pub struct PageCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

impl PageCache {
    pub fn new(changes: ChangeReceiver, max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                pages: lru::LruCache::unbounded(),
                by_dep: HashMap::new(),
                bytes: 0,
                generation: 0,
                changes,
            }),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent-enough data: at worst a
        // stale index entry, which removal tolerates.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached page for `key`, after taking in pending change notices; with the
    /// generation to hand back to `insert` on a miss.
    pub fn get(&self, key: &str) -> (Option<Arc<CachedPage>>, u64) {
        let mut inner = self.lock();
        inner.take_changes();
        let page = inner.pages.get(key).cloned();
        if page.as_ref().is_some_and(|p| p.stored.elapsed() > MAX_AGE) {
            inner.remove(key);
            return (None, inner.generation);
        }
        (page, inner.generation)
    }

    /// Stores a page rendered since `generation`, unless something changed meanwhile.
    pub fn insert(&self, key: String, page: CachedPage, generation: u64) -> Arc<CachedPage> {
        let page = Arc::new(page);
        let mut inner = self.lock();
        inner.take_changes();
        if inner.generation != generation || page.size() > self.max_bytes {
            return page;
        }
        inner.remove(&key);
        for dep in &page.deps {
            inner.by_dep.entry(*dep).or_default().insert(key.clone());
        }
        inner.bytes += page.size();
        inner.pages.put(key, page.clone());
        while inner.bytes > self.max_bytes {
            let Some((key, _)) = inner.pages.peek_lru().map(|(k, v)| (k.clone(), v.clone())) else {
                break;
            };
            inner.remove(&key);
        }
        page
    }

    pub fn len(&self) -> usize {
        self.lock().pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Inner {
    fn take_changes(&mut self) {
        for change in take_pending(&mut self.changes) {
            self.apply(&change);
        }
    }

    fn apply(&mut self, change: &Change) {
        self.generation += 1;
        match change {
            Change::Site => {
                self.pages.clear();
                self.by_dep.clear();
                self.bytes = 0;
            }
            Change::Article { id, lists } => {
                let deps =
                    std::iter::once(Dep::Article(*id)).chain(lists.iter().map(|l| Dep::List(*l)));
                self.drop_showing(deps);
            }
            Change::Correction { article } => {
                self.drop_showing([Dep::Article(*article), Dep::Corrections]);
            }
            Change::Readership => self.drop_showing([Dep::MostRead]),
        }
    }

    /// Drops every page that shows one of `deps`.
    fn drop_showing(&mut self, deps: impl IntoIterator<Item = Dep>) {
        let keys: Vec<String> = deps
            .into_iter()
            .filter_map(|d| self.by_dep.remove(&d))
            .flatten()
            .collect();
        for key in keys {
            self.remove(&key);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(page) = self.pages.pop(key) {
            self.bytes = self.bytes.saturating_sub(page.size());
            for dep in &page.deps {
                if let Some(keys) = self.by_dep.get_mut(dep) {
                    keys.remove(key);
                    if keys.is_empty() {
                        self.by_dep.remove(dep);
                    }
                }
            }
        }
    }
}

/// The whole site behind the page cache: GET and HEAD are answered from the cache
/// before any routing, misses go to the router and fill the cache from responses that
/// carry `Deps`, article pages served to readers are counted (see `readership`), and
/// every request gets its log line. This is the hot path of the server: a hit does a
/// map lookup under a lock and builds the response, nothing else.
#[derive(Clone)]
pub struct Cached<S> {
    inner: S,
    cache: Arc<PageCache>,
    readership: Arc<Readership>,
    /// The client's address on this connection, when served from a socket; given to
    /// handlers (as `ConnectInfo`) on a miss only, so hits cost nothing more.
    peer: Option<std::net::SocketAddr>,
}

impl<S> Cached<S> {
    pub fn new(inner: S, cache: Arc<PageCache>, readership: Arc<Readership>) -> Self {
        Self {
            inner,
            cache,
            readership,
            peer: None,
        }
    }

    /// The same service for a connection from `peer`.
    pub fn with_peer(mut self, peer: std::net::SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }
}

/// A response ready at once (a cache hit) or still being made (a miss).
pub enum CacheFuture {
    Ready(Option<Response>),
    Pending(Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>),
}

impl Future for CacheFuture {
    type Output = Result<Response, Infallible>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            CacheFuture::Ready(response) => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()))),
            CacheFuture::Pending(future) => future.as_mut().poll(cx),
        }
    }
}

impl<S> Service<Request> for Cached<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = CacheFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> CacheFuture {
        let started = Instant::now();
        let method = request.method().clone();
        let cacheable = matches!(method, Method::GET | Method::HEAD);
        let (hit, generation) = if cacheable {
            let key = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or_default();
            self.cache.get(key)
        } else {
            (None, 0)
        };
        if let Some(page) = hit {
            let response = page.respond(request.headers(), true);
            count_read(&self.readership, &page, &method, request.headers());
            log::request(&method, request.uri().path(), response.status(), started);
            return CacheFuture::Ready(Some(response));
        }
        if let Some(peer) = self.peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        // Take the ready service and leave a fresh clone, as tower asks.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let (cache, readership) = (self.cache.clone(), self.readership.clone());
        CacheFuture::Pending(Box::pin(async move {
            let path = request.uri().path().to_owned();
            let key = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_default();
            let headers = request.headers().clone();
            let response = inner.call(request).await?;
            let response = match response.extensions().get::<Deps>().cloned() {
                Some(Deps(deps)) if cacheable && response.status() == StatusCode::OK => {
                    fill(
                        &cache,
                        &readership,
                        key,
                        generation,
                        &method,
                        &headers,
                        response,
                        deps,
                    )
                    .await
                }
                _ => response,
            };
            log::request(&method, &path, response.status(), started);
            Ok(response)
        }))
    }
}

/// Stores a rendered page and answers the request that made it.
#[allow(clippy::too_many_arguments)]
async fn fill(
    cache: &PageCache,
    readership: &Readership,
    key: String,
    generation: u64,
    method: &Method,
    headers: &HeaderMap,
    response: Response,
    deps: Vec<Dep>,
) -> Response {
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    let Ok(body) = axum::body::to_bytes(response.into_body(), usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = cache.insert(key, CachedPage::new(content_type, body, deps), generation);
    // The render that made the page answers as it is: compressing costs more than the
    // page took to make, and the next request for it gets the compressed form.
    let response = page.respond(headers, false);
    count_read(readership, &page, method, headers);
    response
}

/// One read of an article page by a reader (sent in full or revalidated) counts.
fn count_read(readership: &Readership, page: &CachedPage, method: &Method, request: &HeaderMap) {
    if let Some(id) = page.article() {
        if method == Method::GET && readership::is_reader(request) {
            readership.count(id);
        }
    }
}

/// Cache size when the operator sets none.
pub const DEFAULT_MAX_BYTES: usize = 256 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_parsing() {
        assert!(accepts_encoding("gzip, deflate, br", "br"));
        assert!(accepts_encoding("br;q=1.0, gzip;q=0.8", "gzip"));
        assert!(!accepts_encoding("gzip;q=0, br", "gzip"));
        assert!(!accepts_encoding("identity", "gzip"));
    }

    #[test]
    fn lru_eviction_keeps_the_index_consistent() {
        let tx = masthead_core::change::channel();
        let cache = PageCache::new(tx.subscribe(), 64 * 1024);
        let body = |n: u8| Bytes::from(vec![n; 30_000]);
        let page = |n| {
            CachedPage::new(
                HeaderValue::from_static("text/html"),
                body(n),
                vec![Dep::Article(ArticleId(i64::from(n)))],
            )
        };
        let (_, g) = cache.get("/a");
        cache.insert("/a".into(), page(1), g);
        cache.insert("/b".into(), page(2), g);
        cache.insert("/c".into(), page(3), g);
        assert!(cache.len() < 3, "over budget, the least recently used goes");
        let _ = tx.send(Change::Article {
            id: ArticleId(3),
            lists: Vec::new(),
        });
        assert!(cache.get("/c").0.is_none());
        let inner = cache.lock();
        assert!(inner
            .by_dep
            .values()
            .all(|keys| keys.iter().all(|k| inner.pages.contains(k))));
    }

    #[test]
    fn a_render_overtaken_by_a_change_is_not_stored() {
        let tx = masthead_core::change::channel();
        let cache = PageCache::new(tx.subscribe(), DEFAULT_MAX_BYTES);
        let (_, generation) = cache.get("/x");
        let _ = tx.send(Change::Site);
        cache.insert(
            "/x".into(),
            CachedPage::new(
                HeaderValue::from_static("text/html"),
                Bytes::from_static(b"old"),
                Vec::new(),
            ),
            generation,
        );
        assert!(cache.get("/x").0.is_none());
    }
}
