//! An article's revisions: the list, one revision compared with the article as it is
//! now, and restoring it (which saves it as a new revision; nothing is lost).

use super::articles::{actor, content_of, editable};
use super::desk::{desk_error, Desk, NoDeskPage, Segments};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::Utc;
use masthead_core::article::ArticleContent;
use masthead_core::revision::RevisionSummary;
use masthead_render::newsroom::{DiffLine, FieldDiff, HistoryView, RevisionDiffView, RevisionView};
use masthead_render::views::TimeView;
use similar::{ChangeTag, TextDiff};

fn revision_view(r: &RevisionSummary, zone: chrono_tz::Tz) -> RevisionView {
    RevisionView {
        id: r.id,
        kind: r.kind.as_str(),
        kind_label: r.kind.label(),
        by: if r.person_name.is_empty() {
            "(former staff)".to_owned()
        } else {
            r.person_name.clone()
        },
        title: r.title.clone(),
        at: TimeView::new(r.updated_at, zone),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let site = state.site.get(&*state.store).await?;
    let mut chrome = desk.chrome(&site.settings, &format!("History: {}", article.title));
    chrome.current = "articles";
    let zone = chrome.zone;
    let view = HistoryView {
        article_id: article.id.0,
        title: article.title.clone(),
        revisions: state
            .store
            .revisions(article.id)
            .await?
            .iter()
            .map(|r| revision_view(r, zone))
            .collect(),
        chrome,
    };
    Ok(Html(state.theme.render("newsroom/history.html", &view)?).into_response())
}

/// The fields of `old` that differ from `new`, line by line.
fn diff(old: &ArticleContent, new: &ArticleContent) -> Vec<FieldDiff> {
    let fields: [(&'static str, String, String); 5] = [
        ("Headline", old.title.clone(), new.title.clone()),
        ("Standfirst", old.standfirst.clone(), new.standfirst.clone()),
        ("Body", old.body.to_markdown(), new.body.to_markdown()),
        ("Tags", old.tags.join(", "), new.tags.join(", ")),
        (
            "Excerpt",
            old.custom_excerpt.clone(),
            new.custom_excerpt.clone(),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, a, b)| FieldDiff {
            field,
            lines: TextDiff::from_lines(&a, &b)
                .iter_all_changes()
                .map(|c| DiffLine {
                    change: match c.tag() {
                        ChangeTag::Equal => "same",
                        ChangeTag::Delete => "removed",
                        ChangeTag::Insert => "added",
                    },
                    text: c.value().trim_end_matches('\n').to_owned(),
                })
                .collect(),
        })
        .collect()
}

/// The revision numbered `revision` of `article` (a revision of another article is
/// no revision of this one).
async fn revision_of(
    state: &AppState,
    person: &masthead_core::people::Person,
    article: &masthead_core::article::Article,
    revision: &str,
) -> Result<masthead_core::revision::Revision, WebError> {
    let found = match revision.parse::<i64>() {
        Ok(n) => state.store.revision(n).await?,
        Err(_) => None,
    };
    match found.filter(|r| r.summary.article_id == article.id) {
        Some(found) => Ok(found),
        None => Err(desk_error(
            state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such revision",
            &format!(
                "“{}” has no revision with that number; its history lists every one.",
                article.title
            ),
        )
        .await),
    }
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments((id, revision), _): Segments<(String, String), NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let found = revision_of(&state, person, &article, &revision).await?;
    let site = state.site.get(&*state.store).await?;
    let mut chrome = desk.chrome(&site.settings, &format!("Revision of {}", article.title));
    chrome.current = "articles";
    let zone = chrome.zone;
    let view = RevisionDiffView {
        article_id: article.id.0,
        revision: revision_view(&found.summary, zone),
        fields: diff(&content_of(&article), &found.content),
        chrome,
    };
    Ok(Html(state.theme.render("newsroom/revision.html", &view)?).into_response())
}

pub async fn restore(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments((id, revision), _): Segments<(String, String), NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let article = editable(&state, person, &id).await?;
    let found = revision_of(&state, person, &article, &revision).await?;
    state
        .newsroom
        .update(actor(person), article.id, found.content, Utc::now())
        .await?;
    Ok(Redirect::to(&format!(
        "/newsroom/articles/{}?notice=restored",
        article.id
    ))
    .into_response())
}
