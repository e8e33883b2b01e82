//! The curated home page: editors choose its lead and top slots, each for good or
//! until a time; the rest stays newest first (`core::curation`). The form is a select
//! per slot (which is its keyboard way); `newsroom.js` adds drag and drop.

use super::articles::local_time;
use super::desk::Desk;
use crate::forms::{one, Fields};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::curation::{self, Front, Slot, SLOTS, SLOT_FIELDS};
use masthead_core::ids::ArticleId;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_core::Error;
use masthead_render::newsroom::{Choice, DeskChrome, FieldErrorView, FrontSlotView, FrontView};

/// How many of the newest published stories each slot offers (besides its own).
const OFFERED: u32 = 60;

#[derive(serde::Deserialize)]
pub struct FrontQuery {
    notice: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    axum::extract::Query(q): axum::extract::Query<FrontQuery>,
) -> Result<Response, WebError> {
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("The home page is arranged.".to_owned()),
        Some("breaking") => Some("The breaking-news banner is up.".to_owned()),
        Some("breaking-down") => Some("The breaking-news banner is down.".to_owned()),
        _ => None,
    };
    let said = Said {
        notice,
        ..Said::default()
    };
    page(&state, &desk, None, said).await
}

/// What the page says besides the form, and the banner's fields as typed when they
/// were refused.
struct Said {
    notice: Option<String>,
    errors: Vec<FieldErrorView>,
    status: StatusCode,
    /// Words, address and end (datetime-local) as typed.
    typed_banner: Option<(String, String, String)>,
}

impl Default for Said {
    fn default() -> Self {
        Self {
            notice: None,
            errors: Vec::new(),
            status: StatusCode::OK,
            typed_banner: None,
        }
    }
}

async fn page(
    state: &AppState,
    desk: &Desk,
    typed_slots: Option<&[Slot]>,
    said: Said,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let site = state.site.get(&*state.store).await?;
    let mut chrome = DeskChrome::new(&site.settings, "Home page", Some(person), desk.csrf());
    chrome.current = "front";
    let zone = chrome.zone;
    let newest = state
        .store
        .list_articles(&ArticleQuery::published(
            ArticleFilter::All,
            PageRequest::numbered(1, OFFERED),
        ))
        .await?
        .items;
    let (stored, chosen) = state.store.front_stories(Front::Home).await?;
    // The slots as stored, or as a refused form chose them.
    let slots = typed_slots.unwrap_or(&stored);
    let now = Utc::now();
    let shown = curation::arrange(slots, &chosen, &newest, SLOTS, now);
    let breaking = site.settings.breaking.clone().unwrap_or_default();
    let (breaking_text, breaking_url, breaking_until) = said.typed_banner.unwrap_or_else(|| {
        (
            breaking.text.clone(),
            breaking.url.clone(),
            breaking
                .until
                .map(|t| t.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default(),
        )
    });
    let view = FrontView {
        breaking_shows: breaking.shows_at(now),
        breaking_text,
        breaking_url,
        breaking_until,
        slots: (0..SLOTS)
            .map(|position| {
                let slot = slots.iter().find(|s| s.position == position);
                let picked = slot.map(|s| s.article);
                // Its own story first when it is older than those offered.
                let mut stories: Vec<_> = chosen
                    .iter()
                    .filter(|a| Some(a.id) == picked && !newest.iter().any(|n| n.id == a.id))
                    .chain(newest.iter())
                    .map(|a| {
                        let when = a
                            .published_at
                            .map(|t| t.with_timezone(&zone).format(" · %-d %b %H:%M").to_string())
                            .unwrap_or_default();
                        Choice::new(a.id, format!("{}{when}", a.title), Some(a.id) == picked)
                    })
                    .collect();
                stories.insert(
                    0,
                    Choice::new(
                        "",
                        "The newest story not chosen elsewhere",
                        picked.is_none(),
                    ),
                );
                FrontSlotView {
                    field: SLOT_FIELDS[position],
                    label: if position == 0 {
                        "Lead".into()
                    } else {
                        format!("Slot {}", position + 1)
                    },
                    stories,
                    until: slot
                        .and_then(|s| s.until)
                        .map(|t| t.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string())
                        .unwrap_or_default(),
                    expired: slot.is_some_and(|s| !s.holds_at(now)),
                    showing: shown
                        .get(position)
                        .map(|a| a.title.clone())
                        .unwrap_or_default(),
                }
            })
            .collect(),
        notice: said.notice,
        errors: said.errors,
        chrome,
    };
    Ok((
        said.status,
        Html(state.theme.render("newsroom/front.html", &view)?),
    )
        .into_response())
}

pub async fn save(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let zone = state.site.get(&*state.store).await?.settings.zone();
    let mut slots = Vec::new();
    let mut errors = Vec::new();
    for (position, field) in SLOT_FIELDS.iter().enumerate() {
        let chosen = one(&fields, field).trim();
        if chosen.is_empty() {
            continue;
        }
        let Ok(id) = chosen.parse::<i64>() else {
            errors.push(FieldErrorView {
                field: (*field).into(),
                message: "choose a story from the list".into(),
            });
            continue;
        };
        let until_text = one(&fields, &format!("until-{position}")).trim().to_owned();
        let until = if until_text.is_empty() {
            None
        } else {
            match local_time(&until_text, zone) {
                Some(t) => Some(t),
                None => {
                    errors.push(FieldErrorView {
                        field: (*field).into(),
                        message: "give the time it holds until as a date and time".into(),
                    });
                    continue;
                }
            }
        };
        // Only published stories go on the front.
        match state.store.article(ArticleId(id)).await? {
            Some(a) if a.is_live() => slots.push(Slot {
                position,
                article: a.id,
                until,
            }),
            _ => errors.push(FieldErrorView {
                field: (*field).into(),
                message: "that story is not published".into(),
            }),
        }
    }
    if errors.is_empty() {
        match state
            .store
            .set_front_slots(Front::Home, &slots, Utc::now())
            .await
        {
            Ok(()) => return Ok(Redirect::to("/newsroom/front?notice=saved").into_response()),
            Err(Error::Invalid(found)) => {
                errors.extend(found.into_iter().map(FieldErrorView::from));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let said = Said {
        errors,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        ..Said::default()
    };
    page(&state, &desk, Some(&slots), said).await
}

/// Puts up the breaking-news banner (or, with `down`, takes it down) over every reader
/// page; refused, the form comes back with what is wrong and the words as typed.
pub async fn breaking(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let mut settings = state.site.get(&*state.store).await?.settings.clone();
    if one(&fields, "down") == "1" {
        settings.breaking = None;
        state.store.save_settings(&settings).await?;
        return Ok(Redirect::to("/newsroom/front?notice=breaking-down").into_response());
    }
    let typed = (
        one(&fields, "breaking_text").trim().to_owned(),
        one(&fields, "breaking_url").trim().to_owned(),
        one(&fields, "breaking_until").trim().to_owned(),
    );
    let mut errors = Vec::new();
    let until = match typed.2.as_str() {
        "" => None,
        text => {
            let until = local_time(text, settings.zone());
            if until.is_none() {
                errors.push(FieldErrorView {
                    field: "breaking_until".into(),
                    message: "give the time it ends as a date and time".into(),
                });
            }
            until
        }
    };
    let banner = masthead_core::site::Breaking {
        text: typed.0.clone(),
        url: typed.1.clone(),
        until,
    };
    if errors.is_empty() {
        match banner.validate(Utc::now()) {
            Ok(()) => {
                settings.breaking = Some(banner);
                state.store.save_settings(&settings).await?;
                return Ok(Redirect::to("/newsroom/front?notice=breaking").into_response());
            }
            Err(Error::Invalid(found)) => {
                errors.extend(found.into_iter().map(FieldErrorView::from));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let said = Said {
        errors,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        typed_banner: Some(typed),
        ..Said::default()
    };
    page(&state, &desk, None, said).await
}
