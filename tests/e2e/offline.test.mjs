// Offline use: after one visit, the service worker has cached the pane and
// the wasm engine, so with the server gone the pane still opens and
// profiles a dropped file. API calls are never cached.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, usePaneServers } from './support.mjs';

const servers = usePaneServers();

/** Drops `file` on the pane's drop zone, as a user dragging it from the desktop would. */
async function dropFile(page, filePath, mimeType) {
  const bytes = readFileSync(filePath).toString('base64');
  const dataTransfer = await page.evaluateHandle(
    ({ base64, name, type }) => {
      const binary = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([binary], name, { type }));
      return transfer;
    },
    { base64: bytes, name: path.basename(filePath), type: mimeType },
  );
  const zone = page.locator('#panel-clean').getByTestId('drop-zone');
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

test('after one visit the pane opens and profiles a dropped file with the server down', async () => {
  const context = await servers.browser.newContext();
  // No internet here, as for a user offline: Office.js never loads.
  await context.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  // The pane's first render calls the API (health, sign-in check), which must not be cached.
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByTestId('server-health').waitFor({ timeout: 15_000 });
  assert.equal((await page.getByTestId('offline-status').innerText()).trim(), 'on: the pane opens without network after its first visit');
  const cached = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    // `ready` resolves on activation; installation (the precache) finished before it.
    const names = await caches.keys();
    const urls = [];
    for (const name of names) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
    }
    return { scope: registration.scope, names, urls };
  });
  assert.equal(cached.scope, `${servers.proxy.url}/`);
  assert.equal(cached.names.length, 1, 'one cache per release');
  assert.ok(cached.urls.includes('/index.html'), 'the page is cached');
  assert.ok(cached.urls.some((url) => /^\/assets\/engine_wasm_bg-[\w-]+\.wasm$/.test(url)), 'the wasm engine is cached');
  assert.ok(cached.urls.some((url) => /^\/assets\/engine\.worker-[\w-]+\.js$/.test(url)), 'the engine worker is cached');
  assert.deepEqual(cached.urls.filter((url) => url.startsWith('/api/') || url === '/health'), [], 'API answers are never cached');

  // The server goes away entirely: every request to it now fails to connect.
  assert.equal(await servers.proxy.stop(), 0, 'the proxy shuts down cleanly on SIGTERM');
  const health = await page.evaluate(() => fetch('/health').then(() => 'reached', (error) => `failed: ${error.name}`));
  assert.match(health, /^failed/, 'the API is not answered from a cache');

  const navigation = await page.reload({ waitUntil: 'load' });
  assert.ok(navigation?.fromServiceWorker(), 'the page came from the service worker');
  await dropFile(page, path.join(ROOT, 'tests/fixtures/invoices.xlsx'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  await page.getByTestId('profile-table').waitFor({ timeout: 30_000 });
  assert.equal((await page.getByTestId('profile-summary').innerText()).trim(), 'Invoices · 10 rows × 7 columns');
  assert.equal(await page.getByTestId('profile-row').count(), 7);
  assert.deepEqual(pageErrors, []);
  await context.close();
});
