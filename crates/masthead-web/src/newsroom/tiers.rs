//! Tiers and offers, run by admins: paid tiers made, priced, changed and archived;
//! the free tier's words; offers for paid tiers. Every change goes into the audit log.

use super::desk::{audited, chrome, Desk, NoDeskPage, NoticeParam, Segments};
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use chrono::Utc;
use masthead_core::ids::{OfferId, TierId};
use masthead_core::people::Person;
use masthead_core::tier::{
    format_price, parse_price, Discount, Offer, OfferDuration, OfferInput, Tier, TierInput, FREE,
};
use masthead_core::Error;
use masthead_render::newsroom::{OfferRowView, TierChoice, TierRowView, TiersView};
use masthead_render::views::OfferTermsView;
use serde::Deserialize;

async fn page(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let chrome = chrome(state, desk, person, "Tiers and offers", "tiers").await?;
    let tiers = state.store.tiers(true).await?;
    let offers = state.store.offers(true).await?;
    let currency = tiers
        .iter()
        .find(|t| t.paid)
        .or(tiers.first())
        .map_or_else(|| "EUR".to_owned(), |t| t.currency.clone());
    let view = TiersView {
        chrome,
        offers: offers
            .iter()
            .filter_map(|o| {
                let tier = tiers.iter().find(|t| t.id == o.tier)?;
                Some(offer_row(o, tier))
            })
            .collect(),
        choices: tiers
            .iter()
            .filter(|t| t.paid && !t.archived)
            .map(|t| TierChoice {
                id: t.id.0,
                name: t.name.clone(),
            })
            .collect(),
        tiers: tiers.iter().map(tier_row).collect(),
        currency,
        notice,
        error,
    };
    Ok((
        status,
        Html(state.theme.render("newsroom/tiers.html", &view)?),
    )
        .into_response())
}

fn tier_row(t: &Tier) -> TierRowView {
    TierRowView {
        id: t.id.0,
        slug: t.slug.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        paid: t.paid,
        free: t.slug == FREE,
        currency: t.currency.clone(),
        monthly_price: format_price(t.monthly_price, &t.currency),
        yearly_price: format_price(t.yearly_price, &t.currency),
        trial_days: t.trial_days,
        benefits: t.benefits.join("\n"),
        public: t.public,
        archived: t.archived,
    }
}

fn offer_row(o: &Offer, tier: &Tier) -> OfferRowView {
    OfferRowView {
        id: o.id.0,
        code: o.code.clone(),
        name: o.name.clone(),
        tier: tier.name.clone(),
        terms: OfferTermsView::new(o, tier),
        archived: o.archived,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Query(q): Query<NoticeParam>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let notice = match q.notice.as_deref() {
        Some("tier") => Some("Tier saved; the support page shows it now."),
        Some("archived") => Some("Tier archived: no longer offered, kept by those who hold it."),
        Some("offered") => Some("Offered again."),
        Some("offer") => Some("Offer saved."),
        _ => None,
    };
    page(
        &state,
        &desk,
        person,
        StatusCode::OK,
        notice.map(str::to_owned),
        None,
    )
    .await
}

/// The answer to a change: on to the page with a notice (and an audit entry), or the
/// page again with what was wrong (422 for a bad form, 409 for a taken slug or code,
/// 404 for no such tier or offer).
async fn answer(
    state: &AppState,
    desk: &Desk,
    person: &Person,
    result: Result<String, Error>,
    notice: &str,
) -> Result<Response, WebError> {
    let done = format!("/newsroom/tiers?notice={notice}");
    match audited(state, desk, person, result, &done).await? {
        Ok(onward) => Ok(onward),
        Err((status, message)) => page(state, desk, person, status, None, Some(message)).await,
    }
}

#[derive(Deserialize)]
pub struct TierForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    monthly_price: String,
    #[serde(default)]
    yearly_price: String,
    #[serde(default)]
    trial_days: String,
    #[serde(default)]
    benefits: String,
    #[serde(default)]
    public: Option<String>,
}

impl TierForm {
    /// The tier this form describes; `paid` decides whether it has prices at all.
    fn input(&self, paid: bool) -> Result<TierInput, Error> {
        let currency = self.currency.trim().to_ascii_uppercase();
        let (monthly_price, yearly_price, trial_days) = if paid {
            let mut errors = Vec::new();
            let mut price = |field, text: &str| {
                parse_price(field, text, &currency).unwrap_or_else(|e| {
                    if let Error::Invalid(e) = e {
                        errors.extend(e);
                    }
                    0
                })
            };
            let monthly = price("monthly_price", &self.monthly_price);
            let yearly = price("yearly_price", &self.yearly_price);
            if !errors.is_empty() {
                return Err(Error::Invalid(errors));
            }
            let trial = match self.trial_days.trim() {
                "" => 0,
                days => days.parse().map_err(|_| {
                    Error::invalid("trial_days", "give the trial in whole days, 0 for none")
                })?,
            };
            (monthly, yearly, trial)
        } else {
            (0, 0, 0)
        };
        Ok(TierInput {
            slug: self.slug.trim().to_owned(),
            name: self.name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            paid,
            currency,
            monthly_price,
            yearly_price,
            trial_days,
            benefits: self
                .benefits
                .lines()
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_owned)
                .collect(),
            public: self.public.is_some(),
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<TierForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let result = async {
        let made = state
            .store
            .create_tier(&form.input(true)?, Utc::now())
            .await?;
        Ok(format!("tier {}: made", made.slug))
    }
    .await;
    answer(&state, &desk, person, result, "tier").await
}

pub async fn update(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<TierForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let result = async {
        let current = state
            .store
            .tier(TierId(id))
            .await?
            .ok_or_else(|| Error::not_found("tier"))?;
        let input = form.input(current.paid)?;
        let changed = state
            .store
            .update_tier(current.id, &input, Utc::now())
            .await?;
        Ok(format!("tier {}: changed", changed.slug))
    }
    .await;
    answer(&state, &desk, person, result, "tier").await
}

#[derive(Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    archived: String,
}

impl ArchiveForm {
    fn archived(&self) -> bool {
        self.archived == "1"
    }
}

pub async fn archive(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<ArchiveForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let archived = form.archived();
    let result = state
        .store
        .archive_tier(TierId(id), archived, Utc::now())
        .await
        .map(|()| {
            format!(
                "tier {id}: {}",
                if archived {
                    "archived"
                } else {
                    "offered again"
                }
            )
        });
    let notice = if archived { "archived" } else { "offered" };
    answer(&state, &desk, person, result, notice).await
}

#[derive(Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    cadence: String,
    #[serde(default)]
    discount_kind: String,
    #[serde(default)]
    discount: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    months: String,
}

impl OfferForm {
    /// The offer this form describes, amounts read in `tier`'s currency.
    fn input(&self, tier: &Tier) -> Result<OfferInput, Error> {
        let discount = match self.discount_kind.as_str() {
            "percent" => Discount::Percent(self.discount.trim().parse().map_err(|_| {
                Error::invalid("discount", "give the share as a whole number of percent")
            })?),
            "fixed" => Discount::Fixed(parse_price("discount", &self.discount, &tier.currency)?),
            _ => return Err(Error::invalid("discount", "take off a share or an amount")),
        };
        let duration = match self.duration.as_str() {
            "once" => OfferDuration::Once,
            "forever" => OfferDuration::Forever,
            "months" => OfferDuration::Months(
                self.months
                    .trim()
                    .parse()
                    .map_err(|_| Error::invalid("duration", "give the months as a number"))?,
            ),
            _ => {
                return Err(Error::invalid(
                    "duration",
                    "choose how long the offer lasts",
                ))
            }
        };
        Ok(OfferInput {
            code: self.code.trim().to_owned(),
            name: self.name.trim().to_owned(),
            tier: tier.id,
            cadence: self.cadence.parse()?,
            discount,
            duration,
        })
    }
}

pub async fn create_offer(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Form(form): Form<OfferForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let tier = match form.tier.trim().parse::<i64>() {
        Ok(id) => state.store.tier(TierId(id)).await?,
        Err(_) => None,
    };
    let result = async {
        let tier = tier.ok_or_else(|| Error::invalid("tier", "choose one of the tiers"))?;
        let made = state
            .store
            .create_offer(&form.input(&tier)?, Utc::now())
            .await?;
        Ok(format!("offer {}: made", made.code))
    }
    .await;
    answer(&state, &desk, person, result, "offer").await
}

pub async fn archive_offer(
    State(state): State<AppState>,
    Extension(desk): Extension<Desk>,
    Segments(id, _): Segments<i64, NoDeskPage>,
    Form(form): Form<ArchiveForm>,
) -> Result<Response, WebError> {
    let person = desk.signed_in()?;
    let archived = form.archived();
    let result = state
        .store
        .archive_offer(OfferId(id), archived)
        .await
        .map(|()| {
            format!(
                "offer {id}: {}",
                if archived {
                    "archived"
                } else {
                    "offered again"
                }
            )
        });
    answer(&state, &desk, person, result, "offer").await
}
