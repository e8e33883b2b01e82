//! Newsletters on the web side: the letter an article makes (`compose`), the sender
//! that works queued sends in the background (`run`), and the one-click unsubscribe
//! page every letter links to (`/newsletters/unsubscribe/{token}`).
//!
//! The sender is one task per node. It takes up any send no node holds (see
//! `masthead_core::newsletter` for the lease and what happens after a crash), writes
//! its deliveries from the subscribers' current standing, then hands letters to the
//! mail server a few at a time (`CONCURRENCY`), marking each delivery before and
//! after. A mail server that cannot be reached puts the letters back and lets the
//! lease lapse, so the send is tried again a little later, here or on another node.
//! It never holds up a request: it shares nothing with them but the store.

use crate::mail::{Letter, ListHeaders, Undelivered};
use crate::{AppState, WebError};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use masthead_core::article::{Article, Visibility};
use masthead_core::ids::SendId;
use masthead_core::newsletter::{
    recipients, Delivery, NewDelivery, Outcome, SendLetter, SendStatus, TakenSend, BATCH,
    CONCURRENCY, LEASE, PREPARE_BATCH, RENEW_EVERY, UNSUBSCRIBE_MARK,
};
use masthead_core::site::NewsletterOffer;
use masthead_core::store::Store;
use masthead_render::letters::{IssueImage, IssueView, LetterAction};
use masthead_render::views::UnsubscribeView;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How often an idle sender looks for sends queued elsewhere or left by a stopped node.
const POLL: Duration = Duration::from_secs(5);
/// Where a letter's one-click unsubscribe goes, followed by its token.
pub const UNSUBSCRIBE_PATH: &str = "/newsletters/unsubscribe/";

/// This node's senders: its name in the store's leases, and the bells the newsroom
/// rings when it queues a newsletter's send or a notification's letters, so they go
/// now rather than at the next look.
pub struct Dispatch {
    node: String,
    bell: Notify,
    /// For `notifications::run`.
    pub(crate) letters: Notify,
}

impl Default for Dispatch {
    fn default() -> Self {
        Self {
            node: format!("node-{}", &crate::secrets::secret()[..16]),
            bell: Notify::new(),
            letters: Notify::new(),
        }
    }
}

impl Dispatch {
    /// A send was queued: start on it.
    pub fn ring(&self) {
        self.bell.notify_one();
    }

    /// Notifications were written: send their letters.
    pub fn ring_letters(&self) {
        self.letters.notify_one();
    }
}

/// The sender: works sends until the task is dropped.
pub async fn run(state: AppState) {
    let dispatch = state.dispatch.clone();
    loop {
        let now = Utc::now();
        match state
            .store
            .take_send(&dispatch.node, now, now + LEASE)
            .await
        {
            Ok(Some(send)) => {
                let id = send.id;
                if let Err(e) = work(&state, &dispatch.node, send).await {
                    tracing::error!(send = %id, error = %e, "a newsletter send stopped; it is taken up again shortly");
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not look for newsletters to send"),
        }
        tokio::select! {
            () = dispatch.bell.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Why `work` stopped early.
enum Stop {
    /// Another node holds the send now.
    Lost,
    /// The mail server cannot take letters now.
    Later(String),
}

/// The lease on one send, renewed every `RENEW_EVERY`.
struct Lease<'a> {
    store: &'a dyn Store,
    node: &'a str,
    send: SendId,
    renewed: Instant,
}

impl Lease<'_> {
    async fn keep(&mut self) -> masthead_core::Result<Result<(), Stop>> {
        let due = RENEW_EVERY.to_std().unwrap_or(Duration::from_secs(3));
        if self.renewed.elapsed() < due {
            return Ok(Ok(()));
        }
        let until = Utc::now() + LEASE;
        if !self.store.renew_send(self.send, self.node, until).await? {
            return Ok(Err(Stop::Lost));
        }
        self.renewed = Instant::now();
        Ok(Ok(()))
    }
}

async fn work(state: &AppState, node: &str, send: TakenSend) -> masthead_core::Result<()> {
    let store = &*state.store;
    if send.recovered_unknown > 0 {
        tracing::warn!(send = %send.id, letters = send.recovered_unknown, "taken up after its sender stopped; a letter it was handing over is not sent again");
    }
    let mut lease = Lease {
        store,
        node,
        send: send.id,
        renewed: Instant::now(),
    };
    let started = Instant::now();
    let stop = match prepare_and_send(state, &mut lease, &send).await? {
        Ok(sent) => {
            let seconds = started.elapsed().as_secs_f64();
            tracing::info!(send = %send.id, letters = sent, seconds, rate = sent as f64 / seconds.max(0.001), "newsletter sent");
            return Ok(());
        }
        Err(stop) => stop,
    };
    match stop {
        Stop::Lost => {
            tracing::warn!(send = %send.id, "another node took this newsletter send over");
        }
        Stop::Later(why) => {
            // Nothing claimed is left: the next holder (this node, once the lease
            // lapses) starts where this one stopped.
            tracing::warn!(send = %send.id, "the mail server cannot take letters now; trying again shortly: {why}");
        }
    }
    Ok(())
}

/// Writes the send's deliveries if it is still preparing, then sends them; how many
/// letters this node handed over.
async fn prepare_and_send(
    state: &AppState,
    lease: &mut Lease<'_>,
    send: &TakenSend,
) -> masthead_core::Result<Result<u64, Stop>> {
    let store = &*state.store;
    let (id, node) = (send.id, lease.node);
    if send.status == SendStatus::Preparing {
        let mut after = store.prepared_up_to(id).await?;
        loop {
            if let Err(stop) = lease.keep().await? {
                return Ok(Err(stop));
            }
            let page = store
                .subscribers(&send.newsletter, after, PREPARE_BATCH)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.member.id;
            let deliveries: Vec<NewDelivery> =
                recipients(page, send.segment, send.visibility, &send.tiers, Utc::now())
                    .into_iter()
                    .map(|recipient| NewDelivery {
                        recipient,
                        token: crate::secrets::secret(),
                    })
                    .collect();
            if !store.add_deliveries(id, node, &deliveries).await? {
                return Ok(Err(Stop::Lost));
            }
        }
        if !store.start_sending(id, node, Utc::now()).await? {
            return Ok(Err(Stop::Lost));
        }
    }
    let list_id: Arc<str> = list_id(state, &send.newsletter).into();
    let letter = Arc::new(send.letter.clone());
    let mut sent = 0;
    loop {
        if let Err(stop) = lease.keep().await? {
            return Ok(Err(stop));
        }
        let batch = store.claim_deliveries(id, node, BATCH, Utc::now()).await?;
        if batch.is_empty() {
            store.finish_send(id, node, Utc::now()).await?;
            return Ok(Ok(sent));
        }
        // A few letters at a time, the lease renewed meanwhile; on the first sign that
        // the mail server cannot take letters or that another node holds the send, no
        // more are started, those under way finish, and the rest are released.
        let mut pending = batch.into_iter();
        let mut under_way = tokio::task::JoinSet::new();
        let mut stop = None;
        loop {
            while stop.is_none() && under_way.len() < CONCURRENCY {
                let Some(delivery) = pending.next() else {
                    break;
                };
                under_way.spawn(deliver(
                    state.clone(),
                    node.to_owned(),
                    id,
                    letter.clone(),
                    list_id.clone(),
                    delivery,
                ));
            }
            let done = tokio::select! {
                done = under_way.join_next() => done,
                () = tokio::time::sleep(Duration::from_secs(1)) => {
                    if let Err(why) = lease.keep().await? {
                        stop.get_or_insert(why);
                    }
                    continue;
                }
            };
            let Some(done) = done else { break };
            match done.map_err(|e| masthead_core::Error::internal("a letter's task", e))?? {
                Handed::Sent => sent += 1,
                Handed::Refused => {}
                Handed::Stop(why) => {
                    stop.get_or_insert(why);
                }
            }
            if let Err(why) = lease.keep().await? {
                stop.get_or_insert(why);
            }
        }
        if let Some(stop) = stop {
            store.release_deliveries(id, node).await?;
            return Ok(Err(stop));
        }
    }
}

/// What became of one letter.
enum Handed {
    Sent,
    Refused,
    Stop(Stop),
}

/// Hands one letter to the mail server, marking its delivery before and after.
async fn deliver(
    state: AppState,
    node: String,
    send: SendId,
    letter: Arc<SendLetter>,
    list_id: Arc<str>,
    delivery: Delivery,
) -> masthead_core::Result<Handed> {
    let store = &*state.store;
    let member = delivery.recipient.member;
    if !store.start_delivery(send, member, &node).await? {
        return Ok(Handed::Stop(Stop::Lost));
    }
    let unsubscribe_url = state.url(&format!("{UNSUBSCRIBE_PATH}{}", delivery.token));
    let copy = Letter {
        to_name: delivery.recipient.name,
        to_email: delivery.recipient.email,
        subject: letter.subject.clone(),
        parts: letter.copy(
            delivery.recipient.full,
            &unsubscribe_url,
            &masthead_render::escape_text(&unsubscribe_url),
        ),
    };
    let list = ListHeaders {
        id: &list_id,
        unsubscribe_url: &unsubscribe_url,
    };
    let (outcome, handed) = match state.mailer.send_issue(&copy, &list).await {
        Ok(message_id) => (Outcome::Sent { message_id }, Handed::Sent),
        Err(Undelivered::Refused(error)) => (Outcome::Failed { error }, Handed::Refused),
        Err(Undelivered::Later(why)) => (Outcome::Again, Handed::Stop(Stop::Later(why))),
    };
    if !store
        .delivered(send, member, &node, &outcome, Utc::now())
        .await?
    {
        return Ok(Handed::Stop(Stop::Lost));
    }
    Ok(handed)
}

/// The newsletter's `List-Id`: its name and slug under the site's host.
fn list_id(state: &AppState, newsletter: &str) -> String {
    let host = webauthn_rs::prelude::Url::parse(&state.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("<{newsletter}.{host}>")
}

/// The letter `article` makes as an issue of `newsletter`, with `subject`: whole, and
/// cut at its preview cut for recipients who may not read it all.
pub async fn compose(
    state: &AppState,
    article: &Article,
    newsletter: &NewsletterOffer,
    subject: &str,
) -> masthead_core::Result<SendLetter> {
    let site = state.site.get(&*state.store).await?;
    let settings = &site.settings;
    let zone = settings.zone();
    let media = match &article.featured_image {
        Some(image) => state.store.media(image.media_id).await?,
        None => None,
    };
    let image = article
        .featured_image
        .as_ref()
        .zip(media.as_ref())
        .map(|(image, media)| IssueImage {
            src: state.url(&masthead_render::views::media_src(media)),
            alt: image.alt.clone(),
            caption: image.caption.clone(),
            credit: image.credit.clone(),
        });
    // Letters name the sponsor in words: a logo would be one more picture to load.
    let sponsor = state
        .store
        .newsletter_sponsor(&newsletter.slug)
        .await?
        .map(|s| masthead_render::views::SponsorView::new(&s, None));
    let body = |html: &str| masthead_render::body::absolute_links(html, &state.base_url);
    let whole_body = body(&masthead_render::body::without_cuts(&article.body_html));
    let cut_body = match masthead_render::body::teaser_html(&article.body_html) {
        Some(above) => body(above),
        // No cut: the excerpt, unless it only says what the dek above it says.
        None if article.excerpt.trim() == article.standfirst.trim() => String::new(),
        None => format!("<p>{}</p>", masthead_render::escape_text(&article.excerpt)),
    };
    let rest_for = match article.visibility {
        Visibility::Paid => "paying subscribers",
        Visibility::Tiers => "members of some of our tiers",
        Visibility::Members | Visibility::Public => "members",
    };
    let view = |whole: bool, body_html: String| IssueView {
        site: settings.title.clone(),
        site_url: state.base_url.clone(),
        newsletter: newsletter.name.clone(),
        label: article.article_type.label().to_owned(),
        title: article.title.clone(),
        dek: article.standfirst.clone(),
        url: state.url(&article.path()),
        byline: article
            .authors
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        dateline: article
            .published_at
            .map(|t| masthead_render::views::TimeView::new(t, zone).long)
            .unwrap_or_default(),
        image: image.clone(),
        body_html,
        whole,
        rest_for: rest_for.to_owned(),
        invitation: Some(LetterAction {
            label: "Subscribe".to_owned(),
            url: state.url("/support/"),
        }),
        sponsor: sponsor.clone(),
        unsubscribe_url: UNSUBSCRIBE_MARK.to_owned(),
        preferences_url: state.url(crate::chrome::ACCOUNT),
    };
    let render = |view: &IssueView| {
        state
            .theme
            .render_issue(view)
            .map_err(|e| masthead_core::Error::internal("the newsletter's letter", e))
    };
    Ok(SendLetter {
        subject: subject.trim().to_owned(),
        full: render(&view(true, whole_body))?,
        teaser: render(&view(false, cut_body))?,
    })
}

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/newsletters/unsubscribe/{token}",
        get(confirm).post(unsubscribe).layer(
            // A mail program's one-click POST says only "List-Unsubscribe=One-Click".
            axum::extract::DefaultBodyLimit::max(4 * 1024),
        ),
    )
}

/// A token as the sender makes them (see `secrets::secret`): anything else is no
/// letter's, and is not looked up.
fn plausible(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The page a letter's unsubscribe link opens: a button, because mail scanners open
/// links, and opening one must not unsubscribe anyone.
async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let target = if plausible(&token) {
        state.store.unsubscribe_target(&token).await?
    } else {
        None
    };
    match target {
        Some(target) => {
            let name = newsletter_name(&state, &target.newsletter).await?;
            page(&state, &token, "confirm", name).await
        }
        None => page(&state, &token, "gone", String::new()).await,
    }
}

/// Unsubscribes in one click: from the page's button, or straight from a mail program
/// (RFC 8058), without signing in.
async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let done = if plausible(&token) {
        state.store.unsubscribe(&token, Utc::now()).await?
    } else {
        None
    };
    match done {
        Some(done) => {
            let name = newsletter_name(&state, &done.newsletter).await?;
            page(&state, &token, "done", name).await
        }
        None => page(&state, &token, "gone", String::new()).await,
    }
}

/// A newsletter's name as the settings give it (its slug, once it is no longer offered).
async fn newsletter_name(state: &AppState, slug: &str) -> Result<String, WebError> {
    let site = state.site.get(&*state.store).await?;
    Ok(site
        .settings
        .newsletters
        .iter()
        .find(|n| n.slug == slug)
        .map_or_else(|| slug.to_owned(), |n| n.name.clone()))
}

async fn page(
    state: &AppState,
    token: &str,
    step: &'static str,
    newsletter: String,
) -> Result<Response, WebError> {
    let crate::chrome::Context { mut chrome, .. } =
        crate::chrome::chrome(state, &format!("{UNSUBSCRIBE_PATH}{token}")).await?;
    chrome.meta.title = "Unsubscribe".to_owned();
    chrome.meta.robots = Some("noindex");
    let view = UnsubscribeView {
        chrome,
        step,
        newsletter,
        action: format!("{UNSUBSCRIBE_PATH}{token}"),
    };
    let status = if step == "gone" {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(state.theme.render("unsubscribe.html", &view)?),
    )
        .into_response())
}
