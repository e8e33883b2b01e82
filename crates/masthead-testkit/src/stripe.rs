//! A stateful fake Stripe for tests: `localstripe` (PyPI, in `.ci/tools.sh`'s Python)
//! with the hosted Checkout and customer-portal pages it lacks, added by
//! `stripe/fake_stripe.py` on top of its own objects. Stopped when dropped. The
//! methods below play the reader at those pages and stand in for Stripe's clock.

use crate::tools;

use std::process::Child;

const SCRIPT: &str = include_str!("../stripe/fake_stripe.py");

/// The secret key the site is configured with (localstripe takes any `sk_` key).
pub const SECRET_KEY: &str = "sk_test_masthead";

pub struct FakeStripe {
    pub port: u16,
    child: Child,
    http: reqwest::Client,
}

impl FakeStripe {
    /// Starts the fake on a loopback port it binds itself (see
    /// `tools::python_server`), or `None` (with a note) when the tools' Python is
    /// missing; required under `CI=true`.
    pub fn start() -> Option<Self> {
        let (child, port) = tools::python_server("the fake Stripe", SCRIPT, &[])?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Some(Self { port, child, http })
    }

    /// The API base the site's `stripe_api_url` names.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends every event, signed with `secret`, to `url` (the site's webhook).
    pub async fn send_webhooks_to(&self, url: &str, secret: &str) {
        let r = self
            .http
            .post(format!("{}/_config/webhooks/masthead", self.url()))
            .form(&[("url", url), ("secret", secret)])
            .send()
            .await
            .expect("the fake Stripe answers");
        assert!(r.status().is_success(), "webhook not configured: {r:?}");
    }

    /// Pays at the Checkout page `url` as `email`; returns where Stripe sends the
    /// reader back (the session's success URL).
    pub async fn pay(&self, url: &str, email: &str) -> String {
        let r = self
            .http
            .post(url)
            .form(&[("email", email), ("name", "Card Holder")])
            .send()
            .await
            .expect("the fake Stripe answers");
        assert_eq!(r.status().as_u16(), 303, "payment refused: {r:?}");
        r.headers()["location"]
            .to_str()
            .expect("a location")
            .to_owned()
    }

    /// What the Checkout page `url` says is due today (e.g. "4.00 USD"), discounts
    /// taken off.
    pub async fn due_today(&self, url: &str) -> String {
        let page = self.get_text(url).await;
        page.split("Due today: ")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_else(|| panic!("no total on {page}"))
            .to_owned()
    }

    /// Cancels, at the customer-portal page `url`, every plan it lists (at the
    /// period's end, as the portal does).
    pub async fn cancel_in_portal(&self, url: &str) {
        let page = self.get_text(url).await;
        let mut cancelled = 0;
        for action in page
            .split("action=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|a| a.contains("/cancel/"))
        {
            let r = self
                .http
                .post(format!("{}{action}", self.url()))
                .send()
                .await
                .expect("the portal answers");
            assert_eq!(r.status().as_u16(), 303);
            cancelled += 1;
        }
        assert!(cancelled > 0, "the portal lists no plan to cancel: {page}");
    }

    /// The subscription ids of the plans the portal page `url` lists.
    pub async fn portal_subscriptions(&self, url: &str) -> Vec<String> {
        self.get_text(url)
            .await
            .split("id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter_map(|id| {
                id.strip_prefix("cancel-")
                    .or_else(|| id.strip_prefix("renew-"))
            })
            .map(str::to_owned)
            .collect()
    }

    /// Ends subscription `id` as its period's end would (Stripe deletes it).
    pub async fn end_subscription(&self, id: &str) {
        self.control(&format!("subscriptions/{id}/end")).await;
    }

    /// Fails subscription `id`'s renewal: it is past due.
    pub async fn fail_renewal(&self, id: &str) {
        self.control(&format!("subscriptions/{id}/fail")).await;
    }

    /// Sends event `id` again, as Stripe does when it retries.
    pub async fn resend(&self, id: &str) {
        self.control(&format!("events/{id}/resend")).await;
    }

    /// Every event sent so far, newest first, as (id, type).
    pub async fn events(&self) -> Vec<(String, String)> {
        let list: serde_json::Value = self
            .http
            .get(format!("{}/_test/events", self.url()))
            .send()
            .await
            .expect("the fake Stripe answers")
            .json()
            .await
            .expect("a list of events");
        list.as_array()
            .expect("a list")
            .iter()
            .map(|e| {
                (
                    e["id"].as_str().unwrap_or_default().to_owned(),
                    e["type"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    async fn control(&self, path: &str) {
        let r = self
            .http
            .post(format!("{}/_test/{path}", self.url()))
            .send()
            .await
            .expect("the fake Stripe answers");
        assert_eq!(r.status().as_u16(), 204, "{path}: {r:?}");
    }

    async fn get_text(&self, url: &str) -> String {
        self.http
            .get(url)
            .send()
            .await
            .expect("the fake Stripe answers")
            .text()
            .await
            .expect("a page")
    }
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
