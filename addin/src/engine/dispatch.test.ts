import { describe, expect, it, vi } from 'vitest';
import { createRequestHandler, dispatch, ENGINE_CRASHED, type EngineApi } from './dispatch.ts';
import type { EngineRequest, EngineResponse } from './protocol.ts';
import { ledgerFile, ledgerProfile } from '../test/fixtures.ts';

function fakeEngine(overrides: Partial<EngineApi> = {}) {
  const profileFile = vi.fn<EngineApi['profileFile']>(() => ledgerFile);
  const profileRange = vi.fn<EngineApi['profileRange']>(() => ledgerProfile);
  const version = vi.fn<EngineApi['version']>(() => '0.1.0');
  const unused = (name: string) => () => {
    throw new Error(`${name} is not part of this test`);
  };
  const engine: EngineApi = {
    profileFile,
    profileRange,
    version,
    readFileRange: unused('readFileRange'),
    openMasker: unused('openMasker'),
    setPolicy: unused('setPolicy'),
    scan: unused('scan'),
    mask: unused('mask'),
    preview: unused('preview'),
    unmask: unused('unmask'),
    exportVault: unused('exportVault'),
    countTokens: unused('countTokens'),
    buildWindow: unused('buildWindow'),
    priceTable: unused('priceTable'),
    cleanOpenFile: unused('cleanOpenFile'),
    cleanOpenRange: unused('cleanOpenRange'),
    cleanStart: unused('cleanStart'),
    cleanStep: unused('cleanStep'),
    cleanFinish: unused('cleanFinish'),
    cleanCancel: unused('cleanCancel'),
    cleanValues: unused('cleanValues'),
    cleanUndo: unused('cleanUndo'),
    cleanCsv: unused('cleanCsv'),
    cleanDiffPage: unused('cleanDiffPage'),
    ...overrides,
  };
  return { engine, profileFile, profileRange };
}

describe('dispatch', () => {
  it('hands a file’s bytes, name and sheet to the engine', () => {
    const { engine, profileFile } = fakeEngine();
    const bytes = new Uint8Array([80, 75, 3, 4]).buffer;

    const response = dispatch(engine, { id: 7, type: 'profileFile', bytes, fileName: 'q1.xlsx', sheet: 'Budget' });

    expect(response).toEqual({ id: 7, ok: true, result: ledgerFile });
    const [passedBytes, fileName, sheet] = profileFile.mock.calls[0] ?? [];
    expect(passedBytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(passedBytes ?? [])).toEqual([80, 75, 3, 4]);
    expect(fileName).toBe('q1.xlsx');
    expect(sheet).toBe('Budget');
  });

  it('passes a missing sheet as null, meaning "the first sheet with data"', () => {
    const { engine, profileFile } = fakeEngine();
    dispatch(engine, { id: 1, type: 'profileFile', bytes: new ArrayBuffer(0), fileName: 'a.csv' });
    expect(profileFile.mock.calls[0]?.[2]).toBeNull();
  });

  it('profiles a range and reports the version', () => {
    const { engine, profileRange } = fakeEngine();
    const range = { values: [['Amount'], [12.5]], numberFormat: [['General'], ['0.00']] };

    expect(dispatch(engine, { id: 2, type: 'profileRange', range })).toEqual({ id: 2, ok: true, result: ledgerProfile });
    expect(profileRange).toHaveBeenCalledWith(range);
    expect(dispatch(engine, { id: 3, type: 'version' })).toEqual({ id: 3, ok: true, result: '0.1.0' });
  });

  it('turns an engine Error into an error reply with its message', () => {
    const { engine } = fakeEngine({
      profileFile: () => {
        throw new Error('“notes.txt” is not a spreadsheet or CSV file.');
      },
    });
    expect(dispatch(engine, { id: 4, type: 'profileFile', bytes: new ArrayBuffer(1), fileName: 'notes.txt' })).toEqual({
      id: 4,
      ok: false,
      error: '“notes.txt” is not a spreadsheet or CSV file.',
    });
  });

  it('turns a thrown string (as wasm-bindgen may throw) into an error reply', () => {
    const { engine } = fakeEngine({
      profileRange: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what wasm-bindgen does with a JsValue error
        throw 'range too large';
      },
    });
    expect(dispatch(engine, { id: 5, type: 'profileRange', range: { values: [] } })).toEqual({ id: 5, ok: false, error: 'range too large' });
  });

  it('turns a wasm trap into a crash reply, so the client replaces the worker', () => {
    const { engine } = fakeEngine({
      version: () => {
        throw new WebAssembly.RuntimeError('unreachable');
      },
    });
    expect(dispatch(engine, { id: 9, type: 'version' })).toEqual({ id: 9, ok: false, error: ENGINE_CRASHED, crashed: true });
  });

  it('answers an unknown request type with an error instead of ignoring it', () => {
    const request = { id: 6, type: 'explode' } as unknown as EngineRequest;
    expect(dispatch(fakeEngine().engine, request)).toEqual({ id: 6, ok: false, error: 'The engine does not understand the request "explode".' });
  });
});

describe('createRequestHandler', () => {
  it('loads the engine once and reuses it for every request', async () => {
    const { engine } = fakeEngine();
    const loadEngine = vi.fn(() => Promise.resolve(engine));
    const replies: EngineResponse[] = [];
    const handle = createRequestHandler(loadEngine, (response) => replies.push(response));

    await Promise.all([handle({ id: 1, type: 'version' }), handle({ id: 2, type: 'version' })]);
    await handle({ id: 3, type: 'profileRange', range: { values: [] } });

    expect(loadEngine).toHaveBeenCalledTimes(1);
    expect(replies.map((reply) => reply.id)).toEqual([1, 2, 3]);
    expect(replies.every((reply) => reply.ok)).toBe(true);
  });

  it('answers every request with the load failure when the engine cannot start', async () => {
    const replies: EngineResponse[] = [];
    const handle = createRequestHandler(
      () => Promise.reject(new Error('CompileError: invalid wasm')),
      (response) => replies.push(response),
    );

    await handle({ id: 1, type: 'version' });
    await handle({ id: 2, type: 'profileRange', range: { values: [] } });

    expect(replies).toEqual([
      { id: 1, ok: false, error: 'The engine could not start: CompileError: invalid wasm' },
      { id: 2, ok: false, error: 'The engine could not start: CompileError: invalid wasm' },
    ]);
  });
});

describe('dispatch of cleaning requests', () => {
  it('hands a file to the cleaner with its sheet, and a job its steps in turn', () => {
    const opened = { profile: ledgerProfile, recipe: { version: 1, steps: [] }, sheetName: 'Sheet1', sheetNames: ['Sheet1'] };
    const cleanOpenFile = vi.fn<EngineApi['cleanOpenFile']>(() => opened);
    const progress = { done: false, stepsDone: 0, stepsTotal: 1, step: null };
    const cleanStart = vi.fn<EngineApi['cleanStart']>(() => progress);
    const cleanStep = vi.fn<EngineApi['cleanStep']>(() => ({ ...progress, done: true, stepsDone: 1 }));
    const cleanCancel = vi.fn<EngineApi['cleanCancel']>();
    const { engine } = fakeEngine({ cleanOpenFile, cleanStart, cleanStep, cleanCancel });
    const recipe = { version: 1, steps: [{ op: 'duplicates', threshold: 0.5 }] };

    expect(dispatch(engine, { id: 1, type: 'cleanOpenFile', bytes: new ArrayBuffer(2), fileName: 'a.csv' })).toEqual({ id: 1, ok: true, result: opened });
    expect(cleanOpenFile.mock.calls[0]?.[0]).toBeInstanceOf(Uint8Array);
    expect(cleanOpenFile.mock.calls[0]?.slice(1)).toEqual(['a.csv', null]);
    expect(dispatch(engine, { id: 2, type: 'cleanStart', recipe })).toEqual({ id: 2, ok: true, result: progress });
    expect(cleanStart).toHaveBeenCalledWith(recipe);
    expect(dispatch(engine, { id: 3, type: 'cleanStep' })).toMatchObject({ id: 3, ok: true, result: { done: true, stepsDone: 1 } });
    expect(dispatch(engine, { id: 4, type: 'cleanCancel' })).toEqual({ id: 4, ok: true, result: null });
    expect(cleanCancel).toHaveBeenCalledOnce();
  });

  it('asks the cleaner for one page of the diff', () => {
    const change = { row: 4, column: 1, before: ' 1', after: 1, step: 0, reason: 'number read from text', confidence: 1 };
    const cleanDiffPage = vi.fn<EngineApi['cleanDiffPage']>(() => [change]);
    const { engine } = fakeEngine({ cleanDiffPage });

    expect(dispatch(engine, { id: 5, type: 'cleanDiffPage', start: 100, count: 50 })).toEqual({ id: 5, ok: true, result: [change] });
    expect(cleanDiffPage).toHaveBeenCalledWith(100, 50);
  });

  it('asks the cleaner for the values to write back, and undo only says whether it took a run back', () => {
    const sheet = { hasHeader: true, values: [['Amount'], [1]], numberFormats: [[null], ['0.00']] };
    const cleanValues = vi.fn<EngineApi['cleanValues']>(() => sheet);
    const cleanUndo = vi.fn<EngineApi['cleanUndo']>(() => false);
    const { engine } = fakeEngine({ cleanValues, cleanUndo });

    expect(dispatch(engine, { id: 6, type: 'cleanValues' })).toEqual({ id: 6, ok: true, result: sheet });
    expect(dispatch(engine, { id: 7, type: 'cleanUndo' })).toEqual({ id: 7, ok: true, result: false });
    expect(cleanValues).toHaveBeenCalledOnce();
    expect(cleanUndo).toHaveBeenCalledOnce();
  });
});
