import { describe, expect, it, vi } from 'vitest';
import { brokenBody, chunkedBody, hangingBody, jsonResponse, splitEvery, sseResponse } from '../test/streams.ts';
import { sendMessage, type ChatEvent } from './chat.ts';
import { ProxyError, createTransport } from './http.ts';

const ANSWER =
  'event: delta\r\ndata: {"text":"| A | B |\\n"}\r\n\r\n' +
  'event: delta\ndata: {"text":"|---|---|\\n| 1 | 2 |"}\n\n' +
  'event: usage\ndata: {"prompt_tokens":12,"output_tokens":7,"total_tokens":19}\n\n' +
  'event: done\ndata: {"message_id":"0b7c","finish_reason":"stop"}\n\n';

function transportAnswering(response: Response | Promise<Response>) {
  const fetchStub = vi.fn<typeof fetch>(() => Promise.resolve(response));
  return { fetchStub, transport: createTransport({ fetch: fetchStub, getAccessToken: () => Promise.resolve('token-1') }) };
}

describe('sendMessage', () => {
  it('posts the question with the token and streams deltas, usage and done', async () => {
    for (const size of [1, 3, 7, 64, ANSWER.length]) {
      const { fetchStub, transport } = transportAnswering(sseResponse(chunkedBody(splitEvery(ANSWER, size)), 'conv-9'));
      const events: ChatEvent[] = [];
      const started = vi.fn();
      const answer = await sendMessage(transport, 'new', { text: 'Sum it', sheet_context: { rows: 2 } }, { onEvent: (e) => events.push(e), onStart: started });

      expect(answer).toEqual({
        conversationId: 'conv-9',
        status: 'done',
        text: '| A | B |\n|---|---|\n| 1 | 2 |',
        usage: { prompt_tokens: 12, output_tokens: 7, total_tokens: 19 },
        messageId: '0b7c',
        finishReason: 'stop',
      });
      expect(started).toHaveBeenCalledWith('conv-9');
      expect(events.map((e) => e.type)).toEqual(['delta', 'delta', 'usage', 'done']);
      const [url, init] = fetchStub.mock.calls[0] ?? [];
      expect(url).toBe('/api/v1/conversations/new/messages');
      expect(init?.method).toBe('POST');
      const headers = new Headers(init?.headers);
      expect(headers.get('Authorization')).toBe('Bearer token-1');
      expect(headers.get('Accept')).toBe('text/event-stream');
      expect(JSON.parse(init?.body as string)).toEqual({ text: 'Sum it', sheet_context: { rows: 2 } });
    }
  });

  it('marks a stream that ends without done as incomplete and keeps the text', async () => {
    const { transport } = transportAnswering(sseResponse(chunkedBody(['event: delta\ndata: {"text":"Half an"}\n\nevent: delta\ndata: {"te'])));
    const answer = await sendMessage(transport, 'c-1', { text: 'q' });
    expect(answer).toMatchObject({ status: 'incomplete', text: 'Half an' });
  });

  it('marks a connection that breaks mid-answer as incomplete', async () => {
    const { transport } = transportAnswering(sseResponse(brokenBody(['event: delta\ndata: {"text":"Par"}\n\n'])));
    const answer = await sendMessage(transport, 'c-1', { text: 'q' });
    expect(answer).toMatchObject({ status: 'incomplete', text: 'Par' });
  });

  it('reports an error event with its code and keeps the partial text', async () => {
    const stream = 'event: delta\ndata: {"text":"So far"}\n\nevent: error\ndata: {"code":"upstream_truncated","message":"Gemini\'s answer was cut off"}\n\n';
    const { transport } = transportAnswering(sseResponse(chunkedBody([stream])));
    const answer = await sendMessage(transport, 'c-1', { text: 'q' });
    expect(answer).toMatchObject({ status: 'error', text: 'So far', error: { code: 'upstream_truncated', message: "Gemini's answer was cut off" } });
  });

  it('stops reading when cancelled and says so', async () => {
    const { body, cancelled } = hangingBody(['event: delta\ndata: {"text":"Start"}\n\n']);
    const { transport } = transportAnswering(sseResponse(body));
    const controller = new AbortController();
    const answer = await sendMessage(transport, 'c-1', { text: 'q' }, {
      signal: controller.signal,
      onEvent: () => {
        controller.abort();
      },
    });
    expect(answer).toMatchObject({ status: 'cancelled', text: 'Start' });
    expect(cancelled()).toBe(true);
  });

  it('ignores unknown events and malformed data', async () => {
    const stream = 'event: ping\ndata: {}\n\nevent: delta\ndata: not json\n\nevent: delta\ndata: {"text":"ok"}\n\nevent: done\ndata: {"message_id":"m"}\n\n';
    const { transport } = transportAnswering(sseResponse(chunkedBody([stream])));
    expect(await sendMessage(transport, 'c-1', { text: 'q' })).toMatchObject({ status: 'done', text: 'ok', finishReason: 'other' });
  });

  it('throws the error envelope with Retry-After for a refusal before the stream', async () => {
    const { transport } = transportAnswering(jsonResponse(429, { error: { code: 'rate_limited', message: 'Too many requests' } }, { 'Retry-After': '17' }));
    const thrown = await sendMessage(transport, 'c-1', { text: 'q' }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(ProxyError);
    expect(thrown).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 17 });
  });

  it('reports a fetch cancelled before the answer started as aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const fetchStub = vi.fn<typeof fetch>(() => Promise.reject(new DOMException('aborted', 'AbortError')));
    const transport = createTransport({ fetch: fetchStub });
    await expect(sendMessage(transport, 'c-1', { text: 'q' }, { signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
  });
});
