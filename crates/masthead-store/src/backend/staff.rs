//! Staff, their sign-in (sessions, failed logins, single-use tokens, two-factor) and the audit log.

use super::common::*;
use super::dialect::ts;
use crate::rows::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use masthead_core::auth::{
    AttemptKind, AuditEntry, Failures, NewAuditEntry, NewSession, NewStaffToken, Session,
    StaffToken, TokenPurpose, TwoFactor,
};
use masthead_core::change::Change;
use masthead_core::ids::*;
use masthead_core::people::{
    normalize_email, Kind, NewPerson, Person, Profile, Role, PROFILE_EMAIL_DOMAIN,
};
use masthead_core::store::{Page, PageRequest};
use masthead_core::{Error, Result};

#[async_trait]
impl masthead_core::store::StaffStore for Store {
    async fn create_profile(
        &self,
        kind: Kind,
        profile: &Profile,
        audit: &NewAuditEntry,
    ) -> Result<Person> {
        if kind == Kind::Staff {
            return Err(Error::invalid(
                "kind",
                "a staff account is made by an invitation, not as a byline",
            ));
        }
        profile.validate()?;
        let mut tx = self.begin().await?;
        let slug = free_person_slug(&mut tx, &profile.name).await?;
        let row: PersonRow = sqlx::query_as(&format!(
            "INSERT INTO people (slug, name, email, role, bio, expertise, social_links, \
             password_hash, created_at, job_title, avatar_media_id, kind) \
             VALUES ($1, $2, $3, 'contributor', $4, $5, $6, '', $7, $8, $9, $10) RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(&slug)
        .bind(profile.name.trim())
        .bind(format!("{slug}@{PROFILE_EMAIL_DOMAIN}"))
        .bind(profile.bio.trim())
        .bind(to_json(&profile.expertise)?)
        .bind(to_json(&profile.social_links)?)
        .bind(ts(audit.at))
        .bind(profile.job_title.trim())
        .bind(profile.avatar.map(|m| m.0))
        .bind(kind.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error("byline profile"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        row.into_person().map(|(p, _)| p)
    }

    async fn create_person(&self, person: &NewPerson) -> Result<Person> {
        let mut tx = self.begin().await?;
        let person = insert_person(&mut tx, person).await?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(person)
    }

    async fn person(&self, id: PersonId) -> Result<Option<Person>> {
        let row: Option<PersonRow> =
            sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("person"))?;
        row.map(|r| r.into_person().map(|p| p.0)).transpose()
    }

    async fn person_by_slug(&self, slug: &str) -> Result<Option<Person>> {
        let row: Option<PersonRow> =
            sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} WHERE slug = $1"))
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("person"))?;
        row.map(|r| r.into_person().map(|p| p.0)).transpose()
    }

    async fn person_credentials(&self, email: &str) -> Result<Option<(Person, String)>> {
        let row: Option<PersonRow> =
            // Only staff accounts sign in.
            sqlx::query_as(&format!(
                "SELECT {PERSON_COLUMNS} WHERE email = $1 AND kind = 'staff'"
            ))
                .bind(normalize_email(email))
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error("person"))?;
        row.map(PersonRow::into_person).transpose()
    }

    async fn people(&self) -> Result<Vec<Person>> {
        let rows: Vec<PersonRow> =
            sqlx::query_as(&format!("SELECT {PERSON_COLUMNS} ORDER BY name, id"))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error("people"))?;
        rows.into_iter()
            .map(|r| r.into_person().map(|p| p.0))
            .collect()
    }

    async fn start_session(
        &self,
        session: &NewSession,
        account_key: &str,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Sessions::Staff
            .start(&mut tx, session, session.owner.0)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE kind = $1 AND key = $2")
            .bind(AttemptKind::Account.as_str())
            .bind(account_key)
            .execute(&mut *tx)
            .await
            .map_err(db_error("login failures"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let row: Option<SessionRow<PersonRow>> = sqlx::query_as(
            "SELECT s.token_hash, s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, \
             s.expires_at, p.id, p.slug, p.name, p.email, p.role, p.bio, p.expertise, \
             p.avatar_media_id, p.social_links, p.password_hash, p.created_at, p.deactivated_at, p.job_title, p.kind \
             FROM staff_sessions s JOIN people p ON p.id = s.person_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.deactivated_at IS NULL",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("session"))?;
        row.map(|r| r.into_session(|p| p.into_person().map(|p| p.0)))
            .transpose()
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        Sessions::Staff
            .touch(&self.pool, token_hash, at, expires_at)
            .await
    }

    async fn end_session(&self, token_hash: &str, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        Sessions::Staff.end(&mut tx, token_hash).await?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn end_sessions(&self, person: PersonId, audit: &NewAuditEntry) -> Result<u64> {
        let mut tx = self.begin().await?;
        let ended = sqlx::query("DELETE FROM staff_sessions WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("sessions"))?
            .rows_affected();
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        Ok(ended)
    }

    async fn record_login_failure(
        &self,
        keys: &[(AttemptKind, &str)],
        at: DateTime<Utc>,
        audit: Option<&NewAuditEntry>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(ts(at - chrono::Duration::days(1)))
            .execute(&mut *tx)
            .await
            .map_err(db_error("login failures"))?;
        for (kind, key) in keys {
            sqlx::query("INSERT INTO login_failures (kind, key, at) VALUES ($1, $2, $3)")
                .bind(kind.as_str())
                .bind(*key)
                .bind(ts(at))
                .execute(&mut *tx)
                .await
                .map_err(db_error("login failures"))?;
        }
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        commit(tx).await
    }

    async fn login_failures(
        &self,
        kind: AttemptKind,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Failures> {
        let (count, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE kind = $1 AND key = $2 AND at >= $3",
        )
        .bind(kind.as_str())
        .bind(key)
        .bind(ts(since))
        .fetch_one(&self.pool)
        .await
        .map_err(db_error("login failures"))?;
        Ok(Failures {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            oldest,
        })
    }

    async fn record_audit(&self, entry: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_audit(&mut tx, entry).await?;
        commit(tx).await
    }

    async fn audit_log(&self, page: PageRequest) -> Result<Page<AuditEntry>> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("audit log"))?;
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at, actor_id, actor_name, action, target, ip FROM audit_log \
             ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::from(page.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("audit log"))?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(AuditEntry::try_from)
                .collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            offset: page.offset,
            limit: page.limit,
        })
    }

    async fn set_role(&self, id: PersonId, role: Role, audit: &NewAuditEntry) -> Result<Person> {
        let mut tx = self.begin().await?;
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET role = $2 WHERE id = $1 RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(id.0)
        .bind(role.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Err(Error::not_found(format!("staff member {id}")));
        };
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        row.into_person().map(|(p, _)| p)
    }

    async fn create_staff_token(
        &self,
        token: &NewStaffToken,
        audit: Option<&NewAuditEntry>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM staff_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL")
            .bind(ts(token.created_at))
            .execute(&mut *tx)
            .await
            .map_err(db_error("tokens"))?;
        sqlx::query(
            "INSERT INTO staff_tokens (token_hash, purpose, person_id, email, name, role, \
             created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&token.token_hash)
        .bind(token.purpose.as_str())
        .bind(token.person.map(|p| p.0))
        .bind(normalize_email(&token.email))
        .bind(token.name.trim())
        .bind(token.role.map(|r| r.as_str()))
        .bind(token.created_by.map(|p| p.0))
        .bind(ts(token.created_at))
        .bind(ts(token.created_at + token.purpose.lifetime()))
        .execute(&mut *tx)
        .await
        .map_err(db_error("token"))?;
        if let Some(audit) = audit {
            insert_audit(&mut tx, audit).await?;
        }
        commit(tx).await
    }

    async fn staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffToken>> {
        let row: Option<StaffTokenRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_TOKEN_COLUMNS} WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3"
        ))
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("token"))?;
        row.map(StaffToken::try_from).transpose()
    }

    async fn use_staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
        audit: Option<&NewAuditEntry>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let used = take_token(&mut tx, token_hash, purpose, now)
            .await?
            .is_some();
        if let (true, Some(audit)) = (used, audit) {
            insert_audit(&mut tx, audit).await?;
        }
        commit(tx).await?;
        Ok(used)
    }

    async fn try_staff_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
        max_attempts: u32,
    ) -> Result<bool> {
        let counted = sqlx::query(
            "UPDATE staff_tokens SET attempts = attempts + 1 WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 AND attempts < $4",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(ts(now))
        .bind(i64::from(max_attempts))
        .execute(&self.pool)
        .await
        .map_err(db_error("token"))?
        .rows_affected();
        Ok(counted == 1)
    }

    async fn invitations(&self, now: DateTime<Utc>) -> Result<Vec<StaffToken>> {
        let rows: Vec<StaffTokenRow> = sqlx::query_as(&format!(
            "SELECT {STAFF_TOKEN_COLUMNS} WHERE purpose = $1 AND used_at IS NULL \
             AND expires_at > $2 ORDER BY created_at DESC, token_hash"
        ))
        .bind(TokenPurpose::Invitation.as_str())
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("invitations"))?;
        rows.into_iter().map(StaffToken::try_from).collect()
    }

    async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Option<Person>> {
        let mut tx = self.begin().await?;
        let Some(token) = take_token(&mut tx, token_hash, TokenPurpose::Reset, now).await? else {
            return Ok(None);
        };
        let Some(person) = token.person else {
            return Ok(None);
        };
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET password_hash = $2 WHERE id = $1 AND deactivated_at IS NULL RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(person.0)
        .bind(password_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        for sql in [
            "DELETE FROM staff_sessions WHERE person_id = $1",
            "DELETE FROM staff_tokens WHERE person_id = $1 AND used_at IS NULL",
        ] {
            sqlx::query(sql)
                .bind(person.0)
                .execute(&mut *tx)
                .await
                .map_err(db_error("sessions"))?;
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        row.into_person().map(|(p, _)| Some(p))
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        person: &NewPerson,
        now: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Option<Person>> {
        let mut tx = self.begin().await?;
        let Some(token) = take_token(&mut tx, token_hash, TokenPurpose::Invitation, now).await?
        else {
            return Ok(None);
        };
        let invited = NewPerson {
            role: token.invited_role(),
            email: token.email,
            ..person.clone()
        };
        let added = insert_person(&mut tx, &invited).await?;
        let audit = NewAuditEntry {
            actor: Some(added.id),
            ..audit.clone()
        };
        insert_audit(&mut tx, &audit).await?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        Ok(Some(added))
    }

    async fn change_password(
        &self,
        person: PersonId,
        password_hash: &str,
        keep_session: &str,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query("UPDATE people SET password_hash = $2 WHERE id = $1")
            .bind(person.0)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .map_err(db_error("person"))?
            .rows_affected();
        if changed == 0 {
            return Err(Error::not_found(format!("staff member {person}")));
        }
        sqlx::query("DELETE FROM staff_sessions WHERE person_id = $1 AND token_hash <> $2")
            .bind(person.0)
            .bind(keep_session)
            .execute(&mut *tx)
            .await
            .map_err(db_error("sessions"))?;
        // Links sent and second steps begun on the old password end with it.
        sqlx::query("DELETE FROM staff_tokens WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("tokens"))?;
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn two_factor(&self, person: PersonId) -> Result<Option<TwoFactor>> {
        let row: Option<TwoFactorRow> = sqlx::query_as(
            "SELECT t.secret, t.last_step, t.enabled_at, \
             (SELECT COUNT(*) FROM staff_recovery_codes c \
              WHERE c.person_id = t.person_id AND c.used_at IS NULL) AS recovery_left \
             FROM staff_two_factor t WHERE t.person_id = $1",
        )
        .bind(person.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("two-factor"))?;
        Ok(row.map(TwoFactor::from))
    }

    async fn enable_two_factor(
        &self,
        person: PersonId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO staff_two_factor (person_id, secret, last_step, enabled_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (person_id) DO UPDATE \
             SET secret = excluded.secret, last_step = excluded.last_step, \
             enabled_at = excluded.enabled_at",
        )
        .bind(person.0)
        .bind(secret)
        .bind(step)
        .bind(ts(audit.at))
        .execute(&mut *tx)
        .await
        .map_err(db_error("two-factor"))?;
        sqlx::query("DELETE FROM staff_recovery_codes WHERE person_id = $1")
            .bind(person.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error("recovery codes"))?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO staff_recovery_codes (person_id, code_hash) VALUES ($1, $2)")
                .bind(person.0)
                .bind(hash)
                .execute(&mut *tx)
                .await
                .map_err(db_error("recovery code"))?;
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn disable_two_factor(&self, person: PersonId, audit: &NewAuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        for sql in [
            "DELETE FROM staff_two_factor WHERE person_id = $1",
            "DELETE FROM staff_recovery_codes WHERE person_id = $1",
        ] {
            sqlx::query(sql)
                .bind(person.0)
                .execute(&mut *tx)
                .await
                .map_err(db_error("two-factor"))?;
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await
    }

    async fn accept_code_step(&self, person: PersonId, step: i64) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE staff_two_factor SET last_step = $2 WHERE person_id = $1 AND last_step < $2",
        )
        .bind(person.0)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(db_error("two-factor"))?
        .rows_affected();
        Ok(changed == 1)
    }

    async fn use_recovery_code(
        &self,
        person: PersonId,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE staff_recovery_codes SET used_at = $3 \
             WHERE person_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(person.0)
        .bind(code_hash)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db_error("recovery code"))?
        .rows_affected();
        Ok(changed == 1)
    }

    async fn update_profile(
        &self,
        id: PersonId,
        profile: &Profile,
        audit: &NewAuditEntry,
    ) -> Result<Person> {
        profile.validate()?;
        let mut tx = self.begin().await?;
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET name = $2, bio = $3, expertise = $4, social_links = $5, \
             job_title = $6, avatar_media_id = $7 WHERE id = $1 RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(id.0)
        .bind(profile.name.trim())
        .bind(profile.bio.trim())
        .bind(to_json(&profile.expertise)?)
        .bind(to_json(&profile.social_links)?)
        .bind(profile.job_title.trim())
        .bind(profile.avatar.map(|m| m.0))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Err(Error::not_found(format!("staff member {id}")));
        };
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        // Bylines and author pages show the name everywhere.
        self.notify(Change::Site).await;
        row.into_person().map(|(p, _)| p)
    }

    async fn set_access(
        &self,
        id: PersonId,
        active: bool,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Person> {
        let mut tx = self.begin().await?;
        let row: Option<PersonRow> = sqlx::query_as(&format!(
            "UPDATE people SET deactivated_at = $2 WHERE id = $1 RETURNING {}",
            PERSON_COLUMNS.trim_end_matches(" FROM people")
        ))
        .bind(id.0)
        .bind((!active).then(|| ts(at)))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error("person"))?;
        let Some(row) = row else {
            return Err(Error::not_found(format!("staff member {id}")));
        };
        if !active {
            for sql in [
                "DELETE FROM staff_sessions WHERE person_id = $1",
                // Their links, and invitations they sent and nobody accepted yet.
                "DELETE FROM staff_tokens WHERE person_id = $1 OR (created_by = $1 AND used_at IS NULL)",
            ] {
                sqlx::query(sql)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error("sessions"))?;
            }
        }
        insert_audit(&mut tx, audit).await?;
        commit(tx).await?;
        self.notify(Change::Site).await;
        row.into_person().map(|(p, _)| p)
    }
}

/// Adds a staff member, with a slug of their name not used yet.
/// An author-page slug made from `name` that no one has yet.
async fn free_person_slug(tx: &mut Conn, name: &str) -> Result<String> {
    let base = masthead_core::slug::slugify(name).unwrap_or_else(|| "staff".into());
    let mut slug = base.clone();
    for n in 2.. {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error("person"))?;
        if taken.is_none() {
            break;
        }
        slug = masthead_core::slug::numbered(&base, n);
    }
    Ok(slug)
}

async fn insert_person(tx: &mut Conn, person: &NewPerson) -> Result<Person> {
    person.validate()?;
    let email = normalize_email(&person.email);
    let slug = free_person_slug(tx, &person.name).await?;
    let row: PersonRow = sqlx::query_as(&format!(
        "INSERT INTO people (slug, name, email, role, bio, expertise, social_links, password_hash, \
         created_at, job_title) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {}",
        PERSON_COLUMNS.trim_end_matches(" FROM people")
    ))
    .bind(&slug)
    .bind(person.name.trim())
    .bind(&email)
    .bind(person.role.as_str())
    .bind(&person.bio)
    .bind(to_json(&person.expertise)?)
    .bind(to_json(&person.social_links)?)
    .bind(&person.password_hash)
    .bind(ts(Utc::now()))
    .bind(person.job_title.trim())
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match db_error("staff member")(e) {
        Error::Conflict(_) => Error::conflict(format!(
            "a staff member with the email {email} exists already"
        )),
        other => other,
    })?;
    Ok(row.into_person()?.0)
}

/// Marks an unused, unexpired token used; its row if this call was the one to use it.
async fn take_token(
    tx: &mut Conn,
    token_hash: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<Option<StaffToken>> {
    let row: Option<StaffTokenRow> = sqlx::query_as(&format!(
        "UPDATE staff_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3 RETURNING {}",
        STAFF_TOKEN_COLUMNS.trim_end_matches(" FROM staff_tokens")
    ))
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(ts(now))
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error("token"))?;
    row.map(StaffToken::try_from).transpose()
}
