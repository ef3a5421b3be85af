import { describe, expect, it } from 'vitest';
import { NO_FILL, grid, mockWorkbook } from '../test/excelMock.ts';
import { HIGHLIGHT_COLOUR, addressAtSelection, insertAtSelection, restoreSnapshot, writeCells } from './write.ts';

function invoices() {
  const sheet = grid(
    'Q3 data',
    [
      ['Customer', 'Amount', 'Total'],
      ['acme', '1.234,50', '=B2*2'],
      ['Globex ', '99', '=B3*2'],
    ],
    [
      ['General', 'General', 'General'],
      ['General', '@', '#,##0.00'],
      ['General', '@', '#,##0.00'],
    ],
  );
  const headerFill = sheet.fills[0]?.[0];
  if (headerFill) Object.assign(headerFill, { color: '#DDEBF7', pattern: 'Solid' });
  return sheet;
}

describe('writeCells and restoreSnapshot', () => {
  it('writes values, number formats and highlights, and undo restores formulas, formats and fills', async () => {
    const sheet = invoices();
    const before = structuredClone(sheet);
    const book = mockWorkbook([sheet], ['Q3 data', 0, 0, 1, 1]);

    const snapshot = await writeCells({
      address: "'Q3 data'!A1:B3",
      values: [
        ['Customer', 'Amount'],
        ['Acme', 1234.5],
        ['Globex', 99],
      ],
      numberFormat: [
        ['General', 'General'],
        ['General', '#,##0.00'],
        ['General', '#,##0.00'],
      ],
      changed: [
        [false, false],
        [true, true],
        [true, true],
      ],
    });

    expect(sheet.cells.map((row) => row.slice(0, 2))).toEqual([
      ['Customer', 'Amount'],
      ['Acme', 1234.5],
      ['Globex', 99],
    ]);
    expect(sheet.formats[1]?.[1]).toBe('#,##0.00');
    expect(sheet.fills[1]?.[0]).toEqual({ color: HIGHLIGHT_COLOUR, pattern: 'Solid' });
    expect(sheet.fills[0]?.[1]).toEqual(NO_FILL);
    expect(sheet.fills[0]?.[0]).toEqual({ color: '#DDEBF7', pattern: 'Solid' });
    // The formulas next to the written block are untouched.
    expect(sheet.cells[1]?.[2]).toBe('=B2*2');
    // One sync to find the range, one to snapshot, one to write.
    expect(book.syncs()).toBe(3);
    expect(snapshot).toMatchObject({ sheet: 'Q3 data', rowIndex: 0, columnIndex: 0, address: "'Q3 data'!A1:B3" });

    await restoreSnapshot(snapshot);
    expect(sheet).toEqual(before);
  });

  it('restores formulas that were overwritten', async () => {
    const sheet = invoices();
    mockWorkbook([sheet], ['Q3 data', 0, 0, 1, 1]);
    const snapshot = await writeCells({ address: "'Q3 data'!C2:C3", values: [[2469], [198]] });
    expect(sheet.cells[1]?.[2]).toBe(2469);
    await restoreSnapshot(snapshot);
    expect(sheet.cells.map((row) => row[2])).toEqual(['Total', '=B2*2', '=B3*2']);
  });

  it('writes a large range in blocks and undoes it completely', async () => {
    const rows = 3_000;
    const sheet = grid('Big', Array.from({ length: rows }, (_, r) => [`r${r}`, r, r * 2, '']));
    const before = structuredClone(sheet);
    const book = mockWorkbook([sheet], ['Big', 0, 0, 1, 1]);
    const values = Array.from({ length: rows }, (_, r) => [`R${r}`, r + 1, r * 3, 'x']);

    const snapshot = await writeCells({ address: `Big!A1:D${rows}`, values, changed: values.map((row) => row.map((_, c) => c === 0)), targetBytesPerSync: 20_000, firstBlockCells: 400 });

    expect(sheet.cells).toEqual(values);
    expect(sheet.fills.every((row) => row[0]?.color === HIGHLIGHT_COLOUR && row[1]?.pattern === 'None')).toBe(true);
    expect(book.syncs()).toBeGreaterThan(3);
    expect(snapshot.formulas).toHaveLength(rows);

    await restoreSnapshot(snapshot, { targetBytesPerSync: 20_000, firstBlockCells: 400 });
    expect(sheet).toEqual(before);
  });

  it('refuses values whose shape does not match the range, writing nothing', async () => {
    const sheet = invoices();
    const before = structuredClone(sheet);
    mockWorkbook([sheet], ['Q3 data', 0, 0, 1, 1]);
    await expect(writeCells({ address: "'Q3 data'!A1:B2", values: [['only one']] })).rejects.toThrow('do not match the 2 × 2 target range');
    expect(sheet).toEqual(before);
  });

  it('names a sheet that no longer exists', async () => {
    mockWorkbook([invoices()], ['Q3 data', 0, 0, 1, 1]);
    await expect(writeCells({ address: 'Gone!A1', values: [[1]] })).rejects.toThrow("doesn't exist");
  });

  it('does nothing when restoring an empty snapshot', async () => {
    const book = mockWorkbook([invoices()], ['Q3 data', 0, 0, 1, 1]);
    await restoreSnapshot({ sheet: 'Q3 data', rowIndex: 0, columnIndex: 0, address: 'A1', formulas: [], numberFormat: [], fills: [] });
    expect(book.syncs()).toBe(0);
  });
});

describe('insertAtSelection', () => {
  it('finds the block at the selection’s top-left cell', async () => {
    mockWorkbook([grid('Sheet1', [['']])], ['Sheet1', 4, 2, 3, 3]);
    expect(await addressAtSelection(2, 3)).toBe('Sheet1!C5:E6');
    await expect(addressAtSelection(0, 3)).rejects.toThrow('Nothing to insert');
  });

  it('writes a ragged table as a rectangle at the selection, highlighted, and undo clears it', async () => {
    const sheet = grid('Sheet1', [
      ['', '', ''],
      ['', 'old', ''],
      ['', '', ''],
    ]);
    const before = structuredClone(sheet);
    mockWorkbook([sheet], ['Sheet1', 1, 1, 1, 1]);

    const snapshot = await insertAtSelection([['Region', 'Total'], ['North', 1200], ['South']]);

    expect(sheet.cells[1]?.slice(1, 3)).toEqual(['Region', 'Total']);
    expect(sheet.cells[2]?.slice(1, 3)).toEqual(['North', 1200]);
    expect(sheet.cells[3]?.slice(1, 3)).toEqual(['South', '']);
    expect(sheet.fills[3]?.[2]).toEqual({ color: HIGHLIGHT_COLOUR, pattern: 'Solid' });

    await restoreSnapshot(snapshot);
    expect(sheet.cells.slice(0, 3)).toEqual(before.cells);
    expect(sheet.fills[3]?.[2]).toEqual(NO_FILL);
  });
});
