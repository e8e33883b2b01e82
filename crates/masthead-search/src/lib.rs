//! Search on tantivy. Each node keeps its own index in its data directory; the store
//! is the truth, so the index can always be rebuilt from it (`rebuild`), and is kept
//! in step by following the store's change notices (`follow`).

mod facets;
mod stems;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Utc};
use masthead_core::article::{Article, Status, Visibility};
use masthead_core::change::Change;
use masthead_core::ids::ArticleId;
use masthead_core::search::{
    freshness, Filters, Reach, Search, SearchHit, SearchQuery, SearchResults, MAX_QUERY_CHARS,
    MAX_RESULTS,
};
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest, Store, WHOLE_BATCH};
use masthead_core::{Error, Result};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query,
    QueryParser, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value,
    FAST, INDEXED, STORED,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 32 * 1024 * 1024;
/// Most threads one search uses (one per core, up to this).
const MAX_SEARCH_THREADS: usize = 4;
/// Characters of a result's snippet.
const SNIPPET_CHARS: usize = 220;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    standfirst: Field,
    body: Field,
    tags: Field,
    people: Field,
    section: Field,
    /// When it was published (seconds since 1970), for freshness and date ranges.
    published: Field,
    /// A gated article's whole body, matched only for readers who may read it.
    gated_body: Field,
    /// `/section/SLUG`, `/tag/SLUG`, `/author/SLUG`, `/type/WORD`, `/year/2026`, and
    /// for a gated article `/gate/members`, `/gate/paid` or `/gate/tier/ID`.
    facets: Field,
    /// The words every reader sees, lowercased but not stemmed: the vocabulary that
    /// "did you mean" corrects misspellings from.
    words: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Words stemmed in the publication's language (`analyzer`): "strikes" finds
    // "strike".
    let text = |stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", text(true)),
        standfirst: b.add_text_field("standfirst", text(true)),
        body: b.add_text_field("body", text(true)),
        tags: b.add_text_field("tags", text(false)),
        people: b.add_text_field("people", text(false)),
        section: b.add_text_field("section", text(false)),
        published: b.add_i64_field("published", FAST),
        gated_body: b.add_text_field("gated_body", text(true)),
        facets: b.add_facet_field(facets::FIELD, FacetOptions::default().set_stored()),
        words: b.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(WORDS)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
    };
    (b.build(), fields)
}

/// The names of tags or people, in one text.
fn names<Id>(list: &[masthead_core::article::Named<Id>]) -> String {
    list.iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn closed() -> Error {
    Error::internal(
        "search index",
        std::io::Error::other("the index was closed"),
    )
}

fn search_error(what: &str) -> impl FnOnce(tantivy::TantivyError) -> Error + '_ {
    move |e| Error::internal(format!("search index: {what}"), e)
}

/// The name the text fields' analyzer is registered under.
const TOKENIZER: &str = "masthead";
/// The name of the analyzer that leaves words whole (`Fields::words`).
const WORDS: &str = "masthead_words";

/// The stemmer for a BCP 47 locale ("en-GB", "pt-BR", "de"), by its language; none
/// for a language tantivy has no stemmer for (its words are then matched as written,
/// lowercased).
pub fn stemmer_for(locale: &str) -> Option<Language> {
    let language = locale
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    Some(match language.as_str() {
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "de" => Language::German,
        "el" => Language::Greek,
        "en" => Language::English,
        "es" => Language::Spanish,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "nl" => Language::Dutch,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => return None,
    })
}

/// Words split on what is not a letter or digit, overlong ones dropped, lowercased,
/// then stemmed in `language` (when there is a stemmer for it; each thread remembers
/// the stems it has worked out, `stems`).
fn analyzer(language: Option<Language>) -> TextAnalyzer {
    let words = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match language {
        Some(language) => words.filter(stems::RememberedStems::new(language)).build(),
        None => words.build(),
    }
}

/// A tantivy index of the published articles.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// `None` once closed.
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    /// The language words are stemmed in ("en"; "none" without a stemmer), which the
    /// commits record: an index stemmed in another is rebuilt (`catch_up`).
    language: Mutex<String>,
    /// Each segment's documents' freshness, worked out once a minute (`Freshness`).
    freshness: Arc<Freshness>,
    /// Each segment's counted facets, read once (`facets::FacetTables`).
    facet_tables: Arc<facets::FacetTables>,
}

/// How long a segment's freshness factors are used before they are worked out again:
/// in a minute a story's factor changes by less than two parts in a hundred
/// thousand, far below what separates two scores.
const FRESHNESS_STEP_SECONDS: i64 = 60;

/// Each segment's documents' freshness factors (`search::freshness`), by segment,
/// worked out for a minute at a time: a query multiplies every match's score by its
/// factor, and looking one up costs far less than an exponential per match (it was a
/// fifth of a search's time at 100,000 articles).
#[derive(Default)]
struct Freshness {
    segments: Mutex<std::collections::HashMap<tantivy::index::SegmentId, Factors>>,
}

/// A segment's factors, and the minute they are for.
type Factors = (i64, Arc<Vec<f32>>);

impl Freshness {
    /// The factors of `segment`'s documents at the minute of `now`.
    fn of(&self, segment: &tantivy::SegmentReader, now: i64) -> Option<Arc<Vec<f32>>> {
        let minute = now - now.rem_euclid(FRESHNESS_STEP_SECONDS);
        let id = segment.segment_id();
        let mut segments = self
            .segments
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, factors)) = segments.get(&id) {
            if *at == minute {
                return Some(factors.clone());
            }
        }
        let published = segment
            .fast_fields()
            .i64("published")
            .ok()?
            .first_or_default_col(0);
        let factors: Arc<Vec<f32>> = Arc::new(
            (0..segment.max_doc())
                .map(|doc| freshness(minute.saturating_sub(published.get_val(doc))))
                .collect(),
        );
        // Segments merged away are not asked for again: keep only this minute's.
        segments.retain(|_, (at, _)| *at == minute);
        segments.insert(id, (minute, factors.clone()));
        Some(factors)
    }
}

/// What the index holds of each article, as a version its commits record with their
/// watermark: an index written by another version is rebuilt at start (`catch_up`).
/// 2: gated articles' bodies only above their preview cut (`searchable_body`).
/// 3: the publication time, for freshness. 4: live articles' entries. 5: the
/// stemming language in the payload. 6: facets, gated bodies, unstemmed words.
const CONTENT_VERSION: &str = "6";

impl SearchIndex {
    /// Opens the index in `dir`, creating it (empty) if there is none. An index written
    /// with another schema is thrown away and recreated empty: it is only a cache.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::internal(format!("cannot create {}", dir.display()), e))?;
        let (schema, fields) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => index,
            _ => {
                std::fs::remove_dir_all(dir)
                    .and_then(|()| std::fs::create_dir_all(dir))
                    .map_err(|e| Error::internal(format!("cannot reset {}", dir.display()), e))?;
                Index::create_in_dir(dir, schema).map_err(search_error("create"))?
            }
        };
        Self::with_index(index, fields)
    }

    /// An index in memory, for tests and tools.
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(mut index: Index, fields: Fields) -> Result<Self> {
        // A search reads the index's segments on every core at once: a query that
        // matches most of 100,000 articles (with its facets counted) answers in half
        // the time on two cores.
        let cores =
            std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_SEARCH_THREADS));
        if cores > 1 {
            index
                .set_multithread_executor(cores)
                .map_err(search_error("threads"))?;
        }
        index
            .tokenizers()
            .register(TOKENIZER, analyzer(Some(Language::English)));
        index.tokenizers().register(WORDS, analyzer(None));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(search_error("reader"))?;
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| match e {
                // Another process (a server on the same data directory) writes it.
                tantivy::TantivyError::LockFailure(..) => Error::conflict(
                    "the search index is in use by another process, such as a server \
                     on the same data directory, which keeps it current itself",
                ),
                e => search_error("writer")(e),
            })?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(Some(writer)),
            fields,
            language: Mutex::new("en".to_owned()),
            freshness: Arc::default(),
            facet_tables: Arc::default(),
        })
    }

    fn language(&self) -> std::sync::MutexGuard<'_, String> {
        self.language
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stems words in the language of `locale` (the publication's, from its settings)
    /// from now on; the next `catch_up` rebuilds an index stemmed in another.
    pub fn use_locale(&self, locale: &str) {
        let stemmer = stemmer_for(locale);
        let name = match stemmer {
            Some(_) => locale
                .split(['-', '_'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase(),
            None => "none".to_owned(),
        };
        let mut language = self.language();
        if *language != name {
            self.index
                .tokenizers()
                .register(TOKENIZER, analyzer(stemmer));
            *language = name;
        }
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Option<IndexWriter>> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Finishes all writing (waiting for background merges), so that the directory can
    /// be removed or copied. Later writes fail; searches still work.
    pub fn close(&self) -> Result<()> {
        match self.writer().take() {
            Some(writer) => writer.wait_merging_threads().map_err(search_error("close")),
            None => Ok(()),
        }
    }

    /// How many articles the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index's document of `a`; `entries` is the text of a live article's entries,
    /// searched as part of its body.
    fn document(&self, a: &Article, entries: &str) -> TantivyDocument {
        let f = self.fields;
        let mut body = searchable_body(a);
        if !entries.is_empty() {
            body.push(' ');
            body.push_str(entries);
        }
        let mut people = names(&a.authors);
        people.push_str(", ");
        people.push_str(&names(&a.editors));
        let section = a
            .section
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let tags = names(&a.tags);
        let words = [
            a.title.as_str(),
            &a.standfirst,
            &tags,
            &section,
            &people,
            &body,
        ]
        .join(" ");
        let mut document = doc!(
            f.id => u64::try_from(a.id.0).unwrap_or(0),
            f.title => a.title.clone(),
            f.standfirst => a.standfirst.clone(),
            f.body => body,
            f.tags => tags,
            f.people => people,
            f.section => section,
            f.published => a.published_at.map_or(0, |t| t.timestamp()),
            f.words => words,
        );
        if a.visibility != Visibility::Public {
            document.add_text(f.gated_body, plain_text(&a.body_html));
        }
        for facet in facets_of(a) {
            document.add_facet(f.facets, facet);
        }
        document
    }

    fn id_term(&self, id: ArticleId) -> Term {
        Term::from_field_u64(self.fields.id, u64::try_from(id.0).unwrap_or(0))
    }

    /// Commits what the writer holds, recording `watermark` (the newest article
    /// change the index has taken in) with it, and shows it to searches.
    fn commit(&self, writer: &mut IndexWriter, watermark: Option<DateTime<Utc>>) -> Result<()> {
        let mut prepared = writer.prepare_commit().map_err(search_error("commit"))?;
        if let Some(at) = watermark {
            let language = self.language().clone();
            prepared.set_payload(&format!("{CONTENT_VERSION} {language} {}", at.to_rfc3339()));
        }
        prepared.commit().map_err(search_error("commit"))?;
        self.reader.reload().map_err(search_error("reload"))
    }

    /// The language the index was stemmed in and the newest article change it has
    /// taken in, as its last commit says.
    fn committed(&self) -> Option<(String, DateTime<Utc>)> {
        let metas = self.index.load_metas().ok()?;
        let payload = metas.payload?;
        let rest = payload.strip_prefix(CONTENT_VERSION)?.strip_prefix(' ')?;
        let (language, at) = rest.split_once(' ')?;
        let at = DateTime::parse_from_rfc3339(at).ok()?;
        Some((language.to_owned(), at.with_timezone(&Utc)))
    }

    /// The newest article change the index has taken in, as its last commit says.
    fn watermark(&self) -> Option<DateTime<Utc>> {
        self.committed().map(|(_, at)| at)
    }

    /// Puts article `id` in the index if it is published, and takes it out otherwise.
    pub async fn refresh(&self, store: &dyn Store, id: ArticleId) -> Result<()> {
        let article = store.article(id).await?;
        let changed = article.as_ref().map(|a| a.updated_at);
        // Made before the writer is taken: no lock is held across a wait.
        let document = match article.filter(|a| a.status == Status::Published) {
            Some(a) => Some(self.document(&a, &live_text(store, &a).await?)),
            None => None,
        };
        let mut guard = self.writer();
        let writer = guard.as_mut().ok_or_else(closed)?;
        writer.delete_term(self.id_term(id));
        if let Some(document) = document {
            writer.add_document(document).map_err(search_error("add"))?;
        }
        let watermark = match (self.watermark(), changed) {
            (Some(old), Some(new)) => Some(old.max(new)),
            (old, new) => old.or(new),
        };
        self.commit(writer, watermark)
    }

    /// Replaces the whole index with the store's published articles, read and added a
    /// batch at a time (memory stays bounded by the batch and the writer's budget);
    /// returns how many. Searches see the old index until the new one is complete.
    pub async fn rebuild(&self, store: &dyn Store) -> Result<u64> {
        self.rebuild_with(store, |_| {}).await
    }

    /// `rebuild`, telling `progress` how many articles are in after each batch.
    pub async fn rebuild_with(
        &self,
        store: &dyn Store,
        mut progress: impl FnMut(u64) + Send,
    ) -> Result<u64> {
        // What the store holds now; anything changed later arrives as a notice.
        let watermark = store.last_article_change().await?;
        {
            let mut guard = self.writer();
            let writer = guard.as_mut().ok_or_else(closed)?;
            writer
                .delete_all_documents()
                .map_err(search_error("clear"))?;
        }
        let mut count = 0u64;
        let mut after = ArticleId(0);
        loop {
            let batch = store.published_after(after, WHOLE_BATCH).await?;
            let Some(last) = batch.last().map(|a| a.id) else {
                break;
            };
            let mut documents = Vec::with_capacity(batch.len());
            for a in &batch {
                documents.push(self.document(a, &live_text(store, a).await?));
            }
            let mut guard = self.writer();
            let writer = guard.as_mut().ok_or_else(closed)?;
            for d in documents {
                writer.add_document(d).map_err(search_error("add"))?;
            }
            count += batch.len() as u64;
            after = last;
            progress(count);
        }
        let mut guard = self.writer();
        let writer = guard.as_mut().ok_or_else(closed)?;
        self.commit(writer, watermark)?;
        Ok(count)
    }

    /// Rebuilds when the index is not current: it does not hold as many articles as
    /// the store publishes, or it has not taken in the store's newest change (a new
    /// node, a lost directory, changes made while this node was down).
    pub async fn catch_up(&self, store: &dyn Store) -> Result<Option<u64>> {
        let published = store
            .list_articles(&ArticleQuery::published(
                ArticleFilter::All,
                PageRequest::numbered(1, 1),
            ))
            .await?
            .total;
        let newest = store.last_article_change().await?;
        let language = self.language().clone();
        let stemmed_alike = self
            .committed()
            .is_none_or(|(committed, _)| committed == language);
        if published == self.len() && newest == self.watermark() && stemmed_alike {
            return Ok(None);
        }
        self.rebuild(store).await.map(Some)
    }

    /// Follows the store's change notices for as long as the store lives, keeping the
    /// index in step; a missed notice means a rebuild. Listens from the moment it is
    /// called, not from when the returned future first runs.
    pub fn follow(
        self: Arc<Self>,
        store: Arc<dyn Store>,
    ) -> impl std::future::Future<Output = ()> + Send {
        let changes = store.subscribe();
        self.follow_changes(store, changes)
    }

    /// After a site change: the publication's language may be another now.
    async fn follow_site(&self, store: &dyn Store) -> Result<()> {
        self.use_locale(&store.settings().await?.locale);
        self.catch_up(store).await.map(|_| ())
    }

    /// Takes the publication's language from its settings, then `catch_up`.
    pub async fn start(&self, store: &dyn Store) -> Result<Option<u64>> {
        self.use_locale(&store.settings().await?.locale);
        self.catch_up(store).await
    }

    async fn follow_changes(
        self: Arc<Self>,
        store: Arc<dyn Store>,
        mut changes: masthead_core::change::ChangeReceiver,
    ) {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let result = match changes.recv().await {
                Ok(Change::Article { id, .. } | Change::Live { article: id }) => {
                    self.refresh(&*store, id).await
                }
                Ok(Change::Site) => self.follow_site(&*store).await,
                Ok(Change::Correction { .. } | Change::Readership | Change::Media { .. }) => Ok(()),
                Err(RecvError::Lagged(_)) => self.rebuild(&*store).await.map(|_| ()),
                Err(RecvError::Closed) => return,
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not update the search index");
            }
        }
    }
}

#[async_trait]
impl Search for SearchIndex {
    async fn search(&self, query: &SearchQuery, page: PageRequest) -> Result<SearchResults> {
        let text: String = query.text.chars().take(MAX_QUERY_CHARS).collect();
        if (text.trim().is_empty() && query.filters.is_empty()) || page.limit == 0 {
            return Ok(SearchResults::default());
        }
        match self.run(&text, query, page) {
            Ok(results) => Ok(results),
            // Syntax the engine parses but cannot run (`tags:*` on a text field):
            // taken as the words it holds, never an error for the reader.
            Err(e) => {
                tracing::debug!(error = %e, query = %text, "search syntax taken as words");
                let words = plain_words(&text);
                if words.trim().is_empty() && query.filters.is_empty() {
                    return Ok(SearchResults::default());
                }
                self.run(&words, query, page)
            }
        }
    }

    async fn related(&self, article: &Article, limit: u32) -> Result<Vec<ArticleId>> {
        let f = self.fields;
        let limit = limit.min(MAX_RESULTS) as usize;
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Each shared tag counts the same, then the headline's and standfirst's words
        // as the index weighs them (rarer words more).
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = a_tags(article)
            .map(|facet| -> (Occur, Box<dyn Query>) {
                let term =
                    TermQuery::new(Term::from_facet(f.facets, &facet), IndexRecordOption::Basic);
                (
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(Box::new(term), SHARED_TAG)),
                )
            })
            .collect();
        // Then the same section, to fill up.
        if let Some(section) = &article.section {
            let term = TermQuery::new(
                Term::from_facet(
                    f.facets,
                    &Facet::from_path(["section", section.slug.as_str()]),
                ),
                IndexRecordOption::Basic,
            );
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(term), SAME_SECTION)),
            ));
        }
        // The headline's and standfirst's words, each matched in either, weighed as
        // any search weighs them (rarer words more). Not tantivy's MoreLikeThisQuery:
        // it panics while the index holds deleted documents not yet merged away.
        let mut analyzer = self
            .index
            .tokenizer_for_field(f.title)
            .map_err(search_error("related"))?;
        let text = format!("{} {}", article.title, article.standfirst);
        let mut stream = analyzer.token_stream(&text);
        let mut words: Vec<String> = Vec::new();
        while let Some(token) = stream.next() {
            if token.text.chars().count() >= 3 && !words.contains(&token.text) {
                words.push(token.text.clone());
            }
        }
        words.truncate(RELATED_WORDS);
        for word in &words {
            for field in [f.title, f.standfirst] {
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, word),
                        IndexRecordOption::WithFreqs,
                    )),
                ));
            }
        }
        clauses.push((
            Occur::MustNot,
            Box::new(TermQuery::new(
                self.id_term(article.id),
                IndexRecordOption::Basic,
            )),
        ));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &fresh_top(&self.freshness, limit, 0))
            .map_err(search_error("related"))?;
        let mut ids = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(search_error("read"))?;
            if let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) {
                ids.push(ArticleId(i64::try_from(id).unwrap_or(0)));
            }
        }
        Ok(ids)
    }
}

/// What each tag shared with a story adds to a related story's score: about what a
/// headline word shared counts.
const SHARED_TAG: f32 = 3.0;
/// What being in the same section adds: enough to fill up with the section's newest
/// when little else is shared, too little to outrank a shared tag.
const SAME_SECTION: f32 = 0.5;
/// Most words of a story's headline and standfirst that related stories are sought by.
const RELATED_WORDS: usize = 16;

/// The best `limit` after `offset`, by text score weighed by freshness
/// (`search::freshness`).
fn fresh_top(
    freshness: &Arc<Freshness>,
    limit: usize,
    offset: usize,
) -> impl tantivy::collector::Collector<Fruit = Vec<(f32, tantivy::DocAddress)>> {
    let now = Utc::now().timestamp();
    let freshness = freshness.clone();
    TopDocs::with_limit(limit).and_offset(offset).tweak_score(
        move |segment: &tantivy::SegmentReader| {
            let factors = freshness.of(segment, now);
            move |doc: tantivy::DocId, score: tantivy::Score| match &factors {
                Some(factors) => score * factors.get(doc as usize).copied().unwrap_or(1.0),
                None => score,
            }
        },
    )
}

/// The tag facets of `article`.
fn a_tags(article: &Article) -> impl Iterator<Item = Facet> + '_ {
    article
        .tags
        .iter()
        .map(|t| Facet::from_path(["tag", t.slug.as_str()]))
}

/// Everything `article` is counted and filtered by, and for a gated one who may read
/// it (`gate_facets`).
fn facets_of(a: &Article) -> Vec<Facet> {
    let mut facets: Vec<Facet> = a_tags(a).collect();
    if let Some(section) = &a.section {
        facets.push(Facet::from_path(["section", section.slug.as_str()]));
    }
    for person in &a.authors {
        facets.push(Facet::from_path(["author", person.slug.as_str()]));
    }
    facets.push(Facet::from_path(["type", a.article_type.as_str()]));
    if let Some(at) = a.published_at {
        facets.push(Facet::from_path(["year", &at.year().to_string()]));
    }
    let tiers: Vec<String> = a.tiers.iter().map(|t| t.0.to_string()).collect();
    match a.visibility {
        Visibility::Public => {}
        Visibility::Members => facets.push(Facet::from_path(["gate", "members"])),
        Visibility::Paid => facets.push(Facet::from_path(["gate", "paid"])),
        Visibility::Tiers => facets.extend(
            tiers
                .iter()
                .map(|t| Facet::from_path(["gate", "tier", t.as_str()])),
        ),
    }
    facets
}

/// The gates `reach` opens: a gated article whose facets hold one of them may be read
/// whole.
fn gate_facets(reach: &Reach) -> Vec<Facet> {
    let mut gates = Vec::new();
    if reach.members {
        gates.push(Facet::from_path(["gate", "members"]));
    }
    if reach.paid {
        gates.push(Facet::from_path(["gate", "paid"]));
    }
    for tier in &reach.tiers {
        gates.push(Facet::from_path(["gate", "tier", &tier.0.to_string()]));
    }
    gates
}

impl SearchIndex {
    /// The query for `text` and `search`'s filters: the text over what every reader
    /// sees, or over a gated body too where the reader's reach opens its gate.
    fn query(&self, text: &str, search: &SearchQuery) -> Box<dyn Query> {
        let f = self.fields;
        let parse = |fields: Vec<Field>| -> Box<dyn Query> {
            if text.trim().is_empty() {
                return Box::new(AllQuery);
            }
            let mut parser = QueryParser::for_index(&self.index, fields);
            parser.set_conjunction_by_default();
            parser.set_field_boost(f.title, 3.0);
            parser.set_field_boost(f.standfirst, 2.0);
            parser.set_field_boost(f.tags, 2.0);
            // Whatever readers type is a query: what does not parse is taken as words.
            parser.parse_query_lenient(text).0
        };
        let open = vec![f.title, f.standfirst, f.body, f.tags, f.people, f.section];
        let gates = gate_facets(&search.reach);
        let matched: Box<dyn Query> = if gates.is_empty() || text.trim().is_empty() {
            parse(open)
        } else {
            let mut all = open.clone();
            all.push(f.gated_body);
            let readable = BooleanQuery::new(vec![
                (Occur::Must, parse(all)),
                (
                    Occur::Must,
                    Box::new(TermSetQuery::new(
                        gates.iter().map(|g| Term::from_facet(f.facets, g)),
                    )),
                ),
            ]);
            // The better of the two, not their sum: a readable article is not
            // counted twice.
            Box::new(DisjunctionMaxQuery::new(vec![
                parse(open),
                Box::new(readable),
            ]))
        };
        let filters = self.filters(&search.filters);
        if filters.is_empty() {
            return matched;
        }
        let mut clauses = vec![(Occur::Must, matched)];
        clauses.extend(filters.into_iter().map(|q| (Occur::Must, q)));
        Box::new(BooleanQuery::new(clauses))
    }

    /// A query for each filter set.
    fn filters(&self, filters: &Filters) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let facet = |kind: &str, value: &str| -> Box<dyn Query> {
            // Scores nothing: a filter narrows, it does not rank.
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_facet(f.facets, &Facet::from_path([kind, value])),
                    IndexRecordOption::Basic,
                )),
                0.0,
            ))
        };
        let mut queries = Vec::new();
        if let Some(slug) = &filters.section {
            queries.push(facet("section", slug));
        }
        if let Some(slug) = &filters.tag {
            queries.push(facet("tag", slug));
        }
        if let Some(slug) = &filters.author {
            queries.push(facet("author", slug));
        }
        if let Some(kind) = filters.article_type {
            queries.push(facet("type", kind.as_str()));
        }
        if filters.since.is_some() || filters.until.is_some() {
            let at = |t: DateTime<Utc>| Term::from_field_i64(f.published, t.timestamp());
            let lower = filters
                .since
                .map_or(Bound::Unbounded, |t| Bound::Included(at(t)));
            let upper = filters
                .until
                .map_or(Bound::Unbounded, |t| Bound::Excluded(at(t)));
            queries.push(Box::new(ConstScoreQuery::new(
                Box::new(RangeQuery::new(lower, upper)),
                0.0,
            )));
        }
        queries
    }

    /// One search as the engine takes it.
    fn run(&self, text: &str, search: &SearchQuery, page: PageRequest) -> Result<SearchResults> {
        let f = self.fields;
        let query = self.query(text, search);
        let searcher = self.reader.searcher();
        self.facet_tables.keep_only(&searcher);
        let counted = facets::FacetTally {
            tables: self.facet_tables.clone(),
        };
        let suggestion = self.suggestion(&searcher, text)?;
        // Never deeper than MAX_RESULTS: the collector reserves offset + limit slots.
        let reach = page.offset.saturating_add(page.limit);
        if reach > MAX_RESULTS {
            let (total, counts) = searcher
                .search(&*query, &(Count, counted))
                .map_err(search_error("search"))?;
            return Ok(SearchResults {
                hits: Vec::new(),
                total: total as u64,
                facets: counts,
                suggestion,
            });
        }
        let top = fresh_top(&self.freshness, page.limit as usize, page.offset as usize);
        let (top, total, counts) = searcher
            .search(&*query, &(top, Count, counted))
            .map_err(search_error("search"))?;
        let snippets = |field| {
            SnippetGenerator::create(&searcher, &*query, field)
                .map(|mut g| {
                    g.set_max_num_chars(SNIPPET_CHARS);
                    g
                })
                .map_err(search_error("snippet"))
        };
        let open = snippets(f.body)?;
        let gates = gate_facets(&search.reach);
        // Passages from whole gated bodies only for a reader who may read some.
        let gated = if gates.is_empty() {
            None
        } else {
            Some(snippets(f.gated_body)?)
        };
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(search_error("read"))?;
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            // A passage from the whole body only for a reader who may read it.
            let readable = doc
                .get_all(f.facets)
                .filter_map(|v| v.as_facet())
                .any(|facet| gates.iter().any(|g| g.encoded_str() == facet));
            let snippet = match &gated {
                Some(gated) if readable => gated.snippet_from_doc(&doc),
                _ => open.snippet_from_doc(&doc),
            };
            hits.push(SearchHit {
                article: ArticleId(i64::try_from(id).unwrap_or(0)),
                snippet_html: snippet.to_html(),
            });
        }
        Ok(SearchResults {
            hits,
            total: total as u64,
            facets: counts,
            suggestion,
        })
    }

    /// `text` with each word that is in no article put right, when a close one is
    /// (the commonest within one edit, else within two for longer words); `None`
    /// when every word is known or none has a close one.
    fn suggestion(&self, searcher: &tantivy::Searcher, text: &str) -> Result<Option<String>> {
        /// Words looked at: a long query is not corrected word by word.
        const MAX_WORDS: usize = 8;
        let f = self.fields;
        let mut analyzer = analyzer(None);
        let plain = plain_words(text);
        let mut stream = analyzer.token_stream(&plain);
        let mut words = Vec::new();
        while let Some(token) = stream.next() {
            words.push(token.text.clone());
        }
        if words.is_empty() || words.len() > MAX_WORDS {
            return Ok(None);
        }
        let mut changed = false;
        for word in &mut words {
            let term = Term::from_field_text(f.words, word);
            if searcher.doc_freq(&term).map_err(search_error("words"))? > 0
                || word.chars().count() < 4
                || word.chars().any(|c| c.is_numeric())
            {
                continue;
            }
            let distances: &[u8] = if word.chars().count() >= 7 {
                &[1, 2]
            } else {
                &[1]
            };
            for distance in distances {
                if let Some(better) = self.closest(searcher, &term, *distance)? {
                    *word = better;
                    changed = true;
                    break;
                }
            }
        }
        Ok(changed.then(|| words.join(" ")))
    }

    /// The commonest word within `distance` edits of `term`, across segments.
    fn closest(
        &self,
        searcher: &tantivy::Searcher,
        term: &Term,
        distance: u8,
    ) -> Result<Option<String>> {
        let mut found: std::collections::BTreeMap<Vec<u8>, u64> = Default::default();
        for segment in searcher.segment_readers() {
            let automaton = FuzzyTermQuery::new(term.clone(), distance, true)
                .automaton()
                .map_err(search_error("words"))?;
            let index = segment
                .inverted_index(self.fields.words)
                .map_err(search_error("words"))?;
            let mut terms = index
                .terms()
                .search(automaton)
                .into_stream()
                .map_err(|e| Error::internal("search index: words", e))?;
            while terms.advance() {
                *found.entry(terms.key().to_vec()).or_default() +=
                    u64::from(terms.value().doc_freq);
            }
        }
        Ok(found
            .into_iter()
            // The commonest; between equals, the first in order (BTreeMap's).
            .fold(None, |best: Option<(Vec<u8>, u64)>, (word, n)| match best {
                Some((_, m)) if m >= n => best,
                _ => Some((word, n)),
            })
            .and_then(|(word, _)| String::from_utf8(word).ok()))
    }
}

/// The words of a query, without its syntax: field names (`tags:`) and operator
/// characters dropped.
fn plain_words(query: &str) -> String {
    query
        .split_whitespace()
        .map(|token| token.rsplit(':').next().unwrap_or(token))
        .map(|token| {
            token
                .chars()
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a live article's entries (headlines and bodies), which readers search
/// with its body; "" for any other article. A gated live article's entries are its
/// body's: only what every reader sees is searched, so none of them.
async fn live_text(store: &dyn Store, a: &Article) -> Result<String> {
    if a.article_type != masthead_core::article::ArticleType::Live
        || a.visibility != Visibility::Public
    {
        return Ok(String::new());
    }
    let entries = store.live_entries(a.id, masthead_core::live::SHOWN).await?;
    Ok(entries
        .iter()
        .map(|e| format!("{} {}", e.headline, plain_text(&e.body_html)))
        .collect::<Vec<_>>()
        .join(" "))
}

/// What of an article's body search reads: all of a public one; of a gated one, only
/// what every reader sees (the part above the preview cut, else the excerpt), so that
/// neither a snippet nor a match tells anyone what the rest says.
fn searchable_body(a: &Article) -> String {
    if a.visibility == Visibility::Public {
        plain_text(&a.body_html)
    } else {
        masthead_core::article::teaser_html(&a.body_html)
            .map_or_else(|| a.excerpt.clone(), plain_text)
    }
}

/// The text of sanitized article HTML: tags dropped (each one a word break), spaces
/// collapsed, and the few entities our renderer writes decoded.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn freshness_factors_are_worked_out_once_a_minute() {
        let index = SearchIndex::in_memory().unwrap();
        let now = 1_800_000_000_i64;
        {
            let mut writer = index.writer.lock().unwrap();
            let writer = writer.as_mut().unwrap();
            for age_days in [0_i64, 30, 365] {
                let mut doc = TantivyDocument::default();
                doc.add_i64(index.fields.published, now - age_days * 86_400);
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        index.reader.reload().unwrap();
        let searcher = index.reader.searcher();
        let segment = &searcher.segment_readers()[0];
        let cache = Freshness::default();
        let first = cache.of(segment, now + 5).unwrap();
        for (doc, age_days) in [0_i64, 30, 365].into_iter().enumerate() {
            assert_eq!(first[doc], freshness(age_days * 86_400));
        }
        assert!(
            (first[1] - 0.85).abs() < 1e-6,
            "a month-old story keeps 0.85"
        );
        // The same minute: the same factors, not worked out again.
        assert!(Arc::ptr_eq(&first, &cache.of(segment, now + 59).unwrap()));
        // The next: worked out again, a minute older.
        let next = cache.of(segment, now + 65).unwrap();
        assert!(!Arc::ptr_eq(&first, &next));
        assert_eq!(next[2], freshness(365 * 86_400 + 60));
    }

    #[test]
    fn a_locale_chooses_its_languages_stemmer() {
        for (locale, language) in [
            ("en", Some(Language::English)),
            ("en-GB", Some(Language::English)),
            ("pt_BR", Some(Language::Portuguese)),
            ("DE", Some(Language::German)),
            ("nb-NO", Some(Language::Norwegian)),
            ("sv", Some(Language::Swedish)),
            ("ja", None),
            ("", None),
            ("tlh", None),
        ] {
            assert_eq!(stemmer_for(locale), language, "{locale}");
        }
    }

    #[test]
    fn syntax_the_engine_cannot_run_is_searched_as_words() {
        let index = SearchIndex::in_memory().unwrap();
        let page = PageRequest::numbered(1, 10);
        for query in ["tags:*", "slug:*"] {
            // What the engine makes of it fails (this was a 500 for readers)...
            let ran = index.run(query, &SearchQuery::words(query), page);
            // ...and the port answers anyway.
            let answered = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(index.search(&SearchQuery::words(query), page));
            assert!(answered.is_ok(), "{query}: {ran:?}");
        }
        assert!(
            index
                .run("tags:*", &SearchQuery::words("tags:*"), page)
                .is_err(),
            "the engine refuses tags:*"
        );
    }

    #[test]
    fn query_syntax_leaves_its_words() {
        assert_eq!(plain_words("tags:* harbour").trim(), "harbour");
        assert_eq!(plain_words("slug:strike-ends").trim(), "strike ends");
        assert_eq!(plain_words("\"unclosed (((").trim(), "unclosed");
    }

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        assert_eq!(
            plain_text("<h2>Rates</h2><p>Up <strong>4%</strong> &amp; rising &lt;fast&gt;</p>"),
            "Rates Up 4% & rising <fast>"
        );
    }
}
