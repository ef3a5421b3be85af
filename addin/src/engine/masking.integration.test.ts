// @vitest-environment node
/// <reference types="node" />
// Masking through the real wasm engine as the worker drives it, with the
// vault kept in a storage like the pane's localStorage.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSync } from './pkg/engine_wasm.js';
import { createEngineApi } from './adapter.ts';
import type { EngineApi } from './dispatch.ts';
import { MaskingSession, VAULT_KEY_PREFIX, policyOf, type MaskingEngine, type VaultStore } from './masking.ts';
import type { OfficeRange } from './types.ts';

beforeAll(() => {
  initSync({ module: readFileSync(new URL('./pkg/engine_wasm_bg.wasm', import.meta.url)) });
});

/** The worker's engine behind the client's promise-based interface. */
function asyncEngine(api: EngineApi): MaskingEngine {
  return {
    openMasker: (source, policy) => Promise.resolve(api.openMasker(source, policy)),
    setPolicy: (policy) => {
      api.setPolicy(policy);
      return Promise.resolve();
    },
    scan: (range) => Promise.resolve(api.scan(range)),
    preview: (range, options) => Promise.resolve(api.preview(range, options)),
    unmask: (text) => Promise.resolve(api.unmask(text)),
    exportVault: () => Promise.resolve(api.exportVault()),
  };
}

function memoryStore(): VaultStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

const customers: OfficeRange = {
  values: [
    ['Customer', 'Email', 'Amount'],
    ['Alice Martin', 'alice.martin@example.com', 1200.5],
    ['Bob Stone', 'bob.stone@example.org', 800],
    ['Alice Martin', 'alice.martin@example.com', 310],
  ],
};

const fixedKey = () => new Uint8Array(32).fill(7);

describe('a workbook masking session on the wasm engine', () => {
  it('finds the emails and leaves none of them in the payload', async () => {
    const session = await MaskingSession.open(asyncEngine(createEngineApi()), memoryStore(), 'customers.xlsx', policyOf('pseudonym'), fixedKey);

    const scan = await session.scan(customers);
    expect(scan.findings.filter((finding) => finding.type === 'email').map((finding) => finding.row)).toEqual([0, 1, 2]);

    const preview = await session.preview(customers, { budget: 2000 });
    expect(preview.payload).not.toContain('alice.martin@example.com');
    expect(preview.payload).not.toContain('bob.stone@example.org');
    expect(preview.tokens).toBeGreaterThan(0);
    expect(preview.tokens).toBeLessThanOrEqual(2000);
    expect(preview.summary.maskedCells).toBeGreaterThanOrEqual(3);
  });

  it('un-masks an answer that quotes the payload’s pseudonyms', async () => {
    const session = await MaskingSession.open(asyncEngine(createEngineApi()), memoryStore(), 'customers.xlsx', policyOf('pseudonym'), fixedKey);
    const preview = await session.preview(customers, { budget: 2000 });

    expect(await session.unmask(preview.payload)).toContain('alice.martin@example.com');
  });

  it('keeps the key and pseudonyms across restarts through the stored vault, one per workbook', async () => {
    const store = memoryStore();
    let keysMade = 0;
    const countingKey = () => {
      keysMade += 1;
      return crypto.getRandomValues(new Uint8Array(32));
    };
    const first = await MaskingSession.open(asyncEngine(createEngineApi()), store, 'customers.xlsx', policyOf('pseudonym'), countingKey);
    const before = await first.preview(customers, { budget: 2000 });
    expect(store.items.has(`${VAULT_KEY_PREFIX}customers.xlsx`)).toBe(true);

    // A new worker (the pane reloaded) opens the same workbook.
    const again = await MaskingSession.open(asyncEngine(createEngineApi()), store, 'customers.xlsx', policyOf('pseudonym'), countingKey);
    const after = await again.preview(customers, { budget: 2000 });
    expect(after.payload).toBe(before.payload);
    expect(keysMade).toBe(1);

    // Another workbook gets its own key and vault, stored beside the first.
    const other = await MaskingSession.open(asyncEngine(createEngineApi()), store, 'other.xlsx', policyOf('pseudonym'), countingKey);
    await other.preview(customers, { budget: 2000 });
    expect(keysMade).toBe(2);
    const vaults = [store.items.get(`${VAULT_KEY_PREFIX}customers.xlsx`), store.items.get(`${VAULT_KEY_PREFIX}other.xlsx`)];
    expect(vaults[1]).toBeDefined();
    expect(vaults[1]).not.toBe(vaults[0]);
    expect(await other.unmask(before.payload)).toContain('alice.martin@example.com');
  });

  it('applies a column choice over the default operator', async () => {
    const session = await MaskingSession.open(asyncEngine(createEngineApi()), memoryStore(), 'customers.xlsx', policyOf('pseudonym'), fixedKey);
    await session.setPolicy(policyOf('pseudonym', { Email: 'drop' }));

    const preview = await session.preview(customers, { budget: 2000 });
    expect(preview.summary.droppedColumns).toEqual(['Email']);
    expect(preview.payload).not.toContain('Email');
  });
});

describe('the token window on the wasm engine', () => {
  it('counts and prices a message with a sheet context', () => {
    const api = createEngineApi();
    const model = api.priceTable().models[0]?.model ?? '';
    const withContext = api.buildWindow({ system: '', sheetContext: 'Customer,Amount\nA,1', message: 'Who owes most?', reserveOutput: 0 }, null, model);
    const withoutContext = api.buildWindow({ system: '', message: 'Who owes most?', reserveOutput: 0 }, null, model);

    expect(withContext.breakdown.input).toBeGreaterThan(withoutContext.breakdown.input);
    expect(withContext.breakdown.message).toBe(api.countTokens('Who owes most?', model));
    expect(withContext.cost.input).toBeGreaterThan(0);
  });
});
