//! Members: identity (who they are, how they sign in) and standing (what they are to
//! this publication).

use super::common::*;
use super::dialect::ts;
use super::Db;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::change::Change;
use masthead_core::comment::Comment;
use masthead_core::ids::*;
use masthead_core::member::{
    AccountUpdate, Ceremony, CeremonyPurpose, LikeRecord, LinkPurpose, LinkUse, Member, MemberData,
    MemberSession, NewCeremony, NewMember, NewMemberLink, NewMemberSession, NewPasskey, Passkey,
    PasskeyRecord, ReportRecord, SignedIn, Standing, MAX_PASSKEYS, SESSIONS_LISTED,
};
use masthead_core::people::normalize_email;
use masthead_core::store::{Page, PageRequest};
use masthead_core::{Error, Result};

/// A member's columns, as `MemberRow` reads them.
pub(super) const MEMBER_COLUMNS: &str = "id, email, name, created_at";

/// A passkey's columns, as `PasskeyRow` reads them.
const PASSKEY_COLUMNS: &str =
    "id, member_id, credential_id, user_handle, name, passkey, created_at, last_used_at";

#[async_trait]
impl masthead_core::store::MemberStore for Store {
    async fn create_member(&self, member: &NewMember) -> Result<Member> {
        member.validate()?;
        let mut tx = self.begin().await?;
        let made = insert_member(&mut tx, &member.email, member.name.trim(), Utc::now()).await?;
        commit(tx).await?;
        Ok(made)
    }

    async fn member(&self, id: MemberId) -> Result<Option<Member>> {
        let row: Option<MemberRow> = sqlx::query_as(&format!(
            "SELECT {MEMBER_COLUMNS} FROM members WHERE id = $1 AND deleted_at IS NULL"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("member"))?;
        Ok(row.map(Into::into))
    }

    async fn member_by_email(&self, email: &str) -> Result<Option<Member>> {
        let mut conn = self.pool.acquire().await.map_err(db_error("member"))?;
        member_by_email(&mut conn, email).await
    }

    async fn members_page(&self, page: PageRequest) -> Result<Page<Member>> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE deleted_at IS NULL")
                .fetch_one(&self.pool)
                .await
                .map_err(db_error("members"))?;
        let rows: Vec<MemberRow> = sqlx::query_as(&format!(
            "SELECT {MEMBER_COLUMNS} FROM members WHERE deleted_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("members"))?;
        Ok(Page {
            items: rows.into_iter().map(Into::into).collect(),
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn standing(&self, id: MemberId) -> Result<Option<Standing>> {
        let row: Option<StandingRow> = sqlx::query_as(
            "SELECT comment_name, tier, commenting, reply_letters, joined_at \
             FROM member_standing WHERE member_id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("member"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let newsletters: Vec<String> = sqlx::query_scalar(
            "SELECT newsletter FROM newsletter_subscriptions WHERE member_id = $1 \
             ORDER BY newsletter",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("member"))?;
        row.standing(newsletters).map(Some)
    }

    async fn update_account(
        &self,
        id: MemberId,
        update: &AccountUpdate,
        now: DateTime<Utc>,
    ) -> Result<Member> {
        update.validate()?;
        let (name, comment_name) = (update.name.trim(), update.comment_name.trim());
        let mut tx = self.begin().await?;
        let before: Option<(String, String)> = sqlx::query_as(
            "SELECT m.name, st.comment_name FROM members m \
             JOIN member_standing st ON st.member_id = m.id \
             WHERE m.id = $1 AND m.deleted_at IS NULL",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("member"))?;
        let before = before.ok_or_else(|| Error::not_found("member"))?;
        let row: MemberRow = sqlx::query_as(&format!(
            "UPDATE members SET name = $2 WHERE id = $1 RETURNING {MEMBER_COLUMNS}"
        ))
        .bind(id.0)
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("member"))?;
        sqlx::query(
            "UPDATE member_standing SET comment_name = $2, reply_letters = $3 WHERE member_id = $1",
        )
        .bind(id.0)
        .bind(comment_name)
        .bind(update.reply_letters)
        .execute(&mut *tx)
        .await
        .map_err(db_error("member"))?;
        choose_newsletters(&mut tx, id, &update.newsletters, now).await?;
        // Their comments show the name they chose: the pages holding them change, but
        // only when a name did (not for a newsletter ticked).
        let renamed = before != (name.to_owned(), comment_name.to_owned());
        let articles = if renamed {
            commented_articles(&mut tx, id).await?
        } else {
            Vec::new()
        };
        commit(tx).await?;
        self.notify_articles(articles).await;
        Ok(row.into())
    }

    async fn create_member_link(&self, link: &NewMemberLink) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM member_links WHERE expires_at <= $1")
            .bind(ts(link.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_error("member links"))?;
        sqlx::query(
            "INSERT INTO member_links (token_hash, purpose, email, member_id, browser_hash, \
             return_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&link.token_hash)
        .bind(link.purpose.as_str())
        .bind(normalize_email(&link.email))
        .bind(link.member.map(|m| m.0))
        .bind(&link.browser_hash)
        .bind(&link.return_to)
        .bind(ts(link.created_at))
        .bind(ts(link.expires_at()))
        .execute(&mut *tx)
        .await
        .map_err(db_error("member link"))?;
        commit(tx).await
    }

    async fn use_member_link(
        &self,
        token_hash: &str,
        browser_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<LinkUse> {
        let mut tx = self.begin().await?;
        let row: Option<LinkRow> = sqlx::query_as(
            "SELECT purpose, email, member_id, browser_hash, return_to FROM member_links \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("member link"))?;
        let Some(link) = row else {
            return Ok(LinkUse::Gone);
        };
        let purpose: LinkPurpose = word(&link.purpose)?;
        // Hashes of secrets, so comparing them tells a timing attacker nothing.
        if link.browser_hash != browser_hash {
            return Ok(LinkUse::OtherBrowser {
                purpose,
                email: link.email,
                member: link.member_id.map(MemberId),
                return_to: link.return_to,
            });
        }
        // Used once: of two requests racing with this link, only one updates it.
        let used = sqlx::query(
            "UPDATE member_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
        )
        .bind(token_hash)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error("member link"))?;
        if used.rows_affected() == 0 {
            return Ok(LinkUse::Gone);
        }
        let outcome = match (purpose, link.member_id) {
            (LinkPurpose::SignIn, _) => {
                let (member, joined) = match member_by_email(&mut tx, &link.email).await? {
                    Some(m) => (m, false),
                    None => (insert_member(&mut tx, &link.email, "", now).await?, true),
                };
                LinkUse::SignedIn {
                    member,
                    joined,
                    return_to: link.return_to,
                }
            }
            (LinkPurpose::EmailChange, Some(id)) => {
                if member_by_email(&mut tx, &link.email).await?.is_some() {
                    commit(tx).await?;
                    return Ok(LinkUse::EmailTaken);
                }
                let previous: Option<String> = sqlx::query_scalar(
                    "SELECT email FROM members WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("member"))?;
                let row: Option<MemberRow> = sqlx::query_as(&format!(
                    "UPDATE members SET email = $2 WHERE id = $1 AND deleted_at IS NULL \
                     RETURNING {MEMBER_COLUMNS}"
                ))
                .bind(id)
                .bind(&link.email)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("member"))?;
                match (row, previous) {
                    (Some(member), Some(previous)) => LinkUse::EmailChanged {
                        member: member.into(),
                        previous,
                        return_to: link.return_to,
                    },
                    _ => LinkUse::Gone,
                }
            }
            (LinkPurpose::EmailChange, None) => LinkUse::Gone,
        };
        commit(tx).await?;
        Ok(outcome)
    }

    async fn start_member_session(&self, session: &NewMemberSession) -> Result<()> {
        let mut tx = self.begin().await?;
        Sessions::Members
            .start(&mut tx, session, session.owner.0)
            .await?;
        commit(tx).await
    }

    async fn member_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<MemberSession>> {
        let row: Option<SessionRow<MemberRow>> = sqlx::query_as(
            "SELECT s.token_hash, s.csrf_token, s.created_at AS session_created_at, \
             s.last_seen_at, s.expires_at, m.id, m.email, m.name, m.created_at \
             FROM member_sessions s JOIN members m ON m.id = s.member_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND m.deleted_at IS NULL",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("member session"))?;
        row.map(|r| r.into_session(|m| Ok(m.into()))).transpose()
    }

    async fn touch_member_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        Sessions::Members
            .touch(&self.pool, token_hash, at, expires_at)
            .await
    }

    async fn end_member_session(&self, token_hash: &str) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(db_error("session"))?;
        Sessions::Members.end(&mut conn, token_hash).await
    }

    async fn member_sessions(
        &self,
        member: MemberId,
        current_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SignedIn>> {
        let rows: Vec<SignedInRow> = sqlx::query_as(
            "SELECT token_hash, created_at, last_seen_at, ip, user_agent FROM member_sessions \
             WHERE member_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC \
             LIMIT $3",
        )
        .bind(member.0)
        .bind(ts(now))
        .bind(i64::from(SESSIONS_LISTED))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("member sessions"))?;
        Ok(rows
            .into_iter()
            .map(|r| SignedIn {
                current: r.token_hash == current_hash,
                session: r.record.into(),
            })
            .collect())
    }

    async fn end_other_member_sessions(&self, member: MemberId, keep_hash: &str) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM member_sessions WHERE member_id = $1 AND token_hash <> $2")
                .bind(member.0)
                .bind(keep_hash)
                .execute(&self.pool)
                .await
                .map_err(db_error("member sessions"))?;
        Ok(done.rows_affected())
    }

    async fn external_member(
        &self,
        issuer: &str,
        subject: &str,
        email: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(Member, bool)> {
        let mut tx = self.begin().await?;
        let known: Option<MemberRow> = sqlx::query_as(
            "SELECT m.id, m.email, m.name, m.created_at FROM member_subjects x \
             JOIN members m ON m.id = x.member_id \
             WHERE x.issuer = $1 AND x.subject = $2 AND m.deleted_at IS NULL",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("member"))?;
        if let Some(member) = known {
            commit(tx).await?;
            return Ok((member.into(), false));
        }
        let told = NewMember::told_by_others(email, name);
        told.validate()?;
        let (member, joined) = match member_by_email(&mut tx, email).await? {
            Some(m) => (m, false),
            None => (insert_member(&mut tx, email, &told.name, now).await?, true),
        };
        sqlx::query(
            "INSERT INTO member_subjects (issuer, subject, member_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(issuer)
        .bind(subject)
        .bind(member.id.0)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db_error("external login"))?;
        commit(tx).await?;
        Ok((member, joined))
    }

    async fn start_ceremony(&self, ceremony: &NewCeremony) -> Result<()> {
        let mut tx = self.begin().await?;
        // Expired ones go, and so does one this holder began before for the same
        // purpose: a browser has one sign-in pending at a time, so a client
        // starting ceremonies in a loop keeps one row, not one per request.
        sqlx::query(
            "DELETE FROM passkey_ceremonies WHERE expires_at <= $1 \
             OR (holder_hash = $2 AND purpose = $3)",
        )
        .bind(ts(ceremony.created_at))
        .bind(&ceremony.holder_hash)
        .bind(ceremony.purpose.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_error("passkey ceremonies"))?;
        sqlx::query(
            "INSERT INTO passkey_ceremonies (token_hash, purpose, member_id, holder_hash, \
             state, return_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&ceremony.token_hash)
        .bind(ceremony.purpose.as_str())
        .bind(ceremony.member.map(|m| m.0))
        .bind(&ceremony.holder_hash)
        .bind(&ceremony.state)
        .bind(&ceremony.return_to)
        .bind(ts(ceremony.created_at))
        .bind(ts(ceremony.expires_at()))
        .execute(&mut *tx)
        .await
        .map_err(db_error("passkey ceremony"))?;
        commit(tx).await
    }

    async fn take_ceremony(
        &self,
        token_hash: &str,
        holder_hash: &str,
        purpose: CeremonyPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<Ceremony>> {
        // Deleted as it is read: one answer per challenge, even from two nodes.
        let row: Option<(Option<i64>, String, String)> = sqlx::query_as(
            "DELETE FROM passkey_ceremonies \
             WHERE token_hash = $1 AND holder_hash = $2 AND purpose = $3 AND expires_at > $4 \
             RETURNING member_id, state, return_to",
        )
        .bind(token_hash)
        .bind(holder_hash)
        .bind(purpose.as_str())
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("passkey ceremony"))?;
        Ok(row.map(|(member, state, return_to)| Ceremony {
            purpose,
            member: member.map(MemberId),
            holder_hash: holder_hash.to_owned(),
            state,
            return_to,
        }))
    }

    async fn add_passkey(&self, passkey: &NewPasskey) -> Result<Passkey> {
        passkey.validate()?;
        let mut tx = self.begin().await?;
        // Counted under the member's row lock (PostgreSQL; SQLite writes one at a
        // time), so two additions racing cannot pass the limit together.
        let alive: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM members WHERE id = $1 AND deleted_at IS NULL{}",
            super::dialect::FOR_UPDATE
        ))
        .bind(passkey.member.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("member"))?;
        if alive.is_none() {
            return Err(Error::not_found("member"));
        }
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM member_passkeys WHERE member_id = $1")
                .bind(passkey.member.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error("passkeys"))?;
        if count >= MAX_PASSKEYS as i64 {
            return Err(Error::invalid(
                "name",
                format!("you have {MAX_PASSKEYS} passkeys, the most one account may keep: remove one first"),
            ));
        }
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM member_passkeys WHERE credential_id = $1")
                .bind(&passkey.credential_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("passkeys"))?;
        if taken.is_some() {
            return Err(Error::conflict(
                "this passkey is already added to an account",
            ));
        }
        let row: PasskeyRow = sqlx::query_as(&format!(
            "INSERT INTO member_passkeys (member_id, credential_id, user_handle, name, passkey, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {PASSKEY_COLUMNS}"
        ))
        .bind(passkey.member.0)
        .bind(&passkey.credential_id)
        .bind(&passkey.user_handle)
        .bind(passkey.name.trim())
        .bind(&passkey.key)
        .bind(ts(passkey.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("passkey"))?;
        commit(tx).await?;
        Ok(row.into())
    }

    async fn passkeys(&self, member: MemberId) -> Result<Vec<Passkey>> {
        let rows: Vec<PasskeyRow> = sqlx::query_as(&format!(
            "SELECT {PASSKEY_COLUMNS} FROM member_passkeys WHERE member_id = $1 \
             ORDER BY created_at, id"
        ))
        .bind(member.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("passkeys"))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn passkey_by_credential(&self, credential_id: &str) -> Result<Option<Passkey>> {
        let row: Option<PasskeyRow> = sqlx::query_as(
            "SELECT p.id, p.member_id, p.credential_id, p.user_handle, p.name, p.passkey, \
             p.created_at, p.last_used_at FROM member_passkeys p \
             JOIN members m ON m.id = p.member_id \
             WHERE p.credential_id = $1 AND m.deleted_at IS NULL",
        )
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("passkey"))?;
        Ok(row.map(Into::into))
    }

    async fn passkey_used(&self, id: PasskeyId, key: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE member_passkeys SET passkey = $2, last_used_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(key)
            .bind(ts(at))
            .execute(&self.pool)
            .await
            .map_err(db_error("passkey"))?;
        Ok(())
    }

    async fn remove_passkey(&self, member: MemberId, id: PasskeyId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM member_passkeys WHERE id = $1 AND member_id = $2")
            .bind(id.0)
            .bind(member.0)
            .execute(&self.pool)
            .await
            .map_err(db_error("passkey"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn member_data(&self, id: MemberId) -> Result<Option<MemberData>> {
        let Some(member) = self.member(id).await? else {
            return Ok(None);
        };
        let standing = self
            .standing(id)
            .await?
            .ok_or_else(|| Error::not_found("member standing"))?;
        let sessions: Vec<SessionRecordRow> = sqlx::query_as(
            "SELECT created_at, last_seen_at, ip, user_agent FROM member_sessions \
             WHERE member_id = $1 ORDER BY created_at",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("member sessions"))?;
        let external_logins: Vec<(String, String)> = sqlx::query_as(
            "SELECT issuer, subject FROM member_subjects WHERE member_id = $1 ORDER BY created_at",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("external logins"))?;
        let comments: Vec<CommentRow> = sqlx::query_as(&format!(
            "SELECT {COMMENT_COLUMNS} FROM {COMMENT_TABLES} WHERE c.member_id = $1 ORDER BY c.created_at, c.id"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comments"))?;
        let likes: Vec<(i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT comment_id, created_at FROM comment_likes WHERE member_id = $1 \
             ORDER BY created_at, comment_id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comment likes"))?;
        let reports: Vec<(i64, String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT comment_id, reason, note, created_at FROM comment_reports \
             WHERE member_id = $1 ORDER BY created_at, id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("comment reports"))?;
        let passkeys = self.passkeys(id).await?;
        Ok(Some(MemberData {
            passkeys: passkeys.iter().map(PasskeyRecord::from).collect(),
            likes: likes
                .into_iter()
                .map(|(comment, at)| LikeRecord {
                    comment_id: CommentId(comment),
                    at,
                })
                .collect(),
            reports: reports
                .into_iter()
                .map(|(comment, reason, note, at)| {
                    Ok(ReportRecord {
                        comment_id: CommentId(comment),
                        reason: word(&reason)?,
                        note,
                        at,
                    })
                })
                .collect::<Result<_>>()?,
            member,
            standing,
            sessions: sessions.into_iter().map(Into::into).collect(),
            external_logins,
            comments: comments
                .into_iter()
                .map(Comment::try_from)
                .collect::<Result<_>>()?,
        }))
    }

    async fn delete_member(&self, id: MemberId, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        let email: Option<String> =
            sqlx::query_scalar("SELECT email FROM members WHERE id = $1 AND deleted_at IS NULL")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error("member"))?;
        let email = email.ok_or_else(|| Error::not_found("member"))?;
        for statement in [
            "DELETE FROM member_sessions WHERE member_id = $1",
            "DELETE FROM member_links WHERE member_id = $1",
            "DELETE FROM member_subjects WHERE member_id = $1",
            "DELETE FROM member_passkeys WHERE member_id = $1",
            "DELETE FROM passkey_ceremonies WHERE member_id = $1",
            "DELETE FROM member_standing WHERE member_id = $1",
            // Nothing more is sent to them, and no letter sent them keeps their address.
            "DELETE FROM newsletter_subscriptions WHERE member_id = $1",
            "DELETE FROM newsletter_deliveries WHERE member_id = $1",
            // Their likes go (the counts they added stay), their reports stay for the
            // moderators without naming them, and their comments keep no trace of
            // where they were sent from.
            "DELETE FROM comment_likes WHERE member_id = $1",
            "UPDATE comment_reports SET member_id = NULL WHERE member_id = $1",
            "UPDATE comments SET ip_hash = '' WHERE member_id = $1",
        ] {
            sqlx::query(statement)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db_error("member"))?;
        }
        sqlx::query("DELETE FROM member_links WHERE email = $1")
            .bind(&email)
            .execute(&mut *tx)
            .await
            .map_err(db_error("member links"))?;
        // The row stays, holding nothing personal, so that the comments still read;
        // the address must stay unique and is no one's.
        sqlx::query("UPDATE members SET email = $2, name = '', deleted_at = $3 WHERE id = $1")
            .bind(id.0)
            .bind(format!("deleted-member-{}", id.0))
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .map_err(db_error("member"))?;
        let articles = commented_articles(&mut tx, id).await?;
        commit(tx).await?;
        self.notify_articles(articles).await;
        Ok(())
    }
}

impl Store {
    /// Tells caches that these articles' pages changed (their comments' names).
    async fn notify_articles(&self, articles: Vec<i64>) {
        for id in articles {
            self.notify(Change::Article {
                id: ArticleId(id),
                lists: Vec::new(),
            })
            .await;
        }
    }
}

/// The articles a member commented on.
async fn commented_articles(conn: &mut Conn, id: MemberId) -> Result<Vec<i64>> {
    sqlx::query_scalar("SELECT DISTINCT article_id FROM comments WHERE member_id = $1")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error("comments"))
}

async fn member_by_email(conn: &mut Conn, email: &str) -> Result<Option<Member>> {
    let row: Option<MemberRow> = sqlx::query_as(&format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE email = $1 AND deleted_at IS NULL"
    ))
    .bind(normalize_email(email))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error("member"))?;
    Ok(row.map(Into::into))
}

/// A new member and their standing.
pub(super) async fn insert_member(
    conn: &mut Conn,
    email: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Member> {
    let row: MemberRow = sqlx::query_as(&format!(
        "INSERT INTO members (email, name, created_at) VALUES ($1, $2, $3) \
         RETURNING {MEMBER_COLUMNS}"
    ))
    .bind(normalize_email(email))
    .bind(name)
    .bind(ts(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error("member"))?;
    sqlx::query("INSERT INTO member_standing (member_id, joined_at) VALUES ($1, $2)")
        .bind(row.id)
        .bind(ts(now))
        .execute(&mut *conn)
        .await
        .map_err(db_error("member"))?;
    super::webhooks::queue_in(
        conn,
        masthead_core::webhook::Event::MemberAdded,
        row.id,
        now,
    )
    .await?;
    Ok(row.into())
}

/// Makes a member's newsletter choices `chosen`: those they dropped go, new ones are
/// added from `now`, and those they kept keep the time they were first chosen.
async fn choose_newsletters(
    tx: &mut sqlx::Transaction<'static, Db>,
    id: MemberId,
    chosen: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    let had: Vec<String> =
        sqlx::query_scalar("SELECT newsletter FROM newsletter_subscriptions WHERE member_id = $1")
            .bind(id.0)
            .fetch_all(&mut **tx)
            .await
            .map_err(db_error("newsletters"))?;
    for dropped in had.iter().filter(|n| !chosen.contains(n)) {
        sqlx::query(
            "DELETE FROM newsletter_subscriptions WHERE member_id = $1 AND newsletter = $2",
        )
        .bind(id.0)
        .bind(dropped)
        .execute(&mut **tx)
        .await
        .map_err(db_error("newsletters"))?;
    }
    for added in chosen.iter().filter(|n| !had.contains(n)) {
        sqlx::query(
            "INSERT INTO newsletter_subscriptions (member_id, newsletter, subscribed_at) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id.0)
        .bind(added)
        .bind(ts(now))
        .execute(&mut **tx)
        .await
        .map_err(db_error("newsletters"))?;
    }
    Ok(())
}
