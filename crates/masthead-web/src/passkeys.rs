//! Passkeys (WebAuthn) for members: this site as a relying party, on webauthn-rs.
//! Its ceremonies' state is stored between the browser's two requests (see
//! `MemberStore::start_ceremony`), so any node may finish one; here it is only turned
//! into and out of JSON. Members' routes are in `members::passkeys`.
//!
//! A passkey is made discoverable (a resident key), so that signing in needs no email
//! first: the browser offers the passkeys it holds for this site, and the answer names
//! the credential and its user handle, which find the member. An answer for a
//! credential we do not know fails like any other.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

/// The site as a WebAuthn relying party.
pub struct Passkeys {
    webauthn: Webauthn,
}

/// A passkey the browser made and we checked, to store.
pub struct Added {
    /// base64url
    pub credential_id: String,
    /// The member's user handle it was made for (base64url).
    pub handle: String,
    /// The credential as webauthn-rs keeps it (JSON).
    pub key: String,
}

/// What is kept while a passkey is being added: the library's state and the handle
/// it was asked for.
#[derive(serde::Serialize, serde::Deserialize)]
struct Adding {
    handle: String,
    registration: PasskeyRegistration,
}

/// Why a browser's answer was refused (the reason is logged, never shown: the page
/// says only that it did not work).
#[derive(Debug)]
pub struct Refused(pub String);

impl Passkeys {
    /// The relying party for a site at `base_url`, or why there can be none: browsers
    /// offer passkeys only to a domain name (not an address) over https, or to
    /// `localhost`.
    pub fn for_site(base_url: &str) -> Result<Self, String> {
        let origin = Url::parse(base_url).map_err(|e| format!("{base_url} is no URL: {e}"))?;
        let Some(host) = origin.domain().map(str::to_owned) else {
            return Err(format!(
                "{base_url} names its host by address; passkeys need a domain name"
            ));
        };
        if origin.scheme() != "https" && host != "localhost" {
            return Err(format!(
                "{base_url} is not https; browsers offer passkeys only over https"
            ));
        }
        let webauthn = WebauthnBuilder::new(&host, &origin)
            .and_then(|b| b.rp_name(&host).build())
            .map_err(|e| format!("passkeys cannot work at {base_url}: {e}"))?;
        Ok(Self { webauthn })
    }

    /// Begins adding a passkey for the member known to authenticators as `handle`
    /// (see `new_handle`), who has the credentials `existing` (base64url) already:
    /// the options for the browser, and the state to keep.
    pub fn start_adding(
        &self,
        handle: &str,
        email: &str,
        name: &str,
        existing: &[String],
    ) -> Result<(Value, String), Refused> {
        let exclude = existing
            .iter()
            .filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok())
            .map(Into::into)
            .collect();
        let shown = if name.trim().is_empty() { email } else { name };
        let (mut options, registration) = self
            .webauthn
            .start_passkey_registration(uuid_of(handle)?, email, shown, Some(exclude))
            .map_err(refused)?;
        // Discoverable, so that signing in needs no email first.
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        let state = Adding {
            handle: handle.to_owned(),
            registration,
        };
        Ok((json(&options)?, text(&state)?))
    }

    /// Checks the browser's answer to `start_adding`: the new passkey.
    pub fn finish_adding(&self, answer: &Value, state: &str) -> Result<Added, Refused> {
        let answer: RegisterPublicKeyCredential = from_json(answer)?;
        let state: Adding = from_text(state)?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&answer, &state.registration)
            .map_err(refused)?;
        Ok(Added {
            credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
            handle: state.handle,
            key: text(&passkey)?,
        })
    }

    /// Begins a sign-in with whichever passkey the browser offers.
    pub fn start_sign_in(&self) -> Result<(Value, String), Refused> {
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(refused)?;
        // The browser is asked when the reader presses the button, not through the
        // email field's suggestions (conditional mediation).
        options.mediation = None;
        Ok((json(&options)?, text(&state)?))
    }

    /// The credential id (base64url) and user handle an answer to `start_sign_in`
    /// names, to find the passkey by, before it is checked.
    pub fn named_in(&self, answer: &Value) -> Result<(String, String), Refused> {
        let answer: PublicKeyCredential = from_json(answer)?;
        let (handle, credential) = self
            .webauthn
            .identify_discoverable_authentication(&answer)
            .map_err(refused)?;
        Ok((
            URL_SAFE_NO_PAD.encode(credential),
            URL_SAFE_NO_PAD.encode(handle.as_bytes()),
        ))
    }

    /// Checks an answer to `start_sign_in` against the stored `key` it named: the key
    /// as it is to be stored now (its signature counter moves on).
    pub fn finish_sign_in(
        &self,
        answer: &Value,
        state: &str,
        key: &str,
    ) -> Result<String, Refused> {
        let answer: PublicKeyCredential = from_json(answer)?;
        let state: DiscoverableAuthentication = from_text(state)?;
        let mut passkey: Passkey = from_text(key)?;
        let result = self
            .webauthn
            .finish_discoverable_authentication(&answer, state, &[DiscoverableKey::from(&passkey)])
            .map_err(refused)?;
        passkey.update_credential(&result);
        text(&passkey)
    }
}

/// A new member's user handle: random, so it names them nowhere else (base64url).
pub fn new_handle() -> String {
    URL_SAFE_NO_PAD.encode(Uuid::new_v4().as_bytes())
}

fn uuid_of(handle: &str) -> Result<Uuid, Refused> {
    URL_SAFE_NO_PAD
        .decode(handle)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .ok_or_else(|| Refused(format!("{handle} is no user handle of ours")))
}

fn refused(e: impl std::fmt::Display) -> Refused {
    Refused(e.to_string())
}

fn json(value: &impl serde::Serialize) -> Result<Value, Refused> {
    serde_json::to_value(value).map_err(refused)
}

fn text(value: &impl serde::Serialize) -> Result<String, Refused> {
    serde_json::to_string(value).map_err(refused)
}

fn from_json<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, Refused> {
    T::deserialize(value).map_err(|e| Refused(format!("the browser's answer does not read: {e}")))
}

fn from_text<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, Refused> {
    serde_json::from_str(value)
        .map_err(|e| Refused(format!("stored passkey state does not read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkeys_work_on_domains_over_https_and_on_localhost_only() {
        for good in [
            "https://news.example",
            "http://localhost:8080",
            "https://localhost",
        ] {
            assert!(Passkeys::for_site(good).is_ok(), "{good}");
        }
        for (bad, says) in [
            ("http://127.0.0.1:8080", "domain name"),
            ("https://[::1]", "domain name"),
            ("http://news.example", "https"),
            ("not a url", "no URL"),
        ] {
            let Err(why) = Passkeys::for_site(bad) else {
                panic!("{bad} has passkeys");
            };
            assert!(why.contains(says), "{bad}: {why}");
        }
    }

    #[test]
    fn adding_asks_for_a_discoverable_key_and_leaves_out_those_the_member_has() {
        let site = Passkeys::for_site("https://news.example").unwrap();
        let handle = new_handle();
        let existing = vec![URL_SAFE_NO_PAD.encode([7u8; 16])];
        let (options, state) = site
            .start_adding(&handle, "ana@example.com", "Ana", &existing)
            .unwrap();
        let key = &options["publicKey"];
        assert_eq!(key["rp"]["id"], "news.example");
        assert_eq!(key["user"]["id"], handle);
        assert_eq!(key["user"]["name"], "ana@example.com");
        assert_eq!(key["user"]["displayName"], "Ana");
        assert_eq!(key["authenticatorSelection"]["residentKey"], "required");
        assert_eq!(
            key["authenticatorSelection"]["userVerification"],
            "required"
        );
        assert_eq!(key["excludeCredentials"][0]["id"], existing[0]);
        assert!(!state.is_empty());
        assert!(site
            .start_adding("not-a-handle", "a@example.com", "", &[])
            .is_err());
        // A made-up answer is refused, not a panic.
        let bogus = serde_json::json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": {"attestationObject": "AAAA", "clientDataJSON": "AAAA"}});
        assert!(site.finish_adding(&bogus, &state).is_err());
        assert!(site
            .finish_adding(&serde_json::json!("nonsense"), &state)
            .is_err());
    }

    #[test]
    fn signing_in_asks_for_any_passkey_of_this_site_and_refuses_nonsense() {
        let site = Passkeys::for_site("https://news.example").unwrap();
        let (options, state) = site.start_sign_in().unwrap();
        assert_eq!(options["publicKey"]["rpId"], "news.example");
        assert_eq!(options["publicKey"]["userVerification"], "required");
        assert!(options.get("mediation").is_none());
        let bogus = serde_json::json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": {"authenticatorData": "AAAA", "clientDataJSON": "AAAA",
                         "signature": "AAAA", "userHandle": null}});
        assert!(site.named_in(&bogus).is_err(), "no user handle");
        assert!(site.finish_sign_in(&bogus, &state, "{}").is_err());
        assert!(site.finish_sign_in(&bogus, "{}", "{}").is_err());
    }
}
