//! Search against a real store, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use masthead_core::article::{ArticleContent, Status};
use masthead_core::search::{Search, SearchQuery};
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
    filters_narrow_and_facets_count_the_matches,
    gated_bodies_are_searched_only_by_readers_who_may_read_them,
    a_misspelled_word_gets_a_suggestion,
    related_stories_share_tags_then_words_then_the_section,
);

fn page(n: u32) -> PageRequest {
    PageRequest::numbered(n, 10)
}

/// The articles the first page of `query` finds, best first.
async fn found(index: &SearchIndex, query: &str) -> Vec<masthead_core::ids::ArticleId> {
    let results = index
        .search(&SearchQuery::words(query), page(1))
        .await
        .unwrap();
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
    let found = index
        .search(&SearchQuery::words("strikes"), page(1))
        .await
        .unwrap();
    assert_eq!(found.total, 2);
    assert_eq!(hits(found.clone()), [strike, budget]);
    // All words must match; tags and bylines count.
    assert_eq!(
        hits(
            index
                .search(&SearchQuery::words("budget nurses"), page(1))
                .await
                .unwrap()
        ),
        [budget]
    );
    assert_eq!(
        hits(
            index
                .search(&SearchQuery::words("labour"), page(1))
                .await
                .unwrap()
        ),
        [strike]
    );
    assert_eq!(
        index
            .search(&SearchQuery::words("Ada Author"), page(1))
            .await
            .unwrap()
            .total,
        2
    );
    // Snippets come from the body, escaped, matches in <b>.
    let snippet = &index
        .search(&SearchQuery::words("teachers"), page(1))
        .await
        .unwrap()
        .hits[0]
        .snippet_html;
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
            .search(&SearchQuery::words(odd), page(1))
            .await
            .unwrap_or_else(|e| panic!("{odd:?}: {e}"));
    }
    assert_eq!(
        index
            .search(&SearchQuery::words("   "), page(1))
            .await
            .unwrap()
            .total,
        0
    );
    assert!(index
        .search(&SearchQuery::words("zeppelin"), page(1))
        .await
        .unwrap()
        .hits
        .is_empty());
    // Pages.
    assert_eq!(
        index
            .search(&SearchQuery::words("strikes"), PageRequest::numbered(2, 1))
            .await
            .unwrap()
            .hits
            .len(),
        1
    );
    assert!(index
        .search(&SearchQuery::words("strikes"), page(2))
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
        async move {
            index
                .search(&SearchQuery::words(q), page(1))
                .await
                .unwrap()
                .total
        }
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
    assert_eq!(
        index
            .search(&SearchQuery::words("lighthouse"), page(1))
            .await
            .unwrap()
            .total,
        1
    );
    // Published while this node was away: the count tells, and it catches up.
    publish(&store, &f, "Harbour lights", "New lights on the pier.", &[]).await;
    assert_eq!(index.catch_up(&*store).await.unwrap(), Some(2));
    assert_eq!(
        index
            .search(&SearchQuery::words("pier"), page(1))
            .await
            .unwrap()
            .total,
        1
    );
    // Closed, it still answers searches but takes no more writes.
    index.close().unwrap();
    assert_eq!(
        index
            .search(&SearchQuery::words("pier"), page(1))
            .await
            .unwrap()
            .total,
        1
    );
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
                .search(&SearchQuery::words(&format!("bulkword{n}")), page(1))
                .await
                .unwrap();
            assert_eq!(hits.total, 1, "article {n} is found");
        }
        let oldest = index
            .search(&SearchQuery::words("\"Bulk story 0\""), page(1))
            .await
            .unwrap();
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
    assert_eq!(
        index
            .search(&SearchQuery::words("quokka"), page(1))
            .await
            .unwrap()
            .total,
        1
    );
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
        assert!(
            index
                .search(&SearchQuery::words(query), page(1))
                .await
                .is_ok(),
            "{query}"
        );
    }
    let words = index
        .search(&SearchQuery::words("tags:* harbour"), page(1))
        .await
        .unwrap();
    assert_eq!(
        words.total, 1,
        "the words of what could not run are searched"
    );
    for number in [100_000_000, u32::MAX] {
        let far = index
            .search(
                &SearchQuery::words("harbour"),
                PageRequest::numbered(number, 20),
            )
            .await
            .unwrap();
        assert!(far.hits.is_empty());
        assert_eq!(far.total, 1, "the count is still told");
    }
    let edge = index
        .search(
            &SearchQuery::words("harbour"),
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
    let reversed = index
        .search(&SearchQuery::words("\"fees harbour\""), page(1))
        .await
        .unwrap();
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
        index
            .search(&SearchQuery::words("strikes"), page(1))
            .await
            .unwrap()
            .total,
        1,
        "English stems"
    );
    // A language without a stemmer: words match as written.
    let mut settings = store.settings().await.unwrap();
    settings.locale = "tlh".into();
    store.save_settings(&settings).await.unwrap();
    assert_eq!(index.start(&*store).await.unwrap(), Some(1), "rebuilt");
    assert_eq!(index.start(&*store).await.unwrap(), None, "once");
    assert_eq!(
        index
            .search(&SearchQuery::words("strikes"), page(1))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        index
            .search(&SearchQuery::words("strike"), page(1))
            .await
            .unwrap()
            .total,
        1
    );
    settings.locale = "en-GB".into();
    store.save_settings(&settings).await.unwrap();
    assert_eq!(index.start(&*store).await.unwrap(), Some(1));
    assert_eq!(
        index
            .search(&SearchQuery::words("strikes"), page(1))
            .await
            .unwrap()
            .total,
        1
    );
}

/// Publishes `content` at `at` (by the editor).
async fn publish_at(
    store: &Arc<dyn Store>,
    f: &NewsroomFixture,
    content: ArticleContent,
    at: chrono::DateTime<chrono::Utc>,
) -> masthead_core::ids::ArticleId {
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::publish(&newsroom, &f.editor, content, at).await
}

fn counts(list: &[(String, u64)]) -> Vec<(&str, u64)> {
    list.iter().map(|(v, n)| (v.as_str(), *n)).collect()
}

async fn filters_narrow_and_facets_count_the_matches(store: Arc<dyn Store>) {
    use masthead_core::article::ArticleType;
    use masthead_core::search::Filters;
    let f = fixtures::newsroom(&*store).await;
    let story = |title: &str, section: &masthead_core::taxonomy::Section, tags: &[&str]| {
        let mut c = ArticleContent::new(title, format!("{title}: the harbour story.\n\nMore."));
        c.section_id = Some(section.id);
        c.authors = vec![f.author.id];
        c.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        c
    };
    let old = t0() - chrono::Duration::days(400);
    let a = publish_at(
        &store,
        &f,
        story("Dockers walk out", &f.world, &["Labour", "Ports"]),
        t0(),
    )
    .await;
    let mut opinion = story("Pay the dockers", &f.world, &["Labour"]);
    opinion.article_type = ArticleType::Opinion;
    opinion.authors = vec![f.editor.id];
    let b = publish_at(&store, &f, opinion, t0()).await;
    let c = publish_at(
        &store,
        &f,
        story("Port profits", &f.business, &["Ports"]),
        old,
    )
    .await;
    let _elsewhere = publish_at(
        &store,
        &f,
        ArticleContent::new("Council budget", "Schools.\n\nMore."),
        t0(),
    )
    .await;
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&*store).await.unwrap();
    let search = |filters: Filters, text: &str| {
        let query = SearchQuery {
            text: text.to_owned(),
            filters,
            ..SearchQuery::default()
        };
        let index = &index;
        async move { index.search(&query, page(1)).await.unwrap() }
    };
    let ids = |r: &masthead_core::search::SearchResults| {
        let mut ids: Vec<_> = r.hits.iter().map(|h| h.article).collect();
        ids.sort();
        ids
    };

    let all = search(Filters::default(), "harbour").await;
    assert_eq!(all.total, 3);
    let year = |at: chrono::DateTime<chrono::Utc>| chrono::Datelike::year(&at).to_string();
    let facets = &all.facets;
    assert_eq!(counts(&facets.sections), [("world", 2), ("business", 1)]);
    assert_eq!(counts(&facets.tags), [("labour", 2), ("ports", 2)]);
    assert_eq!(
        counts(&facets.authors),
        [(f.author.slug.as_str(), 2), (f.editor.slug.as_str(), 1)]
    );
    assert_eq!(counts(&facets.types), [("news", 2), ("opinion", 1)]);
    assert_eq!(
        counts(&facets.years),
        [(year(t0()).as_str(), 2), (year(old).as_str(), 1)],
        "years newest first"
    );

    let by = |f: Filters| f;
    let world = search(
        by(Filters {
            section: Some("world".into()),
            ..Filters::default()
        }),
        "harbour",
    )
    .await;
    assert_eq!(ids(&world), [a, b]);
    assert_eq!(
        counts(&world.facets.sections),
        [("world", 2)],
        "counts follow the filter"
    );
    let ports = search(
        by(Filters {
            tag: Some("ports".into()),
            ..Filters::default()
        }),
        "harbour",
    )
    .await;
    assert_eq!(ids(&ports), [a, c]);
    let editor = search(
        Filters {
            author: Some(f.editor.slug.clone()),
            ..Filters::default()
        },
        "harbour",
    )
    .await;
    assert_eq!(ids(&editor), [b]);
    let opinions = search(
        Filters {
            article_type: Some(ArticleType::Opinion),
            ..Filters::default()
        },
        "harbour",
    )
    .await;
    assert_eq!(ids(&opinions), [b]);
    // A date range: `since` included, `until` excluded.
    let recent = search(
        Filters {
            since: Some(t0()),
            until: Some(t0() + chrono::Duration::seconds(1)),
            ..Filters::default()
        },
        "harbour",
    )
    .await;
    assert_eq!(ids(&recent), [a, b]);
    let before = search(
        Filters {
            until: Some(t0()),
            ..Filters::default()
        },
        "harbour",
    )
    .await;
    assert_eq!(ids(&before), [c]);
    // Filters together.
    let both = search(
        Filters {
            section: Some("world".into()),
            tag: Some("ports".into()),
            ..Filters::default()
        },
        "harbour",
    )
    .await;
    assert_eq!(ids(&both), [a]);
    // No words: browsing a filter, newest first.
    let browse = search(
        Filters {
            tag: Some("ports".into()),
            ..Filters::default()
        },
        "",
    )
    .await;
    assert_eq!(
        browse.hits.iter().map(|h| h.article).collect::<Vec<_>>(),
        [a, c]
    );
    // An unknown value matches nothing, and is no error.
    let none = search(
        Filters {
            section: Some("no-such".into()),
            ..Filters::default()
        },
        "harbour",
    )
    .await;
    assert_eq!(none.total, 0);
    // Facets are counted beyond the last page reached.
    let deep = index
        .search(
            &SearchQuery::words("harbour"),
            PageRequest::numbered(1000, 10),
        )
        .await
        .unwrap();
    assert_eq!((deep.total, deep.facets.sections.len()), (3, 2));
}

async fn gated_bodies_are_searched_only_by_readers_who_may_read_them(store: Arc<dyn Store>) {
    use masthead_core::article::Visibility;
    use masthead_core::search::Reach;
    let f = fixtures::newsroom(&*store).await;
    let gold = fixtures::paid_tier(&*store, "gold").await;
    let silver = fixtures::paid_tier(&*store, "silver").await;
    let gated = |title: &str, visibility: Visibility, tiers: Vec<masthead_core::ids::TierId>| {
        let mut c = ArticleContent::new(
            title,
            format!("Everyone reads this {title} opening.\n\n<!--members-only-->\n\nThe {title} quokka secret.\n\nMore."),
        );
        c.authors = vec![f.author.id];
        c.visibility = visibility;
        c.tiers = tiers;
        c
    };
    let members = publish_at(
        &store,
        &f,
        gated("alpha", Visibility::Members, vec![]),
        t0(),
    )
    .await;
    let paid = publish_at(&store, &f, gated("beta", Visibility::Paid, vec![]), t0()).await;
    let tiered = publish_at(
        &store,
        &f,
        gated("gamma", Visibility::Tiers, vec![gold]),
        t0(),
    )
    .await;
    let open = publish_at(
        &store,
        &f,
        ArticleContent::new("Free quokka", "The quokka, for all.\n\nMore."),
        t0(),
    )
    .await;
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&*store).await.unwrap();
    let search = |reach: Reach, text: &str| {
        let query = SearchQuery {
            text: text.to_owned(),
            reach,
            ..SearchQuery::default()
        };
        let index = &index;
        async move { index.search(&query, page(1)).await.unwrap() }
    };
    let ids = |r: &masthead_core::search::SearchResults| {
        let mut ids: Vec<_> = r.hits.iter().map(|h| h.article).collect();
        ids.sort();
        ids
    };
    let anyone = Reach::default();
    let member = Reach {
        members: true,
        ..Reach::default()
    };
    let paying_silver = Reach {
        members: true,
        paid: true,
        tiers: vec![silver],
    };
    let paying_gold = Reach {
        members: true,
        paid: true,
        tiers: vec![gold],
    };
    for (who, reach, expected) in [
        ("anyone", &anyone, vec![open]),
        ("a member", &member, vec![members, open]),
        ("a silver member", &paying_silver, vec![members, paid, open]),
        (
            "a gold member",
            &paying_gold,
            vec![members, paid, tiered, open],
        ),
    ] {
        let found = search(reach.clone(), "quokka").await;
        assert_eq!(ids(&found), expected, "{who}");
        assert_eq!(found.total, expected.len() as u64, "{who}");
        // No passage ever shows a word from a body its reader may not read.
        for hit in &found.hits {
            assert!(
                !hit.snippet_html.contains("secret") || expected.contains(&hit.article),
                "{who}: {}",
                hit.snippet_html
            );
        }
    }
    // A member's passage comes from the whole body they may read.
    let found = search(member.clone(), "secret").await;
    assert_eq!(ids(&found), [members]);
    assert!(
        found.hits[0].snippet_html.contains("<b>secret</b>"),
        "{}",
        found.hits[0].snippet_html
    );
    // Words above the cut, and headlines, are everyone's.
    assert_eq!(
        ids(&search(anyone.clone(), "opening").await),
        [members, paid, tiered]
    );
    assert_eq!(ids(&search(anyone.clone(), "gamma").await), [tiered]);
    // Words in two places: one above the cut, one below, for one who may not read.
    assert_eq!(search(anyone, "opening secret").await.total, 0);
    assert_eq!(ids(&search(member, "opening secret").await), [members]);
}

async fn a_misspelled_word_gets_a_suggestion(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    publish(
        &store,
        &f,
        "Dockers strike at the harbour",
        "Cranes stood idle in the harbour as the government watched.",
        &["Labour"],
    )
    .await;
    publish(
        &store,
        &f,
        "Harbour fees rise",
        "The harbour board met.",
        &[],
    )
    .await;
    publish(&store, &f, "Harbor Road closed", "Traffic.", &[]).await;
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&*store).await.unwrap();
    let suggestion = |q: &'static str| {
        let index = &index;
        async move {
            index
                .search(&SearchQuery::words(q), page(1))
                .await
                .unwrap()
                .suggestion
        }
    };
    for (typed, meant) in [
        // One letter wrong: the commonest word one edit away ("harbour" is in two
        // articles, "harbor" in one).
        ("harbur", Some("harbour")),
        ("Harbur strike", Some("harbour strike")),
        // Two letters swapped count as one edit; two edits only for longer words.
        ("dokcers", Some("dockers")),
        ("govenrmnet", Some("government")),
        // Known words, short words, numbers and nonsense: nothing to say.
        ("harbour", None),
        ("harbor", None),
        ("idel", Some("idle")),
        ("ide", None),
        ("2025", None),
        ("xqzvbw", None),
        ("", None),
    ] {
        assert_eq!(suggestion(typed).await.as_deref(), meant, "{typed}");
    }
    // Query syntax is read as its words.
    assert_eq!(suggestion("title:harbur").await.as_deref(), Some("harbour"));
}

async fn related_stories_share_tags_then_words_then_the_section(store: Arc<dyn Store>) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let tagged = |title: &str, section: &masthead_core::taxonomy::Section, tags: &[&str]| {
        let mut c = ArticleContent::new(title, format!("{title}.\n\nMore."));
        c.section_id = Some(section.id);
        c.authors = vec![f.author.id];
        c.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        c
    };
    let subject = publish_at(
        &store,
        &f,
        tagged(
            "Port strike spreads",
            &f.business,
            &["Ports", "Labour", "Trade"],
        ),
        t0(),
    )
    .await;
    let two_shared = publish_at(
        &store,
        &f,
        tagged("Dock wages", &f.world, &["Ports", "Labour"]),
        t0(),
    )
    .await;
    let one_shared = publish_at(&store, &f, tagged("Trade deal", &f.world, &["Trade"]), t0()).await;
    let words_shared = publish_at(
        &store,
        &f,
        tagged("Strike spreads to rail", &f.world, &["Rail"]),
        t0(),
    )
    .await;
    let same_section = publish_at(
        &store,
        &f,
        tagged("Bank rates", &f.business, &["Banks"]),
        t0(),
    )
    .await;
    let unrelated = publish_at(&store, &f, tagged("Elections", &f.world, &["Votes"]), t0()).await;
    let unpublished = publish_at(
        &store,
        &f,
        tagged("Port fees", &f.world, &["Ports", "Labour", "Trade"]),
        t0(),
    )
    .await;
    newsroom
        .transition(
            NewsroomFixture::actor(&f.editor),
            unpublished,
            Status::Unpublished,
            None,
            t0(),
        )
        .await
        .unwrap();
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&*store).await.unwrap();
    // An article refreshed leaves a deleted document behind until segments merge
    // (tantivy's MoreLikeThisQuery panicked on that).
    index.refresh(&*store, two_shared).await.unwrap();
    let article = |id| {
        let store = store.clone();
        async move { store.article(id).await.unwrap().unwrap() }
    };
    let subject = article(subject).await;
    let related = index.related(&subject, 10).await.unwrap();
    assert_eq!(
        &related[..2],
        [two_shared, one_shared].as_slice(),
        "most tags shared first: {related:?}"
    );
    assert!(
        related.contains(&words_shared),
        "headline words shared: {related:?}"
    );
    assert_eq!(
        related.last(),
        Some(&same_section),
        "the section fills up: {related:?}"
    );
    assert!(
        !related.contains(&subject.id)
            && !related.contains(&unpublished)
            && !related.contains(&unrelated)
    );
    assert_eq!(
        index.related(&subject, 2).await.unwrap(),
        [two_shared, one_shared]
    );
    assert!(index.related(&subject, 0).await.unwrap().is_empty());
    // Nothing to relate by: a story with no tags, no section and no known words.
    let mut bare = subject.clone();
    bare.tags.clear();
    bare.section = None;
    bare.title = "Zeppelins".into();
    bare.standfirst.clear();
    assert!(index.related(&bare, 3).await.unwrap().is_empty());
}
