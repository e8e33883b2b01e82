//! Audience figures for editors (`core::analytics`): views per day, the most read
//! articles, views by section and by author, the sites readers came from and what
//! they searched for, for today, the last 7 or the last 30 days; each as a chart with
//! its numbers, and as CSV. An article's own views per day have a page of their own.
//! Counted without cookies or third-party scripts (`readership`).

use super::desk::{chrome, desk_error, Desk, NoDeskPage, Segments};
use super::revenue::{cell, csv_file};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use chrono::{NaiveDate, Utc};
use masthead_core::analytics::{every_day, Period};
use masthead_core::ids::ArticleId;
use masthead_render::newsroom::{AnalyticsView, ArticleFiguresView, Choice, FigureBar};
use serde::Deserialize;

/// How many rows each list shows.
const TOP: u32 = 20;

#[derive(Debug, Deserialize)]
pub struct Params {
    period: Option<String>,
    /// For the CSV: which figures.
    report: Option<String>,
}

fn period_of(params: &Params) -> Result<Period, WebError> {
    Ok(params
        .period
        .as_deref()
        .map(str::parse)
        .transpose()?
        .unwrap_or(Period::Week))
}

/// Every figure of a period: (label, link, count) rows per report.
struct Figures {
    days: Vec<(NaiveDate, u64)>,
    articles: Vec<(String, Option<String>, u64)>,
    sections: Vec<(String, u64)>,
    authors: Vec<(String, u64)>,
    referrers: Vec<(String, u64)>,
    searches: Vec<(String, u64)>,
}

async fn figures(state: &AppState, period: Period) -> Result<Figures, WebError> {
    let (from, to) = period.days(Utc::now().date_naive());
    let store = &state.store;
    let days = every_day(&store.daily_views(None, from, to).await?, from, to);
    let articles = store
        .top_articles(from, to, TOP)
        .await?
        .into_iter()
        .map(|(a, n)| {
            let href = format!("/newsroom/analytics/articles/{}", a.id);
            (a.title, Some(href), n)
        })
        .collect();
    Ok(Figures {
        days,
        articles,
        sections: store.views_by_section(from, to).await?,
        authors: store.views_by_author(from, to, TOP).await?,
        referrers: store.top_referrers(from, to, TOP).await?,
        searches: store.top_searches(from, to, TOP).await?,
    })
}

fn plain(rows: Vec<(String, u64)>) -> Vec<(String, Option<String>, u64)> {
    rows.into_iter().map(|(l, n)| (l, None, n)).collect()
}

fn day_bars(days: &[(NaiveDate, u64)]) -> Vec<FigureBar> {
    FigureBar::scaled(
        days.iter()
            .map(|(d, n)| (d.format("%-d %b").to_string(), None, *n))
            .collect(),
    )
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Ok(period) = period_of(&params) else {
        return Err(desk_error(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(person),
            "Unknown period",
            "Choose today, the last 7 days or the last 30 days.",
        )
        .await);
    };
    let f = figures(&state, period).await?;
    let view = AnalyticsView {
        chrome: chrome(&state, &desk, person, "Audience", "analytics").await?,
        periods: Period::ALL
            .iter()
            .map(|p| Choice::new(p.as_str(), p.label(), *p == period))
            .collect(),
        period: period.as_str(),
        period_label: period.label(),
        total: f.days.iter().map(|(_, n)| n).sum(),
        days: day_bars(&f.days),
        articles: FigureBar::scaled(f.articles),
        sections: FigureBar::scaled(plain(f.sections)),
        authors: FigureBar::scaled(plain(f.authors)),
        referrers: FigureBar::scaled(plain(f.referrers)),
        searches: FigureBar::scaled(plain(f.searches)),
    };
    Ok((
        StatusCode::OK,
        Html(state.theme.render("newsroom/analytics.html", &view)?),
    )
        .into_response())
}

/// `/newsroom/analytics.csv?report=...&period=...`: one report's figures.
pub async fn csv(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    let period = period_of(&params)?;
    let report = params.report.as_deref().unwrap_or("days");
    let f = figures(&state, period).await?;
    let (heading, rows): (&str, Vec<(String, u64)>) = match report {
        "days" => (
            "day",
            f.days.iter().map(|(d, n)| (d.to_string(), *n)).collect(),
        ),
        "articles" => (
            "article",
            f.articles.into_iter().map(|(t, _, n)| (t, n)).collect(),
        ),
        "sections" => ("section", f.sections),
        "authors" => ("author", f.authors),
        "referrers" => ("referring site", f.referrers),
        "searches" => ("search", f.searches),
        _ => {
            return Err(masthead_core::Error::invalid(
                "report",
                "choose a report: days, articles, sections, authors, referrers or searches",
            )
            .into())
        }
    };
    let name = format!("{report}-{}.csv", period.as_str());
    csv_response(&name, heading, "views", &rows)
}

/// `/newsroom/analytics/articles/{id}`: an article's views on each of the last 30
/// days; `.../articles/{id}.csv` the same as CSV.
pub async fn article(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let (as_csv, id) = match id.strip_suffix(".csv") {
        Some(id) => (true, id),
        None => (false, id.as_str()),
    };
    let found = match id.parse() {
        Ok(id) => state.store.article(ArticleId(id)).await?,
        Err(_) => None,
    };
    let Some(article) = found else {
        return Err(desk_error(
            &state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such article",
            "There are no figures for that article: it does not exist.",
        )
        .await);
    };
    let (from, to) = Period::Month.days(Utc::now().date_naive());
    let days = every_day(
        &state.store.daily_views(Some(article.id), from, to).await?,
        from,
        to,
    );
    if as_csv {
        let rows: Vec<(String, u64)> = days.iter().map(|(d, n)| (d.to_string(), *n)).collect();
        return csv_response(
            &format!("article-{}.csv", article.id),
            "day",
            "views",
            &rows,
        );
    }
    let view = ArticleFiguresView {
        chrome: chrome(&state, &desk, person, &article.title, "analytics").await?,
        id: article.id.0,
        title: article.title.clone(),
        total: days.iter().map(|(_, n)| n).sum(),
        days: day_bars(&days),
    };
    Ok((
        StatusCode::OK,
        Html(state.theme.render("newsroom/article_figures.html", &view)?),
    )
        .into_response())
}

fn csv_response(
    name: &str,
    heading: &str,
    counted: &str,
    rows: &[(String, u64)],
) -> Result<Response, WebError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| WebError::internal(&format!("figures CSV: {e}"));
    out.write_record([heading, counted]).map_err(failed)?;
    for (label, n) in rows {
        out.write_record([cell(label), n.to_string()])
            .map_err(failed)?;
    }
    csv_file(name, out)
}
