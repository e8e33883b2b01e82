//! What administrators run: the publication's settings and the staff's roles. Both
//! changes go into the audit log.

use super::articles::actor;
use super::desk::{chrome, desk_error, Desk, NoDeskPage, NoticeParam, Segments};
use crate::forms::sentence;
use crate::mail::Letter;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::auth::{AuditAction, NewAuditEntry, NewStaffToken, TokenPurpose};
use masthead_core::comment::Moderation;
use masthead_core::embed::CustomProvider;
use masthead_core::ids::PersonId;
use masthead_core::page::StaticPage;
use masthead_core::people::{normalize_email, Person, Role};
use masthead_core::site::{NavItem, NewsletterOffer, Policies, Settings};
use masthead_core::staffing::{self, Invitation, StaffChange};
use masthead_core::Error;
use masthead_render::letters::LetterAction;
use masthead_render::newsroom::{
    Choice, FieldErrorView, InvitationView, InviteFields, PolicyField, SettingsFields,
    SettingsView, StaffListView, StaffRowView,
};
use masthead_render::views::TimeView;
use serde::Deserialize;

/// The form's fields for `s`; the policies offer the site's published `pages`.
fn fields_of(s: &Settings, pages: &[StaticPage]) -> SettingsFields {
    let policies = POLICY_FIELDS
        .iter()
        .zip(s.policies.each())
        .map(|(name, (_, label, link))| PolicyField {
            name: (*name).to_owned(),
            label,
            pages: std::iter::once(Choice::new("", "(none)", link.is_empty()))
                .chain(pages.iter().map(|p| {
                    let path = p.path();
                    Choice::new(path.as_str(), p.title.clone(), path == link)
                }))
                .collect(),
        })
        .collect();
    SettingsFields {
        favicon: s.favicon.clone(),
        touch_icon: s.touch_icon.clone(),
        social_image: s.social_image.clone(),
        policies,
        title: s.title.clone(),
        description: s.description.clone(),
        logo: s.logo.clone(),
        locale: s.locale.clone(),
        timezone: s.timezone.clone(),
        navigation: s
            .navigation
            .iter()
            .map(|n| format!("{} | {}", n.label, n.url))
            .collect::<Vec<_>>()
            .join("\n"),
        about: s.about.clone(),
        support_text: s.support_text.clone(),
        support_url: s.support_url.clone(),
        newsletters: s
            .newsletters
            .iter()
            .map(|n| format!("{} | {}", n.name, n.description))
            .collect::<Vec<_>>()
            .join("\n"),
        comments: Moderation::ALL
            .iter()
            .map(|m| Choice::new(m.as_str(), m.label(), *m == s.comments))
            .collect(),
        free_articles: s.free_articles,
        embed_providers: s
            .embed_providers
            .iter()
            .map(|p| format!("{} | {} | {}", p.name, p.prefix, p.endpoint))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

async fn settings_page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    fields: SettingsFields,
    notice: Option<String>,
    errors: Vec<FieldErrorView>,
) -> Result<Response, WebError> {
    let chrome = chrome(state, desk, person, "Settings", "settings").await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = SettingsView {
        chrome,
        fields,
        notice,
        errors,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/settings.html", &view)?),
    )
        .into_response())
}

pub async fn settings(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let current = state.store.settings().await?;
    let pages = state.store.static_pages(true).await?;
    let notice = (q.notice.as_deref() == Some("saved"))
        .then(|| "Settings saved; the site shows them now.".to_owned());
    settings_page(
        &state,
        &desk,
        person,
        fields_of(&current, &pages),
        notice,
        Vec::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    logo: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    navigation: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    support_text: String,
    #[serde(default)]
    support_url: String,
    #[serde(default)]
    newsletters: String,
    /// How members' comments are treated; absent: as before.
    comments: Option<String>,
    /// Members-only stories a visitor may read free a month; absent: as before.
    free_articles: Option<String>,
    /// The publication's own oEmbed providers; absent: as before.
    embed_providers: Option<String>,
    #[serde(default)]
    favicon: String,
    #[serde(default)]
    touch_icon: String,
    #[serde(default)]
    social_image: String,
    /// Every `policy_*` field (see `POLICY_FIELDS`).
    #[serde(flatten)]
    policies: std::collections::HashMap<String, String>,
}

/// Newsletters as the settings form lists them, one per line: "Name | description".
/// A newsletter keeps the address (slug) its name gives, which members' choices name.
fn newsletters_of(lines: &str) -> Vec<NewsletterOffer> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (name, description) = line.split_once('|').unwrap_or((line, ""));
            NewsletterOffer {
                slug: masthead_core::slug::slugify(name).unwrap_or_default(),
                name: name.trim().to_owned(),
                description: description.trim().to_owned(),
            }
        })
        .collect()
}

/// Embed providers as the settings form lists them, one per line:
/// "Name | address prefix | oEmbed endpoint".
fn embed_providers_of(lines: &str) -> Vec<CustomProvider> {
    lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.split('|').map(str::trim);
            let mut next = || parts.next().unwrap_or_default().to_owned();
            CustomProvider {
                name: next(),
                prefix: next(),
                endpoint: next(),
            }
        })
        .collect()
}

/// The form fields of the policies, in the order of `Policies::each`.
const POLICY_FIELDS: [&str; 9] = [
    "policy_publishing_principles",
    "policy_ethics",
    "policy_corrections",
    "policy_actionable_feedback",
    "policy_verification",
    "policy_unnamed_sources",
    "policy_diversity",
    "policy_masthead",
    "policy_ownership_funding",
];

pub async fn save_settings(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let before = state.store.settings().await?;
    let navigation = form
        .navigation
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (label, url) = line.split_once('|').unwrap_or((line, ""));
            NavItem {
                label: label.trim().to_owned(),
                url: url.trim().to_owned(),
            }
        })
        .collect();
    let after = Settings {
        title: form.title.trim().to_owned(),
        description: form.description.trim().to_owned(),
        logo: form.logo.trim().to_owned(),
        locale: form.locale.trim().to_owned(),
        timezone: form.timezone.trim().to_owned(),
        navigation,
        about: form.about.trim().to_owned(),
        support_text: form.support_text.trim().to_owned(),
        support_url: form.support_url.trim().to_owned(),
        favicon: form.favicon.trim().to_owned(),
        touch_icon: form.touch_icon.trim().to_owned(),
        social_image: form.social_image.trim().to_owned(),
        newsletters: newsletters_of(&form.newsletters),
        comments: match form.comments.as_deref() {
            Some(word) => word.parse()?,
            None => before.comments,
        },
        free_articles: match form.free_articles.as_deref().map(str::trim) {
            None => before.free_articles,
            Some("") => 0,
            Some(n) => n.parse().map_err(|_| {
                masthead_core::Error::invalid(
                    "free_articles",
                    "give the number of free stories as a whole number, 0 for none",
                )
            })?,
        },
        // Set on the home page's screen, not here.
        breaking: before.breaking.clone(),
        most_read_hours: before.most_read_hours,
        embed_providers: match form.embed_providers.as_deref() {
            Some(lines) => embed_providers_of(lines),
            None => before.embed_providers.clone(),
        },
        policies: {
            let link = |field: &str| {
                form.policies
                    .get(field)
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            let [a, b, c, d, e, f, g, h, i] = POLICY_FIELDS.map(link);
            Policies {
                publishing_principles: a,
                ethics: b,
                corrections: c,
                actionable_feedback: d,
                verification: e,
                unnamed_sources: f,
                diversity: g,
                masthead: h,
                ownership_funding: i,
            }
        },
    };
    match state.store.save_settings(&after).await {
        Ok(()) => {}
        Err(Error::Invalid(errors)) => {
            let errors = errors.into_iter().map(FieldErrorView::from).collect();
            let pages = state.store.static_pages(true).await?;
            let fields = fields_of(&after, &pages);
            return settings_page(&state, &desk, person, fields, None, errors).await;
        }
        Err(e) => return Err(e.into()),
    }
    // Which settings changed, by name, for the audit log.
    let changed: Vec<&str> = [
        ("name", before.title != after.title),
        ("description", before.description != after.description),
        ("logo", before.logo != after.logo),
        ("language", before.locale != after.locale),
        ("time zone", before.timezone != after.timezone),
        ("navigation", before.navigation != after.navigation),
        ("about", before.about != after.about),
        (
            "support",
            before.support_text != after.support_text || before.support_url != after.support_url,
        ),
        (
            "icons",
            before.favicon != after.favicon || before.touch_icon != after.touch_icon,
        ),
        ("social picture", before.social_image != after.social_image),
        ("policies", before.policies != after.policies),
        ("newsletters", before.newsletters != after.newsletters),
        ("comments", before.comments != after.comments),
        ("free stories", before.free_articles != after.free_articles),
        (
            "embed providers",
            before.embed_providers != after.embed_providers,
        ),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    if !changed.is_empty() {
        state
            .store
            .record_audit(&NewAuditEntry {
                at: Utc::now(),
                actor: Some(person.id),
                action: AuditAction::SettingsChanged,
                target: changed.join(", "),
                ip: desk.ip.clone(),
            })
            .await?;
    }
    Ok(Redirect::to("/newsroom/settings?notice=saved").into_response())
}

pub async fn staff(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let notice = match q.notice.as_deref() {
        Some("role") => Some("Role changed; it applies at once."),
        Some("invited") => Some("Invitation sent."),
        Some("withdrawn") => Some("Invitation withdrawn; its link no longer works."),
        Some("ended") => {
            Some("Access taken away: they are signed out everywhere and cannot sign in.")
        }
        Some("restored") => Some("Access given back: they can sign in again."),
        _ => None,
    };
    let page = StaffPage {
        notice: notice.map(str::to_owned),
        ..StaffPage::default()
    };
    staff_page(&state, &desk, person, StatusCode::OK, page).await
}

/// What the staff page says besides its lists.
#[derive(Default)]
struct StaffPage {
    notice: Option<String>,
    invite: InviteFields,
    invite_error: Option<String>,
    invite_link: Option<String>,
}

async fn staff_page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    status: StatusCode,
    page: StaffPage,
) -> Result<Response, WebError> {
    let chrome = chrome(state, desk, person, "Staff", "staff").await?;
    let staff = state
        .store
        .people()
        .await?
        .into_iter()
        .map(|p| StaffRowView {
            id: p.id.0,
            roles: Role::ALL
                .iter()
                .map(|r| Choice::new(r.as_str(), r.label(), *r == p.role))
                .collect(),
            role_label: p.role.label(),
            is_self: p.id == person.id,
            active: p.is_active(),
            name: p.name,
            email: p.email,
        })
        .collect();
    let invitations = state
        .store
        .invitations(Utc::now())
        .await?
        .into_iter()
        .map(|i| InvitationView {
            role_label: i.invited_role().label(),
            expires: TimeView::new(i.expires_at, chrome.zone),
            id: i.token_hash,
            name: i.name,
            email: i.email,
        })
        .collect();
    let chosen = page.invite.role.parse().unwrap_or(Role::Contributor);
    let view = StaffListView {
        chrome,
        staff,
        notice: page.notice,
        invitations,
        roles: Role::ALL
            .iter()
            .map(|r| Choice::new(r.as_str(), r.label(), *r == chosen))
            .collect(),
        invite: page.invite,
        invite_error: page.invite_error,
        invite_link: page.invite_link,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/staff.html", &view)?),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// Invites someone by email to join with a role; the link works once, for a week.
/// Without a mail server, the answer shows the link for the admin to pass on.
pub async fn invite(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let fields = InviteFields {
        name: form.name.trim().to_owned(),
        email: normalize_email(&form.email),
        role: form.role.clone(),
    };
    // The rules are `staffing::Invitation`'s; whether the address is taken, the store's.
    let checked = match Invitation::new(actor(person), &form.name, &form.email, &form.role) {
        Ok(invitation) => match state.store.person_credentials(&invitation.email).await? {
            Some(_) => Err(format!("{} is on the staff already.", invitation.email)),
            None => Ok(invitation),
        },
        Err(Error::Invalid(errors)) => Err(errors
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join(" ")),
        Err(e) => return Err(e.into()),
    };
    let invitation = match checked {
        Ok(invitation) => invitation,
        Err(error) => {
            let page = StaffPage {
                invite: fields,
                invite_error: Some(error),
                ..StaffPage::default()
            };
            return staff_page(
                &state,
                &desk,
                person,
                StatusCode::UNPROCESSABLE_ENTITY,
                page,
            )
            .await;
        }
    };
    let Invitation { name, email, role } = invitation;
    let now = Utc::now();
    let token = crate::secrets::secret();
    state
        .store
        .create_staff_token(
            &NewStaffToken {
                token_hash: crate::secrets::token_hash(&token),
                purpose: TokenPurpose::Invitation,
                person: None,
                email: email.clone(),
                name: name.clone(),
                role: Some(role),
                created_by: Some(person.id),
                created_at: now,
            },
            Some(&NewAuditEntry {
                at: now,
                actor: Some(person.id),
                action: AuditAction::Invited,
                target: format!("{} as {}", email, role.label().to_lowercase()),
                ip: desk.ip.clone(),
            }),
        )
        .await?;
    let site = state.site.get(&*state.store).await?;
    let link = state.url(&format!("/newsroom/invitation/{token}"));
    let mut view = crate::mail::view(&site.settings.title, &state.base_url);
    view.greeting = format!("Hello {name},");
    view.before = vec![format!(
        "{} invited you to the newsroom of {} as {}. To accept, choose your password within \
         seven days.",
        person.name,
        site.settings.title,
        role.label().to_lowercase()
    )];
    view.action = Some(LetterAction {
        label: "Accept the invitation".to_owned(),
        url: link.clone(),
    });
    let subject = format!("Your invitation to the newsroom of {}", site.settings.title);
    let letter = Letter::compose(&state.theme, &name, &email, subject, &view)?;
    // Sent while the admin waits (only admins invite, so how long it takes tells no
    // one anything): a refused letter is said, with the link to pass on instead.
    let why = if state.mailer.sends() {
        match state.mailer.send(&letter).await {
            Ok(()) => return Ok(Redirect::to("/newsroom/staff?notice=invited").into_response()),
            Err(e) => {
                tracing::warn!(to = %email, error = %e, "invitation letter not sent");
                format!("The invitation for {} is made, but {e}.", email)
            }
        }
    } else {
        state.mailer.send_later(letter);
        format!(
            "The invitation for {} is made; no mail server is set up, so its letter waits in the outbox.",
            email
        )
    };
    let page = StaffPage {
        notice: Some(why),
        invite_link: Some(link),
        ..StaffPage::default()
    };
    staff_page(&state, &desk, person, StatusCode::OK, page).await
}

/// Withdraws an invitation not accepted yet (by its stored hash).
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(hash, _): Segments<String, NoDeskPage>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let now = Utc::now();
    let found = state
        .store
        .invitations(now)
        .await?
        .into_iter()
        .find(|i| i.token_hash == hash);
    let Some(found) = found else {
        return Err(desk_error(
            &state,
            StatusCode::NOT_FOUND,
            Some(person),
            "No such invitation",
            "That invitation was accepted, withdrawn or has expired.",
        )
        .await);
    };
    state
        .store
        .use_staff_token(
            &found.token_hash,
            TokenPurpose::Invitation,
            now,
            Some(&NewAuditEntry {
                at: now,
                actor: Some(person.id),
                action: AuditAction::InvitationWithdrawn,
                target: found.email,
                ip: desk.ip.clone(),
            }),
        )
        .await?;
    Ok(Redirect::to("/newsroom/staff?notice=withdrawn").into_response())
}

/// The staff member `id`, if `admin` may make `change` to them (`staffing`'s rules:
/// never one's own role or access).
async fn another(
    state: &AppState,
    admin: &Person,
    id: i64,
    change: StaffChange,
) -> Result<Person, WebError> {
    match staffing::check_change(actor(admin), PersonId(id), change) {
        Ok(()) => {}
        Err(Error::Conflict(message)) => {
            return Err(desk_error(
                state,
                StatusCode::CONFLICT,
                Some(admin),
                "Not possible",
                &sentence(&message),
            )
            .await)
        }
        Err(e) => return Err(e.into()),
    }
    match state.store.person(PersonId(id)).await? {
        Some(person) => Ok(person),
        None => Err(desk_error(
            state,
            StatusCode::NOT_FOUND,
            Some(admin),
            "No such staff member",
            "There is no staff member with that number.",
        )
        .await),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let Ok(role) = form.role.parse::<Role>() else {
        return Err(desk_error(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(person),
            "Unknown role",
            "Choose a role from the list.",
        )
        .await);
    };
    let before = another(&state, person, id, StaffChange::Role(role)).await?;
    state
        .store
        .set_role(
            before.id,
            role,
            &NewAuditEntry {
                at: Utc::now(),
                actor: Some(person.id),
                action: AuditAction::RoleChanged,
                target: format!(
                    "{}: {} → {}",
                    before.name,
                    before.role.label().to_lowercase(),
                    role.label().to_lowercase()
                ),
                ip: desk.ip.clone(),
            },
        )
        .await?;
    Ok(Redirect::to("/newsroom/staff?notice=role").into_response())
}

#[derive(Deserialize)]
pub struct AccessForm {
    #[serde(default)]
    active: String,
}

/// Takes a staff member's access away (they left) or gives it back. Never one's own.
pub async fn change_access(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<AccessForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let active = match form.active.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return Err(desk_error(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(person),
                "Unknown change",
                "Say whether the person keeps access (yes or no).",
            )
            .await)
        }
    };
    let target = another(&state, person, id, StaffChange::Access { active }).await?;
    let now = Utc::now();
    state
        .store
        .set_access(
            target.id,
            active,
            now,
            &NewAuditEntry {
                at: now,
                actor: Some(person.id),
                action: if active {
                    AuditAction::AccessRestored
                } else {
                    AuditAction::AccessEnded
                },
                target: target.email.clone(),
                ip: desk.ip.clone(),
            },
        )
        .await?;
    let notice = if active { "restored" } else { "ended" };
    Ok(Redirect::to(&format!("/newsroom/staff?notice={notice}")).into_response())
}
