//! Bylines for real newsrooms: profiles without a login for guest writers, news
//! agencies and desk bylines ("Staff"), kept by editors at `/newsroom/bylines`, and the
//! profile form (name, job title, biography, subjects, links, photo) that they share
//! with staff's own account page.

use super::desk::{chrome, Desk, NoDeskPage, NoticeParam, Segments};
use crate::forms::{one, Fields};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use masthead_core::auth::AuditAction;
use masthead_core::ids::{MediaId, PersonId};
use masthead_core::people::{Kind, Person, Profile, SocialLink, PROFILE_KINDS};
use masthead_core::store::PageRequest;
use masthead_core::Error;
use masthead_render::newsroom::{BylineListView, BylineView, Choice, ProfileFields};

/// Pictures the photo field offers: the newest of the library.
const PHOTOS_OFFERED: u32 = 60;

/// The profile a form describes: `name`, `job_title`, `bio`, `expertise`
/// (comma-separated), `social_links` (one per line, "Name | URL") and `photo` (a
/// picture of the library, or none). Its own rules are checked when it is stored.
pub(super) async fn profile_from(state: &AppState, fields: &Fields) -> Result<Profile, Error> {
    let not_a_photo = || Error::invalid("photo", "choose the photo from the list");
    let photo = match one(fields, "photo").trim() {
        "" => None,
        id => {
            let id = MediaId(id.parse().map_err(|_| not_a_photo())?);
            let found = state.store.media(id).await?;
            if !found.is_some_and(|m| m.mime_type.starts_with("image/")) {
                return Err(not_a_photo());
            }
            Some(id)
        }
    };
    Ok(Profile {
        name: one(fields, "name").trim().to_owned(),
        job_title: one(fields, "job_title").trim().to_owned(),
        bio: one(fields, "bio").trim().replace("\r\n", "\n"),
        expertise: one(fields, "expertise")
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        social_links: one(fields, "social_links")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let (network, url) = line.split_once('|').unwrap_or(("", line));
                SocialLink {
                    network: network.trim().to_owned(),
                    url: url.trim().to_owned(),
                }
            })
            .collect(),
        avatar: photo,
    })
}

/// The form's fields: `person`'s as stored, or as typed (`typed`) when refused.
pub(super) async fn profile_fields(
    state: &AppState,
    person: Option<&Person>,
    typed: Option<&Fields>,
) -> Result<ProfileFields, WebError> {
    let stored = |f: fn(&Person) -> String| person.map(f).unwrap_or_default();
    let field = |name: &str, f: fn(&Person) -> String| match typed {
        Some(fields) => one(fields, name).to_owned(),
        None => stored(f),
    };
    let photo = field("photo", |p| {
        p.avatar.map(|m| m.0.to_string()).unwrap_or_default()
    });
    let library = state
        .store
        .media_library("", PageRequest::numbered(1, PHOTOS_OFFERED))
        .await?
        .items;
    let mut photos: Vec<Choice> = library
        .iter()
        .filter(|m| m.mime_type.starts_with("image/"))
        .map(|m| {
            let label = if m.alt.is_empty() {
                format!("Picture {}", m.id)
            } else {
                m.alt.clone()
            };
            Choice::new(m.id, label, m.id.0.to_string() == photo)
        })
        .collect();
    // The photo they have, when it is older than those offered.
    if !photo.is_empty() && !photos.iter().any(|c| c.selected) {
        let label = match photo.parse().ok().map(MediaId) {
            Some(id) => state
                .store
                .media(id)
                .await?
                .map(|m| m.alt)
                .unwrap_or_default(),
            None => String::new(),
        };
        photos.insert(
            0,
            Choice::new(&photo, format!("Current photo {label}"), true),
        );
    }
    photos.insert(0, Choice::new("", "No photo", photo.is_empty()));
    Ok(ProfileFields {
        name: field("name", |p| p.name.clone()),
        job_title: field("job_title", |p| p.job_title.clone()),
        bio: field("bio", |p| p.bio.clone()),
        expertise: field("expertise", |p| p.expertise.join(", ")),
        social_links: field("social_links", |p| {
            p.social_links
                .iter()
                .map(|l| format!("{} | {}", l.network, l.url))
                .collect::<Vec<_>>()
                .join("\n")
        }),
        path: stored(Person::path),
        photos,
    })
}

/// What the list page says besides the list.
struct Said<'a> {
    status: StatusCode,
    notice: Option<String>,
    errors: Vec<String>,
    typed: Option<&'a Fields>,
}

/// Every byline profile, and the form that adds one.
pub async fn list(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let notice = match q.notice.as_deref() {
        Some("added") => Some("The byline is added; it is in every article's byline list.".into()),
        Some("saved") => Some("The byline is saved.".into()),
        _ => None,
    };
    list_page(
        &state,
        &desk,
        Said {
            status: StatusCode::OK,
            notice,
            errors: Vec::new(),
            typed: None,
        },
    )
    .await
}

async fn list_page(state: &AppState, desk: &Desk, said: Said<'_>) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(state, desk, person, "Bylines", "bylines").await?;
    let people = state.store.people().await?;
    let kind = said.typed.map(|f| one(f, "kind").to_owned());
    let view = BylineListView {
        chrome,
        bylines: people
            .iter()
            .filter(|p| !p.signs_in())
            .map(byline_view)
            .collect(),
        kinds: PROFILE_KINDS
            .iter()
            .map(|k| Choice::new(k.as_str(), k.label(), kind.as_deref() == Some(k.as_str())))
            .collect(),
        form: profile_fields(state, None, said.typed).await?,
        notice: said.notice,
        errors: said.errors,
    };
    Ok((
        said.status,
        Html(state.theme.render("newsroom/bylines.html", &view)?),
    )
        .into_response())
}

fn byline_view(p: &Person) -> BylineView {
    BylineView {
        id: p.id.0,
        name: p.name.clone(),
        kind: p.kind.label(),
        job_title: p.job_title.clone(),
        path: p.path(),
        photo: p.avatar.is_some(),
    }
}

/// Adds a byline profile.
pub async fn create(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let outcome = async {
        let kind = one(&fields, "kind")
            .parse::<Kind>()
            .ok()
            .filter(|k| PROFILE_KINDS.contains(k))
            .ok_or_else(|| {
                Error::invalid(
                    "kind",
                    "choose a guest writer, a news agency or a desk byline",
                )
            })?;
        let profile = profile_from(&state, &fields).await?;
        let entry = desk.audit(
            AuditAction::ProfileChanged,
            format!("byline {} added", profile.name.trim()),
        );
        state.store.create_profile(kind, &profile, &entry).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/newsroom/bylines?notice=added").into_response()),
        Err(Error::Invalid(errors)) => {
            list_page(
                &state,
                &desk,
                Said {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    notice: None,
                    errors: errors.into_iter().map(|e| e.message).collect(),
                    typed: Some(&fields),
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The byline profile `id`, or 404 (staff accounts are edited by their owners).
async fn profile_of(state: &AppState, id: &str) -> Result<Person, WebError> {
    let id = id
        .parse()
        .map(PersonId)
        .map_err(|_| WebError::not_found())?;
    match state.store.person(id).await? {
        Some(p) if !p.signs_in() => Ok(p),
        _ => Err(WebError::not_found()),
    }
}

pub async fn edit(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    let byline = profile_of(&state, &id).await?;
    edit_page(&state, &desk, &byline, StatusCode::OK, Vec::new(), None).await
}

async fn edit_page(
    state: &AppState,
    desk: &Desk,
    byline: &Person,
    status: StatusCode,
    errors: Vec<String>,
    typed: Option<&Fields>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let chrome = chrome(state, desk, person, &byline.name, "bylines").await?;
    let view = masthead_render::newsroom::BylineEditView {
        chrome,
        byline: byline_view(byline),
        form: profile_fields(state, Some(byline), typed).await?,
        errors,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/byline.html", &view)?),
    )
        .into_response())
}

pub async fn save(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<String, NoDeskPage>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    let byline = profile_of(&state, &id).await?;
    let outcome = async {
        let profile = profile_from(&state, &fields).await?;
        let entry = desk.audit(
            AuditAction::ProfileChanged,
            format!("byline {}", byline.name),
        );
        state
            .store
            .update_profile(byline.id, &profile, &entry)
            .await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/newsroom/bylines?notice=saved").into_response()),
        Err(Error::Invalid(errors)) => {
            let errors = errors.into_iter().map(|e| e.message).collect();
            edit_page(
                &state,
                &desk,
                &byline,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                Some(&fields),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
