//! Reader comments: threaded discussion under articles, written by members (and
//! replies by staff, marked as such), with the rules that decide what happens to each
//! new comment (`decide`): posted, held for a moderator, taken as spam, or refused.
//!
//! Comments are plain text. `paragraphs` splits one into paragraphs, lines and pieces,
//! where a piece is words or a web address to link; the theme prints them escaped, so
//! nothing a reader writes ever becomes markup.

use crate::article::word_enum;
use crate::auth::{Failures, FAILURE_WINDOW};
use crate::error::{Result, Validator};
use crate::ids::{ArticleId, CommentId, MemberId, PersonId};
use crate::member::Commenting;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

word_enum!(
    CommentStatus {
        Pending => "pending" / "Awaiting moderation",
        Approved => "approved" / "Approved",
        Rejected => "rejected" / "Rejected",
        Spam => "spam" / "Spam",
    }
);

word_enum!(
    /// How a publication treats its members' new comments (a setting).
    Moderation {
        Open => "open" / "Open: comments appear at once",
        FirstHeld => "first_held" / "A member's first comment waits for a moderator",
        AllHeld => "all_held" / "Every comment waits for a moderator",
    }
);

// `word_enum!` makes the enum, so its variants cannot carry `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for Moderation {
    fn default() -> Self {
        Moderation::FirstHeld
    }
}

word_enum!(
    /// Why a comment waits for a moderator (or was taken as spam).
    HeldReason {
        FirstComment => "first_comment" / "First comment",
        AllHeld => "all_held" / "Every comment is held",
        Links => "links" / "Many links",
        Burst => "burst" / "Many comments from a new account",
        Repeated => "repeated" / "Words posted before",
        Moderator => "moderator" / "Held by a moderator",
    }
);

word_enum!(
    /// The order of an article's threads (replies always read oldest first).
    CommentSort {
        Oldest => "oldest" / "Oldest",
        Newest => "newest" / "Newest",
        Top => "top" / "Top",
    }
);

word_enum!(
    /// Why a reader reports a comment.
    ReportReason {
        Spam => "spam" / "Spam or advertising",
        Abuse => "abuse" / "Abuse or harassment",
        Hate => "hate" / "Hate speech",
        Falsehood => "falsehood" / "False or misleading",
        OffTopic => "off_topic" / "Off topic",
        Other => "other" / "Something else",
    }
);

/// Who wrote a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Author {
    Member(MemberId),
    /// A member of staff: their comments are marked as the publication's.
    Staff(PersonId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub author: Author,
    /// The name the comment is shown with: the member's comment name (else their
    /// name, else `member::FORMER_MEMBER`), or the staff member's name.
    pub author_name: String,
    pub parent_id: Option<CommentId>,
    /// Empty once deleted.
    pub body: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted by its author: its words are gone, its place in the thread stays.
    pub deleted: bool,
    pub likes: u32,
    /// Why it waits for a moderator or was taken as spam.
    pub held_reason: Option<HeldReason>,
}

/// How long after posting its author may still change a comment.
pub const EDIT_WINDOW: Duration = Duration::minutes(10);

impl Comment {
    pub fn is_staff(&self) -> bool {
        matches!(self.author, Author::Staff(_))
    }

    pub fn is_by(&self, member: MemberId) -> bool {
        self.author == Author::Member(member)
    }

    /// Whether `member` may change its words at `now`: their own, not deleted, within
    /// `EDIT_WINDOW` of posting.
    pub fn can_edit(&self, member: MemberId, now: DateTime<Utc>) -> bool {
        self.is_by(member) && !self.deleted && now < self.created_at + EDIT_WINDOW
    }

    /// Whether `member` may delete it: their own, at any time.
    pub fn can_delete(&self, member: MemberId) -> bool {
        self.is_by(member) && !self.deleted
    }
}

#[derive(Debug, Clone)]
pub struct NewComment {
    pub article_id: ArticleId,
    pub author: Author,
    pub parent_id: Option<CommentId>,
    /// As `tidy` leaves it.
    pub body: String,
    pub status: CommentStatus,
    pub held_reason: Option<HeldReason>,
    /// A hash of the address it came from (for the per-address limit).
    pub ip_hash: String,
    /// A hash of its `fingerprint` (for repeated words).
    pub body_hash: String,
    pub created_at: DateTime<Utc>,
}

/// Longest comment we accept; a letter to the editor, not an essay.
pub const MAX_COMMENT_CHARS: usize = 5000;

/// Checks a comment's words (as `tidy` leaves them).
pub fn check_body(body: &str) -> Result<()> {
    let mut v = Validator::default();
    v.check(!body.trim().is_empty(), "body", "write something first");
    v.check(
        body.chars().count() <= MAX_COMMENT_CHARS,
        "body",
        "keep comments under 5000 characters",
    );
    v.finish()
}

impl NewComment {
    /// A comment with no address or fingerprint to count it by (imported, or made by
    /// the demo), neither held nor spam.
    pub fn plain(
        article_id: ArticleId,
        author: Author,
        parent_id: Option<CommentId>,
        body: &str,
        status: CommentStatus,
        created_at: DateTime<Utc>,
    ) -> Self {
        NewComment {
            article_id,
            author,
            parent_id,
            body: body.to_owned(),
            status,
            held_reason: None,
            ip_hash: String::new(),
            body_hash: String::new(),
            created_at,
        }
    }

    pub fn validate(&self) -> Result<()> {
        check_body(&self.body)
    }
}

/// A comment's words as we keep them: line ends made `\n`, tabs made spaces, other
/// control and invisible formatting characters taken out, spaces at line ends
/// dropped, no more than one empty line in a row, nothing around the whole.
pub fn tidy(body: &str) -> String {
    let cleaned: String = body
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() || is_invisible(c) => None,
            c => Some(c),
        })
        .collect();
    let mut out = String::with_capacity(cleaned.len());
    let mut blank_run = 0;
    for line in cleaned.trim().lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
            out.push('\n');
            continue;
        }
        blank_run = 0;
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// Characters that change how text around them reads without showing themselves:
/// bidirectional overrides and isolates (which can make a name or a link read
/// backwards), and the line and paragraph separators.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// The words of a comment with case, punctuation and spacing ignored: two comments
/// with the same fingerprint say the same thing.
pub fn fingerprint(body: &str) -> String {
    body.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A run of a comment's text: words, or a web address readers may follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub text: String,
    /// Where the piece leads, for a web address (`http` or `https` only).
    pub href: Option<String>,
}

/// A line of a comment, in pieces.
pub type Line = Vec<Piece>;

/// A comment's words as paragraphs (split at empty lines) of lines of pieces.
pub fn paragraphs(body: &str) -> Vec<Vec<Line>> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    body.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|paragraph| {
            paragraph
                .lines()
                .map(|line| {
                    finder
                        .spans(line)
                        .map(|span| {
                            let text = span.as_str().to_owned();
                            let href = (span.kind().is_some() && is_web_address(&text))
                                .then(|| text.clone());
                            Piece { text, href }
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn is_web_address(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// How many web addresses a comment holds, with or without `https://` (what spam is
/// made of).
pub fn count_links(body: &str) -> usize {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.url_must_have_scheme(false);
    finder.links(body).count()
}

/// Links that hold a comment for a moderator...
pub const HOLD_LINKS: usize = 3;
/// ...and that make it spam.
pub const SPAM_LINKS: usize = 6;
/// Comments a member may post in `FAILURE_WINDOW`.
pub const MAX_COMMENTS_PER_MEMBER: u32 = 8;
/// Comments that may come from one address in `FAILURE_WINDOW`.
pub const MAX_COMMENTS_PER_ADDRESS: u32 = 30;
/// An account this young is new...
pub const NEW_ACCOUNT: Duration = Duration::days(1);
/// ...and this many comments of its own in `FAILURE_WINDOW` are a burst.
pub const BURST: u32 = 3;
/// Comments with the same words seen in `REPEAT_WINDOW` that make another spam.
pub const REPEATS_FOR_SPAM: u32 = 2;
pub const REPEAT_WINDOW: Duration = Duration::days(1);
/// The window in which the rate limits count (shared with sign-in attempts).
pub const RATE_WINDOW: Duration = FAILURE_WINDOW;

/// What the store knows that bears on a member's new comment (see `decide`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The member's comments in the last `RATE_WINDOW`, on any article.
    pub by_member: Failures,
    /// Comments from the same address in that window, by anyone.
    pub from_address: Failures,
    /// The member's own comment with the same words on the same article, in the
    /// same place, in the last `EDIT_WINDOW`: the same form sent twice.
    pub duplicate: Option<CommentId>,
    /// Comments with the same fingerprint, by anyone, in the last `REPEAT_WINDOW`.
    pub same_text: u32,
    /// The member's comments approved so far.
    pub approved: u32,
    /// When the member joined.
    pub joined_at: DateTime<Utc>,
}

/// What happens to a member's new comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Stored with this status, and why when it is not approved.
    Post(CommentStatus, Option<HeldReason>),
    /// The same comment was just posted: that one stands, nothing is stored.
    Duplicate(CommentId),
    /// Over a rate limit until then; nothing is stored.
    TooMany(DateTime<Utc>),
    /// The member may no longer comment; nothing is stored.
    Banned,
}

/// The moderation rules for a member's new comment `body` (tidied), under the
/// publication's `moderation`, given the member's `commenting` standing and their
/// `activity`. Trusted members pass the spam and hold rules but not the limits, nor a
/// publication that holds every comment.
pub fn decide(
    body: &str,
    moderation: Moderation,
    commenting: Commenting,
    activity: &Activity,
    now: DateTime<Utc>,
) -> Decision {
    use CommentStatus::{Approved, Pending, Spam};
    if commenting == Commenting::Banned {
        return Decision::Banned;
    }
    if let Some(id) = activity.duplicate {
        return Decision::Duplicate(id);
    }
    let limits = [
        activity.by_member.blocked_until(MAX_COMMENTS_PER_MEMBER),
        activity
            .from_address
            .blocked_until(MAX_COMMENTS_PER_ADDRESS),
    ];
    if let Some(until) = limits.into_iter().flatten().max() {
        return Decision::TooMany(until);
    }
    let held = |reason| Decision::Post(Pending, Some(reason));
    if moderation == Moderation::AllHeld {
        return held(HeldReason::AllHeld);
    }
    if commenting == Commenting::Trusted {
        return Decision::Post(Approved, None);
    }
    let links = count_links(body);
    if links >= SPAM_LINKS {
        return Decision::Post(Spam, Some(HeldReason::Links));
    }
    if activity.same_text >= REPEATS_FOR_SPAM {
        return Decision::Post(Spam, Some(HeldReason::Repeated));
    }
    if links >= HOLD_LINKS {
        return held(HeldReason::Links);
    }
    if now - activity.joined_at < NEW_ACCOUNT && activity.by_member.count >= BURST {
        return held(HeldReason::Burst);
    }
    if moderation == Moderation::FirstHeld && activity.approved == 0 {
        return held(HeldReason::FirstComment);
    }
    Decision::Post(Approved, None)
}

/// A comment's status after its author changed its words to `body`: an approved
/// comment that now carries many links waits for a moderator again (unless its
/// author is trusted); anything else stays as it was.
pub fn after_edit(
    body: &str,
    commenting: Commenting,
    status: CommentStatus,
    reason: Option<HeldReason>,
) -> (CommentStatus, Option<HeldReason>) {
    let relinked = status == CommentStatus::Approved
        && commenting != Commenting::Trusted
        && count_links(body) >= HOLD_LINKS;
    if relinked {
        (CommentStatus::Pending, Some(HeldReason::Links))
    } else {
        (status, reason)
    }
}

/// The reason a comment keeps after a moderator decides `to` on it while it is
/// `from` (held for `reason`). Approving, or keeping a reported comment, clears the
/// reason; holding takes a comment readers see back to the queue, "held by a
/// moderator", and is only for an approved comment (a conflict otherwise);
/// rejecting or taking as spam keeps why it was held.
pub fn moderated(
    from: CommentStatus,
    reason: Option<HeldReason>,
    to: CommentStatus,
) -> Result<Option<HeldReason>> {
    use CommentStatus::*;
    match (from, to) {
        (_, Approved) => Ok(None),
        (Approved, Pending) => Ok(Some(HeldReason::Moderator)),
        (_, Pending) => Err(crate::Error::conflict(
            "Only a comment readers can see can be held; this one already is out of sight.",
        )),
        (_, Rejected | Spam) => Ok(reason),
    }
}

/// Whether a comment approved now is one readers see for the first time (its reply
/// letter is due): not one a moderator held after it had been shown.
pub fn first_shown(from: CommentStatus, reason: Option<HeldReason>) -> bool {
    from != CommentStatus::Approved && reason != Some(HeldReason::Moderator)
}

/// A comment's new words, from its author.
#[derive(Debug, Clone)]
pub struct CommentEdit {
    /// As `tidy` leaves it.
    pub body: String,
    pub body_hash: String,
    /// As `after_edit` decides.
    pub status: CommentStatus,
    pub held_reason: Option<HeldReason>,
    pub at: DateTime<Utc>,
}

impl CommentEdit {
    pub fn validate(&self) -> Result<()> {
        check_body(&self.body)
    }
}

/// Threads shown per page of an article's comments.
pub const THREADS_PER_PAGE: u32 = 50;
/// Most replies shown with one page of threads.
pub const MAX_REPLIES_PER_PAGE: u32 = 1000;

/// One page of an article's threads as one reader sees them: what everyone sees, and
/// their own comments still waiting for a moderator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentPage {
    /// The page's first comments in the order asked for, with their replies (oldest
    /// first); `CommentView::threads` puts each reply under its parent.
    pub comments: Vec<Comment>,
    /// Threads in all, on every page.
    pub threads: u64,
    /// Which of the page's comments the reader likes.
    pub liked: Vec<CommentId>,
}

/// A reader's report of a comment.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub comment_id: CommentId,
    pub member_id: MemberId,
    pub reason: ReportReason,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// Longest note a report may carry.
pub const MAX_REPORT_NOTE_CHARS: usize = 500;

impl NewReport {
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::default();
        v.check(
            self.note.chars().count() <= MAX_REPORT_NOTE_CHARS,
            "note",
            "keep the note under 500 characters",
        );
        v.finish()
    }
}

word_enum!(
    /// The moderators' queues.
    Queue {
        Held => "held" / "Held",
        Reported => "reported" / "Reported",
        Spam => "spam" / "Spam",
    }
);

/// How many comments each queue holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Waiting for a moderator.
    pub held: u64,
    /// With reports no moderator has answered.
    pub reported: u64,
    pub spam: u64,
}

impl QueueCounts {
    pub fn of(&self, queue: Queue) -> u64 {
        match queue {
            Queue::Held => self.held,
            Queue::Reported => self.reported,
            Queue::Spam => self.spam,
        }
    }
}

/// A report no moderator has answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    pub reason: ReportReason,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// Most open reports shown with one comment in a queue (the count says how many more).
pub const REPORTS_SHOWN: usize = 10;

/// A comment in a moderators' queue, with the article it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentToModerate {
    pub comment: Comment,
    pub article_title: String,
    /// The article's public address.
    pub article_path: String,
    pub comments_open: bool,
    /// Its member's standing (none for staff and former members).
    pub commenting: Option<Commenting>,
    /// Its unanswered reports, newest first (at most `REPORTS_SHOWN`).
    pub reports: Vec<OpenReport>,
    /// How many unanswered reports it has in all.
    pub report_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_moderators_decision_sets_the_reason_and_holding_is_only_for_what_readers_see() {
        use CommentStatus::*;
        let links = Some(HeldReason::Links);
        let held = Some(HeldReason::Moderator);
        for from in CommentStatus::ALL {
            for reason in [None, links, held] {
                let got = |to| moderated(*from, reason, to);
                assert_eq!(got(Approved).ok(), Some(None), "{from:?}");
                assert_eq!(got(Rejected).ok(), Some(reason), "{from:?}");
                assert_eq!(got(Spam).ok(), Some(reason), "{from:?}");
                let hold = got(Pending);
                if *from == Approved {
                    assert_eq!(hold.ok(), Some(held));
                } else {
                    assert!(
                        matches!(hold, Err(crate::Error::Conflict(_))),
                        "{from:?}: {hold:?}"
                    );
                }
            }
        }
        // Approving tells the answered reader only the first time readers see it.
        assert!(first_shown(Pending, links));
        assert!(first_shown(Spam, None));
        assert!(!first_shown(Pending, held));
        assert!(!first_shown(Approved, None));
    }

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::minutes(minute)
    }

    fn quiet() -> Activity {
        Activity {
            by_member: Failures::default(),
            from_address: Failures::default(),
            duplicate: None,
            same_text: 0,
            approved: 3,
            joined_at: at(-60 * 24 * 30),
        }
    }

    fn recent(count: u32, oldest: i64) -> Failures {
        Failures {
            count,
            oldest: Some(at(oldest)),
        }
    }

    #[test]
    fn the_rules_decide_each_comment() {
        use CommentStatus::{Approved, Pending, Spam};
        use Commenting::{Banned, New, Trusted};
        use Moderation::{AllHeld, FirstHeld, Open};
        let plain = "I was at the harbour that day.";
        let three = "see https://a.example/ and b.example and www.c.example";
        let six = "a.example b.example c.example d.example e.example f.example";
        let first = Activity {
            approved: 0,
            ..quiet()
        };
        let twice = Activity {
            duplicate: Some(CommentId(7)),
            ..quiet()
        };
        let busy = Activity {
            by_member: recent(MAX_COMMENTS_PER_MEMBER, -5),
            ..quiet()
        };
        let busy_address = Activity {
            from_address: recent(MAX_COMMENTS_PER_ADDRESS, -2),
            ..quiet()
        };
        let repeated = Activity {
            same_text: REPEATS_FOR_SPAM,
            ..quiet()
        };
        let new_burst = Activity {
            by_member: recent(BURST, -3),
            joined_at: at(-60),
            ..quiet()
        };
        let old_burst = Activity {
            by_member: recent(BURST, -3),
            ..quiet()
        };
        let cases: &[(&str, Moderation, Commenting, &Activity, Decision)] = &[
            (plain, Open, New, &quiet(), Decision::Post(Approved, None)),
            (plain, Open, New, &first, Decision::Post(Approved, None)),
            (
                plain,
                FirstHeld,
                New,
                &first,
                Decision::Post(Pending, Some(HeldReason::FirstComment)),
            ),
            (
                plain,
                FirstHeld,
                New,
                &quiet(),
                Decision::Post(Approved, None),
            ),
            (
                plain,
                FirstHeld,
                Trusted,
                &first,
                Decision::Post(Approved, None),
            ),
            (
                plain,
                AllHeld,
                Trusted,
                &quiet(),
                Decision::Post(Pending, Some(HeldReason::AllHeld)),
            ),
            (plain, Open, Banned, &quiet(), Decision::Banned),
            (plain, Open, Banned, &twice, Decision::Banned),
            (plain, Open, New, &twice, Decision::Duplicate(CommentId(7))),
            (
                plain,
                Open,
                New,
                &busy,
                Decision::TooMany(at(-5) + RATE_WINDOW),
            ),
            (
                plain,
                Open,
                Trusted,
                &busy,
                Decision::TooMany(at(-5) + RATE_WINDOW),
            ),
            (
                plain,
                Open,
                New,
                &busy_address,
                Decision::TooMany(at(-2) + RATE_WINDOW),
            ),
            (
                three,
                Open,
                New,
                &quiet(),
                Decision::Post(Pending, Some(HeldReason::Links)),
            ),
            (
                three,
                Open,
                Trusted,
                &quiet(),
                Decision::Post(Approved, None),
            ),
            (
                six,
                Open,
                New,
                &quiet(),
                Decision::Post(Spam, Some(HeldReason::Links)),
            ),
            (
                plain,
                Open,
                New,
                &repeated,
                Decision::Post(Spam, Some(HeldReason::Repeated)),
            ),
            (
                plain,
                Open,
                New,
                &new_burst,
                Decision::Post(Pending, Some(HeldReason::Burst)),
            ),
            (plain, Open, New, &old_burst, Decision::Post(Approved, None)),
        ];
        for (body, moderation, commenting, activity, expected) in cases {
            assert_eq!(
                decide(body, *moderation, *commenting, activity, at(0)),
                *expected,
                "{body:?} {moderation:?} {commenting:?} {activity:?}"
            );
        }
    }

    #[test]
    fn an_edit_that_adds_links_waits_again() {
        use CommentStatus::{Approved, Pending, Spam};
        let links = "a.example b.example c.example";
        assert_eq!(
            after_edit(links, Commenting::New, Approved, None),
            (Pending, Some(HeldReason::Links))
        );
        assert_eq!(
            after_edit(links, Commenting::Trusted, Approved, None),
            (Approved, None)
        );
        assert_eq!(
            after_edit("fine words", Commenting::New, Approved, None),
            (Approved, None)
        );
        assert_eq!(
            after_edit(links, Commenting::New, Spam, Some(HeldReason::Repeated)),
            (Spam, Some(HeldReason::Repeated))
        );
    }

    fn comment(created: i64, deleted: bool) -> Comment {
        Comment {
            id: CommentId(1),
            article_id: ArticleId(1),
            author: Author::Member(MemberId(5)),
            author_name: "Ana".into(),
            parent_id: None,
            body: "hello".into(),
            status: CommentStatus::Approved,
            created_at: at(created),
            edited_at: None,
            deleted,
            likes: 0,
            held_reason: None,
        }
    }

    #[test]
    fn authors_edit_within_the_window_and_delete_their_own() {
        let me = MemberId(5);
        let other = MemberId(6);
        assert!(comment(0, false).can_edit(me, at(9)));
        assert!(!comment(0, false).can_edit(me, at(10)));
        assert!(!comment(0, false).can_edit(other, at(1)));
        assert!(!comment(0, true).can_edit(me, at(1)));
        assert!(comment(0, false).can_delete(me));
        assert!(comment(-600, false).can_delete(me));
        assert!(!comment(0, false).can_delete(other));
        assert!(!comment(0, true).can_delete(me));
        let staff = Comment {
            author: Author::Staff(PersonId(5)),
            ..comment(0, false)
        };
        assert!(staff.is_staff() && !staff.can_edit(me, at(1)) && !staff.can_delete(me));
    }

    #[test]
    fn words_are_tidied_before_they_are_kept() {
        let cases = [
            ("  hello  ", "hello"),
            ("a\r\nb\rc", "a\nb\nc"),
            ("a\n\n\n\n\nb", "a\n\nb"),
            ("a   \n  \n\t\nb", "a\n\nb"),
            ("tab\there", "tab here"),
            ("nul\u{0}bell\u{7}esc\u{1b}", "nulbellesc"),
            ("right\u{202E}left\u{2066}iso\u{2069}", "rightleftiso"),
            ("line\u{2028}sep", "linesep"),
            ("\n\n\n", ""),
            ("emoji 🧑‍🔬 stays", "emoji 🧑‍🔬 stays"),
        ];
        for (sent, kept) in cases {
            assert_eq!(tidy(sent), kept, "{sent:?}");
        }
    }

    #[test]
    fn the_same_words_have_the_same_fingerprint() {
        assert_eq!(
            fingerprint("Buy NOW!!  cheap"),
            fingerprint("buy now cheap")
        );
        assert_ne!(fingerprint("buy now"), fingerprint("buy later"));
        assert_eq!(fingerprint("¡Olé, Ünïcode!"), "olé ünïcode");
    }

    /// Paragraphs of lines of (text, link) pairs.
    type Flat = Vec<Vec<Vec<(String, Option<String>)>>>;

    fn flat(body: &str) -> Flat {
        paragraphs(body)
            .into_iter()
            .map(|p| {
                p.into_iter()
                    .map(|l| l.into_iter().map(|x| (x.text, x.href)).collect())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn web_addresses_become_links_and_nothing_else_does() {
        let t = |s: &str| (s.to_owned(), None);
        let l = |s: &str| (s.to_owned(), Some(s.to_owned()));
        assert_eq!(
            flat("See https://example.com/a_(b), then.\nNext line\n\nSecond"),
            vec![
                vec![
                    vec![t("See "), l("https://example.com/a_(b)"), t(", then.")],
                    vec![t("Next line")],
                ],
                vec![vec![t("Second")]],
            ]
        );
        // Only http and https lead anywhere; what looks like markup stays words.
        for body in [
            "javascript:alert(1)",
            "ftp://files.example/x",
            "<a href=\"https://x.example\">x</a>",
            "data:text/html,<script>alert(1)</script>",
        ] {
            let links: Vec<_> = paragraphs(body)
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|p| p.href)
                .collect();
            assert!(
                links.iter().all(|h| h == "https://x.example"),
                "{body:?}: {links:?}"
            );
        }
        assert_eq!(count_links("example.com and https://x.example/y"), 2);
        assert_eq!(count_links("no links here."), 0);
    }
}
