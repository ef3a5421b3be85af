import { describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '../test/streams.ts';
import { parseRetryAfter } from './http.ts';
import { NETWORK_ERROR, ProxyError, createProxyClient, getAnnouncedProject, getHealth } from './proxy.ts';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (thrown: unknown) => thrown,
  );
}

const SUMMARY = {
  id: '6f1c',
  user_id: 'u',
  sheet_id: null,
  title: 'Q3 invoices',
  model: 'gemini-flash-latest',
  total_tokens: 40,
  status: 'active',
  created_at: '2026-11-26T01:00:00Z',
  updated_at: '2026-11-26T01:05:00Z',
};

function client(answer: (url: string, init?: RequestInit) => Response, token: string | null = 'tok') {
  const fetchStub = vi.fn<typeof fetch>((url, init) => Promise.resolve(answer(url as string, init)));
  return { fetchStub, proxy: createProxyClient({ fetch: fetchStub, getAccessToken: () => Promise.resolve(token) }) };
}

describe('getHealth', () => {
  it('returns the proxy’s status and version', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, { status: 'ok', version: '0.1.0' })));
    await expect(getHealth(fetchStub)).resolves.toEqual({ status: 'ok', version: '0.1.0' });
    expect(fetchStub).toHaveBeenCalledWith('/health', expect.anything());
  });

  it('uses the global fetch by default', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(jsonResponse(200, { status: 'ok', version: '9.9.9' }))));
    await expect(getHealth()).resolves.toEqual({ status: 'ok', version: '9.9.9' });
  });

  it('reports a network failure as a ProxyError with a clear message', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.reject(new TypeError('Failed to fetch')));
    const error = await caught(getHealth(fetchStub));
    expect(error).toBeInstanceOf(ProxyError);
    expect(error).toMatchObject({ status: 0, code: NETWORK_ERROR });
    expect((error as ProxyError).message).toBe('Could not reach the Ledgerlight server (Failed to fetch). Check your connection and that the server is running.');
  });

  it('describes a non-JSON error answer by its status', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(new Response('<html>oops</html>', { status: 502, statusText: 'Bad Gateway' })));
    await expect(getHealth(fetchStub)).rejects.toMatchObject({ status: 502, code: 'http_error', message: 'The server answered 502 Bad Gateway.' });
  });

  it('refuses an answer of the wrong shape', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, { up: true })));
    await expect(getHealth(fetchStub)).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('conversations', () => {
  it('lists a page with the cursor and the bearer token', async () => {
    const { fetchStub, proxy } = client(() => jsonResponse(200, { items: [SUMMARY], next_cursor: 'next-1' }));
    const page = await proxy.listConversations({ cursor: 'abc', limit: 20 });
    expect(page).toEqual({
      items: [{ id: '6f1c', title: 'Q3 invoices', status: 'active', total_tokens: 40, created_at: SUMMARY.created_at, updated_at: SUMMARY.updated_at }],
      nextCursor: 'next-1',
    });
    const [url, init] = fetchStub.mock.calls[0] ?? [];
    expect(url).toBe('/api/v1/conversations?cursor=abc&limit=20');
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer tok');
  });

  it('sends no Authorization header without a token', async () => {
    const { fetchStub, proxy } = client(() => jsonResponse(200, { items: [] }), null);
    expect(await proxy.listConversations()).toEqual({ items: [], nextCursor: undefined });
    expect(new Headers(fetchStub.mock.calls[0]?.[1]?.headers).has('Authorization')).toBe(false);
  });

  it('creates, renames, archives and deletes with the right methods and bodies', async () => {
    const { fetchStub, proxy } = client((_url, init) =>
      init?.method === 'DELETE' ? new Response(null, { status: 204 }) : jsonResponse(200, { ...SUMMARY, messages: [] }),
    );
    await proxy.createConversation('New one');
    await proxy.renameConversation('6f1c', 'Renamed');
    await proxy.setConversationStatus('6f1c', 'archived');
    await proxy.deleteConversation('6f1c');
    const calls = fetchStub.mock.calls.map(([url, init]) => [url, init?.method, init?.body === undefined ? undefined : (JSON.parse(init.body as string) as unknown)]);
    expect(calls).toEqual([
      ['/api/v1/conversations', 'POST', { title: 'New one' }],
      ['/api/v1/conversations/6f1c', 'PATCH', { title: 'Renamed' }],
      ['/api/v1/conversations/6f1c', 'PATCH', { status: 'archived' }],
      ['/api/v1/conversations/6f1c', 'DELETE', undefined],
    ]);
  });

  it('reads a conversation’s messages, keeping the incomplete mark and skipping unknown roles', async () => {
    const { proxy } = client(() =>
      jsonResponse(200, {
        ...SUMMARY,
        messages: [
          { id: 'm1', role: 'user', text: 'Total?' },
          { id: 'm2', role: 'assistant', text: 'It is', incomplete: true, finish_reason: 'client_disconnected' },
          { id: 'm3', role: 'system', text: 'hidden' },
        ],
      }),
    );
    const conversation = await proxy.getConversation('6f1c');
    expect(conversation.messages).toEqual([
      { id: 'm1', role: 'user', text: 'Total?' },
      { id: 'm2', role: 'assistant', text: 'It is', incomplete: true, finish_reason: 'client_disconnected' },
    ]);
  });

  it('passes a 404 envelope on', async () => {
    const { proxy } = client(() => jsonResponse(404, { error: { code: 'not_found', message: 'not found' } }));
    await expect(proxy.deleteConversation('x')).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('usage, token counts and sign-in detection', () => {
  it('reads the usage', async () => {
    const usage = { date: '2026-11-26', tokens_used_today: 10, daily_token_budget: 100, budget_left: 90, requests_in_window: 1, rate_limit_rpm: 20, window_seconds: 60 };
    const { proxy } = client(() => jsonResponse(200, usage));
    expect(await proxy.getUsage()).toEqual(usage);
  });

  it('counts tokens', async () => {
    const { fetchStub, proxy } = client(() => jsonResponse(200, { total_tokens: 42, model: 'gemini-flash-latest' }));
    expect(await proxy.countTokens('hello')).toEqual({ total_tokens: 42, model: 'gemini-flash-latest' });
    expect(fetchStub.mock.calls[0]?.[0]).toBe('/api/v1/tokens/count');
  });

  it('tells local mode (profile without a token) from a proxy that needs sign-in (401)', async () => {
    const local = client(() => jsonResponse(200, { id: 'u' }));
    expect(await local.proxy.requiresSignIn()).toBe(false);
    expect(new Headers(local.fetchStub.mock.calls[0]?.[1]?.headers).has('Authorization')).toBe(false);
    const secured = client(() => jsonResponse(401, { error: { code: 'unauthorized', message: 'sign in' } }));
    expect(await secured.proxy.requiresSignIn()).toBe(true);
  });

  it('honours a base URL', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, { status: 'ok', version: '1' })));
    await createProxyClient({ fetch: fetchStub, baseUrl: 'https://proxy.example/' }).getHealth();
    expect(fetchStub.mock.calls[0]?.[0]).toBe('https://proxy.example/health');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2026-11-26T02:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Thu, 26 Nov 2026 02:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Thu, 26 Nov 2026 01:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('getChatModel', () => {
  it('reads the model from the public configuration', async () => {
    const { fetchStub, proxy } = client(() => jsonResponse(200, { version: '0.1.0', auth: { mode: 'local' }, entra_sign_in: false, ai: { configured: true, model: 'gemini-flash-latest' } }));
    await expect(proxy.getChatModel()).resolves.toBe('gemini-flash-latest');
    expect(fetchStub).toHaveBeenCalledWith('/api/v1/config', expect.anything());
  });

  it('refuses a configuration without a model', async () => {
    const { proxy } = client(() => jsonResponse(200, { ai: { configured: false } }));
    await expect(proxy.getChatModel()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('getAnnouncedProject', () => {
  it('reads the Supabase project from the public configuration, without a token', async () => {
    const fetchStub = vi.fn<typeof fetch>(() =>
      Promise.resolve(jsonResponse(200, { version: '1', auth: { mode: 'supabase', supabase_url: 'https://abcd.supabase.co', anon_key: 'anon' }, entra_sign_in: false, ai: { configured: true, model: 'm' } })),
    );
    await expect(getAnnouncedProject({ fetch: fetchStub })).resolves.toEqual({ supabaseUrl: 'https://abcd.supabase.co', anonKey: 'anon' });
    const [url, init] = fetchStub.mock.calls[0] ?? [];
    expect(url).toBe('/api/v1/config');
    expect(new Headers(init?.headers).has('Authorization')).toBe(false);
  });

  it('is null for a local or externally signed proxy, and refuses a malformed answer', async () => {
    for (const mode of ['local', 'external']) {
      const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, { auth: { mode } })));
      await expect(getAnnouncedProject({ fetch: fetchStub })).resolves.toBeNull();
    }
    const broken = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, { auth: { mode: 'supabase', supabase_url: 3 } })));
    await expect(getAnnouncedProject({ fetch: broken })).rejects.toMatchObject({ code: 'bad_response' });
  });
});
