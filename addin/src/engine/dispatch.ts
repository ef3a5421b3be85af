import { messageOf } from '../errors.ts';
import type { EngineRequest, EngineResponse } from './protocol.ts';
import type { FileProfile, OfficeRange, TableProfile } from './types.ts';

/** The engine as the worker uses it; the real one wraps the wasm bindings, tests pass a fake. */
export interface EngineApi {
  profileFile(bytes: Uint8Array, fileName: string, sheet?: string | null): FileProfile;
  profileRange(range: OfficeRange): TableProfile;
  version(): string;
}

/** Runs one request against a ready engine; never throws, failures become error replies. */
export function dispatch(engine: EngineApi, request: EngineRequest): EngineResponse {
  const { id } = request;
  try {
    switch (request.type) {
      case 'profileFile':
        return { id, ok: true, result: engine.profileFile(new Uint8Array(request.bytes), request.fileName, request.sheet ?? null) };
      case 'profileRange':
        return { id, ok: true, result: engine.profileRange(request.range) };
      case 'version':
        return { id, ok: true, result: engine.version() };
      default: {
        // Messages cross a thread boundary untyped, so an unknown type is possible at run time.
        const unknownType = (request as { type?: unknown }).type;
        return { id, ok: false, error: `The engine does not understand the request "${String(unknownType)}".` };
      }
    }
  } catch (thrown) {
    return { id, ok: false, error: messageOf(thrown, 'The engine failed without saying why.') };
  }
}

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
