//! The letter a member gets when someone answers their comment, once readers can see
//! the answer (posted, or approved by a moderator). Members turn these letters off on
//! their account page (`Standing::reply_letters`); the letter says where.

use crate::chrome::ACCOUNT;
use crate::mail::Letter;
use crate::{AppState, WebError};
use masthead_core::comment::{Author, Comment, CommentStatus};
use masthead_render::letters::LetterAction;

/// Most characters of the reply quoted in the letter (the link leads to the rest).
const QUOTED_CHARS: usize = 1000;

/// Tells the author of the comment `reply` answers, if they want to know, after the
/// current request: looking them up never delays the answer. Never fails the reply:
/// what goes wrong is logged.
pub(crate) fn tell_replied_to(state: &AppState, reply: &Comment) {
    let (state, reply) = (state.clone(), reply.clone());
    tokio::spawn(async move {
        if let Err(e) = reply_letter(&state, &reply).await {
            tracing::error!(
                comment = reply.id.0,
                "cannot write the reply letter: {}",
                e.message
            );
        }
    });
}

async fn reply_letter(state: &AppState, reply: &Comment) -> Result<(), WebError> {
    let Some(parent) = reply.parent_id else {
        return Ok(());
    };
    if reply.status != CommentStatus::Approved || reply.deleted {
        return Ok(());
    }
    let store = &state.store;
    let Some(parent) = store.comment(parent).await? else {
        return Ok(());
    };
    let Author::Member(to) = parent.author else {
        return Ok(());
    };
    // No letter about answering oneself, nor about a comment its author took back.
    if parent.deleted || reply.author == parent.author {
        return Ok(());
    }
    let (Some(member), Some(standing)) = (store.member(to).await?, store.standing(to).await?)
    else {
        return Ok(());
    };
    if !standing.reply_letters {
        return Ok(());
    }
    let Some(article) = store.article(reply.article_id).await? else {
        return Ok(());
    };
    let site = state.site.get(&**store).await?;
    let title = &site.settings.title;
    let who = if reply.is_staff() {
        format!("{} ({title})", reply.author_name)
    } else {
        reply.author_name.clone()
    };
    let mut letter = crate::mail::view(title, &state.base_url);
    letter.greeting = match standing.name_on_comments(&member) {
        "" => "Hello,".to_owned(),
        name => format!("Hello {name},"),
    };
    letter.before = vec![format!(
        "{who} replied to your comment on “{}”:",
        article.title
    )];
    let mut quoted: String = reply.body.chars().take(QUOTED_CHARS).collect();
    if quoted.len() < reply.body.len() {
        quoted.push('…');
    }
    letter
        .before
        .extend(quoted.split("\n\n").map(|p| format!("“{}”", p.trim())));
    letter.action = Some(LetterAction {
        label: "Read the reply".to_owned(),
        url: state.url(&format!("{}#comment-{}", article.path(), reply.id.0)),
    });
    letter.after = vec![format!(
        "You get this letter because you asked to hear about replies to your comments. \
         To stop these letters, untick “Email me when someone replies” on your account \
         page: {}",
        state.url(&format!("{ACCOUNT}#replies"))
    )];
    let letter = Letter::compose(
        &state.theme,
        &member.name,
        &member.email,
        format!("{who} replied to your comment"),
        &letter,
    )?;
    state.mailer.send_later(letter);
    Ok(())
}
