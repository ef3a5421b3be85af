import { useEffect, useState } from 'react';
import { Text } from '@fluentui/react-components';
import type { ChatMessage, ChatWindow, WindowInput } from '../../engine/types.ts';
import { messageOf } from '../../errors.ts';
import { formatCost } from '../preview/cost.ts';

/** Wait after the last keystroke before asking the engine to count. */
export const LOCAL_ESTIMATE_DEBOUNCE_MS = 250;

export interface LocalTokenEstimateProps {
  draft: string;
  /** The conversation so far, oldest first, as the proxy stores it (masked). */
  history: ChatMessage[];
  /** The confirmed preview payload sent with the message, if any. */
  sheetContext: string | null;
  /** The engine's `buildWindow` for the proxy's model. */
  buildWindow: (input: WindowInput) => Promise<ChatWindow>;
  debounceMs?: number;
}

type EstimateState = { status: 'counting' } | { status: 'counted'; window: ChatWindow; for: string } | { status: 'failed'; message: string };

/**
 * "This message will send about N tokens (≈ $X)", counted in the pane by the
 * same engine code the proxy windows with. The proxy's system prompt is not
 * known to the pane, so the figure is "about": everything else is counted.
 */
export function LocalTokenEstimate({ draft, history, sheetContext, buildWindow, debounceMs = LOCAL_ESTIMATE_DEBOUNCE_MS }: LocalTokenEstimateProps) {
  const [state, setState] = useState<EstimateState>({ status: 'counting' });
  const text = draft.trim();

  useEffect(() => {
    if (!text) return undefined;
    let current = true;
    const timer = setTimeout(() => {
      buildWindow({ system: '', sheetContext, history, message: text, reserveOutput: 0 }).then(
        (window) => {
          if (current) setState({ status: 'counted', window, for: text });
        },
        (thrown: unknown) => {
          if (current) setState({ status: 'failed', message: messageOf(thrown) });
        },
      );
    }, debounceMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, history, sheetContext, buildWindow, debounceMs]);

  if (!text) return null;
  let shown: string;
  switch (state.status) {
    case 'counted': {
      const { breakdown, cost } = state.window;
      const context = sheetContext === null ? '' : breakdown.sheetContextDropped ? '; the sheet preview does not fit and is left out' : ', the sheet preview included';
      shown = `This message will send about ${breakdown.input.toLocaleString()} tokens (≈ ${formatCost(cost.input, cost.currency)})${context}, plus the server’s instructions.`;
      break;
    }
    case 'failed':
      shown = `Token estimate unavailable: ${state.message}`;
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
