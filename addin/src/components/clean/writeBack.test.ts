import { describe, expect, it } from 'vitest';
import type { CleanResult, CleanSummary, DiffIndex, SheetValues } from '../../engine/types.ts';
import { finalRowMapper, sheetWrite, showValue } from './writeBack.ts';

function summary(overrides: Partial<CleanSummary>): CleanSummary {
  return { columns: ['A', 'B'], rowsBefore: 0, rowsAfter: 0, changedCells: 0, removedRows: [], steps: [], findings: [], ...overrides };
}
/** A diff index of changes at (row, column) made by `step`, as the engine hands it over. */
function diffIndex(changes: { row: number; column: number; step: number }[]): DiffIndex {
  return {
    length: changes.length,
    rows: Uint32Array.from(changes, (c) => c.row),
    columns: Uint32Array.from(changes, (c) => c.column),
    steps: Uint32Array.from(changes, (c) => c.step),
  };
}
const stepSummary = (step: number, removedRows: number, changedCells = 0) => ({ step, op: 'x', label: `step ${step}`, changedCells, removedRows, findings: 0 });

describe('finalRowMapper', () => {
  it('keeps rows where nothing was removed', () => {
    const map = finalRowMapper(summary({ steps: [stepSummary(0, 0)] }));
    expect(map(5, 0)).toBe(5);
  });

  it('follows rows through later removals and drops removed ones', () => {
    // Step 1 removes rows 1 and 3 (of the table before it); step 2 then removes row 0.
    const map = finalRowMapper(summary({ steps: [stepSummary(0, 0), stepSummary(1, 2), stepSummary(2, 1)], removedRows: [3, 1, 0] }));
    // A change made by step 0 on row 4: after step 1 it is row 2, after step 2 row 1.
    expect(map(4, 0)).toBe(1);
    expect(map(3, 0)).toBeNull();
    expect(map(2, 0)).toBe(0);
    expect(map(0, 0)).toBeNull();
    // A change made by step 2 is numbered in the table after step 1.
    expect(map(2, 2)).toBe(1);
  });
});

describe('sheetWrite', () => {
  const result = (overrides: Partial<CleanResult>): CleanResult => ({
    hasHeader: true,
    diff: diffIndex([]),
    summary: summary({}),
    ...overrides,
  });
  const sheet = (overrides: Partial<SheetValues> = {}): SheetValues => ({
    hasHeader: true,
    values: [
      ['A', 'B'],
      [1, 'x'],
      [2, 'y'],
    ],
    numberFormats: [
      [null, null],
      ['0.00', null],
      ['0.00', null],
    ],
    ...overrides,
  });

  it('writes values in place, keeps the selection’s format where the engine set none, and highlights changes', () => {
    const write = sheetWrite(
      result({ diff: diffIndex([{ row: 1, column: 1, step: 0 }]), summary: summary({ steps: [stepSummary(0, 0, 1)] }) }),
      sheet(),
      { rowCount: 3, columnCount: 2, numberFormat: [['General', 'General'], ['General', '@'], ['General', '@']] },
    );

    expect(write.values).toEqual([['A', 'B'], [1, 'x'], [2, 'y']]);
    expect(write.numberFormat).toEqual([['General', 'General'], ['0.00', '@'], ['0.00', '@']]);
    expect(write.changed).toEqual([[false, false], [false, false], [false, true]]);
    expect(write.highlighted).toBe(1);
  });

  it('clears and highlights the rows left over when rows were removed', () => {
    const write = sheetWrite(
      result({
        diff: diffIndex([{ row: 1, column: 0, step: 0 }]),
        summary: summary({ steps: [stepSummary(0, 0, 1), stepSummary(1, 1)], removedRows: [0] }),
      }),
      sheet({ values: [['A', 'B'], [1, 'x']], numberFormats: [[null, null], [null, null]] }),
      { rowCount: 3, columnCount: 2, numberFormat: [['General', 'General'], ['0', '@'], ['0', '@']] },
    );

    expect(write.values).toEqual([['A', 'B'], [1, 'x'], ['', '']]);
    expect(write.numberFormat[2]).toEqual(['0', '@']);
    // Row 1 of the first step became row 0 after the removal: the sheet's second row.
    expect(write.changed).toEqual([[false, false], [true, false], [true, true]]);
    expect(write.highlighted).toBe(3);
  });

  it('numbers the diff’s rows after the header only when the table has one', () => {
    const write = sheetWrite(
      result({ hasHeader: false, diff: diffIndex([{ row: 0, column: 1, step: 0 }]), summary: summary({ steps: [stepSummary(0, 0, 1)] }) }),
      sheet({ hasHeader: false, values: [[1, 'x'], [2, 'y']], numberFormats: [['0.00', null], ['0.00', null]] }),
      { rowCount: 2, columnCount: 2, numberFormat: [['General', '@'], ['General', '@']] },
    );

    expect(write.values).toEqual([[1, 'x'], [2, 'y']]);
    expect(write.numberFormat).toEqual([['0.00', '@'], ['0.00', '@']]);
    expect(write.changed).toEqual([[false, true], [false, false]]);
    expect(write.highlighted).toBe(1);
  });

  it('shows blanks visibly', () => {
    expect(showValue(null)).toBe('—');
    expect(showValue('')).toBe('—');
    expect(showValue(0)).toBe('0');
    expect(showValue(false)).toBe('false');
    expect(showValue(' 1,200.50 ')).toBe('" 1,200.50 "');
  });
});
