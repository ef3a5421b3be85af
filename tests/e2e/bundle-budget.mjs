// What the task pane downloads before its first render, in gzip -9 bytes,
// computed from the build output alone (so the figure is deterministic):
//   * the module scripts and modulepreloads in dist/index.html, and their
//     static imports, transitively;
//   * any Web Worker a first-load chunk starts (`new Worker(new URL(…))`),
//     its static imports and the wasm it fetches — the engine worker starts
//     at start-up and the Settings panel asks it for its version at mount,
//     so the wasm engine counts as first load.
// Everything else under dist/assets (dynamic imports: sign-in, Supabase) is
// lazy and listed separately.
//
//   node tests/e2e/bundle-budget.mjs [dist dir]   prints the table
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The budget for JavaScript + wasm at first load: 1.5 MB (decimal) gzipped. */
export const FIRST_LOAD_BUDGET_BYTES = 1_500_000;

const STATIC_IMPORT = /\b(?:import|export)\s*([^"'`()]*?)\s*["'`]\.\/([\w.-]+\.js)["'`]/g;
const WORKER_URL = /new Worker\(\s*new URL\(\s*["'`]\/?assets\/([\w.-]+\.js)["'`]/g;
const WASM_URL = /new URL\(\s*["'`]\/?assets\/([\w.-]+\.wasm)["'`]/g;

export function gzipSize(bytes) {
  return gzipSync(bytes, { level: 9 }).length;
}

function entryFiles(html) {
  const files = [];
  for (const match of html.matchAll(/<script[^>]*type="module"[^>]*src="\/assets\/([^"]+)"/g)) files.push(match[1]);
  for (const match of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/assets\/([^"]+)"/g)) files.push(match[1]);
  return files;
}

/** Static imports of a chunk: `import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"`; never `import("./x.js")`. */
function staticImports(code) {
  const found = [];
  for (const match of code.matchAll(STATIC_IMPORT)) {
    const clause = match[1].trim();
    if (clause === '' || clause.endsWith('from')) found.push(match[2]);
  }
  return found;
}

/** The first-load and lazy files of a built pane, with raw and gzip -9 sizes. */
export function measureFirstLoad(distDir) {
  const assetsDir = path.join(distDir, 'assets');
  const read = (name) => readFileSync(path.join(assetsDir, name));
  const firstLoad = new Map(); // name → why
  // [file, why it loads, whether it runs in a worker]
  const queue = entryFiles(readFileSync(path.join(distDir, 'index.html'), 'utf8')).map((name) => [name, 'index.html', false]);
  if (queue.length === 0) throw new Error(`${distDir}/index.html loads no module script`);
  while (queue.length > 0) {
    const [name, why, inWorker] = queue.shift();
    if (firstLoad.has(name)) continue;
    firstLoad.set(name, why);
    if (!name.endsWith('.js')) continue;
    const code = read(name).toString('utf8');
    for (const imported of staticImports(code)) queue.push([imported, `imported by ${name}`, inWorker]);
    for (const match of code.matchAll(WORKER_URL)) queue.push([match[1], `worker started by ${name}`, true]);
    // Only a worker's wasm counts: the engine worker initialises it on its
    // first request, which the Settings panel makes at mount. A wasm URL in a
    // page chunk would be fetched on demand.
    if (inWorker) {
      for (const match of code.matchAll(WASM_URL)) queue.push([match[1], `fetched by worker ${name}`, true]);
    }
  }
  const describe = (name) => {
    const bytes = read(name);
    return { name, bytes: bytes.length, gzip: gzipSize(bytes) };
  };
  const first = [...firstLoad.keys()].sort().map((name) => ({ ...describe(name), why: firstLoad.get(name) }));
  const lazy = readdirSync(assetsDir)
    .filter((name) => /\.(js|wasm)$/.test(name) && !firstLoad.has(name))
    .sort()
    .map(describe);
  const total = first.reduce((sum, file) => sum + file.gzip, 0);
  return { first, lazy, total };
}

function kb(bytes) {
  return `${(bytes / 1000).toFixed(1)} kB`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = process.argv[2] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../addin/dist');
  const { first, lazy, total } = measureFirstLoad(dist);
  console.log('| file | loaded | raw | gzip -9 |\n| --- | --- | ---: | ---: |');
  for (const file of first) console.log(`| ${file.name} | first load (${file.why}) | ${kb(file.bytes)} | ${kb(file.gzip)} |`);
  for (const file of lazy) console.log(`| ${file.name} | lazy | ${kb(file.bytes)} | ${kb(file.gzip)} |`);
  console.log(`| **first load total** | | | **${kb(total)}** of ${kb(FIRST_LOAD_BUDGET_BYTES)} |`);
}
