//! Embeds: which provider an address a writer pastes belongs to, what its oEmbed
//! endpoint is, and which player (if any) a reader may load from it when they ask.
//!
//! Readers get a placeholder (`document::EmbedCard`): a copy of the picture kept on
//! this site, the title and a link. A player loads in a frame only when the reader
//! clicks, and only from the origins in `FRAME_ORIGINS`, which the reader pages'
//! Content-Security-Policy allows as `frame-src` and nothing else. Providers of posts
//! (X, Instagram, TikTok, Bluesky, Mastodon) have no player here: their embeds need
//! the provider's script, so the reader follows the link instead.

use url::Url;

/// The origins players load from, in readers' pages' `frame-src`.
pub const FRAME_ORIGINS: &[&str] = &[
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
    "https://open.spotify.com",
    "https://w.soundcloud.com",
    "https://www.google.com",
];

/// A publication's own oEmbed provider (settings): addresses starting with `prefix`
/// are asked about at `endpoint`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomProvider {
    pub name: String,
    pub prefix: String,
    pub endpoint: String,
}

/// What an address is, as far as its own shape tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// The provider's name, as readers see it.
    pub provider: String,
    /// The oEmbed endpoint to ask (with the address as its `url` parameter), if any.
    pub oembed: Option<String>,
    /// The player, in one of `FRAME_ORIGINS`, if the provider has one here.
    pub frame: Option<String>,
}

/// The provider of `address` (an http(s) address a writer pasted), among the known
/// ones and the publication's `custom` ones; `None` for addresses of no provider.
pub fn recognise(address: &str, custom: &[CustomProvider]) -> Option<Recognised> {
    let url = Url::parse(address.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let oembed = |endpoint: &str| {
        let mut ask = Url::parse(endpoint).ok()?;
        ask.query_pairs_mut()
            .append_pair("url", url.as_str())
            .append_pair("format", "json");
        Some(ask.to_string())
    };
    let known = |provider: &str, endpoint: Option<&str>, frame: Option<String>| Recognised {
        provider: provider.to_owned(),
        oembed: endpoint.and_then(oembed),
        frame,
    };
    let id_ok = |id: &str| {
        !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let found = match host.as_str() {
        "youtube.com" | "m.youtube.com" | "youtu.be" => {
            let id = if host == "youtu.be" {
                segments.first().map(|s| (*s).to_owned())
            } else if segments.first() == Some(&"watch") {
                url.query_pairs()
                    .find(|(k, _)| k == "v")
                    .map(|(_, v)| v.into_owned())
            } else if matches!(segments.first(), Some(&("shorts" | "embed" | "live"))) {
                segments.get(1).map(|s| (*s).to_owned())
            } else {
                None
            };
            let frame = id
                .filter(|id| id_ok(id))
                .map(|id| format!("https://www.youtube-nocookie.com/embed/{id}"));
            known("YouTube", Some("https://www.youtube.com/oembed"), frame)
        }
        "vimeo.com" | "player.vimeo.com" => {
            let frame = segments
                .iter()
                .rev()
                .find(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
                .map(|id| format!("https://player.vimeo.com/video/{id}?dnt=1"));
            known("Vimeo", Some("https://vimeo.com/api/oembed.json"), frame)
        }
        "x.com" | "twitter.com" | "mobile.twitter.com" => known(
            "X",
            Some("https://publish.twitter.com/oembed?omit_script=1"),
            None,
        ),
        "instagram.com" => known("Instagram", None, None),
        "tiktok.com" | "vm.tiktok.com" => {
            known("TikTok", Some("https://www.tiktok.com/oembed"), None)
        }
        "bsky.app" => known("Bluesky", Some("https://embed.bsky.app/oembed"), None),
        "soundcloud.com" | "on.soundcloud.com" => {
            let frame = format!(
                "https://w.soundcloud.com/player/?url={}",
                url::form_urlencoded::byte_serialize(url.as_str().as_bytes()).collect::<String>()
            );
            known(
                "SoundCloud",
                Some("https://soundcloud.com/oembed"),
                Some(frame),
            )
        }
        "open.spotify.com" => {
            let kinds = ["track", "album", "playlist", "episode", "show", "artist"];
            let frame = match segments.as_slice() {
                [kind, id, ..] if kinds.contains(kind) && id_ok(id) => {
                    Some(format!("https://open.spotify.com/embed/{kind}/{id}"))
                }
                _ => None,
            };
            known("Spotify", Some("https://open.spotify.com/oembed"), frame)
        }
        "google.com" | "maps.google.com" | "goo.gl"
            if segments.first() == Some(&"maps") || host == "maps.google.com" =>
        {
            // Maps has no oEmbed; a place's address embeds without a key.
            let place = segments
                .iter()
                .position(|s| *s == "place" || *s == "search")
                .and_then(|at| segments.get(at + 1))
                .map(|p| p.replace('+', " "))
                .or_else(|| {
                    url.query_pairs()
                        .find(|(k, _)| k == "q")
                        .map(|(_, v)| v.into_owned())
                });
            let frame = place.map(|place| {
                format!(
                    "https://www.google.com/maps?output=embed&q={}",
                    url::form_urlencoded::byte_serialize(place.as_bytes()).collect::<String>()
                )
            });
            known("Google Maps", None, frame)
        }
        _ => {
            // A Mastodon post (`/@name/123`) on any server, or a publication's own.
            if let Some(own) = custom
                .iter()
                .find(|c| url.as_str().starts_with(c.prefix.as_str()))
            {
                return Some(Recognised {
                    provider: own.name.clone(),
                    oembed: oembed(&own.endpoint),
                    frame: None,
                });
            }
            match segments.as_slice() {
                [user, post]
                    if user.starts_with('@') && post.chars().all(|c| c.is_ascii_digit()) =>
                {
                    let endpoint = format!("{}://{}/api/oembed", url.scheme(), url.host_str()?);
                    known("Mastodon", Some(&endpoint), None)
                }
                _ => return None,
            }
        }
    };
    Some(found)
}

/// Whether `frame` may be loaded as a player: https, at one of `FRAME_ORIGINS`.
pub fn is_player(frame: &str) -> bool {
    FRAME_ORIGINS.iter().any(|origin| {
        frame
            .strip_prefix(origin)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_addresses_are_recognised_with_their_players() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1",
                "YouTube",
                Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
            ),
            (
                "https://youtu.be/dQw4w9WgXcQ",
                "YouTube",
                Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
            ),
            (
                "https://www.youtube.com/shorts/abc_DEF-1",
                "YouTube",
                Some("https://www.youtube-nocookie.com/embed/abc_DEF-1"),
            ),
            (
                "https://www.youtube.com/watch?v=\"><script>",
                "YouTube",
                None,
            ),
            (
                "https://vimeo.com/76979871",
                "Vimeo",
                Some("https://player.vimeo.com/video/76979871?dnt=1"),
            ),
            ("https://x.com/nasa/status/1", "X", None),
            ("https://twitter.com/nasa/status/1", "X", None),
            ("https://www.instagram.com/p/Cx/", "Instagram", None),
            ("https://www.tiktok.com/@a/video/1", "TikTok", None),
            (
                "https://bsky.app/profile/a.bsky.social/post/3k",
                "Bluesky",
                None,
            ),
            ("https://mastodon.social/@Gargron/1", "Mastodon", None),
            (
                "https://soundcloud.com/a/b",
                "SoundCloud",
                Some("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fa%2Fb"),
            ),
            (
                "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
                "Spotify",
                Some("https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC"),
            ),
            (
                "https://www.google.com/maps/place/Oslo+Harbour/@59.9,10.7,15z",
                "Google Maps",
                Some("https://www.google.com/maps?output=embed&q=Oslo+Harbour"),
            ),
        ];
        for (address, provider, frame) in cases {
            let found = recognise(address, &[]).unwrap_or_else(|| panic!("{address}"));
            assert_eq!(found.provider, *provider, "{address}");
            assert_eq!(found.frame.as_deref(), *frame, "{address}");
            if let Some(frame) = &found.frame {
                assert!(is_player(frame), "{frame}");
            }
        }
        let youtube = recognise("https://youtu.be/abc", &[]).unwrap();
        assert_eq!(
            youtube.oembed.as_deref(),
            Some("https://www.youtube.com/oembed?url=https%3A%2F%2Fyoutu.be%2Fabc&format=json")
        );
    }

    #[test]
    fn other_addresses_are_no_provider_unless_the_publication_names_it() {
        for address in [
            "https://example.com/a",
            "javascript:alert(1)",
            "ftp://x.example/",
            "not an address",
        ] {
            assert_eq!(recognise(address, &[]), None, "{address}");
        }
        let own = [CustomProvider {
            name: "Datawrapper".into(),
            prefix: "https://datawrapper.dwcdn.net/".into(),
            endpoint: "https://api.datawrapper.de/v3/oembed".into(),
        }];
        let found = recognise("https://datawrapper.dwcdn.net/abc/1/", &own).unwrap();
        assert_eq!(found.provider, "Datawrapper");
        assert_eq!(found.frame, None);
        assert!(found
            .oembed
            .unwrap()
            .starts_with("https://api.datawrapper.de/v3/oembed?url="));
    }

    #[test]
    fn only_the_known_players_may_load() {
        assert!(is_player("https://www.youtube-nocookie.com/embed/x"));
        for frame in [
            "https://www.youtube-nocookie.com.evil.example/embed/x",
            "https://www.youtube-nocookie.com",
            "http://www.youtube-nocookie.com/embed/x",
            "https://evil.example/",
            "javascript:alert(1)",
        ] {
            assert!(!is_player(frame), "{frame}");
        }
    }
}
