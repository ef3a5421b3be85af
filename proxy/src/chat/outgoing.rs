//! One request's outgoing content, decided without I/O: every
//! caller-supplied text through the PII guard, then the window over the
//! guarded texts (so what is counted is exactly what is sent), then the
//! policy's verdict on what is actually sent, and whether older turns need
//! a new summary.

use engine::window::{Message, Summary, Window, WindowInput};

use crate::config::PiiPolicy;

use super::guard::{GuardReport, Guarded, engine_policy, guard_text};
use super::summary::SummaryJob;
use super::window::{RequestLimits, WindowRefusal, plan};

/// What the caller asks to send, before the window and the guard.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// Our system prompt (not scanned).
    pub system: &'a str,
    pub sheet_context: Option<String>,
    /// From the store, oldest first.
    pub history: Vec<Message>,
    /// From the conversation's `context`.
    pub summary: Option<Summary>,
    pub message: &'a str,
}

#[derive(Debug, Clone)]
pub struct Outgoing {
    pub window: Window,
    /// Findings in what is sent.
    pub report: GuardReport,
    /// Older turns the window dropped and no stored summary covers.
    pub to_summarise: Option<SummaryJob>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Window(#[from] WindowRefusal),
    /// `PII_POLICY=block` and personal data in what would be sent.
    #[error("the request contains personal data ({}) and this server's policy is to block it", .0.type_names().join(", "))]
    PiiBlocked(GuardReport),
}

/// Guards, windows and judges one request (see the module documentation).
pub fn prepare(
    model: &str,
    draft: Draft<'_>,
    limits: &RequestLimits,
    policy: PiiPolicy,
) -> Result<Outgoing, Refusal> {
    let rules = engine_policy(policy);
    let message = guard_text(draft.message, &rules);
    let sheet_context = draft
        .sheet_context
        .as_deref()
        .map(|s| guard_text(s, &rules));
    let summary = draft.summary.as_ref().map(|s| guard_text(&s.text, &rules));
    let history: Vec<Guarded> = draft
        .history
        .iter()
        .map(|m| guard_text(&m.text, &rules))
        .collect();

    let input = WindowInput {
        system: draft.system.to_owned(),
        sheet_context: sheet_context.as_ref().map(|g| g.text.clone()),
        history: draft
            .history
            .iter()
            .zip(&history)
            .map(|(m, g)| Message {
                role: m.role,
                text: g.text.clone(),
            })
            .collect(),
        summary: draft
            .summary
            .as_ref()
            .zip(summary.as_ref())
            .map(|(s, g)| Summary {
                text: g.text.clone(),
                covers: s.covers,
            }),
        message: message.text.clone(),
        reserve_output: 0,
    };
    let window = plan(model, input, limits)?;
    let breakdown = &window.breakdown;
    // The window keeps a suffix of the history: everything before `start`
    // was dropped.
    let start = breakdown.dropped_messages.len();

    let mut report = GuardReport::default();
    report.add(&message, policy);
    if let Some(g) = sheet_context
        .as_ref()
        .filter(|_| !breakdown.sheet_context_dropped)
    {
        report.add(g, policy);
    }
    if let Some(g) = summary.as_ref().filter(|_| breakdown.summary_used) {
        report.add(g, policy);
    }
    for g in &history[start..] {
        report.add(g, policy);
    }
    if policy == PiiPolicy::Block && !report.findings.is_empty() {
        return Err(Refusal::PiiBlocked(report));
    }

    let covered = draft
        .summary
        .as_ref()
        .map_or(0, |s| s.covers.min(history.len()));
    let to_summarise = (start > covered)
        .then(|| {
            let uncovered = &history[covered..start];
            let previous = summary.filter(|_| covered > 0);
            // Under `block` nothing with personal data may leave, not even
            // to be summarised: the turns stay unsummarised.
            let pii = uncovered
                .iter()
                .chain(previous.as_ref())
                .any(|g| !g.is_clean());
            if policy == PiiPolicy::Block && pii {
                tracing::info!(
                    "older turns hold personal data under PII_POLICY=block: not summarised"
                );
                return None;
            }
            Some(SummaryJob {
                previous: previous.map(|g| g.text),
                messages: draft.history[covered..start]
                    .iter()
                    .zip(uncovered)
                    .map(|(m, g)| Message {
                        role: m.role,
                        text: g.text.clone(),
                    })
                    .collect(),
                covers_from: covered,
            })
        })
        .flatten();
    Ok(Outgoing {
        window,
        report,
        to_summarise,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::mask::PiiType;
    use engine::window::Role;

    fn turn(role: Role, text: &str) -> Message {
        Message {
            role,
            text: text.into(),
        }
    }

    const ROOMY: RequestLimits = RequestLimits {
        input_token_limit: 100_000,
        reserved_output: 100,
        budget_left: 1_000_000,
    };

    fn draft<'a>(history: Vec<Message>, summary: Option<Summary>, message: &'a str) -> Draft<'a> {
        Draft {
            system: "Be brief.",
            sheet_context: None,
            history,
            summary,
            message,
        }
    }

    #[test]
    fn masked_text_is_what_the_window_sends() {
        let history = vec![
            turn(Role::User, "Who is bob@example.com?"),
            turn(Role::Model, "A customer."),
        ];
        let out = prepare(
            "m",
            draft(history, None, "Email ann@example.org the total"),
            &ROOMY,
            PiiPolicy::Mask,
        )
        .unwrap();
        let sent: Vec<&str> = out
            .window
            .request
            .contents
            .iter()
            .map(|m| m.text.as_str())
            .collect();
        assert_eq!(
            sent,
            ["Who is <EMAIL>?", "A customer.", "Email <EMAIL> the total"]
        );
        assert_eq!(out.report.findings.get(&PiiType::Email), Some(&2));
        assert_eq!(out.report.masked, 2);
        assert!(out.to_summarise.is_none());
    }

    #[test]
    fn block_refuses_only_what_would_be_sent() {
        let old = "x ".repeat(3000);
        let history = vec![
            turn(Role::User, &format!("bob@example.com {old}")),
            turn(Role::Model, "noted"),
        ];
        let tight = RequestLimits {
            input_token_limit: 500,
            ..ROOMY
        };
        // The turn with the address is dropped: not sent, not blocked, and
        // not summarised either (it would leave the server).
        let out = prepare(
            "m",
            draft(history.clone(), None, "total?"),
            &tight,
            PiiPolicy::Block,
        )
        .unwrap();
        assert_eq!(out.window.breakdown.dropped_messages, [0, 1]);
        assert!(out.report.findings.is_empty());
        assert!(out.to_summarise.is_none());

        let refused = prepare(
            "m",
            draft(history, None, "mail ann@example.org"),
            &ROOMY,
            PiiPolicy::Block,
        )
        .unwrap_err();
        let Refusal::PiiBlocked(report) = &refused else {
            panic!("{refused:?}")
        };
        assert_eq!(report.findings.get(&PiiType::Email), Some(&2));
        assert!(refused.to_string().contains("email"));
        assert!(!refused.to_string().contains("ann@"));
    }

    #[test]
    fn dropped_turns_beyond_the_summary_are_summarised_from_where_it_ends() {
        let long = "words ".repeat(150);
        let history: Vec<Message> = (0..8)
            .map(|i| {
                let role = if i % 2 == 0 { Role::User } else { Role::Model };
                turn(role, &format!("{i} {long}"))
            })
            .collect();
        let limits = RequestLimits {
            input_token_limit: 700,
            ..ROOMY
        };
        let out = prepare(
            "m",
            draft(history.clone(), None, "now?"),
            &limits,
            PiiPolicy::Mask,
        )
        .unwrap();
        let start = out.window.breakdown.dropped_messages.len();
        assert!(start >= 2, "{start}");
        let job = out.to_summarise.unwrap();
        assert_eq!(job.covers_from, 0);
        assert_eq!(job.previous, None);
        assert_eq!(job.messages, history[..start]);

        let summary = Summary {
            text: "Earlier: 0 and 1.".into(),
            covers: 2,
        };
        let out = prepare(
            "m",
            draft(history.clone(), Some(summary), "now?"),
            &limits,
            PiiPolicy::Mask,
        )
        .unwrap();
        assert!(out.window.breakdown.summary_used);
        let start = out.window.breakdown.dropped_messages.len();
        let job = out.to_summarise.unwrap();
        assert_eq!(job.covers_from, 2);
        assert_eq!(job.previous.as_deref(), Some("Earlier: 0 and 1."));
        assert_eq!(job.messages, history[2..start]);
    }
}
