// The only module that talks to the Ledgerlight proxy; it serves the pane, so
// every path is relative to the pane's own origin.

/** A failed proxy call: the server's error envelope, or a local stand-in for one. */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Codes the pane gives for failures that never got a server answer. */
export const NETWORK_ERROR = 'network_error';
export const BAD_RESPONSE = 'bad_response';

export interface Health {
  status: string;
  version: string;
}

export interface ChatReply {
  conversationId: string;
  text: string;
}

type Fetch = typeof fetch;

export async function getHealth(fetchImpl: Fetch = fetch): Promise<Health> {
  const body = await requestJson(fetchImpl, '/health', { headers: { Accept: 'application/json' } });
  if (isRecord(body) && typeof body.status === 'string' && typeof body.version === 'string') {
    return { status: body.status, version: body.version };
  }
  throw new ProxyError(200, BAD_RESPONSE, 'The server’s health answer was not understood.');
}

/** Sends a chat message; `conversationId` "new" starts a conversation. */
export async function sendChatMessage(conversationId: string, text: string, fetchImpl: Fetch = fetch): Promise<ChatReply> {
  const body = await requestJson(fetchImpl, `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (isRecord(body) && typeof body.conversationId === 'string' && typeof body.text === 'string') {
    return { conversationId: body.conversationId, text: body.text };
  }
  throw new ProxyError(200, BAD_RESPONSE, 'The server’s chat answer was not understood.');
}

async function requestJson(fetchImpl: Fetch, path: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchImpl(path, init);
  } catch (thrown) {
    const reason = thrown instanceof Error && thrown.message ? ` (${thrown.message})` : '';
    throw new ProxyError(0, NETWORK_ERROR, `Could not reach the Ledgerlight server${reason}. Check that it is running.`);
  }
  const body = await readJson(response);
  if (response.ok) return body;
  throw errorFromEnvelope(response, body);
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function errorFromEnvelope(response: Response, body: unknown): ProxyError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ProxyError(response.status, error.code, error.message);
  }
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ProxyError(response.status, 'http_error', `The server answered ${response.status}${statusText}.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
