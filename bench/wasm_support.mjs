// What the wasm benchmarks share: loading the wasm-bindgen package,
// timing a job, and turning a CSV into Office.js-style values.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** The engine package (default addin/src/engine/pkg, which scripts/build-wasm.sh writes). */
export async function loadEngine(pkgArg) {
  return (await loadEngineWithMemory(pkgArg)).pkg;
}

/** `loadEngine`, and the module's linear memory (its size is the engine's heap high-water mark: it never shrinks). */
export async function loadEngineWithMemory(pkgArg) {
  const pkgDir = resolve(pkgArg ?? new URL('../addin/src/engine/pkg', import.meta.url).pathname);
  const pkg = await import(pathToFileURL(`${pkgDir}/engine_wasm.js`).href);
  const exports = pkg.initSync({ module: readFileSync(`${pkgDir}/engine_wasm_bg.wasm`) });
  return { pkg, memory: exports.memory };
}

/** Wall and CPU seconds (user + system, this process) of `work()`. */
export function timed(work) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = work();
  const { user, system } = process.cpuUsage(cpu);
  return { result, wall: (performance.now() - started) / 1000, cpu: (user + system) / 1e6 };
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

const plainNumber = /^-?\d+(\.\d+)?$/;

/** A CSV's rows as Office.js hands a selection over: plain numbers as numbers, everything else as text. */
export function csvAsOfficeValues(text) {
  return parseCsv(text).map((row) => row.map((cell) => (plainNumber.test(cell) ? Number(cell) : cell)));
}
