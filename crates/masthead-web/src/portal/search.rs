//! The search page: `/search/?q=...`, through the search port, with filters by
//! section, tag, author, type and date range, the counts of each beside it, and "did
//! you mean" for a misspelling. A reader's gated bodies are searched only where
//! `can_read` lets them read (`Reach`).

use super::{chrome, not_found};
use crate::reader::Reader;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use masthead_core::article::ArticleType;
use masthead_core::search::{Facets, Filters, Reach, SearchQuery, MAX_QUERY_CHARS, MAX_RESULTS};
use masthead_core::store::{Page, PageRequest};
use masthead_core::Error;
use masthead_render::views::{
    ChosenFilterView, FacetGroupView, FacetValueView, PageView, SearchHitView, SearchView,
    StoryView, SuggestionView,
};
use serde::Deserialize;

/// Results per page.
const PER_PAGE: u32 = 20;

/// What the page's address says: the words and each filter. Anything else in it
/// (tracking parameters) is ignored.
#[derive(Deserialize, Default, Clone)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    page: Option<String>,
    #[serde(default)]
    section: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    author: String,
    #[serde(default, rename = "type")]
    article_type: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The parameters that narrow a search, by their name in the address.
const FILTER_KEYS: [&str; 6] = ["section", "tag", "author", "type", "from", "to"];

impl SearchParams {
    fn get(&self, key: &str) -> &str {
        match key {
            "q" => &self.q,
            "section" => &self.section,
            "tag" => &self.tag,
            "author" => &self.author,
            "type" => &self.article_type,
            "from" => &self.from,
            "to" => &self.to,
            _ => "",
        }
    }

    fn set(&mut self, key: &str, value: &str) {
        let slot = match key {
            "q" => &mut self.q,
            "section" => &mut self.section,
            "tag" => &mut self.tag,
            "author" => &mut self.author,
            "type" => &mut self.article_type,
            "from" => &mut self.from,
            "to" => &mut self.to,
            _ => return,
        };
        *slot = value.to_owned();
    }

    /// The page's address with these parameters (the first page).
    fn href(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for key in std::iter::once("q").chain(FILTER_KEYS) {
            let value = self.get(key);
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        format!("/search/?{}", query.finish())
    }

    /// The address with `key` set to `value` ("" takes it away).
    fn with(&self, changes: &[(&str, &str)]) -> String {
        let mut next = self.clone();
        for (key, value) in changes {
            next.set(key, value);
        }
        next.href()
    }

    /// The filters, as the port takes them; dates are the publication's days.
    fn filters(&self, zone: chrono_tz::Tz) -> Result<Filters, Error> {
        let slug = |value: &str| (!value.is_empty()).then(|| value.to_owned());
        let day = |field: &'static str, value: &str| -> Result<Option<NaiveDate>, Error> {
            if value.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    Error::invalid(field, format!("{value:?} is not a date like 2026-12-05"))
                })
        };
        let start = |date: NaiveDate| {
            date.and_hms_opt(0, 0, 0)
                .and_then(|t| zone.from_local_datetime(&t).earliest())
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        let from = day("from", &self.from)?;
        let to = day("to", &self.to)?;
        Ok(Filters {
            section: slug(&self.section),
            tag: slug(&self.tag),
            author: slug(&self.author),
            article_type: match self.article_type.as_str() {
                "" => None,
                word => Some(word.parse::<ArticleType>()?),
            },
            since: from.and_then(start),
            // To the end of the day named.
            until: to.and_then(|d| d.succ_opt()).and_then(start),
        })
    }
}

pub async fn search(
    State(state): State<AppState>,
    Reader(reader): Reader,
    Query(mut params): Query<SearchParams>,
) -> Result<Response, WebError> {
    params.q = params.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let Some(number) = crate::paging::page_number(params.page.as_deref()) else {
        return Err(not_found(&state, "/search/").await);
    };
    let super::Context { mut chrome, site } = chrome(&state, "/search/").await?;
    let filters = params.filters(chrome.zone)?;
    // What this reader may read of gated bodies (nothing, for most).
    let tiers = if reader.is_anonymous() {
        Vec::new()
    } else {
        state
            .store
            .tiers(true)
            .await?
            .iter()
            .map(|t| t.id)
            .collect()
    };
    let query = SearchQuery {
        text: params.q.clone(),
        filters,
        reach: Reach::of(&reader, &tiers),
    };
    let request = PageRequest::numbered(number, PER_PAGE);
    let results = state.search.search(&query, request).await?;
    if number > 1 && results.hits.is_empty() {
        return Err(not_found(&state, "/search/").await);
    }
    let ids: Vec<_> = results.hits.iter().map(|h| h.article).collect();
    // The index may briefly hold an article unpublished a moment ago: the store decides.
    // The hits' summaries and pictures, and the facets' names, at once.
    let stories = async {
        let summaries = state.store.published_summaries(&ids).await?;
        let media_ids: Vec<_> = summaries
            .iter()
            .filter_map(|a| a.featured_media_id)
            .collect();
        let media = state.store.media_many(&media_ids).await?;
        Ok::<_, masthead_core::Error>((summaries, media))
    };
    let (stories, names) = tokio::join!(
        stories,
        Names::load(&state, &site, &results.facets, &params)
    );
    let ((summaries, media), names) = (stories?, names?);
    let hits = results
        .hits
        .iter()
        .filter_map(|hit| {
            let summary = summaries.iter().find(|s| s.id == hit.article)?;
            Some(SearchHitView {
                story: StoryView::with_image(summary, &media, chrome.zone),
                snippet_html: hit.snippet_html.clone(),
            })
        })
        .collect();

    let searched = !params.q.is_empty() || !query.filters.is_empty();
    chrome.meta.title = if params.q.is_empty() {
        "Search".to_owned()
    } else {
        format!("Search: {}", params.q)
    };
    // Result pages are for readers, not for search engines.
    chrome.meta.robots = Some("noindex, follow");
    // Pages end where results do (`MAX_RESULTS`), however many match.
    let numbering = Page::<()> {
        items: Vec::new(),
        total: results.total.min(u64::from(MAX_RESULTS)),
        offset: request.offset,
        limit: request.limit,
    };
    let view = SearchView {
        chrome,
        query: params.q.clone(),
        base: params.href(),
        searched,
        total: results.total,
        hits,
        page: PageView::numbering(&numbering),
        facets: facet_groups(&results.facets, &params, &names),
        chosen: chosen(&params, &names),
        suggestion: results.suggestion.map(|words| SuggestionView {
            href: params.with(&[("q", &words)]),
            words,
        }),
        hidden: FILTER_KEYS
            .iter()
            .filter(|k| !params.get(k).is_empty())
            .map(|k| ((*k).to_owned(), params.get(k).to_owned()))
            .collect(),
        from: params.from.clone(),
        to: params.to.clone(),
    };
    let html = state.theme.render("search.html", &view)?;
    // Not cached here: every query is its own page, and a member's may hold what only
    // they may read. Browsers may keep it briefly.
    Ok(([(header::CACHE_CONTROL, "private, max-age=60")], Html(html)).into_response())
}

/// The names readers know the facets' slugs by.
struct Names {
    sections: std::collections::HashMap<String, String>,
    tags: std::collections::HashMap<String, String>,
    authors: std::collections::HashMap<String, String>,
}

impl Names {
    async fn load(
        state: &AppState,
        site: &crate::site::SiteParts,
        facets: &Facets,
        params: &SearchParams,
    ) -> Result<Self, WebError> {
        let mut slugs: Vec<String> = facets.tags.iter().map(|(s, _)| s.clone()).collect();
        if !params.tag.is_empty() {
            slugs.push(params.tag.clone());
        }
        Ok(Self {
            sections: site
                .sections
                .iter()
                .map(|s| (s.slug.clone(), s.name.clone()))
                .collect(),
            tags: state
                .store
                .tags_by_slugs(&slugs)
                .await?
                .into_iter()
                .map(|t| (t.slug, t.name))
                .collect(),
            authors: site.names.clone(),
        })
    }

    /// The name of `value` of the facet `key`; the value itself when none is known
    /// (a tag renamed since the index took it in).
    fn of(&self, key: &str, value: &str) -> String {
        let known = match key {
            "section" => self.sections.get(value),
            "tag" => self.tags.get(value),
            "author" => self.authors.get(value),
            "type" => {
                return value
                    .parse::<ArticleType>()
                    .map_or_else(|_| value.to_owned(), |t| t.label().to_owned())
            }
            _ => None,
        };
        known.cloned().unwrap_or_else(|| value.to_owned())
    }
}

/// Each facet with its counts, as links that narrow the search to it (or, for the one
/// chosen, take it away).
fn facet_groups(facets: &Facets, params: &SearchParams, names: &Names) -> Vec<FacetGroupView> {
    let group = |label: &'static str, key: &'static str, values: &[(String, u64)]| FacetGroupView {
        label,
        values: values
            .iter()
            .map(|(value, count)| {
                let chosen = params.get(key) == value;
                FacetValueView {
                    label: names.of(key, value),
                    count: *count,
                    href: params.with(&[(key, if chosen { "" } else { value })]),
                    chosen,
                }
            })
            .collect(),
    };
    let years = FacetGroupView {
        label: "Year",
        values: facets
            .years
            .iter()
            .map(|(year, count)| {
                let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
                let chosen = params.from == from && params.to == to;
                FacetValueView {
                    label: year.clone(),
                    count: *count,
                    href: if chosen {
                        params.with(&[("from", ""), ("to", "")])
                    } else {
                        params.with(&[("from", &from), ("to", &to)])
                    },
                    chosen,
                }
            })
            .collect(),
    };
    [
        group("Section", "section", &facets.sections),
        group("Type", "type", &facets.types),
        group("Author", "author", &facets.authors),
        group("Topic", "tag", &facets.tags),
        years,
    ]
    .into_iter()
    .filter(|g| !g.values.is_empty())
    .collect()
}

/// The filters chosen, each with a link that takes it away.
fn chosen(params: &SearchParams, names: &Names) -> Vec<ChosenFilterView> {
    let mut chosen: Vec<ChosenFilterView> = ["section", "type", "author", "tag"]
        .into_iter()
        .filter(|key| !params.get(key).is_empty())
        .map(|key| ChosenFilterView {
            label: names.of(key, params.get(key)),
            remove_href: params.with(&[(key, "")]),
        })
        .collect();
    let range = match (params.from.as_str(), params.to.as_str()) {
        ("", "") => None,
        (from, "") => Some(format!("From {from}")),
        ("", to) => Some(format!("Until {to}")),
        (from, to) => Some(format!("{from} to {to}")),
    };
    if let Some(label) = range {
        chosen.push(ChosenFilterView {
            label,
            remove_href: params.with(&[("from", ""), ("to", "")]),
        });
    }
    chosen
}
