// Turning a cleaning result into one write to the sheet: the cleaned values
// in the selection's place, the rows removed by a step cleared below them,
// number formats kept where the engine set none, changed cells highlighted.
import type { CellDiff, CleanResult, CleanSummary, SheetValues } from '../../engine/types.ts';

export type SheetCell = string | number | boolean;

export interface SheetWrite {
  values: SheetCell[][];
  numberFormat: string[][];
  changed: boolean[][];
  /** How many changed cells are highlighted (removed rows' cells included). */
  highlighted: number;
}

/** The selection as it was read: its size and the formats to keep. */
export interface Original {
  rowCount: number;
  columnCount: number;
  numberFormat: string[][];
}

/**
 * Where each step's rows end up: a diff row is numbered in the table the
 * step ran on, and later steps may remove rows. Returns the final data row,
 * or null when the row was removed.
 */
export function finalRowMapper(summary: Pick<CleanSummary, 'steps' | 'removedRows'>): (row: number, step: number) => number | null {
  // `removedRows` lists every step's removals in step order, each as its index before that step.
  const removedBySteps: number[][] = [];
  let offset = 0;
  for (const step of summary.steps) {
    const removed = summary.removedRows.slice(offset, offset + step.removedRows);
    removedBySteps.push([...removed].sort((a, b) => a - b));
    offset += step.removedRows;
  }
  if (offset === 0) return (row) => row;
  return (row, step) => {
    let current = row;
    for (let s = step; s < removedBySteps.length; s++) {
      const removed = removedBySteps[s] ?? [];
      if (removed.length === 0) continue;
      // Binary search: how many removed indices are below `current`, and whether it is one.
      let lo = 0;
      let hi = removed.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((removed[mid] ?? 0) < current) lo = mid + 1;
        else hi = mid;
      }
      if (removed[lo] === current) return null;
      current -= lo;
    }
    return current;
  };
}

/**
 * The write for a cleaning result over the selection it came from: `sheet`,
 * the cleaned table as the engine gives it for a write-back (`Cleaner.values()`,
 * asked for only when the user applies), `result` where the changes are. The
 * range keeps the selection's size: rows removed by the recipe leave blank
 * rows at the bottom (cleared and highlighted) rather than stale data.
 */
export function sheetWrite(result: Pick<CleanResult, 'diff' | 'summary'>, sheet: SheetValues, original: Original): SheetWrite {
  const { rowCount, columnCount } = original;
  const header = sheet.hasHeader ? 1 : 0;
  const values: SheetCell[][] = [];
  const numberFormat: string[][] = [];
  const changed: boolean[][] = [];
  let highlighted = 0;
  for (let r = 0; r < rowCount; r++) {
    const row = sheet.values[r];
    const formats = sheet.numberFormats[r];
    const keep = original.numberFormat[r];
    const cleared = row === undefined;
    values.push(cleared ? new Array<SheetCell>(columnCount).fill('') : row.slice(0, columnCount));
    // A null format means "leave the cell's format as it is": the one the selection had at that position.
    numberFormat.push(Array.from({ length: columnCount }, (_, c) => (cleared ? undefined : formats?.[c]) ?? keep?.[c] ?? 'General'));
    changed.push(new Array<boolean>(columnCount).fill(cleared));
    if (cleared) highlighted += columnCount;
  }
  const finalRow = finalRowMapper(result.summary);
  // The diff's positions as typed arrays: no object per change, however many.
  const { rows, columns, steps } = result.diff;
  for (let i = 0; i < result.diff.length; i++) {
    const row = finalRow(rows[i] ?? 0, steps[i] ?? 0);
    if (row === null) continue;
    const line = changed[row + header];
    const column = columns[i] ?? columnCount;
    if (line && column < columnCount && !line[column]) {
      line[column] = true;
      highlighted += 1;
    }
  }
  return { values, numberFormat, changed, highlighted };
}

/**
 * A diff value as the diff table shows it: blanks as an em dash, and text
 * with leading or trailing spaces in quotes, so a trimmed change is visible.
 */
export function showValue(value: CellDiff['before']): string {
  if (value === null || value === '') return '—';
  if (typeof value === 'string' && value.trim() !== value) return JSON.stringify(value);
  return String(value);
}
