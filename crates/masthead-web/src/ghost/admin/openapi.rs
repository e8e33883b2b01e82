//! The Admin API's OpenAPI 3 document, served at `/ghost/api/admin/openapi.json`: the
//! operations come from the handlers' `#[utoipa::path]` annotations, the shapes from
//! the types here. The types describe the JSON the handlers write (Ghost's shapes
//! with Masthead's fields); they are never built, only read by the document (hence
//! `dead_code`). A test holds the document to the router's route table, so neither
//! can change without the other, and schemathesis holds the server to the document.

#![allow(dead_code)]

use super::{members, newsroom, pages, posts, resources, uploads};
use serde::Deserialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Masthead Admin API",
        description = "Ghost's Admin API (its JWT from an Admin API key, or the newsroom's \
                       session), with Masthead's own fields: article types, sections, sources, \
                       corrections, editors.",
        version = "6.0"
    ),
    paths(
        resources::site,
        posts::browse,
        posts::add,
        posts::read,
        posts::edit,
        posts::remove,
        posts::read_by_slug,
        uploads::image,
        resources::tags,
        resources::add_tag,
        resources::tag,
        resources::edit_tag,
        resources::remove_tag,
        resources::users,
        resources::user,
        resources::user_by_slug,
        resources::add_webhook,
        resources::edit_webhook,
        resources::remove_webhook,
        pages::browse,
        pages::add,
        pages::read,
        pages::edit,
        pages::remove,
        members::browse,
        members::add,
        members::read,
        members::edit,
        members::remove,
        newsroom::sections,
        newsroom::article_types,
        newsroom::corrections,
        newsroom::add_correction,
    ),
    modifiers(&Security),
    security(("ghost_token" = []), ("staff_session" = []))
)]
pub struct AdminApi;

/// The two ways in: Ghost's token, or the newsroom's session cookie (with the
/// `X-CSRF-Token` header for changes).
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ghost_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Ghost <JWT>`: HS256 over the Admin API key's hex-decoded secret, `kid` its \
                 id, audience `/admin/`, at most five minutes old.",
            ))),
        );
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::reader::STAFF_SESSION_COOKIE,
                "The newsroom's session; changes also send its CSRF token as X-CSRF-Token.",
            ))),
        );
    }
}

/// The document, as served.
pub fn document() -> String {
    AdminApi::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
}

/// Ghost's error envelope.
#[derive(ToSchema, Deserialize)]
pub struct Errors {
    pub errors: Vec<ErrorItem>,
}

#[derive(ToSchema, Deserialize)]
pub struct ErrorItem {
    pub message: String,
    pub context: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub details: Option<String>,
    pub property: Option<String>,
    pub help: Option<String>,
    pub code: Option<String>,
    pub id: String,
    #[serde(rename = "ghostErrorCode")]
    pub ghost_error_code: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct Pagination {
    pub page: u64,
    pub limit: u32,
    pub pages: u64,
    pub total: u64,
    pub next: Option<u64>,
    pub prev: Option<u64>,
}

#[derive(ToSchema, Deserialize)]
pub struct Meta {
    pub pagination: Pagination,
}

/// A tag as posts and the tag list show it (`fields` may leave any out).
#[derive(ToSchema, Deserialize)]
pub struct Tag {
    pub id: Option<String>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub visibility: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub url: Option<String>,
    pub count: Option<PostCount>,
}

#[derive(ToSchema, Deserialize)]
pub struct PostCount {
    pub posts: u64,
}

/// A person in a byline or the staff list (`fields` may leave any out).
#[derive(ToSchema, Deserialize)]
pub struct Person {
    pub id: Option<String>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub email: Option<String>,
    pub profile_image: Option<String>,
    pub bio: Option<String>,
    pub website: Option<String>,
    pub url: Option<String>,
    pub status: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub job_title: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct Role {
    pub name: String,
    pub slug: String,
}

#[derive(ToSchema, Deserialize)]
pub struct Section {
    pub id: Option<String>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub url: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct CitedSource {
    pub name: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct Correction {
    pub kind: Option<String>,
    pub text: Option<String>,
    pub created_at: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct TierRef {
    pub id: String,
}

/// A post as the Admin API shows it: Ghost's fields, then Masthead's (`fields` may
/// leave any out).
#[derive(ToSchema, Deserialize)]
pub struct Post {
    pub id: Option<String>,
    pub uuid: Option<String>,
    pub title: Option<String>,
    pub slug: Option<String>,
    /// With `formats=html`.
    pub html: Option<String>,
    /// With `formats=plaintext`.
    pub plaintext: Option<String>,
    /// Lexical, as a text (the default format).
    pub lexical: Option<String>,
    pub mobiledoc: Option<String>,
    pub comment_id: Option<String>,
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub featured: Option<bool>,
    /// `public`, `members`, `paid` or `tiers`.
    pub visibility: Option<String>,
    /// Ghost's: `draft`, `scheduled` or `published`.
    pub status: Option<String>,
    /// The newsroom's: `draft`, `in_review`, `scheduled`, `published`, `unpublished`.
    pub workflow_status: Option<String>,
    pub created_at: Option<String>,
    /// Send it back with an edit: an edit made on an older version is refused (409).
    pub updated_at: Option<String>,
    /// When it was, or is to be, published.
    pub published_at: Option<String>,
    pub custom_excerpt: Option<String>,
    pub canonical_url: Option<String>,
    pub url: Option<String>,
    pub excerpt: Option<String>,
    pub reading_time: Option<u32>,
    pub access: Option<bool>,
    pub comments: Option<bool>,
    pub og_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub email_only: Option<bool>,
    pub standfirst: Option<String>,
    /// `news`, `analysis`, `opinion`, `sponsored`, ...
    pub article_type: Option<String>,
    pub section: Option<Section>,
    pub editors: Option<Vec<Person>>,
    pub sources: Option<Vec<CitedSource>>,
    pub corrections: Option<Vec<Correction>>,
    pub tags: Option<Vec<Tag>>,
    pub primary_tag: Option<Tag>,
    pub authors: Option<Vec<Person>>,
    pub primary_author: Option<Person>,
    pub tiers: Option<Vec<TierRef>>,
}

#[derive(ToSchema, Deserialize)]
pub struct PostList {
    pub posts: Vec<Post>,
    pub meta: Meta,
}

#[derive(ToSchema, Deserialize)]
pub struct OnePost {
    pub posts: Vec<Post>,
}

/// What a post is written with: any of these (an edit changes only what it sends;
/// `tags`, `authors` and `editors` sent replace the lists). An item of `tags`,
/// `authors`, `editors` or `tiers` is a text (a tag's name, a person's email) or an
/// object naming an `id`, `slug`, `email` or `name`.
#[derive(ToSchema, Deserialize)]
pub struct PostInput {
    pub title: Option<String>,
    pub slug: Option<String>,
    /// Taken with `?source=html`.
    pub html: Option<String>,
    pub lexical: Option<String>,
    /// `draft`, `published`, `scheduled` (with `published_at`), or the newsroom's
    /// `in_review`.
    pub status: Option<String>,
    pub published_at: Option<String>,
    /// Required for an edit: the `updated_at` of the version edited.
    pub updated_at: Option<String>,
    pub custom_excerpt: Option<String>,
    pub standfirst: Option<String>,
    /// A picture of this site's library (`/media/...`), as `images/upload` answers.
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub visibility: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub canonical_url: Option<String>,
    pub og_image: Option<String>,
    pub article_type: Option<String>,
    /// A section's slug.
    pub section: Option<String>,
    pub tags: Option<Vec<serde_json::Value>>,
    pub authors: Option<Vec<serde_json::Value>>,
    pub editors: Option<Vec<serde_json::Value>>,
    pub tiers: Option<Vec<serde_json::Value>>,
    pub sources: Option<Vec<CitedSource>>,
}

#[derive(ToSchema, Deserialize)]
#[schema(example = json!({"posts": [{"title": "Harbour reopens", "html": "<p>Ships are back.</p>", "status": "draft", "tags": [{"name": "Ports"}]}]}))]
pub struct PostsInput {
    pub posts: Vec<PostInput>,
}

#[derive(ToSchema, Deserialize)]
pub struct TagList {
    pub tags: Vec<Tag>,
    pub meta: Meta,
}

#[derive(ToSchema, Deserialize)]
pub struct OneTag {
    pub tags: Vec<Tag>,
}

#[derive(ToSchema, Deserialize)]
pub struct TagInput {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
}

#[derive(ToSchema, Deserialize)]
#[schema(example = json!({"tags": [{"name": "Climate desk", "description": "Our climate coverage"}]}))]
pub struct TagsInput {
    pub tags: Vec<TagInput>,
}

#[derive(ToSchema, Deserialize)]
pub struct UserList {
    pub users: Vec<Person>,
    pub meta: Meta,
}

#[derive(ToSchema, Deserialize)]
pub struct OneUser {
    pub users: Vec<Person>,
}

#[derive(ToSchema, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub event: String,
    pub target_url: String,
    pub integration_id: String,
}

#[derive(ToSchema, Deserialize)]
pub struct OneWebhook {
    pub webhooks: Vec<Webhook>,
}

#[derive(ToSchema, Deserialize)]
pub struct WebhookInput {
    /// `post.published`, `post.edited`, `post.unpublished`, `post.deleted`,
    /// `member.added` or `comment.added`.
    pub event: Option<String>,
    pub target_url: Option<String>,
    /// Signs each delivery; made up when not given.
    pub secret: Option<String>,
    /// For an administrator's session: the integration it belongs to.
    pub integration_id: Option<String>,
}

#[derive(ToSchema, Deserialize)]
#[schema(example = json!({"webhooks": [{"event": "post.published", "target_url": "https://hooks.example/masthead"}]}))]
pub struct WebhooksInput {
    pub webhooks: Vec<WebhookInput>,
}

#[derive(ToSchema, Deserialize)]
pub struct Upload {
    /// The picture (JPEG, PNG, GIF or WebP).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    pub purpose: Option<String>,
    /// Given back as it was sent.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct Uploaded {
    pub url: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct UploadedImages {
    pub images: Vec<Uploaded>,
}

#[derive(ToSchema, Deserialize)]
pub struct SiteFacts {
    pub title: String,
    pub description: String,
    pub logo: Option<String>,
    pub icon: Option<String>,
    pub accent_color: Option<String>,
    pub locale: String,
    pub url: String,
    pub version: String,
}

#[derive(ToSchema, Deserialize)]
pub struct Site {
    pub site: SiteFacts,
}

/// The query of a browse.
#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct Browse {
    /// NQL, as in Ghost: `status:published+tag:port-alder`.
    pub filter: Option<String>,
    /// A number from 1 (at most 100 are given), or `all`.
    pub limit: Option<String>,
    /// A number from 1.
    pub page: Option<String>,
    /// `published_at desc`, `title asc`, ...
    pub order: Option<String>,
    /// Fields to give, separated by commas (the id is always given).
    pub fields: Option<String>,
    /// `lexical` (the default), `html`, `plaintext`, separated by commas.
    pub formats: Option<String>,
    /// `authors`, `tags`, `tiers`, `count.posts`, separated by commas.
    pub include: Option<String>,
}

/// The query of a read.
#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct Read {
    pub fields: Option<String>,
    pub formats: Option<String>,
    pub include: Option<String>,
}

/// The query of a post written.
#[derive(utoipa::IntoParams, Deserialize)]
#[into_params(parameter_in = Query)]
pub struct Write {
    /// `html`: the body is the post's `html`, converted to the editor's document.
    pub source: Option<String>,
    pub formats: Option<String>,
}

/// A page as the Admin API shows it (`fields` may leave any out).
#[derive(ToSchema, Deserialize)]
pub struct StaticPage {
    pub id: Option<String>,
    pub uuid: Option<String>,
    pub title: Option<String>,
    pub slug: Option<String>,
    pub html: Option<String>,
    pub plaintext: Option<String>,
    pub lexical: Option<String>,
    /// `draft` or `published`.
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub published_at: Option<String>,
    pub custom_excerpt: Option<String>,
    pub url: Option<String>,
    pub in_footer: Option<bool>,
    pub position: Option<i32>,
}

#[derive(ToSchema, Deserialize)]
pub struct PageList {
    pub pages: Vec<StaticPage>,
    pub meta: Meta,
}

#[derive(ToSchema, Deserialize)]
pub struct OnePage {
    pub pages: Vec<StaticPage>,
}

#[derive(ToSchema, Deserialize)]
pub struct PageInput {
    pub title: Option<String>,
    pub slug: Option<String>,
    /// Taken with `?source=html`.
    pub html: Option<String>,
    pub lexical: Option<String>,
    /// `draft` or `published`.
    pub status: Option<String>,
    pub custom_excerpt: Option<String>,
    /// Required for an edit: the `updated_at` of the version edited.
    pub updated_at: Option<String>,
}

#[derive(ToSchema, Deserialize)]
#[schema(example = json!({"pages": [{"title": "Corrections policy", "lexical": "{\"root\": {\"children\": [{\"type\": \"paragraph\", \"children\": [{\"type\": \"text\", \"text\": \"We correct openly.\"}]}]}}", "status": "draft"}]}))]
pub struct PagesInput {
    pub pages: Vec<PageInput>,
}

#[derive(ToSchema, Deserialize)]
pub struct NewsletterRef {
    pub slug: String,
}

#[derive(ToSchema, Deserialize)]
pub struct MemberOut {
    pub id: Option<String>,
    pub uuid: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub note: Option<String>,
    /// `free` or `paid`.
    pub status: Option<String>,
    pub labels: Option<Vec<serde_json::Value>>,
    pub newsletters: Option<Vec<NewsletterRef>>,
    pub subscribed: Option<bool>,
    pub created_at: Option<String>,
}

#[derive(ToSchema, Deserialize)]
pub struct MemberList {
    pub members: Vec<MemberOut>,
    pub meta: Meta,
}

#[derive(ToSchema, Deserialize)]
pub struct OneMember {
    pub members: Vec<MemberOut>,
}

#[derive(ToSchema, Deserialize)]
pub struct MemberInput {
    /// Required to add one.
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(ToSchema, Deserialize)]
#[schema(example = json!({"members": [{"email": "reader@example.com", "name": "Rita Reader"}]}))]
pub struct MembersInput {
    pub members: Vec<MemberInput>,
}

#[derive(ToSchema, Deserialize)]
pub struct SectionOut {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub position: i64,
    pub in_navigation: bool,
    pub url: String,
}

#[derive(ToSchema, Deserialize)]
pub struct SectionList {
    pub sections: Vec<SectionOut>,
}

#[derive(ToSchema, Deserialize)]
pub struct ArticleTypeOut {
    pub slug: String,
    pub name: String,
}

#[derive(ToSchema, Deserialize)]
pub struct ArticleTypeList {
    pub article_types: Vec<ArticleTypeOut>,
}

#[derive(ToSchema, Deserialize)]
pub struct LoggedCorrection {
    pub post_id: String,
    pub title: String,
    pub url: String,
    /// `correction` or `update`.
    pub kind: String,
    pub text: String,
    pub created_at: String,
}

#[derive(ToSchema, Deserialize)]
pub struct CorrectionList {
    pub corrections: Vec<LoggedCorrection>,
    pub meta: Option<Meta>,
}

#[derive(ToSchema, Deserialize)]
pub struct CorrectionInput {
    /// `correction` (the default) or `update`.
    pub kind: Option<String>,
    /// What was corrected or updated, as readers will read it.
    pub text: String,
}

#[derive(ToSchema, Deserialize)]
#[schema(example = json!({"corrections": [{"kind": "correction", "text": "The harbour opened on Monday, not Sunday."}]}))]
pub struct CorrectionsInput {
    pub corrections: Vec<CorrectionInput>,
}
