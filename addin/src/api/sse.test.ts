import { describe, expect, it } from 'vitest';
import { brokenBody, chunkedBody, hangingBody, splitEvery } from '../test/streams.ts';
import { SseParser, readSse, type SseEvent } from './sse.ts';

const STREAM =
  'event: delta\ndata: {"text":"Hé"}\n\n' +
  ': keep-alive comment\n\n' +
  'event: delta\r\ndata: {"text":"llo"}\r\n\r\n' +
  'event: usage\rdata: {"prompt_tokens":3,"output_tokens":2,"total_tokens":5}\r\r' +
  'event: done\ndata: {"message_id":"m-1",\ndata: "finish_reason":"stop"}\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'delta', data: '{"text":"Hé"}' },
  { event: 'delta', data: '{"text":"llo"}' },
  { event: 'usage', data: '{"prompt_tokens":3,"output_tokens":2,"total_tokens":5}' },
  { event: 'done', data: '{"message_id":"m-1",\n"finish_reason":"stop"}' },
];

async function collect(body: ReadableStream<Uint8Array>) {
  const events: SseEvent[] = [];
  const end = await readSse(body, (event) => events.push(event));
  return { events, end };
}

describe('SseParser', () => {
  it('parses LF, CRLF and CR line ends, comments and multi-line data', () => {
    expect(new SseParser().push(STREAM)).toEqual(EXPECTED);
  });

  it('gives the same events whatever the chunk size, including a CRLF split across chunks', () => {
    for (let size = 1; size <= STREAM.length; size += 1) {
      const parser = new SseParser();
      const events = splitEvery(STREAM, size).flatMap((piece) => parser.push(piece));
      expect(events, `chunks of ${size}`).toEqual(EXPECTED);
    }
  });

  it('treats a CR at the end of a chunk followed by LF as one line end', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    // The lone CR ending this chunk is already a blank line: the event goes out at once…
    expect(parser.push('\n\r')).toEqual([{ event: 'message', data: 'a' }]);
    // …and the LF that follows it is the second half of that CRLF, not another line.
    expect(parser.push('\ndata: b\n\n')).toEqual([{ event: 'message', data: 'b' }]);
  });

  it('ignores a byte-order mark, unknown fields and events without data, and strips only one space', () => {
    const parser = new SseParser();
    expect(parser.push('\uFEFFretry: 10\nevent: ping\n\ndata:  two spaces\nid: 7\nfoo: bar\n\n')).toEqual([
      { event: 'message', data: ' two spaces', id: '7' },
    ]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    // Every single byte its own chunk: "é" is two bytes.
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    const { events, end } = await collect(chunkedBody(chunks));
    expect(events).toEqual(EXPECTED);
    expect(end.truncated).toBe(false);
  });

  it('reports a stream that ends in the middle of an event as truncated', async () => {
    const { events, end } = await collect(chunkedBody(['event: delta\ndata: {"text":"a"}\n\n', 'event: delta\ndata: {"te']));
    expect(events).toEqual([{ event: 'delta', data: '{"text":"a"}' }]);
    expect(end.truncated).toBe(true);
  });

  it('cancels the body when aborted and rejects with the abort reason', async () => {
    const { body, cancelled } = hangingBody(['event: delta\ndata: {"text":"a"}\n\n']);
    const controller = new AbortController();
    const events: SseEvent[] = [];
    const reading = readSse(
      body,
      (event) => {
        events.push(event);
        controller.abort(new DOMException('Stopped by the user', 'AbortError'));
      },
      controller.signal,
    );
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(events).toHaveLength(1);
    expect(cancelled()).toBe(true);
  });

  it('passes a broken connection on as a rejection', async () => {
    await expect(collect(brokenBody(['data: x\n\n']))).rejects.toThrow('network error');
  });
});
