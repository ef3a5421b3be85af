// Sign-in end to end, deployed the way it runs for real: the proxy with
// SUPABASE_URL pointing at a Supabase project stand-in (the Rust
// `supabase-standin`: GoTrue's wire format issuing HS256 tokens with
// Supabase's claims, and PostgREST on a scratch PostgreSQL database with
// every migration), so the proxy validates the pane's tokens and stores the
// conversations through PostgREST under RLS. Chat answers stream from the
// Rust Gemini stand-in. The pane signs in through its own UI (supabase-js).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { beforeEach, test } from 'node:test';
import { OFFICE_JS, OUTPUT, officeStandIn, usePaneServers } from './support.mjs';

const servers = usePaneServers({ withGemini: true, withSupabase: true });
// An hour, as Supabase's default; the refresh test shortens it.
beforeEach(() => servers.supabase.setAccessTtl(3600));

/** Where supabase-js keeps the session (auth.ts SESSION_KEY in storage.ts AUTH_NAMESPACE). */
const SESSION_ITEM = 'ledgerlight.auth.v1:session';

async function newUser() {
  const email = `user-${randomUUID().slice(0, 8)}@example.com`;
  const password = `pw-${randomUUID()}`;
  await servers.supabase.createUser(email, password);
  return { email, password };
}

/**
 * A fresh pane (its own storage) in browser mode, or in Excel mode over an
 * office.js stand-in whose selection holds `excelCells`. Records the Bearer
 * token of every API call to the proxy.
 */
async function openPane({ excelCells } = {}) {
  const context = await servers.browser.newContext({ serviceWorkers: 'block' });
  await context.route(OFFICE_JS, (route) => (excelCells ? route.fulfill({ contentType: 'text/javascript', body: officeStandIn(excelCells) }) : route.abort()));
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const apiCalls = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === servers.proxy.url && url.pathname.startsWith('/api/')) {
      apiCalls.push({ method: request.method(), path: url.pathname, bearer: request.headers().authorization?.replace(/^Bearer /, '') });
    }
  });
  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  return { context, page, pageErrors, apiCalls };
}

/**
 * The pane learns the sign-in project from the proxy (GET /api/v1/config):
 * nobody types a URL or a key. Settings → Account shows the project it uses.
 */
async function expectAnnouncedProject(page) {
  const config = await (await fetch(`${servers.proxy.url}/api/v1/config`)).json();
  assert.deepEqual(config.auth, { mode: 'supabase', supabase_url: servers.supabase.url, anon_key: servers.supabase.anonKey });
  await page.getByRole('tab', { name: 'Settings' }).click();
  assert.equal(await page.getByRole('textbox', { name: /Supabase project URL/ }).inputValue(), servers.supabase.url);
  assert.equal(await page.getByRole('textbox', { name: /Supabase anon key/ }).inputValue(), servers.supabase.anonKey);
}

async function signInWithPassword(page, { email, password }) {
  await page.getByRole('tab', { name: 'Chat' }).click();
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.waitFor({ timeout: 15_000 });
  await form.getByRole('textbox', { name: /Email/ }).fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const messageBox = (page) => page.getByRole('textbox', { name: /Message/ });

/** Sends `question` and waits for the whole answer, having seen it stream. */
async function askStreamed(page, question) {
  await messageBox(page).fill(question);
  const answered = page.waitForResponse((response) => /\/api\/v1\/conversations\/[^/]+\/messages$/.test(response.url()));
  await page.getByRole('button', { name: 'Send' }).click();
  const response = await answered;
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /text\/event-stream/);
  await page.locator('[data-testid="assistant-message"][data-state="streaming"]').last().waitFor({ timeout: 15_000 });
  const done = page.locator('[data-testid="assistant-message"][data-state="done"]').last();
  await done.waitFor({ timeout: 30_000 });
  return done;
}

const pieces = (text) => text.match(/.{1,12}/gs);

test('password sign-in: chat streams through the proxy, a short-lived token is refreshed, sign-out ends the session', async () => {
  const user = await newUser();
  const { context, page, pageErrors, apiCalls } = await openPane();
  await expectAnnouncedProject(page);
  // Access tokens of 92 s: supabase-js renews a token once it is within 90 s
  // of its expiry, before handing it out, so 2.5 s after sign-in every call
  // the pane makes needs a refresh. (Tokens issued in the same second with
  // the same claims are the same bytes, at GoTrue too: the pause also makes
  // the refreshed token tell apart from the first.)
  await servers.supabase.setAccessTtl(92);
  await signInWithPassword(page, user);
  await messageBox(page).waitFor({ timeout: 15_000 });
  await new Promise((resolve) => setTimeout(resolve, 2_500));

  await servers.gemini.script({ pieces: pieces('The ledger has three regions; North leads with 1,200.50 in sales.'), delayMs: 120 });
  const answer = await askStreamed(page, 'Which region leads?');
  assert.equal((await answer.innerText()).trim(), 'Ledgerlight\n\nThe ledger has three regions; North leads with 1,200.50 in sales.');
  // Stored through PostgREST with the user's token: the conversation is listed back.
  await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Which region leads?', exact: true }).waitFor({ timeout: 10_000 });

  const grants = (await servers.supabase.grants()).filter((grant) => grant.email === user.email);
  assert.equal(grants[0].grant, 'password');
  const refreshed = grants.filter((grant) => grant.grant === 'refresh_token');
  assert.ok(refreshed.length >= 1, `the pane refreshed its token: ${grants.map((g) => g.grant).join(', ')}`);
  assert.ok(refreshed.every((grant) => grant.session_id === grants[0].session_id), 'refreshing keeps the session');
  const sent = apiCalls.find((call) => call.method === 'POST' && /\/messages$/.test(call.path));
  assert.ok(sent?.bearer, 'the question went with a token');
  assert.notEqual(sent.bearer, grants[0].access_token, 'not the token of the sign-in itself');
  assert.ok(refreshed.some((grant) => grant.access_token === sent.bearer), 'the proxy accepted a refreshed token');

  // Only the newest refresh token is kept, in the pane's localStorage, and no access token.
  const stored = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), SESSION_ITEM));
  assert.equal(stored.access_token, '');
  const latest = (await servers.supabase.grants()).filter((grant) => grant.email === user.email).at(-1);
  assert.equal(stored.refresh_token, latest.refresh_token);
  const everything = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  for (const grant of grants) assert.ok(!everything.includes(grant.access_token), 'no access token is stored');

  await page.getByRole('tab', { name: 'Settings' }).click();
  assert.equal(await page.getByTestId('signed-in-as').innerText(), `Signed in as ${user.email}`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('Not signed in.').waitFor({ timeout: 10_000 });
  await page.getByRole('tab', { name: 'Chat' }).click();
  await page.getByRole('form', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), SESSION_ITEM), null, 'nothing of the session is left in the pane');
  // The server ended the session: its refresh token no longer works.
  await assert.rejects(
    servers.supabase.auth('/token?grant_type=refresh_token', { method: 'POST', body: JSON.stringify({ refresh_token: stored.refresh_token }) }),
    /400 .*session_not_found/,
  );
  assert.deepEqual(pageErrors, []);
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'signed-out.png'), fullPage: true });
  await context.close();
});

test('a wrong password is refused with a clear message and nothing is stored', async () => {
  const user = await newUser();
  const { context, page, pageErrors, apiCalls } = await openPane();
  await expectAnnouncedProject(page);
  await signInWithPassword(page, { email: user.email, password: 'not-the-password' });
  const problem = page.getByTestId('signin-error');
  await problem.waitFor({ timeout: 15_000 });
  assert.equal((await problem.innerText()).trim(), 'Sign-in failed: Invalid login credentials');
  assert.ok((await servers.supabase.refused()).includes('invalid_credentials'));
  // Still on the form, the address kept for another try.
  assert.equal(await page.getByRole('form', { name: 'Sign in' }).getByRole('textbox', { name: /Email/ }).inputValue(), user.email);
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), SESSION_ITEM), null);
  assert.ok(!apiCalls.some((call) => call.bearer), 'no token reached the proxy');
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('an emailed code signs in; Resend sends a new code and the old one no longer works', async () => {
  const user = await newUser();
  const { context, page, pageErrors } = await openPane();
  await expectAnnouncedProject(page);
  await page.getByRole('tab', { name: 'Chat' }).click();
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.waitFor({ timeout: 15_000 });
  await form.getByRole('textbox', { name: /Email/ }).fill(user.email);
  await form.getByRole('button', { name: 'Email me a sign-in code' }).click();
  const inbox = page.getByTestId('check-inbox');
  await inbox.waitFor({ timeout: 15_000 });
  assert.match(await inbox.innerText(), new RegExp(`We sent a sign-in email to ${user.email.replace('.', '\\.')}`));
  const mailTo = async () => (await servers.supabase.mail()).filter((mail) => mail.to === user.email);
  assert.equal((await mailTo()).length, 1);

  await page.getByRole('button', { name: 'Resend the email' }).click();
  await page.getByText(`Sent again to ${user.email}.`).waitFor({ timeout: 15_000 });
  const [first, second] = await mailTo();
  assert.ok(second, 'a second email went out');
  assert.match(second.code, /^\d{6}$/);

  const codeBox = page.getByRole('textbox', { name: 'Code from the email' });
  if (first.code !== second.code) {
    await codeBox.fill(first.code);
    await page.getByRole('button', { name: 'Sign in with the code' }).click();
    const problem = page.getByTestId('signin-error');
    await problem.waitFor({ timeout: 15_000 });
    assert.equal((await problem.innerText()).trim(), 'The code was not accepted: Token has expired or is invalid');
  }
  await codeBox.fill(second.code);
  await page.getByRole('button', { name: 'Sign in with the code' }).click();
  await messageBox(page).waitFor({ timeout: 15_000 });
  const grants = (await servers.supabase.grants()).filter((grant) => grant.email === user.email);
  assert.deepEqual(grants.map((grant) => grant.grant), ['otp']);

  // The proxy takes the code-issued session's token.
  await servers.gemini.script({ pieces: ['Signed in ', 'with a code.'], delayMs: 50 });
  const answer = await askStreamed(page, 'Am I signed in?');
  assert.equal((await answer.innerText()).trim(), 'Ledgerlight\n\nSigned in with a code.');
  assert.ok(JSON.parse(await page.evaluate((key) => localStorage.getItem(key), SESSION_ITEM)).refresh_token);
  assert.deepEqual(pageErrors, []);
  await context.close();
});

/** The selection in Excel: a small ledger with personal data and the usual mess. */
const LEDGER = [
  ['Customer', 'Email', 'Region', 'Amount'],
  ['Alice Martin', 'alice.martin@example.com', 'North', ' 1,200.50 '],
  ['Bob Stone', 'bob.stone@example.org', 'south', '800'],
  ['Alice Martin', 'alice.martin@example.com', 'North ', '310'],
  ['Chloé Dubois', 'chloe.dubois@example.net', 'South', 'n/a'],
];

const sheet = (page) => page.evaluate(() => window.__excel.cells);
/** The top-left block of the sheet the ledger occupies. */
const ledgerBlock = (cells) => cells.slice(0, LEDGER.length).map((row) => row.slice(0, LEDGER[0].length));

test('in Excel: sign in, clean the selection and undo, mask, chat with a streamed answer, insert its table and undo; tokens never reach Office settings', async () => {
  const user = await newUser();
  const { context, page, pageErrors } = await openPane({ excelCells: LEDGER });
  await expectAnnouncedProject(page);
  await signInWithPassword(page, user);
  await messageBox(page).waitFor({ timeout: 15_000 });

  // Clean: profile the selection, run the suggested steps, write them, take them back.
  await page.getByRole('tab', { name: 'Clean' }).click();
  await page.getByRole('button', { name: 'Profile selection' }).click();
  await page.getByTestId('recipe-steps').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: /^Run \d+ steps?$/ }).click();
  await page.getByTestId('diff-table').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Apply to sheet' }).click();
  await page.getByTestId('applied-message').waitFor({ timeout: 30_000 });
  assert.notDeepEqual(ledgerBlock(await sheet(page)), LEDGER, 'the cleaned values were written');
  await page.getByRole('button', { name: 'Undo', exact: true }).click();
  await page.getByText(/^Undone: Sheet1!A1:D5 is as it was\.$/).waitFor({ timeout: 30_000 });
  assert.deepEqual(ledgerBlock(await sheet(page)), LEDGER, 'undo restored every cell');

  // Mask: preview the selection, confirm it for the chat.
  await page.getByRole('tab', { name: 'Preview & Mask' }).click();
  await page.getByRole('button', { name: 'Preview the selection' }).click();
  const shown = page.getByTestId('preview-payload');
  await shown.waitFor({ timeout: 30_000 });
  const payload = await shown.evaluate((element) => element.textContent);
  assert.ok(!payload.includes('@example.'), `the payload holds no email:\n${payload}`);
  await page.getByRole('button', { name: 'Use in chat' }).click();
  await page.getByTestId('preview-confirmed').waitFor();

  // Chat: a streamed answer with a table, sent with the masked selection.
  await page.getByRole('tab', { name: 'Chat' }).click();
  await servers.gemini.script({ pieces: ['Totals by region:\n\n', '| Region | Total |\n', '|---|---|\n', '| North | 1510.50 |\n', '| South | 800 |\n'], delayMs: 150 });
  const answer = await askStreamed(page, 'What are the totals by region?');
  assert.deepEqual((await answer.getByRole('cell').allInnerTexts()).map((text) => text.trim()), ['North', '1510.50', 'South', '800']);
  const upstream = (await servers.gemini.requests()).filter((request) => request.method === 'streamGenerateContent').at(-1);
  const system = (upstream.body.systemInstruction?.parts ?? []).map((part) => part.text).join('\n');
  assert.ok(system.includes(payload), 'Gemini got the confirmed, masked selection');
  assert.ok(!JSON.stringify(upstream.body).includes('@example.'), 'and no email');

  // Insert the answer's table at the selection, then undo it.
  await answer.getByRole('button', { name: 'Insert the table (Region, Total) into the sheet' }).click();
  const notice = page.getByTestId('insert-notice');
  await notice.getByText('Inserted 3 × 2 cells at Sheet1!A1:B3; they are highlighted.').waitFor({ timeout: 15_000 });
  const inserted = await sheet(page);
  assert.deepEqual(inserted.slice(0, 3).map((row) => row.slice(0, 2).map(String)), [['Region', 'Total'], ['North', '1510.5'], ['South', '800']]);
  await notice.getByRole('button', { name: 'Undo insert' }).click();
  await notice.getByText('The insert was undone and the cells restored.').waitFor({ timeout: 15_000 });
  assert.deepEqual(ledgerBlock(await sheet(page)), LEDGER, 'undo restored the ledger');

  // The session: the refresh token in the pane's localStorage, nothing in
  // Office's settings, which travel inside the workbook or with the account.
  const stored = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), SESSION_ITEM));
  const grants = (await servers.supabase.grants()).filter((grant) => grant.email === user.email);
  assert.equal(stored.refresh_token, grants.at(-1).refresh_token);
  const officeWrites = JSON.stringify(await page.evaluate(() => window.__officeSettings));
  for (const grant of grants) {
    assert.ok(!officeWrites.includes(grant.refresh_token) && !officeWrites.includes(grant.access_token), `no token in Office settings: ${officeWrites}`);
  }
  assert.deepEqual(pageErrors, []);
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'signed-in-excel.png'), fullPage: true });
  await context.close();
});
