import { describe, expect, it } from 'vitest';
import { grid, mockWorkbook } from '../test/excelMock.ts';
import { MAX_SELECTION_CELLS, approximateBytes, nextBlockRows, readSelection, throwIfAborted } from './excel.ts';

function ledger(rows: number, columns: number) {
  const header = Array.from({ length: columns }, (_, c) => `Col ${c + 1}`);
  const body = Array.from({ length: rows - 1 }, (_, r) => Array.from({ length: columns }, (_, c) => (c === 0 ? `INV-${r}` : r * 10 + c)));
  const formats = [header.map(() => 'General'), ...body.map((row) => row.map((_, c) => (c === 1 ? '#,##0.00' : 'General')))];
  return grid('Sheet1', [header, ...body], formats);
}

describe('readSelection', () => {
  it('returns the selection’s values, number formats and address', async () => {
    mockWorkbook(
      [
        grid(
          'Sheet1',
          [
            ['Date', 'Amount'],
            [45292, 1250.5],
            [45293, ''],
          ],
          [
            ['General', 'General'],
            ['yyyy-mm-dd', '#,##0.00'],
            ['yyyy-mm-dd', '#,##0.00'],
          ],
        ),
      ],
      ['Sheet1', 0, 0, 3, 2],
    );

    expect(await readSelection()).toEqual({
      address: 'Sheet1!A1:B3',
      values: [
        ['Date', 'Amount'],
        [45292, 1250.5],
        [45293, ''],
      ],
      numberFormat: [
        ['General', 'General'],
        ['yyyy-mm-dd', '#,##0.00'],
        ['yyyy-mm-dd', '#,##0.00'],
      ],
    });
  });

  it('reads a large selection in row blocks that stay under the byte target, in order', async () => {
    const sheet = ledger(5_000, 6);
    const book = mockWorkbook([sheet], ['Sheet1', 0, 0, 5_000, 6]);
    const progress: number[] = [];
    const targetBytes = 60_000;

    const selection = await readSelection({ targetBytesPerSync: targetBytes, firstBlockCells: 600, onProgress: (share) => progress.push(share) });

    expect(selection.values).toEqual(sheet.cells);
    expect(selection.numberFormat).toEqual(sheet.formats);
    const blocks = book.ranges().slice(1);
    expect(blocks.length).toBeGreaterThan(5);
    // Contiguous, complete, and each block after the first sized from the bytes of the one before.
    let next = 0;
    for (const [row, column, rows, columns] of blocks) {
      expect([row, column, columns]).toEqual([next, 0, 6]);
      const bytes = approximateBytes(sheet.cells.slice(row, row + rows)) + approximateBytes(sheet.formats.slice(row, row + rows));
      expect(bytes).toBeLessThanOrEqual(targetBytes * 1.1);
      next += rows;
    }
    expect(next).toBe(5_000);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('starts from the selection’s own position on the sheet', async () => {
    mockWorkbook([grid('Data', [['x', 'y', 'z'], ['', 1, 2], ['', 3, 4]])], ['Data', 1, 1, 2, 2]);
    expect(await readSelection()).toMatchObject({ address: 'Data!B2:C3', values: [[1, 2], [3, 4]] });
  });

  it('refuses an oversized selection before loading any values', async () => {
    const book = mockWorkbook([grid('Sheet1', [['a']])], ['Sheet1', 0, 0, 200_000, 11]);
    await expect(readSelection()).rejects.toThrow(`select at most ${MAX_SELECTION_CELLS.toLocaleString('en-US')} cells`);
    expect(book.ranges()).toHaveLength(1);
    expect(book.largestLoad()).toBe(0);
  });

  it('stops between blocks when cancelled', async () => {
    mockWorkbook([ledger(1_000, 4)], ['Sheet1', 0, 0, 1_000, 4]);
    const controller = new AbortController();
    const reading = readSelection({
      firstBlockCells: 40,
      signal: controller.signal,
      onProgress: () => {
        controller.abort(new Error('Cancelled by the user.'));
      },
    });
    await expect(reading).rejects.toThrow('Cancelled by the user.');
  });
});

describe('block sizing helpers', () => {
  it('scales the next block to the byte target, at most doubling and never below one row', () => {
    expect(nextBlockRows(100, 1_000, 10_000)).toBe(200);
    expect(nextBlockRows(100, 40_000, 10_000)).toBe(25);
    expect(nextBlockRows(1, 10_000_000, 10)).toBe(1);
    expect(nextBlockRows(10, 0, 10)).toBe(20);
  });

  it('measures blocks as JSON and throws a given abort reason', () => {
    expect(approximateBytes([[1, 'ab']])).toBe('[[1,"ab"]]'.length);
    const controller = new AbortController();
    expect(() => {
      throwIfAborted(controller.signal);
    }).not.toThrow();
    controller.abort();
    expect(() => {
      throwIfAborted(controller.signal);
    }).toThrow();
  });
});
