//! Paying, against a stateful fake Stripe on loopback (`masthead_testkit::stripe`):
//! a visitor pays for a tier at Checkout, comes back signed in and reads the paid
//! article; cancelling in the customer portal ends access when the period ends; a
//! gift reaches the supporters page; and the webhook takes only signed, fresh, new
//! notices. The site really listens, so that the fake's signed notices reach it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use masthead_core::article::Visibility;
use masthead_core::payments::{entitlement, Entitlement, SubscriptionStatus};
use masthead_core::store::Store;
use masthead_testkit::browser::Browser;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use masthead_testkit::store_test;
use masthead_testkit::stripe::{FakeStripe, SECRET_KEY};
use std::sync::Arc;
use std::time::Duration;

const WEBHOOK_SECRET: &str = "whsec_masthead_test";

mod support;

store_test!(
    a_deleted_account_stops_its_payments,
    an_offer_is_taken_at_checkout,
    admins_see_revenue_and_export_members,
    a_visitor_pays_reads_and_cancels,
    a_gift_reaches_the_supporters_page,
    the_webhook_takes_only_signed_fresh_new_notices,
);

/// The site, listening on loopback with Stripe at `fake`; its base URL and app.
async fn site(store: Arc<dyn Store>, fake: &FakeStripe) -> (String, masthead_web::App) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let outbox = std::env::temp_dir().join(format!(
        "masthead-payments-outbox-{}",
        listener.local_addr().unwrap().port()
    ));
    let state = masthead_web::AppState::new(
        store,
        Arc::new(masthead_search::SearchIndex::in_memory().unwrap()),
        masthead_render::Theme::new(None),
        std::env::temp_dir(),
        base.clone(),
        masthead_web::mail::Mailer::outbox(&outbox, "Paper <news@paper.example>").unwrap(),
    )
    .with_payments(Arc::new(
        masthead_web::stripe::Stripe::new(&fake.url(), SECRET_KEY, WEBHOOK_SECRET).unwrap(),
    ));
    let app = masthead_web::router(state);
    let served = app.clone();
    tokio::spawn(async move {
        masthead_web::server::serve(
            listener,
            served,
            masthead_web::server::Limits::default(),
            std::future::pending(),
        )
        .await
    });
    fake.send_webhooks_to(&format!("{base}/webhooks/stripe"), WEBHOOK_SECRET)
        .await;
    (base, app)
}

/// A published paid article; its address.
async fn paid_article(store: &Arc<dyn Store>) -> String {
    let f = fixtures::newsroom(&**store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = fixtures::published(
        &newsroom,
        "Harbor audit",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.visibility = Visibility::Paid;
    content.body = masthead_core::document::Document::from_markdown(&format!(
        "{}\n\nThe paid-only finding.",
        "Opening paragraph for everyone. ".repeat(12)
    ));
    newsroom
        .update(NewsroomFixture::actor(&f.editor), id, content, t0())
        .await
        .unwrap();
    "/world/harbor-audit/".to_owned()
}

/// Waits (up to 10 s) until `check` holds: the fake sends its notices a second late.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 10 s");
}

/// The path of `url` on the site at `base`.
fn local<'a>(url: &'a str, base: &str) -> &'a str {
    url.strip_prefix(base)
        .unwrap_or_else(|| panic!("{url} is not on {base}"))
}

async fn a_visitor_pays_reads_and_cancels(store: Arc<dyn Store>) {
    let Some(fake) = FakeStripe::start() else {
        return;
    };
    fixtures::paid_tier(&*store, "supporter").await;
    let article = paid_article(&store).await;
    let (base, app) = site(store.clone(), &fake).await;
    let mut visitor = Browser::new(&app, "192.0.2.10", &base);
    // The paywall.
    let page = visitor.get(&article).await;
    assert!(!page.body.contains("paid-only finding"));
    assert!(page.body.contains(r#"class="paywall""#), "{}", page.body);
    // The tier, reviewed, then paid for at Checkout.
    let review = "/support/checkout/?tier=supporter&cadence=month";
    let reviewed = visitor.get(review).await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    assert!(
        reviewed.body.contains("Supporter: $8.00 a month"),
        "{}",
        reviewed.body
    );
    let sent = visitor
        .post_from(
            review,
            "/support/checkout/",
            &[("tier", "supporter"), ("cadence", "month")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let checkout = sent.location.unwrap();
    assert!(checkout.starts_with(&fake.url()), "{checkout}");
    let back = fake.pay(&checkout, "Pat.Payer@Example.com").await;
    // Back at the site: signed in as the new member the checkout made.
    let thanks = visitor.get(local(&back, &base)).await;
    assert_eq!(thanks.status, StatusCode::OK, "{}", thanks.body);
    assert!(
        thanks.body.contains("Your membership has started"),
        "{}",
        thanks.body
    );
    assert!(
        thanks.body.contains("pat.payer@example.com"),
        "{}",
        thanks.body
    );
    assert!(visitor.cookie("masthead_member").is_some());
    let member = store
        .member_by_email("pat.payer@example.com")
        .await
        .unwrap()
        .expect("the checkout made a member");
    let page = visitor.get(&article).await;
    assert!(page.body.contains("paid-only finding"), "{}", page.body);
    // A checkout id made up in a link is no page (Stripe knows no such checkout).
    let made_up = visitor
        .get("/support/checkout/thanks?checkout=cs_test_madeup")
        .await;
    assert_eq!(made_up.status, StatusCode::NOT_FOUND, "{}", made_up.body);
    // Coming back to the same address again signs no one in a second time.
    let mut other = Browser::new(&app, "192.0.2.11", &base);
    let again = other.get(local(&back, &base)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(other.cookie("masthead_member").is_none());
    assert!(!other.get(&article).await.body.contains("paid-only finding"));
    // Stripe's notices arrive too, and change nothing the return did not.
    eventually("the notices", || async {
        fake.events()
            .await
            .iter()
            .filter(|(_, kind)| {
                kind.starts_with("customer.subscription") || kind == "checkout.session.completed"
            })
            .count()
            >= 2
    })
    .await;
    // Stripe retries: the checkout's notice, sent again, is taken once.
    let events = fake.events().await;
    let (completed, _) = events
        .iter()
        .find(|(_, kind)| kind == "checkout.session.completed")
        .expect("the checkout's notice");
    fake.resend(completed).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        store.member_subscriptions(member.id).await.unwrap().len(),
        1,
        "one subscription, however many notices"
    );
    // The account page shows the plan, and leads to the customer portal.
    let account = visitor.get("/account").await;
    assert!(
        account
            .body
            .contains("<strong>Supporter, $8.00 a month</strong> (Active): renews on"),
        "{}",
        account.body
    );
    assert!(account.body.contains(r#"id="manage-plans""#));
    // There: cancel at the period's end.
    let portal = visitor.post_from("/account", "/account/plans", &[]).await;
    assert_eq!(portal.status, StatusCode::SEE_OTHER, "{}", portal.body);
    let portal = portal.location.unwrap();
    let subscriptions = fake.portal_subscriptions(&portal).await;
    assert_eq!(subscriptions.len(), 1);
    fake.cancel_in_portal(&portal).await;
    eventually("the cancellation", || async {
        store.member_subscriptions(member.id).await.unwrap()[0].cancel_at_period_end
    })
    .await;
    // Still theirs until the period ends.
    assert!(visitor
        .get(&article)
        .await
        .body
        .contains("paid-only finding"));
    // The period ends: Stripe ends the subscription, and access with it.
    fake.end_subscription(&subscriptions[0]).await;
    eventually("the end", || async {
        store.member_subscriptions(member.id).await.unwrap()[0].status
            == SubscriptionStatus::Canceled
    })
    .await;
    let page = visitor.get(&article).await;
    assert!(!page.body.contains("paid-only finding"), "{}", page.body);
    assert!(visitor
        .get("/account")
        .await
        .body
        .contains("You have no plan running now."));
    assert_eq!(
        entitlement(
            &store.member_subscriptions(member.id).await.unwrap(),
            chrono::Utc::now()
        ),
        Entitlement::Free
    );
}

async fn a_gift_reaches_the_supporters_page(store: Arc<dyn Store>) {
    let Some(fake) = FakeStripe::start() else {
        return;
    };
    fixtures::paid_tier(&*store, "supporter").await;
    let (base, app) = site(store.clone(), &fake).await;
    let mut giver = Browser::new(&app, "192.0.2.20", &base);
    // Before: nobody named. (The page is cached: the gift must refresh it.)
    let before = giver.get("/support/supporters/").await;
    assert!(before.body.contains("No one has asked to be named yet."));
    let review = "/support/checkout/?amount=25";
    let reviewed = giver.get(review).await;
    assert!(
        reviewed.body.contains("A gift of $25.00"),
        "{}",
        reviewed.body
    );
    // A gift below the smallest is refused with words, not sent to Stripe.
    let small = giver.get("/support/checkout/?amount=0.50").await;
    assert_eq!(small.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(small.body.contains("give at least 1.00"), "{}", small.body);
    let sent = giver
        .post_from(
            review,
            "/support/checkout/",
            &[
                ("amount", "25"),
                ("public", "yes"),
                ("name", "Grace Giver"),
                ("message", "For the harbor reporting"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let back = fake.pay(&sent.location.unwrap(), "grace@example.com").await;
    let thanks = giver.get(local(&back, &base)).await;
    assert!(
        thanks.body.contains("Your gift has reached us"),
        "{}",
        thanks.body
    );
    let after = giver.get("/support/supporters/").await;
    assert!(after.body.contains("Grace Giver"), "{}", after.body);
    assert!(after.body.contains("For the harbor reporting"));
    // A visitor (no cookies) sees it too: the cached page was refreshed.
    let mut reader = Browser::new(&app, "192.0.2.21", &base);
    assert!(reader
        .get("/support/supporters/")
        .await
        .body
        .contains("Grace Giver"));
}

fn sign(secret: &str, t: i64, payload: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn the_webhook_takes_only_signed_fresh_new_notices(store: Arc<dyn Store>) {
    let Some(fake) = FakeStripe::start() else {
        return;
    };
    fixtures::paid_tier(&*store, "supporter").await;
    let tier = store.tier_by_slug("supporter").await.unwrap().unwrap();
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: "hook@example.com".into(),
            name: "Hook".into(),
        })
        .await
        .unwrap();
    let (base, _app) = site(store.clone(), &fake).await;
    let http = reqwest::Client::new();
    let now = chrono::Utc::now().timestamp();
    let notice = |id: &str, status: &str| {
        format!(
            r#"{{"id":"{id}","type":"customer.subscription.updated","created":{now},
            "data":{{"object":{{"id":"sub_hook","object":"subscription","customer":"cus_hook",
            "status":"{status}","current_period_start":{now},"current_period_end":{},
            "cancel_at_period_end":false,
            "plan":{{"amount":800,"currency":"usd","interval":"month"}},
            "metadata":{{"masthead_member":"{}","masthead_tier":"{}","masthead_purpose":"membership"}}}}}}}}"#,
            now + 30 * 86400,
            member.id.0,
            tier.id.0
        )
    };
    let send = |body: String, signature: String| {
        let http = http.clone();
        let url = format!("{base}/webhooks/stripe");
        async move {
            http.post(url)
                .header("Stripe-Signature", signature)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let subscriptions = || async { store.member_subscriptions(member.id).await.unwrap() };
    // A wrong signature, another secret's, none, and an old one: refused, nothing kept.
    let body = notice("evt_a", "active");
    for signature in [
        sign(WEBHOOK_SECRET, now, "{}"),
        sign("whsec_other", now, &body),
        String::new(),
        sign(WEBHOOK_SECRET, now - 301, &body),
    ] {
        assert_eq!(
            send(body.clone(), signature.clone()).await,
            400,
            "{signature}"
        );
    }
    assert!(subscriptions().await.is_empty(), "nothing changed");
    // A good one is applied.
    assert_eq!(
        send(body.clone(), sign(WEBHOOK_SECRET, now, &body)).await,
        200
    );
    assert_eq!(subscriptions().await[0].status, SubscriptionStatus::Active);
    // A later notice ends it; then the first, replayed (same id, signed anew), is
    // ignored: the subscription stays ended.
    let ended = notice("evt_b", "canceled").replace(
        &format!(r#""created":{now}"#),
        &format!(r#""created":{}"#, now + 1),
    );
    assert_eq!(
        send(ended.clone(), sign(WEBHOOK_SECRET, now, &ended)).await,
        200
    );
    assert_eq!(
        subscriptions().await[0].status,
        SubscriptionStatus::Canceled
    );
    assert_eq!(
        send(body.clone(), sign(WEBHOOK_SECRET, now, &body)).await,
        200
    );
    assert_eq!(
        subscriptions().await[0].status,
        SubscriptionStatus::Canceled
    );
    // A notice that is not JSON, though signed, is refused.
    assert_eq!(
        send("nonsense".into(), sign(WEBHOOK_SECRET, now, "nonsense")).await,
        400
    );
}

async fn admins_see_revenue_and_export_members(store: Arc<dyn Store>) {
    use masthead_core::payments::{
        CheckoutOutcome, PaymentEvent, PaymentRecord, Purpose, SubscriptionState, VerifiedEvent,
    };
    fixtures::paid_tier(&*store, "supporter").await;
    let tier = store.tier_by_slug("supporter").await.unwrap().unwrap();
    let f = fixtures::newsroom(&*store).await;
    let now = chrono::Utc::now();
    // Two paying members (one yearly), one whose membership ended, one who gave, and
    // one free member with a name a spreadsheet would run.
    for (i, (email, cadence, amount, status)) in [
        ("ann@example.com", "month", 800, "active"),
        ("bo@example.com", "year", 8000, "active"),
        ("cy@example.com", "month", 800, "canceled"),
    ]
    .into_iter()
    .enumerate()
    {
        let state = SubscriptionState {
            reference: format!("sub_{i}"),
            customer: format!("cus_{i}"),
            member: None,
            purpose: Purpose::Membership,
            tier: Some(tier.id),
            cadence: cadence.parse().unwrap(),
            amount,
            currency: "USD".into(),
            status: status.parse().unwrap(),
            period_start: now - chrono::Duration::days(3),
            period_end: now + chrono::Duration::days(27),
            cancel_at_period_end: false,
            observed_at: now,
        };
        store
            .apply_checkout(
                &CheckoutOutcome {
                    reference: format!("cs_{i}"),
                    paid: true,
                    purpose: Purpose::Membership,
                    member: None,
                    claim: String::new(),
                    customer: format!("cus_{i}"),
                    email: email.into(),
                    name: "Reader".into(),
                    subscription: Some(state),
                    gift: None,
                },
                now,
            )
            .await
            .unwrap();
        store
            .apply_payment_event(
                &VerifiedEvent {
                    id: format!("evt_{i}"),
                    kind: "invoice.paid".into(),
                    created: now,
                    event: PaymentEvent::Paid(PaymentRecord {
                        reference: format!("in_{i}"),
                        purpose: Purpose::Membership,
                        customer: format!("cus_{i}"),
                        subscription: Some(format!("sub_{i}")),
                        amount,
                        currency: "USD".into(),
                        paid_at: now,
                    }),
                },
                now,
            )
            .await
            .unwrap();
    }
    store
        .create_member(&masthead_core::member::NewMember {
            email: "free@example.com".into(),
            name: "=HYPERLINK(\"http://x\")".into(),
        })
        .await
        .unwrap();
    let app = masthead_web::router(support::state(store.clone(), "https://news.example"));
    let admin = support::staff_cookie(&*store, &f.admin).await;
    let (status, _, page) = support::get(&app, "/newsroom/revenue", &admin).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Paying members: 2"), "{page}");
    assert!(page.contains("<td>Supporter</td><td>2</td>"), "{page}");
    // $8.00 a month, and $80.00 a year as a twelfth ($6.66).
    assert!(
        page.contains(r#"<strong id="membership-mrr">$14.66</strong>"#),
        "{page}"
    );
    assert!(
        page.contains("$96.00"),
        "this month's memberships paid: {page}"
    );
    assert!(page.contains("<svg class=\"revenue-chart\""));
    // Writers and editors do not see it.
    let editor = support::staff_cookie(&*store, &f.editor).await;
    let (status, _, _) = support::get(&app, "/newsroom/revenue", &editor).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The export: every member, their tier now, formulas kept as text.
    let (status, headers, csv) = support::get(&app, "/newsroom/revenue/members.csv", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "email,name,joined,tier,status,renews_or_ends");
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ann@example.com,Reader,") && l.contains(",Supporter,active,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("cy@example.com,Reader,") && l.contains(",Free,,")),
        "{csv}"
    );
    assert!(
        csv.contains(r#"free@example.com,"'=HYPERLINK(""http://x"")""#),
        "{csv}"
    );
}

async fn an_offer_is_taken_at_checkout(store: Arc<dyn Store>) {
    use masthead_core::tier::{Cadence, Discount, OfferDuration, OfferInput};
    let Some(fake) = FakeStripe::start() else {
        return;
    };
    fixtures::paid_tier(&*store, "supporter").await;
    let tier = store.tier_by_slug("supporter").await.unwrap().unwrap();
    let offer = store
        .create_offer(
            &OfferInput {
                code: "spring".into(),
                name: "Spring".into(),
                tier: tier.id,
                cadence: Cadence::Month,
                discount: Discount::Percent(50),
                duration: OfferDuration::Months(3),
            },
            t0(),
        )
        .await
        .unwrap();
    let (base, app) = site(store.clone(), &fake).await;
    let mut reader = Browser::new(&app, "192.0.2.30", &base);
    let page = reader.get("/support/offer/spring/").await;
    assert!(page.body.contains(r#"id="redeem""#), "{}", page.body);
    let review = "/support/checkout/?offer=spring";
    let reviewed = reader.get(review).await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    assert!(
        reviewed
            .body
            .contains("Supporter: 50% off for 3 months, $4.00 a month, then $8.00 a month"),
        "{}",
        reviewed.body
    );
    let sent = reader
        .post_from(review, "/support/checkout/", &[("offer", "spring")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let checkout = sent.location.unwrap();
    // Stripe takes half off: a coupon of the offer's terms, made once.
    assert_eq!(fake.due_today(&checkout).await, "4.00 USD");
    let again = reader
        .post_from(review, "/support/checkout/", &[("offer", "spring")])
        .await;
    assert_eq!(fake.due_today(&again.location.unwrap()).await, "4.00 USD");
    let back = fake.pay(&checkout, "offer.taker@example.com").await;
    assert!(reader
        .get(local(&back, &base))
        .await
        .body
        .contains("Your membership has started"));
    // An ended offer is refused with words, and sends no one to pay.
    store.archive_offer(offer.id, true).await.unwrap();
    let ended = reader.get(review).await;
    assert_eq!(ended.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(ended.body.contains("That offer has ended."));
    // (Signed in now: the form's token is the session's.)
    let csrf = masthead_testkit::browser::csrf_in(&reader.get("/account").await.body);
    let refused = reader
        .send(
            axum::http::Method::POST,
            "/support/checkout/",
            &[("csrf", csrf.as_str()), ("offer", "spring")],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_deleted_account_stops_its_payments(store: Arc<dyn Store>) {
    let Some(fake) = FakeStripe::start() else {
        return;
    };
    fixtures::paid_tier(&*store, "supporter").await;
    let (base, app) = site(store.clone(), &fake).await;
    let mut reader = Browser::new(&app, "192.0.2.50", &base);
    let review = "/support/checkout/?tier=supporter&cadence=year";
    let sent = reader
        .post_from(
            review,
            "/support/checkout/",
            &[("tier", "supporter"), ("cadence", "year")],
        )
        .await;
    let back = fake
        .pay(&sent.location.unwrap(), "leaving@example.com")
        .await;
    reader.get(local(&back, &base)).await;
    let member = store
        .member_by_email("leaving@example.com")
        .await
        .unwrap()
        .unwrap();
    let plan = store.member_subscriptions(member.id).await.unwrap()[0]
        .reference
        .clone();
    let account = reader.get("/account").await;
    assert!(
        account.body.contains("Your plans end with it"),
        "{}",
        account.body
    );
    let deleted = reader
        .post_from("/account", "/account/delete", &[("confirm", "yes")])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    assert!(store
        .member_by_email("leaving@example.com")
        .await
        .unwrap()
        .is_none());
    // Stripe ended the plan (no more charges), and says so.
    eventually("the plan's end", || async {
        fake.events()
            .await
            .iter()
            .any(|(_, kind)| kind == "customer.subscription.deleted")
    })
    .await;
    eventually("the ended plan, stored", || async {
        store
            .member_subscriptions(member.id)
            .await
            .unwrap()
            .first()
            .is_none_or(|s| s.reference == plan && s.ended())
    })
    .await;
}
