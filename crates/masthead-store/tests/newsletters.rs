//! Newsletters on both backends: subscriptions, and a send as a durable queue that one
//! node at a time works, that another takes up when the first stops (with no letter
//! sent twice), and that bounces, complaints and one-click unsubscribes act on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use masthead_core::article::Visibility;
use masthead_core::ids::{MemberId, SendId, TierId};
use masthead_core::member::{AccountUpdate, Member};
use masthead_core::newsletter::{
    recipients, LetterParts, MailReport, NewDelivery, NewSend, Outcome, ReportKind, Segment,
    SendLetter, SendStatus, LEASE,
};
use masthead_core::store::Store;
use masthead_testkit::fixtures::{self, t0};
use masthead_testkit::store_test;
use std::sync::Arc;

type S = Arc<dyn Store>;

store_test!(
    choices_are_subscriptions_a_send_reads_in_pages,
    a_send_is_worked_by_one_node_and_taken_up_without_a_second_copy,
    unsubscribes_bounces_and_complaints_stop_letters,
);

async fn member(store: &S, name: &str, newsletters: &[&str]) -> Member {
    fixtures::subscriber(&**store, name, newsletters).await
}

async fn pays(store: &S, member: MemberId, tier: TierId, at: DateTime<Utc>) {
    fixtures::pays(&**store, member, tier, at).await
}

fn letter(subject: &str) -> SendLetter {
    SendLetter {
        subject: subject.into(),
        full: LetterParts {
            text: "whole".into(),
            html: "<p>whole</p>".into(),
        },
        teaser: LetterParts {
            text: "part".into(),
            html: "<p>part</p>".into(),
        },
    }
}

async fn queue(store: &S, newsletter: &str, segment: Segment, visibility: Visibility) -> SendId {
    let f = fixtures::newsroom(&**store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let article = fixtures::published(
        &newsroom,
        "Harbor fees",
        &f.world,
        f.author.id,
        &f.editor,
        0,
    )
    .await;
    store
        .queue_send(&NewSend {
            newsletter: newsletter.into(),
            article,
            visibility,
            tiers: Vec::new(),
            segment,
            letter: letter("Morning: harbor fees"),
            queued_by: "Ed Editor".into(),
            queued_at: t0(),
        })
        .await
        .unwrap()
}

/// Writes every delivery of a send taken up by `node`, as the web layer's sender does.
async fn prepare(store: &S, node: &str, send: SendId, newsletter: &str, now: DateTime<Utc>) {
    let taken = store
        .take_send(node, now, now + LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((taken.id, taken.status), (send, SendStatus::Preparing));
    let mut after = store.prepared_up_to(send).await.unwrap();
    loop {
        let page = store.subscribers(newsletter, after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.member.id;
        let deliveries: Vec<NewDelivery> =
            recipients(page, taken.segment, taken.visibility, &taken.tiers, now)
                .into_iter()
                .map(|r| NewDelivery {
                    token: format!("token-{}-{}", send.0, r.member.0),
                    recipient: r,
                })
                .collect();
        assert!(store.add_deliveries(send, node, &deliveries).await.unwrap());
        // Written twice (a node stopped after writing, before it knew): once.
        assert!(store.add_deliveries(send, node, &deliveries).await.unwrap());
    }
    assert!(store.start_sending(send, node, now).await.unwrap());
}

async fn choices_are_subscriptions_a_send_reads_in_pages(store: S) {
    let tier = fixtures::paid_tier(&*store, "supporter").await;
    let ann = member(&store, "Ann", &["morning", "weekly"]).await;
    let bob = member(&store, "Bob", &["morning"]).await;
    let cy = member(&store, "Cy", &["weekly"]).await;
    let _none = member(&store, "Dee", &[]).await;
    pays(&store, bob.id, tier, t0()).await;
    assert_eq!(
        store.subscriber_counts().await.unwrap(),
        vec![("morning".to_owned(), 2), ("weekly".to_owned(), 2)]
    );
    // The standing shows the choices; changing them keeps the rest.
    let standing = store.standing(ann.id).await.unwrap().unwrap();
    assert_eq!(standing.newsletters, vec!["morning", "weekly"]);
    store
        .update_account(
            ann.id,
            &AccountUpdate {
                name: "Ann".into(),
                comment_name: String::new(),
                newsletters: vec!["weekly".into()],
                reply_letters: true,
            },
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.standing(ann.id).await.unwrap().unwrap().newsletters,
        vec!["weekly"]
    );
    // A page of subscribers, in member order, each with their subscriptions.
    let page = store.subscribers("weekly", MemberId(0), 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].member.id, ann.id);
    let rest = store.subscribers("weekly", ann.id, 10).await.unwrap();
    assert_eq!(
        rest.iter().map(|s| s.member.id).collect::<Vec<_>>(),
        vec![cy.id]
    );
    let morning = store.subscribers("morning", MemberId(0), 10).await.unwrap();
    assert_eq!(morning.len(), 1);
    assert_eq!(morning[0].member.id, bob.id);
    assert_eq!(morning[0].subscriptions.len(), 1, "Bob's plan comes along");
    // A deleted member subscribes to nothing any more.
    store.delete_member(cy.id, t0()).await.unwrap();
    assert!(store
        .subscribers("weekly", ann.id, 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.subscriber_counts().await.unwrap(),
        vec![("morning".to_owned(), 1), ("weekly".to_owned(), 1)]
    );
}

async fn a_send_is_worked_by_one_node_and_taken_up_without_a_second_copy(store: S) {
    let tier = fixtures::paid_tier(&*store, "supporter").await;
    let mut members = Vec::new();
    for name in ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus"] {
        members.push(member(&store, name, &["morning"]).await);
    }
    let _other = member(&store, "Hal", &["weekly"]).await;
    pays(&store, members[1].id, tier, t0()).await;
    let send = queue(&store, "morning", Segment::All, Visibility::Paid).await;
    let now = t0() + Duration::hours(1);
    prepare(&store, "node-a", send, "morning", now).await;
    // Nobody else takes it while node A holds it.
    assert!(store
        .take_send("node-b", now, now + LEASE)
        .await
        .unwrap()
        .is_none());
    assert!(!store.renew_send(send, "node-b", now + LEASE).await.unwrap());
    assert!(store.renew_send(send, "node-a", now + LEASE).await.unwrap());

    // Node A claims a batch of four, hands two letters over, is handing over the
    // third when it stops (a crash), and never got to the fourth.
    let batch = store
        .claim_deliveries(send, "node-a", 4, now)
        .await
        .unwrap();
    let ids: Vec<MemberId> = batch.iter().map(|d| d.recipient.member).collect();
    assert_eq!(ids, members[..4].iter().map(|m| m.id).collect::<Vec<_>>());
    // Only the paying member gets the paid article whole.
    assert_eq!(
        batch.iter().map(|d| d.recipient.full).collect::<Vec<_>>(),
        vec![false, true, false, false]
    );
    for d in &batch[..2] {
        let sent = Outcome::Sent {
            message_id: format!("<{}@news.example>", d.token),
        };
        assert!(store
            .start_delivery(send, d.recipient.member, "node-a")
            .await
            .unwrap());
        assert!(store
            .delivered(send, d.recipient.member, "node-a", &sent, now)
            .await
            .unwrap());
    }
    assert!(store
        .start_delivery(send, batch[2].recipient.member, "node-a")
        .await
        .unwrap());
    // Its lease lapses; node B takes the send up.
    let later = now + LEASE + Duration::seconds(1);
    let taken = store
        .take_send("node-b", later, later + LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((taken.id, taken.status), (send, SendStatus::Sending));
    assert_eq!(taken.recovered_unknown, 1, "the third may have left");
    // Node A wakes up: it holds nothing any more, and marks or starts nothing.
    let sent = Outcome::Sent {
        message_id: "<late@news.example>".into(),
    };
    assert!(!store
        .delivered(send, batch[2].recipient.member, "node-a", &sent, later)
        .await
        .unwrap());
    assert!(!store
        .start_delivery(send, batch[3].recipient.member, "node-a")
        .await
        .unwrap());
    assert!(store
        .claim_deliveries(send, "node-a", 3, later)
        .await
        .unwrap()
        .is_empty());
    assert!(!store.finish_send(send, "node-a", later).await.unwrap());
    // Node B sends the rest, the fourth among them: never the first three again.
    let mut rest = Vec::new();
    loop {
        let batch = store
            .claim_deliveries(send, "node-b", 2, later)
            .await
            .unwrap();
        if batch.is_empty() {
            break;
        }
        // One batch the node gives up before starting (it is stopping): released,
        // claimed again.
        if rest.is_empty() {
            store.release_deliveries(send, "node-b").await.unwrap();
            let again = store
                .claim_deliveries(send, "node-b", 2, later)
                .await
                .unwrap();
            assert_eq!(again, batch);
        }
        for d in batch {
            let member = d.recipient.member;
            assert!(store.start_delivery(send, member, "node-b").await.unwrap());
            // The mail server cannot be reached for the first: queued again, then sent.
            if rest.is_empty() {
                assert!(store
                    .delivered(send, member, "node-b", &Outcome::Again, later)
                    .await
                    .unwrap());
                assert!(!store.finish_send(send, "node-b", later).await.unwrap());
                let again = store
                    .claim_deliveries(send, "node-b", 1, later)
                    .await
                    .unwrap();
                assert_eq!(again[0].recipient.member, member);
                assert!(store.start_delivery(send, member, "node-b").await.unwrap());
            }
            let outcome = if d.recipient.name == "Gus" {
                Outcome::Failed {
                    error: "550 no such mailbox".into(),
                }
            } else {
                Outcome::Sent {
                    message_id: format!("<{}@news.example>", d.token),
                }
            };
            assert!(store
                .delivered(send, member, "node-b", &outcome, later)
                .await
                .unwrap());
            rest.push(member);
        }
    }
    assert_eq!(rest, members[3..].iter().map(|m| m.id).collect::<Vec<_>>());
    assert!(store.finish_send(send, "node-b", later).await.unwrap());
    assert!(store
        .take_send("node-c", later, later + LEASE)
        .await
        .unwrap()
        .is_none());
    let history = store.sends(Some("morning"), 10).await.unwrap();
    assert_eq!(history.len(), 1);
    let s = &history[0];
    assert_eq!((s.status, s.segment), (SendStatus::Sent, Segment::All));
    assert_eq!(s.subject, "Morning: harbor fees");
    assert_eq!(s.queued_by, "Ed Editor");
    assert_eq!(
        (
            s.counts.recipients,
            s.counts.sent,
            s.counts.failed,
            s.counts.unknown
        ),
        (7, 5, 1, 1)
    );
    assert!(s.started_at.is_some() && s.finished_at.is_some());
    assert!(store.sends(Some("weekly"), 10).await.unwrap().is_empty());
    assert_eq!(store.sends(None, 10).await.unwrap().len(), 1);
}

async fn unsubscribes_bounces_and_complaints_stop_letters(store: S) {
    let tier = fixtures::paid_tier(&*store, "supporter").await;
    let ann = member(&store, "Ann", &["morning", "weekly"]).await;
    let bob = member(&store, "Bob", &["morning", "weekly"]).await;
    let cy = member(&store, "Cy", &["morning"]).await;
    let dee = member(&store, "Dee", &["morning"]).await;
    pays(&store, dee.id, tier, t0()).await;
    // Free members only: Dee pays, so she is not among them.
    let send = queue(&store, "morning", Segment::Free, Visibility::Public).await;
    let now = t0() + Duration::hours(1);
    prepare(&store, "node-a", send, "morning", now).await;
    // Cy unsubscribes (on their account page) before their letter leaves: skipped.
    store
        .update_account(
            cy.id,
            &AccountUpdate {
                name: "Cy".into(),
                comment_name: String::new(),
                newsletters: vec![],
                reply_letters: true,
            },
            now,
        )
        .await
        .unwrap();
    let batch = store
        .claim_deliveries(send, "node-a", 10, now)
        .await
        .unwrap();
    assert_eq!(
        batch.iter().map(|d| d.recipient.member).collect::<Vec<_>>(),
        vec![ann.id, bob.id]
    );
    for d in &batch {
        let sent = Outcome::Sent {
            message_id: format!("<{}@news.example>", d.recipient.member.0),
        };
        assert!(store
            .start_delivery(send, d.recipient.member, "node-a")
            .await
            .unwrap());
        assert!(store
            .delivered(send, d.recipient.member, "node-a", &sent, now)
            .await
            .unwrap());
    }
    assert!(store.finish_send(send, "node-a", now).await.unwrap());

    // Ann unsubscribes in one click: from this newsletter only; twice is no error.
    let token = &batch[0].token;
    let done = store.unsubscribe(token, now).await.unwrap().unwrap();
    assert_eq!(
        (done.newsletter.as_str(), done.email.as_str()),
        ("morning", "ann@example.com")
    );
    assert!(store.unsubscribe(token, now).await.unwrap().is_some());
    assert!(store
        .unsubscribe("no-such-token", now)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.standing(ann.id).await.unwrap().unwrap().newsletters,
        vec!["weekly"]
    );
    // Bob's letter bounces: he is off every newsletter, and the letter marked.
    let bounce = MailReport {
        kind: ReportKind::Bounce,
        email: "BOB@example.com".into(),
        message_id: Some(format!("{}@news.example", bob.id.0)),
    };
    assert!(store.apply_mail_report(&bounce, now).await.unwrap());
    assert!(store
        .standing(bob.id)
        .await
        .unwrap()
        .unwrap()
        .newsletters
        .is_empty());
    let unknown = MailReport {
        kind: ReportKind::Complaint,
        email: "nobody@example.com".into(),
        message_id: None,
    };
    assert!(!store.apply_mail_report(&unknown, now).await.unwrap());
    let s = &store.sends(None, 10).await.unwrap()[0];
    assert_eq!(
        (
            s.counts.recipients,
            s.counts.sent,
            s.counts.bounced,
            s.counts.skipped,
            s.counts.unsubscribed
        ),
        (3, 1, 1, 1, 1)
    );
    // A complaint without a Message-ID marks the member's latest letter.
    let complaint = MailReport {
        kind: ReportKind::Complaint,
        email: "ann@example.com".into(),
        message_id: None,
    };
    assert!(store.apply_mail_report(&complaint, now).await.unwrap());
    let s = &store.sends(None, 10).await.unwrap()[0];
    assert_eq!((s.counts.sent, s.counts.complained), (0, 1));
    assert!(store
        .standing(ann.id)
        .await
        .unwrap()
        .unwrap()
        .newsletters
        .is_empty());
    // Deleting an account deletes the letters' record of their address.
    store.delete_member(ann.id, now).await.unwrap();
    assert_eq!(store.sends(None, 10).await.unwrap()[0].counts.recipients, 2);
}
