// Writing back to the sheet, and undoing it. Every write first remembers
// what it replaces (formulas, so formulas survive an undo; number formats;
// fills), so `restoreSnapshot` puts the cells back exactly.

import { splitAddress } from './address.ts';
import { approximateBytes, FIRST_BLOCK_CELLS, nextBlockRows, TARGET_BYTES_PER_SYNC } from './excel.ts';

export type CellValue = string | number | boolean;

/** The light yellow Excel itself uses for "changed"; readable in light and dark themes. */
export const HIGHLIGHT_COLOUR = '#FFF2CC';

export interface WriteRequest {
  /** Where to write, as Excel gives it (`Sheet1!A1:C10`); its size must match `values`. */
  address: string;
  values: CellValue[][];
  numberFormat?: string[][];
  /** Cells to fill with the highlight colour (same shape as `values`). */
  changed?: boolean[][];
  highlightColour?: string;
  /** Overrides, for tests. */
  targetBytesPerSync?: number;
  firstBlockCells?: number;
}

interface CellFill {
  color?: string;
  pattern?: Excel.FillPattern | `${Excel.FillPattern}`;
}

/** What a write replaced, enough to put it back. */
export interface Snapshot {
  sheet: string;
  rowIndex: number;
  columnIndex: number;
  address: string;
  formulas: unknown[][];
  numberFormat: string[][];
  fills: CellFill[][];
}

interface Target {
  sheet: Excel.Worksheet;
  rowIndex: number;
  columnIndex: number;
  rowCount: number;
  columnCount: number;
  address: string;
  sheetName: string;
}

async function locate(context: Excel.RequestContext, address: string): Promise<Target> {
  const { sheet: sheetName, a1 } = splitAddress(address);
  const sheet = sheetName === undefined ? context.workbook.worksheets.getActiveWorksheet() : context.workbook.worksheets.getItem(sheetName);
  const range = sheet.getRange(a1);
  range.load(['address', 'rowIndex', 'columnIndex', 'rowCount', 'columnCount']);
  sheet.load('name');
  await context.sync();
  return {
    sheet,
    sheetName: sheet.name,
    address: range.address,
    rowIndex: range.rowIndex,
    columnIndex: range.columnIndex,
    rowCount: range.rowCount,
    columnCount: range.columnCount,
  };
}

function checkShape(name: string, grid: unknown[][] | undefined, rows: number, columns: number): void {
  if (grid === undefined) return;
  if (grid.length !== rows || grid.some((row) => row.length !== columns)) {
    throw new Error(`The ${name} to write do not match the ${rows} × ${columns} target range.`);
  }
}

/**
 * Writes values (and number formats, and highlights) to `address`, in row
 * blocks within Office's payload limit, and returns what was there before.
 * A small range is one snapshot sync and one write sync.
 */
export async function writeCells(request: WriteRequest): Promise<Snapshot> {
  const targetBytes = request.targetBytesPerSync ?? TARGET_BYTES_PER_SYNC;
  const colour = request.highlightColour ?? HIGHLIGHT_COLOUR;
  return Excel.run(async (context) => {
    const target = await locate(context, request.address);
    checkShape('values', request.values, target.rowCount, target.columnCount);
    checkShape('number formats', request.numberFormat, target.rowCount, target.columnCount);
    checkShape('highlights', request.changed, target.rowCount, target.columnCount);

    const snapshot: Snapshot = {
      sheet: target.sheetName,
      rowIndex: target.rowIndex,
      columnIndex: target.columnIndex,
      address: target.address,
      formulas: [],
      numberFormat: [],
      fills: [],
    };
    let rowsPerBlock = Math.max(1, Math.floor((request.firstBlockCells ?? FIRST_BLOCK_CELLS) / target.columnCount));
    for (let start = 0; start < target.rowCount; ) {
      const rows = Math.min(rowsPerBlock, target.rowCount - start);
      const block = target.sheet.getRangeByIndexes(target.rowIndex + start, target.columnIndex, rows, target.columnCount);
      block.load(['formulas', 'numberFormat']);
      const fills = block.getCellProperties({ format: { fill: { color: true, pattern: true } } });
      await context.sync();
      snapshot.formulas.push(...(block.formulas as unknown[][]));
      snapshot.numberFormat.push(...(block.numberFormat as string[][]));
      snapshot.fills.push(...fills.value.map((row) => row.map((cell) => ({ ...cell.format?.fill }))));

      const end = start + rows;
      block.values = request.values.slice(start, end);
      if (request.numberFormat) block.numberFormat = request.numberFormat.slice(start, end);
      const changed = request.changed?.slice(start, end);
      if (changed?.some((row) => row.includes(true))) {
        block.setCellProperties(changed.map((row) => row.map((cell) => (cell ? { format: { fill: { color: colour } } } : {}))));
      }
      await context.sync();
      start = end;
      rowsPerBlock = nextBlockRows(rows, 2 * approximateBytes(request.values.slice(start - rows, start)), targetBytes);
    }
    return snapshot;
  });
}

/** Puts back what `writeCells` replaced: formulas, number formats and fills. */
export async function restoreSnapshot(snapshot: Snapshot, options: { targetBytesPerSync?: number; firstBlockCells?: number } = {}): Promise<void> {
  const targetBytes = options.targetBytesPerSync ?? TARGET_BYTES_PER_SYNC;
  const rowCount = snapshot.formulas.length;
  const columnCount = snapshot.formulas[0]?.length ?? 0;
  if (rowCount === 0 || columnCount === 0) return;
  await Excel.run(async (context) => {
    const sheet = context.workbook.worksheets.getItem(snapshot.sheet);
    let rowsPerBlock = Math.max(1, Math.floor((options.firstBlockCells ?? FIRST_BLOCK_CELLS) / columnCount));
    for (let start = 0; start < rowCount; ) {
      const rows = Math.min(rowsPerBlock, rowCount - start);
      const end = start + rows;
      const block = sheet.getRangeByIndexes(snapshot.rowIndex + start, snapshot.columnIndex, rows, columnCount);
      block.formulas = snapshot.formulas.slice(start, end) as Excel.Range['formulas'];
      block.numberFormat = snapshot.numberFormat.slice(start, end);
      block.setCellProperties(snapshot.fills.slice(start, end).map((row) => row.map(fillProperties)));
      await context.sync();
      start = end;
      rowsPerBlock = nextBlockRows(rows, 2 * approximateBytes(snapshot.formulas.slice(end - rows, end)), targetBytes);
    }
  });
}

/** An unfilled cell is put back with no fill, not a white one. */
function fillProperties(fill: CellFill): Excel.SettableCellProperties {
  if (!fill.pattern || fill.pattern === 'None') return { format: { fill: { pattern: 'None' } } };
  return { format: { fill: fill.color === undefined ? { pattern: fill.pattern } : { color: fill.color, pattern: fill.pattern } } };
}

/**
 * Where a block of `rows` × `columns` goes when inserted at the selection:
 * its top-left cell is the selection's top-left cell.
 */
export async function addressAtSelection(rows: number, columns: number): Promise<string> {
  if (rows < 1 || columns < 1) throw new Error('Nothing to insert: the table is empty.');
  return Excel.run(async (context) => {
    const target = context.workbook.getSelectedRange().getCell(0, 0).getResizedRange(rows - 1, columns - 1);
    target.load('address');
    await context.sync();
    return target.address;
  });
}

/** Writes a table at the selection (highlighting what it wrote) and returns the snapshot for undo. */
export async function insertAtSelection(values: CellValue[][], numberFormat?: string[][]): Promise<Snapshot> {
  const columns = Math.max(0, ...values.map((row) => row.length));
  const square = values.map((row) => Array.from({ length: columns }, (_, index) => row[index] ?? ''));
  const address = await addressAtSelection(square.length, columns);
  const request: WriteRequest = { address, values: square, changed: square.map((row) => row.map(() => true)) };
  if (numberFormat) request.numberFormat = numberFormat;
  return writeCells(request);
}
