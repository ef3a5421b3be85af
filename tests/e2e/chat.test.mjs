// Chat through the real proxy: the task pane streams an answer from a Gemini
// stand-in over Server-Sent Events and renders it as Markdown, table included;
// and a proxy without a Gemini key shows the "not set up" state.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { KEY, OUTPUT, launchChromium, startGemini, startProxy } from './support.mjs';

let gemini;
let proxy;
let unconfigured;
let limited;
let browser;

before(async () => {
  gemini = await startGemini();
  const withGemini = { GEMINI_API_KEY: KEY, GEMINI_BASE_URL: gemini.url, GEMINI_MODEL: 'gemini-flash-latest' };
  [proxy, unconfigured, limited] = await Promise.all([startProxy(withGemini), startProxy(), startProxy({ ...withGemini, RATE_LIMIT_RPM: '1' })]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  const codes = await Promise.all([proxy?.stop(), unconfigured?.stop(), limited?.stop()]);
  assert.equal(await gemini?.stop(), 0, 'the Gemini stand-in stops cleanly on SIGTERM');
  assert.deepEqual(codes, [0, 0, 0], 'the proxies shut down cleanly on SIGTERM');
});

async function openChat(url) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
  await page.goto(url, { waitUntil: 'load' });
  await page.getByRole('tab', { name: 'Chat' }).click();
  return { page, pageErrors };
}

test('a question is answered by a streamed, Markdown-rendered answer and the conversation is listed', async () => {
  await gemini.script(['Totals by region:\n\n', '| Region | Total |\n|---|---|\n', '| North | 1,200.50 |\n', '| South | 800 |\n']);
  const { page, pageErrors } = await openChat(proxy.url);

  await page.getByRole('textbox', { name: /Message/ }).fill('What are the totals by region?');
  const streamed = page.waitForResponse((response) => response.url().endsWith('/api/v1/conversations/new/messages'));
  await page.getByRole('button', { name: 'Send' }).click();
  const response = await streamed;
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /text\/event-stream/);

  const answer = page.locator('[data-testid="assistant-message"][data-state="done"]');
  await answer.waitFor({ timeout: 30_000 });
  const rows = answer.getByRole('row');
  assert.equal(await rows.count(), 3);
  assert.deepEqual(
    (await answer.getByRole('cell').allInnerTexts()).map((text) => text.trim()),
    ['North', '1,200.50', 'South', '800'],
  );
  assert.match(await answer.innerText(), /Totals by region:/);
  assert.equal(await page.getByTestId('user-message').innerText().then((t) => t.includes('What are the totals by region?')), true);
  // The new conversation is listed under its title (the question) and selected.
  const listed = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'What are the totals by region?', exact: true });
  await listed.waitFor({ timeout: 10_000 });
  assert.equal(await listed.getAttribute('aria-current'), 'true');
  // What Gemini received: the question, from the stored history.
  const sent = (await gemini.requests()).find((r) => r.method === 'streamGenerateContent');
  assert.ok(JSON.stringify(sent.body.contents).includes('What are the totals by region?'));
  assert.deepEqual(pageErrors, []);

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'chat.png'), fullPage: true });
});

test('Stop ends a streaming answer; the proxy keeps what arrived, marked incomplete', async () => {
  const pieces = Array.from({ length: 40 }, (_, index) => `Part ${index + 1}. `);
  await gemini.script({ pieces, delayMs: 150 });
  const { page, pageErrors } = await openChat(proxy.url);
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.getByRole('textbox', { name: /Message/ }).fill('Explain every column in detail');
  await page.getByRole('button', { name: 'Send' }).click();

  const streaming = page.locator('[data-testid="assistant-message"][data-state="streaming"]');
  await streaming.getByText(/Part 2\./).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  const stopped = page.locator('[data-testid="assistant-message"][data-state="cancelled"]');
  await stopped.waitFor({ timeout: 10_000 });
  assert.match(await stopped.innerText(), /Stopped\./);
  assert.doesNotMatch(await stopped.innerText(), /Part 40\./);

  // The proxy stored the partial answer as incomplete: reopening the conversation shows it so.
  const listed = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Explain every column in detail', exact: true });
  await listed.waitFor({ timeout: 10_000 });
  let reopened;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await page.getByRole('button', { name: 'New conversation' }).click();
    await listed.click();
    reopened = page.locator('[data-testid="assistant-message"]');
    await reopened.first().waitFor({ timeout: 10_000 });
    if ((await reopened.first().getAttribute('data-state')) === 'incomplete') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(await reopened.first().getAttribute('data-state'), 'incomplete');
  assert.match(await reopened.first().innerText(), /Part 1\./);
  assert.match(await reopened.first().innerText(), /This answer was cut off before it finished\./);
  assert.ok((await gemini.disconnects()) >= 1, 'the proxy closed the upstream stream when the pane stopped');
  assert.deepEqual(pageErrors, []);
});

test('without a Gemini key the chat says it is not set up and keeps the question', async () => {
  const { page, pageErrors } = await openChat(unconfigured.url);
  await page.getByRole('textbox', { name: /Message/ }).fill('Which columns are dates?');
  await page.getByRole('button', { name: 'Send' }).click();
  const problem = page.getByTestId('chat-problem');
  await problem.waitFor({ timeout: 15_000 });
  assert.equal(await problem.getAttribute('data-kind'), 'not_configured');
  assert.match(await problem.innerText(), /AI chat is not configured on this server: set GEMINI_API_KEY/);
  assert.equal(await page.getByRole('textbox', { name: /Message/ }).inputValue(), 'Which columns are dates?');
  assert.deepEqual(pageErrors, []);
});

test('over the rate limit the chat shows when sending works again, from Retry-After', async () => {
  await gemini.script(['First answer.']);
  const { page, pageErrors } = await openChat(limited.url);
  const box = page.getByRole('textbox', { name: /Message/ });
  await box.fill('First question');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('[data-testid="assistant-message"][data-state="done"]').waitFor({ timeout: 15_000 });

  await box.fill('Second question');
  const refused = page.waitForResponse((response) => response.url().includes('/messages') && response.status() === 429);
  await page.getByRole('button', { name: 'Send' }).click();
  const retryAfter = Number((await refused).headers()['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);

  const problem = page.getByTestId('chat-problem');
  await problem.waitFor({ timeout: 10_000 });
  assert.equal(await problem.getAttribute('data-kind'), 'rate_limited');
  assert.match(await page.getByTestId('retry-time').innerText(), /^Sending is possible again at \d{1,2}:\d{2}:\d{2}/);
  assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
  assert.equal(await box.inputValue(), 'Second question');
  assert.deepEqual(pageErrors, []);
});
