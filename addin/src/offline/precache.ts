// What the service worker caches and which requests it answers from the
// cache. Pure functions, shared by the worker and the build plugin, so both
// agree and the rules are unit-tested without a browser.

/**
 * Stands in the built `sw.js` for the list of files to precache; the build
 * plugin (`precachePlugin.ts`) replaces it with `version|/a|/b|…`.
 */
export const PRECACHE_PLACEHOLDER = '__LEDGERLIGHT_PRECACHE__';

/** The page itself is cached under this key and answers `/` too. */
export const INDEX_URL = '/index.html';

const CACHE_PREFIX = 'ledgerlight-pane-';

export interface PrecacheManifest {
  /** Changes whenever any precached file changes; names the cache. */
  version: string;
  /** Absolute paths on the pane's origin. */
  urls: string[];
}

export function encodeManifest(manifest: PrecacheManifest): string {
  return [manifest.version, ...manifest.urls].join('|');
}

export function decodeManifest(encoded: string): PrecacheManifest {
  const [version, ...urls] = encoded.split('|');
  // The bare placeholder has no `|`, so it decodes to no URLs.
  if (!version || urls.length === 0) {
    throw new Error('sw.js was built without its precache list (the precache plugin did not run)');
  }
  return { version, urls };
}

export function cacheName(version: string): string {
  return `${CACHE_PREFIX}${version}`;
}

/** Caches of earlier releases, deleted once this release takes over. */
export function isStaleCache(name: string, version: string): boolean {
  return name.startsWith(CACHE_PREFIX) && name !== cacheName(version);
}

/**
 * Which built files go into the cache: the page, every hashed asset (the
 * wasm engine and its worker included); icons from `public/` are named by
 * the build config. Not the Office
 * manifest, the sign-in dialog page (it needs the network anyway), nor the
 * worker script itself.
 */
export function shouldPrecache(fileName: string): boolean {
  if (fileName === 'index.html') return true;
  return fileName.startsWith('assets/') && !fileName.endsWith('.map');
}

/**
 * The cache key that answers `url`, or null to leave the request to the
 * network. Only same-origin GETs of precached files qualify: API calls,
 * health checks and Office.js (another origin) always go to the network.
 */
export function precacheKey(url: URL, method: string, origin: string, precached: ReadonlySet<string>): string | null {
  if (method !== 'GET' || url.origin !== origin) return null;
  const path = url.pathname === '/' ? INDEX_URL : url.pathname;
  if (path.startsWith('/api/') || path === '/health') return null;
  return precached.has(path) ? path : null;
}

/** A short, stable hash (FNV-1a, 32 bits) of the release's file names and page. */
export function hashRelease(parts: readonly string[]): string {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    for (let index = 0; index < part.length; index += 1) {
      hash ^= part.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hash ^= 0x7c; // a separator, so ["ab","c"] and ["a","bc"] differ
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
