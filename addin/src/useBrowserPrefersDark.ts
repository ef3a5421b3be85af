import { useEffect, useState } from 'react';

export type ColourSchemeQuery = Pick<MediaQueryList, 'matches' | 'addEventListener' | 'removeEventListener'>;

/**
 * Whether the browser prefers a dark colour scheme, kept current when the
 * user switches it (the pane follows without a reload outside Office).
 */
export function useBrowserPrefersDark(query: ColourSchemeQuery | undefined): boolean {
  const [dark, setDark] = useState(() => query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const changed = (event: MediaQueryListEvent) => {
      setDark(event.matches);
    };
    query.addEventListener('change', changed);
    return () => {
      query.removeEventListener('change', changed);
    };
  }, [query]);
  return dark;
}
