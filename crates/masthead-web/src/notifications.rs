//! The letters of newsroom notifications (`masthead_core::notification`): written to
//! the store with the change that caused them, sent from there by each node's sender
//! (`run`), so a letter is sent once whichever node takes it, and none is lost to a
//! restart or a mail server that is down (each is tried again later, up to
//! `MAX_ATTEMPTS` times).

use crate::mail::{self, Letter};
use crate::AppState;
use chrono::Utc;
use masthead_core::comment::{Comment, CommentStatus};
use masthead_core::notification::{retry_after, PendingLetter, MAX_ATTEMPTS};
use masthead_render::letters::LetterAction;
use std::time::Duration;

/// How often the sender looks for letters when no bell rang.
const POLL: Duration = Duration::from_secs(5);

/// How long a sender holds the letters it took; one it has not settled by then (its
/// node gone) is due again.
const HOLD: chrono::Duration = chrono::Duration::minutes(5);

/// Letters taken at a time.
const BATCH: u32 = 20;

/// Where staff see and choose their notifications.
pub const INBOX: &str = "/newsroom/notifications";

/// The sender: sends due letters until the task is dropped.
pub async fn run(state: AppState) {
    loop {
        match send_due(&state).await {
            // A full batch: there may be more.
            Ok(n) if n == BATCH as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not look for notification letters"),
        }
        tokio::select! {
            () = state.dispatch.letters.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Sends the letters due now; returns how many it took.
async fn send_due(state: &AppState) -> masthead_core::Result<usize> {
    let now = Utc::now();
    let letters = state.store.claim_letters(now, HOLD, BATCH).await?;
    let site = state.site.get(&*state.store).await?;
    for pending in &letters {
        let sent = match compose(state, &site.settings.title, pending) {
            Ok(letter) => state.mailer.send(&letter).await,
            Err(e) => Err(e.to_string()),
        };
        let retry_at = match &sent {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!(to = %pending.to_email, attempt = pending.attempts, error = %e, "a notification letter did not go");
                (pending.attempts < MAX_ATTEMPTS).then(|| now + retry_after(pending.attempts))
            }
        };
        state
            .store
            .settle_letter(pending.id, sent.is_ok(), retry_at)
            .await?;
    }
    Ok(letters.len())
}

/// The letter of a notification: what happened, the note or comment, a link to the
/// story in the newsroom, and where to change one's choices.
fn compose(
    state: &AppState,
    publication: &str,
    pending: &PendingLetter,
) -> Result<Letter, masthead_render::ThemeError> {
    let n = &pending.notification;
    let mut view = mail::view(publication, &state.base_url);
    view.greeting = format!("Hello {},", pending.to_name);
    view.before.push(n.summary());
    if !n.text.is_empty() {
        view.before.push(format!("“{}”", n.text));
    }
    view.action = Some(LetterAction {
        label: "Open the story".into(),
        url: state.url(&format!("/newsroom/articles/{}", n.article)),
    });
    view.after.push(format!(
        "You get this letter because of your notification choices: {}",
        state.url(INBOX)
    ));
    Letter::compose(
        &state.theme,
        &pending.to_name,
        &pending.to_email,
        format!("{}: {}", n.event.label(), n.article_title),
        &view,
    )
}

/// Tells the bylines of a member's comment on their story (one held for review too;
/// not one taken for spam), after the request.
pub fn comment_posted(state: &AppState, comment: &Comment) {
    if !matches!(
        comment.status,
        CommentStatus::Approved | CommentStatus::Pending
    ) {
        return;
    }
    let (state, article, body) = (state.clone(), comment.article_id, comment.body.clone());
    tokio::spawn(async move {
        match state
            .newsroom
            .comment_posted(article, &body, Utc::now())
            .await
        {
            Ok(()) => state.dispatch.ring_letters(),
            Err(e) => tracing::warn!(error = %e, "could not tell the bylines of a comment"),
        }
    });
}
