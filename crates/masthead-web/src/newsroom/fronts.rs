//! Curated fronts: editors choose the lead and top slots of the home page and of each
//! section front (`?section=SLUG`), each for good or until a time; the rest stays
//! newest first (`core::curation`). The form is a select per slot (which is its
//! keyboard way); `newsroom.js` adds drag and drop. The home page's screen also puts
//! up the breaking-news banner.

use super::articles::local_time;
use super::desk::Desk;
use crate::forms::{one, Fields};
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::analytics::MOST_READ_HOURS;
use masthead_core::curation::{self, Front, Slot, SLOTS, SLOT_FIELDS};
use masthead_core::ids::ArticleId;
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest};
use masthead_core::Error;
use masthead_render::newsroom::{Choice, FieldErrorView, FrontChoice, FrontSlotView, FrontView};

/// How many of the newest published stories each slot offers (besides its own).
const OFFERED: u32 = 60;

#[derive(serde::Deserialize)]
pub struct FrontQuery {
    notice: Option<String>,
    section: Option<String>,
}

/// The front a screen arranges: the home page, or a section's (by its slug), with the
/// name the screen calls it, where readers see it and what its stories come from.
struct Curated {
    front: Front,
    name: String,
    /// The section's slug, "" for the home page.
    slug: String,
    href: String,
    filter: ArticleFilter,
}

impl Curated {
    /// The front `section` names ("" or none: the home page); `NotFound` for a slug
    /// that is no section.
    fn find(site: &crate::site::SiteParts, section: Option<&str>) -> Result<Self, WebError> {
        match section.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Self {
                front: Front::Home,
                name: "Home page".into(),
                slug: String::new(),
                href: "/".into(),
                filter: ArticleFilter::All,
            }),
            Some(slug) => {
                let section = site
                    .sections
                    .iter()
                    .find(|s| s.slug == slug)
                    .ok_or_else(WebError::not_found)?;
                Ok(Self {
                    front: Front::Section(section.id),
                    name: section.name.clone(),
                    slug: section.slug.clone(),
                    href: format!("/{}/", section.slug),
                    filter: ArticleFilter::Section(section.id),
                })
            }
        }
    }

    /// This screen's address, with a notice to show.
    fn address(&self, notice: &str) -> String {
        if self.slug.is_empty() {
            format!("/newsroom/front?notice={notice}")
        } else {
            format!("/newsroom/front?section={}&notice={notice}", self.slug)
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    axum::extract::Query(q): axum::extract::Query<FrontQuery>,
) -> Result<Response, WebError> {
    let site = state.site.get(&*state.store).await?;
    let curated = Curated::find(&site, q.section.as_deref())?;
    let notice = match q.notice.as_deref() {
        Some("saved") => Some(format!("The {} front is arranged.", curated.name)),
        Some("breaking") => Some("The breaking-news banner is up.".to_owned()),
        Some("breaking-down") => Some("The breaking-news banner is down.".to_owned()),
        _ => None,
    };
    let said = Said {
        notice,
        ..Said::default()
    };
    page(&state, &desk, &curated, None, said).await
}

/// What the page says besides the form, and the banner's fields as typed when they
/// were refused.
struct Said {
    notice: Option<String>,
    errors: Vec<FieldErrorView>,
    status: StatusCode,
    /// Words, address and end (datetime-local) as typed.
    typed_banner: Option<(String, String, String)>,
    /// The "Most read" window as chosen in a refused form.
    most_read_hours: Option<u32>,
}

impl Default for Said {
    fn default() -> Self {
        Self {
            notice: None,
            errors: Vec::new(),
            status: StatusCode::OK,
            typed_banner: None,
            most_read_hours: None,
        }
    }
}

async fn page(
    state: &AppState,
    desk: &Desk,
    curated: &Curated,
    typed_slots: Option<&[Slot]>,
    said: Said,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let site = state.site.get(&*state.store).await?;
    let title = if curated.slug.is_empty() {
        "Home page".to_owned()
    } else {
        format!("{} front", curated.name)
    };
    let mut chrome = desk.chrome(&site.settings, &title);
    chrome.current = "front";
    let zone = chrome.zone;
    let newest = state
        .store
        .list_articles(&ArticleQuery::published(
            curated.filter,
            PageRequest::numbered(1, OFFERED),
        ))
        .await?
        .items;
    let (stored, chosen) = state.store.front_stories(curated.front).await?;
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
    let fronts = std::iter::once(FrontChoice {
        name: "Home page".into(),
        href: "/newsroom/front".into(),
        current: curated.slug.is_empty(),
    })
    .chain(site.sections.iter().map(|s| FrontChoice {
        name: s.name.clone(),
        href: format!("/newsroom/front?section={}", s.slug),
        current: s.slug == curated.slug,
    }))
    .collect();
    let most_read = masthead_core::analytics::MOST_READ_HOURS
        .iter()
        .map(|(hours, name)| {
            Choice::new(
                hours,
                *name,
                *hours
                    == said
                        .most_read_hours
                        .unwrap_or(site.settings.most_read_hours),
            )
        })
        .collect();
    let view = FrontView {
        title,
        most_read,
        section: curated.slug.clone(),
        reader_href: curated.href.clone(),
        fronts,
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
    let site = state.site.get(&*state.store).await?;
    let curated = Curated::find(&site, Some(one(&fields, "section")))?;
    let zone = site.settings.zone();
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
    // The home page's form also says how far back "Most read" looks.
    let most_read_hours = match one(&fields, "most_read_hours").trim() {
        "" => None,
        hours => match hours.parse::<u32>() {
            Ok(h) if MOST_READ_HOURS.iter().any(|(known, _)| *known == h) => Some(h),
            _ => {
                errors.push(FieldErrorView {
                    field: "most_read_hours".into(),
                    message: "choose how far back \"Most read\" looks from the list".into(),
                });
                None
            }
        },
    };
    if errors.is_empty() {
        match state
            .store
            .set_front_slots(curated.front, &slots, Utc::now())
            .await
        {
            Ok(()) => {
                if let Some(hours) = most_read_hours.filter(|h| *h != site.settings.most_read_hours)
                {
                    let mut settings = site.settings.clone();
                    settings.most_read_hours = hours;
                    state.store.save_settings(&settings).await?;
                }
                return Ok(Redirect::to(&curated.address("saved")).into_response());
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
        most_read_hours,
        ..Said::default()
    };
    page(&state, &desk, &curated, Some(&slots), said).await
}

/// Puts up the breaking-news banner (or, with `down`, takes it down) over every reader
/// page; refused, the form comes back with what is wrong and the words as typed.
pub async fn breaking(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(fields): Form<Fields>,
) -> Result<Response, WebError> {
    desk.signed_in()?;
    let site = state.site.get(&*state.store).await?;
    let home = Curated::find(&site, None)?;
    let mut settings = site.settings.clone();
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
    page(&state, &desk, &home, None, said).await
}
