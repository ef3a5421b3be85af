// Times the PII scan through the wasm API in Node, as the task pane calls
// it: an Office.js-shaped range (strings and numbers) handed to
// `Masker.scan`, findings back as JavaScript objects; then, when XLCLEAN
// names the binary, the native `xlclean scan` on the same CSV.
//
//   python3 bench/gen_data.py 100000 /tmp/bench/finance-100000.csv   # 1M cells
//   scripts/build-wasm.sh && cargo build --release -p engine --bin xlclean
//   XLCLEAN=$CARGO_TARGET_DIR/release/xlclean \
//     node bench/wasm_scan.mjs /tmp/bench/finance-100000.csv [RUNS] [PKG_DIR]
//
// PKG_DIR: the wasm-bindgen output of scripts/build-wasm.sh (default
// addin/src/engine/pkg). RUNS: default 3. Only Node's standard library.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { csvAsOfficeValues, loadEngine, timed } from './wasm_support.mjs';

const [dataPath, runsArg, pkgArg] = process.argv.slice(2);
if (!dataPath) {
  console.error('usage: node bench/wasm_scan.mjs DATA.csv [RUNS] [PKG_DIR]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const pkg = await loadEngine(pkgArg);


const values = csvAsOfficeValues(readFileSync(dataPath, 'utf8'));
const cells = values.reduce((n, row) => n + row.length, 0);
const range = { values, hasHeader: true };
console.log(`${dataPath}: ${values.length - 1} data rows, ${cells} cells (header included)`);


// The machine may be shared: CPU time is the steadier figure, wall time
// what a user would wait on an idle machine at best.
const masker = new pkg.Masker(new Uint8Array(32).fill(7), null);
for (let run = 1; run <= runs; run++) {
  const { result, wall, cpu } = timed(() => masker.scan(range));
  console.log(
    `wasm Masker.scan run ${run}: ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, ` +
      `${((cpu * 1e6) / cells).toFixed(2)} µs CPU/cell, ${result.findings.length} findings`,
  );
}
masker.free();

// Native: read the CSV, scan, print JSON findings (discarded); CPU time
// from /usr/bin/time.
const xlclean = process.env.XLCLEAN;
for (let run = 1; xlclean && run <= runs; run++) {
  const started = performance.now();
  const done = spawnSync('/usr/bin/time', ['-f', '%U %S', xlclean, 'scan', dataPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const wall = (performance.now() - started) / 1000;
  if (done.status !== 0) throw new Error(`xlclean scan failed: ${done.stderr}`);
  const [user, system] = done.stderr.trim().split('\n').pop().split(' ').map(Number);
  console.log(
    `native xlclean scan run ${run}: ${wall.toFixed(2)} s wall, ${(user + system).toFixed(2)} s CPU ` +
      '(read + scan + JSON output)',
  );
}
