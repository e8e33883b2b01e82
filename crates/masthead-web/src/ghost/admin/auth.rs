//! Who is calling the Admin API: an integration, by a token signed with its Admin API
//! key (Ghost's scheme: `Authorization: Ghost <JWT>`, HS256 over the key's
//! hex-decoded secret, `kid` the key's id, audience `/admin/`, at most five minutes
//! old), or a staff member, by the newsroom's session (and, for writes, its CSRF
//! token, through the staff guard). Each refusal is Ghost's error for it.
//!
//! An integration acts as an editor (Ghost's "Admin Integration" may publish and edit
//! anyone's posts, but not manage staff or settings). A content change needs a person
//! to keep the revision and the audit entry under: that is the publication's first
//! administrator, as Ghost credits an integration's posts to the owner, and the audit
//! entry's address names the integration.

use super::super::ApiError;
use crate::staff::{Access, Desk, Refusal};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use masthead_core::integration::Integration;
use masthead_core::people::{Person, Role};
use masthead_core::workflow::Actor;
use serde::Deserialize;

/// How old a token may be, in seconds (Ghost: `maxAge: '5m'`).
pub const MAX_TOKEN_AGE: i64 = 5 * 60;
/// The audiences a token may name: Ghost's `/\/?admin\/?$/`.
const AUDIENCES: [&str; 4] = ["/admin/", "admin/", "/admin", "admin"];

/// Who the request is from, for the handlers.
#[derive(Clone)]
pub enum Caller {
    Integration {
        integration: Integration,
        /// Whose name a content change is kept under (see the module's notes).
        acting_for: Person,
        ip: String,
    },
    Staff {
        person: Person,
        desk: Desk,
    },
}

impl Caller {
    /// The person changes are kept under.
    pub fn person(&self) -> &Person {
        match self {
            Caller::Integration { acting_for, .. } => acting_for,
            Caller::Staff { person, .. } => person,
        }
    }

    /// Who acts, for the workflow's rules.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::Integration { acting_for, .. } => Actor {
                person: acting_for.id,
                role: Role::Editor,
            },
            Caller::Staff { person, .. } => Actor {
                person: person.id,
                role: person.role,
            },
        }
    }

    /// The role the caller has.
    pub fn role(&self) -> Role {
        self.actor().role
    }

    /// The audit log's entry for `action` on `target` (in words), now.
    pub fn audit(
        &self,
        action: masthead_core::auth::AuditAction,
        target: String,
    ) -> masthead_core::auth::NewAuditEntry {
        masthead_core::auth::NewAuditEntry {
            at: chrono::Utc::now(),
            actor: Some(self.person().id),
            action,
            target,
            ip: self.address(),
        }
    }

    /// The address the audit log records: the client's, and the integration's name
    /// when one acts.
    pub fn address(&self) -> String {
        match self {
            Caller::Integration {
                integration, ip, ..
            } => format!("{ip} (integration \"{}\")", integration.name),
            Caller::Staff { desk, .. } => desk.ip.clone(),
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    iat: i64,
}

fn invalid_token(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "UnauthorizedError",
        format!("Invalid token: {detail}"),
    )
    .code("INVALID_JWT")
}

/// The integration whose Admin API key signed `token`, checked in Ghost's order.
pub async fn integration_for(
    state: &AppState,
    token: &str,
    now: i64,
) -> Result<Integration, ApiError> {
    let head = jsonwebtoken::decode_header(token)
        .map_err(|_| ApiError::bad_request("Invalid token").code("INVALID_JWT"))?;
    let Some(kid) = head.kid else {
        return Err(ApiError::bad_request(
            "Invalid token: the token has no kid, the Admin API key's id.",
        )
        .code("MISSING_ADMIN_API_KID"));
    };
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedError",
            "Unknown Admin API Key",
        )
        .code("UNKNOWN_ADMIN_API_KEY")
    };
    if !masthead_core::integration::is_admin_id(&kid) {
        return Err(unknown());
    }
    let integration = state
        .store
        .integration_by_admin_id(&kid)
        .await?
        .ok_or_else(unknown)?;
    let secret = hex::decode(&integration.keys.admin_secret).map_err(|_| unknown())?;
    // HS256 only: a token that names another algorithm (none, RS256) is refused.
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&AUDIENCES);
    validation.set_required_spec_claims(&["exp", "aud"]);
    validation.leeway = 0;
    let claims =
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&secret), &validation)
            .map_err(|e| invalid_token(&e.to_string()))?
            .claims;
    if now - claims.iat > MAX_TOKEN_AGE {
        return Err(invalid_token("maxAge exceeded"));
    }
    if claims.iat > now + 60 {
        return Err(invalid_token("issued in the future"));
    }
    state
        .api_limits
        .check(&integration)
        .map_err(ApiError::too_many)?;
    Ok(integration)
}

/// The person an integration's changes are kept under: the first administrator who
/// has not left.
async fn acting_for(state: &AppState) -> Result<Person, ApiError> {
    state
        .store
        .people()
        .await?
        .into_iter()
        .filter(|p| p.role == Role::Admin && p.is_active() && p.signs_in())
        .min_by_key(|p| p.id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "IncorrectUsageError",
                "The publication has no administrator for an integration to act for: add one with `masthead staff add`.",
            )
        })
}

/// The Admin API's guard: a Ghost token, else the staff session.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match caller(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn caller(state: &AppState, mut request: Request) -> Result<Request, ApiError> {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    if let Some(value) = authorization {
        let (scheme, token) = value.split_once(' ').unwrap_or((&value, ""));
        if !scheme.eq_ignore_ascii_case("ghost") || token.trim().is_empty() {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UnauthorizedError",
                "Authorization header format is \"Authorization: Ghost [token]\"",
            )
            .code("INVALID_AUTH_HEADER"));
        }
        let integration =
            integration_for(state, token.trim(), chrono::Utc::now().timestamp()).await?;
        let acting_for = acting_for(state).await?;
        let ip = crate::client::address_of(&state.proxies, &request);
        request.extensions_mut().insert(Caller::Integration {
            integration,
            acting_for,
            ip,
        });
        return Ok(request);
    }
    match crate::staff::check(state, Access::Staff(Role::Contributor), request).await {
        Ok(mut request) => {
            let desk = request.extensions_mut().remove::<Desk>();
            let person = desk.as_ref().and_then(|d| d.person().cloned());
            match (desk, person) {
                (Some(desk), Some(person)) => {
                    request
                        .extensions_mut()
                        .insert(Caller::Staff { person, desk });
                    Ok(request)
                }
                _ => Err(no_session()),
            }
        }
        Err(refusal) => Err(match refusal {
            Refusal::SignIn { .. } => no_session(),
            Refusal::CrossSite | Refusal::StaleForm { .. } => ApiError::new(
                StatusCode::FORBIDDEN,
                "NoPermissionError",
                "A change by a staff session needs the X-CSRF-Token header and a request from this site.",
            ),
            Refusal::Role { .. } => ApiError::new(
                StatusCode::FORBIDDEN,
                "NoPermissionError",
                "You do not have permission to perform this request.",
            ),
            Refusal::BadForm(bad) => ApiError::new(bad.status, "BadRequestError", bad.message),
            Refusal::Internal(e) => e.into(),
        }),
    }
}

fn no_session() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "NoPermissionError",
        "Authorization failed",
    )
    .context(
        "Unable to determine the authenticated user or integration. Check that cookies are \
         being passed through if using session authentication.",
    )
}
