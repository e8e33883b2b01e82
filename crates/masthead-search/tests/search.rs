//! Search against a real store, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use masthead_core::article::{ArticleContent, Status};
use masthead_core::search::Search;
use masthead_core::store::{PageRequest, Store};
use masthead_search::SearchIndex;
use masthead_testkit::fixtures::{self, t0, NewsroomFixture};
use masthead_testkit::store_test;
use std::sync::Arc;

store_test!(
    finds_published_articles_by_words_and_stems,
    follows_publishing_editing_and_unpublishing,
    survives_a_restart_and_rebuilds_when_behind,
    rebuilds_every_article_in_batches_and_only_when_behind,
    any_query_and_any_page_is_an_answer,
    fresher_stories_rank_first_among_equals,
    live_entries_are_searched_with_their_article,
    quoted_words_are_a_phrase,
    words_are_stemmed_in_the_publications_language,
);

fn page(n: u32) -> PageRequest {
    PageRequest::numbered(n, 10)
}

/// The articles the first page of `query` finds, best first.
async fn found(index: &SearchIndex, query: &str) -> Vec<masthead_core::ids::ArticleId> {
    let results = index.search(query, page(1)).await.unwrap();
    results.hits.iter().map(|h| h.article).collect()
}

async fn publish(
    store: &Arc<dyn Store>,
    f: &NewsroomFixture,
    title: &str,
    body: &str,
    tags: &[&str],
) -> masthead_core::ids::ArticleId {
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new(title, body);
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.tags = tags.iter().map(|t| (*t).to_owned()).collect();
    fixtures::publish(&newsroom, &f.editor, content, t0()).await
}

async fn finds_published_articles_by_words_and_stems(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let strike = publish(
        &store,
        &f,
        "Dockers strike at the harbour",
        "Cranes stood idle as **workers** walked out.",
        &["Labour"],
    )
    .await;
    let budget = publish(
        &store,
        &f,
        "Council passes budget",
        "The budget funds 40 new teachers & nurses. Strikes were averted.",
        &["Politics"],
    )
    .await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut draft = ArticleContent::new("Secret strike plan", "Not yet public.");
    draft.authors = vec![f.author.id];
    newsroom
        .create_draft(NewsroomFixture::actor(&f.author), draft, t0())
        .await
        .unwrap();

    let index = SearchIndex::in_memory().unwrap();
    assert_eq!(
        index.rebuild(&*store).await.unwrap(),
        2,
        "drafts are not indexed"
    );
    let hits = |r: masthead_core::search::SearchResults| {
        r.hits.iter().map(|h| h.article).collect::<Vec<_>>()
    };

    // Stems: "strikes" finds "strike"; the headline match ranks first.
    let found = index.search("strikes", page(1)).await.unwrap();
    assert_eq!(found.total, 2);
    assert_eq!(hits(found.clone()), [strike, budget]);
    // All words must match; tags and bylines count.
    assert_eq!(
        hits(index.search("budget nurses", page(1)).await.unwrap()),
        [budget]
    );
    assert_eq!(
        hits(index.search("labour", page(1)).await.unwrap()),
        [strike]
    );
    assert_eq!(index.search("Ada Author", page(1)).await.unwrap().total, 2);
    // Snippets come from the body, escaped, matches in <b>.
    let snippet = &index.search("teachers", page(1)).await.unwrap().hits[0].snippet_html;
    assert!(
        snippet.contains("<b>teachers</b> &amp; nurses"),
        "text is escaped: {snippet}"
    );
    // Anything typed is a query; nothing matching is no error.
    for odd in [
        "\"unclosed",
        "AND OR",
        "title:(",
        "((",
        "*",
        "🦀",
        &"x".repeat(5000),
    ] {
        index
            .search(odd, page(1))
            .await
            .unwrap_or_else(|e| panic!("{odd:?}: {e}"));
    }
    assert_eq!(index.search("   ", page(1)).await.unwrap().total, 0);
    assert!(index
        .search("zeppelin", page(1))
        .await
        .unwrap()
        .hits
        .is_empty());
    // Pages.
    assert_eq!(
        index
            .search("strikes", PageRequest::numbered(2, 1))
            .await
            .unwrap()
            .hits
            .len(),
        1
    );
    assert!(index
        .search("strikes", page(2))
        .await
        .unwrap()
        .hits
        .is_empty());
}

async fn follows_publishing_editing_and_unpublishing(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let index = Arc::new(SearchIndex::in_memory().unwrap());
    let following = tokio::spawn(index.clone().follow(store.clone()));
    let total = |q: &'static str| {
        let index = index.clone();
        async move { index.search(q, page(1)).await.unwrap().total }
    };
    // Notices are handled in the background: wait for each to land.
    async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
        for _ in 0..200 {
            if check().await {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("{what} never happened");
    }
    let id = publish(
        &store,
        &f,
        "Ferry fares frozen",
        "The ferry company froze fares.",
        &[],
    )
    .await;
    eventually("publishing is indexed", async || total("ferry").await == 1).await;

    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.title = "Ferry fares cut".into();
    content.body =
        masthead_core::document::Document::from_markdown("The operator cut fares for pensioners.");
    newsroom
        .update(NewsroomFixture::actor(&f.editor), id, content, t0())
        .await
        .unwrap();
    eventually("edits are indexed", async || total("pensioners").await == 1).await;
    assert_eq!(total("froze").await, 0, "the old text is gone");

    newsroom
        .transition(
            NewsroomFixture::actor(&f.editor),
            id,
            Status::Unpublished,
            None,
            t0(),
        )
        .await
        .unwrap();
    eventually("unpublishing removes it", async || {
        total("ferry").await == 0
    })
    .await;
    following.abort();
}

async fn survives_a_restart_and_rebuilds_when_behind(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    publish(
        &store,
        &f,
        "Lighthouse restored",
        "The old lighthouse shines again.",
        &[],
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(
            index.catch_up(&*store).await.unwrap(),
            Some(1),
            "a new index is built"
        );
        assert_eq!(
            index.catch_up(&*store).await.unwrap(),
            None,
            "an index in step is kept"
        );
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.len(), 1, "the index outlives the process");
    assert_eq!(index.search("lighthouse", page(1)).await.unwrap().total, 1);
    // Published while this node was away: the count tells, and it catches up.
    publish(&store, &f, "Harbour lights", "New lights on the pier.", &[]).await;
    assert_eq!(index.catch_up(&*store).await.unwrap(), Some(2));
    assert_eq!(index.search("pier", page(1)).await.unwrap().total, 1);
    // Closed, it still answers searches but takes no more writes.
    index.close().unwrap();
    assert_eq!(index.search("pier", page(1)).await.unwrap().total, 1);
    assert!(index.rebuild(&*store).await.is_err());
    // A directory that holds no index (or a broken one) is replaced, not fatal.
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("meta.json"), "not json").unwrap();
    let index = SearchIndex::open(broken.path()).unwrap();
    assert!(index.is_empty());
}

/// More articles than a store page (100) and than a batch (500): the rebuild takes in
/// every one, the oldest included, and a current index is not rebuilt at start.
async fn rebuilds_every_article_in_batches_and_only_when_behind(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    fixtures::bulk_published(&store, &f.world, f.author.id, 1_050).await;
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.catch_up(&*store).await.unwrap(), Some(1_050));
        assert_eq!(index.len(), 1_050);
        for n in [0, 1, 99, 100, 499, 500, 501, 1_049] {
            let hits = index
                .search(&format!("bulkword{n}"), page(1))
                .await
                .unwrap();
            assert_eq!(hits.total, 1, "article {n} is found");
        }
        let oldest = index.search("\"Bulk story 0\"", page(1)).await.unwrap();
        assert!(oldest.total >= 1, "the oldest by its own headline");
        index.close().unwrap();
    }
    // The next start finds the index current: no rebuild.
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.catch_up(&*store).await.unwrap(), None);
    // An edit made while this node was not following: the counts still match, but the
    // index has not seen the newest change, so it catches up.
    let newsroom = fixtures::newsroom_service(store.clone());
    let id = store
        .article_by_slug("bulk-story-7")
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut content = store.article(id).await.unwrap().unwrap().content();
    content.body =
        masthead_core::document::Document::from_markdown("Rewritten with the word quokka.");
    newsroom
        .update(NewsroomFixture::actor(&f.editor), id, content, t0())
        .await
        .unwrap();
    assert_eq!(index.catch_up(&*store).await.unwrap(), Some(1_050));
    assert_eq!(index.search("quokka", page(1)).await.unwrap().total, 1);
    assert_eq!(index.catch_up(&*store).await.unwrap(), None);
}

/// Whatever a reader types and whatever page they ask for is an answer: query syntax
/// the engine cannot run is taken as words, and a page far past the last reserves
/// nothing (it once aborted the process on a 32 GB allocation).
async fn any_query_and_any_page_is_an_answer(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    publish(
        &store,
        &f,
        "Harbour strike",
        "Dockers walked out.",
        &["Labour"],
    )
    .await;
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&*store).await.unwrap();
    for query in [
        "slug:*",
        "tags:*",
        "title:*",
        "*",
        "id:[1 TO 5]",
        "title:",
        "\"unclosed",
        "AND OR NOT",
        "harbour^99999999999",
        "(((",
        "-",
        "tags:labour",
        "people:*ada*",
    ] {
        assert!(index.search(query, page(1)).await.is_ok(), "{query}");
    }
    let words = index.search("tags:* harbour", page(1)).await.unwrap();
    assert_eq!(
        words.total, 1,
        "the words of what could not run are searched"
    );
    for number in [100_000_000, u32::MAX] {
        let far = index
            .search("harbour", PageRequest::numbered(number, 20))
            .await
            .unwrap();
        assert!(far.hits.is_empty());
        assert_eq!(far.total, 1, "the count is still told");
    }
    let edge = index
        .search(
            "harbour",
            PageRequest {
                offset: 990,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert!(edge.hits.is_empty(), "past the one match, within the bound");
}

/// Of two stories that match alike, the fresher ranks first; a story that matches in
/// its headline still beats a fresher one that only mentions the words.
async fn fresher_stories_rank_first_among_equals(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let now = chrono::Utc::now();
    let at = |title: &str, body: &str, days: i64| {
        let newsroom = newsroom.clone();
        let mut content = ArticleContent::new(title, body);
        content.section_id = Some(f.world.id);
        content.authors = vec![f.author.id];
        let editor = f.editor.clone();
        async move {
            fixtures::publish(
                &newsroom,
                &editor,
                content,
                now - chrono::Duration::days(days),
            )
            .await
        }
    };
    let old = at(
        "Ferry timetable changes",
        "The island service runs later.",
        400,
    )
    .await;
    let new = at(
        "Ferry timetable changes",
        "The island service runs later.",
        1,
    )
    .await;
    let mention = at(
        "Council notes",
        "Among other things, the ferry was discussed.",
        0,
    )
    .await;
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&*store).await.unwrap();
    assert_eq!(
        found(&index, "ferry timetable").await,
        [new, old],
        "fresher first among equals"
    );
    assert_eq!(
        found(&index, "ferry").await,
        [new, old, mention],
        "a headline match beats a fresh mention"
    );
}

/// A live article is found by the words of its entries, those posted before a
/// rebuild and those posted while the index follows the store.
async fn live_entries_are_searched_with_their_article(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let mut content = ArticleContent::new("Live: storm over the sound", "Updates as they come.");
    content.section_id = Some(f.world.id);
    content.authors = vec![f.author.id];
    content.article_type = masthead_core::article::ArticleType::Live;
    let live = fixtures::publish(&newsroom, &f.editor, content, t0()).await;
    let entry = |headline: &str, words: &str| masthead_core::live::EntryContent {
        headline: headline.into(),
        body: masthead_core::document::Document::from_markdown(words),
    };
    let editor = NewsroomFixture::actor(&f.editor);
    newsroom
        .post_live_entry(
            editor,
            "Ed",
            live,
            entry("Seawall holds", "Waves top the promenade."),
            t0(),
        )
        .await
        .unwrap();
    let index = Arc::new(SearchIndex::in_memory().unwrap());
    index.rebuild(&*store).await.unwrap();
    assert_eq!(found(&index, "seawall").await, [live]);
    assert_eq!(found(&index, "promenade").await, [live]);
    tokio::spawn(index.clone().follow(store.clone()));
    newsroom
        .post_live_entry(
            editor,
            "Ed",
            live,
            entry("", "The breakwater is closed."),
            t0(),
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = found(&index, "breakwater").await;
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, [live], "an entry posted later is found");
}

/// Words in quotes are found together and in order; without quotes, anywhere.
async fn quoted_words_are_a_phrase(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let together = publish(
        &store,
        &f,
        "Harbour fees rise",
        "The harbour fees rise in May.",
        &[],
    )
    .await;
    let apart = publish(
        &store,
        &f,
        "Port notes",
        "Fees for the old harbour stay as they were.",
        &[],
    )
    .await;
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&*store).await.unwrap();
    let mut words = found(&index, "harbour fees").await;
    words.sort();
    assert_eq!(words, [together, apart]);
    assert_eq!(
        found(&index, "\"harbour fees\"").await,
        [together],
        "only where the words stand together"
    );
    let reversed = index.search("\"fees harbour\"", page(1)).await.unwrap();
    assert!(reversed.hits.is_empty(), "and in that order");
}

/// Words are stemmed in the language of the publication's locale; an index stemmed in
/// another is rebuilt when the index starts, and then only once.
async fn words_are_stemmed_in_the_publications_language(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    publish(&store, &f, "Dockers strike", "Cranes stood idle.", &[]).await;
    let index = SearchIndex::in_memory().unwrap();
    assert_eq!(index.start(&*store).await.unwrap(), Some(1));
    assert_eq!(index.start(&*store).await.unwrap(), None, "current");
    assert_eq!(
        index.search("strikes", page(1)).await.unwrap().total,
        1,
        "English stems"
    );
    // A language without a stemmer: words match as written.
    let mut settings = store.settings().await.unwrap();
    settings.locale = "tlh".into();
    store.save_settings(&settings).await.unwrap();
    assert_eq!(index.start(&*store).await.unwrap(), Some(1), "rebuilt");
    assert_eq!(index.start(&*store).await.unwrap(), None, "once");
    assert_eq!(index.search("strikes", page(1)).await.unwrap().total, 0);
    assert_eq!(index.search("strike", page(1)).await.unwrap().total, 1);
    settings.locale = "en-GB".into();
    store.save_settings(&settings).await.unwrap();
    assert_eq!(index.start(&*store).await.unwrap(), Some(1));
    assert_eq!(index.search("strikes", page(1)).await.unwrap().total, 1);
}
