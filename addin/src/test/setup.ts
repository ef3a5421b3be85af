import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// jsdom has no layout, hence no ResizeObserver; Fluent's MessageBar observes
// its own size to reflow, which does not matter to these tests.
class NoLayoutResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
if (!('ResizeObserver' in globalThis)) globalThis.ResizeObserver = NoLayoutResizeObserver;

// The machine running these is shared; 1 s (the default) for an element to
// appear proved too tight under load, and a longer wait costs nothing when it passes.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
});
