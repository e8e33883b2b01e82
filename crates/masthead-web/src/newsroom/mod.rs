//! The newsroom: staff pages under `/newsroom/`.
//!
//! Every route is declared once in `routes()` with the least role that may use it; the
//! router is built from that list, each route behind `desk::guard`, which checks the
//! session, the role and (for anything but GET/HEAD) the CSRF token before the handler
//! runs. No route can be added without saying who may use it, and the permission test
//! walks the same list (`route_table`).

mod access;
mod account;
mod admin;
mod analytics;
mod articles;
mod bylines;
mod comments;
mod desk;
mod documents;
pub mod embeds;
mod fronts;
mod history;
mod live;
mod login;
mod media;
mod newsletters;
mod notifications;
mod pages;
mod revenue;
mod sponsors;
mod static_pages;
mod structure;
mod tiers;

pub use media::resume_variants;

use crate::AppState;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use masthead_core::people::Role;

pub use crate::staff::Access;

/// A newsroom route and who may use it.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

fn routes() -> Vec<(RouteInfo, MethodRouter<AppState>)> {
    use Access::{Anyone, Staff};
    use Role::{Admin, Author, Contributor, Editor};
    let route = |method: Method, path, access, handler| {
        (
            RouteInfo {
                method,
                path,
                access,
            },
            handler,
        )
    };
    vec![
        route(Method::GET, "/newsroom/login", Anyone, get(login::form)),
        route(Method::POST, "/newsroom/login", Anyone, post(login::submit)),
        route(
            Method::GET,
            "/newsroom/login/code",
            Anyone,
            get(login::code_form),
        ),
        route(
            Method::POST,
            "/newsroom/login/code",
            Anyone,
            post(login::code_submit),
        ),
        route(
            Method::GET,
            "/newsroom/reset",
            Anyone,
            get(access::forgot_form),
        ),
        route(
            Method::POST,
            "/newsroom/reset",
            Anyone,
            post(access::forgot_submit),
        ),
        route(
            Method::GET,
            "/newsroom/reset/{token}",
            Anyone,
            get(access::reset_form),
        ),
        route(
            Method::POST,
            "/newsroom/reset/{token}",
            Anyone,
            post(access::reset_submit),
        ),
        route(
            Method::GET,
            "/newsroom/invitation/{token}",
            Anyone,
            get(access::invitation_form),
        ),
        route(
            Method::POST,
            "/newsroom/invitation/{token}",
            Anyone,
            post(access::invitation_submit),
        ),
        route(
            Method::GET,
            "/newsroom/account",
            Staff(Contributor),
            get(account::show),
        ),
        route(
            Method::POST,
            "/newsroom/account/profile",
            Staff(Contributor),
            post(account::save_profile),
        ),
        route(
            Method::POST,
            "/newsroom/account/password",
            Staff(Contributor),
            post(account::change_password),
        ),
        route(
            Method::POST,
            "/newsroom/account/two-factor/setup",
            Staff(Contributor),
            post(account::setup),
        ),
        route(
            Method::POST,
            "/newsroom/account/two-factor",
            Staff(Contributor),
            post(account::enable),
        ),
        route(
            Method::POST,
            "/newsroom/account/two-factor/off",
            Staff(Contributor),
            post(account::disable),
        ),
        route(
            Method::POST,
            "/newsroom/logout",
            Staff(Contributor),
            post(login::logout),
        ),
        route(
            Method::POST,
            "/newsroom/logout-everywhere",
            Staff(Contributor),
            post(login::logout_everywhere),
        ),
        route(
            Method::GET,
            "/newsroom/",
            Staff(Contributor),
            get(pages::dashboard),
        ),
        route(
            Method::GET,
            "/newsroom/audit",
            Staff(Admin),
            get(pages::audit),
        ),
        route(
            Method::GET,
            "/newsroom/comments",
            Staff(Editor),
            get(comments::queue),
        ),
        route(
            Method::POST,
            "/newsroom/comments/{id}",
            Staff(Editor),
            post(comments::decide),
        ),
        route(
            Method::POST,
            "/newsroom/comments/{id}/reply",
            Staff(Editor),
            post(comments::reply),
        ),
        route(
            Method::POST,
            "/newsroom/members/{id}/commenting",
            Staff(Editor),
            post(comments::commenting),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/comments",
            Staff(Editor),
            post(comments::open_or_close),
        ),
        route(
            Method::GET,
            "/newsroom/pages",
            Staff(Editor),
            get(static_pages::list),
        ),
        route(
            Method::POST,
            "/newsroom/pages",
            Staff(Editor),
            post(static_pages::create),
        ),
        route(
            Method::GET,
            "/newsroom/pages/new",
            Staff(Editor),
            get(static_pages::new),
        ),
        route(
            Method::GET,
            "/newsroom/pages/{id}",
            Staff(Editor),
            get(static_pages::edit),
        ),
        route(
            Method::POST,
            "/newsroom/pages/{id}",
            Staff(Editor),
            post(static_pages::save),
        ),
        route(
            Method::GET,
            "/newsroom/tiers",
            Staff(Admin),
            get(tiers::show),
        ),
        route(
            Method::POST,
            "/newsroom/tiers",
            Staff(Admin),
            post(tiers::create),
        ),
        route(
            Method::POST,
            "/newsroom/tiers/{id}",
            Staff(Admin),
            post(tiers::update),
        ),
        route(
            Method::POST,
            "/newsroom/tiers/{id}/archive",
            Staff(Admin),
            post(tiers::archive),
        ),
        route(
            Method::GET,
            "/newsroom/sponsors",
            Staff(Admin),
            get(sponsors::show),
        ),
        route(
            Method::POST,
            "/newsroom/sponsors",
            Staff(Admin),
            post(sponsors::create),
        ),
        route(
            Method::POST,
            "/newsroom/sponsors/attach",
            Staff(Admin),
            post(sponsors::attach),
        ),
        route(
            Method::POST,
            "/newsroom/sponsors/{id}",
            Staff(Admin),
            post(sponsors::update),
        ),
        route(
            Method::POST,
            "/newsroom/sponsors/{id}/delete",
            Staff(Admin),
            post(sponsors::delete),
        ),
        route(
            Method::GET,
            "/newsroom/newsletters",
            Staff(Editor),
            get(newsletters::show),
        ),
        route(
            Method::POST,
            "/newsroom/newsletters/send",
            Staff(Editor),
            post(newsletters::send),
        ),
        route(
            Method::GET,
            "/newsroom/newsletters/{slug}",
            Staff(Editor),
            get(newsletters::history),
        ),
        route(
            Method::GET,
            "/newsroom/revenue",
            Staff(Admin),
            get(revenue::show),
        ),
        route(
            Method::GET,
            "/newsroom/revenue/members.csv",
            Staff(Admin),
            get(revenue::members_csv),
        ),
        route(
            Method::POST,
            "/newsroom/offers",
            Staff(Admin),
            post(tiers::create_offer),
        ),
        route(
            Method::POST,
            "/newsroom/offers/{id}/archive",
            Staff(Admin),
            post(tiers::archive_offer),
        ),
        route(
            Method::GET,
            "/newsroom/structure",
            Staff(Editor),
            get(structure::show),
        ),
        route(
            Method::POST,
            "/newsroom/sections",
            Staff(Editor),
            post(structure::create_section),
        ),
        route(
            Method::POST,
            "/newsroom/sections/{id}",
            Staff(Editor),
            post(structure::update_section),
        ),
        // Suggestions for the editor's tag field: any writer.
        route(
            Method::GET,
            "/newsroom/tags/suggest",
            Staff(Contributor),
            get(structure::suggest_tags),
        ),
        route(
            Method::POST,
            "/newsroom/tags",
            Staff(Editor),
            post(structure::create_tag),
        ),
        route(
            Method::POST,
            "/newsroom/tags/{id}",
            Staff(Editor),
            post(structure::update_tag),
        ),
        route(
            Method::POST,
            "/newsroom/tags/{id}/merge",
            Staff(Editor),
            post(structure::merge_tags),
        ),
        route(
            Method::GET,
            "/newsroom/settings",
            Staff(Admin),
            get(admin::settings),
        ),
        route(
            Method::POST,
            "/newsroom/settings",
            Staff(Admin),
            post(admin::save_settings),
        ),
        route(
            Method::GET,
            "/newsroom/staff",
            Staff(Admin),
            get(admin::staff),
        ),
        route(
            Method::POST,
            "/newsroom/staff/invitations",
            Staff(Admin),
            post(admin::invite),
        ),
        route(
            Method::POST,
            "/newsroom/staff/invitations/{invitation}/withdraw",
            Staff(Admin),
            post(admin::withdraw),
        ),
        route(
            Method::POST,
            "/newsroom/staff/{id}/access",
            Staff(Admin),
            post(admin::change_access),
        ),
        route(
            Method::POST,
            "/newsroom/staff/{id}/role",
            Staff(Admin),
            post(admin::change_role),
        ),
        // Articles: every role may reach these; whose articles and which actions is
        // decided per article by the workflow rules (`core::workflow`).
        route(
            Method::GET,
            "/newsroom/articles",
            Staff(Contributor),
            get(articles::list),
        ),
        route(
            Method::POST,
            "/newsroom/articles",
            Staff(Contributor),
            post(articles::create),
        ),
        route(
            Method::GET,
            "/newsroom/articles/new",
            Staff(Contributor),
            get(articles::new),
        ),
        route(
            Method::GET,
            "/newsroom/articles/{id}",
            Staff(Contributor),
            get(articles::edit),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}",
            Staff(Contributor),
            post(articles::save),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/status",
            Staff(Contributor),
            post(articles::change_status),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/autosave",
            Staff(Contributor),
            post(articles::autosave),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/entries",
            Staff(Author),
            post(live::post),
        ),
        route(
            Method::GET,
            "/newsroom/articles/{id}/entries/{entry}",
            Staff(Author),
            get(live::edit),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/entries/{entry}",
            Staff(Author),
            post(live::save),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/entries/{entry}/pin",
            Staff(Author),
            post(live::pin),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/entries/{entry}/delete",
            Staff(Author),
            post(live::delete),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/coverage",
            Staff(Author),
            post(live::coverage),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/discard",
            Staff(Contributor),
            post(articles::discard),
        ),
        route(
            Method::GET,
            "/newsroom/articles/{id}/history",
            Staff(Contributor),
            get(history::list),
        ),
        route(
            Method::GET,
            "/newsroom/articles/{id}/history/{revision}",
            Staff(Contributor),
            get(history::show),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/history/{revision}/restore",
            Staff(Contributor),
            post(history::restore),
        ),
        route(
            Method::GET,
            "/newsroom/analytics",
            Staff(Editor),
            get(analytics::show),
        ),
        route(
            Method::GET,
            "/newsroom/analytics.csv",
            Staff(Editor),
            get(analytics::csv),
        ),
        route(
            Method::GET,
            "/newsroom/analytics/articles/{id}",
            Staff(Editor),
            get(analytics::article),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/slug",
            Staff(Contributor),
            post(articles::change_slug),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/corrections",
            Staff(Editor),
            post(articles::add_correction),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/preview-link",
            Staff(Contributor),
            post(articles::make_preview_link),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/preview-link/end",
            Staff(Contributor),
            post(articles::end_preview_links),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/featured",
            Staff(Contributor),
            post(media::use_as_featured),
        ),
        route(
            Method::GET,
            "/newsroom/media",
            Staff(Contributor),
            get(media::library),
        ),
        route(
            Method::POST,
            "/newsroom/media",
            Staff(Contributor),
            post(media::upload).layer(axum::extract::DefaultBodyLimit::max(
                masthead_media::MAX_BYTES + 1024 * 1024,
            )),
        ),
        route(
            Method::GET,
            "/newsroom/media/{id}/progress",
            Staff(Contributor),
            get(media::progress),
        ),
        route(
            Method::POST,
            "/newsroom/media/{id}",
            Staff(Contributor),
            post(media::update),
        ),
        route(
            Method::POST,
            "/newsroom/preview",
            Staff(Contributor),
            post(articles::preview),
        ),
        route(
            Method::GET,
            "/newsroom/bylines",
            Staff(Editor),
            get(bylines::list),
        ),
        route(
            Method::POST,
            "/newsroom/bylines",
            Staff(Editor),
            post(bylines::create),
        ),
        route(
            Method::GET,
            "/newsroom/bylines/{id}",
            Staff(Editor),
            get(bylines::edit),
        ),
        route(
            Method::POST,
            "/newsroom/bylines/{id}",
            Staff(Editor),
            post(bylines::save),
        ),
        route(
            Method::GET,
            "/newsroom/notifications",
            Staff(Contributor),
            get(notifications::show),
        ),
        route(
            Method::POST,
            "/newsroom/notifications/choices",
            Staff(Contributor),
            post(notifications::choose),
        ),
        route(
            Method::POST,
            "/newsroom/articles/{id}/notes",
            Staff(Contributor),
            post(notifications::note),
        ),
        route(
            Method::GET,
            "/newsroom/front",
            Staff(Editor),
            get(fronts::show),
        ),
        route(
            Method::POST,
            "/newsroom/front",
            Staff(Editor),
            post(fronts::save),
        ),
        route(
            Method::POST,
            "/newsroom/front/breaking",
            Staff(Editor),
            post(fronts::breaking),
        ),
        route(
            Method::POST,
            "/newsroom/document/markdown",
            Staff(Contributor),
            post(documents::as_markdown),
        ),
        route(
            Method::POST,
            "/newsroom/document/visual",
            Staff(Contributor),
            post(documents::as_document),
        ),
    ]
}

/// Every newsroom route with who may use it (for the permission test and docs).
pub fn route_table() -> Vec<RouteInfo> {
    routes().into_iter().map(|(info, _)| info).collect()
}

pub fn router(state: &AppState) -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (info, handler)| {
            let guarded = handler.layer(axum::middleware::from_fn_with_state(
                (state.clone(), info.access),
                desk::guard,
            ));
            router.route(info.path, guarded)
        })
}
