// Server-Sent Events over a fetch body, following the WHATWG parsing rules:
// lines end in CRLF, LF or CR (a CRLF may be split across chunks), a blank
// line dispatches the event, `data:` lines join with "\n", `:` starts a
// comment. EventSource cannot POST or send headers, hence this reader.

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  event: string;
  data: string;
  id?: string;
}

/** Incremental parser: feed it decoded text in any chunking, get whole events out. */
export class SseParser {
  private buffer = '';
  /** The previous chunk ended in CR: a leading LF of the next one belongs to it. */
  private pendingCarriageReturn = false;
  private started = false;
  private eventName = '';
  private dataLines: string[] = [];
  private lastId: string | undefined;

  push(text: string): SseEvent[] {
    let chunk = text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    if (this.pendingCarriageReturn && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.pendingCarriageReturn = false;
    this.buffer += chunk;

    const events: SseEvent[] = [];
    let start = 0;
    for (let index = 0; index < this.buffer.length; index += 1) {
      const char = this.buffer[index];
      if (char !== '\n' && char !== '\r') continue;
      const line = this.buffer.slice(start, index);
      if (char === '\r') {
        if (index + 1 < this.buffer.length) {
          if (this.buffer[index + 1] === '\n') index += 1;
        } else {
          this.pendingCarriageReturn = true;
        }
      }
      start = index + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** True when a partly received event is held (data seen, no blank line yet). */
  get hasPartialEvent(): boolean {
    return this.buffer.length > 0 || this.dataLines.length > 0 || this.eventName !== '';
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventName = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields do not matter to a one-shot POST stream.
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const name = this.eventName || 'message';
    const lines = this.dataLines;
    this.eventName = '';
    this.dataLines = [];
    if (lines.length === 0) return undefined;
    const event: SseEvent = { event: name, data: lines.join('\n') };
    if (this.lastId !== undefined) event.id = this.lastId;
    return event;
  }
}

/** The outcome of reading a whole stream. */
export interface SseEnd {
  /** The body ended with an event half-received (no closing blank line). */
  truncated: boolean;
}

/**
 * Reads `body` to its end, calling `onEvent` for each event. Cancels the
 * underlying stream when `signal` aborts (then the returned promise rejects
 * with the abort reason).
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: SseEvent) => void,
  signal?: AbortSignal,
): Promise<SseEnd> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser();
  const onAbort = () => {
    reader.cancel().catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const { done, value } = await reader.read();
      if (signal?.aborted) throw abortReason(signal);
      if (done) break;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) onEvent(event);
    }
    for (const event of parser.push(decoder.decode())) onEvent(event);
    return { truncated: parser.hasPartialEvent };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    try {
      reader.releaseLock();
    } catch {
      // A read still pending after a cancel: the stream is finished with either way.
    }
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
