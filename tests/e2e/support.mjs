// Shared pieces of the end-to-end tests: starting the real proxy binary,
// the stand-ins (the Rust binaries of tests/src/bin: Gemini, and Supabase's
// Auth + PostgREST on a scratch PostgreSQL database) and Debian's Chromium.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUTPUT = path.join(ROOT, 'tests/output/e2e');
/** Where cargo put the binaries when no `*_BIN` variable names one. */
const TARGET = path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'debug');

/** The Gemini stand-in's model and key (`MODEL`, `KEY` in tests/src/gemini.rs). */
export const MODEL = 'gemini-flash-latest';
export const KEY = 'test-gemini-key-0123456789';

/**
 * Spawns a stand-in binary and resolves once `ready(lines)` finds what it
 * waits for in its stdout (null until then). `stop()` sends SIGTERM and
 * resolves with the exit code.
 */
async function spawnStandIn(name, binary, args, ready) {
  const child = spawn(binary, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const found = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s:\n${lines.join('\n')}\n${stderr}`)), 60_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const value = ready(lines);
      if (value) {
        clearTimeout(timer);
        resolve(value);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${name} ${binary}: ${error.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${lines.join('\n')}\n${stderr}`));
    });
  });
  let stopped;
  return {
    found,
    stderr: () => stderr,
    stop() {
      stopped ??= child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}

async function call(url, init = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * The Rust Gemini stand-in (`gemini-standin`, GEMINI_STANDIN_BIN), speaking
 * Gemini's REST + SSE, with its test-only control API on a port of its own.
 * `script(…answers)`: each answer a list of pieces (sent `pieceDelayMs`
 * apart) or `{ pieces, delayMs }`.
 */
export async function startGemini({ pieceDelayMs = 30 } = {}) {
  const binary = process.env.GEMINI_STANDIN_BIN ?? path.join(TARGET, 'gemini-standin');
  const process_ = await spawnStandIn('the Gemini stand-in', binary, ['--addr', '127.0.0.1:0', '--control-addr', '127.0.0.1:0'], (lines) => {
    const url = lines.map((line) => /^gemini stand-in listening on (\S+)$/.exec(line)?.[1]).find(Boolean);
    const control = lines.map((line) => /^gemini stand-in control on (\S+)$/.exec(line)?.[1]).find(Boolean);
    return url && control ? { url, control } : null;
  });
  const { url, control } = process_.found;
  const requests = () => call(`${control}/requests`);
  return {
    url,
    /** Queues the next streamed answers; resolves once the stand-in has them. */
    script: (...answers) =>
      call(`${control}/script`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(answers.map((answer) => (Array.isArray(answer) ? { pieces: answer, pause_ms: pieceDelayMs } : { pieces: answer.pieces, pause_ms: answer.delayMs ?? pieceDelayMs }))),
      }),
    /** Streams the proxy abandoned part-way (it closes upstream when the pane stops). */
    disconnects: async () => (await requests()).disconnects,
    /** What the proxy sent for answers, oldest first: `{ method, body }`. */
    requests: async () => {
      const { streams, generated } = await requests();
      return [...streams.map((body) => ({ method: 'streamGenerateContent', body })), ...generated.map((body) => ({ method: 'generateContent', body }))];
    },
    stop: () => process_.stop(),
  };
}

/**
 * A Supabase project stand-in (`supabase-standin`, SUPABASE_STANDIN_BIN):
 * Auth (GoTrue's wire format, HS256 tokens) and PostgREST on one origin, in
 * front of a scratch database on the local PostgreSQL with every migration.
 */
export async function startSupabase() {
  const binary = process.env.SUPABASE_STANDIN_BIN ?? path.join(TARGET, 'supabase-standin');
  const process_ = await spawnStandIn('the Supabase stand-in', binary, [], (lines) => {
    const line = lines.find((l) => l.startsWith('supabase stand-in ready '));
    return line ? JSON.parse(line.slice('supabase stand-in ready '.length)) : null;
  });
  const project = process_.found;
  const auth = (route, init = {}) => call(`${project.url}/auth/v1${route}`, { ...init, headers: { apikey: project.anon_key, 'content-type': 'application/json', ...init.headers } });
  return {
    url: project.url,
    anonKey: project.anon_key,
    /** What the proxy needs to use this project: auth and storage, as deployed. */
    proxyEnv: {
      SUPABASE_URL: project.url,
      SUPABASE_ANON_KEY: project.anon_key,
      SUPABASE_SERVICE_ROLE_KEY: project.service_role_key,
      SUPABASE_JWT_SECRET: project.jwt_secret,
    },
    /** Creates a confirmed account with GoTrue's admin API (the service key). */
    createUser: (email, password) =>
      auth('/admin/users', {
        method: 'POST',
        headers: { authorization: `Bearer ${project.service_role_key}` },
        body: JSON.stringify({ email, password, email_confirm: true, user_metadata: { full_name: 'E2E User' } }),
      }),
    /** A GoTrue call as supabase-js makes it (answers the parsed body, throws on an error status). */
    auth,
    /** The emails "sent", oldest first: `{ to, kind, code }`. */
    mail: () => call(`${project.control}/mail`),
    /** The sessions issued, oldest first: `{ grant, email, access_token, refresh_token, session_id }`. */
    grants: () => call(`${project.control}/grants`),
    /** The error codes the Auth stand-in answered, oldest first. */
    refused: () => call(`${project.control}/refused`),
    /** How long the access tokens issued from now on live. */
    setAccessTtl: (seconds) => call(`${project.control}/access-ttl`, { method: 'POST', body: JSON.stringify({ seconds }) }),
    stop: () => process_.stop(),
  };
}

/**
 * Starts the proxy on a free port and resolves once it listens. The binary
 * is `PROXY_BIN` or target/debug/proxy; it serves `ADDIN_DIR` (addin/dist).
 */
export async function startProxy(env = {}) {
  const binary = process.env.PROXY_BIN ?? path.join(ROOT, 'target/debug/proxy');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'proxy-data-'));
  const child = spawn(binary, [], {
    cwd: ROOT,
    env: {
      ...process.env,
      PROXY_ADDR: '127.0.0.1:0',
      DATA_DIR: dataDir,
      ADDIN_DIR: path.join(ROOT, 'addin/dist'),
      NO_COLOR: '1',
      RUST_LOG: 'info',
      GEMINI_API_KEY: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start in 15 s:\n${log}`)), 15_000);
    const onData = (chunk) => {
      log += chunk;
      // Text logs: `proxy listening addr=…`; JSON logs: `"message":"proxy listening"` with `"addr":"…"`.
      const match = /proxy listening addr=(\S+)|"message":"proxy listening"[^\n]*?"addr":"([^"]+)"|"addr":"([^"]+)"[^\n]*?"message":"proxy listening"/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? match[2] ?? match[3]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // A missing binary fails at once instead of waiting for the timeout.
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the proxy ${binary}: ${error.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code}:\n${log}`));
    });
  });
  // Stopping twice (a test stops it, then the suite's `after`) answers the first exit code.
  let stopped;
  return {
    url: `http://${address}`,
    log: () => log,
    stop() {
      stopped ??= (async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const code = await exited;
        rmSync(dataDir, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * The servers most suites need, started in `before` and stopped in `after`:
 * the proxy (with the Gemini stand-in behind it when `withGemini`, and a
 * Supabase project for sign-in and storage when `withSupabase`) and
 * Chromium. The returned object is filled in once `before` has run. `after`
 * checks the proxy shuts down cleanly on SIGTERM.
 */
export function usePaneServers({ withGemini = false, pieceDelayMs = 0, withSupabase = false } = {}) {
  const servers = { proxy: undefined, browser: undefined, gemini: undefined, supabase: undefined };
  before(async () => {
    [servers.gemini, servers.supabase] = await Promise.all([withGemini ? startGemini({ pieceDelayMs }) : undefined, withSupabase ? startSupabase() : undefined]);
    const env = {
      ...(servers.gemini ? { GEMINI_API_KEY: KEY, GEMINI_BASE_URL: servers.gemini.url, GEMINI_MODEL: MODEL } : {}),
      ...(servers.supabase ? servers.supabase.proxyEnv : {}),
    };
    servers.proxy = await startProxy(env);
    servers.browser = await launchChromium();
  });
  after(async () => {
    await servers.browser?.close();
    const code = await servers.proxy?.stop();
    const standIns = await Promise.all([servers.gemini?.stop(), servers.supabase?.stop()]);
    assert.equal(code, 0, 'the proxy shuts down cleanly on SIGTERM');
    assert.deepEqual(standIns, [servers.gemini ? 0 : undefined, servers.supabase ? 0 : undefined], 'the stand-ins stop cleanly on SIGTERM');
  });
  return servers;
}

/** Where the pane loads office.js from; tests abort it (browser mode) or serve {@link officeStandIn}. */
export const OFFICE_JS = 'https://appsforoffice.microsoft.com/**';

/**
 * office.js stand-in for Excel mode: one sheet, `Sheet1`, holding `cells`
 * (rows of values, the first row a header) with all of them selected,
 * implementing the calls office/excel.ts and office/write.ts make. In the
 * page, `window.__excel.cells` is the sheet and `window.__officeSettings`
 * every write to Office's document and roaming settings (which travel with
 * the workbook / the Office account), so tests can see what was put there.
 */
export function officeStandIn(cells) {
  return `
(() => {
  const cells = ${JSON.stringify(cells)};
  const ROWS = cells.length;
  const COLUMNS = Math.max(...cells.map((row) => row.length));
  for (const row of cells) while (row.length < COLUMNS) row.push('');
  // Room to write below and beside the data (an inserted table may be larger than the selection).
  for (let r = 0; r < 50; r++) cells.push(Array(COLUMNS + 20).fill(''));
  for (const row of cells) while (row.length < COLUMNS + 20) row.push('');
  const formats = cells.map((row) => row.map(() => 'General'));
  const fills = cells.map((row) => row.map(() => ({ color: '#FFFFFF', pattern: 'None' })));
  window.__excel = { cells, formats, fills };
  window.__officeSettings = [];
  const letters = (i) => { let n = i + 1, s = ''; while (n > 0) { const m = (n - 1) % 26; s = String.fromCharCode(65 + m) + s; n = Math.floor((n - 1) / 26); } return s; };
  const a1 = (r, c, rs, cs) => letters(c) + (r + 1) + (rs === 1 && cs === 1 ? '' : ':' + letters(c + cs - 1) + (r + rs));
  const parse = (ref) => { const m = /^([A-Z]+)(\\d+)$/.exec(ref.replace(/\\$/g, '')); let c = 0; for (const ch of m[1]) c = c * 26 + ch.charCodeAt(0) - 64; return [Number(m[2]) - 1, c - 1]; };
  class Range {
    constructor(row, column, rowCount, columnCount) { Object.assign(this, { worksheet: sheet, rowIndex: row, columnIndex: column, rowCount, columnCount }); }
    get address() { return 'Sheet1!' + a1(this.rowIndex, this.columnIndex, this.rowCount, this.columnCount); }
    load() { return this; }
    grid(source) { const out = []; for (let r = 0; r < this.rowCount; r++) out.push(source[this.rowIndex + r].slice(this.columnIndex, this.columnIndex + this.columnCount)); return out; }
    put(target, grid) { grid.forEach((row, r) => row.forEach((v, c) => { if (v !== null) target[this.rowIndex + r][this.columnIndex + c] = v; })); }
    get values() { return this.grid(cells); }
    set values(v) { this.put(cells, v); }
    get formulas() { return this.grid(cells); }
    set formulas(v) { this.put(cells, v); }
    get text() { return this.grid(cells).map((row) => row.map(String)); }
    get numberFormat() { return this.grid(formats); }
    set numberFormat(v) { this.put(formats, v); }
    get valueTypes() { return this.grid(cells).map((row) => row.map((v) => (v === '' ? 'Empty' : typeof v === 'number' ? 'Double' : typeof v === 'boolean' ? 'Boolean' : 'String'))); }
    getCellProperties() { return { value: this.grid(fills).map((row) => row.map((fill) => ({ format: { fill: { ...fill } } }))) }; }
    setCellProperties(grid) { grid.forEach((row, r) => row.forEach((p, c) => { const fill = p && p.format && p.format.fill; if (fill) fills[this.rowIndex + r][this.columnIndex + c] = { ...fills[this.rowIndex + r][this.columnIndex + c], ...fill }; })); }
    getCell(r, c) { return new Range(this.rowIndex + r, this.columnIndex + c, 1, 1); }
    getResizedRange(dr, dc) { return new Range(this.rowIndex, this.columnIndex, this.rowCount + dr, this.columnCount + dc); }
  }
  const sheet = {
    name: 'Sheet1',
    load() { return this; },
    getRangeByIndexes: (r, c, rs, cs) => new Range(r, c, rs, cs),
    getRange(ref) { const [from, to = from] = ref.split(':'); const [r1, c1] = parse(from); const [r2, c2] = parse(to); return new Range(r1, c1, r2 - r1 + 1, c2 - c1 + 1); },
  };
  const selection = new Range(0, 0, ROWS, COLUMNS);
  const context = {
    workbook: { getSelectedRange: () => selection, worksheets: { getItem: () => sheet, getActiveWorksheet: () => sheet } },
    sync: () => new Promise((resolve) => setTimeout(resolve, 0)),
  };
  const recordingSettings = (where) => {
    const values = new Map();
    return {
      get: (name) => values.get(name) ?? null,
      set: (name, value) => { window.__officeSettings.push({ where, name, value: JSON.stringify(value) }); values.set(name, value); },
      remove: (name) => { values.delete(name); },
      saveAsync: (...args) => { const callback = args.find((a) => typeof a === 'function'); if (callback) callback({ status: 'succeeded' }); },
    };
  };
  window.Excel = { run: (callback) => callback(context) };
  window.Office = {
    HostType: { Excel: 'Excel' },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    onReady: () => Promise.resolve({ host: 'Excel' }),
    context: {
      document: { url: 'ledger.xlsx', settings: recordingSettings('document') },
      roamingSettings: recordingSettings('roaming'),
    },
  };
})();`;
}
