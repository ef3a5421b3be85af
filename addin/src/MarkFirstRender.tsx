import { useEffect } from 'react';

/** Set once the pane's first frame is on screen; read by bench/pane_render.mjs. */
export const PANE_RENDERED_MARK = 'ledgerlight:pane-rendered';

/** Marks the first frame with the pane on screen (the frame after React's first commit). */
export function MarkFirstRender() {
  useEffect(() => {
    if (performance.getEntriesByName(PANE_RENDERED_MARK).length > 0) return;
    requestAnimationFrame(() => {
      performance.mark(PANE_RENDERED_MARK);
    });
  }, []);
  return null;
}
