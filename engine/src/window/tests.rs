use super::*;
use crate::tokens::PriceTable;

/// One token per word: easy to reason about in tests.
fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn model(context_window: usize) -> ModelPrice {
    let mut m = PriceTable::builtin()
        .model("gemini-2.5-flash")
        .unwrap()
        .clone();
    m.context_window = context_window;
    m.max_output_tokens = m.max_output_tokens.min(context_window);
    m
}

fn msg(role: Role, text: &str) -> Message {
    Message {
        role,
        text: text.into(),
    }
}

fn input(history: Vec<Message>) -> WindowInput {
    WindowInput {
        system: "be brief".into(),
        sheet_context: Some("ctx a b".into()),
        history,
        summary: None,
        message: "new question".into(),
        reserve_output: 10,
    }
}

fn conversation(turns: usize) -> Vec<Message> {
    (0..turns)
        .flat_map(|i| {
            [
                msg(Role::User, &format!("q{i} w w")),
                msg(Role::Model, &format!("a{i} w w w w")),
            ]
        })
        .collect()
}

#[test]
fn everything_fits_and_parts_add_up() {
    let w = build_window(
        &input(conversation(2)),
        &model(1000),
        "USD",
        &words,
        &WindowLimits::default(),
    )
    .unwrap();
    let b = &w.breakdown;
    assert_eq!(
        (b.system, b.sheet_context, b.history, b.message),
        (2, 3, 16, 2)
    );
    assert_eq!(b.input, 23);
    assert!(b.dropped_messages.is_empty() && !b.summary_used && !b.sheet_context_dropped);
    assert_eq!(w.request.contents.len(), 5);
    assert_eq!(w.request.system, ["be brief", "ctx a b"]);
    assert!((w.cost.input - 23.0 * 0.3 / 1e6).abs() < 1e-15);
    assert_eq!(w.cost.output_tokens, 10);
}

#[test]
fn oldest_turns_go_first_and_whole() {
    // Budget 10 + 2 + 3 + 2 = 17 fixed; 9 left: one turn (8) fits, not 2.
    let w = build_window(
        &input(conversation(3)),
        &model(26),
        "USD",
        &words,
        &WindowLimits::default(),
    )
    .unwrap();
    assert_eq!(w.breakdown.dropped_messages, [0, 1, 2, 3]);
    assert_eq!(w.request.contents[0], msg(Role::User, "q2 w w"));
    assert_eq!(w.breakdown.input + 10, 25);
}

#[test]
fn a_summary_replaces_dropped_turns_when_it_fits() {
    let mut i = input(conversation(3));
    i.summary = Some(Summary {
        text: "s".into(),
        covers: 2,
    });
    // 17 fixed; summary is prefix (5 words) + 1 = 6 words; 8 per turn.
    let w = build_window(
        &i,
        &model(17 + 6 + 8),
        "USD",
        &words,
        &WindowLimits::default(),
    )
    .unwrap();
    assert!(w.breakdown.summary_used);
    assert_eq!(w.breakdown.summary, 6);
    assert_eq!(w.breakdown.dropped_messages, [0, 1, 2, 3]);
    assert_eq!(w.request.system.len(), 3);
    assert!(w.request.system[2].ends_with("\ns"));
}

#[test]
fn context_is_dropped_when_it_does_not_fit_and_too_small_budgets_fail() {
    let w = build_window(
        &input(vec![]),
        &model(15),
        "USD",
        &words,
        &WindowLimits::default(),
    )
    .unwrap();
    assert!(w.breakdown.sheet_context_dropped);
    assert_eq!(w.request.system, ["be brief"]);
    let limits = WindowLimits {
        max_request_tokens: Some(13),
        per_part_overhead: 0,
    };
    assert!(build_window(&input(vec![]), &model(1000), "USD", &words, &limits).is_err());
    let mut empty = input(vec![]);
    empty.message = "  ".into();
    assert!(
        build_window(
            &empty,
            &model(1000),
            "USD",
            &words,
            &WindowLimits::default()
        )
        .is_err()
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use crate::tokens::GemmaEstimate;
    use proptest::prelude::*;

    fn arb_message() -> impl Strategy<Value = Message> {
        (any::<bool>(), "[a-z0-9 ,.\n]{0,40}").prop_map(|(user, text)| Message {
            role: if user { Role::User } else { Role::Model },
            text,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn window_never_exceeds_the_budget_and_keeps_the_newest_message(
            history in proptest::collection::vec(arb_message(), 0..24),
            message in "[a-z0-9 ]{1,30}",
            context in proptest::option::of("[a-z0-9 ,\n]{0,200}"),
            summary in proptest::option::of(("[a-z ]{1,60}", 0usize..30)),
            budget in 20usize..400,
            reserve in 0usize..40,
            overhead in 0usize..4,
        ) {
            prop_assume!(!message.trim().is_empty());
            let input = WindowInput {
                system: "You are a careful finance assistant.".into(),
                sheet_context: context,
                history: history.clone(),
                summary: summary.map(|(text, covers)| Summary { text, covers }),
                message: message.clone(),
                reserve_output: reserve,
            };
            let limits = WindowLimits { max_request_tokens: Some(budget), per_part_overhead: overhead };
            let m = model(1_000_000);
            let result = build_window(&input, &m, "USD", &GemmaEstimate, &limits);
            let Ok(w) = result else {
                // Only when the fixed parts alone do not fit.
                let fixed = GemmaEstimate.count(&input.system) + GemmaEstimate.count(&message)
                    + 2 * overhead + reserve;
                prop_assert!(fixed > budget);
                return Ok(());
            };
            let b = &w.breakdown;
            // Never over the budget, and the breakdown is what is sent.
            prop_assert!(b.input + b.reserved_output <= budget);
            let sent: usize = w.request.system.iter().map(|t| GemmaEstimate.count(t)).sum::<usize>()
                + w.request.contents.iter().map(|m| GemmaEstimate.count(&m.text)).sum::<usize>()
                + overhead * (w.request.system.len() + w.request.contents.len());
            prop_assert_eq!(sent, b.input);
            // The system prompt and the newest message are always there.
            prop_assert_eq!(&w.request.system[0], &input.system);
            let last = w.request.contents.last().unwrap();
            prop_assert_eq!(&last.text, &message);
            prop_assert_eq!(last.role, Role::User);
            // Kept history is a suffix, in order, starting at a turn.
            let kept = &w.request.contents[..w.request.contents.len() - 1];
            let start = history.len() - kept.len();
            prop_assert_eq!(kept, &history[start..]);
            prop_assert!(start == 0 || start == history.len() || history[start].role == Role::User);
            prop_assert_eq!(&b.dropped_messages, &(0..start).collect::<Vec<_>>());
            // Same inputs, same request.
            let again = build_window(&input, &m, "USD", &GemmaEstimate, &limits).unwrap();
            prop_assert_eq!(again, w);
        }
    }
}
