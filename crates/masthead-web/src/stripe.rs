//! Stripe, the payment provider (`masthead_core::payments::Payments`): Checkout
//! sessions, the customer portal, and its signed webhook notices.
//!
//! A few form posts and JSON reads over the client the site already has; prices go
//! with each checkout (`price_data`), so nothing needs setting up at Stripe first.
//! Everything Stripe keeps for us is tagged with `masthead_*` metadata (what it is
//! for, the tier, the member, the paying browser's claim), which its notices carry
//! back. Tested against a stateful fake Stripe (`masthead_testkit::stripe`).

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use masthead_core::ids::{MemberId, TierId};
use masthead_core::payments::{
    CheckoutOutcome, CheckoutRequest, CheckoutStarted, Gift, PaymentEvent, PaymentRecord, Payments,
    Purchase, Purpose, SubscriptionState, SubscriptionStatus, VerifiedEvent,
};
use masthead_core::tier::{Cadence, Discount, Offer, OfferDuration, Tier};
use masthead_core::{Error, Result};
use serde_json::Value;
use std::time::Duration;

/// Stripe's API, unless configured otherwise (a fake one, in tests and the demo).
pub const API: &str = "https://api.stripe.com";
/// The API version our requests and reading are written for.
const VERSION: &str = "2024-06-20";
/// How far a notice's timestamp may be from our clock (Stripe's libraries' default).
pub const TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);
/// The longest a call to Stripe may take.
const TIMEOUT: Duration = Duration::from_secs(15);

pub struct Stripe {
    http: reqwest::Client,
    api: String,
    secret_key: String,
    webhook_secret: String,
}

impl Stripe {
    pub fn new(api: &str, secret_key: &str, webhook_secret: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::internal("the Stripe client", e))?;
        Ok(Self {
            http,
            api: api.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
            webhook_secret: webhook_secret.to_owned(),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(String, String)],
    ) -> Result<Value> {
        let request = self
            .http
            .request(method.clone(), format!("{}{path}", self.api))
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", VERSION);
        let request = if method == reqwest::Method::GET {
            request.query(form)
        } else {
            request.form(form)
        };
        let response = request
            .send()
            .await
            .map_err(|e| unavailable(&format!("could not reach Stripe: {e}")))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| unavailable(&format!("Stripe's answer was not JSON: {e}")))?;
        // No such object (a checkout id made up in a link, a coupon not made yet): an
        // answer, not a failure.
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(Error::not_found("Stripe object"));
        }
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            tracing::warn!(%status, path, message, "Stripe refused a call");
            return Err(unavailable(&format!(
                "Stripe refused it ({status}): {message}"
            )));
        }
        Ok(body)
    }

    /// The Stripe coupon that gives `offer`, made the first time it is redeemed. Its id
    /// is the offer's code, which never changes terms (offers are archived, not
    /// edited), so every node finds the same one.
    async fn coupon(&self, offer: &Offer, tier: &Tier) -> Result<String> {
        let id = format!("masthead-offer-{}", offer.code);
        match self
            .call(reqwest::Method::GET, &format!("/v1/coupons/{id}"), &[])
            .await
        {
            Ok(_) => return Ok(id),
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        self.call(
            reqwest::Method::POST,
            "/v1/coupons",
            &coupon_form(&id, offer, tier),
        )
        .await?;
        Ok(id)
    }
}

/// The form fields of the coupon `id` for `offer` on `tier`.
fn coupon_form(id: &str, offer: &Offer, tier: &Tier) -> Vec<(String, String)> {
    let mut form = vec![("id".to_owned(), id.to_owned())];
    match offer.discount {
        Discount::Percent(p) => form.push(("percent_off".to_owned(), p.to_string())),
        Discount::Fixed(amount) => {
            form.push(("amount_off".to_owned(), amount.to_string()));
            form.push(("currency".to_owned(), tier.currency.to_ascii_lowercase()));
        }
    }
    match offer.duration {
        OfferDuration::Once => form.push(("duration".to_owned(), "once".to_owned())),
        OfferDuration::Forever => form.push(("duration".to_owned(), "forever".to_owned())),
        OfferDuration::Months(months) => {
            form.push(("duration".to_owned(), "repeating".to_owned()));
            form.push(("duration_in_months".to_owned(), months.to_string()));
        }
    }
    form
}

/// Whether `reference` (from a link, or a notice) can be a Stripe id with `prefix`:
/// letters, digits and `_` only, so that it names one object in an API path and never
/// another path.
fn check_id(reference: &str, prefix: &str) -> Result<()> {
    let plausible = reference.starts_with(prefix)
        && (prefix.len() + 1..=255).contains(&reference.len())
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plausible {
        Ok(())
    } else {
        Err(Error::not_found("Stripe object"))
    }
}

fn unavailable(detail: &str) -> Error {
    Error::Internal {
        message: format!("payments: {detail}"),
        source: None,
    }
}

/// The form fields of a checkout for `request`.
fn checkout_form(request: &CheckoutRequest) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| form.push((k.to_owned(), v));
    put(
        "success_url",
        request
            .success_url
            .replace("{CHECKOUT}", "{CHECKOUT_SESSION_ID}"),
    );
    put("cancel_url", request.cancel_url.clone());
    put("line_items[0][quantity]", "1".into());
    put(
        "line_items[0][price_data][currency]",
        request.currency.to_ascii_lowercase(),
    );
    let mut tags: Vec<(&str, String)> = vec![("masthead_claim", request.claim.clone())];
    if let Some((member, email, customer)) = &request.member {
        tags.push(("masthead_member", member.0.to_string()));
        match customer {
            Some(customer) => put("customer", customer.clone()),
            None => put("customer_email", email.clone()),
        }
        put("client_reference_id", member.0.to_string());
    }
    let (recurring, name, amount) = match &request.purchase {
        Purchase::Membership { tier, cadence, .. } => {
            tags.push(("masthead_purpose", Purpose::Membership.as_str().into()));
            tags.push(("masthead_tier", tier.id.0.to_string()));
            if tier.trial_days > 0 {
                put(
                    "subscription_data[trial_period_days]",
                    tier.trial_days.to_string(),
                );
            }
            (Some(*cadence), tier.name.clone(), tier.price(*cadence))
        }
        Purchase::Gift(gift) => {
            tags.push(("masthead_purpose", Purpose::Donation.as_str().into()));
            tags.push(("masthead_name", gift.name.trim().to_owned()));
            tags.push((
                "masthead_public",
                if gift.public { "yes" } else { "no" }.into(),
            ));
            tags.push(("masthead_message", gift.message.trim().to_owned()));
            if !gift.monthly {
                put("submit_type", "donate".into());
            }
            let name = if gift.monthly {
                "A monthly gift"
            } else {
                "A gift"
            };
            (
                gift.monthly.then_some(Cadence::Month),
                name.to_owned(),
                gift.amount,
            )
        }
    };
    put("line_items[0][price_data][unit_amount]", amount.to_string());
    put("line_items[0][price_data][product_data][name]", name);
    let mode = match recurring {
        Some(cadence) => {
            put(
                "line_items[0][price_data][recurring][interval]",
                cadence.as_str().into(),
            );
            "subscription"
        }
        None => "payment",
    };
    put("mode", mode.into());
    // The checkout and what it makes carry the same tags.
    let carrier = if recurring.is_some() {
        "subscription_data[metadata]"
    } else {
        "payment_intent_data[metadata]"
    };
    for (k, v) in tags {
        put(&format!("metadata[{k}]"), v.clone());
        put(&format!("{carrier}[{k}]"), v);
    }
    form
}

#[async_trait::async_trait]
impl Payments for Stripe {
    async fn start_checkout(&self, request: &CheckoutRequest) -> Result<CheckoutStarted> {
        let mut form = checkout_form(request);
        if let Purchase::Membership {
            tier,
            offer: Some(offer),
            ..
        } = &request.purchase
        {
            let coupon = self.coupon(offer, tier).await?;
            form.push(("discounts[0][coupon]".to_owned(), coupon));
        }
        let session = self
            .call(reqwest::Method::POST, "/v1/checkout/sessions", &form)
            .await?;
        match (session["id"].as_str(), session["url"].as_str()) {
            (Some(id), Some(url)) => Ok(CheckoutStarted {
                reference: id.to_owned(),
                url: url.to_owned(),
            }),
            _ => Err(unavailable("Stripe's checkout has no id or address")),
        }
    }

    async fn checkout(&self, reference: &str) -> Result<CheckoutOutcome> {
        check_id(reference, "cs_")?;
        let session = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/checkout/sessions/{reference}"),
                &[("expand[]".to_owned(), "subscription".to_owned())],
            )
            .await?;
        checkout_outcome(&session, Utc::now())
    }

    async fn portal(&self, customer: &str, return_url: &str) -> Result<String> {
        let portal = self
            .call(
                reqwest::Method::POST,
                "/v1/billing_portal/sessions",
                &[
                    ("customer".to_owned(), customer.to_owned()),
                    ("return_url".to_owned(), return_url.to_owned()),
                ],
            )
            .await?;
        portal["url"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| unavailable("Stripe's portal has no address"))
    }

    fn pages(&self) -> Vec<String> {
        if self.api == API {
            vec![
                "https://checkout.stripe.com".to_owned(),
                "https://billing.stripe.com".to_owned(),
            ]
        } else {
            // A fake Stripe serves its pages where its API is.
            let origin = self
                .api
                .splitn(4, '/')
                .take(3)
                .collect::<Vec<_>>()
                .join("/");
            vec![origin]
        }
    }

    async fn subscription(&self, reference: &str) -> Result<SubscriptionState> {
        check_id(reference, "sub_")?;
        let object = self
            .call(
                reqwest::Method::GET,
                &format!("/v1/subscriptions/{reference}"),
                &[],
            )
            .await?;
        subscription(&object, Utc::now())
    }

    async fn cancel(&self, reference: &str) -> Result<()> {
        check_id(reference, "sub_")?;
        self.call(
            reqwest::Method::DELETE,
            &format!("/v1/subscriptions/{reference}"),
            &[],
        )
        .await
        .map(|_| ())
    }

    fn verify(&self, payload: &[u8], signature: &str, now: DateTime<Utc>) -> Result<VerifiedEvent> {
        let created = check_signature(&self.webhook_secret, payload, signature, now)?;
        let event: Value = serde_json::from_slice(payload)
            .map_err(|_| Error::invalid("payload", "the notice is not JSON"))?;
        read_event(&event, created)
    }
}

/// The time a notice was signed at, if `header` (Stripe-Signature: `t=...,v1=...`)
/// holds a signature of `payload` with `secret` made within `TOLERANCE` of `now`.
pub fn check_signature(
    secret: &str,
    payload: &[u8],
    header: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.extend(hex::decode(s).ok()),
            _ => {}
        }
    }
    let Some(t) = timestamp else {
        return Err(Error::Unauthenticated);
    };
    let signed = Utc
        .timestamp_opt(t, 0)
        .single()
        .ok_or(Error::Unauthenticated)?;
    if (now - signed).abs() > TOLERANCE {
        return Err(Error::Unauthenticated);
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| Error::Unauthenticated)?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    // Each candidate is compared in constant time (`verify_slice`).
    let good = signatures
        .iter()
        .any(|s| mac.clone().verify_slice(s).is_ok());
    if good {
        Ok(signed)
    } else {
        Err(Error::Unauthenticated)
    }
}

/// What a verified notice means.
fn read_event(event: &Value, created: DateTime<Utc>) -> Result<VerifiedEvent> {
    let id = text(&event["id"]);
    let kind = text(&event["type"]);
    if id.is_empty() || id.len() > 255 || kind.len() > 255 {
        return Err(Error::invalid("payload", "the notice has no id"));
    }
    let created = time(&event["created"]).unwrap_or(created);
    let object = &event["data"]["object"];
    let meaning = match kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            PaymentEvent::CheckoutCompleted(Box::new(checkout_outcome(object, created)?))
        }
        k if k.starts_with("customer.subscription.") => {
            PaymentEvent::Subscription(Box::new(subscription(object, created)?))
        }
        "invoice.paid" | "invoice.payment_succeeded" => PaymentEvent::Paid(invoice(object)?),
        _ => PaymentEvent::Other,
    };
    Ok(VerifiedEvent {
        id,
        kind,
        created,
        event: meaning,
    })
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// An id, whether Stripe sent the object or only its id.
fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => text(&other["id"]),
    }
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_i64().and_then(|t| Utc.timestamp_opt(t, 0).single())
}

fn malformed(what: &str) -> Error {
    Error::invalid(
        "payload",
        format!("the notice's {what} is missing or malformed"),
    )
}

fn tag<'a>(object: &'a Value, name: &str) -> &'a str {
    object["metadata"][name].as_str().unwrap_or_default()
}

fn purpose(object: &Value) -> Purpose {
    tag(object, "masthead_purpose")
        .parse()
        .unwrap_or(Purpose::Membership)
}

/// A checkout session, read (its subscription expanded, or only named).
fn checkout_outcome(session: &Value, observed: DateTime<Utc>) -> Result<CheckoutOutcome> {
    let reference = text(&session["id"]);
    if reference.is_empty() {
        return Err(malformed("checkout id"));
    }
    let paid = session["status"] == "complete"
        && matches!(
            session["payment_status"].as_str(),
            Some("paid" | "no_payment_required")
        );
    let purpose = purpose(session);
    let email = match session["customer_details"]["email"].as_str() {
        Some(e) => e.to_owned(),
        None => text(&session["customer_email"]),
    };
    let subscription = match &session["subscription"] {
        v @ Value::Object(_) => Some(subscription(v, observed)?),
        _ => None,
    };
    let gift = (purpose == Purpose::Donation).then(|| Gift {
        reference: reference.clone(),
        amount: session["amount_total"].as_i64().unwrap_or(0),
        currency: text(&session["currency"]).to_ascii_uppercase(),
        monthly: session["mode"] == "subscription",
        name: tag(session, "masthead_name").to_owned(),
        public: tag(session, "masthead_public") == "yes",
        message: tag(session, "masthead_message").to_owned(),
    });
    Ok(CheckoutOutcome {
        reference,
        paid,
        purpose,
        member: tag(session, "masthead_member").parse().ok().map(MemberId),
        claim: tag(session, "masthead_claim").to_owned(),
        customer: id_of(&session["customer"]),
        email,
        name: text(&session["customer_details"]["name"]),
        subscription,
        gift,
    })
}

/// A subscription, read. Its period, price and interval are on the subscription in
/// older API versions and on its first item in newer ones.
fn subscription(object: &Value, observed: DateTime<Utc>) -> Result<SubscriptionState> {
    let item = &object["items"]["data"][0];
    let either = |key: &str| {
        time(&object[key])
            .or_else(|| time(&item[key]))
            .ok_or_else(|| malformed(key))
    };
    let price = if item["price"].is_object() {
        &item["price"]
    } else {
        &object["plan"]
    };
    let interval = price["recurring"]["interval"]
        .as_str()
        .or_else(|| price["interval"].as_str())
        .or_else(|| object["plan"]["interval"].as_str())
        .unwrap_or("month");
    let amount = price["unit_amount"]
        .as_i64()
        .or_else(|| price["amount"].as_i64())
        .or_else(|| object["plan"]["amount"].as_i64())
        .unwrap_or(0);
    let status: SubscriptionStatus = text(&object["status"])
        .parse()
        .map_err(|_| malformed("subscription status"))?;
    let reference = text(&object["id"]);
    if reference.is_empty() {
        return Err(malformed("subscription id"));
    }
    Ok(SubscriptionState {
        reference,
        customer: id_of(&object["customer"]),
        member: tag(object, "masthead_member").parse().ok().map(MemberId),
        purpose: purpose(object),
        tier: tag(object, "masthead_tier").parse().ok().map(TierId),
        cadence: interval.parse().map_err(|_| malformed("interval"))?,
        amount,
        currency: text(&price["currency"]).to_ascii_uppercase(),
        status,
        period_start: either("current_period_start")?,
        period_end: either("current_period_end")?,
        cancel_at_period_end: object["cancel_at_period_end"].as_bool().unwrap_or(false),
        observed_at: observed,
    })
}

/// An invoice paid, read.
fn invoice(object: &Value) -> Result<PaymentRecord> {
    let reference = text(&object["id"]);
    if reference.is_empty() {
        return Err(malformed("invoice id"));
    }
    let subscription = id_of(&object["subscription"]);
    Ok(PaymentRecord {
        reference,
        purpose: Purpose::Membership,
        customer: id_of(&object["customer"]),
        subscription: (!subscription.is_empty()).then_some(subscription),
        amount: object["amount_paid"]
            .as_i64()
            .or_else(|| object["total"].as_i64())
            .unwrap_or(0),
        currency: text(&object["currency"]).to_ascii_uppercase(),
        paid_at: time(&object["status_transitions"]["paid_at"])
            .or_else(|| time(&object["created"]))
            .or_else(|| time(&object["date"]))
            .ok_or_else(|| malformed("invoice time"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(payload);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn signatures_are_checked_with_their_time() {
        let now = Utc::now();
        let t = now.timestamp();
        let body = br#"{"id":"evt_1"}"#;
        let good = sign("whsec_a", t, body);
        let ok = |header: &str, at: DateTime<Utc>| check_signature("whsec_a", body, header, at);
        assert!(ok(&format!("t={t},v1={good}"), now).is_ok());
        // Several signatures (Stripe rolls secrets): any one that matches will do.
        assert!(ok(&format!("t={t},v1=00ff,v0=abc,v1={good}"), now).is_ok());
        for (header, at, why) in [
            (
                format!("t={t},v1={}", sign("whsec_b", t, body)),
                now,
                "another secret",
            ),
            (format!("t={},v1={good}", t + 1), now, "another time"),
            (format!("v1={good}"), now, "no time"),
            (format!("t={t}"), now, "no signature"),
            (format!("t={t},v1=zz"), now, "not hex"),
            (String::new(), now, "nothing"),
            (
                format!("t={t},v1={good}"),
                now + TOLERANCE + chrono::Duration::seconds(1),
                "too old",
            ),
            (
                format!("t={t},v1={good}"),
                now - TOLERANCE - chrono::Duration::seconds(1),
                "from the future",
            ),
            (
                format!("t=99999999999999999999,v1={good}"),
                now,
                "a time past any clock",
            ),
        ] {
            assert!(ok(&header, at).is_err(), "{why}: {header}");
        }
        // Another payload under the same header.
        assert!(check_signature("whsec_a", b"{}", &format!("t={t},v1={good}"), now).is_err());
    }

    #[test]
    fn subscriptions_read_in_old_and_new_shapes() {
        let now = Utc::now();
        let old = serde_json::json!({
            "id": "sub_1", "customer": "cus_1", "status": "past_due",
            "current_period_start": 1_700_000_000, "current_period_end": 1_702_592_000,
            "cancel_at_period_end": true,
            "plan": {"amount": 800, "currency": "usd", "interval": "year"},
            "metadata": {"masthead_member": "7", "masthead_tier": "3", "masthead_purpose": "membership"}
        });
        let s = subscription(&old, now).unwrap();
        assert_eq!(s.member, Some(MemberId(7)));
        assert_eq!(s.tier, Some(TierId(3)));
        assert_eq!(
            (s.amount, s.currency.as_str(), s.cadence),
            (800, "USD", Cadence::Year)
        );
        assert_eq!(s.status, SubscriptionStatus::PastDue);
        assert!(s.cancel_at_period_end);
        let new = serde_json::json!({
            "id": "sub_2", "customer": {"id": "cus_2"}, "status": "active",
            "items": {"data": [{"current_period_start": 1_700_000_000,
                "current_period_end": 1_702_592_000,
                "price": {"unit_amount": 500, "currency": "eur", "recurring": {"interval": "month"}}}]},
            "metadata": {}
        });
        let s = subscription(&new, now).unwrap();
        assert_eq!(
            (s.customer.as_str(), s.amount, s.member, s.tier),
            ("cus_2", 500, None, None)
        );
        // A subscription without a period is refused, not read as some default.
        let broken = serde_json::json!({"id": "sub_3", "status": "active", "customer": "cus_3"});
        assert!(subscription(&broken, now).is_err());
        let unknown = serde_json::json!({"id": "sub_4", "status": "dancing", "customer": "cus_3",
            "current_period_start": 1, "current_period_end": 2});
        assert!(subscription(&unknown, now).is_err());
    }

    #[test]
    fn ids_from_links_name_one_object() {
        assert!(check_id("cs_test_a1B2", "cs_").is_ok());
        for wrong in [
            "",
            "cs_",
            "sub_1",
            "cs_../../v1/customers",
            "cs_a?expand=x",
            "cs_a b",
        ] {
            assert!(check_id(wrong, "cs_").is_err(), "{wrong}");
        }
        assert!(check_id(&format!("cs_{}", "a".repeat(300)), "cs_").is_err());
    }

    #[test]
    fn offers_become_coupons_of_their_terms() {
        use masthead_core::ids::OfferId;
        let tier = Tier {
            id: TierId(2),
            slug: "supporter".into(),
            name: "Supporter".into(),
            description: String::new(),
            paid: true,
            currency: "USD".into(),
            monthly_price: 800,
            yearly_price: 8000,
            trial_days: 0,
            benefits: Vec::new(),
            public: true,
            archived: false,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let offer = |discount, duration| Offer {
            id: OfferId(1),
            code: "spring".into(),
            name: "Spring".into(),
            tier: tier.id,
            cadence: Cadence::Month,
            discount,
            duration,
            archived: false,
            created_at: Utc::now(),
        };
        let form = |o: &Offer| {
            coupon_form("c", o, &tier)
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert_eq!(
            form(&offer(Discount::Percent(50), OfferDuration::Months(3))),
            "id=c&percent_off=50&duration=repeating&duration_in_months=3"
        );
        assert_eq!(
            form(&offer(Discount::Fixed(200), OfferDuration::Once)),
            "id=c&amount_off=200&currency=usd&duration=once"
        );
        assert_eq!(
            form(&offer(Discount::Percent(10), OfferDuration::Forever)),
            "id=c&percent_off=10&duration=forever"
        );
    }

    #[test]
    fn a_checkout_form_carries_its_tags_to_what_it_makes() {
        use masthead_core::payments::GiftInput;
        let request = CheckoutRequest {
            purchase: Purchase::Gift(GiftInput {
                amount: 2500,
                monthly: false,
                name: " Ada ".into(),
                public: true,
                message: String::new(),
            }),
            currency: "USD".into(),
            member: Some((MemberId(4), "ada@example.com".into(), None)),
            claim: "c".into(),
            success_url: "https://paper.example/support/thanks/?checkout={CHECKOUT}".into(),
            cancel_url: "https://paper.example/support/".into(),
        };
        let form = checkout_form(&request);
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{k} in {form:?}"))
        };
        assert_eq!(get("mode"), "payment");
        assert_eq!(get("submit_type"), "donate");
        assert_eq!(get("line_items[0][price_data][currency]"), "usd");
        assert_eq!(get("line_items[0][price_data][unit_amount]"), "2500");
        assert_eq!(get("customer_email"), "ada@example.com");
        assert_eq!(get("metadata[masthead_name]"), "Ada");
        assert_eq!(get("payment_intent_data[metadata][masthead_member]"), "4");
        assert_eq!(
            get("success_url"),
            "https://paper.example/support/thanks/?checkout={CHECKOUT_SESSION_ID}"
        );
        assert!(!form.iter().any(|(k, _)| k.contains("recurring")));
    }
}
