// A Gemini stand-in for the browser tests, speaking the REST + SSE formats
// the proxy uses (the same ones as tests/src/gemini.rs, which the Rust
// tests start in-process): GET models/{m}, POST models/{m}:streamGenerateContent
// ?alt=sse (each `data:` line a whole GenerateContentResponse, events split by
// CRLF CRLF, the stream ends when the body closes), :countTokens and
// :generateContent. Each answer is the next scripted list of pieces.
import { createServer } from 'node:http';

export const MODEL = 'gemini-flash-latest';
export const KEY = 'test-gemini-key-0123456789';

const words = (value) => {
  if (typeof value === 'string') return 0;
  if (Array.isArray(value)) return value.reduce((sum, item) => sum + words(item), 0);
  if (value && typeof value === 'object') {
    return Object.entries(value).reduce((sum, [key, item]) => sum + (key === 'text' && typeof item === 'string' ? item.split(/\s+/).filter(Boolean).length : words(item)), 0);
  }
  return 0;
};

function response(text, finish, usage) {
  const candidate = { content: { parts: [{ text }], role: 'model' }, index: 0 };
  if (finish) candidate.finishReason = finish;
  const body = { candidates: [candidate], modelVersion: MODEL, responseId: 'stand-in' };
  if (usage) {
    body.usageMetadata = { promptTokenCount: usage.prompt, candidatesTokenCount: usage.output, thoughtsTokenCount: 3, totalTokenCount: usage.prompt + usage.output + 3 };
  }
  return body;
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      try {
        resolve(data ? JSON.parse(data) : {});
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** Starts the stand-in on a free port; `script(pieces…)` queues streamed answers. */
export async function startGemini({ pieceDelayMs = 30 } = {}) {
  const answers = [];
  const requests = [];
  let disconnects = 0;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://stand-in');
    if (req.headers['x-goog-api-key'] !== KEY || url.searchParams.has('key')) {
      sendJson(res, 403, { error: { code: 403, message: 'Method doesn\'t allow unregistered callers.', status: 'PERMISSION_DENIED' } });
      return;
    }
    const match = /^\/v1beta\/models\/([^/:]+)(?::(\w+))?$/.exec(url.pathname);
    if (!match || match[1] !== MODEL) {
      sendJson(res, 404, { error: { code: 404, message: `models/${match?.[1]} is not found`, status: 'NOT_FOUND' } });
      return;
    }
    const method = match[2];
    if (req.method === 'GET' && !method) {
      sendJson(res, 200, {
        name: `models/${MODEL}`,
        baseModelId: MODEL,
        version: 'stand-in',
        displayName: 'Gemini Flash Latest (stand-in)',
        inputTokenLimit: 1_048_576,
        outputTokenLimit: 65_536,
        supportedGenerationMethods: ['generateContent', 'countTokens', 'streamGenerateContent'],
        thinking: true,
      });
      return;
    }
    const body = await readBody(req).catch(() => undefined);
    if (body === undefined) {
      sendJson(res, 400, { error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } });
      return;
    }
    requests.push({ method, body });
    const prompt = words(body);
    if (method === 'countTokens') {
      sendJson(res, 200, { totalTokens: Math.max(1, words(body.generateContentRequest ?? body)) });
      return;
    }
    const scripted = answers.shift() ?? ['The stand-in has no scripted answer.'];
    const pieces = Array.isArray(scripted) ? scripted : scripted.pieces;
    const delayMs = Array.isArray(scripted) ? pieceDelayMs : scripted.delayMs;
    const output = pieces.join('').split(/\s+/).filter(Boolean).length;
    if (method === 'generateContent') {
      sendJson(res, 200, response(pieces.join(''), 'STOP', { prompt, output }));
      return;
    }
    if (method !== 'streamGenerateContent' || url.searchParams.get('alt') !== 'sse') {
      sendJson(res, 400, { error: { code: 400, message: `unsupported ${method}`, status: 'INVALID_ARGUMENT' } });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let clientLeft = false;
    res.on('close', () => {
      clientLeft = !res.writableFinished;
    });
    for (const [index, piece] of pieces.entries()) {
      if (clientLeft) {
        disconnects += 1;
        return;
      }
      const last = index === pieces.length - 1;
      const chunk = response(piece, last ? 'STOP' : undefined, last ? { prompt, output } : undefined);
      if (!res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`)) await new Promise((resolve) => res.once('drain', resolve));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    /** Each answer: a list of pieces, or `{ pieces, delayMs }` for its own pace. */
    script: (...scripted) => answers.push(...scripted),
    /** Streams the proxy abandoned part-way (it closes upstream when the pane stops). */
    disconnects: () => disconnects,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
