// The Clean tab's engine work alone, in Node, on the same generated 100k × 10
// selection as tests/e2e/clean.test.mjs: opening (profile + suggest), the
// recipe step by step, finishing (values + where the changes are), the
// diff's first page, and the CSV. Separates the
// engine's share of the end-to-end figure from the pane's plumbing.
//   node bench/clean/engine.mjs [rows] [--no-formats]   (needs addin/src/engine/pkg: scripts/build-wasm.sh)
// --no-formats opens the selection without its number formats (all "General"
// here, so the table is the same), which shows what reading the formats costs.
// bench/wasm_clean.mjs times the same API on CSV files against native xlclean.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Cleaner, initSync } from '../../addin/src/engine/pkg/engine_wasm.js';

const args = process.argv.slice(2);
const rows = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 100_000);
const withFormats = !args.includes('--no-formats');
initSync({ module: readFileSync(new URL('../../addin/src/engine/pkg/engine_wasm_bg.wasm', import.meta.url)) });

const header = ['Id', 'Date', 'Customer', 'Region', 'Amount', 'Tax', 'Status', 'Email', 'Code', 'Note'];
const customers = ['Acme Corp', 'acme corp', 'Beta LLC', 'Gamma Ltd', ' Delta GmbH '];
const values = [header];
for (let r = 1; r <= rows; r++) {
  values.push([
    'ID-' + String(r).padStart(6, '0'),
    r % 97 === 0 ? 'n/a' : `2024-${String(1 + (r % 12)).padStart(2, '0')}-${String(1 + (r % 28)).padStart(2, '0')}`,
    customers[r % customers.length],
    ['North', 'South', 'east', 'West '][r % 4],
    r % 50 === 0 ? '' : r % 3 === 0 ? ` ${(r * 1.5).toFixed(2)} ` : r * 1.5,
    (r % 7) * 0.1,
    r % 2 ? 'Paid' : 'open',
    `user${r % 1000}@example.com`,
    String(r % 500),
    r % 10 === 0 ? 'late' : '',
  ]);
}
const numberFormat = values.map((row) => row.map(() => 'General'));

const time = (label, fn) => {
  const start = performance.now();
  const result = fn();
  console.log(`${label.padEnd(28)} ${(performance.now() - start).toFixed(0).padStart(6)} ms`);
  return result;
};
const total = performance.now();
const cleaner = time('open (parse range)', () => new Cleaner(withFormats ? { values, numberFormat, hasHeader: null } : { values, hasHeader: null }, null));
time('profile', () => cleaner.profile());
const recipe = time('suggest', () => cleaner.suggest());
const job = cleaner.start(recipe);
time(`run ${recipe.steps.length} steps`, () => {
  let progress = job.progress;
  while (!progress.done) progress = job.step();
});
const result = time('finish (values + diff index)', () => job.finish());
time('diff: first page of 50', () => cleaner.diffPage(0, 50));
time('toCsv', () => cleaner.toCsv());
console.log(`${'total'.padEnd(28)} ${(performance.now() - total).toFixed(0).padStart(6)} ms · ${rows} rows × 10 columns, ${result.diff.length} changed cells`);
