//! The revenue dashboard, for admins: paying members by tier, recurring revenue, new
//! and ended memberships and money received by month (`core::payments::revenue_report`),
//! and the members with their tiers as CSV.

use super::desk::{chrome, Desk};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use chrono::Utc;
use masthead_core::payments::{entitlement, report_start, revenue_report, Entitlement};
use masthead_core::tier::publication_currency;
use masthead_render::newsroom::RevenueView;

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(&state, &desk, person, "Revenue", "revenue").await?;
    let now = Utc::now();
    let tiers = state.store.tiers(true).await?;
    let facts = state.store.revenue_facts(report_start(now)).await?;
    let report = revenue_report(&facts, &publication_currency(&tiers), now);
    let view = RevenueView::new(chrome, &report, |id| {
        tiers
            .iter()
            .find(|t| t.id == id)
            .map_or_else(|| format!("Tier {}", id.0), |t| t.name.clone())
    });
    Ok((
        StatusCode::OK,
        Html(state.theme.render("newsroom/revenue.html", &view)?),
    )
        .into_response())
}

/// A spreadsheet cell as typed: text a spreadsheet would take for a formula (`=`,
/// `+`, `-`, `@`, or a tab or return first) is led by an apostrophe, so a member's
/// name cannot run in an editor's spreadsheet.
pub(super) fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// `/newsroom/revenue/members.csv`: every member with the tier they hold now and
/// their plan's state.
pub async fn members_csv(State(state): State<AppState>) -> Result<Response, WebError> {
    let now = Utc::now();
    let tiers = state.store.tiers(true).await?;
    let free = tiers
        .iter()
        .find(|t| !t.paid)
        .map_or_else(|| "Free".to_owned(), |t| t.name.clone());
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, row: &[&str]| {
        out.write_record(row)
            .map_err(|e| WebError::internal(&format!("members CSV: {e}")))
    };
    write(
        &mut out,
        &[
            "email",
            "name",
            "joined",
            "tier",
            "status",
            "renews_or_ends",
        ],
    )?;
    for (member, joined, subscriptions) in state.store.members_with_subscriptions().await? {
        let (tier, status, until) = match entitlement(&subscriptions, now) {
            Entitlement::Paid(id) => {
                let plan = subscriptions
                    .iter()
                    .find(|s| s.tier == Some(id) && s.grants_access(now));
                (
                    tiers
                        .iter()
                        .find(|t| t.id == id)
                        .map_or_else(|| format!("Tier {}", id.0), |t| t.name.clone()),
                    plan.map_or("", |s| s.status.as_str()).to_owned(),
                    plan.map_or_else(String::new, |s| s.period_end.date_naive().to_string()),
                )
            }
            Entitlement::Free => (free.clone(), String::new(), String::new()),
        };
        write(
            &mut out,
            &[
                &cell(&member.email),
                &cell(&member.name),
                &joined.date_naive().to_string(),
                &cell(&tier),
                &status,
                &until,
            ],
        )?;
    }
    csv_file("members.csv", out)
}

/// `out`, written, as a CSV file to download named `name` (never stored by caches).
pub(super) fn csv_file(name: &str, out: csv::Writer<Vec<u8>>) -> Result<Response, WebError> {
    let body = out
        .into_inner()
        .map_err(|e| WebError::internal(&format!("{name}: {e}")))?;
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_that_would_be_formulas_are_kept_as_text() {
        for (typed, kept) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Ada", "Ada"),
            ("", ""),
        ] {
            assert_eq!(cell(typed), kept);
        }
    }
}
