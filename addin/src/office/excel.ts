import type { OfficeRange } from '../engine/types.ts';

/** A selection as the engine profiles it, plus where it is in the workbook. */
export interface Selection extends OfficeRange {
  address: string;
}

/**
 * The largest selection read in one go. Office.js hands the whole range over
 * in one payload, which gets slow and can hit host limits well before the
 * engine's; reading large ranges in chunks arrives later.
 */
export const MAX_SELECTION_CELLS = 1_000_000;

/** Reads the current Excel selection's values and number formats. */
export async function readSelection(): Promise<Selection> {
  return Excel.run(async (context) => {
    const range = context.workbook.getSelectedRange();
    // Size first, so an oversized selection is refused before its values cross over.
    range.load(['address', 'rowCount', 'columnCount']);
    await context.sync();

    const cells = range.rowCount * range.columnCount;
    if (cells > MAX_SELECTION_CELLS) {
      throw new Error(
        `The selection ${range.address} has ${cells.toLocaleString('en-US')} cells; ` +
          `select at most ${MAX_SELECTION_CELLS.toLocaleString('en-US')} cells for now.`,
      );
    }

    range.load(['values', 'numberFormat']);
    await context.sync();
    return {
      address: range.address,
      values: range.values as OfficeRange['values'],
      numberFormat: range.numberFormat as string[][],
    };
  });
}
