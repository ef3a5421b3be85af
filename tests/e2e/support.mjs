// Shared pieces of the end-to-end tests: starting the real proxy binary and
// Debian's Chromium.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { KEY, MODEL, startGemini } from './gemini-standin.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUTPUT = path.join(ROOT, 'tests/output/e2e');

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
 * the proxy (with the Gemini stand-in behind it when `withGemini`) and
 * Chromium. The returned object is filled in once `before` has run. `after`
 * checks the proxy shuts down cleanly on SIGTERM.
 */
export function usePaneServers({ withGemini = false, pieceDelayMs = 0 } = {}) {
  const servers = { proxy: undefined, browser: undefined, gemini: undefined };
  before(async () => {
    if (withGemini) servers.gemini = await startGemini({ pieceDelayMs });
    const env = servers.gemini ? { GEMINI_API_KEY: KEY, GEMINI_BASE_URL: servers.gemini.url, GEMINI_MODEL: MODEL } : {};
    servers.proxy = await startProxy(env);
    servers.browser = await launchChromium();
  });
  after(async () => {
    await servers.browser?.close();
    const code = await servers.proxy?.stop();
    await servers.gemini?.stop();
    assert.equal(code, 0, 'the proxy shuts down cleanly on SIGTERM');
  });
  return servers;
}
