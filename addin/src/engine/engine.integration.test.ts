// @vitest-environment node
/// <reference types="node" />
// The real wasm engine, as the worker drives it, in Node: catches a pkg that
// does not load or no longer matches the types the pane is written against.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSync } from './pkg/engine_wasm.js';
import { createEngineApi } from './adapter.ts';
import { dispatch, type EngineApi } from './dispatch.ts';
import type { EngineResponse, EngineResults } from './protocol.ts';
import type { FileProfile, TableProfile } from './types.ts';

let engine: EngineApi;

beforeAll(() => {
  initSync({ module: readFileSync(new URL('./pkg/engine_wasm_bg.wasm', import.meta.url)) });
  engine = createEngineApi();
});

/** The result of a request that must succeed; the request's type decides its shape. */
function resultOf(response: EngineResponse): EngineResults[keyof EngineResults] {
  if (!response.ok) throw new Error(`engine error: ${response.error}`);
  return response.result;
}

const ledgerCsv = [
  'Date,Account,Amount,Approved,Memo',
  '2024-01-01,4000,12.50,TRUE,',
  '2024-01-02,4000,13.00,FALSE,',
  '2024-01-03,4100,n/a,TRUE,',
  '2024-01-04,4100,,TRUE,',
  '2024-01-05,4200,900,FALSE,',
  '2024-01-06,4000,-12.5,TRUE,',
].join('\n');

describe('the wasm engine behind the worker', () => {
  it('reports its version', () => {
    expect(resultOf(dispatch(engine, { id: 1, type: 'version' })) as string).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('profiles a CSV file into the shape the pane renders', () => {
    const bytes = new TextEncoder().encode(ledgerCsv).buffer;
    const file = resultOf(dispatch(engine, { id: 2, type: 'profileFile', bytes, fileName: 'ledger.csv' })) as FileProfile;

    expect(file.sheetNames).toContain(file.sheetName);
    expect(file.profile).toMatchObject({ rowCount: 6, columnCount: 5 });
    expect(file.profile.columns.map((column) => column.name)).toEqual(['Date', 'Account', 'Amount', 'Approved', 'Memo']);
    const amount = file.profile.columns[2];
    expect(amount).toMatchObject({ inferredType: 'decimal', count: 5, missing: 1, nonConforming: 1 });
    expect(file.profile.columns[0]?.inferredType).toBe('date');
    for (const column of file.profile.columns) {
      expect(column.count + column.missing).toBe(file.profile.rowCount);
    }
  });

  it('answers an unreadable workbook with a message for the user', () => {
    const bytes = new Uint8Array([80, 75, 3, 4, 1, 2]).buffer;
    const response = dispatch(engine, { id: 3, type: 'profileFile', bytes, fileName: 'broken.xlsx' });

    expect(response.ok).toBe(false);
    expect(!response.ok && response.error.length).toBeGreaterThan(0);
  });

  it('profiles an Excel selection using its number formats', () => {
    const range = {
      values: [
        ['Amount', 'When'],
        [1.5, 45292],
        [2.25, 45293],
      ],
      numberFormat: [
        ['General', 'General'],
        ['0.00', 'yyyy-mm-dd'],
        ['0.00', 'yyyy-mm-dd'],
      ],
    };
    const profile = resultOf(dispatch(engine, { id: 4, type: 'profileRange', range })) as TableProfile;

    expect(profile.columns.map((column) => [column.name, column.inferredType])).toEqual([
      ['Amount', 'decimal'],
      ['When', 'date'],
    ]);
  });
});
