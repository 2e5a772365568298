//! The delivery ladder for important prompts: rung 0 push (every active device whose provider
//! is configured, push on), rung 1 SMS (a target in the recipient read, and texts configured),
//! rung 2 email (email on). A prompt's own send uses the first available rung; a rung that
//! fails for good in that send (every device dead, the number refused) falls through to the
//! next at once, and so does one that must wait for a retry when the prompt is urgent, when
//! its retries are spent (the attempt limit) or when its retry would come after the end of the
//! acknowledgement window: an outage of one provider does not end the ladder. Sent on
//! rung r with a later rung available, the prompt gets a follow-up (rung r + 1, due at the end
//! of its acknowledgement window, moved out of the patient's quiet hours unless urgent), which
//! `crate::ladder` drains: acknowledged by then → nothing more; otherwise the first available
//! rung from there, and so on up the ladder.

use chrono::{Duration, NaiveDateTime};
use shared::care::outbox::{
    EMAIL, FollowUp, NextRung, PUSH, Prompt, Resolution, SMS, Step, backoff,
};
use shared::protocol::local_time::{is_quiet, leave_quiet};
use shared::time::now;
use tokio::sync::watch;

use super::fold::Fold;
use super::{Delivery, Reach, email, push_all, text};
use crate::Worker;

/// Whether `rung` can reach the recipient from this worker.
pub(crate) fn available(w: &Worker, reach: &Reach, rung: i32) -> bool {
    match rung {
        PUSH => reach.push_enabled && reach.devices.iter().any(|d| w.push.reaches(d.provider)),
        SMS => reach.sms.is_some() && w.sms.is_some(),
        EMAIL => reach.email_enabled,
        _ => false,
    }
}

/// How a climb ended.
enum Climbed {
    /// Delivered on this rung.
    Sent(i32),
    /// The text could not go yet (no permit of the sender's rate before the deadline, stopping):
    /// the prompt or follow-up waits with this resolution, rather than skip its rung.
    Held(Resolution),
    /// Nothing delivered: every available rung failed, or one must wait for a retry.
    Tried,
}

/// Tries the available rungs from `from` up until one delivers; `tries` is how many tries
/// before this one failed for a while (the prompt's or the follow-up's `attempts`).
#[allow(clippy::too_many_arguments)]
async fn climb(
    w: &Worker,
    prompt: &Prompt,
    reach: &Reach,
    from: i32,
    tries: i32,
    deadline: NaiveDateTime,
    stop: &watch::Receiver<bool>,
    fold: &mut Fold,
) -> Climbed {
    for rung in from..=EMAIL {
        if !available(w, reach, rung) {
            continue;
        }
        match (rung, &reach.sms) {
            (PUSH, _) => push_all(w, prompt, reach, fold).await,
            (SMS, Some(to)) => {
                if let Some(held) = text(w, prompt, to, deadline, stop, fold).await {
                    return Climbed::Held(held);
                }
            }
            _ => email(w, prompt, reach, fold).await,
        }
        if fold.sent.is_some() {
            return Climbed::Sent(rung);
        }
        // A rung waiting for a retry holds the ladder, unless the prompt cannot wait or the
        // retry is not worth waiting for. Settings the provider refused (the operator's to
        // fix) do not: the next rung stands in.
        if !prompt.urgent && worth_waiting(w, prompt, fold, tries) {
            return Climbed::Tried;
        }
    }
    Climbed::Tried
}

/// Whether the rung that just failed for a while should hold the ladder for its retry: a retry
/// is due, within the attempt limit (`max_attempts`), and no later than the end of an
/// acknowledgement window from now (the prompt's `ack_window_secs`, when it has one).
fn worth_waiting(w: &Worker, prompt: &Prompt, fold: &Fold, tries: i32) -> bool {
    let Some((after, _)) = &fold.retry else {
        return false;
    };
    let attempt = tries + 1;
    if attempt >= w.config.worker.max_attempts {
        return false;
    }
    let Some(window) = prompt.ack_window_secs else {
        return true;
    };
    let after = after.and_then(|d| Duration::from_std(d).ok());
    backoff(attempt, after) <= Duration::seconds(i64::from(window))
}

/// The follow-up of a prompt delivered on `rung`: the next rung at the end of its window, when
/// a later rung is available and the prompt has a window.
pub(crate) fn next_step(w: &Worker, prompt: &Prompt, reach: &Reach, rung: i32) -> Option<NextRung> {
    let window = Duration::seconds(i64::from(prompt.ack_window_secs?));
    if !(rung + 1..=EMAIL).any(|r| available(w, reach, r)) {
        return None;
    }
    Some(NextRung {
        rung: rung + 1,
        available_at: out_of_quiet(prompt, reach, now() + window),
    })
}

/// `at`, moved to the end of the patient's quiet hours unless the prompt is urgent.
fn out_of_quiet(prompt: &Prompt, reach: &Reach, at: NaiveDateTime) -> NaiveDateTime {
    if prompt.urgent {
        return at;
    }
    leave_quiet(reach.timezone.0, reach.quiet, at.and_utc()).naive_utc()
}

/// An important prompt's own send: the first available rung, falling through as the module
/// says, and its follow-up.
pub(crate) async fn first_send(
    w: &Worker,
    prompt: &Prompt,
    reach: &Reach,
    deadline: NaiveDateTime,
    stop: &watch::Receiver<bool>,
) -> Delivery {
    let mut fold = Fold::default();
    let climbed = climb(
        w,
        prompt,
        reach,
        PUSH,
        prompt.attempts,
        deadline,
        stop,
        &mut fold,
    )
    .await;
    let (resolution, follow_up) = match climbed {
        Climbed::Sent(rung) => (
            fold.resolution(w, prompt.attempts),
            next_step(w, prompt, reach, rung),
        ),
        Climbed::Held(held) => (held, None),
        Climbed::Tried => (fold.resolution(w, prompt.attempts), None),
    };
    Delivery {
        resolution,
        attempts: fold.attempts,
        follow_up,
    }
}

/// A due follow-up of an unacknowledged prompt: waits out the patient's quiet hours unless the
/// prompt is urgent, else the first available rung from its own; then the next step up, the end
/// of the ladder (nothing left to try), a retry or a dead letter.
pub(crate) async fn follow_up(
    w: &Worker,
    f: &FollowUp,
    prompt: &Prompt,
    reach: &Reach,
    deadline: NaiveDateTime,
    stop: &watch::Receiver<bool>,
) -> (Step, Vec<shared::care::outbox::Attempt>) {
    let t = now();
    if !prompt.urgent && is_quiet(reach.timezone.0, reach.quiet, t.and_utc()) {
        // Never put off to a time not in the future (quiet hours whose end does not parse
        // forward): that would be claimed again at once, in a tight loop.
        let at = out_of_quiet(prompt, reach, t).max(t + Duration::minutes(1));
        return (Step::Defer { at }, Vec::new());
    }
    let mut fold = Fold::default();
    let climbed = climb(
        w, prompt, reach, f.rung, f.attempts, deadline, stop, &mut fold,
    )
    .await;
    let step = match climbed {
        Climbed::Sent(rung) => Step::Sent {
            next: next_step(w, prompt, reach, rung),
        },
        Climbed::Held(Resolution::Defer { at }) => Step::Defer {
            at: at.max(t + Duration::seconds(1)),
        },
        Climbed::Held(_) => Step::Release,
        // No rung left to try: the ladder is over.
        Climbed::Tried if !fold.tried() => Step::Done,
        Climbed::Tried => match fold.resolution(w, f.attempts) {
            Resolution::Retry { at, error } => Step::Retry { at, error },
            Resolution::Failed { error } => Step::Failed { error },
            _ => Step::Done,
        },
    };
    (step, fold.attempts)
}
