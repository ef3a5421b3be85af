import { describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '../test/streams.ts';
import { ProxyError } from './http.ts';
import { createProxyClient } from './proxy.ts';

type Answer = (url: string, init?: RequestInit) => Response;

function client(answer: Answer) {
  const fetchStub = vi.fn<typeof fetch>((url, init) => Promise.resolve(answer(url as string, init)));
  return { fetchStub, proxy: createProxyClient({ fetch: fetchStub, getAccessToken: () => Promise.resolve('tok') }) };
}

function calls(fetchStub: ReturnType<typeof client>['fetchStub']): string[] {
  return fetchStub.mock.calls.map(([url, init]) => `${init?.method ?? 'GET'} ${url as string}`);
}

describe('exportMyData', () => {
  it('returns GET /api/v1/me/export with the caller’s token', async () => {
    const exported = { profile: { id: 'u' }, sheets: [], conversations: [], audit: [] };
    const { fetchStub, proxy } = client(() => jsonResponse(200, exported));
    await expect(proxy.exportMyData()).resolves.toEqual(exported);
    expect(calls(fetchStub)).toEqual(['GET /api/v1/me/export']);
    expect(new Headers(fetchStub.mock.calls[0]?.[1]?.headers).get('Authorization')).toBe('Bearer tok');
  });

  it('rejects an answer that is not an object', async () => {
    const { proxy } = client(() => jsonResponse(200, ['not', 'an', 'export']));
    await expect(proxy.exportMyData()).rejects.toBeInstanceOf(ProxyError);
  });
});

describe('deleteMyData', () => {
  it('collects every page of sheets and conversations, then deletes each', async () => {
    const { fetchStub, proxy } = client((url, init) => {
      if (init?.method === 'DELETE') return new Response(null, { status: 204 });
      if (url === '/api/v1/sheets?limit=200') return jsonResponse(200, { items: [{ id: 's1' }], next_cursor: 'page2' });
      if (url === '/api/v1/sheets?limit=200&cursor=page2') return jsonResponse(200, { items: [{ id: 's2' }], next_cursor: null });
      if (url === '/api/v1/conversations?limit=200') return jsonResponse(200, { items: [{ id: 'c1' }] });
      return jsonResponse(404, { error: { code: 'not_found', message: `unexpected ${url}` } });
    });

    await expect(proxy.deleteMyData()).resolves.toEqual({ sheets: 2, conversations: 1 });
    expect(calls(fetchStub)).toEqual([
      'GET /api/v1/sheets?limit=200',
      'GET /api/v1/sheets?limit=200&cursor=page2',
      'DELETE /api/v1/sheets/s1',
      'DELETE /api/v1/sheets/s2',
      'GET /api/v1/conversations?limit=200',
      'DELETE /api/v1/conversations/c1',
    ]);
  });

  it('stops at the first failure and says why', async () => {
    const { fetchStub, proxy } = client((url, init) => {
      if (init?.method === 'DELETE') return jsonResponse(500, { error: { code: 'internal', message: 'The database is unavailable.' } });
      if (url.startsWith('/api/v1/sheets')) return jsonResponse(200, { items: [{ id: 's1' }, { id: 's2' }] });
      return jsonResponse(200, { items: [] });
    });
    await expect(proxy.deleteMyData()).rejects.toThrow('The database is unavailable.');
    expect(calls(fetchStub)).toEqual(['GET /api/v1/sheets?limit=200', 'DELETE /api/v1/sheets/s1']);
  });

  it('does not loop forever on a server that repeats its cursor', async () => {
    const { fetchStub, proxy } = client(() => jsonResponse(200, { items: [{ id: 's1' }], next_cursor: 'same' }));
    await expect(proxy.deleteMyData()).rejects.toBeInstanceOf(ProxyError);
    expect(fetchStub.mock.calls.length).toBeLessThanOrEqual(3);
  });
});
