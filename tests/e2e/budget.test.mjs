// The byte budget of the task pane (issue 9, item 10): JavaScript + wasm
// loaded for the first render stay under 1.5 MB gzipped; sign-in stays lazy.
// The static analysis of the build (bundle-budget.mjs) is checked against
// what Chromium really fetches, so the budget cannot miss a file.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { FIRST_LOAD_BUDGET_BYTES, measureFirstLoad } from './bundle-budget.mjs';
import { ROOT, usePaneServers } from './support.mjs';

const DIST = path.join(ROOT, 'addin/dist');

const servers = usePaneServers();

test('JavaScript + wasm at first load stay under 1.5 MB gzipped, sign-in is lazy', () => {
  const { first, lazy, total } = measureFirstLoad(DIST);
  const names = first.map((file) => file.name);
  assert.ok(names.some((name) => /^main-[\w-]+\.js$/.test(name)), 'the entry chunk is counted');
  assert.ok(names.some((name) => name.endsWith('.wasm')), 'the wasm engine is counted');
  assert.ok(lazy.some((file) => /^supabase-[\w-]+\.js$/.test(file.name)), 'supabase-js loads only when sign-in is set up');
  const table = first.map((file) => `${file.name} ${file.gzip}`).join('\n');
  assert.ok(total <= FIRST_LOAD_BUDGET_BYTES, `first load is ${total} bytes gzipped, over the ${FIRST_LOAD_BUDGET_BYTES} budget:\n${table}`);
});

test('the budget counts exactly the scripts and wasm Chromium fetches for the first render', async () => {
  const { first } = measureFirstLoad(DIST);
  const context = await servers.browser.newContext({ serviceWorkers: 'block' });
  await context.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
  const page = await context.newPage();
  const fetched = new Set();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/assets/') && /\.(js|wasm)$/.test(url.pathname)) fetched.add(path.basename(url.pathname));
  });
  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  // The Settings panel asks the engine for its version at mount: the wasm is in by then.
  await page.getByTestId('engine-version').waitFor({ state: 'attached', timeout: 30_000 });
  assert.deepEqual([...fetched].sort(), first.map((file) => file.name).sort());
  await context.close();
});
