import { messageOf } from '../errors.ts';
import type { CleanOpened, CleanOpenedFile, EngineRequest, EngineResponse, EngineResults, MaskerSource } from './protocol.ts';
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

/** The engine as the worker uses it; the real one wraps the wasm bindings, tests pass a fake. */
export interface EngineApi {
  profileFile(bytes: Uint8Array, fileName: string, sheet?: string | null): FileProfile;
  profileRange(range: OfficeRange): TableProfile;
  readFileRange(bytes: Uint8Array, fileName: string): OfficeRange;
  version(): string;
  openMasker(source: MaskerSource, policy: MaskPolicy): number;
  setPolicy(policy: MaskPolicy): void;
  scan(range: OfficeRange): ScanResult;
  mask(range: OfficeRange): MaskResult;
  preview(range: OfficeRange, options: SheetContextOptions): Preview;
  unmask(text: string): string;
  exportVault(): string;
  countTokens(text: string, model?: string | null): number;
  buildWindow(input: WindowInput, limits: WindowLimits | null, model: string): ChatWindow;
  priceTable(): PriceTable;
  cleanOpenFile(bytes: Uint8Array, fileName: string, sheet: string | null): CleanOpenedFile;
  cleanOpenRange(range: OfficeRange): CleanOpened;
  cleanStart(recipe: Recipe): CleanProgress;
  cleanStep(): CleanProgress;
  cleanFinish(): CleanResult;
  cleanCancel(): void;
  cleanValues(): SheetValues;
  cleanUndo(): boolean;
  cleanCsv(): Uint8Array;
  cleanDiffPage(start: number, count: number): CellDiff[];
}

type Answer = EngineResults[keyof EngineResults];

function answer(engine: EngineApi, request: EngineRequest): Answer {
  switch (request.type) {
    case 'profileFile':
      return engine.profileFile(new Uint8Array(request.bytes), request.fileName, request.sheet ?? null);
    case 'profileRange':
      return engine.profileRange(request.range);
    case 'readFileRange':
      return engine.readFileRange(new Uint8Array(request.bytes), request.fileName);
    case 'version':
      return engine.version();
    case 'openMasker':
      return engine.openMasker(request.source, request.policy);
    case 'setPolicy':
      engine.setPolicy(request.policy);
      return null;
    case 'scan':
      return engine.scan(request.range);
    case 'mask':
      return engine.mask(request.range);
    case 'preview':
      return engine.preview(request.range, request.options);
    case 'unmask':
      return engine.unmask(request.text);
    case 'exportVault':
      return engine.exportVault();
    case 'countTokens':
      return engine.countTokens(request.text, request.model ?? null);
    case 'buildWindow':
      return engine.buildWindow(request.input, request.limits ?? null, request.model);
    case 'priceTable':
      return engine.priceTable();
    case 'cleanOpenFile':
      return engine.cleanOpenFile(new Uint8Array(request.bytes), request.fileName, request.sheet ?? null);
    case 'cleanOpenRange':
      return engine.cleanOpenRange(request.range);
    case 'cleanStart':
      return engine.cleanStart(request.recipe);
    case 'cleanStep':
      return engine.cleanStep();
    case 'cleanFinish':
      return engine.cleanFinish();
    case 'cleanCancel':
      engine.cleanCancel();
      return null;
    case 'cleanValues':
      return engine.cleanValues();
    case 'cleanUndo':
      return engine.cleanUndo();
    case 'cleanCsv':
      return engine.cleanCsv();
    case 'cleanDiffPage':
      return engine.cleanDiffPage(request.start, request.count);
    default: {
      // Messages cross a thread boundary untyped, so an unknown type is possible at run time.
      const unknownType = (request as { type?: unknown }).type;
      throw new UnknownRequest(`The engine does not understand the request "${String(unknownType)}".`);
    }
  }
}

class UnknownRequest extends Error {}

/** Runs one request against a ready engine; never throws, failures become error replies. */
export function dispatch(engine: EngineApi, request: EngineRequest): EngineResponse {
  const { id } = request;
  try {
    return { id, ok: true, result: answer(engine, request) };
  } catch (thrown) {
    // A trap (a Rust panic aborts in wasm, e.g. inside a file parser) leaves
    // the instance's memory half-updated: nothing may call it again.
    if (thrown instanceof WebAssembly.RuntimeError) return { id, ok: false, error: ENGINE_CRASHED, crashed: true };
    return { id, ok: false, error: messageOf(thrown, 'The engine failed without saying why.') };
  }
}

export const ENGINE_CRASHED =
  'The engine stopped on an internal error while handling this input and was restarted. Nothing was changed; open the data again to continue.';

/**
 * Builds the worker's message handler. The engine is loaded on the first
 * message and shared by all later ones; if loading fails, every request is
 * answered with that failure instead of hanging.
 */
export function createRequestHandler(
  loadEngine: () => Promise<EngineApi>,
  reply: (response: EngineResponse) => void,
): (request: EngineRequest) => Promise<void> {
  let engine: Promise<EngineApi> | undefined;
  return async (request) => {
    engine ??= loadEngine();
    try {
      reply(dispatch(await engine, request));
    } catch (thrown) {
      reply({ id: request.id, ok: false, error: `The engine could not start: ${messageOf(thrown)}` });
    }
  };
}
