//! Named fixture builders: small, purposeful newsrooms rather than one kitchen sink.

use chrono::{DateTime, Duration, TimeZone, Utc};
use masthead_core::article::{ArticleContent, NewArticle, Status};
use masthead_core::ids::{ArticleId, PersonId};
use masthead_core::newsroom::Newsroom;
use masthead_core::people::{NewPerson, Person, Role};
use masthead_core::store::Store;
use masthead_core::taxonomy::{NewSection, Section};
use masthead_core::workflow::Actor;
use std::sync::Arc;

/// A fixed "now" so that tests are repeatable.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid date")
}

/// A small newsroom: two sections and one staff member of each role.
pub struct NewsroomFixture {
    pub world: Section,
    pub business: Section,
    pub contributor: Person,
    pub author: Person,
    pub editor: Person,
    pub admin: Person,
}

impl NewsroomFixture {
    pub fn actor(person: &Person) -> Actor {
        Actor {
            person: person.id,
            role: person.role,
        }
    }
}

pub fn newsroom_service(store: Arc<dyn Store>) -> Newsroom {
    Newsroom::new(
        store,
        Arc::new(masthead_render::DocumentRenderer::default()),
    )
}

pub async fn person(store: &dyn Store, name: &str, role: Role) -> Person {
    person_with_password(store, name, role, "not-a-real-hash").await
}

/// A person who can log in: `password_hash` is a hash of their password (made by the
/// web crate's `passwords::hash`); their email is `name@example.com`, lowercased.
pub async fn person_with_password(
    store: &dyn Store,
    name: &str,
    role: Role,
    password_hash: &str,
) -> Person {
    store
        .create_person(&NewPerson {
            name: name.to_owned(),
            email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
            role,
            bio: format!("{name} writes for the paper."),
            job_title: String::new(),
            expertise: vec!["Politics".into()],
            social_links: Vec::new(),
            password_hash: password_hash.into(),
        })
        .await
        .expect("create person")
}

pub async fn newsroom(store: &dyn Store) -> NewsroomFixture {
    let section = |name: &str, position| NewSection {
        name: name.to_owned(),
        slug: String::new(),
        description: format!("{name} news"),
        position,
        in_navigation: true,
    };
    NewsroomFixture {
        world: store
            .create_section(&section("World", 1))
            .await
            .expect("section"),
        business: store
            .create_section(&section("Business", 2))
            .await
            .expect("section"),
        contributor: person(store, "Cora Contributor", Role::Contributor).await,
        author: person(store, "Ada Author", Role::Author).await,
        editor: person(store, "Ed Editor", Role::Editor).await,
        admin: person(store, "Ann Admin", Role::Admin).await,
    }
}

/// A published article in `section` by `author`, published `minutes` after `t0()`.
pub async fn published(
    newsroom: &Newsroom,
    title: &str,
    section: &Section,
    author: PersonId,
    editor: &Person,
    minutes: i64,
) -> ArticleId {
    let mut content = ArticleContent::new(
        title,
        format!("{title}.\n\nA second paragraph of reporting."),
    );
    content.section_id = Some(section.id);
    content.authors = vec![author];
    content.tags = vec!["Elections".into(), "Europe".into()];
    publish(newsroom, editor, content, t0() + Duration::minutes(minutes)).await
}

/// `content` written and published by `editor` at `at`, as the newsroom does it.
pub async fn publish(
    newsroom: &Newsroom,
    editor: &Person,
    content: ArticleContent,
    at: DateTime<Utc>,
) -> ArticleId {
    let id = newsroom
        .create_draft(NewsroomFixture::actor(editor), content, at)
        .await
        .expect("draft");
    newsroom
        .transition(
            NewsroomFixture::actor(editor),
            id,
            Status::Published,
            None,
            at,
        )
        .await
        .expect("publish");
    id
}

/// `n` published articles in `section` by `author`, stored in one go as an import
/// does: "Bulk story 0" first (published `n` minutes before `t0()`), each a minute
/// after the one before, each with a body of its own words.
pub async fn bulk_published(store: &Arc<dyn Store>, section: &Section, author: PersonId, n: usize) {
    let renderer = masthead_render::DocumentRenderer::default();
    let articles: Vec<NewArticle> = (0..n)
        .map(|i| {
            let mut content = ArticleContent::new(
                format!("Bulk story {i}"),
                format!("Reporting number {i}: the bulkword{i} appears here alone."),
            );
            content.section_id = Some(section.id);
            content.authors = vec![author];
            let at = t0() - Duration::minutes(i64::try_from(n - i).unwrap_or(0));
            NewArticle {
                rendered: renderer
                    .render_now(&content.body, "")
                    .expect("a plain body renders"),
                content,
                slug: format!("bulk-story-{i}"),
                status: Status::Published,
                created_at: at,
                published_at: Some(at),
                scheduled_at: None,
                corrections: Vec::new(),
            }
        })
        .collect();
    store
        .create_articles(&articles)
        .await
        .expect("bulk articles");
}

/// A paid tier `slug` (its name the slug capitalised) at $8.00 a month or $80.00 a
/// year, public, without a trial; its id.
pub async fn paid_tier(store: &dyn Store, slug: &str) -> masthead_core::ids::TierId {
    let mut name = slug.to_owned();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    store
        .create_tier(
            &masthead_core::tier::TierInput {
                slug: slug.to_owned(),
                name,
                description: String::new(),
                paid: true,
                currency: "USD".into(),
                monthly_price: 800,
                yearly_price: 8000,
                trial_days: 0,
                benefits: vec!["Every story".into()],
                public: true,
            },
            t0(),
        )
        .await
        .expect("a paid tier")
        .id
}

/// A member named `name` (address `name@example.com`, lower-cased) who chose
/// `newsletters`.
pub async fn subscriber(
    store: &dyn Store,
    name: &str,
    newsletters: &[&str],
) -> masthead_core::member::Member {
    let member = store
        .create_member(&masthead_core::member::NewMember {
            email: format!("{}@example.com", name.to_lowercase()),
            name: name.to_owned(),
        })
        .await
        .expect("a member");
    store
        .update_account(
            member.id,
            &masthead_core::member::AccountUpdate {
                name: name.to_owned(),
                comment_name: String::new(),
                newsletters: newsletters.iter().map(|n| (*n).to_owned()).collect(),
                reply_letters: true,
            },
            t0(),
        )
        .await
        .expect("their newsletters");
    member
}

/// Makes `member` a paying member of `tier` for a month from `at`, as the payment
/// provider's notice of their subscription would.
pub async fn pays(
    store: &dyn Store,
    member: masthead_core::ids::MemberId,
    tier: masthead_core::ids::TierId,
    at: DateTime<Utc>,
) {
    use masthead_core::payments::{
        PaymentEvent, Purpose, SubscriptionState, SubscriptionStatus, VerifiedEvent,
    };
    let state = SubscriptionState {
        reference: format!("sub_{}", member.0),
        customer: format!("cus_{}", member.0),
        member: Some(member),
        purpose: Purpose::Membership,
        tier: Some(tier),
        cadence: masthead_core::tier::Cadence::Month,
        amount: 800,
        currency: "USD".into(),
        status: SubscriptionStatus::Active,
        period_start: at,
        period_end: at + Duration::days(30),
        cancel_at_period_end: false,
        observed_at: at,
    };
    store
        .apply_payment_event(
            &VerifiedEvent {
                id: format!("evt_{}", member.0),
                kind: "customer.subscription.created".into(),
                created: at,
                event: PaymentEvent::Subscription(Box::new(state)),
            },
            at,
        )
        .await
        .expect("a subscription");
}

/// `count` members (`reader1@example.com`, ...) who chose `newsletter`, written in
/// three statements straight into the SQLite database at `url` (making them one by
/// one through the store takes minutes).
pub async fn bulk_subscribers_sqlite(url: &str, count: u32, newsletter: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url)
        .await
        .expect("the test database");
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO members (email, name, created_at) \
         SELECT 'reader' || i || '@example.com', 'Reader ' || i, '2026-01-01T00:00:00.000000Z' \
         FROM n",
    )
    .bind(i64::from(count))
    .execute(&mut conn)
    .await
    .expect("bulk members");
    sqlx::query(
        "INSERT INTO member_standing (member_id, joined_at) \
         SELECT id, created_at FROM members WHERE email LIKE 'reader%@example.com' \
         AND id NOT IN (SELECT member_id FROM member_standing)",
    )
    .execute(&mut conn)
    .await
    .expect("their standing");
    sqlx::query(
        "INSERT INTO newsletter_subscriptions (member_id, newsletter, subscribed_at) \
         SELECT id, $1, created_at FROM members WHERE email LIKE 'reader%@example.com'",
    )
    .bind(newsletter)
    .execute(&mut conn)
    .await
    .expect("their newsletter");
}
