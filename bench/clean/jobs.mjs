// The wasm cleaning jobs, shared by bench/wasm_clean.mjs (Node) and
// bench/wasm_chromium.mjs (a Web Worker in headless Chromium) so that both
// time exactly the same calls. Plain JavaScript: no Node or DOM imports.

/** The jobs, each timed from the file's bytes (as the task pane gets them). */
export const JOBS = ['read + profile', 'read + duplicates', 'read + auto clean'];

const duplicatesOnly = { version: 1, steps: [{ op: 'duplicates', threshold: 0.8, action: 'flag' }] };

/** The diff table's page size in the pane (addin/src/components/clean/DiffTable.tsx). */
export const DIFF_PAGE_SIZE = 50;

/**
 * suggest() + start() + step() per recipe step + finish() + the diff's first
 * page + toCsv(), as the Clean tab does for a dropped file (it asks for further
 * pages as the user turns them). finish() hands over the summary and where the
 * changes are, not the cleaned table: only applying to an Excel selection asks
 * for that (`Cleaner.values()`), and a file is downloaded as the CSV.
 */
export function autoClean(cleaner) {
  const job = cleaner.start(cleaner.suggest());
  let steps = 0;
  while (!job.step().done) steps++;
  const result = job.finish();
  job.free();
  const firstPage = cleaner.diffPage(0, DIFF_PAGE_SIZE);
  if (firstPage.length !== Math.min(DIFF_PAGE_SIZE, result.diff.length)) throw new Error('short first page of the diff');
  const csv = cleaner.toCsv();
  return {
    steps: steps + 1,
    changes: result.diff.length,
    duplicates: result.summary.findings.filter((f) => f.kind === 'duplicate').length,
    csvBytes: csv.length,
  };
}

/** Runs one job of `JOBS` on a CSV's bytes; returns a short note of what it found. */
export function runJob(pkg, job, bytes, fileName) {
  const cleaner = pkg.Cleaner.fromFile(bytes, fileName, null);
  try {
    switch (job) {
      case 'read + profile': {
        const profile = cleaner.profile();
        return `${profile.columns.length} columns profiled`;
      }
      case 'read + duplicates': {
        const job = cleaner.start(duplicatesOnly);
        try {
          const result = job.finish();
          return `${result.summary.findings.length} duplicate rows`;
        } finally {
          job.free();
        }
      }
      case 'read + auto clean': {
        const out = autoClean(cleaner);
        return `${out.steps} steps, ${out.changes} changed cells, ${out.duplicates} duplicate rows, ${out.csvBytes} CSV bytes`;
      }
      default:
        throw new Error(`unknown job ${job}`);
    }
  } finally {
    cleaner.free();
  }
}

/** The header and first `rows` data rows of a CSV (no quoted newlines in the generated data). */
export function firstRows(bytes, rows) {
  let seen = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10 && ++seen === rows + 1) return bytes.subarray(0, i + 1);
  }
  return bytes;
}

/**
 * Runs every job once on the first rows of the file, so that V8 has tiered
 * the hot wasm functions up (Liftoff → TurboFan) before anything is timed:
 * the state of a task pane after its first use.
 */
export function warmUp(pkg, bytes, fileName) {
  const sample = firstRows(bytes, 5000);
  for (const job of JOBS) runJob(pkg, job, sample, fileName);
}
