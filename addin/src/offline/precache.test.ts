import { describe, expect, it } from 'vitest';
import { INDEX_URL, PRECACHE_PLACEHOLDER, cacheName, decodeManifest, encodeManifest, hashRelease, isStaleCache, precacheKey, shouldPrecache } from './precache.ts';

const ORIGIN = 'https://pane.example';
const PRECACHED = new Set([INDEX_URL, '/assets/main-abc.js', '/assets/engine_wasm_bg-def.wasm']);

function key(url: string, method = 'GET') {
  return precacheKey(new URL(url, ORIGIN), method, ORIGIN, PRECACHED);
}

describe('the precache list', () => {
  it('round-trips through the string the build writes into sw.js', () => {
    const manifest = { version: '0a1b2c3d', urls: ['/index.html', '/assets/main-abc.js'] };
    expect(decodeManifest(encodeManifest(manifest))).toEqual(manifest);
  });

  it('refuses a worker built without its list', () => {
    expect(() => decodeManifest(PRECACHE_PLACEHOLDER)).toThrow(/without its precache list/);
    expect(() => decodeManifest('')).toThrow(/without its precache list/);
  });

  it('takes the page and the hashed assets, not the manifest, the dialog page or source maps', () => {
    expect(['index.html', 'assets/main-abc.js', 'assets/engine_wasm_bg-def.wasm'].every(shouldPrecache)).toBe(true);
    expect(['manifest.xml', 'auth-dialog.html', 'sw.js', 'assets/main-abc.js.map'].some(shouldPrecache)).toBe(false);
  });

  it('names a new cache for every release and recognises the old ones', () => {
    const first = hashRelease(['/assets/main-abc.js', '<html>']);
    const second = hashRelease(['/assets/main-abd.js', '<html>']);
    expect(first).toMatch(/^[0-9a-f]{8}$/);
    expect(second).not.toBe(first);
    expect(hashRelease(['ab', 'c'])).not.toBe(hashRelease(['a', 'bc']));
    expect(isStaleCache(cacheName(first), second)).toBe(true);
    expect(isStaleCache(cacheName(second), second)).toBe(false);
    // Caches of other apps on the same origin are not ours to delete.
    expect(isStaleCache('someone-else', second)).toBe(false);
  });
});

describe('which requests the worker answers from the cache', () => {
  it('answers the page, at / and /index.html, and precached assets', () => {
    expect(key('/')).toBe(INDEX_URL);
    expect(key('/index.html?x=1')).toBe(INDEX_URL);
    expect(key('/assets/engine_wasm_bg-def.wasm')).toBe('/assets/engine_wasm_bg-def.wasm');
  });

  it('never answers the API, health, other origins (Office.js), other methods or unknown files', () => {
    expect(key('/api/v1/me')).toBeNull();
    expect(key('/api/v1/conversations/new/messages', 'POST')).toBeNull();
    expect(key('/health')).toBeNull();
    expect(key('https://appsforoffice.microsoft.com/lib/1/hosted/office.js')).toBeNull();
    expect(key('/assets/main-abc.js', 'HEAD')).toBeNull();
    expect(key('/assets/main-old.js')).toBeNull();
  });
});
