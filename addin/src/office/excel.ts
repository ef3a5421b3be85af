import type { OfficeRange } from '../engine/types.ts';

/** A selection as the engine profiles it, plus where it is in the workbook. */
export interface Selection extends OfficeRange {
  address: string;
}

/** The largest selection read at all: 100k rows × 20 columns, with room to spare. */
export const MAX_SELECTION_CELLS = 2_000_000;

/**
 * Office caps one request or response at about 5 MB (Excel on the web is the
 * strictest); blocks aim well below it, since JSON of strings can grow.
 */
export const TARGET_BYTES_PER_SYNC = 2_000_000;
/** The first block's size, before any block has been measured. */
export const FIRST_BLOCK_CELLS = 20_000;

export interface ReadOptions {
  /** Called after each block with the share of rows read so far (0..1]. */
  onProgress?: (share: number) => void;
  signal?: AbortSignal;
  /** Overrides, for tests. */
  targetBytesPerSync?: number;
  firstBlockCells?: number;
}

/**
 * Reads the current Excel selection's values and number formats in row
 * blocks, each sized from the bytes the previous one took, so no sync comes
 * near Office's payload limit.
 */
export async function readSelection(options: ReadOptions = {}): Promise<Selection> {
  const targetBytes = options.targetBytesPerSync ?? TARGET_BYTES_PER_SYNC;
  const firstCells = options.firstBlockCells ?? FIRST_BLOCK_CELLS;
  return Excel.run(async (context) => {
    const range = context.workbook.getSelectedRange();
    // Size first, so an oversized selection is refused before its values cross over.
    range.load(['address', 'rowCount', 'columnCount', 'rowIndex', 'columnIndex']);
    const sheet = range.worksheet;
    await context.sync();

    const { rowCount, columnCount } = range;
    const cells = rowCount * columnCount;
    if (cells > MAX_SELECTION_CELLS) {
      throw new Error(
        `The selection ${range.address} has ${cells.toLocaleString('en-US')} cells; ` +
          `select at most ${MAX_SELECTION_CELLS.toLocaleString('en-US')} cells.`,
      );
    }

    const values: OfficeRange['values'] = [];
    const numberFormat: string[][] = [];
    let rowsPerBlock = Math.max(1, Math.floor(firstCells / Math.max(1, columnCount)));
    for (let start = 0; start < rowCount; ) {
      throwIfAborted(options.signal);
      const rows = Math.min(rowsPerBlock, rowCount - start);
      const block = sheet.getRangeByIndexes(range.rowIndex + start, range.columnIndex, rows, columnCount);
      block.load(['values', 'numberFormat']);
      await context.sync();
      const blockValues = block.values as OfficeRange['values'];
      const blockFormats = block.numberFormat as string[][];
      for (const row of blockValues) values.push(row);
      for (const row of blockFormats) numberFormat.push(row);
      start += rows;
      rowsPerBlock = nextBlockRows(rows, approximateBytes(blockValues) + approximateBytes(blockFormats), targetBytes);
      options.onProgress?.(start / rowCount);
    }
    return { address: range.address, values, numberFormat };
  });
}

/** Rows for the next block: scaled so it would take about `targetBytes`, never more than double. */
export function nextBlockRows(rows: number, bytes: number, targetBytes: number): number {
  if (bytes <= 0) return rows * 2;
  const scaled = Math.floor((rows * targetBytes) / bytes);
  return Math.max(1, Math.min(rows * 2, scaled));
}

/** The JSON size of a block, as Office would send it. */
export function approximateBytes(rows: unknown[][]): number {
  return JSON.stringify(rows).length;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('Cancelled.', 'AbortError');
}
