// Conversations, usage and token counts: the JSON side of the chat API.

import { bad, isRecord, type Transport } from './http.ts';

export type RecordStatus = 'active' | 'archived';

export interface ConversationSummary {
  id: string;
  title: string | null;
  status: RecordStatus;
  total_tokens: number;
  created_at: string;
  updated_at: string;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  created_at?: string;
  /** Set on an answer cut short (upstream failure or the user pressing Stop). */
  incomplete?: boolean;
  finish_reason?: string;
  error?: string;
}

export interface Conversation extends ConversationSummary {
  messages: StoredMessage[];
}

export interface ConversationPage {
  items: ConversationSummary[];
  nextCursor: string | undefined;
}

export interface Usage {
  date: string;
  tokens_used_today: number;
  daily_token_budget: number;
  budget_left: number;
  requests_in_window: number;
  rate_limit_rpm: number;
  window_seconds: number;
}

export interface TokenCount {
  total_tokens: number;
  model: string;
}

const BASE = '/api/v1/conversations';

function jsonInit(method: string, body: unknown, signal?: AbortSignal): RequestInit {
  return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: signal ?? null };
}

export async function listConversations(transport: Transport, options: { cursor?: string; limit?: number } = {}): Promise<ConversationPage> {
  const query = new URLSearchParams();
  if (options.cursor) query.set('cursor', options.cursor);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  const suffix = query.size > 0 ? `?${query.toString()}` : '';
  const body = await transport.json(`${BASE}${suffix}`);
  if (!isRecord(body) || !Array.isArray(body.items)) throw bad('conversation list');
  const items = body.items.map((item: unknown) => summaryOf(item));
  return { items, nextCursor: typeof body.next_cursor === 'string' ? body.next_cursor : undefined };
}

export async function createConversation(transport: Transport, title?: string): Promise<Conversation> {
  return conversationOf(await transport.json(BASE, jsonInit('POST', title === undefined ? {} : { title })));
}

export async function getConversation(transport: Transport, id: string): Promise<Conversation> {
  return conversationOf(await transport.json(`${BASE}/${encodeURIComponent(id)}`));
}

export async function renameConversation(transport: Transport, id: string, title: string): Promise<Conversation> {
  return conversationOf(await transport.json(`${BASE}/${encodeURIComponent(id)}`, jsonInit('PATCH', { title })));
}

export async function setConversationStatus(transport: Transport, id: string, status: RecordStatus): Promise<Conversation> {
  return conversationOf(await transport.json(`${BASE}/${encodeURIComponent(id)}`, jsonInit('PATCH', { status })));
}

export async function deleteConversation(transport: Transport, id: string): Promise<void> {
  await transport.request(`${BASE}/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export async function getUsage(transport: Transport): Promise<Usage> {
  const body = await transport.json('/api/v1/usage');
  const fields = ['tokens_used_today', 'daily_token_budget', 'budget_left', 'requests_in_window', 'rate_limit_rpm', 'window_seconds'] as const;
  if (!isRecord(body) || typeof body.date !== 'string' || !fields.every((field) => typeof body[field] === 'number')) throw bad('usage answer');
  return body as unknown as Usage;
}

export async function countTokens(transport: Transport, text: string, signal?: AbortSignal): Promise<TokenCount> {
  const body = await transport.json('/api/v1/tokens/count', jsonInit('POST', { text }, signal));
  if (!isRecord(body) || typeof body.total_tokens !== 'number' || typeof body.model !== 'string') throw bad('token count');
  return { total_tokens: body.total_tokens, model: body.model };
}

function summaryOf(value: unknown): ConversationSummary {
  if (!isRecord(value) || typeof value.id !== 'string') throw bad('conversation');
  return {
    id: value.id,
    title: typeof value.title === 'string' ? value.title : null,
    status: value.status === 'archived' ? 'archived' : 'active',
    total_tokens: typeof value.total_tokens === 'number' ? value.total_tokens : 0,
    created_at: typeof value.created_at === 'string' ? value.created_at : '',
    updated_at: typeof value.updated_at === 'string' ? value.updated_at : '',
  };
}

function conversationOf(value: unknown): Conversation {
  const summary = summaryOf(value);
  const raw = isRecord(value) && Array.isArray(value.messages) ? (value.messages as unknown[]) : [];
  const messages: StoredMessage[] = [];
  for (const message of raw) {
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant') || typeof message.text !== 'string') continue;
    const stored: StoredMessage = {
      id: typeof message.id === 'string' ? message.id : `${summary.id}-${messages.length}`,
      role: message.role,
      text: message.text,
    };
    if (typeof message.created_at === 'string') stored.created_at = message.created_at;
    if (message.incomplete === true) stored.incomplete = true;
    if (typeof message.finish_reason === 'string') stored.finish_reason = message.finish_reason;
    if (typeof message.error === 'string') stored.error = message.error;
    messages.push(stored);
  }
  return { ...summary, messages };
}
