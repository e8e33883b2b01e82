//! The media house's own login: members may sign in through the OpenID Connect
//! provider a publication names in its configuration (authorization code flow with
//! PKCE; `state` and `nonce` checked; the ID token's signature, issuer, audience and
//! expiry verified by `openidconnect`).
//!
//! Nothing about a sign-in in progress is stored on the server, so any node behind a
//! load balancer can finish what another started: the browser keeps one random secret
//! (a cookie under `/signin`), and the flow's `state`, `nonce` and PKCE verifier are
//! each a hash of it. Only that browser can finish, and only once: the provider takes
//! each code once, and the verifier proves the code was asked for with this secret.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How long the provider's published configuration (endpoints, signing keys) is kept
/// before it is read again.
const METADATA_FOR: Duration = Duration::from_secs(600);
/// An ID token whose signature does not check out makes us read the provider's keys
/// again (it may have changed them), at most once in this long: often enough for a
/// rotation, too seldom for a stream of forged tokens to make us call the provider for
/// each.
const REREAD_EVERY: Duration = Duration::from_secs(30);
/// The most a call to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A configured provider.
pub struct ExternalLogin {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    /// What readers see on the button ("Sign in with …").
    pub label: String,
    http: reqwest::Client,
    metadata: RwLock<Option<(Instant, CoreProviderMetadata)>>,
    /// When an unknown signature last made us read the configuration again.
    reread_at: tokio::sync::Mutex<Option<Instant>>,
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub name: String,
}

/// Why a sign-in through the provider did not happen.
#[derive(Debug)]
pub enum Failure {
    /// The provider could not be reached or answered nonsense (the operator's to fix).
    Provider(String),
    /// The answer did not check out: wrong state, code, nonce, signature, audience,
    /// issuer or an expired token.
    Refused(String),
    /// The provider vouches for no email address.
    NoVerifiedEmail,
    /// The reader (or the provider) stopped: the provider's error code.
    Cancelled(String),
}

/// The secret's hash for one use (`state`, `nonce`, `pkce`).
fn derived(secret: &str, purpose: &str) -> String {
    crate::secrets::token_hash(&format!("oidc-{purpose}:{secret}"))
}

impl ExternalLogin {
    /// A provider at `issuer` (exactly as it names itself) that knows this site as
    /// `client_id` with `client_secret`.
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        label: &str,
    ) -> Result<Self, String> {
        let issuer = IssuerUrl::new(issuer.to_owned())
            .map_err(|e| format!("oidc_issuer {issuer:?} is not a URL: {e}"))?;
        // The provider must never send us elsewhere (SSRF), so redirects are not followed.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot make the HTTP client for the login provider: {e}"))?;
        Ok(Self {
            issuer,
            client_id: ClientId::new(client_id.to_owned()),
            client_secret: ClientSecret::new(client_secret.to_owned()),
            label: label.to_owned(),
            http,
            metadata: RwLock::new(None),
            reread_at: tokio::sync::Mutex::new(None),
        })
    }

    /// The client for `redirect`, from the provider's configuration as read within
    /// `METADATA_FOR`, or read now when `reread`.
    async fn client(&self, redirect: &str, reread: bool) -> Result<Client, Failure> {
        let fresh = self
            .metadata
            .read()
            .await
            .as_ref()
            .filter(|(at, _)| !reread && at.elapsed() < METADATA_FOR)
            .map(|(_, m)| m.clone());
        let metadata = match fresh {
            Some(m) => m,
            None => {
                let m = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
                    .await
                    .map_err(|e| {
                        Failure::Provider(format!(
                            "cannot read the login provider's configuration at {}: {e}",
                            self.issuer.as_str()
                        ))
                    })?;
                *self.metadata.write().await = Some((Instant::now(), m.clone()));
                m
            }
        };
        let redirect = RedirectUrl::new(redirect.to_owned())
            .map_err(|e| Failure::Provider(format!("the callback address is not a URL: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser holding `secret` to sign in, coming back to
    /// `redirect`.
    pub async fn start(&self, secret: &str, redirect: &str) -> Result<String, Failure> {
        let client = self.client(redirect, false).await?;
        let verifier = PkceCodeVerifier::new(derived(secret, "pkce"));
        let state = derived(secret, "state");
        let nonce = derived(secret, "nonce");
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier))
            .url();
        Ok(url.to_string())
    }

    /// Finishes the sign-in of the browser holding `secret`, which came back with
    /// `state` and `code`, and the provider's name for itself when it says it (`iss`,
    /// RFC 9207: an answer from another provider is refused).
    pub async fn finish(
        &self,
        secret: &str,
        redirect: &str,
        state: &str,
        code: &str,
        iss: Option<&str>,
    ) -> Result<Identity, Failure> {
        if iss.is_some_and(|iss| iss != self.issuer.as_str()) {
            return Err(Failure::Refused(
                "the answer names another provider".to_owned(),
            ));
        }
        if !crate::secrets::same_secret(state, &derived(secret, "state")) {
            return Err(Failure::Refused(
                "the answer's state is not this browser's".to_owned(),
            ));
        }
        let client = self.client(redirect, false).await?;
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Failure::Provider(format!("the provider names no token endpoint: {e}")))?;
        let tokens = request
            .set_pkce_verifier(PkceCodeVerifier::new(derived(secret, "pkce")))
            .request_async(&self.http)
            .await
            .map_err(|e| Failure::Refused(format!("the provider refused the code: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| Failure::Refused("the provider sent no ID token".to_owned()))?;
        let nonce = Nonce::new(derived(secret, "nonce"));
        let refused = |e: ClaimsVerificationError| {
            Failure::Refused(format!("the ID token does not check out: {e}"))
        };
        let verified = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .map(|claims| identity(self.issuer.as_str(), claims));
        match verified {
            Ok(identified) => identified,
            // Signed with a key we do not know: the provider may have changed keys
            // since we read them. Read them again (once) and check again.
            Err(ClaimsVerificationError::SignatureVerification(e)) => {
                {
                    let mut last = self.reread_at.lock().await;
                    if last.is_some_and(|at| at.elapsed() < REREAD_EVERY) {
                        return Err(refused(ClaimsVerificationError::SignatureVerification(e)));
                    }
                    *last = Some(Instant::now());
                }
                let client = self.client(redirect, true).await?;
                let claims: &CoreIdTokenClaims = id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(refused)?;
                identity(self.issuer.as_str(), claims)
            }
            Err(e) => Err(refused(e)),
        }
    }
}

fn identity(
    issuer: &str,
    claims: &IdTokenClaims<openidconnect::EmptyAdditionalClaims, CoreGenderClaim>,
) -> Result<Identity, Failure> {
    let email = match (claims.email(), claims.email_verified()) {
        (Some(email), Some(true)) => email.as_str().to_owned(),
        _ => return Err(Failure::NoVerifiedEmail),
    };
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().trim().to_owned())
        .unwrap_or_default();
    Ok(Identity {
        issuer: issuer.to_owned(),
        subject: claims.subject().as_str().to_owned(),
        email,
        name,
    })
}
