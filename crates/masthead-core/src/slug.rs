//! Slugs: the readable, stable part of every public URL.

use crate::error::{Error, Result};

/// Longest slug we generate or accept; long enough for any headline worth keeping.
pub const MAX_SLUG_LEN: usize = 120;

/// Paths the portal owns at the top level; a section may not take one of them.
pub const RESERVED: &[&str] = &[
    "newsroom",
    "api",
    "ghost",
    "tag",
    "author",
    "search",
    "feed",
    "rss",
    "atom",
    "sitemap",
    "assets",
    "media",
    "healthz",
    "latest",
    "corrections",
    "members",
    "login",
    "logout",
    "account",
    "robots.txt",
    "p",
    "preview",
    "stories",
];

/// Turns a title into a URL slug: ASCII transliteration, lowercase, hyphen separated,
/// cut at a word boundary. Returns `None` when the title has nothing to keep (e.g. "???").
pub fn slugify(title: &str) -> Option<String> {
    let mut slug = slug::slugify(title);
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
    }
    (!slug.is_empty()).then_some(slug)
}

/// Checks a slug typed by a person: lowercase ASCII letters, digits and single hyphens.
pub fn validate(field: &'static str, slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "use lowercase letters, digits and single hyphens (e.g. \"world-news\")",
        ))
    }
}

/// Fills an empty top-level slug (a section's or a static page's, served at
/// `/{slug}/`) from `name`, then checks it is well formed and not one the site uses
/// itself; problems go into `v`.
pub fn prepare_top_level(v: &mut crate::error::Validator, slug: &mut String, name: &str) {
    if slug.is_empty() {
        *slug = slugify(name).unwrap_or_default();
    }
    if let Err(Error::Invalid(errors)) = validate("slug", slug) {
        errors.into_iter().for_each(|e| v.push(e));
    }
    v.check(
        !RESERVED.contains(&slug.as_str()),
        "slug",
        "this address is used by the site itself; choose another",
    );
}

/// Gives the n-th alternative of a slug taken already: `budget`, `budget-2`, `budget-3`...
pub fn numbered(base: &str, n: u32) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}-{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_transliterates_and_lowercases() {
        assert_eq!(
            slugify("Élections: Ça Va Être Serré!").as_deref(),
            Some("elections-ca-va-etre-serre")
        );
        assert_eq!(slugify("Ελληνικά νέα").as_deref(), Some("ellenika-nea"));
        assert_eq!(slugify("???"), None);
    }

    #[test]
    fn slugify_cuts_long_titles_at_a_word_boundary() {
        let title = "word ".repeat(60);
        let slug = slugify(&title).unwrap();
        assert!(slug.len() <= MAX_SLUG_LEN);
        assert!(slug.ends_with("word"));
    }

    #[test]
    fn validate_rejects_malformed_slugs() {
        assert!(validate("slug", "world-news").is_ok());
        for bad in ["", "World", "a--b", "-a", "a-", "a b", "é"] {
            assert!(validate("slug", bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn numbered_alternatives() {
        assert_eq!(numbered("budget", 1), "budget");
        assert_eq!(numbered("budget", 3), "budget-3");
    }
}
