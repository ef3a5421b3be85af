import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useBrowserPrefersDark, type ColourSchemeQuery } from './useBrowserPrefersDark.ts';

function fakeQuery(matches: boolean) {
  const listeners = new Set<(event: MediaQueryListEvent) => void>();
  const query: ColourSchemeQuery = {
    matches,
    addEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => void listeners.add(listener),
    removeEventListener: (_type: string, listener: (event: MediaQueryListEvent) => void) => void listeners.delete(listener),
  } as ColourSchemeQuery;
  const flip = (next: boolean) => {
    for (const listener of listeners) listener({ matches: next } as MediaQueryListEvent);
  };
  return { query, listeners, flip };
}

describe('useBrowserPrefersDark', () => {
  it('starts from the browser’s preference and follows its changes', () => {
    const { query, listeners, flip } = fakeQuery(true);
    const { result, unmount } = renderHook(() => useBrowserPrefersDark(query));
    expect(result.current).toBe(true);
    act(() => {
      flip(false);
    });
    expect(result.current).toBe(false);
    unmount();
    expect(listeners.size).toBe(0);
  });

  it('is light where the browser cannot tell', () => {
    const { result } = renderHook(() => useBrowserPrefersDark(undefined));
    expect(result.current).toBe(false);
  });
});
