import { act, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatWindow, WindowInput } from '../../engine/types.ts';
import { renderWithFluent } from '../../test/render.tsx';
import { LocalTokenEstimate } from './LocalTokenEstimate.tsx';

function windowOf(input: number, dropped = false): ChatWindow {
  return {
    request: { model: 'm', system: [], contents: [], maxOutputTokens: 0 },
    breakdown: { system: 0, sheetContext: 0, summary: 0, history: 0, message: 0, overhead: 0, input, reservedOutput: 0, budget: 0, sheetContextDropped: dropped, summaryUsed: false, droppedMessages: [], keptMessages: 0 },
    cost: { currency: 'USD', inputTokens: input, outputTokens: 0, input: input * 3e-7, output: 0, total: input * 3e-7 },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LocalTokenEstimate', () => {
  it('counts once the typing pauses, with the history and no system text (the server adds its own)', async () => {
    const buildWindow = vi.fn((input: WindowInput) => Promise.resolve(windowOf(input.message.length * 1000)));
    const history = [{ role: 'user' as const, text: 'Earlier' }];
    const { rerender } = renderWithFluent(<LocalTokenEstimate draft="Hi" history={history} sheetContext={null} buildWindow={buildWindow} debounceMs={200} />);
    rerender(<LocalTokenEstimate draft="Hi there" history={history} sheetContext={null} buildWindow={buildWindow} debounceMs={200} />);
    expect(buildWindow).not.toHaveBeenCalled();

    await act(async () => {
      await vi.advanceTimersByTimeAsync(200);
    });
    expect(buildWindow).toHaveBeenCalledTimes(1);
    expect(buildWindow).toHaveBeenCalledWith({ system: '', sheetContext: null, history, message: 'Hi there', reserveOutput: 0 });
    expect(screen.getByTestId('token-estimate')).toHaveTextContent('This message will send about 8,000 tokens (≈ $0.0024), plus the server’s instructions.');
  });

  it('says when the sheet preview does not fit, and shows a failure instead of a number', async () => {
    const fits = vi.fn(() => Promise.resolve(windowOf(10, true)));
    const { rerender } = renderWithFluent(<LocalTokenEstimate draft="Q" history={[]} sheetContext="Sheet: 1 row" buildWindow={fits} debounceMs={0} />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByTestId('token-estimate')).toHaveTextContent('the sheet preview does not fit and is left out');

    const fails = vi.fn(() => Promise.reject(new Error('unknown model "x"')));
    rerender(<LocalTokenEstimate draft="Q" history={[]} sheetContext={null} buildWindow={fails} debounceMs={0} />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByTestId('token-estimate')).toHaveTextContent('Token estimate unavailable: unknown model "x"');
  });

  it('shows nothing for an empty draft', () => {
    const buildWindow = vi.fn(() => Promise.resolve(windowOf(1)));
    renderWithFluent(<LocalTokenEstimate draft="   " history={[]} sheetContext={null} buildWindow={buildWindow} />);
    expect(screen.queryByTestId('token-estimate')).not.toBeInTheDocument();
  });
});
