// @vitest-environment node
/// <reference types="node" />
// The real wasm engine, as the worker drives it, in Node: catches a pkg that
// does not load or no longer matches the types the pane is written against.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSync } from './pkg/engine_wasm.js';
import { createEngineApi } from './adapter.ts';
import { dispatch, ENGINE_CRASHED, type EngineApi } from './dispatch.ts';
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

  it('reports a trap on a malformed .xlsb (calamine panics; a panic aborts in wasm) as a crash', () => {
    // Kept by the fuzzer: fuzz/regressions/read_spreadsheet. Natively the engine contains the panic.
    const bytes = readFileSync(new URL('../../../fuzz/regressions/read_spreadsheet/crash-xlsb-missing-relationship.xlsb', import.meta.url));
    const response = dispatch(engine, { id: 4, type: 'profileFile', bytes: new Uint8Array(bytes).buffer, fileName: 'bad.xlsb' });
    expect(response).toEqual({ id: 4, ok: false, error: ENGINE_CRASHED, crashed: true });
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

describe('the wasm cleaner behind the worker', () => {
  const messy = ['Customer,Amount', 'Acme, 1200.50 ', 'Beta,n/a', 'Acme,300', 'Acme,300'].join('\n');

  function open() {
    const bytes = new TextEncoder().encode(messy).buffer;
    return resultOf(dispatch(engine, { id: 10, type: 'cleanOpenFile', bytes, fileName: 'messy.csv' })) as EngineResults['cleanOpenFile'];
  }

  it('opens a file with its profile, sheet and suggested recipe', () => {
    const opened = open();

    expect(opened.sheetName).toBe('messy');
    expect(opened.sheetNames).toEqual(['messy']);
    expect(opened.profile).toMatchObject({ rowCount: 4, columnCount: 2 });
    expect(opened.recipe.steps.map((step) => step.op)).toContain('duplicates');
    expect(opened.recipe.steps).toContainEqual(expect.objectContaining({ op: 'standardize', column: 'Amount' }));
  });

  it('runs a recipe step by step, diffs it, writes CSV, and undoes it', () => {
    const opened = open();
    const started = resultOf(dispatch(engine, { id: 11, type: 'cleanStart', recipe: opened.recipe })) as EngineResults['cleanStart'];
    expect(started).toMatchObject({ done: false, stepsDone: 0, stepsTotal: opened.recipe.steps.length });

    let progress = started;
    const seen: number[] = [];
    while (!progress.done) {
      progress = resultOf(dispatch(engine, { id: 12, type: 'cleanStep' })) as EngineResults['cleanStep'];
      seen.push(progress.stepsDone);
    }
    expect(seen).toEqual(opened.recipe.steps.map((_step, index) => index + 1));
    const result = resultOf(dispatch(engine, { id: 13, type: 'cleanFinish' })) as EngineResults['cleanFinish'];

    expect(result.summary.columns).toEqual(['Customer', 'Amount']);
    expect(result.hasHeader).toBe(true);
    // The cleaned table stays in the worker until asked for (to write back to a selection).
    expect(result).not.toHaveProperty('values');
    expect(result).not.toHaveProperty('numberFormats');
    // Where the changes are comes with the result; their values a page at a time.
    const changes = resultOf(dispatch(engine, { id: 16, type: 'cleanDiffPage', start: 0, count: result.diff.length })) as EngineResults['cleanDiffPage'];
    expect(changes).toHaveLength(result.diff.length);
    expect(changes.map((c) => [c.row, c.column, c.step])).toEqual(
      Array.from(result.diff.rows, (row, i) => [row, result.diff.columns[i], result.diff.steps[i]]),
    );
    expect(changes).toContainEqual(expect.objectContaining({ row: 0, column: 1, before: ' 1200.50 ', after: 1200.5 }));
    expect(changes).toContainEqual(expect.objectContaining({ row: 1, column: 1, before: 'n/a', after: null }));
    const secondPage = resultOf(dispatch(engine, { id: 17, type: 'cleanDiffPage', start: 1, count: 1 })) as EngineResults['cleanDiffPage'];
    expect(secondPage).toEqual(changes.slice(1, 2));
    // The two identical Acme rows are flagged, not removed.
    expect(result.summary.findings.length).toBeGreaterThan(0);
    expect(result.summary.rowsAfter).toBe(4);

    const csv = new TextDecoder().decode(resultOf(dispatch(engine, { id: 14, type: 'cleanCsv' })) as Uint8Array);
    expect(csv.trim().split(/\r?\n/)).toEqual(['Customer,Amount', 'Acme,1200.5', 'Beta,', 'Acme,300', 'Acme,300']);
    const cleaned = resultOf(dispatch(engine, { id: 19, type: 'cleanValues' })) as EngineResults['cleanValues'];
    expect(cleaned.hasHeader).toBe(true);
    expect(cleaned.values).toEqual([['Customer', 'Amount'], ['Acme', 1200.5], ['Beta', ''], ['Acme', 300], ['Acme', 300]]);

    expect(resultOf(dispatch(engine, { id: 15, type: 'cleanUndo' }))).toBe(true);
    const undone = resultOf(dispatch(engine, { id: 20, type: 'cleanValues' })) as EngineResults['cleanValues'];
    expect(undone.values[1]).toEqual(['Acme', ' 1200.50 ']);
    // An undone run has no changes to show.
    const afterUndo = dispatch(engine, { id: 18, type: 'cleanDiffPage', start: 0, count: 50 });
    expect(afterUndo.ok).toBe(false);
    expect(afterUndo.ok ? '' : afterUndo.error).toContain('no cleaning run');
  });

  it('cancels a job between steps, leaving the table as it was', () => {
    const opened = open();
    resultOf(dispatch(engine, { id: 16, type: 'cleanStart', recipe: opened.recipe }));
    resultOf(dispatch(engine, { id: 17, type: 'cleanStep' }));
    resultOf(dispatch(engine, { id: 18, type: 'cleanCancel' }));

    const csv = new TextDecoder().decode(resultOf(dispatch(engine, { id: 19, type: 'cleanCsv' })) as Uint8Array);
    expect(csv).toContain(' 1200.50 ');
    const step = dispatch(engine, { id: 20, type: 'cleanStep' });
    expect(step).toEqual({ id: 20, ok: false, error: 'No cleaning run is in progress.' });
  });

  it('refuses an invalid recipe with the engine’s message', () => {
    open();
    const response = dispatch(engine, { id: 21, type: 'cleanStart', recipe: { version: 1, steps: [{ op: 'duplicates', treshold: 0.5 }] } });

    expect(response.ok).toBe(false);
    expect(!response.ok && response.error).toMatch(/treshold/);
  });
});
