import { describe, expect, it, vi } from 'vitest';
import { EngineClient, type WorkerLike } from './client.ts';
import type { EngineRequest, EngineResponse } from './protocol.ts';
import { ledgerFile, ledgerProfile } from '../test/fixtures.ts';

class FakeWorker implements WorkerLike {
  onmessage: WorkerLike['onmessage'] = null;
  onerror: WorkerLike['onerror'] = null;
  readonly posted: { message: EngineRequest; transfer: Transferable[] }[] = [];
  terminated = false;

  postMessage(message: EngineRequest, transfer: Transferable[]): void {
    this.posted.push({ message, transfer });
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(response: EngineResponse): void {
    this.onmessage?.({ data: response } as MessageEvent<EngineResponse>);
  }
  crash(message: string): void {
    this.onerror?.({ message } as ErrorEvent);
  }
  lastRequest(): EngineRequest {
    const last = this.posted.at(-1);
    if (!last) throw new Error('nothing was posted');
    return last.message;
  }
}

describe('EngineClient', () => {
  it('profiles bytes and resolves with the engine result, transferring the buffer', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const bytes = new TextEncoder().encode('a,b\n1,2\n').buffer;

    const result = client.profileFile({ bytes, name: 'ledger.csv' }, 'Sheet1');
    await vi.waitFor(() => {
      expect(worker.posted).toHaveLength(1);
    });
    const [{ message, transfer }] = worker.posted as [{ message: EngineRequest; transfer: Transferable[] }];
    expect(message).toMatchObject({ type: 'profileFile', fileName: 'ledger.csv', sheet: 'Sheet1' });
    expect(transfer).toEqual([bytes]);
    expect(message.type === 'profileFile' && message.bytes).toBe(bytes);

    worker.reply({ id: message.id, ok: true, result: ledgerFile });
    await expect(result).resolves.toEqual(ledgerFile);
  });

  it('reads a picked File before sending its bytes', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const file = new File(['x,y\n1,2\n'], 'picked.csv', { type: 'text/csv' });

    const result = client.profileFile(file);
    await vi.waitFor(() => {
      expect(worker.posted).toHaveLength(1);
    });
    const request = worker.lastRequest();
    if (request.type !== 'profileFile') throw new Error(`unexpected ${request.type}`);
    expect(request.fileName).toBe('picked.csv');
    expect(request.sheet).toBeNull();
    expect(new TextDecoder().decode(request.bytes)).toBe('x,y\n1,2\n');
    expect(worker.posted[0]?.transfer).toEqual([request.bytes]);

    worker.reply({ id: request.id, ok: true, result: ledgerFile });
    await expect(result).resolves.toBe(ledgerFile);
  });

  it('pairs replies with requests by id, whatever order they come back in', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);

    const range = client.profileRange({ values: [['a'], [1]] });
    const version = client.version();
    const [rangeRequest, versionRequest] = worker.posted.map((p) => p.message) as [EngineRequest, EngineRequest];
    expect(rangeRequest).toMatchObject({ type: 'profileRange', range: { values: [['a'], [1]] } });
    expect(versionRequest.type).toBe('version');
    expect(rangeRequest.id).not.toBe(versionRequest.id);

    worker.reply({ id: versionRequest.id, ok: true, result: '0.1.0' });
    worker.reply({ id: rangeRequest.id, ok: true, result: ledgerProfile });
    await expect(version).resolves.toBe('0.1.0');
    await expect(range).resolves.toEqual(ledgerProfile);
  });

  it('rejects with a real Error carrying the engine message', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);

    const result = client.profileRange({ values: [] });
    worker.reply({ id: worker.lastRequest().id, ok: false, error: 'The file is not a spreadsheet.' });

    const error: unknown = await result.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('The file is not a spreadsheet.');
  });

  it('rejects every pending call when the worker crashes, and later calls too', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);

    const first = client.profileRange({ values: [['a']] });
    const second = client.version();
    worker.crash('Uncaught RuntimeError: unreachable');

    await expect(first).rejects.toThrow('The engine stopped unexpectedly: Uncaught RuntimeError: unreachable');
    await expect(second).rejects.toThrow('The engine stopped unexpectedly');
    expect(worker.terminated).toBe(true);

    await expect(client.version()).rejects.toThrow('Reload the add-in');
    expect(worker.posted).toHaveLength(2);
  });

  it('replaces a worker whose engine trapped: what was in flight fails clearly, later calls reach a fresh engine', async () => {
    const first = new FakeWorker();
    const second = new FakeWorker();
    const client = new EngineClient(first, () => second);
    const crashing = client.profileFile({ bytes: new ArrayBuffer(4), name: 'odd.xlsb' });
    const alongside = client.version();
    await vi.waitFor(() => {
      expect(first.posted).toHaveLength(2);
    });
    first.reply({ id: first.posted[0]?.message.id ?? 0, ok: false, error: 'The engine stopped on an internal error', crashed: true });
    await expect(crashing).rejects.toThrow('The engine stopped on an internal error');
    await expect(alongside).rejects.toThrow('The engine stopped on an internal error');
    expect(first.terminated).toBe(true);

    const later = client.version();
    await vi.waitFor(() => {
      expect(second.posted).toHaveLength(1);
    });
    expect(first.posted).toHaveLength(2);
    second.reply({ id: second.lastRequest().id, ok: true, result: '1.2.3' });
    await expect(later).resolves.toBe('1.2.3');
  });

  it('without a way to start another worker, a trap ends the client', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const crashing = client.version();
    worker.reply({ id: worker.lastRequest().id, ok: false, error: 'trapped', crashed: true });
    await expect(crashing).rejects.toThrow('trapped');
    await expect(client.version()).rejects.toThrow('trapped');
    expect(worker.terminated).toBe(true);
  });

  it('ignores replies to requests it is no longer waiting for', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);

    const version = client.version();
    const { id } = worker.lastRequest();
    worker.reply({ id: id + 100, ok: true, result: 'stray' });
    worker.reply({ id, ok: true, result: '1.2.3' });
    await expect(version).resolves.toBe('1.2.3');
  });

  it('dispose terminates the worker and rejects what was pending', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const pending = client.version();

    client.dispose();

    await expect(pending).rejects.toThrow('The engine was shut down.');
    expect(worker.terminated).toBe(true);
  });

  it('asks the worker to mask, preview and un-mask, each request typed and answered in turn', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const policy = { version: 1 as const, types: { email: 'pseudonym' as const } };
    const key = new Uint8Array(32).fill(1);
    const range = { values: [['Email'], ['a@example.com']] };

    const opened = client.openMasker({ key }, policy);
    expect(worker.lastRequest()).toEqual({ id: 1, type: 'openMasker', source: { key }, policy });
    // The key is copied to the worker, never transferred away from the pane.
    expect(worker.posted[0]?.transfer).toEqual([]);
    worker.reply({ id: 1, ok: true, result: 0 });
    expect(await opened).toBe(0);

    const preview = client.preview(range, { budget: 500 });
    expect(worker.lastRequest()).toEqual({ id: 2, type: 'preview', range, options: { budget: 500 } });
    const previewed = { payload: 'Email\nEMAIL_1', tokens: 5 };
    worker.reply({ id: 2, ok: true, result: previewed as never });
    expect(await preview).toEqual(previewed);

    const unmasked = client.unmask('EMAIL_1 paid');
    expect(worker.lastRequest()).toEqual({ id: 3, type: 'unmask', text: 'EMAIL_1 paid' });
    worker.reply({ id: 3, ok: true, result: 'a@example.com paid' });
    expect(await unmasked).toBe('a@example.com paid');

    const vault = client.exportVault();
    expect(worker.lastRequest()).toMatchObject({ id: 4, type: 'exportVault' });
    worker.reply({ id: 4, ok: false, error: 'Masking has not started' });
    await expect(vault).rejects.toThrow('Masking has not started');
  });

  it('asks the worker for a token window with the model and no limits unless given', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const input = { system: '', message: 'hi', reserveOutput: 0 };

    const window = client.buildWindow(input, 'gemini-flash-latest');
    expect(worker.lastRequest()).toEqual({ id: 1, type: 'buildWindow', input, limits: null, model: 'gemini-flash-latest' });
    worker.reply({ id: 1, ok: true, result: { cost: { total: 0 } } as never });
    expect(await window).toEqual({ cost: { total: 0 } });

    const count = client.countTokens('hi');
    expect(worker.lastRequest()).toEqual({ id: 2, type: 'countTokens', text: 'hi', model: null });
    worker.reply({ id: 2, ok: true, result: 1 });
    expect(await count).toBe(1);
  });
});

describe('EngineClient cleaning runs', () => {
  const progress = (stepsDone: number, stepsTotal: number, step: string | null) => ({ done: stepsDone === stepsTotal, stepsDone, stepsTotal, step });
  const recipe = { version: 1, steps: [{ op: 'standardize', column: 'Amount', as: 'decimal' }, { op: 'duplicates', threshold: 0.9 }] };

  /** Answers each request once it is posted, so the run's loop can go on. */
  async function answer(worker: FakeWorker, index: number, type: string, result: unknown) {
    await vi.waitFor(() => {
      expect(worker.posted.length).toBeGreaterThan(index);
    });
    const message = worker.posted[index]?.message;
    expect(message?.type).toBe(type);
    worker.reply({ id: message?.id ?? -1, ok: true, result: result as never });
  }

  it('runs a recipe one step per request, reporting progress after each, then finishes', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const seen: unknown[] = [];

    const run = client.runClean(recipe, { onProgress: (p) => seen.push(p) });
    expect(worker.lastRequest()).toEqual({ id: 1, type: 'cleanStart', recipe });
    await answer(worker, 0, 'cleanStart', progress(0, 2, null));
    await answer(worker, 1, 'cleanStep', progress(1, 2, 'Standardize Amount'));
    await answer(worker, 2, 'cleanStep', progress(2, 2, 'Duplicates'));
    const finished = { diff: { length: 0, rows: new Uint32Array(), columns: new Uint32Array(), steps: new Uint32Array() }, summary: { changedCells: 0 } };
    await answer(worker, 3, 'cleanFinish', finished);

    await expect(run).resolves.toEqual(finished);
    expect(seen).toEqual([progress(0, 2, null), progress(1, 2, 'Standardize Amount'), progress(2, 2, 'Duplicates')]);
    expect(worker.posted).toHaveLength(4);
  });

  it('asks the worker for one page of the diff at a time', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const change = { row: 0, column: 1, before: ' 1', after: 1, step: 0, reason: 'number read from text', confidence: 1 };

    const page = client.cleanDiffPage(50, 50);
    expect(worker.lastRequest()).toEqual({ id: 1, type: 'cleanDiffPage', start: 50, count: 50 });
    await answer(worker, 0, 'cleanDiffPage', [change]);

    await expect(page).resolves.toEqual([change]);
  });

  it('asks the worker for the cleaned values on their own, and undo answers whether it took a run back', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const sheet = { hasHeader: true, values: [['Amount'], [1]], numberFormats: [[null], ['0.00']] };

    const values = client.cleanedValues();
    expect(worker.lastRequest()).toEqual({ id: 1, type: 'cleanValues' });
    await answer(worker, 0, 'cleanValues', sheet);
    await expect(values).resolves.toEqual(sheet);

    const undo = client.undoClean();
    expect(worker.lastRequest()).toEqual({ id: 2, type: 'cleanUndo' });
    await answer(worker, 1, 'cleanUndo', true);
    await expect(undo).resolves.toBe(true);
  });

  it('cancels between steps when aborted, and rejects with an AbortError', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const controller = new AbortController();

    const run = client.runClean(recipe, {
      signal: controller.signal,
      onProgress: (p) => {
        // The user presses Cancel while the first step is reported.
        if (p.stepsDone === 1) controller.abort();
      },
    });
    await answer(worker, 0, 'cleanStart', progress(0, 2, null));
    await answer(worker, 1, 'cleanStep', progress(1, 2, 'Standardize Amount'));
    await answer(worker, 2, 'cleanCancel', null);

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    // No further step and no finish were asked for.
    expect(worker.posted.map((p) => p.message.type)).toEqual(['cleanStart', 'cleanStep', 'cleanCancel']);
  });

  it('does not start at all when already aborted', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const controller = new AbortController();
    controller.abort();

    await expect(client.runClean(recipe, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(worker.posted).toHaveLength(0);
  });

  it('passes a failing step’s message on', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);

    const run = client.runClean(recipe);
    await answer(worker, 0, 'cleanStart', progress(0, 2, null));
    await vi.waitFor(() => {
      expect(worker.posted).toHaveLength(2);
    });
    worker.reply({ id: 2, ok: false, error: 'recipe: column "Amount" not found' });

    await expect(run).rejects.toThrow('recipe: column "Amount" not found');
  });

  it('opens a file for cleaning by transferring its bytes, and a range by copying it', async () => {
    const worker = new FakeWorker();
    const client = new EngineClient(worker);
    const bytes = new TextEncoder().encode('a\n1\n').buffer;

    const opened = client.openCleanerFile({ bytes, name: 'a.csv' }, 'Sheet1');
    await vi.waitFor(() => {
      expect(worker.posted).toHaveLength(1);
    });
    expect(worker.lastRequest()).toMatchObject({ type: 'cleanOpenFile', fileName: 'a.csv', sheet: 'Sheet1' });
    expect(worker.posted[0]?.transfer).toEqual([bytes]);
    const result = { profile: ledgerProfile, recipe: { version: 1, steps: [] }, sheetName: 'Sheet1', sheetNames: ['Sheet1'] };
    worker.reply({ id: 1, ok: true, result });
    await expect(opened).resolves.toEqual(result);

    const range = { values: [['a'], [1]] };
    void client.openCleanerRange(range);
    expect(worker.lastRequest()).toEqual({ id: 2, type: 'cleanOpenRange', range });
    expect(worker.posted[1]?.transfer).toEqual([]);
  });
});
