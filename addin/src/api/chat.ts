// A question to the AI, answered as Server-Sent Events (issue 7): `delta`
// {text}*, then `usage` and `done`; or `error` {code, message} part-way.
// Failures before the stream starts are ordinary JSON errors (ProxyError).

import { ABORTED, BAD_RESPONSE, ProxyError, isRecord, networkError, type Transport } from './http.ts';
import { readSse, type SseEvent } from './sse.ts';

/** The conversation id that starts a new conversation. */
export const NEW_CONVERSATION = 'new';

export interface NewMessage {
  text: string;
  /** Masked data from the sheet (any JSON), sent with this question only. */
  sheet_context?: unknown;
}

export interface ChatUsage {
  prompt_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | { type: 'usage'; usage: ChatUsage }
  | { type: 'done'; messageId: string; finishReason: string }
  | { type: 'error'; code: string; message: string };

/**
 * How an answer ended:
 * - `done`: the server said so;
 * - `error`: the server reported a failure part-way (the partial text is kept);
 * - `incomplete`: the stream stopped without `done` or `error` (connection cut);
 * - `cancelled`: the user pressed Stop.
 */
export type AnswerStatus = 'done' | 'error' | 'incomplete' | 'cancelled';

export interface Answer {
  conversationId: string;
  status: AnswerStatus;
  text: string;
  usage?: ChatUsage;
  messageId?: string;
  finishReason?: string;
  error?: { code: string; message: string };
}

export interface SendOptions {
  signal?: AbortSignal;
  /** Called for every event as it arrives, after the conversation id is known. */
  onEvent?: (event: ChatEvent) => void;
  /** Called once the server accepted the question, with the (possibly new) conversation id. */
  onStart?: (conversationId: string) => void;
}

export async function sendMessage(
  transport: Transport,
  conversationId: string,
  message: NewMessage,
  options: SendOptions = {},
): Promise<Answer> {
  const { signal } = options;
  const response = await transport.request(`/api/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(message),
    signal: signal ?? null,
  });
  const id = response.headers.get('x-conversation-id') ?? conversationId;
  const answer: Answer = { conversationId: id, status: 'incomplete', text: '' };
  if (!response.body) throw new ProxyError(response.status, BAD_RESPONSE, 'The server’s answer had no body.');
  options.onStart?.(id);

  const onSse = (raw: SseEvent) => {
    const event = parseChatEvent(raw);
    if (!event) return;
    switch (event.type) {
      case 'delta':
        answer.text += event.text;
        break;
      case 'usage':
        answer.usage = event.usage;
        break;
      case 'done':
        answer.status = 'done';
        answer.messageId = event.messageId;
        answer.finishReason = event.finishReason;
        break;
      case 'error':
        answer.status = 'error';
        answer.error = { code: event.code, message: event.message };
        break;
    }
    options.onEvent?.(event);
  };

  try {
    await readSse(response.body, onSse, signal);
  } catch (thrown) {
    if (signal?.aborted) {
      answer.status = 'cancelled';
      return answer;
    }
    // The connection broke mid-answer: what arrived is kept, marked incomplete.
    const failure = networkError(thrown);
    if (failure.code === ABORTED) {
      answer.status = 'cancelled';
      return answer;
    }
    answer.status = answer.status === 'done' ? 'done' : 'incomplete';
    return answer;
  }
  return answer;
}

/** A typed chat event, or undefined for events this client does not know (ignored, per SSE). */
export function parseChatEvent(raw: SseEvent): ChatEvent | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw.data) as unknown;
  } catch {
    if (raw.event === 'error') return { type: 'error', code: BAD_RESPONSE, message: raw.data };
    return undefined;
  }
  if (!isRecord(data)) return undefined;
  switch (raw.event) {
    case 'delta':
      return typeof data.text === 'string' ? { type: 'delta', text: data.text } : undefined;
    case 'usage': {
      const { prompt_tokens, output_tokens, total_tokens } = data;
      if (typeof prompt_tokens === 'number' && typeof output_tokens === 'number' && typeof total_tokens === 'number') {
        return { type: 'usage', usage: { prompt_tokens, output_tokens, total_tokens } };
      }
      return undefined;
    }
    case 'done':
      if (typeof data.message_id === 'string') {
        return { type: 'done', messageId: data.message_id, finishReason: typeof data.finish_reason === 'string' ? data.finish_reason : 'other' };
      }
      return undefined;
    case 'error':
      return {
        type: 'error',
        code: typeof data.code === 'string' ? data.code : 'error',
        message: typeof data.message === 'string' ? data.message : 'The answer failed without an explanation.',
      };
    default:
      return undefined;
  }
}
