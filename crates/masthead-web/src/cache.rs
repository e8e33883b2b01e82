//! The rendered-page cache. Handlers mark a response cacheable by attaching `Deps`,
//! the content it shows; the cache keeps the page (with an ETag, and gzip and brotli
//! forms made when a client first asks for each) until a change notice names one of
//! those dependencies. Every page also depends on the site as a whole (settings,
//! sections), which is implied.
//!
//! Invalidation is exact and immediate: before each lookup the cache takes in every
//! change notice the store has sent, and the store sends them before a write returns.
//!
//! What is cached is only what every reader gets:
//! - a page is keyed on its path and the query parameters reader pages read
//!   (`PAGE_PARAMS`); the rest (`utm_*`, `fbclid`, ...) are tracking tags, taken off
//!   before routing, so they can neither split the cache nor reach a handler;
//! - a request that may identify its reader (`reader::may_identify`) goes past the
//!   cache, and what it gets is not stored; nor is a response that sets a cookie or
//!   says it is private;
//! - HEAD is answered as GET without the body, so it never stores a page without one.

use crate::log;
use crate::readership::{self, Readership};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use masthead_core::change::{take_pending, Change, ChangeReceiver};
use masthead_core::comment::CommentSort;
use masthead_core::ids::{ArticleId, MediaId};
use masthead_core::store::ArticleFilter;
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::IpAddr;
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
    /// One article (its headline, summary or all of it).
    Article(ArticleId),
    /// The site-wide log of corrections and updates.
    Corrections,
    /// The "Most read" list.
    MostRead,
    /// A picture the page shows, with the copies (`srcset`) it offers of it.
    Media(MediaId),
}

/// Attached to a response (as an extension) to make it cacheable.
#[derive(Debug, Clone, Default)]
pub struct Deps(pub Vec<Dep>);

/// Attached to an article page's response: each time it is served to a reader counts
/// as a read of this article ("Most read").
#[derive(Debug, Clone, Copy)]
pub struct ReadOf(pub ArticleId);

/// Marks `response` cacheable, showing `deps`.
pub fn cacheable(mut response: Response, deps: Vec<Dep>) -> Response {
    response.extensions_mut().insert(Deps(deps));
    response
}

/// Marks `response` as a reading of `article`, counted each time it is served.
pub fn counts_as_read(mut response: Response, article: ArticleId) -> Response {
    response.extensions_mut().insert(ReadOf(article));
    response
}

/// Query parameters that choose what a reader page shows: `?page=2`, `?q=harbour`,
/// `?sort=top` (an article's comments).
/// Any other parameter a link carries (`utm_*`, `fbclid`, `gclid`, ...) is a tracking
/// tag: taken off before routing, so the page is the canonical one, from the cache.
pub const PAGE_PARAMS: &[&str] = &["page", "q", "sort"];

/// Surfaces that read their own query parameters and are never cached: their
/// requests pass the cache as sent. (The members' pages, `members::router`, are
/// among them: they read `return_to`, `notice`, `done`; so is the checkout, which
/// reads what the reader chose and the provider's checkout id; and search, whose
/// filters are its own and whose results may hold what only its reader may read; and
/// the APIs, whose keys, filters and fields are in their query.)
const OWN_QUERY: &[&str] = &[
    "/search/",
    "/ghost/",
    "/newsroom/",
    "/preview/",
    "/signin/",
    "/signup/",
    "/signout/",
    "/account/",
    "/comments/",
    "/support/checkout/",
    "/webhooks/",
];

/// Whether requests for `path` may be answered from, and stored in, the page cache.
fn shared_path(path: &str) -> bool {
    !OWN_QUERY
        .iter()
        .any(|prefix| path.starts_with(prefix) || path == prefix.trim_end_matches('/'))
}

/// The query a reader page is keyed on: its `PAGE_PARAMS` (the first of each), in
/// one order and one spelling (`page=1` and `sort=oldest` are no parameter, nor is an
/// order we do not know; `page=02` is `page=2`).
pub fn page_query(query: &str) -> String {
    let mut kept: Vec<(&'static str, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let Some(name) = PAGE_PARAMS.iter().copied().find(|p| *p == name) else {
            continue;
        };
        if kept.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let value = match (name, value.parse::<u32>()) {
            ("page", Ok(1)) => continue,
            ("page", Ok(n)) => n.to_string(),
            // Only an order other than the usual one chooses another page (the
            // article handler reads anything else as the usual order).
            ("sort", _) => match value.parse::<CommentSort>() {
                Ok(CommentSort::Oldest) | Err(_) => continue,
                Ok(sort) => sort.as_str().to_owned(),
            },
            _ => value.into_owned(),
        };
        kept.push((name, value));
    }
    kept.sort_by_key(|(name, _)| *name);
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish()
}

/// The query string a request was sent with, before tracking tags were taken off
/// (redirects keep it whole).
#[derive(Debug, Clone)]
pub struct SentQuery(pub String);

/// On a request the cache turned from HEAD into GET (see `Cached`): a handler whose
/// answer leaves a trace (a meter's cookie) leaves none for a HEAD, which reads
/// nothing.
#[derive(Debug, Clone, Copy)]
pub struct SentAsHead;

/// The cache key of a request: its path and its page query.
fn cache_key(uri: &Uri) -> String {
    let path = uri.path();
    match uri.query().map(page_query) {
        Some(canonical) if !canonical.is_empty() => format!("{path}?{canonical}"),
        _ => path.to_owned(),
    }
}

/// On a miss, routes the request by its cache `key` when it carried other parameters
/// (tracking tags), keeping what was sent as `SentQuery`. A hit never needs this.
fn route_by_key(request: &mut Request, key: &str) {
    let Some(query) = request.uri().query() else {
        return;
    };
    if key.split_once('?').map(|(_, q)| q) == Some(query) {
        return;
    }
    let sent = SentQuery(query.to_owned());
    if let Ok(uri) = key.parse::<Uri>() {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(sent);
    }
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
    /// Compressed forms, each made by the first request that accepts it.
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    etag: HeaderValue,
    last_modified: SystemTime,
    stored: std::time::Instant,
    deps: Vec<Dep>,
    /// The article a reading of this page counts for.
    read_of: Option<ArticleId>,
}

/// The longest a page stays cached without a change notice: pages also show the day's
/// date, and the news sitemap a 48-hour window, which move without any write.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

/// What an entry costs besides its bodies and key: the page struct, its headers, the
/// LRU's and the dependency index's bookkeeping (measured, rounded up).
const ENTRY_OVERHEAD: usize = 1024;

/// Which compressed forms an answer may make.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Making {
    /// Any the client accepts (a cache hit).
    Any,
    /// Only gzip, which is cheap at the level used; brotli is left for the next
    /// request (the render that filled the cache).
    Cheap,
}

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
        // A page stored here is what anonymous readers get; a reader who signs in (a
        // new cookie) must not be shown the browser's or a CDN's copy of it (a paid
        // story's paywall, after paying).
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Accept-Encoding, Cookie"),
        );
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
            read_of: None,
        }
    }

    /// The bytes this page holds now: its bodies (compressed forms once made), its
    /// dependencies and what every entry costs.
    fn size(&self) -> usize {
        let form = |f: &OnceLock<Bytes>| f.get().map_or(0, Bytes::len);
        self.identity.len()
            + form(&self.gzip)
            + form(&self.brotli)
            + self.deps.len() * std::mem::size_of::<Dep>()
            + ENTRY_OVERHEAD
    }

    /// The response for a request with these headers: 304 when the client has it,
    /// else the best encoding it accepts; without a body for HEAD. Also says how many
    /// bytes a compressed form made for it added to the page.
    fn respond(&self, request: &HeaderMap, head: bool, making: Making) -> (Response, usize) {
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
            (made(StatusCode::NOT_MODIFIED, headers, Body::empty()), 0)
        } else {
            self.full(request, headers, head, making)
        }
    }

    fn full(
        &self,
        request: &HeaderMap,
        mut headers: HeaderMap,
        head: bool,
        making: Making,
    ) -> (Response, usize) {
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        let accepts = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut grew = 0;
        let mut encoded = |form: &OnceLock<Bytes>, make: fn(&[u8]) -> Bytes, may_make: bool| {
            let bytes = match form.get() {
                Some(made) => Some(made),
                None if may_make => {
                    let mut made_here = false;
                    let bytes = form.get_or_init(|| {
                        made_here = true;
                        make(&self.identity)
                    });
                    if made_here {
                        grew += bytes.len();
                    }
                    Some(bytes)
                }
                None => None,
            };
            bytes.filter(|b| !b.is_empty()).cloned()
        };
        let (coding, body) = if let Some(b) = accepts_encoding(accepts, "br")
            .then(|| encoded(&self.brotli, brotli, making == Making::Any))
            .flatten()
        {
            ("br", b)
        } else if let Some(g) = accepts_encoding(accepts, "gzip")
            .then(|| encoded(&self.gzip, gzip, true))
            .flatten()
        {
            ("gzip", g)
        } else {
            ("", self.identity.clone())
        };
        if !coding.is_empty() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        let body = if head {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            Body::empty()
        } else {
            Body::from(body)
        };
        (made(StatusCode::OK, headers, body), grew)
    }
}

/// A response with exactly these headers, moved in whole: the hot path of every hit
/// (`IntoResponse` for a header map would insert them one by one into a new map).
fn made(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
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
    pages: lru::LruCache<Arc<str>, Arc<CachedPage>>,
    by_dep: HashMap<Dep, HashSet<Arc<str>>>,
    /// What the pages held cost, counted as each was stored or grew.
    bytes: usize,
    /// Bumped by every invalidation; a render that started before one is not stored.
    generation: u64,
    changes: ChangeReceiver,
    /// Times at which what pages show changes without a write (`PageCache::lapse_at`).
    lapses: std::collections::BTreeSet<SystemTime>,
}

/// The most lapse times remembered at once; past it the latest are forgotten, and
/// a page showing one registers it again when it is rendered after the earlier ones.
const MAX_LAPSES: usize = 64;

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
                lapses: std::collections::BTreeSet::new(),
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
        inner.take_lapses();
        let page = inner.pages.get(key).cloned();
        if page.as_ref().is_some_and(|p| p.stored.elapsed() > MAX_AGE) {
            inner.remove(key);
            return (None, inner.generation);
        }
        (page, inner.generation)
    }

    /// Says that pages rendered now show something that ends at `at` (a home page
    /// slot chosen "until 18:00", the breaking-news banner): every page stored before
    /// then is dropped at that moment, not up to `MAX_AGE` later. Pages are many and
    /// such moments a few a day, so all go, which is simpler than tracking which.
    pub fn lapse_at(&self, at: SystemTime) {
        let mut inner = self.lock();
        if inner.lapses.len() < MAX_LAPSES || inner.lapses.last().is_some_and(|l| at < *l) {
            inner.lapses.insert(at);
            if inner.lapses.len() > MAX_LAPSES {
                inner.lapses.pop_last();
            }
        }
    }

    /// Stores a page rendered since `generation`, unless something changed meanwhile.
    fn insert(&self, key: &str, page: CachedPage, generation: u64) -> Arc<CachedPage> {
        let page = Arc::new(page);
        let mut inner = self.lock();
        inner.take_changes();
        inner.take_lapses();
        let size = page.size() + key.len();
        if inner.generation != generation || size > self.max_bytes {
            return page;
        }
        inner.remove(key);
        let key: Arc<str> = Arc::from(key);
        for dep in &page.deps {
            inner.by_dep.entry(*dep).or_default().insert(key.clone());
        }
        inner.bytes += size;
        inner.pages.put(key, page.clone());
        self.evict(&mut inner);
        page
    }

    /// Answers a request from `page` (stored under `key`), counting any compressed
    /// form it made against the budget.
    fn answer(
        &self,
        key: &str,
        page: &Arc<CachedPage>,
        request: &HeaderMap,
        head: bool,
        making: Making,
    ) -> Response {
        let (response, grew) = page.respond(request, head, making);
        if grew > 0 {
            let mut inner = self.lock();
            // Only while this very page is still the one stored: a page dropped
            // meanwhile took its bytes out already, without this form's.
            if inner.pages.peek(key).is_some_and(|p| Arc::ptr_eq(p, page)) {
                inner.bytes += grew;
                self.evict(&mut inner);
            }
        }
        response
    }

    /// Drops the least recently used pages until the cache is within its budget.
    fn evict(&self, inner: &mut Inner) {
        while inner.bytes > self.max_bytes {
            let Some(key) = inner.pages.peek_lru().map(|(k, _)| k.clone()) else {
                break;
            };
            inner.remove(&key);
        }
    }

    pub fn len(&self) -> usize {
        self.lock().pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the stored pages cost, as counted against the budget.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

impl Inner {
    fn take_changes(&mut self) {
        for change in take_pending(&mut self.changes) {
            self.apply(&change);
        }
    }

    /// Drops every page once a lapse time has come (see `PageCache::lapse_at`); the
    /// clock is read only when one is waiting.
    fn take_lapses(&mut self) {
        let Some(first) = self.lapses.first() else {
            return;
        };
        let now = SystemTime::now();
        if *first <= now {
            self.lapses.retain(|at| *at > now);
            self.generation += 1;
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.pages.clear();
        self.by_dep.clear();
        self.bytes = 0;
    }

    fn apply(&mut self, change: &Change) {
        self.generation += 1;
        match change {
            Change::Site => self.clear(),
            Change::Article { id, lists } => {
                let deps =
                    std::iter::once(Dep::Article(*id)).chain(lists.iter().map(|l| Dep::List(*l)));
                self.drop_showing(deps);
            }
            Change::Correction { article } => {
                self.drop_showing([Dep::Article(*article), Dep::Corrections]);
            }
            // The live article's own pages (its page, its entries, the feeds that carry
            // it, which depend on what they show).
            Change::Live { article } => self.drop_showing([Dep::Article(*article)]),
            Change::Readership => self.drop_showing([Dep::MostRead]),
            Change::Media { id } => self.drop_showing([Dep::Media(*id)]),
        }
    }

    /// Drops every page that shows one of `deps`.
    fn drop_showing(&mut self, deps: impl IntoIterator<Item = Dep>) {
        let keys: Vec<Arc<str>> = deps
            .into_iter()
            .filter_map(|d| self.by_dep.remove(&d))
            .flatten()
            .collect();
        for key in keys {
            self.remove(&key);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some((key, page)) = self.pages.pop_entry(key) {
            self.bytes = self.bytes.saturating_sub(page.size() + key.len());
            for dep in &page.deps {
                if let Some(keys) = self.by_dep.get_mut(dep) {
                    keys.remove(&key);
                    if keys.is_empty() {
                        self.by_dep.remove(dep);
                    }
                }
            }
        }
    }
}

/// The whole site behind the page cache: GET and HEAD of shared pages are answered
/// from the cache before any routing, misses go to the router and fill the cache from
/// responses that carry `Deps`, article pages served to readers are counted (see
/// `readership`), and every request gets its log line. This is the hot path of the
/// server: a hit does a map lookup under a lock and builds the response, nothing else.
#[derive(Clone)]
pub struct Cached<S> {
    inner: S,
    cache: Arc<PageCache>,
    readership: Arc<Readership>,
    proxies: Arc<crate::client::Proxies>,
    security: Arc<crate::security::SecurityHeaders>,
    /// The client's address on this connection, when served from a socket; given to
    /// handlers (as `ConnectInfo`) on a miss only, so hits cost nothing more.
    peer: Option<std::net::SocketAddr>,
}

impl<S> Cached<S> {
    pub fn new(
        inner: S,
        cache: Arc<PageCache>,
        readership: Arc<Readership>,
        proxies: Arc<crate::client::Proxies>,
        security: Arc<crate::security::SecurityHeaders>,
    ) -> Self {
        Self {
            inner,
            cache,
            readership,
            proxies,
            security,
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

/// Who a read is counted for: the client's address, when known.
fn client(
    peer: Option<std::net::SocketAddr>,
    proxies: &crate::client::Proxies,
    request: &Request,
) -> Option<IpAddr> {
    let peer = peer.or_else(|| {
        request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0)
    })?;
    Some(proxies.client(peer.ip(), request.headers()))
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
        if request.uri().path() == "/search/" {
            count_search(
                &self.readership,
                &request,
                client(self.peer, &self.proxies, &request),
            );
        }
        let method = request.method().clone();
        let head = method == Method::HEAD;
        let shared = matches!(method, Method::GET | Method::HEAD)
            && shared_path(request.uri().path())
            && !crate::reader::may_identify(request.headers());
        let (key, hit, generation) = if shared {
            let key = cache_key(request.uri());
            let (hit, generation) = self.cache.get(&key);
            (key, hit, generation)
        } else {
            (String::new(), None, 0)
        };
        if let Some(page) = hit {
            let response = self
                .cache
                .answer(&key, &page, request.headers(), head, Making::Any);
            count_read(
                &self.readership,
                &page,
                &method,
                request.headers(),
                client(self.peer, &self.proxies, &request),
            );
            log::request(&method, request.uri().path(), response.status(), started);
            return CacheFuture::Ready(Some(response));
        }
        if shared {
            route_by_key(&mut request, &key);
        }
        let reader_ip = client(self.peer, &self.proxies, &request);
        if let Some(peer) = self.peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        if head {
            // Rendered as GET: the page made is whole, fit to store; the answer then
            // leaves the body out.
            *request.method_mut() = Method::GET;
            request.extensions_mut().insert(SentAsHead);
        }
        // Take the ready service and leave a fresh clone, as tower asks.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let (cache, readership, security) = (
            self.cache.clone(),
            self.readership.clone(),
            self.security.clone(),
        );
        CacheFuture::Pending(Box::pin(async move {
            let path = request.uri().path().to_owned();
            let headers = request.headers().clone();
            let response = inner.call(request).await?;
            let response = if shared && storable(&response) {
                let deps = response
                    .extensions()
                    .get::<Deps>()
                    .cloned()
                    .unwrap_or_default();
                let read_of = response.extensions().get::<ReadOf>().map(|r| r.0);
                let page = fill(
                    &cache, &security, &path, &key, generation, response, deps.0, read_of,
                )
                .await;
                match page {
                    Some(page) => {
                        count_read(&readership, &page, &method, &headers, reader_ip);
                        cache.answer(&key, &page, &headers, head, Making::Cheap)
                    }
                    None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            } else {
                let mut response = without_body_for_head(response, head);
                security.apply(&path, response.headers_mut());
                response
            };
            log::request(&method, &path, response.status(), started);
            Ok(response)
        }))
    }
}

/// Whether a response may be kept for everyone: a page that asked to be (`Deps`), whole
/// (200), that sets no cookie and does not call itself private.
fn storable(response: &Response) -> bool {
    let private = response
        .headers()
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("private") || v.contains("no-store"));
    response.status() == StatusCode::OK
        && response.extensions().get::<Deps>().is_some()
        && !response.headers().contains_key(header::SET_COOKIE)
        && !private
}

/// A HEAD request's answer: the GET's headers, no body.
fn without_body_for_head(response: Response, head: bool) -> Response {
    if !head {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if let Some(length) = axum::body::HttpBody::size_hint(&body).exact() {
        parts
            .headers
            .entry(header::CONTENT_LENGTH)
            .or_insert(HeaderValue::from(length));
    }
    Response::from_parts(parts, Body::empty())
}

/// Stores a rendered page, with the security headers of its path.
#[allow(clippy::too_many_arguments)]
async fn fill(
    cache: &PageCache,
    security: &crate::security::SecurityHeaders,
    path: &str,
    key: &str,
    generation: u64,
    response: Response,
    deps: Vec<Dep>,
    read_of: Option<ArticleId>,
) -> Option<Arc<CachedPage>> {
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    let cache_control = response.headers().get(header::CACHE_CONTROL).cloned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .ok()?;
    let mut page = CachedPage::new(content_type, body, deps);
    // A page may say how long browsers keep it (fingerprinted assets: for ever).
    if let Some(cache_control) = cache_control {
        page.headers.insert(header::CACHE_CONTROL, cache_control);
    }
    security.apply(path, &mut page.headers);
    page.read_of = read_of;
    Some(cache.insert(key, page, generation))
}

/// One read of an article page by a reader (sent in full or revalidated) counts.
fn count_read(
    readership: &Readership,
    page: &CachedPage,
    method: &Method,
    request: &HeaderMap,
    client: Option<IpAddr>,
) {
    if let Some(id) = page.read_of {
        if method == Method::GET && readership::is_reader(request) {
            // The site they came from, by its domain (never this site itself).
            let referrer = request
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .zip(request.get(header::HOST).and_then(|v| v.to_str().ok()))
                .and_then(|(referer, host)| {
                    let host = host.split(':').next().unwrap_or(host);
                    masthead_core::analytics::referring_domain(referer, host)
                });
            readership.count(id, client, referrer);
        }
    }
}

/// Counts a reader's search on the site (`/search/?q=...`), hit or miss.
fn count_search(readership: &Readership, request: &Request, client: Option<IpAddr>) {
    if request.method() != Method::GET || !readership::is_reader(request.headers()) {
        return;
    }
    let words = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("q="))
        .map(|q| {
            percent_encoding::percent_decode_str(&q.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        });
    if let Some(term) = words
        .as_deref()
        .and_then(masthead_core::analytics::search_term)
    {
        readership.count_search(term, client);
    }
}

/// Cache size when the operator sets none.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

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
        cache.insert("/a", page(1), g);
        cache.insert("/b", page(2), g);
        cache.insert("/c", page(3), g);
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
        let counted: usize = inner.pages.iter().map(|(k, p)| p.size() + k.len()).sum();
        assert_eq!(inner.bytes, counted, "the budget counts what is stored");
    }

    /// A page showing something that ends at a time is dropped at that time, and a
    /// page rendered before it and stored after it is not kept.
    #[test]
    fn pages_lapse_when_what_they_show_ends() {
        let tx = masthead_core::change::channel();
        let cache = PageCache::new(tx.subscribe(), DEFAULT_MAX_BYTES);
        let page = || {
            CachedPage::new(
                HeaderValue::from_static("text/html"),
                Bytes::from_static(b"page"),
                Vec::new(),
            )
        };
        let soon = SystemTime::now() + std::time::Duration::from_millis(200);
        cache.lapse_at(SystemTime::now() + std::time::Duration::from_secs(3600));
        cache.lapse_at(soon);
        let (_, g) = cache.get("/");
        cache.insert("/", page(), g);
        let (_, rendering) = cache.get("/late/");
        assert!(cache.get("/").0.is_some(), "kept until the lapse");
        std::thread::sleep(std::time::Duration::from_millis(250));
        cache.insert("/late/", page(), rendering);
        assert!(
            cache.get("/late/").0.is_none(),
            "rendered before, stored after"
        );
        assert!(cache.get("/").0.is_none(), "dropped at the lapse");
        let (_, g) = cache.get("/");
        cache.insert("/", page(), g);
        assert!(
            cache.get("/").0.is_some(),
            "the later lapse is still to come"
        );
        assert_eq!(cache.lock().lapses.len(), 1);
        for minutes in 0..100 {
            cache.lapse_at(SystemTime::now() + std::time::Duration::from_secs(60 * (minutes + 1)));
        }
        assert_eq!(cache.lock().lapses.len(), MAX_LAPSES, "bounded");
    }

    /// A live entry drops its own article's pages and nothing else.
    #[test]
    fn a_live_entry_drops_its_article_only() {
        let tx = masthead_core::change::channel();
        let cache = PageCache::new(tx.subscribe(), DEFAULT_MAX_BYTES);
        let page = |deps| {
            CachedPage::new(
                HeaderValue::from_static("text/html"),
                Bytes::from_static(b"page"),
                deps,
            )
        };
        let (_, g) = cache.get("/live/");
        cache.insert("/live/", page(vec![Dep::Article(ArticleId(1))]), g);
        cache.insert("/other/", page(vec![Dep::Article(ArticleId(2))]), g);
        cache.insert("/", page(vec![Dep::MostRead]), g);
        let _ = tx.send(Change::Live {
            article: ArticleId(1),
        });
        assert!(cache.get("/live/").0.is_none());
        assert!(cache.get("/other/").0.is_some());
        assert!(cache.get("/").0.is_some());
    }

    #[test]
    fn a_render_overtaken_by_a_change_is_not_stored() {
        let tx = masthead_core::change::channel();
        let cache = PageCache::new(tx.subscribe(), DEFAULT_MAX_BYTES);
        let (_, generation) = cache.get("/x");
        let _ = tx.send(Change::Site);
        cache.insert(
            "/x",
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
