// Preview & Mask through the real proxy: the pane masks a file in the wasm
// engine, the user confirms the preview, and the request the proxy sends
// to Gemini carries the previewed payload byte for byte (issue 8, item 3);
// the answer's pseudonyms are restored in the pane (item 4). Before the
// confirmation, no sheet data leaves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usePaneServers } from './support.mjs';

const servers = usePaneServers({ withGemini: true });

const CUSTOMERS_CSV = [
  'Customer,Email,Amount',
  'Alice Martin,alice.martin@example.com,1200.50',
  'Bob Stone,bob.stone@example.org,800',
  'Alice Martin,alice.martin@example.com,310',
  // Characters JSON escapes, so byte equality is tested through escaping too.
  'Chloé "CJ" Dubois,chloe.dubois@example.net,99.95',
].join('\n');

async function openPane() {
  const context = await servers.browser.newContext({ serviceWorkers: 'block' });
  await context.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  return { context, page, pageErrors };
}

/** The system instruction text of every request the proxy made to Gemini for an answer. */
async function systemTexts() {
  return (await servers.gemini.requests())
    .filter((request) => request.method === 'streamGenerateContent')
    .map((request) => (request.body.systemInstruction?.parts ?? []).map((part) => part.text).join('\n'));
}

async function ask(page, question) {
  await page.getByRole('tab', { name: 'Chat' }).click();
  await page.getByRole('textbox', { name: /Message/ }).fill(question);
  const done = page.waitForResponse((response) => /\/api\/v1\/conversations\/[^/]+\/messages$/.test(response.url()));
  await page.getByRole('button', { name: 'Send' }).click();
  assert.equal((await done).status(), 200);
  await page.locator('[data-testid="assistant-message"][data-state="done"]').last().waitFor({ timeout: 30_000 });
}

test('the confirmed preview payload reaches Gemini byte for byte, and the answer is un-masked locally', async () => {
  const { context, page, pageErrors } = await openPane();
  await page.getByRole('tab', { name: 'Preview & Mask' }).click();
  await page.setInputFiles('#panel-preview [data-testid="file-input"]', { name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(CUSTOMERS_CSV) });
  const shown = page.getByTestId('preview-payload');
  await shown.waitFor({ timeout: 30_000 });
  // Read the payload as the DOM holds it (textContent, not the rendered innerText).
  const payload = await shown.evaluate((element) => element.textContent);
  assert.ok(!payload.includes('alice.martin@example.com'), `the payload holds no email:\n${payload}`);
  assert.match(await page.getByTestId('preview-tokens').innerText(), /^[\d,]+ tokens \(≈ \$[\d.]+\)/);
  // The examples are hidden until asked for.
  const emailRow = page.getByTestId('pii-column').filter({ has: page.getByRole('rowheader', { name: 'Email' }) });
  assert.ok(!(await emailRow.getByTestId('pii-examples').innerText()).includes('@'));
  await emailRow.getByRole('button', { name: 'Show examples' }).click();
  assert.match(await emailRow.getByTestId('pii-examples').innerText(), /alice\.martin@example\.com/);

  // Not confirmed yet: the question goes alone.
  await servers.gemini.script(['Noted.']);
  await ask(page, 'Is anything attached?');
  assert.equal((await systemTexts()).filter((text) => text.includes(payload)).length, 0, 'no sheet data before the confirmation');

  await page.getByRole('tab', { name: 'Preview & Mask' }).click();
  await page.getByRole('button', { name: 'Use in chat' }).click();
  await page.getByTestId('preview-confirmed').waitFor();

  // The workbook's vault is in the pane's own storage, keyed by the file name.
  const vault = JSON.parse(await page.evaluate(() => localStorage.getItem('ledgerlight.vault.v1:customers.csv')));
  // A pseudonym of an email, as the model would quote it back.
  const [pseudonym, email] = Object.entries(vault.tokens).find(([, value]) => value.includes('@')) ?? [];
  assert.ok(pseudonym && payload.includes(pseudonym), `the payload uses the vault's pseudonyms:\n${payload}`);
  await servers.gemini.script([`The customer ${pseudonym} appears twice.`]);
  await page.getByRole('tab', { name: 'Chat' }).click();
  await page.getByRole('textbox', { name: /Message/ }).fill('Who appears twice?');
  await page.getByTestId('token-estimate').filter({ hasText: /This message will send about [\d,]+ tokens \(≈ \$[\d.]+\), the sheet preview included/ }).waitFor({ timeout: 10_000 });
  await ask(page, 'Who appears twice?');

  const last = (await systemTexts()).at(-1);
  assert.ok(last.includes(payload), `Gemini's system instruction holds the previewed payload byte for byte:\n${last}`);
  // Un-masking runs in the engine worker just after the last piece arrives.
  const restored = page.locator('[data-testid="assistant-message"]').last().filter({ hasText: `The customer ${email} appears twice.` });
  await restored.waitFor({ timeout: 10_000 });
  assert.ok(!(await restored.innerText()).includes(pseudonym), 'the pseudonym is restored in the pane');

  assert.deepEqual(pageErrors, []);
  await context.close();
});
