//! Members on both backends: emailed links (once, in time, in their browser),
//! sessions, a new address confirmed, external logins, the account page's changes, and
//! a deleted account that leaves no personal data behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use masthead_core::auth::session_expiry;
use masthead_core::change::Change;
use masthead_core::comment::{CommentStatus, NewComment};
use masthead_core::ids::MemberId;
use masthead_core::member::{
    AccountUpdate, CeremonyPurpose, Commenting, LinkPurpose, LinkUse, NewCeremony, NewMember,
    NewMemberLink, NewMemberSession, NewPasskey, CEREMONY_VALIDITY, FORMER_MEMBER, MAX_PASSKEYS,
};
use masthead_core::store::Store;
use masthead_core::Error;
use masthead_testkit::fixtures::{self, t0};
use masthead_testkit::store_test;
use sqlx::Connection;
use std::sync::Arc;

type S = Arc<dyn Store>;

fn link(token: &str, email: &str, browser: &str, at: DateTime<Utc>) -> NewMemberLink {
    NewMemberLink {
        token_hash: token.into(),
        purpose: LinkPurpose::SignIn,
        email: email.into(),
        member: None,
        browser_hash: browser.into(),
        return_to: "/world/story/".into(),
        created_at: at,
    }
}

fn session(token: &str, member: MemberId, at: DateTime<Utc>) -> NewMemberSession {
    NewMemberSession {
        token_hash: token.into(),
        owner: member,
        csrf_token: format!("csrf-{token}"),
        created_at: at,
        ip: "203.0.113.9".into(),
        user_agent: "ZedBrowser/1.0".into(),
    }
}

store_test!(
    sign_in_links_work_once_in_time_in_their_browser,
    member_sessions_last_and_end,
    a_new_address_is_confirmed_from_itself,
    external_logins_find_members_by_subject_then_email,
    the_account_page_changes_names_and_choices,
    passkeys_belong_to_one_member_and_ceremonies_finish_once,
);

fn passkey(member: MemberId, credential: &str, at: DateTime<Utc>) -> NewPasskey {
    NewPasskey {
        member,
        credential_id: credential.into(),
        user_handle: "aGFuZGxl".into(),
        name: "  Laptop  ".into(),
        key: format!("{{\"cred\":\"{credential}\"}}"),
        created_at: at,
    }
}

fn ceremony(token: &str, member: Option<MemberId>, at: DateTime<Utc>) -> NewCeremony {
    NewCeremony {
        token_hash: token.into(),
        purpose: if member.is_some() {
            CeremonyPurpose::AddPasskey
        } else {
            CeremonyPurpose::SignIn
        },
        member,
        holder_hash: format!("holder-{token}"),
        state: format!("{{\"challenge\":\"{token}\"}}"),
        return_to: "/world/story/".into(),
        created_at: at,
    }
}

/// Takes ceremony `token` back as the holder and for the purpose `ceremony` gives it.
async fn take(
    store: &S,
    token: &str,
    at: DateTime<Utc>,
) -> Option<masthead_core::member::Ceremony> {
    let purpose = if token == "c1" {
        CeremonyPurpose::AddPasskey
    } else {
        CeremonyPurpose::SignIn
    };
    store
        .take_ceremony(token, &format!("holder-{token}"), purpose, at)
        .await
        .unwrap()
}

async fn passkeys_belong_to_one_member_and_ceremonies_finish_once(store: S) {
    let now = t0();
    let ana = store
        .create_member(&NewMember {
            email: "ana@example.com".into(),
            name: "Ana".into(),
        })
        .await
        .unwrap();
    let ben = store
        .create_member(&NewMember {
            email: "ben@example.com".into(),
            name: "Ben".into(),
        })
        .await
        .unwrap();

    // Ceremonies: taken once, never after they expire.
    store
        .start_ceremony(&ceremony("c1", Some(ana.id), now))
        .await
        .unwrap();
    store
        .start_ceremony(&ceremony("c2", None, now))
        .await
        .unwrap();
    let taken = take(&store, "c1", now).await.unwrap();
    assert_eq!(taken.purpose, CeremonyPurpose::AddPasskey);
    assert_eq!(taken.member, Some(ana.id));
    assert_eq!(taken.holder_hash, "holder-c1");
    assert_eq!(taken.state, "{\"challenge\":\"c1\"}");
    assert_eq!(taken.return_to, "/world/story/");
    assert_eq!(take(&store, "c1", now).await, None);
    let late = now + CEREMONY_VALIDITY + Duration::seconds(1);
    assert_eq!(take(&store, "c2", late).await, None, "expired");
    assert_eq!(take(&store, "unknown", now).await, None);
    // A holder has one pending per purpose: a second replaces the first.
    store
        .start_ceremony(&ceremony("again", None, now))
        .await
        .unwrap();
    store
        .start_ceremony(&NewCeremony {
            holder_hash: "holder-again".into(),
            ..ceremony("again-2", None, now)
        })
        .await
        .unwrap();
    assert_eq!(take(&store, "again", now).await, None);
    let second = store
        .take_ceremony("again-2", "holder-again", CeremonyPurpose::SignIn, now)
        .await
        .unwrap();
    assert_eq!(second.unwrap().state, "{\"challenge\":\"again-2\"}");
    // Starting another forgets the expired ones.
    store
        .start_ceremony(&ceremony("c3", None, now))
        .await
        .unwrap();
    store
        .start_ceremony(&ceremony("c4", None, late))
        .await
        .unwrap();
    assert_eq!(take(&store, "c3", now).await, None);

    // Passkeys: a credential is one member's; names are checked and trimmed.
    let laptop = store
        .add_passkey(&passkey(ana.id, "cred-A1", now))
        .await
        .unwrap();
    assert_eq!(laptop.name, "Laptop");
    assert_eq!(laptop.member, ana.id);
    assert_eq!(laptop.last_used_at, None);
    assert!(matches!(
        store.add_passkey(&passkey(ben.id, "cred-A1", now)).await,
        Err(Error::Conflict(_))
    ));
    for bad in [
        NewPasskey {
            name: " ".into(),
            ..passkey(ana.id, "cred-x", now)
        },
        NewPasskey {
            name: "a\u{0}b".into(),
            ..passkey(ana.id, "cred-x", now)
        },
        NewPasskey {
            name: "n".repeat(61),
            ..passkey(ana.id, "cred-x", now)
        },
        NewPasskey {
            credential_id: "not base64url!".into(),
            ..passkey(ana.id, "cred-x", now)
        },
        NewPasskey {
            credential_id: String::new(),
            ..passkey(ana.id, "cred-x", now)
        },
    ] {
        assert!(
            matches!(store.add_passkey(&bad).await, Err(Error::Invalid(_))),
            "{bad:?}"
        );
    }
    let phone = store
        .add_passkey(&NewPasskey {
            name: "Phone".into(),
            ..passkey(ana.id, "cred-A2", now + Duration::seconds(1))
        })
        .await
        .unwrap();
    let found = store
        .passkey_by_credential("cred-A2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, phone);
    assert_eq!(
        store.passkey_by_credential("cred-none").await.unwrap(),
        None
    );
    let later = now + Duration::minutes(3);
    store
        .passkey_used(phone.id, "{\"counter\":2}", later)
        .await
        .unwrap();
    let used = store
        .passkey_by_credential("cred-A2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.key, "{\"counter\":2}");
    assert_eq!(used.last_used_at, Some(later));
    let names: Vec<String> = store
        .passkeys(ana.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Laptop", "Phone"]);
    assert!(store.passkeys(ben.id).await.unwrap().is_empty());

    // One member cannot remove another's.
    assert!(!store.remove_passkey(ben.id, laptop.id).await.unwrap());
    assert!(store.remove_passkey(ana.id, laptop.id).await.unwrap());
    assert!(!store.remove_passkey(ana.id, laptop.id).await.unwrap());
    assert_eq!(store.passkey_by_credential("cred-A1").await.unwrap(), None);

    // At most MAX_PASSKEYS each.
    for n in 1..MAX_PASSKEYS {
        store
            .add_passkey(&passkey(ana.id, &format!("cred-many-{n}"), now))
            .await
            .unwrap();
    }
    assert_eq!(store.passkeys(ana.id).await.unwrap().len(), MAX_PASSKEYS);
    assert!(matches!(
        store
            .add_passkey(&passkey(ana.id, "cred-one-more", now))
            .await,
        Err(Error::Invalid(_))
    ));

    // They are in the member's data, and gone with the account.
    let data = store.member_data(ana.id).await.unwrap().unwrap();
    assert_eq!(data.passkeys.len(), MAX_PASSKEYS);
    let phone = data.passkeys.iter().find(|p| p.name == "Phone").unwrap();
    assert_eq!(phone.last_used_at, Some(later));
    store.delete_member(ana.id, now).await.unwrap();
    assert_eq!(store.passkey_by_credential("cred-A2").await.unwrap(), None);
    assert!(store.passkeys(ana.id).await.unwrap().is_empty());
}

async fn sign_in_links_work_once_in_time_in_their_browser(store: S) {
    let now = t0();
    store
        .create_member_link(&link("t1", "New.Reader@Example.com", "b1", now))
        .await
        .unwrap();
    // Opened in another browser: not used, and says whom to send a fresh link to.
    assert_eq!(
        store
            .use_member_link("t1", "b2", now + Duration::minutes(1))
            .await
            .unwrap(),
        LinkUse::OtherBrowser {
            purpose: LinkPurpose::SignIn,
            email: "new.reader@example.com".into(),
            member: None,
            return_to: "/world/story/".into(),
        }
    );
    let LinkUse::SignedIn {
        member,
        joined,
        return_to,
    } = store
        .use_member_link("t1", "b1", now + Duration::minutes(2))
        .await
        .unwrap()
    else {
        panic!("the asking browser signs in");
    };
    assert!(joined, "the first link makes the account");
    assert_eq!(member.email, "new.reader@example.com");
    assert_eq!(return_to, "/world/story/");
    assert_eq!(
        store.standing(member.id).await.unwrap().unwrap().commenting,
        Commenting::New
    );
    // Once only.
    assert_eq!(
        store
            .use_member_link("t1", "b1", now + Duration::minutes(3))
            .await
            .unwrap(),
        LinkUse::Gone
    );
    // A later link signs the same member in.
    store
        .create_member_link(&link("t2", "new.reader@example.com", "b1", now))
        .await
        .unwrap();
    match store
        .use_member_link("t2", "b1", now + Duration::minutes(5))
        .await
        .unwrap()
    {
        LinkUse::SignedIn {
            member: again,
            joined: false,
            ..
        } => assert_eq!(again.id, member.id),
        other => panic!("{other:?}"),
    }
    // Fifteen minutes, no more; unknown tokens are gone too.
    store
        .create_member_link(&link("t3", "late@example.com", "b1", now))
        .await
        .unwrap();
    for (token, at) in [
        ("t3", now + Duration::minutes(15)),
        ("nope", now + Duration::minutes(1)),
    ] {
        assert_eq!(
            store.use_member_link(token, "b1", at).await.unwrap(),
            LinkUse::Gone,
            "{token}"
        );
    }
    assert_eq!(
        store.member_by_email("late@example.com").await.unwrap(),
        None
    );
}

async fn member_sessions_last_and_end(store: S) {
    let member = store
        .create_member(&NewMember {
            email: "s@example.com".into(),
            name: "Sam".into(),
        })
        .await
        .unwrap();
    let now = t0();
    store
        .start_member_session(&session("s1", member.id, now))
        .await
        .unwrap();
    let live = store.member_session("s1", now).await.unwrap().unwrap();
    assert_eq!(live.owner, member);
    assert_eq!(live.csrf_token, "csrf-s1");
    assert_eq!(live.expires_at, session_expiry(now, now));
    // Idle past its expiry: gone; touched before: lives on.
    let idle = live.expires_at;
    assert_eq!(store.member_session("s1", idle).await.unwrap(), None);
    let seen = now + Duration::days(6);
    store
        .touch_member_session("s1", seen, session_expiry(now, seen))
        .await
        .unwrap();
    assert!(store.member_session("s1", idle).await.unwrap().is_some());
    store.end_member_session("s1").await.unwrap();
    assert_eq!(store.member_session("s1", now).await.unwrap(), None);
    // Staff sessions and member sessions are different things.
    assert_eq!(store.session("s1", now).await.unwrap(), None);
}

async fn a_new_address_is_confirmed_from_itself(store: S) {
    let new = |email: &str| NewMember {
        email: email.into(),
        name: String::new(),
    };
    let ann = store.create_member(&new("ann@example.com")).await.unwrap();
    let bob = store.create_member(&new("bob@example.com")).await.unwrap();
    let change = |token: &str, member: MemberId, email: &str| NewMemberLink {
        purpose: LinkPurpose::EmailChange,
        member: Some(member),
        ..link(token, email, "b", t0())
    };
    store
        .create_member_link(&change("c1", ann.id, "ann@new.example"))
        .await
        .unwrap();
    store
        .create_member_link(&change("c2", bob.id, "ann@new.example"))
        .await
        .unwrap();
    let at = t0() + Duration::minutes(1);
    match store.use_member_link("c1", "b", at).await.unwrap() {
        LinkUse::EmailChanged {
            member, previous, ..
        } => {
            assert_eq!(member.id, ann.id);
            assert_eq!(member.email, "ann@new.example");
            assert_eq!(previous, "ann@example.com");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.member_by_email("ann@example.com").await.unwrap(),
        None
    );
    // The address is Ann's now: Bob's link to it changes nothing.
    assert_eq!(
        store.use_member_link("c2", "b", at).await.unwrap(),
        LinkUse::EmailTaken
    );
    assert_eq!(
        store.member(bob.id).await.unwrap().unwrap().email,
        "bob@example.com"
    );
}

async fn external_logins_find_members_by_subject_then_email(store: S) {
    let now = t0();
    let (first, joined) = store
        .external_member(
            "https://id.example",
            "sub-1",
            "Owl@Example.com",
            "Olive Owl",
            now,
        )
        .await
        .unwrap();
    assert!(joined);
    assert_eq!(
        (first.email.as_str(), first.name.as_str()),
        ("owl@example.com", "Olive Owl")
    );
    // The same subject, whatever email it now says: the same member.
    let (again, joined) = store
        .external_member("https://id.example", "sub-1", "other@example.com", "", now)
        .await
        .unwrap();
    assert_eq!((again.id, joined), (first.id, false));
    // A member who joined by email, seen first through the login: matched by email.
    let by_link = store
        .create_member(&NewMember {
            email: "lin@example.com".into(),
            name: "Lin".into(),
        })
        .await
        .unwrap();
    let (matched, joined) = store
        .external_member("https://id.example", "sub-2", "lin@example.com", "L", now)
        .await
        .unwrap();
    assert_eq!((matched.id, joined), (by_link.id, false));
    // What the provider says is made to fit: no control characters, a bounded name,
    // and no account without a usable address.
    let (odd, _) = store
        .external_member(
            "https://id.example",
            "sub-3",
            "odd@example.com",
            &format!("Odd\u{0}{}", "y".repeat(300)),
            now,
        )
        .await
        .unwrap();
    assert_eq!(odd.name, format!("Odd{}", "y".repeat(97)));
    assert!(matches!(
        store
            .external_member("https://id.example", "sub-4", "", "No Address", now)
            .await,
        Err(Error::Invalid(_))
    ));
    let data = store.member_data(by_link.id).await.unwrap().unwrap();
    assert_eq!(
        data.external_logins,
        vec![("https://id.example".to_owned(), "sub-2".to_owned())]
    );
}

async fn the_account_page_changes_names_and_choices(store: S) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let article =
        fixtures::published(&newsroom, "Story", &f.world, f.author.id, &f.editor, 0).await;
    let member = store
        .create_member(&NewMember {
            email: "c@example.com".into(),
            name: "Cara Jones".into(),
        })
        .await
        .unwrap();
    let comment = store
        .add_comment(&NewComment::plain(
            article,
            masthead_core::comment::Author::Member(member.id),
            None,
            "Hello",
            CommentStatus::Approved,
            t0(),
        ))
        .await
        .unwrap();
    assert_eq!(comment.author_name, "Cara Jones");
    let update = AccountUpdate {
        name: "Cara M. Jones".into(),
        comment_name: "cara".into(),
        newsletters: vec!["morning-briefing".into()],
        reply_letters: false,
    };
    let mut changes = store.subscribe();
    let changed = store
        .update_account(member.id, &update, Utc::now())
        .await
        .unwrap();
    assert_eq!(changed.name, "Cara M. Jones");
    // The page with their comment shows another name now: it is told...
    assert!(matches!(
        changes.try_recv().expect("a notice for the commented article"),
        Change::Article { id, .. } if id == article
    ));
    assert!(changes.try_recv().is_err(), "one notice per article");
    // ...but not when only their newsletters change.
    store
        .update_account(
            member.id,
            &AccountUpdate {
                newsletters: Vec::new(),
                ..update.clone()
            },
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(changes.try_recv().is_err(), "no page shows newsletters");
    store
        .update_account(
            member.id,
            &AccountUpdate {
                newsletters: vec!["morning-briefing".into()],
                ..update.clone()
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let standing = store.standing(member.id).await.unwrap().unwrap();
    assert_eq!(standing.newsletters, vec!["morning-briefing".to_owned()]);
    assert!(!standing.reply_letters);
    let shown = store
        .comments(article, CommentStatus::Approved)
        .await
        .unwrap();
    assert_eq!(
        shown[0].author_name, "cara",
        "comments show the comment name"
    );
    assert!(matches!(
        store
            .update_account(
                member.id,
                &AccountUpdate {
                    comment_name: "x".repeat(101),
                    ..update.clone()
                },
                Utc::now()
            )
            .await,
        Err(Error::Invalid(_))
    ));
}

/// Every stored text of every table, one line per row.
async fn every_row(url: &str) -> String {
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let mut out = String::new();
        for table in tables {
            let columns: Vec<String> =
                sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let joined = columns
                .iter()
                .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '')"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            // As bytes: a few columns hold binary data.
            let rows: Vec<Vec<u8>> =
                sqlx::query_scalar(&format!("SELECT CAST({joined} AS BLOB) FROM \"{table}\""))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            for row in rows {
                out.push_str(&format!("{table}: {}\n", String::from_utf8_lossy(&row)));
            }
        }
        out
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = current_schema()",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let mut out = String::new();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT t::TEXT FROM \"{table}\" t"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            for row in rows {
                out.push_str(&format!("{table}: {row}\n"));
            }
        }
        out
    }
}

async fn deleting_an_account_leaves_no_personal_data(store: S, url: &str) {
    let f = fixtures::newsroom(&*store).await;
    let newsroom = fixtures::newsroom_service(store.clone());
    let article =
        fixtures::published(&newsroom, "Story", &f.world, f.author.id, &f.editor, 0).await;
    let now = t0();
    let (zed, _) = store
        .external_member(
            "https://id.example",
            "zed-subject-77",
            "zed.unique@example.com",
            "Zed Unique",
            now,
        )
        .await
        .unwrap();
    let other = store
        .create_member(&NewMember {
            email: "stays@example.com".into(),
            name: "Stays".into(),
        })
        .await
        .unwrap();
    store
        .update_account(
            zed.id,
            &AccountUpdate {
                name: "Zed Unique".into(),
                comment_name: "zedcomments".into(),
                newsletters: vec!["zed-letters".into()],
                reply_letters: true,
            },
            Utc::now(),
        )
        .await
        .unwrap();
    store
        .start_member_session(&session("zed-session", zed.id, now))
        .await
        .unwrap();
    store
        .add_passkey(&NewPasskey {
            name: "Zed's YubiKey".into(),
            user_handle: "zed-user-handle".into(),
            ..passkey(zed.id, "zed-credential-id", now)
        })
        .await
        .unwrap();
    store
        .start_ceremony(&NewCeremony {
            holder_hash: "zed-ceremony-holder".into(),
            ..ceremony("zed-ceremony", Some(zed.id), now)
        })
        .await
        .unwrap();
    store
        .create_member_link(&link("zed-link", "zed.unique@example.com", "b", now))
        .await
        .unwrap();
    store
        .create_member_link(&NewMemberLink {
            purpose: LinkPurpose::EmailChange,
            member: Some(zed.id),
            ..link("zed-change", "zed.next@example.com", "b", now)
        })
        .await
        .unwrap();
    let comment = |member, parent, body: &str| {
        NewComment::plain(
            article,
            masthead_core::comment::Author::Member(member),
            parent,
            body,
            CommentStatus::Approved,
            now,
        )
    };
    let first = store
        .add_comment(&NewComment {
            ip_hash: "zed-address-hash".into(),
            ..comment(zed.id, None, "A first thought.")
        })
        .await
        .unwrap();
    store
        .add_comment(&comment(other.id, Some(first.id), "A reply."))
        .await
        .unwrap();
    let before = every_row(url).await;
    let personal = [
        "zed.unique@example.com",
        "zed.next@example.com",
        "Zed Unique",
        "zedcomments",
        "zed-letters",
        "zed-subject-77",
        "ZedBrowser",
        "203.0.113.9",
        "zed-address-hash",
        "Zed's YubiKey",
        "zed-user-handle",
        "zed-credential-id",
        "zed-ceremony-holder",
    ];
    for data in personal {
        assert!(before.contains(data), "{data} is stored before");
    }

    store.delete_member(zed.id, now).await.unwrap();
    let after = every_row(url).await;
    for data in personal {
        assert!(!after.contains(data), "{data} is gone after:\n{after}");
    }
    assert_eq!(store.member(zed.id).await.unwrap(), None);
    assert_eq!(
        store.member_session("zed-session", now).await.unwrap(),
        None
    );
    assert!(matches!(
        store.delete_member(zed.id, now).await,
        Err(Error::NotFound(_))
    ));
    // The thread still reads, the deleted member's part anonymised.
    let thread = store
        .comments(article, CommentStatus::Approved)
        .await
        .unwrap();
    assert_eq!(thread.len(), 2);
    assert_eq!(thread[0].author_name, FORMER_MEMBER);
    assert_eq!(thread[0].body, "A first thought.");
    assert_eq!(thread[1].author_name, "Stays");
    assert_eq!(thread[1].parent_id, Some(first.id));
    // The address is free to join again, as someone new.
    let (back, joined) = store
        .external_member(
            "https://id.example",
            "zed-subject-77",
            "zed.unique@example.com",
            "",
            now,
        )
        .await
        .unwrap();
    assert!(joined);
    assert_ne!(back.id, zed.id);
}

#[tokio::test]
async fn deleting_an_account_leaves_no_personal_data_on_sqlite() {
    let db = masthead_testkit::sqlite().await;
    deleting_an_account_leaves_no_personal_data(db.store.clone(), &db.url).await;
}

#[tokio::test]
async fn deleting_an_account_leaves_no_personal_data_on_postgres() {
    let Some(db) = masthead_testkit::postgres().await else {
        return;
    };
    deleting_an_account_leaves_no_personal_data(db.store.clone(), &db.url).await;
}
