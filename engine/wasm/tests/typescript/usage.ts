// A typed use of every export of the engine's wasm package, for `tsc
// --noEmit` (see tsconfig.json): fails when the declarations and the
// pane's expectations drift apart. `@ts-expect-error` lines check that
// the declarations are precise, not `any`.
import {
  Cleaner,
  Engine,
  Masker,
  engineVersion,
  type CellDiff,
  type ChatWindow,
  type CleanResult,
  type DiffIndex,
  type MaskPolicy,
  type MaskResult,
  type OfficeRange,
  type PiiType,
  type Preview,
  type ScanFinding,
  type ScanResult,
  type SheetContext,
  type SheetValues,
  type WindowInput,
} from '../../../../addin/src/engine/pkg/engine_wasm.js';

export function useEverything(range: OfficeRange, key: Uint8Array): string {
  const engine = new Engine({ maxCells: 1_000_000 });
  const version: string = engineVersion();
  const tokens: number = engine.countTokens('1.234,56 EUR', null);
  const input: WindowInput = {
    system: 'You help with spreadsheets.',
    history: [{ role: 'user', text: 'Hi' }, { role: 'model', text: 'Hello' }],
    message: 'Total?',
    reserveOutput: 512,
  };
  const window: ChatWindow = engine.buildWindow(input, { maxRequestTokens: 8000 }, 'gemini-2.5-flash');
  const dropped: number[] = window.breakdown.droppedMessages;
  const cost: number = window.cost.total;
  const context: SheetContext = engine.sheetContext(range, { budget: 2000, headRows: 3 });
  const left: string = context.detail;

  const policy: MaskPolicy = {
    version: 1,
    minScore: 0.7,
    types: { credit_card: { op: 'partial', keepLast: 4 }, email: 'pseudonym' },
    columns: { Salary: { op: 'generalize', round: 1000 }, Notes: 'drop' },
  };
  const masker = new Masker(key, { policy });
  masker.setPolicy(masker.policy);
  const scan: ScanResult = masker.scan(range);
  const first: ScanFinding | undefined = scan.findings[0];
  const kind: PiiType | undefined = first?.type;
  const masked: MaskResult = masker.mask(range);
  const cell: string | number | boolean | undefined = masked.values[0]?.[0];
  const preview: Preview = masker.preview(range, { budget: 1500, model: 'gemini-2.5-flash' });
  // The pane sends the previewed payload as the sheet context, unchanged.
  const send: WindowInput = { ...input, sheetContext: preview.payload };
  const restored: string = masker.unmask('PERSON_1 owes the most');
  const saved: string = masker.exportVault();
  const again = Masker.fromVault(saved, null);
  const size: number = again.vaultSize;
  again.free();
  masker.free();
  engine.free();

  // Cleaning: where the changes are as typed arrays, their values a page at a time.
  const cleaner = new Cleaner(range, null);
  const job = cleaner.start(cleaner.suggest());
  const result: CleanResult = job.finish();
  const hasHeader: boolean = result.hasHeader;
  const index: DiffIndex = result.diff;
  const firstRow: number | undefined = index.rows[0];
  const positions: Uint32Array = index.columns;
  const page: CellDiff[] = cleaner.diffPage(0, 50);
  const after: string | number | boolean | null | undefined = page[0]?.after;
  // The values to write back, asked for on their own.
  const sheet: SheetValues = cleaner.values();
  const format: string | null | undefined = sheet.numberFormats[0]?.[0];
  const undone: boolean = cleaner.undo();
  const stepUndone: boolean = cleaner.undoStep();
  cleaner.free();

  // @ts-expect-error: not an operator
  const wrongOperator: MaskPolicy = { version: 1, types: { email: 'scramble' } };
  // @ts-expect-error: not a PII type
  const wrongType: MaskPolicy = { version: 1, types: { shoe_size: 'keep' } };
  // @ts-expect-error: the budget is required
  engine.sheetContext(range, {});
  // @ts-expect-error: the key is bytes, not text
  new Masker('secret', null);
  // @ts-expect-error: the diff's positions are typed arrays, not change objects
  const wrongDiff: CellDiff[] = result.diff;
  // @ts-expect-error: a run's result does not carry the cleaned table (`Cleaner.values()` does)
  const wrongValues: unknown = result.values;

  return [version, tokens, dropped, cost, left, kind, cell, send, restored, size,
    masked.summary.maskedCells, preview.summary.rows[0]?.operator, wrongOperator, wrongType,
    firstRow, positions.length, after, wrongDiff, hasHeader, format, undone, stepUndone, wrongValues].join();
}
