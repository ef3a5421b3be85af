// Times the wasm cleaning jobs in headless Chromium, inside a Web Worker as
// the task pane runs them: the same calls as bench/wasm_clean.mjs (both use
// bench/clean/jobs.mjs) on the same CSV.
//
//   node bench/wasm_chromium.mjs DATA.csv [RUNS] [PKG_DIR] [--tsv FILE]
//
// PKG_DIR: wasm-bindgen `--target web` output (default addin/src/engine/pkg,
// which scripts/build-wasm.sh writes). The package, the jobs module, a page
// and its worker are served from 127.0.0.1 on a free port (Node's http);
// Debian's /usr/bin/chromium is driven by playwright-core from tests/e2e
// (`npm ci` there). RUNS (default 3): each job runs RUNS times after one
// warm-up pass on the first 5,000 rows; the table shows the fastest.
//
// What is measured, per job:
// - wall: performance.now() in the worker around the job (the file's bytes
//   are already in the worker, as after the pane's file drop);
// - CPU: user + system time of all of Chromium's processes (descendants of
//   this Node process, /proc/PID/stat, 10 ms ticks) over the job, read by
//   Node before and after it: the worker's thread, V8's compiler and GC
//   threads, and whatever the idle browser does meanwhile;
// - wasm memory: the module's linear memory after the job (it only grows,
//   so this is the largest heap any job so far needed).
// --tsv FILE appends "wasm chromium JOB<TAB>wall<TAB>cpu<TAB>memory KB"
// per run for bench/run.sh.
import { createServer } from 'node:http';
import { appendFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
const tsvAt = args.indexOf('--tsv');
const tsv = tsvAt >= 0 ? args.splice(tsvAt, 2)[1] : null;
const [dataPath, runsArg, pkgArg] = args;
if (!dataPath) {
  console.error('usage: node bench/wasm_chromium.mjs DATA.csv [RUNS] [PKG_DIR] [--tsv FILE]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const root = new URL('..', import.meta.url).pathname;
const pkgDir = resolve(pkgArg ?? `${root}addin/src/engine/pkg`);
const chromiumPath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.error(`${chromiumPath} not found: apt-get install -y chromium`);
  process.exit(2);
}
const require = createRequire(`${root}tests/e2e/package.json`);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  console.error('playwright-core not found: run `npm ci` in tests/e2e');
  process.exit(2);
}

const fileName = basename(dataPath);
const page = `<!doctype html><meta charset="utf-8"><title>wasm clean bench</title>
<script type="module">
const worker = new Worker('/worker.mjs', { type: 'module' });
let pending = null;
worker.onmessage = ({ data }) => { const p = pending; pending = null; data.error ? p.reject(new Error(data.error)) : p.resolve(data); };
worker.onerror = (event) => { pending?.reject(new Error(event.message)); pending = null; };
window.ask = (message) => new Promise((resolve, reject) => { pending = { resolve, reject }; worker.postMessage(message); });
</script>`;
const worker = `import init, * as pkg from '/pkg/engine_wasm.js';
import { runJob, warmUp } from '/jobs.mjs';
let wasm, bytes;
onmessage = async ({ data }) => {
  try {
    if (data.type === 'init') {
      wasm = await init({ module_or_path: '/pkg/engine_wasm_bg.wasm' });
      bytes = new Uint8Array(await (await fetch('/data.csv')).arrayBuffer());
      warmUp(pkg, bytes, ${JSON.stringify(fileName)});
      postMessage({ bytes: bytes.length, userAgent: navigator.userAgent });
    } else {
      const started = performance.now();
      const note = runJob(pkg, data.job, bytes, ${JSON.stringify(fileName)});
      postMessage({ wall: (performance.now() - started) / 1000, note, memory: wasm.memory.buffer.byteLength });
    }
  } catch (error) {
    postMessage({ error: String(error && error.stack || error) });
  }
};`;

const routes = {
  '/': ['text/html', () => page],
  '/worker.mjs': ['text/javascript', () => worker],
  '/jobs.mjs': ['text/javascript', () => readFileSync(new URL('./clean/jobs.mjs', import.meta.url))],
  '/pkg/engine_wasm.js': ['text/javascript', () => readFileSync(`${pkgDir}/engine_wasm.js`)],
  '/pkg/engine_wasm_bg.wasm': ['application/wasm', () => readFileSync(`${pkgDir}/engine_wasm_bg.wasm`)],
  '/data.csv': ['text/csv', () => readFileSync(dataPath)],
};
const server = createServer((request, response) => {
  const route = routes[new URL(request.url, 'http://127.0.0.1').pathname];
  if (!route) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': route[0], 'cache-control': 'no-store' }).end(route[1]());
});
await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
const origin = `http://127.0.0.1:${server.address().port}`;

/** CPU seconds (user + system) of every live descendant of this process. */
function descendantsCpu() {
  const parents = new Map();
  const ticks = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parents.set(Number(entry), Number(fields[1]));
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
  }
  let total = 0;
  for (const [pid, tick] of ticks) {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) {
        total += tick;
        break;
      }
    }
  }
  return total / 100; // USER_HZ is 100 on Linux
}

const best = new Map();
let browser;
try {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const tab = await browser.newPage();
  tab.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await tab.goto(`${origin}/`);
  const ready = await tab.evaluate(() => window.ask({ type: 'init' }));
  console.log(`${dataPath}: ${ready.bytes} bytes; ${browser.version()} (${chromiumPath}); best of ${runs} runs`);
  const { JOBS } = await import('./clean/jobs.mjs');
  for (let run = 1; run <= runs; run++) {
    for (const job of JOBS) {
      const cpuBefore = descendantsCpu();
      const result = await tab.evaluate((job) => window.ask({ type: 'job', job }), job);
      const cpu = descendantsCpu() - cpuBefore;
      const seen = best.get(job);
      best.set(job, {
        wall: Math.min(result.wall, seen?.wall ?? Infinity),
        cpu: Math.min(cpu, seen?.cpu ?? Infinity),
        memory: Math.max(result.memory, seen?.memory ?? 0),
        note: result.note,
      });
      if (tsv) appendFileSync(tsv, `wasm chromium ${job}\t${result.wall}\t${cpu}\t${result.memory / 1024}\n`);
    }
  }
} finally {
  // Whatever failed, nothing may keep this process alive.
  await browser?.close();
  server.close();
}
console.log(`${'job'.padEnd(24)} ${'wall s'.padStart(8)} ${'CPU s'.padStart(8)} ${'wasm MB'.padStart(8)}`);
for (const [job, { wall, cpu, memory, note }] of best) {
  const mb = (memory / 2 ** 20).toFixed(0);
  console.log(`${job.padEnd(24)} ${wall.toFixed(2).padStart(8)} ${cpu.toFixed(2).padStart(8)} ${mb.padStart(8)}  ${note}`);
}
