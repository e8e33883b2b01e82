//! `masthead seed`: deterministic generated content for benchmarks and tests. The same
//! `--seed` gives the same articles; generation runs on one core while the database
//! writes on the other.

use crate::cli::SeedArgs;
use crate::config::Config;
use crate::{demo, serve};
use anyhow::{anyhow, Context, Result};
use chrono::{DateTime, Duration, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use masthead_core::article::{
    ArticleContent, ArticleType, FeaturedImage, NewArticle, Source, Status, Visibility,
};
use masthead_core::ids::{MediaId, PersonId, SectionId};
use masthead_core::people::{NewPerson, Role};
use masthead_core::store::Store;
use masthead_render::DocumentRenderer;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Articles per transaction.
const BATCH: u32 = 1000;
/// Most articles one run may add.
pub const MAX_ARTICLES: u32 = 10_000_000;

const WORDS: &[&str] = &[
    "council",
    "harbour",
    "budget",
    "minister",
    "court",
    "report",
    "market",
    "energy",
    "school",
    "hospital",
    "election",
    "trade",
    "river",
    "storm",
    "league",
    "festival",
    "research",
    "vaccine",
    "climate",
    "housing",
    "transport",
    "workers",
    "union",
    "bank",
    "inflation",
    "ferry",
    "bridge",
    "museum",
    "police",
    "data",
    "software",
    "satellite",
    "farmers",
    "water",
    "coast",
    "wind",
    "solar",
    "treaty",
    "border",
    "refugees",
    "tariff",
    "exports",
    "coach",
    "season",
    "final",
    "album",
    "theatre",
    "drought",
    "forest",
    "species",
    "doctors",
    "patients",
    "schools",
    "rates",
    "growth",
    "jobs",
    "wages",
    "rents",
    "voters",
    "mayor",
    "judges",
    "scientists",
    "engineers",
];
const VERBS: &[&str] = &[
    "approves",
    "rejects",
    "warns",
    "expands",
    "delays",
    "unveils",
    "cuts",
    "doubles",
    "backs",
    "questions",
    "plans",
    "faces",
    "wins",
    "loses",
    "opens",
    "closes",
    "reviews",
    "funds",
];
const FILLER: &[&str] = &[
    "the",
    "a",
    "new",
    "local",
    "regional",
    "national",
    "after",
    "before",
    "amid",
    "over",
    "with",
    "without",
    "despite",
    "during",
    "under",
    "for",
    "from",
    "into",
    "across",
    "its",
    "their",
    "latest",
    "first",
    "second",
    "annual",
    "long-awaited",
    "disputed",
    "record",
    "modest",
];
const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Chloe", "David", "Esra", "Felix", "Grace", "Hugo", "Ines", "Jonas",
];
const LAST_NAMES: &[&str] = &[
    "Alves", "Brennan", "Costa", "Dubois", "Eze", "Fischer", "Garcia", "Holm", "Ito", "Jensen",
];

fn sentence(rng: &mut ChaCha8Rng, words: usize) -> String {
    let mut s = String::with_capacity(words * 8);
    for i in 0..words {
        let pool = match i % 3 {
            0 => FILLER,
            1 => WORDS,
            _ => {
                if rng.gen_bool(0.3) {
                    VERBS
                } else {
                    WORDS
                }
            }
        };
        let word = pool.choose(rng).copied().unwrap_or("news");
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                s.extend(first.to_uppercase());
                s.push_str(chars.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(word);
        }
    }
    s.push('.');
    s
}

fn title(rng: &mut ChaCha8Rng) -> String {
    let n = rng.gen_range(6..11);
    sentence(rng, n).trim_end_matches('.').to_owned()
}

fn body(rng: &mut ChaCha8Rng) -> String {
    let paragraphs = rng.gen_range(4..7);
    let mut out = String::with_capacity(2400);
    for p in 0..paragraphs {
        if p == 2 && rng.gen_bool(0.3) {
            out.push_str("## ");
            out.push_str(&title(rng));
            out.push_str("\n\n");
        }
        if p == 3 && rng.gen_bool(0.2) {
            out.push_str("> ");
        }
        let sentences = rng.gen_range(3..6);
        for s in 0..sentences {
            if s > 0 {
                out.push(' ');
            }
            let n = rng.gen_range(8..17);
            out.push_str(&sentence(rng, n));
        }
        out.push_str("\n\n");
    }
    out
}

/// What generated articles refer to: sections, staff, a pool of tags and pictures.
struct Cast {
    sections: Vec<SectionId>,
    staff: Vec<PersonId>,
    tags: Vec<String>,
    pictures: Vec<MediaId>,
}

/// Pictures drawn for generated articles to share.
const PICTURES: u32 = 24;
/// Their alt text and credit, in the library and on each article.
const PICTURE_ALT: &str = "A generated picture in soft colours";
const PICTURE_CREDIT: &str = "Masthead seed";

async fn prepare_cast(store: &dyn Store, media_dir: &Path) -> Result<Cast> {
    demo::ensure_sections(store).await?;
    let sections = store.sections().await.map_err(|e| anyhow!("{e}"))?;
    let mut staff = store.people().await.map_err(|e| anyhow!("{e}"))?;
    for (i, (first, last)) in FIRST_NAMES
        .iter()
        .zip(LAST_NAMES)
        .enumerate()
        .skip(staff.len())
    {
        let role = [Role::Author, Role::Editor, Role::Contributor][i % 3];
        let person = store
            .create_person(&NewPerson {
                name: format!("{first} {last}"),
                email: format!(
                    "{}.{}@seed.example",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                role,
                bio: format!("{first} {last} covers the region for the paper."),
                job_title: String::new(),
                expertise: vec!["Local politics".into()],
                social_links: Vec::new(),
                // Generated staff cannot log in: this is not a valid password hash.
                password_hash: "!".into(),
            })
            .await
            .map_err(|e| anyhow!("{e}"))?;
        staff.push(person);
    }
    let tags = WORDS
        .iter()
        .flat_map(|w| {
            ["", " policy", " crisis", " report", " watch"].map(|suffix| format!("{w}{suffix}"))
        })
        .map(|t| {
            let mut c = t.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect();
    let dir = media_dir.join("seed");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pictures = Vec::new();
    for index in 0..PICTURES {
        let name = format!("picture-{index}");
        let picture = demo::images::Picture {
            name: &name,
            section: usize::try_from(index).unwrap_or(0),
            index,
            alt: PICTURE_ALT,
            caption: "A picture drawn for generated articles.",
            credit: PICTURE_CREDIT,
        };
        pictures.push(demo::images::create(store, &dir, &picture).await?.id);
    }
    Ok(Cast {
        sections: sections.iter().map(|s| s.id).collect(),
        staff: staff.iter().map(|p| p.id).collect(),
        tags,
        pictures,
    })
}

/// The newest generated article is published at this fixed time, so runs repeat.
fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn generate(
    cast: &Cast,
    rng: &mut ChaCha8Rng,
    renderer: &DocumentRenderer,
    number: u64,
) -> NewArticle {
    let title = title(rng);
    let mut content = ArticleContent::new(title.clone(), body(rng));
    let standfirst_words = rng.gen_range(14..26);
    content.standfirst = sentence(rng, standfirst_words);
    content.section_id = cast.sections.choose(rng).copied();
    let tag_count = rng.gen_range(3..6);
    content.tags = cast.tags.choose_multiple(rng, tag_count).cloned().collect();
    let author_count = if rng.gen_bool(0.2) { 2 } else { 1 };
    let people: Vec<PersonId> = cast
        .staff
        .choose_multiple(rng, author_count + 1)
        .copied()
        .collect();
    content.authors = people[..people.len().saturating_sub(1).max(1)].to_vec();
    content.editors = people
        .last()
        .filter(|_| people.len() > 1)
        .copied()
        .into_iter()
        .collect();
    content.article_type = match rng.gen_range(0..100) {
        0..=74 => ArticleType::News,
        75..=84 => ArticleType::Analysis,
        85..=94 => ArticleType::Opinion,
        95..=97 => ArticleType::Review,
        _ => ArticleType::Blog,
    };
    content.visibility = match rng.gen_range(0..100) {
        0..=89 => Visibility::Public,
        90..=96 => Visibility::Members,
        _ => Visibility::Paid,
    };
    // Most stories have a picture, as on a news site.
    if rng.gen_bool(0.9) {
        content.featured_image = cast.pictures.choose(rng).map(|&media_id| FeaturedImage {
            media_id,
            alt: PICTURE_ALT.into(),
            caption: sentence(rng, 9),
            credit: PICTURE_CREDIT.into(),
        });
    }
    if rng.gen_bool(0.5) {
        content.sources.push(Source {
            name: "Port Alder City Council".into(),
            url: "https://portalder.example/council".into(),
            note: "Public records".into(),
        });
    }
    let published = rng.gen_bool(0.95);
    let minutes = i64::try_from(number).unwrap_or(i64::MAX / 2) * 7;
    let at = anchor() - Duration::minutes(minutes);
    let base = masthead_core::slug::slugify(&title).unwrap_or_else(|| "story".into());
    let base: String = base.chars().take(80).collect();
    NewArticle {
        // The generated bodies are plain paragraphs, well within every limit.
        rendered: renderer.render_now(&content.body, "").unwrap_or_else(|_| {
            masthead_core::article::RenderedBody {
                html: String::new(),
                excerpt: String::new(),
                word_count: 0,
            }
        }),
        content,
        slug: format!("{}-{number}", base.trim_end_matches('-')),
        status: if published {
            Status::Published
        } else {
            Status::Draft
        },
        created_at: at - Duration::hours(2),
        published_at: published.then_some(at),
        scheduled_at: None,
        corrections: Vec::new(),
    }
}

pub async fn run(config: &Config, args: SeedArgs) -> Result<()> {
    if args.articles == 0 || args.articles > MAX_ARTICLES {
        return Err(anyhow!("--articles must be between 1 and {MAX_ARTICLES}"));
    }
    let store = serve::open_store(config, false).await?;
    let started = Instant::now();
    let cast = Arc::new(prepare_cast(&*store, &config.media_dir()).await?);
    let first = store.counts().await.map_err(|e| anyhow!("{e}"))?.articles;
    let total = args.articles;

    let progress =
        ProgressBar::with_draw_target(Some(u64::from(total)), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} articles, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    // Generation (CPU: text and Markdown rendering) on a blocking thread, feeding the
    // writer through a short queue so the two overlap.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewArticle>>(2);
    let producer_cast = cast.clone();
    let seed = args.seed;
    let producer = tokio::task::spawn_blocking(move || {
        let renderer = DocumentRenderer::default();
        // Each run of a seed starting at the same count produces the same content.
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ first.rotate_left(32));
        let mut made = 0u32;
        while made < total {
            let n = BATCH.min(total - made);
            let batch = (0..n)
                .map(|i| {
                    generate(
                        &producer_cast,
                        &mut rng,
                        &renderer,
                        first + u64::from(made + i),
                    )
                })
                .collect();
            if tx.blocking_send(batch).is_err() {
                return;
            }
            made += n;
        }
    });
    while let Some(batch) = rx.recv().await {
        store
            .create_articles(&batch)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        progress.inc(batch.len() as u64);
    }
    producer
        .await
        .map_err(|e| anyhow!("the generator failed: {e}"))?;
    progress.finish_and_clear();
    store.analyze().await.map_err(|e| anyhow!("{e}"))?;

    let elapsed = started.elapsed().as_secs_f64();
    let counts = store.counts().await.map_err(|e| anyhow!("{e}"))?;
    println!(
        "Seeded {total} articles in {elapsed:.1} s ({:.0} articles/s); the {} database now holds {} articles, {} tags, {} staff.",
        f64::from(total) / elapsed.max(0.001),
        store.backend(),
        counts.articles,
        counts.tags,
        counts.people
    );
    Ok(())
}
