import { CleanJob, Cleaner, Engine, Masker, engineVersion } from './pkg/engine_wasm.js';
import type { EngineApi } from './dispatch.ts';

const NO_MASKER = 'Masking has not started for this workbook yet. Open the Preview & Mask tab first.';
const NO_CLEANER = 'No table is open for cleaning yet. Profile a selection or a file first.';
const NO_JOB = 'No cleaning run is in progress.';

/** The wasm engine behind the worker's interface; call once the module is initialised. */
export function createEngineApi(): EngineApi {
  // One handle for the worker's lifetime: it holds the engine's settings.
  const engine = new Engine(null);
  // One masker at a time: the workbook the pane has open. Its vault keeps
  // the same value on the same pseudonym for as long as the pane keeps it.
  let masker: Masker | null = null;
  const openedMasker = (): Masker => {
    if (!masker) throw new Error(NO_MASKER);
    return masker;
  };
  // One cleaner at a time (the table last opened) and at most one job on it.
  let cleaner: Cleaner | null = null;
  let job: CleanJob | null = null;
  const openedCleaner = (): Cleaner => {
    if (!cleaner) throw new Error(NO_CLEANER);
    return cleaner;
  };
  const runningJob = (): CleanJob => {
    if (!job) throw new Error(NO_JOB);
    return job;
  };
  // Freeing a job that has not finished cancels it: the cleaner gets its table back as it was.
  const dropJob = () => {
    job?.free();
    job = null;
  };
  const replaceCleaner = (next: Cleaner) => {
    dropJob();
    cleaner?.free();
    cleaner = next;
    return { profile: next.profile(), recipe: next.suggest() };
  };
  return {
    profileFile: (bytes, fileName, sheet) => engine.profileFile(bytes, fileName, sheet),
    profileRange: (range) => engine.profileRange(range),
    readFileRange: (bytes, fileName) => {
      const cleaner = Cleaner.fromFile(bytes, fileName, null);
      try {
        const sheet = cleaner.values();
        return { values: sheet.values, hasHeader: sheet.hasHeader };
      } finally {
        cleaner.free();
      }
    },
    version: () => engineVersion(),
    openMasker: (source, policy) => {
      const next = 'vault' in source ? Masker.fromVault(source.vault, { policy }) : new Masker(source.key, { policy });
      masker?.free();
      masker = next;
      return next.vaultSize;
    },
    setPolicy: (policy) => {
      openedMasker().setPolicy(policy);
    },
    scan: (range) => openedMasker().scan(range),
    mask: (range) => openedMasker().mask(range),
    preview: (range, options) => openedMasker().preview(range, options),
    unmask: (text) => openedMasker().unmask(text),
    exportVault: () => openedMasker().exportVault(),
    countTokens: (text, model) => engine.countTokens(text, model ?? undefined),
    buildWindow: (input, limits, model) => engine.buildWindow(input, limits, model),
    priceTable: () => engine.priceTable(),
    cleanOpenFile: (bytes, fileName, sheet) => {
      // The workbook's sheet names come from the profile reader; the cleaner then reads the same sheet.
      const file = engine.profileFile(bytes, fileName, sheet);
      const opened = replaceCleaner(Cleaner.fromFile(bytes, fileName, { sheet: file.sheetName }));
      return { ...opened, sheetName: file.sheetName, sheetNames: file.sheetNames };
    },
    cleanOpenRange: (range) => replaceCleaner(new Cleaner(range, null)),
    cleanStart: (recipe) => {
      const current = openedCleaner();
      dropJob();
      const started = current.start(recipe);
      job = started;
      return started.progress;
    },
    cleanStep: () => runningJob().step(),
    cleanFinish: () => {
      const running = runningJob();
      try {
        return running.finish();
      } finally {
        dropJob();
      }
    },
    cleanCancel: () => {
      dropJob();
    },
    cleanValues: () => openedCleaner().values(),
    cleanUndo: () => openedCleaner().undo(),
    cleanCsv: () => openedCleaner().toCsv(),
    cleanDiffPage: (start, count) => openedCleaner().diffPage(start, count),
  };
}
