// The vertical slice: the real proxy serves the built task pane; in a plain
// browser the user picks a real .xlsx, the wasm engine profiles it in a Web
// Worker, and the pane shows the column profile.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { OUTPUT, ROOT, usePaneServers } from './support.mjs';

const servers = usePaneServers();

test('a dropped .xlsx is profiled by the wasm engine in a worker', async () => {
  const page = await servers.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const workers = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  const wasmResponses = [];
  page.on('response', (response) => {
    if (response.url().endsWith('.wasm')) wasmResponses.push(response);
  });
  // This machine has no internet: Office.js from Microsoft's CDN cannot
  // load, exactly as when the pane is opened in a plain offline browser.
  await page.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());

  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  await page.setInputFiles('#panel-clean [data-testid="file-input"]', path.join(ROOT, 'tests/fixtures/invoices.xlsx'));

  const table = page.getByTestId('profile-table');
  await table.waitFor({ timeout: 30_000 });
  assert.equal(
    (await page.getByTestId('profile-summary').innerText()).trim(),
    'Invoices · 10 rows × 7 columns',
  );

  const expected = {
    Invoice: ['identifier', '10', '0', '10'],
    Date: ['date', '10', '0', '10'],
    Customer: ['category', '10', '0', '4'],
    Region: ['category', '10', '0', '3'],
    Amount: ['decimal', '9', '1', '9'],
    Paid: ['boolean', '10', '0', '2'],
    Notes: ['text', '3', '7', '3'],
  };
  const rows = page.getByTestId('profile-row');
  assert.equal(await rows.count(), 7);
  for (const [name, [type, count, missing, distinct]] of Object.entries(expected)) {
    const cells = await page.locator(`[data-testid="profile-row"][data-column="${name}"] td, [data-testid="profile-row"][data-column="${name}"] [role="cell"]`).allInnerTexts();
    const texts = cells.map((c) => c.trim());
    assert.equal(texts[0], name);
    assert.match(texts[1], new RegExp(`^${type}\\b`), `${name} type`);
    assert.deepEqual(texts.slice(2, 5), [count, missing, distinct], `${name} counts`);
  }
  // The share-filled bar is there and says what it shows.
  assert.equal(await page.getByRole('img', { name: /30% filled/ }).count(), 1);

  assert.ok(workers.length >= 1, 'the engine runs in a Web Worker');
  assert.equal(wasmResponses.length, 1, 'the wasm module is fetched once');
  assert.equal(wasmResponses[0].headers()['content-type'], 'application/wasm');
  assert.match(wasmResponses[0].headers()['cache-control'], /immutable/);
  assert.deepEqual(pageErrors, []);

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'profile.png'), fullPage: true });
});

test('an unreadable file shows the engine\'s message to the user', async () => {
  const page = await servers.browser.newPage();
  await page.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  await page.setInputFiles('#panel-clean [data-testid="file-input"]', {
    name: 'broken.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64)]),
  });
  const error = page.getByTestId('error-message');
  await error.waitFor({ timeout: 30_000 });
  assert.match(await error.innerText(), /the spreadsheet could not be read/);
  await page.screenshot({ path: path.join(OUTPUT, 'unreadable.png') });
});

test('the proxy answers health and serves the rendered manifest', async () => {
  const health = await fetch(`${servers.proxy.url}/health`);
  assert.equal(health.status, 200);
  const body = await health.json();
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);

  const manifest = await fetch(`${servers.proxy.url}/manifest.xml`);
  assert.equal(manifest.status, 200);
  assert.match(await manifest.text(), /<Host Name="Workbook"\/>/);
});
