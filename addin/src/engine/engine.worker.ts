// Runs the wasm engine off the pane's main thread, so profiling a large
// workbook never freezes Excel's task pane.
import init from './pkg/engine_wasm.js';
import wasmUrl from './pkg/engine_wasm_bg.wasm?url';
import { createEngineApi } from './adapter.ts';
import { createRequestHandler } from './dispatch.ts';
import type { EngineRequest, EngineResponse } from './protocol.ts';

// The project type-checks with the DOM library, whose `self` is a Window;
// this is the slice of the dedicated worker scope the engine needs.
interface WorkerScope {
  onmessage: ((event: MessageEvent<EngineRequest>) => void) | null;
  postMessage(message: EngineResponse): void;
  close(): void;
}
const scope = self as unknown as WorkerScope;

const handle = createRequestHandler(
  async () => {
    // An explicit URL lets Vite fingerprint the wasm as an asset of the build.
    await init({ module_or_path: wasmUrl });
    return createEngineApi();
  },
  (response) => {
    scope.postMessage(response);
    // The client starts a fresh worker; this one's engine is unusable.
    if (!response.ok && response.crashed) scope.close();
  },
);

scope.onmessage = (event) => {
  void handle(event.data);
};
