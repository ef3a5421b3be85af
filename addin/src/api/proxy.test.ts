import { describe, expect, it, vi } from 'vitest';
import { NETWORK_ERROR, ProxyError, getHealth, sendChatMessage } from './proxy.ts';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (thrown: unknown) => thrown,
  );
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
    expect((error as ProxyError).message).toBe('Could not reach the Ledgerlight server (Failed to fetch). Check that it is running.');
  });

  it('describes a non-JSON error answer by its status', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(new Response('<html>oops</html>', { status: 502, statusText: 'Bad Gateway' })));

    await expect(getHealth(fetchStub)).rejects.toMatchObject({ status: 502, code: 'http_error', message: 'The server answered 502 Bad Gateway.' });
  });
});

describe('sendChatMessage', () => {
  it('posts the text as JSON to the conversation’s messages', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(jsonResponse(200, { conversationId: 'c-1', text: 'Hello' })));

    await expect(sendChatMessage('new', 'Which columns are dates?', fetchStub)).resolves.toEqual({ conversationId: 'c-1', text: 'Hello' });
    const [url, init] = fetchStub.mock.calls[0] ?? [];
    expect(url).toBe('/api/v1/conversations/new/messages');
    expect(init?.method).toBe('POST');
    expect(new Headers(init?.headers).get('Content-Type')).toBe('application/json');
    expect(JSON.parse(init?.body as string)).toEqual({ text: 'Which columns are dates?' });
  });

  it('parses the 503 ai_not_configured envelope into a ProxyError', async () => {
    const fetchStub = vi.fn<typeof fetch>(() =>
      Promise.resolve(
        jsonResponse(503, { error: { code: 'ai_not_configured', message: 'AI chat is not configured on this server: set GEMINI_API_KEY' } }),
      ),
    );

    const error = await caught(sendChatMessage('new', 'hi', fetchStub));
    expect(error).toBeInstanceOf(ProxyError);
    expect(error).toMatchObject({
      status: 503,
      code: 'ai_not_configured',
      message: 'AI chat is not configured on this server: set GEMINI_API_KEY',
    });
  });

  it('reports a network failure while sending', async () => {
    const fetchStub = vi.fn<typeof fetch>(() => Promise.reject(new TypeError('NetworkError when attempting to fetch resource.')));
    await expect(sendChatMessage('new', 'hi', fetchStub)).rejects.toMatchObject({ code: NETWORK_ERROR });
  });
});
