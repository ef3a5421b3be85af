import { OfficeMockObject } from 'office-addin-mock';
import { describe, expect, it, vi } from 'vitest';
import { MAX_SELECTION_CELLS, readSelection } from './excel.ts';

interface RangeData {
  address: string;
  rowCount: number;
  columnCount: number;
  values: unknown[][];
  numberFormat: string[][];
}

/** An Excel whose selection is `range`, mocked the way office-addin-mock expects. */
function mockExcel(range: RangeData) {
  const data = {
    context: {
      workbook: {
        range,
        getSelectedRange(this: { range: unknown }) {
          return this.range;
        },
      },
    },
    run: async function (this: { context: unknown }, callback: (context: unknown) => Promise<unknown>) {
      return callback(this.context);
    },
  };
  // The library declares its input as a class with only an index signature; plain data is what it reads.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const excel = new OfficeMockObject(data);
  vi.stubGlobal('Excel', excel);
  const selected = (excel as unknown as { context: { workbook: { range: { load: (properties: unknown) => unknown } } } }).context.workbook.range;
  return { loadSpy: vi.spyOn(selected, 'load') };
}

describe('readSelection', () => {
  it('returns the selection’s values, number formats and address', async () => {
    const { loadSpy } = mockExcel({
      address: 'Sheet1!A1:B3',
      rowCount: 3,
      columnCount: 2,
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

    const selection = await readSelection();

    expect(selection).toEqual({
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
    const requested = loadSpy.mock.calls.flatMap(([properties]) => properties as string[]);
    expect(requested).toEqual(expect.arrayContaining(['values', 'numberFormat', 'address', 'rowCount', 'columnCount']));
  });

  it('refuses an oversized selection before loading its values', async () => {
    const { loadSpy } = mockExcel({
      address: 'Sheet1!A1:J200000',
      rowCount: 200_000,
      columnCount: 10,
      values: [],
      numberFormat: [],
    });

    await expect(readSelection()).rejects.toThrow(
      `The selection Sheet1!A1:J200000 has 2,000,000 cells; select at most ${MAX_SELECTION_CELLS.toLocaleString('en-US')} cells for now.`,
    );
    const requested = loadSpy.mock.calls.flatMap(([properties]) => properties as string[]);
    expect(requested).not.toContain('values');
  });
});
