import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '../errors.ts';

export type LoadState<T> = { status: 'loading' } | { status: 'done'; value: T } | { status: 'failed'; message: string };

/** Runs `load` on mount and on `reload()`, keeping only the latest outcome. */
export function useLoad<T>(load: () => Promise<T>): { state: LoadState<T>; reload: () => void } {
  const [state, setState] = useState<LoadState<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    load().then(
      (value) => {
        if (current) setState({ status: 'done', value });
      },
      (thrown: unknown) => {
        if (current) setState({ status: 'failed', message: messageOf(thrown) });
      },
    );
    return () => {
      current = false;
    };
  }, [load, attempt]);

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((previous) => previous + 1);
  }, []);

  return { state, reload };
}
