import { Cleaner, Engine, Masker, engineVersion } from './pkg/engine_wasm.js';
import type { EngineApi } from './dispatch.ts';

const NO_MASKER = 'Masking has not started for this workbook yet. Open the Preview & Mask tab first.';

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
  };
}
