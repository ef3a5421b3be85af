import { createClient } from '@supabase/supabase-js';
import { describe, expect, it, vi } from 'vitest';
import { SESSION_KEY } from './auth.ts';
import { AUTH_NAMESPACE, createPaneStorage, stripSession } from './storage.ts';

const SUPABASE = 'http://127.0.0.1:54321';

function memoryLocalStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => {
      map.set(key, value);
    },
    removeItem: (key: string) => {
      map.delete(key);
    },
  };
}

function tokenAnswer(accessToken: string, refreshToken: string) {
  return new Response(
    JSON.stringify({
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 3600,
      expires_at: Math.floor(Date.now() / 1000) + 3600,
      refresh_token: refreshToken,
      user: { id: 'user-1', aud: 'authenticated', role: 'authenticated', email: 'ana@example.com', app_metadata: {}, user_metadata: {}, created_at: '2026-01-01T00:00:00Z' },
    }),
    { status: 200, headers: { 'Content-Type': 'application/json' } },
  );
}

function client(local: ReturnType<typeof memoryLocalStorage>, fetchStub: typeof fetch) {
  return createClient(SUPABASE, 'anon-key', {
    auth: { storageKey: SESSION_KEY, storage: createPaneStorage(SESSION_KEY, local), persistSession: true, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: fetchStub },
  });
}

describe('createPaneStorage', () => {
  it('keeps the access token in memory only and persists the refresh token under the pane’s namespace', async () => {
    const local = memoryLocalStorage();
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(tokenAnswer('access-1', 'refresh-1')));
    const supabase = client(local, fetchStub);

    const { data, error } = await supabase.auth.signInWithPassword({ email: 'ana@example.com', password: 'secret-pass' });
    expect(error).toBeNull();
    expect(data.session?.access_token).toBe('access-1');
    expect((await supabase.auth.getSession()).data.session?.access_token).toBe('access-1');

    const persisted = [...local.map.entries()];
    expect(persisted.map(([key]) => key)).toEqual([`${AUTH_NAMESPACE}${SESSION_KEY}`]);
    const stored = persisted[0]?.[1] ?? '';
    expect(stored).not.toContain('access-1');
    expect(JSON.parse(stored)).toMatchObject({ refresh_token: 'refresh-1', access_token: '', expires_at: 1, user: { id: 'user-1', email: 'ana@example.com' } });
  });

  it('restores a session on the next start by refreshing with the kept refresh token', async () => {
    const local = memoryLocalStorage();
    await client(local, vi.fn<typeof fetch>(() => Promise.resolve(tokenAnswer('access-1', 'refresh-1')))).auth.signInWithPassword({ email: 'ana@example.com', password: 'secret-pass' });

    // A new pane: nothing in memory, only what localStorage kept.
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(tokenAnswer('access-2', 'refresh-2')));
    const restarted = client(local, fetchStub);
    const { data } = await restarted.auth.getSession();

    expect(data.session?.access_token).toBe('access-2');
    const [url, init] = fetchStub.mock.calls[0] ?? [];
    expect(url as string).toBe(`${SUPABASE}/auth/v1/token?grant_type=refresh_token`);
    expect(JSON.parse(init?.body as string)).toEqual({ refresh_token: 'refresh-1' });
    expect(local.map.get(`${AUTH_NAMESPACE}${SESSION_KEY}`)).toContain('refresh-2');
  });

  it('forgets everything on sign-out', async () => {
    const local = memoryLocalStorage();
    const fetchStub = vi.fn<typeof fetch>((url) => Promise.resolve((url as string).includes('logout') ? new Response(null, { status: 204 }) : tokenAnswer('access-1', 'refresh-1')));
    const supabase = client(local, fetchStub);
    await supabase.auth.signInWithPassword({ email: 'ana@example.com', password: 'secret-pass' });
    await supabase.auth.signOut({ scope: 'local' });
    expect(local.map.size).toBe(0);
    expect((await supabase.auth.getSession()).data.session).toBeNull();
  });

  it('passes other keys through and survives a storage that throws', () => {
    const local = memoryLocalStorage();
    const storage = createPaneStorage(SESSION_KEY, local);
    storage.setItem(`${SESSION_KEY}-code-verifier`, 'verifier');
    expect(local.map.get(`${AUTH_NAMESPACE}${SESSION_KEY}-code-verifier`)).toBe('verifier');

    const broken = createPaneStorage(SESSION_KEY, {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('quota');
      },
      removeItem: () => {
        throw new Error('blocked');
      },
    });
    broken.setItem('x', '1');
    expect(broken.getItem('x')).toBe('1');
    broken.removeItem('x');
    expect(broken.getItem('x')).toBeNull();
  });
});

describe('stripSession', () => {
  it('keeps nothing when there is no refresh token or the value is not JSON', () => {
    expect(stripSession('{"access_token":"a"}')).toBeNull();
    expect(stripSession('not json')).toBeNull();
  });
});
