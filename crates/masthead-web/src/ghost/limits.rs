//! Each API key's rate limit: an integration's `rate_limit` requests a minute (a
//! burst of that many, then one every `60 / rate_limit` seconds: GCRA, by
//! `governor`), on each node; a key past it gets `429 Too Many Requests` with
//! `Retry-After`. A changed limit starts afresh. Memory: one small state per
//! integration that has made a request since the node started.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use masthead_core::ids::IntegrationId;
use masthead_core::integration::Integration;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct KeyLimits {
    limiters: Mutex<HashMap<IntegrationId, (u32, Arc<DefaultDirectRateLimiter>)>>,
}

impl KeyLimits {
    /// Counts a request of `integration`'s; past its limit, the seconds until it may
    /// ask again (at least one).
    pub fn check(&self, integration: &Integration) -> Result<(), u64> {
        let per_minute = NonZeroU32::new(integration.rate_limit).unwrap_or(NonZeroU32::MIN);
        let limiter = {
            let mut limiters = self
                .limiters
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let entry = limiters.entry(integration.id).or_insert_with(|| {
                (
                    per_minute.get(),
                    Arc::new(RateLimiter::direct(Quota::per_minute(per_minute))),
                )
            });
            if entry.0 != per_minute.get() {
                *entry = (
                    per_minute.get(),
                    Arc::new(RateLimiter::direct(Quota::per_minute(per_minute))),
                );
            }
            entry.1.clone()
        };
        limiter.check().map_err(|not_until| {
            {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
            }
            .max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use masthead_core::integration::{Keys, KEY_BYTES};

    fn integration(id: i64, rate_limit: u32) -> Integration {
        Integration {
            id: IntegrationId(id),
            name: "App".into(),
            keys: Keys::from_random(&[1; KEY_BYTES]),
            rate_limit,
            created_at: chrono::Utc::now(),
            rotated_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn a_key_gets_its_limit_a_minute_then_is_told_when_to_come_back() {
        let limits = KeyLimits::default();
        let app = integration(1, 3);
        for _ in 0..3 {
            assert_eq!(limits.check(&app), Ok(()));
        }
        let wait = limits.check(&app).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Another key has its own.
        assert_eq!(limits.check(&integration(2, 3)), Ok(()));
        // A new limit starts afresh.
        assert_eq!(limits.check(&integration(1, 5)), Ok(()));
    }
}
