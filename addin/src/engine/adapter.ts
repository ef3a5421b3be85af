import { Engine, engineVersion } from './pkg/engine_wasm.js';
import type { EngineApi } from './dispatch.ts';

/** The wasm engine behind the worker's interface; call once the module is initialised. */
export function createEngineApi(): EngineApi {
  // One handle for the worker's lifetime: it holds the engine's settings.
  const engine = new Engine(null);
  return {
    profileFile: (bytes, fileName, sheet) => engine.profileFile(bytes, fileName, sheet),
    profileRange: (range) => engine.profileRange(range),
    version: () => engineVersion(),
  };
}
