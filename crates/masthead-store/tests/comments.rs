//! Comments on both backends: pages of threads in each order as each reader sees them,
//! what authors may do to their own, likes and reports once per reader, the counts
//! lists show, and what the moderation rules read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use masthead_core::auth::{AuditAction, NewAuditEntry};
use masthead_core::change::Change;
use masthead_core::comment::{
    Author, CommentEdit, CommentSort, CommentStatus, HeldReason, NewComment, NewReport, Queue,
    QueueCounts, ReportReason,
};
use masthead_core::ids::{ArticleId, CommentId, MemberId};
use masthead_core::member::Commenting;
use masthead_core::member::{Member, NewMember};
use masthead_core::store::{ArticleFilter, ArticleQuery, PageRequest, Store};
use masthead_core::Error;
use masthead_testkit::fixtures::{self, t0};
use masthead_testkit::store_test;
use std::sync::Arc;

type S = Arc<dyn Store>;

store_test!(
    threads_come_in_pages_in_each_order_as_each_reader_sees_them,
    authors_change_and_delete_their_own_and_counts_follow,
    likes_and_reports_are_once_per_reader,
    the_rules_read_recent_activity,
    moderators_answer_each_queue_and_the_log_says_so,
);

async fn member(store: &S, name: &str) -> Member {
    store
        .create_member(&NewMember {
            email: format!("{}@example.com", name.to_lowercase()),
            name: name.into(),
        })
        .await
        .unwrap()
}

async fn article(store: &S) -> ArticleId {
    let f = fixtures::newsroom(&**store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    fixtures::published(
        &newsroom,
        "Harbour fees",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await
}

fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::hours(1) + Duration::minutes(minutes)
}

fn by(
    article: ArticleId,
    who: &Member,
    parent: Option<CommentId>,
    body: &str,
    status: CommentStatus,
    minutes: i64,
) -> NewComment {
    NewComment::plain(
        article,
        Author::Member(who.id),
        parent,
        body,
        status,
        at(minutes),
    )
}

fn ids(page: &masthead_core::comment::CommentPage) -> Vec<CommentId> {
    page.comments.iter().map(|c| c.id).collect()
}

async fn threads_come_in_pages_in_each_order_as_each_reader_sees_them(store: S) {
    use CommentStatus::{Approved, Pending, Spam};
    let story = article(&store).await;
    let (ana, ben) = (member(&store, "Ana").await, member(&store, "Ben").await);
    let a1 = store
        .add_comment(&by(story, &ana, None, "First", Approved, 0))
        .await
        .unwrap();
    let b1 = store
        .add_comment(&by(story, &ben, None, "Second", Approved, 1))
        .await
        .unwrap();
    let held = store
        .add_comment(&by(story, &ana, None, "Held", Pending, 2))
        .await
        .unwrap();
    let spam = store
        .add_comment(&by(story, &ana, None, "Spam", Spam, 3))
        .await
        .unwrap();
    let r1 = store
        .add_comment(&by(story, &ben, Some(a1.id), "Reply", Approved, 4))
        .await
        .unwrap();
    let r2 = store
        .add_comment(&by(story, &ana, Some(r1.id), "Reply to reply", Approved, 5))
        .await
        .unwrap();
    let r3 = store
        .add_comment(&by(story, &ben, Some(r1.id), "Held reply", Pending, 6))
        .await
        .unwrap();
    store
        .like_comment(b1.id, ana.id, true, at(7))
        .await
        .unwrap();
    store
        .like_comment(b1.id, ben.id, true, at(7))
        .await
        .unwrap();

    let page = |sort, number, limit, viewer: Option<MemberId>| {
        let store = store.clone();
        async move {
            store
                .comment_page(story, sort, PageRequest::numbered(number, limit), viewer)
                .await
                .unwrap()
        }
    };
    // Anyone: the approved threads, oldest first, with every approved reply however
    // deep (oldest first).
    let anyone = page(CommentSort::Oldest, 1, 50, None).await;
    assert_eq!(anyone.threads, 2);
    assert_eq!(ids(&anyone), [a1.id, b1.id, r1.id, r2.id]);
    assert!(anyone.liked.is_empty());
    // Ana sees her own held and spam comments too (she is not told which is which),
    // and what she likes; Ben sees his held reply, not Ana's.
    let anas = page(CommentSort::Oldest, 1, 50, Some(ana.id)).await;
    assert_eq!(anas.threads, 4);
    assert_eq!(ids(&anas), [a1.id, b1.id, held.id, spam.id, r1.id, r2.id]);
    assert_eq!(anas.liked, [b1.id]);
    let bens = page(CommentSort::Oldest, 1, 50, Some(ben.id)).await;
    assert_eq!(ids(&bens), [a1.id, b1.id, r1.id, r2.id, r3.id]);
    // Newest and top order the threads, never the replies.
    let newest = page(CommentSort::Newest, 1, 50, None).await;
    assert_eq!(ids(&newest), [b1.id, a1.id, r1.id, r2.id]);
    let top = page(CommentSort::Top, 1, 50, None).await;
    assert_eq!(ids(&top)[..2], [b1.id, a1.id]);
    assert_eq!(top.comments[0].likes, 2);
    // One thread a page: the second holds the second thread and only its replies.
    let first = page(CommentSort::Oldest, 1, 1, None).await;
    assert_eq!((first.threads, ids(&first)), (2, vec![a1.id, r1.id, r2.id]));
    let second = page(CommentSort::Oldest, 2, 1, None).await;
    assert_eq!((second.threads, ids(&second)), (2, vec![b1.id]));
    let beyond = page(CommentSort::Oldest, u32::MAX, 50, None).await;
    assert!(beyond.comments.is_empty());
    // Another article's threads are its own.
    let other = store
        .comment_page(
            ArticleId(story.0 + 1000),
            CommentSort::Oldest,
            PageRequest::numbered(1, 50),
            None,
        )
        .await
        .unwrap();
    assert_eq!(other.threads, 0);
}

async fn authors_change_and_delete_their_own_and_counts_follow(store: S) {
    use CommentStatus::Approved;
    let story = article(&store).await;
    let ana = member(&store, "Ana").await;
    let mut changes = store.subscribe();
    let first = store
        .add_comment(&by(story, &ana, None, "First", Approved, 0))
        .await
        .unwrap();
    // A comment readers see changes the article's page and every list showing its
    // count.
    let change = changes.try_recv().unwrap();
    let Change::Article { id, lists } = change else {
        panic!("{change:?}")
    };
    assert_eq!(id, story);
    assert!(lists.contains(&ArticleFilter::All), "{lists:?}");
    let reply = store
        .add_comment(&by(story, &ana, Some(first.id), "Reply", Approved, 1))
        .await
        .unwrap();
    let count = || {
        let store = store.clone();
        async move {
            let article = store.article(story).await.unwrap().unwrap();
            let listed = store
                .list_articles(&ArticleQuery::published(
                    ArticleFilter::All,
                    PageRequest::numbered(1, 10),
                ))
                .await
                .unwrap();
            let summary = listed
                .items
                .iter()
                .find(|a| a.id == story)
                .unwrap()
                .comments;
            assert_eq!(
                article.approved_comments, summary,
                "the article and its lists agree"
            );
            summary
        }
    };
    assert_eq!(count().await, 2);

    store
        .edit_comment(
            first.id,
            &CommentEdit {
                body: "First, corrected".into(),
                body_hash: "h2".into(),
                status: Approved,
                held_reason: None,
                at: at(3),
            },
        )
        .await
        .unwrap();
    let edited = store.comment(first.id).await.unwrap().unwrap();
    assert_eq!(edited.body, "First, corrected");
    assert_eq!(edited.edited_at, Some(at(3)));
    assert!(matches!(
        store
            .edit_comment(
                first.id,
                &CommentEdit {
                    body: " ".into(),
                    body_hash: String::new(),
                    status: Approved,
                    held_reason: None,
                    at: at(4)
                }
            )
            .await,
        Err(Error::Invalid(_))
    ));

    // Deleting the first comment empties it and keeps its place while its reply
    // stands; it no longer counts, and nobody can answer it.
    store.delete_comment(first.id, at(5)).await.unwrap();
    let gone = store.comment(first.id).await.unwrap().unwrap();
    assert!(gone.deleted && gone.body.is_empty());
    assert_eq!(count().await, 1);
    let page = store
        .comment_page(
            story,
            CommentSort::Oldest,
            PageRequest::numbered(1, 50),
            None,
        )
        .await
        .unwrap();
    assert_eq!((page.threads, ids(&page)), (1, vec![first.id, reply.id]));
    assert!(matches!(
        store
            .add_comment(&by(story, &ana, Some(first.id), "Late", Approved, 6))
            .await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store.delete_comment(first.id, at(6)).await,
        Err(Error::NotFound(_))
    ));
    // With its last reply deleted too, the thread is gone.
    store.delete_comment(reply.id, at(7)).await.unwrap();
    let page = store
        .comment_page(
            story,
            CommentSort::Oldest,
            PageRequest::numbered(1, 50),
            None,
        )
        .await
        .unwrap();
    assert_eq!(page.threads, 0);
    assert!(page.comments.is_empty());
    assert_eq!(count().await, 0);
}

async fn likes_and_reports_are_once_per_reader(store: S) {
    let story = article(&store).await;
    let (ana, ben) = (member(&store, "Ana").await, member(&store, "Ben").await);
    let c = store
        .add_comment(&by(
            story,
            &ana,
            None,
            "Like me",
            CommentStatus::Approved,
            0,
        ))
        .await
        .unwrap();
    assert_eq!(
        store.like_comment(c.id, ben.id, true, at(1)).await.unwrap(),
        1
    );
    assert_eq!(
        store.like_comment(c.id, ben.id, true, at(2)).await.unwrap(),
        1,
        "once"
    );
    assert_eq!(
        store.like_comment(c.id, ana.id, true, at(2)).await.unwrap(),
        2
    );
    assert_eq!(
        store
            .like_comment(c.id, ben.id, false, at(3))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .like_comment(c.id, ben.id, false, at(3))
            .await
            .unwrap(),
        1,
        "once"
    );
    assert!(matches!(
        store
            .like_comment(CommentId(999_999), ben.id, true, at(3))
            .await,
        Err(Error::NotFound(_))
    ));
    let report = |note: &str| NewReport {
        comment_id: c.id,
        member_id: ben.id,
        reason: ReportReason::OffTopic,
        note: note.into(),
        created_at: at(4),
    };
    store
        .report_comment(&report("Not about the harbour"))
        .await
        .unwrap();
    store
        .report_comment(&report("Changed my mind: it is abuse"))
        .await
        .unwrap();
    assert!(matches!(
        store.report_comment(&report(&"x".repeat(501))).await,
        Err(Error::Invalid(_))
    ));
    // Each reader's download holds what they like and what they reported.
    let theirs = store.member_data(ana.id).await.unwrap().unwrap();
    assert_eq!(
        theirs
            .likes
            .iter()
            .map(|l| (l.comment_id, l.at))
            .collect::<Vec<_>>(),
        [(c.id, at(2))]
    );
    assert!(theirs.reports.is_empty());
    let his = store.member_data(ben.id).await.unwrap().unwrap();
    assert!(his.likes.is_empty(), "he took his like back");
    assert_eq!(his.reports.len(), 1, "the second report replaced the first");
    assert_eq!(
        (
            his.reports[0].comment_id,
            his.reports[0].reason,
            his.reports[0].note.as_str()
        ),
        (c.id, ReportReason::OffTopic, "Changed my mind: it is abuse")
    );
    store.delete_comment(c.id, at(5)).await.unwrap();
    assert!(matches!(
        store.like_comment(c.id, ben.id, true, at(6)).await,
        Err(Error::NotFound(_))
    ));
}

async fn the_rules_read_recent_activity(store: S) {
    let story = article(&store).await;
    let (ana, ben) = (member(&store, "Ana").await, member(&store, "Ben").await);
    let probe = |who: &Member, body_hash: &str, ip_hash: &str, minutes| NewComment {
        body_hash: body_hash.into(),
        ip_hash: ip_hash.into(),
        ..by(story, who, None, "words", CommentStatus::Approved, minutes)
    };
    let quiet = store
        .comment_activity(ana.id, &probe(&ana, "h", "ip-a", 0))
        .await
        .unwrap();
    assert_eq!(quiet.by_member.count, 0);
    assert_eq!(
        (quiet.approved, quiet.same_text, quiet.duplicate),
        (0, 0, None)
    );
    for (i, who) in [&ana, &ana, &ben].into_iter().enumerate() {
        let minutes = i64::try_from(i).unwrap();
        store
            .add_comment(&probe(who, &format!("h{i}"), "ip-a", minutes))
            .await
            .unwrap();
    }
    let first = store
        .add_comment(&probe(&ana, "same", "ip-b", 4))
        .await
        .unwrap();
    store
        .add_comment(&probe(&ben, "same", "ip-c", 5))
        .await
        .unwrap();
    let now = probe(&ana, "same", "ip-a", 6);
    let activity = store.comment_activity(ana.id, &now).await.unwrap();
    assert_eq!(activity.by_member.count, 3);
    assert_eq!(activity.by_member.oldest, Some(at(0)));
    assert_eq!(
        activity.from_address.count, 3,
        "by anyone from that address"
    );
    assert_eq!(activity.same_text, 2, "the same words, by anyone");
    assert_eq!(activity.approved, 3);
    assert_eq!(
        activity.duplicate,
        Some(first.id),
        "the same form sent twice"
    );
    // As a reply, or much later, it is no duplicate; and the window moves on.
    let reply = NewComment {
        parent_id: Some(first.id),
        ..now.clone()
    };
    assert_eq!(
        store
            .comment_activity(ana.id, &reply)
            .await
            .unwrap()
            .duplicate,
        None
    );
    let later = probe(&ana, "same", "ip-a", 60);
    let activity = store.comment_activity(ana.id, &later).await.unwrap();
    assert_eq!(activity.duplicate, None);
    assert_eq!(activity.by_member.count, 0);
    assert_eq!(activity.same_text, 2);
    let joined = store.standing(ana.id).await.unwrap().unwrap().joined_at;
    assert_eq!(activity.joined_at, joined);
}

async fn moderators_answer_each_queue_and_the_log_says_so(store: S) {
    use CommentStatus::{Approved, Pending, Rejected, Spam};
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let story = fixtures::published(
        &newsroom,
        "Harbour fees",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    let (ana, ben, cy) = (
        member(&store, "Ana").await,
        member(&store, "Ben").await,
        member(&store, "Cy").await,
    );
    let mut first = by(story, &ana, None, "My first words", Pending, 0);
    first.held_reason = Some(HeldReason::FirstComment);
    let held = store.add_comment(&first).await.unwrap();
    let seen = store
        .add_comment(&by(story, &ben, None, "Seen by all", Approved, 1))
        .await
        .unwrap();
    let staff = store
        .add_comment(&NewComment::plain(
            story,
            Author::Staff(f.editor.id),
            Some(seen.id),
            "From the desk",
            Approved,
            at(2),
        ))
        .await
        .unwrap();
    let report = |comment, who: &Member, reason, note: &str, minutes| NewReport {
        comment_id: comment,
        member_id: who.id,
        reason,
        note: note.into(),
        created_at: at(minutes),
    };
    for r in [
        report(seen.id, &cy, ReportReason::Abuse, "Rude to me", 3),
        report(seen.id, &ana, ReportReason::OffTopic, "", 4),
        report(staff.id, &cy, ReportReason::Other, "Why?", 5),
    ] {
        store.report_comment(&r).await.unwrap();
    }
    assert_eq!(
        store.queue_counts().await.unwrap(),
        QueueCounts {
            held: 1,
            reported: 2,
            spam: 0
        }
    );
    let page = PageRequest::numbered(1, 10);
    let queue = store.moderation_queue(Queue::Held, page).await.unwrap();
    assert_eq!(queue.total, 1);
    let item = &queue.items[0];
    assert_eq!(item.comment.id, held.id);
    assert_eq!(item.comment.held_reason, Some(HeldReason::FirstComment));
    assert_eq!(item.commenting, Some(Commenting::New));
    assert!(item.comments_open);
    assert_eq!(item.report_count, 0);
    // Reported: by their oldest open report, each with its reports newest first; a
    // staff member has no standing to show.
    let queue = store.moderation_queue(Queue::Reported, page).await.unwrap();
    let ids: Vec<_> = queue.items.iter().map(|c| c.comment.id).collect();
    assert_eq!(ids, [seen.id, staff.id]);
    assert_eq!(queue.items[0].report_count, 2);
    let reasons: Vec<_> = queue.items[0].reports.iter().map(|r| r.reason).collect();
    assert_eq!(reasons, [ReportReason::OffTopic, ReportReason::Abuse]);
    assert_eq!(queue.items[0].reports[1].note, "Rude to me");
    assert_eq!(queue.items[1].commenting, None);

    let entry = |action, target: &str, minutes| NewAuditEntry {
        at: at(minutes),
        actor: Some(f.editor.id),
        action,
        target: target.into(),
        ip: "192.0.2.9".into(),
    };
    // Keeping a reported comment answers its reports; it stays as it was.
    let before = store
        .moderate_comment(
            seen.id,
            Approved,
            &entry(AuditAction::CommentModerated, "kept", 10),
        )
        .await
        .unwrap();
    assert_eq!(before.status, Approved);
    let queue = store.moderation_queue(Queue::Reported, page).await.unwrap();
    assert_eq!(queue.items.len(), 1, "only the staff reply is left");
    // A report made again after the answer opens it again.
    store
        .report_comment(&report(seen.id, &cy, ReportReason::Hate, "Again", 11))
        .await
        .unwrap();
    assert_eq!(store.queue_counts().await.unwrap().reported, 2);

    let before = store
        .moderate_comment(
            held.id,
            Spam,
            &entry(AuditAction::CommentModerated, "spam", 12),
        )
        .await
        .unwrap();
    assert_eq!(
        (before.status, before.held_reason),
        (Pending, Some(HeldReason::FirstComment))
    );
    let queue = store.moderation_queue(Queue::Spam, page).await.unwrap();
    assert_eq!(queue.items[0].comment.id, held.id);
    assert_eq!(store.queue_counts().await.unwrap().held, 0);
    // Approving from the spam queue: readers see it, counted on the article, and the
    // reason it was held is gone.
    store
        .moderate_comment(
            held.id,
            Approved,
            &entry(AuditAction::CommentModerated, "not spam", 13),
        )
        .await
        .unwrap();
    let now = store.comment(held.id).await.unwrap().unwrap();
    assert_eq!((now.status, now.held_reason), (Approved, None));
    assert_eq!(
        store
            .article(story)
            .await
            .unwrap()
            .unwrap()
            .approved_comments,
        3
    );
    // A moderator holds it again: waiting, "held by a moderator", no longer counted;
    // holding what readers cannot see is refused and changes nothing.
    store
        .moderate_comment(
            held.id,
            Pending,
            &entry(AuditAction::CommentModerated, "held", 13),
        )
        .await
        .unwrap();
    let now = store.comment(held.id).await.unwrap().unwrap();
    assert_eq!(
        (now.status, now.held_reason),
        (Pending, Some(HeldReason::Moderator))
    );
    let article = store.article(story).await.unwrap().unwrap();
    assert_eq!(article.approved_comments, 2);
    let refused = store
        .moderate_comment(
            held.id,
            Pending,
            &entry(AuditAction::CommentModerated, "held twice", 13),
        )
        .await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    let log = store.audit_log(PageRequest::numbered(1, 50)).await.unwrap();
    assert!(!log.items.iter().any(|e| e.target == "held twice"));
    store
        .moderate_comment(
            held.id,
            Approved,
            &entry(AuditAction::CommentModerated, "approved again", 13),
        )
        .await
        .unwrap();

    // A ban rejects what the member still has waiting, nothing else.
    let waiting = store
        .add_comment(&by(story, &ana, None, "Waiting still", Pending, 14))
        .await
        .unwrap();
    let rejected = store
        .set_commenting(
            ana.id,
            Commenting::Banned,
            &entry(AuditAction::CommentingChanged, "ban", 15),
        )
        .await
        .unwrap();
    assert_eq!(rejected, 1);
    assert_eq!(
        store.comment(waiting.id).await.unwrap().unwrap().status,
        Rejected
    );
    assert_eq!(
        store.comment(held.id).await.unwrap().unwrap().status,
        Approved
    );
    assert_eq!(
        store.standing(ana.id).await.unwrap().unwrap().commenting,
        Commenting::Banned
    );
    assert_eq!(
        store
            .set_commenting(
                ben.id,
                Commenting::Trusted,
                &entry(AuditAction::CommentingChanged, "trust", 16),
            )
            .await
            .unwrap(),
        0
    );
    assert!(matches!(
        store
            .set_commenting(
                MemberId(999_999),
                Commenting::Banned,
                &entry(AuditAction::CommentingChanged, "nobody", 17),
            )
            .await,
        Err(Error::NotFound(_))
    ));

    let mut changes = store.subscribe();
    store
        .set_comments_open(
            story,
            false,
            &entry(AuditAction::CommentsClosed, "closed", 18),
        )
        .await
        .unwrap();
    assert!(!store.article(story).await.unwrap().unwrap().comments_open);
    assert!(matches!(
        changes.recv().await.unwrap(),
        Change::Article { id, .. } if id == story
    ));
    assert!(matches!(
        store
            .set_comments_open(
                ArticleId(999_999),
                false,
                &entry(AuditAction::CommentsClosed, "nothing", 19),
            )
            .await,
        Err(Error::NotFound(_))
    ));
    // Every decision is in the log, newest first; what failed is not.
    let log = store.audit_log(PageRequest::numbered(1, 20)).await.unwrap();
    let targets: Vec<_> = log
        .items
        .iter()
        .filter(|e| e.actor == Some(f.editor.id) && e.ip == "192.0.2.9")
        .map(|e| e.target.as_str())
        .collect();
    assert_eq!(
        targets,
        [
            "closed",
            "trust",
            "ban",
            "approved again",
            "held",
            "not spam",
            "spam",
            "kept"
        ]
    );
    // A comment reported by many: the queue carries its newest few, and how many.
    let crowded = store
        .add_comment(&by(story, &ben, None, "Much reported", Approved, 20))
        .await
        .unwrap();
    for i in 0..12 {
        let who = member(&store, &format!("Crowd{i}")).await;
        store
            .report_comment(&report(
                crowded.id,
                &who,
                ReportReason::Spam,
                &format!("n{i}"),
                21 + i,
            ))
            .await
            .unwrap();
    }
    let queue = store.moderation_queue(Queue::Reported, page).await.unwrap();
    let item = queue
        .items
        .iter()
        .find(|c| c.comment.id == crowded.id)
        .unwrap();
    assert_eq!(item.report_count, 12);
    let notes: Vec<_> = item.reports.iter().map(|r| r.note.as_str()).collect();
    assert_eq!(
        notes,
        ["n11", "n10", "n9", "n8", "n7", "n6", "n5", "n4", "n3", "n2"]
    );
}
