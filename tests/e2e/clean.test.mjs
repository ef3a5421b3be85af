// The Clean tab end to end: the real proxy serves the built pane, the wasm
// engine cleans in its Web Worker, and Chromium drives it like a user.
// 1. Browser mode: a messy CSV is dropped, the suggested steps show, the
//    duplicate threshold is moved, the recipe runs, the diff lists the
//    changes and the cleaned CSV downloads with the expected content.
// 2. Excel mode against an in-page Excel stand-in (served in place of
//    office.js): 100k rows × 10 columns are read, cleaned, diffed and
//    written back, timed, while the main thread is watched for stalls.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { OUTPUT, usePaneServers } from './support.mjs';

const servers = usePaneServers();

const OFFICE_JS = 'https://appsforoffice.microsoft.com/**';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page as it is now. As in
 * pane.a11y.test.mjs, Fluent's focus-trap dummies (aria-hidden, focusable by
 * design, microsoft/fluentui#27517) are the only nodes exempt.
 */
async function seriousViolations(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ html: n.html, target: n.target.join(' ') })) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !(v.id === 'aria-hidden-focus' && /^<i [^>]*data-tabster-dummy=/.test(n.html))) }))
    .filter((v) => v.nodes.length > 0)
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target).join(', ')}`);
}

/** A small ledger with the usual problems: stray spaces, text numbers, placeholders, case variants, a duplicate. */
function messyCsv() {
  return [
    'Invoice,Date,Customer,Amount,Status',
    'INV-001,2024-01-05,Acme Corp," 1,200.50 ",Paid',
    'INV-002,2024-01-06,acme corp,300,paid',
    'INV-003,n/a,Beta LLC,n/a,Open',
    'INV-004,2024-01-08,Beta LLC,99.90,Open ',
    'INV-005,2024-01-09,Gamma Ltd,45,Paid',
    'INV-006,2024-01-10,Acme Corp,"2,000",Paid',
    'INV-007,2024-01-11,Gamma Ltd,12.5,Open',
    'INV-008,2024-01-12,Beta LLC,7,Paid',
    'INV-008,2024-01-12,Beta LLC,7,Paid',
    'INV-010,2024-01-14,Acme Corp,,Open',
  ].join('\n');
}

async function openPane(page) {
  const pageErrors = [];
  // axe is injected as an inline script, which the proxy's CSP (rightly) forbids.
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.route(OFFICE_JS, (route) => route.abort());
  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  return pageErrors;
}

test('a dropped messy CSV is cleaned: suggested steps, tuned threshold, diff, download', async () => {
  const page = await servers.browser.newPage({ acceptDownloads: true, bypassCSP: true, viewport: { width: 360, height: 640 } });
  const pageErrors = await openPane(page);

  await page.setInputFiles('#panel-clean [data-testid="file-input"]', {
    name: 'ledger.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(messyCsv()),
  });

  await page.getByTestId('recipe-steps').waitFor({ timeout: 30_000 });
  assert.equal((await page.getByTestId('profile-summary').innerText()).trim(), 'ledger · 10 rows × 5 columns');
  assert.equal(await page.getByTestId('column-chart').count(), 5);
  const titles = (await page.locator('[data-testid="recipe-step"] > .fui-Checkbox label').allInnerTexts()).map((t) => t.trim());
  assert.ok(titles.some((t) => /^Standardize Amount as (decimal|currency)$/.test(t)), `Amount is standardized: ${titles.join(' | ')}`);
  assert.ok(titles.includes('Find duplicate rows (all columns)'), `duplicates are looked for: ${titles.join(' | ')}`);
  assert.ok(titles.includes('Fill missing values in Amount'), 'a missing-value step is offered');

  // Moving the duplicate threshold changes what the engine is asked to run.
  const threshold = page.getByRole('slider', { name: 'Similarity threshold for Find duplicate rows (all columns)' });
  assert.equal(await threshold.inputValue(), '0.8');
  await threshold.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await threshold.inputValue(), '0.9');
  await page.getByText('Similarity threshold: 0.90').waitFor();

  await page.getByRole('button', { name: /^Run \d+ steps$/ }).click();
  await page.getByTestId('diff-table').waitFor({ timeout: 30_000 });
  // The page of changes comes from the worker after the table shows.
  await page.getByTestId('diff-row').first().waitFor({ timeout: 30_000 });

  const summary = await page.getByTestId('clean-summary').innerText();
  assert.match(summary, /^\d+ cells changed/);
  assert.match(summary, /findings to review/, 'the exact duplicate row is flagged');
  const rows = await page.getByTestId('diff-row').evaluateAll((trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent.trim())),
  );
  // [row on the sheet, column, before, after, step, reason]
  const amount = rows.find((r) => r[1] === 'Amount' && r[0] === '2');
  assert.ok(amount, `the first Amount changed: ${JSON.stringify(rows)}`);
  assert.equal(amount[2], '" 1,200.50 "');
  assert.equal(amount[3], '1200.5');
  assert.ok(rows.some((r) => r[1] === 'Date' && r[2] === 'n/a' && r[3] === '—'), 'the n/a date became a blank');
  // The whole tab (charts, steps with their controls, progress, diff) has no serious axe violation.
  assert.deepEqual(await seriousViolations(page), []);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download cleaned CSV' }).click()]);
  assert.equal(download.suggestedFilename(), 'ledger-cleaned.csv');
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines[0], 'Invoice,Date,Customer,Amount,Status');
  assert.equal(lines.length, 11, 'flagged duplicates are kept, not removed');
  assert.match(lines[1], /^INV-001,2024-01-05,Acme Corp,1200\.5,Paid$/);
  assert.match(lines[3], /^INV-003,,Beta LLC,,Open$/);
  assert.doesNotMatch(csv, /n\/a/);
  assert.doesNotMatch(csv, /Open /, 'trailing spaces are trimmed');

  assert.deepEqual(pageErrors, []);
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, 'clean.png'), fullPage: true });
});

/**
 * office.js stand-in: an Excel with one sheet whose selection is a
 * generated `rows` × 10 table, implementing the calls office/excel.ts and
 * office/write.ts make. `sync` yields a macrotask, as a host round trip does.
 */
function fakeOfficeJs(rows) {
  return `
(() => {
  const COLUMNS = 10;
  const ROWS = ${rows} + 1;
  const header = ['Id', 'Date', 'Customer', 'Region', 'Amount', 'Tax', 'Status', 'Email', 'Code', 'Note'];
  const customers = ['Acme Corp', 'acme corp', 'Beta LLC', 'Gamma Ltd', ' Delta GmbH '];
  const cells = [header];
  for (let r = 1; r < ROWS; r++) {
    cells.push([
      'ID-' + String(r).padStart(6, '0'),
      r % 97 === 0 ? 'n/a' : '2024-' + String(1 + (r % 12)).padStart(2, '0') + '-' + String(1 + (r % 28)).padStart(2, '0'),
      customers[r % customers.length],
      ['North', 'South', 'east', 'West '][r % 4],
      r % 50 === 0 ? '' : (r % 3 === 0 ? ' ' + (r * 1.5).toFixed(2) + ' ' : r * 1.5),
      (r % 7) * 0.1,
      r % 2 ? 'Paid' : 'open',
      'user' + (r % 1000) + '@example.com',
      String(r % 500),
      r % 10 === 0 ? 'late' : '',
    ]);
  }
  const formats = cells.map((row) => row.map(() => 'General'));
  const fills = { set: 0 };
  window.__excel = { cells, formats, fills, syncs: 0 };
  const letters = (i) => { let n = i + 1, s = ''; while (n > 0) { const m = (n - 1) % 26; s = String.fromCharCode(65 + m) + s; n = Math.floor((n - 1) / 26); } return s; };
  const a1 = (r, c, rs, cs) => letters(c) + (r + 1) + ':' + letters(c + cs - 1) + (r + rs);
  const parse = (ref) => { const m = /^([A-Z]+)(\\d+)$/.exec(ref.replace(/\\$/g, '')); let c = 0; for (const ch of m[1]) c = c * 26 + ch.charCodeAt(0) - 64; return [Number(m[2]) - 1, c - 1]; };
  class Range {
    constructor(sheet, row, column, rowCount, columnCount) { Object.assign(this, { worksheet: sheet, rowIndex: row, columnIndex: column, rowCount, columnCount }); }
    get address() { return sheet.name + '!' + a1(this.rowIndex, this.columnIndex, this.rowCount, this.columnCount); }
    load() { return this; }
    grid(source) { const out = []; for (let r = 0; r < this.rowCount; r++) out.push(source[this.rowIndex + r].slice(this.columnIndex, this.columnIndex + this.columnCount)); return out; }
    put(target, grid) { grid.forEach((row, r) => row.forEach((v, c) => { if (v !== null) target[this.rowIndex + r][this.columnIndex + c] = v; })); }
    get values() { return this.grid(cells); }
    set values(v) { this.put(cells, v); }
    get formulas() { return this.grid(cells); }
    set formulas(v) { this.put(cells, v); }
    get numberFormat() { return this.grid(formats); }
    set numberFormat(v) { this.put(formats, v); }
    getCellProperties() { return { value: this.grid(cells).map((row) => row.map(() => ({ format: { fill: { color: '#FFFFFF', pattern: 'None' } } }))) }; }
    setCellProperties(grid) { grid.forEach((row) => row.forEach((p) => { if (p && p.format && p.format.fill && p.format.fill.color) fills.set++; })); }
    getCell(r, c) { return new Range(sheet, this.rowIndex + r, this.columnIndex + c, 1, 1); }
    getResizedRange(dr, dc) { return new Range(sheet, this.rowIndex, this.columnIndex, this.rowCount + dr, this.columnCount + dc); }
  }
  const sheet = {
    name: 'Sheet1',
    load() { return this; },
    getRangeByIndexes: (r, c, rs, cs) => new Range(sheet, r, c, rs, cs),
    getRange(ref) { const [from, to = from] = ref.split(':'); const [r1, c1] = parse(from); const [r2, c2] = parse(to); return new Range(sheet, r1, c1, r2 - r1 + 1, c2 - c1 + 1); },
  };
  const selection = new Range(sheet, 0, 0, ROWS, COLUMNS);
  const context = {
    workbook: { getSelectedRange: () => selection, worksheets: { getItem: () => sheet, getActiveWorksheet: () => sheet } },
    sync: () => { window.__excel.syncs++; return new Promise((resolve) => setTimeout(resolve, 0)); },
  };
  window.Excel = { run: (callback) => callback(context) };
  window.Office = {
    HostType: { Excel: 'Excel' },
    onReady: () => Promise.resolve({ host: 'Excel' }),
    context: { document: { url: 'bench.xlsx' } },
  };
})();`;
}

test('100k rows × 10 columns: read, clean, diff and write back in Excel, with the pane responsive', async () => {
  const rows = 100_000;
  const page = await servers.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.route(OFFICE_JS, (route) => route.fulfill({ contentType: 'text/javascript', body: fakeOfficeJs(rows) }));
  // Main-thread stalls over 50 ms, and how often the progress bar moved.
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
    window.__progress = [];
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.attributeName === 'aria-valuenow') window.__progress.push(record.target.getAttribute('aria-valuenow'));
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });
  await page.goto(servers.proxy.url, { waitUntil: 'load' });
  const profile = page.getByRole('button', { name: 'Profile selection' });
  await profile.waitFor({ timeout: 30_000 });
  // Ticks of a 16 ms timer, to show the page kept running during the work.
  await page.evaluate(() => {
    window.__ticks = 0;
    window.__timer = setInterval(() => { window.__ticks++; }, 16);
    window.__longTasks.length = 0;
  });

  const t0 = Date.now();
  await profile.click();
  await page.getByTestId('recipe-steps').waitFor({ timeout: 60_000 });
  const t1 = Date.now();
  await page.getByRole('button', { name: /^Run \d+ steps$/ }).click();
  await page.getByTestId('diff-table').waitFor({ timeout: 60_000 });
  const t2 = Date.now();
  await page.getByRole('button', { name: 'Apply to sheet' }).click();
  await page.getByTestId('applied-message').waitFor({ timeout: 60_000 });
  const t3 = Date.now();

  const seen = await page.evaluate(() => {
    clearInterval(window.__timer);
    const { cells, fills, syncs } = window.__excel;
    return {
      ticks: window.__ticks,
      longTasks: window.__longTasks,
      progress: window.__progress,
      summary: document.querySelector('[data-testid="profile-summary"]').textContent,
      cleanSummary: document.querySelector('[data-testid="clean-summary"]').textContent,
      applied: document.querySelector('[data-testid="applied-message"]').textContent,
      row3: cells[3],
      row4: cells[4],
      fills: fills.set,
      syncs,
    };
  });
  const total = t3 - t0;
  const longest = Math.max(0, ...seen.longTasks);
  const figures = `read+profile ${t1 - t0} ms, clean+diff ${t2 - t1} ms, write ${t3 - t2} ms, total ${total} ms; ` +
    `longest main-thread task ${Math.round(longest)} ms, ${seen.longTasks.length} tasks over 50 ms, ${seen.ticks} timer ticks, ` +
    `${seen.progress.length} progress updates, ${seen.syncs} syncs`;
  console.log(`# clean 100k×10: ${figures}`);

  assert.equal(seen.summary.trim(), `Sheet1!A1:J${rows + 1} · ${rows} rows × 10 columns`);
  assert.match(seen.cleanSummary, /cells changed/);
  assert.match(seen.applied, /^Written to Sheet1!A1:J100001; [\d,]+ changed cells highlighted\.$/);
  // Written back cleaned: a padded text amount became a number, a padded customer was trimmed.
  assert.equal(seen.row3[4], 4.5);
  assert.equal(seen.row4[2], 'Delta GmbH');
  assert.ok(seen.fills > 0, 'changed cells were highlighted');
  assert.ok(seen.progress.length >= 3, `the progress bar moved step by step (${seen.progress.length} updates)`);
  // Generous bound for a shared 2-core machine; the target is 5 s (docs/BENCHMARKS.md).
  assert.ok(total < 60_000, `end to end in ${total} ms`);

  // Undo puts the sheet back exactly.
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByTestId('info-message').waitFor({ timeout: 60_000 });
  const restored = await page.evaluate(() => [window.__excel.cells[3][4], window.__excel.cells[4][2]]);
  assert.deepEqual(restored, [' 4.50 ', ' Delta GmbH ']);
  assert.deepEqual(pageErrors, []);
});
