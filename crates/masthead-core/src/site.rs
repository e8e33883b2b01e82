//! Publication-wide settings edited by admins, and redirects.

use crate::error::{Result, Validator};
use crate::ids::RedirectId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The publication's own settings. They live in the database (editors change them),
/// not in the operator's config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub title: String,
    pub description: String,
    pub logo: String,
    /// BCP 47 language tag, e.g. "en-GB".
    pub locale: String,
    /// IANA time zone name used to show dates, e.g. "Europe/London".
    pub timezone: String,
    /// Extra links after the sections in the navigation.
    pub navigation: Vec<NavItem>,
    pub about: String,
    /// The call to action asking readers to support the publication.
    pub support_text: String,
    /// Where that call to action leads, e.g. "/support/".
    pub support_url: String,
    /// The icon browsers show in tabs (`/favicon.ico` leads to it); empty: the theme's.
    pub favicon: String,
    /// The icon phones keep on the home screen (a 180 x 180 PNG).
    pub touch_icon: String,
    /// The picture social networks show for pages without one of their own.
    pub social_image: String,
    /// Where the publication states its standards, for readers and for the
    /// structured data search engines and the Trust Project read.
    pub policies: Policies,
    /// The newsletters members may choose on their account page (their sending
    /// comes with reader revenue).
    pub newsletters: Vec<NewsletterOffer>,
    /// How members' new comments are treated.
    pub comments: crate::comment::Moderation,
    /// How many members-only stories a visitor may read whole each month before they
    /// are asked to join (`access::Meter`); 0: none.
    pub free_articles: u32,
    /// oEmbed providers the publication allows besides the known ones (`embed`).
    pub embed_providers: Vec<crate::embed::CustomProvider>,
    /// A breaking-news banner over every reader page, until it ends.
    pub breaking: Option<Breaking>,
    /// How far back "Most read" looks, in hours (one of
    /// `analytics::MOST_READ_HOURS`).
    pub most_read_hours: u32,
}

/// The longest a breaking-news banner's words may be, in characters.
pub const MAX_BREAKING: usize = 200;

/// A breaking-news banner: a line of words, where it leads, and when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Breaking {
    pub text: String,
    /// A page of this site or a web address; empty: the words alone.
    pub url: String,
    /// When it stops showing; none: until an editor takes it down.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

impl Breaking {
    /// Whether readers see it at `now`.
    pub fn shows_at(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        !self.text.trim().is_empty() && self.until.is_none_or(|until| until > now)
    }

    /// `Invalid` naming the field: words too long or on more than one line, an
    /// address that is not one, an end already past.
    pub fn validate(&self, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
        let mut v = Validator::default();
        v.check(
            !self.text.trim().is_empty(),
            "breaking_text",
            "say what is happening in a few words",
        );
        v.check(
            self.text.chars().count() <= MAX_BREAKING && !self.text.chars().any(char::is_control),
            "breaking_text",
            &format!("the banner is one line of at most {MAX_BREAKING} characters"),
        );
        v.check(
            self.url.is_empty() || is_link(&self.url),
            "breaking_url",
            "give where it leads as a page of this site (/...) or a web address",
        );
        v.check(
            self.until.is_none_or(|until| until > now),
            "breaking_until",
            "the time it ends has passed; choose a later one or none",
        );
        v.finish()
    }
}

/// The most stories a month a publication may let visitors read free.
pub const MAX_FREE_ARTICLES: u32 = 50;

/// A newsletter members may sign up for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsletterOffer {
    /// Stable name of the choice, kept in members' standing.
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// Most newsletters a publication offers.
pub const MAX_NEWSLETTERS: usize = 20;

/// The pages (links: usually static pages of the site) where the publication states
/// its policies; each is optional. Named as schema.org names them on a
/// `NewsMediaOrganization`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policies {
    pub publishing_principles: String,
    pub ethics: String,
    pub corrections: String,
    pub actionable_feedback: String,
    pub verification: String,
    pub unnamed_sources: String,
    pub diversity: String,
    pub masthead: String,
    pub ownership_funding: String,
}

impl Policies {
    /// Each policy: its schema.org property, its name for people, and its link.
    pub fn each(&self) -> [(&'static str, &'static str, &str); 9] {
        [
            (
                "publishingPrinciples",
                "Publishing principles",
                &self.publishing_principles,
            ),
            ("ethicsPolicy", "Ethics policy", &self.ethics),
            ("correctionsPolicy", "Corrections policy", &self.corrections),
            (
                "actionableFeedbackPolicy",
                "Feedback policy",
                &self.actionable_feedback,
            ),
            (
                "verificationFactCheckingPolicy",
                "Verification and fact-checking",
                &self.verification,
            ),
            (
                "unnamedSourcesPolicy",
                "Unnamed sources policy",
                &self.unnamed_sources,
            ),
            ("diversityPolicy", "Diversity policy", &self.diversity),
            ("masthead", "Masthead", &self.masthead),
            (
                "ownershipFundingInfo",
                "Ownership and funding",
                &self.ownership_funding,
            ),
        ]
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            title: "Masthead".into(),
            description: "Independent journalism.".into(),
            logo: String::new(),
            locale: "en".into(),
            timezone: "UTC".into(),
            navigation: Vec::new(),
            about: String::new(),
            support_text: String::new(),
            support_url: String::new(),
            favicon: String::new(),
            touch_icon: String::new(),
            social_image: String::new(),
            policies: Policies::default(),
            newsletters: Vec::new(),
            comments: crate::comment::Moderation::default(),
            free_articles: 0,
            embed_providers: Vec::new(),
            breaking: None,
            most_read_hours: crate::analytics::DEFAULT_MOST_READ_HOURS,
        }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(
            !self.title.trim().is_empty(),
            "title",
            "the publication needs a name",
        );
        v.check(
            crate::analytics::MOST_READ_HOURS
                .iter()
                .any(|(hours, _)| *hours == self.most_read_hours),
            "most_read_hours",
            "let \"Most read\" cover the last 24 hours, 2 days or 7 days",
        );
        v.check(
            self.free_articles <= MAX_FREE_ARTICLES,
            "free_articles",
            "let visitors read at most 50 members' stories a month",
        );
        for provider in &self.embed_providers {
            v.check(
                !provider.name.trim().is_empty(),
                "embed_providers",
                "name every embed provider",
            );
            v.check(
                is_web_address(&provider.prefix) && is_web_address(&provider.endpoint),
                "embed_providers",
                "give an embed provider's addresses and its oEmbed endpoint as web addresses (https://...)",
            );
        }
        v.check(
            self.embed_providers.len() <= 20,
            "embed_providers",
            "allow at most 20 embed providers of your own",
        );
        v.check(
            !self.locale.is_empty() && self.locale.len() <= 35,
            "locale",
            "use a language tag such as en or en-GB",
        );
        v.check(
            self.timezone.parse::<chrono_tz::Tz>().is_ok(),
            "timezone",
            "use an IANA time zone name such as Europe/London or UTC",
        );
        v.check(
            self.logo.is_empty() || is_link(&self.logo),
            "logo",
            "give the logo as a web address (https://...) or a path on this site (/media/...)",
        );
        v.check(
            self.support_url.is_empty() || is_link(&self.support_url),
            "support_url",
            "give the support page as a web address (https://...) or a path on this site",
        );
        for (field, value, what) in [
            ("favicon", &self.favicon, "the icon"),
            ("touch_icon", &self.touch_icon, "the home-screen icon"),
            (
                "social_image",
                &self.social_image,
                "the picture for social networks",
            ),
        ] {
            v.check(
                value.is_empty() || is_link(value),
                field,
                &format!("give {what} as a web address (https://...) or a path on this site (/media/...)"),
            );
        }
        for (_, name, link) in self.policies.each() {
            v.check(
                link.is_empty() || is_link(link),
                "policies",
                &format!(
                    "the {} must be a page of this site or a web address",
                    name.to_lowercase()
                ),
            );
        }
        v.check(
            self.newsletters.len() <= MAX_NEWSLETTERS,
            "newsletters",
            "offer at most 20 newsletters",
        );
        for n in &self.newsletters {
            v.check(
                !n.name.trim().is_empty()
                    && n.name.chars().count() <= 100
                    && n.description.chars().count() <= 300
                    && crate::slug::validate("newsletters", &n.slug).is_ok(),
                "newsletters",
                "give each newsletter a name (under 100 characters) and, after a |, a short description",
            );
        }
        let mut slugs: Vec<&str> = self.newsletters.iter().map(|n| n.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        v.check(
            slugs.len() == self.newsletters.len(),
            "newsletters",
            "two newsletters have the same name",
        );
        for item in &self.navigation {
            v.check(
                !item.label.trim().is_empty(),
                "navigation",
                "every navigation entry needs a label (write it as: Label | /path/)",
            );
            v.check(
                is_link(&item.url),
                "navigation",
                "every navigation entry needs a web address or a path on this site (Label | /path/)",
            );
        }
        v.finish()
    }

    /// The time zone dates are shown in (UTC if the stored name is not one, which
    /// `validate` prevents).
    pub fn zone(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Tz::UTC)
    }
}

/// Whether `url` is an absolute web address (http or https).
pub fn is_web_address(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// Whether `url` may be linked from the site's pages: a web address, or a path on
/// this site (not a protocol-relative `//host` address, nor `/\host`, which browsers
/// read the same way, nor `javascript:` and the like). No control characters or
/// spaces, which browsers strip before they read an address.
pub fn is_link(url: &str) -> bool {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    is_web_address(url) || (url.starts_with('/') && !url.starts_with("//") && !url.contains('\\'))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavItem {
    pub label: String,
    pub url: String,
}

/// An old path that now lives elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub id: RedirectId,
    pub from_path: String,
    pub to_path: String,
    /// 301 (moved for good) or 302/307 (temporarily).
    pub status_code: u16,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_iana_names() {
        let with = |tz: &str| Settings {
            timezone: tz.into(),
            ..Settings::default()
        };
        assert!(with("Europe/London").validate().is_ok());
        assert!(with("UTC").validate().is_ok());
        for bad in ["", "Mars/Olympus_Mons", "GMT+25", "europe london"] {
            assert!(with(bad).validate().is_err(), "{bad:?}");
        }
        assert_eq!(with("Asia/Tokyo").zone(), chrono_tz::Tz::Asia__Tokyo);
    }

    #[test]
    fn links_are_web_addresses_or_site_paths() {
        for good in [
            "https://x.example/a",
            "http://x.example",
            "/about/",
            "/media/logo.png",
        ] {
            assert!(is_link(good), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "//evil.example/",
            "/\\evil.example",
            "/\\/evil.example",
            "/about\\..\\x",
            "/\t/evil.example",
            "https://x.example/\njavascript:alert(1)",
            "data:text/html,x",
            "about",
            "",
        ] {
            assert!(!is_link(bad), "{bad}");
        }
        let with = |logo: &str, nav: &str| Settings {
            logo: logo.into(),
            navigation: vec![NavItem {
                label: "About".into(),
                url: nav.into(),
            }],
            ..Settings::default()
        };
        assert!(with("", "/about/").validate().is_ok());
        assert!(with("/media/logo.svg", "https://x.example/")
            .validate()
            .is_ok());
        assert!(with("javascript:alert(1)", "/about/").validate().is_err());
        assert!(with("", "javascript:alert(1)").validate().is_err());
        assert!(
            with("", "").validate().is_err(),
            "a navigation entry needs an address"
        );
    }

    #[test]
    fn a_breaking_banner_shows_until_it_ends() {
        let now = chrono::Utc::now();
        let banner = |text: &str, until: Option<chrono::DateTime<chrono::Utc>>| Breaking {
            text: text.into(),
            url: String::new(),
            until,
        };
        assert!(banner("Storm", None).shows_at(now));
        assert!(banner("Storm", Some(now + chrono::Duration::minutes(1))).shows_at(now));
        assert!(!banner("Storm", Some(now)).shows_at(now));
        assert!(!banner("  ", None).shows_at(now));
        assert!(banner("Storm", None).validate(now).is_ok());
        assert!(banner("a\nb", None).validate(now).is_err());
        assert!(banner(&"x".repeat(MAX_BREAKING + 1), None)
            .validate(now)
            .is_err());
        assert!(banner("Storm", Some(now)).validate(now).is_err());
    }
}
