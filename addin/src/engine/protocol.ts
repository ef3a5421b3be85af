import type {
  CellDiff,
  ChatWindow,
  CleanProgress,
  CleanResult,
  FileProfile,
  MaskPolicy,
  MaskResult,
  OfficeRange,
  Preview,
  PriceTable,
  Recipe,
  ScanResult,
  SheetContextOptions,
  SheetValues,
  TableProfile,
  WindowInput,
  WindowLimits,
} from './types.ts';

/**
 * How the worker's one masker starts: from a saved vault (its key inside),
 * or empty with a fresh key. The pane keeps the vault, never the worker.
 */
export type MaskerSource = { vault: string } | { key: Uint8Array };

/** A table opened for cleaning: its profile and the recipe the engine suggests for it. */
export interface CleanOpened {
  profile: TableProfile;
  recipe: Recipe;
}

/** A file opened for cleaning, with the sheet read and the workbook's other sheets. */
export interface CleanOpenedFile extends CleanOpened {
  sheetName: string;
  sheetNames: string[];
}

/** What each request carries besides its type and id. */
export interface EngineRequestBodies {
  profileFile: { bytes: ArrayBuffer; fileName: string; sheet?: string | null };
  profileRange: { range: OfficeRange };
  /** A file's first sheet (or `sheet`) as an Office.js range, header first. */
  readFileRange: { bytes: ArrayBuffer; fileName: string };
  version: object;
  openMasker: { source: MaskerSource; policy: MaskPolicy };
  setPolicy: { policy: MaskPolicy };
  scan: { range: OfficeRange };
  mask: { range: OfficeRange };
  preview: { range: OfficeRange; options: SheetContextOptions };
  unmask: { text: string };
  exportVault: object;
  countTokens: { text: string; model?: string | null };
  buildWindow: { input: WindowInput; limits?: WindowLimits | null; model: string };
  priceTable: object;
  /**
   * Cleaning: the worker holds one cleaner (the table last opened) and at
   * most one running job. The pane drives a job one step per request, so
   * progress shows after each step and a cancel goes through between steps.
   */
  cleanOpenFile: { bytes: ArrayBuffer; fileName: string; sheet?: string | null };
  cleanOpenRange: { range: OfficeRange };
  cleanStart: { recipe: Recipe };
  cleanStep: object;
  cleanFinish: object;
  cleanCancel: object;
  /** The open table as it stands, to write back to the selection (only asked for then: a big one is a million cells). */
  cleanValues: object;
  cleanUndo: object;
  cleanCsv: object;
  /** Changes `start` to `start + count` of the last finished run (see `DiffIndex`). */
  cleanDiffPage: { start: number; count: number };
}

/** The result each request type resolves to. */
export interface EngineResults {
  profileFile: FileProfile;
  profileRange: TableProfile;
  readFileRange: OfficeRange;
  version: string;
  /** How many pseudonyms the opened vault holds. */
  openMasker: number;
  setPolicy: null;
  scan: ScanResult;
  mask: MaskResult;
  preview: Preview;
  unmask: string;
  exportVault: string;
  countTokens: number;
  buildWindow: ChatWindow;
  priceTable: PriceTable;
  cleanOpenFile: CleanOpenedFile;
  cleanOpenRange: CleanOpened;
  cleanStart: CleanProgress;
  cleanStep: CleanProgress;
  cleanFinish: CleanResult;
  cleanCancel: null;
  cleanValues: SheetValues;
  /** Whether there was a run to take back (the values then: `cleanValues`). */
  cleanUndo: boolean;
  /** The cleaned table as UTF-8 CSV. */
  cleanCsv: Uint8Array;
  cleanDiffPage: CellDiff[];
}

export type EngineRequestType = keyof EngineRequestBodies;

/** What the pane asks the engine worker to do; `id` pairs a reply with its request. */
export type EngineRequest = {
  [T in EngineRequestType]: { id: number; type: T } & EngineRequestBodies[T];
}[EngineRequestType];

export type EngineResponse =
  | { id: number; ok: true; result: EngineResults[EngineRequestType] }
  | { id: number; ok: false; error: string; /** The wasm instance trapped: the worker must be replaced. */ crashed?: true };
