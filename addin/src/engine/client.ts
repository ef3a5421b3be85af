import type { CleanOpened, CleanOpenedFile, EngineRequest, EngineRequestBodies, EngineRequestType, EngineResponse, EngineResults, MaskerSource } from './protocol.ts';
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

/** The part of `Worker` the client uses, so tests can hand in a fake. */
export interface WorkerLike {
  postMessage(message: EngineRequest, transfer: Transferable[]): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<EngineResponse>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

/** A file to profile: a picked or dropped `File`, or bytes already in memory. */
export type FileInput = File | { bytes: ArrayBuffer; name: string };

/** How a cleaning run reports and is stopped. */
export interface CleanRunOptions {
  /** Called once the job starts and after every step. */
  onProgress?: (progress: CleanProgress) => void;
  /** Aborting cancels the job between steps; the table stays as it was. */
  signal?: AbortSignal;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The cleaning run was cancelled.', 'AbortError');
}

interface Pending {
  resolve: (result: EngineResults[EngineRequestType]) => void;
  reject: (error: Error) => void;
}

/** Typed, promise-based access to the wasm engine running in a Web Worker. */
export class EngineClient {
  private worker: WorkerLike;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Set once the worker has died; later calls fail with it instead of hanging. */
  private failure: Error | undefined;

  /**
   * `startWorker` replaces a worker whose engine trapped on some input (the
   * worker says so and closes); without it, such a trap ends the client.
   */
  constructor(
    worker: WorkerLike,
    private readonly startWorker?: () => WorkerLike,
  ) {
    this.worker = this.attach(worker);
  }

  private attach(worker: WorkerLike): WorkerLike {
    worker.onmessage = (event) => {
      this.settle(event.data);
    };
    worker.onerror = (event) => {
      // Our worker answers every request itself, so an `error` event means it
      // could not load or has crashed: it will not answer anything else.
      const detail = event.message ? `: ${event.message}` : '';
      this.fail(new Error(`The engine stopped unexpectedly${detail}. Reload the add-in to try again.`));
    };
    return worker;
  }

  /**
   * Profiles a spreadsheet or CSV file. The bytes are transferred to the
   * worker, so an `ArrayBuffer` passed in is detached afterwards.
   */
  async profileFile(file: FileInput, sheet?: string | null): Promise<FileProfile> {
    const bytes = file instanceof Blob ? await file.arrayBuffer() : file.bytes;
    return this.call('profileFile', { bytes, fileName: file.name, sheet: sheet ?? null }, [bytes]);
  }

  profileRange(range: OfficeRange): Promise<TableProfile> {
    return this.call('profileRange', { range });
  }

  version(): Promise<string> {
    return this.call('version', {});
  }

  /** A file's sheet as an Office.js range (header first), for masking outside Excel. */
  async readFileRange(file: FileInput): Promise<OfficeRange> {
    const bytes = file instanceof Blob ? await file.arrayBuffer() : file.bytes;
    return this.call('readFileRange', { bytes, fileName: file.name }, [bytes]);
  }

  /**
   * Starts the worker's masker for one workbook, replacing any other; resolves
   * to the number of pseudonyms its vault already holds. A key is copied,
   * never transferred, so the caller's stays usable.
   */
  openMasker(source: MaskerSource, policy: MaskPolicy): Promise<number> {
    return this.call('openMasker', { source, policy });
  }

  async setPolicy(policy: MaskPolicy): Promise<void> {
    await this.call('setPolicy', { policy });
  }

  scan(range: OfficeRange): Promise<ScanResult> {
    return this.call('scan', { range });
  }

  mask(range: OfficeRange): Promise<MaskResult> {
    return this.call('mask', { range });
  }

  /** Exactly what the chat sends about the range: `payload`, unchanged. */
  preview(range: OfficeRange, options: SheetContextOptions): Promise<Preview> {
    return this.call('preview', { range, options });
  }

  /** Restores this workbook's pseudonyms in a model's answer. */
  unmask(text: string): Promise<string> {
    return this.call('unmask', { text });
  }

  /** The vault with its key, for the pane's own storage only. */
  exportVault(): Promise<string> {
    return this.call('exportVault', {});
  }

  countTokens(text: string, model?: string | null): Promise<number> {
    return this.call('countTokens', { text, model: model ?? null });
  }

  buildWindow(input: WindowInput, model: string, limits?: WindowLimits | null): Promise<ChatWindow> {
    return this.call('buildWindow', { input, limits: limits ?? null, model });
  }

  priceTable(): Promise<PriceTable> {
    return this.call('priceTable', {});
  }

  /** Opens a file's sheet (the first with data, or `sheet`) for cleaning: its profile and suggested recipe. */
  async openCleanerFile(file: FileInput, sheet?: string | null): Promise<CleanOpenedFile> {
    const bytes = file instanceof Blob ? await file.arrayBuffer() : file.bytes;
    return this.call('cleanOpenFile', { bytes, fileName: file.name, sheet: sheet ?? null }, [bytes]);
  }

  /** Opens an Excel selection for cleaning: its profile and suggested recipe. */
  openCleanerRange(range: OfficeRange): Promise<CleanOpened> {
    return this.call('cleanOpenRange', { range });
  }

  /**
   * Runs `recipe` on the open table one step per request, so the worker
   * reports progress after each step and reads a cancel between steps.
   * Rejects with the signal's reason once aborted (the job is cancelled and
   * the table left as it was).
   */
  async runClean(recipe: Recipe, options: CleanRunOptions = {}): Promise<CleanResult> {
    const { onProgress, signal } = options;
    signal?.throwIfAborted();
    let progress = await this.call('cleanStart', { recipe });
    onProgress?.(progress);
    while (!progress.done) {
      if (signal?.aborted) {
        await this.call('cleanCancel', {});
        throw abortReason(signal);
      }
      progress = await this.call('cleanStep', {});
      onProgress?.(progress);
    }
    if (signal?.aborted) {
      await this.call('cleanCancel', {});
      throw abortReason(signal);
    }
    return this.call('cleanFinish', {});
  }

  /**
   * The open table as it stands (cleaned once a run finished), as Office.js writes it:
   * a run's result leaves it out, since only a write-back to the selection needs it.
   */
  cleanedValues(): Promise<SheetValues> {
    return this.call('cleanValues', {});
  }

  /** Takes back the last finished run; resolves to whether there was one (the values then: `cleanedValues`). */
  undoClean(): Promise<boolean> {
    return this.call('cleanUndo', {});
  }

  /** The open table as it stands (cleaned once a run finished), as UTF-8 CSV. */
  cleanedCsv(): Promise<Uint8Array> {
    return this.call('cleanCsv', {});
  }

  /**
   * Changes `start` to `start + count` of the last finished run's diff, in the
   * order of its `DiffIndex`: the worker keeps the values, the pane asks for a page at a time.
   */
  cleanDiffPage(start: number, count: number): Promise<CellDiff[]> {
    return this.call('cleanDiffPage', { start, count });
  }

  dispose(): void {
    this.fail(new Error('The engine was shut down.'));
  }

  private call<T extends EngineRequestType>(
    type: T,
    body: EngineRequestBodies[T],
    transfer: Transferable[] = [],
  ): Promise<EngineResults[T]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<EngineResults[T]>((resolve, reject) => {
      this.pending.set(id, {
        // The worker answers a request of type T with EngineResults[T].
        resolve: resolve as Pending['resolve'],
        reject,
      });
      // TypeScript cannot correlate `type` with `body` through the generic.
      this.worker.postMessage({ ...body, type, id } as EngineRequest, transfer);
    });
  }

  private settle(response: EngineResponse): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    this.pending.delete(response.id);
    if (response.ok) waiting.resolve(response.result);
    else waiting.reject(new Error(response.error));
    if (!response.ok && response.crashed) this.replaceWorker(new Error(response.error));
  }

  /** Everything in flight fails with `error`; later calls go to a fresh engine. */
  private replaceWorker(error: Error): void {
    if (!this.startWorker) {
      this.fail(error);
      return;
    }
    this.worker.terminate();
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.worker = this.attach(this.startWorker());
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.worker.terminate();
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

export function createEngineClient(): EngineClient {
  const startWorker = () => new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'ledgerlight-engine' });
  return new EngineClient(startWorker(), startWorker);
}
