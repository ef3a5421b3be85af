// First render of the task pane (issue 9, item 10: under 1 s on this machine
// from the built bundle with a cold cache). The real proxy serves addin/dist;
// each run opens a fresh Chromium context (empty HTTP cache, no service
// worker) and reads the `ledgerlight:pane-rendered` performance mark, set in
// the first animation frame after React's first commit
// (addin/src/MarkFirstRender.tsx), in ms since navigation start. Also
// reported: first contentful paint, and when the wasm engine has answered
// (the Settings panel asks it for its version at mount).
//
//   (cd addin && npm run build) && PROXY_BIN=target/debug/proxy node bench/pane_render.mjs [RUNS]
//
// Office.js cannot load here (no internet) and is aborted, as in the e2e
// tests; inside Excel its download and Office.onReady come on top.
import { launchChromium, startProxy } from '../tests/e2e/support.mjs';

const RUNS = Number(process.argv[2] ?? 5);
const MARK = 'ledgerlight:pane-rendered';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const proxy = await startProxy();
const browser = await launchChromium();
const runs = [];
try {
  for (let run = 0; run < RUNS; run += 1) {
    const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 360, height: 640 } });
    await context.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
    const page = await context.newPage();
    await page.goto(proxy.url, { waitUntil: 'commit' });
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MARK, { timeout: 30_000 });
    await page.getByTestId('engine-version').waitFor({ state: 'attached', timeout: 30_000 });
    const engineAt = await page.evaluate(() => performance.now());
    const timing = await page.evaluate((mark) => ({
      rendered: performance.getEntriesByName(mark)[0].startTime,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    }), MARK);
    runs.push({ ...timing, engine: engineAt });
    console.log(`run ${run + 1}: rendered ${timing.rendered.toFixed(0)} ms, first contentful paint ${timing.fcp.toFixed(0)} ms, engine ready by ${engineAt.toFixed(0)} ms`);
    await context.close();
  }
} finally {
  await browser.close();
  await proxy.stop();
}
const summary = (key) => `${median(runs.map((r) => r[key])).toFixed(0)} ms (min ${Math.min(...runs.map((r) => r[key])).toFixed(0)}, max ${Math.max(...runs.map((r) => r[key])).toFixed(0)})`;
console.log(`\nmedian of ${RUNS} cold runs:`);
console.log(`  pane rendered (${MARK}): ${summary('rendered')}`);
console.log(`  first contentful paint:  ${summary('fcp')}`);
console.log(`  engine answered by:      ${summary('engine')}`);
