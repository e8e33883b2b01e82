//! Pictures in a body (an article's or a static page's text), as readers get them:
//! every one loads lazily (below the fold, decoded off the main thread), and each the
//! site stores is offered in every size and format it has, with its dimensions, as
//! featured pictures are (`ImageView`). Done when the page is made, not when the body
//! is saved: the smaller copies are made after the upload, so a page made later offers
//! the copies there are by then (and a cached page is dropped when one is added,
//! `Change::Media`); and the attributes come out in one order, which the sanitizer's
//! own setting of attributes does not promise.

use crate::escape_text;
use crate::views::ImageView;
use lol_html::html_content::{ContentType, Element};
use lol_html::{element, HtmlRewriter, RewriteStrSettings, Settings};
use masthead_core::media::Media;

/// How wide a picture in the text shows: the text column (the theme's `--text`, 42rem,
/// within the page's padding) or the whole screen below that.
pub const BODY_SIZES: &str = "(min-width: 44rem) 42rem, 100vw";

/// Where the site serves the files it stores.
const MEDIA_PREFIX: &str = "/media/";

/// Picks the pictures the site stores, by their `src` (`/media/KEY`).
const STORED: &str = "img[src^=\"/media/\"]";

/// The most different pictures of the site's one body is offered in all their copies:
/// more than any article shows, few enough that looking them up is one small query and
/// a page depends on a bounded list. A body naming tens of thousands (a hostile writer's
/// megabyte of them) would otherwise make every render of the page a query past the
/// database's limit on parameters. Pictures past these still load lazily.
pub const MAX_PICTURES: usize = 200;

/// The storage keys of the pictures in `html` that the site stores, each once, in the
/// order they appear; at most `MAX_PICTURES`.
pub fn stored_in(html: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    // Most bodies hold no picture of the site's: no parse for them.
    if !html.contains(MEDIA_PREFIX) {
        return keys;
    }
    let mut finder = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![element!(STORED, |el| {
                if keys.len() < MAX_PICTURES {
                    if let Some(key) = key_of(el).filter(|key| !keys.contains(key)) {
                        keys.push(key);
                    }
                }
                Ok(())
            })],
            ..Settings::new()
        },
        |_: &[u8]| {},
    );
    // The body came out of the sanitizer: a parse error here can only leave pictures
    // unfound, which shows them as they were written.
    let _ = finder.write(html.as_bytes()).and_then(|()| finder.end());
    keys
}

fn key_of(el: &Element) -> Option<String> {
    el.get_attribute("src")?
        .strip_prefix(MEDIA_PREFIX)
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
}

/// `html` with every picture loading lazily, and each stored as one of `media` offered
/// in all its copies: its `srcset` and `sizes`, a WebP `<source>` when the original is
/// in another format, and its width and height (so the text does not jump as it loads)
/// unless the writer gave a size. Pictures the site does not store keep their address.
pub fn responsive(html: &str, media: &[Media]) -> String {
    if !html.contains("<img") {
        return html.to_owned();
    }
    let settings = RewriteStrSettings {
        element_content_handlers: vec![element!("img", |el| {
            el.set_attribute("loading", "lazy")?;
            el.set_attribute("decoding", "async")?;
            let Some(m) = key_of(el).and_then(|key| media.iter().find(|m| m.storage_key == key))
            else {
                return Ok(());
            };
            let view = ImageView::new(m, "", "", "");
            if !view.srcset.is_empty() {
                el.set_attribute("srcset", &view.srcset)?;
                el.set_attribute("sizes", BODY_SIZES)?;
            }
            if !el.has_attribute("width") && !el.has_attribute("height") {
                if let (Some(w), Some(h)) = (m.width, m.height) {
                    el.set_attribute("width", &w.to_string())?;
                    el.set_attribute("height", &h.to_string())?;
                }
            }
            if !view.webp_srcset.is_empty() {
                el.before(
                    &format!(
                        "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"{BODY_SIZES}\">",
                        escape_text(&view.webp_srcset)
                    ),
                    ContentType::Html,
                );
                el.after("</picture>", ContentType::Html);
            }
            Ok(())
        })],
        ..RewriteStrSettings::new()
    };
    // As above: on a parse error the body is shown as stored, which is safe.
    lol_html::rewrite_str(html, settings).unwrap_or_else(|_| html.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use masthead_core::ids::MediaId;
    use masthead_core::media::MediaVariant;

    fn picture(id: i64, key: &str, mime: &str, variants: &[(u32, &str)]) -> Media {
        let stem = key.rsplit_once('.').map_or(key, |(s, _)| s);
        Media {
            id: MediaId(id),
            storage_key: key.to_owned(),
            mime_type: mime.to_owned(),
            width: Some(2000),
            height: Some(1000),
            byte_size: 1,
            alt: String::new(),
            caption: String::new(),
            credit: String::new(),
            created_at: chrono::Utc::now(),
            uploaded_by: None,
            variants: variants
                .iter()
                .map(|(w, ext)| MediaVariant {
                    width: *w,
                    height: w / 2,
                    mime_type: format!("image/{ext}"),
                    storage_key: format!("{stem}-{w}.{ext}"),
                    byte_size: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn finds_the_sites_pictures_once_each_in_order() {
        let html = r#"<p><img src="/media/b.png" alt="b"> <img src="https://elsewhere.example/x.png">
            <img src="/media/a.jpg"><img src="/media/b.png"><img src="/media/"><img alt="no source">
            <a href="/media/c.png">a link, not a picture</a></p>"#;
        assert_eq!(stored_in(html), ["b.png", "a.jpg"]);
        assert!(stored_in("<p>No pictures.</p>").is_empty());
    }

    #[test]
    fn a_body_full_of_pictures_is_looked_up_in_one_bounded_batch() {
        // A megabyte of distinct pictures, as a hostile writer could save.
        let html: String = (0..50_000)
            .map(|i| format!("<img src=\"/media/p{i}.png\">"))
            .collect();
        let keys = stored_in(&html);
        assert_eq!(keys.len(), MAX_PICTURES);
        assert_eq!(
            (keys[0].as_str(), keys[MAX_PICTURES - 1].as_str()),
            ("p0.png", "p199.png")
        );
    }

    #[test]
    fn offers_every_copy_with_dimensions_and_a_webp_source() {
        let m = picture(
            1,
            "uploads/p.png",
            "image/png",
            &[(480, "png"), (480, "webp"), (960, "png"), (960, "webp")],
        );
        let html = r#"<p><img src="/media/uploads/p.png" alt="A harbour" loading="lazy" decoding="async"></p>"#;
        let out = responsive(html, std::slice::from_ref(&m));
        assert_eq!(
            out,
            format!(
                "<p><picture><source type=\"image/webp\" srcset=\"/media/uploads/p-480.webp 480w, \
                 /media/uploads/p-960.webp 960w\" sizes=\"{BODY_SIZES}\">\
                 <img src=\"/media/uploads/p.png\" alt=\"A harbour\" loading=\"lazy\" decoding=\"async\" \
                 srcset=\"/media/uploads/p-480.png 480w, /media/uploads/p-960.png 960w, \
                 /media/uploads/p.png 2000w\" sizes=\"{BODY_SIZES}\" width=\"2000\" height=\"1000\">\
                 </picture></p>"
            )
        );
    }

    #[test]
    fn keeps_the_writers_size_and_every_picture_loads_lazily() {
        let m = picture(1, "w.webp", "image/webp", &[(480, "webp")]);
        let html =
            r#"<img src="/media/w.webp" width="120"><img src="/media/gone.png" loading="eager">"#;
        let out = responsive(html, &[m]);
        // WebP already: no <source>; the writer's width stands, no height is added. A
        // picture the site does not store is only made lazy.
        let lazy = "loading=\"lazy\" decoding=\"async\"";
        assert_eq!(
            out,
            format!(
                "<img src=\"/media/w.webp\" width=\"120\" {lazy} srcset=\"/media/w-480.webp 480w, \
                 /media/w.webp 2000w\" sizes=\"{BODY_SIZES}\"><img src=\"/media/gone.png\" {lazy}>"
            )
        );
        assert_eq!(
            responsive(
                r#"<p><img src="https://elsewhere.example/x.png" alt="x"></p>"#,
                &[]
            ),
            format!(r#"<p><img src="https://elsewhere.example/x.png" alt="x" {lazy}></p>"#)
        );
        assert_eq!(
            responsive("<p>No pictures.</p>", &[]),
            "<p>No pictures.</p>"
        );
    }

    #[test]
    fn a_picture_without_copies_still_gets_its_dimensions() {
        let m = picture(1, "only.gif", "image/gif", &[]);
        let out = responsive(r#"<img src="/media/only.gif" alt="">"#, &[m]);
        assert_eq!(
            out,
            "<img src=\"/media/only.gif\" alt=\"\" loading=\"lazy\" decoding=\"async\" srcset=\"/media/only.gif 2000w\" \
             sizes=\"(min-width: 44rem) 42rem, 100vw\" width=\"2000\" height=\"1000\">"
        );
    }
}
