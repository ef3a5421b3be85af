// The transport every proxy call goes through: the base URL, the caller's
// access token, and the proxy's error envelope `{"error":{"code","message"}}`.

/** A failed proxy call: the server's error envelope, or a local stand-in for one. */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  readonly status: number;
  readonly code: string;
  /** Seconds to wait before trying again, from `Retry-After` (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Codes the pane gives for failures that never got a server answer. */
export const NETWORK_ERROR = 'network_error';
export const BAD_RESPONSE = 'bad_response';
export const ABORTED = 'aborted';

export type Fetch = typeof fetch;

export interface TransportOptions {
  /** Prefix for every path; empty means the pane's own origin (the proxy serves the pane). */
  baseUrl?: string;
  fetch?: Fetch;
  /** The signed-in user's access token, or null (local mode, or not signed in). */
  getAccessToken?: () => Promise<string | null>;
  /** Now, for `Retry-After` given as a date; injectable for tests. */
  now?: () => number;
}

export interface Transport {
  /** Sends a request and returns the raw response when it is 2xx; otherwise throws a ProxyError. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** `request`, then the body as JSON (undefined for 204). */
  json(path: string, init?: RequestInit): Promise<unknown>;
}

export function createTransport(options: TransportOptions = {}): Transport {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const now = options.now ?? Date.now;

  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    const token = options.getAccessToken ? await options.getAccessToken() : null;
    if (token) headers.set('Authorization', `Bearer ${token}`);
    // Looked up per call, not captured, so tests that stub the global fetch see their stub.
    const fetchImpl = options.fetch ?? fetch;
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, { ...init, headers });
    } catch (thrown) {
      throw networkError(thrown, init.signal);
    }
    if (response.ok) return response;
    const body = await readJson(response);
    throw errorFromEnvelope(response, body, now());
  };

  return {
    request,
    async json(path, init) {
      const response = await request(path, init);
      if (response.status === 204) return undefined;
      const body = await readJson(response);
      if (body === undefined) throw new ProxyError(response.status, BAD_RESPONSE, 'The server’s answer was not valid JSON.');
      return body;
    },
  };
}

/** A rejected fetch: cancelled by the user, or no network / server. */
export function networkError(thrown: unknown, signal?: AbortSignal | null): ProxyError {
  if (signal?.aborted || (thrown instanceof DOMException && thrown.name === 'AbortError')) {
    return new ProxyError(0, ABORTED, 'Cancelled.');
  }
  const reason = thrown instanceof Error && thrown.message ? ` (${thrown.message})` : '';
  return new ProxyError(0, NETWORK_ERROR, `Could not reach the Ledgerlight server${reason}. Check your connection and that the server is running.`);
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

export function errorFromEnvelope(response: Response, body: unknown, nowMs: number): ProxyError {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'), nowMs);
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ProxyError(response.status, error.code, error.message, retryAfter);
  }
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ProxyError(response.status, 'http_error', `The server answered ${response.status}${statusText}.`, retryAfter);
}

/** `Retry-After` is either whole seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function bad(what: string): ProxyError {
  return new ProxyError(200, BAD_RESPONSE, `The server’s ${what} was not understood.`);
}
