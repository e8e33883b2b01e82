//! `Segments`: the variable segments of an address, for every surface. A segment that
//! cannot be what the route expects (`/newsroom/pages/abc`, invalid UTF-8 such as
//! `/%FF/`, a control character) means there is no such page: the surface's own 404,
//! never axum's plain-text 400 nor a 500 from the database (PostgreSQL refuses a NUL
//! in text).

use crate::{AppState, WebError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::marker::PhantomData;

/// How a surface says "no such page".
pub trait Missing {
    fn page(state: &AppState, parts: &Parts) -> impl std::future::Future<Output = WebError> + Send;
}

/// The segments a route captured, deserialized as `T`; `M` answers when they cannot be.
pub struct Segments<T, M>(pub T, pub PhantomData<M>);

impl<T, M> FromRequestParts<AppState> for Segments<T, M>
where
    T: serde::de::DeserializeOwned + Send,
    M: Missing + Send,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let decoded = percent_encoding::percent_decode_str(parts.uri.path()).decode_utf8_lossy();
        if decoded.chars().any(char::is_control) {
            return Err(M::page(state, parts).await);
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value, PhantomData)),
            Err(_) => Err(M::page(state, parts).await),
        }
    }
}
