//! Static pages (About, standards, contact...), written by editors in Markdown and
//! rendered by the same renderer as articles (`Newsroom::create_page`/`update_page`). Changes are audited.

use super::desk::{chrome, desk_error, Desk, NoDeskPage, NoticeParam, Segments};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::document::Document;
use masthead_core::ids::PageId;
use masthead_core::page::{PageContent, PageStatus, StaticPage};
use masthead_core::people::Person;
use masthead_core::Error;
use masthead_render::newsroom::{
    Choice, FieldErrorView, PageEditView, PageFields, PageListView, PageRowView,
};
use masthead_render::views::TimeView;
use serde::Deserialize;

pub async fn list(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(&state, &desk, person, "Pages", "pages").await?;
    let pages = state
        .store
        .static_pages(false)
        .await?
        .into_iter()
        .map(|p| PageRowView {
            id: p.id.0,
            path: p.path(),
            status_label: p.status.label(),
            published: p.status == PageStatus::Published,
            in_footer: p.in_footer,
            updated: TimeView::new(p.updated_at, chrome.zone),
            title: p.title,
        })
        .collect();
    let notice = (q.notice.as_deref() == Some("saved")).then(|| "Page saved.".to_owned());
    let view = PageListView {
        chrome,
        pages,
        notice,
    };
    Ok(Html(state.theme.render("newsroom/pages.html", &view)?).into_response())
}

fn fields_of(p: &PageContent) -> PageFields {
    PageFields {
        title: p.title.clone(),
        slug: p.slug.clone(),
        description: p.description.clone(),
        body_markdown: p.body.to_markdown(),
        body_document: masthead_render::newsroom::document_for_script(&p.body),
        position: p.position,
        in_footer: p.in_footer,
    }
}

fn content_of(p: &StaticPage) -> PageContent {
    PageContent {
        slug: p.slug.clone(),
        title: p.title.clone(),
        description: p.description.clone(),
        body: p.document(),
        status: p.status,
        position: p.position,
        in_footer: p.in_footer,
    }
}

/// What the form says besides its fields, and the status it answers with.
struct Said {
    status: StatusCode,
    errors: Vec<FieldErrorView>,
    notice: Option<String>,
}

impl Said {
    fn fine(notice: Option<String>) -> Self {
        Self {
            status: StatusCode::OK,
            errors: Vec::new(),
            notice,
        }
    }

    fn refused(status: StatusCode, errors: Vec<FieldErrorView>) -> Self {
        Self {
            status,
            errors,
            notice: None,
        }
    }
}

/// The page form: for a stored page (`page`), or a new one.
async fn form_page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    page: Option<&StaticPage>,
    content: &PageContent,
    said: Said,
) -> Result<Response, WebError> {
    let Said {
        status,
        errors,
        notice,
    } = said;
    let title = page.map_or("New page", |p| p.title.as_str());
    let view = PageEditView {
        chrome: chrome(state, desk, person, title, "pages").await?,
        id: page.map(|p| p.id.0),
        path: page
            .filter(|p| p.status == PageStatus::Published)
            .map(StaticPage::path),
        fields: fields_of(content),
        statuses: PageStatus::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), s.label(), *s == content.status))
            .collect(),
        errors,
        notice,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/page.html", &view)?),
    )
        .into_response())
}

pub async fn new(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let content = PageContent {
        slug: String::new(),
        title: String::new(),
        description: String::new(),
        body: Document::default(),
        status: PageStatus::Draft,
        position: 0,
        in_footer: true,
    };
    form_page(&state, &desk, person, None, &content, Said::fine(None)).await
}

async fn stored(state: &AppState, person: &Person, id: i64) -> Result<StaticPage, WebError> {
    let found = state
        .store
        .static_pages(false)
        .await?
        .into_iter()
        .find(|p| p.id == PageId(id));
    match found {
        Some(page) => Ok(page),
        None => Err(desk_error(
            state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such page",
            "There is no page with that number.",
        )
        .await),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let page = stored(&state, person, id).await?;
    let notice = (q.notice.as_deref() == Some("saved")).then(|| "Page saved.".to_owned());
    let content = content_of(&page);
    form_page(
        &state,
        &desk,
        person,
        Some(&page),
        &content,
        Said::fine(notice),
    )
    .await
}

#[derive(Deserialize)]
pub struct PageForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    body_markdown: String,
    /// The visual editor's document, when it sent one (see `articles::body_from`).
    #[serde(default)]
    body_document: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    in_footer: Option<String>,
}

impl PageForm {
    /// The content as typed, and what is wrong with the fields the store does not check.
    fn content(self) -> (PageContent, Vec<FieldErrorView>) {
        let mut errors = Vec::new();
        let status = self.status.parse().unwrap_or_else(|_| {
            errors.push(FieldErrorView {
                field: "status".into(),
                message: "choose a status from the list".into(),
            });
            PageStatus::Draft
        });
        let position = match self.position.trim() {
            "" => 0,
            p => p.parse().unwrap_or_else(|_| {
                errors.push(FieldErrorView {
                    field: "position".into(),
                    message: "give the position as a whole number".into(),
                });
                0
            }),
        };
        let markdown = self.body_markdown.replace("\r\n", "\n");
        let (field, body) = if self.body_document.trim().is_empty() {
            (
                "body_markdown",
                Document::from_markdown_checked(&markdown, "body_markdown"),
            )
        } else {
            (
                "body_document",
                Document::from_json(&self.body_document, "body_document"),
            )
        };
        let body = body.unwrap_or_else(|why| {
            errors.push(FieldErrorView {
                field: field.into(),
                message: super::articles::messages(why),
            });
            // Shown again as typed: a card fence that is not a card stays its text.
            Document::from_markdown(&markdown)
        });
        let content = PageContent {
            slug: self.slug.trim().to_owned(),
            title: self.title.trim().to_owned(),
            description: self.description.trim().to_owned(),
            body,
            status,
            position,
            in_footer: self.in_footer.is_some(),
        };
        (content, errors)
    }
}

/// Stores a new page or a change (`id`), then back to its form; errors keep the text.
async fn store_page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    page: Option<&StaticPage>,
    form: PageForm,
) -> Result<Response, WebError> {
    let (content, errors) = form.content();
    if !errors.is_empty() {
        let said = Said::refused(StatusCode::UNPROCESSABLE_ENTITY, errors);
        return form_page(state, desk, person, page, &content, said).await;
    }
    let now = Utc::now();
    // The newsroom's use cases render the Markdown with the articles' renderer.
    let saved = match page {
        Some(p) => state.newsroom.update_page(p.id, content.clone(), now).await,
        None => state.newsroom.create_page(content.clone(), now).await,
    };
    let saved = match saved {
        Ok(saved) => saved,
        Err(Error::Invalid(errors)) => {
            let errors = errors.into_iter().map(FieldErrorView::from).collect();
            let said = Said::refused(StatusCode::UNPROCESSABLE_ENTITY, errors);
            return form_page(state, desk, person, page, &content, said).await;
        }
        Err(Error::Conflict(message)) => {
            let errors = vec![FieldErrorView {
                field: "slug".into(),
                message,
            }];
            let said = Said::refused(StatusCode::CONFLICT, errors);
            return form_page(state, desk, person, page, &content, said).await;
        }
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .record_audit(&NewAuditEntry {
            at: now,
            actor: Some(person.id),
            action: AuditAction::PageSaved,
            target: format!("{} ({})", saved.title, saved.path()),
            ip: desk.ip.clone(),
        })
        .await?;
    Ok(Redirect::to(&format!("/newsroom/pages/{}?notice=saved", saved.id)).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<PageForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    store_page(&state, &desk, person, None, form).await
}

pub async fn save(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<PageForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let page = stored(&state, person, id).await?;
    store_page(&state, &desk, person, Some(&page), form).await
}
