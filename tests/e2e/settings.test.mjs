// Settings → Your data against the real proxy (local mode, one user): the
// export downloads what the server keeps; Delete asks first, then removes
// the saved conversations; the masking default survives a reload.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { usePaneServers } from './support.mjs';

const servers = usePaneServers({ withGemini: true });

async function conversationsOnServer() {
  const response = await fetch(`${servers.proxy.url}/api/v1/conversations`);
  assert.equal(response.status, 200);
  return (await response.json()).items.map((item) => item.title);
}

test('export downloads the server’s copy; delete asks, then removes the conversations', async () => {
  const context = await servers.browser.newContext({ acceptDownloads: true, serviceWorkers: 'block' });
  await context.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(servers.proxy.url, { waitUntil: 'load' });

  await servers.gemini.script(['Noted.']);
  await page.getByRole('tab', { name: 'Chat' }).click();
  await page.getByRole('textbox', { name: /Message/ }).fill('Remember the Q3 invoices');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('[data-testid="assistant-message"][data-state="done"]').waitFor({ timeout: 30_000 });
  assert.deepEqual(await conversationsOnServer(), ['Remember the Q3 invoices']);

  await page.getByRole('tab', { name: 'Settings' }).click();
  const downloaded = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export my data' }).click();
  const download = await downloaded;
  assert.equal(download.suggestedFilename(), 'ledgerlight-export.json');
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.deepEqual(exported.ai_conversations.map((c) => c.title), ['Remember the Q3 invoices']);
  assert.ok(Array.isArray(exported.excel_sheets));
  assert.match(await page.getByTestId('my-data-done').innerText(), /downloaded as ledgerlight-export\.json/);

  await page.getByRole('button', { name: 'Delete my data' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.deepEqual(await conversationsOnServer(), ['Remember the Q3 invoices'], 'Cancel deletes nothing');

  await page.getByRole('button', { name: 'Delete my data' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete everything' }).click();
  await page.getByText('Deleted 0 saved sheets and 1 conversation.').waitFor({ timeout: 15_000 });
  assert.deepEqual(await conversationsOnServer(), []);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('the masking default and locale hints are kept on this computer across reloads', async () => {
  const context = await servers.browser.newContext({ serviceWorkers: 'block' });
  await context.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
  const page = await context.newPage();
  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('combobox', { name: /Mask personal data by default as/ }).selectOption('hash');
  await page.getByRole('combobox', { name: /Numbers are written like/ }).selectOption('1 234,56');

  await page.reload({ waitUntil: 'load' });
  await page.getByRole('tab', { name: 'Settings' }).click();
  assert.equal(await page.getByRole('combobox', { name: /Mask personal data by default as/ }).inputValue(), 'hash');
  assert.equal(await page.getByRole('combobox', { name: /Numbers are written like/ }).inputValue(), '1 234,56');
  assert.equal(await page.getByRole('combobox', { name: /Dates like/ }).inputValue(), 'auto');
  await context.close();
});
