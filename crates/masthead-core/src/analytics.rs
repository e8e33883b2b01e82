//! Audience figures for the newsroom (`/newsroom/analytics`), kept without cookies or
//! anything about a reader: a count per article per day (`readership`), per referring
//! site per day (its domain only), and per search on the site per day (the words,
//! normalised). This module holds the rules: the periods figures cover, what counts
//! as a referring site and as a search.

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};

/// The longest a referring domain or a search kept may be.
pub const MAX_TERM: usize = 80;

/// How long reads are kept by the hour, for "Most read" (the longest it may cover is
/// the last of `MOST_READ_HOURS`).
pub const HOURLY_KEPT: Duration = Duration::days(8);

/// The windows "Most read" may cover, in hours, with their names; editors choose one.
pub const MOST_READ_HOURS: [(u32, &str); 3] = [
    (24, "the last 24 hours"),
    (48, "the last 2 days"),
    (168, "the last 7 days"),
];

/// The window "Most read" covers unless editors choose another.
pub const DEFAULT_MOST_READ_HOURS: u32 = 48;

/// The start of the UTC hour `t` falls in.
pub fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

/// Where "Most read" over the last `hours` starts at `now`: the current hour and the
/// `hours - 1` before it, so "24 hours" is 24 hourly counts, the current one partial.
pub fn most_read_since(now: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    hour_of(now) - Duration::hours(i64::from(hours.max(1)) - 1)
}

/// The periods the figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Today,
    Week,
    Month,
}

impl Period {
    pub const ALL: &'static [Period] = &[Period::Today, Period::Week, Period::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Period::Today => "Today",
            Period::Week => "Last 7 days",
            Period::Month => "Last 30 days",
        }
    }

    /// The first and last day (UTC) of the period ending `today`.
    pub fn days(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let back = match self {
            Period::Today => 0,
            Period::Week => 6,
            Period::Month => 29,
        };
        (today - Duration::days(back), today)
    }
}

impl std::str::FromStr for Period {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        Period::ALL
            .iter()
            .copied()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| crate::Error::invalid("period", "choose today, week or month"))
    }
}

/// Every day from `from` to `to`, with its count from `counts` (0 where it has none).
pub fn every_day(
    counts: &[(NaiveDate, u64)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, u64)> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|day| {
            let n = counts
                .iter()
                .find(|(d, _)| *d == day)
                .map_or(0, |(_, n)| *n);
            (day, n)
        })
        .collect()
}

/// The site a reader came from, by the `Referer` they sent: its domain (lowercase, no
/// `www.`), never its path; `None` for this site itself (`own_host`), for what is not
/// an http(s) address, and for an address too long to be a domain.
pub fn referring_domain(referer: &str, own_host: &str) -> Option<String> {
    let url = url::Url::parse(referer)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))?;
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let own = own_host.to_ascii_lowercase();
    let own = own.strip_prefix("www.").unwrap_or(&own);
    let plausible = host.len() <= MAX_TERM
        && host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    (plausible && host != own).then_some(host)
}

/// A search as it is counted: its words, lowercase, single-spaced, at most
/// `MAX_TERM` characters; `None` for an empty one.
pub fn search_term(query: &str) -> Option<String> {
    let words = query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let words: String = words
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TERM)
        .collect();
    let words = words.trim().to_owned();
    (!words.is_empty()).then_some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_read_counts_whole_hours_back_from_the_current_one() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            hour_of(at("2026-12-05T10:59:59.9Z")),
            at("2026-12-05T10:00:00Z")
        );
        assert_eq!(
            hour_of(at("2026-12-05T10:00:00Z")),
            at("2026-12-05T10:00:00Z")
        );
        for (now, hours, since) in [
            ("2026-12-05T10:30:00Z", 24, "2026-12-04T11:00:00Z"),
            ("2026-12-05T00:00:00Z", 48, "2026-12-03T01:00:00Z"),
            ("2026-12-05T10:30:00Z", 168, "2026-11-28T11:00:00Z"),
            ("2026-12-05T10:30:00Z", 1, "2026-12-05T10:00:00Z"),
            ("2026-12-05T10:30:00Z", 0, "2026-12-05T10:00:00Z"),
        ] {
            assert_eq!(most_read_since(at(now), hours), at(since), "{now} {hours}");
        }
        // The longest window is kept by the hour.
        let longest = MOST_READ_HOURS.iter().map(|(h, _)| *h).max().unwrap();
        assert!(Duration::hours(i64::from(longest)) < HOURLY_KEPT);
        assert!(MOST_READ_HOURS
            .iter()
            .any(|(h, _)| *h == DEFAULT_MOST_READ_HOURS));
    }

    #[test]
    fn periods_cover_their_days() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert_eq!(Period::Today.days(today), (today, today));
        assert_eq!(Period::Week.days(today), (d(28), today));
        assert_eq!(
            Period::Month.days(today),
            (NaiveDate::from_ymd_opt(2026, 11, 5).unwrap(), today)
        );
        for p in Period::ALL {
            assert_eq!(p.as_str().parse::<Period>().unwrap(), *p);
        }
        assert!("year".parse::<Period>().is_err());
        let counts = [(d(29), 5), (today, 2)];
        let days = every_day(&counts, d(28), today);
        assert_eq!(days.len(), 7);
        assert_eq!(days[0], (d(28), 0));
        assert_eq!(days[1], (d(29), 5));
        assert_eq!(days[6], (today, 2));
    }

    #[test]
    fn a_referrer_is_a_domain_and_never_this_site() {
        let cases = [
            (
                "https://www.google.com/search?q=harbour",
                Some("google.com"),
            ),
            (
                "https://news.ycombinator.com/item?id=1",
                Some("news.ycombinator.com"),
            ),
            ("http://T.CO/abc", Some("t.co")),
            (
                "https://user:pw@mail.example.org:8443/inbox",
                Some("mail.example.org"),
            ),
            ("https://news.example/world/story/", None),
            ("https://www.news.example/", None),
            ("android-app://com.google.android.gm/", None),
            ("javascript:alert(1)", None),
            ("https://localhost/", None),
            ("https://bad_host.example/", None),
            ("", None),
        ];
        for (referer, domain) in cases {
            assert_eq!(
                referring_domain(referer, "news.example").as_deref(),
                domain,
                "{referer}"
            );
        }
        let long = format!("https://{}.example/", "a".repeat(100));
        assert_eq!(referring_domain(&long, "news.example"), None);
    }

    #[test]
    fn searches_are_counted_by_their_words() {
        assert_eq!(
            search_term("  Harbour   FEES\n").as_deref(),
            Some("harbour fees")
        );
        assert_eq!(search_term(" \t "), None);
        assert_eq!(search_term("a\u{0}b").as_deref(), Some("ab"));
        assert_eq!(
            search_term(&"x".repeat(500)).map(|t| t.len()),
            Some(MAX_TERM)
        );
    }
}
