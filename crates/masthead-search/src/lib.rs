//! Search on tantivy. Each node keeps its own index in its data directory; the store
//! is the truth, so the index can always be rebuilt from it (`rebuild`), and is kept
//! in step by following the store's change notices (`follow`).

use async_trait::async_trait;
use masthead_core::article::{Article, Status};
use masthead_core::change::Change;
use masthead_core::ids::ArticleId;
use masthead_core::search::{Search, SearchHit, SearchResults, MAX_QUERY_CHARS};
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest, Store};
use masthead_core::{Error, Result};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 32 * 1024 * 1024;
/// Articles read from the store per batch while rebuilding.
const REBUILD_BATCH: u32 = 500;
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
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // English stemming: "strikes" finds "strike".
    let text = |stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("en_stem")
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

/// A tantivy index of the published articles.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// `None` once closed.
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
}

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

    fn with_index(index: Index, fields: Fields) -> Result<Self> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(search_error("reader"))?;
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(search_error("writer"))?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(Some(writer)),
            fields,
        })
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

    fn document(&self, a: &Article) -> TantivyDocument {
        let f = self.fields;
        let mut people = names(&a.authors);
        people.push_str(", ");
        people.push_str(&names(&a.editors));
        doc!(
            f.id => u64::try_from(a.id.0).unwrap_or(0),
            f.title => a.title.clone(),
            f.standfirst => a.standfirst.clone(),
            f.body => plain_text(&a.body_html),
            f.tags => names(&a.tags),
            f.people => people,
            f.section => a.section.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        )
    }

    fn id_term(&self, id: ArticleId) -> Term {
        Term::from_field_u64(self.fields.id, u64::try_from(id.0).unwrap_or(0))
    }

    fn commit(&self, writer: &mut IndexWriter) -> Result<()> {
        writer.commit().map_err(search_error("commit"))?;
        self.reader.reload().map_err(search_error("reload"))
    }

    /// Puts article `id` in the index if it is published, and takes it out otherwise.
    pub async fn refresh(&self, store: &dyn Store, id: ArticleId) -> Result<()> {
        let article = store.article(id).await?;
        let mut guard = self.writer();
        let writer = guard.as_mut().ok_or_else(closed)?;
        writer.delete_term(self.id_term(id));
        if let Some(a) = article.filter(|a| a.status == Status::Published) {
            writer
                .add_document(self.document(&a))
                .map_err(search_error("add"))?;
        }
        self.commit(writer)
    }

    /// Replaces the whole index with the store's published articles; returns how many.
    pub async fn rebuild(&self, store: &dyn Store) -> Result<u64> {
        let mut documents = Vec::new();
        let mut number = 1;
        loop {
            let query = ArticleQuery::published(
                ArticleFilter::All,
                PageRequest::numbered(number, REBUILD_BATCH),
            );
            let page = store.list_articles(&query).await?;
            for summary in &page.items {
                if let Some(a) = store.article(summary.id).await? {
                    documents.push(self.document(&a));
                }
            }
            if page.items.len() < REBUILD_BATCH as usize {
                break;
            }
            number += 1;
        }
        let count = documents.len() as u64;
        let mut guard = self.writer();
        let writer = guard.as_mut().ok_or_else(closed)?;
        writer
            .delete_all_documents()
            .map_err(search_error("clear"))?;
        for d in documents {
            writer.add_document(d).map_err(search_error("add"))?;
        }
        self.commit(writer)?;
        Ok(count)
    }

    /// Rebuilds when the index does not hold as many articles as the store publishes
    /// (a new node, a lost directory, changes made while this node was down).
    pub async fn catch_up(&self, store: &dyn Store) -> Result<Option<u64>> {
        let published = store
            .list_articles(&ArticleQuery::published(
                ArticleFilter::All,
                PageRequest::numbered(1, 1),
            ))
            .await?
            .total;
        if published == self.len() {
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

    async fn follow_changes(
        self: Arc<Self>,
        store: Arc<dyn Store>,
        mut changes: masthead_core::change::ChangeReceiver,
    ) {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let result = match changes.recv().await {
                Ok(Change::Article { id, .. }) => self.refresh(&*store, id).await,
                Ok(Change::Site) => self.catch_up(&*store).await.map(|_| ()),
                Ok(Change::Correction { .. } | Change::Readership) => Ok(()),
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
    async fn search(&self, text: &str, page: PageRequest) -> Result<SearchResults> {
        let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
        if text.trim().is_empty() || page.limit == 0 {
            return Ok(SearchResults::default());
        }
        let f = self.fields;
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![f.title, f.standfirst, f.body, f.tags, f.people, f.section],
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 3.0);
        parser.set_field_boost(f.standfirst, 2.0);
        parser.set_field_boost(f.tags, 2.0);
        // Whatever readers type is a query: what does not parse is taken as words.
        let (query, _) = parser.parse_query_lenient(&text);
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(page.limit as usize)
            .and_offset(page.offset as usize)
            .order_by_score();
        let (top, total) = searcher
            .search(&query, &(top, Count))
            .map_err(search_error("search"))?;
        let mut snippets = SnippetGenerator::create(&searcher, &*query, f.body)
            .map_err(search_error("snippet"))?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address).map_err(search_error("read"))?;
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            let snippet = snippets.snippet_from_doc(&doc);
            hits.push(SearchHit {
                article: ArticleId(i64::try_from(id).unwrap_or(0)),
                snippet_html: snippet.to_html(),
            });
        }
        Ok(SearchResults {
            hits,
            total: total as u64,
        })
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
    use super::*;

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        assert_eq!(
            plain_text("<h2>Rates</h2><p>Up <strong>4%</strong> &amp; rising &lt;fast&gt;</p>"),
            "Rates Up 4% & rising <fast>"
        );
    }
}
