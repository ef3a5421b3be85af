// Build step: fills the precache list into the service worker chunk, from
// the files this very build emits (Vite's content-hashed names), so the list
// can never go stale.

import type { Plugin } from 'vite';
import { PRECACHE_PLACEHOLDER, encodeManifest, hashRelease, shouldPrecache } from './precache.ts';

export const SERVICE_WORKER_ENTRY = 'sw';
export const SERVICE_WORKER_FILE = 'sw.js';

/** `publicFiles`: files copied from `public/` (not part of the bundle) that the page uses. */
export function precacheServiceWorker(publicFiles: readonly string[] = []): Plugin {
  return {
    name: 'ledgerlight-precache-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const worker = bundle[SERVICE_WORKER_FILE];
      if (worker?.type !== 'chunk') this.error(`the build has no ${SERVICE_WORKER_FILE} chunk`);
      // It is registered as a classic script: no imports, no exports.
      if (worker.imports.length > 0) this.error(`${SERVICE_WORKER_FILE} must be self-contained, but imports ${worker.imports.join(', ')}`);
      if (worker.exports.length > 0) this.error(`${SERVICE_WORKER_FILE} must not export anything (${worker.exports.join(', ')})`);
      const files = Object.keys(bundle).filter(shouldPrecache).sort();
      if (!files.includes('index.html')) this.error('index.html is not in the bundle yet; the precache plugin runs too early');
      const page = bundle['index.html'];
      const pageSource = page?.type === 'asset' ? String(page.source) : '';
      const urls = [...files, ...publicFiles].map((file) => `/${file}`);
      const encoded = encodeManifest({ version: hashRelease([...urls, pageSource]), urls });
      if (worker.code.split(PRECACHE_PLACEHOLDER).length !== 2) this.error(`${SERVICE_WORKER_FILE} must hold its precache placeholder exactly once`);
      worker.code = worker.code.replace(PRECACHE_PLACEHOLDER, encoded);
    },
  };
}
