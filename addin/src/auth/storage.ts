// Where the sign-in session lives: in memory for this pane, with only the
// refresh token (never the access token) kept in the pane's own
// localStorage so the user stays signed in across restarts. Never in
// Office.context.document.settings, which travels inside the workbook.

/** The storage interface supabase-js accepts (synchronous variant). */
export interface SessionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Prefix of every key this pane writes to localStorage for sign-in. */
export const AUTH_NAMESPACE = 'ledgerlight.auth.v1:';

/**
 * A storage for supabase-js: `sessionKey` (its session) is held whole in
 * memory, and persisted stripped to the refresh token and the user's id and
 * email, with an expiry in the past, so on the next start supabase-js
 * refreshes it at once. Other keys (the PKCE code verifier) persist as-is.
 */
export function createPaneStorage(sessionKey: string, persistent: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = safeLocalStorage()): SessionStorage {
  const memory = new Map<string, string>();
  const persist = (key: string, value: string | null) => {
    if (!persistent) return;
    try {
      if (value === null) persistent.removeItem(AUTH_NAMESPACE + key);
      else persistent.setItem(AUTH_NAMESPACE + key, value);
    } catch {
      // Storage full or blocked (private mode): the session still works for this pane's lifetime.
    }
  };
  return {
    getItem(key) {
      const held = memory.get(key);
      if (held !== undefined) return held;
      try {
        return persistent?.getItem(AUTH_NAMESPACE + key) ?? null;
      } catch {
        return null;
      }
    },
    setItem(key, value) {
      memory.set(key, value);
      persist(key, key === sessionKey ? stripSession(value) : value);
    },
    removeItem(key) {
      memory.delete(key);
      persist(key, null);
    },
  };
}

/** The session as persisted: the refresh token and who it belongs to, nothing that grants access by itself. */
export function stripSession(value: string): string | null {
  let session: unknown;
  try {
    session = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof session !== 'object' || session === null) return null;
  const { refresh_token: refreshToken, user } = session as { refresh_token?: unknown; user?: { id?: unknown; email?: unknown } };
  if (typeof refreshToken !== 'string' || !refreshToken) return null;
  return JSON.stringify({
    access_token: '',
    token_type: 'bearer',
    expires_in: 0,
    // Long past, but not 0: supabase-js treats a falsy expires_at as "never expires".
    expires_at: 1,
    refresh_token: refreshToken,
    user: { id: typeof user?.id === 'string' ? user.id : '', email: typeof user?.email === 'string' ? user.email : undefined },
  });
}

function safeLocalStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
