// An Excel workbook for tests, built from office-addin-mock objects: ranges
// are handed out as OfficeMockObjects (so reading a property before
// load + sync fails as in Office), and what a test's code writes to them
// lands in a grid the test can inspect.
import { OfficeMockObject } from 'office-addin-mock';
import { vi } from 'vitest';

export interface Fill {
  color: string;
  pattern: string;
}

export interface Grid {
  name: string;
  /** What cells hold: numbers, strings (a leading "=" is a formula), booleans. */
  cells: unknown[][];
  formats: string[][];
  fills: Fill[][];
}

export const NO_FILL: Fill = { color: '#FFFFFF', pattern: 'None' };

export function grid(name: string, cells: unknown[][], formats?: string[][]): Grid {
  return {
    name,
    cells: cells.map((row) => [...row]),
    formats: formats ?? cells.map((row) => row.map(() => 'General')),
    fills: cells.map((row) => row.map(() => ({ ...NO_FILL }))),
  };
}

function columnLetters(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

function parseCell(ref: string): [number, number] {
  const match = /^\$?([A-Z]+)\$?(\d+)$/.exec(ref);
  if (!match) throw new Error(`bad cell ${ref}`);
  const letters = match[1] ?? '';
  let column = 0;
  for (const letter of letters) column = column * 26 + (letter.charCodeAt(0) - 64);
  return [Number(match[2]) - 1, column - 1];
}

function a1(row: number, column: number, rows: number, columns: number): string {
  const first = `${columnLetters(column)}${row + 1}`;
  if (rows === 1 && columns === 1) return first;
  return `${first}:${columnLetters(column + columns - 1)}${row + rows}`;
}

function quoted(name: string): string {
  return /^[A-Za-z0-9_]+$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

/** The value Excel would show for what a cell holds (formulas evaluate to nothing here). */
function valueOf(cell: unknown): unknown {
  return typeof cell === 'string' && cell.startsWith('=') ? 0 : (cell ?? '');
}

export interface Workbook {
  sheets: Map<string, Grid>;
  /** How many times context.sync ran, and the largest number of cells a single sync loaded. */
  syncs: () => number;
  largestLoad: () => number;
  /** Every range created, in order: [row, column, rows, columns]. */
  ranges: () => [number, number, number, number][];
}

/**
 * Stubs the global `Excel` with a workbook of `sheets`; `selection` is
 * [sheet, row, column, rows, columns] of the selected range.
 */
export function mockWorkbook(sheets: Grid[], selection: [string, number, number, number, number]): Workbook {
  const byName = new Map(sheets.map((sheet) => [sheet.name, sheet]));
  const created: OfficeMockObject[] = [];
  const pending: (() => void)[] = [];
  const rangeLog: [number, number, number, number][] = [];
  let syncs = 0;
  let largestLoad = 0;
  let loadedSinceSync = 0;

  const sheetOf = (name: string) => {
    const sheet = byName.get(name);
    if (!sheet) throw new Error(`The requested resource doesn't exist: ${name}`);
    return sheet;
  };

  const makeRange = (sheetName: string, row: number, column: number, rows: number, columns: number): OfficeMockObject => {
    const sheet = sheetOf(sheetName);
    rangeLog.push([row, column, rows, columns]);
    const slice = <T>(source: T[][], fallback: T) =>
      Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => source[row + r]?.[c + column] ?? fallback));
    const formulas = slice<unknown>(sheet.cells, '');
    const data = {
      address: `${quoted(sheetName)}!${a1(row, column, rows, columns)}`,
      rowIndex: row,
      columnIndex: column,
      rowCount: rows,
      columnCount: columns,
      values: formulas.map((r) => r.map(valueOf)),
      formulas,
      numberFormat: slice(sheet.formats, 'General'),
      worksheet: { name: sheetName },
    };
    // The library's constructor is typed for its own class only; plain data is what it reads.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    const range = new OfficeMockObject(data);
    const originals = { values: data.values, formulas: data.formulas, numberFormat: data.numberFormat };
    const mock = range as unknown as Record<string, unknown>;
    const baseLoad = range.load.bind(range);
    mock.load = (properties: unknown) => {
      const names = Array.isArray(properties) ? (properties as string[]) : [String(properties)];
      if (names.some((n) => n === 'values' || n === 'formulas' || n === 'numberFormat')) loadedSinceSync += rows * columns;
      return baseLoad(properties as string);
    };
    mock.getCell = (r: number, c: number) => makeRange(sheetName, row + r, column + c, 1, 1);
    mock.getResizedRange = (dr: number, dc: number) => makeRange(sheetName, row, column, rows + dr, columns + dc);
    mock.getCellProperties = () => {
      const result = { value: undefined as unknown };
      pending.push(() => {
        result.value = slice(sheet.fills, NO_FILL).map((r) => r.map((fill) => ({ format: { fill: { ...fill } } })));
      });
      return result;
    };
    mock.setCellProperties = (cells: { format?: { fill?: Partial<Fill> } }[][]) => {
      pending.push(() => {
        cells.forEach((cellRow, r) => {
          cellRow.forEach((cell, c) => {
            const fill = cell.format?.fill;
            if (!fill) return;
            const fillRow = sheet.fills[row + r] ?? (sheet.fills[row + r] = []);
            const target = fillRow[column + c] ?? (fillRow[column + c] = { ...NO_FILL });
            if (fill.pattern === 'None') Object.assign(target, NO_FILL);
            else Object.assign(target, { color: fill.color ?? target.color, pattern: fill.pattern ?? 'Solid' });
          });
        });
      });
    };
    // Writes are plain assignments; they reach the grid at the next sync.
    pending.push(() => undefined);
    created.push(range);
    const flush = () => {
      const written = (name: 'values' | 'formulas' | 'numberFormat') => {
        const current = mock[name];
        return Array.isArray(current) && current !== originals[name] ? (current as unknown[][]) : undefined;
      };
      const values = written('values') ?? written('formulas');
      if (values) {
        values.forEach((valueRow, r) => {
          valueRow.forEach((value, c) => {
            const cells = sheet.cells[row + r] ?? (sheet.cells[row + r] = []);
            cells[column + c] = value;
          });
        });
        originals.values = mock.values as unknown[][];
        originals.formulas = mock.formulas as unknown[][];
      }
      const formats = written('numberFormat');
      if (formats) {
        formats.forEach((formatRow, r) => {
          formatRow.forEach((format, c) => {
            const target = sheet.formats[row + r] ?? (sheet.formats[row + r] = []);
            target[column + c] = format as string;
          });
        });
        originals.numberFormat = formats as string[][];
      }
    };
    flushers.push(flush);
    return range;
  };
  const flushers: (() => void)[] = [];

  const [selectedSheet, ...selected] = selection;
  const worksheet = (name: string) => ({
    load: () => undefined,
    name,
    getRange: (address: string) => {
      const [first = '', last] = address.split(':');
      const [r1, c1] = parseCell(first);
      const [r2, c2] = last ? parseCell(last) : [r1, c1];
      return makeRange(name, r1, c1, r2 - r1 + 1, c2 - c1 + 1);
    },
    getRangeByIndexes: (row: number, column: number, rows: number, columns: number) => makeRange(name, row, column, rows, columns),
  });

  const context = {
    workbook: {
      getSelectedRange: () => {
        const range = makeRange(selectedSheet, ...selected);
        (range as unknown as { worksheet: unknown }).worksheet = worksheet(selectedSheet);
        return range;
      },
      worksheets: {
        getItem: (name: string) => {
          sheetOf(name);
          return worksheet(name);
        },
        getActiveWorksheet: () => worksheet(selectedSheet),
      },
    },
    sync: async () => {
      syncs += 1;
      largestLoad = Math.max(largestLoad, loadedSinceSync);
      loadedSinceSync = 0;
      for (const flush of flushers) flush();
      for (const run of pending.splice(0)) run();
      for (const range of created) await range.sync();
    },
  };

  vi.stubGlobal('Excel', {
    run: async <T>(callback: (ctx: unknown) => Promise<T>) => callback(context),
  });
  return { sheets: byName, syncs: () => syncs, largestLoad: () => largestLoad, ranges: () => rangeLog };
}
