// Times cleaning through the wasm API in Node, as the task pane's Web
// Worker drives it (`Cleaner`, `CleanJob`: see engine/wasm/src/clean.rs),
// then, when XLCLEAN names the binary, the native `xlclean` doing the same
// jobs on the same CSV, in the same run. bench/wasm_chromium.mjs runs the
// same jobs (bench/clean/jobs.mjs) in a Web Worker in headless Chromium;
// bench/run.sh runs both next to native xlclean and pandas.
//
//   python3 bench/gen_data.py 100000 /tmp/bench/finance-100000.csv   # 1M cells
//   cargo build -p engine-wasm --target wasm32-unknown-unknown --profile wasm-release
//   wasm-bindgen --target web --out-dir /tmp/bench/pkg --out-name engine_wasm \
//     $CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/engine_wasm.wasm
//   cargo build --release -p engine --bin xlclean
//   XLCLEAN=$CARGO_TARGET_DIR/release/xlclean \
//     node bench/wasm_clean.mjs /tmp/bench/finance-100000.csv [RUNS] [PKG_DIR] [--tsv FILE]
//
// PKG_DIR: wasm-bindgen output (default addin/src/engine/pkg, which
// scripts/build-wasm.sh writes). RUNS: default 3; each line shows the
// fastest run. Every job first runs once on the first 5,000 rows, so that
// V8 has tiered the hot functions up before anything is timed. Only Node's
// standard library.
//
// The jobs, wasm | native:
//   read + profile:        Cleaner.fromFile + profile()   | xlclean profile
//   read + auto clean:     fromFile + suggest() + start() + step() per
//                          recipe step + finish() (the summary and where
//                          the changed cells are, as typed arrays) + the
//                          diff's first page of 50 + toCsv(): what the pane
//                          does for a dropped file (only a write-back to an
//                          Excel selection asks for the table's values, with
//                          Cleaner.values())          | xlclean clean --auto --report
//   read + duplicates:     fromFile + a one-step duplicates recipe, start()
//                          + finish() (summary and diff index; no values)
//                                                         | xlclean duplicates
// Also the selection path: a range as Office.js gives it (`new Cleaner`).
//
// --tsv FILE: only the three jobs, appending "wasm node JOB<TAB>wall<TAB>
// CPU<TAB>wasm memory KB" per run to FILE (for bench/run.sh); CPU is this
// process's user + system time (V8's compiler and GC threads included),
// wasm memory the module's linear memory after the job (it never shrinks:
// the largest heap any job so far needed).
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JOBS, autoClean, runJob, warmUp } from './clean/jobs.mjs';
import { csvAsOfficeValues, loadEngineWithMemory, timed } from './wasm_support.mjs';

const args = process.argv.slice(2);
const tsvAt = args.indexOf('--tsv');
const tsv = tsvAt >= 0 ? args.splice(tsvAt, 2)[1] : null;
const [dataPath, runsArg, pkgArg] = args;
if (!dataPath) {
  console.error('usage: node bench/wasm_clean.mjs DATA.csv [RUNS] [PKG_DIR] [--tsv FILE]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const { pkg, memory } = await loadEngineWithMemory(pkgArg);

const bytes = readFileSync(dataPath);
const name = basename(dataPath);

const best = new Map();
function record(job, { wall, cpu }, note = '') {
  const seen = best.get(job);
  best.set(job, {
    wall: Math.min(wall, seen?.wall ?? Infinity),
    cpu: Math.min(cpu, seen?.cpu ?? Infinity),
    note: note || seen?.note || '',
  });
}

function printBest() {
  console.log(`${'job'.padEnd(40)} ${'wall s'.padStart(8)} ${'CPU s'.padStart(8)}`);
  for (const [job, { wall, cpu, note }] of best) {
    console.log(`${job.padEnd(40)} ${wall.toFixed(2).padStart(8)} ${cpu.toFixed(2).padStart(8)}  ${note}`);
  }
}

warmUp(pkg, bytes, name);
for (let run = 1; run <= runs; run++) {
  if (!tsv) record('wasm read (fromFile)', timed(() => pkg.Cleaner.fromFile(bytes, name, null).free()));
  for (const job of JOBS) {
    const took = timed(() => runJob(pkg, job, bytes, name));
    record(`wasm ${job}`, took, took.result);
    if (tsv) appendFileSync(tsv, `wasm node ${job}\t${took.wall}\t${took.cpu}\t${memory.buffer.byteLength / 1024}\n`);
  }
}
if (tsv) {
  console.log(`${dataPath}: ${bytes.length} bytes; Node ${process.version}; best of ${runs} runs; wasm memory ${(memory.buffer.byteLength / 2 ** 20).toFixed(0)} MB, process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  printBest();
  process.exit(0);
}

// Where the auto clean's time goes: the longest step, how long the result
// takes to cross into JavaScript (the summary and the diff index), and what
// only a write-back to a selection pays besides: the table's values and
// formats (values()) — and, for comparison, the whole diff's.
for (let run = 1; run <= runs; run++) {
  const cleaner = pkg.Cleaner.fromFile(bytes, name, null);
  record('  phase: suggest()', timed(() => cleaner.suggest()));
  const job = cleaner.start(cleaner.suggest());
  let slowest = { wall: 0, cpu: 0 };
  let slowestName = '';
  for (let done = false; !done; ) {
    const step = timed(() => job.step());
    done = step.result.done;
    if (step.wall > slowest.wall) { slowest = step; slowestName = step.result.step; }
  }
  record('  phase: slowest step()', slowest, slowestName);
  const finished = timed(() => job.finish());
  record('  phase: finish() (result to JS)', finished);
  record('  phase: values() (write-back only)', timed(() => cleaner.values()));
  // Not what the pane does (it shows a page of 50 at a time): the cost of
  // every change's values crossing, for comparison with the report.
  record('  phase: diffPage() all, 10k a page', timed(() => {
    for (let start = 0; start < finished.result.diff.length; start += 10_000) cleaner.diffPage(start, 10_000);
  }));
  record('  phase: toCsv()', timed(() => cleaner.toCsv()));
  job.free();
  cleaner.free();
}

// The selection path: what Excel hands over (plain numbers as numbers).
const text = bytes.toString('utf8');
const values = csvAsOfficeValues(text);
for (let run = 1; run <= runs; run++) {
  const range = timed(() => {
    const cleaner = new pkg.Cleaner({ values, hasHeader: true }, null);
    const out = autoClean(cleaner);
    cleaner.free();
    return out;
  });
  record('wasm range + auto clean', range, `${range.result.changes} changed cells`);
}

const xlclean = process.env.XLCLEAN;
const scratch = mkdtempSync(join(tmpdir(), 'wasm-clean-'));
function native(job, args) {
  const started = performance.now();
  const done = spawnSync('/usr/bin/time', ['-f', '%U %S', xlclean, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const wall = (performance.now() - started) / 1000;
  if (done.status !== 0) throw new Error(`xlclean ${args[0]} failed: ${done.stderr}`);
  const [user, system] = done.stderr.trim().split('\n').pop().split(' ').map(Number);
  record(job, { wall, cpu: user + system });
}
for (let run = 1; xlclean && run <= runs; run++) {
  native('native xlclean profile', ['profile', dataPath]);
  native('native xlclean clean --auto --report', [
    'clean', dataPath, '--auto', '--out', join(scratch, 'clean.csv'), '--report', join(scratch, 'report.json'),
  ]);
  native('native xlclean duplicates', ['duplicates', dataPath]);
}
rmSync(scratch, { recursive: true, force: true });

console.log(`${dataPath}: ${values.length - 1} data rows, ${bytes.length} bytes; best of ${runs} runs`);
printBest();
