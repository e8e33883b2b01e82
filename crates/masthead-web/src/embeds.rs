//! Embeds fetched by the server when a writer saves them (`resolve`): a card that
//! holds only an address is filled in from its provider's oEmbed answer (title, who
//! made it, a post's words) and its thumbnail is copied into the media library, so
//! that readers' pages load nothing from the provider until a reader asks (see
//! `core::embed` and `render::cards`).
//!
//! Nothing a writer pastes makes the server fetch an address of their choosing: only
//! the known providers' endpoints, the publication's own providers (settings), and a
//! Mastodon server's `/api/oembed`, which like every thumbnail must be a public
//! address (never this machine or a private network). Each answer is bounded in time
//! and size; a provider that does not answer leaves the card with what its address
//! tells (provider and player), to be fetched again on the next save; a save waits
//! for its embeds at most `SAVE_BUDGET` in all.

use crate::AppState;
use masthead_core::document::{Document, EmbedCard};
use masthead_core::embed::{recognise, CustomProvider};
use masthead_core::ids::PersonId;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// The longest one answer (oEmbed or thumbnail) may take.
const FETCH_TIME: Duration = Duration::from_secs(5);
/// The largest oEmbed answer read.
const MAX_ANSWER: usize = 512 * 1024;
/// The largest thumbnail copied.
const MAX_THUMBNAIL: usize = 5 * 1024 * 1024;
/// The most embeds fetched in one save; the rest wait for the next.
const MAX_PER_SAVE: usize = 12;
/// The longest a save waits for its embeds, all together.
const SAVE_BUDGET: Duration = Duration::from_secs(8);

/// The HTTP client embeds are fetched with.
pub struct Fetcher {
    http: reqwest::Client,
}

impl Default for Fetcher {
    fn default() -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIME)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Masthead/", env!("CARGO_PKG_VERSION"), " (oEmbed)"))
            .build()
            .unwrap_or_default();
        Self { http }
    }
}

/// The parts of an oEmbed answer used.
#[derive(Debug, Default, Deserialize)]
struct OEmbed {
    title: Option<String>,
    author_name: Option<String>,
    thumbnail_url: Option<String>,
    html: Option<String>,
}

/// Fills in the embeds of `document` the server has not fetched yet (their provider
/// is unset; see the module), their thumbnails stored as `by`'s. What the writer gave
/// (a title, a caption) is kept.
pub async fn resolve(state: &AppState, document: &mut Document, by: Option<PersonId>) {
    let mut wanted: Vec<String> = Vec::new();
    document.each_embed_mut(&mut |card| {
        if card.provider.is_empty() && !wanted.contains(&card.url) && wanted.len() < MAX_PER_SAVE {
            wanted.push(card.url.clone());
        }
    });
    if wanted.is_empty() {
        return;
    }
    // The publication's own providers; without the settings (the database is away),
    // the known providers alone.
    let custom = match state.site.get(&*state.store).await {
        Ok(site) => site.settings.embed_providers.clone(),
        Err(_) => Vec::new(),
    };
    let mut filled: HashMap<String, EmbedCard> = HashMap::new();
    // However many embeds and however slow their providers, a save waits at most
    // `SAVE_BUDGET` for them; the rest are asked on the next save.
    let deadline = tokio::time::Instant::now() + SAVE_BUDGET;
    for url in wanted {
        let mut card = EmbedCard {
            url: url.clone(),
            ..EmbedCard::default()
        };
        let fetched = tokio::time::timeout_at(deadline, fill(state, &mut card, &custom, by)).await;
        if fetched.is_err() {
            break;
        }
        filled.insert(url, card);
    }
    document.each_embed_mut(&mut |card| {
        let Some(found) = filled.get(&card.url).filter(|_| card.provider.is_empty()) else {
            return;
        };
        let keep = |mine: &mut String, theirs: &String| {
            if mine.is_empty() {
                mine.clone_from(theirs);
            }
        };
        card.provider.clone_from(&found.provider);
        card.frame.clone_from(&found.frame);
        keep(&mut card.title, &found.title);
        keep(&mut card.author, &found.author);
        keep(&mut card.text, &found.text);
        keep(&mut card.thumbnail, &found.thumbnail);
    });
}

async fn fill(
    state: &AppState,
    card: &mut EmbedCard,
    custom: &[CustomProvider],
    by: Option<PersonId>,
) {
    let fetcher = &state.embeds;
    let Some(known) = recognise(&card.url, custom) else {
        // An address of no provider: a link to it, named by its host.
        card.provider = url::Url::parse(&card.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "Link".to_owned());
        return;
    };
    card.provider.clone_from(&known.provider);
    card.frame = known.frame.clone().unwrap_or_default();
    let Some(endpoint) = known.oembed else { return };
    // A server a writer named (Mastodon) must be a public one; the publication's own
    // providers and the known ones are asked as they are.
    let named_by_writer = known.provider == "Mastodon";
    if named_by_writer && !is_public(&endpoint).await {
        return;
    }
    let Some(answer) = fetcher.oembed(&endpoint).await else {
        return;
    };
    card.title = clip(answer.title.unwrap_or_default(), 300);
    card.author = clip(answer.author_name.unwrap_or_default(), 200);
    if known.frame.is_none() {
        if let Some(html) = answer.html {
            card.text = clip(masthead_render::body::words_of(&html), 1000);
        }
    }
    if let Some(thumbnail) = answer.thumbnail_url {
        let same_origin = origin(&thumbnail).is_some() && origin(&thumbnail) == origin(&endpoint);
        let allowed = thumbnail.starts_with("https://") || same_origin;
        if allowed && (same_origin && !named_by_writer || is_public(&thumbnail).await) {
            if let Some(bytes) = fetcher.bytes(&thumbnail, MAX_THUMBNAIL).await {
                let alt = String::new();
                let caption = format!("Thumbnail of {}", card.url);
                let credit = card.provider.clone();
                match crate::pictures::store_picture(state, bytes, alt, caption, credit, by).await {
                    Ok(media) => card.thumbnail = format!("/media/{}", media.storage_key),
                    Err((_, why)) => {
                        tracing::info!(url = card.url, "an embed's thumbnail was not kept: {why}")
                    }
                }
            }
        }
    }
}

impl Fetcher {
    async fn oembed(&self, endpoint: &str) -> Option<OEmbed> {
        let bytes = self.bytes(endpoint, MAX_ANSWER).await?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The body at `address`, if it answers 200 within the time and `max` bytes.
    async fn bytes(&self, address: &str, max: usize) -> Option<axum::body::Bytes> {
        let mut answer = self.http.get(address).send().await.ok()?;
        if !answer.status().is_success() {
            return None;
        }
        if answer.content_length().is_some_and(|n| n > max as u64) {
            return None;
        }
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.ok()? {
            body.extend_from_slice(&chunk);
            if body.len() > max {
                return None;
            }
        }
        Some(body.into())
    }
}

/// `scheme://host:port` of an address.
fn origin(address: &str) -> Option<String> {
    let url = url::Url::parse(address).ok()?;
    Some(url.origin().ascii_serialization()).filter(|o| o != "null")
}

/// Whether every address `address`'s host resolves to is a public one.
async fn is_public(address: &str) -> bool {
    let Ok(url) = url::Url::parse(address) else {
        return false;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return false;
    };
    let Ok(Ok(addresses)) =
        tokio::time::timeout(FETCH_TIME, tokio::net::lookup_host((host, port))).await
    else {
        return false;
    };
    let addresses: Vec<IpAddr> = addresses.map(|a| a.ip()).collect();
    !addresses.is_empty() && addresses.iter().all(public)
}

fn public(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(&IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

fn clip(text: String, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_local_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!public(&ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(public(&ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn long_words_are_clipped() {
        assert_eq!(clip("abcdef".into(), 3), "abc…");
        assert_eq!(clip(" abc ".into(), 3), "abc");
    }
}
