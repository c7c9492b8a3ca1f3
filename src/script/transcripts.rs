//! Transcripts as the session core assembled them: the latest completed message
//! of a role, for `transcript` steps.

use super::step::Speaker;
use crate::protocol::item::{ContentType, ItemStatus, ItemType, Role};
use crate::session::{ConvItem, Session};

/// What the conversation holds for a role right now.
#[derive(Debug, Default)]
pub struct Latest {
    /// The text of the latest completed message of the role.
    pub completed: Option<String>,
    /// A later message of the role is still being written or transcribed.
    pub pending: bool,
    /// Why the latest user audio could not be transcribed, when it could not.
    pub transcription_error: Option<String>,
}

/// `only_responses`: when given, assistant messages of other responses are ignored.
pub fn latest(session: &Session, who: Speaker, only_responses: Option<&[String]>) -> Latest {
    let role = match who {
        Speaker::User => Role::User,
        Speaker::Assistant => Role::Assistant,
    };
    let items: Vec<&ConvItem> = session
        .conversation()
        .ordered()
        .filter(|i| i.kind == ItemType::Message && i.role.as_ref() == Some(&role))
        .filter(|i| {
            who == Speaker::User
                || only_responses.is_none_or(|ids| {
                    i.response_id
                        .as_deref()
                        .is_some_and(|r| ids.iter().any(|b| b == r))
                })
        })
        .collect();
    let mut out = Latest::default();
    for item in items.iter().rev() {
        let done = match who {
            Speaker::User => user_done(item),
            Speaker::Assistant => assistant_done(session, item),
        };
        if done {
            out.completed = Some(item.text());
            out.transcription_error = item.transcription_error.clone();
            break;
        }
        out.pending = true;
    }
    out
}

/// Typed text is final at once; audio once its transcription finished (or failed).
fn user_done(item: &ConvItem) -> bool {
    !item.parts.is_empty()
        && item.parts.iter().all(|p| match &p.kind {
            Some(ContentType::InputAudio) => p.transcript_final,
            _ => !p.transcript_pending,
        })
}

/// The item says it is finished, or its response is (beta servers never send
/// `conversation.item.done`).
fn assistant_done(session: &Session, item: &ConvItem) -> bool {
    matches!(
        item.status,
        Some(ItemStatus::Completed | ItemStatus::Incomplete)
    ) || item
        .response_id
        .as_deref()
        .and_then(|id| session.responses().get(id))
        .is_some_and(|r| r.done_ms.is_some())
}
