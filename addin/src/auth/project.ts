// Which Supabase project the pane signs in with. An administrator configures
// the proxy once (SUPABASE_URL, SUPABASE_ANON_KEY) and every pane learns the
// project from it, so users never type a URL or a key. A project the user
// entered in Settings → Account still wins (e.g. a proxy that cannot announce one).

import type { AnnouncedProject } from '../api/proxy.ts';
import type { AuthConfig } from './auth.ts';
import { checkSupabaseUrl } from '../settings.ts';

/** The last project the proxy announced, so the pane offers sign-in when it starts offline. */
export const ANNOUNCED_PROJECT_KEY = 'ledgerlight.announced-project.v1';

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface ProjectSources {
  /** What the user saved in Settings → Account, if anything. */
  saved: AuthConfig | undefined;
  /** Asks the proxy (GET /api/v1/config). */
  announced: () => Promise<AnnouncedProject | null>;
  storage: KeyValueStore | undefined;
  /** Start-up waits at most this long for the proxy before using what it remembers. */
  timeoutMs?: number;
}

export async function signInProject({ saved, announced, storage, timeoutMs = 2000 }: ProjectSources): Promise<AuthConfig | undefined> {
  if (saved) return saved;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error('The proxy did not answer in time.'));
    }, timeoutMs);
  });
  try {
    const project = await Promise.race([announced(), timeout]);
    if (project && checkSupabaseUrl(project.supabaseUrl) === null) {
      storage?.setItem(ANNOUNCED_PROJECT_KEY, JSON.stringify(project));
      return project;
    }
    // The proxy signs in no one through Supabase (any more): forget the old project.
    storage?.removeItem(ANNOUNCED_PROJECT_KEY);
    return undefined;
  } catch {
    // Offline, or a slow proxy: the project it announced last time.
    return remembered(storage);
  } finally {
    clearTimeout(timer);
  }
}

function remembered(storage: KeyValueStore | undefined): AuthConfig | undefined {
  try {
    const parsed = JSON.parse(storage?.getItem(ANNOUNCED_PROJECT_KEY) ?? 'null') as Partial<AuthConfig> | null;
    if (parsed && typeof parsed.supabaseUrl === 'string' && typeof parsed.anonKey === 'string' && checkSupabaseUrl(parsed.supabaseUrl) === null) {
      return { supabaseUrl: parsed.supabaseUrl, anonKey: parsed.anonKey };
    }
  } catch {
    // An unreadable entry is the same as none.
  }
  return undefined;
}
