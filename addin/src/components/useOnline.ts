import { useEffect, useRef, useState } from 'react';

/** Whether the browser believes it is online, kept current by the `online` / `offline` events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine));
  useEffect(() => {
    const up = () => {
      setOnline(true);
    };
    const down = () => {
      setOnline(false);
    };
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return online;
}

/** Calls `callback` (the latest one given) each time the connection comes back. */
export function useOnlineAgain(callback: () => void): void {
  const latest = useRef(callback);
  useEffect(() => {
    latest.current = callback;
  });
  useEffect(() => {
    const up = () => {
      latest.current();
    };
    window.addEventListener('online', up);
    return () => {
      window.removeEventListener('online', up);
    };
  }, []);
}
