// The pane's service worker (built to /sw.js): after the first visit the
// pane opens and profiles files with no network. It precaches the built
// files at install and answers them cache-first; everything else, the
// proxy's API above all, goes to the network untouched.
//
// A new release installs in the background and takes over the next time
// the pane is opened (no skipWaiting): a pane never mixes two releases.

import { PRECACHE_PLACEHOLDER, cacheName, decodeManifest, isStaleCache, precacheKey } from './precache.ts';

// The DOM library has no service-worker types; these are the parts used here.
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly location: Location;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const scope = self as unknown as ServiceWorkerScope;
const manifest = decodeManifest(PRECACHE_PLACEHOLDER);
const currentCache = cacheName(manifest.version);
const precached = new Set(manifest.urls);

scope.addEventListener('install', (event) => {
  // `cache: 'reload'` skips the HTTP cache, so a half-updated cache cannot be copied in.
  event.waitUntil(
    caches.open(currentCache).then((cache) => cache.addAll(manifest.urls.map((url) => new Request(url, { cache: 'reload' })))),
  );
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(names.filter((name) => isStaleCache(name, manifest.version)).map((name) => caches.delete(name)))),
  );
});

scope.addEventListener('fetch', (event) => {
  const key = precacheKey(new URL(event.request.url), event.request.method, scope.location.origin, precached);
  if (key === null) return;
  event.respondWith(
    caches.open(currentCache).then(async (cache) => {
      const hit = await cache.match(key);
      // A file missing from the cache (evicted by the browser) still comes from the network.
      return hit ?? fetch(event.request);
    }),
  );
});
