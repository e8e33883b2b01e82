//! Tiers and offers: what readers may pay for, and the discounts that bring them in.
//!
//! A publication has one free tier (every member is on it until they pay) and any
//! number of paid tiers, each with a monthly and a yearly price in a currency's minor
//! unit (cents for EUR, yen for JPY), a trial, and the benefits it lists. An offer
//! takes an amount or a share off one tier's price at one cadence, for the first
//! period, for some months or for as long as the subscription lasts; readers redeem it
//! by its code or its link. Archived tiers and offers stay for those who hold them,
//! but are no longer offered. Pure rules, table-tested; the store keeps them.

use crate::error::Validator;
use crate::ids::{OfferId, TierId};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The free tier's slug: it always exists and cannot be archived or made paid.
pub const FREE: &str = "free";
/// Longest tier or offer name, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Most benefits a tier lists, and the longest one, in characters.
pub const MAX_BENEFITS: usize = 20;
pub const MAX_BENEFIT_CHARS: usize = 120;
/// Longest trial, in days (payment providers allow up to two years; a year is plenty).
pub const MAX_TRIAL_DAYS: u32 = 365;
/// Smallest price, in minor units: less than a unit of any currency is no price.
pub const MIN_PRICE: i64 = 100;
/// Largest price, in minor units (what payment providers take in one charge).
pub const MAX_PRICE: i64 = 99_999_999;
/// Longest an offer's discount may repeat, in months.
pub const MAX_OFFER_MONTHS: u32 = 24;

/// The publication's currency, where readers give: its offered paid tiers' (the
/// first's), else its first tier's, else the euro.
pub fn publication_currency(tiers: &[Tier]) -> String {
    tiers
        .iter()
        .find(|t| t.paid && t.offered())
        .or_else(|| tiers.first())
        .map_or_else(|| "EUR".to_owned(), |t| t.currency.clone())
}

/// How often a subscription is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Month,
    Year,
}

impl Cadence {
    pub const ALL: [Cadence; 2] = [Cadence::Month, Cadence::Year];

    /// The name payment providers (Stripe's `interval`) and forms use.
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Month => "month",
            Cadence::Year => "year",
        }
    }
}

impl std::str::FromStr for Cadence {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Cadence::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| Error::invalid("cadence", "choose monthly or yearly"))
    }
}

/// A tier as admins write it.
#[derive(Debug, Clone, PartialEq)]
pub struct TierInput {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Paid tiers have prices; the free tier has none.
    pub paid: bool,
    /// ISO 4217, upper case ("EUR").
    pub currency: String,
    /// Minor units; 0 for the free tier.
    pub monthly_price: i64,
    pub yearly_price: i64,
    pub trial_days: u32,
    pub benefits: Vec<String>,
    /// Offered on the support page (and, later, the Content API's `tiers`).
    pub public: bool,
}

/// A stored tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tier {
    pub id: TierId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub paid: bool,
    pub currency: String,
    pub monthly_price: i64,
    pub yearly_price: i64,
    pub trial_days: u32,
    pub benefits: Vec<String>,
    pub public: bool,
    /// No longer offered; kept for those who hold it.
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tier {
    /// Its price at `cadence`, in minor units.
    pub fn price(&self, cadence: Cadence) -> i64 {
        match cadence {
            Cadence::Month => self.monthly_price,
            Cadence::Year => self.yearly_price,
        }
    }

    /// Whether readers may choose it now.
    pub fn offered(&self) -> bool {
        self.public && !self.archived
    }

    /// The tier as a form shows it, to be edited.
    pub fn input(&self) -> TierInput {
        TierInput {
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            paid: self.paid,
            currency: self.currency.clone(),
            monthly_price: self.monthly_price,
            yearly_price: self.yearly_price,
            trial_days: self.trial_days,
            benefits: self.benefits.clone(),
            public: self.public,
        }
    }
}

/// Whether `code` names a currency (ISO 4217, upper case) that prices may be in.
pub fn known_currency(code: &str) -> bool {
    code.len() == 3
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && rusty_money::iso::find(code).is_some()
}

/// Digits after the decimal point in `currency`'s prices (2 for EUR, 0 for JPY).
fn exponent(currency: &str) -> u32 {
    rusty_money::iso::find(currency).map_or(2, |c| c.exponent)
}

/// A price as admins type it ("5", "5.00", "5,5") in minor units of `currency`; an
/// error naming `field` for anything else (a sign, thousands separators, more decimals
/// than the currency has).
pub fn parse_price(field: &'static str, text: &str, currency: &str) -> Result<i64> {
    let digits = exponent(currency);
    let wrong = || {
        Error::invalid(
            field,
            if digits == 0 {
                "give the price in whole units, like 800".to_owned()
            } else {
                format!("give the price like 5.{}", "0".repeat(digits as usize))
            },
        )
    };
    let text = text.trim();
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 12
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > digits as usize
    {
        return Err(wrong());
    }
    let scale = 10_i64.pow(digits);
    let whole: i64 = whole.parse().map_err(|_| wrong())?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        let padded = format!("{fraction:0<width$}", width = digits as usize);
        padded.parse().map_err(|_| wrong())?
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(wrong)
}

/// A price in minor units as readers read it, the currency's way: "$8.00", "€5,00",
/// "¥800"; an unknown currency's code after the amount.
pub fn display_price(minor: i64, currency: &str) -> String {
    match rusty_money::iso::find(currency) {
        Some(c) => rusty_money::Money::from_minor(minor, c).to_string(),
        None => format!("{} {currency}", format_price(minor, currency)),
    }
}

/// A price in minor units as a form shows it: "5.00" (EUR), "800" (JPY).
pub fn format_price(minor: i64, currency: &str) -> String {
    let digits = exponent(currency);
    if digits == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = digits as usize
    )
}

fn check_name(v: &mut Validator, field: &'static str, name: &str) {
    let chars = name.trim().chars().count();
    v.check(
        (1..=MAX_NAME_CHARS).contains(&chars) && !name.chars().any(char::is_control),
        field,
        "enter a name of at most 60 characters",
    );
}

impl TierInput {
    /// The rules every tier keeps (see the module).
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        if let Err(Error::Invalid(errors)) = crate::slug::validate("slug", &self.slug) {
            errors.into_iter().for_each(|e| v.push(e));
        }
        check_name(&mut v, "name", &self.name);
        v.check(
            self.description.chars().count() <= MAX_DESCRIPTION_CHARS,
            "description",
            "keep the description under 500 characters",
        );
        v.check(
            known_currency(&self.currency),
            "currency",
            "enter a currency's three-letter code, like EUR or USD",
        );
        if self.paid {
            for (field, price) in [
                ("monthly_price", self.monthly_price),
                ("yearly_price", self.yearly_price),
            ] {
                v.check(
                    (MIN_PRICE..=MAX_PRICE).contains(&price),
                    field,
                    "a paid tier needs a price of at least 1.00 and at most 999,999.99",
                );
            }
            v.check(
                self.trial_days <= MAX_TRIAL_DAYS,
                "trial_days",
                "a trial lasts at most 365 days",
            );
        } else {
            v.check(
                self.monthly_price == 0 && self.yearly_price == 0,
                "monthly_price",
                "the free tier has no price",
            );
            v.check(
                self.trial_days == 0,
                "trial_days",
                "the free tier has no trial",
            );
        }
        v.check(
            self.benefits.len() <= MAX_BENEFITS
                && self.benefits.iter().all(|b| {
                    let chars = b.trim().chars().count();
                    (1..=MAX_BENEFIT_CHARS).contains(&chars) && !b.chars().any(char::is_control)
                }),
            "benefits",
            "list at most 20 benefits, one per line, each under 120 characters",
        );
        v.finish()
    }

    /// Whether `self` may replace `current`: the free tier stays free, public and
    /// named `free`; a paid tier stays paid (its subscribers pay for it).
    pub fn may_replace(&self, current: &Tier) -> Result<()> {
        if current.slug == FREE && self.slug != FREE {
            return Err(Error::invalid("slug", "the free tier keeps its slug"));
        }
        if self.paid != current.paid {
            return Err(Error::invalid(
                "paid",
                if current.paid {
                    "a paid tier cannot become free: archive it and make another"
                } else {
                    "the free tier cannot be paid: make a paid tier"
                },
            ));
        }
        Ok(())
    }
}

/// How much an offer takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "amount", rename_all = "lowercase")]
pub enum Discount {
    /// A share of the price, 1-100.
    Percent(u32),
    /// An amount in the tier's minor units.
    Fixed(i64),
}

impl Discount {
    /// The price after the discount, in minor units: a share rounded to the nearest
    /// minor unit (halves up), never below nothing.
    pub fn apply(self, price: i64) -> i64 {
        match self {
            Discount::Percent(p) => {
                let off = (price * i64::from(p.min(100)) + 50) / 100;
                (price - off).max(0)
            }
            Discount::Fixed(amount) => (price - amount).max(0),
        }
    }
}

/// For how long an offer's discount holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "months", rename_all = "lowercase")]
pub enum OfferDuration {
    /// The first period only.
    Once,
    /// This many months (monthly offers only).
    Months(u32),
    /// As long as the subscription lasts.
    Forever,
}

/// An offer as admins write it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferInput {
    /// What readers type, and the offer's link (`/support/offer/CODE`): a slug.
    pub code: String,
    pub name: String,
    pub tier: TierId,
    pub cadence: Cadence,
    pub discount: Discount,
    pub duration: OfferDuration,
}

/// A stored offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub id: OfferId,
    pub code: String,
    pub name: String,
    pub tier: TierId,
    pub cadence: Cadence,
    pub discount: Discount,
    pub duration: OfferDuration,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
}

impl OfferInput {
    /// The rules every offer keeps, against the tier it is for.
    pub fn validate(&self, tier: &Tier) -> Result<()> {
        let mut v = Validator::default();
        if let Err(Error::Invalid(errors)) = crate::slug::validate("code", &self.code) {
            errors.into_iter().for_each(|e| v.push(e));
        }
        check_name(&mut v, "name", &self.name);
        v.check(
            tier.paid && !tier.archived,
            "tier",
            "offers are for paid tiers still offered",
        );
        let price = tier.price(self.cadence);
        match self.discount {
            Discount::Percent(p) => v.check(
                (1..=100).contains(&p),
                "discount",
                "take off between 1 and 100 percent",
            ),
            Discount::Fixed(amount) => v.check(
                amount >= 1 && amount < price,
                "discount",
                "take off less than the tier's price",
            ),
        }
        match self.duration {
            OfferDuration::Months(months) => {
                v.check(
                    self.cadence == Cadence::Month,
                    "duration",
                    "only monthly offers last some months; yearly ones last the first year or for ever",
                );
                v.check(
                    (1..=MAX_OFFER_MONTHS).contains(&months),
                    "duration",
                    "an offer lasts between 1 and 24 months",
                );
            }
            OfferDuration::Once | OfferDuration::Forever => {}
        }
        v.finish()
    }
}

impl Offer {
    /// What the reader pays in the discounted periods, in minor units.
    pub fn price(&self, tier: &Tier) -> i64 {
        self.discount.apply(tier.price(self.cadence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid() -> TierInput {
        TierInput {
            slug: "supporter".into(),
            name: "Supporter".into(),
            description: "Keeps the newsroom going".into(),
            paid: true,
            currency: "EUR".into(),
            monthly_price: 500,
            yearly_price: 5000,
            trial_days: 14,
            benefits: vec!["Every story".into(), "The weekly letter".into()],
            public: true,
        }
    }

    fn free() -> TierInput {
        TierInput {
            slug: FREE.into(),
            name: "Free".into(),
            paid: false,
            monthly_price: 0,
            yearly_price: 0,
            trial_days: 0,
            ..paid()
        }
    }

    fn stored(input: TierInput) -> Tier {
        Tier {
            id: TierId(2),
            slug: input.slug,
            name: input.name,
            description: input.description,
            paid: input.paid,
            currency: input.currency,
            monthly_price: input.monthly_price,
            yearly_price: input.yearly_price,
            trial_days: input.trial_days,
            benefits: input.benefits,
            public: input.public,
            archived: false,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    /// The fields a tier's validation names, or none.
    fn refused(input: &TierInput) -> Vec<&'static str> {
        match input.validate() {
            Ok(()) => Vec::new(),
            Err(Error::Invalid(errors)) => errors.iter().map(|e| e.field).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn tiers_keep_their_rules() {
        let cases: Vec<(&str, TierInput, Vec<&str>)> = vec![
            ("a paid tier", paid(), vec![]),
            ("the free tier", free(), vec![]),
            (
                "a yen tier (no minor unit)",
                TierInput {
                    currency: "JPY".into(),
                    monthly_price: 800,
                    yearly_price: 8000,
                    ..paid()
                },
                vec![],
            ),
            (
                "no monthly price",
                TierInput {
                    monthly_price: 0,
                    ..paid()
                },
                vec!["monthly_price"],
            ),
            (
                "a price under one unit",
                TierInput {
                    yearly_price: MIN_PRICE - 1,
                    ..paid()
                },
                vec!["yearly_price"],
            ),
            (
                "a negative price",
                TierInput {
                    monthly_price: -500,
                    ..paid()
                },
                vec!["monthly_price"],
            ),
            (
                "more than one charge may take",
                TierInput {
                    yearly_price: MAX_PRICE + 1,
                    ..paid()
                },
                vec!["yearly_price"],
            ),
            (
                "a free tier with a price",
                TierInput {
                    monthly_price: 100,
                    ..free()
                },
                vec!["monthly_price"],
            ),
            (
                "a free tier with a trial",
                TierInput {
                    trial_days: 7,
                    ..free()
                },
                vec!["trial_days"],
            ),
            (
                "a trial over a year",
                TierInput {
                    trial_days: MAX_TRIAL_DAYS + 1,
                    ..paid()
                },
                vec!["trial_days"],
            ),
            (
                "a currency in lower case",
                TierInput {
                    currency: "eur".into(),
                    ..paid()
                },
                vec!["currency"],
            ),
            (
                "no currency at all",
                TierInput {
                    currency: "XYZ".into(),
                    ..paid()
                },
                vec!["currency"],
            ),
            (
                "no name",
                TierInput {
                    name: "  ".into(),
                    ..paid()
                },
                vec!["name"],
            ),
            (
                "a name too long",
                TierInput {
                    name: "n".repeat(MAX_NAME_CHARS + 1),
                    ..paid()
                },
                vec!["name"],
            ),
            (
                "a control character in the name",
                TierInput {
                    name: "Sup\u{0}porter".into(),
                    ..paid()
                },
                vec!["name"],
            ),
            (
                "a slug with spaces",
                TierInput {
                    slug: "big supporter".into(),
                    ..paid()
                },
                vec!["slug"],
            ),
            (
                "a description too long",
                TierInput {
                    description: "d".repeat(MAX_DESCRIPTION_CHARS + 1),
                    ..paid()
                },
                vec!["description"],
            ),
            (
                "an empty benefit",
                TierInput {
                    benefits: vec!["Every story".into(), " ".into()],
                    ..paid()
                },
                vec!["benefits"],
            ),
            (
                "too many benefits",
                TierInput {
                    benefits: vec!["One more".into(); MAX_BENEFITS + 1],
                    ..paid()
                },
                vec!["benefits"],
            ),
        ];
        for (what, input, fields) in cases {
            assert_eq!(refused(&input), fields, "{what}");
        }
    }

    #[test]
    fn a_tier_keeps_what_it_is() {
        let free_tier = stored(free());
        let paid_tier = stored(paid());
        assert!(free().may_replace(&free_tier).is_ok());
        assert!(paid().may_replace(&paid_tier).is_ok());
        // The free tier keeps its slug and stays free; a paid one stays paid.
        let renamed = TierInput {
            slug: "gratis".into(),
            ..free()
        };
        assert!(renamed.may_replace(&free_tier).is_err());
        let made_paid = TierInput {
            slug: FREE.into(),
            ..paid()
        };
        assert!(made_paid.may_replace(&free_tier).is_err());
        assert!(free().may_replace(&paid_tier).is_err());
        // Another slug for a paid tier is fine.
        let other = TierInput {
            slug: "patron".into(),
            ..paid()
        };
        assert!(other.may_replace(&paid_tier).is_ok());
    }

    #[test]
    fn discounts_round_to_the_nearest_minor_unit_and_never_below_nothing() {
        for (discount, price, expected) in [
            (Discount::Percent(50), 500, 250),
            (Discount::Percent(33), 500, 335), // 165 off
            (Discount::Percent(25), 999, 749), // 249.75 off, rounded to 250
            (Discount::Percent(100), 500, 0),
            (Discount::Percent(150), 500, 0),
            (Discount::Fixed(200), 500, 300),
            (Discount::Fixed(900), 500, 0),
        ] {
            assert_eq!(discount.apply(price), expected, "{discount:?} of {price}");
        }
    }

    #[test]
    fn offers_keep_their_rules() {
        let tier = stored(paid());
        let offer = OfferInput {
            code: "spring".into(),
            name: "Spring offer".into(),
            tier: tier.id,
            cadence: Cadence::Month,
            discount: Discount::Percent(50),
            duration: OfferDuration::Months(3),
        };
        let refused = |input: &OfferInput, tier: &Tier| match input.validate(tier) {
            Ok(()) => Vec::new(),
            Err(Error::Invalid(errors)) => errors.iter().map(|e| e.field).collect::<Vec<_>>(),
            Err(e) => panic!("{e}"),
        };
        let archived = Tier {
            archived: true,
            ..tier.clone()
        };
        let free_tier = stored(free());
        let cases: Vec<(&str, OfferInput, &Tier, Vec<&str>)> = vec![
            ("half off for three months", offer.clone(), &tier, vec![]),
            (
                "a first year at 10 off",
                OfferInput {
                    cadence: Cadence::Year,
                    discount: Discount::Fixed(1000),
                    duration: OfferDuration::Once,
                    ..offer.clone()
                },
                &tier,
                vec![],
            ),
            (
                "forever",
                OfferInput {
                    duration: OfferDuration::Forever,
                    ..offer.clone()
                },
                &tier,
                vec![],
            ),
            (
                "no percent",
                OfferInput {
                    discount: Discount::Percent(0),
                    ..offer.clone()
                },
                &tier,
                vec!["discount"],
            ),
            (
                "over a hundred percent",
                OfferInput {
                    discount: Discount::Percent(101),
                    ..offer.clone()
                },
                &tier,
                vec!["discount"],
            ),
            (
                "the whole monthly price off",
                OfferInput {
                    discount: Discount::Fixed(500),
                    ..offer.clone()
                },
                &tier,
                vec!["discount"],
            ),
            (
                "a negative amount",
                OfferInput {
                    discount: Discount::Fixed(-1),
                    ..offer.clone()
                },
                &tier,
                vec!["discount"],
            ),
            (
                "months of a yearly offer",
                OfferInput {
                    cadence: Cadence::Year,
                    ..offer.clone()
                },
                &tier,
                vec!["duration"],
            ),
            (
                "no months",
                OfferInput {
                    duration: OfferDuration::Months(0),
                    ..offer.clone()
                },
                &tier,
                vec!["duration"],
            ),
            (
                "more than two years",
                OfferInput {
                    duration: OfferDuration::Months(MAX_OFFER_MONTHS + 1),
                    ..offer.clone()
                },
                &tier,
                vec!["duration"],
            ),
            (
                "a code with a space",
                OfferInput {
                    code: "half off".into(),
                    ..offer.clone()
                },
                &tier,
                vec!["code"],
            ),
            ("for the free tier", offer.clone(), &free_tier, vec!["tier"]),
            (
                "for an archived tier",
                offer.clone(),
                &archived,
                vec!["tier"],
            ),
        ];
        for (what, input, tier, fields) in cases {
            assert_eq!(refused(&input, tier), fields, "{what}");
        }
    }

    #[test]
    fn an_offer_prices_its_tier() {
        let tier = stored(paid());
        let offer = Offer {
            id: OfferId(1),
            code: "spring".into(),
            name: "Spring".into(),
            tier: tier.id,
            cadence: Cadence::Year,
            discount: Discount::Percent(20),
            duration: OfferDuration::Once,
            archived: false,
            created_at: DateTime::UNIX_EPOCH,
        };
        assert_eq!(offer.price(&tier), 4000);
    }

    #[test]
    fn prices_are_read_and_written_in_the_currencys_units() {
        for (text, currency, expected) in [
            ("5", "EUR", Some(500)),
            ("5.00", "EUR", Some(500)),
            ("5,5", "EUR", Some(550)),
            (" 49.99 ", "USD", Some(4999)),
            ("800", "JPY", Some(800)),
            ("8.5", "JPY", None),
            ("5.001", "EUR", None),
            ("-5", "EUR", None),
            ("1,000.00", "EUR", None),
            ("", "EUR", None),
            (".50", "EUR", None),
            ("five", "EUR", None),
            ("9999999999999", "EUR", None),
        ] {
            assert_eq!(
                parse_price("monthly_price", text, currency).ok(),
                expected,
                "{text:?} {currency}"
            );
        }
        assert_eq!(format_price(500, "EUR"), "5.00");
        assert_eq!(format_price(4999, "USD"), "49.99");
        assert_eq!(format_price(5, "EUR"), "0.05");
        assert_eq!(format_price(800, "JPY"), "800");
        assert_eq!(display_price(800, "USD"), "$8.00");
        assert_eq!(display_price(4000, "USD"), "$40.00");
        assert_eq!(display_price(800, "JPY"), "¥800");
        assert!(
            display_price(550, "EUR").contains("5,50"),
            "{}",
            display_price(550, "EUR")
        );
        for (minor, currency) in [(500, "EUR"), (4999, "USD"), (800, "JPY"), (0, "EUR")] {
            let text = format_price(minor, currency);
            assert_eq!(parse_price("p", &text, currency).unwrap(), minor);
        }
    }

    #[test]
    fn cadences_read_back() {
        for cadence in Cadence::ALL {
            assert_eq!(cadence.as_str().parse::<Cadence>().unwrap(), cadence);
        }
        assert!("weekly".parse::<Cadence>().is_err());
    }
}
