import { describe, expect, it } from 'vitest';
import { PRECACHE_PLACEHOLDER, decodeManifest } from './precache.ts';
import { precacheServiceWorker } from './precachePlugin.ts';

interface FakeChunk {
  type: 'chunk';
  code: string;
  imports: string[];
  exports: string[];
}
type FakeBundle = Record<string, FakeChunk | { type: 'asset'; source: string }>;

/** Runs the plugin's generateBundle hook on a fake bundle; returns the error it raised, if any. */
function generate(bundle: FakeBundle, publicFiles: string[] = []): string | undefined {
  const plugin = precacheServiceWorker(publicFiles);
  const hook = plugin.generateBundle as unknown as (this: { error: (message: string) => never }, options: unknown, bundle: FakeBundle) => void;
  try {
    hook.call(
      {
        error: (message: string) => {
          throw new Error(message);
        },
      },
      {},
      bundle,
    );
    return undefined;
  } catch (thrown) {
    return (thrown as Error).message;
  }
}

function bundle(overrides: Partial<FakeBundle> = {}): FakeBundle {
  return {
    'sw.js': { type: 'chunk', code: `const list = "${PRECACHE_PLACEHOLDER}";`, imports: [], exports: [] },
    'index.html': { type: 'asset', source: '<script src="/assets/main-abc.js"></script>' },
    'assets/main-abc.js': { type: 'chunk', code: '', imports: [], exports: [] },
    'assets/engine_wasm_bg-def.wasm': { type: 'asset', source: '' },
    'manifest.xml': { type: 'asset', source: '' },
    ...overrides,
  };
}

function manifestIn(built: FakeBundle) {
  const worker = built['sw.js'] as FakeChunk;
  return decodeManifest(/"([^"]*)"/.exec(worker.code)?.[1] ?? '');
}

describe('precacheServiceWorker', () => {
  it('writes this build’s page, assets and the named public files into sw.js', () => {
    const built = bundle();
    expect(generate(built, ['icons/icon-32.png'])).toBeUndefined();
    expect(manifestIn(built).urls).toEqual(['/assets/engine_wasm_bg-def.wasm', '/assets/main-abc.js', '/index.html', '/icons/icon-32.png']);
  });

  it('gives a new release a new version', () => {
    const first = bundle();
    const second = bundle({ 'index.html': { type: 'asset', source: '<script src="/assets/main-xyz.js"></script>' } });
    generate(first);
    generate(second);
    expect(manifestIn(first).version).not.toBe(manifestIn(second).version);
  });

  it('fails the build when the worker is missing, imports a chunk or lost its placeholder', () => {
    const noWorker = bundle();
    delete noWorker['sw.js'];
    expect(generate(noWorker)).toMatch(/no sw.js chunk/);
    expect(generate(bundle({ 'sw.js': { type: 'chunk', code: `"${PRECACHE_PLACEHOLDER}"`, imports: ['assets/shared.js'], exports: [] } }))).toMatch(/self-contained/);
    expect(generate(bundle({ 'sw.js': { type: 'chunk', code: `"${PRECACHE_PLACEHOLDER}"`, imports: [], exports: ['helper'] } }))).toMatch(/must not export/);
    expect(generate(bundle({ 'sw.js': { type: 'chunk', code: 'minified away', imports: [], exports: [] } }))).toMatch(/placeholder exactly once/);
  });
});
