//! Payments (see `masthead_core::payments`): the provider's notices, applied once each.

use super::common::*;
use super::dialect::ts;
use super::members::insert_member;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::member::{Member, NewMember};
use masthead_core::payments::{
    Applied, CheckoutOutcome, Gift, PaymentEvent, PaymentRecord, Purpose, RevenueFacts,
    SubscriptionState, Supporter, VerifiedEvent,
};
use masthead_core::people::normalize_email;
use masthead_core::Result;

/// A subscription's columns, as `SubscriptionRow` reads them.
pub(super) const SUBSCRIPTION_COLUMNS: &str =
    "reference, customer, member_id, purpose, tier_id, cadence, \
     amount, currency, status, period_start, period_end, cancel_at_period_end, observed_at, \
     created_at";

#[async_trait]
impl masthead_core::store::PaymentStore for Store {
    async fn apply_payment_event(
        &self,
        event: &VerifiedEvent,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let mut tx = self.begin().await?;
        let first = sqlx::query(
            "INSERT INTO payment_events (id, kind, received_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&event.id)
        .bind(&event.kind)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error("payment event"))?
        .rows_affected()
            == 1;
        if !first {
            return Ok(Applied::Duplicate);
        }
        let (applied, public) = match &event.event {
            PaymentEvent::CheckoutCompleted(outcome) => checkout(&mut tx, outcome, now).await?,
            PaymentEvent::Subscription(state) => {
                let member = subscription(&mut tx, state, now).await?;
                let applied = Applied::Done {
                    member,
                    joined: false,
                };
                (applied, false)
            }
            PaymentEvent::Paid(payment) => {
                paid(&mut tx, payment).await?;
                (NOTHING_TO_SAY, false)
            }
            PaymentEvent::Other => (NOTHING_TO_SAY, false),
        };
        commit(tx).await?;
        if public {
            self.notify(Change::Site).await;
        }
        Ok(applied)
    }

    async fn apply_checkout(
        &self,
        outcome: &CheckoutOutcome,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let mut tx = self.begin().await?;
        let (applied, public) = checkout(&mut tx, outcome, now).await?;
        commit(tx).await?;
        if public {
            self.notify(Change::Site).await;
        }
        Ok(applied)
    }

    async fn claim_checkout(
        &self,
        reference: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<MemberId>> {
        let member: Option<i64> = sqlx::query_scalar(
            "UPDATE checkouts SET claimed_at = $2 \
             WHERE reference = $1 AND joined AND claimed_at IS NULL RETURNING member_id",
        )
        .bind(reference)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("checkout"))?;
        Ok(member.map(MemberId))
    }

    async fn member_subscriptions(&self, member: MemberId) -> Result<Vec<SubscriptionState>> {
        let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE member_id = $1 \
             ORDER BY period_end DESC, reference"
        ))
        .bind(member.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("subscriptions"))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn member_customer(&self, member: MemberId) -> Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT customer FROM payment_customers WHERE member_id = $1 \
             ORDER BY created_at DESC, customer LIMIT 1",
        )
        .bind(member.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("customer"))
    }

    async fn supporters(&self, limit: u32) -> Result<Vec<Supporter>> {
        let rows: Vec<SupporterRow> = sqlx::query_as(
            "SELECT name, message, monthly, created_at FROM gifts \
             WHERE public AND name <> '' ORDER BY created_at DESC, reference LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("supporters"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn revenue_facts(&self, since: DateTime<Utc>) -> Result<RevenueFacts> {
        let subscriptions: Vec<SubscriptionRow> = sqlx::query_as(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions \
             WHERE status NOT IN ('canceled', 'incomplete_expired') OR observed_at >= $1"
        ))
        .bind(ts(since))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("subscriptions"))?;
        let payments: Vec<PaymentRow> = sqlx::query_as(
            "SELECT reference, purpose, customer, subscription, amount, currency, paid_at \
             FROM payments WHERE paid_at >= $1",
        )
        .bind(ts(since))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("payments"))?;
        Ok(RevenueFacts {
            subscriptions: subscriptions
                .into_iter()
                .map(|row| {
                    let started = row.created_at;
                    SubscriptionState::try_from(row).map(|s| (s, started))
                })
                .collect::<Result<_>>()?,
            payments: payments
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_>>()?,
        })
    }

    async fn members_with_subscriptions(
        &self,
    ) -> Result<Vec<(Member, DateTime<Utc>, Vec<SubscriptionState>)>> {
        let members: Vec<(i64, String, String, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
            "SELECT m.id, m.email, m.name, m.created_at, s.joined_at FROM members m \
             JOIN member_standing s ON s.member_id = m.id \
             WHERE m.deleted_at IS NULL ORDER BY m.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("members"))?;
        let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE member_id IS NOT NULL \
             ORDER BY member_id, period_end DESC"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("subscriptions"))?;
        let mut held: std::collections::HashMap<MemberId, Vec<SubscriptionState>> =
            std::collections::HashMap::new();
        for row in rows {
            let state = SubscriptionState::try_from(row)?;
            if let Some(member) = state.member {
                held.entry(member).or_default().push(state);
            }
        }
        Ok(members
            .into_iter()
            .map(|(id, email, name, created_at, joined)| {
                let id = MemberId(id);
                let member = Member {
                    id,
                    email,
                    name,
                    created_at,
                };
                (member, joined, held.remove(&id).unwrap_or_default())
            })
            .collect())
    }
}

/// What applying a notice that concerns no member says.
const NOTHING_TO_SAY: Applied = Applied::Done {
    member: None,
    joined: false,
};

/// Applies a completed checkout (see `PaymentStore::apply_checkout`); and whether that
/// changed a public page (a gift the supporters page names, applied now for the first
/// time), which the caller announces once the transaction is in.
async fn checkout(
    conn: &mut Conn,
    outcome: &CheckoutOutcome,
    now: DateTime<Utc>,
) -> Result<(Applied, bool)> {
    if !outcome.paid {
        let applied = Applied::Done {
            member: outcome.member,
            joined: false,
        };
        return Ok((applied, false));
    }
    let done: Option<(i64, bool)> =
        sqlx::query_as("SELECT member_id, joined FROM checkouts WHERE reference = $1")
            .bind(&outcome.reference)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error("checkout"))?;
    if let Some((member, joined)) = done {
        let applied = Applied::Done {
            member: Some(MemberId(member)),
            joined,
        };
        return Ok((applied, false));
    }
    let (member, joined) = payer(conn, outcome, now).await?;
    sqlx::query(
        "INSERT INTO checkouts (reference, member_id, joined, completed_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&outcome.reference)
    .bind(member.0)
    .bind(joined)
    .bind(ts(now))
    .execute(&mut *conn)
    .await
    .map_err(db_error("checkout"))?;
    sqlx::query(
        "INSERT INTO payment_customers (customer, member_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (customer) DO NOTHING",
    )
    .bind(&outcome.customer)
    .bind(member.0)
    .bind(ts(now))
    .execute(&mut *conn)
    .await
    .map_err(db_error("customer"))?;
    // The customer's subscriptions whose notices came first, naming no member.
    sqlx::query(
        "UPDATE subscriptions SET member_id = $2 WHERE customer = $1 AND member_id IS NULL",
    )
    .bind(&outcome.customer)
    .bind(member.0)
    .execute(&mut *conn)
    .await
    .map_err(db_error("subscription"))?;
    if let Some(state) = &outcome.subscription {
        let mut state = state.clone();
        state.member = Some(member);
        subscription(conn, &state, now).await?;
    }
    if let Some(gift) = &outcome.gift {
        insert_gift(conn, gift, member, &outcome.customer, now).await?;
    }
    let applied = Applied::Done {
        member: Some(member),
        joined,
    };
    let named_gift = outcome.gift.as_ref().is_some_and(|g| g.public);
    Ok((applied, named_gift))
}

/// The member a checkout was for: the signed-in one who started it, else the member
/// with the payer's address, else a new member with it (`true`).
async fn payer(
    conn: &mut Conn,
    outcome: &CheckoutOutcome,
    now: DateTime<Utc>,
) -> Result<(MemberId, bool)> {
    if let Some(member) = outcome.member {
        return Ok((member, false));
    }
    let email = normalize_email(&outcome.email);
    let known: Option<i64> =
        sqlx::query_scalar("SELECT id FROM members WHERE email = $1 AND deleted_at IS NULL")
            .bind(&email)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error("member"))?;
    if let Some(id) = known {
        return Ok((MemberId(id), false));
    }
    let new = NewMember::told_by_others(&email, &outcome.name);
    new.validate()?;
    let made = insert_member(conn, &new.email, &new.name, now).await?;
    Ok((made.id, true))
}

/// Stores a subscription's state unless a newer one is stored (of two described in
/// the same second, an ended one stays ended); returns its member.
async fn subscription(
    conn: &mut Conn,
    state: &SubscriptionState,
    now: DateTime<Utc>,
) -> Result<Option<MemberId>> {
    // The member: named by the state, else already linked, else the customer's.
    let member = match state.member {
        Some(m) => Some(m.0),
        None => sqlx::query_scalar("SELECT member_id FROM payment_customers WHERE customer = $1")
            .bind(&state.customer)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error("customer"))?,
    };
    sqlx::query(
        "INSERT INTO subscriptions (reference, customer, member_id, purpose, tier_id, cadence, \
         amount, currency, status, period_start, period_end, cancel_at_period_end, observed_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (reference) DO UPDATE SET \
           member_id = COALESCE(excluded.member_id, subscriptions.member_id), \
           status = excluded.status, period_start = excluded.period_start, \
           period_end = excluded.period_end, \
           cancel_at_period_end = excluded.cancel_at_period_end, \
           amount = excluded.amount, observed_at = excluded.observed_at \
         WHERE subscriptions.observed_at < excluded.observed_at             OR (subscriptions.observed_at = excluded.observed_at                 AND subscriptions.status <> 'canceled')",
    )
    .bind(&state.reference)
    .bind(&state.customer)
    .bind(member)
    .bind(state.purpose.as_str())
    .bind(state.tier.map(|t| t.0))
    .bind(state.cadence.as_str())
    .bind(state.amount)
    .bind(&state.currency)
    .bind(state.status.as_str())
    .bind(ts(state.period_start))
    .bind(ts(state.period_end))
    .bind(state.cancel_at_period_end)
    .bind(ts(state.observed_at))
    .bind(ts(now))
    .execute(&mut *conn)
    .await
    .map_err(db_error("subscription"))?;
    // An older state may still name the member a newer one did not.
    if let Some(member) = member {
        sqlx::query(
            "UPDATE subscriptions SET member_id = $2 WHERE reference = $1 AND member_id IS NULL",
        )
        .bind(&state.reference)
        .bind(member)
        .execute(&mut *conn)
        .await
        .map_err(db_error("subscription"))?;
    }
    Ok(member.map(MemberId))
}

/// Money received, once per provider reference; a subscription's payment is for what
/// the subscription is for.
async fn paid(conn: &mut Conn, payment: &PaymentRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO payments (reference, purpose, customer, subscription, amount, currency, \
         paid_at) VALUES ($1, COALESCE((SELECT purpose FROM subscriptions WHERE reference = $4), \
         $2), $3, $4, $5, $6, $7) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(&payment.reference)
    .bind(payment.purpose.as_str())
    .bind(&payment.customer)
    .bind(&payment.subscription)
    .bind(payment.amount)
    .bind(&payment.currency)
    .bind(ts(payment.paid_at))
    .execute(&mut *conn)
    .await
    .map_err(db_error("payment"))?;
    Ok(())
}

async fn insert_gift(
    conn: &mut Conn,
    gift: &Gift,
    member: MemberId,
    customer: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO gifts (reference, member_id, amount, currency, monthly, name, public, \
         message, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (reference) DO NOTHING",
    )
    .bind(&gift.reference)
    .bind(member.0)
    .bind(gift.amount)
    .bind(&gift.currency)
    .bind(gift.monthly)
    .bind(gift.name.trim())
    .bind(gift.public)
    .bind(gift.message.trim())
    .bind(ts(now))
    .execute(&mut *conn)
    .await
    .map_err(db_error("gift"))?;
    // A one-time gift is money received now; a monthly one arrives as its invoices.
    if !gift.monthly {
        paid(
            conn,
            &PaymentRecord {
                reference: gift.reference.clone(),
                purpose: Purpose::Donation,
                customer: customer.to_owned(),
                subscription: None,
                amount: gift.amount,
                currency: gift.currency.clone(),
                paid_at: now,
            },
        )
        .await?;
    }
    Ok(())
}
