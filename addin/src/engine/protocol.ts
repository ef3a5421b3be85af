import type { FileProfile, OfficeRange, TableProfile } from './types.ts';

/** What each request carries besides its type and id. */
export interface EngineRequestBodies {
  profileFile: { bytes: ArrayBuffer; fileName: string; sheet?: string | null };
  profileRange: { range: OfficeRange };
  version: object;
}

/** The result each request type resolves to. */
export interface EngineResults {
  profileFile: FileProfile;
  profileRange: TableProfile;
  version: string;
}

export type EngineRequestType = keyof EngineRequestBodies;

/** What the pane asks the engine worker to do; `id` pairs a reply with its request. */
export type EngineRequest = {
  [T in EngineRequestType]: { id: number; type: T } & EngineRequestBodies[T];
}[EngineRequestType];

export type EngineResponse =
  | { id: number; ok: true; result: EngineResults[EngineRequestType] }
  | { id: number; ok: false; error: string };
