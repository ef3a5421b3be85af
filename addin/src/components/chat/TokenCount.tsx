import { useEffect, useState } from 'react';
import { Text } from '@fluentui/react-components';
import type { TokenCount } from '../../api/conversations.ts';
import { messageOf } from '../../errors.ts';

/** Wait after the last keystroke before asking the server to count. */
export const COUNT_DEBOUNCE_MS = 600;

export interface ProxyTokenCountProps {
  draft: string;
  countTokens: (text: string, signal: AbortSignal) => Promise<TokenCount>;
  debounceMs?: number;
}

type CountState = { status: 'idle' } | { status: 'counting' } | { status: 'counted'; tokens: number } | { status: 'failed'; message: string };

/**
 * The exact token count of the draft from the proxy (Gemini's countTokens),
 * debounced. Stands in until the engine's local estimate is wired in through
 * ChatView's `tokenEstimate` slot.
 */
export function ProxyTokenCount({ draft, countTokens, debounceMs = COUNT_DEBOUNCE_MS }: ProxyTokenCountProps) {
  const [state, setState] = useState<CountState>({ status: 'idle' });
  const text = draft.trim();

  useEffect(() => {
    if (!text) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setState({ status: 'counting' });
      countTokens(text, controller.signal).then(
        (count) => {
          if (!controller.signal.aborted) setState({ status: 'counted', tokens: count.total_tokens });
        },
        (thrown: unknown) => {
          if (!controller.signal.aborted) setState({ status: 'failed', message: messageOf(thrown) });
        },
      );
    }, debounceMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, countTokens, debounceMs]);

  if (!text) return null;
  let shown: string;
  switch (state.status) {
    case 'counted':
      shown = `${state.tokens.toLocaleString()} tokens (exact count from the server)`;
      break;
    case 'failed':
      shown = `Token count unavailable: ${state.message}`;
      break;
    default:
      shown = 'Counting tokens…';
  }
  return (
    <Text size={200} aria-live="polite" data-testid="token-estimate">
      {shown}
    </Text>
  );
}
